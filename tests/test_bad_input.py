"""One test per class of bad input: each asserts the exception type and that the message
names the argument, for the calls known to have gone wrong and others of the same class; no warning may
escape on the way (tests/errors.py turns warnings into errors).

The property tests (tests/test_properties*.py) draw many more such calls at random.
"""

import matplotlib

matplotlib.use("Agg")  # no window, ever

import numpy as np
import pytest
from errors import raises

import nninit
from nninit import _checks, activations, data, exercises, plots, theory, training


@pytest.fixture(scope="module")
def runs():
    """A small net, its probe and history, and a run that diverged at step 0."""
    X, y = data.spirals(90, rng=0)
    net = nninit.MLP([2, 16, 3], rng=0)
    history = nninit.fit(net.copy(), X, y, epochs=2, batch_size=30, lr=0.1, rng=0)
    blown = nninit.MLP([2, 16, 3], init=nninit.get("normal", std=1e18), rng=0)
    diverged = nninit.fit(blown, X * 1e3, y, epochs=1, batch_size=30, lr=1.0, rng=0)
    assert diverged.diverged_at == 0 and diverged.n_records == 0
    return X, y, net, net.probe(X, y), history, diverged


def test_class_1_inference_checks_its_input(runs):
    X, y, net, *_ = runs
    nan_row = np.where(np.arange(len(X))[:, None] == 7, np.nan, X)
    for call in (net.forward, net.predict, net.probe, lambda Z: net.loss(Z, y)):
        raises(ValueError, lambda: call(nan_row), "X", given="nan")  # was: label 0, silently
        raises(ValueError, lambda: call(np.where(nan_row != nan_row, np.inf, X)), "X", given="inf")
        raises(ValueError, lambda: call(X * 1e39), "X", given="float32")  # was: inf logits
        raises(TypeError, lambda: call(X + 1j), "X", given="complex")  # was: imaginary part dropped
        raises(TypeError, lambda: call([[1.0, 2.0], [3.0]]), "X")
        raises(ValueError, lambda: call(X[:, :1]), "X")
    raises(ValueError, lambda: nninit.lsuv(net.copy(), nan_row), "X")
    raises(ValueError, lambda: nninit.fit(net.copy(), nan_row, y, epochs=1, batch_size=8, lr=0.1), "X")
    # no warning escapes: a gelu net whose pre-activations pass 1e13 (x³ overflows float32)
    gelu = nninit.MLP([2, 64, 3], activation="gelu", rng=0)
    assert np.all(np.isfinite(raises_nothing(lambda: gelu.forward(X * 1e30))))
    # an overflow inside the network: forward returns it, predict refuses to label it
    big = nninit.MLP([2, 8, 3], init=nninit.get("normal", std=1e30), rng=0)
    assert not np.all(np.isfinite(raises_nothing(lambda: big.forward(X * 1e10))))
    raises(ValueError, lambda: big.predict(X * 1e10), "X")


