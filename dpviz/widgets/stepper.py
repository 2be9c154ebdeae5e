"""``Stepper``: play a program's forward pass, backward pass or tangents node by node.

The layout is computed once (one Graphviz run per stepper); every step only restyles
that SVG (:mod:`dpviz.widgets.svgstyle`), so stepping is fast enough to play.
"""
from __future__ import annotations

import html
from typing import Any, Mapping, Sequence

import ipywidgets as W

from dpviz.pictures.collapse import DEFAULT_THRESHOLD, CollapsePlan, plan_collapse
from dpviz.pictures.dot import RANKDIRS, DrawOptions, dot_lines
from dpviz.pictures.drawing import DISPLAY_LIMIT
from dpviz.pictures.renderer import render
from dpviz.pictures.ids import (GRAD_NOT_NEEDED_LINE, GRAD_PREFIX, NODE, TANGENT_PREFIX, VALUE, VALUE_PREFIX,
                                parse_id, unit_ids)
from dpviz.widgets.panel import counter_text, panel_text
from dpviz.pictures.legend import legend_html
from dpviz.widgets.svgstyle import EDGE_LOOKS, FAINT, INK, LOOKS, Look, SvgTemplate
from dpviz.widgets.timeline import NEVER, MODES, StepperError, Timeline, build_timeline

_PHASE_LOOK = {"forward": "current-forward", "seed": "current-backward", "backward": "current-backward",
               "jvp": "current-jvp"}

#: The Stepper's legend entries (palette roles), before the ones its mode leaves out.
_LEGEND_NODES = ("pending", "known", "adjoint", "tangent", "current", "read")
_LEGEND_EDGES = ("done", "adjoint", "tangent", "read")

#: The graph pane is about this wide beside the side panel; the layout direction is chosen to fit it.
GRAPH_PANE_PX = 640


