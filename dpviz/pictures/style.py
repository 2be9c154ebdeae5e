"""The visual vocabulary (one look per kind of node) and the public style hook.

A *style hook* is any callable that takes a :class:`~dpviz.pictures.model.NodeInfo` and
returns Graphviz node attributes (or ``None`` to leave the node alone). ``dp.draw``
calls it for every node it draws on its own, after its own styling and highlighting, so
the hook has the last word; the key ``"note"`` adds a line of text under the node's label.
The gradient-check overlay uses it.

>>> import dpviz as dp, numpy as np
>>> x = dp.tensor(np.ones(2), name="x", requires_grad=True)
>>> def red_ops(node):
...     return {"fillcolor": "#ffcccc"} if node.kind == "op" else None
>>> "#ffcccc" in dp.draw((x * 3).sum(), style=red_ops).source
True
"""
from __future__ import annotations

import re
from typing import Any, Callable, Mapping, Optional

from dpviz.errors import DpvizError
from dpviz.pictures.model import KINDS, NodeInfo
from dpviz.pictures.palette import EDGE_ROLES, dot_attrs, dot_edge_attrs

#: The type of a style hook.
StyleHook = Callable[[NodeInfo], Optional[Mapping[str, Any]]]

#: Graphviz attributes of each kind of node, from the course palette. A leaf has rounded
#: corners, a parameter a bold border, a constant a dashed one, an output a double frame.
KIND_STYLE: dict[str, dict[str, str]] = {kind: dot_attrs(kind) for kind in KINDS}

#: Graphviz attributes of each kind of edge. An in-place write points back at the node it
#: overwrote without pulling it into another rank.
EDGE_STYLE: dict[str, dict[str, str]] = {
    "data": {},
    "saved": {**dot_edge_attrs("saved"), "arrowhead": "odot"},
    "view": dot_edge_attrs("view"),
    "overwrote": {**dot_edge_attrs("overwrote"), "constraint": "false", "label": "overwrote",
                  "fontsize": "9", "fontcolor": EDGE_ROLES["overwrote"].stroke},
}

_ATTR_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")

# Labels are built by dp.draw (escaped); a hook that replaced them could inject DOT.
_RESERVED = frozenset({"label"})

#: A hook may return this key with a short text: dp.draw adds it as a line under the node's label
#: (Graphviz's ``xlabel`` floats beside the box and can land on other boxes or the legend).
NOTE_KEY = "note"


def node_style(node: NodeInfo) -> dict[str, str]:
    """The base attributes of ``node``: its kind's look, or the output look.

    >>> from dpviz.pictures.model import NodeInfo
    >>> node_style(NodeInfo(index=0, kind="param", op="param"))["fillcolor"]
    '#f8ef9a'
    """
    kind = "output" if node.is_output else node.kind
    return dict(KIND_STYLE.get(kind, KIND_STYLE["op"]))


def check_attrs(attrs: Any, *, where: str) -> dict[str, str]:
    """Validate attributes returned by a style hook and turn their values into strings.

    >>> check_attrs({"penwidth": 2}, where="test")
    {'penwidth': '2'}
    """
    if attrs is None:
        return {}
    if not isinstance(attrs, Mapping):
        raise DpvizError(f"{where} must return a dict of Graphviz attributes or None; got {type(attrs).__name__}")
    out: dict[str, str] = {}
    for key, value in attrs.items():
        if not isinstance(key, str) or not _ATTR_NAME.match(key):
            raise DpvizError(f"{where} returned attribute name {key!r}; Graphviz names are letters, digits and _")
        if key in _RESERVED:
            raise DpvizError(f"{where} may not set {key!r}: dp.draw builds labels itself; use 'note' (a line "
                             "under the label) or 'tooltip'")
        if isinstance(value, bool):
            value = "true" if value else "false"
        out[key] = str(value)
    return out


def call_hook(hook: StyleHook, node: NodeInfo) -> dict[str, str]:
    """Run a style hook on ``node``; errors name the node so they are easy to trace.

    >>> from dpviz.pictures.model import NodeInfo
    >>> call_hook(lambda n: {"color": "red"}, NodeInfo(index=0, kind="op", op="add"))
    {'color': 'red'}
    """
    try:
        attrs = hook(node)
    except DpvizError:
        raise
    except Exception as exc:   # a bug in user code: say which node it failed on
        raise DpvizError(f"the style hook failed on node {node.index} ({node.label}): {exc!r}") from exc
    return check_attrs(attrs, where="the style hook")
