"""Layer-sequential unit-variance initialisation (LSUV; Mishkin & Matas 2015, "All you need is a good init").

1. Give every layer an orthonormal weight matrix (``initializers.orthogonal``; Saxe et al. 2014).
2. For each layer l in turn, from the input to the output: run the batch X forward to layer l,
   measure v = Var(s_l) over all N·n_l pre-activations, and divide W_l by √v; repeat until
   |v − 1| < tol or ``max_iter`` rescalings were made. Biases are left as they are.

With zero biases Var(s_l) is exactly proportional to std(W_l)², so one rescaling per layer reaches
unit variance; the loop matters when biases are not zero (it converges while the biases alone have
variance below 1; with Var(b_l) >= 1 no scale of W_l can reach it, and the layer uses ``max_iter``).
What LSUV learns is a gain g_l = std(W_l)·√fan_in (``net.gains()``): for N(0, 1) inputs g_1 = 1,
and deeper layers settle at 1/√E[φ(s)²] with s ~ N(0, 1): √2 for ReLU, ≈ 1.59 for tanh
(beyond tanh's critical gain 1: such nets are slightly chaotic).

>>> from nninit import MLP
>>> net = MLP([32, 64, 64, 10], activation="relu", rng=0)
>>> X = np.random.default_rng(0).standard_normal((512, 32))
>>> lsuv(net, X, rng=0)                           # rescalings per layer
[1, 1, 1]
>>> net.gains()[:2].round(1)                      # hidden layers: 1 for the first, ≈ √2 after a ReLU
array([1. , 1.4])
"""

from __future__ import annotations

import math

import numpy as np

from . import _checks, initializers
from .mlp import MLP


def lsuv(net: MLP, X, tol=0.1, max_iter=10, *, rng=None) -> list[int]:
    """Re-initialise ``net`` in place by LSUV on the batch ``X`` (N, n_in); return the rescalings per layer.

    ``tol``: accept a layer when |Var(s_l) − 1| < tol. ``max_iter``: at most this many rescalings per
    layer (a layer that used them all may not have converged). ``rng`` draws the orthogonal start.
    Raises ValueError if a layer's pre-activations have zero or non-finite variance on X.
    """
    if not isinstance(net, MLP):
        raise TypeError(f"net must be an nninit.MLP; got {type(net).__name__}")
    a = net.check_input(X, "X")
    tol = _checks.real("tol", tol, positive=True)
    max_iter = _checks.positive_int("max_iter", max_iter)
    gen = _checks.generator(rng)
    for layer in net.layers:
        layer.W[...] = initializers.orthogonal(layer.W.shape, rng=gen, dtype=net.dtype)
    iterations = []
    last = net.n_layers - 1
    with np.errstate(over="ignore", invalid="ignore"):
        for l, layer in enumerate(net.layers):
            used = 0
            while True:
                s = a @ layer.W + layer.b                 # a = a_{l-1}: earlier layers are final
                var = float(np.var(s, dtype=np.float64))
                if not math.isfinite(var) or var == 0.0:
                    raise ValueError(
                        f"LSUV: the pre-activations of layer {l + 1} have variance {var} on X;"
                        " X must vary (and not overflow) for the layer to be rescaled"
                    )
                if abs(var - 1.0) < tol or used == max_iter:
                    break
                layer.W *= 1.0 / math.sqrt(var)
                used += 1
            iterations.append(used)
            a = s if l == last else net.activation.fn(s)
    return iterations
