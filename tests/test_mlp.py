"""The MLP: gradients against finite differences, shapes and dtypes, initialisation, the probe, errors."""

import numpy as np
import pytest

import nninit
from nninit import mlp
from nninit.mlp import MLP, cross_entropy, mse
from nninit.training import fit
from stats import variance_z

from errors import raises

ACTIVATIONS = ["identity", "sigmoid", "tanh", "relu", "leaky_relu", "elu", "selu", "gelu", "softplus"]


# --------------------------------------------------------------------------- finite differences


def central_difference(f, x, eps=1e-6):
    """∂f/∂x for every entry of the float64 array x (changed in place and restored),
    (f(x+ε) − f(x−ε)) / 2ε."""
    grad = np.zeros_like(x)
    flat, gflat = x.reshape(-1), grad.reshape(-1)
    for i in range(flat.size):
        keep = flat[i]
        flat[i] = keep + eps
        up = f()
        flat[i] = keep - eps
        down = f()
        flat[i] = keep
        gflat[i] = (up - down) / (2 * eps)
    return grad


def relative_error(a, b):
    """‖a − b‖ / (‖a‖ + ‖b‖): 0 for equal arrays, scale-free."""
    return np.linalg.norm(a - b) / max(np.linalg.norm(a) + np.linalg.norm(b), 1e-300)


def test_cross_entropy_gradient_matches_finite_differences():
    rng = np.random.default_rng(0)
    z = rng.standard_normal((6, 4)) * 3
    y = rng.integers(0, 4, 6)
    loss, grad = cross_entropy(z.copy(), y)
    numeric = central_difference(lambda: cross_entropy(z, y)[0], z)
    assert relative_error(grad, numeric) < 1e-6
    # the value itself: −mean log softmax(z)[y], computed the naive way on these moderate logits
    p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    assert loss == pytest.approx(-np.mean(np.log(p[np.arange(6), y])), rel=1e-12)


def test_mse_gradient_matches_finite_differences():
    rng = np.random.default_rng(1)
    out, target = rng.standard_normal((5, 3)), rng.standard_normal((5, 3))
    loss, grad = mse(out.copy(), target)
    numeric = central_difference(lambda: mse(out.copy(), target)[0], out)
    assert relative_error(grad, numeric) < 1e-6
    assert loss == pytest.approx(np.mean((out - target) ** 2), rel=1e-12)


def test_cross_entropy_is_stable_for_huge_logits():
    z = np.array([[1e4, 0.0, -1e4], [-1e4, -1e4, 1e4]], dtype=np.float32)
    loss, grad = cross_entropy(z, np.array([1, 2]))
    # row 0: log Σ exp = 1e4 exactly in float32, label 1 has logit 0 -> loss 1e4; row 1: loss 0
    assert loss == pytest.approx(5000.0)
    assert np.all(np.isfinite(grad)) and grad.dtype == np.float32
    np.testing.assert_allclose(grad, [[0.5, -0.5, 0.0], [0.0, 0.0, 0.0]], atol=1e-7)


@pytest.mark.parametrize("loss", ["cross_entropy", "mse"])
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_mlp_gradients_match_finite_differences(activation, loss):
    rng = np.random.default_rng(2)
    net = MLP([3, 5, 4, 3], activation=activation, init="xavier_normal",
              bias_init=nninit.get("normal", std=0.3),
              rng=3, dtype=np.float64)
    X = rng.standard_normal((6, 3))
    y = rng.integers(0, 3, 6) if loss == "cross_entropy" else rng.standard_normal((6, 3))
    value, grads = net.gradients(X, y, loss=loss)
    assert value == pytest.approx(net.loss(X, y, loss=loss), rel=1e-12)
    f = lambda: net.loss(X, y, loss=loss)  # noqa: E731
    for l, layer in enumerate(net.layers):
        assert relative_error(grads.grad_W[l], central_difference(f, layer.W)) < 1e-6, f"dL/dW, layer {l + 1}"
        assert relative_error(grads.grad_b[l], central_difference(f, layer.b)) < 1e-6, f"dL/db, layer {l + 1}"
    assert relative_error(grads.grad_X, central_difference(f, X)) < 1e-6, "dL/dX"


# --------------------------------------------------------------------------- shapes, dtypes, structure


