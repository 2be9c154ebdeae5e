"""The viewer as a standalone page: opened from ``file://`` in headless Chromium, every network request
refused, no kernel and no widget manager.

``Stepper.save_html`` writes our script, our CSS and the frames into one page. On notebook 03's MLP
the test steps to the end with the ``data-dpviz="next"`` button and checks at every step that the
current node (``data-dpviz-current``) lies inside the visible viewer with its label at least 9 px
tall; then keys, the mode menu, zoom, the node details, and that a fan-out step (``x * x``) lights
only the arrow its adjoint flows along. Screenshots go to ``test-artifacts/standalone-*.png``.
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

import dpviz as dp

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "browser"))


def _mlp_stepper() -> dp.Stepper:
    rng = np.random.default_rng(0)
    X = rng.standard_normal((8, 2))
    y = np.sin(X[:, :1]) + 0.5 * X[:, 1:]
    mlp = dp.nn.MLP([2, 4, 1], activation="tanh", seed=0)
    return dp.Stepper(dp.trace(lambda X: ((mlp(X) - y) ** 2).mean(), X), mode="backward")


@pytest.fixture()
def offline_page(tmp_path):
    from drive import offline_session

    with offline_session("standalone", "standalone page", budget=90.0) as s:
        def open_page(stepper: dp.Stepper, name: str) -> None:
            path = stepper.save_html(tmp_path / f"{name}.html")
            s.page.goto(path.as_uri())
            s.wait_visible(s.page.locator('[data-dpviz="stepper"]'), "the standalone page shows no viewer")
        yield s, open_page


@pytest.mark.browser
def test_standalone_page_steps_notebook_03s_mlp_with_no_kernel(offline_page):
    from drive import CURRENT_IN_VIEW, VIEWER, step_through_viewer

    s, open_page = offline_page
    page = s.page
    open_page(_mlp_stepper(), "mlp")
    assert page.locator(".dpv-static").count() == 0, "the static picture should give way to the viewer"
    s.screenshot("start")
    assert step_through_viewer(s, shots=(8, 13)) == 13
    root = page.locator(VIEWER["root"]).first
    # keys
    root.focus()
    page.keyboard.press("Home")
    assert root.locator(VIEWER["counter"]).inner_text().startswith("step 0 of 13")
    page.keyboard.press("ArrowRight")
    assert root.locator(VIEWER["counter"]).inner_text().startswith("step 1 of 13: node 14, mean (seed)")
    # the mode menu, with no kernel: forward mode has its own timeline
    root.locator('[data-dpviz="mode"]').select_option("jvp")
    assert root.locator(VIEWER["counter"]).inner_text().startswith("step 1 of 8")
    assert "tangent" in root.locator(".dpv-legend").inner_text()
    page.keyboard.press("End")
    page.wait_for_timeout(400)                       # the camera's smooth move
    got = page.evaluate(CURRENT_IN_VIEW)
    assert got["inside"] and got["counter"].startswith("step 8 of 8")
    # zoom buttons and the fit button change the view
    view = root.locator('[data-dpviz="view"]')      # its camera: zoom, then x and y of the picture
    before = view.get_attribute("data-dpviz-camera")
    root.locator('[data-dpviz="fit"]').click()
    page.wait_for_timeout(400)                       # the camera's smooth move
    assert view.get_attribute("data-dpviz-camera") != before
    # hover a node: its details, with the whole (4, 1) weight and its local rule
    root.locator('g.node[data-dp-unit="n3"]').hover()
    details = root.locator('[data-dpviz="details"]').inner_text()
    assert "mlp.layer1.weight" in details and "shape (4, 1)" in details
    s.screenshot("details")


@pytest.mark.browser
def test_a_fan_out_step_lights_the_one_arrow_it_adds_along(offline_page):
    s, open_page = offline_page
    page = s.page
    open_page(dp.Stepper(dp.trace(lambda x: x * x, 3.0), mode="backward"), "square")
    edge = 'g.edge[data-dp-edge="{}"]'
    nxt = page.locator('[data-dpviz="next"]')
    nxt.click()                                      # the seed
    nxt.click()                                      # the adjoint along argument 0
    first, second = page.locator(edge.format("e-n0-n1-0")), page.locator(edge.format("e-n0-n1-1"))
    assert "dp-feeding" in first.get_attribute("class") and "dp-feeding" not in second.get_attribute("class")
    # an arrow that carries an adjoint points back at the input: its head is a marker at the start
    assert first.locator("path").get_attribute("marker-start")
    nxt.click()
    assert "dp-adjoint" in first.get_attribute("class") and "dp-feeding" in second.get_attribute("class")
    assert page.locator('[data-dpviz="counter"]').inner_text().startswith("step 3 of 3")
    s.screenshot("fan-out")
