"""Real-browser tests, in Debian's Chromium driven by Playwright for Python (never a downloaded browser).

1. Every exported deck, opened from disk (file://) with every non-local request aborted and
   recorded, at 1280x720 and 1920x1080: only → pressed from the first slide to the last reaches
   every slide and fragment in order; on every step nothing visible runs past the bottom or right
   edge, no text is under 18 px (at 1280x720), no speaker note hides in a fragment, every figure is
   whole and fills at least 85% of the slide's width or height; math is typeset and saved widgets
   drawn; not one request leaves the machine. A contact sheet of each deck's slides goes to
   build/contact-sheets/ (look at it). The speaker view opens with the notes (key S), a deck copied
   alone with its assets/ opens, and `python -m nninit slides --pdf` prints one page per slide.
2. The explorer notebook (a copy of notebooks/06_interactive_explorer.ipynb) live in a JupyterLab
   that the test starts on 127.0.0.1 with a token: run all cells, move a slider, see the figure
   change; then present it with jupyterlab-slideshow: Space alone walks the deck from the first cell
   to the last and every screen fits 1280x720; on the explorer's slide a slider move redraws the
   figure, the figure's code is hidden, and Space moves on.

Screenshots go to build/screenshots/. Without chromium or playwright these tests are skipped with a
message naming what to install, and fail when CI=true.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import SimpleNamespace

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

REPO = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))
EXPLORER = REPO / "notebooks" / "06_interactive_explorer.ipynb"
SHOTS = REPO / "build" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-quic", "--no-first-run", "--no-default-browser-check",
]
LOCAL_SCHEMES = ("file:", "data:", "about:", "blob:")
TIMEOUT_MS = 60_000
FIXTURE_DECK = "zz_offline_fixture"


def _require_browser():
    missing = []
    if not Path(CHROMIUM).is_file():
        missing.append("Debian's chromium at /usr/bin/chromium (`apt-get install -y chromium`)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("Playwright for Python (`pip install -r requirements-test.txt`)")
    if missing:
        message = "browser tests need " + " and ".join(missing) + "; they never download a browser"
        if os.environ.get("CI") == "true":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)


def _shot(page_or_locator, *parts) -> Path:
    path = SHOTS.joinpath(*parts)
    path.parent.mkdir(parents=True, exist_ok=True)
    page_or_locator.screenshot(path=str(path))
    return path


@pytest.fixture(scope="module")
def browser():
    _require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


def _offline_context(browser, **kw):
    """A browser context in which every request that is not to a local file is aborted and recorded."""
    ctx = browser.new_context(**kw)
    ctx.set_default_timeout(TIMEOUT_MS)
    attempted: list[str] = []

    def route(r):
        if r.request.url.startswith(LOCAL_SCHEMES):
            r.continue_()
        else:
            attempted.append(r.request.url)
            r.abort()

    ctx.route("**/*", route)
    ctx.on("request", lambda r: None if r.url.startswith(LOCAL_SCHEMES) else attempted.append(r.url))
    return ctx, attempted


# --------------------------------------------------------------------------------------------------
# 1. exported decks, from disk, offline


def _fixture_notebook(folder: Path) -> Path:
    """A deck with what the course notebooks may not have yet: a figure, display math, a note and a
    saved slider (widget state), executed here so the outputs are real."""
    nb = new_notebook()
    nb.metadata.kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [
        new_markdown_cell("# Offline fixture deck\n\nThe signal's variance after one layer:\n\n"
                          "$$\\mathrm{Var}(y) = n_{\\text{in}}\\,\\mathrm{Var}(w)\\,\\mathrm{Var}(x)$$",
                          metadata={"slideshow": {"slide_type": "slide"}}),
        new_markdown_cell("Speaker note: point at the fan-in.",
                          metadata={"slideshow": {"slide_type": "notes"}}),
        new_code_cell("import matplotlib\nmatplotlib.use('agg')\nimport matplotlib.pyplot as plt\n"
                      "%matplotlib inline\nfig, ax = plt.subplots(figsize=(8, 4.5))\n"
                      "ax.plot([1, 2, 3], [1, 4, 9], lw=4)\nax.set_title('a figure', fontsize=20)\n"
                      "plt.show()",
                      metadata={"slideshow": {"slide_type": "subslide"}}),
        new_markdown_cell("A fragment with inline math $\\sigma = \\sqrt{2/n}$.",
                          metadata={"slideshow": {"slide_type": "fragment"}}),
        new_code_cell("import ipywidgets as widgets\n"
                      "widgets.IntSlider(value=3, min=1, max=10, description='depth')",
                      metadata={"slideshow": {"slide_type": "slide"}}),
    ]
    path = folder / f"{FIXTURE_DECK}.ipynb"
    nbformat.write(nb, path)
    from nninit.cli import execute_notebook

    execute_notebook(path, timeout=120)
    from nninit import slides

    nb = nbformat.read(path, as_version=4)
    slides.fit_slide_metadata(nb)  # the figure gets a sub-slide of its own, as in the course
    nbformat.write(nb, path)
    return path


def _expectations(path: Path) -> dict:
    """What the deck of this notebook must show, read from the notebook itself."""
    from nninit import slides

    nb = nbformat.read(path, as_version=4)
    def kind(c):
        return c.metadata.get("slideshow", {}).get("slide_type")

    shown = [c for c in nb.cells if kind(c) not in ("skip", "notes")]
    notes = [c for c in nb.cells if c.metadata.get("slideshow", {}).get("slide_type") == "notes"]
    return {
        "title": slides.notebook_title(nb) or path.stem,
        "math": any(c.cell_type == "markdown" and re.search(r"\$[^$]+\$", c.source) for c in shown),
        "figure": any("image/png" in o.get("data", {}) for c in shown for o in c.get("outputs", [])),
        "widgets": "widgets" in nb.metadata,
        "notes": bool(notes),
    }


@pytest.fixture(scope="module")
def decks(browser, tmp_path_factory):
    from nninit import slides

    work = tmp_path_factory.mktemp("decks")
    # Copies, so that the decks and the expectations read from the notebooks agree even while
    # someone is saving a notebook.
    course = work / "notebooks"
    course.mkdir()
    copies = [Path(shutil.copy(nb, course / nb.name)) for nb in NOTEBOOKS]
    fixture = _fixture_notebook(work)
    out = work / "slides"
    lines: list[str] = []
    start = time.perf_counter()
    made = slides.export_decks(copies + [fixture], out, progress=lines.append)
    print(f"\nexported {len(made)} decks in {time.perf_counter() - start:.1f} s:", *lines, sep="\n  ")
    return {d.notebook.stem: SimpleNamespace(path=d.path, **_expectations(d.notebook)) for d in made}


DECK_NAMES = [p.stem for p in NOTEBOOKS] + [FIXTURE_DECK]
# The decks with speaker notes: every course notebook (the test's fixture deck has none).
NOTED_DECKS = [p.stem for p in NOTEBOOKS
               if any(c.metadata.get("slideshow", {}).get("slide_type") == "notes"
                      for c in nbformat.read(p, as_version=4).cells)]


def test_every_notebook_has_speaker_notes():
    course = {p.stem for p in NOTEBOOKS}
    assert course and course <= set(NOTED_DECKS), sorted(course - set(NOTED_DECKS))

# The present leaf slide (a <section> without nested sections), its position, and what it shows.
# "Visible content" is every glyph of text (measured with a Range, so a box wider than its text does
# not count) and every image, svg, canvas or widget control, outside speaker notes and fragments not
# yet shown. Sizes are in screen pixels; `slide` is the 16:9 box reveal.js scales to the window.
_PRESENT_JS = r"""() => {
  const leaves = [...document.querySelectorAll('.reveal .slides section')]
    .filter(s => !s.querySelector('section'));
  const s = Reveal.getCurrentSlide();
  const i = leaves.indexOf(s);
  const box = document.querySelector('.reveal .slides').getBoundingClientRect();
  const scale = Reveal.getScale();
  const visible = el => { const r = el.getBoundingClientRect(); return r.width > 0 && r.height > 0; };
  const shown = el => !el.closest('aside.notes, .fragment:not(.visible), script, style')
      && getComputedStyle(el).visibility !== 'hidden';
  const md = [...s.querySelectorAll('.jp-RenderedMarkdown')].map(e => e.innerText).join('\n');
  let bottom = 0, right = 0, lowest = '', rightmost = '', minFont = Infinity, minFontText = '';
  const extend = (r, what) => {
    if (!r.width || !r.height) return;
    if (r.bottom > bottom) { bottom = r.bottom; lowest = what; }
    if (r.right > right) { right = r.right; rightmost = what; }
  };
  const walker = document.createTreeWalker(s, NodeFilter.SHOW_TEXT);
  const range = document.createRange();
  for (let n; (n = walker.nextNode()); ) {
    const text = n.textContent.trim();
    if (!text || !shown(n.parentElement)) continue;
    range.selectNodeContents(n);
    for (const r of range.getClientRects()) extend(r, text.slice(0, 60));
    const inMath = n.parentElement.closest('.MathJax, .MathJax_Display, .MathJax_Preview');
    const px = parseFloat(getComputedStyle(n.parentElement).fontSize) * scale;
    if (!inMath && px < minFont) { minFont = px; minFontText = text.slice(0, 60); }
  }
  for (const el of s.querySelectorAll('img, svg, canvas, video, input, select, button, .widget-slider')) {
    if (shown(el)) {
      extend(el.getBoundingClientRect(), el.tagName.toLowerCase() + (el.className ? '.' + el.className : ''));
    }
  }
  // content cut off inside a box that scrolls or clips (a long line in a code cell, a wide table)
  const boxes = 'pre, table, .jp-OutputArea-output, .jp-InputArea-editor, .jp-RenderedHTMLCommon';
  const clipped = [...s.querySelectorAll(boxes)]
    .filter(el => shown(el) && getComputedStyle(el).overflowX !== 'visible'
                  && el.scrollWidth > el.clientWidth + 2)
    .map(el => el.innerText.slice(0, 60));
  const images = [...s.querySelectorAll('.jp-OutputArea-output img')].filter(im => shown(im) && visible(im));
  const figures = images.map(im => {
    const r = im.getBoundingClientRect();
    const k = Math.min(r.width / im.naturalWidth, r.height / im.naturalHeight);  // object-fit: contain
    const w = im.naturalWidth * k, h = im.naturalHeight * k;
    return {complete: im.complete && im.naturalWidth > 0, natural: [im.naturalWidth, im.naturalHeight],
            inWidget: !!im.closest('.jupyter-widgets'),
            shown: [w, h], left: r.left + (r.width - w) / 2, top: r.top, right: r.left + (r.width + w) / 2,
            bottom: r.top + h, zoom: k};
  });
  return {
    index: i, count: leaves.length, last: i === leaves.length - 1,
    indices: Reveal.getIndices(),
    fragments: s.querySelectorAll('.fragment').length,
    hiddenFragments: s.querySelectorAll('.fragment:not(.visible)').length,
    visibleFragments: s.querySelectorAll('.fragment.visible').length,
    notesInFragments: s.querySelectorAll('.fragment aside.notes').length,
    // MathJax 2 keeps each formula's TeX in a <script type="math/tex"> right after its output
    tex: s.querySelectorAll('script[type^="math/tex"]').length,
    math: [...s.querySelectorAll('script[type^="math/tex"]')]
      .filter(t => t.previousElementSibling
                   && t.previousElementSibling.matches(
                        '.MathJax, .MathJax_Display, .MathJax_SVG, .MathJax_SVG_Display')
                   && visible(t.previousElementSibling)).length,
    mathErrors: s.querySelectorAll('.MathJax_Error, merror').length,
    rawDollars: (md.match(/\$[^$\n]+\$/g) || []),
    figures,
    widgets: [...s.querySelectorAll('.jupyter-widgets .widget-slider, .jupyter-widgets .widget-inline-hbox')]
      .filter(visible).length,
    slide: {left: box.left, top: box.top, width: box.width, height: box.height},
    viewport: [innerWidth, innerHeight],
    bottom, right, lowest, rightmost, clipped,
    minFont: minFont === Infinity ? null : minFont, minFontText,
  };
}"""

_MATHJAX_IDLE_JS = "() => new Promise(done => MathJax.Hub.Queue(() => done(true)))"

# How far visible content may reach past the window's bottom or right edge (anti-aliasing, a glyph's
# descender): a few pixels, never a line of text.
SLACK_PX = 4
# A figure alone on its (sub-)slide fills at least this share of the slide's width or height ...
FIGURE_SHARE = 0.85
# (a figure drawn inside a widget, the explorer's, shares its slide with the controls and is exempt)
# ... and no text on a slide is smaller than this at 1280x720 (scaled with the window).
MIN_TEXT_PX = 18
VIEWPORTS = [(1280, 720), (1920, 1080)]
CONTACT_SHEETS = REPO / "build" / "contact-sheets"


def _open_deck(ctx, deck):
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(deck.path.as_uri())
    page.wait_for_selector(".reveal.ready")
    page.wait_for_function("() => window.MathJax && MathJax.Hub && MathJax.isReady")
    page.evaluate(_MATHJAX_IDLE_JS)
    if deck.widgets:  # the static renderer draws every saved widget view once the page has loaded
        page.wait_for_function(
            "() => [...document.querySelectorAll("
            "'script[type=\"application/vnd.jupyter.widget-view+json\"]')]"
            ".every(s => s.parentElement.querySelector('.lm-Widget'))")
    return page, errors


def _settled_state(page):
    """The present slide's state once its math is typeset and its images are decoded."""
    page.evaluate(_MATHJAX_IDLE_JS)  # the deck re-typesets each slide it shows
    page.wait_for_function(
        "() => [...Reveal.getCurrentSlide().querySelectorAll('img')].every(i => i.complete)")
    state = page.evaluate(_PRESENT_JS)
    if state["tex"] and state["math"] < state["tex"]:
        # every formula on the slide gets a visible typeset output (fonts may still be loading)
        page.wait_for_function(f"() => {{ const s = ({_PRESENT_JS})(); return s.math === s.tex; }}")
        state = page.evaluate(_PRESENT_JS)
    return state