def test_shapes_follow_the_conventions():
    net = MLP([2, 16, 8, 3], rng=0)
    assert net.sizes == [2, 16, 8, 3] and net.n_layers == 3
    assert [layer.W.shape for layer in net.layers] == [(2, 16), (16, 8), (8, 3)]  # (fan_in, fan_out)
    assert [layer.b.shape for layer in net.layers] == [(16,), (8,), (3,)]
    assert net.n_params == 2 * 16 + 16 + 16 * 8 + 8 + 8 * 3 + 3
    X = np.random.default_rng(0).standard_normal((7, 2))
    assert net.forward(X).shape == (7, 3) and net.predict(X).shape == (7,)
    np.testing.assert_array_equal(net.predict(X), net.forward(X).argmax(axis=1))
    assert "relu" in repr(net) and "[2, 16, 8, 3]" in repr(net)


def test_the_output_layer_is_linear():
    net = MLP([2, 8, 3], activation="tanh", rng=0, dtype=np.float64)
    X = np.random.default_rng(1).standard_normal((5, 2)) * 50   # tanh would squash logits to ±1
    h = np.tanh(X @ net.layers[0].W + net.layers[0].b)
    np.testing.assert_allclose(net.forward(X), h @ net.layers[1].W + net.layers[1].b, rtol=1e-12)


def test_float32_is_kept_through_forward_backward_and_update():
    net = MLP([4, 8, 3], rng=0)
    assert net.dtype == np.float32
    assert all(a.dtype == np.float32 for layer in net.layers for a in (layer.W, layer.b))
    X = np.random.default_rng(0).standard_normal((10, 4))             # float64 input
    y = np.arange(10) % 3
    assert net.forward(X).dtype == np.float32
    _, grads = net.gradients(X, y)
    every_gradient = (*grads.grad_W, *grads.grad_b, *grads.grad_pre, *grads.grad_act, grads.grad_X)
    assert all(g.dtype == np.float32 for g in every_gradient)
    p = net.probe(X, y)
    assert all(a.dtype == np.float32 for kind in mlp.PROBE_KINDS for a in getattr(p, kind))
    for optimizer in ("sgd", "adam"):
        fit(net, X, y, epochs=2, batch_size=4, lr=0.01, optimizer=optimizer, rng=0)
        assert all(a.dtype == np.float32 for layer in net.layers for a in (layer.W, layer.b))


def test_float64_on_request():
    net = MLP([4, 8, 3], rng=0, dtype=np.float64)
    X = np.random.default_rng(0).standard_normal((10, 4)).astype(np.float32)
    assert net.layers[0].W.dtype == np.float64 and net.forward(X).dtype == np.float64
    assert MLP([4, 3], rng=0, dtype="float64").dtype == np.float64


def test_same_seed_same_weights_and_a_generator_advances():
    a, b = MLP([3, 6, 2], rng=5), MLP([3, 6, 2], rng=5)
    for la, lb in zip(a.layers, b.layers):
        np.testing.assert_array_equal(la.W, lb.W)
    gen = np.random.default_rng(5)
    c, d = MLP([3, 6, 2], rng=gen), MLP([3, 6, 2], rng=gen)
    assert not np.array_equal(c.layers[0].W, d.layers[0].W)


def test_init_per_layer_names_functions_and_numbers():
    normal_half = nninit.get("normal", std=0.5)
    net = MLP([64, 128, 128, 10], init=["zeros", "he_normal", normal_half], bias_init=0.25, rng=0)
    assert not net.layers[0].W.any()
    # He normal: Var = 2/fan_in; a normal sample variance has SE σ²√(2/N), and variance_z divides by
    # the SE estimated from the sample's fourth moment; |z| < 5 fails by chance with p ~ 6e-7.
    assert abs(variance_z(net.layers[1].W, 2 / 128)) < 5
    assert abs(variance_z(net.layers[2].W, 0.25)) < 5
    assert all(np.all(layer.b == 0.25) for layer in net.layers)
    assert MLP([3, 4, 2], bias_init="ones", rng=0).layers[1].b.tolist() == [1.0, 1.0]


def test_init_function_gets_shape_rng_and_dtype():
    calls = []

    def spy(shape, *, rng=None, dtype=None):
        calls.append((shape, type(rng), np.dtype(dtype)))
        return np.full(shape, 0.5)

    net = MLP([3, 4, 2], init=spy, rng=1)
    assert calls == [((3, 4), np.random.Generator, np.float32), ((4, 2), np.random.Generator, np.float32)]
    assert net.layers[0].W.dtype == np.float32 and np.all(net.layers[0].W == 0.5)


