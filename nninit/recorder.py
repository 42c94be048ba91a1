"""What :func:`nninit.fit` records of a step: per-layer statistics of its activations and gradients.

The :class:`Recorder` takes them from the step's own forward and backward pass (no extra pass) and
writes them into arrays allocated up front, one row per recorded step; what each statistic means is
written once, in :class:`nninit.training.History`.

Histograms from a sample of the batch. A record's histograms (``History.act_hist``,
``History.grad_act_hist``) count the first ``HIST_ROWS`` = 16 rows (examples) of the recorded batch,
all rows of a smaller one. ``fit`` draws its batches in a shuffled order, so those rows are a random
sample; 16 rows give 16·n_l values for a layer of n_l units (1024 at width 64) for 48 bins, enough
for the figure that draws them (``plots.histogram_heatmap``). Binning every value costs about 2 ns a
value: at width 64 and depth 30, 0.56 ms, half a plain step (1.16 ms). Every other statistic (means,
stds, dead and saturated shares, gradient norms, update ratios) uses every value of the batch.
:func:`abs_histogram` bins the whole array it is given.

Speed. The recorder touches each value a few times and calls numpy a few times per record, not a
dozen times per layer: every layer's activations and gradients are copied side by side into one
buffer (N, 2·Σ n_l), and the means, stds, saturated shares and histograms of all layers come from a
handful of passes over it; for ReLU the dead units come from the column sums the means already take.
The weight statistics (Σx and Σx² of every W, dL/dW and ΔW) need no copy: an MLP keeps each of
these sets as consecutive views of one buffer (``mlp.consecutive_arrays``, also used by the
optimizers for momentum), which :class:`_PerArray` reduces in four numpy calls; other arrays (a
ResidualMLP's, a deep copy's) take two BLAS dots each, where they lie. Copying them into one buffer
at each record was measured slower inside a training step: the copy costs more than the calls it
saves (+0.5 ms at 128×30). At the course's sizes (width 64–128, depth 8–30, batch 64, every step
recorded) a recorded step costs 1.3–1.5 times a plain one (``benchmarks/bench_mlp.py --recording
--cpu-time``, one BLAS thread, a busy machine, seven runs: +46% to +48% at 64×8, +36% to +41% at
64×30, +31% to +34% at 128×8, +35% to +43% at 128×30), within the aim of at most +50%. At 64×8 the
record splits in about three equal parts: the histograms (a table lookup and an ``np.bincount``),
the side-by-side copy with its column sums and squares, and the weight statistics.

Histograms of |values| have 4 log-spaced bins per decade from 1e-8 to 1e4 (48 bins), so that both a
collapse towards 0 and an explosion show. A value's bin is read from a table indexed by the top 16
bits of its float32 (sign, exponent and 7 mantissa bits), with no logarithm: for that the edges are
10^(i/4) rounded to 8 significant bits (at most 0.4% away from 10^(i/4)), so that no edge falls
inside a table entry. Values below the first edge (zeros included) count in the first bin, values
from the last edge on in the last bin.

>>> counts = abs_histogram(np.array([0.0, 3e-8, 1.0, -1.5, 2e9])) * 5
>>> counts[[0, 1, 32, 47]].tolist()
[1.0, 1.0, 2.0, 1.0]
"""

from __future__ import annotations

import functools
import math
import operator
import sys

import numpy as np

from . import activations

HIST_LOW, HIST_HIGH, HIST_PER_DECADE = -8, 4, 4
N_BINS = (HIST_HIGH - HIST_LOW) * HIST_PER_DECADE
# A recorded step's histograms count the first HIST_ROWS rows (examples) of its batch, all if fewer
HIST_ROWS = 16


def _hist_edges() -> np.ndarray:
    """10^(-8 + i/4), i = 0..48, each rounded to the nearest float32 whose low 16 bits are zero."""
    exact = np.logspace(HIST_LOW, HIST_HIGH, N_BINS + 1).astype(np.float32)
    bits = (exact.view(np.uint32) + np.uint32(0x8000)) & np.uint32(0xFFFF0000)
    return bits.view(np.float32).astype(np.float64)


HIST_EDGES = _hist_edges()


def _bin_table() -> np.ndarray:
    """The bin of every float32 with top 16 bits k, for k = 0..65535 (both signs)."""
    smallest = (np.arange(1 << 16, dtype=np.uint32) << np.uint32(16)).view(np.float32)
    with np.errstate(invalid="ignore"):
        bins = np.searchsorted(HIST_EDGES, np.abs(smallest.astype(np.float64)), side="right") - 1
    return np.clip(bins, 0, N_BINS - 1).astype(np.uint16)         # NaN sorts last: the last bin


