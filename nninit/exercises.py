"""Checkers for the notebooks' exercises: each says "right", or what is wrong and a hint.

A checker takes the student's answer and returns a :class:`Feedback`, which shows as one line in the
notebook and is truthy when the answer is right. The right answer is computed here from the formulas
and the library, never printed, so the stored notebooks carry no solutions, and no hint names it.

Two kinds:

- **Number checkers** (``check_he_std(0.0625)``). An answer that agrees with the right value when both
  are rounded to 2 significant figures is right (0.12 for √(6/400) = 0.1225). An answer that is off by
  rounding only, the right value rounded to 1 significant figure or a 2-figure answer one unit off in
  its last digit (an intermediate step rounded too early), is told "close" and asked for 3 significant
  figures, never "too small" or "too large".
- **Code checkers** (``check_my_he_uniform(my_he_uniform)``). They call the student's function on
  fixed seeds and test what it returns: the shape, hard bounds, and a statistical test whose false-alarm
  rate (a right function rejected) is stated in the checker's docstring. A failing test comes with a
  hint aimed at the typical mistake.

The checkers' own parameters (a width, a slope, a table of accuracies) are checked like every nninit
argument: a wrong type or value raises ``TypeError``/``ValueError`` naming the argument. The student's
answer never raises: whatever it is, the feedback says what is wrong with it.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from decimal import Decimal

import numpy as np

from . import _checks

FIGURES = 2  # significant figures an answer must agree to


@dataclass(frozen=True)
class Feedback:
    ok: bool
    message: str

    def __bool__(self):
        return self.ok

    def __repr__(self):
        return ("✔ Right. " if self.ok else "✘ Not yet. ") + self.message


# --------------------------------------------------------------------------- number answers


def _exponent(x: float) -> int:
    """The power of ten of ``x``'s first significant figure: 2 for 345.0, -2 for 0.0125."""
    return math.floor(math.log10(abs(x)))


def _figures(x: float) -> int:
    """How many significant figures the student wrote: 1 for 0.02, 3 for 0.0625 (shortest repr)."""
    return len(Decimal(repr(float(x))).normalize().as_tuple().digits)


def _is_number(answer) -> bool:
    return isinstance(answer, numbers.Real) and not isinstance(answer, bool) and math.isfinite(answer)


def _number(answer, right: float, *, hint: str, why: str) -> Feedback:
    """Compare a numeric ``answer`` with ``right`` (nonzero) to 2 significant figures.

    Right: |answer − right| ≤ ½ unit of right's 2nd significant figure (the two agree once rounded
    to 2 figures). Close: within ½ unit of the answer's own last figure when it has one figure (the
    right value, rounded to 1 figure), within 1 unit when it has two (an intermediate step rounded).
    """
    if answer is None:
        return Feedback(False, "No answer yet: replace None with a number. Hint: " + hint)
    if not _is_number(answer):
        return Feedback(False, f"The answer should be a finite number, not {answer!r}. Hint: " + hint)
    answer = float(answer)
    err = abs(answer - right)
    slack = 1 + 1e-9  # binary floats: 0.0625 − 0.063 is not exactly half a unit
    if err <= 0.5 * 10.0 ** (_exponent(right) - FIGURES + 1) * slack:
        return Feedback(True, why)
    if answer != 0:
        figures = _figures(answer)
        unit = 10.0 ** (_exponent(answer) - figures + 1)  # of the answer's last figure
        if figures <= FIGURES and err <= (0.5 if figures == 1 else 1.0) * unit * slack:
            return Feedback(False, f"Close: {answer:g} is off by rounding only. Give 3 significant "
                                   "figures, and round only the final result.")
    direction = "too large" if answer > right else "too small"
    return Feedback(False, f"{answer:.4g} is {direction}. Hint: " + hint)


# --------------------------------------------------------------------------- code answers


def _code(fn, name: str, signature: str) -> Feedback | None:
    """Feedback if ``fn`` is not a function yet, else None."""
    if fn is None:
        return Feedback(False, f"No answer yet: write the function `{name}{signature}` and pass it "
                               f"(the function itself, without calling it): check({name}).")
    if not callable(fn):
        return Feedback(False, f"Pass the function itself, `{name}`, not {type(fn).__name__} "
                               f"{fn!r:.60}; it is called as {name}{signature}.")
    return None


def _call(fn, *args, **kwargs):
    """Call the student's function; return (result, None) or (None, Feedback on the exception)."""
    try:
        return fn(*args, **kwargs), None
    except Exception as e:  # the student's code: report it, do not crash the checker
        call = ", ".join([*map(repr, args), *(f"{k}={v!r}" for k, v in kwargs.items())])
        return None, Feedback(False, f"Calling it with ({call}) raised {type(e).__name__}: {e}")


