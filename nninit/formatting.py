"""How the course writes numbers on its figures: short captions and readable axis ticks.

The figures in :mod:`nninit.plots` print statistics under panels and label log axes; every such
number goes through this module, so that all figures agree: two significant digits, short exponents
and a true minus sign (0.12, 4.5e−6, −3e4), powers of ten in superscripts (10⁻³).

>>> fmt(0.000004512)
'4.5e−6'
>>> fmt(-31000.0, signed=True)
'−3.1e4'
>>> fmt_mean(0.001, std=0.6)
'≈ 0'
>>> power_of_ten(0.001)
'10⁻³'
"""

from __future__ import annotations

import numpy as np
from matplotlib.ticker import FuncFormatter, LogLocator, MaxNLocator, NullFormatter, NullLocator

# Exact zeros above this share of a layer are taken out of its histogram and reported as a share.
ZERO_SHARE_SHOWN = 0.01

_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def fmt(v: float, signed: bool = False) -> str:
    """Two significant digits, short exponents, a true minus sign: 0.12, 4.5e−6, −3e4."""
    text = f"{v:+.2g}" if signed else f"{v:.2g}"
    mantissa, _, exponent = text.partition("e")
    if exponent:  # 4.5e-06 -> 4.5e-6, 1.1e+13 -> 1.1e13
        text = f"{mantissa}e{int(exponent)}"
    return text.replace("-", "−")


def fmt_mean(mean: float, std: float) -> str:
    """The mean, or "≈ 0" when it is under 5% of the std (the digits would only be noise)."""
    if not np.isfinite(mean):
        return "nan"
    if np.isfinite(std) and abs(mean) < 0.05 * std:
        return "≈ 0"
    return fmt(mean, signed=True)


def power_of_ten(v: float) -> str:
    """10ⁿ in Unicode superscripts (no mathtext: cheaper to draw, same look), else a plain number."""
    n = np.log10(v) if v > 0 else np.nan
    if np.isfinite(n) and abs(n - round(n)) < 1e-9:
        return "10" + str(int(round(n))).translate(_SUPERSCRIPT)
    return fmt(v)


def stats_lines(stats: dict, zero_share: float = 0.0) -> list[str]:
    """Caption lines for one layer: std, mean, then the shares that are there.

    ``stats`` holds ``std``, ``mean``, ``nonfinite`` (share of inf/NaN) and, where the activation
    has such a notion, ``saturated`` and ``dead``; ``zero_share`` is written when it is above
    :data:`ZERO_SHARE_SHOWN`.

    >>> stats_lines({"std": 0.51, "mean": 0.4, "nonfinite": 0.0, "dead": 0.25}, zero_share=0.5)
    ['std 0.51', 'mean +0.4', 'dead 25%, zeros 50%']
    """
    lines = [f"std {fmt(stats['std'])}", f"mean {fmt_mean(stats['mean'], stats['std'])}"]
    shares = [f"{name} {stats[name]:.0%}" for name in ("saturated", "dead") if name in stats]
    if zero_share > ZERO_SHARE_SHOWN:
        shares.append(f"zeros {zero_share:.0%}")
    if stats["nonfinite"] > 0:
        shares.append(f"inf/NaN {stats['nonfinite']:.0%}")
    if shares:
        lines.append(", ".join(shares))
    return lines


def log_safe(values) -> np.ndarray:
    """``values`` as float64 with non-positive or non-finite entries set to NaN (a gap on a log axis).

    >>> log_safe([1.0, 0.0, -2.0, np.inf]).tolist()
    [1.0, nan, nan, nan]
    """
    v = np.asarray(values, dtype=np.float64).copy()
    v[~np.isfinite(v) | (v <= 0)] = np.nan
    return v


def compact_ticks(ax, axis: str = "x", nbins: int = 4) -> None:
    """Few ticks, labelled like 0.25 or 5e−7, without matplotlib's offset text (which collides
    with labels under small panels)."""
    target = ax.xaxis if axis == "x" else ax.yaxis
    target.set_major_locator(MaxNLocator(nbins=nbins, symmetric=False))
    target.set_major_formatter(FuncFormatter(lambda v, _: "0" if v == 0 else fmt(v)))


def widen_log_axis(ax, decades: float = 1.0) -> None:
    """Make a log y-axis span at least ``decades``, centred on its data: a flat curve (He's std,
    constant within noise) then looks flat instead of zoomed into wiggles."""
    lo, hi = ax.get_ylim()
    if 0 < lo < hi and np.log10(hi / lo) < decades:
        mid = 0.5 * (np.log10(lo) + np.log10(hi))
        ax.set_ylim(10 ** (mid - decades / 2), 10 ** (mid + decades / 2))


def label_log_axis(ax, axis: str = "y") -> None:
    """Readable ticks on a log axis. Under 3 decades: 1-2-5 ticks labelled as plain numbers (0.2,
    0.5, 1), so that a narrow range keeps its labels. Wider: powers of ten only (at most ~8, with
    their grid lines); the dozens of unlabelled minor ticks would only cost drawing time."""
    target = ax.yaxis if axis == "y" else ax.xaxis
    lo, hi = (ax.get_ylim() if axis == "y" else ax.get_xlim())
    if target.get_scale() != "log" or not (0 < lo < hi):
        return
    decades = np.log10(hi / lo)
    if decades < 3:
        plain = FuncFormatter(lambda v, _: fmt(v).replace("−", "-") if v < 1e-3 or v >= 1e4 else f"{v:g}")
        target.set_major_formatter(plain)
        target.set_minor_locator(LogLocator(subs=(2.0, 5.0)))
        target.set_minor_formatter(plain if decades < 2 else NullFormatter())
        return
    target.set_major_locator(LogLocator(base=10, numticks=8))
    target.set_major_formatter(FuncFormatter(lambda v, _: power_of_ten(v)))
    target.set_minor_locator(NullLocator())
