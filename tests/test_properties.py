"""Property-based tests (Hypothesis) of the numpy layer: initializers, the article's functions, data,
and the explorer's controls.

Each test draws shapes, dtypes, seeds and hyper-parameters. A valid draw must honour the documented
contract (shape, dtype, finite, bounds, variance); an invalid one must raise the documented error
naming the argument, with no warning (tests/errors.py). The profile (fixed examples, counts) is in
tests/conftest.py.

Variance tolerance: where an array has N >= 500 entries its sample variance must lie within 6
standard errors of the scheme's exact variance (``stats.variance_z``: SE = √((m₄ − s⁴)/N), right for
any distribution). A correct sampler fails one such check with probability ~2e-9, so the ~100
checks of a run pass by chance with probability > 1 − 1e-6; a 10 % scale error fails them at N = 500
(z ≈ 0.2/√(2/500) ≈ 3.2 per check for a normal, and the drawn sizes go far higher).
The mean must lie within 6 standard errors (std/√N) of its expected value.
"""

import math

import numpy as np
import pytest

from hypothesis import given, settings
from hypothesis import strategies as st

from errors import names, raises
from stats import variance_z

import nninit
from nninit import data
from nninit import initializers as I

FLOATS = (np.float16, np.float32, np.float64)


class Call:
    """A call to make later, shown as ``name(args)`` when Hypothesis reports a failing example."""

    def __init__(self, fn, *args, **kwargs):
        self.fn, self.args, self.kwargs = fn, args, kwargs

    def __call__(self):
        return self.fn(*self.args, **self.kwargs)

    def __repr__(self):
        parts = [repr(a) for a in self.args] + [f"{k}={v!r}" for k, v in self.kwargs.items()]
        return f"{getattr(self.fn, '__name__', self.fn)}({', '.join(parts)})"
FAN_BASED = ("variance_scaling", "xavier_uniform", "xavier_normal", "glorot_uniform", "glorot_normal",
             "he_uniform", "he_normal", "kaiming_uniform", "kaiming_normal", "lecun_uniform", "lecun_normal")
NONLINEARITIES = sorted([*I._GAINS, "leaky_relu"])


def shapes(min_rank=1, max_rank=4, max_size=6000):
    """Shapes of positive dims with at most ``max_size`` entries (small and large alike)."""
    return st.lists(st.integers(1, 80), min_size=min_rank, max_size=max_rank).map(tuple).filter(
        lambda s: math.prod(s) <= max_size)


def seeds():
    return st.one_of(st.integers(0, 2**63), st.integers(0, 2**32).map(np.random.default_rng))


def positive(lo, hi):
    """Log-uniform-ish positive floats in [lo, hi] (Hypothesis also tries the ends)."""
    return st.floats(math.log(lo), math.log(hi)).map(math.exp)


@st.composite
def schemes(draw):
    """(name, hyper-parameters, shape, dtype) of a valid call, for every registered name."""
    name = draw(st.sampled_from(nninit.available()))
    dtype = draw(st.sampled_from(FLOATS))
    fn = I._lookup(name).__name__
    hyper = {}
    if fn == "constant":
        signed = positive(1e-3, 1e3).map(lambda v: v * draw(st.sampled_from([1, -1])))
        hyper["value"] = draw(st.one_of(st.just(0.0), signed))
    elif fn == "uniform":
        half = draw(positive(1e-3, 1e3))
        centre = draw(st.floats(-10, 10)) * half
        hyper.update(low=centre - half, high=centre + half)
    elif fn in ("normal", "truncated_normal"):
        std = draw(positive(1e-3, 1e3))
        hyper.update(std=std, mean=draw(st.floats(-10, 10)) * std)
        if fn == "truncated_normal":
            # float16's smallest normal number is 6e-5: std·bound stays above it there
            hyper["bound"] = draw(positive(0.1 if dtype == np.float16 else 1e-6, 20.0))
    elif fn in ("xavier_uniform", "xavier_normal", "orthogonal"):
        hyper["gain"] = draw(positive(0.1, 10.0))
    elif fn in ("he_uniform", "he_normal"):
        hyper["nonlinearity"] = draw(st.sampled_from(NONLINEARITIES))
        hyper["mode"] = draw(st.sampled_from(I._MODES))
        if hyper["nonlinearity"] == "leaky_relu":
            hyper["a"] = draw(st.floats(-1.0, 1.0))
    elif fn == "variance_scaling":
        hyper.update(scale=draw(positive(1e-3, 1e3)), mode=draw(st.sampled_from(I._MODES)),
                     distribution=draw(st.sampled_from(I._DISTRIBUTIONS)))
    rank = 2 if fn in (*FAN_BASED, "orthogonal") or name in FAN_BASED else 1
    shape = draw(shapes(min_rank=rank))
    return name, hyper, shape, dtype


