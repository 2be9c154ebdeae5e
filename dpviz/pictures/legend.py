"""The legend box: one sample node for each kind of node the drawing contains.

Only kinds that occur are listed, so a small program gets a small legend; the samples
use exactly the styles of :mod:`dpviz.pictures.style`, so the legend cannot drift from them.

>>> from dpviz.pictures.model import Diagram, NodeInfo
>>> d = Diagram([NodeInfo(index=0, kind="input", op="input", is_output=True)], [])
>>> kinds_present(d, None)
['input', 'output']
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from dpviz.pictures import labels as L
from dpviz.pictures.ids import LEGEND_CLUSTER, legend_id
from dpviz.pictures.labels import attr_list
from dpviz.pictures.model import KIND_TITLES, KINDS, Diagram
from dpviz.pictures.style import KIND_STYLE

if TYPE_CHECKING:   # only for annotations: collapse does not import the legend
    from dpviz.pictures.collapse import CollapsePlan


def kinds_present(diagram: Diagram, plan: "CollapsePlan | None") -> list[str]:
    """The kinds of node a drawing shows, in legend order."""
    found = {node.kind for node in diagram.nodes}
    if any(node.is_output for node in diagram.nodes):
        found.add("output")
    if plan is not None and plan.groups:
        found.add("group")
    return [kind for kind in KINDS if kind in found]


def legend_lines(diagram: Diagram, plan: "CollapsePlan | None") -> list[str]:
    """DOT lines of a ``cluster_legend`` subgraph (empty when there is nothing to explain).

    >>> from dpviz.pictures.model import Diagram, NodeInfo
    >>> lines = legend_lines(Diagram([NodeInfo(index=0, kind="param", op="param")], []), None)
    >>> lines[0].strip(), sum("legend_param" in line for line in lines)
    ('subgraph cluster_legend {', 1)
    """
    kinds = kinds_present(diagram, plan)
    if not kinds:
        return []
    lines = [f"\tsubgraph {LEGEND_CLUSTER} {{",
             "\t\tgraph " + attr_list({"label": L.Html("<b>legend</b>"), "style": "rounded",
                                      "color": "#bbbbbb", "fontsize": "10"})]
    for kind in kinds:
        attrs = {"label": L.Html(L.html_text(KIND_TITLES[kind])), "fontsize": "9"}
        attrs.update(KIND_STYLE[kind])
        lines.append(f"\t\t{legend_id(kind)} {attr_list(attrs)}")
    # No edges: unconnected samples share the first rank, so they line up in one column
    # (rankdir LR) or one row (TB) beside the graph.
    if diagram.source_kind == "torch" and any(e.style != "data" for e in diagram.edges):
        lines.append(f"\t\t{legend_id('edges')} " + attr_list({
            "shape": "plaintext", "fontsize": "9",
            "label": L.Html("dashed: saved for backward<br/>dotted: view of a base")}))
    lines.append("\t}")
    return lines
