"""``Stepper``: play a program's forward pass, backward pass or tangents node by node.

The program is laid out once (one Graphviz run); every mode's steps are turned into frames
(:mod:`dpviz.widgets.frames`) and sent to the browser viewer (:mod:`dpviz.widgets.viewer`)
once, so stepping, switching mode, panning and zooming happen in the browser. The Python
side keeps the same picture for any step (``svg``, the static picture a saved notebook
shows) and the same API (``goto``, ``next``, ``step``), synced with the browser both ways.
"""
from __future__ import annotations

import html
import json
from concurrent.futures import ThreadPoolExecutor
import os
from pathlib import Path
from typing import Any, Mapping, Sequence

import traitlets

from dpviz.errors import DpvizError
from dpviz.files import write_atomic
from dpviz.pictures.collapse import DEFAULT_THRESHOLD, CollapsePlan, all_scopes, op_summary, plan_collapse
from dpviz.pictures.dot import RANKDIRS, DrawOptions, dot_lines
from dpviz.pictures.drawing import DISPLAY_LIMIT
from dpviz.pictures.ids import parse_id, unit_ids
from dpviz.pictures.legend import legend_html
from dpviz.pictures.renderer import render
from dpviz.settings import site_mode
from dpviz.widgets.frames import Playback, node_details
from dpviz.widgets.live import in_vscode
from dpviz.widgets.panel import counter_text, panel_text
from dpviz.widgets.svgstyle import EDGE_LOOKS, LOOKS, SvgTemplate
from dpviz.widgets.timeline import MODES, StepperError, Timeline, build_timeline
from dpviz.widgets.viewer import STATIC_NOTE, GraphViewer, standalone_html

#: The Stepper's legend entries (palette roles), before the ones its mode leaves out.
_LEGEND_NODES = ("pending", "known", "adjoint", "tangent", "current", "read")
_LEGEND_EDGES = ("pending", "done", "adjoint", "tangent", "read", "read_back")

#: The graph pane is about this wide beside the side panel; the layout direction is chosen to fit it.
GRAPH_PANE_PX = 640

#: How the mode menu names each mode.
MODE_TITLES = {"forward": "forward pass", "backward": "backward pass", "jvp": "forward mode (JVP)",
               "both": "forward, then backward"}


