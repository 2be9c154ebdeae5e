"""A throw-away JupyterLab for the browser test: 127.0.0.1 only, a token, a temporary HOME.

``running_lab(notebook)`` copies ``notebook`` into a temporary directory, starts JupyterLab
there with ``subprocess.Popen`` and yields a :class:`Lab` (its URL, token and working
directory); on exit it stops the server with ``terminate()`` + ``wait()``. News and update
checks are turned off (``overrides.json``) so no dialog covers the notebook and nothing
leaves the machine.
"""
from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
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

#: Settings that keep JupyterLab quiet: no news, no update checks.
OVERRIDES = {"@jupyterlab/apputils-extension:notification": {"checkForUpdates": False, "fetchNews": "false"}}


@dataclass
class Lab:
    """A running JupyterLab: where it listens and where its files are."""

    port: int
    token: str
    workdir: Path
    log: Path
    proc: subprocess.Popen

    def url(self, path: str) -> str:
        """The URL of ``path`` (e.g. ``lab/tree/x.ipynb``) with the token."""
        return f"http://{HOST}:{self.port}/{path}?token={self.token}"

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
    # jupyterlab_server reads overrides.json only from the app settings directory, which
    # defaults to one inside the Python environment; the test points it at a temporary one
    # (--LabApp.app_settings_dir) instead of writing into the environment.
    app_settings.mkdir(parents=True, exist_ok=True)
    (app_settings / "overrides.json").write_text(json.dumps(OVERRIDES, indent=2))


def _wait_until_up(lab: Lab, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if lab.proc.poll() is not None:
            raise RuntimeError(f"JupyterLab exited with code {lab.proc.returncode}:\n{lab.log_tail()}")
        try:
            with urllib.request.urlopen(lab.url("api/status"), timeout=2) as r:
                if r.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, OSError):
            pass
        time.sleep(0.25)
    raise RuntimeError(f"JupyterLab did not answer on {HOST}:{lab.port} within {timeout:.0f} s:\n{lab.log_tail()}")


@contextlib.contextmanager
def running_lab(notebook: Path, *, startup_timeout: float = 40.0) -> Iterator[Lab]:
    """Start JupyterLab on a temporary copy of ``notebook``; stop it on exit."""
    tmp = Path(tempfile.mkdtemp(prefix="dpviz-browser-"))
    home, workdir = tmp / "home", tmp / "work"
    home.mkdir()
    workdir.mkdir()
    shutil.copy(notebook, workdir / notebook.name)
    app_settings = tmp / "app-settings"
    _write_overrides(app_settings)
    token = secrets.token_hex(16)
    port = free_port()
    env = dict(os.environ, HOME=str(home), JUPYTER_CONFIG_DIR=str(home / ".jupyter"),
               JUPYTERLAB_SETTINGS_DIR=str(home / ".jupyter/lab/user-settings"),
               JUPYTERLAB_WORKSPACES_DIR=str(home / ".jupyter/lab/workspaces"),
               JUPYTER_RUNTIME_DIR=str(home / ".local/share/jupyter/runtime"))
    # The kernel must find graphviz-pure and dpviz: put this Python's bin first on PATH.
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    cmd = [sys.executable, "-m", "jupyter", "lab", "--no-browser", f"--ip={HOST}", f"--port={port}",
           "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}",
           "--LabApp.extension_manager=readonly", f"--LabApp.app_settings_dir={app_settings}",
           f"--ServerApp.root_dir={workdir}"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")
    log = tmp / "jupyterlab.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, cwd=workdir, env=env, stdout=out, stderr=subprocess.STDOUT)
    lab = Lab(port, token, workdir, log, proc)
    try:
        _wait_until_up(lab, startup_timeout)
        yield lab
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        shutil.rmtree(tmp, ignore_errors=True)