def expected_bound(fn, hyper, shape):
    """The largest |W − centre| the scheme can draw (None: unbounded), and the centre."""
    if fn == "uniform":
        return (hyper["high"] - hyper["low"]) / 2, (hyper["high"] + hyper["low"]) / 2
    if fn == "truncated_normal":
        return hyper["bound"] * hyper["std"], hyper["mean"]
    if fn == "orthogonal":
        return hyper["gain"], 0.0
    var = I.variance(fn, shape, **hyper)
    dist = {"xavier_uniform": "uniform", "he_uniform": "uniform", "lecun_uniform": "uniform",
            "variance_scaling": hyper.get("distribution")}.get(fn)
    if dist == "uniform":
        return math.sqrt(3 * var), 0.0
    if dist == "truncated_normal":
        return 2 * math.sqrt(var) / I.TRUNCATED_STD_2, 0.0
    return None, hyper.get("mean", 0.0)


@given(scheme=schemes(), rng=seeds())
def test_initializers_honour_their_contract(scheme, rng):
    name, hyper, shape, dtype = scheme
    fn = I._lookup(name).__name__
    W = nninit.get(name, **hyper)(shape, rng=rng, dtype=dtype)
    assert W.shape == shape and W.dtype == dtype
    assert np.all(np.isfinite(W))
    x = W.astype(np.float64)
    ulp = float(np.finfo(dtype).eps)
    if fn in ("zeros", "ones", "constant"):
        assert np.all(x == float(np.asarray(hyper.get("value", 1.0 if fn == "ones" else 0.0), dtype)))
        return
    bound, centre = expected_bound(fn, hyper, shape)
    if bound is not None:  # inside the exact bound, up to the rounding of the dtype
        assert np.all(np.abs(x - centre) <= bound * (1 + 4 * ulp) + 4 * ulp * abs(centre))
    if fn == "orthogonal":  # Σ W² = gain²·min(rows, cols) exactly, so the mean square is gain²/max
        ms = np.mean(x * x)
        assert ms == pytest.approx(I.variance(name, shape, **hyper), rel=50 * ulp)
        return
    if W.size >= 500:
        target = I.variance(name, shape, **hyper)
        assert abs(variance_z(x, target)) < 6
        assert abs(x.mean() - centre) < 6 * math.sqrt(target / W.size) + 4 * ulp * abs(centre)


@given(scheme=schemes(), seed=st.integers(0, 2**32))
def test_same_seed_same_array(scheme, seed):
    name, hyper, shape, dtype = scheme
    f = nninit.get(name, **hyper)
    assert np.array_equal(f(shape, rng=seed, dtype=dtype), f(shape, rng=seed, dtype=dtype))


@given(bound=positive(1e-12, 1.0), std=positive(1e-3, 1e3), seed=st.integers(0, 2**32))
@settings(max_examples=10)
def test_truncated_normal_small_bounds_are_exact_and_quick(bound, std, seed):
    """Any bound returns (it once took minutes below 1e-5) and has the exact truncated variance."""
    W = nninit.truncated_normal((40, 50), std=std, bound=bound, rng=seed)
    assert np.all(np.abs(W) <= bound * std)
    assert abs(variance_z(W, std * std * I._truncated_variance(bound))) < 6


