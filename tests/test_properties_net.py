"""Property-based tests (Hypothesis) of the network layer: activations, the MLP's forward, predict and
probe, fit, and theory. Valid draws must honour the documented contract; invalid ones must raise the
documented error naming the argument, with no warning (tests/errors.py). Profile: tests/conftest.py.
"""

import math

import numpy as np
import pytest

from hypothesis import given, settings
from hypothesis import strategies as st

from errors import raises

import nninit
from nninit import activations, theory, training

ACTIVATIONS = activations.available()
# schemes whose weights keep a small net's signal O(1), so its forward pass is finite
INITS = ["he_normal", "he_uniform", "xavier_normal", "xavier_uniform", "lecun_normal", "lecun_uniform",
         "orthogonal", "truncated_normal", "normal", "uniform"]
DTYPES = (np.float32, np.float64)


# ------------------------------------------------------------------ activations


@given(name=st.sampled_from(ACTIVATIONS), dtype=st.sampled_from(DTYPES), seed=st.integers(0, 2**32),
       scale=st.sampled_from([1e-3, 1.0, 10.0, 1e4]), size=st.integers(1, 200))
def test_activations_keep_shape_and_dtype_and_stay_finite(name, dtype, seed, scale, size):
    """Stable for |x| up to 1e4 (the module's contract): finite, no warning, dtype kept."""
    x = (np.random.default_rng(seed).standard_normal(size) * scale).astype(dtype)
    act = activations.get(name)
    # any overflow, invalid operation or division by zero fails the test (underflow to 0 is fine and
    # numpy never reports it by default)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        y, g = act(x), act.grad(x)
    for v in (y, g):
        assert v.shape == x.shape and v.dtype == dtype and np.all(np.isfinite(v))


@given(name=st.sampled_from(ACTIVATIONS), x=st.floats(-6, 6).filter(lambda v: abs(v) > 1e-3))
def test_activation_gradients_are_the_derivatives(name, x):
    """φ'(x) against a central difference (h = 1e-6, float64: truncation ~1e-12·|φ'''|, rounding
    ~1e-10); 1e-6 absolute + relative tolerance leaves room for both. Kinks (x = 0) are avoided."""
    act = activations.get(name)
    h = 1e-6
    numeric = (act(np.array([x + h])) - act(np.array([x - h])))[0] / (2 * h)
    assert act.grad(np.array([x]))[0] == pytest.approx(numeric, rel=1e-6, abs=1e-6)


@given(bad=st.sampled_from([["relu"], ("tanh",), 3, None, b"relu", {"relu": 1}, "tahn", "ReLU", ""]))
def test_activation_names_are_checked(bad):
    raises((TypeError, ValueError), lambda: activations.get(bad), "activation")


# ------------------------------------------------------------------ the MLP


@st.composite
def nets(draw):
    sizes = draw(st.lists(st.integers(1, 24), min_size=2, max_size=5))
    sizes[-1] = max(sizes[-1], 2)  # at least two classes, so that predict has a choice
    return dict(sizes=sizes, activation=draw(st.sampled_from(ACTIVATIONS)), init=draw(st.sampled_from(INITS)),
                dtype=draw(st.sampled_from(DTYPES)), rng=draw(st.integers(0, 2**32)))


@given(spec=nets(), n=st.integers(1, 40), seed=st.integers(0, 2**32))
def test_forward_predict_and_probe_honour_their_contract(spec, n, seed):
    net = nninit.MLP(**spec)
    sizes, dtype, L = spec["sizes"], np.dtype(spec["dtype"]), len(spec["sizes"]) - 1
    X = np.random.default_rng(seed).standard_normal((n, sizes[0]))
    logits = net.forward(X)
    assert logits.shape == (n, sizes[-1]) and logits.dtype == dtype and np.all(np.isfinite(logits))
    labels = net.predict(X)
    assert labels.shape == (n,) and np.array_equal(labels, logits.argmax(axis=1))
    assert labels.min() >= 0 and labels.max() < sizes[-1]
    y = np.random.default_rng(seed + 1).integers(0, sizes[-1], n)
    probe = net.probe(X, y)
    for field in ("pre", "act", "grad_pre", "grad_act"):
        arrays = getattr(probe, field)
        assert [a.shape for a in arrays] == [(n, w) for w in sizes[1:]]
        assert all(a.dtype == dtype and np.all(np.isfinite(a)) for a in arrays)
    assert [g.shape for g in probe.grad_W] == [(i, o) for i, o in zip(sizes[:-1], sizes[1:])]
    assert np.isfinite(probe.loss) and probe.loss >= 0
    # dL/dW_1 = Xᵀ dL/ds_1 (examples as rows); float32 sums agree to ~1e-6 of the terms' scale
    expected = X.astype(dtype).T.astype(np.float64) @ probe.grad_pre[0].astype(np.float64)
    scale = np.abs(X).T @ np.abs(probe.grad_pre[0].astype(np.float64)) + 1e-30
    assert np.all(np.abs(probe.grad_W[0] - expected) <= (1e-5 if dtype == np.float32 else 1e-12) * scale)
    assert np.array_equal(net.probe(X, rng=seed).grad_pre[-1], net.probe(X, rng=seed).grad_pre[-1])
    assert len(probe.pre) == L