def _slide_faults(state, width, height) -> list[str]:
    """What is wrong with the present slide, as a projector shows it."""
    where = f"slide {state['indices']['h']}-{state['indices']['v']}"
    faults = []
    if state["bottom"] > height + SLACK_PX:
        faults.append(f"{where}: content ends {state['bottom'] - height:.0f} px below the screen "
                      f"({state['lowest']!r})")
    if state["right"] > width + SLACK_PX:
        faults.append(f"{where}: content ends {state['right'] - width:.0f} px right of the screen "
                      f"({state['rightmost']!r})")
    if state["clipped"]:
        faults.append(f"{where}: content cut off inside its box: {state['clipped']}")
    if state["notesInFragments"]:
        faults.append(f"{where}: {state['notesInFragments']} speaker note(s) inside a fragment")
    min_px = MIN_TEXT_PX * state["slide"]["height"] / 720
    if state["minFont"] is not None and state["minFont"] < min_px - 0.5:
        faults.append(f"{where}: text of {state['minFont']:.1f} px (< {min_px:.0f}): "
                      f"{state['minFontText']!r}")
    box = state["slide"]
    for fig in state["figures"]:
        if not fig["complete"]:
            faults.append(f"{where}: an image did not load")
            continue
        if (fig["top"] < -SLACK_PX or fig["left"] < -SLACK_PX or fig["bottom"] > height + SLACK_PX
                or fig["right"] > width + SLACK_PX):
            faults.append(f"{where}: a figure is not wholly on screen")
        share = max(fig["shown"][0] / box["width"], fig["shown"][1] / box["height"])
        # a widget's figure shares the slide with the widget's controls, laid out by the widget
        if share < FIGURE_SHARE and not fig["inWidget"]:
            faults.append(f"{where}: a figure fills only {share:.0%} of the slide's width or height")
    return faults


