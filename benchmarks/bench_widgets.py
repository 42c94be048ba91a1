"""How long the explorer takes to redraw after a control change (target: < 0.3 s, median, for
depth <= 30 and width <= 256). Run by hand: ``python benchmarks/bench_widgets.py [--repeat N]``.

A redraw is what the widget does when a slider moves: build the network, probe it, compute the
theory, draw the figure and render it to the PNG the widget shows. It is timed in two parts
(``explore()``: network + probe + theory + artists; ``render``: layout and rasterising) and as a
whole through the widget itself (``box.update``). The load average is printed because the timings
mean little on a busy machine (OpenBLAS threads fighting other processes for 2 cores).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import matplotlib

matplotlib.use("Agg")

from nninit import widgets  # noqa: E402

CASES = [
    {"depth": 10, "width": 128, "activation": "tanh", "scheme": "xavier_normal"},  # the default
    {"depth": 30, "width": 256, "activation": "relu", "scheme": "he_normal"},
    {"depth": 30, "width": 256, "activation": "relu", "scheme": "xavier_normal"},
    {"depth": 30, "width": 256, "activation": "tanh", "scheme": "normal"},
    {"depth": 30, "width": 256, "activation": "selu", "scheme": "lecun_normal"},
    {"depth": 30, "width": 256, "activation": "sigmoid", "scheme": "zeros"},
]


def timed(fn, repeat):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def main(repeat: int) -> None:
    print(f"load average before: {os.getloadavg()[0]:.2f} (2 cores)")
    widgets.explore()  # warm up: imports, the digits file, font cache
    print(f"{'case':58s} {'explore':>8s} {'render':>8s} {'total':>8s} {'widget':>8s}")
    box = widgets.explorer()
    worst = 0.0
    for case in CASES:
        t_explore, fig = timed(lambda: widgets.explore(**case), repeat)
        t_render, _ = timed(lambda: widgets.render_png(fig), repeat)
        t_total, _ = timed(lambda: widgets.render_png(widgets.explore(**case)), repeat)
        box.update(**case)
        gains = iter([1.0 + 0.125 * (i % 2) for i in range(1, repeat + 1)])  # a changed value each time
        t_widget, _ = timed(lambda: box.update(gain=next(gains)), repeat)
        worst = max(worst, t_total, t_widget)
        name = ", ".join(f"{v}" for v in case.values())
        print(f"{name:58s} {t_explore:8.3f} {t_render:8.3f} {t_total:8.3f} {t_widget:8.3f}")
    print(f"seconds, median of {repeat}; worst redraw {worst:.3f} s (target < 0.3 s)")
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    main(parser.parse_args().repeat)
