"""The source article's five initializers, with its names, argument order and defaults, vectorised.

The blog post this course started from (README.md, "The course") gives these five. Each returns an
``(n, m)`` matrix with ``n`` = fan_in (``random_init`` excepted) and takes a keyword ``rng`` (None, an int
seed or a Generator). The course measures their claims; the docstrings say where they hold.
"""

from __future__ import annotations

import math

import numpy as np

from . import _checks
from . import initializers as _init

_F64 = np.dtype(np.float64)
# random_init_loop fills one entry per Python step (about 1 µs each, measured): above a million
# entries (a second or more) it is refused, so that a typo cannot freeze a notebook for minutes.
LOOP_MAX_ENTRIES = 10**6


def _matrix(rng, *names_and_values) -> tuple[tuple[int, int], np.random.Generator]:
    """Checked (rows, cols) from the article's own size arguments, and the generator.

    ``names_and_values`` is (name_rows, rows, name_cols, cols[, extra_cols]); the article's argument
    names appear in every message.
    """
    rows_name, rows, cols_name, cols, *extra = names_and_values
    rows, cols = _checks.positive_int(rows_name, rows), _checks.positive_int(cols_name, cols)
    dims = (rows, cols + (extra[0] if extra else 0))
    _checks.allocation(f"({rows_name}, {cols_name}{' + 1' if extra else ''})", dims, _F64)
    return dims, _checks.generator(rng)


def uniform_init(n, m, r=0.1, *, rng=None) -> np.ndarray:
    """U[−r, r] of shape (n, m). A fixed r ignores the width: Var = r²/3 whatever n is."""
    r = _checks.real("r", r, positive=True)
    dims, gen = _matrix(rng, "n", n, "m", m)
    low, high = _init._uniform_args(-r, r, _F64, names=("-r", "r"))
    return _init._uniform_draw(dims, low, high, gen, _F64)


def normal_init(n, m, mu=0, sigma=0.1, *, rng=None) -> np.ndarray:
    """N(mu, sigma²) of shape (n, m). A fixed sigma ignores the width, like ``uniform_init``."""
    mu, sigma = _init._normal_args(mu, sigma, _F64, names=("mu", "sigma"))
    dims, gen = _matrix(rng, "n", n, "m", m)
    return _init._normal_draw(dims, mu, sigma, gen, _F64)


def xavier_init(n, m, *, rng=None) -> np.ndarray:
    """The article's "Xavier": N(0, σ²) with σ = √(1 / (n + m)).

    That is half of Glorot's variance 2/(n + m) (σ is √2 too small): through a deep tanh or linear
    net the signal shrinks by about √2 per layer. :func:`nninit.xavier_normal` is Glorot's.
    """
    dims, gen = _matrix(rng, "n", n, "m", m)
    return _init._normal_draw(dims, 0.0, math.sqrt(1.0 / (dims[0] + dims[1])), gen, _F64)


def he_init(n, m, *, rng=None) -> np.ndarray:
    """He et al. 2015: N(0, 2/n) of shape (n, m), n = fan_in; the same as ``he_normal((n, m))``."""
    dims, gen = _matrix(rng, "n", n, "m", m)
    return _init._normal_draw(dims, 0.0, math.sqrt(2.0 / dims[0]), gen, _F64)


def _epsilon(epsilon) -> tuple[float, float]:
    epsilon = _checks.real("epsilon", epsilon, positive=True)
    return _init._uniform_args(-epsilon, epsilon, _F64, names=("-epsilon", "epsilon"))


def random_init(input_size, output_size, epsilon=0.12, *, rng=None) -> np.ndarray:
    """U[−ε, ε] of shape (output_size, input_size + 1): the weights of one layer plus a bias column.

    ε = 0.12 comes from √6 / √(L_in + L_out) for the 400 → 25 layer it was written for
    (√6/√425 = 0.119); other layers want other values (25 → 10 wants 0.41).
    """
    low, high = _epsilon(epsilon)
    dims, gen = _matrix(rng, "output_size", output_size, "input_size", input_size, 1)
    return _init._uniform_draw(dims, low, high, gen, _F64)


def random_init_loop(input_size, output_size, epsilon=0.12, *, rng=None) -> np.ndarray:
    """The article's original: the same matrix filled one element at a time in a double Python loop.

    Kept only to measure (benchmarks, notebook 02); draws the same numbers as :func:`random_init`.
    Refuses more than :data:`LOOP_MAX_ENTRIES` entries (it takes about 1 µs per entry).
    """
    low, high = _epsilon(epsilon)
    (rows, cols), gen = _matrix(rng, "output_size", output_size, "input_size", input_size, 1)
    if rows * cols > LOOP_MAX_ENTRIES:
        raise ValueError(
            f"(output_size, input_size + 1)=({rows}, {cols}) is {rows * cols:,} entries; the Python loop"
            f" takes about 1 µs each and is limited to {LOOP_MAX_ENTRIES:,}: use random_init for this size"
        )
    epsilon = high
    W = np.zeros((rows, cols))
    for i in range(rows):
        for j in range(cols):
            W[i, j] = gen.random() * 2 * epsilon - epsilon
    return W
