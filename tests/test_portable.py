"""Every trajectory-sensitive number a notebook prints survives a change of seed.

A training run, or a product through a chaotic net, amplifies a last-bit difference: another CPU's
BLAS kernel, thread count or operating system gives another trajectory, just as another seed does.
So each such printed value is recomputed here under three other seeds, with the very code the
notebook runs (a function of ``nninit.trials``, or the notebook's own cell), and must print the
same text as the notebook's stored output (made with seed 0, and checked by nbval). If a seed can
flip a printed value, so can a student's machine.

The runs take about 40 s on an idle 2-core machine: six 30-layer nets (notebook 04) and notebook
05's 18 small nets three times over make most of it.
"""

import contextlib
import functools
import io
import json
import re
from pathlib import Path

import numpy as np
import pytest

import nninit
from nninit import theory, trials

from errors import raises

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
OTHER_SEEDS = (1, 2, 3)


def stored_cell(notebook: str, marker: str) -> tuple[str, str]:
    """(source, stored stdout) of the one code cell of ``notebook`` whose source contains ``marker``."""
    cells = json.loads((NOTEBOOKS / notebook).read_text(encoding="utf-8"))["cells"]
    found = [c for c in cells if c["cell_type"] == "code" and marker in "".join(c["source"])]
    assert len(found) == 1, f"{notebook}: {len(found)} code cells contain {marker!r}, expected 1"
    cell = found[0]
    stdout = "".join("".join(o["text"]) for o in cell["outputs"]
                     if o["output_type"] == "stream" and o["name"] == "stdout")
    return "".join(cell["source"]), stdout


# ---------------------------------------------------------------------------------------------
# band: the one way these values are printed

@pytest.mark.parametrize("values, expected", [
    (0.10, "< 15%"), (0.15, "15% to 40%"), (0.62, "40% to 90%"), ([0.47, 0.86], "40% to 90%"),
    ([0.1, 0.5], "< 90%"), ([0.3, 0.95], ">= 15%"), (0.9, ">= 90%"), ([0.1, 0.95], "< 15% to >= 90%")])
def test_band_is_the_narrowest_interval_holding_every_value(values, expected):
    assert trials.band(values, [0.15, 0.4, 0.9], percent=True) == expected


def test_band_formats_edges_with_fmt():
    edges = [1e-7, 1e-5, 1e-4, 1e-3, 1e-2]
    assert trials.band(1.2e-9, edges, fmt=".0e") == "< 1e-07"
    assert trials.band(3.7e-4, edges, fmt=".0e") == "1e-04 to 1e-03"
    assert trials.band([2e-6, 3e-4], edges, fmt=".0e") == "1e-07 to 1e-03"
    assert trials.band(0.5, edges, fmt=".0e") == ">= 1e-02"


@pytest.mark.parametrize("edges", [[], [0.4, 0.15], [0.1, 0.1]])
def test_band_rejects_edges_that_do_not_increase(edges):
    message = raises(ValueError, lambda: trials.band(0.5, edges), "edges")
    assert "edges must be a non-empty increasing sequence" in message


@pytest.mark.parametrize("values", [[], float("nan"), [0.5, float("inf")]])
def test_band_rejects_values_that_are_not_finite_numbers(values):
    assert "values must be finite numbers" in raises(ValueError, lambda: trials.band(values, [0.5]), "values")


def test_split_rejects_an_unknown_task():
    message = raises(ValueError, lambda: trials.split("moons"), "name")
    assert "name must be one of ['digits', 'spirals'], got 'moons'" in message


# ---------------------------------------------------------------------------------------------
# Notebook 01: zero, constant and random starts of a small tanh net (cells 2, 4, 5 and 6). The
# notebook's own cells run again with train(init, seed) at another seed; every line they print
# must be the stored one.

def run_cells(namespace: dict, sources: list[str]) -> str:
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        for source in sources:
            exec(source, namespace)
    return printed.getvalue()


@pytest.mark.parametrize("seed", OTHER_SEEDS)
def test_01_symmetry_cells_print_the_same_under_other_seeds(seed):
    notebook = "01_why_initialisation_matters.ipynb"
    setup = [stored_cell(notebook, marker)[0] for marker in ("def train(init", "def distinct_units(")]
    cells = [stored_cell(notebook, marker) for marker in
             ('net_zero = train("zeros")', "net_const = train(", "g = net_const.probe(",
              'net_rand = train("xavier_normal")')]
    namespace = {"np": np, "nninit": nninit, "data": nninit.data, "trials": trials}
    run_cells(namespace, setup)
    namespace["train"] = functools.partial(namespace["train"], seed=seed)
    printed = run_cells(namespace, [source for source, _ in cells])
    assert printed == "".join(stored for _, stored in cells), seed


# ---------------------------------------------------------------------------------------------
# Notebook 04: 30 ReLU layers of 128 on the digits (cells 13 and 15 in nbval's numbering)

@functools.cache
def deep_relu(init: str, seed: int):
    return trials.deep_relu_digits(init, seed)


@pytest.mark.parametrize("seed", OTHER_SEEDS)
@pytest.mark.parametrize("init", ["xavier_normal", "he_normal"])
def test_04_accuracy_band_survives_other_seeds(init, seed):
    _, stored = stored_cell("04_he_kaiming.ipynb", "trials.deep_relu_digits(")
    band = trials.accuracy_band(deep_relu(init, seed), trials.DEEP_RELU_ACCURACY_EDGES)
    assert f"{init} {band}" in stored, (seed, band, stored)


