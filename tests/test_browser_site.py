"""The course site in a browser: ``dpviz site --only 03-reverse-mode 15-...`` built into a temporary folder,
opened from ``file://`` in headless Chromium with every request that is not ``file://`` refused.

On notebook 03's page the largest Stepper is stepped to its end with its own ``data-dpviz="next"``
button, and at every step the current node (``data-dpviz-current``) must lie inside the visible viewer
(``data-dpviz="view"``); on notebook 15's page every plotly figure must be drawn by the plotly.js the
site copied out of the plotly package. The pages must ask the network for nothing, log no error, and
link each other. Screenshots go to ``test-artifacts/site-*.png``.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "browser"))

STEPPED = "03-reverse-mode"
FIGURES = "15-learning-strategies-and-limits"      # quick (about 8 s) and four plotly figures


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    from drive import find_chromium

    if find_chromium() is None:   # skip before spending the build's time
        pytest.skip("no Chromium on this machine (install Debian's `chromium`); the browser tests never download one")
    out = tmp_path_factory.mktemp("site") / "out"
    done = subprocess.run([sys.executable, "-m", "dpviz", "site", str(out), "--only", STEPPED, FIGURES, "--quick"],
                          capture_output=True, text=True, timeout=600, cwd=ROOT, env=dict(os.environ))
    assert done.returncode == 0, f"dpviz site failed:\n{done.stdout}\n{done.stderr}"
    assert "2 pages" in done.stdout and "the largest page is" in done.stdout, done.stdout
    return out


@pytest.fixture()
def offline(site):
    from drive import offline_session

    with offline_session("site", "site", budget=120.0) as s:
        s.page.set_viewport_size({"width": 1200, "height": 900})
        yield s


def _steps(root) -> int:
    return int(root.locator('[data-dpviz="slider"]').get_attribute("max"))


@pytest.mark.browser
@pytest.mark.slow
def test_the_largest_stepper_of_notebook_03_steps_to_its_end_with_no_kernel(site, offline):
    from drive import step_through_viewer

    s = offline
    page = s.page
    page.goto((site / f"{STEPPED}.html").as_uri())
    roots = page.locator('[data-dpviz="stepper"]')
    s.wait_visible(roots, "the page shows no Stepper")
    assert roots.count() == 3, "notebook 03 shows three Steppers"
    assert page.locator(".dpv-static").count() == 0, "the static pictures should give way to the viewers"
    root = max((roots.nth(k) for k in range(roots.count())), key=_steps)
    n = _steps(root)
    assert n >= 13, f"the largest Stepper of notebook 03 (its MLP) has {n} steps"
    root.scroll_into_view_if_needed()
    s.screenshot("03-start")
    # the site's check is where the current node is, not how large it is drawn: no label minimum
    step_through_viewer(s, root=root, min_label_px=0.0, shots=(1, n // 2, n), shot_prefix="03-")
    assert root.locator('[data-dpviz="next"]').is_disabled()
    # the other Steppers on the page did not move
    others = [roots.nth(k) for k in range(roots.count()) if roots.nth(k).locator('[data-dpviz="counter"]')
              .inner_text().startswith("step 0 of")]
    assert len(others) == 2


@pytest.mark.browser
@pytest.mark.slow
def test_the_plotly_figures_render_from_the_copied_plotly_js(site, offline):
    s = offline
    page = s.page
    page.goto((site / f"{FIGURES}.html").as_uri())
    holders = page.locator(".site-plotly")
    s.wait_visible(page.locator(".js-plotly-plot .main-svg"), "no plotly figure was drawn")
    assert holders.count() >= 4
    drawn = page.locator(".site-plotly .js-plotly-plot").count()
    assert drawn == holders.count(), f"{drawn} of {holders.count()} figures were drawn"
    assert page.evaluate("typeof Plotly") == "object"
    assert page.evaluate("[...document.scripts].filter(s => s.src).map(s => new URL(s.src).protocol)") == ["file:"]
    page.locator(".site-plotly").first.scroll_into_view_if_needed()
    s.screenshot("15-figure")


@pytest.mark.browser
@pytest.mark.slow
def test_the_index_links_the_built_pages_and_the_pages_link_back(site, offline):
    s = offline
    page = s.page
    page.goto((site / "index.html").as_uri())
    page.locator(f'a[href="{STEPPED}.html"]').first.click()
    page.wait_for_url(f"**/{STEPPED}.html")
    assert page.title().startswith("03 Reverse mode, step by step")
    # 02 and 04 were not built: named, not linked
    assert page.locator('a[rel="prev"]').count() == 0 and page.locator(".site-unbuilt").count() >= 2
    page.locator('.site-top a[href="index.html"]').last.click()
    page.wait_for_url("**/index.html")
    assert page.locator(f'a[href="{FIGURES}.html"]').count() == 1
    assert page.locator('a[href="04-forward-mode-and-jacobians.html"]').count() == 0
