"""The course's figure style: one palette, one colour per scheme, text sized for a projector.

Every function in :mod:`nninit.plots` draws inside :func:`course_style`, a ``matplotlib.rc_context``,
so the style never leaks into a student's own plots. For a figure of your own, :func:`panels` (or
:class:`CourseFigure`) gives axes that keep the course style for everything drawn on them later,
with no ``with`` block::

    fig, (left, right) = panels(2)
    left.plot(x, y)                     # 2.5 pt lines, 16 pt titles: the course's, not matplotlib's

Decisions, written down here so that every figure agrees:

- Colours are Okabe & Ito's colour-blind-safe palette (Okabe & Ito 2008, "Color Universal Design").
  Each initialisation scheme has one fixed colour in every figure (:data:`SCHEME_COLORS`); a scheme's
  *family* keeps its hue and the uniform variant is a darker shade of it, so xavier_normal and
  xavier_uniform read as relatives (they draw the same variance). The article's functions that draw
  exactly what a registry scheme draws wear its colour (``he_init`` is ``he_normal``); when two
  series in one figure share a colour, the plot functions tell them apart by marker. Okabe-Ito
  has eight colours for some fifteen names, so LeCun, truncated normal and the article's
  random_init borrow from Paul Tol's colour-blind-safe "muted" palette; with all ten registry
  schemes in one figure the two dark "uniform" shades (he_uniform, xavier_uniform) are the pair
  hardest to tell apart for red-green colour-blind readers: compare fewer at once where it matters.
  Any other name (a width, a weight scale) gets one of :data:`FALLBACK_COLORS`, which no scheme or
  activation wears: in one figure in order of appearance (:func:`series_styles`), alone by a CRC32 of
  the name, so it is the same on every machine and every run.
- Layers (depth) are coloured by the sequential, colour-blind-safe ``viridis`` map: dark = near the
  input, yellow = deep.
- Text: 14 pt base (>= 12 pt everywhere), for the back of a lecture hall.
- Size: 16:9, :data:`SLIDE_SIZE` = 12 x 6.75 in, at :data:`DPI` = 80 in notebooks (960 x 540 px PNGs).
- Figures are deterministic: no timestamps, fixed SVG ids (``svg.hashsalt``).
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import zlib

import matplotlib as mpl
from matplotlib.axes import Axes
from matplotlib.figure import Figure, SubFigure

# Okabe & Ito (2008). Yellow is kept in the list for completeness but not used for lines:
# on a white background and a washed-out projector it is nearly invisible.
OKABE_ITO = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
    "grey": "#999999",  # the grey usually added to the palette for neutral elements
}

# For series that are neither schemes nor activations (a sweep over widths or weight scales): colours
# that no scheme and no activation wears, so that a colour means one thing across the course. Paul
# Tol's muted rose and green, his high-contrast ochre, and a dark brown.
FALLBACK_COLORS = ("#CC6677", "#117733", "#DDAA33", "#663333")


def _darker(hex_color: str, amount: float = 0.4) -> str:
    """``hex_color`` mixed with ``amount`` of black (same hue, lower lightness)."""
    rgb = [int(hex_color[i : i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(c * (1.0 - amount)):02X}" for c in rgb)


_O = OKABE_ITO
SCHEME_COLORS: dict[str, str] = {
    # constants: no randomness at all
    "zeros": _O["black"],
    "ones": _O["grey"],
    "constant": "#666666",
    # fixed-scale distributions (ignore the layer's width)
    "uniform": _O["sky_blue"],
    "normal": _O["blue"],
    "truncated_normal": "#332288",  # Tol's indigo: a blue, but not a dark twin of xavier_uniform
    # fan-based schemes: one hue per family, the uniform variant a darker shade
    "xavier_normal": _O["bluish_green"],
    "xavier_uniform": _darker(_O["bluish_green"]),
    "he_normal": _O["vermillion"],
    "he_uniform": _darker(_O["vermillion"]),
    "lecun_normal": "#882255",  # Tol's wine: Okabe-Ito has no hue left
    "lecun_uniform": _darker("#882255", 0.35),
    "orthogonal": _O["orange"],
    "variance_scaling": "#44AA99",
    # the source article's functions
    "uniform_init": _O["sky_blue"],  # U(-0.1, 0.1): the same draw as `uniform`
    "normal_init": _O["blue"],  # N(0, 0.1²): the same draw as `normal`
    "he_init": _O["vermillion"],  # N(0, 2/n): the same draw as `he_normal`
    "xavier_init": _O["reddish_purple"],  # std sqrt(1/(n+m)): half of Glorot's variance
    "random_init": "#999933",  # U(-0.12, 0.12), bias column included (Tol's olive)
}
# The aliases (glorot_*, kaiming_*) wear their scheme's colour.
for _family in ("uniform", "normal"):
    SCHEME_COLORS[f"glorot_{_family}"] = SCHEME_COLORS[f"xavier_{_family}"]
    SCHEME_COLORS[f"kaiming_{_family}"] = SCHEME_COLORS[f"he_{_family}"]
del _family, _O

# Curves labelled by activation (a gain sweep per activation, say) get these.
ACTIVATION_COLORS: dict[str, str] = {
    "identity": OKABE_ITO["grey"],
    "sigmoid": OKABE_ITO["sky_blue"],
    "tanh": OKABE_ITO["blue"],
    "lecun_tanh": "#AA4499",
    "relu": OKABE_ITO["vermillion"],
    "leaky_relu": OKABE_ITO["orange"],
    "elu": OKABE_ITO["reddish_purple"],
    "selu": OKABE_ITO["bluish_green"],
    "gelu": OKABE_ITO["black"],
    "softplus": "#999933",
}

# Markers that tell apart two series of one figure that share a colour.
MARKERS = ("o", "s", "^", "D", "v", "P", "X")

SLIDE_SIZE = (12.0, 6.75)  # inches, 16:9
DPI = 80  # notebook PNGs of 960 x 540 px
# The smallest text of a figure (ticks, legends) is BASE_FONT_SIZE: 14 pt at 80 dpi is 15.6 px in the
# PNG, and a deck at 1280x720 scales a figure slide's PNG about 1.23x, to 19 px (projector rule: 18 px).
BASE_FONT_SIZE = 14
LAYER_CMAP = "viridis"
HEATMAP_CMAP = "magma"

COURSE_RC: dict[str, object] = {
    "figure.figsize": SLIDE_SIZE,
    "figure.dpi": DPI,
    "savefig.dpi": DPI,
    "figure.constrained_layout.use": True,
    "figure.facecolor": "white",
    "savefig.facecolor": "white",
    "font.size": BASE_FONT_SIZE,
    "axes.titlesize": BASE_FONT_SIZE + 2,
    "axes.labelsize": BASE_FONT_SIZE,
    "xtick.labelsize": BASE_FONT_SIZE,
    "ytick.labelsize": BASE_FONT_SIZE,
    "legend.fontsize": BASE_FONT_SIZE,
    "legend.title_fontsize": BASE_FONT_SIZE,
    "figure.titlesize": BASE_FONT_SIZE + 4,
    "axes.prop_cycle": mpl.cycler(
        color=[OKABE_ITO[k] for k in ("blue", "vermillion", "bluish_green", "orange",
                                      "reddish_purple", "sky_blue", "black")]
    ),
    "axes.grid": True,
    "grid.color": "#D0D0D0",
    "grid.linewidth": 0.8,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.linewidth": 1.0,
    "lines.linewidth": 2.5,
    "lines.markersize": 7,
    "legend.frameon": False,
    "image.cmap": LAYER_CMAP,
    "svg.hashsalt": "nninit",  # deterministic SVG ids
    "svg.fonttype": "none",
    "pdf.fonttype": 42,
}


def scheme_color(name) -> str:
    """The course colour of an initialisation scheme (a name or an initializer function).

    Registry and article names have a fixed colour (:data:`SCHEME_COLORS`), activation names the
    colour of :data:`ACTIVATION_COLORS`; any other name gets one of :data:`FALLBACK_COLORS`, picked
    by a CRC32 of the name (stable across runs and machines, unlike ``hash``).
    """
    key = scheme_name(name)
    if key in SCHEME_COLORS:
        return SCHEME_COLORS[key]
    if key in ACTIVATION_COLORS:
        return ACTIVATION_COLORS[key]
    return FALLBACK_COLORS[zlib.crc32(key.encode("utf-8")) % len(FALLBACK_COLORS)]


def scheme_name(scheme) -> str:
    """A label for ``scheme``: the string itself, or a function's ``__name__``."""
    if isinstance(scheme, str):
        return scheme
    return getattr(scheme, "__name__", None) or type(scheme).__name__