@pytest.mark.parametrize("seed", OTHER_SEEDS)
@pytest.mark.parametrize("init", ["xavier_normal", "he_normal"])
def test_04_update_ratio_bands_survive_other_seeds(init, seed):
    _, stored = stored_cell("04_he_kaiming.ipynb", "trials.update_ratio_bands(")
    line = next(line for line in stored.splitlines() if line.strip().startswith(f"{init}:"))
    assert line.endswith(trials.update_ratio_bands(deep_relu(init, seed))), (seed, line)


# ---------------------------------------------------------------------------------------------
# Notebook 05: the 4-layer nets of 64 units (cells 15 and 19)

@pytest.mark.parametrize("seeds", [(4, 5, 6), (7, 8, 9), (10, 11, 12)])
@pytest.mark.parametrize("init", ["uniform", "he_normal"])
def test_05_seed_spread_band_survives_other_seeds(init, seeds):
    _, stored = stored_cell("05_training_under_each_scheme.ipynb", "trials.seed_spread(")
    line = next(line for line in stored.splitlines() if line.startswith(f"{init} "))
    assert line.endswith(f"test {trials.seed_spread(init, seeds)}"), (seeds, line)


@pytest.mark.parametrize("seed", OTHER_SEEDS)
def test_05_tanh_accuracy_bands_survive_other_seeds(seed):
    _, stored = stored_cell("05_training_under_each_scheme.ipynb", "trials.TANH_ACCURACY_EDGES")
    stored_bands = re.findall(r"test accuracy (.+?), diverged", stored)
    inits = [nninit.get("normal", std=10.0), "xavier_normal"]      # the notebook's INITS
    bands = [trials.accuracy_band(trials.small_net(init, "spirals", "tanh", epochs=60, seed=seed,
                                                   record_every=100),
                                  trials.TANH_ACCURACY_EDGES)
             for init in inits]
    assert bands == stored_bands, seed


# Notebook 05's tables and the cells after them (cells 8, 9, 11, 14, 18, 20, 22): the notebook's own
# cells run again with its SEED constant (weights and batch order of every run) set to another
# seed; what they print must be the stored text, except the exact at-init values that these
# cells print beside the bands (dead units at init, the update:data ratio of step 0): those are
# deterministic, not trajectory-sensitive, and change with the seed by design.

NB05 = "05_training_under_each_scheme.ipynb"
NB05_SETUP = ("import os", 'SCHEMES = ["zeros"', "INITS = {name: name", "X, y = data.spirals(",
              "SIZES = [2, 64, 64, 64, 3]", "def histories(", "def results(runs")
NB05_CHECKED = ('h = spirals["normal σ=10"][2]', "for lr in (0.01, 0.003, 0.001):",
                "results(spirals, sp_X", "digits = {name: train(", "results(digits, dg_X",
                "def dead_units(net, X)", 'start, net, h = spirals["zeros"]',
                'print("log10 update:data ratio')


def seed_dependent_at_init(text: str) -> str:
    text = re.sub(r"at init \[[^\]]*\]\s*", "at init [...] ", text)
    return re.sub(r"step 0: \[[^\]]*\]", "step 0: [...]", text)


@pytest.mark.parametrize("seed", OTHER_SEEDS)
def test_05_tables_print_the_same_under_other_seeds(seed):
    setup = [stored_cell(NB05, marker)[0] for marker in NB05_SETUP]
    train_cell, _ = stored_cell(NB05, "def train(init, X, y, X_test, y_test, epochs)")
    assert train_cell.count("SEED = 0 ") == 1
    setup.insert(5, train_cell.replace("SEED = 0 ", f"SEED = {seed} "))
    setup = ["\n".join(line for line in source.splitlines() if not line.startswith("%"))
             for source in setup]
    namespace = {}
    run_cells(namespace, setup)
    cells = [stored_cell(NB05, marker) for marker in NB05_CHECKED]
    printed = "".join(run_cells(namespace, [source]) for source, _ in cells)
    expected = "".join(stored for _, stored in cells)
    assert seed_dependent_at_init(printed) == seed_dependent_at_init(expected), seed


# ---------------------------------------------------------------------------------------------
# Notebook 07: the Jacobian's singular values (cell 2). The notebook's own two cells are run with
# another seed; ReLU's median (exactly 0 but for float64 rounding) must print the same.

@pytest.mark.parametrize("seed", OTHER_SEEDS)
def test_07_relu_jacobian_median_survives_other_seeds(seed):
    define, _ = stored_cell("07_beyond.ipynb", "def jacobian_svals(")
    table, stored = stored_cell("07_beyond.ipynb", "svals = {")
    namespace = {"np": np, "nninit": nninit, "theory": theory}
    exec(define, namespace)
    namespace["jacobian_svals"] = functools.partial(namespace["jacobian_svals"], seed=seed)
    printed = run_cells(namespace, [table])

    def relu_medians(text):
        return re.findall(r"^relu .*?(median s .*?),", text, flags=re.M)

    assert len(relu_medians(stored)) == 2
    assert relu_medians(printed) == relu_medians(stored), seed