@pytest.mark.parametrize("size", VIEWPORTS, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("name", DECK_NAMES)
def test_right_arrow_walks_every_slide_and_each_fits_the_screen(browser, decks, name, size):
    """An instructor with a clicker: only → from the first slide to the last, with the network blocked.

    Every slide and every fragment is reached, in order; on every step nothing visible runs past the
    bottom or right edge, no text is under 18 px (at 1280x720), no speaker note hides in a fragment,
    and each figure is whole and fills at least 85% of its slide's width or height. At 1280x720 a
    contact sheet of every slide (fragments all shown) goes to build/contact-sheets/.
    """
    width, height = size
    deck = decks[name]
    ctx, attempted = _offline_context(browser, viewport={"width": width, "height": height})
    try:
        page, page_errors = _open_deck(ctx, deck)
        from playwright.sync_api import expect

        expect(page.locator(".reveal .slides section.present").last).to_contain_text(deck.title)
        state = _settled_state(page)
        count = state["count"]
        reached = [0] * count  # fragments shown on each slide, at most
        fragments = [None] * count
        visited: list[int] = []
        faults: list[str] = []
        seen = {"math": 0, "figures": 0, "widgets": 0}
        shots: list[tuple[str, bytes]] = []
        for _ in range(4 * count + 50):
            i = state["index"]
            visited.append(i)
            fragments[i] = state["fragments"]
            reached[i] = max(reached[i], state["visibleFragments"])
            assert state["mathErrors"] == 0, f"MathJax error on slide {i}"
            assert not state["rawDollars"], f"untypeset math on slide {i}: {state['rawDollars']}"
            faults += _slide_faults(state, width, height)
            for key in seen:
                seen[key] += bool(state[key])
            if state["hiddenFragments"] == 0 and width == 1280:
                shots.append((f"{state['indices']['h']}-{state['indices']['v']}", page.screenshot()))
            if state["last"] and state["hiddenFragments"] == 0:
                break
            before = (state["index"], state["visibleFragments"])
            page.keyboard.press("ArrowRight")
            page.wait_for_function(
                f"([i, f]) => {{ const s = ({_PRESENT_JS})(); "
                "return s.index !== i || s.visibleFragments !== f; }",
                arg=list(before),
            )
            state = _settled_state(page)
        if shots:
            _contact_sheet(name, shots)
        faults = list(dict.fromkeys(faults))  # a fault seen on several fragment steps, once
        print(f"\n{name} at {width}x{height}: {count} slides, {sum(f or 0 for f in fragments)} fragments, "
              f"{len(visited)} steps, {len(faults)} fault(s)")

        assert state["last"], "→ did not reach the last slide"
        assert visited == sorted(visited), "→ went back to an earlier slide"
        missed = [i for i in range(count) if i not in visited]
        assert not missed, f"→ skipped slides {missed} of {count} (vertical sub-slides?)"
        unrevealed = [i for i in range(count) if reached[i] < fragments[i]]
        assert not unrevealed, f"→ left fragments hidden on slides {unrevealed}"
        assert not faults, (f"{len(faults)} slide(s) do not fit a {width}x{height} screen:\n"
                            + "\n".join(faults))
        if deck.math:
            assert seen["math"], "no slide showed typeset math, though the notebook has LaTeX"
        if deck.figure:
            assert seen["figures"], "no figure was visible on any slide, though the notebook has one"
        if deck.widgets:
            assert seen["widgets"], "the saved widgets were not drawn by the static renderer"
        assert not page_errors, page_errors
        assert attempted == [], f"the deck tried to reach the network: {attempted}"
    finally:
        ctx.close()


def _contact_sheet(name: str, shots: list[tuple[str, bytes]], columns: int = 6) -> Path:
    """Every slide of a deck, small, labelled h-v, in one PNG (to look at, not to compare)."""
    import io

    from PIL import Image, ImageDraw

    thumb_w, thumb_h, label_h, gap = 320, 180, 18, 6
    rows = -(-len(shots) // columns)
    size = (columns * (thumb_w + gap) + gap, rows * (thumb_h + label_h + gap) + gap)
    sheet = Image.new("RGB", size, "#777")
    draw = ImageDraw.Draw(sheet)
    for k, (label, png) in enumerate(shots):
        im = Image.open(io.BytesIO(png)).convert("RGB").resize((thumb_w, thumb_h), Image.LANCZOS)
        x = gap + (k % columns) * (thumb_w + gap)
        y = gap + (k // columns) * (thumb_h + label_h + gap)
        draw.text((x + 2, y + 2), f"{name} {label}", fill="white")
        sheet.paste(im, (x, y + label_h))
    CONTACT_SHEETS.mkdir(parents=True, exist_ok=True)
    path = CONTACT_SHEETS / f"{name}.png"
    sheet.save(path)
    return path


def test_a_deck_copied_alone_with_its_assets_opens_offline(browser, decks, tmp_path):
    """An instructor copies one deck and assets/ to a USB stick: it must still open with math."""
    from playwright.sync_api import expect

    deck = decks["03_xavier_glorot"]
    shutil.copy(deck.path, tmp_path / deck.path.name)
    shutil.copytree(deck.path.parent / "assets", tmp_path / "assets")
    ctx, attempted = _offline_context(browser, viewport={"width": 1280, "height": 720})
    try:
        page = ctx.new_page()
        page.goto((tmp_path / deck.path.name).as_uri())
        page.wait_for_selector(".reveal.ready")
        page.wait_for_function("() => window.MathJax && MathJax.Hub && MathJax.isReady")
        page.evaluate(_MATHJAX_IDLE_JS)
        expect(page.locator(".reveal .slides section.present").last).to_contain_text(deck.title)
        state = page.evaluate(_PRESENT_JS)
        assert state["tex"] > 0 and state["math"] == state["tex"], "the first slide's math was not typeset"
        assert attempted == [], f"the copied deck tried to reach the network: {attempted}"
    finally:
        ctx.close()


def test_pdf_handouts_have_one_page_per_slide(browser, tmp_path):
    """`python -m nninit slides --pdf` prints a deck through reveal.js's print view with Chromium."""
    from nninit import slides

    _require_browser()
    notebook = NOTEBOOKS[3]
    out = tmp_path / "slides"
    start = time.perf_counter()
    r = subprocess.run([sys.executable, "-m", "nninit", "slides", "--pdf", "--out", str(out), str(notebook)],
                       capture_output=True, text=True, timeout=600, cwd=tmp_path,
                       env={**os.environ, "NNINIT_CHROMIUM": CHROMIUM})
    assert r.returncode == 0, r.stderr
    pdf = out / f"{notebook.stem}.pdf"
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF")
    pages = len(re.findall(rb"/Type\s*/Page(?![s\w])", data))
    expected = slides.count_slides(nbformat.read(notebook, as_version=4))
    print(f"\n{pdf.name}: {pages} pages, {len(data) / 1e6:.1f} MB, in {time.perf_counter() - start:.1f} s")
    assert pages == expected, f"{pages} PDF pages for {expected} slides"
    boxes = {tuple(float(v) for v in box.split()) for box in re.findall(rb"/MediaBox\s*\[([^\]]*)\]", data)}
    assert boxes and all(abs((x1 - x0) / (y1 - y0) - 16 / 9) < 0.01 for x0, y0, x1, y1 in boxes), boxes


@pytest.mark.parametrize("name", NOTED_DECKS)
def test_speaker_notes_open_with_s(browser, decks, name):
    deck = decks[name]
    ctx, attempted = _offline_context(browser, viewport={"width": 1280, "height": 720})
    try:
        page = ctx.new_page()
        page.goto(deck.path.as_uri())
        page.wait_for_selector(".reveal.ready")
        # Go to the first slide that has notes, the way reveal.js addresses slides (#/h/v).
        target = page.evaluate("""() => {
          const hs = [...document.querySelectorAll('.reveal .slides > section')];
          for (let h = 0; h < hs.length; h++) {
            const vs = hs[h].querySelectorAll(':scope > section');
            const list = vs.length ? [...vs] : [hs[h]];
            for (let v = 0; v < list.length; v++) {
              const note = list[v].querySelector('aside.notes');
              if (note) return {hash: `#/${h}/${v}`, text: note.innerText.trim()};
            }
          }
          return null;
        }""")
        assert target, "the deck has no <aside class='notes'> although the notebook has notes cells"
        page.evaluate("hash => { location.hash = hash; }", target["hash"])
        page.wait_for_function(
            "text => [...document.querySelectorAll('.reveal .slides section.present aside.notes')]"
            ".some(n => n.innerText.trim() === text)", arg=target["text"])
        with ctx.expect_page() as popup:
            page.keyboard.press("s")
        speaker = popup.value
        speaker.set_viewport_size({"width": 1280, "height": 720})
        notes = speaker.locator(".speaker-controls-notes .value")
        first_words = " ".join(target["text"].split()[:4])
        speaker.wait_for_function(
            "words => { const n = document.querySelector('.speaker-controls-notes .value');"
            " return n && n.innerText.replace(/\\s+/g, ' ').includes(words); }",
            arg=first_words,
        )
        assert notes.is_visible()
        speaker.wait_for_function("() => document.querySelectorAll('iframe').length >= 2")
        _shot(speaker, "decks", f"{name}-04-speaker-view.png")
        assert attempted == [], f"the speaker view tried to reach the network: {attempted}"
    finally:
        ctx.close()


# --------------------------------------------------------------------------------------------------
# 2. the explorer, live in JupyterLab, then in the live deck (jupyterlab-slideshow)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab(browser, tmp_path_factory):
    root = tmp_path_factory.mktemp("lab")
    notebook = shutil.copy(EXPLORER, root / EXPLORER.name)  # never the committed file
    settings = root / ".lab-settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True)
    (settings / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False}))
    env = dict(os.environ,
               JUPYTER_CONFIG_DIR=str(root / ".jupyter"), JUPYTER_RUNTIME_DIR=str(root / ".runtime"),
               JUPYTERLAB_SETTINGS_DIR=str(root / ".lab-settings"),
               JUPYTERLAB_WORKSPACES_DIR=str(root / ".lab-workspaces"))
    port, token = _free_port(), secrets.token_hex(16)
    base = f"http://127.0.0.1:{port}"
    log_path = root / "jupyterlab.log"
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
             "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}",
             f"--ServerApp.root_dir={root}", "--ServerApp.allow_root=True",
             "--LabApp.expose_app_in_browser=True", "--LabApp.news_url=",
             "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"],
            cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 120
        while True:
            if proc.poll() is not None:
                pytest.fail(f"JupyterLab exited with {proc.returncode}:\n{log_path.read_text()[-3000:]}")
            try:
                urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2).close()
                break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                if time.monotonic() > deadline:
                    pytest.fail(f"JupyterLab did not answer within 120 s:\n{log_path.read_text()[-3000:]}")
                time.sleep(0.2)  # polling a server that is starting; there is nothing to wait on
        yield SimpleNamespace(base=base, token=token, notebook=Path(notebook).name, log=log_path)
    finally:
        try:
            req = urllib.request.Request(f"{base}/api/shutdown?token={token}", method="POST")
            urllib.request.urlopen(req, timeout=10).close()
            proc.wait(timeout=30)
        except Exception:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@pytest.fixture(scope="module")