# ------------------------------------------------------------------ invalid initializer calls

BAD_REALS = [float("nan"), float("inf"), -float("inf"), "0.1", None, True, 1j]


@st.composite
def bad_initializer_calls(draw):
    """(call, exception types, argument the message must name) for one bad argument."""
    kind = draw(st.sampled_from(["shape", "huge", "rank", "dtype", "rng", "hyper", "overflow", "unknown"]))
    with_params = ["constant", "uniform", "normal", "truncated_normal", "variance_scaling", "xavier_uniform",
                   "xavier_normal", "orthogonal", "he_uniform", "he_normal"]
    name = draw(st.sampled_from(with_params if kind in ("hyper", "overflow") else nninit.available()))
    fn = I._lookup(name)
    rank = 2 if fn.__name__ in (*FAN_BASED, "orthogonal") else 1
    shape, dtype, rng, hyper = draw(shapes(min_rank=rank, max_size=100)), None, 0, {}
    if kind == "shape":
        bad = draw(st.sampled_from([0, -1, 2.5, "3", None]))
        shape = (*shape[:-1], bad)
        arg, exc = "shape", (ValueError, TypeError)
    elif kind == "huge":
        shape = (*shape[:-1], 2**40)
        arg, exc = "shape", ValueError
    elif kind == "rank":
        if rank == 1:
            shape = draw(st.sampled_from([None, "abc", 1.5]))
            arg, exc = "shape", (TypeError, ValueError)
        else:
            shape = (draw(st.integers(1, 50)),)
            arg, exc = "shape", ValueError
    elif kind == "dtype":
        dtype = draw(st.sampled_from([int, np.int32, bool, "complex128", "U3", object, "float3"]))
        arg, exc = "dtype", TypeError
    elif kind == "rng":
        rng = draw(st.sampled_from(["seed", 1.5, -1, np.random.RandomState(0), [1, 2]]))
        arg, exc = "rng", (TypeError, ValueError)
    elif kind == "unknown":
        name = draw(st.sampled_from(["he_normall", "Xavier", "glorot", "he", ""]))
        return Call(nninit.get, name), ValueError, "init"
    else:
        params = {"constant": ["value"], "uniform": ["low", "high"], "normal": ["mean", "std"],
                  "truncated_normal": ["mean", "std", "bound"], "variance_scaling": ["scale"],
                  "xavier_uniform": ["gain"], "xavier_normal": ["gain"], "orthogonal": ["gain"],
                  "he_uniform": ["a"], "he_normal": ["a"]}[fn.__name__]
        arg = draw(st.sampled_from(params))
        if kind == "hyper":
            not_positive = [-1.0, 0.0] if arg in ("std", "bound", "scale", "gain") else []
            hyper[arg] = draw(st.sampled_from(BAD_REALS + not_positive))
            if arg == "a" and isinstance(hyper["a"], float) and math.isfinite(hyper["a"]):
                hyper["nonlinearity"] = "relu"
            exc = (ValueError, TypeError)
        else:  # values that overflow the dtype
            dtype = draw(st.sampled_from(FLOATS))
            big = float(np.finfo(dtype).max)
            if arg == "a":
                hyper.update(a=1e200 if dtype == np.float64 else 1e30)  # a gain that underflows
            elif arg in ("low", "high"):
                hyper.update(low=-big, high=big)
            elif arg == "value":  # any finite float64 fits float64: only narrower dtypes overflow
                dtype = draw(st.sampled_from([np.float16, np.float32]))
                hyper["value"] = float(np.finfo(dtype).max) * draw(st.sampled_from([2.0, -2.0]))
            elif arg == "mean":
                hyper.update(mean=big * draw(st.sampled_from([1.0, -1.0])), std=big / 4)
            elif arg == "bound":
                hyper.update(std=big / 3, bound=10.0)
                arg = "std"
            else:  # scale or gain: std = √scale·… or gain·… far above the dtype's largest number
                dtype = draw(st.sampled_from([np.float16, np.float32]))
                big = float(np.finfo(dtype).max) * 1e3
                hyper[arg] = big * big if arg == "scale" else big
            exc = ValueError
    return Call(fn, shape, rng=rng, dtype=dtype, **hyper), exc, arg


