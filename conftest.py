"""Repository-wide pytest set-up: one BLAS thread, and how long each notebook took under nbval.

The course wants every notebook under 30 s and the whole course under 3 minutes; this prints the figures at
the end of every `pytest` run so that they are seen (and quoted in notes), without timing-based failures.
"""

import collections
import os

# The course's matrices are small: one BLAS thread is faster (on a busy 2-core machine, many times
# faster) and sums floats in one fixed order, so the unit tests and the nbval kernels (which inherit
# this environment) repeat to the last digit. Set before anything imports numpy.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

# `--doctest-modules` imports every module of nninit/ to run its examples; importing __main__ would
# start the command line.
collect_ignore = ["nninit/__main__.py"]

_notebook_seconds = collections.defaultdict(float)


def pytest_runtest_logreport(report):
    path = report.nodeid.split("::", 1)[0]
    if path.endswith(".ipynb"):
        _notebook_seconds[path] += report.duration


def pytest_terminal_summary(terminalreporter):
    if not _notebook_seconds:
        return
    terminalreporter.section("notebook run times (nbval, fresh kernel)")
    for path, seconds in sorted(_notebook_seconds.items()):
        flag = "" if seconds < 30 else "   <-- over the 30 s budget"
        terminalreporter.write_line(f"{seconds:6.1f} s  {path}{flag}")
    terminalreporter.write_line(f"{sum(_notebook_seconds.values()):6.1f} s  whole course")