def _array(result, what: str, shape) -> tuple[np.ndarray | None, Feedback | None]:
    """``result`` as a float array of ``shape``, or a Feedback saying why it is not one."""
    if result is None:
        return None, Feedback(False, f"No answer yet: the function returns None; make it return {what}.")
    try:
        a = np.asarray(result, dtype=np.float64)
    except (TypeError, ValueError):
        return None, Feedback(False, f"It returned {type(result).__name__}, not {what}.")
    if a.shape != tuple(shape):
        return None, Feedback(False, f"It returned an array of shape {a.shape}; {what} has shape "
                                     f"{tuple(shape)}.")
    if not np.all(np.isfinite(a)):
        return None, Feedback(False, f"It returned {what} with NaN or infinite entries.")
    return a, None


def _returned_array(fn, what: str, shape, *args, **kwargs) -> tuple[np.ndarray | None, Feedback | None]:
    """Call the student's ``fn(*args, **kwargs)`` and read its result as a float array of ``shape``
    (:func:`_call`, then :func:`_array`): (array, None), or (None, Feedback saying what went wrong)."""
    result, bad = _call(fn, *args, **kwargs)
    return (None, bad) if bad is not None else _array(result, what, shape)


def _same_draws(fn, args, name: str) -> Feedback | None:
    """Same seed, same array: the function must draw from the ``rng`` it is given."""
    first, bad = _call(fn, *args, rng=np.random.default_rng(7))
    second, bad2 = _call(fn, *args, rng=np.random.default_rng(7))
    if bad is not None or bad2 is not None:
        return bad if bad is not None else bad2
    if not np.array_equal(np.asarray(first), np.asarray(second)):
        return Feedback(False, f"Two calls with the same seed gave different arrays. Hint: draw with "
                               f"the generator `rng` that {name} receives (rng.random, "
                               "rng.standard_normal, ...), not with np.random.")
    return None


def _uniform_test(fn, name: str, bound, shapes, hint_for, *, signature="(shape, rng)",
                  what="a weight matrix (fan_in, fan_out)", call=None) -> Feedback | None:
    """Shared test of a function ``fn(shape, rng)`` that should draw U[−b, b], b = bound(shape).

    For each shape (at least 10,000 draws): every |w| ≤ b (exact), the largest |w| > 0.99·b (a right
    function fails this with probability < 0.99^10000 ≈ 2e-44), |mean| and mean(w²) within 5 standard
    errors of 0 and b²/3 (each fails with probability 5.7e-7, so all 2·len(shapes) with < 1e-5).
    ``hint_for(shape, measured_b2)`` names the typical mistake from the measured bound². The function
    is called as ``call(shape, rng)`` (default: ``fn`` itself), for a student's function whose
    arguments are not a shape.
    """
    if (missing := _code(fn, name, signature)) is not None:
        return missing
    call = call or fn
    for shape in shapes:
        b = bound(shape)
        w, bad = _returned_array(call, what, shape, shape, rng=np.random.default_rng(0))
        if bad is not None:
            return bad
        n = w.size
        mean, mean_sq = w.mean(), np.mean(w * w)
        # U[−b, b]: sd of w is b/√3; E[w⁴] = b⁴/5, so sd of w² is b²·√(1/5 − 1/9).
        mean_ok = abs(mean) <= 5 * b / math.sqrt(3 * n)
        var_ok = abs(mean_sq - b * b / 3) <= 5 * b * b * math.sqrt(1 / 5 - 1 / 9) / math.sqrt(n)
        if not mean_ok:
            return Feedback(False, f"For shape {shape} the weights have mean {mean:.3g}, not 0. "
                                   "Hint: rng.random() draws from [0, 1); stretch it to [−b, b].")
        if np.abs(w).max() > b * (1 + 1e-12) or not var_ok or np.abs(w).max() < 0.99 * b:
            return Feedback(False, f"For shape {shape} the weights are not U[−b, b] with the right b. "
                                   "Hint: " + hint_for(shape, 3 * mean_sq))
    if (bad := _same_draws(call, (shapes[0],), name)) is not None:
        return bad
    return None


# --------------------------------------------------------------------------- 01 why initialisation matters


def check_output_variance(answer, n=256, var_w=0.01, var_x=1.0) -> Feedback:
    """Var(y) for y = Σᵢ wᵢxᵢ over n inputs, zero-mean independent w and x: n·Var(w)·Var(x)."""
    n = _checks.positive_int("n", n)
    var_w = _checks.real("var_w", var_w, positive=True)
    var_x = _checks.real("var_x", var_x, positive=True)
    return _number(answer, n * var_w * var_x,
                   hint="each of the n products wᵢxᵢ has variance Var(w)·Var(x); variances of "
                        "independent terms add.",
                   why="Var(y) = n·Var(w)·Var(x): the width multiplies the weight variance.")


