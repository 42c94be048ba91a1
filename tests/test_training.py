"""fit: it learns, it is reproducible, it records what History says, and it stops cleanly on divergence."""

import math
import warnings

import numpy as np
import pytest

import nninit
from nninit import data, mlp
from nninit.mlp import MLP
from nninit.recorder import BYTES_PER_RECORD_PER_LAYER, HIST_EDGES, N_BINS, abs_histogram
from nninit.training import fit

from errors import raises


def blobs(n=120, k=3, dim=4, seed=0):
    """k Gaussian clusters in ``dim`` dimensions: a small, easy, self-made classification set."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((k, dim)) * 2
    y = np.arange(n) % k
    return centres[y] + rng.standard_normal((n, dim)), y


# --------------------------------------------------------------------------- it learns


def test_he_relu_fits_three_spirals():
    X, y = data.spirals(n=300, classes=3, rng=0)
    net = MLP([2, 64, 64, 3], activation="relu", init="he_normal", rng=0)
    history = fit(net, X, y, epochs=150, batch_size=32, lr=0.01, optimizer="adam", rng=0)
    assert history.diverged_at is None
    assert history.train_accuracy[-1] >= 0.97
    assert np.mean(net.predict(X) == y) == pytest.approx(history.train_accuracy[-1])


def test_two_hidden_layers_reach_95_percent_on_digits():
    X, y = data.digits()
    X_train, X_test, y_train, y_test = data.train_test_split(X, y, test_fraction=0.25, rng=0)
    X_train, X_test = data.standardize(X_train, X_test)
    net = MLP([64, 64, 64, 10], activation="relu", init="he_normal", rng=0)
    history = fit(net, X_train, y_train, epochs=20, batch_size=32, lr=0.05, momentum=0.9,
                  X_val=X_test, y_val=y_test, rng=0)
    assert history.val_accuracy[-1] >= 0.95
    assert np.mean(net.predict(X_test) == y_test) == pytest.approx(history.val_accuracy[-1])


@pytest.mark.parametrize("optimizer, options", [("sgd", dict(momentum=0.9, nesterov=True)), ("adam", {})])
def test_nesterov_and_adam_lower_the_loss(optimizer, options):
    X, y = blobs()
    net = MLP([4, 16, 3], rng=0)
    history = fit(net, X, y, epochs=20, batch_size=20, lr=0.01, optimizer=optimizer, rng=0, **options)
    assert history.train_loss[-1] < 0.5 * history.train_loss[0]


def test_mse_regression_learns_and_has_no_accuracy():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((200, 3))
    t = np.sin(X[:, :1]) + 0.5 * X[:, 1:2]
    net = MLP([3, 32, 1], activation="tanh", init="xavier_normal", rng=0)
    history = fit(net, X, t, epochs=40, batch_size=20, lr=0.05, momentum=0.9, loss="mse", rng=0)
    assert history.train_loss[-1] < 0.1 * history.train_loss[0]
    assert np.all(np.isnan(history.accuracy)) and np.all(np.isnan(history.train_accuracy))


# --------------------------------------------------------------------------- the updates themselves


def test_sgd_momentum_and_nesterov_follow_their_formulas():
    X, y = blobs(n=12)
    for nesterov in (False, True):
        net = MLP([4, 5, 3], rng=0, dtype=np.float64)
        ref = net.copy()
        fit(net, X, y, epochs=2, batch_size=12, lr=0.1, momentum=0.9, nesterov=nesterov, rng=0)
        # two full-batch steps by hand: v ← μv − lr·g; W ← W + v (heavy ball) or W + μv − lr·g (Nesterov)
        params = [p for layer in ref.layers for p in (layer.W, layer.b)]
        v = [np.zeros_like(p) for p in params]
        for _ in range(2):
            _, g = ref.gradients(X, y)
            grads = [d for l in range(ref.n_layers) for d in (g.grad_W[l], g.grad_b[l])]
            for p, vi, gi in zip(params, v, grads):
                vi *= 0.9
                vi -= 0.1 * gi
                p += 0.9 * vi - 0.1 * gi if nesterov else vi
        for a, b in zip(net.layers, ref.layers):
            np.testing.assert_allclose(a.W, b.W, rtol=1e-10, atol=1e-12)
            np.testing.assert_allclose(a.b, b.b, rtol=1e-10, atol=1e-12)


def test_first_adam_step_moves_each_weight_by_lr():
    # After one step m̂ = g and v̂ = g², so ΔW = −lr·g/(|g| + ε) = −lr·sign(g) where |g| ≫ ε.
    X, y = blobs(n=30)
    net = MLP([4, 6, 3], rng=0, dtype=np.float64)
    before = net.layers[0].W.copy()
    _, g = net.gradients(X, y)
    fit(net, X, y, epochs=1, batch_size=30, lr=1e-3, optimizer="adam", rng=0)
    big = np.abs(g.grad_W[0]) > 1e-4
    np.testing.assert_allclose((net.layers[0].W - before)[big], -1e-3 * np.sign(g.grad_W[0][big]), rtol=1e-3)


# --------------------------------------------------------------------------- symmetry, reproducibility


def test_zero_init_leaves_every_hidden_unit_identical():
    X, y = blobs()
    net = MLP([4, 8, 8, 3], activation="tanh", init="zeros", rng=0)
    history = fit(net, X, y, epochs=10, batch_size=20, lr=0.1, momentum=0.9, rng=0)
    assert history.diverged_at is None
    for layer in net.layers[:-1]:
        assert not layer.W.any() and np.all(layer.b == layer.b[0])     # still exactly zero
    assert np.ptp(net.layers[-1].b) > 0                                # only the output biases learned


def test_constant_init_learns_but_hidden_units_stay_identical():
    X, y = blobs()
    net = MLP([4, 8, 8, 3], activation="tanh", init=nninit.get("constant", value=0.2), rng=0)
    start = net.layers[0].W.copy()
    fit(net, X, y, epochs=10, batch_size=20, lr=0.1, momentum=0.9, rng=0)
    assert np.abs(net.layers[0].W - start).max() > 1e-3               # the weights moved...
    for layer in net.layers[:-1]:                                      # ...but every unit the same way
        first_unit = layer.W[:, :1].repeat(layer.fan_out, axis=1)
        np.testing.assert_allclose(layer.W, first_unit, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(layer.b, layer.b[0], rtol=1e-5, atol=1e-6)


def test_seeded_runs_are_reproducible():
    X, y = blobs()
    runs = []
    for _ in range(2):
        net = MLP([4, 16, 3], rng=1)
        runs.append((fit(net, X, y, epochs=5, batch_size=16, lr=0.05, momentum=0.9, rng=2), net))
    (h1, n1), (h2, n2) = runs
    np.testing.assert_array_equal(h1.loss, h2.loss)
    np.testing.assert_array_equal(h1.act_hist, h2.act_hist)
    np.testing.assert_array_equal(n1.layers[0].W, n2.layers[0].W)
    h3 = fit(MLP([4, 16, 3], rng=1), X, y, epochs=5, batch_size=16, lr=0.05, momentum=0.9, rng=3)
    assert not np.array_equal(h1.loss, h3.loss)                        # another shuffling seed


# --------------------------------------------------------------------------- divergence


def test_divergence_stops_cleanly_and_silently(capfd):
    X, y = blobs()
    net = MLP([4, 64, 64, 64, 64, 3], init=nninit.get("normal", std=10.0), rng=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")                                 # any warning would raise
        history = fit(net, X, y, epochs=20, batch_size=20, lr=1.0, momentum=0.9, rng=0)
    out, err = capfd.readouterr()
    assert out == "" and err == ""
    assert isinstance(history.diverged_at, int) and 0 < history.diverged_at < 20 * 6
    assert "step" in history.reason and ("overflow" in history.reason or "NaN" in history.reason)
    assert len(history.loss) == history.diverged_at and np.all(np.isfinite(history.loss))
    assert history.record_steps.max() < history.diverged_at
    assert "diverged" in repr(history)


def test_a_run_that_stays_finite_has_no_divergence():
    X, y = blobs()
    history = fit(MLP([4, 8, 3], rng=0), X, y, epochs=2, batch_size=30, lr=0.1, rng=0)
    assert history.diverged_at is None and history.reason is None


# --------------------------------------------------------------------------- the history


def test_history_shapes_and_record_steps():
    X, y = blobs(n=100)
    net = MLP([4, 8, 8, 3], activation="tanh", rng=0)
    Xv, yv = blobs(n=30, seed=1)
    h = fit(net, X, y, epochs=3, batch_size=16, lr=0.05, X_val=Xv, y_val=yv, record_every=5, rng=0)
    n_steps = 3 * math.ceil(100 / 16)                                  # 7 steps per epoch, last batch of 4
    assert h.n_steps == n_steps and h.loss.shape == h.accuracy.shape == (n_steps,)
    np.testing.assert_array_equal(h.record_steps, np.arange(0, n_steps, 5))
    for name in ("act_mean", "act_std", "grad_act_mean", "grad_act_std", "saturated", "dead", "grad_W_norm",
                 "update_ratio"):
        assert getattr(h, name).shape == (h.n_records, 3), name
    assert h.act_hist.shape == h.grad_act_hist.shape == (h.n_records, 3, N_BINS)
    assert h.hist_edges.shape == (N_BINS + 1,)
    # 10^(i/4) rounded to 8 significant bits (nninit.recorder): within 2^-8 of the exact edges
    np.testing.assert_allclose(h.hist_edges, 10.0 ** (np.arange(-32, 17) / 4), rtol=2.0**-8)
    np.testing.assert_allclose(h.act_hist.sum(axis=2), 1.0, rtol=1e-12)
    np.testing.assert_allclose(h.grad_act_hist.sum(axis=2), 1.0, rtol=1e-12)
    for name in ("epoch_end_step", "train_loss", "train_accuracy", "val_loss", "val_accuracy"):
        assert getattr(h, name).shape == (3,), name
    np.testing.assert_array_equal(h.epoch_end_step, [7, 14, 21])
    assert np.all((h.val_accuracy >= 0) & (h.val_accuracy <= 1))
    assert h.layer_names == ["layer 1", "layer 2", "output"]
    assert np.all(np.isfinite(h.update_ratio)) and np.all(h.update_ratio > 0)
    assert np.all(np.isnan(h.dead)) and np.all(np.isnan(h.saturated[:, 2]))   # tanh: no dead units
    assert np.all((h.saturated[:, :2] >= 0) & (h.saturated[:, :2] <= 1))
    no_val = fit(MLP([4, 8, 3], rng=0), X, y, epochs=2, batch_size=50, lr=0.1, rng=0)
    assert no_val.val_loss.shape == no_val.val_accuracy.shape == (0,)


def test_memory_grows_with_recorded_steps_only():
    def run(n, batch, every):
        X, y = blobs(n=n)
        net = MLP([4, 8, 8, 3], rng=0)
        return fit(net, X, y, epochs=4, batch_size=batch, lr=0.01, record_every=every, rng=0)

    h = run(n=100, batch=10, every=10)                                 # 40 steps, 4 records
    per_record = 8 + 3 * BYTES_PER_RECORD_PER_LAYER
    fixed = HIST_EDGES.nbytes + 16 * h.n_steps + 24 * 4                # + loss/accuracy, epoch arrays
    assert h.n_records == 4 and h.nbytes == fixed + h.n_records * per_record
    big_data = run(n=10_000, batch=1_000, every=10)                    # 100x the data, same steps
    assert big_data.nbytes == h.nbytes
    every_step = run(n=100, batch=10, every=1)                         # 10x the records
    assert every_step.nbytes - h.nbytes == 36 * per_record


def test_recorded_statistics_match_the_probe_at_step_0():
    # With one full batch the step-0 record sees the same examples as the probe (in another order),
    # so every statistic agrees up to float64 rounding; all but the histograms, which count the
    # batch's first HIST_ROWS rows in the order fit drew (tests/test_recorder.py).
    X, y = blobs(n=64)
    net = MLP([4, 16, 16, 3], rng=0, dtype=np.float64)
    p = net.probe(X, y)
    w_std = [layer.W.std() for layer in net.layers]
    h = fit(net, X, y, epochs=1, batch_size=64, lr=0.1, rng=0)
    np.testing.assert_allclose(h.act_mean[0], p.mean("act"), rtol=1e-9)
    np.testing.assert_allclose(h.act_std[0], p.std("act"), rtol=1e-9)
    np.testing.assert_allclose(h.grad_act_mean[0], p.mean("grad_act"), rtol=1e-9, atol=1e-15)
    np.testing.assert_allclose(h.grad_act_std[0], p.std("grad_act"), rtol=1e-9)
    np.testing.assert_allclose(h.grad_W_norm[0], [np.linalg.norm(g) for g in p.grad_W], rtol=1e-9)
    # plain SGD: ΔW = −lr·dL/dW, so std(ΔW)/std(W) = lr·std(dL/dW)/std(W)
    ratios = [0.1 * g.std() / s for g, s in zip(p.grad_W, w_std)]
    np.testing.assert_allclose(h.update_ratio[0], ratios, rtol=1e-9)
    dead = [np.mean(np.all(s <= 0, axis=0)) for s in p.pre[:-1]]
    np.testing.assert_allclose(h.dead[0, :2], dead)
    assert np.isnan(h.dead[0, 2]) and np.all(np.isnan(h.saturated[0]))  # ReLU has no saturated tail


def test_dead_and_saturated_units_are_counted():
    X, y = blobs(n=50)
    net = MLP([4, 10, 3], rng=0, dtype=np.float64)
    net.layers[0].W[:, :3] = 0.0
    net.layers[0].b[:3] = -1.0                                         # 3 of 10 units: s = −1 always
    h = fit(net, X, y, epochs=1, batch_size=50, lr=0.01, rng=0)
    assert h.dead[0, 0] == pytest.approx(0.3)
    # s = 0 exactly is dead too (s <= 0), both where the recorder reads ReLU's column sums of a and
    # where it reads s (leaky ReLU): 2 units with s = −1, 2 with s = 0, of 10
    for activation in ("relu", "leaky_relu"):
        net = MLP([4, 10, 3], activation=activation, rng=0, dtype=np.float64)
        net.layers[0].W[:, :4] = 0.0
        net.layers[0].b[:4] = [-1.0, -1.0, 0.0, 0.0]
        h = fit(net, X, y, epochs=1, batch_size=50, lr=0.01, rng=0)
        assert h.dead[0, 0] == pytest.approx(0.4)
    tanh_net = MLP([4, 10, 3], activation="tanh", init=nninit.get("normal", std=100.0), rng=0)
    h = fit(tanh_net, X, y, epochs=1, batch_size=50, lr=1e-6, rng=0)
    assert h.saturated[0, 0] > 0.95                                    # |tanh| > 0.97 nearly everywhere


def test_abs_histogram_puts_values_in_log_bins():
    x = np.array([0.0, -1e-12, 1e-8, 3e-8, -1.0, 1.5, 7e3, -1e9], dtype=np.float32)
    counts = abs_histogram(x) * x.size
    assert counts.sum() == pytest.approx(8)
    assert counts[0] == 3                # 0, 1e-12 (below range) and 1e-8 (first edge)
    assert counts[1] == 1                # 3e-8 in [10^-7.75, 10^-7.5)
    assert counts[32] == 2               # 1 and 1.5 in [1, 10^0.25)
    assert counts[N_BINS - 1] == 2       # 7e3 in the last bin [10^3.75, 1e4), 1e9 above the range too
    rng = np.random.default_rng(0)
    y = rng.lognormal(0, 3, 10_000) * 1e-2                             # well inside [1e-8, 1e4)
    y = y[(y > 1.01e-8) & (y < 0.99e4)]
    np.testing.assert_allclose(abs_histogram(y), np.histogram(y, HIST_EDGES)[0] / y.size, atol=3e-4)


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize("kwargs, exc, words", [
    (dict(lr=0), ValueError, ["lr", "0"]),
    (dict(lr=-0.1), ValueError, ["lr", "-0.1"]),
    (dict(lr=float("nan")), ValueError, ["lr", "nan"]),
    (dict(batch_size=0), ValueError, ["batch_size", "0"]),
    (dict(batch_size=2.5), TypeError, ["batch_size", "2.5"]),
    (dict(epochs=0), ValueError, ["epochs", "0"]),
    (dict(epochs=-3), ValueError, ["epochs", "-3"]),
    (dict(optimizer="adma"), ValueError, ["optimizer", "'adma'", "Did you mean 'adam'"]),
    (dict(optimizer=None), TypeError, ["optimizer", "None"]),
    (dict(loss="crossentropy"), ValueError, ["loss", "'crossentropy'", "Did you mean 'cross_entropy'"]),
    (dict(momentum=1.0), ValueError, ["momentum", "1.0"]),
    (dict(momentum=-0.5), ValueError, ["momentum", "-0.5"]),
    (dict(nesterov=True), ValueError, ["nesterov", "momentum"]),
    (dict(optimizer="adam", momentum=0.9), ValueError, ["momentum", "adam"]),
    (dict(betas=(0.9, 1.0), optimizer="adam"), ValueError, ["betas", "1.0"]),
    (dict(record_every=0), ValueError, ["record_every", "0"]),
    (dict(rng="seed"), TypeError, ["rng", "'seed'"]),
    (dict(rng=-1), ValueError, ["rng", "-1"]),
    (dict(X_val=np.zeros((3, 4))), ValueError, ["X_val", "y_val"]),
    (dict(X_val=np.zeros((3, 4)), y_val=np.zeros(2, dtype=int)), ValueError, ["y_val", "3 rows"]),
    (dict(X_val=np.zeros((3, 5)), y_val=np.zeros(3, dtype=int)), ValueError, ["X_val", "(3, 5)"]),
])
def test_bad_arguments_to_fit(kwargs, exc, words):
    X, y = blobs(n=20)
    args = dict(epochs=1, batch_size=5, lr=0.1) | kwargs
    message = raises(exc, lambda: fit(MLP([4, 5, 3], rng=0), X, y, **args), words[0])
    for w in words[1:]:
        assert w in message


def test_bad_data_for_fit():
    X, y = blobs(n=20)
    net = MLP([4, 5, 3], rng=0)
    for bad_X, bad_y, exc, words in [
        (X, y[:15], ValueError, ["y", "20 rows", "(15,)"]),
        (X[:, :3], y, ValueError, ["X", "(20, 3)", "(n_examples, 4)"]),
        (np.where(np.arange(20)[:, None] == 3, np.nan, X), y, ValueError, ["X", "NaN"]),
        (X, y + 5, ValueError, ["y", "outside 0..2"]),
    ]:
        message = raises(exc, lambda: fit(net, bad_X, bad_y, epochs=1, batch_size=5, lr=0.1), words[0])
        for w in words[1:]:
            assert w in message
    raises(TypeError, lambda: fit("not a net", X, y, epochs=1, batch_size=5, lr=0.1), "net")


# --------------------------------------------------------------------------- the engine contract


class ContractOnly:
    """A network that offers fit and the probe exactly what docs/engine.md lists, and nothing
    more: an MLP behind it, reached only through those names."""

    def __init__(self, net):
        self._net = net
        self.sizes, self.dtype, self.activation = net.sizes, net.dtype, net.activation
        self.layers = net.layers
        self.layer_names = [f"block {i + 1}" for i in range(net.n_layers)]

    def check_input(self, X, arg="X"):
        return self._net.check_input(X, arg)

    def trace(self, X, *, out=None):
        return self._net.trace(X, out=out)

    def backward(self, trace, grad_out, *, out=None):
        return self._net.backward(trace, grad_out, out=out)

    def forward(self, X):
        return self._net.forward(X)


def test_a_network_that_keeps_the_engine_contract_is_trained_recorded_and_probed():
    X, y = blobs()
    reference, wrapped = MLP([4, 8, 8, 3], rng=0), ContractOnly(MLP([4, 8, 8, 3], rng=0))
    h_ref = fit(reference, X, y, epochs=3, batch_size=20, lr=0.1, momentum=0.9, record_every=2, rng=0)
    h = fit(wrapped, X, y, epochs=3, batch_size=20, lr=0.1, momentum=0.9, record_every=2, rng=0)
    np.testing.assert_array_equal(h.loss, h_ref.loss)                  # the same steps, the same numbers
    np.testing.assert_array_equal(h.act_hist, h_ref.act_hist)
    np.testing.assert_array_equal(h.update_ratio, h_ref.update_ratio)
    assert h.layer_names == ["block 1", "block 2", "block 3"]          # the network names its layers
    p = mlp.probe(wrapped, X[:10], y[:10])
    assert p.layer_names == h.layer_names and p.std("grad_act", relative=True)[-1] == pytest.approx(1.0)


def test_fit_names_what_a_network_lacks():
    X, y = blobs(n=20)
    net = ContractOnly(MLP([4, 5, 3], rng=0))
    del net.layer_names
    message = raises(TypeError, lambda: fit(net, X, y, epochs=1, batch_size=5, lr=0.1), "net")
    assert "lacks layer_names" in message and "docs/engine.md" in message
