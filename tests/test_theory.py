"""Mean-field theory: quadrature against closed forms and references, the fixed point, χ₁, the
order/chaos boundary, per-layer predictions against Monte Carlo networks, and the argument errors."""

import math
import re

import numpy as np
import pytest
from numpy.polynomial.hermite_e import hermegauss

from nninit import activations, theory

from errors import raises

SMOOTH = ["sigmoid", "tanh", "lecun_tanh", "gelu", "softplus"]


def _Phi(x):
    return 0.5 * math.erfc(-x / math.sqrt(2.0))


# ------------------------------------------------------------------------------------------------
# Gaussian expectations
# ------------------------------------------------------------------------------------------------

QS = [1e-6, 0.01, 0.5, 1.0, 3.0, 10.0, 480.0, 1e4, 1e8]


@pytest.mark.parametrize("q", QS)
def test_relu_and_identity_closed_forms(q):
    # ReLU: E[φ²] = q/2, E[φ] = √(q/2π), E[φ'²] = 1/2; the kink at 0 is what Gauss–Hermite misses.
    relu = activations.get("relu")
    assert theory.expect(lambda x: relu.fn(x) ** 2, q) == pytest.approx(q / 2, rel=1e-12)
    assert theory.expect(relu.fn, q) == pytest.approx(math.sqrt(q / (2 * math.pi)), rel=1e-12)
    assert theory.variance_map("relu", 2.0, 0.1, q) == pytest.approx(q + 0.1, rel=1e-12)
    assert theory.chi("relu", 3.0, q) == pytest.approx(1.5, rel=1e-12)
    assert theory.variance_map("leaky_relu", 1.0, 0.0, q) == pytest.approx(q * (1 + 0.01**2) / 2, rel=1e-12)
    assert theory.chi("leaky_relu", 1.0, q) == pytest.approx((1 + 0.01**2) / 2, rel=1e-12)
    assert theory.variance_map("identity", 0.7, 0.2, q) == pytest.approx(0.7 * q + 0.2, rel=1e-12)
    assert theory.chi("identity", 0.7, q) == pytest.approx(0.7, rel=1e-12)
    assert theory.expect(np.square, q) == pytest.approx(q, rel=1e-12)
    assert theory.expect(lambda x: x**4, q) == pytest.approx(3 * q * q, rel=1e-12)


@pytest.mark.parametrize("q", [0.01, 0.3, 1.0, 3.0, 10.0])
@pytest.mark.parametrize("name", ["elu", "selu"])
def test_elu_family_closed_forms(name, q):
    # With x = √q z and E[e^{az}; z < 0] = e^{a²/2} Φ(−a), for φ = λ·(x if x > 0 else α(eˣ − 1)):
    #   E[φ²]  = λ²(q/2 + α²(e^{2q}Φ(−2√q) − 2e^{q/2}Φ(−√q) + 1/2)),
    #   E[φ'²] = λ²(1/2 + α² e^{2q}Φ(−2√q)),   E[φ] = λ(√(q/2π) + α(e^{q/2}Φ(−√q) − 1/2)).
    lam, a = (activations.SELU_SCALE, activations.SELU_ALPHA) if name == "selu" else (1.0, 1.0)
    s = math.sqrt(q)
    e2, e1 = math.exp(2 * q) * _Phi(-2 * s), math.exp(q / 2) * _Phi(-s)
    act = activations.get(name)
    second_moment = lam**2 * (q / 2 + a * a * (e2 - 2 * e1 + 0.5))
    assert theory.variance_map(name, 1.0, 0.0, q) == pytest.approx(second_moment, rel=1e-12)
    assert theory.chi(name, 1.0, q) == pytest.approx(lam**2 * (0.5 + a * a * e2), rel=1e-12)
    mean = lam * (math.sqrt(q / (2 * math.pi)) + a * (e1 - 0.5))
    assert theory.expect(act.fn, q) == pytest.approx(mean, rel=1e-11)


