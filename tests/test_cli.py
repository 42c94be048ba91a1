"""The command line, ``python -m nninit slides|execute``, run as a user runs it (a subprocess).

Exit codes under test: 0 done, 2 bad usage or input, 1 a failure while working.
"""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

REPO = Path(__file__).resolve().parent.parent


def nninit(*args, cwd=None, timeout=300, env=None):
    return subprocess.run(
        [sys.executable, "-m", "nninit", *map(str, args)],
        capture_output=True, text=True, cwd=cwd or REPO, timeout=timeout,
        env=None if env is None else {**os.environ, **env},
    )


def small_deck_notebook(path: Path) -> Path:
    """A notebook with a title, LaTeX, a speaker note, a skipped cell and a stored text output."""
    nb = new_notebook()
    nb.metadata.kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [
        new_markdown_cell("# A *small* deck\n\nVariance: $\\mathrm{Var}(y) = n\\,\\sigma^2$",
                          metadata={"slideshow": {"slide_type": "slide"}}),
        new_markdown_cell("Say this out loud.", metadata={"slideshow": {"slide_type": "notes"}}),
        new_markdown_cell("Hidden.", metadata={"slideshow": {"slide_type": "skip"}}),
        new_markdown_cell("## Second\n\nSee [the index](00_other.ipynb).",
                          metadata={"slideshow": {"slide_type": "subslide"}}),
        new_code_cell("print(6 * 7)", execution_count=1,
                      outputs=[new_output("stream", name="stdout", text="42\n")],
                      metadata={}),
    ]
    nbformat.write(nb, path)
    return path


# --------------------------------------------------------------------------------------------------
# help and usage


@pytest.mark.parametrize("args", [["--help"], ["slides", "--help"], ["execute", "--help"]])
def test_help_exits_0_and_explains(args):
    r = nninit(*args)
    assert r.returncode == 0, r.stderr
    assert "usage: python -m nninit" in r.stdout
    assert "Exit codes" in r.stdout


def test_no_command_is_a_usage_error():
    r = nninit()
    assert r.returncode == 2
    assert "slides" in r.stderr and "execute" in r.stderr


def test_unknown_option_is_a_usage_error():
    r = nninit("slides", "--no-such-option")
    assert r.returncode == 2
    assert "unrecognized arguments" in r.stderr


@pytest.mark.parametrize("command", ["slides", "execute"])
def test_missing_notebook_exits_2_with_its_name(command, tmp_path):
    r = nninit(command, tmp_path / "nope.ipynb", cwd=tmp_path)
    assert r.returncode == 2
    assert "notebook not found" in r.stderr and "nope.ipynb" in r.stderr
    assert "Traceback" not in r.stderr


@pytest.mark.parametrize("command", ["slides", "execute"])
def test_a_file_that_is_no_notebook_exits_2(command, tmp_path):
    (tmp_path / "notes.txt").write_text("hello")
    (tmp_path / "broken.ipynb").write_text("{ not json")
    r = nninit(command, tmp_path / "notes.txt", cwd=tmp_path)
    assert r.returncode == 2 and "not a notebook (.ipynb)" in r.stderr
    r = nninit(command, tmp_path / "broken.ipynb", "--out" if command == "slides" else "--timeout",
               tmp_path / "out" if command == "slides" else 60, cwd=tmp_path)
    assert r.returncode == 2 and "cannot read notebook" in r.stderr
    assert "Traceback" not in r.stderr


def test_course_notebooks_by_name_or_number(tmp_path):
    """The names index.html and the README show work from any folder: 03, 3, 03_xavier_glorot."""
    course = sorted((REPO / "notebooks").glob("*.ipynb"))
    target = course[3]
    number = target.stem.split("_", 1)[0]
    for name in (number, str(int(number)), target.stem, target.name):
        out = tmp_path / f"out-{name}"
        r = nninit("slides", name, "--out", out, cwd=tmp_path)
        assert r.returncode == 0, (name, r.stderr)
        assert [p.name for p in out.glob("*.slides.html")] == [f"{target.stem}.slides.html"]


