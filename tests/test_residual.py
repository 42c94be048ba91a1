"""The residual MLP and the norm layers: gradients against finite differences, layout, BatchNorm's running
statistics, what each option does at initialisation, errors."""

import numpy as np
import pytest

import nninit
from nninit import norm
from nninit.residual import ResidualMLP
from nninit.training import fit
from errors import raises
from test_mlp import central_difference, relative_error


def matches(analytic, numeric):
    """Relative error < 1e-6, or both ≈ 0: some gradients vanish exactly by an invariance (BatchNorm
    removes a per-feature constant, so the input layer's bias has dL/db = 0; rounding leaves ~1e-17)."""
    both_zero = max(np.abs(analytic).max(), np.abs(numeric).max()) < 1e-9
    return both_zero or relative_error(analytic, numeric) < 1e-6


def train_loss(net, X, y, loss="cross_entropy"):
    """The training-mode loss (BatchNorm with the batch's statistics), running statistics untouched."""
    return net.probe(X, y, loss=loss).loss


# --------------------------------------------------------------------------- finite differences


@pytest.mark.parametrize("kind", ["layer", "batch"])
def test_norm_layer_gradients_match_finite_differences(kind):
    rng = np.random.default_rng(0)
    layer = norm.make(kind, 5, dtype=np.float64)
    layer.gain[:] = rng.uniform(0.5, 1.5, 5)
    layer.bias[:] = rng.standard_normal(5)
    x = rng.standard_normal((7, 5)) * 3 + 1
    w = rng.standard_normal((7, 5))                       # L = Σ w ⊙ y: dL/dy = w

    def f():
        return float(np.sum(w * layer.forward(x)[0]))

    _, cache = layer.forward(x)
    dx, dgain, dbias = layer.backward(w, cache)
    assert matches(dx, central_difference(f, x))
    assert matches(dgain, central_difference(f, layer.gain))
    assert matches(dbias, central_difference(f, layer.bias))


CASES = [  # (norm, branch_depth, activation, learn_alpha)
    (None, 2, "relu", False), (None, 1, "tanh", True), (None, 3, "gelu", True),
    ("layer", 2, "relu", True), ("layer", 1, "tanh", False), ("layer", 3, "elu", True),
    ("batch", 2, "relu", True), ("batch", 1, "sigmoid", False), ("batch", 3, "tanh", True),
]


@pytest.mark.parametrize("loss", ["cross_entropy", "mse"])
@pytest.mark.parametrize("norm_kind, depth, activation, learn_alpha", CASES)
def test_residual_gradients_match_finite_differences(norm_kind, depth, activation, learn_alpha, loss):
    rng = np.random.default_rng(1)
    net = ResidualMLP(3, 4, 3, n_blocks=2, branch_depth=depth, activation=activation, alpha=0.7,
                      learn_alpha=learn_alpha, norm=norm_kind, init="xavier_normal",
                      bias_init=nninit.get("normal", std=0.3), rng=2, dtype=np.float64)
    for layer in net.layers:                              # move gains/biases/α off their initial values
        for name, p in layer.params.items():
            if name not in ("W", "b"):
                p += rng.normal(0, 0.3, p.shape)
    X = rng.standard_normal((6, 3))
    y = rng.integers(0, 3, 6) if loss == "cross_entropy" else rng.standard_normal((6, 3))
    value, grads = net.gradients(X, y, loss=loss)
    assert value == pytest.approx(train_loss(net, X, y, loss), rel=1e-12)
    f = lambda: train_loss(net, X, y, loss)  # noqa: E731
    names = set()
    for i, layer in enumerate(net.layers):
        assert list(grads.params(i)) == list(layer.params)            # the order fit zips them in
        for name, p in layer.params.items():
            names.add(name)
            numeric = central_difference(f, p)
            assert matches(grads.params(i)[name], numeric), f"dL/d{name} at {net.layer_names[i]}"
    expected = {"W", "b"} | ({"gain", "bias"} if norm_kind else set()) | ({"alpha"} if learn_alpha else set())
    assert names == expected
    assert matches(grads.grad_X, central_difference(f, X)), "dL/dX"


