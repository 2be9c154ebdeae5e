"""What every box, arrow and changing label line of a laid-out program looks like at each step.

A :class:`Playback` takes one mode's :class:`~dpviz.widgets.timeline.Timeline` and the
boxes and arrows of one layout (:class:`~dpviz.widgets.svgstyle.SvgTemplate`) and answers,
for any step ``k``, the look of each box (a key of :data:`~dpviz.widgets.svgstyle.LOOKS`),
of each arrow (a key of :data:`~dpviz.widgets.svgstyle.EDGE_LOOKS`) and the text of each
value / grad line. That is a pure function of ``k``; it serves twice:

- :meth:`Playback.svg` fills the template: the static picture of a step (what the kernel
  shows where no widget front end runs, and what ``Stepper.svg`` returns);
- :meth:`Playback.frames` writes the whole timeline once as *frames* for the browser viewer:
  the state at step 0 and, per step, only what changes. The viewer steps by applying them,
  with no round trip to the kernel (``dpviz/widgets/static/viewer.js``).

Arrows are told apart by their SVG ids (:func:`~dpviz.pictures.ids.edge_id`), so of the two
arrows ``x → mul`` of ``x * x`` a backward step lights the one its adjoint flows along.

>>> import dpviz as dp
>>> from dpviz.widgets.timeline import build_timeline
>>> from dpviz.widgets.stepper import Stepper
>>> s = Stepper(dp.trace(lambda x: x * x, 3.0), mode="backward")
>>> play = s.playback
>>> [play.edge_look("e-n0-n1-0", k) for k in range(4)]       # step 1 seeds the output
['done', 'done', 'feeding-back', 'adjoint']
>>> [play.edge_look("e-n0-n1-1", k) for k in range(4)]
['done', 'done', 'done', 'feeding-back']
>>> f = play.frames()
>>> f["n"], f["diffs"][2]["e"]
(3, {'e-n0-n1-0': 'adjoint', 'e-n0-n1-1': 'feeding-back'})
"""
from __future__ import annotations

import math
from typing import Any, Mapping, Sequence

import numpy as np

from dpviz.pictures.ids import (GRAD, GRAD_NOT_NEEDED_LINE, GRAD_PREFIX, NODE, TANGENT_PREFIX, VALUE, VALUE_PREFIX,
                                edge_id, parse_id)
from dpviz.primitives import PRIMITIVES
from dpviz.widgets.panel import counter_text, name, panel_text
from dpviz.widgets.svgstyle import EDGE_LOOKS, FAINT, INK, LOOKS, SvgTemplate
from dpviz.widgets.timeline import NEVER, Event, Timeline

_PHASE_LOOK = {"forward": "current-forward", "seed": "current-backward", "backward": "current-backward",
               "jvp": "current-jvp"}

#: Arrays up to this many elements travel to the viewer in full (its node details show them).
FULL_ARRAY = 400


def drawn_edge(unit_of: Sequence[str], plain: Sequence[bool], src: int, dst: int,
               position: int | None) -> str | None:
    """The SVG id of the arrow that draws the program edge ``src → dst`` (``None`` inside a group).

    >>> drawn_edge(["n0", "n1", "g0"], [True, True, False], 0, 1, 0), drawn_edge(["n0", "g0", "g0"], [True, False, False], 1, 2, 0)
    ('e-n0-n1-0', None)
    """
    su, du = unit_of[src], unit_of[dst]
    if su == du:
        return None
    if plain[src] and plain[dst]:
        return edge_id(su, du, position)
    return edge_id(su, du)


