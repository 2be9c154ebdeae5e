"""dpviz's widgets in VS Code's notebook widget renderer, in headless Chromium driven by Playwright.

The VS Code third of issue 8's "widgets work in JupyterLab 4, Notebook 7 and VS Code's notebook
view". VS Code cannot run here (its Jupyter extension comes from the Marketplace), but the code
that draws widgets in its notebook view can: ``@vscode/jupyter-ipywidgets8`` from the npm
registry. ``tests/browser/vscode.py`` builds a page around it that does what the extension's
webview does (``tests/vscode/host.js``); the page talks to a kernel of a bare Jupyter Server
started with ``VSCODE_PID`` set, as a kernel VS Code starts would have. Like VS Code with no
network (or with CDNs not allowed), the page can load no widget front end from a CDN.

Checked: the Stepper's "next" moves the highlight (the same DOM checks as in JupyterLab and
Notebook 7); ``LiveTraining`` shows its curves with no front end from a CDN, and would not with
a plotly ``FigureWidget`` (which is why dpviz avoids one there); ``explore`` redraws when the
kernel changes its inputs. Screenshots go to ``test-artifacts/vscode-*.png``.

Skips, saying why, where there is no Chromium, no Playwright or no Node.js/npm.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, Iterator

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "browser"))

PLOTLY = '.vscode-mime[data-mime="application/vnd.plotly.v1+json"]'


def _stepper_code() -> str:
    """The code cell of ``tests/browser/stepper_demo.ipynb``: the same Stepper the other browser tests step."""
    nb = json.loads((ROOT / "tests" / "browser" / "stepper_demo.ipynb").read_text())
    return "".join(next(c for c in nb["cells"] if c["cell_type"] == "code")["source"])


@pytest.fixture(scope="module")
def vscode() -> Iterator[Any]:
    """A browser session on ``tests/vscode/host.html``, its kernel started and its widget manager made."""
    from drive import browser_session, find_chromium
    from lab import running_jupyter
    from vscode import build_host, serving

    if find_chromium() is None:
        pytest.skip("no Chromium on this machine (install Debian's `chromium`, e.g. via `make test` as root)")
    host = build_host()
    with serving(host) as origin, \
            running_jupyter(None, "server", extra_args=(f"--ServerApp.allow_origin={origin}",),
                            extra_env={"VSCODE_PID": "4242"}) as server, \
            browser_session(server, "vscode", budget=150.0) as s:
        s.page.goto(f"{origin}/host.html?server=http://127.0.0.1:{server.port}&token={server.token}")
        s.wait_until("() => window.vscodeHost && window.vscodeHost.manager", None,
                     "the page never made VS Code's WidgetManager on a live kernel "
                     "(see window.vscodeHost.log)", timeout=45_000)
        yield s


def run(s: Any, code: str, *, clear: bool = True) -> None:
    """Run ``code`` in the page's kernel (outputs drawn by VS Code's widget manager); fail on an error.

    ``clear`` first empties the output area (the kernel keeps its state).
    """
    if clear:
        s.page.evaluate("() => window.vscodeHost.clear()")
    error = s.page.evaluate("""code => Promise.race([window.vscodeHost.run(code),
                                 new Promise(r => setTimeout(() => r('timed out after 60 s'), 60000))])""", code)
    if error:
        log = s.page.evaluate("() => window.vscodeHost.log.slice(-15).join('\\n')")
        s.fail(f"running\n{code}\nin the kernel failed: {error}\nwidget manager log:\n{log}")


def load_errors(s: Any) -> list[str]:
    """The widget front ends the page could not load (VS Code would have asked a CDN for them)."""
    return s.page.evaluate("() => window.vscodeHost.widgetLoadErrors.splice(0)")


@pytest.mark.browser
def test_stepper_next_moves_the_highlight_in_vscode_renderer(vscode):
    from drive import CLASSIC, check_stepper_steps

    run(vscode, _stepper_code())
    # VS Code cannot load the viewer's front end offline: the Stepper shows its ipywidgets view there
    check_stepper_steps(vscode, parts=CLASSIC)
    assert load_errors(vscode) == []


@pytest.mark.browser
def test_live_training_draws_without_a_cdn_in_vscode(vscode):
    run(vscode, "from dpviz.widgets import LiveTraining\n"
                "live = LiveTraining(epochs=3, title='three epochs')\n"
                "display(live)\n"
                "for e in range(3):\n"
                "    live.update(loss=1 / (e + 1), accuracy=0.5 + 0.1 * e)\n"
                "assert live.figure is None, 'in VS Code the figure should be redrawn, not a FigureWidget'\n")
    vscode.wait_until("sel => { const el = document.querySelector(sel);"
                      "          return el && el.dataset.points === '[3,3]'; }", PLOTLY,
                      "the live view's Output area never showed a plotly figure with two curves of 3 points")
    status = vscode.page.locator(".widget-label", has_text="epoch 3 of 3")
    vscode.wait_visible(status, "the live view's status line never said 'epoch 3 of 3'")
    assert status.first.inner_text() == "epoch 3 of 3 · loss 0.3333 · accuracy 0.7"
    vscode.screenshot("live")
    bar = vscode.page.locator(".progress-bar-success")      # bootstrap's class for bar_style="success"
    assert bar.count() == 1, vscode.page.locator(".vscode-output").first.inner_html()[:1500]
    assert load_errors(vscode) == []


@pytest.mark.browser
def test_a_figure_widget_would_need_a_cdn_in_vscode(vscode):
    """Why LiveTraining avoids FigureWidget there: its front end (anywidget) is not in VS Code's bundle."""
    run(vscode, "from dpviz.widgets import LiveTraining\n"
                "display(LiveTraining(epochs=1, figure_widget=True))\n")
    errors = load_errors(vscode)
    assert any(e.startswith("anywidget@") for e in errors), errors


@pytest.mark.browser
def test_explore_redraws_when_the_kernel_moves_a_slider_in_vscode(vscode):
    run(vscode, "import dpviz as dp\n"
                "def f(x):\n"
                "    return x.exp() if float(x.data) > 0 else -x\n"
                "ex = dp.explore(f, {'x': (-2.0, 2.0, 1.0)})\n"
                "display(ex)\n")
    svg = vscode.page.locator(".vscode-output svg")
    vscode.wait_visible(svg, "explore's drawing of the program did not appear")
    assert "exp" in (svg.first.text_content() or "") and vscode.page.locator(".widget-slider").count() == 1
    run(vscode, "ex.set(x=-1.0)\nassert ex.changed\n", clear=False)
    vscode.wait_until("() => { const s = document.querySelector('.vscode-output svg');"
                      "          return s && s.textContent.includes('neg') && !s.textContent.includes('exp'); }",
                      None, "after ex.set(x=-1.0) the drawing did not change from exp to neg")
    assert load_errors(vscode) == []
    vscode.screenshot("explore")
