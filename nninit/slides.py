"""Static reveal.js decks of the course notebooks that work from disk, with no network.

``python -m nninit slides`` calls :func:`export_decks`. Each notebook becomes
``<out>/<name>.slides.html``; beside the decks go ``<out>/index.html`` (a page linking every deck in
the folder) and ``<out>/assets/``, a copy of everything a deck loads:

- ``assets/reveal.js``: reveal.js 5.2.0 (``dist/``: the script, its CSS, the white theme and its
  Source Sans Pro fonts) and its notes plugin, from npm ``reveal.js@5.2.0`` (MIT), vendored in
  ``nninit/deck_assets/vendor/reveal.js``;
- ``assets/mathjax``: MathJax 2.7.9, from the PyPI package ``jupyter-server-mathjax`` 0.2.6
  (MathJax: Apache-2.0), pinned in ``requirements.txt``;
- ``assets/require.js``: RequireJS 2.3.8 (npm ``requirejs``, MIT), vendored likewise;
- ``assets/html-manager``: the static widget renderer ``embed-amd.js`` of npm
  ``@jupyter-widgets/html-manager`` 1.0.15 (BSD-3-Clause), vendored likewise.

``deck_assets/LICENSES.md`` gives each vendored file's source and SHA-256. nbconvert's
``SlidesExporter`` options ``reveal_url_prefix``, ``require_js_url``, ``mathjax_url``,
``widget_renderer_url`` and ``jupyter_widgets_base_url`` point into ``assets/``; the template
``deck_assets/templates/nninit_reveal`` drops the two tags of nbconvert's reveal template that would
still reach the network (jQuery, used only by ``reveal_scroll``, and the Mermaid module), starts
reveal.js with linear navigation (→ and Space walk every slide and fragment in order) and leaves out
the input of a cell tagged ``hide-input-on-slides`` (:func:`fit_slide_metadata`).
``deck_assets/nninit-deck.css`` is the slide layout: a figure takes the height its slide leaves free,
text is at least 18 px at 1280x720. reveal.js stays at 5.x: nbconvert 7's template loads
``plugin/notes/notes.js``, which reveal.js 6 moved.

Nothing is written until every notebook has been read, checked and turned into a deck in memory, so
a bad notebook leaves no files behind. With ``pdf=True`` each deck is also printed to
``<name>.pdf`` through reveal.js's print view by a Chromium or Chrome found on the machine
(:func:`find_chromium`).

nbconvert is imported only when a deck is made; ``import nninit`` never imports this module.
"""

from __future__ import annotations

import html
import importlib.util
import json
import os
import re
import shutil
import subprocess
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

# MathJax comes from a PyPI package: (distribution to pip-install, import package, folder in it).
_MATHJAX = ("jupyter-server-mathjax==0.2.6", "jupyter_server_mathjax", "static")
MATHJAX_CONFIG = "TeX-AMS-MML_HTMLorMML-full,Safe"

# What this command writes into an output folder; a folder holding anything else is not used.
_OWN_FILES = re.compile(r"(index\.html|assets|.*\.slides\.html|.*\.pdf|\.nninit-write-test-.*)")


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
    """The folder of an installed package, found without importing it."""
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
    requirement, module, sub = _MATHJAX
    mathjax = _package_dir(module, requirement) / sub
    for path in sorted(mathjax.rglob("*")):
        if path.is_file():
            files.append((path, "mathjax/" + path.relative_to(mathjax).as_posix()))

    vendor = DECK_ASSETS / "vendor"  # reveal.js, require.js, the widget renderer
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


def copy_assets(out_dir: Path, files: list[tuple[Path, str]] | None = None) -> int:
    """Copy the assets (``files``, default :func:`asset_files`) into ``out_dir/assets``, skipping
    files already there; returns the number copied."""
    copied = 0
    for src, rel in files if files is not None else asset_files():
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


