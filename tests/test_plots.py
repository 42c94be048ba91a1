"""nninit.plots and nninit.style: every figure on real probe and history data, drawn off-screen.

Each test checks what a student would rely on: the panels are there, one line per scheme in the
scheme's colour, the theory line beside the measurement, log axes where the values span decades,
finite data, and that the course style does not leak into the caller's matplotlib settings.
"""

import matplotlib

matplotlib.use("Agg")  # no window, ever

import copy
import io
import math
import zlib

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.collections import QuadMesh
from matplotlib.patches import StepPatch

from nninit import data, plots, style, theory
from nninit.mlp import MLP
from nninit.training import fit

from errors import raises

RNG = np.random.default_rng(0)
X_PROBE = RNG.standard_normal((128, 16)).astype(np.float32)


def probe_of(activation, init, depth=6, width=32, **kw):
    net = MLP([16] + [width] * depth + [3], activation=activation, init=init, rng=0, **kw)
    return net.probe(X_PROBE, rng=0)


@pytest.fixture(scope="module")
def tanh_probe():
    return probe_of("tanh", "xavier_normal")


@pytest.fixture(scope="module")
def relu_probes():
    return {s: probe_of("relu", s, depth=12, width=64) for s in ("xavier_normal", "he_normal")}


@pytest.fixture(scope="module")
def spirals():
    X, y = data.spirals(n=150, rng=0)
    return data.standardize(X).astype(np.float32), y


@pytest.fixture(scope="module")
def trained(spirals):
    """Two short runs that train, one that diverges (huge weights and step)."""
    X, y = spirals
    runs, nets = {}, {}
    for scheme in ("xavier_normal", "he_normal"):
        net = MLP([2, 32, 32, 3], activation="relu", init=scheme, rng=0)
        runs[scheme] = fit(net, X, y, epochs=4, batch_size=30, lr=0.1, momentum=0.9, X_val=X, y_val=y,
                           record_every=2, rng=0)
        nets[scheme] = net
    net = MLP([2, 32, 32, 3], activation="relu", init="normal", rng=0)
    for layer in net.layers:
        layer.W *= 300.0
    runs["normal"] = fit(net, X, y, epochs=4, batch_size=30, lr=50.0, momentum=0.9, record_every=2, rng=0)
    return runs, nets


def heatmaps(fig):
    """The axes holding a histogram-over-time map (not the colour bar's)."""
    return [ax for ax in fig.get_axes()
            if ax.get_label() != "<colorbar>" and any(isinstance(c, QuadMesh) for c in ax.collections)]


def all_texts(fig):
    fig.canvas.draw()
    return [t for t in fig.findobj(matplotlib.text.Text) if t.get_text().strip() and t.get_visible()]


# --------------------------------------------------------------------------- style


def test_scheme_colors_cover_registry_and_article_names():
    required = ["zeros", "uniform", "normal", "xavier_uniform", "xavier_normal", "he_uniform", "he_normal",
                "lecun_normal", "orthogonal", "truncated_normal",
                "uniform_init", "normal_init", "xavier_init", "he_init", "random_init"]
    for name in required:
        assert matplotlib.colors.is_color_like(style.SCHEME_COLORS[name]), name
    # the ten registry schemes a notebook compares at once are all told apart by colour
    assert len({style.SCHEME_COLORS[n] for n in required[:10]}) == 10
    # the article's xavier (half Glorot's variance) must not look like Glorot's
    assert style.scheme_color("xavier_init") != style.scheme_color("xavier_normal")


def test_fallback_colour_is_deterministic_and_from_the_palette():
    name = "my_custom_scheme"
    expected = style.FALLBACK_COLORS[zlib.crc32(name.encode()) % len(style.FALLBACK_COLORS)]
    assert style.scheme_color(name) == expected == style.scheme_color(name)

    def my_init(shape, *, rng=None, dtype=None):
        return np.zeros(shape)

    assert style.scheme_color(my_init) == style.scheme_color("my_init")


def test_other_names_never_wear_a_scheme_or_activation_colour():
    taken = {c.upper() for c in (*style.SCHEME_COLORS.values(), *style.ACTIVATION_COLORS.values())}
    assert not taken & {c.upper() for c in style.FALLBACK_COLORS}
    names = ["std 0.01 (too small)", "std 1/√n", "std 1 (too large)", "he_normal"]
    colors = [s["color"] for s in style.series_styles(names)]
    assert colors[:3] == list(style.FALLBACK_COLORS[:3]) and colors[3] == style.SCHEME_COLORS["he_normal"]


