"""Initializer speed: nninit against the raw numpy draw it wraps, and the article's loop.

Run by hand:  python benchmarks/bench_initializers.py
Targets: he_normal within 1.2x of rng.standard_normal + scaling on 4096x4096; the vectorised
random_init at least 100x faster than the article's element-by-element loop (400 -> 25 layer).
"""

import math
import statistics
import time

import numpy as np

import nninit

N = 4096


def median_time(fn, repeats):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def raw_normal(rng):
    x = rng.standard_normal((N, N))
    x *= math.sqrt(2.0 / N)
    return x


def raw_uniform(rng):
    bound = math.sqrt(6.0 / (2 * N))
    x = rng.random((N, N))
    x *= 2 * bound
    x -= bound
    return x


def main():
    rng = np.random.default_rng(0)
    rows = [
        ("he_normal 4096x4096", lambda: nninit.he_normal((N, N), rng=rng), lambda: raw_normal(rng), 15),
        ("xavier_uniform 4096x4096", lambda: nninit.xavier_uniform((N, N), rng=rng),
         lambda: raw_uniform(rng), 15),
        ("random_init 400->25 (vs loop)", lambda: nninit.random_init(400, 25, rng=rng),
         lambda: nninit.random_init_loop(400, 25, rng=rng), 30),
    ]
    print(f"{'case':32s} {'nninit (ms)':>12s} {'baseline (ms)':>14s} {'ratio':>8s}")
    for name, ours, baseline, repeats in rows:
        ours(), baseline()  # warm up
        t_ours, t_base = median_time(ours, repeats), median_time(baseline, repeats)
        ratio = t_ours / t_base if "loop" not in name else t_base / t_ours
        label = "x slower" if "loop" not in name else "x faster"
        print(f"{name:32s} {1e3 * t_ours:12.3f} {1e3 * t_base:14.3f} {ratio:7.2f}{label}")


if __name__ == "__main__":
    main()
