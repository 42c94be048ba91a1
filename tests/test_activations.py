"""The activation registry: derivatives, numerical stability, dtypes, known values, flags, errors."""

import math
import re

import numpy as np
import pytest

from nninit import activations
from nninit.activations import SELU_ALPHA, SELU_SCALE

from errors import raises

NAMES = activations.available()
SQUASHING = {"sigmoid", "tanh", "lecun_tanh"}  # the ones with flat tails (a `saturated` mask)
RECTIFIERS = {"relu", "leaky_relu", "elu", "selu"}  # the ReLU family (`rectifier` flag)
# Every kink of the registry sits at x = 0 (relu, leaky_relu, elu's second derivative, selu).
KINK_FREE = np.concatenate([np.linspace(-8.0, -0.05, 160), np.linspace(0.05, 8.0, 160)])


def test_registry_lists_the_design_activations():
    for name in ("identity", "sigmoid", "tanh", "relu", "leaky_relu", "elu", "selu", "gelu"):
        assert name in NAMES


@pytest.mark.parametrize("name", NAMES)
def test_grad_matches_central_differences(name):
    # Central difference with h = 1e-6: truncation error h²|φ'''|/6 <= ~1e-12 (φ''' is O(1) for
    # every registry φ on [-8, 8]), rounding error ~ eps·|φ|/h <= ~2e-9·|φ|; both far below 1e-6.
    # Relative to max(|φ'|, 1e-3), so that zeros of φ' (gelu' at x ≈ −0.75) do not divide by ~0.
    act = activations.get(name)
    x, h = KINK_FREE, 1e-6
    fd = (act.fn(x + h) - act.fn(x - h)) / (2 * h)
    g = act.grad(x)
    rel = np.abs(fd - g) / np.maximum(np.abs(g), 1e-3)
    assert rel.max() < 1e-6, f"{name}: worst at x={x[rel.argmax()]}, rel err {rel.max():.2e}"


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_stable_and_warning_free_up_to_1e4(name, dtype):
    act = activations.get(name)
    x = np.array([-1e4, -1e3, -100.0, -30.0, -1.0, 0.0, 1.0, 30.0, 100.0, 1e3, 1e4], dtype=dtype)
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # no overflow, NaN, 1/0
        y, g = act.fn(x), act.grad(x)
    assert np.isfinite(y).all() and np.isfinite(g).all()
    assert y.dtype == dtype and g.dtype == dtype
    assert y.shape == x.shape and g.shape == x.shape


@pytest.mark.parametrize("name", NAMES)
def test_limits_at_plus_minus_1e4(name):
    act = activations.get(name)
    lo, hi = act.fn(np.array([-1e4, 1e4]))
    expected = {
        "identity": (-1e4, 1e4), "sigmoid": (0.0, 1.0), "tanh": (-1.0, 1.0),
        "lecun_tanh": (-1.7159, 1.7159), "relu": (0.0, 1e4), "leaky_relu": (-100.0, 1e4),
        "elu": (-1.0, 1e4), "selu": (-SELU_SCALE * SELU_ALPHA, SELU_SCALE * 1e4), "gelu": (0.0, 1e4),
        "softplus": (0.0, 1e4),
    }[name]
    assert (lo, hi) == pytest.approx(expected, rel=1e-12, abs=1e-300)


@pytest.mark.parametrize("name", NAMES)
def test_shape_and_python_scalars(name):
    act = activations.get(name)
    x = np.linspace(-2, 2, 24).reshape(2, 3, 4)
    assert act.fn(x).shape == x.shape and act.grad(x).shape == x.shape
    assert float(act.fn(0.5)) == pytest.approx(float(act.fn(np.array([0.5]))[0]))
    assert float(act.grad(0.5)) == pytest.approx(float(act.grad(np.array([0.5]))[0]))
    assert np.array_equal(act(x), act.fn(x))


def _Phi(x):
    return 0.5 * math.erfc(-x / math.sqrt(2.0))


def test_selu_constants_are_klambauers():
    # Klambauer et al. 2017, eq. 14 (the digits printed in the paper).
    assert SELU_ALPHA == pytest.approx(1.6732632423543772848170429916717, rel=1e-15)
    assert SELU_SCALE == pytest.approx(1.0507009873554804934193349852946, rel=1e-15)
    # ... and they are the ones that make (mean 0, variance 1) a fixed point for z ~ N(0, 1):
    # E[selu(z)] = λ(1/√(2π) + α(e^{1/2}Φ(−1) − 1/2)),
    # E[selu(z)²] = λ²(1/2 + α²(e²Φ(−2) − 2e^{1/2}Φ(−1) + 1/2)).
    lam, a = SELU_SCALE, SELU_ALPHA
    mean = lam * (1 / math.sqrt(2 * math.pi) + a * (math.exp(0.5) * _Phi(-1.0) - 0.5))
    second = lam**2 * (0.5 + a**2 * (math.exp(2.0) * _Phi(-2.0) - 2 * math.exp(0.5) * _Phi(-1.0) + 0.5))
    assert abs(mean) < 1e-12 and second == pytest.approx(1.0, abs=1e-12)
    selu = activations.get("selu")
    assert selu.fn(np.array([1.0, -1.0])) == pytest.approx([lam, lam * a * (math.exp(-1) - 1)], rel=1e-15)
    assert selu.grad(np.array([1.0, -1.0])) == pytest.approx([lam, lam * a * math.exp(-1)], rel=1e-15)


