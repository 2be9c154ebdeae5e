"""The Stepper in a real Notebook 7 (``jupyter notebook``), in headless Chromium driven by Playwright.

The Notebook 7 half of issue 8's "widgets work in JupyterLab 4, Notebook 7 and VS Code". Starts
Notebook 7 on 127.0.0.1 (token, temporary HOME, news and update checks off; see
``tests/browser/lab.py``), opens a temporary copy of ``tests/browser/stepper_demo.ipynb`` at
``/notebooks/<name>``, waits until the notebook's kernel is idle, runs all cells through the menu
bar, clicks the stepper's "next" three times and checks in the DOM that the highlighted node
(``g.node.dp-current``, ``data-dp-unit``) changed each time (``tests/browser/drive.py``).
Screenshots go to ``test-artifacts/notebook7-*.png``.

Skips, saying why, where there is no Chromium, no Playwright or no Notebook 7.
"""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "tests" / "browser" / "stepper_demo.ipynb"

sys.path.insert(0, str(ROOT / "tests" / "browser"))

# Notebook 7 has no status bar, and its toolbar's execution indicator reads "idle" before a kernel
# is connected; the session's kernelDisplayStatus (what JupyterLab's status bar shows) is the signal.
KERNEL_STATUS = """() => {
    const app = window.jupyterapp;
    const ctx = app && app.shell.currentWidget && app.shell.currentWidget.sessionContext;
    return ctx ? ctx.kernelDisplayStatus : (app ? 'no notebook open' : 'no window.jupyterapp');
}"""


@pytest.mark.browser
def test_stepper_next_moves_the_highlight_in_notebook7():
    notebook = pytest.importorskip("notebook", reason='Notebook 7 ("notebook>=7,<8") is in the [test] extra')
    if int(notebook.__version__.split(".")[0]) != 7:
        pytest.skip(f"this test drives Notebook 7; notebook {notebook.__version__} is installed")
    from drive import browser_session, check_stepper_steps
    from lab import running_notebook7

    with running_notebook7(NOTEBOOK) as server, browser_session(server, "notebook7") as s:
        s.goto(f"notebooks/{NOTEBOOK.name}")
        try:
            s.page.wait_for_function(f"({KERNEL_STATUS})() === 'idle'", timeout=45_000)
        except s.timeout_error:
            status = s.page.evaluate(KERNEL_STATUS)
            s.fail(f"the notebook's kernel never became idle (its status is {status!r}): the kernel did not start")
        s.run_all_cells()
        check_stepper_steps(s)


VIEWER_NOTEBOOK = ROOT / "tests" / "browser" / "viewer_demo.ipynb"


@pytest.mark.browser
def test_viewer_follows_every_step_of_notebook_03s_mlp_in_notebook7():
    """Notebook 7 loads the same viewer: at every step of 03's MLP the current node is in sight."""
    notebook = pytest.importorskip("notebook", reason='Notebook 7 ("notebook>=7,<8") is in the [test] extra')
    if int(notebook.__version__.split(".")[0]) != 7:
        pytest.skip(f"this test drives Notebook 7; notebook {notebook.__version__} is installed")
    from drive import VIEWER, browser_session, step_through_viewer
    from lab import running_notebook7

    with running_notebook7(VIEWER_NOTEBOOK) as server, browser_session(server, "viewer-nb7", budget=120.0) as s:
        s.goto(f"notebooks/{VIEWER_NOTEBOOK.name}")
        try:
            s.page.wait_for_function(f"({KERNEL_STATUS})() === 'idle'", timeout=45_000)
        except s.timeout_error:
            s.fail(f"the notebook's kernel never became idle (its status is {s.page.evaluate(KERNEL_STATUS)!r})")
        s.run_all_cells()
        s.wait_visible(s.page.locator(VIEWER["graph"]), "the viewer's graph did not appear after Run All Cells")
        s.page.locator(VIEWER["root"]).first.scroll_into_view_if_needed()
        assert step_through_viewer(s, shots=(8,)) == 13
        s.page.locator(VIEWER["root"]).first.locator('[data-dpviz="mode"]').select_option("both")
        assert s.page.locator(VIEWER["counter"]).first.inner_text().startswith("step 13 of 21")
