"""The initializer library: distributions, bounds, variances, fans, seeds, dtypes and bad input.

Statistical checks use fixed seeds and >= 1.4e5 samples. Variances must lie within 5 standard errors
of the target (see ``stats.variance_z``); the Kolmogorov–Smirnov test must give p > 1e-3. With a fixed
seed each check is deterministic; the thresholds say that a correct sampler would pass them with
probability > 0.999 for any seed, and a wrong scale (even by 2 %) fails them.
"""

import math

import numpy as np
import pytest
from stats import ks_pvalue, normal_cdf, truncated_normal_cdf, uniform_cdf, variance_z

import nninit
from nninit import initializers as I

from errors import raises

SHAPES = {
    "square": (400, 400),
    "wide": (40, 4000),
    "tall": (4000, 40),
    "conv": (3, 3, 128, 128),  # (*k, in, out): fans 1152, 1152
}


def fans(shape):
    receptive = math.prod(shape[:-2])
    return shape[-2] * receptive, shape[-1] * receptive


def expected(name, shape):
    """(distribution, parameter) each scheme must draw, derived here by hand from its paper."""
    fi, fo = fans(shape)
    return {
        "uniform": ("uniform", 0.1),
        "normal": ("normal", 0.1),
        "truncated_normal": ("truncated", 0.1),
        "xavier_uniform": ("uniform", math.sqrt(6 / (fi + fo))),
        "xavier_normal": ("normal", math.sqrt(2 / (fi + fo))),
        "he_uniform": ("uniform", math.sqrt(6 / fi)),
        "he_normal": ("normal", math.sqrt(2 / fi)),
        "lecun_uniform": ("uniform", math.sqrt(3 / fi)),
        "lecun_normal": ("normal", math.sqrt(1 / fi)),
        # Keras default: truncated normal with corrected std, variance exactly 1/fan_in.
        "variance_scaling": ("truncated", math.sqrt(1 / fi) / 0.87962566103423978),
    }[name]


def target_variance(dist, p):
    return {"uniform": p * p / 3, "normal": p * p, "truncated": p * p * 0.87962566103423978**2}[dist]


def cdf_for(dist, p):
    return {
        "uniform": lambda x: uniform_cdf(x, -p, p),
        "normal": lambda x: normal_cdf(x, p),
        "truncated": lambda x: truncated_normal_cdf(x, p, 2.0),
    }[dist]


RANDOM_SCHEMES = ["uniform", "normal", "truncated_normal", "xavier_uniform", "xavier_normal",
                  "he_uniform", "he_normal", "lecun_uniform", "lecun_normal", "variance_scaling"]


@pytest.mark.parametrize("shape_name", SHAPES)
@pytest.mark.parametrize("name", RANDOM_SCHEMES)
def test_distribution_matches_its_formula(name, shape_name):
    shape = SHAPES[shape_name]
    W = nninit.get(name)(shape, rng=1234)
    dist, p = expected(name, shape)
    assert W.shape == shape and W.dtype == np.float64
    assert abs(W.mean()) < 5 * W.std() / math.sqrt(W.size)  # mean 0 within 5 standard errors
    assert abs(variance_z(W, target_variance(dist, p))) < 5
    assert ks_pvalue(W, cdf_for(dist, p)) > 1e-3
    if dist == "uniform":  # inside the exact bound, and filling it (a gap of 1e-3·p has chance ~e^-70)
        assert np.abs(W).max() <= p
        assert W.max() > p * (1 - 1e-3) and W.min() < -p * (1 - 1e-3)
    if dist == "truncated":
        assert np.abs(W).max() <= 2 * p


def test_variance_function_agrees_with_the_formulas():
    for name in RANDOM_SCHEMES:
        for shape in SHAPES.values():
            target = target_variance(*expected(name, shape))
            assert I.variance(name, shape) == pytest.approx(target, rel=1e-12)
    assert I.variance("orthogonal", (4000, 40), gain=2.0) == pytest.approx(4 / 4000)
    assert I.variance("zeros", (3, 3)) == 0.0


