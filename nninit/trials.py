"""The course's training runs whose results depend on the trajectory, and how they are printed.

A number that comes out of a training run, or out of a product through a chaotic net, changes with
the seed, and for the same reason with the CPU's BLAS kernel, its thread count and the operating
system: a last-bit difference in one matrix product is amplified step after step. The course prints
such a number only as a **band**, an interval of fixed edges that holds it (:func:`band`), wide
enough that other seeds land in the same band. The runs live here, not in the notebooks, so that
``tests/test_portable.py`` repeats exactly what a notebook prints under other seeds and checks
that the printed text does not change.

>>> band([0.62, 0.81], [0.15, 0.4, 0.9], percent=True)
'40% to 90%'
"""

from __future__ import annotations

import numpy as np

from . import data
from .mlp import MLP
from .training import History, fit


def _edge_text(edge: float, fmt: str, percent: bool) -> str:
    return f"{edge:.0%}" if percent else format(edge, fmt)


def band(values, edges, *, fmt: str = "g", percent: bool = False) -> str:
    """The narrowest interval between ``edges`` that holds every value, as text.

    ``edges`` are increasing; the intervals are ``[e_i, e_{i+1})``, plus ``< e_0`` below the first
    and ``>= e_k`` from the last on (values on both sides of every edge give ``"< e_0 to >= e_k"``).
    One value or several (a run per seed) may be given:
    ``band([0.62, 0.81], [0.15, 0.4, 0.9], percent=True)`` is ``"40% to 90%"``, ``band(0.1, ...)``
    is ``"< 15%"``. Edges are printed with ``format(edge, fmt)``, or as whole percentages.
    """
    values = np.atleast_1d(np.asarray(values, dtype=np.float64))
    edges = np.asarray(edges, dtype=np.float64)
    if edges.ndim != 1 or edges.size == 0 or np.any(np.diff(edges) <= 0):
        raise ValueError(f"edges must be a non-empty increasing sequence, got {edges.tolist()}")
    if values.size == 0 or not np.all(np.isfinite(values)):
        raise ValueError(f"values must be finite numbers, got {values.tolist()}")
    lo = int(np.searchsorted(edges, values.min(), side="right"))  # values.min() in [e_lo-1, e_lo)
    hi = int(np.searchsorted(edges, values.max(), side="right"))
    text = [_edge_text(e, fmt, percent) for e in edges]
    if hi == 0:
        return f"< {text[0]}"
    if lo == len(edges):
        return f">= {text[-1]}"
    if lo == 0 and hi == len(edges):
        return f"< {text[0]} to >= {text[-1]}"          # below the first edge and above the last
    if lo == 0:
        return f"< {text[hi]}"
    if hi == len(edges):
        return f">= {text[lo - 1]}"
    return f"{text[lo - 1]} to {text[hi]}"


def split(name: str, dtype=np.float64):
    """The course's train/test split of ``"spirals"`` (600 points, noise 0.3, seed 0) or
    ``"digits"``: 25% held out (stratified, seed 0), standardised by the training set, X as
    ``dtype``. Returns ``(X_train, X_test, y_train, y_test)``."""
    sources = {"spirals": lambda: data.spirals(n=600, noise=0.3, rng=0), "digits": data.digits}
    if name not in sources:
        raise ValueError(f"name must be one of {sorted(sources)}, got {name!r}")
    X, y = sources[name]()
    X_tr, X_te, y_tr, y_te = data.train_test_split(X, y, 0.25, rng=0)
    X_tr, X_te = (x.astype(dtype) for x in data.standardize(X_tr, X_te))
    return X_tr, X_te, y_tr, y_te


def accuracy_band(history: History, edges) -> str:
    """The final validation accuracy of ``history`` as a band of ``edges`` (fractions)."""
    return band(history.val_accuracy[-1], edges, percent=True)