def test_series_styles_tell_apart_schemes_that_share_a_colour():
    a, b = style.series_styles(["he_normal", "he_init"])
    assert a["color"] == b["color"] and "marker" not in a and "marker" in b


def test_course_style_does_not_leak(tanh_probe):
    before = dict(matplotlib.rcParams)
    plots.layer_histograms(tanh_probe)
    assert dict(matplotlib.rcParams) == before


def test_every_text_is_at_least_12_pt(tanh_probe, relu_probes, trained):
    runs, _ = trained
    figs = [plots.layer_histograms(tanh_probe), plots.std_vs_depth(relu_probes),
            plots.training_curves(runs), plots.histogram_heatmap(runs["he_normal"])]
    for fig in figs:
        sizes = [t.get_fontsize() for t in all_texts(fig)]
        assert sizes and min(sizes) >= 12


def test_default_size_is_16_9_and_png_is_deterministic(tanh_probe):
    fig = plots.layer_densities(tanh_probe)
    w, h = fig.get_size_inches()
    assert math.isclose(w / h, 16 / 9)
    pngs = []
    for _ in range(2):
        buf = io.BytesIO()
        plots.layer_densities(tanh_probe).savefig(buf, format="png", metadata={"Software": None})
        pngs.append(buf.getvalue())
    assert pngs[0] == pngs[1]


def test_figures_are_not_registered_with_pyplot(tanh_probe):
    before = plt.get_fignums()
    plots.layer_histograms(tanh_probe)
    assert plt.get_fignums() == before


# --------------------------------------------------------------------------- per-layer distributions


def test_layer_histograms_one_panel_per_layer_and_kind(tanh_probe):
    fig = plots.layer_histograms(tanh_probe, ("pre", "act", "grad_act"), max_layers=4)
    axes = [ax for ax in fig.get_axes()]
    assert len(axes) == 3 * 4
    for ax in axes:
        (patch,) = [p for p in ax.patches if isinstance(p, StepPatch)]
        values = patch.get_data().values
        assert np.all(np.isfinite(values)) and values.sum() > 90  # % of values, nearly all in range
        assert "std" in ax.get_xlabel() and "mean" in ax.get_xlabel()
    assert "saturated" in axes[4].get_xlabel()  # activations of a tanh net: saturated share written


def test_layer_histograms_share_x_so_collapse_shows(relu_probes):
    probe = relu_probes["xavier_normal"]
    fig = plots.layer_histograms(probe, ("pre",), layers=[1, 12])
    first, last = fig.get_axes()
    assert first.get_xlim() == last.get_xlim()
    stds = [np.std(probe.pre[0]), np.std(probe.pre[11])]
    assert stds[1] < stds[0] / 5  # Xavier with ReLU: the signal shrinks...
    width = np.diff(first.get_xlim())[0]
    assert stds[1] < 0.05 * width  # ...and the deep panel is a spike, not a re-zoomed bell
    assert "dead" in first.get_xlabel()


def test_layer_densities_one_line_per_layer_with_stats(relu_probes):
    probe = relu_probes["he_normal"]
    fig, ax = plt.subplots()
    try:
        out = plots.layer_densities(probe, "act", layers=[1, 4, 8], ax=ax)
        assert out is fig
        lines = ax.get_lines()
        assert len(lines) == 3
        labels = [t.get_text() for t in ax.get_legend().get_texts()]
        assert all("std" in lab and "mean" in lab and "dead" in lab for lab in labels)
        assert "zeros not drawn" in ax.get_ylabel()  # ReLU's half of exact zeros, said once
        colors = [line.get_color() for line in lines]
        assert len(set(map(str, colors))) == 3  # coloured by depth
    finally:
        plt.close(fig)


def test_bad_kind_is_named():
    probe = probe_of("tanh", "xavier_normal", depth=2)
    message = raises(ValueError, lambda: plots.layer_densities(probe, "grad_ac"), "kind")
    assert "grad_act" in message


# --------------------------------------------------------------------------- std against depth