def check_preserving_std(answer, n=512) -> Feedback:
    """The weight std that keeps Var(y) = Var(x) through a linear layer of fan_in n: 1/√n."""
    n = _checks.positive_int("n", n)
    return _number(answer, 1 / math.sqrt(n), hint="solve n·Var(w) = 1 for Var(w), then take the square "
                                                  "root: a std.",
                   why="std(w) = 1/√n keeps the variance of a linear layer's output equal to its input's.")


def check_forward_stds(fn) -> Feedback:
    """Code: ``forward_stds(std_w, n, depth, rng)``, the std of the signal after each of ``depth``
    linear layers of width ``n`` with weights std_w·N(0, 1), from a batch of N(0, 1) inputs.

    Called with (0.1, 256, 5) and (0.05, 400, 4): the log of layer l's std must lie within 0.1 of
    l·log(√n·std_w). Over 300 seeds with 200 examples the log at layer 5 scattered with sd 0.013, so
    the tolerance is 7.5 sd: a right function with at least 200 examples fails with probability < 1e-12.
    """
    if (missing := _code(fn, "forward_stds", "(std_w, n, depth, rng)")) is not None:
        return missing
    for std_w, n, depth in ((0.1, 256, 5), (0.05, 400, 4)):
        s, bad = _returned_array(fn, f"one std per layer ({depth} numbers)", (depth,),
                                 std_w, n, depth, rng=np.random.default_rng(0))
        if bad is not None:
            return bad
        if np.any(s <= 0):
            return Feedback(False, "A std is never negative or zero here. Hint: return x.std() after "
                                   "each layer.")
        step = math.sqrt(n) * std_w
        measured = np.log(s)
        expected = np.arange(1, depth + 1) * math.log(step)
        if np.all(np.abs(measured - expected) <= 0.1):
            continue
        if depth > 1 and np.allclose(s, s[0], rtol=0.05):
            hint = "every layer must take the previous layer's output as its input (x = x @ W in a loop)."
        elif np.all(np.abs(measured - 2 * expected) <= 0.2):
            hint = "each layer multiplies the variance by n·std_w², the std by √n·std_w: return stds, not " \
                   "variances, and draw W as std_w * rng.standard_normal((n, n))."
        else:
            hint = "draw the inputs as rng.standard_normal((1000, n)) and each W as std_w * " \
                   "rng.standard_normal((n, n)); record x.std() after x = x @ W."
        return Feedback(False, f"With std_w = {std_w}, n = {n} the stds do not follow the rule "
                               "Var(y) = n·Var(w)·Var(x). Hint: " + hint)
    return Feedback(True, "each linear layer multiplies the std by √n·std_w: the rule, measured.")


# ------------------------------------------------------------------------- 02 uniform and normal random init


def check_uniform_variance(answer, r=0.1) -> Feedback:
    """The variance of U[−r, r]: r²/3."""
    r = _checks.real("r", r, positive=True)
    return _number(answer, r * r / 3, hint="U[a, b] has variance (b − a)²/12.",
                   why="U[−r, r] has variance (2r)²/12 = r²/3.")


def check_epsilon(answer, fan_in=25, fan_out=10) -> Feedback:
    """The ε of the article's rule √6/√(L_in + L_out) for another layer."""
    fan_in = _checks.positive_int("fan_in", fan_in)
    fan_out = _checks.positive_int("fan_out", fan_out)
    return _number(answer, math.sqrt(6 / (fan_in + fan_out)), hint="ε = √6 / √(L_in + L_out) with this "
                                                                   "layer's sizes.",
                   why="each layer wants its own ε: 0.12 was right for 400 → 25 only.")


def check_my_uniform_init(fn) -> Feedback:
    """Code: ``my_uniform_init(n, m, r, rng)``, the article's U[−r, r] of shape (n, m) in one
    vectorised draw.

    Called with (300, 100, 0.1) and (20, 500, 0.25): the shared uniform test (bounds, mean, mean
    square; false-alarm rate < 1e-5); same seed, same array.
    """
    r = {(300, 100): 0.1, (20, 500): 0.25}
    bad = _uniform_test(fn, "my_uniform_init", r.get, list(r),
                        lambda shape, b2: "2·r·u − r maps u in [0, 1) to [−r, r).",
                        signature="(n, m, r, rng)", what="an (n, m) matrix",
                        call=lambda shape, rng: fn(*shape, r[shape], rng=rng))
    if bad is not None:
        return bad
    return Feedback(True, "one call draws the whole matrix: same distribution as the loop, a fraction "
                          "of the time.")


