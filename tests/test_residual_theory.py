"""The residual stream's variance recursion: closed forms, its agreement with measured nets, errors."""

import math

import numpy as np
import pytest

from nninit import residual_theory, theory
from nninit.residual import ResidualMLP
from errors import raises


def test_relu_he_without_norm_multiplies_the_variance_by_one_plus_alpha_squared():
    for alpha in (1.0, 0.3):
        p = residual_theory.predict("relu", 20, sigma_w2=2.0, alpha=alpha, q0=3.0)
        b = np.arange(21)
        np.testing.assert_allclose(p.stream_std, np.sqrt(3.0 * (1 + alpha**2) ** b), rtol=1e-10)
        np.testing.assert_allclose(p.grad_std, (1 + alpha**2) ** ((20 - b) / 2), rtol=1e-10)
        np.testing.assert_allclose(p.branch_var, alpha**2 * 3.0 * (1 + alpha**2) ** b[:-1], rtol=1e-10)


def test_norm_makes_the_growth_linear_with_the_unit_variance_branch():
    for act, w2 in (("relu", 2.0), ("tanh", 1.0)):
        c = theory.variance_map(act, w2, 0.0, 1.0)
        p = residual_theory.predict(act, 30, sigma_w2=w2, alpha=0.5, norm="layer", q0=2.0)
        np.testing.assert_allclose(p.stream_std ** 2, 2.0 + 0.25 * c * np.arange(31), rtol=1e-12)
    assert np.isnan(residual_theory.predict("relu", 5, norm="batch").grad_std[:-1]).all()


def test_one_over_sqrt_blocks_keeps_the_stream_below_e():
    """(1 + 1/B)^B increases to e: the 1/√B branch scale bounds the growth at any depth."""
    for B in (1, 10, 100, 1000):
        p = residual_theory.predict("relu", B, alpha=1 / math.sqrt(B))
        ratio = (p.stream_std[-1] / p.stream_std[0]) ** 2
        assert ratio == pytest.approx((1 + 1 / B) ** B, rel=1e-9) and ratio < math.e


def test_zero_branches_keep_the_stream_and_its_gradient():
    for kw in (dict(alpha=0.0), dict(sigma_w2=0.0)):
        p = residual_theory.predict("tanh", 10, q0=0.7, **kw)
        np.testing.assert_allclose(p.stream_std, math.sqrt(0.7))
        np.testing.assert_allclose(p.grad_std, 1.0)


def measured(act, init, B, n, seeds, **kw):
    """Per seed: std(x_B)/std(x_0) and std(dL/dx_0)/std(dL/dx_B) of a float64 net; the mean q_0."""
    X = np.random.default_rng(0).standard_normal((64, 16))
    X *= 4 / np.linalg.norm(X, axis=1, keepdims=True)      # one norm per example: one q_0 (see predict)
    fwd, bwd, q0 = [], [], []
    for seed in seeds:
        net = ResidualMLP(16, n, 10, B, activation=act, init=init, rng=seed, dtype=np.float64, **kw)
        p = net.probe(X)
        s, g = p.std("act")[net.stream_sites], p.std("grad_act")[net.stream_sites]
        fwd.append(s[-1] / s[0])
        bwd.append(g[0] / g[-1])
        q0.append(np.mean(p.act[0] ** 2))
    return np.log(fwd), np.log(bwd), float(np.mean(q0))


@pytest.mark.parametrize("act, init, w2, kw", [
    ("tanh", "lecun_normal", 1.0, dict(alpha=1.0)),
    ("tanh", "xavier_normal", 1.0, dict(alpha=0.2)),
    ("relu", "he_normal", 2.0, dict(alpha=1.0, norm="layer")),
    ("gelu", "he_normal", 2.0, dict(alpha=0.5, branch_depth=1)),
])
def test_prediction_matches_measured_nets(act, init, w2, kw):
    """Six nets of width 256 and 30 blocks: the mean log-ratio over seeds is within 4 standard errors
    (sd over seeds / √6), plus 2 % for the O(1/width) terms the theory neglects, of the prediction."""
    fwd, bwd, q0 = measured(act, init, 30, 256, range(6), **kw)
    pkw = {k: v for k, v in kw.items() if k in ("alpha", "norm", "branch_depth")}
    p = residual_theory.predict(act, 30, sigma_w2=w2, q0=q0, **pkw)
    for logs, want in ((fwd, p.stream_std[-1] / p.stream_std[0]), (bwd, p.grad_std[0])):
        se = logs.std(ddof=1) / math.sqrt(len(logs))
        assert abs(logs.mean() - math.log(want)) < 4 * se + 0.02, (np.exp(logs), want)


def test_bad_arguments():
    predict = residual_theory.predict
    raises(ValueError, lambda: predict("relu", 0), "n_blocks", given="0")
    raises(ValueError, lambda: predict("relu", 3, norm="batchnorm"), "norm", given="'batchnorm'")
    raises(ValueError, lambda: predict("relu", 3, alpha=-0.1), "alpha", given="-0.1")
    raises(ValueError, lambda: predict("relu", 3, q0=0.0), "q0", given="0.0")
    raises(ValueError, lambda: predict("rleu", 3), "activation", given="'rleu'")