@pytest.mark.parametrize("q", [0.01, 0.3, 1.0])
@pytest.mark.parametrize("name", SMOOTH)
def test_smooth_activations_match_a_gauss_hermite_reference(name, q):
    # For a smooth φ and q <= 1, 150-point Gauss–Hermite is a valid high-order reference: the nearest
    # singularity of tanh(√q z) is π/(2√q) >= 1.57 from the real axis, and the test checks that the
    # reference has converged (150 and 190 points agree to 1e-11). At q = 2 it has not (2e-8 off).
    act = activations.get(name)
    refs = []
    for n in (150, 190):
        z, w = hermegauss(n)
        refs.append([float(w @ f(math.sqrt(q) * z)) / math.sqrt(2 * math.pi)
                     for f in (lambda x: act.fn(x) ** 2, lambda x: act.grad(x) ** 2, act.fn)])
    assert refs[0] == pytest.approx(refs[1], rel=1e-11, abs=1e-15)
    for f, ref in zip((lambda x: act.fn(x) ** 2, lambda x: act.grad(x) ** 2, act.fn), refs[1]):
        assert theory.expect(f, q) == pytest.approx(ref, rel=1e-10, abs=1e-15)


@pytest.mark.parametrize("q", [30.0, 480.0, 1e4])
def test_tanh_at_large_q_matches_a_fine_trapezoid(q):
    # tanh(√q z) is analytic with poles at distance π/(2√q) from the real axis, so the trapezoid rule
    # with step h converges like exp(−2π·π/(2√q)/h): h = 2e-4 gives e^-250 even at q = 1e4.
    # A fixed Gauss–Hermite grid cannot see the |z| < 1/√q region where χ lives at such q.
    z = np.linspace(-12.0, 12.0, 120_001)
    w = np.exp(-0.5 * z * z) / math.sqrt(2 * math.pi) * (z[1] - z[0])
    s = math.sqrt(q)
    tanh2 = float(w @ np.tanh(s * z) ** 2)
    sech4 = float(w @ (1.0 - np.tanh(s * z) ** 2) ** 2)
    assert theory.variance_map("tanh", 1.0, 0.0, q) == pytest.approx(tanh2, rel=1e-10)
    assert theory.chi("tanh", 1.0, q) == pytest.approx(sech4, rel=1e-10)


def test_q_zero_is_the_limit_from_above():
    # At q → 0+ the pre-activations are tiny but of both signs: SELU's φ'² averages its two slopes.
    lam, a = activations.SELU_SCALE, activations.SELU_ALPHA
    assert theory.chi("selu", 1.0, 0.0) == pytest.approx(lam**2 * (1 + a * a) / 2, rel=1e-12)
    assert theory.chi("relu", 2.0, 0.0) == pytest.approx(1.0, rel=1e-12)
    assert theory.variance_map("sigmoid", 4.0, 0.1, 0.0) == pytest.approx(4.0 * 0.25 + 0.1, rel=1e-12)


def test_maps_are_vectorised():
    q = np.array([[0.1, 1.0, 10.0], [0.2, 2.0, 20.0]])
    w2 = np.array([[0.5], [3.0]])
    out = theory.variance_map("tanh", w2, 0.05, q)
    assert out.shape == (2, 3)
    for i in range(2):
        for j in range(3):
            one = theory.variance_map("tanh", float(w2[i, 0]), 0.05, float(q[i, j]))
            assert out[i, j] == pytest.approx(one, rel=1e-14)
    assert theory.chi("tanh", 1.0, q).shape == (2, 3)
    assert isinstance(theory.variance_map("tanh", 1.0, 0.0, 1.0), float)


# ------------------------------------------------------------------------------------------------
# Fixed point, χ₁ and the critical line
# ------------------------------------------------------------------------------------------------