def series_styles(names) -> list[dict]:
    """Line properties (colour, and a marker where colours repeat) for several named series.

    Names that are neither schemes nor activations take :data:`FALLBACK_COLORS` in order of
    appearance. The first series of each colour is drawn plain; a later one with the same colour
    (``he_init`` beside ``he_normal``, or a fifth other name) gets a marker, so no two look the same.
    """
    seen: dict[str, int] = {}
    styles = []
    others: list[str] = []
    for name in names:
        key = scheme_name(name)
        if key in SCHEME_COLORS or key in ACTIVATION_COLORS:
            color = scheme_color(key)
        else:
            if key not in others:
                others.append(key)
            color = FALLBACK_COLORS[others.index(key) % len(FALLBACK_COLORS)]
        k = seen.get(color, 0)
        seen[color] = k + 1
        style = {"color": color}
        if k:
            style["marker"] = MARKERS[(k - 1) % len(MARKERS)]
        styles.append(style)
    return styles


def layer_colors(n: int) -> list:
    """``n`` colours along :data:`LAYER_CMAP`, first layer dark, last light (skips the palest end)."""
    cmap = mpl.colormaps[LAYER_CMAP]
    if n == 1:
        return [cmap(0.0)]
    return [cmap(0.9 * i / (n - 1)) for i in range(n)]