def check_output(out_dir: Path, notebooks: list[Path]) -> Path:
    """The absolute output folder, refused (:class:`BadInput`) when decks must not go there.

    Refused: an empty name; the notebooks' folder or a folder inside ``notebooks/``; a path that
    exists and is not a folder; and a folder that already holds files this command does not write
    (the current folder, a home folder, the course folder), so that an instructor's files never get
    856 asset files mixed into them. A new folder, an empty one and one made by an earlier run are
    fine. Nothing is created here.
    """
    if not str(out_dir).strip():
        raise BadInput("the output folder is empty (--out ''); give a folder such as build/slides")
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
    if out.is_dir():
        try:
            foreign = sorted(p.name for p in out.iterdir() if not _OWN_FILES.fullmatch(p.name))
        except OSError as exc:
            raise BadInput(f"cannot use output folder {out_dir}: {exc.strerror or exc}") from None
        if foreign:
            shown = ", ".join(foreign[:5]) + (", ..." if len(foreign) > 5 else "")
            raise BadInput(
                f"output folder {out_dir} already holds other files ({shown}); give a new or "
                "empty folder, or one that this command made (the default is build/slides)"
            )
    return out


def prepare_output(out_dir: Path, notebooks: list[Path]) -> Path:
    """Check ``out_dir`` (:func:`check_output`), create it if needed and check it can be written."""
    out = check_output(out_dir, notebooks)
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


def read_notebook(path: Path):
    """Read and validate one notebook; :class:`BadInput` naming the file and the fault otherwise.

    A file that is not JSON, JSON that is not a Jupyter notebook (no ``cells`` list, an unknown
    ``nbformat``) and a notebook that fails nbformat's schema all get one line, never a traceback.
    """
    import nbformat

    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise BadInput(f"cannot read notebook {path}: {getattr(exc, 'strerror', None) or exc}") from None
    try:
        raw = json.loads(text)
    except ValueError as exc:
        raise BadInput(f"cannot read notebook {path}: it is not JSON ({exc})") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("cells"), list) or not isinstance(
        raw.get("nbformat"), int
    ):
        raise BadInput(
            f"cannot read notebook {path}: it is JSON but not a Jupyter notebook (a notebook is an "
            "object with a 'cells' list and an integer 'nbformat')"
        )
    try:
        nb = nbformat.reads(text, as_version=4)
        nbformat.validate(nb)
    except Exception as exc:  # nbformat raises ValidationError, NBFormatError, KeyError, AttributeError
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise BadInput(f"cannot read notebook {path}: not a valid nbformat 4 notebook ({reason})") from None
    return nb


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


# The cell tag that keeps a cell's code off the slides (its output stays): honoured by this module's
# template in the exported decks and, through the notebook's jupyterlab-fonts style below, by
# jupyterlab-slideshow in the live deck. The notebook itself keeps showing the code.
HIDE_INPUT_TAG = "hide-input-on-slides"
_FONTS_KEY = "@deathbeds/jupyterlab-fonts"  # jupyterlab-slideshow styles notebooks through it
_LIVE_DECK_STYLE = {
    "styles": {
        "": {
            # jupyterlab-fonts writes a cell's tags into data-jpf-cell-tags (",tag1,tag2,"); no comma
            # in the selector, since its style compiler (JSS) splits selectors at commas
            "body[data-jp-deck-mode='presenting'] & "
            f"[data-jpf-cell-tags*='{HIDE_INPUT_TAG}'] .jp-Cell-inputWrapper": {"display": "none"},
        }
    }
}


def _slide_type(cell) -> str | None:
    return cell.metadata.get("slideshow", {}).get("slide_type")


def _set_slide_type(cell, slide_type: str | None) -> None:
    show = cell.metadata.setdefault("slideshow", {})
    if slide_type is None:
        show.pop("slide_type", None)
        if not show:
            del cell.metadata["slideshow"]
    else:
        show["slide_type"] = slide_type


def _is_figure(cell) -> bool:
    return cell.cell_type == "code" and any("image/png" in o.get("data", {}) for o in cell.get("outputs", []))


