"""Write a :class:`~dpviz.pictures.model.Diagram` as DOT text, one line per statement.

The text depends only on the diagram and the options: nodes are called ``n<index>``,
groups ``g<k>``, clusters ``cluster_<k>`` in order of first appearance (the ids of
:mod:`~dpviz.pictures.ids`), and edges are written in the order of their target and
argument position. The same program therefore always gives the same bytes, which is
what the golden tests compare.

>>> from dpviz.pictures.model import Diagram, NodeInfo, EdgeInfo
>>> d = Diagram([NodeInfo(index=0, kind="input", op="input", name="x"),
...              NodeInfo(index=1, kind="op", op="neg", args=(0,), is_output=True)],
...             [EdgeInfo(0, 1, 0)])
>>> lines = dot_lines(d, DrawOptions())
>>> [line.strip() for line in lines if "->" in line]
['n0 -> n1']
"""
from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from typing import Any, Iterable, Mapping

import numpy as np

from dpviz.pictures import labels as L
from dpviz.pictures.labels import attr_list
from dpviz.pictures.collapse import CollapsePlan, Group, op_summary
from dpviz.pictures.fit import FRAME_PX, choose_rankdir
from dpviz.pictures.ids import (GRAD_NOT_COMPUTED_LINE, GRAD_NOT_NEEDED_LINE, GRAD_PREFIX, VALUE_PREFIX,
                                cluster_id, edge_id, group_id, unit_ids)
from dpviz.pictures.legend import edge_roles, legend_table, node_roles, ordered
from dpviz.pictures.model import GRAD_COMPUTED, GRAD_NOT_COMPUTED, GRAD_UNAVAILABLE, Diagram, NodeInfo
from dpviz.pictures.palette import EDGE_ROLES, dot_attrs, dot_edge_attrs
from dpviz.pictures.style import EDGE_STYLE, KIND_STYLE, NOTE_KEY, StyleHook, call_hook, node_style

RANKDIRS = ("TB", "LR", "BT", "RL")
#: How much a node says: ``"compact"`` (the default: what changes from node to node) or
#: ``"full"`` (every shape and dtype, the mean of arrays, and why a grad is missing).
DETAILS = ("compact", "full")
#: Said once under a drawing instead of on every node, while no gradient has been computed.
GRADS_LATER_NOTE = "grads appear after backward()"


@dataclass(frozen=True, slots=True)
class DrawOptions:
    """What each node shows and how the picture is laid out (see :func:`dpviz.draw`).

    ``rankdir`` may be ``"auto"``: :func:`~dpviz.pictures.fit.choose_rankdir` picks the direction
    that fits ``frame_px``. ``legend_roles`` adds palette roles that a style hook paints.

    >>> DrawOptions(dtype=True).rankdir, DrawOptions(detail="full").full
    ('LR', True)
    """

    name: bool = True
    op: bool = True
    shape: bool = True
    dtype: bool = False
    value: bool = True
    grad: bool = True
    index: bool = False
    arg_positions: bool = False
    rankdir: str = "LR"
    clusters: bool = True
    legend: bool = True
    detail: str = "compact"
    frame_px: float = FRAME_PX
    legend_roles: tuple[str, ...] = ()
    #: Give every arrow an SVG id (:func:`~dpviz.pictures.ids.edge_id`), for viewers that restyle it.
    edge_ids: bool = False

    @property
    def full(self) -> bool:
        """Whether labels show everything (``detail="full"``)."""
        return self.detail == "full"


#: The attribute text of each kind's look (``shape="box" fillcolor=...``), written once: a drawing
#: of a thousand nodes would otherwise quote the same five attributes a thousand times.
_LOOK_TEXT: dict[str, str] = {kind: attr_list(attrs)[1:-1] for kind, attrs in KIND_STYLE.items()}


#: How values and grads are summarised at each level of detail (see :func:`~dpviz.pictures.labels.summarize`).
_COMPACT_SUMMARY: dict[str, Any] = {"mean": False, "max_items": 2, "digits": 3}
_FULL_SUMMARY: dict[str, Any] = {"mean": True, "max_items": 4, "digits": 4}