def test_fixed_point_relu_and_identity():
    for w2, b2 in [(1.0, 0.5), (0.5, 0.2), (1.9, 0.01)]:
        assert theory.fixed_point("relu", w2, b2) == pytest.approx(b2 / (1 - w2 / 2), rel=1e-12)
        assert theory.fixed_point("identity", w2 / 2, b2) == pytest.approx(b2 / (1 - w2 / 2), rel=1e-12)
    assert theory.fixed_point("relu", 1.0, 0.0) == 0.0  # the signal dies out
    # no finite fixed point: the recursion diverges
    assert theory.fixed_point("relu", 2.5, 0.0) == math.inf
    assert theory.fixed_point("relu", 2.0, 0.1) == math.inf
    assert theory.fixed_point("identity", 1.0, 0.1) == math.inf
    # V(q) = q for every q: the signal keeps the scale it starts with
    assert theory.fixed_point("relu", 2.0, 0.0) == 1.0
    assert theory.fixed_point("relu", 2.0, 0.0, q0=3.5) == 3.5
    assert theory.fixed_point("identity", 1.0, 0.0, q0=0.2) == 0.2


@pytest.mark.parametrize("name", activations.available())
@pytest.mark.parametrize("w2,b2", [(0.8, 0.05), (1.5, 0.0), (1.5, 0.3), (4.0, 0.1)])
def test_fixed_point_is_a_stable_fixed_point(name, w2, b2):
    qs = theory.fixed_point(name, w2, b2)
    if math.isinf(qs):
        assert theory.variance_map(name, w2, b2, 1e20) > 1e20
        return
    assert theory.variance_map(name, w2, b2, qs) == pytest.approx(qs, rel=1e-10, abs=1e-300)
    if qs > 0:
        assert theory.variance_map(name, w2, b2, 1.01 * qs) < 1.01 * qs  # pulled back from above
        assert theory.variance_map(name, w2, b2, 0.99 * qs) > 0.99 * qs  # and from below
    for q0 in (1e-3, 1e3):  # the same fixed point from anywhere
        assert theory.fixed_point(name, w2, b2, q0=q0) == pytest.approx(qs, rel=1e-10, abs=1e-300)


def test_fixed_point_is_where_the_iteration_goes():
    for name, w2, b2 in [("tanh", 1.76, 0.05), ("sigmoid", 4.0, 0.0), ("selu", 1.0, 0.0), ("gelu", 1.5, 0.1)]:
        q = 1.0
        for _ in range(3000):
            q = theory.variance_map(name, w2, b2, q)
        assert theory.fixed_point(name, w2, b2) == pytest.approx(q, rel=1e-6)
    # SELU's self-normalising point: q* = 1 at σ_w² = 1 (LeCun normal), σ_b² = 0 (Klambauer et al.)
    assert theory.fixed_point("selu", 1.0, 0.0) == pytest.approx(1.0, abs=1e-12)


def test_tanh_fixed_point_near_the_transition():
    # tanh with σ_b² = 0: q* = 0 for σ_w² <= 1; just above, q* ≈ (1 − 1/σ_w²)/2 (from tanh² ≈ x² − 2x⁴/3)
    assert theory.fixed_point("tanh", 0.5, 0.0) == 0.0
    assert theory.fixed_point("tanh", 1.0, 0.0) == 0.0
    assert theory.fixed_point("tanh", 1.0 + 1e-6, 0.0) == pytest.approx((1 - 1 / (1 + 1e-6)) / 2, rel=1e-5)


def test_fixed_point_vectorised():
    w2 = np.array([0.5, 1.0, 1.5, 2.0, 3.0])
    b2 = np.array([[0.0], [0.1]])
    out = theory.fixed_point("tanh", w2, b2)
    assert out.shape == (2, 5)
    expected = [[theory.fixed_point("tanh", float(w), float(b)) for w in w2] for b in b2[:, 0]]
    assert np.allclose(out, expected, rtol=1e-12, atol=0)
    relu = theory.fixed_point("relu", w2, 0.1)
    assert np.isinf(relu[3:]).all() and relu[0] == pytest.approx(0.1 / 0.75)


