"""The course's data: generated 2-D sets, the shipped digits, the split and the standardisation."""

import hashlib
import re

import numpy as np
import pytest

from nninit import data

from errors import raises

GENERATORS = {"spirals": data.spirals, "moons": data.moons, "circles": data.circles}
N_CLASSES = {"spirals": 3, "moons": 2, "circles": 2}


@pytest.mark.parametrize("name", GENERATORS)
def test_generated_shapes_dtypes_and_balance(name):
    X, y = GENERATORS[name](rng=0)
    k = N_CLASSES[name]
    assert X.shape == (300, 2) and X.dtype == np.float64 and X.flags.c_contiguous
    assert y.shape == (300,) and y.dtype == np.intp
    assert np.bincount(y, minlength=k).tolist() == [300 // k] * k
    assert np.isfinite(X).all()
    # shuffled: the first 30 rows already hold every class
    assert set(y[:30].tolist()) == set(range(k))


@pytest.mark.parametrize("name", GENERATORS)
@pytest.mark.parametrize("n", [7, 31, 1000])
def test_n_is_the_total_and_classes_differ_by_at_most_one(name, n):
    X, y = GENERATORS[name](n=n, rng=1)
    counts = np.bincount(y, minlength=N_CLASSES[name])
    assert X.shape == (n, 2) and counts.sum() == n and counts.max() - counts.min() <= 1


@pytest.mark.parametrize("name", GENERATORS)
def test_seed_reproducibility(name):
    make = GENERATORS[name]
    X1, y1 = make(rng=42)
    X2, y2 = make(rng=42)
    X3, _ = make(rng=43)
    assert np.array_equal(X1, X2) and np.array_equal(y1, y2)
    assert not np.array_equal(X1, X3)
    g1, g2 = np.random.default_rng(5), np.random.default_rng(5)
    assert np.array_equal(make(rng=g1)[0], make(rng=g2)[0])
    assert not np.array_equal(make(rng=g1)[0], X1)  # a Generator's stream advances


def test_spirals_geometry():
    # Without noise, every point lies at radius r ∈ [0, 1] on arm k, angle 4k + 4r.
    X, y = data.spirals(n=90, classes=3, noise=0.0, rng=0)
    r = np.hypot(X[:, 0], X[:, 1])
    assert r.min() == pytest.approx(0.0, abs=1e-15) and r.max() == pytest.approx(1.0)
    theta = 4.0 * y + 4.0 * r
    assert np.allclose(X, np.column_stack([r * np.sin(theta), r * np.cos(theta)]))
    assert data.spirals(n=50, classes=5, rng=0)[1].max() == 4


def test_moons_and_circles_geometry():
    X, y = data.moons(n=200, noise=0.0, rng=0)
    top, bottom = X[y == 0], X[y == 1]
    assert np.allclose(np.hypot(top[:, 0], top[:, 1]), 1.0) and (top[:, 1] >= -1e-12).all()
    assert np.allclose(np.hypot(bottom[:, 0] - 1.0, bottom[:, 1] - 0.5), 1.0)
    assert (bottom[:, 1] <= 0.5 + 1e-12).all()
    X, y = data.circles(n=200, noise=0.0, factor=0.3, rng=0)
    radius = np.hypot(X[:, 0], X[:, 1])
    assert np.allclose(radius[y == 0], 1.0) and np.allclose(radius[y == 1], 0.3)


def test_noise_has_the_stated_std():
    # circles: each coordinate gets N(0, noise²). The radial residual of n points has std ≈ noise,
    # estimated to a relative SE of √(1/(2n)) ≈ 0.7% for n = 10,000; 5% is 7 SE.
    X, y = data.circles(n=10_000, noise=0.02, rng=3)
    target = np.where(y == 0, 1.0, 0.5)
    residual = np.hypot(X[:, 0], X[:, 1]) - target
    assert residual.std() == pytest.approx(0.02, rel=0.05)


def test_digits_counts_values_and_types():
    X, y = data.digits()
    assert X.shape == (1797, 64) and X.dtype == np.float64
    assert y.shape == (1797,) and y.dtype == np.intp
    # the UCI test set's class distribution (optdigits.names)
    assert np.bincount(y).tolist() == [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]
    assert X.min() == 0.0 and X.max() == 16.0
    assert np.array_equal(X, np.round(X))  # counts of "on" pixels in a 4×4 block
    # the images are sklearn.datasets.load_digits()'s, byte for byte (hashes taken when the file
    # was built from scikit-learn 1.9.1; the first ten images are the digits 0..9)
    assert y[:10].tolist() == list(range(10)) and X[0].sum() == 294.0
    assert hashlib.sha256(X.astype(np.uint8).tobytes()).hexdigest().startswith("8f26b2bd9d135c25")
    assert hashlib.sha256(y.astype(np.uint8).tobytes()).hexdigest().startswith("8ba4f891220f5e4c")


def test_digits_are_cached_but_returned_fresh():
    X1, y1 = data.digits()
    X1[:] = -1.0
    y1[:] = 99
    X2, y2 = data.digits()
    assert X2.min() == 0.0 and y2.max() == 9


def test_split_is_seeded_stratified_and_disjoint():
    X, y = data.digits()
    rows = np.arange(len(y))[:, None]
    Xtr, Xte, ytr, yte = data.train_test_split(np.hstack([rows, X]), y, test_fraction=0.25)
    assert len(yte) == round(0.25 * 1797) and len(ytr) + len(yte) == 1797
    train_rows, test_rows = Xtr[:, 0].astype(int), Xte[:, 0].astype(int)
    assert np.intersect1d(train_rows, test_rows).size == 0
    assert np.union1d(train_rows, test_rows).size == 1797
    assert np.array_equal(y[train_rows], ytr) and np.array_equal(y[test_rows], yte)
    # stratified: every class's test share is within one example of 25%
    share = np.bincount(yte, minlength=10) - 0.25 * np.bincount(y)
    assert np.abs(share).max() < 1.0
    again = data.train_test_split(X, y, test_fraction=0.25)
    assert np.array_equal(again[3], yte) and np.array_equal(again[1], Xte[:, 1:])
    other = data.train_test_split(X, y, test_fraction=0.25, rng=1)
    assert not np.array_equal(other[3], yte)
    assert not np.array_equal(np.sort(train_rows), train_rows)  # parts come back shuffled


def test_split_small_and_uneven():
    X, y = data.spirals(n=10, classes=3, rng=0)  # classes of 4, 3, 3
    Xtr, Xte, ytr, yte = data.train_test_split(X, y, test_fraction=0.3, rng=0)
    assert len(yte) == 3 and np.bincount(yte, minlength=3).tolist() == [1, 1, 1]
    _, Xte, _, yte = data.train_test_split(X[:2], y[:2], test_fraction=0.01)
    assert len(yte) == 1  # at least one test row, at least one training row


def test_standardize_uses_training_statistics():
    rng = np.random.default_rng(0)
    Xtr = rng.normal(3.0, 2.0, size=(500, 4))
    Xtr[:, 2] = 7.0  # constant column
    Xte = rng.normal(3.0, 2.0, size=(100, 4))
    a, b = data.standardize(Xtr, Xte)
    assert np.allclose(a.mean(0), 0.0, atol=1e-12)
    assert np.allclose(a.std(0), [1.0, 1.0, 0.0, 1.0])
    mean, std = Xtr.mean(0), Xtr.std(0)
    std[2] = 1.0
    assert np.allclose(b, (Xte - mean) / std)
    assert np.all(b[:, 2] == Xte[:, 2] - 7.0)  # centred, not divided by zero
    only = data.standardize(Xtr)
    assert isinstance(only, np.ndarray) and np.array_equal(only, a)


def test_standardize_digits_and_dtypes():
    X, y = data.digits()
    Xtr, Xte, _, _ = data.train_test_split(X, y)
    a, b = data.standardize(Xtr, Xte)
    assert np.isfinite(a).all() and np.isfinite(b).all()
    constant = np.ptp(Xtr, axis=0) == 0
    assert constant.any()  # the digits have always-blank pixels
    assert np.allclose(a[:, ~constant].std(0), 1.0) and np.all(a[:, constant] == 0.0)
    assert data.standardize(Xtr.astype(np.float32)).dtype == np.float32
    assert data.standardize(Xtr.astype(np.uint8)).dtype == np.float64


@pytest.mark.parametrize("name", GENERATORS)
def test_generator_errors_name_the_argument(name):
    make = GENERATORS[name]
    assert "n must be at least the number of classes" in raises(ValueError, lambda: make(n=1), "n")
    message = raises(TypeError, lambda: make(n=10.5), "n")
    assert re.search(r"n must be a positive integer; got 10\.5", message)
    message = raises(ValueError, lambda: make(n=0), "n")
    assert re.search(r"n must be a positive integer \(>= 1\); got 0", message)
    message = raises(ValueError, lambda: make(noise=-0.1), "noise")
    assert re.search(r"noise must be >= 0; got -0\.1", message)
    assert "noise must be finite; got nan" in raises(ValueError, lambda: make(noise=float("nan")), "noise")
    message = raises(TypeError, lambda: make(rng="abc"), "rng")
    assert re.search(r"rng must be None, a non-negative int seed or a numpy\.random\.Generator;"
                     r" got 'abc'", message)
    assert "rng must be a non-negative int seed; got -1" in raises(ValueError, lambda: make(rng=-1), "rng")


def test_other_argument_errors():
    message = raises(ValueError, lambda: data.spirals(n=4, classes=5), "n")
    assert re.search(r"n must be at least the number of classes \(5\).*got n=4", message)
    message = raises(TypeError, lambda: data.spirals(classes=2.0), "classes")
    assert re.search(r"classes must be a positive integer; got 2\.0", message)
    message = raises(ValueError, lambda: data.circles(factor=1.5), "factor")
    assert re.search(r"factor must be in \(0, 1\).*got 1\.5", message)
    message = raises(ValueError, lambda: data.circles(factor=0.0), "factor")
    assert re.search(r"factor must be > 0; got 0\.0", message)
    X, y = data.moons(n=20, rng=0)
    for bad in (0.0, 1.0, -0.5, 2):
        message = raises(ValueError, lambda: data.train_test_split(X, y, test_fraction=bad), "test_fraction")
        assert re.search(rf"test_fraction must be in \(0, 1\).*got {bad!r}", message)
    message = raises(TypeError, lambda: data.train_test_split(X, y, test_fraction="0.2"), "test_fraction")
    assert re.search(r"test_fraction must be a number in \(0, 1\); got '0\.2'", message)
    message = raises(ValueError, lambda: data.train_test_split(X, y[:-1]), "X")
    assert re.search(r"X and y must have the same number of rows; got 20 and 19", message)
    assert "y must be 1-D" in raises(ValueError, lambda: data.train_test_split(X, y[:, None]), "y")
    assert "rng must be None" in raises(TypeError, lambda: data.train_test_split(X, y, rng=0.5), "rng")
    message = raises(ValueError, lambda: data.standardize(X, np.zeros((4, 3))), "others")
    assert re.search(r"others\[0\] has 3 columns but X_train has 2", message)
    message = raises(ValueError, lambda: data.standardize(X[:, 0]), "X_train")
    assert re.search(r"X_train must be 2-D.*got shape \(20,\)", message)
    message = raises(ValueError, lambda: data.standardize(np.array([[1.0, np.nan]])), "X_train")
    assert "X_train contains NaN or inf" in message
    message = raises(TypeError, lambda: data.standardize(np.array([["a", "b"]])), "X_train")
    assert re.search(r"X_train must be a 2-D numeric array.*dtype <U1", message)


def test_no_scikit_learn_needed():
    import subprocess
    import sys

    code = (
        "import sys; sys.modules['sklearn'] = None\n"  # any import of sklearn would now fail
        "from nninit import data; X, y = data.digits(); print(X.shape)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "(1797, 64)"
