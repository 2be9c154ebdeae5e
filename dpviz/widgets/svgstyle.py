"""Restyle an SVG that Graphviz has already laid out, without laying it out again.

Graphviz (system ``dot`` or ``graphviz-pure``) writes one ``<g class="node">`` per box,
titled with its DOT id (``n3``, ``g1``), and one ``<g class="edge">`` per arrow, titled
``n0->n3``. :class:`SvgTemplate` cuts that text once into static pieces and *slots*: the
class of each box and arrow, the fill and stroke of their shapes, and the ``value`` /
``grad`` lines of each label (ids and line roles as :mod:`dpviz.pictures.ids` defines
them). Filling the slots and joining the pieces is a string join, so a step costs
microseconds per node instead of a new layout.

>>> import dpviz as dp
>>> from dpviz.pictures.renderer import render
>>> t = SvgTemplate(render("digraph { n0 [label=<x<br/>value 2>]; n1; n0 -> n1 }"))
>>> t.units, t.edges
(['n0', 'n1'], [('n0', 'n1')])
>>> svg = t.fill({"n0": LOOKS["current"]}, {}, {("n0", "value"): ("value ?", "#999999")})
>>> 'class="node dp-current"' in svg and ">value ?</text>" in svg
True
"""
from __future__ import annotations

import html
import hashlib
import re
from dataclasses import dataclass
from typing import Mapping

from dpviz.pictures.ids import line_role
from dpviz.pictures.palette import EDGE_ROLES, ROLES

_GROUP = re.compile(r'<g id="([^"]*)" class="(node|edge|cluster)">\s*<title>([^<]*)</title>')
_ELEMENT = re.compile(r"<(path|polygon|ellipse|polyline)\b([^>]*?)(/?)>|<text\b([^>]*)>(.*?)</text>", re.S)
_ATTR = re.compile(r'\s([\w:-]+)="([^"]*)"')
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:e-?\d+)?")
_PAINT = ("fill", "stroke", "stroke-width", "stroke-dasharray")


@dataclass(frozen=True)
class Look:
    """How a box or an arrow looks: extra CSS classes, fill, stroke, width and dashes.

    ``reverse`` (arrows only) draws the arrowhead at the arrow's start instead of its end: an
    adjoint flows from an op back to its input, against the direction the value flowed.

    >>> Look("dp-x", "#fff", "#000").shape_attrs(main=True)
    ' fill="#fff" stroke="#000" stroke-width="1"'
    """

    cls: str
    fill: str
    stroke: str
    width: float = 1.0
    dash: str = ""
    reverse: bool = False

    def shape_attrs(self, *, main: bool) -> str:
        """The paint attributes of the main shape (filled) or of a periphery / edge line."""
        dash = f' stroke-dasharray="{self.dash}"' if self.dash else ""
        fill = self.fill if main else "none"
        return f' fill="{fill}" stroke="{self.stroke}" stroke-width="{self.width:g}"{dash}'


def look_of(cls: str, fill_role: str, border_role: str | None = None, *, edge: bool = False) -> Look:
    """A :class:`Look` from the course palette: the fill of ``fill_role`` and the border of
    ``border_role`` (default: the same role); for an arrow, the colour and line of ``fill_role``.

    >>> look_of("dp-current", "known", "current").width
    3.5
    """
    if edge:
        role = EDGE_ROLES[fill_role]
        return Look(cls, role.stroke, role.stroke, role.width, role.dash, role.points_back)
    fill, border = ROLES[fill_role], ROLES[border_role or fill_role]
    return Look(cls, fill.fill or "#ffffff", border.stroke, border.width, border.dash)


#: The looks of boxes, from :mod:`dpviz.pictures.palette`: not computed yet, value known,
#: adjoint known, tangent known; the current node keeps its pass's fill inside a thick black
#: border, and what the step reads gets a dashed blue one.
LOOKS: dict[str, Look] = {
    "pending": look_of("dp-pending", "pending"),
    "known": look_of("dp-known", "known"),
    "adjoint": look_of("dp-adjoint", "adjoint"),
    "tangent": look_of("dp-tangent", "tangent"),
    "current-forward": look_of("dp-current", "known", "current"),
    "current-backward": look_of("dp-current", "adjoint", "current"),
    "current-jvp": look_of("dp-current", "tangent", "current"),
    "current": look_of("dp-current", "pending", "current"),
    **{f"feeding-{state}": look_of("dp-feeding", state, "read") for state in ("pending", "known", "adjoint", "tangent")},
}