def test_chi1_values():
    assert theory.chi1("relu", 1.0, 0.3) == pytest.approx(0.5, rel=1e-12)
    assert theory.chi1("relu", 3.0, 0.3) == pytest.approx(1.5, rel=1e-12)  # q* = inf: the limit
    assert theory.chi1("tanh", 0.7, 0.0) == pytest.approx(0.7, rel=1e-12)  # q* = 0, φ'(0) = 1
    assert theory.chi1("leaky_relu", 2.0, 0.0) == pytest.approx(1 + 0.01**2, rel=1e-12)
    out = theory.chi1("tanh", np.array([0.5, 1.5, 3.0]), 0.05)
    assert out.shape == (3,) and out[0] < 1 < out[2]


def test_cs231n_tanh_net_is_chaotic():
    # Weights N(0, 1) at width 500: σ_w² = 500. CS231n's net, as the course tells it: std ≈ 0.98, ~90% of
    # units at |h| > 0.99, and yet χ₁ ≈ 12, so gradients grow √χ₁ ≈ 3.5× per layer toward the input.
    qs = theory.fixed_point("tanh", 500.0, 0.0)
    tanh = activations.get("tanh")
    act_std = math.sqrt(theory.expect(lambda x: tanh.fn(x) ** 2, qs))
    saturated = theory.expect(lambda x: (np.abs(tanh.fn(x)) > 0.99).astype(float), qs)
    chi1 = theory.chi1("tanh", 500.0, 0.0)
    assert act_std == pytest.approx(0.98, abs=0.005)
    assert saturated == pytest.approx(0.90, abs=0.01)
    assert chi1 == pytest.approx(12.1, abs=0.05)
    assert math.sqrt(chi1) == pytest.approx(3.5, abs=0.05)


def test_critical_sigma_w2():
    assert theory.critical_sigma_w2("tanh", 0.0) == pytest.approx(1.0, rel=1e-12)
    assert theory.critical_sigma_w2("identity") == pytest.approx(1.0, rel=1e-12)
    for b2 in (0.0, 0.05, 0.5):
        assert theory.critical_sigma_w2("relu", b2) == pytest.approx(2.0, rel=1e-10)
    assert theory.critical_sigma_w2("leaky_relu") == pytest.approx(2 / (1 + 0.01**2), rel=1e-10)
    # a real root of χ₁ − 1 elsewhere, with ordered below and chaotic above
    for name, b2 in [("tanh", 0.05), ("tanh", 0.3), ("sigmoid", 0.0), ("selu", 0.05), ("gelu", 0.2),
                     ("elu", 0.1)]:
        w2c = theory.critical_sigma_w2(name, b2)
        assert theory.chi1(name, w2c, b2) == pytest.approx(1.0, abs=1e-9)
        assert theory.chi1(name, 0.98 * w2c, b2) < 1 < theory.chi1(name, 1.02 * w2c, b2)
    # the tanh critical line rises with the bias variance (Poole et al. 2016, Fig. 1; Schoenholz 2017)
    line = theory.critical_sigma_w2("tanh", np.array([0.0, 0.05, 0.1, 0.5]))
    assert line.shape == (4,) and np.all(np.diff(line) > 0)
    assert line[1] == pytest.approx(1.76, abs=0.01)