def test_std_vs_depth_theory_beside_each_scheme(relu_probes):
    sizes = relu_probes["he_normal"].sizes
    predictions = {s: theory.predict_for(s, "relu", sizes, input_var=1.0) for s in relu_probes}
    fig = plots.std_vs_depth(relu_probes, kind="pre", predictions=predictions)
    (ax,) = fig.get_axes()
    assert ax.get_yscale() == "log"
    solid = [l for l in ax.get_lines() if l.get_linestyle() == "-" and len(l.get_xdata()) == 12]
    dashed = [l for l in ax.get_lines() if l.get_linestyle() == "--" and len(l.get_xdata()) == 12]
    assert len(solid) == len(dashed) == 2
    for scheme, line, predicted in zip(relu_probes, solid, dashed):
        color = matplotlib.colors.to_hex(style.scheme_color(scheme))
        hexes = [matplotlib.colors.to_hex(x.get_color()) for x in (line, predicted)]
        assert hexes == [color, color]
        measured = np.std(relu_probes[scheme].pre[0], dtype=np.float64)
        assert np.isclose(line.get_ydata()[0], measured)
        assert np.allclose(predicted.get_ydata(), predictions[scheme].pre_std[:12])
    # He keeps the signal, Xavier halves its variance per layer: the plot must say so
    he, xavier = solid[1].get_ydata(), solid[0].get_ydata()
    assert he[-1] / he[0] > 0.2 and xavier[-1] / xavier[0] < 0.05


def test_std_vs_depth_gradients_mean_panel_and_zeros(relu_probes):
    probes = {**relu_probes, "zeros": probe_of("relu", "zeros", depth=12, width=64)}
    fig = plots.std_vs_depth(probes, kind="grad_pre", show_mean=True)
    std_ax, mean_ax = fig.get_axes()
    labels = [t.get_text() for t in std_ax.get_legend().get_texts()]
    assert any("zeros" in lab and "off the log scale" in lab for lab in labels)
    assert std_ax.get_yscale() == "log" and mean_ax.get_yscale() == "linear"
    he = [l for l in std_ax.get_lines() if l.get_label() == "he_normal"][0]
    assert np.all(np.isfinite(he.get_ydata())) and len(mean_ax.get_lines()) == 3


# --------------------------------------------------------------------------- histories


def test_histogram_heatmap_columns_are_recorded_steps(trained):
    runs, _ = trained
    h = runs["he_normal"]
    fig = plots.histogram_heatmap(h, "act")
    tops = heatmaps(fig)
    meshes = [c for ax in tops for c in ax.collections if isinstance(c, QuadMesh)]
    n_hidden = len(h.layer_names) - 1
    assert len(meshes) == n_hidden
    for mesh in meshes:
        assert mesh.get_array().shape == (h.act_hist.shape[2] - 1, len(h.record_steps))
        assert isinstance(mesh.norm, matplotlib.colors.LogNorm)
    assert len({ax.get_ylim() for ax in tops}) == 1  # one log10|a| range for every layer
    # the share under each map: dead units (ReLU) and the zeros of the first bin
    bottoms = [ax for ax in fig.get_axes() if ax.get_lines() and ax not in tops]
    assert len(bottoms) == n_hidden
    dead = bottoms[0].get_lines()[0]
    assert np.allclose(dead.get_ydata(), 100 * h.dead[:, 0])


def test_histogram_heatmap_of_gradients(trained):
    runs, _ = trained
    fig = plots.histogram_heatmap(runs["xavier_normal"], "grad_act", layers=[2])
    assert "dL/da" in fig.get_axes()[0].get_ylabel()
    message = raises(ValueError, lambda: plots.histogram_heatmap(runs["xavier_normal"], "pre"), "kind")
    assert "act, grad" in message


def test_training_curves_mark_divergence(trained):
    runs, _ = trained
    diverged = runs["normal"]
    assert diverged.diverged_at is not None
    fig = plots.training_curves(runs)
    ax_loss, ax_acc = fig.get_axes()
    assert ax_loss.get_yscale() == "log"
    labels = [t.get_text() for t in ax_loss.get_legend().get_texts()]
    assert len(labels) == 3 and "diverged" in labels[2]
    vlines = [l for l in ax_acc.get_lines() if l.get_linestyle() == ":"]
    assert [l.get_xdata()[0] for l in vlines] == [diverged.diverged_at]
    acc = [l for l in ax_acc.get_lines() if l.get_linestyle() == "-"]
    assert len(acc) == 2  # the run that broke in its first epoch has no accuracy to show
    assert np.allclose(acc[0].get_ydata(), 100 * runs["xavier_normal"].val_accuracy)


