"""The progress bar of long training runs (nninit/progress.py): shown in the browser edition only,
after SHOW_AFTER seconds, throttled, and removed at the end; natively a cell's outputs do not change."""

import sys

import IPython.display
import numpy as np
import pytest

from nninit import MLP, fit, progress


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


@pytest.fixture
def shown(monkeypatch):
    """What would have been displayed in the cell."""
    displayed = []
    monkeypatch.setattr(IPython.display, "display", displayed.append)
    return displayed


def test_nothing_is_shown_outside_the_browser(shown):
    assert sys.platform != "emscripten" and progress.IN_BROWSER is False
    clock = Clock()
    bar = progress.Progress(10, "training", clock=clock)
    for done in range(1, 11):
        clock.now += 10.0
        bar.update(done)
    bar.close()
    assert shown == []


def test_the_bar_appears_after_show_after_seconds_and_is_throttled(shown):
    clock = Clock()
    bar = progress.Progress(200, "training", show=True, clock=clock)
    clock.now += progress.SHOW_AFTER / 2
    bar.update(1)
    assert shown == []                                     # a short run shows nothing
    clock.now += progress.SHOW_AFTER
    bar.update(2)
    [box] = shown
    meter, text = box.children
    assert (meter.min, meter.max, meter.value, meter.description) == (0, 200, 2, "training")
    assert text.value == f"step 2 of 200, {1.5 * progress.SHOW_AFTER:.0f} s"
    clock.now += progress.UPDATE_EVERY / 2
    bar.update(3)
    assert meter.value == 2                                # within UPDATE_EVERY: not sent again
    clock.now += progress.UPDATE_EVERY
    bar.update(4)
    assert meter.value == 4 and len(shown) == 1            # one bar, updated in place
    bar.close()
    assert box.comm is None                                # closed: its view leaves the cell


def test_fit_in_the_browser_shows_its_steps_and_removes_the_bar(shown, monkeypatch):
    monkeypatch.setattr(progress, "IN_BROWSER", True)
    monkeypatch.setattr(progress, "SHOW_AFTER", 0.0)
    monkeypatch.setattr(progress, "UPDATE_EVERY", 0.0)
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((40, 3)).astype(np.float32), rng.integers(0, 2, 40)
    history = fit(MLP([3, 4, 2], rng=0), X, y, epochs=3, batch_size=10, lr=0.1)
    [box] = shown
    meter, text = box.children
    assert meter.max == len(history.loss) == 12 and meter.value == 12
    assert text.value.startswith("step 12 of 12,") and box.comm is None


def test_without_ipywidgets_the_run_goes_on_without_a_bar(shown, monkeypatch):
    monkeypatch.setitem(sys.modules, "ipywidgets", None)   # import ipywidgets raises ImportError
    clock = Clock()
    bar = progress.Progress(5, "training", show=True, clock=clock)
    clock.now += 2 * progress.SHOW_AFTER
    bar.update(1)
    bar.close()
    assert shown == [] and bar.show is False