@given(case=bad_initializer_calls())
@settings(max_examples=150)
def test_invalid_initializer_calls_name_the_argument(case):
    call, exc, arg = case
    raises(exc, call, arg)


# ------------------------------------------------------------------ the source article's functions

ARTICLE_NAMES = {"n", "m", "r", "mu", "sigma", "epsilon", "input_size", "output_size", "rng"}


@given(n=st.integers(1, 90), m=st.integers(1, 90), r=positive(1e-3, 1e3), rel_mu=st.floats(-10, 10),
       rng=seeds(),
       which=st.sampled_from(["uniform_init", "normal_init", "xavier_init", "he_init", "random_init"]))
def test_article_functions_honour_their_contract(n, m, r, rel_mu, rng, which):
    f = getattr(nninit, which)
    W = {"uniform_init": lambda: f(n, m, r, rng=rng), "normal_init": lambda: f(n, m, rel_mu * r, r, rng=rng),
         "xavier_init": lambda: f(n, m, rng=rng), "he_init": lambda: f(n, m, rng=rng),
         "random_init": lambda: f(n, m, r, rng=rng)}[which]()
    assert W.shape == ((m, n + 1) if which == "random_init" else (n, m)) and W.dtype == np.float64
    assert np.all(np.isfinite(W))
    if which in ("uniform_init", "random_init"):
        assert np.all(np.abs(W) <= r)
    var, mean = {"uniform_init": (r * r / 3, 0.0), "random_init": (r * r / 3, 0.0),
                 "normal_init": (r * r, rel_mu * r), "xavier_init": (1 / (n + m), 0.0),
                 "he_init": (2 / n, 0.0)}[which]
    if W.size >= 500:
        assert abs(variance_z(W, var)) < 6
        assert abs(W.mean() - mean) < 6 * math.sqrt(var / W.size) + 1e-12 * abs(mean)


@st.composite
def bad_article_calls(draw):
    which = draw(st.sampled_from(["uniform_init", "normal_init", "xavier_init", "he_init", "random_init",
                                  "random_init_loop"]))
    f = getattr(nninit, which)
    sizes = ["input_size", "output_size"] if which.startswith("random_init") else ["n", "m"]
    scales = {"uniform_init": ["r"], "normal_init": ["mu", "sigma"], "random_init": ["epsilon"],
              "random_init_loop": ["epsilon"]}.get(which, [])
    arg = draw(st.sampled_from(sizes + scales + ["rng"]))
    kwargs = {sizes[0]: 20, sizes[1]: 10}
    if arg in sizes:
        kwargs[arg] = draw(st.sampled_from([0, -3, 2.5, "7", None, 10**9]))
        if kwargs[arg] == 10**9:  # an n·m too big to allocate: the message names both sizes
            kwargs[sizes[1 - sizes.index(arg)]] = 10**9
    elif arg == "rng":
        kwargs["rng"] = draw(st.sampled_from(["seed", 1.5, -1]))
    else:
        kwargs[arg] = draw(st.sampled_from(BAD_REALS + ([1e308] if arg != "mu" else [])
                                           + ([0.0, -1.0] if arg != "mu" else [])))
    return Call(f, **kwargs), arg


@given(case=bad_article_calls())
@settings(max_examples=150)
def test_article_errors_use_the_articles_own_names(case):
    call, arg = case
    message = raises((ValueError, TypeError), call, arg)
    for other in ("shape", "std", "mean", "low", "high"):
        assert not names(message, other), f"the message uses {other!r}, not the article's own name: {message}"


# ------------------------------------------------------------------ data


@given(name=st.sampled_from(["spirals", "moons", "circles"]), n=st.integers(1, 400),
       classes=st.integers(1, 6), noise=st.floats(0.0, 2.0), factor=st.floats(0.01, 0.99),
       seed=st.integers(0, 2**32))