def test_copy_is_independent():
    net = MLP([3, 4, 2], rng=0)
    twin = net.copy()
    twin.layers[0].W += 1
    assert not np.array_equal(net.layers[0].W, twin.layers[0].W)
    assert twin.activation.name == net.activation.name


def test_trace_and_backward_reuse_buffers_without_changing_results():
    net = MLP([5, 7, 7, 3], activation="tanh", rng=0)
    rng = np.random.default_rng(0)
    X1, X2 = rng.standard_normal((6, 5)), rng.standard_normal((6, 5))
    g1, g2 = rng.standard_normal((6, 3)).astype(np.float32), rng.standard_normal((6, 3)).astype(np.float32)
    t1 = net.trace(X1)
    b1 = net.backward(t1, g1)
    fresh_t, fresh_b = net.trace(X2), net.backward(net.trace(X2), g2)
    t2 = net.trace(X2, out=t1)
    b2 = net.backward(t2, g2, out=b1)
    assert t2.pre[1] is t1.pre[1] and b2.grad_W[0] is b1.grad_W[0]                   # the same arrays, reused
    for name in ("pre", "act"):
        for u, v in zip(getattr(t2, name), getattr(fresh_t, name)):
            np.testing.assert_array_equal(u, v)
    for name in ("grad_W", "grad_b", "grad_pre", "grad_act"):
        for u, v in zip(getattr(b2, name), getattr(fresh_b, name)):
            np.testing.assert_array_equal(u, v)
    t3 = net.trace(X2[:4], out=t2)                                          # another batch size: fresh
    assert t3.pre[0] is not t2.pre[0] and t3.pre[0].shape == (4, 7)


# --------------------------------------------------------------------------- the probe


def test_probe_holds_every_layer_as_the_contract_says():
    net = MLP([4, 6, 5, 3], activation="tanh", rng=0, dtype=np.float64)
    X = np.random.default_rng(0).standard_normal((9, 4))
    y = np.arange(9) % 3
    p = net.probe(X, y)
    for name in ("pre", "act", "grad_pre", "grad_act", "grad_W", "grad_b"):
        assert len(getattr(p, name)) == 3
    assert [a.shape for a in p.pre] == [(9, 6), (9, 5), (9, 3)]
    assert [g.shape for g in p.grad_W] == [(4, 6), (6, 5), (5, 3)]
    assert p.layer_names == ["layer 1", "layer 2", "output"]
    assert p.sizes == [4, 6, 5, 3] and p.activation == "tanh"
    assert repr(p).startswith("Probe(3 layers") and "array" not in repr(p)   # short in a notebook
    np.testing.assert_allclose(p.act[0], np.tanh(X @ net.layers[0].W + net.layers[0].b), rtol=1e-12)
    np.testing.assert_allclose(p.act[-1], net.forward(X), rtol=1e-12)                # logits
    np.testing.assert_allclose(p.pre[1], p.act[0] @ net.layers[1].W + net.layers[1].b, rtol=1e-12)
    np.testing.assert_allclose(p.grad_pre[0], p.grad_act[0] * (1 - np.tanh(p.pre[0]) ** 2), rtol=1e-12)
    np.testing.assert_allclose(p.grad_act[0], p.grad_pre[1] @ net.layers[1].W.T, rtol=1e-12)
    np.testing.assert_allclose(p.grad_W[1], p.act[0].T @ p.grad_pre[1], rtol=1e-12)
    np.testing.assert_allclose(p.grad_b[2], p.grad_pre[2].sum(axis=0), rtol=1e-12)
    assert isinstance(p.loss, float) and p.loss == pytest.approx(net.loss(X, y), rel=1e-12)
    np.testing.assert_allclose(p.std("act"), [a.std() for a in p.act], rtol=1e-12)
    np.testing.assert_allclose(p.mean("grad_pre"), [g.mean() for g in p.grad_pre], rtol=1e-12)


def test_probe_without_labels_starts_from_a_seeded_random_gradient():
    net = MLP([4, 6, 3], rng=0, dtype=np.float64)
    X = np.random.default_rng(0).standard_normal((8, 4))
    p = net.probe(X, rng=7)
    expected = np.random.default_rng(7).standard_normal((8, 3)) / 8
    np.testing.assert_allclose(p.grad_pre[-1], expected, rtol=1e-12)
    assert np.isnan(p.loss)
    np.testing.assert_array_equal(net.probe(X, rng=7).grad_W[0], p.grad_W[0])