class Stepper(GraphViewer):
    """Step through a program's forward pass, backward pass or forward-mode tangents, node by node.

    ``Stepper(obj, mode="forward")`` takes a ``dp.Program`` (``dp.trace(f, *args)``), a
    dpviz tensor (its recorded history) or a PyTorch tensor (its autograd graph; only
    ``mode="backward"``, which shows the *order* of the backward pass: PyTorch keeps no
    intermediate gradients). ``mode`` is ``"forward"`` (values, Definition 1: node i
    computes v_i = f_i(v_j for j in α_i)), ``"backward"`` (adjoints, one step per edge a
    contribution flows along), ``"jvp"`` (tangents; ``tangents=`` as for
    ``Program.jvp_steps``, default 1 on the first input) or ``"both"`` (forward, then
    backward, on one timeline); it is the mode shown first, and a menu in the widget (or
    ``stepper.mode = "jvp"``) switches to the others. ``seed=`` is the output adjoint (default 1).

    Display it (last line of a cell): a bar with the mode menu, *first / prev / play-pause /
    next / last*, a step slider and the play speed; the step counter; the graph, which you
    drag to pan, zoom with the buttons, Ctrl+scroll or a pinch (or scroll once the widget has
    focus), fit to the view, and which follows the current node and what it reads (switch
    *follow* and *smooth* off in its corner); a side panel that explains the step in words
    and numbers, and under it the details of the node under the pointer (click to keep
    them): its full value and adjoint (a heatmap for matrices), its local derivative rules,
    what it reads and what reads it. Keys once the widget has focus: ← → Home End, space
    to play or pause. Colours are the course palette's (:mod:`dpviz.pictures.palette`), all
    listed in the legend: grey dashed = not computed yet, green = value known, orange = adjoint
    known, purple = tangent known, thick black border = the current node, dashed blue = what
    this step reads. In backward mode an arrow that carried an adjoint points back at the
    input it reached. A collapsed scope opens when clicked and folds again from its title.

    Steps run in the browser from frames sent once; ``step`` and ``mode`` stay in sync with
    Python, which can drive it too: ``next()``, ``prev()``, ``goto(k)``, ``first()``,
    ``last()``; read ``step`` (0 = before the first event, up to ``n_steps``), ``svg``,
    ``panel``, ``counter``, ``current`` (the event of this step) and ``value(i)`` /
    ``adjoint(i)`` / ``tangent(i)`` (what node ``i`` shows now; ``None`` before it is
    computed). Jumping to a step gives exactly the picture that stepping there gives.
    ``to_html()`` / ``save_html(path)`` write the viewer as a page fragment that steps with no
    kernel. A saved notebook, nbviewer and GitHub show the static picture of the current step.

    Large programs are drawn collapsed like ``dp.draw`` (``collapse=``, ``threshold=``); a
    collapsed scope is current while any of its nodes is. The one layout is made by
    ``dp.render`` (``renderer=``, ``timeout=`` in seconds, 30 by default; more than 300 boxes
    are refused at once rather than blocking the kernel).

    >>> import dpviz as dp
    >>> from dpviz.widgets import Stepper
    >>> f = lambda x, w, b: (x * w + b).tanh()
    >>> s = Stepper(dp.trace(f, 2.0, -3.0, 5.5), mode="backward")
    >>> s.n_steps, s.counter
    (6, 'step 0 of 6: start')
    >>> s.next().next().counter
    'step 2 of 6: node 5, tanh → node 4, add (adjoint)'
    >>> print(s.goto(5).panel)
    Backward pass (adjoints) · step 5 of 6: node 3, mul → node 0, x (adjoint)
      node 3 = mul(v0, v1) sends its adjoint v̄3 to argument 0, v0 (x)
      ∂(a·b)/∂a = b = −3.0;  v̄0 += v̄3 · b = 0.7864 · (−3.0) = −2.359
      v̄0 = −2.359, its first contribution
    >>> 'class="node dp-current" data-dp-unit="n0"' in s.svg
    True
    >>> round(float(s.last().adjoint(0)), 6) == round(float(dp.trace(f, 2.0, -3.0, 5.5).backward()[0]), 6)
    True
    >>> s.modes
    ('forward', 'backward', 'jvp', 'both')
    """

    def __init__(self, obj: Any, mode: str = "forward", *, seed: Any = None, tangents: Any = None,
                 params: Mapping[str, Any] | None = None, collapse: bool | str | Sequence[str] | None = None,
                 threshold: int = DEFAULT_THRESHOLD, rankdir: str = "auto", speed: float = 2.0,
                 renderer: str | None = None, timeout: float = 30.0):
        if mode not in MODES:
            raise StepperError(f"mode must be one of {', '.join(repr(m) for m in MODES)}; got {mode!r}")
        if rankdir != "auto" and rankdir not in RANKDIRS:
            raise StepperError(f"rankdir must be 'auto' or one of {RANKDIRS}; got {rankdir!r}")
        if not isinstance(speed, (int, float)) or isinstance(speed, bool) or not 0 < speed <= 50:
            raise StepperError(f"speed is in steps per second, between 0 and 50; got {speed!r}")
        first = build_timeline(obj, mode, seed=seed, tangents=tangents, params=params)
        timelines = {mode: first}
        #: the modes this program does not allow, with the engine's reason (the menu says it)
        self.refused: dict[str, str] = {}
        if first.source_kind == "program":
            # the other modes, where this program allows them (jvp needs an input, backward a seed
            # and values that no in-place op overwrote)
            for other in MODES:
                if other != mode:
                    try:
                        timelines[other] = build_timeline(first.program, other, seed=seed, tangents=tangents)
                    except DpvizError as exc:
                        self.refused[other] = str(exc).split("\n")[0]
        self._timelines: dict[str, Timeline] = {m: timelines[m] for m in MODES if m in timelines}
        self.speed = float(speed)
        self._renderer, self._timeout, self._threshold = renderer, timeout, threshold
        plan = plan_collapse(first.diagram, collapse, threshold=threshold)
        self._check_size(plan)
        self._rankdir = rankdir
        self._anchor: list[str] = []
        super().__init__(mode=mode, step=0)
        self._lay_out(plan)
        self.on_msg(self._on_browser_message)

    # -- layout (once, and again when a scope opens or folds) --------------------------------------------
    def _check_size(self, plan: CollapsePlan) -> None:
        if plan.visible_count > DISPLAY_LIMIT:
            # laying out thousands of boxes would block the kernel for minutes and then fail
            raise StepperError(
                f"this Stepper would draw {plan.visible_count:,} boxes ({self.timeline.diagram.n:,} program nodes), "
                f"more than the {DISPLAY_LIMIT:,} a layout can show in reasonable time. Let it collapse scopes "
                "(collapse=None, the default, or collapse=True, with a smaller threshold=), or step a "
                "smaller program.")

    def _lay_out(self, plan: CollapsePlan) -> None:
        tl = self.timeline
        others = [t for m, t in self._timelines.items() if m != self.mode]
        grads = any(t.shows_grads or t.mode == "jvp" for t in self._timelines.values())
        opts = DrawOptions(index=True, rankdir=self._rankdir, legend=False, frame_px=GRAPH_PANE_PX, grad=grads,
                           edge_ids=True)
        lines = dot_lines(tl.layout_diagram(others), opts, plan)
        if self._rankdir == "auto":   # keep the direction chosen first when a scope opens or folds
            self._rankdir = next(d for d in RANKDIRS if f'rankdir="{d}"' in lines[0])
        source = "digraph dpviz {\n" + "\n".join(lines) + "\n}\n"
        self.dot_source = source
        # Graphviz lays the program out in its own process while this one writes the frames.
        with ThreadPoolExecutor(max_workers=1) as pool:
            laid_out = pool.submit(render, source, format="svg", renderer=self._renderer, timeout=self._timeout)
            self._plan = plan
            unit_of = unit_ids(plan.unit)
            plain = [g == -1 for g in plan.unit]
            self._plays = {m: Playback(t, unit_of, plain) for m, t in self._timelines.items()}
            scene = self._scene(unit_of)
            svg = laid_out.result()
        self._template = SvgTemplate(svg)   # type: ignore[arg-type]
        scene["svg"] = self._template.fill({}, {}, {})
        self.scene = json.dumps(scene, separators=(",", ":"), ensure_ascii=False)

    def _scene(self, unit_of: list[str]) -> dict[str, Any]:
        """Everything the viewer needs but the SVG, which the layout adds."""
        plan, tl = self._plan, self.timeline
        diagram = tl.diagram
        frames = {m: p.frames() for m, p in self._plays.items()}
        looks = {k: [v.cls, v.fill, v.stroke, v.width, v.dash, v.reverse] for k, v in LOOKS.items()}
        edge_looks = {k: [v.cls, v.fill, v.stroke, v.width, v.dash, v.reverse] for k, v in EDGE_LOOKS.items()}
        groups = {}
        for k, g in enumerate(plan.groups):
            u = f"g{k}"
            groups[u] = {"title": g.title, "members": len(g.members),
                         "summary": f"{len(g.members)} nodes: {op_summary(diagram, g.members)}"}
        return {"svg": "", "looks": looks, "edge_looks": edge_looks,
                 "modes": list(self._plays), "mode_titles": {m: MODE_TITLES[m] for m in MODES},
                 "refused": self.refused,
                 "frames": frames, "legend": {m: self._legend(m) for m in self._plays},
                 "nodes": node_details(self._timelines, unit_of, self.mode), "groups": groups,
                 "foldable": tl.source_kind == "program" and all(g.kind == "scope" for g in plan.groups)
                 and bool(all_scopes(diagram)),
                 "anchor": self._anchor, "speed": self.speed}

    def _legend(self, mode: str) -> str:
        """The legend of ``mode``: every look its steps show, and only those (``tests/test_viewer.py``)."""
        skip = set()
        tl = self._timelines[mode]
        if mode != "jvp":
            skip.add("tangent")
        if not tl.shows_grads:
            skip |= {"adjoint", "read_back"}
        if mode in ("backward", "jvp"):
            skip.add("pending")           # every value is known before the first step
        skip_edges = skip | ({"read"} if mode == "backward" else set())   # there every step sends an adjoint back
        line = "grad ?" if mode != "jvp" else "tangent ?"
        shapes = (f'<div class="dpv-legend-note" style="font-size:12px;color:#555">Shapes: rounded = an input, a '
                  f'parameter or a constant; double border = an output. Grey text ("value ?", "{line}"): not '
                  "known yet at this step.</div>")
        return legend_html([k for k in _LEGEND_NODES if k not in skip],
                           [k for k in _LEGEND_EDGES if k not in skip_edges]) + shapes

    def _on_browser_message(self, _widget: Any, content: Mapping[str, Any], _buffers: Any) -> None:
        """A click on a collapsed scope (``expand``) or on a cluster's title (``fold``)."""
        try:
            if content.get("event") == "expand":
                self.expand(str(content.get("unit", "")))
            elif content.get("event") == "fold":
                self.fold(str(content.get("scope", "")))
        except DpvizError as exc:
            self.send({"kind": "note", "text": str(exc)})

    def _folded(self) -> list[str]:
        return [g.key for g in self._plan.groups if g.kind == "scope"]

    def expand(self, unit: str) -> "Stepper":
        """Open the collapsed scope drawn as box ``unit`` (``"g0"``): its nodes are drawn, its
        inner scopes stay folded. The program is laid out again; the step stays.

        >>> import dpviz as dp
        >>> mlp = dp.nn.MLP([2, 3, 1], seed=0)
        >>> s = Stepper(dp.trace(lambda x: mlp(x).sum(), [[1.0, 2.0]]), mode="backward", collapse=True)
        >>> s.expand("g0")._folded()
        ['mlp/layer0', 'mlp/layer1']
        """
        parsed = parse_id(unit)
        if parsed is None or parsed[0] != "group" or parsed[1] >= len(self._plan.groups):
            raise StepperError(f"{unit!r} is no collapsed scope of this picture")
        group = self._plan.groups[parsed[1]]
        if group.kind != "scope":
            raise StepperError(f"{group.title} is a block of nodes folded for size, not a scope; "
                               "it cannot be opened on its own (make a Stepper with collapse=False)")
        depth = group.key.count("/") + 1
        inner = [s for s in all_scopes(self.timeline.diagram)
                 if s.startswith(group.key + "/") and s.count("/") == depth]
        folded = [k for k in self._folded() if k != group.key] + inner
        plan = plan_collapse(self.timeline.diagram, folded, threshold=self._threshold)
        self._check_size(plan)
        unit_of = unit_ids(plan.unit)
        self._anchor = sorted({unit_of[i] for i in group.members}, key=lambda u: (u[0], int(u[1:])))
        self._lay_out(plan)
        return self

    def fold(self, scope: str) -> "Stepper":
        """Fold ``scope`` (a scope path such as ``"mlp/layer0"``) into one box, laid out again.

        >>> import dpviz as dp
        >>> mlp = dp.nn.MLP([2, 3, 1], seed=0)
        >>> s = Stepper(dp.trace(lambda x: mlp(x).sum(), [[1.0, 2.0]]), mode="backward")
        >>> s.fold("mlp/layer1")._folded()
        ['mlp/layer1']
        """
        scopes = all_scopes(self.timeline.diagram)
        if scope not in scopes:
            raise StepperError(f"{scope!r} is not a scope of this program; its scopes are "
                               f"{', '.join(repr(s) for s in scopes[:12]) or 'none'}")
        folded = [k for k in self._folded() if not k.startswith(scope + "/") and k != scope] + [scope]
        plan = plan_collapse(self.timeline.diagram, folded, threshold=self._threshold)
        self._anchor = [f"g{k}" for k, g in enumerate(plan.groups) if g.key == scope]
        self._lay_out(plan)
        return self

    # -- modes ---------------------------------------------------------------------------------------------
    @property
    def modes(self) -> tuple[str, ...]:
        """The modes this Stepper can show (a PyTorch graph: backward only).

        >>> import dpviz as dp
        >>> Stepper(dp.trace(lambda x: x.exp(), 0.0)).modes
        ('forward', 'backward', 'jvp', 'both')
        """
        return tuple(self._plays)

    @property
    def timeline(self) -> Timeline:
        """The :class:`~dpviz.widgets.timeline.Timeline` of the mode shown now.

        >>> import dpviz as dp
        >>> s = Stepper(dp.trace(lambda a, b: a * b, 2.0, -3.0), mode="both")
        >>> s.timeline.n_steps, Stepper(dp.trace(lambda a, b: a * b, 2.0, -3.0), mode="forward").timeline.n_steps
        (4, 1)
        """
        return self._timelines[self.mode]

    @property
    def playback(self) -> Playback:
        """The :class:`~dpviz.widgets.frames.Playback` of the mode shown now.

        >>> import dpviz as dp
        >>> s = Stepper(dp.trace(lambda a, b: a * b, 2.0, -3.0), mode="backward")
        >>> s.playback.unit_look("n2", 1), s.playback.edge_look("e-n0-n2-0", 2)
        ('current-backward', 'feeding-back')
        """
        return self._plays[self.mode]

    @traitlets.validate("mode")
    def _valid_mode(self, proposal: Any) -> str:
        m = proposal["value"]
        if m not in self._timelines:
            have = ", ".join(repr(k) for k in self._timelines)
            raise StepperError(f"this Stepper has modes {have}; got {m!r}")
        return m

    @traitlets.observe("mode")
    def _mode_changed(self, change: Any) -> None:
        n = self._timelines[change["new"]].n_steps
        if self.step > n:
            self.step = n

    @traitlets.validate("step")
    def _valid_step(self, proposal: Any) -> int:
        k = proposal["value"]
        n = self._timelines[self.mode].n_steps
        if not 0 <= k <= n:
            raise StepperError(f"step {k} is outside 0..{n}")
        return k

    # -- the Python API ---------------------------------------------------------------------------
    @property
    def n_steps(self) -> int:
        """How many steps (events) the timeline has.

        >>> import dpviz as dp
        >>> s = dp.Stepper(dp.trace(lambda a, b: a * b, 2.0, -3.0), mode="both")
        >>> s.n_steps          # one forward step, the seed, two adjoint contributions
        4
        """
        return self.timeline.n_steps

    def goto(self, k: int) -> "Stepper":
        """Jump to step ``k`` (0..n_steps); negative ``k`` counts from the end, as in Python.

        >>> import dpviz as dp
        >>> s = dp.Stepper(dp.trace(lambda a, b: a * b, 2.0, -3.0), mode="both")
        >>> s.goto(-1).step, s.goto(2).counter
        (4, 'step 2 of 4: node 2, mul (seed)')
        """
        if isinstance(k, bool) or not isinstance(k, int):
            raise StepperError(f"goto takes a step number (int); got {type(k).__name__}")
        n = self.n_steps
        if k < 0:
            k += n + 1
        if not 0 <= k <= n:
            raise StepperError(f"step {k} is outside 0..{n}")
        self.step = k
        return self

    def next(self) -> "Stepper":
        """One step forward (stays at the last step).

        >>> import dpviz as dp
        >>> s = dp.Stepper(dp.trace(lambda a, b: a * b, 2.0, -3.0), mode="both")
        >>> s.last().next().step
        4
        """
        return self.goto(min(self.step + 1, self.n_steps))

    def prev(self) -> "Stepper":
        """One step back (stays at step 0).

        >>> import dpviz as dp
        >>> s = dp.Stepper(dp.trace(lambda a, b: a * b, 2.0, -3.0), mode="both")
        >>> s.prev().step, s.goto(3).prev().step
        (0, 2)
        """
        return self.goto(max(self.step - 1, 0))

    def first(self) -> "Stepper":
        """Back to step 0.

        >>> import dpviz as dp
        >>> s = dp.Stepper(dp.trace(lambda a, b: a * b, 2.0, -3.0), mode="both")
        >>> s.last().first().counter
        'step 0 of 4: start'
        """
        return self.goto(0)

    def last(self) -> "Stepper":
        """To the last step.

        >>> import dpviz as dp
        >>> s = dp.Stepper(dp.trace(lambda a, b: a * b, 2.0, -3.0), mode="both")
        >>> float(s.last().adjoint(0))
        -3.0
        """
        return self.goto(self.n_steps)

    @property
    def current(self):
        """The :class:`~dpviz.widgets.timeline.Event` of the current step (``None`` at step 0).

        >>> import dpviz as dp
        >>> s = dp.Stepper(dp.trace(lambda a, b: a * b, 2.0, -3.0), mode="both")
        >>> s.current is None, s.goto(3).current.phase
        (True, 'backward')
        """
        return self.timeline.events[self.step - 1] if self.step else None

    @property
    def svg(self) -> str:
        """The SVG of the current step.

        >>> import dpviz as dp
        >>> s = dp.Stepper(dp.trace(lambda a, b: a * b, 2.0, -3.0), mode="both")
        >>> s.svg.lstrip().startswith("<svg")
        True
        """
        return self.playback.svg(self._template, self.step)

    @property
    def panel(self) -> str:
        """The side panel's text for the current step.

        >>> import dpviz as dp
        >>> s = dp.Stepper(dp.trace(lambda a, b: a * b, 2.0, -3.0), mode="both")
        >>> print(s.goto(1).panel.splitlines()[2])
          v2 = mul(v0, v1)
        """
        return panel_text(self.timeline, self.step)

    @property
    def counter(self) -> str:
        """The step counter, e.g. ``"step 7 of 23: node 9, tanh"``.

        >>> import dpviz as dp
        >>> s = dp.Stepper(dp.trace(lambda a, b: a * b, 2.0, -3.0), mode="both")
        >>> s.goto(4).counter
        'step 4 of 4: node 2, mul → node 1, b (adjoint)'
        """
        return counter_text(self.timeline, self.step)

    def value(self, i: int) -> Any:
        """Node ``i``'s value as known at this step (``None`` before the forward pass computed it).

        >>> import dpviz as dp
        >>> s = dp.Stepper(dp.trace(lambda a, b: a * b, 2.0, -3.0), mode="both")
        >>> s.value(2) is None, float(s.goto(1).value(2))
        (True, -6.0)
        """
        tr = self.timeline.tracks[self._check(i)]
        return tr.value if tr.value_at <= self.step else None

    def adjoint(self, i: int) -> Any:
        """Node ``i``'s adjoint (running sum) at this step, ``None`` before any reached it.

        >>> import dpviz as dp
        >>> s = dp.Stepper(dp.trace(lambda a, b: a * b, 2.0, -3.0), mode="both")
        >>> s.goto(2).adjoint(0) is None, float(s.goto(3).adjoint(0))
        (True, -3.0)
        """
        return self.timeline.adjoint(self._check(i), self.step)

    def tangent(self, i: int) -> Any:
        """Node ``i``'s tangent at this step, ``None`` before it is computed.

        >>> import dpviz as dp
        >>> s = dp.Stepper(dp.trace(lambda x: x * x, 3.0), mode="jvp")
        >>> float(s.tangent(0)), s.tangent(1), float(s.last().tangent(1))
        (1.0, None, 6.0)
        """
        entry = self.timeline.tangent_entry(self._check(i), self.step)
        return None if entry is None else entry[1]

    def _check(self, i: int) -> int:
        if isinstance(i, bool) or not isinstance(i, int) or not 0 <= i < self.timeline.diagram.n:
            raise StepperError(f"node index must be an int in 0..{self.timeline.diagram.n - 1}; got {i!r}")
        return i

    def render_svg(self, k: int) -> str:
        """The SVG at step ``k`` (what ``svg`` shows after ``goto(k)``), without moving the stepper.

        >>> import dpviz as dp
        >>> s = Stepper(dp.trace(lambda a, b: a * b, 2.0, -3.0), mode="both")
        >>> s.render_svg(3) == s.goto(3).svg
        True
        """
        return self.playback.svg(self._template, k)

    # -- outside the live widget --------------------------------------------------------------------------------
    def static_html(self) -> str:
        """The picture of the current step as HTML, with a line saying it is a static picture.

        >>> import dpviz as dp
        >>> "Static picture of step 0" in Stepper(dp.trace(lambda x: x.exp(), 0.0)).static_html()
        True
        """
        note = html.escape(STATIC_NOTE.format(step=self.step, mode=self.mode))
        return (f'<div class="dpv-static">{self.svg}<div class="dpv-static-note" '
                f'style="font-size:12px;color:#555">{note}</div></div>')

    def to_html(self, *, assets: bool = True) -> str:
        """The viewer as a standalone HTML fragment: our script, our CSS and the frames embedded.

        It steps, pans and zooms in any page with no kernel and no widget manager, starting at
        the current step and mode. Opening a scope needs the kernel, so there it says so.
        ``assets=False`` leaves the script and the CSS out, for a page that loads them once
        (the course site, :mod:`dpviz.site`).

        >>> import dpviz as dp
        >>> page = Stepper(dp.trace(lambda x: x.exp(), 0.0)).to_html()
        >>> page.startswith('<div class="dpv-standalone"')
        True
        >>> len(Stepper(dp.trace(lambda x: x.exp(), 0.0)).to_html(assets=False)) < len(page)
        True
        """
        return standalone_html(self.scene, step=self.step, mode=self.mode, static_svg=self.svg, assets=assets)

    def save_html(self, path: str | os.PathLike[str], *, title: str = "dpviz Stepper") -> Path:
        """Write a whole page holding :meth:`to_html` to ``path`` (written to a temporary file first,
        so a failure never leaves half a page); return the path.

        >>> import dpviz as dp, tempfile, pathlib
        >>> out = pathlib.Path(tempfile.mkdtemp()) / "step.html"
        >>> Stepper(dp.trace(lambda x: x.exp(), 0.0)).save_html(out).read_text().count('class="dpv-standalone"')
        1
        """
        target = Path(path)
        if target.suffix.lower() not in (".html", ".htm"):
            raise StepperError(f"save_html writes an HTML page; give a path ending in .html, not {str(path)!r}")
        if not target.parent.is_dir():
            raise StepperError(f"cannot write {str(path)!r}: the folder {str(target.parent)!r} does not exist")
        page = ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                f"<title>{html.escape(title)}</title></head>\n<body>\n{self.to_html()}</body></html>\n")
        write_atomic(target, page)
        return target

    def open(self) -> None:
        """Open the widget's channel to the front end, except in VS Code (see :meth:`_repr_mimebundle_`),
        which would try to fetch anywidget's front end from a CDN for it and fail offline.

        >>> import dpviz as dp
        >>> Stepper(dp.trace(lambda x: x.exp(), 0.0)).comm is not None     # not in VS Code here
        True
        """
        if not in_vscode():
            super().open()

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        if in_vscode():
            # VS Code loads anywidget's front end only from a CDN; its own ipywidgets bundle can
            # draw the classic controls, which step through the kernel instead
            from dpviz.widgets.classic import ClassicView
            return ClassicView(self)._repr_mimebundle_(**kwargs)
        bundle = super()._repr_mimebundle_(**kwargs)
        data = bundle[0] if isinstance(bundle, tuple) else bundle
        if isinstance(data, dict):
            # nbviewer, GitHub and a notebook reopened without its widget state show this instead;
            # the course site (dpviz site) shows the standalone viewer, which steps with no kernel
            data["text/html"] = self.to_html(assets=False) if site_mode() else self.static_html()
        return bundle

    def __repr__(self) -> str:
        return f"<dpviz Stepper mode={self.mode!r} step {self.step} of {self.n_steps}>"
