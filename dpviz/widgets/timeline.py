"""What happens at each step of a pass: the events a :class:`~dpviz.widgets.Stepper` plays.

A :class:`Timeline` runs the pass(es) once, up front, through the engine's step
iterators (``Program.forward_steps``, ``backward_steps``, ``jvp_steps``) and records
every event and, per node, *when* its value, adjoint or tangent became known and what it
was.  Step ``k`` of the stepper is "the first ``k`` events have happened" (step 0: none),
so the picture at any step is a pure function of ``k``: jumping there and stepping there
give the same picture.

>>> import dpviz as dp
>>> tl = build_timeline(dp.trace(lambda a, b: a * b, 2.0, -3.0), "both")
>>> [(e.phase, e.node) for e in tl.events]
[('forward', 2), ('seed', 2), ('backward', 0), ('backward', 1)]
>>> float(tl.adjoint(0, tl.n_steps))
-3.0
"""
from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field, replace
from typing import Any, Mapping, Sequence

import numpy as np

from dpviz.pictures.api import to_diagram
from dpviz.pictures.labels import summarize
from dpviz.pictures.model import GRAD_COMPUTED, GRAD_NOT_NEEDED, Diagram
from dpviz.errors import DpvizError
from dpviz.program import Program
from dpviz.tensors import Tensor

#: The modes a stepper can play.
MODES = ("forward", "backward", "jvp", "both")

#: A step number later than any real step ("never").
NEVER = 1 << 62


class StepperError(DpvizError, ValueError):
    """A stepper was asked for something it cannot show (bad mode, bad step, unsupported object).

    >>> import dpviz as dp
    >>> build_timeline(dp.trace(lambda x: x.exp(), 0.0), mode="sideways")
    Traceback (most recent call last):
    ...
    dpviz.widgets.timeline.StepperError: mode must be one of 'forward', 'backward', 'jvp', 'both'; got 'sideways'
    """


@dataclass(frozen=True)
class Event:
    """One step: ``node`` is the node whose value, adjoint or tangent changes.

    ``phase`` is ``"forward"``, ``"seed"``, ``"backward"`` or ``"jvp"``. In the backward
    phase ``source`` is the node whose adjoint flows back along edge ``(node, source)``.
    ``feeding_nodes`` / ``feeding_edges`` are what this step reads. ``raw`` is the
    engine's step object (``ForwardStep``, ``BackwardStep``, ``JvpStep``), or ``None``;
    ``position`` the argument slot of a backward step's edge when there is no ``raw``
    (a PyTorch graph), so that of two arrows between the same nodes the right one is lit.

    >>> Event("forward", 3, None, (0, 1), ((0, 3), (1, 3))).phase
    'forward'
    """

    phase: str
    node: int
    source: int | None
    feeding_nodes: tuple[int, ...]
    feeding_edges: tuple[tuple[int, int], ...]
    raw: Any = None
    position: int | None = None


@dataclass
class Track:
    """What one node shows over time: entries ``(step, array, text)`` sorted by step.

    >>> t = Track(value_at=0, value=np.float64(2.0), value_text="2")
    >>> t.first_grad_at
    4611686018427387904
    """

    value_at: int = 0
    value: Any = None
    value_text: str = ""
    grads: list[tuple[int, Any, str]] = field(default_factory=list)
    tangents: list[tuple[int, Any, str]] = field(default_factory=list)

    @property
    def first_grad_at(self) -> int:
        """The step at which the first adjoint contribution arrives (``NEVER`` if none does)."""
        return self.grads[0][0] if self.grads else NEVER

    @property
    def first_tangent_at(self) -> int:
        """The step at which the tangent becomes known (``NEVER`` if it never does)."""
        return self.tangents[0][0] if self.tangents else NEVER


def _latest(entries: list[tuple[int, Any, str]], k: int) -> tuple[int, Any, str] | None:
    pos = bisect_right(entries, k, key=lambda e: e[0])
    return entries[pos - 1] if pos else None


def _text(value: Any) -> str:
    return "0" if value is None else summarize(value)


def _copy(value: Any) -> Any:
    if value is None:
        return None
    if hasattr(value, "detach"):          # a PyTorch tensor
        value = value.detach().cpu().numpy()
    return np.array(value, copy=True)