def test_bistable_gelu_has_no_critical_point():
    # GELU without bias: q = 0 is stable (V'(0) = σ_w²/4) and V(q)/q → σ_w²/2, so for 2 < σ_w² < 4
    # the map from q0 = 1 either dies out (χ₁ = σ_w²/4 < 1) or diverges (χ₁ → σ_w²/2 > 1).
    assert theory.fixed_point("gelu", 2.3, 0.0) == 0.0
    assert theory.fixed_point("gelu", 2.4, 0.0) == math.inf
    assert theory.fixed_point("gelu", 2.3, 0.0, q0=100.0) == math.inf  # it depends on where you start
    message = raises(ValueError, lambda: theory.critical_sigma_w2("gelu", 0.0), "sigma_b2")
    assert re.search(r"'gelu' with sigma_b2=0\.0: chi1 jumps from 0\.588 to 1\.18 at sigma_w2 = 2\.35",
                     message)


# ------------------------------------------------------------------------------------------------
# Per-layer predictions
# ------------------------------------------------------------------------------------------------


def test_predict_relu_closed_form_and_layout():
    # He init on [2, 64, 64, 3], inputs with E[x²] = 1.5: q₁ = 2·1·1.5, then q = 64·(2/64)·q/2 = q.
    p = theory.predict("relu", [2, 64, 64, 3], [1.0, 2 / 64, 2 / 64], input_var=1.5)
    assert p.activation == "relu" and p.sizes == (2, 64, 64, 3)
    assert p.layer_names == ["layer 1", "layer 2", "output"]
    assert p.pre_std == pytest.approx([math.sqrt(3.0)] * 3, rel=1e-12)
    assert p.act_mean[:2] == pytest.approx([math.sqrt(3.0 / (2 * math.pi))] * 2, rel=1e-12)
    assert p.act_std[:2] == pytest.approx([math.sqrt(3.0 / 2 - 3.0 / (2 * math.pi))] * 2, rel=1e-12)
    assert p.act_mean[-1] == 0.0 and p.act_std[-1] == p.pre_std[-1]  # the output layer is linear
    # backward: dL/da_l = 3·(2/64)... times E[φ'²] = 1/2 per hidden layer
    assert p.grad_pre_std[-1] == 1.0 and p.grad_act_std[-1] == 1.0
    assert p.grad_act_std[1] == pytest.approx(math.sqrt(3 * 2 / 64), rel=1e-12)
    assert p.grad_pre_std[1] == pytest.approx(math.sqrt(3 * 2 / 64 / 2), rel=1e-12)
    assert p.grad_pre_std[0] == pytest.approx(math.sqrt(3 * 2 / 64 / 2 * 64 * 2 / 64 / 2), rel=1e-12)


def test_predict_reaches_the_fixed_point_and_chi1():
    w2, b2, n = 1.76, 0.05, 100
    p = theory.predict("tanh", [n] * 41, w2 / n, b2)
    assert p.pre_std[-2] ** 2 == pytest.approx(theory.fixed_point("tanh", w2, b2), rel=1e-6)
    # deep in the net (next to the output), one layer back multiplies E[(dL/ds)²] by χ₁
    ratio = (p.grad_pre_std[-3] / p.grad_pre_std[-2]) ** 2
    assert ratio == pytest.approx(theory.chi1("tanh", w2, b2), rel=1e-6)


def test_predict_overflow_is_inf_without_warnings():
    p = theory.predict("relu", [100] * 1200, 4.0 / 100)  # q doubles per layer: past 1e308 at ~1000
    assert np.isinf(p.pre_std[-1]) and np.isinf(p.act_std[-2]) and np.isnan(p.act_mean[-2])
    assert np.isfinite(p.pre_std[500])


