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


VIEWER_NOTEBOOK = ROOT / "tests" / "browser" / "viewer_demo.ipynb"


@pytest.mark.browser
def test_viewer_follows_every_step_of_notebook_03s_mlp_in_jupyterlab():
    """The viewer in JupyterLab: the camera keeps the current node in sight at every step, the
    mode menu, keys, zoom and pan work, step and mode sync with the kernel both ways, and the
    saved notebook reopened with no kernel still shows (and steps) the picture."""
    from drive import CURRENT_IN_VIEW, VIEWER, browser_session, step_through_viewer
    from lab import running_lab

    with running_lab(VIEWER_NOTEBOOK) as lab, browser_session(lab, "viewer-lab", budget=150.0) as s:
        page = s.page
        s.goto(f"lab/tree/{VIEWER_NOTEBOOK.name}")
        s.wait_visible(page.get_by_text(IDLE, exact=False), f"the status bar never showed {IDLE!r}", timeout=45_000)
        s.run_all_cells()
        root = page.locator(VIEWER["root"]).first
        s.wait_visible(page.locator(VIEWER["graph"]), "the viewer's graph did not appear after Run All Cells")
        # kernel -> browser: the second cell ran stepper.goto(2)
        s.wait_until("sel => { const el = document.querySelector(sel); return el && el.textContent.startsWith('step 2 of'); }",
                     VIEWER["counter"], "stepper.goto(2) in the kernel did not move the viewer to step 2")
        root.scroll_into_view_if_needed()
        s.screenshot("start")
        n = step_through_viewer(s, shots=(8,))
        assert n == 13

        # keys, once the widget has focus
        root.locator('[data-dpviz="view"]').click(position={"x": 5, "y": 5})
        page.keyboard.press("Home")
        assert root.locator(VIEWER["counter"]).inner_text().startswith("step 0 of 13")
        page.keyboard.press("ArrowRight")
        page.keyboard.press("ArrowRight")
        assert root.locator(VIEWER["counter"]).inner_text().startswith("step 2 of 13")
        page.keyboard.press("End")
        assert root.locator(VIEWER["counter"]).inner_text().startswith("step 13 of 13")

        # zoom and pan move the view
        view = root.locator('[data-dpviz="view"]')      # its camera: zoom, then x and y of the picture
        before = view.get_attribute("data-dpviz-camera")
        root.locator('[data-dpviz="zoom-out"]').click()
        zoomed = view.get_attribute("data-dpviz-camera")
        assert zoomed != before and float(zoomed.split()[0]) < float(before.split()[0])
        box = root.locator('[data-dpviz="view"]').bounding_box()
        page.mouse.move(box["x"] + 40, box["y"] + 200)
        page.mouse.down()
        page.mouse.move(box["x"] + 140, box["y"] + 260, steps=5)
        page.mouse.up()
        assert view.get_attribute("data-dpviz-camera") != zoomed

        # a collapsed scope opens on a click, laid out again by the kernel, where it was on screen
        folded = page.locator(VIEWER["root"]).nth(1)
        folded.scroll_into_view_if_needed()
        for unit, inner in (("g0", 'g.node[data-dp-unit="g1"]'), ("g0", 'g.node[data-dp-unit="n5"]')):
            box = folded.locator(f'g.node[data-dp-unit="{unit}"]')
            before = box.bounding_box()
            box.click()
            s.wait_visible(folded.locator(inner), f"clicking the collapsed scope {unit} did not open it ({inner})")
            page.wait_for_timeout(300)
            where = page.evaluate("""([sel, x, y]) => {
                const root = document.querySelectorAll(sel)[1];
                const hit = document.elementFromPoint(x, y);
                return hit && root.contains(hit) ? (hit.closest('g.node') || {}).id || 'background' : 'outside';
            }""", [VIEWER["root"], before["x"] + before["width"] / 2, before["y"] + before["height"] / 2])
            assert where != "outside", "after opening the scope the picture moved away from where it was clicked"
        s.screenshot("opened")
        root.scroll_into_view_if_needed()

        # the mode menu, inside the widget
        root.locator('[data-dpviz="mode"]').select_option("forward")
        # the forward pass of this program has 8 steps: step 13 of the backward pass becomes its last
        s.wait_until("sel => document.querySelector(sel).textContent.startsWith('step 8 of 8')", VIEWER["counter"],
                     "switching to the forward pass at step 13 did not go to its last step, 8")
        root.locator('[data-dpviz="prev"]').click()
        s.screenshot("forward")
        # browser -> kernel: run the last cell, which prints what Python sees
        page.locator(".jp-Cell").last.locator(".jp-InputArea-editor").click()
        page.keyboard.press("Shift+Enter")
        s.wait_visible(page.get_by_text("python sees forward 7"),
                       "after stepping in the browser, Python did not see mode 'forward', step 7")

        # save, shut the kernel down, reopen: the picture is there without a kernel, and still steps
        page.keyboard.press("Control+s")
        page.wait_for_timeout(1500)
        kernel = page.locator(".lm-MenuBar-itemLabel", has_text="Kernel")
        kernel.first.click()
        page.locator(".lm-Menu-itemLabel", has_text="Shut Down Kernel").first.click()
        page.wait_for_timeout(1000)
        page.reload()
        s.wait_visible(page.locator(VIEWER["graph"]), "the reopened notebook (no kernel) shows no viewer picture")
        assert page.get_by_text("Error displaying widget").count() == 0
        root = page.locator(VIEWER["root"]).first
        root.scroll_into_view_if_needed()
        root.locator(VIEWER["next"]).click()
        got = page.evaluate(CURRENT_IN_VIEW)
        assert got is not None and got["inside"], got
        s.screenshot("reopened")
