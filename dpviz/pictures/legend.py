"""The legend: a compact strip under the picture naming only the looks it uses.

Every sample is drawn from :mod:`dpviz.pictures.palette`, the looks the picture itself uses,
so the legend cannot drift from them. ``dp.draw`` writes it as the graph's caption (an
HTML-like table under the drawing, after the title), which Graphviz places without moving any
box; the Stepper shows the same entries as HTML (:func:`legend_html`).

>>> from dpviz.pictures.model import Diagram, NodeInfo
>>> d = Diagram([NodeInfo(index=0, kind="input", op="input", is_output=True)], [])
>>> node_roles(d, None)
['input', 'output']
>>> "input" in legend_html(["input", "known"], ["adjoint"])
True
"""
from __future__ import annotations

import html
from typing import TYPE_CHECKING, Iterable, Sequence

from dpviz.pictures import labels as L
from dpviz.pictures.model import KINDS, Diagram
from dpviz.pictures.palette import DASH_STYLE, EDGE_ROLES, ROLES, Role

if TYPE_CHECKING:   # only for annotations: collapse does not import the legend
    from dpviz.pictures.collapse import CollapsePlan

#: A legend row holds at most this many entries; more wrap onto the next row.
PER_ROW = 6

_SWATCH_W, _SWATCH_H = 18, 11


def node_roles(diagram: Diagram, plan: "CollapsePlan | None") -> list[str]:
    """The kinds of node a drawing shows (with ``"output"`` and ``"group"``), in legend order;
    nodes folded into a collapsed box are not shown, so they are not listed."""
    shown = [node for node in diagram.nodes if plan is None or plan.unit[node.index] == -1]
    found = {node.kind for node in shown}
    if any(node.is_output for node in shown):
        found.add("output")
    if plan is not None and plan.groups:
        found.add("group")
    return [kind for kind in KINDS if kind in found]


def edge_roles(diagram: Diagram) -> list[str]:
    """The kinds of arrow a drawing shows besides plain data arrows, in palette order.

    >>> from dpviz.pictures.model import Diagram, EdgeInfo
    >>> edge_roles(Diagram([], [EdgeInfo(0, 1, None, "saved"), EdgeInfo(0, 1, 0)]))
    ['saved']
    """
    found = {edge.style for edge in diagram.edges} - {"data"}
    return [key for key in EDGE_ROLES if key in found]


def ordered(keys: Iterable[str]) -> list[str]:
    """``keys`` without repeats, in the palette's order.

    >>> ordered(["known", "input", "known"])
    ['input', 'known']
    """
    wanted = set(keys)
    return [key for key in ROLES if key in wanted]


def _node_swatch(role: Role) -> str:
    fill = role.fill or "#ffffff"
    if role.double:          # a frame inside a frame, as the box itself is drawn
        return (f'<td width="{_SWATCH_W}" height="{_SWATCH_H}" fixedsize="true"><table border="1" cellborder="1" '
                f'cellspacing="1" cellpadding="0" color="{role.stroke}"><tr><td width="{_SWATCH_W - 6}" '
                f'height="{_SWATCH_H - 5}" fixedsize="true" bgcolor="{fill}" color="{role.stroke}"></td></tr>'
                "</table></td>")
    border = max(1, round(role.width))
    styles = (["rounded"] if role.rounded else []) + ([DASH_STYLE[role.dash]] if role.dash else [])
    style = f' style="{",".join(styles)}"' if styles else ""
    return (f'<td width="{_SWATCH_W}" height="{_SWATCH_H}" fixedsize="true" border="{border}" '
            f'color="{role.stroke}" bgcolor="{fill}"{style}></td>')


def _edge_swatch(role: Role) -> str:
    # an arrow drawn as a short bar, dashes and dots as separate pieces; the pieces and the
    # gaps between them (1 pt each) add up to the swatch's width, or dot refuses the table
    pieces, piece_w = {"": (1, 16), "4,2": (3, 4), "4,3": (3, 4), "6,3": (3, 4), "1,2": (5, 2),
                       "2,2": (5, 2)}[role.dash]
    height = 2 if role.width >= 1.5 else 1
    cells = "".join(f'<td width="{piece_w}" height="{height}" fixedsize="true" bgcolor="{role.stroke}"></td>'
                    for _ in range(pieces))
    return (f'<td width="{_SWATCH_W}" height="{_SWATCH_H}" fixedsize="true">'
            f'<table border="0" cellborder="0" cellspacing="1" cellpadding="0"><tr>{cells}</tr></table></td>')