def test_stream_gradients_are_the_derivative_of_the_loss_with_respect_to_the_stream():
    """grad_act at a stream site is dL/dx_b, skip path included: perturb x_b by adding to b_{b,k}/α."""
    rng = np.random.default_rng(3)
    net = ResidualMLP(3, 4, 3, n_blocks=3, alpha=0.5, rng=4, dtype=np.float64)
    X, y = rng.standard_normal((5, 3)), rng.integers(0, 3, 5)
    p = net.probe(X, y)
    for b, i in enumerate(net.stream_sites[1:], start=1):
        # b_{b,k} enters x_b as α·b: dL/db_{b,k} = α Σ_n dL/dx_b
        np.testing.assert_allclose(p.grad_b[i], 0.5 * p.grad_act[i].sum(axis=0), rtol=1e-12)
        np.testing.assert_allclose(p.grad_pre[i], 0.5 * p.grad_act[i], rtol=1e-12)


# --------------------------------------------------------------------------- layout and options


def test_layout_names_and_sizes():
    net = ResidualMLP(2, 16, 3, n_blocks=4, branch_depth=2, rng=0)
    assert net.n_layers == 1 + 4 * 2 + 1 == len(net.layer_names)
    assert net.sizes == [2] + [16] * 9 + [3]
    assert all(l.W.shape == (fi, fo) for l, fi, fo in zip(net.layers, net.sizes[:-1], net.sizes[1:]))
    assert net.layer_names[:4] == ["stream 0", "block 1.1", "stream 1", "block 2.1"]
    assert net.layer_names[-1] == "output" and net.stream_sites == [0, 2, 4, 6, 8]
    assert all(net.layers[i].W.dtype == np.float32 for i in range(net.n_layers))
    X = np.random.default_rng(0).standard_normal((10, 2))
    p = net.probe(X)
    assert p.layer_names == net.layer_names and p.stream_sites == net.stream_sites
    assert [a.shape for a in p.act] == [(10, 16)] * 9 + [(10, 3)]
    # a stream site's act is the previous stream plus α times its pre
    np.testing.assert_allclose(p.act[4], p.act[2] + p.pre[4], rtol=1e-6)


def test_zero_last_and_zero_alpha_make_every_block_the_identity():
    X = np.random.default_rng(0).standard_normal((20, 5))
    for kw in (dict(zero_last=True), dict(alpha=0.0, learn_alpha=True)):
        net = ResidualMLP(5, 8, 3, n_blocks=6, rng=1, dtype=np.float64, **kw)
        p = net.probe(X)
        for i in net.stream_sites:
            np.testing.assert_array_equal(p.act[i], p.act[0])
    net = ResidualMLP(5, 8, 3, n_blocks=6, zero_last=True, rng=1)
    assert all(np.all(net.layers[i].W == 0) for i in net.stream_sites[1:])
    assert not np.any(net.layers[0].W == 0)


def test_output_init_zeros_gives_the_loss_ln_c_exactly():
    X = np.random.default_rng(0).standard_normal((50, 4))
    y = np.arange(50) % 7
    net = ResidualMLP(4, 8, 7, n_blocks=3, output_init="zeros", rng=0, dtype=np.float64)
    assert net.probe(X, y).loss == pytest.approx(np.log(7), rel=1e-14)


