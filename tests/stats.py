"""Small statistics for the tests: standard errors and a Kolmogorov–Smirnov test (no scipy needed)."""

import math

import numpy as np

_erf = np.frompyfunc(math.erf, 1, 1)


def normal_cdf(x, std=1.0):
    """Φ(x / std) for an array x."""
    z = np.asarray(x, dtype=np.float64) / (std * math.sqrt(2.0))
    return 0.5 * (1.0 + np.asarray(_erf(z), dtype=np.float64))


def truncated_normal_cdf(x, std, bound):
    """CDF of N(0, std²) conditioned on |x| <= bound·std."""
    lo, hi = normal_cdf(-bound), normal_cdf(bound)
    return (normal_cdf(x, std) - lo) / (hi - lo)


def uniform_cdf(x, low, high):
    return np.clip((x - low) / (high - low), 0.0, 1.0)


def ks_pvalue(sample, cdf):
    """p-value of the one-sample Kolmogorov–Smirnov test of ``sample`` against ``cdf``.

    D = sup |F_n − F|; p from the Kolmogorov distribution, P(K > λ) = 2 Σ (−1)^{k−1} exp(−2k²λ²), with
    Stephens' small-sample correction λ = (√n + 0.12 + 0.11/√n)·D. Accurate for n in the thousands and up.
    """
    x = np.sort(np.asarray(sample, dtype=np.float64).ravel())
    n = x.size
    f = cdf(x)
    i = np.arange(1, n + 1)
    d = max(np.max(i / n - f), np.max(f - (i - 1) / n))
    lam = (math.sqrt(n) + 0.12 + 0.11 / math.sqrt(n)) * d
    k = np.arange(1, 101)
    return float(np.clip(2.0 * np.sum((-1.0) ** (k - 1) * np.exp(-2.0 * k * k * lam * lam)), 0.0, 1.0))


def variance_z(sample, target_var):
    """(sample variance − target) / its standard error, SE = √((m₄ − s⁴) / N).

    m₄ is the sample fourth central moment, so the SE is right for any distribution (for a normal
    it is σ²√(2/N), for a uniform σ²√(0.8/N)). |z| < 5 fails by chance with probability ~6e-7.
    """
    x = np.asarray(sample, dtype=np.float64).ravel()
    centred = x - x.mean()
    s2 = np.mean(centred**2)
    m4 = np.mean(centred**4)
    return (s2 - target_var) / math.sqrt((m4 - s2 * s2) / x.size)