def test_generated_data_honour_their_contract(name, n, classes, noise, factor, seed):
    kwargs = {"n": n, "noise": noise, "rng": seed}
    k = 2
    if name == "spirals":
        kwargs["classes"] = k = classes
    if name == "circles":
        kwargs["factor"] = factor
    if n < k:
        raises(ValueError, lambda: getattr(data, name)(**kwargs), "n")
        return
    X, y = getattr(data, name)(**kwargs)
    assert X.shape == (n, 2) and X.dtype == np.float64 and y.shape == (n,) and y.dtype == np.intp
    assert np.all(np.isfinite(X))
    counts = np.bincount(y, minlength=k)
    assert len(counts) == k and counts.max() - counts.min() <= 1
    X2, y2 = getattr(data, name)(**kwargs)
    assert np.array_equal(X, X2) and np.array_equal(y, y2)


@given(rows=st.integers(2, 60), cols=st.integers(1, 5), log_scale=st.floats(-300, 300), dtype=st.sampled_from(
    [np.float32, np.float64, np.int64]), seed=st.integers(0, 2**32), shift=st.floats(-5, 5))
def test_standardize_is_exact_and_finite_at_any_scale(rows, cols, log_scale, dtype, seed, shift):
    gen = np.random.default_rng(seed)
    if dtype == np.int64:
        X = gen.integers(-1000, 1000, (rows, cols))
    else:
        info = np.finfo(dtype)
        scale = min(10.0**log_scale, float(info.max) / 20)
        scale = max(scale, float(info.tiny) * 1e3)
        X = ((gen.standard_normal((rows, cols)) + shift) * scale).astype(dtype)
    Z = data.standardize(X)
    assert Z.shape == X.shape and Z.dtype == (np.float64 if dtype == np.int64 else dtype)
    assert np.all(np.isfinite(Z))
    varying = np.any(X != X[0], axis=0)
    tol = 1e-4 if dtype == np.float32 else 1e-9
    z = Z.astype(np.float64)
    assert np.allclose(z.mean(axis=0), 0.0, atol=tol * math.sqrt(rows))
    assert np.allclose(z[:, varying].std(axis=0), 1.0, atol=tol * math.sqrt(rows))
    assert np.all(z[:, ~varying] == 0)


@given(n=st.integers(2, 200), n_classes=st.integers(1, 5), fraction=st.floats(0.01, 0.99),
       seed=st.integers(0, 2**32))
def test_split_is_a_stratified_partition(n, n_classes, fraction, seed):
    y = np.random.default_rng(seed).integers(0, n_classes, n)
    X = np.arange(n)[:, None] * np.ones((1, 3))
    X_tr, X_te, y_tr, y_te = data.train_test_split(X, y, test_fraction=fraction, rng=seed)
    assert len(X_te) == min(max(round(n * fraction), 1), n - 1) and len(X_tr) + len(X_te) == n
    assert sorted(np.concatenate([X_tr[:, 0], X_te[:, 0]]).astype(int)) == list(range(n))
    assert np.array_equal(y[X_tr[:, 0].astype(int)], y_tr) and np.array_equal(y[X_te[:, 0].astype(int)], y_te)
    for c in np.unique(y):  # each class's share of the test set is its share of the data, ± 1
        assert abs(np.sum(y_te == c) - np.sum(y == c) * len(y_te) / n) <= 1


