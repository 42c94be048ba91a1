"""Small, offline data sets for the course, and the two preprocessing steps it needs.

Generated 2-D problems (float64 X of shape (n, 2), intp labels y of shape (n,), n the total number
of points, classes balanced — sizes differ by at most one when n is not a multiple of the number of
classes — and the rows shuffled, so that any slice holds every class):

* :func:`spirals` — CS231n's interleaved spiral arms (the classic "a linear model cannot do this");
* :func:`moons` — two interleaving half circles;
* :func:`circles` — a small circle inside a large one.

Each takes ``rng``: None, an int seed or a ``numpy.random.Generator`` (the same int seed always gives
the same data).

:func:`digits` returns the 8×8 handwritten digits that ship with the package (no download):
1,797 images, X float64 of shape (1797, 64) with pixel counts 0..16, y intp digits 0..9.

Labels are ``np.intp``, numpy's index type: int64 on a 64-bit machine, int32 in the browser edition
(Pyodide is 32-bit), where ``np.bincount`` and indexing refuse int64.

Source and licence of the digits: this is the test set ("optdigits.tes") of the *Optical
Recognition of Handwritten Digits* data set, E. Alpaydin and C. Kaynak, Department of Computer
Engineering, Bogazici University, 1998, from the UCI Machine Learning Repository
(https://archive.ics.uci.edu/dataset/80/optical+recognition+of+handwritten+digits), licensed under
Creative Commons Attribution 4.0 International (CC BY 4.0, https://creativecommons.org/licenses/by/4.0/).
32×32 bitmaps written by 13 people were divided into 4×4 blocks and the "on" pixels in each block
counted, giving 8×8 images of integers 0..16. The copy here is the same array scikit-learn ships
as ``sklearn.datasets.load_digits()``, stored unchanged as uint8 in ``nninit/digits.npz``
(X (1797, 64), y (1797,)); nninit does not need scikit-learn.
Please cite: E. Alpaydin, C. Kaynak (1998), Cascading Classifiers, Kybernetika; and the UCI
Machine Learning Repository.

Preprocessing: :func:`train_test_split` (seeded, stratified) and :func:`standardize` (statistics of
the training set, applied to every set).
"""

from __future__ import annotations

import numbers
from importlib import resources

import numpy as np

from . import _checks

__all__ = ["circles", "digits", "moons", "spirals", "standardize", "train_test_split"]