_BIN_OF_KEY = _bin_table()
_HIGH_HALF = slice(1, None, 2) if sys.byteorder == "little" else slice(0, None, 2)

# The per-layer statistics of a record, each an array (n_records, n_layers) in the History.
STATS = ("act_mean", "act_std", "grad_act_mean", "grad_act_std", "saturated", "dead", "grad_W_norm",
         "update_ratio")
# Bytes of one record: its step index, then per layer 8 float64 statistics and 2 histograms of float64.
BYTES_PER_RECORD_PER_LAYER = 8 * len(STATS) + 2 * 8 * N_BINS  # 832


def _keys(values32: np.ndarray) -> np.ndarray:
    """The top 16 bits of every entry of a C-contiguous float32 array (its bfloat16 bits), a view."""
    return values32.view(np.uint16)[..., _HIGH_HALF]


def _bins(values) -> np.ndarray:
    """The histogram bin of every entry of ``values`` (any shape), a uint16 array of that shape."""
    return np.take(_BIN_OF_KEY, _keys(np.ascontiguousarray(values, dtype=np.float32)), mode="clip")


def abs_histogram(x) -> np.ndarray:
    """Fraction of the entries of ``x`` whose |value| falls in each bin of ``HIST_EDGES`` (sums to 1).

    Bin i holds HIST_EDGES[i] <= |x| < HIST_EDGES[i + 1]; |x| below the first edge (and 0) counts in
    bin 0, |x| from the last edge on in the last bin. Values are binned as float32.
    """
    x = np.asarray(x)
    return np.bincount(_bins(x).ravel(), minlength=N_BINS) / x.size


@functools.cache
def _ones(n: int, dtype) -> np.ndarray:
    """n ones, read-only: a sum as a BLAS product (x @ 1), about twice as fast as numpy's x.sum()."""
    ones = np.ones(n, dtype=dtype)
    ones.flags.writeable = False
    return ones


def _sum_of_squares(x: np.ndarray) -> float:
    """Σx² over all entries of ``x`` (one BLAS dot, in x's dtype)."""
    flat = x.reshape(-1)
    return float(np.dot(flat, flat))


def _sum(x: np.ndarray) -> float:
    """Σx over all entries of ``x`` (one BLAS dot with ones, in x's dtype)."""
    flat = x.reshape(-1)
    return float(np.dot(flat, _ones(flat.size, flat.dtype)))


def _std(sums, squares, counts) -> np.ndarray:
    """Stds from Σx, Σx² and the number of values n (sequences alike): √max(Σx²/n − (Σx/n)², 0)."""
    means = np.asarray(sums) / counts
    return np.sqrt(np.maximum(np.asarray(squares) / counts - means * means, 0.0))


