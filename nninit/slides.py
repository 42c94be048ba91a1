"""Static reveal.js decks of the course notebooks that work from disk, with no network.

``python -m nninit slides`` calls :func:`export_decks`. Each notebook becomes
``<out>/<name>.slides.html``; beside the decks go ``<out>/index.html`` (a page linking every deck in
the folder) and ``<out>/assets/``, a copy of everything a deck loads:

- ``assets/reveal.js``: reveal.js 5.2.0 and its notes plugin, from the PyPI package
  ``sphinx-revealjs`` 3.2.1 (reveal.js: MIT);
- ``assets/mathjax``: MathJax 2.7.9, from the PyPI package ``jupyter-server-mathjax`` 0.2.6
  (MathJax: Apache-2.0);
- ``assets/require.js``: RequireJS 2.3.8 (npm ``requirejs``, MIT), vendored in
  ``nninit/deck_assets``;
- ``assets/html-manager``: the static widget renderer ``embed-amd.js`` of npm
  ``@jupyter-widgets/html-manager`` 1.0.15 (BSD-3-Clause), vendored likewise.

Both PyPI packages are pinned in ``requirements.txt``, so decks build offline once the course is
installed. nbconvert's ``SlidesExporter`` options ``reveal_url_prefix``, ``require_js_url``,
``mathjax_url``, ``widget_renderer_url`` and ``jupyter_widgets_base_url`` point into ``assets/``;
the template ``deck_assets/templates/nninit_reveal`` drops the two tags of nbconvert's reveal
template that would still reach the network (jQuery, used only by ``reveal_scroll``, and the
Mermaid module). reveal.js stays at 5.x: nbconvert 7's template loads ``plugin/notes/notes.js``,
which reveal.js 6 moved.

nbconvert is imported only when a deck is made; ``import nninit`` never imports this module.
"""

from __future__ import annotations

import html
import importlib.util
import os
import re
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ASSETS = "assets"
DECK_SUFFIX = ".slides.html"
DECK_ASSETS = Path(__file__).resolve().parent / "deck_assets"
TEMPLATE_NAME = "nninit_reveal"

# Slides are laid out at 16:9 and scaled to the screen by reveal.js.
DECK_WIDTH, DECK_HEIGHT = 1280, 720

# Where each asset comes from: (PyPI package, folder inside it, files to copy, destination).
_REVEAL_FILES = (
    "LICENSE",
    "dist/reveal.css",
    "dist/reveal.js",
    "dist/theme/white.css",
    "dist/theme/fonts/source-sans-pro/LICENSE",
    "dist/theme/fonts/source-sans-pro/source-sans-pro.css",
    "dist/theme/fonts/source-sans-pro/source-sans-pro-regular.woff",
    "dist/theme/fonts/source-sans-pro/source-sans-pro-italic.woff",
    "dist/theme/fonts/source-sans-pro/source-sans-pro-semibold.woff",
    "dist/theme/fonts/source-sans-pro/source-sans-pro-semibolditalic.woff",
    "plugin/notes/notes.js",
)
_PYPI_ASSETS = {
    # destination folder in assets/: (distribution to pip-install, import package, folder in it)
    "reveal.js": ("sphinx-revealjs==3.2.1", "sphinx_revealjs", "_static/revealjs"),
    "mathjax": ("jupyter-server-mathjax==0.2.6", "jupyter_server_mathjax", "static"),
}
MATHJAX_CONFIG = "TeX-AMS-MML_HTMLorMML-full,Safe"


class BadInput(ValueError):
    """The notebooks or the output folder given cannot be used (the command exits with 2)."""


class ExportFailed(RuntimeError):
    """A deck could not be made (the command exits with 1)."""


@dataclass
class Deck:
    notebook: Path
    path: Path
    title: str
    slides: int
    seconds: float


# --------------------------------------------------------------------------------------------------
# assets


def _package_dir(module: str, requirement: str) -> Path:
    """The folder of an installed package, found without importing it (sphinx_revealjs imports Sphinx)."""
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        raise ExportFailed(
            f"the slide assets need the Python package {requirement!r}, which is not installed; "
            "run `pip install -r requirements.txt` in the course folder"
        )
    return Path(next(iter(spec.submodule_search_locations)))


