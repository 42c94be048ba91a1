"""nninit.widgets: the explorer's drawing function and its controls, without a browser."""

import matplotlib

matplotlib.use("Agg")  # no window, ever

import base64
import re

import numpy as np
import pytest

from nninit import style, widgets

SMALL = {"depth": 4, "width": 32}


def panels(fig):
    """(distributions, forward std, backward std) axes of an explorer figure."""
    dist, fwd, bwd = fig.get_axes()
    return dist, fwd, bwd


def measured(ax):
    """The measured std curve of a std-vs-depth panel (solid, drawn first)."""
    return np.asarray(ax.get_lines()[0].get_ydata())


def theory(ax):
    return np.asarray([l for l in ax.get_lines() if l.get_linestyle() == "--"][0].get_ydata())


def test_explore_default_draws_distributions_and_std_with_theory():
    fig = widgets.explore()
    dist, fwd, bwd = panels(fig)
    depth = widgets.DEFAULTS["depth"]
    assert len(dist.get_lines()) == min(depth, widgets.MAX_LAYERS_SHOWN)  # one density per layer shown
    assert fwd.get_legend() is not None and bwd.get_legend() is None
    for ax in (fwd, bwd):
        assert ax.get_yscale() == "log"
        assert len(measured(ax)) == len(theory(ax)) == depth
        assert np.all(np.isfinite(measured(ax)))
    # Xavier + tanh at width 128: the mean-field theory is within 15% of the measurement
    assert np.allclose(measured(fwd), theory(fwd), rtol=0.15)
    color = matplotlib.colors.to_hex(style.scheme_color(widgets.DEFAULTS["scheme"]))
    assert matplotlib.colors.to_hex(fwd.get_lines()[0].get_color()) == color


def test_explore_follows_each_control():
    base = widgets.explore(**SMALL, activation="relu", scheme="he_normal")
    deeper = widgets.explore(depth=7, width=32, activation="relu", scheme="he_normal")
    assert len(measured(panels(deeper)[1])) == 7 and len(measured(panels(base)[1])) == 4
    # gain multiplies the weights: layer 1's pre-activations scale exactly with it
    doubled = widgets.explore(**SMALL, activation="relu", scheme="he_normal", gain=2.0)
    assert np.isclose(measured(panels(doubled)[1])[0], 2 * measured(panels(base)[1])[0], rtol=1e-5)
    assert np.isclose(theory(panels(doubled)[1])[0], 2 * theory(panels(base)[1])[0], rtol=1e-9)
    # scheme: colour and data change; Xavier's ReLU signal falls below He's by depth 4
    xavier = widgets.explore(**SMALL, activation="relu", scheme="xavier_normal")
    fwd_x = panels(xavier)[1]
    xavier_color = matplotlib.colors.to_hex(style.SCHEME_COLORS["xavier_normal"])
    assert matplotlib.colors.to_hex(fwd_x.get_lines()[0].get_color()) == xavier_color
    assert measured(fwd_x)[-1] < 0.5 * measured(panels(base)[1])[-1]
    # activation: tanh activations stay inside (-1, 1)
    tanh = widgets.explore(**SMALL, activation="tanh", scheme="xavier_normal")
    lo, hi = panels(tanh)[0].get_xlim()
    assert -1.1 <= lo and hi <= 1.1
    # width: the x-ticks of the distributions do not matter, the sizes of the net do
    assert widgets.network(depth=2, width=16).sizes == [64, 16, 16, 10]


def test_explore_is_deterministic():
    a, b = (widgets.render_png(widgets.explore(**SMALL)) for _ in range(2))
    assert a == b


def validation_accuracy(title: str) -> float:
    """The accuracy (%) a trained explorer figure states in its title; fails if it states none."""
    found = re.search(r"validation accuracy (\d+)%", title)
    assert found, f"no validation accuracy in {title!r}"
    return float(found.group(1))


def test_explore_after_training_says_so():
    # 44 steps of a 2-layer He/ReLU net (seed 0) reach 65%; chance on the 10 digits is 10%, so a
    # net that did not learn, or a training run that broke, stays far below 30%
    fig = widgets.explore(depth=2, width=32, activation="relu", scheme="he_normal", train_steps=30)
    assert "diverged" not in fig.get_suptitle() and validation_accuracy(fig.get_suptitle()) >= 30


def test_explore_says_when_training_diverged():
    # gain 4 on 20 ReLU layers multiplies the signal by 4^20 ≈ 1e12: the first update overflows
    fig = widgets.explore(depth=20, width=32, activation="relu", scheme="he_normal", gain=4.0, train_steps=30)
    assert "training diverged at step" in fig.get_suptitle() and "accuracy" not in fig.get_suptitle()


def test_zeros_scheme_is_drawn_not_crashed():
    fig = widgets.explore(**SMALL, scheme="zeros")
    labels = [t.get_text() for t in panels(fig)[1].get_legend().get_texts()]
    assert any("off the log scale" in lab for lab in labels)


def test_explorer_widget_redraws_on_control_change():
    pytest.importorskip("ipywidgets")
    box = widgets.explorer(**SMALL, activation="relu", scheme="he_normal")
    first_png, first_fig = box.image.value, box.figure
    assert first_png[:4] == b"\x89PNG"
    box.update(depth=6)
    assert box.figure is not first_fig and box.image.value != first_png
    assert len(measured(panels(box.figure)[1])) == 6
    before = measured(panels(box.figure)[1])[0]
    box.update(gain=2.0)
    assert np.isclose(measured(panels(box.figure)[1])[0], 2 * before, rtol=1e-5)
    box.update(scheme="xavier_normal")
    assert box.figure.get_suptitle().startswith("6 × 32 relu, xavier_normal")


def test_explorer_train_button_trains():
    pytest.importorskip("ipywidgets")
    box = widgets.explorer(depth=2, width=16)
    box.button.click()
    # ~300 steps of the default 2 x 16 tanh net reach 89% (seed 0); chance is 10%
    assert validation_accuracy(box.figure.get_suptitle()) >= 50
    assert not box.button.disabled


def test_explorer_shows_a_png_where_the_widget_cannot_run():
    pytest.importorskip("ipywidgets")
    box = widgets.explorer(**SMALL)
    data = box._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in data  # live, with a kernel
    assert base64.b64decode(data["image/png"]) == box.image.value  # stored / untrusted / GitHub
    assert data["text/plain"].startswith("nninit explorer: depth 4, width 32")