class Recorder:
    """Per-layer statistics of up to ``n_records`` steps of ``net``, in arrays allocated up front.

    ``record(step, trace, grads)`` fills the next row from a step's trace (``pre``, ``act``) and
    gradients (``grad_act``, ``params(l)``), before its update; ``record_update(deltas)`` adds the
    update:data ratio of the update that followed; ``results()`` gives the History's arrays.
    """

    def __init__(self, net, n_records: int):
        self.activation = net.activation
        self.params = [layer.params for layer in net.layers]
        L = len(self.params)
        self.steps = np.zeros(n_records, dtype=np.int64)
        self.stats = {name: np.full((n_records, L), np.nan) for name in STATS}
        self.hist = {kind: np.zeros((n_records, L, N_BINS)) for kind in ("act", "grad_act")}
        self.n = 0
        # the layers with a W (the others' weight statistics stay NaN): a list to loop over, an
        # index array to index with (numpy would turn the list into one at every use)
        self._w_layers = [l for l, p in enumerate(self.params) if "W" in p]
        self._w_index = np.array(self._w_layers, dtype=np.intp)
        self._weights = [self.params[l]["W"] for l in self._w_layers]         # updated in place
        self._w_sizes = np.array([W.size for W in self._weights], dtype=np.float64)
        self._w_std = None                          # std(W_l) of those layers at the last record
        self._grad_w, self._w, self._dw = _PerArray(), _PerArray(), _PerArray()   # Σx, Σx² of each
        # hidden layers whose act is not φ(pre) get no saturated or dead share (optional
        # net.phi_layers, docs/engine.md: a residual net's stream sites, for one)
        phi = set(getattr(net, "phi_layers", range(L - 1)))
        self._no_phi = np.array([l for l in range(L - 1) if l not in phi], dtype=np.intp)
        self._values = _SideBySide()                # a_1..a_L, then dL/da_1..dL/da_L
        self._pre = _SideBySide()                   # s_1..s_{L-1}, for dead units
        # ReLU: a = max(s, 0) >= 0, so a unit is dead (s <= 0 on the whole batch) exactly when its
        # column of a sums to 0, a sum the means already take: no pass over s needed
        self._dead_from_act_sums = net.activation.fn is activations.get("relu").fn

    def record(self, step: int, trace, grads) -> None:
        """Statistics of this step's activations and gradients (before its update).

        Means and stds come from per-column Σx and Σx² over the batch (in the values' dtype, N
        terms each), summed over a layer's columns in float64; std(W) and ‖dL/dW‖ from Σw, Σw² and
        Σg² of each W and dL/dW (:class:`_PerArray`).
        """
        r, s, L = self.n, self.stats, len(self.params)
        self.steps[r] = step
        both = self._values.copy_in(list(trace.act) + list(grads.grad_act))
        starts, counts = self._values.starts[:-1], self._values.counts
        column_sums = _ones(len(both), both.dtype) @ both
        sums = np.add.reduceat(column_sums, starts, dtype=np.float64)
        squares = np.add.reduceat(np.einsum("ij,ij->j", both, both), starts, dtype=np.float64)
        means, stds = sums / counts, _std(sums, squares, counts)
        s["act_mean"][r], s["grad_act_mean"][r] = means[:L], means[L:]
        s["act_std"][r], s["grad_act_std"][r] = stds[:L], stds[L:]
        hist = self._values.histograms()
        self.hist["act"][r], self.hist["grad_act"][r] = hist[:L], hist[L:]
        hidden = slice(0, L - 1)
        if self.activation.saturated is not None:
            flat_tail = self.activation.saturated(both[:, : starts[L - 1]]).sum(axis=0)
            per_layer = np.add.reduceat(flat_tail, starts[: L - 1], dtype=np.float64)
            s["saturated"][r, hidden] = per_layer / counts[hidden]
        if self.activation.rectifier and L > 1:
            if self._dead_from_act_sums:
                dead, units = column_sums[: starts[L - 1]] == 0, self._values
            else:
                dead, units = self.activation.dead_units(self._pre.copy_in(trace.pre[:-1])), self._pre
            per_layer = np.add.reduceat(dead, units.starts[: L - 1], dtype=np.float64)
            s["dead"][r, hidden] = per_layer / units.widths[hidden]
        if self._no_phi.size:
            s["saturated"][r, self._no_phi] = s["dead"][r, self._no_phi] = np.nan
        if self._w_layers:
            _, squares = self._grad_w([grads.params(l)["W"] for l in self._w_layers], with_sums=False)
            s["grad_W_norm"][r, self._w_index] = np.sqrt(squares)
            self._w_std = _std(*self._w(self._weights), self._w_sizes)

    def record_update(self, deltas: list[dict]) -> None:
        """std(ΔW)/std(W) for the update that followed the last record (inf if W was constant and
        moved, NaN if it was constant and did not)."""
        if self._w_layers:
            d_std = _std(*self._dw([deltas[l]["W"] for l in self._w_layers]), self._w_sizes)
            constant = np.where(d_std > 0, np.inf, np.nan)          # what a W with std 0 gets
            ratio = np.divide(d_std, self._w_std, out=constant, where=self._w_std > 0)
            self.stats["update_ratio"][self.n, self._w_index] = ratio
        self.n += 1

    def results(self) -> dict:
        """The History's recorded arrays, trimmed to the records made."""
        arrays = dict(self.stats, record_steps=self.steps, act_hist=self.hist["act"],
                      grad_act_hist=self.hist["grad_act"])
        return {name: a[: self.n].copy() if len(a) > self.n else a for name, a in arrays.items()}


