"""The package as a user meets it: the public names the course relies on, and a light `import nninit`."""

import subprocess
import sys

import nninit

DESIGN_NAMES = [
    "zeros", "ones", "constant", "uniform", "normal", "truncated_normal", "xavier_uniform", "xavier_normal",
    "he_uniform", "he_normal", "lecun_uniform", "lecun_normal", "orthogonal", "variance_scaling",
    "calculate_gain", "compute_fans", "get", "available", "glorot_uniform", "glorot_normal",
    "kaiming_uniform", "kaiming_normal", "uniform_init", "normal_init", "xavier_init", "he_init",
    "random_init",
]


def test_every_design_name_imports_from_nninit():
    missing = [name for name in DESIGN_NAMES if not callable(getattr(nninit, name, None))]
    assert missing == []


def test_import_does_not_load_matplotlib_or_ipywidgets():
    code = "import sys, nninit; print(sorted(m for m in ('matplotlib', 'ipywidgets') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
    assert out.stderr == ""
