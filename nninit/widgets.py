"""The interactive explorer of notebook 06: pick a depth, width, activation, scheme and gain, see
every layer's distribution and the std against depth beside the mean-field theory.

The drawing is a plain function, :func:`explore`, that returns a Figure (so it runs without a
browser, in tests and in a notebook that is read without a kernel); :func:`explorer` only wires
ipywidgets controls to it. In a notebook::

    from nninit.widgets import explorer, explore
    explorer()          # live sliders and a "train" button; stored, it shows as a PNG
    explore(depth=30, activation="relu", scheme="he_normal")   # one state as a static figure

The network is ``[64] + [width] * depth + [10]``, fed the first 256 of the shipped 8x8 digits
(standardised, shuffled with a fixed seed), which also give the "train" button a real task.
"Dead" units are those off for all 256 examples, at every width. Its
weights are drawn by ``scheme`` and multiplied by ``gain`` (biases zero); the theory line uses
``gain² · initializers.variance(scheme, (fan_in, fan_out))`` per layer and the measured E[x²] of
that batch. Everything is seeded: the same controls always draw the same figure.
"""

from __future__ import annotations

import base64
import functools
import io
import math
import numbers

import numpy as np
from matplotlib.figure import Figure

from . import _checks, data, plots, theory
from .mlp import MLP
from .style import DPI, SLIDE_SIZE, course_style, scheme_color
from .training import fit

DEFAULTS = {"depth": 10, "width": 128, "activation": "tanh", "scheme": "xavier_normal", "gain": 1.0,
            "seed": 0}
SCHEMES = ("zeros", "uniform", "normal", "truncated_normal", "xavier_uniform", "xavier_normal",
           "he_uniform", "he_normal", "lecun_uniform", "lecun_normal", "orthogonal")
ACTIVATIONS = ("tanh", "relu", "leaky_relu", "sigmoid", "selu", "elu", "gelu", "identity")
WIDTHS = (16, 32, 64, 128, 256)
MAX_DEPTH = 30
GAINS = (0.25, 4.0)  # the gain slider's range, 2^-2 .. 2^2
MAX_SEED = 9999
TRAIN_STEPS = 300
# train_steps of explore() goes up to this: 300 steps of the largest net (30 x 256) took 21 s on a
# busy 2-core machine, so 1000 stays around a minute.
MAX_TRAIN_STEPS = 1000
TRAIN_LR = 0.003
PROBE_BATCH = 256  # examples in the probe, the same at every width so that "dead" means the same
N_CLASSES = 10
MAX_LAYERS_SHOWN = 8
# Margins of the explorer's figure (fractions of 12 x 6.75 in), checked by eye at every extreme of
# the controls (log tick labels like 10^-15, three-digit percentages, the longest legend entry).
LAYOUT = {"left": 0.07, "right": 0.985, "bottom": 0.095, "top": 0.84, "wspace": 0.2, "hspace": 0.4}


@functools.lru_cache(maxsize=1)
def _digits():
    """Standardised digits split into (X_train, y_train, X_val, y_val), fixed seed; cached."""
    X, y = data.digits()
    X_tr, X_val, y_tr, y_val = data.train_test_split(X, y, test_fraction=0.25, rng=0)
    X_tr, X_val = data.standardize(X_tr, X_val)
    return X_tr.astype(np.float32), y_tr, X_val.astype(np.float32), y_val


def _with_gain(scheme: str, gain: float):
    """``scheme``'s initializer, its draws multiplied by ``gain`` (the name itself when gain = 1)."""
    if gain == 1.0:
        return scheme
    from . import initializers

    draw = initializers.get(scheme)

    def scaled(shape, *, rng=None, dtype=None):
        return gain * draw(shape, rng=rng, dtype=dtype)

    scaled.__name__ = f"{scheme} x {gain:g}"
    return scaled