class Stepper(W.VBox):
    """Step through a program's forward pass, backward pass or forward-mode tangents, node by node.

    ``Stepper(obj, mode="forward")`` takes a ``dp.Program`` (``dp.trace(f, *args)``), a
    dpviz tensor (its recorded history) or a PyTorch tensor (its autograd graph; only
    ``mode="backward"``, which shows the *order* of the backward pass: PyTorch keeps no
    intermediate gradients). ``mode`` is ``"forward"`` (values, Definition 1: node i
    computes v_i = f_i(v_j for j in α_i)), ``"backward"`` (adjoints, one step per edge a
    contribution flows along), ``"jvp"`` (tangents; ``tangents=`` as for
    ``Program.jvp_steps``, default 1 on the first input) or ``"both"`` (forward, then
    backward, on one timeline). ``seed=`` is the output adjoint (default 1).

    Display it (last line of a cell) for buttons *first / prev / next / last*, a play
    button with a speed slider, a step slider (arrow keys move it once it has focus), a
    counter such as "step 7 of 23: node 9, tanh", the graph and a side panel explaining the
    step in words and numbers. Colours are the course palette's (:mod:`dpviz.pictures.palette`,
    listed in the legend under the graph): grey dashed = not computed yet, green = value
    known, orange = adjoint known, purple = tangent known, thick black border = the current
    node, dashed blue = the nodes and arrows this step reads. Numbers appear on a node only
    once computed.

    Or drive it from Python: ``next()``, ``prev()``, ``goto(k)``, ``first()``, ``last()``;
    read ``step`` (0 = before the first event, up to ``n_steps``), ``svg``, ``panel``,
    ``counter``, ``current`` (the event of this step) and ``value(i)`` / ``adjoint(i)`` /
    ``tangent(i)`` (what node ``i`` shows now; ``None`` before it is computed).
    Jumping to a step gives exactly the picture that stepping there gives.

    Large programs are drawn collapsed like ``dp.draw`` (``collapse=``, ``threshold=``); a
    collapsed scope is current while any of its nodes is. The one layout is made by
    ``dp.render`` (``renderer=``, ``timeout=`` in seconds, 30 by default; more than 300 boxes
    are refused at once rather than blocking the kernel; system Graphviz is much faster
    than the pure-Python fallback on graphs of hundreds of nodes).

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
        tl = build_timeline(obj, mode, seed=seed, tangents=tangents, params=params)
        self.timeline: Timeline = tl
        self.mode = tl.mode
        plan = plan_collapse(tl.diagram, collapse, threshold=threshold)
        if plan.visible_count > DISPLAY_LIMIT:
            # laying out thousands of boxes would block the kernel for minutes and then fail
            raise StepperError(
                f"this Stepper would draw {plan.visible_count:,} boxes ({tl.diagram.n:,} program nodes), more "
                f"than the {DISPLAY_LIMIT:,} a layout can show in reasonable time. Let it collapse scopes "
                "(collapse=None, the default, or collapse=True, with a smaller threshold=), or step a "
                "smaller program.")
        self._plan: CollapsePlan = plan
        self._setup_units(plan)
        self._template = self._layout(plan, rankdir, renderer, timeout)
        self._step = 0
        self._build_widgets(speed)
        super().__init__([self._controls, self._counter_w, self._body, self._legend_w])
        self.add_class("dpviz-stepper")
        self._show()

    # -- layout (once) ----------------------------------------------------------------------------
    def _layout(self, plan: CollapsePlan, rankdir: str, renderer: str | None, timeout: float) -> SvgTemplate:
        tl = self.timeline
        opts = DrawOptions(index=True, rankdir=rankdir, legend=False, frame_px=GRAPH_PANE_PX,
                           grad=tl.shows_grads or tl.mode == "jvp")
        lines = dot_lines(tl.layout_diagram(), opts, plan)
        source = "digraph dpviz {\n" + "\n".join(lines) + "\n}\n"
        self.dot_source = source
        svg = render(source, format="svg", renderer=renderer, timeout=timeout)
        return SvgTemplate(svg)   # type: ignore[arg-type]

    def _setup_units(self, plan: CollapsePlan) -> None:
        """Per drawn box and arrow: the step at which it reaches each state (so a step is O(boxes))."""
        tl = self.timeline
        self._unit_of = unit_ids(plan.unit)
        known: dict[str, int] = {}
        grad: dict[str, int] = {}
        tan: dict[str, int] = {}
        members: dict[str, list[int]] = {}
        for i, u in enumerate(self._unit_of):
            tr = tl.tracks[i]
            members.setdefault(u, []).append(i)
            va = tr.value_at if tr.value_at < NEVER else 0
            known[u] = max(known.get(u, 0), va)
            # A box is "adjoint known" when every member that will ever get one has it.
            if tr.grads:
                grad[u] = max(grad.get(u, 0), tr.first_grad_at)
            if tr.tangents:
                tan[u] = max(tan.get(u, 0), tr.first_tangent_at)
        self._members = members
        self._known_at, self._grad_at, self._tan_at = known, grad, tan
        # Arrows: when a value, an adjoint or a tangent has flowed along them.
        flows: dict[tuple[str, str], list[int]] = {}
        for e in tl.diagram.edges:
            if e.style != "data":
                continue
            key = (self._unit_of[e.src], self._unit_of[e.dst])
            if key[0] == key[1]:
                continue
            fw = tl.tracks[e.dst].value_at if tl.tracks[e.dst].value_at < NEVER else 0
            f = flows.setdefault(key, [0, 0, 0])
            f[0] = max(f[0], fw)
        for step, ev in enumerate(tl.events, start=1):
            for src, dst in ev.feeding_edges:
                key = (self._unit_of[src], self._unit_of[dst])
                if key in flows and ev.phase in ("backward", "jvp"):   # forward flows are fw above
                    slot = 1 if ev.phase == "backward" else 2
                    flows[key][slot] = max(flows[key][slot], step)
        self._flows = flows

    # -- widgets ----------------------------------------------------------------------------------
    def _build_widgets(self, speed: float) -> None:
        n = self.timeline.n_steps
        lay = W.Layout(width="auto")
        self.first_button = W.Button(description="first", icon="fast-backward", tooltip="back to step 0", layout=lay)
        self.prev_button = W.Button(description="prev", icon="step-backward", tooltip="previous step", layout=lay)
        self.next_button = W.Button(description="next", icon="step-forward", tooltip="next step", layout=lay)
        self.last_button = W.Button(description="last", icon="fast-forward", tooltip="last step", layout=lay)
        for b in (self.first_button, self.prev_button, self.next_button, self.last_button):
            b.add_class("dpviz-stepper-button")
        self.first_button.on_click(lambda _: self.first())
        self.prev_button.on_click(lambda _: self.prev())
        self.next_button.on_click(lambda _: self.next())
        self.last_button.on_click(lambda _: self.last())
        self.play = W.Play(value=0, min=0, max=n, step=1, interval=int(1000 / speed), description="play",
                           tooltip="play the steps", show_repeat=False)
        self.slider = W.IntSlider(value=0, min=0, max=n, step=1, description="step", continuous_update=True,
                                  layout=W.Layout(width="320px"))
        # Play ticks move the slider in the browser itself; the slider is what the kernel listens to.
        self._link = W.jslink((self.play, "value"), (self.slider, "value"))
        self.speed = W.FloatSlider(value=speed, min=0.25, max=20.0, step=0.25, description="steps/s",
                                   layout=W.Layout(width="260px"), readout_format=".2f")
        self.speed.observe(self._on_speed, names="value")
        self.slider.observe(self._on_slider, names="value")
        self._controls = W.HBox([self.first_button, self.prev_button, self.next_button, self.last_button,
                                 self.play, self.slider, self.speed],
                                layout=W.Layout(flex_flow="row wrap", align_items="center"))
        self._counter_w = W.HTML()
        self._counter_w.add_class("dpviz-stepper-counter")
        self._graph = W.HTML(layout=W.Layout(overflow="auto", flex="3 1 420px", max_height="640px",
                                             border="1px solid #e0e0e0"))
        self._graph.add_class("dpviz-stepper-graph")
        self._panel_w = W.HTML(layout=W.Layout(flex="2 1 320px", padding="0 0 0 10px"))
        self._panel_w.add_class("dpviz-stepper-panel")
        self._body = W.HBox([self._graph, self._panel_w], layout=W.Layout(flex_flow="row wrap", width="100%"))
        skip = self._legend_skip()
        self._legend_w = W.HTML(legend_html([k for k in _LEGEND_NODES if k not in skip],
                                            [k for k in _LEGEND_EDGES if k not in skip]))

    def _legend_skip(self) -> set[str]:
        skip = set()
        if self.mode != "jvp":
            skip.add("tangent")
        if not self.timeline.shows_grads:
            skip.add("adjoint")
        if self.mode in ("backward", "jvp"):
            skip.add("pending")
        return skip

    def _on_speed(self, change: Mapping[str, Any]) -> None:
        self.play.interval = max(20, int(1000 / float(change["new"])))

    def _on_slider(self, change: Mapping[str, Any]) -> None:
        if change["new"] != self._step:
            self._step = int(change["new"])
            self._show()

    # -- the Python API ---------------------------------------------------------------------------
    @property
    def step(self) -> int:
        """The current step: 0 before the first event, ``n_steps`` after the last.

        >>> import dpviz as dp
        >>> s = dp.Stepper(dp.trace(lambda a, b: a * b, 2.0, -3.0), mode="both")
        >>> s.step, s.next().step
        (0, 1)
        """
        return self._step

    @step.setter
    def step(self, k: int) -> None:
        self.goto(k)

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
        self._step = k
        self._show()
        return self

    def next(self) -> "Stepper":
        """One step forward (stays at the last step).

        >>> import dpviz as dp
        >>> s = dp.Stepper(dp.trace(lambda a, b: a * b, 2.0, -3.0), mode="both")
        >>> s.last().next().step
        4
        """
        return self.goto(min(self._step + 1, self.n_steps))

    def prev(self) -> "Stepper":
        """One step back (stays at step 0).

        >>> import dpviz as dp
        >>> s = dp.Stepper(dp.trace(lambda a, b: a * b, 2.0, -3.0), mode="both")
        >>> s.prev().step, s.goto(3).prev().step
        (0, 2)
        """
        return self.goto(max(self._step - 1, 0))

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
        return self.timeline.events[self._step - 1] if self._step else None

    @property
    def svg(self) -> str:
        """The SVG of the current step.

        >>> import dpviz as dp
        >>> s = dp.Stepper(dp.trace(lambda a, b: a * b, 2.0, -3.0), mode="both")
        >>> s.svg.lstrip().startswith("<svg")
        True
        """
        return self._svg

    @property
    def panel(self) -> str:
        """The side panel's text for the current step.

        >>> import dpviz as dp
        >>> s = dp.Stepper(dp.trace(lambda a, b: a * b, 2.0, -3.0), mode="both")
        >>> print(s.goto(1).panel.splitlines()[2])
          v2 = mul(v0, v1)
        """
        return panel_text(self.timeline, self._step)

    @property
    def counter(self) -> str:
        """The step counter, e.g. ``"step 7 of 23: node 9, tanh"``.

        >>> import dpviz as dp
        >>> s = dp.Stepper(dp.trace(lambda a, b: a * b, 2.0, -3.0), mode="both")
        >>> s.goto(4).counter
        'step 4 of 4: node 2, mul → node 1, b (adjoint)'
        """
        return counter_text(self.timeline, self._step)

    def value(self, i: int) -> Any:
        """Node ``i``'s value as known at this step (``None`` before the forward pass computed it).

        >>> import dpviz as dp
        >>> s = dp.Stepper(dp.trace(lambda a, b: a * b, 2.0, -3.0), mode="both")
        >>> s.value(2) is None, float(s.goto(1).value(2))
        (True, -6.0)
        """
        tr = self.timeline.tracks[self._check(i)]
        return tr.value if tr.value_at <= self._step else None

    def adjoint(self, i: int) -> Any:
        """Node ``i``'s adjoint (running sum) at this step, ``None`` before any reached it.

        >>> import dpviz as dp
        >>> s = dp.Stepper(dp.trace(lambda a, b: a * b, 2.0, -3.0), mode="both")
        >>> s.goto(2).adjoint(0) is None, float(s.goto(3).adjoint(0))
        (True, -3.0)
        """
        return self.timeline.adjoint(self._check(i), self._step)

    def tangent(self, i: int) -> Any:
        """Node ``i``'s tangent at this step, ``None`` before it is computed.

        >>> import dpviz as dp
        >>> s = dp.Stepper(dp.trace(lambda x: x * x, 3.0), mode="jvp")
        >>> float(s.tangent(0)), s.tangent(1), float(s.last().tangent(1))
        (1.0, None, 6.0)
        """
        entry = self.timeline.tangent_entry(self._check(i), self._step)
        return None if entry is None else entry[1]

    def _check(self, i: int) -> int:
        if isinstance(i, bool) or not isinstance(i, int) or not 0 <= i < self.timeline.diagram.n:
            raise StepperError(f"node index must be an int in 0..{self.timeline.diagram.n - 1}; got {i!r}")
        return i

    # -- one step: restyle --------------------------------------------------------------------------
    def _unit_state(self, u: str, k: int, backward_now: bool) -> str:
        if self.mode == "jvp" and self._tan_at.get(u, NEVER) <= k:
            return "tangent"
        if backward_now and self._grad_at.get(u, NEVER) <= k:
            return "adjoint"
        return "known" if self._known_at.get(u, 0) <= k else "pending"

    def render_svg(self, k: int) -> str:
        """The SVG at step ``k`` (what ``svg`` shows after ``goto(k)``), without moving the stepper.

        >>> import dpviz as dp
        >>> s = dp.Stepper(dp.trace(lambda a, b: a * b, 2.0, -3.0), mode="both")
        >>> s.render_svg(3) == s.goto(3).svg
        True
        """
        tl = self.timeline
        event = tl.events[k - 1] if k else None
        seed = tl.seed_step
        backward_now = seed is not None and k >= seed
        uof = self._unit_of
        current = uof[event.node] if event else None
        feeding = {uof[j] for j in event.feeding_nodes} if event else set()
        looks: dict[str, Look] = {}
        for u in self._template.units:
            if u not in self._known_at:
                continue
            if u == current:
                looks[u] = LOOKS[_PHASE_LOOK[event.phase]]     # type: ignore[union-attr]
            else:
                state = self._unit_state(u, k, backward_now)
                looks[u] = LOOKS[f"feeding-{state}"] if u in feeding else LOOKS[state]
        feeding_edges = {(uof[a], uof[b]) for a, b in event.feeding_edges} if event else set()
        edge_looks: dict[tuple[str, str], Look] = {}
        for key, (fw, bw, tg) in self._flows.items():
            if key in feeding_edges:
                edge_looks[key] = EDGE_LOOKS["feeding"]
            elif bw and bw <= k:
                edge_looks[key] = EDGE_LOOKS["adjoint"]
            elif tg and tg <= k:
                edge_looks[key] = EDGE_LOOKS["tangent"]
            elif fw <= k:
                edge_looks[key] = EDGE_LOOKS["done"]
            else:
                edge_looks[key] = EDGE_LOOKS["pending"]
        return self._template.fill(looks, edge_looks, self._texts(k, backward_now))

    def _texts(self, k: int, backward_now: bool) -> dict[tuple[str, str], tuple[str, str]]:
        tl = self.timeline
        out: dict[tuple[str, str], tuple[str, str]] = {}
        for (u, line) in self._template.text_slots:
            unit = parse_id(u)
            if unit is None or unit[0] != NODE:
                continue                           # only a node drawn as its own box has numbers
            i = unit[1]
            tr = tl.tracks[i]
            if line == VALUE:
                known = tr.value_at <= k
                out[(u, line)] = (VALUE_PREFIX + tr.value_text, INK) if known else (VALUE_PREFIX + "?", FAINT)
            elif self.mode == "jvp":
                entry = tl.tangent_entry(i, k)
                if entry is not None:
                    out[(u, line)] = (TANGENT_PREFIX + entry[2], INK)
                else:
                    out[(u, line)] = (TANGENT_PREFIX + ("?" if tr.tangents else "0"), FAINT)
            elif not backward_now:
                out[(u, line)] = ("", FAINT)       # the backward pass has not started: no grad line yet
            else:
                entry = tl.adjoint_entry(i, k)
                if entry is not None:
                    out[(u, line)] = (GRAD_PREFIX + entry[2], INK)
                else:
                    out[(u, line)] = (GRAD_PREFIX + "?", FAINT) if tr.grads else (GRAD_NOT_NEEDED_LINE, FAINT)
        return out

    def _show(self) -> None:
        k = self._step
        self._svg = self.render_svg(k)
        self._graph.value = self._svg
        self._counter_w.value = f"<b>{html.escape(self.counter)}</b>"
        self._panel_w.value = ('<div style="font-family: ui-monospace, Menlo, Consolas, monospace; '
                               'font-size: 12px; white-space: pre-wrap; line-height: 1.45">'
                               f"{html.escape(self.panel)}</div>")
        if self.slider.value != k:
            self.slider.value = k
        self.prev_button.disabled = self.first_button.disabled = k == 0
        self.next_button.disabled = self.last_button.disabled = k == self.n_steps

    def __repr__(self) -> str:
        return f"<dpviz Stepper mode={self.mode!r} step {self._step} of {self.n_steps}>"