def raises_nothing(call):
    """call() with every warning turned into an error."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return call()


def test_class_2_non_finite_weights_are_refused_at_construction():
    nan_init = lambda shape, rng=None, dtype=None: np.full(shape, np.nan)  # noqa: E731
    raises(ValueError, lambda: nninit.MLP([2, 3], init=nan_init), "init", given="nan")
    raises(ValueError, lambda: nninit.MLP([2, 4, 3], init=["he_normal", nan_init]), "init")
    raises(ValueError, lambda: nninit.MLP([2, 3], init=nninit.get("constant", value=1e39)), "init", "value")
    raises(ValueError, lambda: nninit.MLP([2, 3], bias_init=1e39), "bias_init")  # inf in float32
    huge = lambda shape, rng=None, dtype=None: np.full(shape, 1e39)           # noqa: E731
    complex_ones = lambda shape, rng=None, dtype=None: np.ones(shape) * 1j    # noqa: E731
    raises(ValueError, lambda: nninit.MLP([2, 3], bias_init=huge), "bias_init")
    raises(TypeError, lambda: nninit.MLP([2, 3], init=complex_ones), "init")
    assert nninit.MLP([2, 3], bias_init=1e39, dtype=np.float64).layers[0].b[0] == 1e39  # fits float64


def test_class_3_plots_and_checkers_check_their_arguments(runs):
    X, y, net, probe, history, diverged = runs
    raises(TypeError, lambda: plots.layer_histograms(history), "probe", given="History")
    raises(TypeError, lambda: plots.layer_densities(history), "probe")
    raises(TypeError, lambda: plots.std_vs_depth({"a": probe, "b": history}), "probes['b']")
    raises(TypeError, lambda: plots.histogram_heatmap(probe), "history", given="Probe")
    raises(TypeError, lambda: plots.update_ratios(probe), "history")
    raises(TypeError, lambda: plots.training_curves({"a": probe}), "histories['a']")
    for call, arg in [(lambda: plots.std_vs_depth({}), "probes"),
                      (lambda: plots.training_curves({}), "histories"),
                      (lambda: plots.decision_boundaries({}, X, y), "nets"),
                      (lambda: plots.gain_sweep([1, 2], {}), "results"),
                      (lambda: plots.gain_sweep([], []), "gains")]:
        raises(ValueError, call, arg)  # what notebook 05 builds when every run of a group diverged
    raises(ValueError, lambda: plots.histogram_heatmap(diverged), "history", given="step 0")
    raises(ValueError, lambda: plots.update_ratios(diverged), "history")
    deeper = theory.predict_for("he_normal", "relu", [2, 16, 16, 3])
    raises(ValueError, lambda: plots.std_vs_depth({"a": probe}, predictions={"a": deeper}),
           "predictions['a']")
    raises(ValueError, lambda: plots.decision_boundaries(net, X, y[:-1]), "y")
    # the exercise checkers (nninit.exercises): a NaN accuracy or a wrong type is an error, not "wrong"
    raises(ValueError, lambda: exercises.check_beyond_seed_spread({"a"}, {"a": float("nan")}, 0.1),
           "accuracies['a']")
    raises(TypeError, lambda: exercises.check_beyond_seed_spread({"a"}, [0.5], 0.1), "accuracies")
    raises(ValueError, lambda: exercises.check_output_variance(0.01, n=0), "n")


def test_class_4_explorer_controls_refuse_instead_of_clamping():
    import matplotlib

    matplotlib.use("Agg")
    from nninit import widgets

    raises(ValueError, lambda: widgets.explore(depth=-1), "depth", given="-1")
    raises(TypeError, lambda: widgets.explore(depth=2.7), "depth", given="2.7")
    raises(ValueError, lambda: widgets.explore(train_steps=-5), "train_steps", given="-5")
    raises(ValueError, lambda: widgets.explore(gain=float("nan")), "gain", given="nan")
    raises(ValueError, lambda: widgets.explore(gain=100.0), "gain", given="100.0")
    raises(ValueError, lambda: widgets.explore(seed=10**6), "seed")
    msg = raises(ValueError, lambda: widgets.explore(activation="tahn"), "activation", given="'tahn'")
    assert "Did you mean 'tanh'" in msg and "relu" in msg  # what is allowed
    msg = raises(ValueError, lambda: widgets.explore(width=100), "width", given="100")
    assert all(str(w) in msg for w in widgets.WIDTHS)
    pytest.importorskip("ipywidgets")
    raises(TypeError, lambda: widgets.explorer(dept=3), "dept")
    raises(ValueError, lambda: widgets.explorer(depth=widgets.MAX_DEPTH + 1), "depth")
    raises(ValueError, lambda: widgets.explorer(width=100), "width")
    box = widgets.explorer(depth=2, width=16)
    before = box.image.value
    raises(ValueError, lambda: box.update(gain=0.1), "gain")
    raises(TypeError, lambda: box.update(colour="red"), "colour")
    raises(ValueError, lambda: box.update(depth=2, seed=-1), "seed")  # checked all before any is set
    assert box.controls["depth"].value == 2 and box.image.value == before


def test_class_5_sizes_that_cannot_fit_are_refused_before_allocating():
    # fit estimates its history before allocating it (this run once filled 3 GiB, then failed)
    X, y = data.spirals(600, rng=0)
    net = nninit.MLP([2, 32, 32, 3], rng=0)
    too_long = dict(epochs=10**5, batch_size=1, record_every=1, lr=0.1)
    msg = raises(ValueError, lambda: nninit.fit(net, X, y, **too_long), "record_every", "epochs")
    need = int(msg.split("raise record_every to ")[1].split(" ")[0].replace(",", ""))
    steps = 10**5 * 600  # the record_every it suggests is the smallest that fits
    assert training.history_nbytes(steps, 10**5, need, 3) <= _checks.MAX_BYTES
    assert training.history_nbytes(steps, 10**5, need - 1, 3) > _checks.MAX_BYTES
    raises(ValueError, lambda: nninit.fit(nninit.MLP([2, 3], rng=0), X, y, epochs=10**9, batch_size=1,
                                          record_every=10**9, lr=0.1), "epochs")
    raises(ValueError, lambda: nninit.MLP([10**5, 10**5, 10]), "sizes")
    raises(ValueError, lambda: nninit.MLP([2, 10**4, 3]).forward(np.zeros((10**5, 2))), "X")
    terabytes = (2**20, 2**20)
    msg = raises(ValueError, lambda: nninit.he_normal(terabytes), "shape", given=str(terabytes))
    assert "GiB" in msg or "TiB" in msg
    for name in nninit.available():
        shape = (3, 3, 2**19, 2**19)
        raises(ValueError, lambda: nninit.get(name)(shape, dtype=np.float32), "shape")
    raises(ValueError, lambda: nninit.uniform_init(10**6, 10**6), "n", "m")
    raises(ValueError, lambda: nninit.random_init(10**6, 10**6), "input_size", "output_size")
    raises(ValueError, lambda: nninit.random_init_loop(2000, 2000), "input_size", "output_size")
    raises(ValueError, lambda: data.spirals(n=10**10), "n")
    # the limit is the documented one: the largest allowed array is drawn
    limit = _checks.MAX_BYTES // 8
    raises(ValueError, lambda: _checks.allocation("shape", (limit + 1,), np.float64), "shape")
    assert _checks.allocation("shape", (limit,), np.float64) == _checks.MAX_BYTES


def test_class_6_overflow_is_refused_not_returned_as_inf_or_zeros():
    raises(ValueError, lambda: nninit.normal((3, 3), std=1e39, dtype=np.float32), "std", given="1e+39")
    raises(ValueError, lambda: nninit.uniform((3, 3), low=-1e308, high=1e308), "low", "high")
    raises(ValueError, lambda: nninit.normal((3, 3), std=1e-40, dtype=np.float32), "std")  # zeros
    raises(ValueError, lambda: nninit.constant((3, 3), 1e39, dtype=np.float32), "value")
    raises(ValueError, lambda: nninit.uniform((3,), 1e20, 1e20 + 1e10, dtype=np.float32), "low", "high")
    raises(ValueError, lambda: nninit.normal((3,), mean=65000.0, std=100.0, dtype=np.float16), "mean")
    raises(ValueError, lambda: nninit.truncated_normal((3,), std=1e38, bound=10, dtype=np.float32),
           "std", "bound")
    raises(ValueError, lambda: nninit.xavier_uniform((3, 3), gain=1e200), "gain")
    raises(ValueError, lambda: nninit.variance_scaling((3, 3), 1e80, dtype=np.float32), "scale")
    raises(ValueError, lambda: nninit.orthogonal((3, 3), gain=1e39, dtype=np.float32), "gain")
    raises(ValueError, lambda: nninit.normal_init(3, 3, sigma=1e308), "sigma")
    # standardize computes exactly at any scale, and refuses what would overflow
    X = np.array([[1e308, 1.0], [-1e308, 2.0], [0.0, 3.0]])
    Z = data.standardize(X)
    assert np.all(np.isfinite(Z)) and np.allclose(Z.std(axis=0), 1.0) and np.allclose(Z.mean(axis=0), 0.0)
    raises(ValueError, lambda: data.standardize(np.array([[0.0], [1.0]]), np.array([[1e308]])), "others[0]")
    raises(ValueError, lambda: data.moons(noise=1e308), "noise")
    # the largest values that fit are accepted and finite
    assert np.all(np.isfinite(nninit.normal((1000,), std=3.4e38 / 14, dtype=np.float32, rng=0)))
    assert np.all(np.isfinite(nninit.uniform((1000,), low=-1e308, high=0.0, rng=0)))


class CountingGenerator(np.random.Generator):
    """A Generator that counts the numbers it hands out."""

    drawn = 0

    def random(self, size=None, dtype=np.float64, out=None):
        self.drawn += int(np.prod(size))
        return super().random(size, dtype=dtype, out=out)

    def standard_normal(self, size=None, dtype=np.float64, out=None):
        self.drawn += int(np.prod(size))
        return super().standard_normal(size, dtype=dtype, out=out)


@pytest.mark.parametrize("bound", [1e-9, 3e-6, 1e-5, 0.3, 0.999, 1.0, 2.0, 1e300])
def test_class_7_truncated_normal_is_bounded_in_work_for_any_bound(bound):
    """The sampler's proposal keeps >= 60.7 % of draws, so N entries cost <= ~N/0.607 proposals
    (two numbers each below bound 1, one above). Counted, not timed: 4·N numbers is ~8 standard
    deviations of the proposal count above its mean at N = 1e5. (The old redraw loop needed
    ~1/(2Φ(b) − 1) normal draws per entry: 1e10 at b = 1e-9.)"""
    gen = CountingGenerator(np.random.PCG64(0))
    W = nninit.truncated_normal((100, 1000), std=1.0, bound=bound, rng=gen)
    assert np.all(np.abs(W) <= bound)
    assert gen.drawn <= 4 * W.size


def test_class_8_messages_use_each_functions_own_words():
    # the article's functions name their own arguments, never the initializers' shape/std/mean
    for call, arg in [(lambda: nninit.normal_init(3, 3, sigma=-1.0), "sigma"),
                      (lambda: nninit.normal_init(3, 3, mu=float("nan")), "mu"),
                      (lambda: nninit.uniform_init(3, 3, r=0), "r"),
                      (lambda: nninit.uniform_init(0, 3), "n"),
                      (lambda: nninit.he_init(3, 2.5), "m"),
                      (lambda: nninit.xavier_init(3, -1), "m"),
                      (lambda: nninit.random_init(400, 25, epsilon=float("inf")), "epsilon")]:
        msg = raises((ValueError, TypeError), call, arg)
        assert not any(w in msg for w in ("shape", "std", "mean")), msg
    # a is leaky_relu's slope only, as calculate_gain's param: the same rule, stated
    msg = raises(ValueError, lambda: nninit.he_normal((3, 3), a=0.2, nonlinearity="relu"),
                 "a", "nonlinearity")
    assert "leaky_relu" in msg
    raises(ValueError, lambda: nninit.he_uniform((3, 3), a=-0.1, nonlinearity="tanh"), "a")
    raises(ValueError, lambda: nninit.calculate_gain("relu", 0.2), "param")
    raises(ValueError, lambda: nninit.get("he_normal", a=0.2, nonlinearity="selu")((3, 3)), "a")
    assert nninit.he_normal((3, 3), a=0.0, nonlinearity="relu", rng=0).shape == (3, 3)  # 0 is the default
    # names that are not names, and arrays that do not match
    raises(TypeError, lambda: activations.get(["relu"]), "activation", given="['relu']")  # not "unhashable"
    raises(TypeError, lambda: nninit.MLP([2, 3], activation=["relu"]), "activation")
    raises(ValueError, lambda: theory.variance_map("tanh", [1.0, 2.0], [0.0, 0.0, 0.0], 1.0),
           "sigma_w2", "sigma_b2")
    raises(ValueError, lambda: theory.chi("tanh", [1.0, 2.0], [1.0, 2.0, 3.0]), "sigma_w2", "q")
    raises(ValueError, lambda: theory.chi1("tanh", [1.0, 2.0], [0.0, 0.0, 0.0]), "sigma_w2", "sigma_b2")
    raises(ValueError, lambda: theory.predict("tanh", [4, 4, 4], [1.0, 1.0, 1.0]), "weight_var")
    raises(TypeError, lambda: theory.predict_for("he_normal", "relu", [2, 3], gain="2"), "gain")
