"""The course's figures: what a probe or a training history holds, drawn so that a student reads it right.

Every function takes what :meth:`nninit.MLP.probe` or :func:`nninit.fit` returns, draws in the course
style (:mod:`nninit.style`, applied through a context so it never leaks into your own plots) and
returns a ``matplotlib.figure.Figure``: a new :class:`~nninit.style.CourseFigure` (not registered with
``pyplot``; in a notebook make it the cell's last expression, or ``display(fig)``, to show it exactly
once; elsewhere ``fig.savefig("name.png")``), or the figure of the ``ax`` / ``fig`` you pass, drawn
into. This module only draws: the predictions come from :mod:`nninit.theory`, the statistics from the
probe, the history and :mod:`nninit.activations`, the number formats from :mod:`nninit.formatting`.

Functions (each one figure):

- :func:`layer_histograms` — one panel per layer (rows: pre-activations, activations, gradients...),
  a shared x-range so that a collapsing layer *looks* collapsed; mean, std, saturated/dead share on it.
- :func:`layer_densities` — Karpathy's picture: every layer's distribution as a line on one axis.
- :func:`std_vs_depth` — std (log scale) against depth for several schemes, the mean-field theory
  (:func:`nninit.theory.predict`) dashed beside each measured curve, same colour.
- :func:`histogram_heatmap` — fastai's "colorful dimension": per layer, the histogram of log10|value|
  at every recorded step as one column, log colour scale; the dead/saturated share under it.
- :func:`training_curves` — loss (log) and accuracy for several schemes, divergence marked.
- :func:`update_ratios` — log10 of std(ΔW)/std(W) per layer over training, with the 1e-3 rule of thumb.
- :func:`decision_boundaries` — 2-D data, one panel per scheme, the predicted class everywhere.
- :func:`gain_sweep` — final accuracy (or the last layer's std) against the init gain, theory marked.
- :func:`side_by_side` — any of the above, one panel per probe or history (or a grid of rows), on
  shared axes if asked: one call for a comparison.
- :func:`std_panels` — :func:`std_vs_depth` of several fields (forward, backward...) side by side.
- :func:`seed_spread` — thin lines for more random nets and a ×/÷ band around a prediction, added to
  a :func:`std_vs_depth` axis.
- :func:`panels` — a course figure with axes side by side, for a notebook's own drawing.

Layer numbers in arguments and titles are 1-based as in ``History.layer_names``: layer 1 is the first
layer after the input (index 0 of the probe's lists), layer L the output layer.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import matplotlib as mpl
import numpy as np
from matplotlib import patheffects as _patheffects
from matplotlib.colors import ListedColormap, LogNorm
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter, MaxNLocator

from . import _checks
from . import activations as _activations
from .mlp import MLP, Probe, class_labels
from .residual import ResidualMLP
from .theory import Prediction
from .training import History
from .formatting import (ZERO_SHARE_SHOWN, compact_ticks, fmt, label_log_axis, log_safe, stats_lines,
                         widen_log_axis)
from .style import (HEATMAP_CMAP, SLIDE_SIZE, CourseFigure, in_course_style, layer_colors, panels,
                    scheme_color, series_styles)

__all__ = [
    "layer_histograms", "layer_densities", "std_vs_depth", "histogram_heatmap", "training_curves",
    "update_ratios", "decision_boundaries", "gain_sweep", "panels", "KINDS",
]

# What each probe field is, as an axis label (the quantity and its symbol).
KINDS = {
    "pre": "pre-activation s",
    "act": "activation a = φ(s)",
    "grad_pre": "gradient dL/ds",
    "grad_act": "gradient dL/da",
    "grad_W": "weight gradient dL/dW",
}
# The short symbol of each field, for axis labels where space is tight.
SYMBOLS = {"pre": "s", "act": "a", "grad_pre": "dL/ds", "grad_act": "dL/da", "grad_W": "dL/dW"}
# Which theory.predict field goes with which probe field (grad_pre is relative to the output layer's).
_THEORY_FIELD = {"pre": "pre_std", "act": "act_std", "grad_pre": "grad_pre_std", "grad_act": "grad_act_std"}

# Theory: dashed, drawn over the measured dots with a white outline, so that it stays visible
# exactly where it agrees with the measurement.
_THEORY_LINE = {"ls": "--", "lw": 2.5, "zorder": 3,
                "path_effects": [_patheffects.withStroke(linewidth=4.5, foreground="white")]}
# Classes of a data set: Paul Tol's colour-blind-safe "light" palette, which no scheme wears (a colour
# means one thing across the course: the scheme colours are for schemes only).
CLASS_COLORS = ("#77AADD", "#EE8866", "#44BB99", "#FFAABB", "#EEDD88", "#99DDFF", "#BBCC33")
# Neutral ink for what is neither a scheme nor a layer (a histogram's bars, dead/saturated shares).
_INK = "#333333"


# --------------------------------------------------------------------------- shared helpers

_A_PROBE = ("a Probe (what net.probe(X) returns; a History is drawn by histogram_heatmap,"
            " training_curves, update_ratios)")
_A_HISTORY = ("a History (what fit returns; a Probe is drawn by layer_histograms, layer_densities,"
              " std_vs_depth)")


def _recorded(history) -> None:
    """Refuse a History with no recorded step (a run that diverged at step 0) before drawing it."""
    if history.n_records == 0:
        raise ValueError(f"history has no recorded step to draw ({history.reason or 'an empty run'}); the run"
                         " diverged before its first record: draw its initialisation with net.probe instead")


def _check_predictions(probes: dict, predictions, need_mean: bool) -> None:
    """``predictions``: None or {label: Prediction (for a net as deep as that label's probe) or an
    array of at least one predicted std per hidden layer}; a mean panel of activations needs Predictions."""
    if predictions is None:
        return
    if not isinstance(predictions, Mapping):
        raise TypeError("predictions must be {label: Prediction} (theory.predict_for);"
                        f" got {_checks._a(predictions)}")
    for label, pred in predictions.items():
        probe = probes.get(label, probes.get(None))
        arg = f"predictions[{label!r}]"
        if isinstance(pred, Prediction):
            if probe is not None and len(pred.pre_std) != len(probe.pre):
                raise ValueError(f"{arg} is for a net of {len(pred.pre_std)} layers but the probe it goes"
                                 f" with has {len(probe.pre)}: predict for the probe's sizes {probe.sizes}")
            continue
        if need_mean:
            raise TypeError(f"{arg} must be a theory.Prediction for show_mean=True (it holds the predicted"
                            f" means); got {_checks._a(pred)}")
        line = _checks.real_array(arg, pred, "a theory.Prediction or an array of predicted stds")
        if probe is not None and (line.ndim != 1 or len(line) < len(probe.pre) - 1):
            raise ValueError(f"{arg} must hold one predicted std per hidden layer ({len(probe.pre) - 1});"
                             f" got shape {line.shape}")


def _canvas(ax=None, fig=None, *, shape=(1, 1), figsize=SLIDE_SIZE, **subplots_kw):
    """Where a plot function draws: ``(fig, axes, own)``.

    With ``ax`` (one Axes, or a sequence of as many as ``shape`` holds): those axes and their
    figure. Else with ``fig`` (a Figure or SubFigure): a grid of ``shape`` axes made in it. Else a
    new :class:`~nninit.style.CourseFigure` of ``figsize`` with that grid. ``axes`` is an array of
    ``shape`` (None when ``shape`` is None: the function lays out the figure itself); ``own`` is
    True for a new figure (it then gets a suptitle, see :func:`_title`).
    """
    if ax is not None:
        given = [ax] if isinstance(ax, mpl.axes.Axes) else list(np.ravel(ax))
        n = 1 if shape is None else math.prod(shape)
        if len(given) != n:
            raise ValueError(f"ax: this figure draws on {n} axes; got {len(given)}")
        return given[0].figure, np.array(given, dtype=object).reshape(shape or (1,)), False
    own = fig is None
    if own:
        fig = CourseFigure(figsize=figsize)
    axes = None if shape is None else fig.subplots(*shape, squeeze=False, **subplots_kw)
    return fig, axes, own


def _check_kind(kind: str) -> str:
    return _checks.choice("kind", kind, KINDS)


def _as_kinds(kinds) -> tuple[str, ...]:
    kinds = (kinds,) if isinstance(kinds, str) else tuple(kinds)
    return tuple(_check_kind(k) for k in kinds)


def _pick_layers(n_layers: int, layers, max_shown: int, *, hidden_only: bool = True) -> list[int]:
    """0-based indices of the layers to draw, from 1-based ``layers`` or an even spread of at most
    ``max_shown`` (first and last hidden layer always included)."""
    n = n_layers - 1 if hidden_only and n_layers > 1 else n_layers
    if layers is not None:
        chosen = [int(l) for l in ([layers] if np.isscalar(layers) else layers)]
        bad = [l for l in chosen if not 1 <= l <= n_layers]
        if bad:
            raise ValueError(f"layers={layers!r}: layer numbers run from 1 to {n_layers} (the output);"
                             f" got {bad}")
        return [l - 1 for l in chosen]
    if n <= max_shown:
        return list(range(n))
    return sorted(set(np.linspace(0, n - 1, max_shown).round().astype(int).tolist()))


def _finite64(x) -> tuple[np.ndarray, float]:
    """The finite entries of ``x`` as float64, and the share that was not finite."""
    x = np.asarray(x).ravel()
    ok = np.isfinite(x)
    if ok.all():  # the usual case: one conversion, no boolean indexing
        return x.astype(np.float64), 0.0
    return x[ok].astype(np.float64), 1.0 - ok.mean()


def _activation_of(probe, activation):
    """The hidden layers' Activation: the argument, or the one the probe records."""
    name = activation if activation is not None else getattr(probe, "activation", None)
    return _activations.get(name) if name else None


def _unit_stats(probe, kind: str, index: int, act) -> dict:
    """mean, std (of the finite values), the share of inf/NaN, and for a hidden layer's
    pre-activations and activations the saturated and dead shares where ``act`` has them."""
    values, nonfinite = _finite64(getattr(probe, kind)[index])
    stats = {"mean": values.mean() if values.size else math.nan,
             "std": values.std() if values.size else math.nan,
             "nonfinite": nonfinite}
    is_hidden = index < len(probe.pre) - 1
    if act is not None and is_hidden and kind in ("pre", "act"):
        shares = {"saturated": act.saturated_share(probe.act[index]),
                  "dead": act.dead_share(probe.pre[index])}
        stats.update((k, v) for k, v in shares.items() if not math.isnan(v))
    return stats


def _shared_range(arrays) -> tuple[float, float]:
    """One x-range for all ``arrays``: over every layer, from the lowest to the highest value, or
    to the 0.1st / 99.9th percentile where a few outliers lie beyond 1.5 times it; symmetric about
    0 for signed data. A collapsed layer is then a spike, not a zoomed-in bell, and a bounded
    activation (tanh) keeps its ends in view."""
    lo, hi = 0.0, 0.0
    for x in arrays:
        v, _ = _finite64(x)
        if v.size:
            p_lo, p_hi = np.percentile(v, [0.1, 99.9])
            v_lo, v_hi = v.min(), v.max()
            lo = min(lo, v_lo if v_lo >= 1.5 * p_lo else p_lo)
            hi = max(hi, v_hi if v_hi <= 1.5 * p_hi else p_hi)
    if lo < 0 < hi:
        lo, hi = -max(-lo, hi), max(-lo, hi)
    if hi - lo <= 0:
        return -1.0, 1.0
    pad = 0.03 * (hi - lo)
    return lo - (pad if lo < 0 else 0.0), hi + pad


def _histogram(x, edges) -> tuple[np.ndarray, float]:
    """Share of all values of ``x`` in each bin (%), exact zeros left out when they are more than
    :data:`ZERO_SHARE_SHOWN` (ReLU's zeros would dwarf the rest); and the share of exact zeros.
    Values outside the edges are not drawn (at most 0.1% of any layer, by :func:`_shared_range`)."""
    v, _ = _finite64(x)
    total = max(np.asarray(x).size, 1)
    zero_share = float(np.mean(v == 0)) if v.size else 0.0
    if zero_share > ZERO_SHARE_SHOWN:
        v = v[v != 0]
    counts, _ = np.histogram(v, bins=edges)
    return 100.0 * counts / total, zero_share


def _log10(values) -> np.ndarray:
    return np.log10(log_safe(values))


def _title(fig, ax, own: bool, title, default: str) -> None:
    """A figure of our own gets a suptitle; drawing into a caller's axes, only an explicit title."""
    if own:
        fig.suptitle(title or default)
    elif title:
        ax.set_title(title)


def _legend(ax, handles=None, **kw):
    if handles is None:
        handles, _ = ax.get_legend_handles_labels()
    if handles:
        ax.legend(handles=handles, **kw)


# --------------------------------------------------------------------------- per-layer distributions


@in_course_style
def layer_histograms(probe, kinds=("act", "grad_act"), *, layers=None, activation=None, bins=81,
                     max_layers=5, fig=None, title=None) -> Figure:
    """One histogram panel per layer; one row per probe field in ``kinds``.

    ``kinds``: any of ``"pre"``, ``"act"``, ``"grad_pre"``, ``"grad_act"``, ``"grad_W"`` (a string or a
    sequence; rows from top to bottom). ``layers``: 1-based layer numbers; by default at most
    ``max_layers`` hidden layers, evenly spread from the first to the last. Each row shares one
    x-range (all its layers' values, far outliers aside), so a layer whose signal has collapsed shows
    as a spike at 0 and an exploding one fills the axis. Under each panel: its mean and std and, for
    pre-activations and activations, the share of saturated values and of dead units (pre-activation
    <= 0 for every example, as ``History.dead``; ``activation`` defaults to the one the probe
    records). Exact zeros (ReLU's) are left out of the bars and their share is written instead.
    y: % of the layer's values. The figure is 16:9 for up to two rows and grows 3.6 in per row beyond.
    """
    _checks.instance("probe", probe, Probe, _A_PROBE)
    kinds = _as_kinds(kinds)
    n_layers = len(probe.pre)
    idx = _pick_layers(n_layers, layers, max_layers)
    act = _activation_of(probe, activation)
    fig, _, _ = _canvas(fig=fig, shape=None, figsize=(SLIDE_SIZE[0], max(SLIDE_SIZE[1], 3.6 * len(kinds))))
    rows = fig.subfigures(len(kinds), 1, squeeze=False)[:, 0]
    for row, kind in zip(rows, kinds):
        axes = row.subplots(1, len(idx), squeeze=False)[0]
        arrays = [getattr(probe, kind)[i] for i in idx]
        edges = np.linspace(*_shared_range(arrays), bins + 1)
        for ax, i, x in zip(axes, idx, arrays):
            share, zero_share = _histogram(x, edges)
            # an edge line keeps a one-bin spike (a collapsed layer) visible at any figure size
            ax.stairs(share, edges, fill=True, facecolor="#777777", edgecolor=_INK, linewidth=1.5)
            ax.set_xlim(edges[0], edges[-1])
            ax.set_ylim(0, max(share.max(initial=0.0), 1e-9) * 1.1)
            compact_ticks(ax, "x", nbins=3)
            ax.set_title(probe.layer_names[i], fontsize=14)
            caption = "\n".join(stats_lines(_unit_stats(probe, kind, i, act), zero_share))
            ax.set_xlabel(caption, color="#333333")
        axes[0].set_ylabel("% of values")
        row.suptitle(f"{KINDS[kind]}: one x-axis for the whole row", fontsize=15)
    fig.suptitle(title or _default_title(probe, act))
    return fig


def _density_bins(n_values: int) -> int:
    """An odd number of bins (0 sits in the middle of one) from 21 to 101, ~ √n / 1.5, so that
    small layers are not drawn as noise."""
    n = int(np.clip(np.sqrt(n_values) / 1.5, 21, 101))
    return n if n % 2 else n + 1


def _default_title(probe, act) -> str:
    sizes = getattr(probe, "sizes", None)
    parts = []
    if act is not None:
        parts.append(act.name)
    if sizes:
        parts.append(f"{len(sizes) - 2} hidden layers of {max(sizes[1:-1], default=sizes[-1])}")
    details = f" ({', '.join(parts)})" if parts else ""
    return "per-layer distributions at one forward/backward pass" + details


@in_course_style
def layer_densities(probe, kinds="act", *, layers=None, activation=None, bins=None, max_layers=10,
                    ax=None, legend=True, title=None) -> Figure:
    """Karpathy's picture: one axis per field in ``kinds``, each layer's distribution as a line.

    Lines are coloured by depth (viridis: dark near the input, yellow deep); the legend gives each
    layer's std and mean and, for activations, its saturated and dead shares. One x-range per axis
    covers every layer, so shrinking layers become narrowing spikes. ``ax``: an Axes (one kind) or
    a sequence of Axes (one per kind) to draw into. ``bins``: by default 21 to 101, growing with
    the number of values. y: % of the layer's values per bin; exact zeros (ReLU's half) are left
    out when they are more than 1% of a layer, and the y label says so.
    """
    _checks.instance("probe", probe, Probe, _A_PROBE)
    kinds = _as_kinds(kinds)
    n_layers = len(probe.pre)
    idx = _pick_layers(n_layers, layers, max_layers)
    act = _activation_of(probe, activation)
    fig, grid, own = _canvas(ax, shape=(1, len(kinds)))
    axes = list(grid[0])
    colors = layer_colors(len(idx))
    for ax_k, kind in zip(axes, kinds):
        arrays = [getattr(probe, kind)[i] for i in idx]
        n_bins = bins or _density_bins(min(np.size(x) for x in arrays))
        edges = np.linspace(*_shared_range(arrays), n_bins + 1)
        centres = 0.5 * (edges[:-1] + edges[1:])
        peak, zeros_left_out = 0.0, False
        for color, i, x in zip(colors, idx, arrays):
            share, zero_share = _histogram(x, edges)
            peak = max(peak, share.max(initial=0.0))
            zeros_left_out |= zero_share > ZERO_SHARE_SHOWN
            # the zero share goes into the y label once, not into every legend entry
            stats = stats_lines(_unit_stats(probe, kind, i, act), 0.0)
            label = f"{probe.layer_names[i]}: " + ", ".join(stats)
            ax_k.plot(centres, share, color=color, lw=2, label=label)
        ax_k.set_xlim(edges[0], edges[-1])
        # head-room for the legend above the tallest curve
        ax_k.set_ylim(0, max(peak, 1e-9) * ((1.0 + 0.075 * len(idx)) if legend else 1.05))
        compact_ticks(ax_k, "x", nbins=5)
        ax_k.yaxis.set_major_locator(MaxNLocator(nbins=5))
        ax_k.set_xlabel(KINDS[kind])
        ax_k.set_ylabel("% of values per bin" + (" (zeros not drawn)" if zeros_left_out else ""))
        if legend:
            ax_k.legend(loc="upper right", handlelength=1.2, labelspacing=0.25)
    _title(fig, axes[0], own, title, _default_title(probe, act))
    return fig


# --------------------------------------------------------------------------- std against depth


def _measured(probe, kind: str, stat: str) -> np.ndarray:
    """Per hidden layer: the std of the probe field ``kind`` (gradients relative to the output
    layer's, as the theory gives them), or its mean."""
    if stat == "std":
        return probe.std(kind, relative=kind.startswith("grad"))[:-1]
    return probe.mean(kind)[:-1]


@in_course_style
def std_vs_depth(probes, *, kind="pre", predictions=None, show_mean=False, ax=None, legend=True,
                 title=None) -> Figure:
    """Std of ``kind`` per hidden layer against depth (log y), one colour per scheme: the
    measurement as dots on a thin line, the theory as a thick dashed line in the same colour (with a
    white edge, so that it shows where the two agree).

    ``probes``: ``{label: Probe}`` (labels are scheme names, which fix the colours) or one Probe.
    ``kind``: ``"pre"``, ``"act"``, ``"grad_pre"``, ``"grad_act"`` or ``"grad_W"``; gradient stds are
    divided by the output layer's std of dL/ds (the theory's normalisation). ``predictions``:
    ``{label: Prediction}`` from :func:`nninit.theory.predict_for` / :func:`nninit.theory.predict`
    (``pre_std``, ``act_std``, ``act_mean``, ``grad_pre_std``), or ``{label: array}`` of predicted stds
    per hidden layer (the only form for ``"grad_W"``, which the theory leaves to the notebook).
    ``show_mean``: a second panel with the mean (linear y) beside the std; its
    axis reaches one std beyond the means, so that noise in a mean of ~0 is not blown up.
    A scheme whose std is 0 (zeros) cannot sit on a log axis; its legend entry says so.
    ``ax``: an Axes (or two, with ``show_mean``) to draw into; ``legend=False`` leaves the legend out.
    """
    _checks.choice("kind", kind, (*_THEORY_FIELD, "grad_W"))
    _check_predictions(_checks.items("probes", probes, Probe, f"{_A_PROBE} or {{label: Probe}}"), predictions,
                       show_mean and kind == "act")
    if not isinstance(probes, Mapping):
        probes = {getattr(probes, "activation", "") or "measured": probes}
    predictions = dict(predictions or {})
    fig, grid, own = _canvas(ax, shape=(1, 2 if show_mean else 1))
    axes = list(grid[0])
    styles = series_styles(probes)
    depth_max = 1
    for (label, probe), style in zip(probes.items(), styles):
        std = _measured(probe, kind, "std")
        depth = np.arange(1, len(std) + 1)
        depth_max = max(depth_max, len(std))
        # measured: dots on a thin line; theory: a thick dashed line, visible even where they agree
        dots = {"color": style["color"], "lw": 1.2, "marker": style.get("marker", "o"),
                "ms": 6 if len(std) <= 15 else 4.5}
        name = label
        if not np.any(np.isfinite(log_safe(std))):
            name += " (std = 0: off the log scale)" if np.all(std == 0) else " (std not finite)"
        axes[0].plot(depth, log_safe(std), label=name, **dots)
        pred = predictions.get(label)
        field = _THEORY_FIELD.get(kind)
        if pred is not None and (field is not None or not hasattr(pred, "pre_std")):
            line = getattr(pred, field) if hasattr(pred, "pre_std") else pred   # a Prediction or an array
            axes[0].plot(depth, log_safe(np.asarray(line, dtype=np.float64)[: len(std)]), **_THEORY_LINE,
                         color=style["color"], **({"marker": "_", "ms": 30} if len(std) == 1 else {}))
        if show_mean:
            axes[1].plot(depth, _measured(probe, kind, "mean"), **dots)
            if pred is not None and kind in ("act", "pre"):
                mean = np.asarray(pred.act_mean)[: len(std)] if kind == "act" else np.zeros(len(std))
                axes[1].plot(depth, mean, **_THEORY_LINE, color=style["color"])
    ylabel = f"std of {SYMBOLS[kind]}" + (" (output layer = 1)" if kind.startswith("grad") else "")
    _depth_axis(axes[0], depth_max, ylabel)
    if _has_positive_data(axes[0]):
        axes[0].set_yscale("log")
        widen_log_axis(axes[0])
        label_log_axis(axes[0])
    else:  # e.g. zeros: say so rather than show an empty linear axis around 0
        axes[0].set_yticks([])
        axes[0].text(0.5, 0.4, "no std > 0 to draw on a log scale", transform=axes[0].transAxes,
                     ha="center", va="center", color="#555555")
    handles, _ = axes[0].get_legend_handles_labels()
    if predictions:
        handles += [Line2D([], [], color="#555555", lw=1.2, marker="o", ms=6, label="measured"),
                    Line2D([], [], color="#555555", **_THEORY_LINE, label="theory (mean field)")]
    if legend:
        _legend(axes[0], handles, loc="best")
    if show_mean:
        _depth_axis(axes[1], depth_max, f"mean of {SYMBOLS[kind]}")
        _mean_axis_spans_std(axes[0], axes[1])
    _title(fig, axes[0], own, title, f"how the signal travels through depth: std of {KINDS[kind]}")
    return fig


@in_course_style
def std_panels(probes, kinds=("pre", "grad_pre"), *, predictions=None, title=None) -> Figure:
    """:func:`std_vs_depth` for several fields side by side, each panel titled with its field and one
    legend (in the last panel): forward and backward at a glance.

    ``predictions``: ``{label: Prediction}`` for every panel, or ``{kind: {label: Prediction or
    array}}`` to give each panel its own (``"grad_W"`` needs an array, see :func:`std_vs_depth`).
    """
    kinds = tuple(_checks.choice("kind", k, (*_THEORY_FIELD, "grad_W")) for k in
                  ((kinds,) if isinstance(kinds, str) else kinds))
    per_kind = (predictions if predictions and set(predictions) <= set(kinds)
                else {k: predictions for k in kinds})
    fig, grid, _ = _canvas(shape=(1, len(kinds)))
    for i, (ax, kind) in enumerate(zip(grid[0], kinds)):
        std_vs_depth(probes, kind=kind, predictions=per_kind.get(kind), ax=ax, title=KINDS[kind],
                     legend=i == len(kinds) - 1)
    if title:
        fig.suptitle(title)
    return fig


@in_course_style
def seed_spread(ax, runs, *, band=None, band_label=None, factor=3.0) -> None:
    """Add to a :func:`std_vs_depth` axis: thin lines for more random nets, and a ×/÷ ``factor`` band.

    ``runs``: ``{label: [stds per hidden layer, one array per seed]}`` (each label in its series colour,
    as :func:`std_vs_depth` drew it); ``band``: predicted stds per layer (``Prediction.pre_std``, say)
    around which the band is shaded, in the colour of ``band_label``. A right scheme stays inside a band
    about 3 sd of its log wide; a wrong one is far outside (see the finite-width spread in lecture 04).
    """
    styles = dict(zip(runs, series_styles(runs)))
    for label, lines in runs.items():
        for r in lines:
            ax.plot(np.arange(1, len(r) + 1), r, color=styles[label]["color"], lw=0.8, alpha=0.4)
    if band is not None:
        band = np.asarray(band, dtype=np.float64)
        depth = np.arange(1, band.size + 1)
        color = (styles[band_label]["color"] if band_label in styles else
                 scheme_color(band_label) if band_label else "#777777")
        ax.fill_between(depth, band / factor, band * factor, color=color, alpha=0.12, lw=0)
        ax.text(depth[-1], band[-1] * factor * 0.85, f"{band_label or 'the'} prediction ×/÷ {factor:g}",
                ha="right", color=color)


def _mean_axis_spans_std(std_ax, mean_ax) -> None:
    """Let the mean axis reach at least one (largest measured) std beyond the means, so that a mean
    of 0.001 beside a std of 0.6 reads as 0, not as a zoomed-in zigzag of noise."""
    stds = [np.nanmax(y) for y in (np.asarray(l.get_ydata(), float) for l in std_ax.get_lines())
            if np.any(np.isfinite(y))]
    means = [np.asarray(l.get_ydata(), float) for l in mean_ax.get_lines()]
    means = np.concatenate(means) if means else np.array([])
    means = means[np.isfinite(means)]
    if stds and means.size:
        spread = max(stds)
        lo, hi = mean_ax.get_ylim()
        mean_ax.set_ylim(min(lo, means.min() - spread), max(hi, means.max() + spread))


def _depth_axis(ax, depth_max: int, ylabel: str) -> None:
    ax.set_xlabel("hidden layer (1 = nearest the input)")
    ax.set_ylabel(ylabel)
    ax.set_xlim(0.5, depth_max + 0.5)
    ax.xaxis.set_major_locator(MaxNLocator(nbins=6, integer=True, min_n_ticks=1))


def _has_positive_data(ax) -> bool:
    return any(np.any(np.isfinite(line.get_ydata()) & (np.asarray(line.get_ydata()) > 0))
               for line in ax.get_lines())


# --------------------------------------------------------------------------- histograms over time


@in_course_style
def histogram_heatmap(history, kind="act", *, layers=None, max_layers=4, fig=None, title=None) -> Figure:
    """fastai's "colorful dimension": per layer, one column per recorded step holding the histogram
    of log10|value| (``History.act_hist`` or ``History.grad_act_hist``), colour on a log scale; under
    each, the share of dead units and of saturated values over training.

    ``kind``: ``"act"`` (activations a) or ``"grad_act"`` (gradients dL/da). ``layers``: 1-based;
    by default at most ``max_layers`` hidden layers. The recorder's lowest bin holds every value
    below its second edge (1.8e-8), zeros included (half of a ReLU layer's values): not a log10
    value, so it is drawn under the map as a dashed line ("zeros") beside the dead and saturated
    shares, not as a band in it. One y-range for all layers: the decades any of them ever uses,
    one decade of margin.
    """
    _checks.choice("kind", kind, ("act", "grad_act"))
    _recorded(_checks.instance("history", history, History, _A_HISTORY))
    hist = np.asarray(getattr(history, f"{kind}_hist"), dtype=np.float64)
    steps = np.asarray(history.record_steps)
    log_edges = np.log10(np.asarray(history.hist_edges, dtype=np.float64))
    n_layers = hist.shape[1]
    idx = _pick_layers(n_layers, layers, max_layers)
    fig, axes, _ = _canvas(fig=fig, shape=(2, len(idx)), sharex=True, sharey="row", height_ratios=(3, 1.2))
    x_edges = _step_edges(steps)
    norm = LogNorm(vmin=1e-4, vmax=1.0, clip=True)
    cmap = _heatmap_cmap()
    mesh = None
    for c, i in enumerate(idx):
        top, bottom = axes[0, c], axes[1, c]
        layer = hist[:, i, 1:]  # bin 0 (below the first edge, zeros included) goes under the map
        share = np.where(layer > 0, layer, np.nan).T  # (n_bins - 1, n_records)
        mesh = top.pcolormesh(x_edges, log_edges[1:], np.ma.masked_invalid(share), cmap=cmap, norm=norm,
                              shading="flat", rasterized=True)
        top.set_title(history.layer_names[i])
        top.grid(False)
        symbol = SYMBOLS[kind]
        below = f"zeros (|{symbol}| < {fmt(10 ** log_edges[1])})"
        _dead_saturated(bottom, history, i, steps, hist[:, i, 0], below)
        bottom.set_xlabel("training step")
        if c == 0:
            top.set_ylabel(f"log10 |{symbol}|")
            bottom.set_ylabel("%")
    # one y-range for every layer (the decades any of them uses): a layer whose values shrink
    # moves down the axis instead of being re-zoomed to look like the others
    axes[0, 0].set_ylim(*_occupied_range(hist[:, idx, 1:].max(axis=1), log_edges[1:]))
    fig.colorbar(mesh, ax=axes[0, :].tolist(), label="share of values (log scale)", fraction=0.04, pad=0.01)
    fig.legend(handles=axes[1, 0].get_lines(), loc="outside lower center", ncols=3,
               handlelength=1.5)
    what = "activations" if kind == "act" else "gradients dL/da"
    fig.suptitle(title or f"how the {what} are distributed over training")
    return fig


def _heatmap_cmap():
    cmap = mpl.colormaps[HEATMAP_CMAP]
    # empty bins look like the smallest share, not like the white page
    return cmap.with_extremes(bad=cmap(0.0), under=cmap(0.0))


def _step_edges(steps: np.ndarray) -> np.ndarray:
    """Column edges around each recorded step (half-way between neighbours)."""
    steps = steps.astype(np.float64)
    if steps.size == 1:
        return np.array([steps[0] - 0.5, steps[0] + 0.5])
    mids = 0.5 * (steps[:-1] + steps[1:])
    return np.concatenate([[steps[0] - (mids[0] - steps[0])], mids, [steps[-1] + (steps[-1] - mids[-1])]])


def _occupied_range(hist_layer: np.ndarray, log_edges: np.ndarray, floor: float = 1e-4) -> tuple:
    """The y-range of the bins that ever hold a share >= ``floor`` (the colour scale's bottom), with
    one decade of margin, so that the picture is not a thin stripe in a 12-decade axis."""
    used = np.flatnonzero(hist_layer.max(axis=0) >= floor)
    if used.size == 0:
        return log_edges[0], log_edges[-1]
    lo = max(log_edges[0], log_edges[used[0]] - 1)
    hi = min(log_edges[-1], log_edges[used[-1] + 1] + 1)
    return lo, hi


def _dead_saturated(ax, history, i: int, steps, below, below_label: str) -> None:
    """Layer ``i`` over training, in %: dead units, saturated values (where the activation has
    such a notion) and the share of values below the histogram's first edge (``below``)."""
    fields = (("dead", "dead units", "-"), ("saturated", "saturated", "-."))
    series = [(np.asarray(getattr(history, field), dtype=np.float64)[:, i], _INK, label, ls)
              for field, label, ls in fields]
    series.append((np.asarray(below, dtype=np.float64), "#777777", below_label, "--"))
    for values, color, label, ls in series:
        if np.any(np.isfinite(values)):
            ax.plot(steps, 100 * values, color=color, ls=ls, lw=2, label=label)
    top = max([np.nanmax(100 * v) for v, *_ in series if np.any(np.isfinite(v))], default=0.0)
    ax.set_ylim(0, max(5.0, 1.15 * top, ax.get_ylim()[1]))  # sharey: never shrink another layer's


# --------------------------------------------------------------------------- training


def _accuracy_series(history) -> tuple[np.ndarray, np.ndarray, str]:
    """(steps, accuracy %, what) — validation per epoch if recorded, else training per epoch, else
    the mini-batch accuracy."""
    ends = np.asarray(getattr(history, "epoch_end_step", []))
    for field, what in (("val_accuracy", "validation"), ("train_accuracy", "training")):
        values = np.asarray(getattr(history, field, []), dtype=np.float64)
        if values.size and ends.size >= values.size:
            return ends[: values.size], 100 * values, what
    acc = np.asarray(history.accuracy, dtype=np.float64)
    return np.arange(acc.size), 100 * _smooth(acc), "mini-batch (smoothed)"


def _smooth(x: np.ndarray, window: int | None = None) -> np.ndarray:
    """Trailing moving average (window ~ 2% of the run); NaN-free input assumed."""
    window = window or max(1, x.size // 50)
    if window <= 1 or x.size == 0:
        return x
    c = np.cumsum(np.insert(x, 0, 0.0))
    out = np.empty_like(x)
    head = np.arange(1, min(window, x.size) + 1)
    out[: head.size] = c[head] / head
    out[window:] = (c[window + 1 :] - c[1 : -window]) / window
    return out


@in_course_style
def training_curves(histories, *, smooth=None, fig=None, title=None) -> Figure:
    """Loss (log scale) and accuracy (%) against the training step, one colour per scheme.

    ``histories``: ``{label: History}`` or one History. Loss: the moving average of the per-step
    mini-batch loss (``smooth`` steps, default 2% of the run), over the raw loss drawn faintly when
    there are at most 4 runs. Accuracy: per epoch on the validation data if there was any, else on
    the training data, else the smoothed mini-batch accuracy. A run that diverged ends in a ✕ and a
    dotted line at that step; the legend says so and a note under the plots gives the reason. The
    loss axis stops at 10× the largest starting loss of the runs that did not diverge, so one
    exploding run does not flatten the others (its ✕ then sits on the top edge).
    """
    _checks.items("histories", histories, History, f"{_A_HISTORY} or {{label: History}}")
    if not isinstance(histories, Mapping):
        histories = {"run": histories}
    fig, grid, _ = _canvas(fig=fig, shape=(1, 2))
    ax_loss, ax_acc = grid[0]
    styles = series_styles(histories)
    acc_what, starts, notes = set(), [], []
    for (label, h), style in zip(histories.items(), styles):
        loss = log_safe(h.loss)
        steps = np.arange(loss.size)
        if loss.size and np.any(np.isfinite(loss[:10])):
            starts.append((h.diverged_at is None, np.nanmedian(loss[:10])))
        if len(histories) <= 4:
            ax_loss.plot(steps, loss, color=style["color"], lw=1, alpha=0.25)
        raw = np.asarray(h.loss, dtype=np.float64)    # smooth before the log gaps: a batch loss of 0 is data
        smoothed = log_safe(_smooth(raw, smooth)) if np.all(np.isfinite(raw)) else loss
        name = label
        if h.diverged_at is not None:
            name = f"{label} (diverged at step {h.diverged_at})"
            notes.append(f"✕ {label}: {h.reason}" if h.reason else None)
        ax_loss.plot(steps, smoothed, label=name, color=style["color"], marker=style.get("marker"),
                     markevery=max(1, loss.size // 8))
        a_steps, acc, what = _accuracy_series(h)
        if h.diverged_at is None or what != "mini-batch (smoothed)":  # none for a run that broke at once
            acc_what.add(what)
            ax_acc.plot(a_steps, acc, color=style["color"],
                        marker=style.get("marker", "o" if acc.size <= 30 else None))
    ax_loss.set_yscale("log")
    healthy = [v for ok, v in starts if ok] or [v for _, v in starts]
    if healthy and ax_loss.get_ylim()[1] > 10 * max(healthy):
        ax_loss.set_ylim(top=10 * max(healthy))
    for (label, h), style in zip(histories.items(), styles):
        if h.diverged_at is not None:
            _mark_divergence((ax_loss, ax_acc), h.diverged_at, log_safe(h.loss), style["color"])
    label_log_axis(ax_loss)
    ax_loss.set_xlabel("training step")
    ax_loss.set_ylabel("loss (log scale)")
    ax_acc.set_xlabel("training step")
    ax_acc.set_ylabel("accuracy (%)" + (f", {' / '.join(sorted(acc_what))}" if acc_what else ""))
    ax_acc.set_ylim(0, 100)
    notes = "\n".join(n for n in notes if n)
    if len(histories) <= 4:
        _legend(ax_loss)
        if notes:  # under everything; constrained layout makes room for a supxlabel
            fig.supxlabel(notes, color="#333333")
    else:  # many runs: one legend under both panels (not over the curves, not squeezing them),
        # with the notes as its title
        fig.legend(*ax_loss.get_legend_handles_labels(), loc="outside lower center",
                   ncol=-(-len(histories) // 2), title=notes or None)
    fig.suptitle(title or "training under each scheme")
    return fig


def _mark_divergence(axes, step: int, loss: np.ndarray, color) -> None:
    """A dotted line at ``step`` on both axes, and a ✕ at the last finite loss (or the top edge)."""
    for ax in axes:
        ax.axvline(step, color=color, ls=":", lw=2)
    finite = loss[np.isfinite(loss)]
    if finite.size:
        y = min(finite[-1], axes[0].get_ylim()[1])
        axes[0].plot([step], [y], marker="X", ms=14, color=color, markeredgecolor="black", ls="none",
                     clip_on=False)


@in_course_style
def update_ratios(history, *, layers=None, reference=1e-3, ax=None, title=None) -> Figure:
    """log10 of the update:data ratio std(ΔW)/std(W) per layer over training (Karpathy's check),
    with the ``reference`` line (1e-3: updates about a thousandth of the weights). Far below: the
    layer barely learns; far above: it is rewritten every step. Every layer by default (output last),
    coloured by depth; a layer with nothing to draw (W stayed 0, as under zeros init) says why in
    the legend."""
    _recorded(_checks.instance("history", history, History, _A_HISTORY))
    ratio = np.asarray(history.update_ratio, dtype=np.float64)
    steps = np.asarray(history.record_steps)
    n_layers = ratio.shape[1]
    idx = _pick_layers(n_layers, layers, 8, hidden_only=False)
    fig, axes, own = _canvas(ax)
    ax = axes[0, 0]
    names = history.layer_names
    for color, i in zip(layer_colors(len(idx)), idx):
        ax.plot(steps, _log10(ratio[:, i]), color=color, lw=2, label=names[i] + _why_not_drawn(ratio[:, i]))
    ref = np.log10(reference)
    ax.axhline(ref, color="#555555", ls="--", lw=2, label=f"{reference:g} (rule of thumb)")
    lo, hi = ax.get_ylim()
    ax.set_ylim(min(lo, ref - 1), max(hi, ref + 1))  # never zoom into noise around one value
    if steps.size:
        ax.set_xlim(steps[0], max(steps[-1], steps[0] + 1))
    ax.set_xlabel("training step")
    ax.set_ylabel("log10( std(ΔW) / std(W) )")
    _legend(ax, loc="best", ncols=2 if len(idx) > 4 else 1)
    _title(fig, ax, own, title, "update:data ratio per layer")
    return fig


def _why_not_drawn(ratio: np.ndarray) -> str:
    """A legend note for a layer with no finite positive ratio (nothing on a log10 axis)."""
    if np.any(np.isfinite(ratio) & (ratio > 0)):
        return ""
    if np.any(ratio == 0):
        return " (not drawn: ΔW = 0, never updated)"
    return " (not drawn: std(W) = 0 or not finite)"


# --------------------------------------------------------------------------- decision boundaries


@in_course_style
def decision_boundaries(nets, X, y, *, resolution=200, margin=0.5, fig=None, title=None) -> Figure:
    """For 2-D data: one panel per network (``{label: net}``), the class it predicts at every point of
    a ``resolution``² grid as a pale fill, the data on top; each title gives the accuracy on (X, y)."""
    checked = _checks.items("nets", nets, (MLP, ResidualMLP),
                            "a network (MLP, ResidualMLP) or {label: network}")
    for label, net in checked.items():
        if net.sizes[0] != 2 or net.sizes[-1] < 2:
            raise ValueError(f"nets[{label!r}] has sizes {net.sizes}: decision boundaries need 2 inputs and"
                             " one output per class")
    X = _checks.finite_in("X", _checks.real_array("X", X), np.float64)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"X must have shape (n, 2) to draw decision boundaries; got {X.shape}")
    labels = class_labels(_checks.real_array("y", y, "class labels"))
    if labels is None or labels.shape != X.shape[:1] or (labels.size and labels.min() < 0):
        raise ValueError(f"y must hold one class label (a whole number >= 0) per row of X ({X.shape[0]});"
                         f" got {_checks._a(y)} of shape {np.shape(y)}")
    y = labels
    resolution = _checks.positive_int("resolution", resolution)
    _checks.allocation("resolution", (resolution**2, max(max(n.sizes) for n in checked.values())), np.float64,
                       given=resolution, what="a grid of activations")
    margin = _checks.real("margin", margin, nonnegative=True)
    if not isinstance(nets, Mapping):
        nets = {"net": nets}
    ncols = min(len(nets), 4)
    nrows = math.ceil(len(nets) / ncols)
    fig, axes, _ = _canvas(fig=fig, shape=(nrows, ncols), sharex=True, sharey=True)
    lo, hi = X.min(axis=0) - margin, X.max(axis=0) + margin
    half = 0.5 * (hi - lo).max()  # a square window: equal aspect without wasted space
    lo, hi = 0.5 * (lo + hi) - half, 0.5 * (lo + hi) + half
    gx, gy = np.meshgrid(np.linspace(lo[0], hi[0], resolution), np.linspace(lo[1], hi[1], resolution))
    grid_points = np.column_stack([gx.ravel(), gy.ravel()])
    classes = np.unique(y)
    colors = [CLASS_COLORS[k % len(CLASS_COLORS)] for k in range(int(classes.max()) + 1)]
    cmap = ListedColormap(colors)
    levels = np.arange(len(colors) + 1) - 0.5
    for ax, (label, net), style in zip(axes.ravel(), nets.items(), series_styles(nets)):
        with np.errstate(all="ignore"):
            z = net.predict(grid_points).reshape(gx.shape)
            acc = float(np.mean(net.predict(X) == y))
        ax.contourf(gx, gy, z, levels=levels, cmap=cmap, alpha=0.3)
        ax.scatter(X[:, 0], X[:, 1], c=y, cmap=cmap, vmin=levels[0], vmax=levels[-1], s=14,
                   edgecolors="black", linewidths=0.3)
        ax.set_title(f"{label}\naccuracy {acc:.0%}", color=style["color"])
        ax.set_aspect("equal", adjustable="box")
        ax.grid(False)
    for ax in axes.ravel()[len(nets):]:
        ax.set_visible(False)
    for ax in axes[-1]:
        ax.set_xlabel("x₁")
    for ax in axes[:, 0]:
        ax.set_ylabel("x₂")
    fig.suptitle(title or "what each network predicts (fill) and the data (dots)")
    return fig


# --------------------------------------------------------------------------- gain sweep


def _sweep_value(item) -> tuple[float, bool]:
    """(value, diverged) of one sweep point: a number, a History (final accuracy, %) or a Probe
    (std of the last hidden layer's pre-activations)."""
    if isinstance(item, (int, float, np.number)):
        return float(item), False
    if hasattr(item, "loss") and hasattr(item, "diverged_at"):
        _, acc, _ = _accuracy_series(item)
        return (float(acc[-1]) if acc.size else math.nan), item.diverged_at is not None
    if hasattr(item, "pre"):
        v, _ = _finite64(item.pre[-2] if len(item.pre) > 1 else item.pre[-1])
        return (float(v.std()) if v.size else math.nan), False
    raise TypeError(f"a gain-sweep result must be a number, a History or a Probe; got {type(item).__name__}")


@in_course_style
def gain_sweep(gains, results, *, theory_gain=None, ylabel=None, logy=None, ax=None, title=None) -> Figure:
    """Final accuracy (or the last hidden layer's std) against the gain the init was multiplied by.

    ``results``: ``{label: sequence}`` (or one sequence) with one entry per gain: a number, a History
    (its final accuracy, %) or a Probe (std of the last hidden layer's pre-activations; log y).
    Runs that diverged are drawn as ✕ on the bottom edge. ``theory_gain``: a number or
    ``{label: number}`` (e.g. ``calculate_gain("tanh")``), drawn as a dashed vertical line.
    The gain axis is logarithmic (base 2) when the gains span a factor 4 or more.
    """
    gains = _checks.finite_in("gains", _checks.real_array("gains", gains), np.float64)
    if gains.ndim != 1 or gains.size == 0:
        raise ValueError(f"gains must be a non-empty 1-D list of numbers; got shape {gains.shape}")
    if isinstance(results, Mapping) and not results:
        raise ValueError("results is empty: there is nothing to draw"
                         " (it must be {label: one result per gain})")
    if not isinstance(results, Mapping):
        results = {"": results}
    fig, axes, own = _canvas(ax)
    ax = axes[0, 0]
    any_probe = False
    for (label, items), style in zip(results.items(), series_styles(results)):
        items = list(items)
        if len(items) != gains.size:
            raise ValueError(f"results[{label!r}] has {len(items)} entries for {gains.size} gains")
        any_probe |= any(hasattr(it, "pre") for it in items)
        values, diverged = map(np.array, zip(*(_sweep_value(it) for it in items)))
        ax.plot(gains, np.where(diverged, np.nan, values), color=style["color"],
                marker=style.get("marker", "o"), label=label or None)
        if diverged.any():
            ax.plot(gains[diverged], np.zeros(diverged.sum()), ls="none", marker="X", ms=12,
                    color=style["color"], markeredgecolor="black", clip_on=False,
                    transform=ax.get_xaxis_transform(), label=f"{label} diverged".strip())
    theory = theory_gain if isinstance(theory_gain, Mapping) else ({"": theory_gain} if theory_gain else {})
    for (label, g), style in zip(theory.items(), series_styles(theory)):
        color = style["color"] if label else "#555555"
        ax.axvline(g, color=color, ls="--", lw=2, label=f"theory{' ' + label if label else ''}: gain {g:.3g}")
    if gains.size and gains.min() > 0 and gains.max() / gains.min() >= 4:
        ax.set_xscale("log", base=2)
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))  # 0.5, 1, 2, not 2⁻¹
    if logy if logy is not None else any_probe:
        ax.set_yscale("log")
        widen_log_axis(ax)
        label_log_axis(ax)
    ax.set_xlabel("gain (weights multiplied by it)")
    default = "std of the last hidden layer's pre-activations" if any_probe else "final accuracy (%)"
    ax.set_ylabel(ylabel or default)
    _legend(ax, loc="best")
    _title(fig, ax, own, title, "how the result depends on the gain")
    return fig


@in_course_style
def side_by_side(plot, items, *, sharex=False, sharey=False, xlim=None, subfigures=False, title=None,
                 **kw) -> Figure:
    """One panel per item, each drawn by ``plot`` (a function of this module), side by side.

    ``items``: ``{panel title: Probe or History}``, or ``{row title: {panel title: ...}}`` for a grid of
    rows (a panel is then titled "row, panel"). Each panel is ``plot(item, ax=ax, title=..., **kw)``:
    ``side_by_side(layer_densities, {"standard": p1, "xavier_uniform": p2}, kinds="act", sharex=True)``.
    ``sharex``/``sharey`` share the panels' axes (``xlim``: the shared x-range), so that a collapsed
    layer looks collapsed next to a healthy one. With ``subfigures=True`` each item gets a sub-figure
    instead, ``plot(item, fig=subfigure, title=..., **kw)``, for :func:`histogram_heatmap`, which lays
    out its own axes.
    """
    if not callable(plot):
        raise TypeError(f"plot must be a plot function such as plots.layer_densities; got {plot!r:.60}")
    if not isinstance(items, Mapping) or not items:
        raise TypeError("items must be a non-empty dict {panel title: probe or history}; "
                        f"got {items!r:.60}")
    rows = items if all(isinstance(v, Mapping) for v in items.values()) else {None: items}
    ncols = max(len(r) for r in rows.values())
    panels_ = [[(col if row is None else f"{row}, {col}", item) for col, item in r.items()]
               for row, r in rows.items()]
    if subfigures:
        fig = CourseFigure(figsize=SLIDE_SIZE)
        subs = np.atleast_2d(fig.subfigures(len(rows), ncols, squeeze=False))
        for sub_row, row in zip(subs, panels_):
            for sub, (name, item) in zip(sub_row, row):
                plot(item, fig=sub, title=name, **kw)
    else:
        fig, grid, _ = _canvas(shape=(len(rows), ncols), sharex=sharex, sharey=sharey)
        for ax_row, row in zip(grid, panels_):
            for ax, (name, item) in zip(ax_row, row):
                plot(item, ax=ax, title=name, **kw)
        if xlim is not None:
            grid[0, 0].set_xlim(*xlim)
        if sharex and len(rows) > 1:  # the shared x-axis is labelled once, under the last row
            for ax in grid[:-1].ravel():
                ax.set_xlabel("")
        if sharey:  # and a shared y-axis once, left of the first column
            for ax in grid[:, 1:].ravel():
                ax.set_ylabel("")
        if len(rows) > 1 and len({ax.get_ylabel() for ax in grid.ravel()} - {""}) == 1:
            fig.supylabel(grid[0, 0].get_ylabel())   # one label for the rows: too long for one row
            for ax in grid.ravel():
                ax.set_ylabel("")
    if title:
        fig.suptitle(title)
    return fig