def asset_files() -> list[tuple[Path, str]]:
    """Every file a deck may load, as (source path, path relative to the assets folder)."""
    files: list[tuple[Path, str]] = []
    requirement, module, sub = _PYPI_ASSETS["reveal.js"]
    reveal = _package_dir(module, requirement) / sub
    files += [(reveal / rel, f"reveal.js/{rel}") for rel in _REVEAL_FILES]

    requirement, module, sub = _PYPI_ASSETS["mathjax"]
    mathjax = _package_dir(module, requirement) / sub
    for path in sorted(mathjax.rglob("*")):
        if path.is_file():
            files.append((path, "mathjax/" + path.relative_to(mathjax).as_posix()))

    vendor = DECK_ASSETS / "vendor"
    for path in sorted(vendor.rglob("*")):
        if path.is_file():
            files.append((path, path.relative_to(vendor).as_posix()))
    files.append((DECK_ASSETS / "nninit-deck.css", "nninit-deck.css"))
    files.append((DECK_ASSETS / "LICENSES.md", "LICENSES.md"))

    missing = [str(src) for src, _ in files if not src.is_file()]
    if missing:
        raise ExportFailed(
            "slide assets are missing from the installed packages (reinstall with "
            "`pip install -r requirements.txt`): " + ", ".join(missing[:5])
        )
    return files


def copy_assets(out_dir: Path) -> int:
    """Copy the assets into ``out_dir/assets``, skipping files already there; returns the number copied."""
    copied = 0
    for src, rel in asset_files():
        dest = out_dir / ASSETS / rel
        try:
            st = dest.stat()
            if st.st_size == src.stat().st_size and int(st.st_mtime) == int(src.stat().st_mtime):
                continue
        except FileNotFoundError:
            pass
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, dest)
        copied += 1
    return copied


# --------------------------------------------------------------------------------------------------
# output folder


def prepare_output(out_dir: Path, notebooks: list[Path]) -> Path:
    """Create ``out_dir`` if needed and check that it can be written; never a notebooks folder."""
    out = Path(os.path.abspath(out_dir))
    for nb in notebooks:
        folder = Path(os.path.abspath(nb)).parent
        if out == folder or (folder.name == "notebooks" and out.is_relative_to(folder)):
            raise BadInput(
                f"output folder {out_dir} is inside the notebooks' folder {folder}; decks go "
                "elsewhere (the default is build/slides)"
            )
    if out.exists() and not out.is_dir():
        raise BadInput(f"cannot write to output folder {out_dir}: it exists and is not a folder")
    try:
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=out, prefix=".nninit-write-test-"):
            pass
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise BadInput(f"cannot write to output folder {out_dir}: {reason}") from None
    return out


# --------------------------------------------------------------------------------------------------
# one deck


def notebook_title(nb) -> str | None:
    """The first Markdown heading of the notebook (plain text), or None."""
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        for line in cell.source.splitlines():
            m = re.match(r"\s{0,3}#{1,6}\s+(.+?)\s*#*\s*$", line)
            if m:
                text = re.sub(r"[*`]", "", m.group(1))
                text = re.sub(r"(?<!\w)_(.+?)_(?!\w)", r"\1", text)  # _emphasis_, not he_normal
                text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
                return text.strip() or None
    return None


def count_slides(nb) -> int:
    """How many slides and sub-slides the deck has (what an instructor steps through, fragments aside)."""
    types = [c.metadata.get("slideshow", {}).get("slide_type", "-") for c in nb.cells]
    visible = [i for i, t in enumerate(types) if t not in ("notes", "skip")]
    if not visible:
        return 0
    return 1 + sum(t in ("slide", "subslide") for t in types[visible[0] + 1 :])


_NOTEBOOK_LINK = re.compile(r"\]\((?P<name>[^()\s/#]+)\.ipynb(?P<anchor>#[^()\s]*)?\)")


def _link_decks(nb, folder: Path) -> None:
    """Point Markdown links to sibling notebooks at their decks (00_index's course map)."""
    def repl(m):
        if (folder / f"{m.group('name')}.ipynb").is_file():
            return f"]({m.group('name')}{DECK_SUFFIX}{m.group('anchor') or ''})"
        return m.group(0)

    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cell.source = _NOTEBOOK_LINK.sub(repl, cell.source)


def _exporter():
    from nbconvert import SlidesExporter
    from traitlets.config import Config

    c = Config()
    s = c.SlidesExporter
    s.reveal_url_prefix = f"{ASSETS}/reveal.js"
    s.reveal_theme = "white"
    s.reveal_transition = "none"
    s.reveal_number = "c/t"
    s.reveal_width = str(DECK_WIDTH)
    s.reveal_height = str(DECK_HEIGHT)
    s.reveal_scroll = False  # its only user is the jQuery code that the template drops
    s.require_js_url = f"{ASSETS}/require.js"
    s.mathjax_url = f"{ASSETS}/mathjax/MathJax.js?config={MATHJAX_CONFIG}"
    s.widget_renderer_url = f"{ASSETS}/html-manager/embed-amd.js"
    s.jupyter_widgets_base_url = f"{ASSETS}/"
    s.jquery_url = ""  # not loaded: see the template
    s.exclude_input_prompt = True
    s.exclude_output_prompt = True
    return SlidesExporter(
        config=c,
        template_name=TEMPLATE_NAME,
        extra_template_basedirs=[str(DECK_ASSETS / "templates")],
    )


