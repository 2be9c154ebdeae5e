"""The Stepper in a real JupyterLab, in a real (headless) Chromium driven by Playwright.

Starts JupyterLab on 127.0.0.1 (token, temporary HOME, see ``tests/browser/lab.py``), opens a
temporary copy of ``tests/browser/stepper_demo.ipynb``, waits for the kernel to be idle, runs
all cells, clicks the stepper's "next" three times and checks in the DOM that the highlighted
(current) node changed each time. Screenshots go to ``test-artifacts/``.

Chromium is Debian's ``chromium`` package (``make test`` installs it where it may); Playwright
never downloads a browser here. The test skips, saying why, only where no Chromium exists.
"""
from __future__ import annotations

import shutil
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "tests" / "browser" / "stepper_demo.ipynb"
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"]
IDLE = "Python 3 (ipykernel) | Idle"

sys.path.insert(0, str(ROOT / "tests" / "browser"))


def _chromium() -> str | None:
    for candidate in ("/usr/bin/chromium", shutil.which("chromium"), shutil.which("chromium-browser")):
        if candidate and Path(candidate).exists():
            return candidate
    return None


@pytest.mark.browser
def test_stepper_next_moves_the_highlight_in_jupyterlab():
    chromium = _chromium()
    if chromium is None:
        pytest.skip("no Chromium on this machine (install Debian's `chromium`, e.g. via `make test` as root); "
                    "the browser test needs it and never downloads one")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is in the [test] extra")
    from lab import running_lab

    ARTIFACTS.mkdir(exist_ok=True)
    started = time.monotonic()
    with running_lab(NOTEBOOK) as lab, sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1500, "height": 1000})
            page.set_default_timeout(30_000)

            def fail(message: str) -> None:
                page.screenshot(path=str(ARTIFACTS / "stepper-failure.png"))
                pytest.fail(f"{message}\n(screenshot: test-artifacts/stepper-failure.png)\n"
                            f"JupyterLab log:\n{lab.log_tail()}")

            page.goto(lab.url(f"lab/tree/{NOTEBOOK.name}"), wait_until="domcontentloaded")
            try:
                # The kernel status in the status bar is the readiness signal (not the execution indicator).
                page.get_by_text(IDLE, exact=False).first.wait_for(state="visible", timeout=45_000)
            except sync_api.TimeoutError:
                fail(f"the status bar never showed {IDLE!r}: the kernel did not start")
            page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
            page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()
            graph = page.locator(".dpviz-stepper-graph svg")
            try:
                graph.first.wait_for(state="visible", timeout=30_000)
            except sync_api.TimeoutError:
                fail("the Stepper widget did not appear after Run All Cells")
            page.locator(".dpviz-stepper").first.scroll_into_view_if_needed()
            page.screenshot(path=str(ARTIFACTS / "stepper-0.png"))
            current = ".dpviz-stepper-graph g.node.dp-current"
            assert page.locator(current).count() == 0, "step 0 should have no current node"
            next_button = page.locator(".dpviz-stepper button", has_text="next").first
            seen: list[str | None] = [None]
            for click in range(1, 4):
                next_button.click()
                try:
                    page.wait_for_function(
                        """([sel, before]) => {
                               const el = document.querySelector(sel);
                               return el !== null && el.getAttribute('data-dp-unit') !== before;
                           }""",
                        arg=[current, seen[-1]], timeout=15_000)
                except sync_api.TimeoutError:
                    fail(f"after click {click} on 'next' the highlighted node did not change from {seen[-1]!r}")
                unit = page.locator(current).first.get_attribute("data-dp-unit")
                counter = page.locator(".dpviz-stepper-counter").first.inner_text()
                assert unit != seen[-1], f"click {click}: the highlight stayed on {unit}"
                assert counter.startswith(f"step {click} of"), f"click {click}: the counter says {counter!r}"
                seen.append(unit)
                page.screenshot(path=str(ARTIFACTS / f"stepper-{click}.png"))
            assert seen[1:] == ["n3", "n4", "n5"], f"forward pass should visit n3, n4, n5; saw {seen[1:]}"
            panel = page.locator(".dpviz-stepper-panel").first.inner_text()
            assert "f_5 = tanh" in panel, f"the panel should describe node 5 (tanh); it says:\n{panel}"
        finally:
            browser.close()
    assert time.monotonic() - started < 90, "the browser test should take well under a minute"
