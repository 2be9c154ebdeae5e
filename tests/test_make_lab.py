"""The README's first command: ``make lab`` opens JupyterLab on the welcome notebook.

``make lab`` installs dpviz and then runs the ``open-lab`` recipe; this test runs that recipe
(``make open-lab``, so the package is not reinstalled under the other tests' feet) with
``LAB_ARGS`` that pin the port and token and skip the browser (``tests/browser/lab.py``). Jupyter
still writes the page a browser would be sent to; the test checks it points at
``01-welcome.ipynb``, then opens it in headless Chromium and waits for the notebook's tab, its
first heading and an idle kernel. It also guards the root case: Jupyter refuses to start as root
without ``--allow-root``, which the Makefile adds (this machine kind, and many containers, log
in as root).
"""
from __future__ import annotations

import re
import shutil
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "browser"))


def _open_url(runtime: Path, timeout: float = 20.0) -> str:
    """The URL in ``jpserver-file-to-run-<pid>-open.html``, the page a browser would be sent to."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for page in runtime.glob("jpserver-file-to-run-*-open.html"):
            match = re.search(r'url=([^"]+)"', page.read_text())
            if match:
                return match.group(1).replace("&amp;", "&")
        time.sleep(0.2)
    pytest.fail(f"no jpserver-file-to-run-*-open.html in {runtime}: did `make lab` name a notebook?")


@pytest.mark.browser
def test_make_lab_opens_jupyterlab_on_the_welcome_notebook():
    if shutil.which("make") is None:
        pytest.skip("make is not installed; the README's commands need it")
    from drive import browser_session
    from lab import running_jupyter

    with running_jupyter(None, "lab", make_target="open-lab") as lab:
        url = _open_url(lab.runtime_dir)
        assert re.search(r"/lab/tree/(notebooks/)?01-welcome\.ipynb\?token=", url), url
        with browser_session(lab, "make-lab") as s:
            s.page.goto(url, wait_until="domcontentloaded")
            tab = s.page.locator(".lm-TabBar-tab.lm-mod-current", has_text="01-welcome.ipynb")
            s.wait_visible(tab, "JupyterLab did not open 01-welcome.ipynb in the current tab", timeout=45_000)
            s.wait_visible(s.page.locator(".jp-Notebook h1"), "the welcome notebook's first heading is not shown")
            s.wait_visible(s.page.get_by_text("Python 3 (ipykernel) | Idle", exact=False),
                           "the welcome notebook's kernel did not start", timeout=45_000)
            s.screenshot("welcome")
