"""A throw-away Jupyter server for the browser tests: 127.0.0.1 only, a token, a temporary HOME.

``running_jupyter(notebook, app)`` copies ``notebook`` into a temporary directory, starts the
front end ``app`` there (``"lab"`` for JupyterLab 4, ``"notebook"`` for Notebook 7, ``"server"``
for a bare Jupyter Server whose kernels another page drives, as VS Code's would) with
``subprocess.Popen`` and yields a :class:`Lab` (its URL, token and working directory); on exit
it stops the server with ``terminate()`` + ``wait()``. ``running_lab`` and ``running_notebook7``
are the two shorthands. News and update checks are turned off (``overrides.json``; Notebook 7
reads the same ``@jupyterlab/apputils-extension:notification`` settings for its announcements) so
no dialog covers the notebook and nothing leaves the machine.
"""
from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

HOST = "127.0.0.1"
ROOT = Path(__file__).resolve().parents[2]

#: The settings `make lab` and Binder install (binder/overrides.json): JupyterLab and Notebook 7 stay
#: quiet (no news, no update checks) and a saved notebook keeps its widgets' state.
OVERRIDES = json.loads((ROOT / "binder" / "overrides.json").read_text())

#: For each front end: its display name, the ``jupyter`` subcommand and the flags only it knows.
#: ``{settings}`` stands for the temporary app settings directory that holds ``overrides.json``
#: (jupyterlab_server reads it only from there; its default lies inside the Python environment).
APPS = {
    "lab": ("JupyterLab", ["lab", "--LabApp.app_settings_dir={settings}"]),
    # window.jupyterapp lets the test read the notebook's kernel status: Notebook 7 has no status bar,
    # and its toolbar's execution indicator says "idle" before any kernel is connected.
    "notebook": ("Notebook 7", ["notebook", "--JupyterNotebookApp.app_settings_dir={settings}",
                                "--JupyterNotebookApp.expose_app_in_browser=True"]),
    # No front end: a page of the test's own (tests/vscode/host.html) starts a kernel through the REST API.
    "server": ("Jupyter Server", ["server"]),
}


@dataclass
class Lab:
    """A running Jupyter server (JupyterLab or Notebook 7): where it listens and where its files are."""

    port: int
    token: str
    workdir: Path
    log: Path
    proc: subprocess.Popen
    name: str = "JupyterLab"

    def url(self, path: str) -> str:
        """The URL of ``path`` (e.g. ``lab/tree/x.ipynb`` or ``notebooks/x.ipynb``) with the token."""
        return f"http://{HOST}:{self.port}/{path}?token={self.token}"

    @property
    def runtime_dir(self) -> Path:
        """Where the server writes its runtime files (``jpserver-*.json``, the browser-open pages)."""
        return self.workdir.parent / "home" / ".local/share/jupyter/runtime"

    def log_tail(self, chars: int = 3000) -> str:
        """The end of the server's log, for failure messages."""
        try:
            return self.log.read_text(errors="replace")[-chars:]
        except OSError:
            return "(no log)"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def _write_overrides(app_settings: Path) -> None:
    app_settings.mkdir(parents=True, exist_ok=True)
    (app_settings / "overrides.json").write_text(json.dumps(OVERRIDES, indent=2))


def _wait_until_up(lab: Lab, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if lab.proc.poll() is not None:
            raise RuntimeError(f"{lab.name} exited with code {lab.proc.returncode}:\n{lab.log_tail()}")
        try:
            with urllib.request.urlopen(lab.url("api/status"), timeout=2) as r:
                if r.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, OSError):
            pass
        time.sleep(0.25)
    raise RuntimeError(f"{lab.name} did not answer on {HOST}:{lab.port} within {timeout:.0f} s:\n{lab.log_tail()}")


@contextlib.contextmanager
def running_jupyter(notebook: Path | None, app: str = "lab", *, startup_timeout: float = 40.0,
                    extra_args: tuple[str, ...] = (), extra_env: dict[str, str] | None = None,
                    make_target: str | None = None) -> Iterator[Lab]:
    """Start ``jupyter <app>`` on a temporary copy of ``notebook`` (if any); stop it on exit.

    ``extra_args`` go on the command line; ``extra_env`` into the server's (and so its kernels')
    environment. With ``make_target`` the server is started the README's way instead, by
    ``make <make_target>`` in the repository (which names the notebook and adds ``--allow-root``
    itself), with the flags below passed in ``LAB_ARGS`` and this Python as ``PY``.
    """
    name, app_args = APPS[app]
    tmp = Path(tempfile.mkdtemp(prefix=f"dpviz-browser-{app}-"))
    home, workdir = tmp / "home", tmp / "work"
    home.mkdir()
    workdir.mkdir()
    if notebook is not None:
        shutil.copy(notebook, workdir / notebook.name)
    app_settings = tmp / "app-settings"
    _write_overrides(app_settings)
    token = secrets.token_hex(16)
    port = free_port()
    env = dict(os.environ, HOME=str(home), JUPYTER_CONFIG_DIR=str(home / ".jupyter"),
               JUPYTERLAB_SETTINGS_DIR=str(home / ".jupyter/lab/user-settings"),
               JUPYTERLAB_WORKSPACES_DIR=str(home / ".jupyter/lab/workspaces"),
               JUPYTER_RUNTIME_DIR=str(tmp / "home" / ".local/share/jupyter/runtime"))
    # The kernel must find graphviz-pure and dpviz: put this Python's bin first on PATH.
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    env.update(extra_env or {})
    flags = ["--no-browser", f"--ip={HOST}", f"--port={port}", "--ServerApp.port_retries=0",
             f"--IdentityProvider.token={token}",
             # Notebook 7 loads JupyterLab's server extension too: neither may ask PyPI about extensions.
             "--LabApp.extension_manager=readonly", *extra_args]
    if make_target is not None:
        name, cwd = f"make {make_target}", ROOT
        cmd = ["make", "-s", make_target, f"PY={sys.executable}",
               "LAB_ARGS=" + " ".join([*(a.format(settings=app_settings) for a in app_args[1:]), *flags])]
    else:
        cwd = workdir
        cmd = [sys.executable, "-m", "jupyter", *(a.format(settings=app_settings) for a in app_args),
               f"--ServerApp.root_dir={workdir}", *flags]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            cmd.append("--allow-root")
    log = tmp / f"jupyter-{app}.log"
    with open(log, "wb") as out:
        # A session of its own, so that stopping it also stops what make started.
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    lab = Lab(port, token, workdir, log, proc, name)
    try:
        _wait_until_up(lab, startup_timeout)
        yield lab
    finally:
        _stop(proc)
        shutil.rmtree(tmp, ignore_errors=True)


def _stop(proc: subprocess.Popen) -> None:
    for sig, wait in ((signal.SIGTERM, 20), (signal.SIGKILL, 10)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            pass
        try:
            proc.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


def running_lab(notebook: Path, **kwargs) -> contextlib.AbstractContextManager[Lab]:
    """JupyterLab 4 on a temporary copy of ``notebook`` (see :func:`running_jupyter`)."""
    return running_jupyter(notebook, "lab", **kwargs)


def running_notebook7(notebook: Path, **kwargs) -> contextlib.AbstractContextManager[Lab]:
    """Notebook 7 on a temporary copy of ``notebook``; open it at ``notebooks/<name>`` (see :func:`running_jupyter`)."""
    return running_jupyter(notebook, "notebook", **kwargs)
