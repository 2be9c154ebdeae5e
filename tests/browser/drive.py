"""Drive a Jupyter front end in headless Chromium with Playwright, for the browser tests.

``browser_session(server, prefix)`` launches Debian's Chromium (never a downloaded one) with
the flags below and yields a :class:`Session`: the page, ``fail`` (screenshot
``test-artifacts/<prefix>-failure.png`` + the server's log in the message), a readiness wait,
"Run" → "Run All Cells" through the menu bar (the same Lumino menu in JupyterLab 4 and
Notebook 7) and :func:`check_stepper_steps`, the check both browser tests make on the
``dp.Stepper``. Screenshots go to ``test-artifacts/<prefix>-*.png``.
"""
from __future__ import annotations

import contextlib
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, NoReturn

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"]

#: The Stepper's parts as the browser viewer marks them (the contract the course site relies on) …
VIEWER = {"root": '[data-dpviz="stepper"]', "graph": '[data-dpviz="view"] svg', "next": '[data-dpviz="next"]',
          "current": "[data-dpviz-current]", "counter": '[data-dpviz="counter"]', "panel": '[data-dpviz="panel"]'}
#: … and as the ipywidgets view VS Code shows (dpviz.widgets.classic) marks them.
CLASSIC = {"root": ".dpviz-stepper", "graph": ".dpviz-stepper-graph svg", "next": ".dpviz-stepper button >> text=next",
           "current": ".dpviz-stepper-graph g.node.dp-current", "counter": ".dpviz-stepper-counter",
           "panel": ".dpviz-stepper-panel"}
#: The highlighted (current) node of the Stepper's graph.
CURRENT = VIEWER["current"]
#: The nodes the first three "next" clicks visit in ``stepper_demo.ipynb``: tanh(x * w + b).
FORWARD = ["n3", "n4", "n5"]


def find_chromium() -> str | None:
    """Debian's Chromium, or None where there is none."""
    for candidate in ("/usr/bin/chromium", shutil.which("chromium"), shutil.which("chromium-browser")):
        if candidate and Path(candidate).exists():
            return candidate
    return None


@dataclass
class Session:
    """One page in Chromium on a running Jupyter server (see ``lab.py``)."""

    page: Any
    server: Any
    prefix: str
    timeout_error: type
    started: float = field(default_factory=time.monotonic)

    def goto(self, path: str) -> None:
        """Open ``path`` on the server (the token is added)."""
        self.page.goto(self.server.url(path), wait_until="domcontentloaded")

    def screenshot(self, suffix: str) -> str:
        """Save ``test-artifacts/<prefix>-<suffix>.png``; return its path relative to the repository."""
        path = ARTIFACTS / f"{self.prefix}-{suffix}.png"
        self.page.screenshot(path=str(path))
        return str(path.relative_to(ROOT))

    def fail(self, message: str) -> NoReturn:
        """Fail the test with ``message``, a screenshot and the end of the server's log."""
        try:
            shot = self.screenshot("failure")
        except Exception as exc:  # the page itself may be gone
            shot = f"none ({exc})"
        pytest.fail(f"[{self.server.name}] {message}\n(screenshot: {shot})\n"
                    f"{self.server.name} log:\n{self.server.log_tail()}", pytrace=False)

    def wait_visible(self, locator: Any, what: str, timeout: float = 30_000) -> None:
        """Wait until ``locator`` is visible, else fail saying ``what`` did not happen."""
        try:
            locator.first.wait_for(state="visible", timeout=timeout)
        except self.timeout_error:
            self.fail(f"{what} (waited {timeout / 1000:.0f} s)")

    def wait_until(self, script: str, arg: Any, what: str, timeout: float = 30_000) -> None:
        """Wait until the JavaScript function ``script(arg)`` is truthy, else fail saying ``what``."""
        try:
            self.page.wait_for_function(script, arg=arg, timeout=timeout)
        except self.timeout_error:
            self.fail(f"{what} (waited {timeout / 1000:.0f} s)")

    def run_all_cells(self) -> None:
        """Menu bar "Run" → "Run All Cells" (JupyterLab 4 and Notebook 7 share Lumino's menus)."""
        menu = self.page.locator(".lm-MenuBar-itemLabel", has_text="Run")
        self.wait_visible(menu, 'the menu bar has no "Run" menu')
        menu.first.click()
        item = self.page.locator(".lm-Menu-itemLabel", has_text="Run All Cells")
        self.wait_visible(item, 'the "Run" menu has no "Run All Cells" item', timeout=5_000)
        item.first.click()


