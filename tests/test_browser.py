"""The Stepper in a real JupyterLab, in a real (headless) Chromium driven by Playwright.

Starts JupyterLab on 127.0.0.1 (token, temporary HOME, see ``tests/browser/lab.py``), opens a
temporary copy of ``tests/browser/stepper_demo.ipynb``, waits for the kernel to be idle, runs
all cells, clicks the stepper's "next" three times and checks in the DOM that the highlighted
(current) node changed each time (``tests/browser/drive.py``). Screenshots go to
``test-artifacts/stepper-*.png``. ``tests/test_browser_notebook7.py`` does the same in Notebook 7.

Chromium is Debian's ``chromium`` package (``make test`` installs it where it may); Playwright
never downloads a browser here. The test skips, saying why, only where no Chromium exists.
"""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "tests" / "browser" / "stepper_demo.ipynb"
IDLE = "Python 3 (ipykernel) | Idle"

sys.path.insert(0, str(ROOT / "tests" / "browser"))


@pytest.mark.browser
def test_stepper_next_moves_the_highlight_in_jupyterlab():
    from drive import browser_session, check_stepper_steps
    from lab import running_lab

    with running_lab(NOTEBOOK) as lab, browser_session(lab, "stepper") as s:
        s.goto(f"lab/tree/{NOTEBOOK.name}")
        # The kernel status in the status bar is the readiness signal (not the execution indicator).
        s.wait_visible(s.page.get_by_text(IDLE, exact=False),
                       f"the status bar never showed {IDLE!r}: the kernel did not start", timeout=45_000)
        s.run_all_cells()
        check_stepper_steps(s)