@st.composite
def bad_inputs(draw):
    """(X, exception, words) for an MLP([3, 8, 2]) of the drawn dtype."""
    dtype = draw(st.sampled_from(DTYPES))
    n = draw(st.integers(1, 20))
    X = np.random.default_rng(draw(st.integers(0, 2**32))).standard_normal((n, 3))
    kind = draw(st.sampled_from(["nan", "inf", "complex", "width", "rank", "strings", "ragged", "overflow",
                                 "empty"]))
    if kind in ("nan", "inf"):
        X[draw(st.integers(0, n - 1)), draw(st.integers(0, 2))] = {"nan": np.nan, "inf": -np.inf}[kind]
        return dtype, X, ValueError
    if kind == "complex":
        return dtype, X + 1j * draw(st.sampled_from([0.0, 1.0])), TypeError
    if kind == "width":
        return dtype, X[:, :2], ValueError
    if kind == "rank":
        return dtype, X[0], ValueError
    if kind == "strings":
        return dtype, X.astype(str), TypeError
    if kind == "ragged":
        return dtype, [[1.0, 2.0, 3.0], [1.0]], TypeError
    if kind == "empty":
        return dtype, X[:0], ValueError
    # beyond float32's range: a float32 net must refuse it (it would become inf); a float64 net gets inf
    X[0, 0] = 1e39 if dtype == np.float32 else np.inf
    return dtype, X, ValueError


@given(case=bad_inputs(), which=st.sampled_from(["forward", "predict", "probe", "loss"]))
@settings(max_examples=150)
def test_bad_inputs_are_refused_by_every_entry_point(case, which):
    dtype, X, exc = case
    net = nninit.MLP([3, 8, 2], dtype=dtype, rng=0)
    call = {"forward": lambda: net.forward(X), "predict": lambda: net.predict(X),
            "probe": lambda: net.probe(X), "loss": lambda: net.loss(X, np.zeros(len(X), dtype=int))}[which]
    raises(exc, call, "X")


@given(value=st.sampled_from([np.nan, np.inf, -np.inf, 1e39, 1j]), arg=st.sampled_from(["init", "bias_init"]),
       how=st.sampled_from(["function", "number"]), dtype=st.sampled_from(DTYPES))
def test_non_finite_weights_are_refused_at_construction(value, arg, how, dtype):
    if how == "number" and arg == "init" or (value == 1e39 and dtype == np.float64):
        return  # init takes no bare number; 1e39 is a fine float64
    spec = (lambda shape, rng=None, dtype=None: np.full(shape, value)) if how == "function" else value
    raises((ValueError, TypeError), lambda: nninit.MLP([3, 4, 2], dtype=dtype, **{arg: spec}), arg)


# ------------------------------------------------------------------ fit


@given(spec=nets(), n=st.integers(2, 40), epochs=st.integers(1, 3), batch=st.integers(1, 40),
       lr=st.floats(1e-3, 0.5), optimizer=st.sampled_from(["sgd", "adam"]), record_every=st.integers(1, 12),
       momentum=st.sampled_from([0.0, 0.9]), seed=st.integers(0, 2**32))
@settings(max_examples=100)
def test_fit_honours_its_contract(spec, n, epochs, batch, lr, optimizer, record_every, momentum, seed):
    net = nninit.MLP(**spec)
    gen = np.random.default_rng(seed)
    X, y = gen.standard_normal((n, spec["sizes"][0])), gen.integers(0, spec["sizes"][-1], n)
    h = nninit.fit(net, X, y, epochs=epochs, batch_size=batch, lr=lr, optimizer=optimizer, rng=seed,
                   momentum=momentum if optimizer == "sgd" else 0.0, record_every=record_every)
    planned = epochs * math.ceil(n / batch)
    L = len(spec["sizes"]) - 1
    if h.diverged_at is None:
        assert h.n_steps == planned and h.reason is None
        assert all(np.all(np.isfinite(layer.W)) for layer in net.layers)
    else:
        assert h.n_steps == h.diverged_at <= planned and h.reason
    assert np.all(np.isfinite(h.loss))
    assert np.array_equal(h.record_steps, np.arange(0, h.n_steps, record_every)[: h.n_records])
    assert h.act_std.shape == (h.n_records, L) and h.act_hist.shape[:2] == (h.n_records, L)
    assert np.allclose(h.act_hist.sum(axis=2), 1.0)
    assert h.nbytes <= training.history_nbytes(planned, epochs, record_every, L)


