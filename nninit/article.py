"""The source article's five initializers, with its names, argument order and defaults, vectorised.

The blog post this course started from (summarised in the design) gives these five. Each returns an
``(n, m)`` matrix with ``n`` = fan_in (``random_init`` excepted) and takes a keyword ``rng`` (None, an int
seed or a Generator). The course measures their claims; the docstrings say where they hold.
"""

from __future__ import annotations

import math

import numpy as np

from . import _checks
from .initializers import normal, uniform


def uniform_init(n, m, r=0.1, *, rng=None) -> np.ndarray:
    """U[−r, r] of shape (n, m). A fixed r ignores the width: Var = r²/3 whatever n is."""
    r = _checks.real("r", r, positive=True)
    return uniform((n, m), -r, r, rng=rng)


def normal_init(n, m, mu=0, sigma=0.1, *, rng=None) -> np.ndarray:
    """N(mu, sigma²) of shape (n, m). A fixed sigma ignores the width, like ``uniform_init``."""
    return normal((n, m), mu, sigma, rng=rng)


def xavier_init(n, m, *, rng=None) -> np.ndarray:
    """The article's "Xavier": N(0, σ²) with σ = √(1 / (n + m)).

    That is half of Glorot's variance 2/(n + m) (σ is √2 too small): through a deep tanh or linear
    net the signal shrinks by about √2 per layer. :func:`nninit.xavier_normal` is Glorot's.
    """
    n, m = _checks.positive_int("n", n), _checks.positive_int("m", m)
    return normal((n, m), 0.0, math.sqrt(1.0 / (n + m)), rng=rng)


def he_init(n, m, *, rng=None) -> np.ndarray:
    """He et al. 2015: N(0, 2/n) of shape (n, m), n = fan_in; the same as ``he_normal((n, m))``."""
    n = _checks.positive_int("n", n)
    return normal((n, m), 0.0, math.sqrt(2.0 / n), rng=rng)


def random_init(input_size, output_size, epsilon=0.12, *, rng=None) -> np.ndarray:
    """U[−ε, ε] of shape (output_size, input_size + 1): the weights of one layer plus a bias column.

    ε = 0.12 comes from √6 / √(L_in + L_out) for the 400 → 25 layer it was written for
    (√6/√425 = 0.119); other layers want other values (25 → 10 wants 0.41).
    """
    epsilon = _checks.real("epsilon", epsilon, positive=True)
    input_size = _checks.positive_int("input_size", input_size)
    output_size = _checks.positive_int("output_size", output_size)
    return uniform((output_size, input_size + 1), -epsilon, epsilon, rng=rng)


def random_init_loop(input_size, output_size, epsilon=0.12, *, rng=None) -> np.ndarray:
    """The article's original: the same matrix filled one element at a time in a double Python loop.

    Kept only to measure (benchmarks, notebook 02); draws the same numbers as :func:`random_init`.
    """
    epsilon = _checks.real("epsilon", epsilon, positive=True)
    gen = _checks.generator(rng)
    W = np.zeros((output_size, input_size + 1))
    for i in range(output_size):
        for j in range(input_size + 1):
            W[i, j] = gen.random() * 2 * epsilon - epsilon
    return W
