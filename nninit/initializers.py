"""Weight initializers: plain functions ``name(shape, *, rng=None, dtype=None, **hyper) -> ndarray``.

Conventions (see the design):

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
            raise ValueError(f"{arg}={axis!r} is not an axis of a rank-{rank} shape {dims}; allowed: {-rank}..{rank - 1}")
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
    """
    _checks.choice("nonlinearity", nonlinearity, [*_GAINS, "leaky_relu"])
    if nonlinearity == "leaky_relu":
        a = 0.01 if param is None else _checks.real("param", param)
        return math.sqrt(2.0 / (1.0 + a * a))
    if param is not None:
        raise ValueError(f"param={param!r} is only used with nonlinearity='leaky_relu', not {nonlinearity!r}")
    return _GAINS[nonlinearity]


# --------------------------------------------------------------------------- drawing helpers


def _draw(kind: str, shape, rng, dtype) -> np.ndarray:
    """A standard draw: ``kind`` 'uniform' → U[0, 1), 'normal' → N(0, 1), 'truncated' → N(0, 1) cut to ±2."""
    dims = _checks.shape(shape)
    gen = _checks.generator(rng)
    dt = _checks.float_dtype(dtype)
    draw_dt = dt if dt in (np.float32, np.float64) else np.float64
    if kind == "uniform":
        x = gen.random(dims, dtype=draw_dt)
    elif kind == "normal":
        x = gen.standard_normal(dims, dtype=draw_dt)
    else:
        x = _truncated_standard_normal(gen, dims, draw_dt, bound=2.0)
    return x if draw_dt == dt else x.astype(dt)


def _truncated_standard_normal(gen, dims, dtype, bound: float) -> np.ndarray:
    """N(0, 1) conditioned on |x| <= bound, by redrawing the values outside (vectorised)."""
    x = gen.standard_normal(dims, dtype=dtype)
    outside = np.flatnonzero(np.abs(x) > bound)
    flat = x.reshape(-1)
    while outside.size:
        redraw = gen.standard_normal(outside.size, dtype=dtype)
        flat[outside] = redraw
        outside = outside[np.abs(redraw) > bound]
    return x


def _truncated_variance(bound: float) -> float:
    """Variance of N(0, 1) cut to [-bound, bound]: 1 − 2b·φ(b) / (2Φ(b) − 1)."""
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
    """Every entry equal to ``value`` (``rng`` is accepted for a uniform signature, and unused)."""
    value = _checks.real("value", value)
    _checks.generator(rng)
    return np.full(_checks.shape(shape), value, dtype=_checks.float_dtype(dtype))


def uniform(shape, low=-0.1, high=0.1, *, rng=None, dtype=None) -> np.ndarray:
    """U[low, high): variance (high − low)² / 12. PyTorch ``uniform_(a, b)``, Keras ``RandomUniform``."""
    low, high = _checks.real("low", low), _checks.real("high", high)
    if not low < high:
        raise ValueError(f"low must be < high; got low={low!r}, high={high!r}")
    x = _draw("uniform", shape, rng, dtype)
    x *= high - low
    x += low
    return x


def normal(shape, mean=0.0, std=0.1, *, rng=None, dtype=None) -> np.ndarray:
    """N(mean, std²), untruncated. PyTorch ``normal_``, Keras ``RandomNormal``."""
    mean, std = _checks.real("mean", mean), _checks.real("std", std, positive=True)
    x = _draw("normal", shape, rng, dtype)
    x *= std
    if mean:
        x += mean
    return x


