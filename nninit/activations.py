"""Activation functions φ and their derivatives φ', by name.

Each :class:`Activation` maps an array of pre-activations ``x`` (any shape, float32 or float64) to
``φ(x)`` and to ``φ'(x)``, elementwise, keeping the dtype. All are stable for |x| up to 1e4: no
overflow, no RuntimeWarning (exponentials are only ever taken of non-positive numbers).

>>> act = get("tanh")
>>> act(np.array([0.0, 1.0])).round(4)
array([0.    , 0.7616])
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np

from . import _checks

# Klambauer et al. 2017, eq. 14: the constants that make (0, 1) the fixed point of SELU.
SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946
_GELU_C = float(np.sqrt(2.0 / np.pi))  # a Python float keeps float32 arrays float32

# The course's one definition of a "saturated" activation value, used by the recorder, the plots and
# the notebooks: |tanh| > 0.97 (there tanh' = 1 − a² < 0.06), sigmoid within 0.03 of 0 or 1
# (there σ' = a(1 − a) < 0.03); lecun_tanh at the same fraction of its range, |a| > 0.97 · 1.7159.
TANH_SATURATION = 0.97
SIGMOID_SATURATION = 0.03


@dataclass(frozen=True)
class Activation:
    """An activation: ``fn`` is φ, ``grad`` is φ' (both of the pre-activation ``x``).

    ``saturated(a)`` (or None) marks activation *values* ``a`` in the flat tails of a squashing
    function; ``rectifier`` is True for the ReLU family, whose units can be dead (always zero).
    The two shares every chart and table of the course reads are :meth:`saturated_share` and
    :meth:`dead_share`.
    """

    name: str
    fn: Callable[[np.ndarray], np.ndarray]
    grad: Callable[[np.ndarray], np.ndarray]
    saturated: Callable[[np.ndarray], np.ndarray] | None = None
    rectifier: bool = False

    def __call__(self, x):
        return self.fn(x)

    def saturated_share(self, a) -> float:
        """The fraction of the activation values ``a`` (any shape) in a flat tail (see
        :data:`TANH_SATURATION`); NaN for an activation without flat tails.

        >>> get("tanh").saturated_share(np.array([0.0, 0.5, 0.98, -0.99]))
        0.5
        """
        if self.saturated is None:
            return math.nan
        return float(np.mean(self.saturated(np.asarray(a))))

    def dead_units(self, s) -> np.ndarray | None:
        """For a rectifier, a bool per unit: True where the pre-activation ``s`` (N, n_units) is
        <= 0 for every one of the N examples (the unit outputs its floor for the whole batch and
        passes no gradient back); None for other activations."""
        if not self.rectifier:
            return None
        return np.asarray(s).max(axis=0) <= 0

    def dead_share(self, s) -> float:
        """The fraction of a layer's units that are dead on the batch (see :meth:`dead_units`);
        NaN for an activation that is not a rectifier.

        >>> get("relu").dead_share(np.array([[-1.0, 2.0], [-3.0, -1.0]]))
        0.5
        """
        dead = self.dead_units(s)
        return math.nan if dead is None else float(dead.mean())


def _sigmoid(x):
    """σ(x) = 1 / (1 + e^{-x}), computed from e^{-|x|} so that nothing overflows."""
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0, e) / (1.0 + e)


def _sigmoid_grad(x):
    s = _sigmoid(x)
    return s * (1.0 - s)


def _tanh_grad(x):
    t = np.tanh(x)
    return 1.0 - t * t


def _relu(x):
    return np.maximum(x, 0)


def _relu_grad(x):
    x = np.asarray(x)  # a Python float has no .dtype
    return (x > 0).astype(x.dtype)


def _leaky_relu(slope):
    def fn(x):
        return np.where(x > 0, x, slope * x)

    def grad(x):
        x = np.asarray(x)
        return np.where(x > 0, 1.0, slope).astype(x.dtype)

    return fn, grad


def _elu(alpha, scale=1.0):
    """scale · (x if x > 0 else α(eˣ − 1)); with SELU's α and scale this is SELU."""

    def fn(x):
        return scale * np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0)))

    def grad(x):
        x = np.asarray(x)
        return scale * np.where(x > 0, 1.0, alpha * np.exp(np.minimum(x, 0))).astype(x.dtype)

    return fn, grad