def test_probe_of_an_exploding_network_gives_inf_not_warnings():
    # each ReLU layer multiplies the std by ~30·√64·√½ ≈ 170: float32 (max 3.4e38) overflows by layer 18
    net = MLP([64] * 24 + [3], init=nninit.get("normal", std=30.0), rng=0)
    p = net.probe(np.random.default_rng(0).standard_normal((16, 64)))
    assert not np.all(np.isfinite(p.pre[-1]))


# --------------------------------------------------------------------------- targets


def test_mse_targets_labels_become_one_hot_and_column_vectors_are_accepted():
    np.testing.assert_array_equal(mlp.targets("mse", np.array([2, 0]), 2, 3), [[0, 0, 1], [1, 0, 0]])
    assert mlp.targets("mse", np.array([0.5, 1.5]), 2, 1).shape == (2, 1)
    assert mlp.targets("cross_entropy", np.array([1.0, 2.0]), 2, 3).dtype == np.int64


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize("sizes, exc, words", [
    ([3], ValueError, ["sizes", "[3]"]),
    ([3, 0, 2], ValueError, ["sizes[1]", "0"]),
    ([3, -4], ValueError, ["sizes[1]", "-4"]),
    ([3, 2.5], TypeError, ["sizes[1]", "2.5"]),
    ("abc", TypeError, ["sizes", "'abc'"]),
    (7, TypeError, ["sizes", "7"]),
])
def test_bad_sizes(sizes, exc, words):
    arg, given = words
    raises(exc, lambda: MLP(sizes), arg, given=given)


def test_bad_activation_init_dtype_rng():
    message = raises(ValueError, lambda: MLP([2, 3], activation="rleu"), "activation", given="'rleu'")
    assert "Did you mean 'relu'" in message
    message = raises(ValueError, lambda: MLP([2, 3], init="he_nromal"), "init", given="'he_nromal'")
    assert "Did you mean 'he_normal'" in message
    message = raises(ValueError, lambda: MLP([2, 3], bias_init="zero"), "bias_init", given="'zero'")
    assert "Did you mean 'zeros'" in message
    message = raises(ValueError, lambda: MLP([2, 3, 4], init=["zeros", "zeros", "zeros"]),
                     "init", given="2 for this network")
    assert "got 3" in message
    raises(TypeError, lambda: MLP([2, 3], init=5), "init", given="5")
    raises(ValueError, lambda: MLP([2, 3, 4], init=["zeros", "xavier"]), "init[1]", given="xavier")
    raises(ValueError, lambda: MLP([2, 3], init=lambda shape, rng=None, dtype=None: np.zeros(3)),
           "init", given="returned shape (3,)")
    raises(TypeError, lambda: MLP([2, 3], dtype=np.int32), "dtype", given="int32")
    raises(TypeError, lambda: MLP([2, 3], dtype=np.float16), "dtype", given="float16")
    raises(TypeError, lambda: MLP([2, 3], rng="seed"), "rng", given="'seed'")


def test_bad_inputs_to_forward_probe_and_losses():
    net = MLP([3, 4, 2], rng=0)
    X = np.zeros((5, 3))
    message = raises(ValueError, lambda: net.forward(np.zeros((5, 4))), "X", given="(5, 4)")
    assert "(n_examples, 3)" in message
    raises(ValueError, lambda: net.probe(np.zeros(3)), "X", given="(3,)")
    raises(TypeError, lambda: net.forward([["a", "b", "c"]]), "X")
    message = raises(ValueError, lambda: net.probe(X, np.zeros(4, dtype=int)), "y", given="5 rows")
    assert "(4,)" in message
    message = raises(ValueError, lambda: net.probe(X, np.array([0, 1, 2, 0, 1])), "y", given="outside 0..1")
    assert "got 2" in message
    raises(ValueError, lambda: net.probe(X, np.full(5, 0.5)), "y", given="integer class labels")
    message = raises(ValueError, lambda: net.probe(X, np.zeros((5, 3)), loss="mse"), "y", given="(5, 2)")
    assert "(5, 3)" in message
    message = raises(ValueError, lambda: net.probe(X, np.zeros(5, dtype=int), loss="mae"),
                     "loss", given="'mae'")
    assert "Did you mean 'mse'" in message
    raises(ValueError, lambda: net.loss(X, np.zeros(5, dtype=int), loss="hinge"), "loss", given="'hinge'")
    raises(TypeError, lambda: net.probe(X, rng=1.5), "rng")
    raises(ValueError, lambda: net.probe(X).std("grad"), "kind", given="'grad'")