def test_fan_modes_are_told_apart():
    """He normal with fan_out on (40, 4000) has variance 2/4000, not fan_in's 2/40: the check must see it."""
    shape = SHAPES["wide"]
    fan_in_var = 2 / 40
    assert abs(variance_z(nninit.he_normal(shape, mode="fan_in", rng=0), fan_in_var)) < 5
    assert abs(variance_z(nninit.he_normal(shape, mode="fan_out", rng=0), fan_in_var)) > 5
    assert abs(variance_z(nninit.he_normal(shape, mode="fan_out", rng=0), 2 / 4000)) < 5
    avg = nninit.variance_scaling(shape, 1.0, "fan_avg", "uniform", rng=0)
    assert abs(variance_z(avg, 1 / 2020)) < 5


def test_gains_scale_the_std():
    shape = SHAPES["square"]
    W = nninit.xavier_normal(shape, gain=5 / 3, rng=0)
    assert abs(variance_z(W, (5 / 3) ** 2 * 2 / 800)) < 5
    W = nninit.he_normal(shape, a=0.2, nonlinearity="leaky_relu", rng=0)
    assert abs(variance_z(W, 2 / (1 + 0.04) / 400)) < 5
    W = nninit.he_uniform(shape, nonlinearity="tanh", rng=0)
    assert abs(variance_z(W, (5 / 3) ** 2 / 400)) < 5


@pytest.mark.parametrize("nonlinearity, param, gain", [
    ("linear", None, 1.0), ("conv2d", None, 1.0), ("sigmoid", None, 1.0), ("tanh", None, 5 / 3),
    ("relu", None, math.sqrt(2)), ("leaky_relu", None, math.sqrt(2 / (1 + 0.01**2))),
    ("leaky_relu", 0.2, math.sqrt(2 / 1.04)), ("selu", None, 0.75),
])
def test_calculate_gain_is_pytorchs(nonlinearity, param, gain):
    assert nninit.calculate_gain(nonlinearity, param) == pytest.approx(gain, rel=1e-15)


@pytest.mark.parametrize("shape, axes, expected_fans", [
    ((300, 100), {}, (300, 100)),
    ((3, 3, 16, 32), {}, (144, 288)),
    ((5, 16, 32), {}, (80, 160)),
    ((32, 16, 3, 3), {"in_axis": 1, "out_axis": 0}, (144, 288)),  # PyTorch (out, in, kh, kw)
])
def test_compute_fans(shape, axes, expected_fans):
    assert nninit.compute_fans(shape, **axes) == expected_fans


def test_pytorch_layout_through_axes():
    W = nninit.he_normal((64, 32, 3, 3), in_axis=1, out_axis=0, rng=0)  # fan_in = 32·9
    assert abs(variance_z(W, 2 / 288)) < 5


@pytest.mark.parametrize("shape", [(64, 64), (32, 256), (256, 32), (3, 3, 16, 32), (3, 3, 64, 8)])
def test_orthogonal_is_orthogonal(shape):
    W = nninit.orthogonal(shape, gain=1.5, rng=0).reshape(-1, shape[-1])
    small = W.T @ W if W.shape[0] >= W.shape[1] else W @ W.T
    np.testing.assert_allclose(small, 1.5**2 * np.eye(len(small)), rtol=0, atol=1e-10)


def test_orthogonal_is_haar_not_biased():
    """With the sign correction the diagonal of a square Q has mean 0 (without it, it is positive)."""
    diag = np.concatenate([np.diag(nninit.orthogonal((20, 20), rng=s)) for s in range(500)])
    # each entry has variance ~1/20, so the mean of 1e4 of them has SE ~ 0.0022
    assert abs(diag.mean()) < 5 * diag.std() / math.sqrt(diag.size)