@dataclass
class Timeline:
    """Every event of the chosen pass(es) and every node's track; built by :func:`build_timeline`.

    >>> import dpviz as dp
    >>> tl = build_timeline(dp.trace(lambda x: x.exp(), 0.0), "forward")
    >>> tl.n_steps, tl.value_known(1, 0), tl.value_known(1, 1)
    (1, False, True)
    """

    mode: str
    source_kind: str                      # "program" or "torch"
    diagram: Diagram
    events: list[Event]
    tracks: list[Track]
    seed_step: int | None                 # the step of the first seed event (backward modes)
    program: Any = None
    tangent_seed: dict[int, Any] = field(default_factory=dict)
    torch_has_grads: bool = False

    @property
    def n_steps(self) -> int:
        """The number of events (the stepper's steps run from 0 to ``n_steps``)."""
        return len(self.events)

    @property
    def shows_grads(self) -> bool:
        """Whether nodes carry an adjoint line (backward and both modes)."""
        return self.seed_step is not None

    def value_known(self, i: int, k: int) -> bool:
        """Whether node ``i``'s value is known after ``k`` steps."""
        return self.tracks[i].value_at <= k

    def adjoint(self, i: int, k: int) -> Any:
        """Node ``i``'s running adjoint after ``k`` steps (``None`` before anything reached it)."""
        entry = _latest(self.tracks[i].grads, k)
        return None if entry is None else entry[1]

    def adjoint_entry(self, i: int, k: int) -> tuple[int, Any, str] | None:
        """The latest ``(step, adjoint, text)`` of node ``i`` at step ``k``, or ``None``."""
        return _latest(self.tracks[i].grads, k)

    def tangent_entry(self, i: int, k: int) -> tuple[int, Any, str] | None:
        """The ``(step, tangent, text)`` of node ``i`` at step ``k``, or ``None``."""
        return _latest(self.tracks[i].tangents, k)

    def layout_diagram(self, also: "Sequence[Timeline]" = ()) -> Diagram:
        """The diagram the layout is computed from: every node carries its *widest* text.

        Boxes are sized once for the longest text they will ever show, so restyling a
        step never needs a new layout. ``also``: the timelines of other modes drawn on the
        same layout (their adjoints and tangents count too).
        """
        nodes = []
        every = (self, *also)
        second_line = any(t.mode == "jvp" or t.shows_grads for t in every)
        for i, (info, track) in enumerate(zip(self.diagram.nodes, self.tracks)):
            entries = [e for t in every for e in (*t.tracks[i].grads, *t.tracks[i].tangents)]
            value = track.value if track.value_at < NEVER else None
            if second_line:
                if entries:
                    widest = max(entries, key=lambda e: len(e[2]))
                    grad = widest[1] if widest[1] is not None else np.zeros(())
                    nodes.append(replace(info, value=value, grad=grad, grad_state=GRAD_COMPUTED))
                elif info.grad_state == GRAD_COMPUTED or info.kind == "const":
                    nodes.append(replace(info, value=value, grad=None, grad_state=GRAD_NOT_NEEDED))
                else:
                    nodes.append(replace(info, value=value, grad=None,
                                         grad_state=info.grad_state if self.source_kind == "torch"
                                         else GRAD_NOT_NEEDED))
            else:
                nodes.append(replace(info, value=value, grad=None, grad_state=GRAD_NOT_NEEDED))
        return Diagram(nodes, list(self.diagram.edges), self.diagram.title, self.diagram.source_kind,
                       dict(self.diagram.scope_titles))


def _is_torch(obj: Any) -> bool:
    return type(obj).__module__.startswith("torch")


def build_timeline(obj: Any, mode: str = "forward", *, seed: Any = None, tangents: Any = None,
                   params: Mapping[str, Any] | None = None) -> Timeline:
    """Run the pass(es) of ``mode`` on ``obj`` and record every step.

    ``obj`` is a ``dp.Program``, a dpviz tensor (its history) or a PyTorch tensor (its
    autograd graph; backward order only). ``seed`` is the output adjoint (default 1),
    ``tangents`` the input tangents of ``mode="jvp"`` (default: 1 for the first input).

    >>> import dpviz as dp
    >>> tl = build_timeline(dp.trace(lambda x: x * x, 3.0), "backward")
    >>> [(e.phase, e.node, e.source) for e in tl.events]
    [('seed', 1, None), ('backward', 0, 1), ('backward', 0, 1)]
    """
    if mode not in MODES:
        raise StepperError(f"mode must be one of {', '.join(repr(m) for m in MODES)}; got {mode!r}")
    if _is_torch(obj):
        if mode != "backward":
            raise StepperError(
                f"a PyTorch graph can be stepped in backward order only (mode='backward'); got mode={mode!r}. "
                "PyTorch does not keep the values of intermediate nodes; trace the same computation with "
                "dpviz (dp.trace) to step through its forward pass or tangents.")
        return _from_torch(obj, params)
    if params is not None:
        raise StepperError("params= names the leaves of a PyTorch graph; dpviz programs carry their own names")
    if isinstance(obj, Tensor):
        prog = Program.from_tensor(obj)
    elif isinstance(obj, Program):
        prog = obj
    else:
        raise StepperError(
            f"Stepper takes a dp.Program, a dpviz tensor or a PyTorch tensor; got {type(obj).__name__}. "
            "Make a Program with dp.trace(f, *args).")
    return _from_program(prog, mode, seed, tangents)