# --------------------------------------------------------------------------- 03 Xavier/Glorot


def check_glorot_bound(answer, fan_in=300, fan_out=100) -> Feedback:
    """Glorot's uniform bound √(6 / (fan_in + fan_out))."""
    fan_in = _checks.positive_int("fan_in", fan_in)
    fan_out = _checks.positive_int("fan_out", fan_out)
    return _number(answer, math.sqrt(6 / (fan_in + fan_out)),
                   hint="U[−b, b] has variance b²/3; set it equal to 2/(n_in + n_out) and solve for b.",
                   why="b = √(6/(n_in + n_out)) gives the compromise variance 2/(n_in + n_out).")


def check_article_xavier_ratio(answer) -> Feedback:
    """The article's Xavier std √(1/(n+m)) divided by Glorot's √(2/(n+m)): 1/√2."""
    return _number(answer, 1 / math.sqrt(2), hint="divide √(1/(n+m)) by √(2/(n+m)); n and m cancel.",
                   why="the article's std is 1/√2 ≈ 0.707 of Glorot's: half the variance.")


def _glorot_hint(shape, b2) -> str:
    fan_in, fan_out = shape
    if math.isclose(b2, 2 / (fan_in + fan_out), rel_tol=0.1):
        return ("that is the bound of a variance 2/(3(n_in + n_out)): U[−b, b] has variance b²/3, so b "
                "= √(6/(n_in + n_out)).")
    if math.isclose(b2, 3 / (fan_in + fan_out), rel_tol=0.1):
        return "that is the article's variance 1/(n_in + n_out), half of Glorot's."
    return "the bound is √(6/(n_in + n_out)), with n_in, n_out = shape (a weight is (fan_in, fan_out))."


def check_my_glorot_uniform(fn) -> Feedback:
    """Code: ``my_glorot_uniform(shape, rng)``, Glorot's U[−b, b] with b = √(6/(fan_in + fan_out)),
    shape (fan_in, fan_out).

    Called with shapes (300, 100) and (64, 512); the tests of the shared uniform test (false-alarm
    rate < 1e-5): bounds, mean, mean square; same seed, same array.
    """
    bad = _uniform_test(fn, "my_glorot_uniform", lambda s: math.sqrt(6 / (s[0] + s[1])),
                        [(300, 100), (64, 512)], _glorot_hint)
    if bad is not None:
        return bad
    return Feedback(True, "U[±√(6/(n_in + n_out))]: Glorot's variance 2/(n_in + n_out).")


# --------------------------------------------------------------------------- 04 He/Kaiming


def check_he_std(answer, fan_in=512) -> Feedback:
    """He's std for a ReLU layer: √(2 / fan_in)."""
    fan_in = _checks.positive_int("fan_in", fan_in)
    return _number(answer, math.sqrt(2 / fan_in), hint="ReLU keeps half of the second moment, so double "
                                                       "the variance 1/n.",
                   why="std = √(2/n_in) makes up for the half that ReLU zeroes.")


def check_leaky_gain(answer, slope=0.2) -> Feedback:
    """The He gain for leaky ReLU with negative slope a: √(2 / (1 + a²)).

    At a = 0.2 the right answer, 1.387, and the typical mistake (ReLU's √2, the slope forgotten) both
    round to 1.4, which is therefore accepted; lecture 04 asks for a = 0.4 (1.313) so that the
    mistake shows.
    """
    from .initializers import calculate_gain

    slope = _checks.real("slope", slope, nonnegative=True)
    return _number(answer, calculate_gain("leaky_relu", slope),
                   hint="leaky ReLU keeps E[s²]·(1 + a²)/2 of the second moment; the gain squared "
                        "undoes that.",
                   why="gain = √(2/(1 + a²)); for a = 0 it is ReLU's √2.")


def check_relu_xavier_shrink(answer, layers=30) -> Feedback:
    """std(layer L)/std(layer 1) of a square ReLU net under variance 1/n weights: 2^(−(L−1)/2)."""
    layers = _checks.positive_int("layers", layers)
    return _number(answer, 2.0 ** (-(layers - 1) / 2),
                   hint="each ReLU layer with variance 1/n halves the second moment; count the layers "
                        "between 1 and L.",
                   why="the std shrinks by √2 per layer: 2^(−(L−1)/2) after L − 1 layers.")