def _counts(n: int, classes: int) -> np.ndarray:
    """Points per class: n split as evenly as possible (the first n % classes get one more)."""
    counts = np.full(classes, n // classes)
    counts[: n % classes] += 1
    return counts


def _check_n(n, classes: int) -> int:
    n = _checks.positive_int("n", n)
    if n < classes:
        raise ValueError(f"n must be at least the number of classes ({classes}) so that every class has a"
                         f" point; got n={n}")
    _checks.allocation("n", (n, 2), np.float64, what="X of shape (n, 2)", given=n)
    return n


def _check_noise(noise, reach: float) -> float:
    """``noise`` >= 0 and finite, and ``reach`` + 14·noise (the largest value a point can get, as
    |z| < 14 for numpy's normal draws) finite in float64."""
    noise = _checks.real("noise", noise, nonnegative=True)
    _checks.fits(np.float64, reach + _checks.NORMAL_REACH * noise, given=f"noise={noise!r}")
    return noise


def _shuffled(X: np.ndarray, y: np.ndarray, rng: np.random.Generator):
    order = rng.permutation(len(y))
    return np.ascontiguousarray(X[order], dtype=np.float64), y[order].astype(np.intp)


def spirals(n: int = 300, classes: int = 3, noise: float = 0.2, rng=None):
    """Interleaved spiral arms, one per class (the CS231n "spiral" data).

    Arm k has its points at radius r evenly spaced in [0, 1] and angle θ = 4k + 4r + N(0, noise²)
    (radians), at (r sin θ, r cos θ); ``noise`` blurs the angle. Returns (X (n, 2) float64,
    y (n,) intp in 0..classes-1).
    """
    classes = _checks.positive_int("classes", classes)
    n = _check_n(n, classes)
    noise = _check_noise(noise, 4.0 * classes + 4.0)  # the angle θ
    gen = _checks.generator(rng)
    counts = _counts(n, classes)
    y = np.repeat(np.arange(classes), counts)
    # r = np.linspace(0, 1, m) for each arm, computed as linspace does: i·(1/(m − 1)), the last set to 1
    first = np.cumsum(counts) - counts
    i = np.arange(n) - first[y]
    m = counts[y]
    r = i * (1.0 / np.maximum(m - 1, 1))
    r[(i == m - 1) & (m > 1)] = 1.0
    theta = 4.0 * y + 4.0 * r + noise * gen.standard_normal(n)
    X = np.column_stack([r * np.sin(theta), r * np.cos(theta)])
    return _shuffled(X, y, gen)


def moons(n: int = 300, noise: float = 0.1, rng=None):
    """Two interleaving half circles of radius 1 (class 0 on top, class 1 shifted by (1, −0.5)).

    Points are evenly spaced along each arc, then N(0, noise²) is added to both coordinates.
    Returns (X (n, 2) float64, y (n,) intp in {0, 1}).
    """
    n = _check_n(n, 2)
    noise = _check_noise(noise, 2.0)
    gen = _checks.generator(rng)
    m0, m1 = _counts(n, 2)
    t0, t1 = np.linspace(0.0, np.pi, m0), np.linspace(0.0, np.pi, m1)
    X = np.concatenate([np.column_stack([np.cos(t0), np.sin(t0)]),
                        np.column_stack([1.0 - np.cos(t1), 0.5 - np.sin(t1)])])
    X += noise * gen.standard_normal(X.shape)
    y = np.repeat([0, 1], [m0, m1])
    return _shuffled(X, y, gen)


def circles(n: int = 300, noise: float = 0.05, factor: float = 0.5, rng=None):
    """A circle of radius ``factor`` (class 1) inside a circle of radius 1 (class 0).

    Points are evenly spaced in angle on each circle, then N(0, noise²) is added to both
    coordinates. ``factor`` must lie in (0, 1). Returns (X (n, 2) float64, y (n,) intp in {0, 1}).
    """
    n = _check_n(n, 2)
    noise = _check_noise(noise, 1.0)
    factor = _checks.real("factor", factor, positive=True)
    if factor >= 1.0:
        raise ValueError(f"factor must be in (0, 1) (the inner radius relative to the outer); got {factor!r}")
    gen = _checks.generator(rng)
    m0, m1 = _counts(n, 2)
    t0 = np.linspace(0.0, 2.0 * np.pi, m0, endpoint=False)
    t1 = np.linspace(0.0, 2.0 * np.pi, m1, endpoint=False)
    X = np.concatenate([np.column_stack([np.cos(t0), np.sin(t0)]),
                        factor * np.column_stack([np.cos(t1), np.sin(t1)])])
    X += noise * gen.standard_normal(X.shape)
    y = np.repeat([0, 1], [m0, m1])
    return _shuffled(X, y, gen)


_DIGITS: tuple[np.ndarray, np.ndarray] | None = None


def digits():
    """The 8×8 handwritten digits shipped with nninit: (X (1797, 64) float64 in 0..16, y (1797,) intp).

    Row i of X is image i read row by row (``X[i].reshape(8, 8)`` shows it). Classes 0..9 have
    178, 182, 177, 183, 181, 182, 181, 179, 174, 180 images. The file is read on the first call and
    cached; every call returns fresh arrays, so changing them does not change the next call's.
    Source: UCI "Optical Recognition of Handwritten Digits" (Alpaydin & Kaynak 1998), test set,
    CC BY 4.0 — see the module docstring.
    """
    global _DIGITS
    if _DIGITS is None:
        with resources.files(__package__).joinpath("digits.npz").open("rb") as fh, np.load(fh) as z:
            _DIGITS = (z["X"].copy(), z["y"].copy())
    X, y = _DIGITS
    return X.astype(np.float64), y.astype(np.intp)


def _array(arg: str, X) -> np.ndarray:
    try:
        return np.asarray(X)
    except Exception:  # numpy raises ValueError for ragged lists, other kinds for odd objects
        raise TypeError(f"{arg} must be a numeric array (examples as rows); got a {type(X).__name__}"
                        " that numpy cannot read as one (ragged rows?)") from None


def _as_2d(arg: str, X) -> np.ndarray:
    arr = _array(arg, X)
    if arr.dtype.kind not in "iuf":
        raise TypeError(f"{arg} must be a 2-D numeric array (examples as rows); got dtype {arr.dtype}")
    if arr.ndim != 2:
        raise ValueError(f"{arg} must be 2-D (examples as rows, features as columns); got shape {arr.shape}")
    if arr.shape[0] == 0:
        raise ValueError(f"{arg} must have at least one row; got shape {arr.shape}")
    if arr.dtype.kind == "f" and not np.isfinite(arr).all():
        raise ValueError(f"{arg} contains NaN or inf; clean the data first")
    return arr


def train_test_split(X, y, test_fraction: float = 0.25, rng=0):
    """Split (X, y) into (X_train, X_test, y_train, y_test), stratified by the labels in y.

    The test set gets round(n · test_fraction) rows (at least 1, leaving at least 1 for training),
    shared among the classes in proportion to their sizes (largest remainders), so both parts keep
    the class balance of y. Rows are drawn at random from ``rng`` (default seed 0: the same split
    every run) and each part comes back shuffled. ``y`` must be 1-D with one label per row of X.
    """
    X = _array("X", X)
    if X.ndim < 1 or X.shape[0] == 0:
        raise ValueError(f"X must be an array with one example per row; got shape {X.shape}")
    y = _array("y", y)
    if y.ndim != 1:
        raise ValueError(f"y must be 1-D (one label per example); got shape {y.shape}")
    if y.shape[0] != X.shape[0]:
        raise ValueError(f"X and y must have the same number of rows; got {X.shape[0]} and {y.shape[0]}")
    if isinstance(test_fraction, bool) or not isinstance(test_fraction, numbers.Real):
        raise TypeError(f"test_fraction must be a number in (0, 1); got {test_fraction!r}")
    if not 0.0 < float(test_fraction) < 1.0:
        raise ValueError("test_fraction must be in (0, 1) (the share of rows kept for testing);"
                         f" got {test_fraction!r}")
    n = y.shape[0]
    if n < 2:
        raise ValueError(f"need at least 2 examples to split into a training and a test set; got {n}")
    gen = _checks.generator(rng)

    n_test = min(max(int(round(n * float(test_fraction))), 1), n - 1)
    labels, inverse, sizes = np.unique(y, return_inverse=True, return_counts=True)
    share = sizes * (n_test / n)
    per_class = np.floor(share).astype(int)
    extra = n_test - per_class.sum()
    if extra:  # largest remainders first; ties to the larger class, then the smaller label
        order = np.lexsort((np.arange(labels.size), -sizes, -(share - per_class)))
        per_class[order[:extra]] += 1

    test_idx, train_idx = [], []
    for c in range(labels.size):
        members = np.flatnonzero(inverse == c)
        gen.shuffle(members)
        test_idx.append(members[: per_class[c]])
        train_idx.append(members[per_class[c]:])
    test_idx = gen.permutation(np.concatenate(test_idx))
    train_idx = gen.permutation(np.concatenate(train_idx))
    return X[train_idx], X[test_idx], y[train_idx], y[test_idx]


def standardize(X_train, *others):
    """Centre and scale every column by the *training* set's mean and std; apply the same to others.

    Returns the standardised X_train if no other arrays are given, else a tuple
    ``(X_train_std, *others_std)``: ``X_tr, X_te = standardize(X_tr, X_te)``. A column that is
    constant in the training set (the digits' always-blank corner pixels) is only centred, never
    divided by zero. Float arrays keep their dtype; integer arrays become float64.
    """
    Xtr = _as_2d("X_train", X_train)
    arrays = [Xtr] + [_as_2d(f"others[{i}]", X) for i, X in enumerate(others)]
    for i, X in enumerate(arrays[1:]):
        if X.shape[1] != Xtr.shape[1]:
            raise ValueError(
                f"others[{i}] has {X.shape[1]} columns but X_train has {Xtr.shape[1]}; they must match"
            )
    # Each column is first divided by a power of two near its largest |value| in X_train. That is
    # exact, so the results are bit for bit those of (X − mean) / std, but no sum or square
    # overflows: values near ±1e308 standardise correctly instead of giving inf and NaN.
    # A column that is exactly constant in X_train (the digits' always-blank corners) is only
    # centred, never divided by 0: its power of two and its std are 1.
    constant = np.all(Xtr == Xtr[0], axis=0)
    with np.errstate(under="ignore"):
        p2 = np.ldexp(1.0, np.frexp(np.max(np.abs(Xtr), axis=0).astype(np.float64))[1] - 1)
        p2[constant] = 1.0
        scaled = Xtr / p2
        mean = scaled.mean(axis=0)
        std = scaled.std(axis=0)
    std[constant] = 1.0
    for i, X in enumerate(arrays):
        with np.errstate(over="ignore"):  # the largest standardised value, bounded before computing it
            reach = (np.max(np.abs(X), axis=0) / p2 + np.abs(mean)) / std
        dtype = X.dtype if X.dtype.kind == "f" else np.dtype(np.float64)
        if not np.all(reach <= float(np.finfo(dtype).max)):
            arg = "X_train" if i == 0 else f"others[{i - 1}]"
            raise ValueError(
                f"{arg} lies too far from X_train's values (up to {np.max(np.abs(X)):.3g} against a training"
                f" std as small as {np.min(std * p2):.3g}): standardised, it would overflow {dtype.name};"
                " check that it is the same kind of data, or rescale it"
            )
    out = []
    for X in arrays:
        dtype = X.dtype if X.dtype.kind == "f" else np.float64
        out.append(((X / p2 - mean) / std).astype(dtype, copy=False))
    return out[0] if not others else tuple(out)