def _small(text: str) -> str:
    return f'<font point-size="9" color="#555555">{text}</font>'


def _static_params(params: dict[str, Any]) -> str:
    if not params:
        return ""
    # None and False are the "nothing special" settings (axis=None, keepdims=False): skip them.
    shown = [(k, v) for k, v in sorted(params.items()) if v is not None and v is not False]
    if not shown:
        return ""
    return "(" + ", ".join(f"{k}={v!r}" for k, v in shown) + ")"


def node_label(node: NodeInfo, opts: DrawOptions, overwriter: NodeInfo | None = None) -> L.Html:
    """The HTML-like label of one node, every piece of user text escaped.

    Compact labels (the default) leave out what carries no information: the shape of a
    scalar, the dtype, a missing grad. ``overwriter`` is the node whose in-place op later
    overwrote this node's memory, named on a version line.

    >>> from dpviz.pictures.model import NodeInfo
    >>> str(node_label(NodeInfo(index=2, kind="op", op="tanh", shape=()), DrawOptions(value=False)))
    '<b>tanh</b>'
    >>> str(node_label(NodeInfo(index=2, kind="op", op="tanh", shape=()), DrawOptions(detail="full", value=False)))
    '<b>tanh</b><br/><font point-size="9" color="#555555">()</font><br/><font point-size="9" color="#555555">grad: not computed</font>'
    """
    full = opts.full
    name = L.html_text(node.name, max_chars=L.MAX_NAME_CHARS) if (opts.name and node.name) else None
    is_op = node.kind == "op"
    op_text = L.html_text(node.op + _static_params(node.params), max_chars=L.MAX_NAME_CHARS) if is_op else None
    # an unnamed number written in the program says what it is: "2", not "const12 / value 2"
    number = (node.kind == "const" and not name and not full and opts.value and not opts.index
              and node.value is not None and np.ndim(node.value) == 0)
    # A named op shows its name, and its op on the line below in grey (as PyTorch's nodes show
    # "AddmmBackward0" over "addmm"): one run of text per line, whose width no font can misjudge.
    below = None
    if number:
        title = f"<b>{L.html_text(L.summarize(node.value))}</b>"
    elif name and opts.op and (node.subtitle or op_text):
        title = f"<b>{name}</b>"
        below = L.html_text(node.subtitle) if node.subtitle else op_text
    elif name:
        title = f"<b>{name}</b>"
    elif op_text and (opts.op or not opts.name):
        title = f"<b>{op_text}</b>"
    else:
        title = f"<b>{L.html_text(node.label)}</b>"
    if opts.index:
        title += f' <font point-size="9" color="#555555">#{node.index}</font>'
    lines = [title]
    facts = [below] if below else []       # one small grey line: the op, the shape, the dtype
    if opts.shape and node.shape is not None and (full or len(node.shape) > 0):
        facts.append(L.fmt_shape(node.shape))
    if (opts.dtype or full) and node.dtype:
        facts.append(L.html_text(node.dtype))
    if facts:
        lines.append(_small(" · ".join(facts)))
    # a tensor PyTorch saved for backward is drawn small: its name and shape say what it is
    saved = node.kind in ("saved", "view_base") and not full and not _is_sparse(node.value)
    summary = _FULL_SUMMARY if full else _COMPACT_SUMMARY
    if opts.value and node.value is not None and not number and not saved:
        lines.append(VALUE_PREFIX + L.html_text(L.summarize(node.value, **summary)))
    if opts.grad:
        if node.grad_state == GRAD_COMPUTED:
            lines.append(GRAD_PREFIX + L.html_text(L.summarize(node.grad, **summary)))
        elif not full:
            pass                 # a missing grad is said once, under the drawing
        elif node.grad_state == GRAD_NOT_COMPUTED:
            lines.append(_small(GRAD_NOT_COMPUTED_LINE))
        elif node.kind not in ("const", "saved", "view_base") and node.grad_state != GRAD_UNAVAILABLE:
            lines.append(_small(GRAD_NOT_NEEDED_LINE))
    if node.version is not None:
        text = f"version {node.version}"
        if node.overwritten_by is not None:
            who = f"{overwriter.op} #{overwriter.index}" if overwriter is not None else "an in-place op"
            text += f" · overwritten by {who}"
            lines.append(f'<font point-size="9" color="#b34700">{L.html_text(text)}</font>')
        else:
            lines.append(_small(L.html_text(text)))
    return L.Html("<br/>".join(lines))