def _he_hint(shape, b2) -> str:
    fan_in, fan_out = shape
    if math.isclose(b2, 6 / fan_out, rel_tol=0.1):
        return ("you used fan_out; He's forward rule uses fan_in, the first axis of a (fan_in, fan_out) "
                "weight.")
    if math.isclose(b2, 2 / fan_in, rel_tol=0.1):
        return "√(2/n_in) is He's *std*; a uniform U[−b, b] has std b/√3, so b = √(6/n_in)."
    if math.isclose(b2, 3 / fan_in, rel_tol=0.1):
        return "that is LeCun's bound √(3/n_in), variance 1/n_in: ReLU needs twice the variance."
    return "b = √3 · (He's std √(2/n_in)), with n_in = shape[0]."


def check_my_he_uniform(fn) -> Feedback:
    """Code: ``my_he_uniform(shape, rng)``, He's U[−b, b] with b = √(6/fan_in), shape (fan_in, fan_out).

    Called with shapes (256, 128) and (64, 1024) (unequal fans, so fan_in and fan_out cannot be
    confused unnoticed); the shared uniform test (false-alarm rate < 1e-5); same seed, same array.
    """
    bad = _uniform_test(fn, "my_he_uniform", lambda s: math.sqrt(6 / s[0]), [(256, 128), (64, 1024)],
                        _he_hint)
    if bad is not None:
        return bad
    return Feedback(True, "U[±√(6/n_in)] has variance 2/n_in: He's rule for ReLU, as kaiming_uniform_.")


# --------------------------------------------------------------------------- 05 training under each scheme


def check_beyond_seed_spread(answer, accuracies, chance) -> Feedback:
    """Which schemes differ from the rest by more than the seed spread: the runs that *failed*.

    ``accuracies``: ``{scheme: final test accuracy in [0, 1]}``, ``None`` for a run that diverged;
    ``chance``: the accuracy of guessing (1/classes). A run failed if it diverged or ended within 10
    points of chance; between runs that learned, gaps of a point or two are what a change of seed
    alone does (the lecture measures it), so no such gap is an answer. ``answer``: a set (or list) of
    scheme names.
    """
    if not isinstance(accuracies, dict):
        raise TypeError(f"accuracies must be a dict {{scheme name: accuracy or None}}; got "
                        f"{accuracies!r:.80}")
    if not accuracies:
        raise ValueError("accuracies must name at least one scheme; got an empty dict")
    for name, acc in accuracies.items():
        if not isinstance(name, str):
            raise TypeError(f"accuracies must have scheme names (str) as keys; got {name!r}")
        if acc is None:
            continue
        if isinstance(acc, bool) or not isinstance(acc, numbers.Real):
            raise TypeError(f"accuracies[{name!r}] must be a number in [0, 1], or None if the run diverged; "
                            f"got {acc!r}")
        if not 0 <= acc <= 1:  # also False for NaN
            raise ValueError(f"accuracies[{name!r}] must be an accuracy in [0, 1], or None if the run "
                             f"diverged; got {acc!r}")
    chance = _checks.real("chance", chance, positive=True)
    if chance >= 1:
        raise ValueError(f"chance must be the accuracy of guessing, in (0, 1); got {chance!r}")
    failed = {k for k, v in accuracies.items() if v is None or v < chance + 0.1}
    hint = "compare each gap with what a change of seed alone does to one scheme (the seed-spread cell)."
    if answer is None:
        return Feedback(False, "No answer yet: give a set of scheme names, such as {'a', 'b'}. Hint: " + hint)
    if isinstance(answer, str) or not isinstance(answer, (set, frozenset, list, tuple)) or \
            not all(isinstance(a, str) for a in answer):
        return Feedback(False, f"The answer should be a set of scheme names, such as {{'a', 'b'}}, not "
                               f"{answer!r:.60}.")
    answer = set(answer)
    if unknown := sorted(answer - set(accuracies)):
        return Feedback(False, f"{', '.join(map(repr, unknown))}: not a scheme of the table "
                               f"({', '.join(accuracies)}).")
    if answer == failed:
        return Feedback(True, "only the failures survive any seed: the rest differ by what the seed "
                              "alone does.")
    if extra := sorted(answer - failed):
        return Feedback(False, f"{', '.join(extra)} learned like the others; one run a point or two lower is "
                               "inside the seed spread. Hint: " + hint)
    return Feedback(False, f"{len(failed - answer)} more run(s) differ beyond any seed. Hint: a run "
                           "that never learned, or never finished, differs under every seed.")