def truncated_normal(shape, mean=0.0, std=0.1, bound=2.0, *, rng=None, dtype=None) -> np.ndarray:
    """N(mean, std²) cut to mean ± bound·std (``bound`` in std units; ``std`` is before truncation).

    The variance after truncation is std² · (1 − 2b·φ(b) / (2Φ(b) − 1)), 0.774·std² for b = 2.
    PyTorch ``trunc_normal_(mean, std, a=mean−2std, b=mean+2std)``; Keras ``TruncatedNormal``.
    """
    mean, std = _checks.real("mean", mean), _checks.real("std", std, positive=True)
    bound = _checks.real("bound", bound, positive=True)
    dims, gen, dt = _checks.shape(shape), _checks.generator(rng), _checks.float_dtype(dtype)
    draw_dt = dt if dt in (np.float32, np.float64) else np.float64
    x = _truncated_standard_normal(gen, dims, draw_dt, bound).astype(dt, copy=False)
    x *= std
    if mean:
        x += mean
    return x


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
    _checks.choice("distribution", distribution, _DISTRIBUTIONS)
    std = math.sqrt(scale / _fan(shape, mode, in_axis, out_axis))
    if distribution == "uniform":
        bound = math.sqrt(3.0) * std
        x = _draw("uniform", shape, rng, dtype)
        x *= 2.0 * bound
        x -= bound
        return x
    if distribution == "truncated_normal":
        std /= TRUNCATED_STD_2
    x = _draw("normal" if distribution == "normal" else "truncated", shape, rng, dtype)
    x *= std
    return x


def _xavier(gain=1.0):
    return _checks.real("gain", gain, positive=True) ** 2, "fan_avg"


def _he(a=0.0, mode="fan_in", nonlinearity="leaky_relu"):
    return calculate_gain(nonlinearity, a if nonlinearity == "leaky_relu" else None) ** 2, mode


def _lecun():
    return 1.0, "fan_in"


def xavier_uniform(shape, gain=1.0, *, rng=None, dtype=None, in_axis=-2, out_axis=-1) -> np.ndarray:
    """Glorot & Bengio 2010: U[−b, b], b = gain·√(6 / (fan_in + fan_out)); variance 2·gain²/(fan_in+fan_out).

    PyTorch ``xavier_uniform_``; Keras/JAX ``glorot_uniform``. Alias ``glorot_uniform``.
    """
    return variance_scaling(shape, *_xavier(gain), "uniform", rng=rng, dtype=dtype, in_axis=in_axis, out_axis=out_axis)


def xavier_normal(shape, gain=1.0, *, rng=None, dtype=None, in_axis=-2, out_axis=-1) -> np.ndarray:
    """Glorot & Bengio 2010: N(0, σ²), σ = gain·√(2 / (fan_in + fan_out)), untruncated.

    PyTorch ``xavier_normal_`` (Keras/JAX ``glorot_normal`` truncate). Alias ``glorot_normal``.
    """
    return variance_scaling(shape, *_xavier(gain), "normal", rng=rng, dtype=dtype, in_axis=in_axis, out_axis=out_axis)


def he_uniform(shape, a=0.0, mode="fan_in", nonlinearity="leaky_relu", *, rng=None, dtype=None,
               in_axis=-2, out_axis=-1) -> np.ndarray:
    """He et al. 2015: U[−b, b], b = gain·√(3 / fan), gain = calculate_gain(nonlinearity, a).

    With the defaults (leaky_relu, a = 0) gain = √2 and b = √(6 / fan_in). ``mode`` picks fan_in
    (preserves the forward signal) or fan_out (the backward one). PyTorch ``kaiming_uniform_``;
    Keras/JAX ``he_uniform``. Alias ``kaiming_uniform``.
    """
    return variance_scaling(shape, *_he(a, mode, nonlinearity), "uniform", rng=rng, dtype=dtype,
                            in_axis=in_axis, out_axis=out_axis)


def he_normal(shape, a=0.0, mode="fan_in", nonlinearity="leaky_relu", *, rng=None, dtype=None,
              in_axis=-2, out_axis=-1) -> np.ndarray:
    """He et al. 2015: N(0, σ²), σ = gain / √fan, untruncated; √(2 / fan_in) with the defaults.

    PyTorch ``kaiming_normal_`` (Keras/JAX ``he_normal`` truncate). Alias ``kaiming_normal``.
    """
    return variance_scaling(shape, *_he(a, mode, nonlinearity), "normal", rng=rng, dtype=dtype,
                            in_axis=in_axis, out_axis=out_axis)


