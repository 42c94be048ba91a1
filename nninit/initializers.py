"""Weight initializers: plain functions ``name(shape, *, rng=None, dtype=None, **hyper) -> ndarray``.

Conventions (docs/conventions.md):

* A dense weight has shape ``(fan_in, fan_out)`` and a layer computes ``y = x @ W + b``. A convolution
  kernel is ``(*receptive_field, in, out)`` (Keras/JAX layout). For PyTorch's ``(out, in, *k)`` pass
  ``in_axis=1, out_axis=0``: the layout is never guessed.
* ``rng`` is None (fresh entropy), an int seed (the same seed always gives the same array) or a
  ``numpy.random.Generator`` (which is advanced, not copied). ``dtype`` defaults to float64.
* Xavier/Glorot, He/Kaiming and LeCun are one-line specialisations of :func:`variance_scaling`
  (as in ``jax.nn.initializers``); their parameters are PyTorch's (``gain``; ``a, mode, nonlinearity``).
* ``*_normal`` is an *untruncated* normal (PyTorch's meaning; Keras and JAX truncate theirs — use
  ``variance_scaling(..., distribution="truncated_normal")`` for that).

>>> W = he_normal((256, 128), rng=0)        # std sqrt(2 / 256)
>>> W.shape
(256, 128)
"""

from __future__ import annotations

import functools
import inspect
import math
import numbers

import numpy as np

from . import _checks

_MODES = ("fan_in", "fan_out", "fan_avg")
_DISTRIBUTIONS = ("uniform", "normal", "truncated_normal")


# --------------------------------------------------------------------------- fans and gains


def compute_fans(shape, in_axis: int = -2, out_axis: int = -1) -> tuple[int, int]:
    """``(fan_in, fan_out)`` of a weight of ``shape`` (rank >= 2).

    fan_in = shape[in_axis] · receptive field, fan_out = shape[out_axis] · receptive field, where the
    receptive field is the product of all other axes (1 for a dense ``(in, out)`` matrix).

    >>> compute_fans((3, 3, 16, 32))                     # Keras/JAX conv kernel
    (144, 288)
    >>> compute_fans((32, 16, 3, 3), in_axis=1, out_axis=0)   # PyTorch layout
    (144, 288)
    """
    dims = _checks.shape(shape, min_rank=2)
    rank = len(dims)
    for arg, axis in (("in_axis", in_axis), ("out_axis", out_axis)):
        if isinstance(axis, bool) or not isinstance(axis, numbers.Integral) or not -rank <= axis < rank:
            raise ValueError(f"{arg}={axis!r} is not an axis of a rank-{rank} shape {dims};"
                             f" allowed: {-rank}..{rank - 1}")
    in_axis, out_axis = in_axis % rank, out_axis % rank
    if in_axis == out_axis:
        raise ValueError(f"in_axis and out_axis must differ; both are axis {in_axis} of shape {dims}")
    receptive_field = math.prod(d for i, d in enumerate(dims) if i not in (in_axis, out_axis))
    return dims[in_axis] * receptive_field, dims[out_axis] * receptive_field


_GAINS = {
    "linear": 1.0, "identity": 1.0, "sigmoid": 1.0,
    "conv1d": 1.0, "conv2d": 1.0, "conv3d": 1.0,
    "conv_transpose1d": 1.0, "conv_transpose2d": 1.0, "conv_transpose3d": 1.0,
    "tanh": 5.0 / 3.0, "relu": math.sqrt(2.0), "selu": 3.0 / 4.0,
}