def check_update_ratio(answer) -> Feedback:
    """The rule-of-thumb update:data ratio std(ΔW)/std(W) per step (Karpathy): about 1e-3, within 3×."""
    hint = "look at the dashed reference line on the update:data plot."
    if answer is None:
        return Feedback(False, "No answer yet: replace None with a number. Hint: " + hint)
    if not _is_number(answer) or answer <= 0:
        return Feedback(False, f"The answer should be a positive number, not {answer!r}. Hint: " + hint)
    if 1e-3 / 3 <= answer <= 3e-3:
        return Feedback(True, "about 1e-3: each step changes a weight by a thousandth of its size.")
    return Feedback(False, f"{answer:.3g} is off by more than 3×. Hint: " + hint)


def check_saturated_share(fn) -> Feedback:
    """Code: ``saturated_share(net, X)``, per hidden layer of a tanh ``net``, the share of its
    activations on the batch ``X`` that are saturated, |a| > ``nninit.activations.TANH_SATURATION``.

    Deterministic: compared with the library's count on two fixed nets (to 1e-9).
    """
    from . import activations, data
    from .mlp import MLP

    if (missing := _code(fn, "saturated_share", "(net, X)")) is not None:
        return missing
    X, _ = data.spirals(200, rng=0)
    for std in (1.0, 0.3):
        net = MLP([2, 64, 64, 64, 3], "tanh", init=_normal(std), rng=0, dtype=np.float64)
        acts = net.probe(X).act[:-1]
        right = np.array([np.mean(np.abs(a) > activations.TANH_SATURATION) for a in acts])
        share, bad = _returned_array(fn, "one share per hidden layer (3 numbers)", right.shape, net, X)
        if bad is not None:
            return bad
        if np.allclose(share, right, rtol=0, atol=1e-9):
            continue
        variants = {
            "share, not a count: divide by the number of values (np.mean of a boolean array does it).":
                [np.sum(np.abs(a) > activations.TANH_SATURATION) for a in acts],
            "both tails count: compare |a|, np.abs(a), with the threshold.":
                [np.mean(a > activations.TANH_SATURATION) for a in acts],
            "use the course's one threshold, nninit.activations.TANH_SATURATION, not 0.99.":
                [np.mean(np.abs(a) > 0.99) for a in acts],
        }
        hint = next((h for h, v in variants.items() if np.allclose(share, v, rtol=0, atol=1e-9)),
                    "take net.probe(X).act of the hidden layers (all but the last) and the share of "
                    "values with |a| above the threshold in each.")
        return Feedback(False, f"On a tanh net with weights {std}·N(0, 1) the shares differ from the "
                               "library's. Hint: " + hint)
    return Feedback(True, "the saturated share, as the recorder and the plots count it.")


def _normal(std):
    from .initializers import get

    return get("normal", std=std)


# --------------------------------------------------------------------------- 06 explorer


def check_critical_gain_tanh(answer) -> Feedback:
    """The weight gain g (std g/√n) at the order/chaos boundary of a tanh net without biases: 1."""
    from .theory import critical_sigma_w2

    return _number(answer, math.sqrt(critical_sigma_w2("tanh", 0.0)),
                   hint="deep down the signal is small, and near 0 tanh(s) ≈ s: there a tanh layer acts "
                        "like a linear one. Which gain keeps a linear layer's std unchanged?",
                   why="at g = 1, χ₁ = σ_w²·E[tanh′²] → 1 as the signal fades: the edge of chaos. Below "
                       "it signals die out (order), above it units saturate and gradients grow (chaos).")


def check_relu_gain(answer) -> Feedback:
    """The gain on a variance-1/n scheme (Xavier on square layers, LeCun) that keeps a ReLU net's
    std flat: √2."""
    return _number(answer, math.sqrt(2),
                   hint="ReLU keeps half of E[s²] per layer and the gain multiplies the variance by g²: "
                        "which g² makes up for the half? The gain multiplies the std, so take the root.",
                   why="g = √2 is He's rule: σ_w² = 2 is ReLU's critical point.")