def lab_page(browser, lab):
    """The notebook open in JupyterLab with every cell run (requests beyond the server are aborted)."""
    ctx = browser.new_context(viewport={"width": 1400, "height": 900})
    ctx.set_default_timeout(TIMEOUT_MS)
    external: list[str] = []

    def route(r):
        url = r.request.url
        if url.startswith((lab.base, *LOCAL_SCHEMES)):
            r.continue_()
        else:
            external.append(url)
            r.abort()

    ctx.route("**/*", route)
    page = ctx.new_page()
    page.goto(f"{lab.base}/lab/tree/{lab.notebook}?reset&token={lab.token}")
    page.wait_for_function(
        "() => { const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;"
        " return w && w.content && w.content.widgets && w.content.widgets.length > 0"
        " && w.sessionContext.session && w.sessionContext.session.kernel"
        " && w.sessionContext.session.kernel.status === 'idle'; }",
        timeout=120_000,
    )
    start = time.perf_counter()
    page.evaluate("() => { window.jupyterapp.commands.execute('notebook:run-all-cells'); }")  # not awaited
    page.wait_for_function(
        "() => { const w = window.jupyterapp.shell.currentWidget;"
        " const code = w.content.widgets.filter(c => c.model.type === 'code');"
        " return code.every(c => c.model.executionCount !== null)"
        " && w.sessionContext.session.kernel.status === 'idle'; }",
        timeout=120_000,
    )
    errors = page.evaluate(
        "() => window.jupyterapp.shell.currentWidget.content.widgets"
        ".filter(c => c.model.type === 'code')"
        ".flatMap(c => c.model.outputs.toJSON().filter(o => o.output_type === 'error')"
        ".map(o => o.ename + ': ' + o.evalue))"
    )
    assert errors == [], f"cells raised in JupyterLab: {errors}"
    print(f"\n{lab.notebook}: all cells run in JupyterLab in {time.perf_counter() - start:.1f} s")
    yield SimpleNamespace(page=page, ctx=ctx, external=external)
    if external:
        print("requests beyond the local server (aborted):", *sorted(set(external)), sep="\n  ")
    ctx.close()