def calculate_gain(nonlinearity: str, param=None) -> float:
    """PyTorch's recommended gain for ``nonlinearity`` (``torch.nn.init.calculate_gain``).

    linear/identity/conv*/sigmoid → 1, tanh → 5/3, relu → √2, selu → 3/4,
    leaky_relu → √(2 / (1 + a²)) with negative slope ``a = param`` (default 0.01).

    ``param`` is the leaky ReLU's negative slope, and only ``leaky_relu`` has one: a ``param`` given
    with any other nonlinearity raises ``ValueError`` (PyTorch ignores it silently). The He
    initializers follow the same rule for their ``a``.
    """
    _checks.choice("nonlinearity", nonlinearity, [*_GAINS, "leaky_relu"])
    if nonlinearity == "leaky_relu":
        a = 0.01 if param is None else _checks.real("param", param)
        a2 = a * a
        # for |a| > 1.3e154, a² is inf in float64: √2/|a| is the same gain without the overflow
        return math.sqrt(2.0 / (1.0 + a2)) if math.isfinite(a2) else math.sqrt(2.0) / abs(a)
    if param is not None:
        raise ValueError(f"param={param!r} is the negative slope of leaky_relu; nonlinearity={nonlinearity!r}"
                         " has none: leave param out (or use nonlinearity='leaky_relu')")
    return _GAINS[nonlinearity]


# --------------------------------------------------------------------------- checks and draws
# Every public initializer checks all its arguments (values, shape, dtype, size, range in the dtype,
# rng) before it draws anything; the draws below take checked values only. The article's functions
# (nninit.article) reuse the same checks under their own argument names.


def _target(shape, rng, dtype, *, min_rank: int = 1, arg: str = "shape"):
    """Checked (dims, dtype, generator); an array of that shape and dtype would fit in memory."""
    dims, dt = _checks.shape(shape, min_rank=min_rank, arg=arg), _checks.float_dtype(dtype)
    _checks.allocation(arg, dims, dt)
    return dims, dt, _checks.generator(rng)


def _uniform_args(low, high, dt, names=("low", "high")) -> tuple[float, float]:
    """Checked ``low < high``, both finite, and U[low, high) representable in ``dt``."""
    low, high = _checks.real(names[0], low), _checks.real(names[1], high)
    given = f"{names[0]}={low!r}, {names[1]}={high!r}"
    if not low < high:
        raise ValueError(f"{names[0]} must be < {names[1]}; got {given}")
    # x·(high − low) + low: the width and both ends must be finite in dt, and distinct there
    _checks.fits(dt, max(abs(low), abs(high), high - low), high - low, given=given)
    if not dt.type(low) < dt.type(high):
        raise ValueError(f"{given} are the same number in {dt.name}: widen the interval (or use float64)")
    return low, high


def _normal_args(mean, std, dt, names=("mean", "std"), bound=None) -> tuple[float, float]:
    """Checked finite ``mean``, ``std`` > 0, and every draw mean + z·std representable in ``dt``.

    |z| <= NORMAL_REACH for any draw (and <= bound when truncated), so |mean| + reach·std bounds
    every entry; the spread, std (std·bound when bound < 1), must be a normal number of ``dt`` (not
    zero or subnormal).
    """
    mean, std = _checks.real(names[0], mean), _checks.real(names[1], std, positive=True)
    reach = _checks.NORMAL_REACH if bound is None else min(bound, _checks.NORMAL_REACH)
    given = f"{names[0]}={mean!r}, {names[1]}={std!r}" + ("" if bound is None else f", bound={bound!r}")
    _checks.fits(dt, abs(mean) + reach * std, std * min(1.0, reach), given=given)
    return mean, std


def _standard(kind: str, dims, gen, dt, bound: float = 2.0) -> np.ndarray:
    """A standard draw: 'uniform' → U[0, 1), 'normal' → N(0, 1), 'truncated' → N(0, 1) cut to ±bound."""
    draw_dt = dt if dt in (np.float32, np.float64) else np.float64
    if kind == "uniform":
        x = gen.random(dims, dtype=draw_dt)
    elif kind == "normal":
        x = gen.standard_normal(dims, dtype=draw_dt)
    else:
        x = _truncated_standard_normal(gen, dims, draw_dt, bound)
    return x if draw_dt == dt else x.astype(dt)