def test_truncated_normal_cuts_and_has_exact_variance():
    W = nninit.truncated_normal((400, 400), mean=1.0, std=0.5, bound=2.0, rng=3)
    assert W.min() >= 1.0 - 2 * 0.5 and W.max() <= 1.0 + 2 * 0.5
    # Var after truncation at ±b: 1 − 2bφ(b)/(2Φ(b) − 1); 0.77374 for b = 2
    assert abs(variance_z(W, 0.25 * 0.7737413)) < 5
    V = nninit.variance_scaling((400, 400), 2.0, "fan_in", "truncated_normal", rng=4)
    assert abs(variance_z(V, 2 / 400)) < 5
    assert np.abs(V).max() <= 2 * math.sqrt(2 / 400) / 0.87962566103423978


def test_constant_family():
    assert np.array_equal(nninit.zeros((2, 3)), np.zeros((2, 3)))
    assert np.array_equal(nninit.ones((4,)), np.ones(4))
    assert np.array_equal(nninit.constant((2, 2), 0.5, dtype=np.float32), np.full((2, 2), 0.5, np.float32))


@pytest.mark.parametrize("name", RANDOM_SCHEMES + ["orthogonal"])
def test_seeds_generators_and_dtypes(name):
    f = nninit.get(name)
    assert np.array_equal(f((30, 20), rng=7), f((30, 20), rng=7))
    assert not np.array_equal(f((30, 20), rng=7), f((30, 20), rng=8))
    gen = np.random.default_rng(5)
    first, second = f((30, 20), rng=gen), f((30, 20), rng=gen)
    assert not np.array_equal(first, second)  # the Generator was advanced, not copied
    replay = np.random.default_rng(5)
    assert np.array_equal(first, f((30, 20), rng=replay))
    assert np.array_equal(second, f((30, 20), rng=replay))
    for dtype in (np.float32, np.float64):
        assert f((30, 20), rng=0, dtype=dtype).dtype == dtype


def test_registry_aliases_and_binding():
    assert set(nninit.available()) >= {"zeros", "ones", "constant", "uniform", "normal", "truncated_normal",
                                       "xavier_uniform", "xavier_normal", "he_uniform", "he_normal",
                                       "lecun_uniform", "lecun_normal", "orthogonal", "variance_scaling",
                                       "glorot_uniform", "glorot_normal", "kaiming_uniform", "kaiming_normal"}
    assert nninit.get("glorot_uniform") is nninit.xavier_uniform
    assert nninit.get("kaiming_normal") is nninit.he_normal
    assert nninit.glorot_normal is nninit.xavier_normal and nninit.kaiming_uniform is nninit.he_uniform
    bound = nninit.get("he_normal", mode="fan_out")
    assert np.array_equal(bound((40, 4000), rng=1), nninit.he_normal((40, 4000), mode="fan_out", rng=1))
    custom = lambda shape, *, rng=None, dtype=None: np.zeros(shape)  # noqa: E731
    assert nninit.get(custom) is custom


# ---------------------------------------------------------------- bad input: one case per test


def test_unknown_scheme_suggests_the_closest():
    msg = raises(ValueError, lambda: nninit.get("he_normall"), "init")
    assert "Did you mean 'he_normal'" in msg


def test_unknown_nonlinearity_suggests_the_closest():
    msg = raises(ValueError, lambda: nninit.calculate_gain("tahn"), "nonlinearity")
    assert "Did you mean 'tanh'" in msg


def test_unknown_mode_and_distribution():
    raises(ValueError, lambda: nninit.variance_scaling((3, 3), 1.0, "fanin", "normal"), "mode")
    raises(ValueError, lambda: nninit.variance_scaling((3, 3), 1.0, "fan_in", "gauss"), "distribution")


def test_unknown_hyper_parameter():
    raises(TypeError, lambda: nninit.get("xavier_normal", gian=2.0), "gian")