def export_deck(notebook: Path, out_dir: Path, exporter=None) -> Deck:
    """Write ``out_dir/<name>.slides.html`` for one notebook (the assets are copied separately)."""
    import nbformat

    start = time.perf_counter()
    try:
        nb = nbformat.read(notebook, as_version=4)
    except Exception as exc:  # not JSON, not a notebook, unreadable
        raise BadInput(f"cannot read notebook {notebook}: {exc}") from None
    title = notebook_title(nb) or notebook.stem
    nb.metadata["title"] = title
    _link_decks(nb, notebook.parent)
    n_slides = count_slides(nb)
    if n_slides == 0:
        raise ExportFailed(f"{notebook}: every cell is skipped or a note; there is no slide to show")
    exporter = exporter or _exporter()
    try:
        body, _ = exporter.from_notebook_node(
            nb, resources={"metadata": {"name": notebook.stem}, "nninit_assets": ASSETS}
        )
    except Exception as exc:
        raise ExportFailed(f"{notebook}: nbconvert could not make a deck: {exc}") from exc
    path = out_dir / f"{notebook.stem}{DECK_SUFFIX}"
    path.write_text(body, encoding="utf-8")
    return Deck(notebook, path, title, n_slides, time.perf_counter() - start)


# --------------------------------------------------------------------------------------------------
# the index page


_TITLE = re.compile(r"<title>(.*?)</title>", re.S)


def write_index(out_dir: Path) -> Path:
    """``out_dir/index.html``: every deck in the folder (from this run or an earlier one), by name."""
    rows = []
    for deck in sorted(out_dir.glob(f"*{DECK_SUFFIX}")):
        head = deck.read_text(encoding="utf-8", errors="replace")[:4000]
        m = _TITLE.search(head)
        title = html.unescape(m.group(1)).removesuffix(" slides").strip() if m else deck.stem
        name = deck.name[: -len(DECK_SUFFIX)]
        rows.append(
            f'    <li><a href="{html.escape(deck.name)}">{html.escape(title)}</a>'
            f' <span class="file">{html.escape(name)}</span></li>'
        )
    page = f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>nninit: slide decks</title>
<style>
  body {{ font-family: system-ui, sans-serif; max-width: 52em; margin: 3em auto; padding: 0 1em;
         line-height: 1.5; color: #222; }}
  ul {{ list-style: none; padding-left: 0; }}
  li {{ margin: 0.4em 0; font-size: 1.2em; }}
  .file {{ color: #666; font-size: 0.8em; font-family: monospace; margin-left: 0.5em; }}
  kbd {{ border: 1px solid #aaa; border-radius: 3px; padding: 0 0.3em; font-size: 0.9em; }}
  footer {{ margin-top: 3em; color: #666; font-size: 0.9em; }}
</style>
</head>
<body>
<h1>How to initialise a neural network, and why: slide decks</h1>
<ul>
{chr(10).join(rows)}
</ul>
<p>In a deck: <kbd>&rarr;</kbd>/<kbd>Space</kbd> next, <kbd>&larr;</kbd> back,
<kbd>S</kbd> speaker notes (a second window), <kbd>F</kbd> full screen, <kbd>Esc</kbd> overview.
Everything a deck needs is in <code>{ASSETS}/</code> beside it: the folder works offline and can be
copied to a USB stick as it is.</p>
<footer>Made by <code>python -m nninit slides</code>. Licences of the bundled libraries:
<a href="{ASSETS}/LICENSES.md">{ASSETS}/LICENSES.md</a>.</footer>
</body>
</html>
"""
    path = out_dir / "index.html"
    path.write_text(page, encoding="utf-8")
    return path


# --------------------------------------------------------------------------------------------------
# the command


def export_decks(notebooks: list[Path], out_dir: Path, progress=print) -> list[Deck]:
    """Export every notebook to a deck in ``out_dir``, with the assets and the index page.

    ``progress`` receives one line per notebook. Raises :class:`BadInput` for an output folder
    that cannot be used or a notebook that cannot be read, :class:`ExportFailed` otherwise; the
    decks made before a failure stay in place.
    """
    out = prepare_output(out_dir, notebooks)
    copy_assets(out)
    exporter = _exporter()
    decks = []
    width = len(str(len(notebooks)))
    for i, notebook in enumerate(notebooks, 1):
        deck = export_deck(notebook, out, exporter)
        decks.append(deck)
        shown = os.path.relpath(deck.path) if not os.path.relpath(deck.path).startswith("..") else deck.path
        progress(
            f"[{i:>{width}}/{len(notebooks)}] {notebook.name} -> {shown} "
            f"({deck.slides} slides, {deck.seconds:.1f} s)"
        )
    index = write_index(out)
    shown = os.path.relpath(index) if not os.path.relpath(index).startswith("..") else index
    progress(f"index: {shown}")
    return decks