def _uniform_draw(dims, low, high, gen, dt) -> np.ndarray:
    x = _standard("uniform", dims, gen, dt)
    x *= high - low
    x += low
    return x


def _normal_draw(dims, mean, std, gen, dt, bound=None) -> np.ndarray:
    x = _standard("normal" if bound is None else "truncated", dims, gen, dt, bound)
    x *= std
    if mean:
        x += mean
    return x


def _truncated_standard_normal(gen, dims, dtype, bound: float) -> np.ndarray:
    """N(0, 1) conditioned on |z| <= bound: exact, for any bound > 0, in a bounded expected time.

    Rejection sampling, vectorised: each round redraws only the entries rejected so far, from a
    proposal chosen so that an entry is accepted with probability >= 0.6 whatever the bound:

    * bound >= 1: z ~ N(0, 1), kept if |z| <= bound (acceptance 2Φ(b) − 1 >= 0.683);
    * bound < 1: z ~ U(−b, b), kept with probability exp(−z²/2) = φ(z)/φ(0) (acceptance
      >= e^(−1/2) = 0.607). The kept z have density ∝ φ(z) on [−b, b]: the same distribution.

    An entry is still undrawn after k rounds with probability <= 0.4^k, so N entries need about
    log(N)/log(2.5) rounds (23 for a billion) and about 1/0.6 of one draw's work. (A plain
    normal proposal would need 1/(2Φ(b) − 1) draws per entry: 4e8 at b = 3e-9.)
    """
    def propose(n):
        if bound >= 1.0:
            z = gen.standard_normal(n, dtype=dtype)
            return z, np.abs(z) <= bound
        z = gen.random(n, dtype=dtype)
        z *= 2.0 * bound
        z -= bound
        return z, gen.random(n, dtype=dtype) < np.exp(-0.5 * z * z)

    flat, keep = propose(math.prod(dims))  # the rejected entries are overwritten below
    todo = np.flatnonzero(~keep)
    while todo.size:
        z, keep = propose(todo.size)
        flat[todo[keep]] = z[keep]
        todo = todo[~keep]
    return flat.reshape(dims)


def _truncated_variance(bound: float) -> float:
    """Variance of N(0, 1) cut to [-bound, bound]: 1 − 2b·φ(b) / (2Φ(b) − 1).

    For a small b the two terms cancel (the variance tends to b²/3), so below b = 0.03 the series
    b²/3 − 2b⁴/45 + 2b⁶/945 (from expanding ∫x²e^(−x²/2) / ∫e^(−x²/2) over [−b, b]) is used instead.
    Checked against a 60-digit evaluation: relative error below 1e-12 at every b.
    """
    if bound < 0.03:
        b2 = bound * bound
        return b2 / 3.0 - 2.0 * b2 * b2 / 45.0 + 2.0 * b2 * b2 * b2 / 945.0
    pdf = math.exp(-0.5 * bound * bound) / math.sqrt(2.0 * math.pi)
    mass = math.erf(bound / math.sqrt(2.0))
    return 1.0 - 2.0 * bound * pdf / mass


# Std of a standard normal truncated to [-2, 2] (0.8796...). JAX and Keras divide the target std by it
# so that the variance *after* truncation is the intended scale / n.
TRUNCATED_STD_2 = math.sqrt(_truncated_variance(2.0))


# --------------------------------------------------------------------------- plain distributions


def zeros(shape, *, rng=None, dtype=None) -> np.ndarray:
    """All zeros. Every unit of a layer then computes the same thing forever (symmetry)."""
    return constant(shape, 0.0, rng=rng, dtype=dtype)


def ones(shape, *, rng=None, dtype=None) -> np.ndarray:
    """All ones."""
    return constant(shape, 1.0, rng=rng, dtype=dtype)


