"""The command line: ``python -m nninit slides`` and ``python -m nninit execute``.

Exit codes: 0 done; 2 bad usage or input (an unknown option, a notebook that does not exist or
cannot be read, an output folder that cannot be written); 1 a failure while working (a cell raised,
nbconvert failed, an asset package is missing).

This module imports only the standard library; nbconvert and nbclient are imported when a command
runs, so ``python -m nninit --help`` is quick and ``import nninit`` never pays for them.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2

_DESCRIPTION = "Tools for the nninit course: static slide decks, and refreshing the notebooks' outputs."
_EPILOG = "Exit codes: 0 done, 2 bad usage or input, 1 a failure while working."


class _UsageError(Exception):
    pass


def course_root() -> Path | None:
    """The course folder (the one holding ``notebooks/``): the current folder, its parent when run
    from inside ``notebooks/``, or the checkout that this package is installed from (editable)."""
    cwd = Path.cwd()
    if (cwd / "notebooks").is_dir():
        return cwd
    if cwd.name == "notebooks":
        return cwd.parent
    checkout = Path(__file__).resolve().parent.parent
    if (checkout / "notebooks").is_dir() and (checkout / "nninit").is_dir():
        return checkout
    return None


def course_notebooks(root: Path | None) -> list[Path]:
    """The course's notebooks, ``notebooks/*.ipynb`` under ``root``, in order ([] without a root)."""
    return sorted((root / "notebooks").glob("*.ipynb")) if root is not None else []


def resolve_notebook(name: str, root: Path | None) -> Path:
    """The notebook a user means by ``name``: a path to a file, or a name of the course's notebooks
    as ``index.html`` and the README show it, with or without ``.ipynb`` (``03_xavier_glorot``),
    or its number (``03``, ``3``). An unknown name lists the valid ones."""
    path = Path(name)
    if path.exists():
        if path.is_dir():
            raise _UsageError(f"not a notebook file: {name} is a folder")
        if path.suffix != ".ipynb":
            raise _UsageError(f"not a notebook (.ipynb): {name}")
        if not os.access(path, os.R_OK):
            raise _UsageError(f"cannot read notebook: {name}")
        return path
    course = course_notebooks(root)
    stem = name.removesuffix(".ipynb")
    if stem and "/" not in stem and os.sep not in stem:
        matches = [p for p in course if p.stem == stem]
        if not matches and stem.isdigit():
            matches = [p for p in course if p.stem.split("_", 1)[0].isdigit()
                       and int(p.stem.split("_", 1)[0]) == int(stem)]
        if len(matches) == 1:
            return matches[0]
    if course:
        valid = ", ".join(p.stem for p in course)
        raise _UsageError(
            f"notebook not found: {name}; give a path, or one of the course's notebooks by name "
            f"or number (03 or 03_xavier_glorot): {valid}"
        )
    raise _UsageError(f"notebook not found: {name} (and no course notebooks/ folder here to look in)")


def _notebooks(names: list[str], root: Path | None) -> list[Path]:
    """The notebooks named on the command line, checked; or every notebook of the course."""
    if not names:
        if root is None:
            raise _UsageError(
                "no notebooks/ folder here: run this in the course folder, or name the notebooks"
            )
        found = course_notebooks(root)
        if not found:
            raise _UsageError(f"no notebooks (*.ipynb) in {root / 'notebooks'}")
        return found
    return [resolve_notebook(name, root) for name in names]


def _shown(path: Path) -> str:
    rel = os.path.relpath(path)
    return str(path) if rel.startswith("..") else rel


# --------------------------------------------------------------------------------------------------
# slides


