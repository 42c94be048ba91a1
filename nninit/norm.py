"""Normalisation layers with their backward pass: LayerNorm (Ba et al. 2016) and BatchNorm (Ioffe &
Szegedy 2015), as PyTorch's ``nn.LayerNorm`` and ``nn.BatchNorm1d`` compute them.

Both normalise an (N, n) array along one axis and then apply a learnable gain γ (n,) and bias β (n,)::

    μ = mean(x),  σ² = mean((x − μ)²)          over the features of each example (LayerNorm, axis 1)
                                                or over the examples of each feature (BatchNorm, axis 0)
    x̂ = (x − μ) / √(σ² + ε)                     (the biased σ², as both papers and PyTorch use)
    y = γ ⊙ x̂ + β                               γ = 1, β = 0 at initialisation

    backward, from g = dL/dy (N, n), with means over the same axis:
    dL/dγ = Σ_n g ⊙ x̂,   dL/dβ = Σ_n g        (sums over the examples)
    dL/dx = (γ ⊙ g − mean(γ ⊙ g) − x̂ ⊙ mean(γ ⊙ g ⊙ x̂)) / √(σ² + ε)

BatchNorm also keeps running statistics for evaluation (PyTorch's rule, momentum 0.1):
running_mean ← (1 − m)·running_mean + m·μ, running_var ← (1 − m)·running_var + m·σ²·N/(N − 1)
(the unbiased batch variance), and at evaluation y = γ ⊙ (x − running_mean)/√(running_var + ε) + β.
The running statistics start at mean 0 and variance 1, so an untrained BatchNorm evaluates as
y ≈ x.

What normalisation does to initialisation: x̂ does not change when x is multiplied by c > 0, so the
scale of the weights feeding a norm does not change the forward pass; dL/dx is divided by the same c,
so the gradient of those weights shrinks by c and their *effective* learning rate lr/c² does depend on
it (van Laarhoven 2017; Hoffer et al. 2018).
"""

from __future__ import annotations

import numpy as np

from . import _checks

NORMS = ("layer", "batch")


class _Norm:
    """Normalisation of (N, n) arrays along ``axis`` with gain ``gain`` and bias ``bias`` (n,)."""

    axis = 1
    name = ""

    def __init__(self, n: int, *, eps: float = 1e-5, dtype=np.float32):
        n = _checks.positive_int("n", n)
        self.eps = _checks.real("eps", eps, positive=True)
        self.gain = np.ones(n, dtype=dtype)
        self.bias = np.zeros(n, dtype=dtype)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.gain.size}, eps={self.eps:g})"

    @property
    def params(self) -> list:
        """The trainable arrays, [gain, bias]."""
        return [self.gain, self.bias]

    def _stats(self, x, training: bool):
        mean = x.mean(axis=self.axis, keepdims=True)
        var = np.square(x - mean).mean(axis=self.axis, keepdims=True)
        return mean, var

    def forward(self, x: np.ndarray, *, training: bool = True, update: bool = False):
        """y (N, n) and the cache its backward pass needs. ``training`` uses the batch's statistics
        (always, for LayerNorm); ``update`` also moves BatchNorm's running statistics."""
        mean, var = self._stats(x, training)
        inv = 1.0 / np.sqrt(var + self.eps)
        xhat = (x - mean) * inv
        if training and update:
            self._update(mean, var, x.shape[0])
        return xhat * self.gain + self.bias, (xhat, inv)

    def _update(self, mean, var, n):
        """Move running statistics (BatchNorm only)."""

    def backward(self, g: np.ndarray, cache) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(dL/dx, dL/dγ, dL/dβ) from g = dL/dy and the cache of the forward pass (batch statistics)."""
        xhat, inv = cache
        dgain = (g * xhat).sum(axis=0)
        dbias = g.sum(axis=0)
        gx = g * self.gain
        dx = (gx - gx.mean(axis=self.axis, keepdims=True)
              - xhat * (gx * xhat).mean(axis=self.axis, keepdims=True)) * inv
        return dx, dgain, dbias


class LayerNorm(_Norm):
    """LayerNorm over the n features of each example (axis 1); the same in training and evaluation.

    ``LayerNorm(n, eps=1e-5, dtype=np.float32)``: gain (n,) = 1, bias (n,) = 0, as ``torch.nn.LayerNorm(n)``.
    """

    axis = 1
    name = "layer"


class BatchNorm(_Norm):
    """BatchNorm over the N examples of each feature (axis 0), with running statistics for evaluation.

    ``BatchNorm(n, eps=1e-5, momentum=0.1, dtype=np.float32)`` as ``torch.nn.BatchNorm1d(n)``:
    gain (n,) = 1, bias (n,) = 0, ``running_mean`` (n,) = 0, ``running_var`` (n,) = 1. Training
    normalises with the batch's mean and biased variance (a batch needs N >= 2 examples); evaluation
    (``training=False``) with the running ones.
    """

    axis = 0
    name = "batch"

    def __init__(self, n: int, *, eps: float = 1e-5, momentum: float = 0.1, dtype=np.float32):
        super().__init__(n, eps=eps, dtype=dtype)
        self.momentum = _checks.real("momentum", momentum, positive=True)
        if self.momentum > 1:
            raise ValueError(f"momentum must be in (0, 1]; got {momentum!r}")
        self.running_mean = np.zeros(n, dtype=dtype)
        self.running_var = np.ones(n, dtype=dtype)

    def _stats(self, x, training: bool):
        if training:
            if x.shape[0] < 2:
                raise ValueError("BatchNorm needs a batch of at least 2 examples in training;"
                                 f" got {x.shape[0]}")
            return super()._stats(x, training)
        return self.running_mean, self.running_var

    def _update(self, mean, var, n):
        m = self.momentum
        self.running_mean *= 1.0 - m
        self.running_mean += m * mean[0]
        self.running_var *= 1.0 - m
        self.running_var += m * var[0] * (n / (n - 1))


def make(kind: str, n: int, *, dtype=np.float32) -> _Norm:
    """A fresh norm layer: ``kind`` "layer" (LayerNorm) or "batch" (BatchNorm) over n features."""
    _checks.choice("norm", kind, NORMS)
    return (LayerNorm if kind == "layer" else BatchNorm)(n, dtype=dtype)