def _from_program(prog: Any, mode: str, seed: Any, tangents: Any) -> Timeline:
    tracks = [Track(0, _copy(node.value), _text(node.value)) for node in prog.nodes]
    events: list[Event] = []
    if mode in ("forward", "both"):
        for s in prog.forward_steps():
            if prog.nodes[s.index].kind == "const":
                continue                  # a constant is known from the start, like an input
            args = tuple(dict.fromkeys(s.args))
            events.append(Event("forward", s.index, None, args, tuple((j, s.index) for j in args), s))
            track = tracks[s.index]
            track.value_at, track.value = len(events), _copy(s.value)
            track.value_text = _text(track.value)
    seed_step = None
    if mode in ("backward", "both"):
        seeds = prog.seeds(seed)   # the engine's own validation and defaults for seeds
        seed_step = len(events) + 1
        for i, s in seeds.items():
            events.append(Event("seed", i, None, (), (), s))
            tracks[i].grads.append((len(events), _copy(s), _text(s)))
        for s in prog.backward_steps(seed):
            events.append(Event("backward", s.parent, s.node, (s.node,), ((s.parent, s.node),), s))
            tracks[s.parent].grads.append((len(events), _copy(s.adjoint), _text(s.adjoint)))
    tangent_seed: dict[int, Any] = {}
    if mode == "jvp":
        if tangents is None:
            if not prog.inputs:
                raise StepperError("this Program has no inputs; pass tangents={node index: tangent}")
            first = prog.inputs[0]
            tangents = {first: np.ones(prog.nodes[first].shape)}
        given = prog.tangents(tangents)   # the engine's own validation of tangents
        for i, t in given.items():
            tangent_seed[i] = _copy(t)
            tracks[i].tangents.append((0, _copy(t), _text(t)))
        for s in prog.jvp_steps(given):
            if prog.nodes[s.index].kind == "const":
                continue
            args = tuple(dict.fromkeys(term.parent for term in s.contributions))
            events.append(Event("jvp", s.index, None, args, tuple((j, s.index) for j in args), s))
            tracks[s.index].tangents.append((len(events), _copy(s.tangent), _text(s.tangent)))
    diagram = to_diagram(prog)
    return Timeline(mode, "program", diagram, events, tracks, seed_step, prog, tangent_seed)


def _from_torch(root: Any, params: Mapping[str, Any] | None) -> Timeline:
    diagram = to_diagram(root, params=params, saved=True)
    tracks = []
    for info in diagram.nodes:
        known = info.value is not None
        tracks.append(Track(0 if known else NEVER, _copy(info.value) if known else None,
                            _text(info.value) if known else ""))
    outputs = [info.index for info in diagram.nodes if info.is_output]
    events: list[Event] = [Event("seed", i, None, (), ()) for i in outputs]
    into: dict[int, list] = {}
    for e in diagram.edges:
        if e.style == "data":
            into.setdefault(e.dst, []).append(e)
    last_use: dict[int, int] = {}
    # Indices are topological, so descending index is a valid order for the backward pass
    # (PyTorch's engine may choose another valid one when branches are independent).
    for i in reversed(range(diagram.n)):
        if diagram.nodes[i].kind != "op":
            continue
        for e in sorted(into.get(i, []), key=lambda e: -1 if e.position is None else e.position):
            events.append(Event("backward", e.src, i, (i,), ((e.src, i),), None, e.position))
            last_use[e.src] = len(events)
    has_grads = False
    for i, info in enumerate(diagram.nodes):
        if i in last_use and info.kind in ("input", "param"):
            if info.grad is not None:
                has_grads = True
                tracks[i].grads.append((last_use[i], _copy(info.grad), _text(info.grad)))
            else:
                tracks[i].grads.append((last_use[i], None, "arrived"))
    return Timeline("backward", "torch", diagram, events, tracks, 1, None, {}, has_grads)
