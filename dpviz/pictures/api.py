"""``dp.draw``: a picture of a dpviz tensor's history, a ``Program`` or a PyTorch tensor's graph.

>>> import dpviz as dp, numpy as np
>>> W = dp.tensor(np.eye(2), name="W", requires_grad=True)
>>> x = dp.tensor(np.ones(2), name="x")
>>> loss = (W @ x).tanh().sum()
>>> "grad " in dp.draw(loss).source        # no grads before backward: said once, under the drawing
False
>>> loss.backward()
>>> "grad " in dp.draw(loss).source
True
"""
from __future__ import annotations

import contextlib
import gc
from typing import Any, Iterable, Iterator, Mapping, Sequence

from dpviz.pictures.collapse import DEFAULT_THRESHOLD, plan_collapse
from dpviz.pictures.dot import DETAILS, RANKDIRS, DrawOptions, dot_lines
from dpviz.pictures.drawing import Drawing
from dpviz.pictures.from_program import diagram_from_program
from dpviz.pictures.from_torch import diagram_from_torch
from dpviz.pictures.model import Diagram
from dpviz.pictures.palette import ROLES
from dpviz.pictures.style import StyleHook
from dpviz.errors import DpvizError
from dpviz.program import Program
from dpviz.tensors import Tensor
from dpviz.varnames import caller_namespace


def _is_torch_tensor(obj: Any) -> bool:
    # Checked by module name first so that drawing dpviz objects never imports torch.
    if not type(obj).__module__.startswith("torch"):
        return False
    import torch

    return isinstance(obj, torch.Tensor)


def to_diagram(obj: Any, *, params: Mapping[str, Any] | None = None, saved: bool = True,
               title: str | None = None, model: Any = None) -> Diagram:
    """The :class:`~dpviz.pictures.model.Diagram` that ``dp.draw`` would draw for ``obj``.

    Leaves and constants are named from the caller's variables where the program did not
    name them (:mod:`dpviz.varnames`); a PyTorch graph's leaves also from ``params`` or from
    ``model.named_parameters()``.

    >>> import dpviz as dp
    >>> to_diagram(dp.tensor(1.0, name="a", requires_grad=True) * 2).n
    3
    """
    if isinstance(obj, Diagram):
        return obj
    if _is_torch_tensor(obj):
        return diagram_from_torch(obj, params=params, saved=saved, title=title, model=model,
                                  namespace=caller_namespace())
    if params is not None or model is not None:
        raise DpvizError("params= and model= name the leaves of a PyTorch graph; dpviz tensors carry their own names")
    if hasattr(obj, "nodes") and hasattr(obj, "edges"):
        return diagram_from_program(obj, title=title)
    if isinstance(obj, Tensor):
        return diagram_from_program(Program.from_tensor(obj, names=caller_namespace()), title=title)
    raise DpvizError(
        f"dp.draw takes a dpviz tensor, a dp.Program or a PyTorch tensor; got {type(obj).__name__}"
    )


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the garbage collector: drawing a 100,000-node program creates many small objects,
    which would trigger repeated full collections that free nothing and triple the time."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _resolve_highlight(diagram: Diagram, highlight: Any) -> set[int]:
    if highlight is None:
        return set()
    items = [highlight] if isinstance(highlight, (int, str)) else list(highlight)
    by_name: dict[str, list[int]] = {}
    for node in diagram.nodes:
        by_name.setdefault(node.label, []).append(node.index)
    chosen: set[int] = set()
    for item in items:
        if isinstance(item, bool):
            raise DpvizError(f"highlight= takes node indices or names; got {item!r}")
        if isinstance(item, int):
            if not 0 <= item < diagram.n:
                raise DpvizError(f"highlight= index {item} is outside 0..{diagram.n - 1}")
            chosen.add(item)
        elif isinstance(item, str):
            if item not in by_name:
                known = ", ".join(sorted(repr(k) for k in by_name if not k[-1:].isdigit())[:12])
                raise DpvizError(f"highlight= names {item!r}, which no node has; named nodes: {known or 'none'}")
            chosen.update(by_name[item])
        else:
            raise DpvizError(f"highlight= takes node indices or names; got {type(item).__name__}")
    return chosen