def fit_slide_metadata(nb) -> list[str]:
    """Bring a notebook's slide metadata to the course's rules, in place; returns what was changed.

    Only metadata and the order of speaker-notes cells change, so stored outputs stay valid. The rules
    (``tests/test_slides.py`` checks that every course notebook already follows them):

    1. A cell that continues the current slide has no slide type: ``"-"`` is deleted (the live deck,
       jupyterlab-slideshow, shows a ``"-"`` cell on no slide; nbconvert reads both the same).
    2. A speaker-notes cell never sits inside a fragment (it would stay hidden until the fragment is
       shown): it moves up to just before the first fragment of its slide.
    3. A figure (a code cell with an image output) starts a sub-slide of its own, its code is kept
       off the slides (tag ``hide-input-on-slides``), and the next cell shown starts a new sub-slide,
       so the figure fills the screen.
    4. The notebook carries the jupyterlab-fonts style that makes the live deck honour that tag.
    """
    changes: list[str] = []
    for i, cell in enumerate(nb.cells):
        if _slide_type(cell) == "-":
            _set_slide_type(cell, None)
            changes.append(f"cell {i}: slide type '-' removed")

    i, first_fragment = 0, None
    while i < len(nb.cells):
        kind = _slide_type(nb.cells[i])
        if kind in ("slide", "subslide"):
            first_fragment = None
        elif kind == "fragment" and first_fragment is None:
            first_fragment = i
        elif kind == "notes" and first_fragment is not None:
            nb.cells.insert(first_fragment, nb.cells.pop(i))
            changes.append(f"cell {i}: speaker notes moved out of a fragment, to cell {first_fragment}")
            first_fragment += 1
        i += 1

    for i, cell in enumerate(nb.cells):
        if not _is_figure(cell) or _slide_type(cell) in ("skip", "notes"):
            continue
        if i > 0 and _slide_type(cell) not in ("slide", "subslide"):
            _set_slide_type(cell, "subslide")
            changes.append(f"cell {i}: a figure starts a sub-slide")
        tags = cell.metadata.setdefault("tags", [])
        if HIDE_INPUT_TAG not in tags:
            tags.append(HIDE_INPUT_TAG)
            changes.append(f"cell {i}: a figure's code kept off the slides")
        later = range(i + 1, len(nb.cells))
        nxt = next((j for j in later if _slide_type(nb.cells[j]) not in ("notes", "skip")), None)
        if nxt is not None and _slide_type(nb.cells[nxt]) not in ("slide", "subslide"):
            _set_slide_type(nb.cells[nxt], "subslide")
            changes.append(f"cell {nxt}: starts a sub-slide after a figure")

    if nb.metadata.get(_FONTS_KEY) != _LIVE_DECK_STYLE:
        nb.metadata[_FONTS_KEY] = _LIVE_DECK_STYLE
        changes.append("notebook: live-deck style for hide-input-on-slides")
    return changes


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


def render_deck(notebook: Path, nb, exporter=None) -> tuple[str, str, int]:
    """The deck of one notebook read by :func:`read_notebook`, in memory: (html, title, slides)."""
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
    return body, title, n_slides


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


def export_decks(notebooks: list[Path], out_dir: Path, progress=print, pdf: bool = False) -> list[Deck]:
    """Export every notebook to a deck in ``out_dir``, with the assets and the index page.

    Every notebook is read, validated and rendered before anything is written, so bad input leaves
    no files behind. ``progress`` receives one line per notebook. With ``pdf``, each deck is also
    printed to ``<name>.pdf`` (:func:`print_pdf`). Raises :class:`BadInput` for an output folder
    that cannot be used or a notebook that cannot be read, :class:`ExportFailed` otherwise.
    """
    check_output(out_dir, notebooks)
    browser = find_chromium() if pdf else None  # before any work: says what to install
    read = [(notebook, read_notebook(notebook)) for notebook in notebooks]
    exporter = _exporter()
    rendered = []
    for notebook, nb in read:
        start = time.perf_counter()
        body, title, n_slides = render_deck(notebook, nb, exporter)
        rendered.append((notebook, body, title, n_slides, time.perf_counter() - start))

    files = asset_files()  # every asset is there before the first file is written
    out = prepare_output(out_dir, notebooks)
    copy_assets(out, files)
    decks = []
    width = len(str(len(notebooks)))
    for i, (notebook, body, title, n_slides, seconds) in enumerate(rendered, 1):
        path = out / f"{notebook.stem}{DECK_SUFFIX}"
        path.write_text(body, encoding="utf-8")
        deck = Deck(notebook, path, title, n_slides, seconds)
        decks.append(deck)
        progress(
            f"[{i:>{width}}/{len(notebooks)}] {notebook.name} -> {_shown(path)} "
            f"({n_slides} slides, {seconds:.1f} s)"
        )
    index = write_index(out)
    progress(f"index: {_shown(index)}")
    if browser:
        for deck in decks:
            start = time.perf_counter()
            pdf_path = print_pdf(deck.path, browser)
            progress(f"pdf: {_shown(pdf_path)} ({time.perf_counter() - start:.1f} s)")
    return decks