_active = 0  # how many course_style contexts are open: styled objects do not re-enter one


@contextlib.contextmanager
def course_style(**overrides):
    """Context manager: the course's rcParams (plus ``overrides``), restored on exit."""
    global _active
    rc = dict(COURSE_RC)
    rc.update(overrides)
    with mpl.rc_context(rc):
        _active += 1
        try:
            yield
        finally:
            _active -= 1


def in_course_style(fn):
    """``fn`` run inside :func:`course_style` (unless one is open already), as a decorator."""

    @functools.wraps(fn)
    def styled(*args, **kwargs):
        if _active:
            return fn(*args, **kwargs)
        with course_style():
            return fn(*args, **kwargs)

    return styled


# matplotlib reads most of its rcParams when an artist is made (a line's width, a title's size, a
# legend's font), so a figure keeps the course style if every method that makes something runs in
# it. These classes wrap their public methods (getters and drawing aside) in in_course_style.
_NOT_WRAPPED = ("get_", "draw", "set_figure", "stale", "pchanged", "convert_", "format_", "contains")


def _keep_course_style(cls):
    """Wrap the public methods ``cls`` inherits from its matplotlib base (its last base class)."""
    base = cls.__bases__[-1]
    for name, _ in inspect.getmembers(base, inspect.isfunction):
        if not name.startswith("_") and not name.startswith(_NOT_WRAPPED):
            setattr(cls, name, in_course_style(getattr(cls, name)))
    cls.__init__ = in_course_style(base.__init__)
    return cls


@_keep_course_style
class CourseAxes(Axes):
    """Axes that draw in the course style whenever they are drawn on (see :func:`panels`)."""


class _CourseFigureBase:
    """New axes and sub-figures of a course figure are course ones too."""

    def add_subplot(self, *args, **kwargs):
        if "projection" not in kwargs and "polar" not in kwargs:
            kwargs.setdefault("axes_class", CourseAxes)
        return super().add_subplot(*args, **kwargs)

    def add_axes(self, *args, **kwargs):
        if "projection" not in kwargs and "polar" not in kwargs:
            kwargs.setdefault("axes_class", CourseAxes)
        return super().add_axes(*args, **kwargs)

    def subfigures(self, *args, **kwargs):
        subs = super().subfigures(*args, **kwargs)
        for sub in (subs.flat if hasattr(subs, "flat") else [subs]):
            sub.__class__ = CourseSubFigure
        return subs


@_keep_course_style
class CourseSubFigure(_CourseFigureBase, SubFigure):
    """A sub-figure of a :class:`CourseFigure`."""


@_keep_course_style
class CourseFigure(_CourseFigureBase, Figure):
    """A ``matplotlib.figure.Figure`` (16:9, constrained layout) whose axes, titles and legends take
    the course style whenever they are made, inside a ``with course_style()`` block or not.
    Not registered with pyplot: make it a notebook cell's last expression to show it once."""

    def __repr__(self) -> str:  # printed like any Figure: a notebook's text output does not change
        return Figure.__repr__(self).replace(type(self).__name__, "Figure", 1)


def panels(n=2, *, title=None, **subplots_kw):
    """``(fig, axes)``: a new 16:9 :class:`CourseFigure` with ``n`` axes side by side.

    For a notebook's own figures: everything drawn on ``axes`` later keeps the course style; pass
    ``axes[i]`` as ``ax=`` to the plot functions. ``subplots_kw`` go to ``Figure.subplots`` (e.g.
    ``sharey=True``, or ``nrows=2`` for a grid); with ``n=1`` ``axes`` is a single Axes.

    >>> fig, (left, right) = panels(2, sharey=True)
    >>> line, = left.plot([0, 1], [0, 1])
    >>> line.get_linewidth(), left.title.get_fontsize() == BASE_FONT_SIZE + 2
    (2.5, True)
    """
    fig = CourseFigure(figsize=SLIDE_SIZE)
    if title:
        fig.suptitle(title)
    nrows = subplots_kw.pop("nrows", 1)
    return fig, fig.subplots(nrows, n, **subplots_kw)
