"""Signal propagation in a residual stream at initialisation: the variance recursion of
:class:`~nninit.residual.ResidualMLP`, to draw beside a measurement.

A block adds its branch to the stream, x_b = x_{b-1} + α·f(x_{b-1}). The branch's last layer has
zero-mean weights drawn independently of x_{b-1}, so the two terms are uncorrelated and their
second moments add (the wide-network, mean-field argument of :mod:`nninit.theory`)::

    q_b = q_{b-1} + α² · B(q_{b-1})                                  q_b = E[x_b²]

The branch variance B(q) follows the plain network's length map V(q) = σ_w²·E[φ(√q z)²] + σ_b²
(``theory.variance_map``) once per dense layer of the branch:

* no normalisation: B(q) = V(V(…V(q))) (k times). For ReLU with He's σ_w² = 2 and no bias V(q) = q,
  so q_b = (1 + α²)^b q_0: the variance **doubles** at every block when α = 1 (De & Smith 2020),
  and with α² = 1/B it grows at most by (1 + 1/B)^B < e over B blocks (GPT-2's 1/√(2·n_layer)
  scaling of its 2·n_layer residual projections is this rule);
* LayerNorm or BatchNorm before every φ (γ = 1, β = 0 at init): every φ sees unit variance, so
  B(q) = V(1) whatever q is, and the stream grows **linearly**, q_b = q_0 + b·α²·V(1).

Back-propagated, the stream's gradient g_b = dL/dx_b picks up the branch's Jacobian beside the
identity: E[g_{b-1}²] = E[g_b²] · (1 + α²·X(q_{b-1})), with X the product of the branch's gradient
factors χ(q) = σ_w²·E[φ'(√q z)²] (``theory.chi``) at the variances its φ's see; a norm layer whose
input has variance v divides the gradient's second moment by v (its Jacobian is (1/√v)·(a projection),
whose O(1/width) part is neglected). With BatchNorm the batch couples the examples' gradients and they
grow faster than this (Yang et al. 2019, "A mean field theory of batch normalization"), so ``grad_std``
is not predicted there (NaN). Zero-initialised branches (Fixup, or α = 0: SkipInit/ReZero)
give q_b = q_0 and g_b = g_B: every block is the identity at step 0.

The recursion is per example: q_0 is one example's E[x_0²] over the units. Inputs whose norms differ
(e.g. 16 Gaussian features, whose squared norm varies by ±35 %) give each example its own q_0; the
stream's variance averages linearly (exact for ReLU and for the norms' linear growth) but the
gradient's factors depend on q nonlinearly, so compare gradients on inputs of one norm.

>>> p = predict("relu", 50, sigma_w2=2.0, alpha=1.0)
>>> round(float(p.stream_std[-1] / p.stream_std[0]) / 2 ** 25, 9)    # √(2^50): doubling per block
1.0
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import _checks, activations, theory
from .norm import NORMS

__all__ = ["ResidualPrediction", "predict"]


@dataclass(frozen=True)
class ResidualPrediction:
    """Per stream position b = 0..B (``stream_sites`` of the net): ``stream_std`` √q_b, the std of x_b;
    ``grad_std`` the std of dL/dx_b relative to dL/dx_B's (1 at the last block); ``branch_var`` α²·B(q_{b-1})
    for b = 1..B (what each block adds)."""

    activation: str
    n_blocks: int
    stream_std: np.ndarray
    grad_std: np.ndarray
    branch_var: np.ndarray


def predict(activation, n_blocks, *, branch_depth=2, sigma_w2=2.0, sigma_b2=0.0, alpha=1.0, norm=None,
            q0=1.0) -> ResidualPrediction:
    """The residual stream's variance recursion q_b = q_{b-1} + α²·B(q_{b-1}) and its gradient's.

    ``activation``: a registry name; ``n_blocks`` B; ``branch_depth`` k dense layers per branch, each with
    σ_w² = fan_in·Var(W) (``sigma_w2``; 2 for He, 1 for LeCun, 0 for a zero-initialised branch) and
    bias variance ``sigma_b2``; ``alpha`` the branch scale; ``norm`` None, "layer" or "batch";
    ``q0`` = E[x_0²], the stream's second moment after the input layer.
    """
    n_blocks = _checks.positive_int("n_blocks", n_blocks)
    k = _checks.positive_int("branch_depth", branch_depth)
    w2 = _checks.real("sigma_w2", sigma_w2, nonnegative=True)
    b2 = _checks.real("sigma_b2", sigma_b2, nonnegative=True)
    alpha = _checks.real("alpha", alpha, nonnegative=True)
    q0 = _checks.real("q0", q0, positive=True)
    if norm is not None:
        _checks.choice("norm", norm, NORMS)
    name = activations.get(activation).name

    q = np.empty(n_blocks + 1)
    added = np.empty(n_blocks)
    gain = np.empty(n_blocks)                             # 1 + α²·X(q_{b-1}) for block b
    q[0] = q0
    if norm is not None:
        inner = float(theory.variance_map(name, w2, b2, 1.0))        # every φ sees unit variance
        chi_unit = float(theory.chi(name, w2, 1.0))
    for b in range(n_blocks):
        if norm is None:
            v, factor = q[b], 1.0
            for _ in range(k):
                factor *= float(theory.chi(name, w2, v))
                v = float(theory.variance_map(name, w2, b2, v))
            branch = v
        else:
            branch = inner
            factor = chi_unit ** k / (q[b] * inner ** (k - 1)) if inner > 0 else 0.0
        added[b] = alpha * alpha * branch
        q[b + 1] = q[b] + added[b]
        gain[b] = 1.0 + alpha * alpha * factor
    grad2 = np.ones(n_blocks + 1)
    for b in range(n_blocks - 1, -1, -1):
        grad2[b] = grad2[b + 1] * gain[b]
    if norm == "batch":
        grad2[:-1] = np.nan
    return ResidualPrediction(name, n_blocks, np.sqrt(q), np.sqrt(grad2), added)