def draw(
    obj: Any,
    *,
    name: bool = True,
    op: bool = True,
    shape: bool = True,
    dtype: bool = False,
    value: bool = True,
    grad: bool = True,
    index: bool = False,
    arg_positions: bool = False,
    detail: str = "compact",
    rankdir: str = "auto",
    collapse: bool | str | Sequence[str] | None = None,
    threshold: int = DEFAULT_THRESHOLD,
    highlight: int | str | Iterable[int | str] | None = None,
    mark_edges: Mapping[tuple[int, int], str] | None = None,
    style: StyleHook | None = None,
    legend: bool = True,
    legend_roles: Sequence[str] = (),
    clusters: bool = True,
    params: Mapping[str, Any] | None = None,
    model: Any = None,
    saved: bool = True,
    title: str | None = None,
) -> Drawing:
    """Draw a program as a ``graphviz.Digraph`` that displays itself in Jupyter.

    ``obj``: a dpviz tensor (its history), a ``dp.Program``, or a PyTorch tensor (its
    autograd graph, nodes named as PyTorch names them: ``AddmmBackward0``; ``model=net``
    names the leaves from ``net.named_parameters()``, as does ``params=``, and tensors and
    modules among the caller's variables are found without either; ``saved`` shows tensors
    kept for backward and the bases of views). Constants are named after the variables that
    held them (``y`` rather than ``const10``).

    What each node shows: ``name``, ``op``, ``shape``, ``dtype``, ``value`` and ``grad``.
    ``detail="compact"`` (the default) shows the op and name, the shape when it is not a
    scalar, the value (scalars in full, arrays as their range) and the grad once computed;
    ``detail="full"`` adds every shape and dtype, array means and why a grad is missing.
    ``index`` adds the node's 0-based Definition-1 index; ``arg_positions`` labels each edge
    with the argument slot. A node whose memory an in-place op changed shows its version and
    who overwrote it; the first node whose value is NaN or infinite is marked.

    ``rankdir="auto"`` (the default) draws left to right when that fits a notebook's output
    (940 px: JupyterLab's in a 1,400 px window) and top to bottom otherwise (long chains,
    layered networks); pass ``"LR"``, ``"TB"``, ``"RL"`` or ``"BT"`` to choose. A drawing
    wider than the output is shown full size in a scrolling frame, never shrunk.

    Scopes become clusters (``clusters=False`` turns that off). ``collapse`` folds scopes
    into single boxes: ``True`` for every top-level scope, a name or list of names for
    those, ``False`` for none; by default only graphs with more than ``threshold`` nodes are
    folded, and the drawing says so. ``highlight`` marks nodes by index or name, ``mark_edges``
arrows: ``{(i, j): text}`` draws the arrow from node i to node j in the colour of a failed
gradient check with ``text`` beside it (how ``dp.check`` shows a wrong rule); ``style`` is
    a hook ``node -> dict of Graphviz attributes`` (see :mod:`dpviz.pictures.style`), and
    ``legend_roles`` names the palette roles (:data:`dpviz.pictures.palette.ROLES`) it paints,
    for the legend strip under the drawing (``legend=False`` leaves the strip out).

    >>> import dpviz as dp, numpy as np
    >>> x = dp.tensor(np.arange(3.0), name="x", requires_grad=True)
    >>> g = dp.draw((x * x).sum(), index=True, highlight="x", rankdir="TB")
    >>> g.node_count, 'rankdir="TB"' in g.source, "highlighted" in g.source
    (3, True, True)
    """
    if rankdir != "auto" and rankdir not in RANKDIRS:
        raise DpvizError(f"rankdir must be 'auto' or one of {RANKDIRS}; got {rankdir!r}")
    if detail not in DETAILS:
        raise DpvizError(f"detail must be one of {DETAILS}; got {detail!r}")
    unknown = [r for r in legend_roles if r not in ROLES]
    if unknown:
        raise DpvizError(f"legend_roles names {unknown[0]!r}, which is no role; roles: {', '.join(ROLES)}")
    if style is not None and not callable(style):
        raise DpvizError(f"style= takes a function node -> dict of Graphviz attributes; got {type(style).__name__}")
    opts = DrawOptions(name=name, op=op, shape=shape, dtype=dtype, value=value, grad=grad, index=index,
                       arg_positions=arg_positions, rankdir=rankdir, clusters=clusters, legend=legend,
                       detail=detail, legend_roles=tuple(legend_roles))
    with _gc_paused():
        diagram = to_diagram(obj, params=params, saved=saved, title=title, model=model)
        if title is not None:
            diagram.title = title
        plan = plan_collapse(diagram, collapse, threshold=threshold)
        marked = _resolve_highlight(diagram, highlight)
        for edge in (mark_edges or {}):
            if not (isinstance(edge, tuple) and len(edge) == 2 and all(isinstance(i, int) for i in edge)):
                raise DpvizError(f"mark_edges= maps (i, j) pairs of node indices to text; got the key {edge!r}")
        lines = dot_lines(diagram, opts, plan, highlight=marked, style=style, mark_edges=mark_edges)
    drawing = Drawing(name="dpviz", body=[line + "\n" for line in lines])
    drawing.node_count = plan.visible_count
    drawing.program_nodes = diagram.n
    drawing.collapsed_note = plan.note
    return drawing
