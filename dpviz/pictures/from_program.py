"""Turn a dpviz ``Program`` (or a tensor's history) into a :class:`~dpviz.pictures.model.Diagram`.

>>> import dpviz as dp, numpy as np
>>> x = dp.tensor(np.ones(2), name="x", requires_grad=True)
>>> d = diagram_from_program(dp.Program.from_tensor((x * 2).sum()))
>>> [node.op for node in d.nodes][:2]
['input', 'const']
"""
from __future__ import annotations

from typing import Any

import numpy as np

from dpviz.pictures.model import (
    GRAD_COMPUTED,
    GRAD_NOT_COMPUTED,
    GRAD_NOT_NEEDED,
    Diagram,
    EdgeInfo,
    NodeInfo,
    scope_from_name,
)
from dpviz.errors import DpvizError

_LEAF_KINDS = ("input", "param", "const")


_dtype_names: dict[Any, str] = {}


def _dtype_name(node: Any) -> str | None:
    dtype = getattr(node, "dtype", None)
    if dtype is None:
        return None
    # str(np.dtype) is slow (microseconds); a 100,000-node program has only a few dtypes.
    name = _dtype_names.get(dtype)
    if name is None:
        name = _dtype_names[dtype] = str(np.dtype(dtype))
    return name


def _has_ops_in(scope: str, op_scopes: set[str]) -> bool:
    return any(s == scope or s.startswith(scope + "/") for s in op_scopes)


def diagram_from_program(prog: Any, *, title: str | None = None) -> Diagram:
    """A Diagram of every node of ``prog`` (its ``nodes`` must be in topological order).

    A missing gradient is reported as "not computed" while no node of the program
    has one (backward has not run), and as "not needed" afterwards.

    >>> import dpviz as dp
    >>> prog = dp.trace(lambda a: (a * a).sum(), dp.tensor([1.0, 2.0], requires_grad=True))
    >>> diagram_from_program(prog).nodes[-1].grad_state
    'not computed'
    """
    return _build(prog, title)


def _build(prog: Any, title: str | None) -> Diagram:
    nodes_in = list(prog.nodes)
    op_scopes = {getattr(node, "scope", "") or "" for node in nodes_in if getattr(node, "kind", "op") == "op"}
    backward_ran = any(getattr(node, "grad", None) is not None for node in nodes_in)
    missing = GRAD_NOT_NEEDED if backward_ran else GRAD_NOT_COMPUTED
    nodes: list[NodeInfo] = []
    edges: list[EdgeInfo] = []
    later: list[EdgeInfo] = []     # in-place writes point back at what they overwrote
    for i, node in enumerate(nodes_in):
        index = getattr(node, "index", i)
        if index != i:
            raise DpvizError(f"program node at position {i} has index {index}; nodes must be listed in index order")
        kind = getattr(node, "kind", "op")
        grad = getattr(node, "grad", None)
        if grad is not None:
            state = GRAD_COMPUTED
        elif kind == "const":
            state = GRAD_NOT_NEEDED
        else:
            state = missing
        args = tuple(int(a) for a in getattr(node, "args", ()) or ())
        for position, a in enumerate(args):
            if not 0 <= a < i:
                raise DpvizError(
                    f"node {i} ({node.op}) takes node {a} as argument {position}; "
                    "Definition 1 needs every argument to come earlier"
                )
            edges.append(EdgeInfo(a, i, position))
        overwriter = getattr(node, "overwritten_by", None)
        if overwriter is not None and overwriter > i:
            later.append(EdgeInfo(overwriter, i, None, "overwrote"))
        shape = getattr(node, "shape", None)
        scope = getattr(node, "scope", "") or ""
        if not scope and kind == "param":
            scope = scope_from_name(getattr(node, "name", None))
            if scope and not _has_ops_in(scope, op_scopes):
                scope = ""      # a box of parameters alone, beside the ops that use them, only takes room
        nodes.append(
            NodeInfo(
                index=i,
                kind=kind if kind in _LEAF_KINDS else "op",
                op=str(node.op),
                name=getattr(node, "name", None),
                args=args,
                shape=None if shape is None else tuple(shape),
                dtype=_dtype_name(node),
                scope=scope,
                value=getattr(node, "value", None),
                grad=grad,
                grad_state=state,
                is_output=bool(getattr(node, "is_output", False)),
                params=dict(getattr(node, "params", None) or {}),
                version=getattr(node, "version", None),
                overwritten_by=getattr(node, "overwritten_by", None),
                source=node,
            )
        )
    return Diagram(nodes, edges + later, title=title, source_kind="program")
