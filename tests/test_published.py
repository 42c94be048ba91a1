"""Published results, re-measured with the probe (float64, N(0, 1) inputs, zero biases, fixed seeds).

Each band below is the published claim (or the course's reading of it). The comments give the
spread of the measured quantity over seeds, from a study of 12 seeds (4 for CS231n) run when these
tests were written: every band lies at least 4 standard deviations from the seed-to-seed mean, so
a fixed seed passing is not luck, and a change of seed would not fail.
"""

import numpy as np
import pytest

import nninit
from nninit.lsuv import lsuv
from nninit.mlp import MLP


def probe(sizes, activation, init, batch, seed):
    X = np.random.default_rng(seed).standard_normal((batch, sizes[0]))
    net = MLP(sizes, activation=activation, init=init, bias_init="zeros", rng=seed, dtype=np.float64)
    return net.probe(X, rng=seed)


# --------------------------------------------------------------------------- He et al. 2015


@pytest.fixture(scope="module")
def relu_30_layers():
    """30 ReLU layers of 256, batch 256, under He normal (std √(2/n)) and Xavier normal (std √(1/n))."""
    sizes = [256] * 31 + [10]
    return {init: probe(sizes, "relu", init, 256, seed=0) for init in ("he_normal", "xavier_normal")}


def test_he_keeps_the_forward_signal_through_30_relu_layers(relu_30_layers):
    # std(s³⁰)/std(s¹): He ≈ 1 with log-ratio sd 0.25 over seeds at width 256 (range 0.77–1.63 in
    # 12 seeds), so the ×/÷3 band is ±4.5 sd. Xavier's std √(1/n) halves the second moment each
    # layer: 2^(-29/2) ≈ 4e-5 (measured mean log −10.0, sd 0.25; the bound 1e-3 is 12 sd away).
    he, xavier = (relu_30_layers[k].std("pre") for k in ("he_normal", "xavier_normal"))
    assert 1 / 3 <= he[29] / he[0] <= 3
    assert xavier[29] / xavier[0] < 1e-3


def test_he_keeps_the_backward_signal_through_30_relu_layers(relu_30_layers):
    # std(dL/ds¹)/std(dL/ds³⁰), from a random N(0, 1)/N output gradient: He ≈ 1 (log sd 0.14 over
    # seeds, ±1.1 band = 7.6 sd); Xavier ≈ 2^(-29/2) (mean log −10.1, sd 0.14).
    he, xavier = (relu_30_layers[k].std("grad_pre") for k in ("he_normal", "xavier_normal"))
    assert 1 / 3 <= he[0] / he[29] <= 3
    assert xavier[0] / xavier[29] < 1e-3


# --------------------------------------------------------------------------- Glorot & Bengio 2010


def test_glorot_tanh_activation_std_after_5_layers():
    # tanh, 5 hidden layers of 256, input 256, batch 512. Layer-5 activation std over 12 seeds:
    # U[±1/√n] 0.0467 ± 0.0004 (band [0.042, 0.052]: 11 sd), U[±√6/√(n_in+n_out)] 0.321 ± 0.0017
    # (band [0.30, 0.34]: 11 sd).
    sizes = [256] * 6 + [10]
    r = 1 / np.sqrt(256)
    standard = probe(sizes, "tanh", nninit.get("uniform", low=-r, high=r), 512, seed=0).std("act")
    normalised = probe(sizes, "tanh", "xavier_uniform", 512, seed=0).std("act")
    assert 0.042 <= standard[4] <= 0.052
    assert 0.30 <= normalised[4] <= 0.34
    assert np.all(np.diff(standard[:5]) < 0) and np.all(np.diff(normalised[:5]) < 0)  # both decay


# --------------------------------------------------------------------------- CS231n


@pytest.mark.parametrize("std", [0.01, 1.0])
def test_cs231n_tanh_net(std):
    # inputs randn(1000, 500), 10 tanh layers of 500, no bias. Over 4 seeds: weights 0.01·N(0,1)
    # give layer-1 std 0.2133 ± 0.0005 (band [0.205, 0.222]: 16 sd) and layer-10 std ≈ 3e-7;
    # N(0,1) weights give every layer 0.9814–0.9820 (sd 1.4e-4) and 90.3% of units at |h| > 0.99.
    p = probe([500] * 11 + [10], "tanh", nninit.get("normal", std=std), 1000, seed=0)
    act_std = p.std("act")[:10]
    if std == 0.01:
        assert 0.205 <= act_std[0] <= 0.222
        assert act_std[9] < 1e-6
    else:
        assert np.all((act_std >= 0.97) & (act_std <= 0.99))
        saturated = [np.mean(np.abs(h) > 0.99) for h in p.act[:10]]
        assert min(saturated) >= 0.85


# --------------------------------------------------------------------------- LSUV


@pytest.mark.parametrize("activation, expected", [("relu", np.sqrt(2)), ("tanh", 1.59)])
def test_lsuv_learns_the_gain(activation, expected):
    # 10 hidden layers of 256, batch 512 of N(0, 1). Layer 1 sees unit-variance inputs (gain 1); deeper
    # layers settle at 1/√E[φ(s)²], s ~ N(0, 1): √2 for ReLU, 1.5925 for tanh (Gauss–Hermite).
    # Over 12 seeds the mean gain of layers 2–10 was 1.411 ± 0.022 (ReLU) and 1.5916 ± 0.0003 (tanh);
    # single layers vary by 0.058 (ReLU) and 0.0013 (tanh). Bands: ±0.1 / ±0.25 (ReLU, ≥ 4.3 sd) and
    # ±0.01 (tanh, ≥ 7 sd) around the published values (√2 for ReLU, ≈ 1.59 for tanh).
    net = MLP([256] * 11 + [10], activation=activation, rng=0, dtype=np.float64)
    X = np.random.default_rng(100).standard_normal((512, 256))
    lsuv(net, X, rng=0)
    g = net.gains()
    assert g[0] == pytest.approx(1.0, abs=0.05)
    tol_mean, tol_layer = (0.1, 0.25) if activation == "relu" else (0.01, 0.01)
    assert abs(g[1:10].mean() - expected) < tol_mean
    assert np.all(np.abs(g[1:10] - expected) < tol_layer)