# Notebook 04: 30 ReLU layers of 128 on the digits, Xavier against He (width 128, not the 256 of
# the notebook's probes: a quarter of the arithmetic, so that the browser edition, whose numpy has
# no fast BLAS, trains both nets in about 20 s). Over seeds 0-11 the final accuracy is 10.0-10.2%
# for Xavier and 44.5-71.3% for He; the medians of the update:data ratios are 7e-10 to 3.1e-8
# (Xavier, layers 1 and 15), 0.82e-6 to 1.7e-6 (Xavier, output), 3.2e-4 to 6.5e-4 (He, layers 1
# and 15) and 1.1e-3 to 2.0e-3 (He, output): the edges below leave each band at least a factor 3
# (accuracy: 9 points) away from every seed seen.
DEEP_RELU_SIZES = [64] + [128] * 30 + [10]
DEEP_RELU_ACCURACY_EDGES = [0.15, 0.35, 0.9]     # below 15%: chance (10 classes)
UPDATE_RATIO_EDGES = [1e-7, 1e-5, 1e-4, 1e-2]


def deep_relu_digits(init, seed: int = 0) -> History:
    """Train 64 → 30 ReLU layers of 128 → 10 (``init``; weights and batch order seeded ``seed``)
    on :func:`split` ``("digits")`` in float32: SGD, momentum 0.9, lr 0.002, batch 32, 5 epochs
    (215 steps), statistics every 50 steps. About 1 s natively, 10 s in the browser edition."""
    X_tr, X_va, y_tr, y_va = split("digits", np.float32)
    net = MLP(DEEP_RELU_SIZES, "relu", init=init, rng=seed)
    return fit(net, X_tr, y_tr, epochs=5, batch_size=32, lr=0.002, momentum=0.9,
               X_val=X_va, y_val=y_va, record_every=50, rng=seed)


def update_ratio_bands(history: History) -> str:
    """The median over recorded steps of the update:data ratio of layer 1, layer 15 and the
    output layer, each as a band of :data:`UPDATE_RATIO_EDGES`."""
    r = np.median(history.update_ratio, axis=0)
    return ",  ".join(f"{label} {band(r[i], UPDATE_RATIO_EDGES, fmt='.0e')}"
                      for label, i in (("layer 1", 0), ("layer 15", 14), ("output", -1)))


# Notebook 05: the 4-layer nets of 64 units. Over seeds 0-11 tanh on the spirals reaches 70-84%
# test accuracy from normal(σ = 10) and 90-100% from xavier_normal; over seeds 1-12 the ReLU net
# on the digits reaches 94.4-96.9% (uniform) and 95.6-97.3% (he_normal).
TANH_ACCURACY_EDGES = [0.5, 0.9]
SEED_SPREAD_EDGES = [0.93, 0.98]


def small_net(init, task: str, activation: str = "relu", *, epochs: int, seed: int = 0,
              record_every: int = 20) -> History:
    """Train [n_in, 64, 64, 64, n_classes] (``activation``, ``init``, float32) on :func:`split`
    ``(task)``: SGD, momentum 0.9, lr 0.03, batch 64, ``epochs`` epochs; weights and batch order
    seeded ``seed``. Notebook 05's setting."""
    X, X_te, y, y_te = split(task)
    net = MLP([X.shape[1], 64, 64, 64, int(y.max()) + 1], activation, init=init, rng=seed)
    return fit(net, X, y, epochs=epochs, batch_size=64, lr=0.03, momentum=0.9,
               X_val=X_te, y_val=y_te, record_every=record_every, rng=seed)


def seed_spread(init, seeds=(1, 2, 3)) -> str:
    """The digits net of notebook 05 (10 epochs) trained once per seed: the band of
    :data:`SEED_SPREAD_EDGES` that holds every final test accuracy."""
    acc = [small_net(init, "digits", epochs=10, seed=s, record_every=1000).val_accuracy[-1]
           for s in seeds]
    return band(acc, SEED_SPREAD_EDGES, percent=True)