def test_update_ratios_per_layer_with_reference(trained):
    runs, _ = trained
    h = runs["he_normal"]
    fig = plots.update_ratios(h)
    (ax,) = fig.get_axes()
    lines = ax.get_lines()
    assert len(lines) == len(h.layer_names) + 1
    assert np.allclose(lines[-1].get_ydata(), -3)
    first = np.asarray(lines[0].get_ydata())
    ok = np.isfinite(h.update_ratio[:, 0])
    assert np.allclose(first[ok], np.log10(h.update_ratio[ok, 0]))


def test_decision_boundaries_one_panel_per_net(trained, spirals):
    _, nets = trained
    X, y = spirals
    fig = plots.decision_boundaries(nets, X, y, resolution=40)
    axes = [ax for ax in fig.get_axes() if ax.get_visible()]
    assert len(axes) == 2
    for ax, (name, net) in zip(axes, nets.items()):
        acc = np.mean(net.predict(X) == y)
        assert name in ax.get_title() and f"{acc:.0%}" in ax.get_title()
        assert ax.collections  # the filled regions and the points
    message = raises(ValueError, lambda: plots.decision_boundaries(nets, np.zeros((5, 3)), np.zeros(5, int)),
                     "X")
    assert "shape" in message


def test_gain_sweep_with_probes_and_theory_gain():
    gains = [0.5, 1.0, 5 / 3, 3.0]
    def lecun_times(g):
        return lambda shape, rng=None, dtype=None: g * rng.standard_normal(shape) / np.sqrt(shape[0])

    probes = [MLP([16, 32, 32, 32, 3], "tanh", lecun_times(g), rng=0).probe(X_PROBE) for g in gains]
    fig = plots.gain_sweep(gains, {"tanh": probes}, theory_gain={"tanh": 5 / 3})
    (ax,) = fig.get_axes()
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    measured, theory = ax.get_lines()
    assert np.allclose(measured.get_ydata(), [np.std(p.pre[-2], dtype=np.float64) for p in probes])
    assert np.allclose(theory.get_xdata(), 5 / 3) and theory.get_linestyle() == "--"


def test_gain_sweep_with_histories_and_numbers(trained):
    runs, _ = trained
    fig = plots.gain_sweep([1, 2, 3], {"a": list(runs.values()), "b": [10.0, 20.0, 30.0]}, theory_gain=2.0)
    (ax,) = fig.get_axes()
    assert ax.get_yscale() == "linear" and "accuracy" in ax.get_ylabel()
    a = ax.get_lines()[0].get_ydata()
    assert np.isnan(a[2])  # the diverged run is not a point on the curve ...
    assert any("diverged" in t.get_text() for t in ax.get_legend().get_texts())  # ... but a marked ✕
    assert "3 gains" in raises(ValueError, lambda: plots.gain_sweep([1, 2, 3], {"a": [1.0]}), "results")