def _move_slider_to_its_other_end(page, cell, handle, figures) -> tuple[str, float]:
    """Press Home or End on the explorer's first slider, wait until the cell's figure is redrawn,
    and return the value it should now show and the seconds the redraw took."""
    before = figures.evaluate_all("imgs => imgs.map(i => i.src)")
    at_max = handle.get_attribute("aria-valuenow") == handle.get_attribute("aria-valuemax")
    target = handle.get_attribute("aria-valuemin" if at_max else "aria-valuemax")
    start = time.perf_counter()
    handle.focus()
    page.keyboard.press("Home" if at_max else "End")
    page.wait_for_function(
        "([cell, before]) => { const imgs = [...cell.querySelectorAll('.jp-OutputArea-output img')];"
        " return imgs.length > 0 && imgs.every(i => i.complete && i.naturalWidth > 0)"
        " && JSON.stringify(imgs.map(i => i.src)) !== JSON.stringify(before); }",
        arg=[cell.element_handle(), before],
    )
    return target, time.perf_counter() - start


def test_explorer_slider_redraws_the_figure(lab_page):
    page = lab_page.page
    cell = _widget_cell(page)
    cell.scroll_into_view_if_needed()
    handle = cell.locator(".widget-slider .noUi-handle").first
    figures = cell.locator(".jp-OutputArea-output img")
    figures.first.wait_for(state="visible")
    _shot(cell, "lab", "explorer-1-before.png")

    target, _ = _move_slider_to_its_other_end(page, cell, handle, figures)
    assert handle.get_attribute("aria-valuenow") == target
    _shot(cell, "lab", "explorer-2-after.png")
    _shot(page, "lab", "explorer-3-page.png")


