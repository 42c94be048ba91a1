"""Signal propagation at initialisation: the mean-field predictions to draw beside a measurement.

A wide dense network with weights W_ij ~ (0, Var W) and biases b_j ~ (0, σ_b²) carries, at layer l,
pre-activations s = a_{l-1} W + b whose second moment q_l = E[s²] follows a one-dimensional
recursion (Poole et al. 2016, "Exponential expressivity in deep neural networks through transient
chaos"; Schoenholz et al. 2017, "Deep information propagation"):

    q_{l+1} = V(q_l) = σ_w² · E[φ(√q_l · z)²] + σ_b²,        z ~ N(0, 1),   σ_w² = fan_in · Var W

and back-propagated gradients dL/ds are multiplied, layer by layer, by

    χ(q) = σ_w² · E[φ'(√q · z)²]                              (σ_w² = fan_out · Var W here).

The stable fixed point q* = V(q*) is where a deep network's pre-activations settle, and
χ₁ = χ(q*) decides the phase: χ₁ < 1 is *ordered* (gradients vanish, nearby inputs merge),
χ₁ > 1 *chaotic* (gradients explode, nearby inputs fly apart), χ₁ = 1 the *edge of chaos*, where
signals and gradients travel deepest. ``critical_sigma_w2`` finds that edge.

How the expectations are computed
---------------------------------
E[f(√q z)] is a Gaussian integral, done by Gauss–Legendre quadrature on panels in z, split at
z = 0 and graded geometrically down to |z| = 1e-8 (740 nodes, built once). The textbook choice,
Gauss–Hermite (``numpy.polynomial.hermite_e.hermegauss``), is exact for polynomials but not good
enough here, measured: (1) every kink of the registry's activations sits at 0 (ReLU, leaky ReLU,
ELU, SELU), and n-point Gauss–Hermite converges only like 0.4/n across a kink (E|z| is still 2e-3
off at n = 200, and ``hermegauss`` overflows beyond n ≈ 300); (2) at large q, φ(√q z) changes on
the scale 1/√q (tanh at q = 480, the CS231n example, has its whole χ in |z| < 0.05), which a
fixed Hermite grid skips. The panels put the kink on a panel edge and resolve every scale from 1e-8
to 10 in z, so the expectations agree with adaptive-quadrature references to ~1e-13 relative for
every registry activation and 1e-8 <= q <= 1e12 (tests/test_theory.py checks closed forms, a
Gauss–Hermite reference where it is valid, and fine trapezoid references).

>>> round(chi1("tanh", 500.0, 0.0), 1)     # CS231n's tanh net: weights N(0, 1), width 500
12.1
>>> round(critical_sigma_w2("relu"), 9)    # He et al.'s gain² for ReLU, for any σ_b²
2.0
>>> round(critical_sigma_w2("tanh", 0.05), 3)
1.761
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

import numpy as np
from numpy.polynomial.legendre import leggauss

from . import _checks, activations, initializers
from .mlp import layer_names

__all__ = [
    "Prediction",
    "chi",
    "chi1",
    "critical_sigma_w2",
    "expect",
    "fixed_point",
    "predict",
    "predict_for",
    "variance_map",
]

# ----------------------------------------------------------------------------------------------
# Quadrature
# ----------------------------------------------------------------------------------------------

_Z_MIN, _Z_MAX, _RATIO, _POINTS = 1e-8, 10.0, 2.0, 10
_CHUNK = 2048  # q values per block, so that a (block, nodes) temporary stays ~10 MB
_Q_BIG = 1e30  # beyond this a recursion counts as divergent (q* = inf)
_Q_LIMIT = 1e24  # χ at q* = inf is the limit q → inf, evaluated here (error ~ 1/√q ≈ 1e-12)


def _rule():
    """Nodes z and weights w with Σ w f(z) ≈ E[f(z)], z ~ N(0, 1)."""
    k = int(np.ceil(np.log(1.0 / _Z_MIN) / np.log(_RATIO)))
    edges = np.concatenate([[0.0], _RATIO ** -np.arange(k, -1, -1.0), np.arange(2.0, _Z_MAX + 0.5)])
    x, w = leggauss(_POINTS)
    lo, hi = edges[:-1, None], edges[1:, None]
    z = (lo + (hi - lo) * (x + 1.0) / 2.0).ravel()
    wz = ((hi - lo) / 2.0 * w).ravel() * np.exp(-0.5 * z * z) / np.sqrt(2.0 * np.pi)
    return np.concatenate([-z[::-1], z]), np.concatenate([wz[::-1], wz])


_NODES, _WEIGHTS = _rule()


def _expect(f, q):
    """E[f(√q z)] for a float64 array q >= 0 (any shape), f applied to arrays of pre-activations."""
    q = np.asarray(q, dtype=np.float64)
    # q = 0 means the limit q → 0+: pre-activations tiny but of both signs, so that φ' on either
    # side of a kink at 0 counts (SELU's χ at q = 0 is σ_w² λ²(1 + α²)/2, not σ_w² (λα)²).
    flat = np.maximum(q.reshape(-1), 1e-300)
    out = np.empty(flat.shape)
    with np.errstate(over="ignore"):  # a product past 1e308 is inf, which is the right answer
        for i in range(0, flat.size, _CHUNK):
            x = np.sqrt(flat[i : i + _CHUNK, None]) * _NODES
            out[i : i + _CHUNK] = f(x) @ _WEIGHTS
    return out.reshape(q.shape)


# ----------------------------------------------------------------------------------------------
# Argument checks (scalars or arrays)
# ----------------------------------------------------------------------------------------------


def _act(activation) -> activations.Activation:
    return activations.get(activation)


def _values(arg: str, value) -> np.ndarray:
    """``value`` (a real number or array of them, all >= 0) as a float64 array."""
    if isinstance(value, (bool, np.bool_)) or isinstance(value, (str, bytes)):
        raise TypeError(f"{arg} must be a real number >= 0 or an array of them; got {value!r}")
    if isinstance(value, numbers.Real):
        arr = np.asarray(float(value))
    else:
        try:
            arr = np.asarray(value)
        except (TypeError, ValueError):  # ragged lists
            raise TypeError(f"{arg} must be a real number >= 0 or an array of them; got {value!r}") from None
        if arr.dtype.kind not in "iuf":
            raise TypeError(f"{arg} must be a real number >= 0 or an array of them; got {value!r}")
        arr = arr.astype(np.float64)
    bad = ~np.isfinite(arr)
    if bad.any():
        where = " in an array" if arr.ndim else ""
        raise ValueError(f"{arg} must be finite; got {float(arr[bad].flat[0])!r}{where}")
    if (arr < 0).any():
        raise ValueError(f"{arg} must be >= 0 (it is a variance); got {float(arr[arr < 0].flat[0])!r}")
    return arr


def _broadcast(**named) -> list:
    """The checked arrays broadcast together, or a ``ValueError`` naming them and their shapes."""
    try:
        return np.broadcast_arrays(*named.values())
    except ValueError:
        shapes = ", ".join(f"{k} of shape {np.shape(v)}" for k, v in named.items())
        raise ValueError(f"{', '.join(named)} must have matching shapes (or be single numbers), as numpy"
                         f" broadcasting needs; got {shapes}") from None


def _out(x):
    """A 0-d result as a Python float (prints cleanly in a notebook), arrays as they are."""
    x = np.asarray(x, dtype=np.float64)
    return float(x) if x.ndim == 0 else x


# ----------------------------------------------------------------------------------------------
# The maps
# ----------------------------------------------------------------------------------------------


def expect(f, q):
    """E[f(√q · z)] with z ~ N(0, 1): the Gaussian average every prediction here is made of.

    ``f`` maps an array of pre-activations to an array of the same shape; ``q`` (>= 0, finite, a
    number or an array) is the variance of the pre-activation. ``expect(np.square, q)`` is ``q``.
    """
    return _out(_expect(f, _values("q", q)))


def variance_map(activation, sigma_w2, sigma_b2, q):
    """The length map q_{l+1} = V(q_l) = σ_w² · E[φ(√q_l z)²] + σ_b²  (Poole et al. 2016, eq. 3).

    ``activation`` is a registry name (``nninit.activations.available()``) or an Activation;
    ``sigma_w2`` = fan_in · Var(W), ``sigma_b2`` = Var(b) and ``q`` = E[s_l²] are >= 0 and finite,
    numbers or arrays that broadcast together. ReLU: V(q) = σ_w² q / 2 + σ_b².
    """
    act = _act(activation)
    w2, b2, q = _broadcast(sigma_w2=_values("sigma_w2", sigma_w2), sigma_b2=_values("sigma_b2", sigma_b2),
                           q=_values("q", q))
    return _out(w2 * _expect(lambda x: np.square(act.fn(x)), q) + b2)


def chi(activation, sigma_w2, q):
    """The gradient factor χ(q) = σ_w² · E[φ'(√q z)²] (Schoenholz et al. 2017, eq. 5).

    Back-propagation through one layer multiplies E[(dL/ds)²] by χ (with σ_w² = fan_out · Var W);
    χ at the fixed point is :func:`chi1`. ReLU: χ = σ_w² / 2 for every q.
    """
    act = _act(activation)
    w2, q = _broadcast(sigma_w2=_values("sigma_w2", sigma_w2), q=_values("q", q))
    return _out(w2 * _expect(lambda x: np.square(act.grad(x)), q))


def _V(act, w2, b2, q):
    return w2 * _expect(lambda x: np.square(act.fn(x)), q) + b2


def _chi(act, w2, q):
    """χ at q, where q = inf means the limit q → ∞ (finite for every registry activation)."""
    q = np.where(np.isinf(q), _Q_LIMIT, q)
    return w2 * _expect(lambda x: np.square(act.grad(x)), q)


def _root(F, a, b, Fa, Fb, *, log=False, rtol=4e-16, max_iter=200):
    """Vectorised bracketed root of F on [a, b] (Fa, Fb of opposite signs or zero).

    Illinois false position with a bisection step whenever a step fails to halve the bracket;
    ``log=True`` bisects geometrically (for brackets spanning decades, a > 0).
    """
    a, b, Fa, Fb = (np.array(v, dtype=np.float64) for v in (a, b, Fa, Fb))
    done = (Fa == 0) | (Fb == 0)
    x = np.where(Fa == 0, a, b)
    width = 4.0 * np.abs(b - a)  # lets the first step be a false-position step
    side = np.zeros(a.shape, dtype=np.int8)
    for _ in range(max_iter):
        live = ~done & (np.abs(b - a) > rtol * np.maximum(np.abs(a), np.abs(b)))
        if not live.any():
            break
        ia = np.flatnonzero(live)
        A, B, FA, FB = a[ia], b[ia], Fa[ia], Fb[ia]
        with np.errstate(invalid="ignore", divide="ignore"):
            c = B - FB * (B - A) / (FB - FA)
        shrink_ok = np.abs(B - A) <= 0.5 * width[ia]
        mid = np.sqrt(A * B) if log else 0.5 * (A + B)
        use_mid = ~np.isfinite(c) | (c <= np.minimum(A, B)) | (c >= np.maximum(A, B)) | ~shrink_ok
        c = np.where(use_mid, mid, c)
        width[ia] = np.abs(B - A)
        Fc = F(c, ia)
        hit = Fc == 0
        same_a = np.sign(Fc) == np.sign(FA)
        # Illinois: halve the function value kept at the end that did not move twice in a row
        new_a = np.where(same_a, c, A)
        new_Fa = np.where(same_a, Fc, np.where(side[ia] == 1, FA / 2, FA))
        new_b = np.where(same_a, B, c)
        new_Fb = np.where(same_a, np.where(side[ia] == -1, FB / 2, FB), Fc)
        side[ia] = np.where(same_a, -1, 1)
        a[ia], b[ia], Fa[ia], Fb[ia] = new_a, new_b, new_Fa, new_Fb
        x[ia] = np.where(hit, c, x[ia])
        done[ia] |= hit
    return np.where(done, x, np.where(np.abs(Fa) < np.abs(Fb), a, b))


def _fixed_point(act, w2, b2, q0):
    """Vectorised q* for float64 arrays w2, b2, q0 of one shape (see :func:`fixed_point`)."""
    w2, b2, q0 = (np.array(v, dtype=np.float64).reshape(-1) for v in np.broadcast_arrays(w2, b2, q0))
    n = w2.size
    result = np.full(n, np.nan)

    def F(q, idx):
        return _V(act, w2[idx], b2[idx], q) - q

    f0 = F(q0, np.arange(n))
    # q0 is a fixed point already: always so when V(q) = q everywhere (ReLU at σ_w² = 2 or
    # identity at 1, without bias), where every q is one.
    flat = np.abs(f0) <= 1e-12 * np.maximum(q0, 1e-300)
    result[flat] = q0[flat]

    # Upward: the monotone recursion from q0 climbs to the first root above q0, or diverges. A
    # crossing must be clear of rounding (V(q) − q is computed with error ~1e-16·q), or ReLU at
    # σ_w² = 2 with a bias would "cross" near q = 1e15 instead of diverging.
    up = np.flatnonzero(~flat & (f0 > 0))
    lo, flo, hi, fhi = _walk_to_sign_change(lambda q, i: F(q, up[i]), q0[up], f0[up], 4.0,
                                            crossed=lambda f, q: f < -1e-12 * q,
                                            past=lambda q, i: q >= _Q_BIG)
    found = ~np.isnan(hi)
    result[up[~found]] = np.inf
    if found.any():
        idx = up[found]
        result[idx] = _root(lambda c, i: F(c, idx[i]), lo[found], hi[found], flo[found], fhi[found], log=True)

    # Downward: the recursion falls to the largest root below q0, which is 0 only if V(0) = 0
    # (a crossing clear of rounding, as above: tanh at σ_w² = 1 has q* = 0, not 1e-17).
    down = np.flatnonzero(~flat & (f0 < 0))
    floor = q0[down] * 1e-30
    hi, fhi, lo, flo = _walk_to_sign_change(lambda q, i: F(q, down[i]), q0[down], f0[down], 0.25,
                                            crossed=lambda f, q: f > 1e-12 * q,
                                            past=lambda q, i: q <= floor[i])
    missing = np.isnan(lo)
    if missing.any():  # no sign change down to q0·1e-30: bracket with q = 0 itself
        idx = down[missing]
        phi0 = float(act.fn(np.zeros(1))[0])
        v0 = w2[idx] * phi0 * phi0 + b2[idx]  # V(0) exactly (_expect reads q = 0 as 0+)
        lo[missing], flo[missing] = 0.0, v0
    zero = np.zeros(down.size, dtype=bool)
    zero[missing] = flo[missing] <= 0
    result[down[zero]] = 0.0
    rest = ~zero
    if rest.any():
        idx = down[rest]
        result[idx] = _mixed_root(F, idx, lo[rest], hi[rest], flo[rest], fhi[rest], lo[rest] > 0)
    return result


def _walk_to_sign_change(F, x, fx, factor, *, crossed, past):
    """The bracket search of every root finder here, vectorised over problems: from each x (where
    F = fx), step x ← factor·x until ``crossed(F(x), x)`` or ``past(x, i)`` (a limit; ``i`` indexes
    the problems). ``F(x, i)`` evaluates problems ``i`` at points x. Returns (x_last, F_last, x_crossed,
    F_crossed): the last point before the sign change and the first after it, NaN where none was found.
    """
    last, f_last = x.astype(np.float64), fx.astype(np.float64)
    after, f_after = np.full(x.size, np.nan), np.full(x.size, np.nan)
    todo = np.arange(x.size)
    while todo.size:
        step = last[todo] * factor
        fs = F(step, todo)
        hit = crossed(fs, step)
        after[todo[hit]], f_after[todo[hit]] = step[hit], fs[hit]
        on = ~hit
        last[todo[on]], f_last[todo[on]] = step[on], fs[on]
        todo = todo[on & ~past(step, todo)]
    return last, f_last, after, f_after


def _mixed_root(F, idx, lo, hi, flo, fhi, log):
    out = np.empty(idx.size)
    for mask, lg in ((log, True), (~log, False)):
        if mask.any():
            j = idx[mask]
            out[mask] = _root(lambda c, i: F(c, j[i]), lo[mask], hi[mask], flo[mask], fhi[mask], log=lg)
    return out


def _recursion_args(activation, sigma_w2, sigma_b2, q0):
    """Checked arguments of the fixed-point recursion and the shape they broadcast to."""
    act = _act(activation)
    w2, b2 = _values("sigma_w2", sigma_w2), _values("sigma_b2", sigma_b2)
    q0 = _values("q0", q0)
    if (q0 <= 0).any():
        raise ValueError("q0 must be > 0 (the variance the recursion starts from);"
                         f" got {float(q0[q0 <= 0].flat[0])!r}")
    shape = _broadcast(sigma_w2=w2, sigma_b2=b2, q0=q0)[0].shape
    return act, w2, b2, q0, shape


def fixed_point(activation, sigma_w2, sigma_b2, *, q0=1.0):
    """The fixed point q* = V(q*) that the length map reaches from q0 (Poole et al. 2016).

    q* = lim V(V(…V(q0))), found by bracketing V(q) − q on a geometric grid and a bracketed
    root-finder (relative accuracy ~1e-15), not by iterating: from q0 the (increasing) map climbs to
    the first fixed point above q0 or falls to the first one below. For every registry activation
    but one, V(q) − q changes sign at most once on q > 0, so q* does not depend on q0 except in the
    cases below. The exception is GELU with σ_b² below about 0.1 and 2 < σ_w² < 4, whose map is
    bistable: below an unstable fixed point the signal dies out (q* = 0 or a small q*), above it the
    recursion diverges (q* = inf) — there q* depends on q0, as it does in a real network.
    Documented behaviour where there is no single finite fixed point:

    * the recursion diverges (V(q) > q for all q up to 1e30: ReLU with σ_w² > 2, or σ_w² = 2 and
      σ_b² > 0; identity with σ_w² >= 1 and σ_b² > 0) → returns ``inf``;
    * V(q) = q for every q (ReLU at σ_w² = 2, identity at σ_w² = 1, both with σ_b² = 0: the signal
      keeps whatever scale it starts with), or q0 is itself a fixed point (to 1e-12) → ``q0``;
    * the only fixed point is 0 (e.g. tanh with σ_w² <= 1 and σ_b² = 0: the signal dies out) → 0.

    ``sigma_w2``, ``sigma_b2`` (and ``q0`` > 0) may be arrays; they broadcast.
    """
    act, w2, b2, q0, shape = _recursion_args(activation, sigma_w2, sigma_b2, q0)
    return _out(_fixed_point(act, w2, b2, q0).reshape(shape))


def chi1(activation, sigma_w2, sigma_b2, *, q0=1.0):
    """χ₁ = σ_w² · E[φ'(√q* z)²], the gradient factor at the fixed point (Schoenholz et al. 2017).

    χ₁ < 1: ordered phase (back-propagated gradients shrink by χ₁ per layer); χ₁ > 1: chaotic
    (they grow); χ₁ = 1: critical. Where q* = inf (see :func:`fixed_point`) χ₁ is the limit of χ(q)
    as q → ∞, which is finite for every registry activation (σ_w²/2 for ReLU). Arrays broadcast.
    CS231n's tanh net with N(0, 1) weights and width 500 has σ_w² = 500 and χ₁ ≈ 12: chaotic.
    """
    act, w2, b2, q0, shape = _recursion_args(activation, sigma_w2, sigma_b2, q0)
    w2b, b2b, q0b = (np.broadcast_to(v, shape).reshape(-1) for v in (w2, b2, q0))
    qs = _fixed_point(act, w2b, b2b, q0b)
    return _out(_chi(act, w2b, qs).reshape(shape))


def critical_sigma_w2(activation, sigma_b2=0.0):
    """The order-to-chaos boundary: the σ_w² at which χ₁(σ_w², σ_b²) = 1 (Schoenholz et al. 2017).

    Found by a bracketing root-finder on χ₁ − 1 (bracket grown geometrically from σ_w² = 1 within
    [1e-12, 1e12]; relative accuracy ~1e-12). Below it the network is ordered, above it chaotic.
    tanh with σ_b² = 0 gives 1 (LeCun/Xavier-style σ_w² = 1 is exactly critical); ReLU gives 2 for
    every σ_b² (He et al. 2015). ``sigma_b2`` may be an array (one boundary per value); q* is taken
    from q0 = 1 (see :func:`fixed_point`). Raises ``ValueError`` if χ₁ does not cross 1 for σ_w² in
    [1e-12, 1e12], or if it jumps across 1 instead of passing through it — GELU with small σ_b²,
    whose bistable length map sends the signal from q0 = 1 to 0 (χ₁ = σ_w²/4) on one side of a
    σ_w² and to infinity (χ₁ → σ_w²/2) on the other: such a net has no edge of chaos.
    """
    act = _act(activation)
    b2 = _values("sigma_b2", sigma_b2)
    shape = b2.shape
    b2 = b2.reshape(-1)
    n = b2.size
    ones = np.ones(n)

    def G(w2, idx):
        return _chi(act, w2, _fixed_point(act, w2, b2[idx], ones[idx])) - 1.0

    g1 = G(ones, np.arange(n))
    exact = g1 == 0
    lo, glo, hi, ghi = (np.full(n, np.nan) for _ in range(4))
    # χ₁ grows with σ_w²: walk up from 1 where χ₁ < 1, down where χ₁ > 1, by factors of 4
    up, down = np.flatnonzero(g1 < 0), np.flatnonzero(g1 > 0)
    lo[up], glo[up], hi[up], ghi[up] = _walk_to_sign_change(
        lambda w, i: G(w, up[i]), ones[up], g1[up], 4.0, crossed=lambda g, w: g >= 0,
        past=lambda w, i: w > 1e12)
    hi[down], ghi[down], lo[down], glo[down] = _walk_to_sign_change(
        lambda w, i: G(w, down[i]), ones[down], g1[down], 0.25, crossed=lambda g, w: g <= 0,
        past=lambda w, i: w < 1e-12)
    bad = ~exact & (np.isnan(lo) | np.isnan(hi))
    if bad.any():
        raise ValueError(
            f"no order-to-chaos transition for activation {act.name!r} with sigma_b2="
            f"{float(b2[bad][0])!r}: chi1 does not cross 1 for sigma_w2 in [1e-12, 1e12]"
        )
    result = np.ones(n)
    live = np.flatnonzero(~exact)
    if live.size:
        result[live] = _root(
            lambda c, i: G(c, live[i]), lo[live], hi[live], glo[live], ghi[live], log=True, rtol=1e-13
        )
        check = G(result[live], live)
        jump = np.abs(check) > 1e-6
        if jump.any():
            i = live[np.flatnonzero(jump)[0]]
            w = result[i]
            below, above = (float(G(np.array([f * w]), np.array([i]))[0]) + 1.0 for f in (1 - 1e-9, 1 + 1e-9))
            raise ValueError(
                f"no order-to-chaos transition for activation {act.name!r} with sigma_b2={float(b2[i])!r}: "
                f"chi1 jumps from {below:.3g} to {above:.3g} at sigma_w2 = {w:.6g} instead of passing "
                "through 1 (the length map is bistable there: from q0 = 1 the signal dies out on one "
                "side and diverges on the other)"
            )
    return _out(result.reshape(shape))


# ----------------------------------------------------------------------------------------------
# Per-layer prediction for a finite network
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Prediction:
    """Mean-field prediction for every layer of an MLP (index 0 = first layer after the input).

    All arrays have length ``len(sizes) - 1``; the last entry is the (linear) output layer.

    * ``pre_std``: std of the pre-activations s_l = a_{l-1} W_l + b_l, √q_l;
    * ``act_mean``, ``act_std``: mean and std of a_l = φ(s_l) (the output layer's act is s_L);
    * ``grad_pre_std``: std of dL/ds_l relative to the output layer's (which is 1);
    * ``grad_act_std``: std of dL/da_l, on the same scale (1 at the output).
    """

    activation: str
    sizes: tuple
    pre_std: np.ndarray
    act_mean: np.ndarray
    act_std: np.ndarray
    grad_pre_std: np.ndarray
    grad_act_std: np.ndarray

    @property
    def layer_names(self) -> list[str]:
        """["layer 1", …, "output"], as in the probe and the training history."""
        return layer_names(len(self.sizes) - 1)


def _per_layer(arg: str, value, n_layers: int) -> np.ndarray:
    arr = _values(arg, value)
    if arr.ndim == 0:
        return np.full(n_layers, float(arr))
    if arr.shape != (n_layers,):
        raise ValueError(
            f"{arg} must be one variance or one per layer ({n_layers} for these sizes);"
            f" got {arr.shape[0] if arr.ndim == 1 else arr.shape} values"
        )
    return arr


def _sizes(sizes) -> tuple:
    """``sizes`` checked: at least two positive integer widths, from input to output."""
    if isinstance(sizes, (str, bytes)) or not hasattr(sizes, "__len__"):
        raise TypeError(f"sizes must be a list of layer widths such as [2, 64, 64, 3]; got {sizes!r}")
    sizes = tuple(_checks.positive_int("sizes", s) for s in sizes)
    if len(sizes) < 2:
        raise ValueError(f"sizes must list at least an input and an output width; got {list(sizes)!r}")
    return sizes


def predict(activation, sizes, weight_var, bias_var=0.0, input_var=1.0) -> Prediction:
    """Per-layer statistics of an MLP at initialisation, by the mean-field recursion.

    ``sizes`` lists the widths from input to output (``[2, 64, 64, 3]``); hidden layers apply
    ``activation``, the output layer is linear. ``weight_var`` is Var(W) of one entry — one number
    for every layer or one per layer (``nninit.initializers.variance(name, (fan_in, fan_out))`` gives
    it for a named scheme); ``bias_var`` likewise; ``input_var`` = E[x²] of the input entries.

    Forward, with n_l = sizes[l] and q_1 = n_0 Var(W_1) input_var + Var(b_1):
        q_{l+1} = n_l · Var(W_{l+1}) · E[φ(√q_l z)²] + Var(b_{l+1})     (fan_in of the next layer)
    Backward, from E[(dL/ds_L)²] = 1:
        E[(dL/da_l)²] = n_{l+1} · Var(W_{l+1}) · E[(dL/ds_{l+1})²]       (fan_out of that layer)
        E[(dL/ds_l)²] = E[(dL/da_l)²] · E[φ'(√q_l z)²]
    This assumes, as the theory does (Poole et al. 2016; Schoenholz et al. 2017), wide layers and
    back-propagated weights independent of the forward ones; at finite width each layer adds a
    relative fluctuation of order √(2/width), which compounds with depth in ReLU nets.
    If a predicted variance overflows float64 (an exploding net, ≈1e308) that layer's std is
    ``inf`` and its mean ``nan``, and so on up the net; no RuntimeWarning is raised.
    """
    act = _act(activation)
    sizes = _sizes(sizes)
    L = len(sizes) - 1
    wv = _per_layer("weight_var", weight_var, L)
    bv = _per_layer("bias_var", bias_var, L)
    qin = _values("input_var", input_var)
    if qin.ndim:
        raise TypeError(f"input_var must be one number >= 0 (E[x²] of the inputs); got {input_var!r}")
    qin = float(qin)

    q = np.empty(L)
    mean, std, dphi2 = np.zeros(L), np.zeros(L), np.ones(L)
    second = qin
    phi0 = float(act.fn(np.zeros(1))[0])
    with np.errstate(over="ignore", invalid="ignore"):
        for l in range(L):
            q[l] = sizes[l] * wv[l] * second + bv[l]
            if l == L - 1:  # linear output: a_L = s_L, mean 0
                std[l] = np.sqrt(q[l])
                break
            if not np.isfinite(q[l]):  # past float64's range (≈1e308): an exploding net
                mean[l], std[l], second = np.nan, np.inf, np.inf
                dphi2[l] = _expect(lambda x: np.square(act.grad(x)), np.array([_Q_LIMIT]))[0]
                continue
            ql = np.array([q[l]])
            # centre on φ(0) so that E[φ²] − E[φ]² does not cancel when q is small
            m = _expect(lambda x: act.fn(x) - phi0, ql)[0]
            m2 = _expect(lambda x: np.square(act.fn(x) - phi0), ql)[0]
            mean[l] = m + phi0
            std[l] = np.sqrt(max(m2 - m * m, 0.0))
            second = _expect(lambda x: np.square(act.fn(x)), ql)[0]
            dphi2[l] = _expect(lambda x: np.square(act.grad(x)), ql)[0]
        grad_pre2, grad_act2 = np.ones(L), np.ones(L)
        for l in range(L - 2, -1, -1):
            grad_act2[l] = sizes[l + 2] * wv[l + 1] * grad_pre2[l + 1]
            grad_pre2[l] = grad_act2[l] * dphi2[l]
    return Prediction(
        activation=act.name,
        sizes=sizes,
        pre_std=np.sqrt(q),
        act_mean=mean,
        act_std=std,
        grad_pre_std=np.sqrt(grad_pre2),
        grad_act_std=np.sqrt(grad_act2),
    )


def predict_for(scheme, activation, sizes, *, gain=1.0, bias_var=0.0, input_var=1.0, **hyper) -> Prediction:
    """:func:`predict` for a network whose weights a named scheme draws, multiplied by ``gain``.

    ``scheme`` is a registry name (``nninit.available()``) with its hyper-parameters ``hyper``; each
    layer's weight variance is gain² · ``initializers.variance(scheme, (fan_in, fan_out), **hyper)``.

    >>> p = predict_for("he_normal", "relu", [256, 256, 256, 10])
    >>> p.pre_std.round(3).tolist()
    [1.414, 1.414, 1.414]
    """
    sizes = _sizes(sizes)
    gain = _checks.real("gain", gain, positive=True)
    if not math.isfinite(gain * gain):
        raise ValueError(f"gain={gain!r} is too large: gain² overflows float64 (largest gain 1.3e154)")
    weight_var = [gain * gain * initializers.variance(scheme, (n_in, n_out), **hyper)
                  for n_in, n_out in zip(sizes[:-1], sizes[1:])]
    return predict(activation, sizes, weight_var, bias_var=bias_var, input_var=input_var)