@st.composite
def bad_data_calls(draw):
    kind = draw(st.sampled_from(["n", "noise", "factor", "rng", "classes", "standardize", "others", "split"]))
    if kind == "n":
        n = draw(st.sampled_from([0, -1, 2.5, "300", 10**10]))
        return Call(data.moons, n=n), "n"
    if kind == "noise":
        noise = draw(st.sampled_from([-0.1, float("nan"), float("inf"), 1e308, "0.1"]))
        return Call(data.spirals, noise=noise), "noise"
    if kind == "factor":
        factor = draw(st.sampled_from([0.0, 1.0, 1.5, -0.5, float("nan")]))
        return Call(data.circles, factor=factor), "factor"
    if kind == "rng":
        rng = draw(st.sampled_from(["abc", -1, 2.5]))
        return Call(data.spirals, rng=rng), "rng"
    if kind == "classes":
        classes = draw(st.sampled_from([0, 2.0, "3"]))
        return Call(data.spirals, classes=classes), "classes"
    if kind == "standardize":
        X = draw(st.sampled_from([np.array([[np.nan, 1.0], [2.0, 3.0]]), np.ones(3), np.zeros((0, 2)),
                                  np.array([["a"]]), np.array([[1j]]), [[1, 2], [3]]]))
        return Call(data.standardize, X), "X_train"
    if kind == "others":
        other = draw(st.sampled_from([np.array([[1e308, 0.0]]), np.ones((2, 3)), np.array([[np.inf, 0.0]])]))
        return Call(data.standardize, np.array([[0.0, 1.0], [1.0, 2.0]]), other), "others[0]"
    fraction = draw(st.sampled_from([0.0, 1.0, float("nan"), "0.2", -0.1]))
    call = Call(data.train_test_split, np.ones((10, 2)), np.arange(10) % 2, test_fraction=fraction)
    return call, "test_fraction"


@given(case=bad_data_calls())
@settings(max_examples=50)
def test_invalid_data_calls_name_the_argument(case):
    call, arg = case
    raises((ValueError, TypeError), call, arg)


# ------------------------------------------------------------------ the explorer


@given(depth=st.integers(1, 3), width=st.sampled_from([16, 32]),
       activation=st.sampled_from(["tanh", "relu", "leaky_relu", "sigmoid", "selu", "elu", "gelu",
                                   "identity"]),
       scheme=st.sampled_from(["zeros", "uniform", "normal", "truncated_normal", "xavier_uniform",
                               "xavier_normal", "he_uniform", "he_normal", "lecun_uniform", "lecun_normal",
                               "orthogonal"]),
       gain=st.floats(0.25, 4.0), seed=st.integers(0, 9999))
@settings(max_examples=12)
def test_explore_draws_any_valid_state(depth, width, activation, scheme, gain, seed):
    import matplotlib

    matplotlib.use("Agg")
    from nninit import widgets

    fig = widgets.explore(depth=depth, width=width, activation=activation, scheme=scheme, gain=gain,
                          seed=seed)
    dist, fwd, bwd = fig.get_axes()
    assert len(fwd.get_lines()[0].get_ydata()) == depth
    assert fig.get_suptitle().startswith(f"{depth} × {width} {activation}, {scheme}")


@st.composite
def bad_controls(draw):
    from nninit import widgets

    key = draw(st.sampled_from(["depth", "width", "activation", "scheme", "gain", "seed", "train_steps",
                                "unknown"]))
    bad = {
        "depth": [0, -1, 2.7, widgets.MAX_DEPTH + 1, "3", True],
        "width": [100, 0, 16.0, "32", 512],
        "activation": ["tahn", "ReLU", 3, None, ["relu"]],
        "scheme": ["he", "xavier", 1, None],
        "gain": [float("nan"), float("inf"), 0.0, -1.0, 0.2, 4.5, "1"],
        "seed": [-1, widgets.MAX_SEED + 1, 1.5, "0"],
        "train_steps": [-5, widgets.MAX_TRAIN_STEPS + 1, 2.5],
    }.get(key)
    if bad is None:
        key = draw(st.sampled_from(["dept", "colour", "lr", "Width"]))
        return {key: 1}, key
    return {key: draw(st.sampled_from(bad))}, key


@given(case=bad_controls())
@settings(max_examples=150)
def test_explore_refuses_what_its_controls_cannot_show(case):
    from nninit import widgets

    kwargs, key = case
    raises((ValueError, TypeError), lambda: widgets.explore(**kwargs), key)
    if key != "train_steps":
        raises((ValueError, TypeError), lambda: widgets.check_controls(**kwargs), key)

