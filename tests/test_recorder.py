"""The recorder, one step at a time: its histograms count the first HIST_ROWS rows of the recorded
batch, and every other statistic is what numpy computes on the whole batch, layer by layer."""

import numpy as np
import pytest

import nninit
from nninit.activations import TANH_SATURATION
from nninit.mlp import MLP, consecutive_arrays
from nninit.recorder import HIST_ROWS, Recorder, _PerArray, abs_histogram
from nninit.residual import ResidualMLP
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


def residual_net():
    # Fixup's zero last layer of each branch: W = 0 that moves on the first step (ratio inf)
    return ResidualMLP(4, 8, 3, n_blocks=2, zero_last=True, norm="layer", rng=0, dtype=np.float64)


def mlp_with_constant_layers():
    # Layer 2: W = 0 and no gradient (its output's W is 0 too): NaN. Layer 3: W = 0 whose input is
    # relu(0.1) everywhere, so it moves: inf. Layer 1: no gradient reaches it past W_2 = 0: ratio 0.
    return MLP([4, 8, 8, 3], init=["he_normal", "zeros", "zeros"], bias_init=0.1, rng=0, dtype=np.float64)


@pytest.mark.parametrize("make_net", [lambda: MLP([4, 16, 8, 3], rng=0, dtype=np.float64),
                                      mlp_with_constant_layers, residual_net],
                         ids=["mlp", "mlp with constant W", "residual"])
def test_weight_statistics_equal_a_per_layer_numpy_computation(make_net):
    X, y = batch(32)
    net = make_net()
    W0 = [layer.W.copy() for layer in net.layers]
    _, grads = net.gradients(X, y)        # the step's pass, done once more (the update reuses its arrays)
    h, _ = recorded_step(net, X, y, lr=0.1)
    for l, layer in enumerate(net.layers):
        w_std, d_std = W0[l].std(), (layer.W - W0[l]).std()
        ratio = d_std / w_std if w_std > 0 else (np.inf if d_std > 0 else np.nan)
        # float64: the recorder's Σx²/n − mean² and W_1 − W_0 (= ΔW up to |W|·2⁻⁵³) differ from
        # numpy's two-pass std of the same numbers by far less than 1e-9 of it
        assert h["update_ratio"][0, l] == pytest.approx(ratio, rel=1e-9, nan_ok=True), l
        assert h["grad_W_norm"][0, l] == pytest.approx(np.linalg.norm(grads.grad_W[l]), rel=1e-12), l
    if make_net is mlp_with_constant_layers:
        assert h["update_ratio"][0, 0] == 0 and np.isnan(h["update_ratio"][0, 1])
        assert h["update_ratio"][0, 2] == np.inf
    if make_net is residual_net:
        assert np.isinf(h["update_ratio"][0, [2, 4]]).all()            # the branches' last layers


def test_one_buffer_is_read_in_rows_and_gives_what_separate_arrays_give():
    rng = np.random.default_rng(0)
    shapes = [(4, 16), (16, 8), (8, 3)]                 # sizes 64, 128, 24: rows of gcd = 8 values
    one = consecutive_arrays(shapes, np.float64)
    for a in one:
        a[...] = rng.standard_normal(a.shape) + 0.5
    separate = [a.copy() for a in one]
    fast, slow = _PerArray(), _PerArray()
    for part, arrays in ((fast, one), (slow, separate)):
        sums, squares = part(arrays)
        # float64 sums of at most 128 terms: rounding ~1e-14 of Σ|x|
        np.testing.assert_allclose(sums, [a.sum() for a in arrays], rtol=1e-12)
        np.testing.assert_allclose(squares, [np.sum(a * a) for a in arrays], rtol=1e-12)
    assert fast.rows is not None and slow.rows is None  # one buffer read as rows; the copies one by one
    assert fast(one, with_sums=False)[0] is None
    reordered = _PerArray()
    reordered(one[::-1])
    assert reordered.rows is None                       # views of one buffer, but not in order


@pytest.mark.parametrize("options", [dict(), dict(momentum=0.9), dict(optimizer="adam")])
def test_an_mlp_keeps_w_grads_and_updates_in_one_buffer_each(options):
    """What the recorder's fast path needs of an MLP: W, the dL/dW of its backward pass and the
    optimizer's update ΔW each consecutive views of one buffer (a deep copy's W are not: they are
    read one by one, to the same numbers)."""
    X, y = batch(32)
    net = MLP([4, 16, 8, 3], rng=0, dtype=np.float64)
    copy = net.copy()
    ratios = []
    for n in (net, copy):
        step, recorder = TrainingStep(n, lr=0.01, **options), Recorder(n, n_records=3)
        for _ in range(3):
            step(X, y, recorder)
        read_as_rows = [part.rows is not None for part in (recorder._grad_w, recorder._w, recorder._dw)]
        assert read_as_rows == [True, n is net, True], n
        ratios.append(recorder.results()["update_ratio"])
    np.testing.assert_allclose(ratios[0], ratios[1], rtol=1e-12)