def check_variance_recursion(fn) -> Feedback:
    """Code: ``tanh_q(sigma_w2, q1, depth, rng)``, the mean-field recursion
    q_l = σ_w²·E[tanh(√q_{l−1}·z)²] by sampling z ~ N(0, 1), returning [q_1, ..., q_depth].

    Called with (2.0, 1.0, 10) and (1.5, 0.5, 10); each q_l must lie within 2 % of the quadrature
    (``theory.variance_map``). With 100,000 samples per layer the relative error scattered with sd
    ≤ 0.0036 over 300 seeds, so 2 % is 5.5 sd: a right function fails with probability < 1e-6.
    """
    from .theory import variance_map

    if (missing := _code(fn, "tanh_q", "(sigma_w2, q1, depth, rng)")) is not None:
        return missing

    def recursion(step, q1, depth):
        q = [q1]
        for _ in range(depth - 1):
            q.append(float(step(q[-1])))
        return np.array(q)

    for sigma_w2, q1, depth in ((2.0, 1.0, 10), (1.5, 0.5, 10)):
        right = recursion(lambda q: variance_map("tanh", sigma_w2, 0.0, q), q1, depth)
        q, bad = _returned_array(fn, f"[q_1, ..., q_{depth}] ({depth} numbers)", (depth,),
                                 sigma_w2, q1, depth, rng=np.random.default_rng(0))
        if bad is not None:
            return bad
        if np.all(np.abs(q / right - 1) <= 0.02):
            continue
        mistakes = {  # the typical slips, computed by quadrature
            "multiply the average by σ_w²: the next layer sums n_in terms, each of variance Var(W)·E[a²].":
                recursion(lambda q: variance_map("tanh", 1.0, 0.0, q), q1, depth),
            "z has variance 1, and s = √q·z has variance q: average np.tanh(np.sqrt(q) * z)**2.":
                recursion(lambda q: variance_map("tanh", sigma_w2, 0.0, q * q), q1, depth),
        }
        hint = next((h for h, v in mistakes.items() if np.allclose(q, v, rtol=0.05, atol=0.01)),
                    "start the list with q_1 itself, then append σ_w²·mean(tanh(√q·z)²) for each next layer.")
        return Feedback(False, f"With σ_w² = {sigma_w2}, q_1 = {q1} your q_l drift from the recursion "
                               "(more than 2 % off). Hint: " + hint)
    return Feedback(True, "the same recursion theory.variance_map computes by quadrature.")


# --------------------------------------------------------------------------- 07 beyond


def check_selu_fixed_point(answer) -> Feedback:
    """(mean, variance) of SELU activations deep in a LeCun-normal net: (0, 1), each within 0.05."""
    hint = ("Klambauer et al. chose λ and α so that a layer hands the next one the same (mean, variance) "
            "it received: which pair does a standardised input have?")
    if answer is None:
        return Feedback(False, "No answer yet: give a pair (mean, variance). Hint: " + hint)
    try:
        mean, var = (float(a) for a in answer)
    except (TypeError, ValueError):
        return Feedback(False, f"The answer should be a pair (mean, variance), not {answer!r}.")
    ok = abs(mean) < 0.05 and abs(var - 1) < 0.05
    return Feedback(ok, "SELU's constants make (0, 1) an attracting fixed point." if ok else
                    f"({mean:.3g}, {var:.3g}) is not where SELU settles. Hint: " + hint)


def check_lsuv_gain_relu(answer) -> Feedback:
    """The gain std(W)·√fan_in that LSUV learns for a ReLU net: √2."""
    return _number(answer, math.sqrt(2),
                   hint="for z ~ N(0, 1), ReLU keeps the positive half: what share of E[z²] = 1 is "
                        "E[relu(z)²]?",
                   why="LSUV rediscovers He's √2 from data.")


def check_my_orthogonal(fn) -> Feedback:
    """Code: ``my_orthogonal(n, rng)``, an n×n orthogonal matrix drawn uniformly (Haar): QR of a
    Gaussian matrix, each column of Q times the sign of R's diagonal entry.

    Three tests: WᵀW = I to 1e-8 for n = 64; same seed, same matrix; and uniformity: over 500 draws of
    n = 8 the mean of the diagonal entries must be within 5 standard errors of 0 (Haar: each entry has
    mean 0 and variance 1/n, distinct diagonal entries uncorrelated, so the standard error is
    1/(8·√500)); a right function fails with probability 6e-7. numpy's QR without the sign fix gives
    about −0.2, 35 standard errors off.
    """
    if (missing := _code(fn, "my_orthogonal", "(n, rng)")) is not None:
        return missing
    W, bad = _returned_array(fn, "an (n, n) matrix", (64, 64), 64, rng=np.random.default_rng(0))
    if bad is not None:
        return bad
    if not np.allclose(W.T @ W, np.eye(64), atol=1e-8):
        return Feedback(False, "WᵀW is not the identity. Hint: take Q of np.linalg.qr of a Gaussian matrix "
                               "(R is not orthogonal).")
    if (bad := _same_draws(fn, (8,), "my_orthogonal")) is not None:
        return bad
    rng = np.random.default_rng(1)
    diag = []
    for _ in range(500):
        Q, bad = _returned_array(fn, "an (n, n) matrix", (8, 8), 8, rng=rng)
        if bad is not None:
            return bad
        diag.append(np.diag(Q))
    if abs(np.mean(diag)) > 5 / (8 * math.sqrt(500)):
        return Feedback(False, f"Orthogonal, but not uniformly drawn: over 500 draws the diagonal entries "
                               f"average {np.mean(diag):.2f}, not 0. Hint: QR leaves a sign per column that "
                               "depends on the algorithm; multiply each column of Q by the sign of R's "
                               "diagonal entry (np.sign(np.diag(R))).")
    return Feedback(True, "a Haar-random orthogonal matrix, as nninit.orthogonal, "
                          "torch.nn.init.orthogonal_ draw.")


