"""LSUV (Mishkin & Matas 2015): orthonormal start, then unit pre-activation variance layer by layer."""

import re

import numpy as np
import pytest

import nninit
from nninit.lsuv import lsuv
from nninit.mlp import MLP

from errors import raises


def batch(n=256, dim=32, seed=0):
    return np.random.default_rng(seed).standard_normal((n, dim))


@pytest.mark.parametrize("activation", ["relu", "tanh", "selu"])
def test_every_layer_ends_with_unit_variance_within_tol(activation):
    X = batch()
    net = MLP([32, 64, 64, 64, 10], activation=activation, init=nninit.get("normal", std=1.0), rng=0)
    iterations = lsuv(net, X, tol=0.05, rng=0)
    assert len(iterations) == net.n_layers and all(isinstance(i, int) and 0 <= i <= 10 for i in iterations)
    var = [np.var(s, dtype=np.float64) for s in net.probe(X).pre]
    assert np.all(np.abs(np.array(var) - 1) < 0.05), var


def test_zero_biases_need_one_rescaling_per_layer_at_most():
    # With b = 0, Var(s) is exactly proportional to std(W)²: one division by √Var lands on 1.
    X = batch()
    net = MLP([32, 64, 64, 10], activation="relu", rng=0, dtype=np.float64)
    assert all(i <= 1 for i in lsuv(net, X, tol=1e-6, rng=0))


def test_biases_are_kept_and_can_need_several_iterations():
    # Var(s) = c²·Var(aW) + Var(b) when W is scaled by c: the rescaling converges geometrically as
    # long as the biases alone have variance < 1 (here ≈ 0.09); with Var(b) >= 1 it cannot.
    X = batch()
    net = MLP([32, 64, 64, 10], activation="tanh", bias_init=nninit.get("normal", std=0.3), rng=0,
              dtype=np.float64)
    biases = [layer.b.copy() for layer in net.layers]
    iterations = lsuv(net, X, tol=1e-3, max_iter=20, rng=0)
    assert max(iterations) > 1
    for layer, b in zip(net.layers, biases):
        np.testing.assert_array_equal(layer.b, b)
    var = [np.var(s) for s in net.probe(X).pre]
    assert np.all(np.abs(np.array(var) - 1) < 1e-3)
    capped = MLP([32, 64, 64, 10], activation="tanh", bias_init=nninit.get("normal", std=0.3), rng=0)
    assert max(lsuv(capped, X, tol=1e-3, max_iter=2, rng=0)) == 2      # max_iter is respected


def test_the_start_is_orthonormal():
    # A huge tol accepts every layer at once, so the weights are the orthogonal start itself.
    net = MLP([32, 64, 64, 10], rng=0, dtype=np.float64)
    assert lsuv(net, batch(), tol=100.0, rng=0) == [0, 0, 0]
    W = net.layers[1].W                                                # square: WᵀW = I
    np.testing.assert_allclose(W.T @ W, np.eye(64), atol=1e-12)
    np.testing.assert_allclose(net.layers[0].W @ net.layers[0].W.T, np.eye(32), atol=1e-12)  # wide


def test_same_seed_same_result():
    a, b = MLP([32, 16, 4], rng=1), MLP([32, 16, 4], rng=2)
    lsuv(a, batch(), rng=5)
    lsuv(b, batch(), rng=5)
    np.testing.assert_array_equal(a.layers[0].W, b.layers[0].W)


def test_net_gains_reads_std_times_sqrt_fan_in():
    net = MLP([100, 50, 3], init="he_normal", rng=0, dtype=np.float64)
    g = net.gains()
    assert g.shape == (2,)
    # He normal has std √(2/fan_in): the gain is √2 up to the sample std's relative SE, 1/√(2·n_entries)
    # (≈ 1% for the 100×50 layer, 3.5% for 50×3); 5 SE bands.
    assert g[0] == pytest.approx(np.sqrt(2), rel=5 * np.sqrt(1 / (2 * 5000)))
    assert g[1] == pytest.approx(np.sqrt(2), rel=5 * np.sqrt(1 / (2 * 150)))


def test_bad_arguments():
    net = MLP([32, 16, 4], rng=0)
    for kwargs, exc, words in [
        (dict(tol=0), ValueError, ["tol", "0"]),
        (dict(tol=-1.0), ValueError, ["tol", "-1.0"]),
        (dict(max_iter=0), ValueError, ["max_iter", "0"]),
        (dict(max_iter=2.5), TypeError, ["max_iter", "2.5"]),
        (dict(rng="x"), TypeError, ["rng", "'x'"]),
    ]:
        arg, given = words
        raises(exc, lambda: lsuv(net, batch(), **kwargs), arg, given=given)
    message = raises(ValueError, lambda: lsuv(net, np.zeros((10, 31))), "X")
    assert re.search(r"X must have shape \(n_examples, 32\)", message)
    message = raises(ValueError, lambda: lsuv(net, np.zeros((10, 32))), "X")  # s = b = 0: nothing to scale
    assert re.search("variance 0.0", message)
    raises(TypeError, lambda: lsuv("net", batch()), "net")