def _gelu_tanh(x):
    """tanh(√(2/π)(x + 0.044715x³)) and the x it was taken at, clipped to ±10: beyond, the tanh is
    ±1 exactly in float32 and float64 (its argument exceeds 43), and x³ would overflow at 1e13."""
    xc = np.clip(x, -10.0, 10.0)
    return np.tanh(_GELU_C * (xc + 0.044715 * xc**3)), xc


def _gelu(x):
    """GELU, tanh approximation: ½x(1 + tanh(√(2/π)(x + 0.044715x³)))."""
    return 0.5 * x * (1.0 + _gelu_tanh(x)[0])


def _gelu_grad(x):
    t, xc = _gelu_tanh(x)
    return 0.5 * (1.0 + t) + 0.5 * xc * (1.0 - t * t) * _GELU_C * (1.0 + 3 * 0.044715 * xc * xc)


def _softplus(x):
    """log(1 + eˣ) = max(x, 0) + log1p(e^{-|x|})."""
    return np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))


def _lecun_tanh(x):
    """LeCun et al. 1998 ("Efficient BackProp"): 1.7159 · tanh(2x/3), so that φ(±1) = ±1."""
    return 1.7159 * np.tanh(x * (2.0 / 3.0))


def _lecun_tanh_grad(x):
    t = np.tanh(x * (2.0 / 3.0))
    return (1.7159 * 2.0 / 3.0) * (1.0 - t * t)


def _saturated_abs(limit):
    return lambda a: np.abs(a) > limit


def _saturated_sigmoid(a):
    return (a < SIGMOID_SATURATION) | (a > 1.0 - SIGMOID_SATURATION)


def _identity(x):
    return x


def _ones(x):
    return np.ones_like(x)


def _make(name: str, **param) -> Activation:
    if name == "identity":
        return Activation(name, _identity, _ones)
    if name == "sigmoid":
        return Activation(name, _sigmoid, _sigmoid_grad, _saturated_sigmoid)
    if name == "tanh":
        return Activation(name, np.tanh, _tanh_grad, _saturated_abs(TANH_SATURATION))
    if name == "lecun_tanh":
        return Activation(name, _lecun_tanh, _lecun_tanh_grad, _saturated_abs(1.7159 * TANH_SATURATION))
    if name == "relu":
        return Activation(name, _relu, _relu_grad, rectifier=True)
    if name == "leaky_relu":
        slope = _checks.real("slope", param.get("slope", 0.01), nonnegative=True)
        return Activation(name, *_leaky_relu(slope), rectifier=True)
    if name == "elu":
        alpha = _checks.real("alpha", param.get("alpha", 1.0), positive=True)
        return Activation(name, *_elu(alpha), rectifier=True)
    if name == "selu":
        return Activation(name, *_elu(SELU_ALPHA, SELU_SCALE), rectifier=True)
    if name == "gelu":
        return Activation(name, _gelu, _gelu_grad)
    # softplus
    return Activation(name, _softplus, _sigmoid)


_NAMES = ("identity", "sigmoid", "tanh", "lecun_tanh", "relu", "leaky_relu", "elu", "selu", "gelu",
          "softplus")
_PARAMS = {"leaky_relu": {"slope"}, "elu": {"alpha"}}
_ALIASES = {"linear": "identity"}


def available() -> list[str]:
    """The activation names that :func:`get` accepts."""
    return list(_NAMES)


def get(activation, **param) -> Activation:
    """The :class:`Activation` called ``activation`` (an Activation is returned as it is).

    ``leaky_relu`` takes ``slope`` (default 0.01, PyTorch's), ``elu`` takes ``alpha`` (default 1).
    ``gelu`` is the tanh approximation (JAX's default, PyTorch's ``approximate='tanh'``).
    """
    if isinstance(activation, Activation):
        return activation
    name = _ALIASES.get(activation, activation) if isinstance(activation, str) else activation
    _checks.choice("activation", name, _NAMES)
    unknown = set(param) - _PARAMS.get(name, set())
    if unknown:
        allowed = ", ".join(sorted(_PARAMS.get(name, ()))) or "none"
        raise TypeError(f"activation {name!r} got unexpected parameters {sorted(unknown)};"
                        f" allowed: {allowed}")
    return _make(name, **param)