@pytest.mark.parametrize("shape", [(0, 3), (3, -1), (2.5, 3)])
def test_zero_negative_or_fractional_dimensions(shape):
    raises(ValueError, lambda: nninit.he_normal(shape), "shape")


def test_shape_of_the_wrong_rank_for_a_fan_based_scheme():
    raises(ValueError, lambda: nninit.xavier_uniform((10,)), "shape")
    raises(ValueError, lambda: nninit.orthogonal((10,)), "shape")


def test_not_a_shape():
    raises(TypeError, lambda: nninit.normal(None), "shape")


@pytest.mark.parametrize("kwargs, arg", [({"std": 0.0}, "std"), ({"std": -1.0}, "std"),
                                         ({"std": float("inf")}, "std"), ({"mean": float("nan")}, "mean")])
def test_non_finite_or_non_positive_scales(kwargs, arg):
    raises(ValueError, lambda: nninit.normal((3, 3), **kwargs), arg)


def test_non_positive_gain_and_scale():
    raises(ValueError, lambda: nninit.xavier_uniform((3, 3), gain=0.0), "gain")
    raises(ValueError, lambda: nninit.orthogonal((3, 3), gain=-1.0), "gain")
    raises(ValueError, lambda: nninit.variance_scaling((3, 3), scale=float("nan")), "scale")


def test_uniform_bounds_in_order():
    raises(ValueError, lambda: nninit.uniform((3, 3), low=0.5, high=0.1), "low")


@pytest.mark.parametrize("dtype", [int, np.int32, bool, "complex128"])
def test_non_float_dtype(dtype):
    raises(TypeError, lambda: nninit.he_normal((3, 3), dtype=dtype), "dtype")


@pytest.mark.parametrize("rng", ["seed", 1.5, np.random.RandomState(0), -1])
def test_wrong_rng(rng):
    raises((TypeError, ValueError), lambda: nninit.he_normal((3, 3), rng=rng), "rng")


def test_bad_axes():
    raises(ValueError, lambda: nninit.compute_fans((3, 3), in_axis=5), "in_axis")
    raises(ValueError, lambda: nninit.compute_fans((3, 3), in_axis=1, out_axis=1), "in_axis")


def test_param_only_for_leaky_relu():
    raises(ValueError, lambda: nninit.calculate_gain("relu", 0.2), "param")


# ---------------------------------------------------------------- the source article's functions


def test_article_shapes_and_defaults():
    assert nninit.uniform_init(5, 3).shape == (5, 3)
    assert np.abs(nninit.uniform_init(400, 400, rng=0)).max() <= 0.1
    assert abs(variance_z(nninit.normal_init(400, 400, rng=0), 0.01)) < 5
    assert abs(nninit.normal_init(400, 400, mu=2.0, rng=0).mean() - 2.0) < 5 * 0.1 / 400
    assert abs(variance_z(nninit.he_init(400, 400, rng=0), 2 / 400)) < 5


def test_random_init_has_the_bias_column_and_the_bound():
    W = nninit.random_init(400, 25, rng=0)
    assert W.shape == (25, 401)
    assert np.abs(W).max() <= 0.12 and np.abs(W).max() > 0.12 * 0.99
    assert np.array_equal(nninit.random_init_loop(400, 25, rng=0), W)  # the loop draws the same numbers


def test_xavier_init_keeps_the_articles_std():
    """√(1/(n+m)): half of Glorot's variance, on purpose (the course shows the consequence)."""
    W = nninit.xavier_init(400, 400, rng=0)
    assert abs(variance_z(W, 1 / 800)) < 5
    assert abs(variance_z(W, 2 / 800)) > 5


def test_article_bad_input_names_the_argument():
    raises(ValueError, lambda: nninit.random_init(400, 25, epsilon=-0.1), "epsilon")
    raises(ValueError, lambda: nninit.uniform_init(3, 3, r=0), "r")
    raises(TypeError, lambda: nninit.random_init(400.0, 25), "input_size")