# Monte Carlo: plain numpy networks of width 1000, float64, zero biases unless stated, inputs N(0, 1)
# and, for the backward pass, dL/ds of the output drawn N(0, 1) (so that E[(dL/ds_L)²] = 1, the
# prediction's scale). Each statistic is pooled over every unit and example of a layer.
#
# How noisy is that? Measured once over 20–30 seeds per configuration (sd of the relative error of a
# std, layer by layer; the mean error, i.e. the theory's bias at this width, was < 0.4% everywhere):
#   tanh, σ_b² = 0, one net, 200 examples, 10 layers: forward sd <= 0.9% (σ_w² = 0.5 at layer 10;
#     0.2–0.5% elsewhere), backward <= 0.8%, act std <= 0.7%, act mean <= 0.2% (absolute). An odd φ
#     without bias keeps the examples uncorrelated (c* = 0) and a tanh net contracts deviations, so
#     depth 10 costs little: 5% forward is >= 5.5 sd, 4% backward 5 sd, 1% on the mean 5.5 sd.
#   ReLU, σ_w² = 2: ReLU does not contract, and it correlates the examples. Each layer multiplies
#     one example's squared norm by a random factor of relative variance 5/width (for s ~ N(0, 1),
#     E[(s⁺)⁴]/E[(s⁺)²]² − 1 = 5), so one net's std at depth L is off by up to ~½√(5L/1000), 11% at
#     L = 10 for a single example; a batch of 200 measured 8.6%. No seed makes a 5% check at depth 10
#     meaningful. Averaging 8 nets of 64 examples: sd 0.2, 0.3, 0.9, 1.1, 1.4% at layers 1–5, so we
#     stop at 4 layers (5% = 4.7 sd; backward sd <= 0.7%, 4% = 5.4 sd; act mean <= 0.8%).

WIDTH = 1000


def _network(act, sizes, weight_var, bias_var, rng, n_examples, weights=None):
    """Per-layer pooled E[s²], E[(dL/ds)²], E[a], E[a²] of one random network (float64)."""
    phi = activations.get(act)
    L = len(sizes) - 1
    h = rng.standard_normal((n_examples, sizes[0]))
    pre, Ws = [], []
    for l in range(L):
        W = weights[l] * math.sqrt(weight_var[l]) if weights is not None else (
            rng.standard_normal((sizes[l], sizes[l + 1])) * math.sqrt(weight_var[l]))
        s = h @ W + rng.standard_normal(sizes[l + 1]) * math.sqrt(bias_var[l])
        pre.append(s)
        Ws.append(W)
        h = phi.fn(s) if l < L - 1 else s
    g = rng.standard_normal((n_examples, sizes[-1]))
    back = [0.0] * L
    back[-1] = np.mean(g**2)
    for l in range(L - 2, -1, -1):
        g = (g @ Ws[l + 1].T) * phi.grad(pre[l])
        back[l] = np.mean(g**2)
    acts = [phi.fn(s) for s in pre[:-1]]
    return (np.array([np.mean(s**2) for s in pre]), np.array(back),
            np.array([a.mean() for a in acts]), np.array([np.mean(a**2) for a in acts]))


@pytest.fixture(scope="module")
def shared_weights():
    """Ten standard-normal 1000×1000 matrices, scaled per test (the tanh nets share them)."""
    rng = np.random.default_rng(20240)
    return [rng.standard_normal((WIDTH, WIDTH)) for _ in range(10)]


@pytest.mark.parametrize("w2", [0.5, 1.0, 2.0, 4.0])
def test_tanh_net_matches_monte_carlo(w2, shared_weights):
    sizes = [WIDTH] * 11
    wv, bv = [w2 / WIDTH] * 10, [0.0] * 10
    rng = np.random.default_rng(int(w2 * 10))
    fwd, back, mean, second = _network("tanh", sizes, wv, bv, rng, 200, shared_weights)
    p = theory.predict("tanh", sizes, w2 / WIDTH)
    assert np.abs(np.sqrt(fwd) / p.pre_std - 1).max() < 0.05
    assert np.abs(np.sqrt(back) / p.grad_pre_std - 1).max() < 0.04
    assert np.abs(np.sqrt(second - mean**2) / p.act_std[:-1] - 1).max() < 0.05
    assert np.abs(mean).max() < 0.01  # odd φ, zero bias: mean 0 (sd of the pooled mean <= 0.2%)