def constant(shape, value=0.0, *, rng=None, dtype=None) -> np.ndarray:
    """Every entry equal to ``value`` (``rng`` is accepted for a uniform signature, and unused).

    ``value`` must be representable in ``dtype``: not beyond its largest finite number, and 0 or
    not below its smallest normal one.
    """
    value = _checks.real("value", value)
    dims, dt, _ = _target(shape, rng, dtype)
    _checks.fits(dt, abs(value), abs(value) or None, given=f"value={value!r}")
    return np.full(dims, value, dtype=dt)


def uniform(shape, low=-0.1, high=0.1, *, rng=None, dtype=None) -> np.ndarray:
    """U[low, high): variance (high − low)² / 12. PyTorch ``uniform_(a, b)``, Keras ``RandomUniform``.

    Drawn as low + (high − low)·U[0, 1) in ``dtype``; rounding there can give ``high`` itself. low,
    high and high − low must be finite in ``dtype`` and low, high distinct there.
    """
    dims, dt, gen = _target(shape, rng, dtype)
    low, high = _uniform_args(low, high, dt)
    return _uniform_draw(dims, low, high, gen, dt)


def normal(shape, mean=0.0, std=0.1, *, rng=None, dtype=None) -> np.ndarray:
    """N(mean, std²), untruncated. PyTorch ``normal_``, Keras ``RandomNormal``.

    Drawn as mean + std·z, z ~ N(0, 1) (|z| < 14 for numpy's sampler), so |mean| + 14·std must be
    finite in ``dtype`` and std not below its smallest normal number.
    """
    dims, dt, gen = _target(shape, rng, dtype)
    mean, std = _normal_args(mean, std, dt)
    return _normal_draw(dims, mean, std, gen, dt)


def truncated_normal(shape, mean=0.0, std=0.1, bound=2.0, *, rng=None, dtype=None) -> np.ndarray:
    """N(mean, std²) cut to mean ± bound·std (``bound`` in std units; ``std`` is before truncation).

    The variance after truncation is std² · (1 − 2b·φ(b) / (2Φ(b) − 1)), 0.774·std² for b = 2 (and
    ≈ b²·std²/3 for a small b). Drawn exactly, for any bound > 0, by rejection sampling whose
    proposal keeps >= 60% of the draws (see ``_truncated_standard_normal``): bounded in time.
    PyTorch ``trunc_normal_(mean, std, a=mean−2std, b=mean+2std)``; Keras ``TruncatedNormal``.
    """
    bound = _checks.real("bound", bound, positive=True)
    dims, dt, gen = _target(shape, rng, dtype)
    mean, std = _normal_args(mean, std, dt, bound=bound)
    return _normal_draw(dims, mean, std, gen, dt, bound=bound)


# --------------------------------------------------------------------------- the one mechanism


def _fan(shape, mode, in_axis, out_axis) -> float:
    _checks.choice("mode", mode, _MODES)
    fan_in, fan_out = compute_fans(shape, in_axis, out_axis)
    return {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2.0}[mode]


def variance_scaling(shape, scale=1.0, mode="fan_in", distribution="truncated_normal", *,
                     rng=None, dtype=None, in_axis=-2, out_axis=-1) -> np.ndarray:
    """Zero-mean weights with variance ``scale / n`` (JAX/Keras ``variance_scaling``).

    n = fan_in, fan_out or (fan_in + fan_out)/2 by ``mode``. By ``distribution``:
    ``uniform`` → U[−√(3·scale/n), +√(3·scale/n)];  ``normal`` → N(0, scale/n), untruncated;
    ``truncated_normal`` → N(0, σ²) cut at ±2σ with σ = √(scale/n) / 0.8796…, so that the variance
    *after* truncation is exactly scale/n (the JAX/Keras rule).
    """
    scale = _checks.real("scale", scale, positive=True)
    return _scaled(shape, scale, mode, distribution, rng, dtype, in_axis, out_axis, given=f"scale={scale!r}")