def lecun_uniform(shape, *, rng=None, dtype=None, in_axis=-2, out_axis=-1) -> np.ndarray:
    """LeCun et al. 1998: U[−b, b], b = √(3 / fan_in); variance 1/fan_in. Keras/JAX ``lecun_uniform``.

    Not PyTorch's ``nn.Linear`` default, which is U[±1/√fan_in] (variance 1/(3·fan_in)).
    """
    return variance_scaling(shape, *_lecun(), "uniform", rng=rng, dtype=dtype, in_axis=in_axis, out_axis=out_axis)


def lecun_normal(shape, *, rng=None, dtype=None, in_axis=-2, out_axis=-1) -> np.ndarray:
    """LeCun et al. 1998: N(0, 1/fan_in), untruncated; the init SELU assumes (Klambauer et al. 2017).

    Keras/JAX ``lecun_normal`` truncate it (same variance).
    """
    return variance_scaling(shape, *_lecun(), "normal", rng=rng, dtype=dtype, in_axis=in_axis, out_axis=out_axis)


def orthogonal(shape, gain=1.0, *, rng=None, dtype=None) -> np.ndarray:
    """Saxe et al. 2014: a (semi-)orthogonal matrix times ``gain``.

    The shape is read as a matrix (prod(shape[:-1]), shape[-1]). A Gaussian matrix is QR-factorised
    and Q's columns multiplied by sign(diag R), so Q is uniformly (Haar) distributed. Tall or square:
    WᵀW = gain²·I; wide: WWᵀ = gain²·I. Each entry has mean square gain²/max(rows, cols).
    PyTorch ``orthogonal_``; Keras/JAX ``orthogonal``.
    """
    gain = _checks.real("gain", gain, positive=True)
    dims = _checks.shape(shape, min_rank=2)
    rows, cols = math.prod(dims[:-1]), dims[-1]
    a = _draw("normal", (max(rows, cols), min(rows, cols)), rng, np.float64)
    q, r = np.linalg.qr(a)
    q *= np.where(np.diag(r) < 0, -1.0, 1.0)
    if rows < cols:
        q = q.T
    return (gain * q).reshape(dims).astype(_checks.float_dtype(dtype), copy=False)


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
        raise TypeError(f"{fn.__name__} got unknown hyper-parameter(s) {unknown}; allowed: {', '.join(allowed) or 'none'}")
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


_SPECS = {  # fan-based schemes: hyper-parameters -> (scale, mode), the same rule they draw with
    "variance_scaling": lambda scale=1.0, mode="fan_in", distribution="truncated_normal": (scale, mode),
    "xavier_uniform": _xavier, "xavier_normal": _xavier,
    "he_uniform": _he, "he_normal": _he,
    "lecun_uniform": _lecun, "lecun_normal": _lecun,
}


def variance(name: str, shape, **hyper) -> float:
    """The exact variance (mean square, for orthogonal) of one entry that scheme ``name`` draws.

    ``variance("he_normal", (256, 128))`` is 2/256. This is what :mod:`nninit.theory` needs to draw a
    prediction beside a measurement.
    """
    fn = _lookup(name)
    bound = _bind(fn, hyper)
    bound.apply_defaults()
    args = {k: v for k, v in bound.arguments.items() if k not in ("rng", "dtype", "in_axis", "out_axis")}
    axes = {k: v for k, v in bound.arguments.items() if k in ("in_axis", "out_axis")}
    name = fn.__name__
    if name in _SPECS:
        scale, mode = _SPECS[name](**args)
        return _checks.real("scale", scale, positive=True) / _fan(shape, mode, **axes)
    _checks.shape(shape)
    if name in ("zeros", "ones", "constant"):
        return 0.0
    if name == "uniform":
        return (args["high"] - args["low"]) ** 2 / 12.0
    if name == "normal":
        return float(args["std"]) ** 2
    if name == "truncated_normal":
        return float(args["std"]) ** 2 * _truncated_variance(args["bound"])
    dims = _checks.shape(shape, min_rank=2)  # orthogonal
    return float(args["gain"]) ** 2 / max(math.prod(dims[:-1]), dims[-1])
