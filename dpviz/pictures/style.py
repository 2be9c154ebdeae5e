"""The visual vocabulary (one look per kind of node) and the public style hook.

A *style hook* is any callable that takes a :class:`~dpviz.pictures.model.NodeInfo` and
returns Graphviz node attributes (or ``None`` to leave the node alone). ``dp.draw``
calls it for every node it draws on its own, after its own styling and highlighting, so
the hook has the last word. The stepper widget and the gradient-check overlay use it.

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

from dpviz.pictures.model import NodeInfo
from dpviz.errors import DpvizError

#: The type of a style hook.
StyleHook = Callable[[NodeInfo], Optional[Mapping[str, Any]]]

#: Graphviz attributes of each kind of node. Colours are pale so that text stays readable
#: and a highlight or a hook's colour stands out.
KIND_STYLE: dict[str, dict[str, str]] = {
    "input": {"shape": "box", "style": "rounded,filled", "fillcolor": "#d6eaff", "color": "#3b78b5"},
    "param": {"shape": "box", "style": "rounded,filled", "fillcolor": "#ffe7b0", "color": "#b07a10"},
    "const": {"shape": "box", "style": "rounded,filled,dashed", "fillcolor": "#f0f0f0", "color": "#888888"},
    "op": {"shape": "box", "style": "filled", "fillcolor": "#ffffff", "color": "#444444"},
    "output": {"shape": "box", "style": "filled", "fillcolor": "#cdf0c8", "color": "#2e7d32", "peripheries": "2"},
    "saved": {"shape": "note", "style": "filled", "fillcolor": "#efe3f7", "color": "#7b4fa0"},
    "view_base": {"shape": "box", "style": "filled,dotted", "fillcolor": "#dff4f6", "color": "#2a8a93"},
    "group": {"shape": "box3d", "style": "filled", "fillcolor": "#f2f2f2", "color": "#555555"},
}

#: Graphviz attributes of each kind of edge.
EDGE_STYLE: dict[str, dict[str, str]] = {
    "data": {},
    "saved": {"style": "dashed", "color": "#7b4fa0", "arrowhead": "odot"},
    "view": {"style": "dotted", "color": "#2a8a93"},
}

#: How ``highlight=`` marks a node.
HIGHLIGHT_STYLE: dict[str, str] = {"color": "#d62728", "penwidth": "3"}

_ATTR_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")

# Labels are built by dp.draw (escaped); a hook that replaced them could inject DOT.
_RESERVED = frozenset({"label"})


def node_style(node: NodeInfo) -> dict[str, str]:
    """The base attributes of ``node``: its kind's look, or the output look.

    >>> from dpviz.pictures.model import NodeInfo
    >>> node_style(NodeInfo(index=0, kind="param", op="param"))["fillcolor"]
    '#ffe7b0'
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
            raise DpvizError(f"{where} may not set {key!r}: dp.draw builds labels itself; use 'xlabel' or 'tooltip'")
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
