"""VS Code's notebook widget renderer, stood up in Chromium without VS Code, for the browser tests.

VS Code draws ipywidgets in its notebook view with one bundle, ``@vscode/jupyter-ipywidgets8``
(the Jupyter extension's ``WidgetManager`` over ``@jupyter-widgets/base``, ``controls`` and
``output`` 8). VS Code itself cannot run here: its Jupyter extension comes from the Marketplace,
which this machine cannot reach. The bundle is on the npm registry, so
:func:`build_host` assembles ``tests/vscode/build/``:

- ``ipywidgets.js`` — that bundle, fetched alone with ``npm pack`` (its dependencies are inside
  it) and checked against the integrity pinned below;
- ``require.js`` — RequireJS, through which the bundle registers and loads widget modules;
- ``services.js`` — ``@jupyterlab/services`` bundled by esbuild, for the kernel connection.

``tests/vscode/host.html`` + ``host.js`` then do what the extension's webview does with them
(see ``host.js``), and :func:`serving` serves that folder on 127.0.0.1. Nothing here downloads
a browser or talks to anything but the npm registry (once, cached in ``tests/vscode``).
"""
from __future__ import annotations

import base64
import contextlib
import fcntl
import functools
import hashlib
import http.server
import shutil
import subprocess
import tarfile
import threading
from pathlib import Path
from typing import Iterator

import pytest

HERE = Path(__file__).resolve().parents[1] / "vscode"
BUILD = HERE / "build"
#: The bundle VS Code's Jupyter extension renders ipywidgets 8 with, and its npm integrity.
WIDGETS_PACKAGE = "@vscode/jupyter-ipywidgets8@1.0.9"
WIDGETS_INTEGRITY = ("sha512-bocCThfa4JDIDd7qCFAfW3HpzHfTLYxOTpTbiDfw4DXOUjKHnr6ObkMBiIkuzYPRybh5bY4FhYLemuDuTvIbpQ==")


def _run(cmd: list[str], what: str) -> None:
    done = subprocess.run(cmd, cwd=HERE, capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        pytest.fail(f"{what} failed ({' '.join(cmd)}, exit {done.returncode}):\n{done.stdout[-2000:]}"
                    f"\n{done.stderr[-2000:]}", pytrace=False)


def _integrity(path: Path) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(path.read_bytes()).digest()).decode()


def _fetch_widgets_bundle(npm: str) -> None:
    """``npm pack`` the VS Code bundle into ``tests/vscode/pack/``, verify it, unpack ``dist/ipywidgets.js``."""
    pack = HERE / "pack"
    pack.mkdir(exist_ok=True)
    tarballs = list(pack.glob("vscode-jupyter-ipywidgets8-*.tgz"))
    if not tarballs:
        _run([npm, "pack", WIDGETS_PACKAGE, "--pack-destination", str(pack), "--silent"],
             f"fetching {WIDGETS_PACKAGE} from the npm registry")
        tarballs = list(pack.glob("vscode-jupyter-ipywidgets8-*.tgz"))
    tarball = tarballs[0]
    got = _integrity(tarball)
    if got != WIDGETS_INTEGRITY:
        tarball.unlink()
        pytest.fail(f"{tarball.name} has integrity {got}, not the pinned {WIDGETS_INTEGRITY}; deleted it",
                    pytrace=False)
    with tarfile.open(tarball) as tar:
        member = tar.extractfile("package/dist/ipywidgets.js")
        assert member is not None, f"{tarball.name} has no package/dist/ipywidgets.js"
        (BUILD / "ipywidgets.js").write_bytes(member.read())


@functools.cache
def build_host() -> Path:
    """Assemble ``tests/vscode/build/`` (see the module docstring); skip where there is no npm."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.skip("no Node.js/npm on this machine: the VS Code widget check needs them to fetch "
                    "VS Code's widget bundle from the npm registry")
    BUILD.mkdir(exist_ok=True)
    # Test workers (pytest -n) may get here at once: one builds, the others wait for it.
    with open(HERE / ".build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        wanted = hashlib.sha256((HERE / "package-lock.json").read_bytes()).hexdigest()
        stamp = HERE / "node_modules" / ".dpviz-installed"
        if not stamp.exists() or stamp.read_text() != wanted:
            _run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], "npm ci in tests/vscode")
            stamp.write_text(wanted)
        if not (BUILD / "ipywidgets.js").exists():
            _fetch_widgets_bundle(npm)
        shutil.copy(HERE / "node_modules" / "requirejs" / "require.js", BUILD / "require.js")
        _run([str(HERE / "node_modules" / ".bin" / "esbuild"), "services.entry.js", "--bundle", "--format=iife",
              "--global-name=jlabServices", f"--outfile={BUILD / 'services.js'}", "--log-level=warning"],
             "bundling @jupyterlab/services with esbuild")
    return HERE


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:   # keep the test output clean
        pass


@contextlib.contextmanager
def serving(folder: Path) -> Iterator[str]:
    """Serve ``folder`` on 127.0.0.1 (a free port) in a thread; yield its origin, e.g. ``http://127.0.0.1:PORT``."""
    handler = functools.partial(_Quiet, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