class Playback:
    """One mode's steps on one layout (the boxes and arrows a collapse plan draws); see the module docstring.

    ``unit_of[i]`` is the box node ``i`` is drawn in (kept as ``unit_of``), ``plain[i]`` whether
    that box is the node itself (not a collapsed group).
    """

    def __init__(self, timeline: Timeline, unit_of: Sequence[str], plain: Sequence[bool]):
        self.timeline = tl = timeline
        self.mode = tl.mode
        self.unit_of = list(unit_of)
        known: dict[str, int] = {}
        grad: dict[str, int] = {}
        tan: dict[str, int] = {}
        for i, u in enumerate(self.unit_of):
            tr = tl.tracks[i]
            known[u] = max(known.get(u, 0), tr.value_at if tr.value_at < NEVER else 0)
            # a box is "adjoint known" once every member that will ever get one has it
            if tr.grads:
                grad[u] = max(grad.get(u, 0), tr.first_grad_at)
            if tr.tangents:
                tan[u] = max(tan.get(u, 0), tr.first_tangent_at)
        self._known_at, self._grad_at, self._tan_at = known, grad, tan
        self.units = list(known)

        # Which drawn arrow each program edge is, and when a value / adjoint / tangent used it.
        by_position: dict[tuple[int, int, int | None], str] = {}
        by_pair: dict[tuple[int, int], list[str]] = {}
        flows: dict[str, list[int]] = {}
        for e in tl.diagram.edges:
            if e.style != "data":
                continue
            eid = drawn_edge(self.unit_of, plain, e.src, e.dst, e.position)
            if eid is None:
                continue
            by_position[(e.src, e.dst, e.position)] = eid
            by_pair.setdefault((e.src, e.dst), []).append(eid)
            fw = tl.tracks[e.dst].value_at if tl.tracks[e.dst].value_at < NEVER else 0
            f = flows.setdefault(eid, [0, 0, 0])
            f[0] = max(f[0], fw)
        self._current: list[str | None] = [None]
        self._feeding: list[frozenset[str]] = [frozenset()]
        self._feeding_edges: list[frozenset[str]] = [frozenset()]
        changes: list[set[str]] = [set() for _ in range(tl.n_steps + 1)]
        edge_changes: list[set[str]] = [set() for _ in range(tl.n_steps + 1)]
        for step, ev in enumerate(tl.events, start=1):
            eids = self._event_edges(ev, by_position, by_pair)
            if ev.phase in ("backward", "jvp"):   # forward flows are the fw above
                slot = 1 if ev.phase == "backward" else 2
                for eid in eids:
                    flows[eid][slot] = max(flows[eid][slot], step)
            self._current.append(self.unit_of[ev.node])
            self._feeding.append(frozenset(self.unit_of[j] for j in ev.feeding_nodes))
            self._feeding_edges.append(frozenset(eids))
        for table in (known, grad, tan):
            for u, k in table.items():
                if 0 < k <= tl.n_steps:
                    changes[k].add(u)
        for eid, steps in flows.items():
            for k in steps:
                if 0 < k <= tl.n_steps:
                    edge_changes[k].add(eid)
        self._flows = flows
        self._changes, self._edge_changes = changes, edge_changes
        self.edges = list(flows)
        # the value and grad line of every node drawn as its own box (a layout may lack some:
        # those are never shown, and the viewer skips them)
        self.texts = sorted((u, line) for i, u in enumerate(self.unit_of) if plain[i] for line in (VALUE, GRAD))

    def _event_edges(self, ev: Event, by_position: Mapping, by_pair: Mapping) -> list[str]:
        if ev.phase == "backward" and ev.source is not None:
            position = getattr(ev.raw, "position", None) if ev.raw is not None else ev.position
            one = by_position.get((ev.node, ev.source, position))
            if one is not None:
                return [one]        # fan-out: the one arrow of this argument, not its twins
        found: list[str] = []
        for a, b in ev.feeding_edges:
            found += by_pair.get((a, b), [])
        return found

    @property
    def n_steps(self) -> int:
        """The number of steps of this mode."""
        return self.timeline.n_steps

    def backward_now(self, k: int) -> bool:
        """Whether the backward pass has begun by step ``k`` (grad lines show from then on)."""
        seed = self.timeline.seed_step
        return seed is not None and k >= seed

    # -- the state at step k -------------------------------------------------------------------------
    def unit_look(self, u: str, k: int) -> str:
        """The look (a key of ``LOOKS``) of box ``u`` at step ``k``."""
        if u == self._current[k]:
            return _PHASE_LOOK[self.timeline.events[k - 1].phase]
        if self.mode == "jvp" and self._tan_at.get(u, NEVER) <= k:
            state = "tangent"
        elif self.backward_now(k) and self._grad_at.get(u, NEVER) <= k:
            state = "adjoint"
        else:
            state = "known" if self._known_at.get(u, 0) <= k else "pending"
        return f"feeding-{state}" if u in self._feeding[k] else state

    def edge_look(self, eid: str, k: int) -> str:
        """The look (a key of ``EDGE_LOOKS``) of arrow ``eid`` at step ``k``."""
        fw, bw, tg = self._flows[eid]
        if eid in self._feeding_edges[k]:
            phase = self.timeline.events[k - 1].phase
            return "feeding-back" if phase == "backward" else "feeding"
        if bw and bw <= k:
            return "adjoint"
        if tg and tg <= k:
            return "tangent"
        return "done" if fw <= k else "pending"

    def text(self, slot: tuple[str, str], k: int) -> tuple[str, str]:
        """``(text, colour)`` of a label line (``(unit, "value" | "grad")``) at step ``k``; ``""`` hides it."""
        tl = self.timeline
        i = parse_id(slot[0])[1]      # type: ignore[index]
        tr = tl.tracks[i]
        if slot[1] == VALUE:
            return (VALUE_PREFIX + tr.value_text, INK) if tr.value_at <= k else (VALUE_PREFIX + "?", FAINT)
        if self.mode == "jvp":
            entry = tl.tangent_entry(i, k)
            if entry is not None:
                return (TANGENT_PREFIX + entry[2], INK)
            return (TANGENT_PREFIX + ("?" if tr.tangents else "0"), FAINT)
        if not self.backward_now(k):
            return ("", FAINT)         # the backward pass has not started: no grad line yet
        entry = tl.adjoint_entry(i, k)
        if entry is not None:
            return (GRAD_PREFIX + entry[2], INK)
        return (GRAD_PREFIX + "?", FAINT) if tr.grads else (GRAD_NOT_NEEDED_LINE, FAINT)

    def svg(self, template: SvgTemplate, k: int) -> str:
        """The picture at step ``k``: the layout ``template`` with every box, arrow and line styled."""
        looks = {u: LOOKS[self.unit_look(u, k)] for u in self.units}
        edge_looks = {eid: EDGE_LOOKS[self.edge_look(eid, k)] for eid in self.edges}
        texts = {slot: self.text(slot, k) for slot in self.texts}   # a line the layout lacks is skipped by fill
        return template.fill(looks, edge_looks, texts)

    def focus(self, k: int) -> list[str]:
        """The boxes a viewer keeps in sight at step ``k``: the current one first, then what it reads."""
        cur = self._current[k]
        if cur is None:
            return []
        return [cur] + sorted(self._feeding[k] - {cur})

    # -- frames for the browser ------------------------------------------------------------------------
    def frames(self) -> dict[str, Any]:
        """The whole timeline for the viewer: ``base`` (step 0), one diff per step, and per step the
        counter, the panel text, the current box and the boxes and arrows to keep in sight."""
        n = self.n_steps
        base = {"u": {u: self.unit_look(u, 0) for u in self.units},
                "e": {eid: self.edge_look(eid, 0) for eid in self.edges},
                "t": {_slot_key(s): self.text(s, 0) for s in self.texts}}
        slots_of: dict[str, list[tuple[str, str]]] = {}
        for s in self.texts:
            slots_of.setdefault(s[0], []).append(s)
        diffs = []
        seed = self.timeline.seed_step
        for k in range(1, n + 1):
            units = {self._current[k], self._current[k - 1], *self._feeding[k], *self._feeding[k - 1],
                     *self._changes[k]}
            units.discard(None)
            du = {}
            for u in sorted(units):       # type: ignore[type-var]
                now = self.unit_look(u, k)     # type: ignore[arg-type]
                if now != self.unit_look(u, k - 1):   # type: ignore[arg-type]
                    du[u] = now
            de = {}
            for eid in sorted(self._feeding_edges[k] | self._feeding_edges[k - 1] | self._edge_changes[k]):
                now = self.edge_look(eid, k)
                if now != self.edge_look(eid, k - 1):
                    de[eid] = now
            ev = self.timeline.events[k - 1]
            touched = self.texts if k == seed else slots_of.get(self.unit_of[ev.node], ())
            dt = {}
            for s in touched:
                now_t = self.text(s, k)
                if now_t != self.text(s, k - 1):
                    dt[_slot_key(s)] = now_t
            diffs.append({"u": du, "e": de, "t": dt})
        return {"n": n, "base": base, "diffs": diffs,
                "counter": [counter_text(self.timeline, k) for k in range(n + 1)],
                "panel": [panel_text(self.timeline, k) for k in range(n + 1)],
                "current": self._current,
                "focus": [self.focus(k) for k in range(n + 1)],
                "edges": [sorted(f) for f in self._feeding_edges]}