def _is_sparse(value: Any) -> bool:
    """A sparse PyTorch tensor, whose summary (layout and stored entries) says more than its shape."""
    return str(getattr(value, "layout", "torch.strided")) != "torch.strided"


def first_nonfinite(diagram: Diagram) -> int | None:
    """The index of the first node (in Definition-1 order) whose value holds a NaN or an infinity.

    >>> from dpviz.pictures.model import Diagram, NodeInfo
    >>> first_nonfinite(Diagram([NodeInfo(index=0, kind="input", op="input", value=np.array([1.0, np.inf]))], []))
    0
    """
    for node in diagram.nodes:
        value = node.value
        if isinstance(value, np.ndarray) and value.dtype.kind in "fc":
            if not (math.isfinite(value.item()) if value.size == 1 else np.isfinite(value).all()):
                return node.index
    return None


def _tooltip(node: NodeInfo) -> str:
    parts = [node.label, f"op {node.op}", f"index {node.index}"]
    if node.scope:
        parts.append(f"scope {node.scope}")
    if node.shape is not None:
        parts.append(f"shape {L.fmt_shape(node.shape)}")
    return "\n".join(parts)


def group_label(diagram: Diagram, group: Group) -> L.Html:
    """The label of a collapsed box: its title, how many nodes and which ops it holds.

    >>> from dpviz.pictures.model import Diagram, NodeInfo
    >>> d = Diagram([NodeInfo(index=0, kind="op", op="add", scope="s")], [])
    >>> str(group_label(d, Group("s", "scope", "", [0])))
    '<b>s</b><br/>1 node: add'
    """
    title = group.key.rsplit("/", 1)[-1] if group.kind == "scope" else group.title
    count = len(group.members)
    noun = "node" if count == 1 else "nodes"
    kinds = Counter(diagram.nodes[i].kind for i in group.members)
    extra = ", ".join(f"{kinds[k]} {k}{'s' if kinds[k] > 1 else ''}" for k in ("input", "param") if kinds[k])
    lines = [f"<b>{L.html_text(title, max_chars=L.MAX_NAME_CHARS)}</b>",
             L.html_text(f"{count:,} {noun}: {op_summary(diagram, group.members)}")]
    if extra:
        lines.append(_small(L.html_text(extra)))
    if any(diagram.nodes[i].is_output for i in group.members):
        lines.append(_small("holds an output"))
    return L.Html("<br/>".join(lines))


class _ClusterTree:
    """Nested clusters: which units sit directly in each scope, and its child scopes."""

    def __init__(self, titles: dict[str, str] | None = None) -> None:
        self.units: dict[str, list[str]] = {"": []}
        self.children: dict[str, list[str]] = {"": []}
        self.titles = titles or {}

    def _ensure(self, scope: str) -> None:
        if scope in self.units:
            return
        parent = scope.rsplit("/", 1)[0] if "/" in scope else ""
        self._ensure(parent)      # recursion only as deep as the scope path
        self.units[scope] = []
        self.children[scope] = []
        self.children[parent].append(scope)

    def add(self, scope: str, unit_line: str) -> None:
        self._ensure(scope)
        self.units[scope].append(unit_line)

    def write(self, out: list[str]) -> None:
        counter = [0]

        def emit(scope: str, indent: str) -> None:
            for line in self.units[scope]:
                out.append(indent + line)
            for child in self.children[scope]:
                out.append(f"{indent}subgraph {cluster_id(counter[0])} {{")
                counter[0] += 1
                title = self.titles.get(child) or child.rsplit("/", 1)[-1]
                label = L.Html(L.html_text(title, max_chars=L.MAX_NAME_CHARS))
                out.append(indent + "\t" + "graph " + attr_list({
                    "label": label, "tooltip": child, "style": "rounded,dashed",
                    "color": "#9e9e9e", "fontcolor": "#555555"}))
                emit(child, indent + "\t")
                out.append(indent + "}")

        emit("", "\t")


