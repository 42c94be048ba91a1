"""The recorder, one step at a time: its histograms count the first HIST_ROWS rows of the recorded
batch, and every other statistic is what numpy computes on the whole batch, layer by layer."""

import numpy as np
import pytest

import nninit
from nninit.activations import TANH_SATURATION
from nninit.mlp import MLP
from nninit.recorder import HIST_ROWS, Recorder, abs_histogram
from nninit.training import TrainingStep


def batch(n, dim=4, classes=3, seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, dim)), rng.integers(0, classes, n)


def recorded_step(net, X, y, lr=0.1):
    """One TrainingStep of ``net`` on (X, y), recorded: the History's arrays of that one record, and
    the step, whose ``trace`` and ``grads`` still hold the recorded pass (dL/da is not touched by the
    update)."""
    step = TrainingStep(net, lr=lr)
    recorder = Recorder(net, n_records=1)
    step(X, y, recorder)
    return recorder.results(), step


@pytest.mark.parametrize("activation", ["relu", "tanh"])
@pytest.mark.parametrize("n", [64, 10])            # more rows than HIST_ROWS, and fewer
def test_histograms_count_the_first_hist_rows_and_the_rest_every_row(activation, n):
    X, y = batch(n)
    # weights N(0, 1): some tanh units saturate, some ReLU units are dead on the batch
    net = MLP([4, 16, 16, 3], activation=activation, init=nninit.get("normal", std=1.0), bias_init=-0.5,
              rng=0, dtype=np.float64)
    h, step = recorded_step(net, X, y)
    act, grad_act, pre = step.trace.act, step.grads.grad_act, step.trace.pre
    rows = min(n, HIST_ROWS)
    for l in range(3):
        np.testing.assert_array_equal(h["act_hist"][0, l], abs_histogram(act[l][:rows]))
        np.testing.assert_array_equal(h["grad_act_hist"][0, l], abs_histogram(grad_act[l][:rows]))
    if n > HIST_ROWS:      # so that the lines above would fail for a histogram of the whole batch
        assert not np.array_equal(h["act_hist"][0, 0], abs_histogram(act[0]))
    # Everything else from every row, as numpy's two-pass mean and std give it: float64 values, so
    # the recorder's Σx²/n − mean² differs by rounding only (~1e-15 relative for these scales).
    np.testing.assert_allclose(h["act_mean"][0], [a.mean() for a in act], rtol=1e-9)
    np.testing.assert_allclose(h["act_std"][0], [a.std() for a in act], rtol=1e-9)
    np.testing.assert_allclose(h["grad_act_mean"][0], [g.mean() for g in grad_act], rtol=1e-9, atol=1e-15)
    np.testing.assert_allclose(h["grad_act_std"][0], [g.std() for g in grad_act], rtol=1e-9)
    if activation == "relu":
        dead = [np.mean(np.all(s <= 0, axis=0)) for s in pre[:-1]]
        np.testing.assert_array_equal(h["dead"][0, :2], dead)
        assert np.all(np.isnan(h["saturated"][0]))
    else:
        saturated = [np.mean(np.abs(a) > TANH_SATURATION) for a in act[:-1]]
        np.testing.assert_array_equal(h["saturated"][0, :2], saturated)
        assert np.all(np.isnan(h["dead"][0]))