@contextlib.contextmanager
def browser_session(server: Any, prefix: str, *, budget: float = 90.0) -> Iterator[Session]:
    """Chromium on ``server`` (a ``lab.Lab``); skip where there is no Chromium or no Playwright.

    On exit the browser is closed and the test fails if the session (from the page's creation)
    took more than ``budget`` seconds.
    """
    chromium = find_chromium()
    if chromium is None:
        pytest.skip("no Chromium on this machine (install Debian's `chromium`, e.g. via `make test` as root); "
                    "the browser tests need it and never download one")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is in the [test] extra")
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1500, "height": 1000})
            page.set_default_timeout(30_000)
            session = Session(page, server, prefix, sync_api.TimeoutError)
            yield session
        finally:
            browser.close()
    took = time.monotonic() - session.started
    assert took < budget, f"the {server.name} browser session took {took:.0f} s; it should take under {budget:.0f} s"


def check_stepper_steps(s: Session, clicks: int = 3, parts: dict[str, str] = VIEWER) -> list[str]:
    """After Run All Cells: the Stepper renders, and each "next" moves the highlighted node.

    Checks the DOM (the current node and its ``data-dp-unit``), the step counter and the
    panel; saves ``<prefix>-0.png`` … ``<prefix>-<clicks>.png``. Returns the units visited.
    ``parts``: the selectors of the view shown (:data:`VIEWER`, or :data:`CLASSIC` in VS Code).
    """
    page = s.page
    CURRENT = parts["current"]
    s.wait_visible(page.locator(parts["graph"]),
                   f"the Stepper widget's graph ({parts['graph']}) did not appear after Run All Cells")
    page.locator(parts["root"]).first.scroll_into_view_if_needed()
    s.screenshot("0")
    if page.locator(CURRENT).count():
        s.fail(f"at step 0 no node should be highlighted, but {CURRENT} matches "
               f"{page.locator(CURRENT).first.get_attribute('data-dp-unit')!r}")
    next_button = page.locator(parts["next"])
    s.wait_visible(next_button, "the Stepper has no visible 'next' button")
    seen: list[str | None] = [None]
    for click in range(1, clicks + 1):
        next_button.first.click()
        # The graph and the counter are separate widgets, updated by separate kernel messages:
        # wait for the highlight to move, then for the counter to catch up (on a busy machine
        # the second message can arrive a moment after the first).
        s.wait_until("""([sel, before]) => {
                            const el = document.querySelector(sel);
                            return el !== null && el.getAttribute('data-dp-unit') !== before;
                        }""", [CURRENT, seen[-1]],
                     f"after click {click} on 'next' no node with class 'dp-current' and a new data-dp-unit "
                     f"appeared (the highlight stayed on {seen[-1]!r})", timeout=15_000)
        unit = page.locator(CURRENT).first.get_attribute("data-dp-unit")
        counter_sel = parts["counter"]
        try:
            page.wait_for_function("""([sel, want]) => {
                                       const el = document.querySelector(sel);
                                       return el !== null && el.innerText.startsWith(want);
                                   }""", arg=[counter_sel, f"step {click} of"], timeout=10_000)
        except s.timeout_error:
            pass   # reported with the counter's text just below
        counter = page.locator(counter_sel).first.inner_text()
        if not counter.startswith(f"step {click} of"):
            s.fail(f"after click {click} the step counter says {counter!r}, expected 'step {click} of …'")
        seen.append(unit)
        s.screenshot(str(click))
    if seen[1:] != FORWARD[:clicks]:
        s.fail(f"the forward pass should visit {FORWARD[:clicks]}; the highlight visited {seen[1:]}")
    panel = page.locator(parts["panel"]).first.inner_text()
    if clicks == 3 and "f_5 = tanh" not in panel:
        s.fail(f"the panel should describe node 5 (tanh); it says:\n{panel}")
    return [u for u in seen[1:] if u is not None]