@st.composite
def bad_fit_calls(draw):
    arg = draw(st.sampled_from(["epochs", "batch_size", "record_every", "lr", "momentum", "optimizer", "rng",
                                "history"]))
    kwargs = dict(epochs=1, batch_size=8, lr=0.1)
    if arg == "history":  # 2e7 to 2e9 steps recorded every 1..5: GiBs of history, refused before allocating
        kwargs.update(epochs=draw(st.integers(10**6, 10**8)), batch_size=1,
                      record_every=draw(st.integers(1, 5)))
        return kwargs, "record_every"
    kwargs[arg] = draw(st.sampled_from({
        "epochs": [0, -1, 2.5, "3", None], "batch_size": [0, 1.5, "8"], "record_every": [0, -3, 0.5],
        "lr": [0.0, -0.1, float("nan"), float("inf"), "0.1"], "momentum": [1.0, -0.5, float("nan"), 1.5],
        "optimizer": ["SGD", "adamw", 3], "rng": ["seed", -1, 2.5]}[arg]))
    return kwargs, arg


@given(case=bad_fit_calls())
@settings(max_examples=50)
def test_bad_fit_arguments_name_the_argument(case):
    kwargs, arg = case
    X, y = np.random.default_rng(0).standard_normal((20, 2)), np.arange(20) % 2
    raises((ValueError, TypeError), lambda: nninit.fit(nninit.MLP([2, 4, 2], rng=0), X, y, **kwargs), arg)


# ------------------------------------------------------------------ theory

VAR = st.floats(0.0, 1e3)


@given(w2=VAR, b2=VAR, q=st.floats(0.0, 1e4))
def test_length_maps_match_their_closed_forms(w2, b2, q):
    """ReLU: V(q) = σ_w² q/2 + σ_b², χ = σ_w²/2; identity: V(q) = σ_w² q + σ_b², χ = σ_w²;
    tanh: V(q) <= σ_w² + σ_b² (|tanh| < 1) and χ <= σ_w². Quadrature accuracy ~1e-13 (theory.py)."""
    assert theory.variance_map("relu", w2, b2, q) == pytest.approx(w2 * q / 2 + b2, rel=1e-10, abs=1e-12)
    assert theory.variance_map("identity", w2, b2, q) == pytest.approx(w2 * q + b2, rel=1e-10, abs=1e-12)
    assert theory.chi("relu", w2, q) == pytest.approx(w2 / 2, rel=1e-10, abs=1e-12)
    assert theory.variance_map("tanh", w2, b2, q) <= w2 + b2 + 1e-9 * (w2 + b2)
    assert theory.chi("tanh", w2, q) <= w2 * (1 + 1e-9)


@given(act=st.sampled_from(ACTIVATIONS), sizes=st.lists(st.integers(1, 500), min_size=2, max_size=8),
       gain=st.floats(0.25, 4.0), input_var=st.floats(0.0, 10.0))
def test_predict_gives_one_finite_value_per_layer(act, sizes, gain, input_var):
    p = theory.predict_for("lecun_normal", act, sizes, gain=gain, input_var=input_var)
    L = len(sizes) - 1
    for field in ("pre_std", "act_mean", "act_std", "grad_pre_std", "grad_act_std"):
        v = getattr(p, field)
        assert v.shape == (L,) and np.all(np.isfinite(v))
    assert np.all(p.pre_std >= 0) and p.grad_pre_std[-1] == 1.0
    if act == "relu":  # q_1 = n_0 · (gain²/n_0) · input_var, then gain²/2 per layer
        assert p.pre_std[0] == pytest.approx(gain * math.sqrt(input_var), rel=1e-12, abs=1e-300)


@st.composite
def bad_theory_calls(draw):
    kind = draw(st.sampled_from(["negative", "nan", "shapes", "type", "per_layer", "activation"]))
    if kind == "shapes":
        a, b = draw(st.integers(2, 5)), draw(st.integers(2, 5))
        if a == b:
            b += 1
        return (lambda: theory.variance_map("tanh", np.ones(a), np.zeros(b), 1.0)), ("sigma_w2", "sigma_b2")
    if kind == "per_layer":
        n_vars = draw(st.sampled_from([1, 3, 4]))
        return (lambda: theory.predict("tanh", [4, 4, 4], [1.0] * n_vars),), ("weight_var",)
    if kind == "activation":
        return (lambda: theory.fixed_point(["tanh"], 1.0, 0.0)), ("activation",)
    arg = draw(st.sampled_from(["sigma_w2", "sigma_b2"]))
    value = {"negative": -1.0, "nan": float("nan"), "type": "1.0"}[kind]
    kwargs = {"sigma_w2": 1.0, "sigma_b2": 0.0, arg: value}
    fn = draw(st.sampled_from([theory.fixed_point, theory.chi1]))
    return (lambda: fn("tanh", **kwargs)), (arg,)


@given(case=bad_theory_calls())
@settings(max_examples=40)
def test_bad_theory_arguments_name_the_argument(case):
    call, args = case
    if isinstance(call, tuple):
        call = call[0]
    raises((ValueError, TypeError), call, *args)