def _widget_cell(page):
    """The first code cell whose output has a slider and a figure (the explorer)."""
    return (page.locator(".jp-CodeCell")
            .filter(has=page.locator(".widget-slider .noUi-handle"))
            .filter(has=page.locator(".jp-OutputArea-output img")).first)


def _start_deck(page):
    """Select the explorer's cell and start jupyterlab-slideshow's deck there, as an instructor does
    from the toolbar's deck icon (the command palette's "Start Deck" runs the same command)."""
    cell = _widget_cell(page)
    cell.locator(".jp-InputPrompt").first.click()  # selects, does not edit
    page.keyboard.press("Escape")
    page.evaluate("() => window.jupyterapp.commands.execute('deck:start')")
    page.wait_for_selector("body[data-jp-deck-mode='presenting']", state="attached")
    cell.wait_for(state="visible")
    return cell


_LIVE_SCREEN_JS = """() => {
  const nb = window.jupyterapp.shell.currentWidget.content;
  let top = Infinity, bottom = 0, right = 0;
  for (const c of document.querySelectorAll('.jp-Cell.jp-deck-mod-onscreen')) {
    const r = c.getBoundingClientRect();
    if (!r.height) continue;
    top = Math.min(top, r.top); bottom = Math.max(bottom, r.bottom); right = Math.max(right, r.right);
  }
  return {index: nb.activeCellIndex, top, bottom, right};
}"""