# --------------------------------------------------------------------------- 08 in practice


def check_initial_loss(answer, classes=100) -> Feedback:
    """The softmax cross-entropy of all-zero logits over ``classes`` classes: ln C."""
    classes = _checks.positive_int("classes", classes)
    if classes < 2:
        raise ValueError(f"classes must be at least 2; got {classes!r}")
    return _number(answer, math.log(classes),
                   hint="with equal logits softmax gives every class the same probability; "
                        "the loss is −log of it.",
                   why="L = −log(1/C) = ln C: the loss of a net that knows nothing yet.")


def _prior(arg, prior) -> np.ndarray:
    try:
        p = np.asarray(prior, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"{arg} must be a list of class shares summing to 1; got {prior!r}") from None
    if p.ndim != 1 or p.size < 2 or not np.all(p > 0) or abs(p.sum() - 1) > 1e-9:
        raise ValueError(f"{arg} must be at least two positive class shares summing to 1; got {prior!r}")
    return p


def check_prior_loss(answer, prior=(0.7, 0.2, 0.1)) -> Feedback:
    """The step-0 loss of a net whose logits are the output bias b = log(prior): the prior's entropy."""
    p = _prior("prior", prior)
    return _number(answer, float(-(p * np.log(p)).sum()),
                   hint="softmax(log p) = p, and each example of class k costs −log p_k; "
                        "average over the classes' shares.",
                   why="L₀ = −Σ p_k log p_k = H(p), the best a constant prediction can do.")


def check_gpt2_std(answer, n_layer=24) -> Feedback:
    """GPT-2's init std of a residual projection: 0.02 / √(2·n_layer)."""
    n_layer = _checks.positive_int("n_layer", n_layer)
    return _number(answer, 0.02 / math.sqrt(2 * n_layer),
                   hint="count the residual branches that add to the stream: two per layer "
                        "(attention and MLP).",
                   why="0.02/√(2·n_layer): the stream's variance then grows by at most a constant "
                       "factor with depth.")


def check_residual_growth(answer, blocks=64) -> Feedback:
    """std(x_B)/std(x_0) of a ReLU/He residual stream with α = 1/√B: √((1 + 1/B)^B)."""
    blocks = _checks.positive_int("blocks", blocks)
    return _number(answer, math.sqrt((1 + 1 / blocks) ** blocks),
                   hint="each block multiplies the variance by 1 + α²; multiply B of them, then "
                        "take the square root (a std).",
                   why="√((1 + 1/B)^B) < √e ≈ 1.65 for any depth: the 1/√B branch scale bounds the growth.")


def check_output_bias(fn) -> Feedback:
    """Code: ``output_bias(y, n_classes)``, the output bias (n_classes,) that makes a net whose logits
    are that bias predict the class prior of the labels ``y``: any b with softmax(b) = the shares of
    the classes in y (log p, up to a constant added to every entry, which softmax ignores).

    Called on two fixed label arrays (a class may be rare, none is absent); softmax(b) must match the
    shares to 1e-6. Deterministic: no false alarms.
    """
    if (missing := _code(fn, "output_bias", "(y, n_classes)")) is not None:
        return missing
    for n_classes, counts in ((3, (70, 20, 10)), (10, (400, 200, 100, 90, 80, 60, 40, 20, 8, 2))):
        y = np.repeat(np.arange(n_classes), counts)
        np.random.default_rng(n_classes).shuffle(y)
        b, bad = _returned_array(fn, "a bias vector (n_classes,)", (n_classes,), y, n_classes)
        if bad is not None:
            return bad
        prior = np.asarray(counts, dtype=np.float64) / sum(counts)
        e = np.exp(b - b.max())
        p = e / e.sum()
        if not np.allclose(p, prior, rtol=1e-6, atol=1e-12):
            if np.allclose(b, prior, rtol=1e-6):
                return Feedback(False, "The bias equals the shares themselves; softmax exponentiates it. "
                                       "Hint: which b gives softmax(b) = p?")
            return Feedback(False, f"With {n_classes} classes softmax(b) is {np.round(p, 3)}, "
                                   "not the classes' "
                                   "shares in y. Hint: count each class (np.bincount), divide by len(y), and "
                                   "undo the exponential of softmax.")
    return Feedback(True, "b = log p: softmax(b) = p, and the initial loss is the prior's entropy H(p).")