def test_known_values():
    x = np.array([0.0, 1.0, -1.0])
    get = activations.get
    assert get("sigmoid").fn(x) == pytest.approx([0.5, 1 / (1 + math.exp(-1)), 1 / (1 + math.e)], rel=1e-15)
    assert get("sigmoid").grad(np.array([0.0]))[0] == 0.25
    assert get("tanh").fn(x) == pytest.approx(np.tanh(x), rel=1e-15)
    assert get("tanh").grad(np.array([0.0]))[0] == 1.0
    # LeCun et al. 1998: 1.7159 tanh(2x/3) is built so that f(±1) = ±1 (to 4 digits).
    assert get("lecun_tanh").fn(np.array([1.0, -1.0])) == pytest.approx([1.0, -1.0], abs=1e-4)
    assert get("relu").fn(x).tolist() == [0.0, 1.0, 0.0]
    assert get("relu").grad(x).tolist() == [0.0, 1.0, 0.0]  # φ'(0) := 0
    assert get("leaky_relu").fn(x).tolist() == [0.0, 1.0, -0.01]  # PyTorch's default slope
    assert get("leaky_relu", slope=0.2).fn(x) == pytest.approx([0.0, 1.0, -0.2])
    assert get("elu").fn(x) == pytest.approx([0.0, 1.0, math.exp(-1) - 1], rel=1e-15)
    assert get("elu", alpha=2.0).fn(x)[2] == pytest.approx(2 * (math.exp(-1) - 1), rel=1e-15)
    # GELU, tanh approximation: ½x(1 + tanh(√(2/π)(x + 0.044715x³))); gelu(1) = 0.8411919906…
    assert get("gelu").fn(x) == pytest.approx([0.0, 0.8411919906082768, -0.15880800939172324], rel=1e-12)
    assert get("softplus").fn(x) == pytest.approx([math.log(2), math.log1p(math.e), math.log1p(math.exp(-1))])
    assert get("softplus").grad(x) == pytest.approx(get("sigmoid").fn(x), rel=1e-15)
    assert get("identity").fn(x).tolist() == x.tolist() and get("identity").grad(x).tolist() == [1.0] * 3


@pytest.mark.parametrize("name", NAMES)
def test_flags(name):
    act = activations.get(name)
    assert act.name == name
    assert act.rectifier is (name in RECTIFIERS)
    assert (act.saturated is not None) is (name in SQUASHING)


def test_saturation_thresholds():
    tanh, sig, lt = (activations.get(n) for n in ("tanh", "sigmoid", "lecun_tanh"))
    ends_only = [True, False, False, False, True]
    assert tanh.saturated(np.array([-0.99, -0.5, 0.0, 0.96, 0.98])).tolist() == ends_only
    assert sig.saturated(np.array([0.01, 0.04, 0.5, 0.96, 0.99])).tolist() == ends_only
    assert lt.saturated(np.array([1.7159 * 0.98, 1.7159 * 0.9])).tolist() == [True, False]


def test_aliases_and_instances():
    assert activations.get("linear").name == "identity"
    act = activations.get("tanh")
    assert activations.get(act) is act


def test_unknown_name_suggests_the_closest():
    message = raises(ValueError, lambda: activations.get("tahn"), "activation")
    assert re.search(r"activation='tahn'.*Did you mean 'tanh'\?", message)
    assert "allowed: identity, sigmoid" in raises(ValueError, lambda: activations.get("swish"), "activation")
    assert "activation must be a string" in raises(TypeError, lambda: activations.get(3), "activation")


def test_bad_parameters_are_named():
    message = raises(TypeError, lambda: activations.get("relu", slope=0.1), "slope")
    assert re.search(r"'relu' got unexpected parameters \['slope'\]; allowed: none", message)
    message = raises(TypeError, lambda: activations.get("leaky_relu", alpha=0.1), "alpha")
    assert re.search(r"unexpected parameters \['alpha'\]; allowed: slope", message)
    message = raises(ValueError, lambda: activations.get("leaky_relu", slope=-0.1), "slope")
    assert re.search(r"slope must be >= 0; got -0\.1", message)
    message = raises(ValueError, lambda: activations.get("elu", alpha=0.0), "alpha")
    assert re.search(r"alpha must be > 0; got 0\.0", message)
    message = raises(TypeError, lambda: activations.get("leaky_relu", slope="big"), "slope")
    assert re.search(r"slope must be a real number; got 'big'", message)