def dot_lines(
    diagram: Diagram,
    opts: DrawOptions,
    plan: CollapsePlan | None = None,
    *,
    highlight: Iterable[int] = (),
    style: StyleHook | None = None,
    mark_edges: Mapping[tuple[int, int], str] | None = None,
) -> list[str]:
    """The body of the ``digraph`` (without braces), one statement per line.

    ``mark_edges`` maps an edge ``(i, j)`` of the program to a short text: the arrow is drawn in
    the "gradient check failed" colour with that text beside it (a check that found a wrong rule).

    >>> from dpviz.pictures.model import Diagram, NodeInfo
    >>> dot_lines(Diagram([NodeInfo(index=0, kind="input", op="input")], []), DrawOptions(legend=False))[0]
    '\\tgraph [rankdir="LR" fontname="Helvetica" fontsize="11" nodesep="0.25" ranksep="0.35" newrank="true" nslimit="2" nslimit1="2"]'
    """
    if plan is None:
        plan = CollapsePlan([-1] * diagram.n, [])
    marked = set(highlight)
    marked_edges = False
    unit_of = unit_ids(plan.unit)   # the box each node is drawn in
    nonfinite = first_nonfinite(diagram)
    roles: list[str] = list(opts.legend_roles)

    # Labels first: the direction of the drawing is chosen from their sizes.
    labels: dict[str, L.Html] = {}
    # A node without numbers is labelled by its kind, name and op alone, and a PyTorch graph has
    # thousands of such nodes and few distinct labels: make each of those once.
    same: dict[tuple, L.Html] = {}
    for node in diagram.nodes:
        g = plan.unit[node.index]
        if g == -1:
            if (node.value is None and node.grad is None and node.version is None and not node.params
                    and not opts.index):
                key = (node.kind, node.name, node.op, node.subtitle, node.shape, node.dtype, node.grad_state)
                label = same.get(key)
                if label is None:
                    label = same[key] = node_label(node, opts)
                labels[node.id] = label
                continue
            who = node.overwritten_by
            overwriter = diagram.nodes[who] if who is not None and 0 <= who < diagram.n else None
            labels[node.id] = node_label(node, opts, overwriter)
        elif group_id(g) not in labels:
            labels[group_id(g)] = group_label(diagram, plan.groups[g])
    rankdir = opts.rankdir
    if rankdir == "auto":
        rankdir = choose_rankdir(diagram, unit_of, [labels[u] for u in unit_of], opts.frame_px)

    graph_attrs: dict[str, Any] = {"rankdir": rankdir, "fontname": "Helvetica", "fontsize": "11",
                                   "nodesep": "0.25", "ranksep": "0.35", "newrank": "true",
                                   # Network simplex (ranking, then placement) ran unbounded and took
                                   # most of the layout time of big graphs (4 s for 200 nodes); 2 passes
                                   # per node give the same pictures on our programs in a small fraction.
                                   "nslimit": "2", "nslimit1": "2"}
    out = ["\tgraph " + attr_list(graph_attrs),
           "\tnode " + attr_list({"fontname": "Helvetica", "fontsize": "10", "margin": "0.08,0.04"}),
           "\tedge " + attr_list({"arrowsize": "0.7", "color": "#555555", "fontname": "Helvetica"})]

    tree = _ClusterTree(diagram.scope_titles)
    # Groups are placed where their first member would be, so output order follows indices.
    group_done = [False] * len(plan.groups)
    for node in diagram.nodes:
        g = plan.unit[node.index]
        if g == -1:
            plain = (node.overwritten_by is None and node.index != nonfinite and node.index not in marked
                     and style is None)
            scope = node.scope if opts.clusters else ""
            if plain:   # the common case, written straight from the cached text of its kind's look
                look = _LOOK_TEXT["output" if node.is_output else node.kind]
                tree.add(scope, f"{node.id} [label=<{labels[node.id]}> {look} "
                                f"tooltip={L.dot_string(_tooltip(node))}]")
                continue
            attrs: dict[str, Any] = {"label": labels[node.id]}
            attrs.update(node_style(node))
            attrs["tooltip"] = _tooltip(node)
            if node.overwritten_by is not None:
                attrs = dot_attrs("overwritten", base=attrs)
                roles.append("overwritten")
            if node.index == nonfinite:
                attrs = dot_attrs("nonfinite", base=attrs)
                roles.append("nonfinite")
            if node.index in marked:
                attrs = dot_attrs("highlight", base=attrs)
                roles.append("highlight")
            if style is not None:
                extra = call_hook(style, node)
                note = extra.pop(NOTE_KEY, None)
                if note:      # a hook's line of text, under the label (escaped like every label)
                    attrs["label"] = L.Html(f"{attrs['label']}<br/>" + _small(L.html_text(note)))
                attrs.update(extra)
            tree.add(scope, f"{node.id} {attr_list(attrs)}")
        elif not group_done[g]:
            group_done[g] = True
            group = plan.groups[g]
            attrs = {"label": labels[group_id(g)]}
            attrs.update(KIND_STYLE["group"])
            attrs["margin"] = "0.14,0.1"      # box3d's raised edge takes room from the label
            attrs["tooltip"] = group.title
            if marked.intersection(group.members):
                attrs = dot_attrs("highlight", base=attrs)
                roles.append("highlight")
            scope = group.parent_scope if opts.clusters else ""
            tree.add(scope, f"{group_id(g)} {attr_list(attrs)}")
    tree.write(out)

    # Edges into a group, out of it or between two groups are merged and counted.
    merged: dict[tuple[str, str, str], int] = {}
    order: list[tuple[str, str, str]] = []
    for edge in sorted(diagram.edges, key=lambda e: (e.dst, -1 if e.position is None else e.position, e.src)):
        src, dst = unit_of[edge.src], unit_of[edge.dst]
        if src == dst:
            continue
        if plan.unit[edge.src] == -1 and plan.unit[edge.dst] == -1:
            attrs = dict(EDGE_STYLE.get(edge.style, {}))
            if opts.arg_positions and edge.position is not None:
                attrs["label"] = str(edge.position)
                attrs["fontsize"] = "9"
            if opts.edge_ids:
                attrs["id"] = edge_id(src, dst, edge.position, edge.style)
            note = (mark_edges or {}).get((edge.src, edge.dst))
            if note is not None and edge.style == "data":
                attrs.update(dot_edge_attrs("check_failed"), label=note, fontsize="10",
                             fontcolor=EDGE_ROLES["check_failed"].stroke)
                marked_edges = True
            out.append(f"\t{src} -> {dst}" + (f" {attr_list(attrs)}" if attrs else ""))
            continue
        key = (src, dst, edge.style)
        if key not in merged:
            merged[key] = 0
            order.append(key)
        merged[key] += 1
    for key in order:
        src, dst, kind = key
        attrs = dict(EDGE_STYLE.get(kind, {}))
        if merged[key] > 1:
            attrs.update(label=f"×{merged[key]}", fontsize="9", penwidth="1.5")
        if opts.edge_ids:
            attrs["id"] = edge_id(src, dst, style=kind)
        out.append(f"\t{src} -> {dst}" + (f" {attr_list(attrs)}" if attrs else ""))

    captions = [t for t in (diagram.title, plan.note) if t]
    notes = []
    if (opts.grad and not opts.full and diagram.source_kind == "program"
            and any(node.grad_state == GRAD_NOT_COMPUTED for node in diagram.nodes)):
        notes.append(GRADS_LATER_NOTE)
    if opts.legend:
        caption = legend_table(ordered(node_roles(diagram, plan) + roles),
                               edge_roles(diagram) + (["check_failed"] if marked_edges else []),
                               captions=captions, notes=notes)
    else:
        caption = legend_table([], captions=captions)
    if caption is not None:
        graph_attrs.update(label=caption, labelloc="b", labeljust="l")
        out[0] = "\tgraph " + attr_list(graph_attrs)
    return out
