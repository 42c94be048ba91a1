"""Checkers for the notebooks' exercises: each says "right", or what is wrong and a hint.

A checker takes the student's answer (a number, a name, or None while unanswered) and returns a
:class:`Feedback`, which shows as one line in the notebook and is truthy when the answer is right.
The right answer is computed here from the formulas and the library, never printed, so the stored
notebooks carry no solutions. Numbers are accepted within 2 % (students round to 2–3 digits).
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

REL_TOL = 0.02


@dataclass(frozen=True)
class Feedback:
    ok: bool
    message: str

    def __bool__(self):
        return self.ok

    def __repr__(self):
        return ("✔ Right. " if self.ok else "✘ Not yet. ") + self.message


def _number(answer, right: float, *, rel: float = REL_TOL, hint: str, why: str) -> Feedback:
    """Compare a numeric ``answer`` with ``right`` to a relative tolerance ``rel``."""
    if answer is None:
        return Feedback(False, "No answer yet: replace None with a number. Hint: " + hint)
    if isinstance(answer, bool) or not isinstance(answer, numbers.Real) or not math.isfinite(answer):
        return Feedback(False, f"The answer should be a finite number, not {answer!r}. Hint: " + hint)
    if math.isclose(answer, right, rel_tol=rel):
        return Feedback(True, why)
    direction = "too large" if answer > right else "too small"
    return Feedback(False, f"{answer:.4g} is {direction}. Hint: " + hint)


# --------------------------------------------------------------------------- 01 why initialisation matters


def check_output_variance(answer, n=256, var_w=0.01, var_x=1.0) -> Feedback:
    """Var(y) for y = Σᵢ wᵢxᵢ over n inputs, zero-mean independent w and x: n·Var(w)·Var(x)."""
    return _number(answer, n * var_w * var_x, hint="each of the n products wᵢxᵢ has variance Var(w)·Var(x); variances of independent terms add.",
                   why="Var(y) = n·Var(w)·Var(x): the width multiplies the weight variance.")


def check_preserving_std(answer, n=512) -> Feedback:
    """The weight std that keeps Var(y) = Var(x) through a linear layer of fan_in n: 1/√n."""
    return _number(answer, 1 / math.sqrt(n), hint="solve n·Var(w) = 1 for the std of w.",
                   why="std(w) = 1/√n keeps the variance of a linear layer's output equal to its input's.")


# --------------------------------------------------------------------------- 02 uniform and normal random init


def check_uniform_variance(answer, r=0.1) -> Feedback:
    """The variance of U[−r, r]: r²/3."""
    return _number(answer, r * r / 3, hint="U[a, b] has variance (b − a)²/12.",
                   why="U[−r, r] has variance (2r)²/12 = r²/3.")


def check_epsilon(answer, fan_in=25, fan_out=10) -> Feedback:
    """The ε of the article's rule √6/√(L_in + L_out) for another layer."""
    return _number(answer, math.sqrt(6 / (fan_in + fan_out)), hint="ε = √6 / √(L_in + L_out) with this layer's sizes.",
                   why="each layer wants its own ε: 0.12 was right for 400 → 25 only.")


# --------------------------------------------------------------------------- 03 Xavier/Glorot


def check_glorot_bound(answer, fan_in=300, fan_out=100) -> Feedback:
    """Glorot's uniform bound √(6 / (fan_in + fan_out))."""
    return _number(answer, math.sqrt(6 / (fan_in + fan_out)),
                   hint="U[−b, b] has variance b²/3; set it equal to 2/(n_in + n_out) and solve for b.",
                   why="b = √(6/(n_in + n_out)) gives the compromise variance 2/(n_in + n_out).")


def check_article_xavier_ratio(answer) -> Feedback:
    """The article's Xavier std √(1/(n+m)) divided by Glorot's √(2/(n+m)): 1/√2."""
    return _number(answer, 1 / math.sqrt(2), hint="divide √(1/(n+m)) by √(2/(n+m)); n and m cancel.",
                   why="the article's std is 1/√2 ≈ 0.707 of Glorot's: half the variance.")


# --------------------------------------------------------------------------- 04 He/Kaiming


def check_he_std(answer, fan_in=512) -> Feedback:
    """He's std for a ReLU layer: √(2 / fan_in)."""
    return _number(answer, math.sqrt(2 / fan_in), hint="ReLU keeps half of the second moment, so double the variance 1/n.",
                   why="std = √(2/n_in) makes up for the half that ReLU zeroes.")


def check_leaky_gain(answer, slope=0.2) -> Feedback:
    """The He gain for leaky ReLU with negative slope a: √(2 / (1 + a²))."""
    from .initializers import calculate_gain

    # 0.5 % tolerance: √2 (the slope forgotten) is only 2 % away for a = 0.2.
    return _number(answer, calculate_gain("leaky_relu", slope), rel=0.005,
                   hint="leaky ReLU keeps E[x²]·(1 + a²)/2 of the second moment; the gain squared undoes that.",
                   why="gain = √(2/(1 + a²)); for a = 0 it is ReLU's √2.")