def _shown(path: Path) -> str:
    rel = os.path.relpath(path)
    return str(path) if rel.startswith("..") else rel


# --------------------------------------------------------------------------------------------------
# PDF handouts


# Where Chromium, Chrome or Edge usually live, besides the names looked up on PATH.
_BROWSER_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome",
                  "microsoft-edge")
_BROWSER_PATHS = (
    "/usr/bin/chromium",
    "/snap/bin/chromium",
    "/Applications/Chromium.app/Contents/MacOS/Chromium",
    "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
    r"C:\Program Files\Google\Chrome\Application\chrome.exe",
    r"C:\Program Files (x86)\Google\Chrome\Application\chrome.exe",
    r"C:\Program Files (x86)\Microsoft\Edge\Application\msedge.exe",
)


def find_chromium() -> str:
    """A Chromium-family browser on this machine: ``$NNINIT_CHROMIUM``, then PATH, then the usual places.

    Raises :class:`ExportFailed` saying what to install when there is none.
    """
    chosen = os.environ.get("NNINIT_CHROMIUM")
    if chosen:
        if shutil.which(chosen) or Path(chosen).is_file():
            return shutil.which(chosen) or chosen
        raise ExportFailed(f"NNINIT_CHROMIUM={chosen!r} is not a program on this machine")
    for name in _BROWSER_NAMES:
        found = shutil.which(name)
        if found:
            return found
    for path in _BROWSER_PATHS:
        if Path(path).is_file():
            return path
    raise ExportFailed(
        "--pdf prints the decks with Chromium or Google Chrome, and none was found; install one "
        "(Debian/Ubuntu: `sudo apt-get install chromium`; macOS: Google Chrome from google.com/chrome; "
        "Windows: Chrome or Edge) or set NNINIT_CHROMIUM to its path. The HTML decks are written."
    )


def print_pdf(deck: Path, browser: str, timeout: float = 180) -> Path:
    """Print ``deck`` to ``<name>.pdf`` beside it: reveal.js's print view, one slide a page.

    The browser runs headless with a virtual-time budget, so MathJax and the widget renderer finish
    before the page is printed.
    """
    pdf = deck.with_name(deck.name[: -len(DECK_SUFFIX)] + ".pdf")
    with tempfile.TemporaryDirectory(prefix="nninit-chromium-") as profile:
        cmd = [
            browser, "--headless=new", "--disable-gpu", "--no-first-run", "--no-default-browser-check",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            f"--user-data-dir={profile}", "--no-pdf-header-footer", "--virtual-time-budget=20000",
            "--run-all-compositor-stages-before-draw", f"--print-to-pdf={pdf}",
            deck.resolve().as_uri() + "?print-pdf",
        ]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            cmd.insert(1, "--no-sandbox")  # Chromium refuses to run as root with its sandbox
        try:
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise ExportFailed(f"{browser} did not print {deck.name} within {timeout:.0f} s") from None
    if done.returncode != 0 or not pdf.is_file() or pdf.stat().st_size == 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        raise ExportFailed(f"{browser} could not print {deck.name} to PDF: " + " / ".join(tail))
    return pdf