def _slot_key(slot: tuple[str, str]) -> str:
    return f"{slot[0]}|{slot[1]}"


def node_details(timelines: Mapping[str, Timeline], unit_of: Sequence[str], mode: str) -> dict[str, Any]:
    """What the viewer shows of each node drawn as its own box, on hover or click: its name, op,
    shape, what it reads and what reads it, its local derivative rules, its value, and per mode
    the adjoints (or tangents) it receives with the step each arrives at.

    >>> import dpviz as dp
    >>> from dpviz.widgets.timeline import build_timeline
    >>> tl = build_timeline(dp.trace(lambda a, b: a * b, 2.0, -3.0), "backward")
    >>> d = node_details({"backward": tl}, ["n0", "n1", "n2"], "backward")
    >>> d["n2"]["rules"], d["n0"]["grads"]["backward"]
    (['∂v2/∂v0: ∂(a·b)/∂a = b', '∂v2/∂v1: ∂(a·b)/∂b = a'], [[2, {'shape': [], 'data': [-3.0]}]])
    """
    tl = timelines[mode]
    diagram = tl.diagram
    readers: dict[int, list[int]] = {}
    for e in diagram.edges:
        if e.style == "data":
            readers.setdefault(e.src, []).append(e.dst)
    out: dict[str, Any] = {}
    for info in diagram.nodes:
        u = unit_of[info.index]
        if parse_id(u) != (NODE, info.index):
            continue
        prim = PRIMITIVES.get(info.op) if tl.source_kind == "program" and info.kind == "op" else None
        rules = []
        if prim is not None:
            for k, j in enumerate(info.args):
                partial = prim.partial(k)
                if partial.formula:
                    rules.append(f"∂v{info.index}/∂v{j}: {partial.text}")
        entry: dict[str, Any] = {
            "title": name(tl, info.index), "op": info.op if info.kind == "op" else info.kind,
            "shape": list(info.shape) if info.shape else None, "dtype": info.dtype,
            "inputs": [name(tl, j) for j in dict.fromkeys(info.args)],
            "outputs": [name(tl, j) for j in dict.fromkeys(readers.get(info.index, []))],
            "rules": rules, "value": array_json(tl.tracks[info.index].value),
            # the step each mode computes the value at (never: one past the last step)
            "value_at": {m: min(t.tracks[info.index].value_at, t.n_steps + 1) for m, t in timelines.items()},
            "grads": {}, "tangents": {}}
        for m, t in timelines.items():
            tr = t.tracks[info.index]
            if tr.grads:
                entry["grads"][m] = [[s, array_json(a)] for s, a, _ in tr.grads]
            if tr.tangents:
                entry["tangents"][m] = [[s, array_json(a)] for s, a, _ in tr.tangents]
        out[u] = entry
    return out


def array_json(value: Any) -> dict[str, Any] | None:
    """An array for the viewer's node details: its shape and, when small, every number (4 digits).

    Non-finite numbers travel as the strings ``"nan"``, ``"inf"``, ``"-inf"`` (JSON has none).

    >>> array_json(np.array([[1.0, 2.5], [np.inf, -0.123456]]))
    {'shape': [2, 2], 'data': [1.0, 2.5, 'inf', -0.1235]}
    >>> array_json(np.zeros(1000))["data"] is None
    True
    """
    if value is None:
        return None
    arr = np.asarray(value)
    if arr.dtype.kind not in "fiub":
        return {"shape": list(arr.shape), "data": None}
    flat = arr.astype(float).ravel()
    if flat.size > FULL_ARRAY:
        return {"shape": list(arr.shape), "data": None}
    return {"shape": list(arr.shape), "data": [_number(float(x)) for x in flat]}


def _number(x: float) -> float | str:
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return float(f"{x:.4g}")