#: The looks of arrows: not yet used, used by the forward pass, carried an adjoint (drawn
#: pointing back at the input it reached) or a tangent, and read by the current step (pointing
#: back when the step sends an adjoint along it).
EDGE_LOOKS: dict[str, Look] = {
    "pending": look_of("dp-pending", "pending", edge=True),
    "done": look_of("dp-done", "done", edge=True),
    "adjoint": look_of("dp-adjoint", "adjoint", edge=True),
    "tangent": look_of("dp-tangent", "tangent", edge=True),
    "feeding": look_of("dp-feeding", "read", edge=True),
    "feeding-back": look_of("dp-feeding", "read_back", edge=True),
}

#: Arrowheads drawn at the start of reversed arrows, one per colour (SVG markers).
_MARKER = ('<marker id="{id}" viewBox="0 0 10 7" refX="10" refY="3.5" markerUnits="userSpaceOnUse" '
           'markerWidth="{w:.1f}" markerHeight="{h:.1f}" orient="auto-start-reverse">'
           '<path d="M0,0 L10,3.5 L0,7 z" fill="{colour}" stroke="none"/></marker>')


def marker_key(look: Look) -> str:
    """The name of the arrowhead marker that a reversed arrow of this look uses (its colour).

    >>> marker_key(EDGE_LOOKS["adjoint"])
    'c78a00'
    """
    return look.stroke.lstrip("#").lower()


def marker_defs(prefix: str) -> str:
    """``<defs>`` with one arrowhead per colour of a reversed look, ids ``prefix + marker_key``.

    >>> 'id="p-c78a00"' in marker_defs("p-")
    True
    """
    seen: dict[str, Look] = {}
    for look in EDGE_LOOKS.values():
        if look.reverse:
            seen.setdefault(marker_key(look), look)
    marks = "".join(_MARKER.format(id=prefix + key, colour=look.stroke, w=7 + look.width, h=5 + look.width * 0.7)
                    for key, look in seen.items())
    return f"<defs>{marks}</defs>"

#: Text colours of label lines: known, not yet known.
INK, FAINT = "#000000", "#9a9a9a"


class _Slot:
    __slots__ = ("index", "kind", "key", "main", "orig")

    def __init__(self, index: int, kind: str, key: object, main: bool = True, orig: str = ""):
        # orig: what the slot held in the SVG as drawn, used when a step says nothing about it
        self.index, self.kind, self.key, self.main, self.orig = index, kind, key, main, orig


def _center_x(attrs: str) -> float | None:
    """The horizontal centre of a shape from its ``points``, ``d`` or ``cx`` attribute."""
    found = dict(_ATTR.findall(" " + attrs))
    if "cx" in found:
        return float(found["cx"])
    coords = found.get("points") or found.get("d")
    if not coords:
        return None
    nums = [float(v) for v in _NUMBER.findall(coords)]
    xs = nums[0::2]
    return (min(xs) + max(xs)) / 2 if xs else None


def _strip_paint(attrs: str) -> str:
    return "".join(f' {k}="{v}"' for k, v in _ATTR.findall(" " + attrs) if k not in _PAINT)