def test_live_deck_space_walks_the_explorer_and_every_screen_fits(lab_page):
    """From the first cell, Space alone walks the live deck to the notebook's last shown cell, and at
    1280x720 no screen's cells run past the bottom or right edge."""
    page = lab_page.page
    page.set_viewport_size({"width": 1280, "height": 720})
    try:
        page.evaluate("() => { window.jupyterapp.shell.currentWidget.content.activeCellIndex = 0; }")
        page.evaluate("() => window.jupyterapp.commands.execute('deck:start')")
        page.wait_for_selector("body[data-jp-deck-mode='presenting']", state="attached")
        nb = nbformat.read(EXPLORER, as_version=4)
        last = max(i for i, c in enumerate(nb.cells)
                   if c.metadata.get("slideshow", {}).get("slide_type") not in ("skip", "notes"))
        faults, visited = [], []
        for _ in range(2 * len(nb.cells)):
            state = page.evaluate(_LIVE_SCREEN_JS)
            visited.append(state["index"])
            if state["bottom"] > 720 + SLACK_PX or state["right"] > 1280 + SLACK_PX:
                faults.append(f"cell {state['index']}: screen ends at {state['bottom']:.0f} px down, "
                              f"{state['right']:.0f} px across")
            if state["index"] >= last:
                break
            page.evaluate("() => window.jupyterapp.shell.currentWidget.content.activeCell.node.focus()")
            page.keyboard.press("Space")
            page.wait_for_function(
                "i => window.jupyterapp.shell.currentWidget.content.activeCellIndex !== i",
                arg=state["index"])
        print(f"\nlive deck of {EXPLORER.name}: {len(visited)} screens with Space, {len(faults)} too large")
        assert visited[-1] >= last, f"Space stopped at cell {visited[-1]}, before the last shown cell {last}"
        assert visited == sorted(visited), "Space went back"
        assert not faults, "\n".join(faults)
    finally:
        page.evaluate("() => window.jupyterapp.commands.execute('deck:stop')")
        page.set_viewport_size({"width": 1400, "height": 900})