def legend_table(nodes: Sequence[str], edges: Sequence[str] = (), *, captions: Sequence[str] = (),
                 notes: Sequence[str] = ()) -> L.Html | None:
    """The caption under a drawing: ``captions`` (the title, a note on collapsing) in bold, then
    one swatch and title per node role and arrow role, then ``notes`` in grey.

    >>> str(legend_table(["input"]))[:40]
    '<table border="0" cellborder="0" cellspa'
    >>> legend_table([]) is None
    True
    """
    entries = [(_node_swatch(ROLES[key]), ROLES[key].title) for key in nodes]
    entries += [(_edge_swatch(EDGE_ROLES[key]), EDGE_ROLES[key].title) for key in edges]
    if not entries and not captions and not notes:
        return None
    # One grid: four columns per entry (swatch, gap, title, gap), so wrapped rows line up.
    per_row = min(PER_ROW, len(entries)) or 1
    span = f' colspan="{4 * per_row}"'
    rows = [f'<tr><td align="left" balign="left"{span}><b>{L.html_text(text)}</b></td></tr>' for text in captions]
    for start in range(0, len(entries), per_row):
        chunk = entries[start:start + per_row]
        cells = "".join(f'{swatch}<td width="2"></td><td align="left"><font point-size="9">{L.html_text(title)}'
                        f'</font></td><td width="10"></td>' for swatch, title in chunk)
        if len(chunk) < per_row:
            cells += f'<td colspan="{4 * (per_row - len(chunk))}"></td>'
        rows.append(f"<tr>{cells}</tr>")
    rows += [f'<tr><td align="left"{span}><font point-size="9" color="#555555">{L.html_text(text)}</font></td></tr>'
             for text in notes]
    return L.Html('<table border="0" cellborder="0" cellspacing="2" cellpadding="0">' + "".join(rows) + "</table>")


def _html_swatch(role: Role, *, edge: bool) -> str:
    dash = DASH_STYLE.get(role.dash, "solid")
    if edge:    # a short arrow, its head where the picture draws it (at the start: points_back)
        w = max(1.0, role.width)
        head = "2,5 8,1.5 8,8.5" if role.points_back else "24,5 18,1.5 18,8.5"
        line = (8, 24) if role.points_back else (2, 18)
        dashes = f' stroke-dasharray="{role.dash}"' if role.dash else ""
        return (f'<svg width="26" height="10" style="vertical-align:middle;margin-right:4px" aria-hidden="true">'
                f'<line x1="{line[0]}" y1="5" x2="{line[1]}" y2="5" stroke="{role.stroke}" stroke-width="{w:g}"{dashes}/>'
                f'<polygon points="{head}" fill="{role.stroke}"/></svg>')
    radius = "border-radius:3px;" if role.rounded else ""
    frame = "double" if role.double else dash
    return (f'<span style="display:inline-block;width:14px;height:10px;background:{role.fill or "#ffffff"};'
            f'border:{max(2, round(role.width))}px {frame} {role.stroke};{radius}vertical-align:middle;'
            f'margin-right:4px"></span>')


def legend_html(nodes: Sequence[str], edges: Sequence[str] = ()) -> str:
    """The same legend as an HTML strip, for widgets (the Stepper) that draw their own legend."""
    items = [(_html_swatch(ROLES[k], edge=False), ROLES[k].title) for k in nodes]
    items += [(_html_swatch(EDGE_ROLES[k], edge=True), EDGE_ROLES[k].title) for k in edges]
    return ('<div class="dpviz-legend" style="font-size:12px;line-height:1.9">'
            + "".join(f'<span style="display:inline-block;margin-right:14px;white-space:nowrap">{swatch}'
                      f"{html.escape(title)}</span>" for swatch, title in items)
            + "</div>")