def test_relu_net_matches_monte_carlo():
    sizes = [WIDTH] * 5
    wv, bv = [2.0 / WIDTH] * 4, [0.0] * 4
    rng = np.random.default_rng(7)
    runs = [_network("relu", sizes, wv, bv, rng, 64) for _ in range(8)]
    fwd, back, mean = (np.mean([r[i] for r in runs], axis=0) for i in range(3))
    p = theory.predict("relu", sizes, 2.0 / WIDTH)
    assert np.abs(np.sqrt(fwd) / p.pre_std - 1).max() < 0.05
    assert np.abs(np.sqrt(back) / p.grad_pre_std - 1).max() < 0.04
    assert np.abs(mean / p.act_mean[:-1] - 1).max() < 0.05


def test_uneven_widths_use_fan_in_forward_and_fan_out_backward():
    # Widths that differ by up to 2.5× between layers: swapping fan_in and fan_out anywhere would be
    # off by that factor. tanh, weight variance 1.5·2/(fan_in + fan_out), one net, 400 examples:
    # measured sd <= 0.35% forward, <= 0.45% backward, so the tanh tolerances are >= 9 sd here.
    # (Biases would correlate the examples and make the 500-wide output layer noisy, sd 1.5%; the
    # bias term is checked by the closed forms and by the sigmoid test below.)
    sizes = [400, 1000, 600, 1500, 800, 500]
    L = len(sizes) - 1
    wv = [1.5 * 2 / (sizes[l] + sizes[l + 1]) for l in range(L)]
    bv = [0.0] * L
    fwd, back, mean, second = _network("tanh", sizes, wv, bv, np.random.default_rng(3), 400)
    p = theory.predict("tanh", sizes, wv, bv)
    assert np.abs(np.sqrt(fwd) / p.pre_std - 1).max() < 0.05
    assert np.abs(np.sqrt(back) / p.grad_pre_std - 1).max() < 0.04
    assert np.abs(np.sqrt(second - mean**2) / p.act_std[:-1] - 1).max() < 0.05


def test_nonzero_mean_activation_matches_monte_carlo():
    # Sigmoid has E[φ] ≈ 0.5, so the next layer's E[s²] = n·Var(W)·E[φ²] counts the mean too. Each
    # unit of that layer then carries its own offset μ·Σᵢ Wᵢⱼ, shared by every example: with m units
    # the pooled E[s²] is off by a relative ~√(2/m)·μ²/E[φ²] (sd) at m units, and the std by half
    # that: ~1.5% at m = 1000. Averaging four nets measured sd 0.7% for layer 2's std (5% = 7 sd);
    # layer 1 (zero-mean inputs) has no such term: act mean sd 0.14%, act std 0.05%, checked to 1%.
    sizes = [1000, 1000, 1000]
    wv, bv = [16.0 / 1000] * 2, [0.1] * 2
    rng = np.random.default_rng(11)
    runs = [_network("sigmoid", sizes, wv, bv, rng, 100) for _ in range(4)]
    fwd, back, mean, second = (np.mean([r[i] for r in runs], axis=0) for i in range(4))
    p = theory.predict("sigmoid", sizes, wv, bv)
    assert np.abs(np.sqrt(fwd) / p.pre_std - 1).max() < 0.05
    assert np.abs(np.sqrt(back) / p.grad_pre_std - 1).max() < 0.04
    assert mean[0] == pytest.approx(p.act_mean[0], rel=0.01)
    assert math.sqrt(second[0] - mean[0] ** 2) == pytest.approx(p.act_std[0], rel=0.01)


# ------------------------------------------------------------------------------------------------
# Errors
# ------------------------------------------------------------------------------------------------


def test_unknown_activation_suggests_the_closest():
    for call in (lambda: theory.variance_map("tahn", 1.0, 0.0, 1.0),
                 lambda: theory.fixed_point("rleu", 2.0, 0.0),
                 lambda: theory.critical_sigma_w2("sigmod"), lambda: theory.predict("tanhh", [2, 3], 1.0)):
        message = raises(ValueError, lambda: call(), "activation")
        assert re.search(r"activation='\w+' is not known; allowed: .*Did you mean '(tanh|relu|sigmoid)'\?",
                         message)