def _scaled(shape, scale, mode, distribution, rng, dtype, in_axis, out_axis, *, given) -> np.ndarray:
    """:func:`variance_scaling` with ``scale`` checked; ``given`` names the hyper-parameters it came from."""
    _checks.choice("distribution", distribution, _DISTRIBUTIONS)
    std = math.sqrt(scale / _fan(shape, mode, in_axis, out_axis))
    dims, dt, gen = _target(shape, rng, dtype, min_rank=2)
    # the largest |value| on the way, in std units: the uniform draw scales U[0, 1) by its width 2√3·std
    reach = {"uniform": 2.0 * math.sqrt(3.0), "normal": _checks.NORMAL_REACH,
             "truncated_normal": 2.0 / TRUNCATED_STD_2}
    _checks.fits(dt, reach[distribution] * std, std, given=given)
    if distribution == "uniform":
        bound = math.sqrt(3.0) * std
        return _uniform_draw(dims, -bound, bound, gen, dt)
    if distribution == "truncated_normal":
        return _normal_draw(dims, 0.0, std / TRUNCATED_STD_2, gen, dt, bound=2.0)
    return _normal_draw(dims, 0.0, std, gen, dt)


def _xavier(gain=1.0):
    gain = _checks.real("gain", gain, positive=True)
    return gain * gain, "fan_avg", f"gain={gain!r}"


def _he(a=0.0, mode="fan_in", nonlinearity="leaky_relu"):
    """(scale, mode, given) of the He schemes. ``a`` is leaky_relu's negative slope: with any other
    nonlinearity it must stay 0, its default (the rule :func:`calculate_gain` applies to ``param``)."""
    a = _checks.real("a", a)
    _checks.choice("nonlinearity", nonlinearity, [*_GAINS, "leaky_relu"])
    if nonlinearity != "leaky_relu" and a != 0.0:
        raise ValueError(f"a={a!r} is the negative slope of leaky_relu; nonlinearity={nonlinearity!r}"
                         " has none, so a must be 0 (its default): leave a out,"
                         " or use nonlinearity='leaky_relu'")
    gain = calculate_gain(nonlinearity, a if nonlinearity == "leaky_relu" else None)
    return gain * gain, mode, f"a={a!r}, nonlinearity={nonlinearity!r}"


def _lecun():
    return 1.0, "fan_in", "lecun's scale 1"


def _variance_scaling_spec(scale=1.0, mode="fan_in", distribution="truncated_normal"):
    scale = _checks.real("scale", scale, positive=True)
    _checks.choice("distribution", distribution, _DISTRIBUTIONS)
    return scale, mode, f"scale={scale!r}"


def xavier_uniform(shape, gain=1.0, *, rng=None, dtype=None, in_axis=-2, out_axis=-1) -> np.ndarray:
    """Glorot & Bengio 2010: U[−b, b], b = gain·√(6 / (fan_in + fan_out)); variance 2·gain²/(fan_in+fan_out).

    PyTorch ``xavier_uniform_``; Keras/JAX ``glorot_uniform``. Alias ``glorot_uniform``.
    """
    scale, mode, given = _xavier(gain)
    return _scaled(shape, scale, mode, "uniform", rng, dtype, in_axis, out_axis, given=given)


def xavier_normal(shape, gain=1.0, *, rng=None, dtype=None, in_axis=-2, out_axis=-1) -> np.ndarray:
    """Glorot & Bengio 2010: N(0, σ²), σ = gain·√(2 / (fan_in + fan_out)), untruncated.

    PyTorch ``xavier_normal_`` (Keras/JAX ``glorot_normal`` truncate). Alias ``glorot_normal``.
    """
    scale, mode, given = _xavier(gain)
    return _scaled(shape, scale, mode, "normal", rng, dtype, in_axis, out_axis, given=given)