def _cmd_slides(args) -> int:
    root = course_root()
    notebooks = _notebooks(args.notebooks, root)
    if args.out is not None:
        if not args.out.strip():
            raise _UsageError("--out is empty; give a folder such as build/slides (or leave --out out)")
        out = Path(args.out)
    elif root is not None:
        out = root / "build" / "slides"
    else:
        out = Path("build") / "slides"

    from . import slides

    try:
        decks = slides.export_decks(notebooks, out, progress=print, pdf=args.pdf)
    except slides.BadInput as exc:
        raise _UsageError(str(exc)) from None
    except slides.ExportFailed as exc:
        print(f"nninit slides: error: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    print(f"{len(decks)} deck(s) in {_shown(out)}; open {_shown(out / 'index.html')} in a browser")
    return EXIT_OK


# --------------------------------------------------------------------------------------------------
# execute


def stable_widget_ids(nb, name: str) -> int:
    """Replace the random ids of the widget models saved in ``nb`` by ids derived from ``name`` and
    their order, so that re-running an unchanged notebook writes an identical file. Returns how
    many ids were replaced."""
    import hashlib
    import json

    import nbformat

    state = nb.metadata.get("widgets", {}).get("application/vnd.jupyter.widget-state+json", {})
    ids = list(state.get("state", {}))
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            view = out.get("data", {}).get("application/vnd.jupyter.widget-view+json")
            if view and view.get("model_id") and view["model_id"] not in ids:
                ids.append(view["model_id"])
    if not ids:
        return 0
    text = json.dumps(nb)
    for i, old in enumerate(ids):
        new = hashlib.sha256(f"{name}:{i}".encode()).hexdigest()[:32]
        text = text.replace(old, new)
    fresh = nbformat.from_dict(json.loads(text))
    nb.metadata, nb.cells = fresh.metadata, fresh.cells
    return len(ids)


def merge_streams(nb) -> None:
    """Join each cell's consecutive stream outputs of one name (stdout, stderr) into one, in place.

    How a cell's prints arrive in chunks depends on the machine's load; the text does not, and the
    stored file should not either (nbval joins the chunks the same way).

    >>> import nbformat
    >>> cell = nbformat.v4.new_code_cell(outputs=[nbformat.v4.new_output("stream", text="a\\n"),
    ...                                           nbformat.v4.new_output("stream", text="b\\n")])
    >>> nb = nbformat.v4.new_notebook(cells=[cell]); merge_streams(nb)
    >>> [out.text for out in nb.cells[0].outputs]
    ['a\\nb\\n']
    """
    for cell in nb.cells:
        merged = []
        for out in cell.get("outputs", []):
            last = merged[-1] if merged else None
            if (out.output_type == "stream" and last is not None and last.output_type == "stream"
                    and last.name == out.name):
                last.text += out.text
            else:
                merged.append(out)
        if "outputs" in cell:
            cell.outputs = merged


def execute_notebook(path: Path, timeout: int) -> int:
    """Run ``path`` top to bottom in a fresh kernel (cwd: the notebook's folder) and save it in place.

    The kernel gets one BLAS/OpenMP thread (unless ``OMP_NUM_THREADS`` etc. are set), per-cell
    timing metadata is dropped, stream chunks are joined and widget ids are made stable, so that the
    stored file changes only when an output does. Returns the number of code cells. Raises nbclient's
    ``CellExecutionError`` when a cell fails (the file is then left as it was).
    """
    import tempfile

    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import DeadKernelError

    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
    client = NotebookClient(
        nb,
        timeout=timeout,
        record_timing=False,
        store_widget_state=True,
        resources={"metadata": {"path": str(path.resolve().parent)}},
    )
    # The kernel's own stderr (start-up warnings) would interleave with the progress lines; it is
    # kept aside and shown only if the kernel dies.
    # One BLAS/OpenMP thread unless the caller chose otherwise: a multi-threaded matrix product may
    # sum in another order on another machine, and stored outputs should not depend on the machine.
    env = dict(os.environ)
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env.setdefault(var, "1")
    with tempfile.TemporaryFile(mode="w+") as kernel_stderr:
        try:
            client.execute(stderr=kernel_stderr, env=env)
        except DeadKernelError as exc:
            kernel_stderr.seek(0)
            raise DeadKernelError(f"{exc}\nkernel stderr:\n{kernel_stderr.read()}") from None
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
    merge_streams(nb)
    stable_widget_ids(nb, path.stem)
    nbformat.write(nb, path)
    return sum(cell.cell_type == "code" for cell in nb.cells)


def _cmd_execute(args) -> int:
    notebooks = _notebooks(args.notebooks, course_root())
    for path in notebooks:
        if not os.access(path, os.W_OK):
            raise _UsageError(f"cannot write notebook: {path}")

    from nbclient.exceptions import CellExecutionError, DeadKernelError

    from .slides import BadInput, read_notebook

    for path in notebooks:  # all readable and valid before anything runs
        try:
            read_notebook(path)
        except BadInput as exc:
            raise _UsageError(str(exc)) from None

    failed = []
    width = len(str(len(notebooks)))
    for i, path in enumerate(notebooks, 1):
        start = time.perf_counter()
        prefix = f"[{i:>{width}}/{len(notebooks)}] {path.name}"
        try:
            n = execute_notebook(path, args.timeout)
        except (CellExecutionError, DeadKernelError, TimeoutError, RuntimeError) as exc:
            failed.append(path)
            print(f"{prefix}: FAILED, left unchanged", flush=True)
            print(f"nninit execute: error in {_shown(path)}:\n{str(exc).strip()}", file=sys.stderr)
            continue
        print(f"{prefix}: {n} code cells run, saved ({time.perf_counter() - start:.1f} s)", flush=True)
    if failed:
        print(f"nninit execute: {len(failed)} of {len(notebooks)} notebook(s) failed: "
              + ", ".join(_shown(p) for p in failed), file=sys.stderr)
        return EXIT_FAILURE
    return EXIT_OK


# --------------------------------------------------------------------------------------------------
# argument parsing


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m nninit", description=_DESCRIPTION, epilog=_EPILOG
    )
    sub = parser.add_subparsers(dest="command", metavar="{slides,execute,lite}")

    slides = sub.add_parser(
        "slides",
        help="export reveal.js slide decks that work offline",
        description=(
            "Export each notebook as a reveal.js deck (<name>.slides.html) into the output folder, "
            "with an index.html linking the decks and an assets/ folder holding reveal.js, its "
            "speaker-notes plugin (key S), MathJax, require.js and the widget renderer, so that "
            "the decks work from disk with no network. The notebooks' stored outputs are used; "
            "nothing is run. Every notebook is read and checked before anything is written. "
            "In a deck, the right arrow or Space walks every slide and fragment in order."
        ),
        epilog=_EPILOG,
    )
    slides.add_argument(
        "notebooks", nargs="*", metavar="NOTEBOOK",
        help="notebooks to export: paths, or course names or numbers as index.html shows them "
             "(03, 03_xavier_glorot); default: every notebooks/*.ipynb of the course",
    )
    slides.add_argument(
        "--out", metavar="DIR",
        help="output folder (default: build/slides in the course folder); a new or empty folder, or "
             "one made by this command: never inside notebooks/, never a folder holding other files",
    )
    slides.add_argument(
        "--pdf", action="store_true",
        help="also print each deck to <name>.pdf (one slide a page) with the Chromium or Chrome found "
             "on this machine (or $NNINIT_CHROMIUM)",
    )
    slides.set_defaults(func=_cmd_slides)

    execute = sub.add_parser(
        "execute",
        help="re-run notebooks in place to refresh their stored outputs (maintainers)",
        description=(
            "Run each notebook top to bottom in a fresh kernel, with the notebook's folder as the "
            "working directory and one BLAS thread, and save its outputs in place (execution "
            "counts 1..N). Per-cell timing metadata is not stored and widget ids are made stable, "
            "so an unchanged notebook is written back identical. A notebook whose cell fails is "
            "left unchanged."
        ),
        epilog=_EPILOG,
    )
    execute.add_argument(
        "notebooks", nargs="*", metavar="NOTEBOOK",
        help="notebooks to run: paths, or course names or numbers (03, 03_xavier_glorot); "
             "default: every notebooks/*.ipynb of the course",
    )
    execute.add_argument(
        "--timeout", type=int, default=600, metavar="SECONDS",
        help="longest time one cell may run (default: 600)",
    )
    execute.set_defaults(func=_cmd_execute)

    # the browser edition; stdlib-only at import, like this module
    from .lite import add_subcommand

    add_subcommand(sub, _EPILOG)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)  # exits with 2 on bad usage, 0 on --help
    if args.command is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        return args.func(args)
    except _UsageError as exc:
        print(f"python -m nninit {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