@pytest.mark.parametrize("arg", ["sigma_w2", "sigma_b2", "q"])
def test_negative_and_non_finite_values_are_named(arg):
    good = {"sigma_w2": 1.0, "sigma_b2": 0.0, "q": 1.0}
    for bad, match in [(-0.5, r"must be >= 0 \(it is a variance\); got -0\.5"),
                       (float("nan"), r"must be finite; got nan"), (float("inf"), r"must be finite; got inf"),
                       (np.array([1.0, -2.0]), r"must be >= 0.*got -2\.0")]:
        message = raises(ValueError, lambda: theory.variance_map("tanh", **{**good, arg: bad}), arg)
        assert re.search(rf"^{arg} {match}", message)
    for bad in ("1.0", True, None, [1, "a"]):
        message = raises(TypeError, lambda: theory.variance_map("tanh", **{**good, arg: bad}), arg)
        assert re.search(rf"^{arg} must be a real number >= 0 or an array of them", message)


def test_other_errors():
    message = raises(ValueError, lambda: theory.fixed_point("tanh", -1.0, 0.0), "sigma_w2")
    assert re.search(r"^sigma_w2 must be >= 0", message)
    message = raises(ValueError, lambda: theory.fixed_point("tanh", 1.0, 0.0, q0=0.0), "q0")
    assert re.search(r"^q0 must be > 0.*got 0\.0", message)
    message = raises(ValueError, lambda: theory.chi1("tanh", 1.0, math.inf), "sigma_b2")
    assert re.search(r"^sigma_b2 must be finite; got inf", message)
    message = raises(ValueError, lambda: theory.critical_sigma_w2("tanh", -0.1), "sigma_b2")
    assert re.search(r"^sigma_b2 must be >= 0", message)
    message = raises(ValueError, lambda: theory.chi("relu", 2.0, [1.0, math.nan]), "q")
    assert re.search(r"^q must be finite", message)
    message = raises(ValueError, lambda: theory.expect(np.square, math.inf), "q")
    assert re.search(r"^q must be finite", message)
    message = raises(ValueError, lambda: theory.predict("relu", [4, 8, 2], [1.0, 1.0, 1.0]), "weight_var")
    assert re.search(r"^weight_var must be one variance or one per layer \(2 for these sizes\); got 3 values",
                     message)
    message = raises(ValueError, lambda: theory.predict("relu", [4, 8, 2], -1.0), "weight_var")
    assert re.search(r"^weight_var must be >= 0", message)
    message = raises(ValueError, lambda: theory.predict("relu", [4, 8, 2], 1.0, bias_var=[0.0, math.nan]),
                     "bias_var")
    assert re.search(r"^bias_var must be finite", message)
    message = raises(TypeError, lambda: theory.predict("relu", [4, 8, 2], 1.0, input_var=[1.0, 2.0]),
                     "input_var")
    assert re.search(r"^input_var must be one number", message)
    message = raises(ValueError, lambda: theory.predict("relu", [4, 0, 2], 1.0), "sizes")
    assert re.search(r"^sizes must be a positive integer \(>= 1\); got 0", message)
    message = raises(TypeError, lambda: theory.predict("relu", [4, 2.5, 2], 1.0), "sizes")
    assert re.search(r"^sizes must be a positive integer; got 2\.5", message)
    message = raises(ValueError, lambda: theory.predict("relu", [4], 1.0), "sizes")
    assert re.search(r"^sizes must list at least an input and an output width", message)
    message = raises(TypeError, lambda: theory.predict("relu", 4, 1.0), "sizes")
    assert re.search(r"^sizes must be a list of layer widths", message)