def test_batchnorm_running_statistics_follow_pytorchs_rule_and_are_used_at_evaluation():
    rng = np.random.default_rng(0)
    bn = norm.BatchNorm(3, dtype=np.float64)
    x = rng.standard_normal((8, 3)) * 2 + 5
    bn.forward(x, update=True)
    np.testing.assert_allclose(bn.running_mean, 0.1 * x.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(bn.running_var, 0.9 + 0.1 * x.var(axis=0, ddof=1), rtol=1e-12)
    y_eval, _ = bn.forward(x, training=False)
    np.testing.assert_allclose(y_eval, (x - bn.running_mean) / np.sqrt(bn.running_var + 1e-5), rtol=1e-12)
    y_train, _ = bn.forward(x)
    np.testing.assert_allclose(y_train.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(y_train.var(axis=0), 1 / (1 + 1e-5 / x.var(axis=0)), rtol=1e-10)


def test_probe_and_gradients_leave_running_statistics_alone_trace_moves_them():
    X = np.random.default_rng(0).standard_normal((16, 3)) + 2
    net = ResidualMLP(3, 6, 2, n_blocks=2, norm="batch", rng=0, dtype=np.float64)
    net.probe(X)
    net.gradients(X, np.zeros(16, dtype=int))
    assert np.all(net.layers[-1].norm.running_mean == 0)
    net.trace(X)
    assert np.all(net.layers[-1].norm.running_mean != 0)


def test_layernorm_output_does_not_depend_on_the_scale_of_the_weights_before_it():
    X = np.random.default_rng(0).standard_normal((16, 3))
    nets = [ResidualMLP(3, 6, 2, n_blocks=3, norm="layer", init=nninit.get("normal", std=s), rng=0,
                        output_init="xavier_normal", dtype=np.float64) for s in (1.0, 10.0)]
    for net in nets:          # the same draws, scaled: the output layer's W compensates
        net.layers[-1].W[:] = nets[0].layers[-1].W
    out = [net.probe(X).act[-1] for net in nets]
    # equal up to ε = 1e-5 in √(σ² + ε): σ² ≈ 3 and 300 here, so relative differences ~ 1e-5/3
    np.testing.assert_allclose(out[0], out[1], rtol=1e-4, atol=1e-8)


def test_bad_arguments_name_themselves():
    raises(ValueError, lambda: ResidualMLP(2, 4, 3, n_blocks=0), "n_blocks", given="0")
    raises(ValueError, lambda: ResidualMLP(2, 4, 3, n_blocks=2, norm="layers"), "norm", given="'layers'")
    raises(ValueError, lambda: ResidualMLP(2, 4, 3, n_blocks=2, alpha=-1.0), "alpha", given="-1.0")
    raises(TypeError, lambda: ResidualMLP(2, 4, 3, n_blocks=2, learn_alpha="yes"), "learn_alpha",
           given="'yes'")
    raises(ValueError, lambda: ResidualMLP(2, 4, 3, n_blocks=2, zero_last=True, learn_alpha=True, alpha=0.0),
           "zero_last", "learn_alpha")
    raises(ValueError, lambda: ResidualMLP(2, 4, 3, n_blocks=2).probe(np.zeros((3, 5))), "X",
           given="(3, 5)")
    raises(ValueError, lambda: ResidualMLP(2, 4, 3, n_blocks=2, norm="batch").probe(np.zeros((1, 2))),
           "BatchNorm", given="got 1")
    raises(ValueError, lambda: norm.BatchNorm(3, momentum=2.0), "momentum", given="2.0")


# --------------------------------------------------------------------------- fit and the recorder


def test_fit_trains_every_parameter_and_records_every_site():
    X, y = nninit.data.spirals(n=120, rng=0)
    net = ResidualMLP(2, 16, 3, n_blocks=3, alpha=0.0, learn_alpha=True, norm="batch", rng=0)
    before = [{k: v.copy() for k, v in layer.params.items()} for layer in net.layers]
    h = fit(net, X, y, epochs=2, batch_size=32, lr=0.05, momentum=0.9, X_val=X, y_val=y,
            record_every=2, rng=0)
    assert h.diverged_at is None and h.layer_names == net.layer_names
    assert h.act_std.shape == (h.n_records, net.n_layers)
    for layer, old in zip(net.layers, before):           # W, b, the norms' gain and bias, α all moved
        for name, value in layer.params.items():
            assert not np.array_equal(value, old[name]), name
    assert np.all(net.alpha != 0)
    assert np.all(net.layers[-1].norm.running_mean != 0)   # fit's passes update BatchNorm's statistics
    assert np.all(np.isnan(h.dead[:, :-1]))               # behind a norm φ reads N(s): no dead share
    plain = ResidualMLP(2, 16, 3, n_blocks=3, rng=0)
    h = fit(plain, X, y, epochs=1, batch_size=32, lr=0.01, record_every=2, rng=0)
    assert plain.phi_layers == [1, 3, 5]                  # the inner branch sites
    stream = plain.stream_sites
    assert np.all(np.isnan(h.dead[:, stream])) and not np.any(np.isnan(h.dead[:, [1, 3, 5]]))
    assert np.all(np.isfinite(h.update_ratio[:-1, :]))


def test_fit_of_an_mlp_records_the_w_update():
    """update_ratio reads the W update of each layer (W and b are the MLP layer's params)."""
    X, y = nninit.data.spirals(n=60, rng=0)
    net = nninit.MLP([2, 8, 3], rng=0)
    W0 = net.layers[0].W.copy()
    h = fit(net, X, y, epochs=1, batch_size=60, lr=0.1, record_every=1, rng=0)
    dW = net.layers[0].W - W0
    assert h.update_ratio[0, 0] == pytest.approx(dW.std() / W0.std(), rel=1e-5)




def test_predict_refuses_rows_whose_logits_overflowed():
    # float32 weights of 1e30 overflow the stream to inf within two blocks: such rows have no largest
    # logit, and argmax would silently call them class 0
    net = ResidualMLP(2, 8, 3, n_blocks=2, alpha=1.0, rng=0)
    for layer in net.layers:
        layer.W[...] = 1e30
    raises(ValueError, lambda: net.predict(np.ones((4, 2), dtype=np.float32)), "X", given="not finite")
