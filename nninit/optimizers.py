"""The optimizers :func:`nninit.fit` uses: SGD (momentum, Nesterov) and Adam, on parameters per layer.

Parameters come as one dict per layer, ``{"W": W, "b": b}`` (what ``layer.params`` gives), and the
gradients in the same layout (``grads.params(l)``). ``step`` updates every parameter in place and
returns the updates ΔW in that layout, for the recorder's update:data ratio. It may overwrite the
gradient arrays (they are not needed after the update), so that a step allocates nothing.

>>> import numpy as np
>>> W = np.ones(2)
>>> opt = make("sgd", [{"W": W}], lr=0.5)
>>> opt.step([{"W": np.array([1.0, -2.0])}])
[{'W': array([-0.5,  1. ])}]
>>> W
array([0.5, 2. ])
"""

from __future__ import annotations

import numpy as np

from . import _checks
from .mlp import consecutive_arrays

OPTIMIZERS = ("sgd", "adam")


class SGD:
    """Stochastic gradient descent with (optional) momentum μ, in PyTorch's form with lr folded in:

    v ← μ·v − lr·g;  W ← W + v            (heavy ball; μ = 0 is plain SGD: W ← W − lr·g)
    Nesterov:        W ← W + μ·v − lr·g   (with the new v; Sutskever et al. 2013)
    """

    def __init__(self, params: list[dict], lr: float, momentum: float = 0.0, nesterov: bool = False):
        self.lr, self.momentum, self.nesterov = lr, momentum, nesterov
        self.velocity = _zeros_like(params) if momentum else None
        self.params = params

    def step(self, grads: list[dict]) -> list[dict]:
        deltas = []
        for l, (params, layer_grads) in enumerate(zip(self.params, grads)):
            layer_deltas = {}
            for name, g in layer_grads.items():
                g *= -self.lr                        # g now holds −lr·g
                delta = g
                if self.velocity is not None:
                    v = self.velocity[l][name]
                    v *= self.momentum
                    v += g                           # v ← μ·v − lr·g
                    if self.nesterov:
                        g += self.momentum * v       # μ·v − lr·g
                    else:
                        delta = v
                params[name] += delta
                layer_deltas[name] = delta
            deltas.append(layer_deltas)
        return deltas


class Adam:
    """Adam (Kingma & Ba 2015): m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g², t ← t + 1,
    ΔW = −lr · m̂ / (√v̂ + ε) with m̂ = m/(1−β₁ᵗ), v̂ = v/(1−β₂ᵗ)."""

    def __init__(self, params: list[dict], lr: float, betas=(0.9, 0.999), eps: float = 1e-8):
        self.lr, (self.beta1, self.beta2), self.eps, self.t = lr, betas, eps, 0
        self.m, self.v = _zeros_like(params), _zeros_like(params)
        self.params = params

    def step(self, grads: list[dict]) -> list[dict]:
        self.t += 1
        c1 = 1.0 - self.beta1 ** self.t
        c2 = 1.0 - self.beta2 ** self.t
        deltas = []
        for params, layer_grads, m_layer, v_layer in zip(self.params, grads, self.m, self.v):
            layer_deltas = {}
            for name, g in layer_grads.items():
                m, v = m_layer[name], v_layer[name]
                m *= self.beta1
                m += (1.0 - self.beta1) * g
                v *= self.beta2
                g *= g
                g *= 1.0 - self.beta2
                v += g                               # g is free again: reuse it for ΔW
                np.divide(v, c2, out=g)
                np.sqrt(g, out=g)
                g += self.eps
                np.divide(m, g, out=g)
                g *= -self.lr / c1
                params[name] += g
                layer_deltas[name] = g
            deltas.append(layer_deltas)
        return deltas


def make(optimizer: str, params: list[dict], lr, *, momentum=0.0, nesterov=False, betas=(0.9, 0.999),
         eps=1e-8) -> SGD | Adam:
    """The optimizer ``optimizer`` ("sgd" or "adam") over ``params``, its arguments checked first."""
    _checks.choice("optimizer", optimizer, OPTIMIZERS)
    lr = _checks.real("lr", lr, positive=True)
    momentum = _checks.real("momentum", momentum, nonnegative=True)
    if momentum >= 1:
        raise ValueError(f"momentum must be in [0, 1); got {momentum!r}")
    if not isinstance(nesterov, (bool, np.bool_)):
        raise TypeError(f"nesterov must be True or False; got {nesterov!r}")
    if nesterov and (optimizer != "sgd" or momentum == 0):
        raise ValueError(f"nesterov=True needs optimizer='sgd' and momentum > 0; got optimizer={optimizer!r},"
                         f" momentum={momentum!r}")
    if optimizer != "sgd" and momentum:
        raise ValueError(f"momentum is for optimizer='sgd'; optimizer={optimizer!r} got momentum={momentum!r}"
                         " (Adam's are betas)")
    betas = _check_betas(betas)
    eps = _checks.real("eps", eps, positive=True)
    if optimizer == "sgd":
        return SGD(params, lr, momentum, bool(nesterov))
    return Adam(params, lr, betas, eps)


def _zeros_like(params: list[dict]) -> list[dict]:
    """Zeros shaped like every parameter, per layer by name; the arrays of one name are consecutive
    views of one buffer (``mlp.consecutive_arrays``), so that the recorder reads the updates that
    momentum gives as it reads the weights."""
    zeros = [{} for _ in params]
    for name in dict.fromkeys(name for layer in params for name in layer):
        layers = [l for l, layer in enumerate(params) if name in layer]
        arrays = consecutive_arrays([params[l][name].shape for l in layers], params[layers[0]][name].dtype)
        for l, a in zip(layers, arrays):
            a[...] = 0
            zeros[l][name] = a
    return zeros


def _check_betas(betas):
    try:
        b1, b2 = betas
    except (TypeError, ValueError):
        raise TypeError(f"betas must be a pair (beta1, beta2) in [0, 1); got {betas!r}") from None
    b1, b2 = _checks.real("betas[0]", b1, nonnegative=True), _checks.real("betas[1]", b2, nonnegative=True)
    if b1 >= 1 or b2 >= 1:
        raise ValueError(f"betas must be in [0, 1); got {betas!r}")
    return b1, b2