def test_training_curves_smooth_through_a_zero_batch_loss(trained):
    """A perfect mini-batch (loss exactly 0, common in float32) must not leave the bold line unsmoothed."""
    history = copy.deepcopy(trained[0]["he_normal"])
    history.loss[len(history.loss) // 2] = 0.0
    ax_loss = plots.training_curves({"he_normal": history}, smooth=3).get_axes()[0]
    bold = [l for l in ax_loss.get_lines() if l.get_label() == "he_normal"][0]
    y = bold.get_ydata()
    moving_average = np.convolve(history.loss, np.ones(3) / 3, "valid")
    assert np.all(np.isfinite(y)) and np.allclose(y[3:], moving_average[1:])


def test_panels_for_a_notebooks_own_figures():
    fig, axes = plots.panels(3, title="three", sharey=True)
    assert len(axes) == 3 and tuple(fig.get_size_inches()) == style.SLIDE_SIZE
    assert fig._suptitle.get_text() == "three" and fig._suptitle.get_fontsize() >= 12
    fig, ax = plots.panels(1)
    assert ax.figure is fig


def test_panels_keep_the_course_style_for_what_is_drawn_later():
    fig, (left, right) = plots.panels(2)
    line, = left.plot([0, 1], [0, 1])                    # drawn after panels() returned, no `with`
    right.set_title("later")
    legend = left.legend(["x"])
    course, default = style.COURSE_RC["lines.linewidth"], matplotlib.rcParamsDefault["lines.linewidth"]
    assert line.get_linewidth() == course != default
    assert right.title.get_fontsize() == style.COURSE_RC["axes.titlesize"]
    assert legend.get_texts()[0].get_fontsize() == style.COURSE_RC["legend.fontsize"]
    assert matplotlib.rcParams["lines.linewidth"] == matplotlib.rcParamsDefault["lines.linewidth"]  # no leak
    # a plot function's own figure keeps the style too, for what a notebook adds to it
    extra, = plots.gain_sweep([1, 2], [0.5, 0.6]).get_axes()[0].plot([1, 2], [0.5, 0.5])
    assert extra.get_linewidth() == style.COURSE_RC["lines.linewidth"]


# --------------------------------------------------------------------------- comparison helpers


def test_side_by_side_one_panel_per_item_on_shared_axes(relu_probes):
    fig = plots.side_by_side(plots.layer_densities, relu_probes, kinds="pre", sharex=True, xlim=(-3, 3))
    axes = fig.axes
    assert [ax.get_title() for ax in axes] == list(relu_probes)
    assert all(ax.get_xlim() == (-3.0, 3.0) for ax in axes)     # shared, set once
    plt.close("all")


def test_side_by_side_grid_of_rows_labels_its_y_axis_once(relu_probes):
    grid = {"init": dict(relu_probes), "again": dict(relu_probes)}
    fig = plots.side_by_side(plots.layer_densities, grid, kinds="act", sharex=True)
    assert [ax.get_title() for ax in fig.axes] == ["init, xavier_normal", "init, he_normal",
                                                   "again, xavier_normal", "again, he_normal"]
    assert all(ax.get_ylabel() == "" for ax in fig.axes) and fig.get_supylabel()
    assert all(ax.get_xlabel() == "" for ax in fig.axes[:2]) and fig.axes[2].get_xlabel()


def test_side_by_side_subfigures_for_heatmaps(trained):
    runs, _ = trained
    fig = plots.side_by_side(plots.histogram_heatmap, {k: runs[k] for k in ("xavier_normal", "he_normal")},
                             subfigures=True, kind="act", layers=[1], title="two runs")
    assert len(fig.subfigs) == 2 and fig.get_suptitle() == "two runs"
    assert len(heatmaps(fig)) == 2


def test_side_by_side_rejects_bad_arguments(relu_probes):
    message = raises(TypeError, lambda: plots.side_by_side("layer_densities", relu_probes), "plot")
    assert message.startswith("plot")
    one_probe = [relu_probes["he_normal"]]
    message = raises(TypeError, lambda: plots.side_by_side(plots.layer_densities, one_probe), "items")
    assert message.startswith("items")


def test_std_panels_per_kind_predictions_and_weight_gradient_arrays(relu_probes):
    sizes = [16] + [64] * 12 + [3]
    pred = {k: theory.predict_for(k, "relu", sizes) for k in relu_probes}
    w_pred = {k: np.full(12, 0.5) for k in relu_probes}
    fig = plots.std_panels(relu_probes, ["pre", "grad_W"], predictions={"pre": pred, "grad_W": w_pred})
    left, right = fig.axes
    assert left.get_title() == plots.KINDS["pre"] and right.get_title() == plots.KINDS["grad_W"]
    dashed = [line for line in right.get_lines() if line.get_linestyle() == "--"]
    assert len(dashed) >= 2 and all(np.allclose(line.get_ydata(), 0.5) for line in dashed[:2])
    assert left.get_legend() is None and right.get_legend() is not None   # one legend, on the last
    message = raises(ValueError, lambda: plots.std_panels(relu_probes, ["pre", "grad"]), "kind")
    assert message.startswith("kind")


def test_seed_spread_draws_thin_lines_and_a_band(relu_probes):
    fig = plots.std_vs_depth(relu_probes, kind="pre")
    ax = fig.axes[0]
    n_lines = len(ax.get_lines())
    runs = {"he_normal": [np.ones(12), 2 * np.ones(12)]}
    plots.seed_spread(ax, runs, band=np.ones(12), band_label="he_normal", factor=3)
    assert len(ax.get_lines()) == n_lines + 2 and len(ax.collections) >= 1
    assert any("×/÷ 3" in t.get_text() for t in ax.texts)
