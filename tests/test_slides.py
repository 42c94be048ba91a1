"""The course notebooks' slide metadata follows the rules a projector needs (no browser needed).

Rules, not counts: the notebooks are reworked often, and every notebook, every cell is checked.
`nninit.slides.fit_slide_metadata` applies the rules; a notebook that follows them is left unchanged.
"""

from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from nninit import slides

REPO = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))
SLIDE_TYPES = {"slide", "subslide", "fragment", "skip", "notes"}


def _type(cell):
    return cell.metadata.get("slideshow", {}).get("slide_type")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_no_cell_is_typed_dash_and_every_type_is_known(path):
    """jupyterlab-slideshow shows a cell typed "-" on no slide: a continuation carries no type."""
    nb = nbformat.read(path, as_version=4)
    bad = [(i, _type(c)) for i, c in enumerate(nb.cells)
           if _type(c) is not None and _type(c) not in SLIDE_TYPES]
    assert not bad, f"cells with slide type '-' or unknown: {bad}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_no_speaker_note_sits_inside_a_fragment(path):
    """nbconvert puts every cell after a fragment, up to the next fragment or slide, inside it."""
    nb = nbformat.read(path, as_version=4)
    in_fragment, inside = False, []
    for i, cell in enumerate(nb.cells):
        kind = _type(cell)
        if kind in ("slide", "subslide"):
            in_fragment = False
        elif kind == "fragment":
            in_fragment = True
        elif kind == "notes" and in_fragment:
            inside.append(i)
    assert not inside, f"notes cells inside a fragment: {inside}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_figure_has_a_sub_slide_of_its_own_without_its_code(path):
    nb = nbformat.read(path, as_version=4)
    faults = []
    for i, cell in enumerate(nb.cells):
        if not slides._is_figure(cell) or _type(cell) in ("skip", "notes"):
            continue
        if i > 0 and _type(cell) not in ("slide", "subslide"):
            faults.append(f"cell {i}: a figure that does not start a (sub-)slide")
        if slides.HIDE_INPUT_TAG not in cell.metadata.get("tags", []):
            faults.append(f"cell {i}: a figure whose code is shown on the slide")
        shown = [j for j in range(i + 1, len(nb.cells)) if _type(nb.cells[j]) not in ("notes", "skip")]
        if shown and _type(nb.cells[shown[0]]) not in ("slide", "subslide"):
            faults.append(f"cell {shown[0]}: shares a figure's slide")
    assert not faults, "\n".join(faults)
    # the live deck hides the tagged code too (jupyterlab-fonts style read by jupyterlab-slideshow)
    assert nb.metadata.get("@deathbeds/jupyterlab-fonts") == slides._LIVE_DECK_STYLE


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_the_course_notebooks_already_follow_the_rules(path):
    nb = nbformat.read(path, as_version=4)
    assert slides.fit_slide_metadata(nb) == []


def test_fit_slide_metadata_fixes_each_fault_and_keeps_outputs():
    png = new_output("display_data", data={"image/png": "iVBORw0KGgo=", "text/plain": "<Figure>"})
    nb = new_notebook(cells=[
        new_markdown_cell("# Title", metadata={"slideshow": {"slide_type": "slide"}}),
        new_code_cell("x = 1", metadata={"slideshow": {"slide_type": "-"}}),
        new_markdown_cell("answer", metadata={"slideshow": {"slide_type": "fragment"}}),
        new_markdown_cell("ask first", metadata={"slideshow": {"slide_type": "notes"}}),
        new_code_cell("plot()", outputs=[png], metadata={"slideshow": {"slide_type": "fragment"}}),
        new_markdown_cell("what it means", metadata={"slideshow": {"slide_type": "fragment"}}),
    ])
    changes = slides.fit_slide_metadata(nb)
    assert changes
    assert [c.source for c in nb.cells] == [
        "# Title", "x = 1", "ask first", "answer", "plot()", "what it means"]
    assert [_type(c) for c in nb.cells] == ["slide", None, "notes", "fragment", "subslide", "subslide"]
    assert "slideshow" not in nb.cells[1].metadata
    assert nb.cells[4].metadata.tags == [slides.HIDE_INPUT_TAG]
    assert nb.cells[4].outputs == [png]
    nbformat.validate(nb)
    assert slides.fit_slide_metadata(nb) == []  # idempotent