def he_uniform(shape, a=0.0, mode="fan_in", nonlinearity="leaky_relu", *, rng=None, dtype=None,
               in_axis=-2, out_axis=-1) -> np.ndarray:
    """He et al. 2015: U[−b, b], b = gain·√(3 / fan), gain = calculate_gain(nonlinearity, a).

    With the defaults (leaky_relu, a = 0) gain = √2 and b = √(6 / fan_in). ``mode`` picks fan_in
    (preserves the forward signal) or fan_out (the backward one). ``a`` is leaky_relu's negative
    slope; with another nonlinearity it must be 0 (PyTorch would ignore it silently). PyTorch
    ``kaiming_uniform_``; Keras/JAX ``he_uniform``. Alias ``kaiming_uniform``.
    """
    scale, mode, given = _he(a, mode, nonlinearity)
    return _scaled(shape, scale, mode, "uniform", rng, dtype, in_axis, out_axis, given=given)


def he_normal(shape, a=0.0, mode="fan_in", nonlinearity="leaky_relu", *, rng=None, dtype=None,
              in_axis=-2, out_axis=-1) -> np.ndarray:
    """He et al. 2015: N(0, σ²), σ = gain / √fan, untruncated; √(2 / fan_in) with the defaults.

    ``a`` as in :func:`he_uniform`. PyTorch ``kaiming_normal_`` (Keras/JAX ``he_normal`` truncate).
    Alias ``kaiming_normal``.
    """
    scale, mode, given = _he(a, mode, nonlinearity)
    return _scaled(shape, scale, mode, "normal", rng, dtype, in_axis, out_axis, given=given)


def lecun_uniform(shape, *, rng=None, dtype=None, in_axis=-2, out_axis=-1) -> np.ndarray:
    """LeCun et al. 1998: U[−b, b], b = √(3 / fan_in); variance 1/fan_in. Keras/JAX ``lecun_uniform``.

    Not PyTorch's ``nn.Linear`` default, which is U[±1/√fan_in] (variance 1/(3·fan_in)).
    """
    scale, mode, given = _lecun()
    return _scaled(shape, scale, mode, "uniform", rng, dtype, in_axis, out_axis, given=given)


def lecun_normal(shape, *, rng=None, dtype=None, in_axis=-2, out_axis=-1) -> np.ndarray:
    """LeCun et al. 1998: N(0, 1/fan_in), untruncated; the init SELU assumes (Klambauer et al. 2017).

    Keras/JAX ``lecun_normal`` truncate it (same variance).
    """
    scale, mode, given = _lecun()
    return _scaled(shape, scale, mode, "normal", rng, dtype, in_axis, out_axis, given=given)


def orthogonal(shape, gain=1.0, *, rng=None, dtype=None) -> np.ndarray:
    """Saxe et al. 2014: a (semi-)orthogonal matrix times ``gain``.

    The shape is read as a matrix (prod(shape[:-1]), shape[-1]). A Gaussian matrix is QR-factorised
    and Q's columns multiplied by sign(diag R), so Q is uniformly (Haar) distributed. Tall or square:
    WᵀW = gain²·I; wide: WWᵀ = gain²·I. Each entry has mean square gain²/max(rows, cols).
    PyTorch ``orthogonal_``; Keras/JAX ``orthogonal``.
    """
    gain = _checks.real("gain", gain, positive=True)
    dims, dt, gen = _target(shape, rng, dtype, min_rank=2)
    _checks.allocation("shape", dims, np.float64, what="a float64 matrix to factorise")
    rows, cols = math.prod(dims[:-1]), dims[-1]
    # every |entry| <= gain; the typical one is gain/√max(rows, cols)
    _checks.fits(dt, gain, gain / math.sqrt(max(rows, cols)), given=f"gain={gain!r}")
    a = _standard("normal", (max(rows, cols), min(rows, cols)), gen, np.dtype(np.float64))
    q, r = np.linalg.qr(a)
    q *= np.where(np.diag(r) < 0, -1.0, 1.0)
    if rows < cols:
        q = q.T
    return (gain * q).reshape(dims).astype(dt, copy=False)


# --------------------------------------------------------------------------- registry