class SvgTemplate:
    """An SVG from Graphviz, cut into static text and slots that :meth:`fill` fills per step.

    ``units`` are the DOT ids of the boxes (``n<i>`` or ``g<k>``), ``edges`` the
    ``(src, dst)`` id pairs of the arrows, ``text_slots`` the ``(unit, "value" | "grad")``
    label lines that can change. The XML prologue is dropped so the text can be put
    straight into HTML.

    >>> from dpviz.pictures.renderer import render
    >>> SvgTemplate(render("digraph { a -> b }")).units
    ['a', 'b']
    """

    def __init__(self, svg: str):
        start = svg.find("<svg")
        if start < 0:
            raise ValueError("not an SVG document: no <svg> element")
        svg = svg[start:]
        # Reversed arrows point with markers defined once in the SVG, under ids unique to its
        # content (the same picture twice on a page defines the same markers twice: harmless).
        self.marker_prefix = f"dp{hashlib.sha1(svg.encode()).hexdigest()[:8]}-"
        head = svg.find(">") + 1
        svg = (svg[:head - 1] + f' data-dp-markers="{self.marker_prefix}">' + marker_defs(self.marker_prefix)
               + svg[head:])
        self.units: list[str] = []
        self.edges: list[tuple[str, str]] = []
        #: the SVG id of each arrow, in the order of ``edges`` (its DOT ``id``, when it was given one)
        self.edge_keys: list[str] = []
        self.text_slots: set[tuple[str, str]] = set()
        pieces: list[str] = []
        slots: list[_Slot] = []
        matches = list(_GROUP.finditer(svg))
        pos = 0
        for n, m in enumerate(matches):
            end = matches[n + 1].start() if n + 1 < len(matches) else len(svg)
            gid, kind, title = m.group(1), m.group(2), html.unescape(m.group(3))
            if kind == "cluster":
                continue
            pieces.append(svg[pos:m.start()])
            if kind == "node":
                key: object = title
                self.units.append(title)
            else:
                src, _, dst = title.partition("->")
                self.edges.append((src, dst))
                self.edge_keys.append(html.unescape(gid))
                key = (html.unescape(gid), (src, dst))
            pieces.append(f'<g id="{gid}" class="{kind}')
            slots.append(_Slot(len(pieces), "ncls" if kind == "node" else "ecls", key))
            pieces.append("")
            extra = f' data-dp-edge="{html.escape(html.unescape(gid))}"' if kind == "edge" else ""
            pieces.append(f'" data-dp-unit="{html.escape(title)}"{extra}>\n<title>{m.group(3)}</title>')
            body = svg[m.end():end]
            pos = end
            self._cut_body(body, kind, key, pieces, slots)
        pieces.append(svg[pos:])
        self._pieces = pieces
        self._slots = slots

    def _cut_body(self, body: str, kind: str, key: object, pieces: list[str], slots: list[_Slot]) -> None:
        pos = 0
        shapes = 0
        cx: float | None = None
        for m in _ELEMENT.finditer(body):
            if m.group(1):                 # a shape: its paint becomes a slot
                attrs = m.group(2)
                if kind == "node" and shapes == 0:
                    cx = _center_x(attrs)
                pieces.append(body[pos:m.start()] + f"<{m.group(1)}")
                main = shapes == 0 or kind == "edge"
                if kind == "edge":     # the line is drawn unfilled, the arrowhead filled
                    main = m.group(1) != "path"
                orig = "".join(f' {k}="{v}"' for k, v in _ATTR.findall(" " + attrs) if k in _PAINT)
                slots.append(_Slot(len(pieces), "nshape" if kind == "node" else "eshape", key, main, orig))
                pieces.append("")
                pieces.append(_strip_paint(attrs) + f"{m.group(3)}>")
                shapes += 1
                pos = m.end()
                continue
            attrs, content = m.group(4), html.unescape(m.group(5))
            # a bold line is a title, whose name may begin like a value or grad line
            line = line_role(content) if kind == "node" and 'font-weight="bold"' not in attrs else None
            if line is None:
                continue
            kept = _strip_paint(attrs)
            if cx is not None:         # centre the line: its text changes length from step to step
                kept = re.sub(r' text-anchor="[^"]*"', "", kept)
                kept = re.sub(r' x="[^"]*"', f' x="{cx:.2f}"', kept)
                kept = ' text-anchor="middle"' + kept
            pieces.append(body[pos:m.start()] + f'<text data-dp-line="{line}"' + kept)
            paint = "".join(f' {k}="{v}"' for k, v in _ATTR.findall(" " + attrs) if k == "fill")
            slots.append(_Slot(len(pieces), "text", (key, line), True, f"{paint}>{m.group(5)}</text>"))
            self.text_slots.add((key, line))    # type: ignore[arg-type]
            pieces.append("")
            pos = m.end()
        pieces.append(body[pos:])

    def fill(self, looks: Mapping[str, Look], edge_looks: Mapping[tuple[str, str], Look],
             texts: Mapping[tuple[str, str], tuple[str, str]]) -> str:
        """The SVG with each box, arrow and label line styled; anything not given keeps its look.

        ``texts`` maps ``(unit, "value" | "grad")`` to ``(text, colour)``; an empty text hides the line.
        """
        out = list(self._pieces)
        for slot in self._slots:
            kind = slot.kind
            if kind == "text":
                got = texts.get(slot.key)       # type: ignore[arg-type]
                if got is None:
                    out[slot.index] = slot.orig
                else:
                    out[slot.index] = f' fill="{got[1]}">{html.escape(got[0], quote=False)}</text>'
                continue
            if kind in ("ncls", "nshape"):
                look = looks.get(slot.key)    # type: ignore[call-overload]
            else:                             # an arrow: by its own id, else by the boxes it joins
                gid, pair = slot.key          # type: ignore[misc]
                look = edge_looks.get(gid)
                if look is None:
                    look = edge_looks.get(pair)
            if look is None:
                if kind in ("nshape", "eshape"):
                    out[slot.index] = slot.orig
                continue
            if kind in ("ncls", "ecls"):
                out[slot.index] = " " + look.cls
            elif kind == "eshape" and look.reverse:
                if slot.main:                 # the arrowhead at the end: hidden
                    out[slot.index] = ' fill="none" stroke="none"'
                else:                         # the line: an arrowhead at its start
                    out[slot.index] = (look.shape_attrs(main=False)
                                       + f' marker-start="url(#{self.marker_prefix}{marker_key(look)})"')
            else:
                out[slot.index] = look.shape_attrs(main=slot.main)
        return "".join(out)