def test_live_deck_shows_the_explorer_live_and_space_moves_on(lab_page):
    """jupyterlab-slideshow presents the notebook itself: the explorer's slide has live widgets, a
    slider move redraws its figure, the figure's code is kept off the slide, and Space moves on."""
    page = lab_page.page
    page.set_viewport_size({"width": 1280, "height": 720})
    try:
        cell = _start_deck(page)
        assert page.evaluate("() => document.querySelectorAll('.jp-Cell.jp-deck-mod-onscreen').length") > 0
        handle = cell.locator(".widget-slider .noUi-handle").first
        handle.wait_for(state="visible")
        figures = cell.locator(".jp-OutputArea-output img")
        figures.first.wait_for(state="visible")
        # tagged figure cells show no code while presenting (the notebook's jupyterlab-fonts style)
        hidden = page.evaluate(
            """tag => [...document.querySelectorAll(`.jp-Cell[data-jpf-cell-tags*=",${tag},"]`)]
            .map(c => getComputedStyle(c.querySelector('.jp-Cell-inputWrapper')).display)""",
            "hide-input-on-slides")
        assert hidden and set(hidden) == {"none"}, hidden
        _shot(page, "lab", "deck-1-explorer.png")

        target, seconds = _move_slider_to_its_other_end(page, cell, handle, figures)
        print(f"\nlive deck: the explorer redrew {seconds:.2f} s after a slider move")
        assert handle.get_attribute("aria-valuenow") == target
        _shot(page, "lab", "deck-2-explorer-after-slider.png")

        index = page.evaluate("() => window.jupyterapp.shell.currentWidget.content.activeCellIndex")
        # the keys go to the deck once the slider lets go of the focus (the active cell takes it)
        page.evaluate("() => window.jupyterapp.shell.currentWidget.content.activeCell.node.focus()")
        page.keyboard.press("Space")
        page.wait_for_function(
            "i => window.jupyterapp.shell.currentWidget.content.activeCellIndex > i", arg=index)
        _shot(page, "lab", "deck-3-next.png")
    finally:
        page.evaluate("() => window.jupyterapp.commands.execute('deck:stop')")
        page.set_viewport_size({"width": 1400, "height": 900})
