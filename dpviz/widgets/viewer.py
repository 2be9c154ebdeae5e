"""The graph viewer: a laid-out program that pans, zooms and steps in the browser.

:class:`GraphViewer` is an `anywidget <https://anywidget.dev>`_ whose front end is one
ES module shipped in this package (``static/viewer.js``, with ``static/viewer.css``; no
build step, nothing fetched from a CDN). The kernel sends it one *scene*, a JSON text: the
SVG Graphviz laid out, the palette's looks, and per mode the frames of
:meth:`~dpviz.widgets.frames.Playback.frames`. The browser steps from those frames alone, so
stepping costs no round trip and keeps working when the kernel is busy or gone; ``step``
and ``mode`` are synced both ways, so ``stepper.goto(5)`` in Python moves the picture and a
click in the picture moves ``stepper.step``.

:func:`standalone_html` writes the same viewer as an HTML fragment (our script, our CSS and
the scene as embedded JSON) that steps in a plain browser page with no kernel and no widget
manager; until its script runs, the fragment shows the static SVG of its first step.

>>> import json
>>> scene = json.dumps({"svg": "<svg></svg>", "modes": ["forward"]})
>>> page = standalone_html(scene, step=0, mode="forward", static_svg="<svg></svg>")
>>> 'data-dpviz-standalone' in page and "export default" not in page
True
"""
from __future__ import annotations

import html
import json
from functools import lru_cache
from pathlib import Path

import anywidget
import traitlets

STATIC = Path(__file__).resolve().parent / "static"
VIEWER_JS = STATIC / "viewer.js"
VIEWER_CSS = STATIC / "viewer.css"
#: Where the ES module's anywidget entry begins; a standalone page keeps what comes before.
_ENTRY_MARK = "// --- anywidget entry"

#: What the static picture under a viewer says (where no widget front end runs).
STATIC_NOTE = ("Static picture of step {step} ({mode}). Run the notebook (or open its standalone page) "
               "to step, pan and zoom.")


class GraphViewer(anywidget.AnyWidget):
    """The widget side of the viewer: the scene, the step and the mode, synced with the browser.

    Subclasses (:class:`~dpviz.widgets.Stepper`) fill ``scene``; see the module docstring.

    >>> GraphViewer().step
    0
    """

    _esm = VIEWER_JS
    _css = VIEWER_CSS
    scene = traitlets.Unicode("").tag(sync=True)
    step = traitlets.Int(0).tag(sync=True)
    mode = traitlets.Unicode("forward").tag(sync=True)


def _script_safe(text: str) -> str:
    # inside <script> only "</" can end the element early; JSON allows "<\/" for it
    return text.replace("</", "<\\/")


@lru_cache(maxsize=1)
def viewer_css() -> str:
    """The viewer's CSS, read once.

    >>> ".dpv-root" in viewer_css()
    True
    """
    return VIEWER_CSS.read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def viewer_script() -> str:
    """The viewer's code without its anywidget entry, ending with a call that mounts every
    standalone fragment on the page that is not mounted yet.

    >>> "mountStandalone" in viewer_script()
    True
    """
    code = VIEWER_JS.read_text(encoding="utf-8")
    cut = code.find(_ENTRY_MARK)
    if cut < 0:
        raise RuntimeError(f"{VIEWER_JS} has lost its '{_ENTRY_MARK}' line; the standalone page needs it")
    return ("(function () {\n" + code[:cut]
            + "\ndocument.querySelectorAll('[data-dpviz-standalone]').forEach(mountStandalone);\n})();\n")


def standalone_html(scene: str, *, step: int, mode: str, static_svg: str, assets: bool = True) -> str:
    """An HTML fragment that shows and steps the scene in any page, with no kernel.

    ``scene`` is the viewer's scene (JSON text), ``step`` and ``mode`` where it starts,
    ``static_svg`` the picture shown until the script runs (or where scripts do not run).
    ``assets=False`` leaves out the viewer's CSS and script, for a page that loads them once
    for all its viewers (:func:`viewer_css`, then :func:`viewer_script` at the end of the body).

    >>> scene = json.dumps({"svg": "<svg></svg>", "modes": ["forward"]})
    >>> bare = standalone_html(scene, step=0, mode="forward", static_svg="<svg></svg>", assets=False)
    >>> "<style>" in bare, "mountStandalone" in bare, 'class="dpv-scene"' in bare
    (False, False, True)
    """
    state = json.dumps({"scene": scene, "step": step, "mode": mode})
    note = html.escape(STATIC_NOTE.format(step=step, mode=mode))
    return ('<div class="dpv-standalone" data-dpviz-standalone>\n'
            + (f"<style>{viewer_css()}</style>\n" if assets else "")
            + f'<div class="dpv-static">{static_svg}<div class="dpv-static-note">{note}</div></div>\n'
            f'<script type="application/json" class="dpv-scene">{_script_safe(state)}</script>\n'
            + (f"<script>{_script_safe(viewer_script())}</script>\n" if assets else "")
            + "</div>\n")