class _SideBySide:
    """A buffer (N, Σ n_i) holding arrays (N, n_i) side by side, so that one numpy call sees them
    all; remade when the number of rows or the dtype changes (the last, smaller batch of an epoch)."""

    def __init__(self):
        self.shapes = self.buffer = None

    def copy_in(self, arrays: list) -> np.ndarray:
        # the arrays' widths are a network's, fixed; their number of rows (the batch) may change
        if self.buffer is None or len(arrays[0]) != len(self.buffer) or self.buffer.dtype != arrays[0].dtype:
            shapes = [a.shape for a in arrays]
            widths = [shape[1] for shape in shapes]
            self.shapes, self.starts = shapes, np.cumsum([0] + widths)
            self.widths = np.diff(self.starts).astype(np.float64)                      # units per array
            self.counts = shapes[0][0] * self.widths                                    # values per array
            self.buffer = np.empty((shapes[0][0], self.starts[-1]), dtype=arrays[0].dtype)
            self.hist_rows = min(shapes[0][0], HIST_ROWS)                # rows the histograms count
            self._hist_counts = self.hist_rows * self.widths[:, None]
            # where each column's histogram starts in one flat count array, (array i) · N_BINS: a
            # uint16 while that fits (fast to add and to count), else an intp
            index_type = np.uint16 if len(arrays) * N_BINS <= 1 << 16 else np.intp
            self._first_bin = np.repeat(np.arange(len(arrays)) * N_BINS, widths).astype(index_type)
            self._index = np.empty((self.hist_rows, self.starts[-1]), dtype=index_type)
        np.concatenate(arrays, axis=1, out=self.buffer)
        return self.buffer

    def histograms(self) -> np.ndarray:
        """(n_arrays, N_BINS): the fraction of each array's |values| in each bin, counting its first
        ``hist_rows`` rows (HIST_ROWS, or all rows of a smaller batch)."""
        rows = self.buffer[: self.hist_rows]                        # C order: a contiguous block
        values32 = rows if rows.dtype == np.float32 else rows.astype(np.float32)
        keys = _keys(values32)
        if self._index.dtype == np.uint16:
            np.take(_BIN_OF_KEY, keys, out=self._index, mode="clip")
        else:
            self._index[...] = np.take(_BIN_OF_KEY, keys, mode="clip")
        self._index += self._first_bin
        counts = np.bincount(self._index.ravel(), minlength=len(self.shapes) * N_BINS)
        return counts.reshape(len(self.shapes), N_BINS) / self._hist_counts


class _PerArray:
    """Σx and Σx² of each array of a list that comes back at every record (the layers' W, dL/dW or
    ΔW: the same array objects, updated in place).

    If the arrays are consecutive C-contiguous views of one buffer, as an MLP's are
    (``mlp.consecutive_arrays``), they are read as rows of c = gcd(their sizes) values of that
    buffer, each array a run of whole rows: per row Σx (a product with ones) and Σx² (``np.vecdot``)
    in the arrays' dtype, then per array the float64 sum of its rows, four numpy calls in all.
    Other arrays take two BLAS dots each, where they lie (copying them into one buffer was measured
    slower inside a training step). Which way is decided when the list's arrays change.
    """

    def __init__(self):
        self.arrays, self.rows = [], None

    def __call__(self, arrays: list, with_sums: bool = True) -> tuple:
        """(Σx of each array, or None without ``with_sums``; Σx² of each array)."""
        if len(arrays) != len(self.arrays) or not all(map(operator.is_, arrays, self.arrays)):
            self.arrays, self.rows = arrays, _rows_of_one_buffer(arrays)
        if self.rows is None:
            sums = [_sum(a) for a in arrays] if with_sums else None
            return sums, [_sum_of_squares(a) for a in arrays]
        rows, row_starts, ones = self.rows
        sums = np.add.reduceat(rows @ ones, row_starts, dtype=np.float64) if with_sums else None
        return sums, np.add.reduceat(np.vecdot(rows, rows), row_starts, dtype=np.float64)


def _rows_of_one_buffer(arrays: list) -> tuple | None:
    """(rows, row_starts, ones): the arrays' common buffer as rows of c = gcd(sizes) values, the row
    where each array starts, and c ones; None unless the arrays are consecutive C-contiguous views
    of one buffer, in order."""
    base = arrays[0].base
    if not isinstance(base, np.ndarray) or not base.flags.c_contiguous:
        return None
    first = address = _address(arrays[0])
    for a in arrays:
        if a.base is not base or a.dtype != base.dtype or not a.flags.c_contiguous:
            return None
        if _address(a) != address:
            return None
        address += a.nbytes
    sizes = [a.size for a in arrays]
    c = functools.reduce(math.gcd, sizes)
    start = (first - _address(base)) // base.itemsize
    rows = base.reshape(-1)[start:start + sum(sizes)].reshape(-1, c)
    return rows, np.cumsum([0] + sizes[:-1]) // c, _ones(c, base.dtype)


def _address(a: np.ndarray) -> int:
    """Where ``a``'s first element lies in memory (numpy's array interface: no ctypes needed)."""
    return a.__array_interface__["data"][0]
