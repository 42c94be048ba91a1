"""Real-browser tests, in Debian's Chromium driven by Playwright for Python (never a downloaded browser).

1. Every exported deck, opened from disk (file://) with every non-local request aborted and
   recorded: the first slide shows the notebook's title, math is typeset by MathJax, stepping
   forward reaches the last slide, figures (and saved widgets) are drawn, the speaker view opens
   with the notes (key S), and not one request left the machine.
2. The explorer notebook (a copy of notebooks/06_interactive_explorer.ipynb) live in a JupyterLab
   that the test starts on 127.0.0.1 with a token: run all cells, move a slider, see the figure
   change; start RISE (Alt+R), see a slide.

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
    return path


def _expectations(path: Path) -> dict:
    """What the deck of this notebook must show, read from the notebook itself."""
    from nninit import slides

    nb = nbformat.read(path, as_version=4)
    shown = [c for c in nb.cells
             if c.metadata.get("slideshow", {}).get("slide_type", "-") not in ("skip", "notes")]
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

# The present leaf slide (a <section> without nested sections), its position, and what it shows.
_PRESENT_JS = """() => {
  const leaves = [...document.querySelectorAll('.reveal .slides section')]
    .filter(s => !s.querySelector('section'));
  const i = leaves.findIndex(s => s.classList.contains('present'));
  const s = leaves[i];
  const visible = el => { const r = el.getBoundingClientRect(); return r.width > 0 && r.height > 0; };
  const md = [...s.querySelectorAll('.jp-RenderedMarkdown')].map(e => e.innerText).join('\\n');
  return {
    index: i, last: i === leaves.length - 1,
    hiddenFragments: s.querySelectorAll('.fragment:not(.visible)').length,
    visibleFragments: s.querySelectorAll('.fragment.visible').length,
    // MathJax 2 keeps each formula's TeX in a <script type="math/tex"> right after its output
    tex: s.querySelectorAll('script[type^="math/tex"]').length,
    math: [...s.querySelectorAll('script[type^="math/tex"]')]
      .filter(t => t.previousElementSibling
                   && t.previousElementSibling.matches(
                        '.MathJax, .MathJax_Display, .MathJax_SVG, .MathJax_SVG_Display')
                   && visible(t.previousElementSibling)).length,
    mathErrors: s.querySelectorAll('.MathJax_Error, merror').length,
    rawDollars: (md.match(/\\$[^$\\n]+\\$/g) || []),
    figures: [...s.querySelectorAll('.jp-OutputArea-output img')]
      .filter(im => im.complete && im.naturalWidth > 0 && visible(im)
                    && im.getBoundingClientRect().height > 50).length,
    widgets: [...s.querySelectorAll('.jupyter-widgets .widget-slider, .jupyter-widgets .widget-inline-hbox')]
      .filter(visible).length,
    text: s.innerText,
  };
}"""

_MATHJAX_IDLE_JS = "() => new Promise(done => MathJax.Hub.Queue(() => done(true)))"


@pytest.mark.parametrize("name", DECK_NAMES)
def test_deck_works_from_disk_with_no_network(browser, decks, name):
    from playwright.sync_api import expect

    deck = decks[name]
    ctx, attempted = _offline_context(browser, viewport={"width": 1280, "height": 720})
    page = ctx.new_page()
    page_errors: list[str] = []
    page.on("pageerror", lambda e: page_errors.append(str(e)))
    try:
        page.goto(deck.path.as_uri())
        page.wait_for_selector(".reveal.ready")
        page.wait_for_function("() => window.MathJax && MathJax.Hub && MathJax.isReady")
        page.evaluate(_MATHJAX_IDLE_JS)
        if deck.widgets:  # the static renderer draws every saved widget view once the page has loaded
            page.wait_for_function(
                "() => [...document.querySelectorAll("
                "'script[type=\"application/vnd.jupyter.widget-view+json\"]')]"
                ".every(s => s.parentElement.querySelector('.lm-Widget'))")

        first = page.locator(".reveal .slides section.present").last
        expect(first).to_contain_text(deck.title)
        _shot(page, "decks", f"{name}-01-first.png")

        seen = {"math": 0, "figures": 0, "widgets": 0}
        state = page.evaluate(_PRESENT_JS)
        for _ in range(500):
            if state["tex"] and state["math"] < state["tex"]:
                # every formula on the slide gets a visible typeset output (fonts may still be loading)
                page.wait_for_function(f"() => {{ const s = ({_PRESENT_JS})(); return s.math === s.tex; }}")
                state = page.evaluate(_PRESENT_JS)
            assert state["mathErrors"] == 0, f"MathJax error on slide {state['index']}"
            assert not state["rawDollars"], f"untypeset math on slide {state['index']}: {state['rawDollars']}"
            for key in seen:
                if state[key] and not seen[key]:
                    _shot(page, "decks", f"{name}-02-{key}.png")
                seen[key] += bool(state[key])
            if state["last"] and state["hiddenFragments"] == 0:
                break
            before = (state["index"], state["visibleFragments"])
            page.keyboard.press("Space")
            page.wait_for_function(
                f"([i, f]) => {{ const s = ({_PRESENT_JS})();"
                " return s.index !== i || s.visibleFragments !== f; }",
                arg=list(before),
            )
            page.evaluate(_MATHJAX_IDLE_JS)  # the deck re-typesets each slide it shows
            state = page.evaluate(_PRESENT_JS)
        assert state["last"], "stepping forward did not reach the last slide"
        _shot(page, "decks", f"{name}-03-last.png")

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


@pytest.mark.parametrize("name", DECK_NAMES)
def test_speaker_notes_open_with_s(browser, decks, name):
    deck = decks[name]
    if not deck.notes:
        pytest.skip("this notebook has no speaker notes")
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
# 2. the explorer, live in JupyterLab, then RISE


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


def test_explorer_slider_redraws_the_figure(lab_page):
    page = lab_page.page
    cell = _widget_cell(page)
    cell.scroll_into_view_if_needed()
    handle = cell.locator(".widget-slider .noUi-handle").first
    figures = cell.locator(".jp-OutputArea-output img")
    figures.first.wait_for(state="visible")
    before = figures.evaluate_all("imgs => imgs.map(i => i.src)")
    _shot(cell, "lab", "explorer-1-before.png")

    at_max = handle.get_attribute("aria-valuenow") == handle.get_attribute("aria-valuemax")
    target = handle.get_attribute("aria-valuemin" if at_max else "aria-valuemax")
    handle.focus()
    page.keyboard.press("Home" if at_max else "End")
    page.wait_for_function(
        "([cell, before]) => { const imgs = [...cell.querySelectorAll('.jp-OutputArea-output img')];"
        " return imgs.length > 0 && imgs.every(i => i.complete && i.naturalWidth > 0)"
        " && JSON.stringify(imgs.map(i => i.src)) !== JSON.stringify(before); }",
        arg=[cell.element_handle(), before],
    )
    assert handle.get_attribute("aria-valuenow") == target
    _shot(cell, "lab", "explorer-2-after.png")
    _shot(page, "lab", "explorer-3-page.png")


def _widget_cell(page):
    """The first code cell whose output has a slider and a figure (the explorer)."""
    return (page.locator(".jp-CodeCell")
            .filter(has=page.locator(".widget-slider .noUi-handle"))
            .filter(has=page.locator(".jp-OutputArea-output img")).first)


def _start_rise(page):
    """Select the explorer's cell and press Alt+R, as an instructor starts RISE (it opens at the
    selected cell's slide); returns the slideshow's frame."""
    frame = page.frame_locator("iframe[src*='rise']").first
    if page.locator("iframe[src*='rise']").count() == 0:
        _widget_cell(page).locator(".jp-InputPrompt").first.click()  # selects, does not edit
        page.keyboard.press("Escape")
        page.locator(".jp-Notebook.jp-mod-commandMode").first.wait_for()
        page.keyboard.press("Alt+r")
    frame.locator(".reveal .slides section.present").first.wait_for(state="visible", timeout=TIMEOUT_MS)
    return frame


def test_rise_starts_and_shows_a_slide(lab_page):
    page = lab_page.page
    frame = _start_rise(page)
    present = frame.locator(".reveal .slides section.present").last
    present.wait_for(state="visible")
    assert present.inner_text().strip(), "the RISE slide is empty"
    # let the slide transition finish before the screenshot
    page.frame_locator("iframe[src*='rise']").first.locator("body").evaluate(
        "b => Promise.all(b.ownerDocument.getAnimations().filter(a => a instanceof CSSTransition)"
        ".map(a => a.finished.catch(() => null)))")  # a cancelled transition is finished too
    _shot(page, "lab", "rise-1-slide.png")


@pytest.mark.xfail(
    strict=True,
    raises=AssertionError,
    reason="jupyterlab-rise 0.43.1 cannot load the ipywidgets 8 widget manager (its app lacks the shared "
           "module @jupyterlab/console; jupyterlab-contrib/rise#119): widgets show as text in RISE. "
           "When this passes, drop the marker.",
)
def test_widgets_render_inside_rise(lab_page):
    page = lab_page.page
    frame = _start_rise(page)
    present = frame.locator(".reveal .slides section.present").last
    present.locator(".jp-OutputArea-output").first.wait_for()  # RISE drew the explorer's output
    _shot(page, "lab", "rise-2-explorer-slide.png")
    # With a working widget manager the views follow within moments; today the outputs fall back
    # to their static image or text, and this waits its 10 s out.
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        present.locator(".jupyter-widgets .widget-slider").first.wait_for(state="attached", timeout=10_000)
    except PlaywrightTimeout:
        raise AssertionError("RISE shows the widget outputs' static fallback, not the widgets") from None