_REGISTRY = {
    f.__name__: f
    for f in (zeros, ones, constant, uniform, normal, truncated_normal, variance_scaling,
              xavier_uniform, xavier_normal, he_uniform, he_normal, lecun_uniform, lecun_normal, orthogonal)
}
_ALIASES = {"glorot_uniform": "xavier_uniform", "glorot_normal": "xavier_normal",
            "kaiming_uniform": "he_uniform", "kaiming_normal": "he_normal"}


def available() -> list[str]:
    """Every name :func:`get` accepts, aliases included, sorted."""
    return sorted([*_REGISTRY, *_ALIASES])


def _lookup(name):
    if not isinstance(name, str):
        raise TypeError(f"init must be a scheme name (str) or an initializer function; got {name!r}")
    _checks.choice("init", name, available())
    return _REGISTRY[_ALIASES.get(name, name)]


def _bind(fn, hyper: dict) -> inspect.BoundArguments:
    """Check ``hyper`` against ``fn``'s parameters now, not at the first call."""
    params = inspect.signature(fn).parameters
    allowed = [p for p in params if p not in ("shape", "rng", "dtype")]
    unknown = sorted(set(hyper) - set(allowed))
    if unknown:
        raise TypeError(f"{fn.__name__} got unknown hyper-parameter(s) {unknown};"
                        f" allowed: {', '.join(allowed) or 'none'}")
    return inspect.signature(fn).bind_partial(**hyper)


def get(name, **hyper):
    """The initializer ``name`` with ``hyper`` bound: ``get("he_normal", mode="fan_out")((256, 128))``.

    A callable is returned as it is (with no hyper-parameters). Unknown names raise with a suggestion.
    """
    if callable(name) and not hyper:
        return name
    fn = _lookup(name)
    _bind(fn, hyper)
    return functools.partial(fn, **hyper) if hyper else fn


_SPECS = {  # fan-based schemes: hyper-parameters -> (scale, mode, given), the rule they draw with
    "variance_scaling": _variance_scaling_spec,
    "xavier_uniform": _xavier, "xavier_normal": _xavier,
    "he_uniform": _he, "he_normal": _he,
    "lecun_uniform": _lecun, "lecun_normal": _lecun,
}


def variance(name: str, shape, **hyper) -> float:
    """The exact variance (mean square, for orthogonal) of one entry that scheme ``name`` draws.

    ``variance("he_normal", (256, 128))`` is 2/256. This is what :mod:`nninit.theory` needs to draw a
    prediction beside a measurement. The hyper-parameters are checked as the scheme checks them
    (for float64).
    """
    fn = _lookup(name)
    bound = _bind(fn, hyper)
    bound.apply_defaults()
    args = {k: v for k, v in bound.arguments.items() if k not in ("rng", "dtype", "in_axis", "out_axis")}
    axes = {k: v for k, v in bound.arguments.items() if k in ("in_axis", "out_axis")}
    name, f64 = fn.__name__, np.dtype(np.float64)
    if name in _SPECS:
        scale, mode, _ = _SPECS[name](**args)
        return scale / _fan(shape, mode, **axes)
    _checks.shape(shape, min_rank=2 if name == "orthogonal" else 1)
    if name in ("zeros", "ones", "constant"):
        _checks.real("value", args.get("value", 0.0))
        return 0.0
    if name == "uniform":
        low, high = _uniform_args(args["low"], args["high"], f64)
        return (high - low) * (high - low) / 12.0
    if name == "normal":
        return _normal_args(args["mean"], args["std"], f64)[1] ** 2
    if name == "truncated_normal":
        b = _checks.real("bound", args["bound"], positive=True)
        return _normal_args(args["mean"], args["std"], f64, bound=b)[1] ** 2 * _truncated_variance(b)
    dims = _checks.shape(shape, min_rank=2)  # orthogonal
    gain = _checks.real("gain", args["gain"], positive=True)
    return gain * gain / max(math.prod(dims[:-1]), dims[-1])