def test_an_unknown_name_lists_the_valid_ones(tmp_path):
    r = nninit("slides", "03_xavier", "--out", tmp_path / "out", cwd=tmp_path)
    assert r.returncode == 2 and "notebook not found: 03_xavier" in r.stderr
    for nb in sorted((REPO / "notebooks").glob("*.ipynb")):
        assert nb.stem in r.stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("out", ["", " "])
def test_an_empty_out_is_refused(tmp_path, out):
    nb = small_deck_notebook(tmp_path / "deck.ipynb")
    r = nninit("slides", nb, "--out", out, cwd=tmp_path)
    assert r.returncode == 2 and "--out is empty" in r.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["deck.ipynb"]


def test_a_folder_holding_other_files_is_refused(tmp_path):
    """The current folder, a home folder, the course folder: decks never get mixed into them."""
    (tmp_path / "course").mkdir()
    nb = small_deck_notebook(tmp_path / "course" / "deck.ipynb")
    (tmp_path / "my_notes.txt").write_text("mine")
    for out in (".", str(tmp_path), str(REPO)):
        r = nninit("slides", nb, "--out", out, cwd=tmp_path)
        assert r.returncode == 2 and "already holds other files" in r.stderr, (out, r.stderr)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["course", "my_notes.txt"]
    # an earlier run's folder is fine
    out = tmp_path / "slides"
    assert nninit("slides", nb, "--out", out, cwd=tmp_path).returncode == 0
    r = nninit("slides", nb, "--out", out, cwd=tmp_path)
    assert r.returncode == 0, r.stderr


@pytest.mark.parametrize("text, reason", [
    ('{"a": 1}', "JSON but not a Jupyter notebook"),
    ("[1, 2]", "JSON but not a Jupyter notebook"),
    ('{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [{"cell_type": "code"}]}',
     "not a valid nbformat 4 notebook"),
    ('{"nbformat": 99, "nbformat_minor": 0, "metadata": {}, "cells": []}', "not a valid nbformat 4 notebook"),
])
@pytest.mark.parametrize("command", ["slides", "execute"])
def test_json_that_is_no_notebook_exits_2_and_writes_nothing(tmp_path, command, text, reason):
    good = small_deck_notebook(tmp_path / "01_good.ipynb")
    bad = tmp_path / "02_bad.ipynb"
    bad.write_text(text)
    before = good.read_bytes()
    extra = ["--out", tmp_path / "out"] if command == "slides" else []
    r = nninit(command, good, bad, *extra, cwd=tmp_path)
    assert r.returncode == 2, r.stderr
    assert "cannot read notebook" in r.stderr and "02_bad.ipynb" in r.stderr and reason in r.stderr
    assert "Traceback" not in r.stderr
    # every notebook is read before anything is written: no deck, no asset, the good notebook unchanged
    assert not (tmp_path / "out").exists()
    assert good.read_bytes() == before


def test_pdf_without_a_browser_says_what_to_install(tmp_path):
    nb = small_deck_notebook(tmp_path / "deck.ipynb")
    r = nninit("slides", nb, "--pdf", "--out", tmp_path / "out", cwd=tmp_path,
               env={"NNINIT_CHROMIUM": str(tmp_path / "no-such-browser")})
    assert r.returncode == 1
    assert "NNINIT_CHROMIUM" in r.stderr and "no-such-browser" in r.stderr
    assert not (tmp_path / "out").exists()


def test_unwritable_output_folder_exits_2(tmp_path):
    nb = small_deck_notebook(tmp_path / "deck.ipynb")
    blocker = tmp_path / "a_file"
    blocker.write_text("I am a file, not a folder")
    # A folder below a file cannot be created, whoever runs the test (root included).
    r = nninit("slides", "--out", blocker / "slides", nb, cwd=tmp_path)
    assert r.returncode == 2
    assert "cannot write to output folder" in r.stderr and "a_file" in r.stderr
    assert "Traceback" not in r.stderr
    r = nninit("slides", "--out", blocker, nb, cwd=tmp_path)
    assert r.returncode == 2 and "is not a folder" in r.stderr