def check_relu_xavier_shrink(answer, layers=30) -> Feedback:
    """std(layer L)/std(layer 1) of a square ReLU net under variance 1/n weights: 2^(−(L−1)/2)."""
    return _number(answer, 2.0 ** (-(layers - 1) / 2), rel=0.05,
                   hint="each ReLU layer with variance 1/n halves the second moment; count the layers between 1 and L.",
                   why="the std shrinks by √2 per layer: 2^(−(L−1)/2) after L − 1 layers.")


# --------------------------------------------------------------------------- 05 training under each scheme


def check_best_scheme(answer, accuracies: dict) -> Feedback:
    """The scheme with the best final accuracy in ``accuracies`` ({scheme: accuracy}); ties within 1 % count."""
    best = max(accuracies.values())
    winners = sorted(k for k, v in accuracies.items() if v >= best - 0.01)
    if answer is None:
        return Feedback(False, "No answer yet: write the name of a scheme as a string. Hint: read the results table.")
    if answer not in accuracies:
        return Feedback(False, f"{answer!r} is not one of the schemes trained here: {', '.join(accuracies)}.")
    if answer in winners:
        return Feedback(True, f"{answer} is among the best ({len(winners)} within 1 % of the top).")
    return Feedback(False, f"{answer} reached {accuracies[answer]:.1%}; the best reached {best:.1%}. Hint: sort the table by accuracy.")


def check_update_ratio(answer) -> Feedback:
    """The rule-of-thumb update:data ratio std(ΔW)/std(W) per step (Karpathy): about 1e-3."""
    if isinstance(answer, numbers.Real) and not isinstance(answer, bool) and answer > 0:
        ok = 1e-3 / 3 <= answer <= 3e-3
        return Feedback(ok, "about 1e-3: each step changes a weight by a thousandth of its size." if ok else
                        f"{answer:.3g} is off by more than 3×. Hint: look at the reference line on the update:data plot.")
    return _number(answer, 1e-3, hint="look at the reference line on the update:data plot.", why="")


# --------------------------------------------------------------------------- 06 explorer


def check_critical_gain_tanh(answer) -> Feedback:
    """The weight gain g (std g/√n) at the order/chaos boundary of a tanh net without biases: 1."""
    from .theory import critical_sigma_w2

    return _number(answer, math.sqrt(critical_sigma_w2("tanh", 0.0)),
                   hint="tanh, xavier_normal, depth 30: find the gain below which the forward std keeps falling "
                        "toward 0 and above which it levels off (tanh′(0) = 1, so for a small signal χ₁ = σ_w² = g²).",
                   why="at g = 1, χ₁ = σ_w²·E[tanh′²] → 1 as the signal fades: the edge of chaos. Below it signals "
                       "die out (order), above it units saturate and gradients grow (chaos).")


def check_relu_gain(answer) -> Feedback:
    """The gain on a variance-1/n scheme (Xavier on square layers, LeCun) that keeps a ReLU net's std flat: √2."""
    return _number(answer, math.sqrt(2),
                   hint="relu, xavier_normal (n·Var(W) = 1 on square layers): ReLU keeps half of E[s²] per layer, "
                        "so the std shrinks ×0.71; which gain undoes that? Compare with He at gain 1.",
                   why="g = √2 is He's rule: σ_w² = 2 is ReLU's critical point.")


# --------------------------------------------------------------------------- 07 beyond


def check_selu_fixed_point(answer) -> Feedback:
    """(mean, variance) of SELU activations deep in a LeCun-normal net: (0, 1)."""
    if answer is None:
        return Feedback(False, "No answer yet: give a pair (mean, variance). Hint: read the last layer of the SELU plot.")
    try:
        mean, var = (float(a) for a in answer)
    except (TypeError, ValueError):
        return Feedback(False, f"The answer should be a pair (mean, variance), not {answer!r}.")
    ok = abs(mean) < 0.05 and abs(var - 1) < 0.05
    return Feedback(ok, "SELU's constants make (0, 1) an attracting fixed point." if ok else
                    f"({mean:.3g}, {var:.3g}) is not where SELU settles. Hint: Klambauer et al. chose α and λ for a fixed point.")


def check_lsuv_gain_relu(answer) -> Feedback:
    """The gain std(W)·√fan_in that LSUV learns for a ReLU net: √2."""
    return _number(answer, math.sqrt(2), rel=0.05, hint="LSUV rescales each layer to unit pre-activation variance; what does He choose?",
                   why="LSUV rediscovers He's √2 from data.")