#: In the page: where the current node is against the visible viewer, and how tall its label is drawn.
CURRENT_IN_VIEW = """(root) => {
    root = root || document;
    const view = root.querySelector('[data-dpviz="view"]').getBoundingClientRect();
    const cur = root.querySelector('[data-dpviz-current]');
    if (!cur) return null;
    const r = cur.getBoundingClientRect();
    const label = cur.querySelector('text').getBoundingClientRect();
    return {unit: cur.getAttribute('data-dp-unit'), label_px: label.height,
            inside: r.left >= view.left - 0.5 && r.right <= view.right + 0.5 &&
                    r.top >= view.top - 0.5 && r.bottom <= view.bottom + 0.5,
            counter: root.querySelector('[data-dpviz="counter"]').textContent};
}"""


def step_through_viewer(s: Session, *, min_label_px: float = 9.0, shots: tuple[int, ...] = (),
                        root: Any = None, shot_prefix: str = "") -> int:
    """Click the viewer's "next" from step 0 to the last step; at every step the counter must say
    it, the current node must lie inside the visible viewer and its label be >= ``min_label_px``
    tall as drawn. ``root`` picks one viewer of a page with several (default: the first); the
    screenshots at the steps in ``shots`` are named ``<shot_prefix>step<k>``. Returns the number of steps."""
    page = s.page
    root = page.locator(VIEWER["root"]).first if root is None else root
    n = int(root.locator('[data-dpviz="slider"]').get_attribute("max"))
    first = root.locator('[data-dpviz="first"]')
    if first.is_enabled():
        first.click()
    counter = root.locator(VIEWER["counter"])
    for k in range(1, n + 1):
        root.locator(VIEWER["next"]).click()
        s.wait_until("([el, want]) => el.textContent.startsWith(want)",
                     [counter.element_handle(), f"step {k} of {n}"],
                     f"after click {k} the counter never said 'step {k} of {n}'", timeout=5_000)
        page.wait_for_timeout(400)            # the camera's smooth move (at most 320 ms)
        got = root.evaluate(CURRENT_IN_VIEW)
        if got is None:
            s.fail(f"at step {k} no node carries data-dpviz-current")
        if not got["inside"]:
            s.fail(f"at step {k} the current node {got['unit']} is outside the visible viewer ({got})")
        if got["label_px"] < min_label_px:
            s.fail(f"at step {k} the current node's label is {got['label_px']:.1f} px tall, under {min_label_px} px")
        if k in shots:
            s.screenshot(f"{shot_prefix}step{k}")
    return n


@dataclass
class FilePages:
    """Stands in for a Jupyter server where pages are opened from ``file://``: a name, and no log."""

    name: str

    def log_tail(self) -> str:
        return "(no server: pages opened from file://)"


@contextlib.contextmanager
def offline_session(prefix: str, name: str, *, budget: float = 90.0) -> Iterator[Session]:
    """A :func:`browser_session` for pages opened from disk: every request that is not ``file://``
    is refused, and on exit the test fails if any was made or the page logged an error."""
    refused: list[str] = []
    errors: list[str] = []
    with browser_session(FilePages(name), prefix, budget=budget) as s:
        def route(r: Any) -> None:
            if r.request.url.startswith("file://"):
                r.continue_()
            else:
                refused.append(r.request.url)
                r.abort()

        s.page.route("**/*", route)
        s.page.on("pageerror", lambda e: errors.append(str(e)))
        s.page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        yield s
    assert refused == [], f"the {name} asked the network for {refused}"
    assert errors == [], errors