def test_decks_never_go_into_the_notebooks_folder(tmp_path):
    folder = tmp_path / "notebooks"
    folder.mkdir()
    nb = small_deck_notebook(folder / "deck.ipynb")
    for out in (folder, folder / "slides"):
        r = nninit("slides", "--out", out, nb, cwd=tmp_path)
        assert r.returncode == 2 and "inside the notebooks' folder" in r.stderr
    assert sorted(p.name for p in folder.iterdir()) == ["deck.ipynb"]


# --------------------------------------------------------------------------------------------------
# slides


def test_slides_writes_deck_index_and_assets(tmp_path):
    nb = small_deck_notebook(tmp_path / "01_small.ipynb")
    small_deck_notebook(tmp_path / "00_other.ipynb")
    out = tmp_path / "build" / "slides"
    r = nninit("slides", "--out", out, nb, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert re.search(r"\[1/1\] 01_small\.ipynb -> .*01_small\.slides\.html \(2 slides, [0-9.]+ s\)", r.stdout)

    deck = out / "01_small.slides.html"
    html = deck.read_text(encoding="utf-8")
    assert "<title>A small deck slides</title>" in html
    # Everything the deck loads is local: scripts, stylesheets, MathJax, the widget renderer.
    loads = re.findall(r'<script[^>]*\bsrc="([^"]+)"|<link[^>]*\bhref="([^"]+)"', html)
    loads = [a or b for a, b in loads]
    assert loads and all(u.startswith("assets/") for u in loads), loads
    assert '"assets/reveal.js/dist/reveal.js"' in html and '"assets/reveal.js/plugin/notes/notes.js"' in html
    assert "embed-amd.js" not in html  # the widget renderer is loaded only for saved widget state
    assert "import mermaid" not in html and "jquery" not in "".join(re.findall(r"<script[^>]*>", html))
    assert "https://" not in "".join(re.findall(r"<script[^>]*>", html))
    assert '<aside class="notes">' in html and "Say this out loud." in html
    assert "Hidden." not in html
    assert 'href="00_other.slides.html"' in html  # links between notebooks point at decks
    assert "In&nbsp;[" not in html  # no prompts on slides

    index = (out / "index.html").read_text(encoding="utf-8")
    assert 'href="01_small.slides.html"' in index and "A small deck" in index
    # linear navigation: the right arrow walks every slide and fragment
    assert 'navigationMode: "linear"' in html
    for rel in ["reveal.js/dist/reveal.js", "reveal.js/dist/reveal.css", "reveal.js/dist/theme/white.css",
                "reveal.js/plugin/notes/notes.js", "reveal.js/LICENSE", "mathjax/MathJax.js",
                "mathjax/config/TeX-AMS-MML_HTMLorMML-full.js", "mathjax/LICENSE", "require.js",
                "html-manager/embed-amd.js", "html-manager/LICENSE", "LICENSES.md", "nninit-deck.css"]:
        assert (out / "assets" / rel).is_file(), rel
    assert not list(tmp_path.glob("*.html")), "nothing is written beside the notebooks"

    # A second run into the same folder keeps the earlier decks in the index.
    nb2 = small_deck_notebook(tmp_path / "02_more.ipynb")
    r = nninit("slides", "--out", out, nb2, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "01_small.slides.html" in index and "02_more.slides.html" in index


def test_slides_of_a_notebook_with_only_notes_fails_with_1(tmp_path):
    nb = new_notebook()
    nb.cells = [new_markdown_cell("only a note", metadata={"slideshow": {"slide_type": "notes"}})]
    path = tmp_path / "notes_only.ipynb"
    nbformat.write(nb, path)
    r = nninit("slides", "--out", tmp_path / "out", path, cwd=tmp_path)
    assert r.returncode == 1
    assert "no slide to show" in r.stderr and "Traceback" not in r.stderr


# --------------------------------------------------------------------------------------------------
# execute


def test_execute_refreshes_outputs_in_place_deterministically(tmp_path):
    nb = new_notebook()
    nb.metadata.kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    stale = new_output("stream", name="stdout", text="stale\n")
    nb.cells = [
        new_markdown_cell("# Refresh me"),
        new_code_cell("import os\nx = 6", execution_count=7, outputs=[stale]),
        new_code_cell("print(x * 7)", execution_count=None),
        new_code_cell("print(os.path.basename(os.getcwd()))", execution_count=3,
                      metadata={"execution": {"iopub.status.busy": "2020-01-01T00:00:00Z"}}),
    ]
    folder = tmp_path / "course"
    folder.mkdir()
    path = folder / "refresh.ipynb"
    nbformat.write(nb, path)

    r = nninit("execute", path, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "[1/1] refresh.ipynb: 3 code cells run, saved" in r.stdout
    fresh = nbformat.read(path, as_version=4)
    code = [c for c in fresh.cells if c.cell_type == "code"]
    assert [c.execution_count for c in code] == [1, 2, 3]
    assert code[0].outputs == []
    assert code[1].outputs[0].text == "42\n"
    assert code[2].outputs[0].text == "course\n"  # the kernel ran in the notebook's folder
    assert all("execution" not in c.metadata for c in fresh.cells)  # no timing metadata

    first = path.read_bytes()
    r = nninit("execute", path, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert path.read_bytes() == first, "an unchanged notebook is written back identical"


def test_execute_failure_exits_1_and_leaves_the_notebook_alone(tmp_path):
    nb = new_notebook()
    nb.metadata.kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [new_code_cell("raise ValueError('broken on purpose')", execution_count=5)]
    path = tmp_path / "broken.ipynb"
    nbformat.write(nb, path)
    before = path.read_bytes()
    r = nninit("execute", path, cwd=tmp_path)
    assert r.returncode == 1
    assert "broken.ipynb: FAILED, left unchanged" in r.stdout
    assert "broken on purpose" in r.stderr
    assert path.read_bytes() == before


def test_stable_widget_ids_are_deterministic_and_consistent():
    from nninit.cli import stable_widget_ids

    a, b = "a" * 32, "b" * 32
    nb = nbformat.from_dict({
        "nbformat": 4, "nbformat_minor": 5,
        "metadata": {"widgets": {"application/vnd.jupyter.widget-state+json": {
            "state": {a: {"state": {"children": [f"IPY_MODEL_{b}"]}}, b: {"state": {}}},
            "version_major": 2, "version_minor": 0}}},
        "cells": [{"cell_type": "code", "id": "c1", "metadata": {}, "source": "", "execution_count": 1,
                   "outputs": [{"output_type": "display_data", "metadata": {},
                                "data": {"application/vnd.jupyter.widget-view+json":
                                         {"model_id": a, "version_major": 2, "version_minor": 0}}}]}],
    })
    assert stable_widget_ids(nb, "demo") == 2
    state = nb.metadata.widgets["application/vnd.jupyter.widget-state+json"]["state"]
    new_a, new_b = list(state)
    assert a not in json.dumps(nb) and b not in json.dumps(nb)
    assert state[new_a]["state"]["children"] == [f"IPY_MODEL_{new_b}"]
    view = nb.cells[0].outputs[0]["data"]["application/vnd.jupyter.widget-view+json"]
    assert view["model_id"] == new_a


# --------------------------------------------------------------------------------------------------
# staying light


def test_import_nninit_and_the_cli_load_no_nbconvert_or_matplotlib():
    code = (
        "import sys, nninit, nninit.cli\n"
        "heavy = [m for m in ('nbconvert', 'nbclient', 'matplotlib', 'ipywidgets', 'playwright') "
        "if m in sys.modules]\n"
        "print(heavy)\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "[]"


def test_title_and_slide_count_helpers():
    from nninit import slides

    nb = new_notebook(cells=[
        new_markdown_cell("intro", metadata={"slideshow": {"slide_type": "notes"}}),
        new_markdown_cell("## The `he_normal` [rule](x.ipynb) ##"),
        new_markdown_cell("more", metadata={"slideshow": {"slide_type": "fragment"}}),
        new_markdown_cell("next", metadata={"slideshow": {"slide_type": "slide"}}),
    ])
    assert slides.notebook_title(nb) == "The he_normal rule"
    assert slides.count_slides(nb) == 2
