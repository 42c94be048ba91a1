"""Published results on residual and normalised nets at initialisation, re-measured in nninit.

- De & Smith (2020, "Batch normalization biases residual blocks towards the identity function",
  section 2): in a ResNet without normalisation the variance of the stream doubles at every block;
  with a norm in every branch it grows linearly.
- The 1/√B branch scale (GPT-2, Radford et al. 2019: residual projections × 1/√(2·n_layer)) bounds the
  growth by e over any depth: (1 + 1/B)^B < e.
- Zhang et al. (2019, Fixup) and De & Smith (2020, SkipInit): a deep residual net *without*
  normalisation trains once every block starts as the identity, and does not without.
- The loss at step 0 of a C-class softmax with a zero (or small) last layer is ln C (Karpathy's
  "Recipe for training neural networks": "verify loss @ init").
"""

import math

import numpy as np
import pytest

import nninit
from nninit import data, fit
from nninit.residual import ResidualMLP

SEEDS = range(8)


def stream_growth(B, width=128, seeds=SEEDS, **kw):
    """log(q_B / q_0) of the stream per seed (float64, 64 equal-norm inputs, ReLU, He)."""
    X = np.random.default_rng(0).standard_normal((64, 32))
    X *= math.sqrt(32) / np.linalg.norm(X, axis=1, keepdims=True)
    out = []
    for seed in seeds:
        net = ResidualMLP(32, width, 10, B, rng=seed, dtype=np.float64, **kw)
        q = np.array([np.mean(a ** 2) for a in net.probe(X).act])[net.stream_sites]
        out.append(math.log(q[-1] / q[0]))
    return np.array(out)


def within(logs, want, extra=0.0):
    """|mean − want| < 4 standard errors of the mean over seeds (sd/√n; a chance failure ~6e-5) plus
    ``extra``, an allowance for the O(depth/width) bias that the wide-net recursion leaves out."""
    se = logs.std(ddof=1) / math.sqrt(len(logs))
    return abs(logs.mean() - want) < 4 * se + extra, (logs.mean(), want, se)


def test_without_normalisation_the_stream_variance_doubles_per_block():
    """De & Smith (2020): Var(x_b) = 2·Var(x_{b-1}) for ReLU branches with He's init; 40 blocks.

    The fitted doubling rate (log2 of the growth / 40) must be 1 within 4 standard errors and 2 %
    (E[log] sits below log E by about half the variance of the log, which here is ~1 % per block)."""
    logs = stream_growth(40)
    rate = logs / (40 * math.log(2))
    ok, info = within(rate, 1.0, extra=0.02)
    assert ok, info


def test_with_layernorm_the_stream_variance_grows_linearly():
    """q_B = q_0 + B·v with v = σ_w²·E[relu(z)²] = 1 (a norm before every φ), for B = 10 and 40.

    At width 128 each block adds about 4 % more than v (measured: +3.9 % at width 128, +1.9 % at 512,
    a finite-width effect), so log(q_B / (q_0 + B)) may sit 0.04 above 0: the allowance is 0.06 on
    top of 4 standard errors over the seeds."""
    X = np.random.default_rng(0).standard_normal((64, 32))
    for B in (10, 40):
        logs = []
        for seed in range(4):
            net = ResidualMLP(32, 128, 10, B, norm="layer", rng=seed, dtype=np.float64)
            q = np.array([np.mean(a ** 2) for a in net.probe(X).act])[net.stream_sites]
            logs.append(math.log(q[-1] / (q[0] + B)))       # 0 when q_B = q_0 + B
        ok, info = within(np.array(logs), 0.0, extra=0.06)
        assert ok, (B, info)


@pytest.mark.parametrize("B", [25, 100])
def test_one_over_sqrt_blocks_bounds_the_growth_by_e(B):
    """α = 1/√B: q_B/q_0 = (1 + 1/B)^B, 2.67 at B = 25 and 2.70 at B = 100, both below e = 2.718."""
    want = B * math.log1p(1 / B)
    logs = stream_growth(B, alpha=1 / math.sqrt(B), seeds=range(6))
    ok, info = within(logs, want, extra=0.02)
    assert ok, info
    assert want < 1.0                                        # log e
    se = logs.std(ddof=1) / math.sqrt(len(logs))
    assert logs.mean() < 1.0 + 4 * se                        # measured: below e, within the noise


@pytest.fixture(scope="module")
def digits32():
    X, y = data.digits()
    X_tr, X_va, y_tr, y_va = data.train_test_split(X, y, rng=0)
    X_tr, X_va = (x.astype(np.float32) for x in data.standardize(X_tr, X_va))
    return X_tr, y_tr, X_va, y_va


def train_50_blocks(digits32, seed, **kw):
    X_tr, y_tr, X_va, y_va = digits32
    net = ResidualMLP(64, 64, 10, 50, rng=seed, **kw)
    return fit(net, X_tr, y_tr, epochs=3, batch_size=64, lr=0.01, momentum=0.9, X_val=X_va, y_val=y_va,
               record_every=100, rng=seed)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_fifty_blocks_without_normalisation_train_only_when_each_block_starts_as_the_identity(digits32, seed):
    """Fixup's zero last layer and SkipInit's α = 0 train 50 unnormalised blocks (float32, SGD with
    momentum, 66 steps) to > 80 % validation accuracy (chance: 10 %); the same net with α = 1 and He
    overflows within its first steps (its logits start ~2^25 times too large)."""
    naive = train_50_blocks(digits32, seed)
    assert naive.diverged_at is not None and naive.diverged_at <= 2, naive
    for kw in (dict(zero_last=True), dict(alpha=0.0, learn_alpha=True)):
        h = train_50_blocks(digits32, seed, **kw)
        assert h.diverged_at is None and h.val_accuracy[-1] > 0.8, (kw, h.val_accuracy)


@pytest.mark.parametrize("C", [2, 10, 100])
def test_initial_loss_is_ln_c_for_a_zero_and_for_a_small_last_layer(C):
    """Zero last layer: the logits are exactly 0 and L = ln C (to float64 rounding, 1e-12).

    Last layer N(0, 0.01²), logits z of std σ (≈ 0.08 here): expanding log Σ exp z to second order,
    L = ln C + mean_n(z̄_n − z_n,y_n) + ½·mean_n Var_k(z_nk) + O(σ³). The second-order term is about
    (C − 1)σ²/(2C); the first-order one has mean 0 for labels independent of the logits, each
    example's term an sd below σ, so over N examples it is within 4σ/√N (4 standard errors). The
    tolerance is their sum (0.015 for N = 500)."""
    rng = np.random.default_rng(C)
    X, y = rng.standard_normal((500, 20)), rng.integers(0, C, 500)
    zero = nninit.MLP([20, 64, 64, C], init=["he_normal", "he_normal", "zeros"], rng=0, dtype=np.float64)
    assert zero.probe(X, y).loss == pytest.approx(math.log(C), rel=1e-12)
    res = ResidualMLP(20, 64, C, 10, output_init="zeros", rng=0, dtype=np.float64, alpha=1 / math.sqrt(10))
    assert res.probe(X, y).loss == pytest.approx(math.log(C), rel=1e-12)
    small = nninit.MLP([20, 64, 64, C], init=["he_normal", "he_normal", nninit.get("normal", std=0.01)],
                       rng=0, dtype=np.float64)
    p = small.probe(X, y)
    sigma = p.act[-1].std()
    tolerance = (C - 1) * sigma**2 / (2 * C) + 4 * sigma / math.sqrt(len(y))
    assert abs(p.loss - math.log(C)) < tolerance, (p.loss, sigma, tolerance)