def _int_in(arg: str, value, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{arg} must be an integer from {low} to {high}; got {value!r}")
    if not low <= value <= high:
        raise ValueError(f"{arg}={value!r} is out of range; allowed: {low} to {high}")
    return int(value)


def check_controls(**controls) -> dict:
    """The explorer's controls, checked: each value is one its control can show, else an error.

    depth: an int 1..MAX_DEPTH; width: one of WIDTHS; activation: one of ACTIVATIONS; scheme: one of
    SCHEMES; gain: a number in GAINS (0.25..4); seed: an int 0..MAX_SEED; train_steps (explore only):
    an int 0..MAX_TRAIN_STEPS. Nothing is clamped or ignored: an unknown name raises ``TypeError``,
    a value outside its range ``ValueError``, both naming the control and what it allows.
    """
    allowed = [*DEFAULTS, "train_steps"]
    unknown = [k for k in controls if k not in allowed]
    if unknown:
        raise TypeError(f"unknown control {unknown[0]!r}; the explorer's controls are {', '.join(DEFAULTS)}"
                        " (and train_steps for explore())." + _checks.suggestion(unknown[0], allowed))
    checked = {}
    for key, value in controls.items():
        if key == "depth":
            checked[key] = _int_in("depth", value, 1, MAX_DEPTH)
        elif key == "width":
            if isinstance(value, bool) or not isinstance(value, numbers.Integral):
                raise TypeError(f"width must be one of {', '.join(map(str, WIDTHS))}; got {value!r}")
            if value not in WIDTHS:
                raise ValueError(f"width={value!r} is not on the width slider;"
                                 f" allowed: {', '.join(map(str, WIDTHS))}")
            checked[key] = int(value)
        elif key in ("activation", "scheme"):
            checked[key] = _checks.choice(key, value, ACTIVATIONS if key == "activation" else SCHEMES)
        elif key == "gain":
            gain = _checks.real("gain", value)
            if not GAINS[0] <= gain <= GAINS[1]:
                raise ValueError(f"gain={value!r} is out of range; allowed: {GAINS[0]:g} to {GAINS[1]:g}")
            checked[key] = gain
        elif key == "seed":
            checked[key] = _int_in("seed", value, 0, MAX_SEED)
        else:
            checked[key] = _int_in("train_steps", value, 0, MAX_TRAIN_STEPS)
    return checked


def network(depth=DEFAULTS["depth"], width=DEFAULTS["width"], activation=DEFAULTS["activation"],
            scheme=DEFAULTS["scheme"], gain=DEFAULTS["gain"], *, seed=DEFAULTS["seed"]) -> MLP:
    """The explorer's network ``[64] + [width] * depth + [10]``, weights ``gain × scheme``.

    The arguments are checked by :func:`check_controls`.
    """
    c = check_controls(depth=depth, width=width, activation=activation, scheme=scheme, gain=gain, seed=seed)
    sizes = [64] + [c["width"]] * c["depth"] + [N_CLASSES]
    return MLP(sizes, activation=c["activation"], init=_with_gain(c["scheme"], c["gain"]), rng=c["seed"])


def explore(depth=DEFAULTS["depth"], width=DEFAULTS["width"], activation=DEFAULTS["activation"],
            scheme=DEFAULTS["scheme"], gain=DEFAULTS["gain"], *, seed=DEFAULTS["seed"], train_steps=0,
            fig=None) -> Figure:
    """Draw the explorer's figure for these controls and return it.

    Left: every hidden layer's activation distribution (one line per layer, coloured by depth;
    at most 8 layers, evenly spread from the first to the last). Right, top: std of the
    pre-activations against depth; right, bottom: std of the back-propagated gradients dL/ds
    (relative to the output layer's); each measured (dots) beside the mean-field theory at
    initialisation (dashed), on log axes.
    With ``train_steps`` > 0 the network is first trained about that many SGD steps (whole epochs
    of batch 64, momentum 0.9, lr :data:`TRAIN_LR`) on the digits, and the figure shows the trained
    network (the theory line still describes the initialisation); the title gives the validation
    accuracy, or says that training diverged (the figure then shows the initialisation).
    Every control is checked first (:func:`check_controls`); ``fig`` is None or a Figure to draw in.
    """
    c = check_controls(depth=depth, width=width, activation=activation, scheme=scheme, gain=gain, seed=seed,
                       train_steps=train_steps)
    if fig is not None and not isinstance(fig, Figure):
        raise TypeError(f"fig must be None or a matplotlib Figure; got {type(fig).__name__}")
    depth, width, activation, scheme, gain, seed, train_steps = c.values()
    net = network(depth, width, activation, scheme, gain, seed=seed)
    X_tr, y_tr, X_val, y_val = _digits()
    status = "at initialisation"
    if train_steps:
        status, diverged = _train(net, X_tr, y_tr, X_val, y_val, train_steps, seed)
        if diverged:  # its weights are no longer finite: show where it started instead
            net = network(depth, width, activation, scheme, gain, seed=seed)
    X = X_tr[:PROBE_BATCH]
    probe = net.probe(X, rng=seed)
    prediction = theory.predict_for(scheme, activation, net.sizes, gain=gain,
                                    input_var=float(np.mean(np.square(X, dtype=np.float64))))
    with course_style():
        if fig is None:
            # a fixed layout: constrained layout would cost a third of every redraw
            fig = Figure(figsize=SLIDE_SIZE, layout="none")
        grid = fig.add_gridspec(2, 2, width_ratios=(1.15, 1), **LAYOUT)
        axes = {"dist": fig.add_subplot(grid[:, 0]), "fwd": fig.add_subplot(grid[0, 1]),
                "bwd": fig.add_subplot(grid[1, 1])}
        plots.layer_densities(probe, "act", ax=axes["dist"], max_layers=MAX_LAYERS_SHOWN)
        for key, kind, title in (("fwd", "pre", "forward: pre-activations"),
                                 ("bwd", "grad_pre", "backward: gradients")):
            plots.std_vs_depth({scheme: probe}, kind=kind, predictions={scheme: prediction}, ax=axes[key],
                               title=title, legend=key == "fwd")
        axes["fwd"].set_xlabel("")
        fig.suptitle(f"{depth} × {width} {activation}, {scheme} × gain {gain:g}\n{status}",
                     color=scheme_color(scheme), linespacing=1.3)
    return fig


def _train(net, X_tr, y_tr, X_val, y_val, steps: int, seed: int) -> tuple[str, bool]:
    """Train ``net`` in place for about ``steps`` SGD steps; (status line for the title, diverged?).

    lr 0.003 with momentum 0.9: slow enough that a 30-layer He/ReLU net trains (91% in 300 steps)
    instead of diverging, while a 30-layer Xavier/ReLU net visibly stalls at chance (10%).
    """
    batch = 64
    per_epoch = -(-len(X_tr) // batch)
    epochs = max(1, -(-steps // per_epoch))
    h = fit(net, X_tr, y_tr, epochs=epochs, batch_size=batch, lr=TRAIN_LR, momentum=0.9,
            X_val=X_val, y_val=y_val, record_every=max(1, steps), rng=seed)
    if h.diverged_at is not None:
        return f"training diverged at step {h.diverged_at}; showing the initialisation", True
    return f"after {h.n_steps} SGD steps on the digits: validation accuracy {h.val_accuracy[-1]:.0%}", False


def render_png(fig: Figure) -> bytes:
    """``fig`` as PNG bytes at the notebook resolution (no metadata, so the bytes are reproducible)."""
    buf = io.BytesIO()
    # zlib level 3: faster than the default 6 and, for these flat-coloured figures, no bigger
    fig.savefig(buf, format="png", dpi=DPI, metadata={"Software": None}, pil_kwargs={"compress_level": 3})
    return buf.getvalue()


@functools.lru_cache(maxsize=1)
def _explorer_class():
    """The explorer's box class (defined on first use, so that ``explore`` needs no ipywidgets)."""
    import ipywidgets as w

    class Explorer(w.VBox):
        """The explorer's controls and picture. Besides the live widget, its display data carry a
        PNG of the current figure and a one-line text, which Jupyter shows wherever the widget
        cannot run: an untrusted or kernel-less notebook, GitHub, nbconvert without widget state."""

        def _repr_mimebundle_(self, **kwargs):
            data = super()._repr_mimebundle_(**kwargs) or {}
            data["text/plain"] = self.summary()
            data["image/png"] = base64.b64encode(self.image.value).decode("ascii")
            return data

        def summary(self) -> str:
            v = {k: c.value for k, c in self.controls.items()}
            return (f"nninit explorer: depth {v['depth']}, width {v['width']}, {v['activation']},"
                    f" {v['scheme']} x gain {v['gain']:g}, seed {v['seed']}"
                    " (the controls need a running kernel)")

    return Explorer


def explorer(**initial):
    """The live explorer: controls for depth, width, activation, scheme, gain and seed, a button
    that trains the current network for a few hundred steps, and the figure of :func:`explore`.

    ``initial`` overrides :data:`DEFAULTS`; like ``.update``, it is checked by :func:`check_controls`
    (an unknown control or a value its control cannot show raises; nothing is clamped or ignored).
    Returns an ``ipywidgets.VBox``: make it the cell's last
    expression. With a kernel it is live; without one (a stored notebook opened untrusted, GitHub,
    nbconvert with no widget state) Jupyter shows the PNG of its figure that its display data carry,
    so the stored notebook still shows the default state. ``.update(**controls)`` sets controls as a
    student would (each change redraws) and ``.figure`` is the Figure last drawn (for tests, scripts).
    """
    if "train_steps" in initial:
        raise TypeError("train_steps is not a control of the live explorer (its button trains"
                        f" {TRAIN_STEPS} steps); allowed: {', '.join(DEFAULTS)}")
    values = {**DEFAULTS, **check_controls(**initial)}
    import ipywidgets as w

    style = {"description_width": "80px"}
    controls = {
        "depth": w.IntSlider(value=values["depth"], min=1, max=MAX_DEPTH, description="depth",
                             continuous_update=False, style=style),
        "width": w.SelectionSlider(value=values["width"], options=WIDTHS, description="width",
                                   continuous_update=False, style=style),
        "activation": w.Dropdown(value=values["activation"], options=ACTIVATIONS, description="activation",
                                 style=style),
        "scheme": w.Dropdown(value=values["scheme"], options=SCHEMES, description="scheme", style=style),
        "gain": w.FloatLogSlider(value=values["gain"], base=2, min=math.log2(GAINS[0]),
                                 max=math.log2(GAINS[1]), step=0.125, description="gain",
                                 readout_format=".3g", continuous_update=False, style=style),
        "seed": w.BoundedIntText(value=values["seed"], min=0, max=MAX_SEED, description="seed", style=style,
                                 layout=w.Layout(width="160px")),
    }
    button = w.Button(description=f"train {TRAIN_STEPS} steps", icon="play",
                      tooltip=f"about {TRAIN_STEPS} SGD steps on the digits, then redraw")
    status = w.Label(value="")
    image = w.Image(format="png", layout=w.Layout(width="100%", max_width=f"{int(SLIDE_SIZE[0] * DPI)}px"))
    box = _explorer_class()([
        w.HBox([controls["depth"], controls["width"], controls["gain"]]),
        w.HBox([controls["activation"], controls["scheme"], controls["seed"], button, status]),
        image,
    ])
    box.controls, box.button, box.image = controls, button, image

    def draw(train_steps=0):
        args = {k: c.value for k, c in controls.items()}
        seed = args.pop("seed")
        box.figure = explore(**args, seed=seed, train_steps=train_steps)
        image.value = render_png(box.figure)
        status.value = "trained" if train_steps else ""

    def on_train(_button):
        status.value = "training…"
        button.disabled = True
        try:
            draw(TRAIN_STEPS)
        finally:
            button.disabled = False

    for c in controls.values():
        c.observe(lambda _change: draw(), names="value")
    button.on_click(on_train)

    def update(**changes):
        """Set controls as a student would (one redraw per changed control); returns the PNG.

        The values are checked first, all of them, by :func:`check_controls` (``train_steps`` is the
        button's, not a control)."""
        if "train_steps" in changes:
            raise TypeError(f"train_steps is not a control (press .button); allowed: {', '.join(DEFAULTS)}")
        changes = check_controls(**changes)
        for k, v in changes.items():
            controls[k].value = v
        return image.value

    box.update = update
    draw()
    return box
