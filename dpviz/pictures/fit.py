"""Make a drawing fit the page: pick the orientation that fits, and frame what cannot fit.

A notebook output is about :data:`FRAME_PX` CSS pixels wide, and a front end shows a wider
SVG scaled down, so its text shrinks below reading size. ``dp.draw`` therefore picks the
direction of the arrows before Graphviz lays the picture out (:func:`choose_rankdir`):
left to right while the program is shallow enough to fit, top to bottom for long chains
and layered networks, whose layers are narrower than they are deep. The estimate is made
from the label texts and a longest-path layering, which is what ``dot`` ranks by; a picture
that fits neither way is shown at full size inside a scrolling frame
(:func:`scroll_frame`), never shrunk.

>>> from dpviz.pictures.model import Diagram, NodeInfo, EdgeInfo
>>> def chain(n):
...     return Diagram([NodeInfo(index=i, kind="op", op="tanh") for i in range(n)],
...                    [EdgeInfo(i - 1, i, 0) for i in range(1, n)])
>>> boxes = [f"n{i}" for i in range(12)]
>>> choose_rankdir(chain(12), boxes, ["<b>tanh</b><br/>value 0.7616"] * 12)
'TB'
>>> choose_rankdir(chain(3), boxes[:3], ["<b>tanh</b><br/>value 0.7616"] * 3)
'LR'
"""
from __future__ import annotations

import base64
import re
from typing import Sequence

from dpviz.pictures.model import Diagram

#: The width in CSS pixels of the notebook output that drawings are made to fit: JupyterLab's
#: output area in a 1,400 px window is 968 px wide, 946 px inside a frame's border and scrollbar.
FRAME_PX = 940
#: The tallest a scrolling frame grows before it scrolls vertically too (CSS pixels).
FRAME_MAX_HEIGHT_PX = 720
#: CSS pixels per point: Graphviz sizes SVGs in points.
PX_PER_PT = 4 / 3

# Helvetica is about 0.56 em wide per character on average; Graphviz adds a margin per box.
_EM = 0.56
_BOX_PAD_PT = 14.0
_LINE_PT = 1.25
_RANKSEP_PT = 0.35 * 72
_NODESEP_PT = 0.25 * 72
_TAG = re.compile(r"<[^>]*>")
_SMALL_PT = 9.0      # the small font of shape and note lines
_SVG_SIZE = re.compile(r'<svg\b[^>]*?\bwidth="([\d.]+)(pt|px)?"[^>]*?\bheight="([\d.]+)(pt|px)?"', re.S)


def label_size(label: str, fontsize: float = 10.0) -> tuple[float, float]:
    """The estimated ``(width, height)`` in points of a box with an HTML-like ``label``.

    >>> w, h = label_size("<b>tanh</b><br/>value 0.7616")
    >>> 70 < w < 90, 30 < h < 40
    (True, True)
    """
    width, height = 0.0, 0.0
    for line in label.split("<br/>"):
        size = _SMALL_PT if 'point-size="9"' in line else fontsize
        text = _TAG.sub("", line) if "<" in line else line
        chars = len(text) - 4 * text.count("&")          # an entity (&lt;) is one character
        width = max(width, chars * _EM * size)
        height += size * _LINE_PT
    return width + _BOX_PAD_PT, max(height, 18.0) + 8.0


def _ranks(diagram: Diagram, unit: Sequence[str]) -> dict[str, int]:
    """The rank of each drawn box as ``dot`` tends to place it: ops by the longest path from the
    leaves, and each leaf one rank before its first consumer (``dot`` keeps edges short, so a
    weight sits beside the layer that reads it, not with the inputs)."""
    n = diagram.n
    into: list[list[int]] = [[] for _ in range(n)]
    out_of: list[list[int]] = [[] for _ in range(n)]
    for e in diagram.edges:
        if e.src < e.dst:               # edges that point back (in-place writes) do not rank
            into[e.dst].append(e.src)
            out_of[e.src].append(e.dst)
    rank = [0] * n
    for i in range(n):
        if into[i]:
            u = unit[i]
            rank[i] = max([rank[j] + (unit[j] != u) for j in into[i]])
    for i in range(n):
        if not into[i] and out_of[i]:
            u = unit[i]
            rank[i] = max(0, min([rank[c] - (unit[c] != u) for c in out_of[i]]))
    box_rank: dict[str, int] = {}
    for u, r in zip(unit, rank):
        if r >= box_rank.get(u, 0):
            box_rank[u] = r
    return box_rank


def estimated_widths(diagram: Diagram, unit: Sequence[str], labels: Sequence[str]) -> tuple[float, float]:
    """The estimated drawing width in points laid out left to right, and top to bottom.

    ``unit[i]`` is the DOT id of the box node ``i`` is drawn in; ``labels[i]`` is that box's label.

    >>> from dpviz.pictures.model import Diagram, NodeInfo
    >>> d = Diagram([NodeInfo(index=i, kind="input", op="input") for i in range(4)], [])
    >>> lr, tb = estimated_widths(d, ["a", "b", "c", "d"], ["<b>x</b>"] * 4)
    >>> lr < tb
    True
    """
    sizes: dict[str, tuple[float, float]] = {}
    known: dict[str, tuple[float, float]] = {}      # many boxes share a label (PyTorch's ops)
    for u, label in zip(unit, labels):
        if u not in sizes:
            size = known.get(label)
            if size is None:
                size = known[label] = label_size(label)
            sizes[u] = size
    ranks = _ranks(diagram, unit)
    widest: dict[int, float] = {}     # per rank: the widest box (LR) ...
    across: dict[int, float] = {}     # ... and the boxes side by side (TB)
    for u, r in ranks.items():
        w = sizes[u][0]
        widest[r] = max(widest.get(r, 0.0), w)
        across[r] = across.get(r, -_NODESEP_PT) + w + _NODESEP_PT
    lr = sum(widest.values()) + _RANKSEP_PT * max(0, len(widest) - 1)
    tb = max(across.values(), default=0.0)
    return lr, tb


def choose_rankdir(diagram: Diagram, unit: Sequence[str], labels: Sequence[str],
                   frame_px: float = FRAME_PX) -> str:
    """``"LR"`` when the left-to-right layout fits ``frame_px``, else ``"TB"`` when that fits,
    else whichever is narrower (it will be shown in a scrolling frame)."""
    lr, tb = estimated_widths(diagram, unit, labels)
    room = frame_px / PX_PER_PT - 16.0        # the SVG's own margins
    if lr <= room:
        return "LR"
    if tb <= room:
        return "TB"
    return "LR" if lr <= tb else "TB"


def svg_size_px(svg: str) -> tuple[float, float]:
    """The natural ``(width, height)`` of an SVG in CSS pixels (Graphviz writes points).

    >>> svg_size_px('<svg width="75pt" height="30pt" viewBox="0 0 75 30"></svg>')
    (100.0, 40.0)
    """
    found = _SVG_SIZE.search(svg)
    if not found:
        return 0.0, 0.0
    w, wu, h, hu = found.groups()
    scale_w = 1.0 if wu == "px" else PX_PER_PT
    scale_h = 1.0 if hu == "px" else PX_PER_PT
    return float(w) * scale_w, float(h) * scale_h


def scroll_frame(svg: str) -> str:
    """HTML that shows ``svg`` at its natural size in a frame that scrolls instead of shrinking it.

    The picture goes in as an image (a data URL), so the ids inside two drawings on one page
    cannot collide and a notebook's HTML sanitizer keeps it.

    >>> 'overflow:auto' in scroll_frame('<svg width="3000pt" height="10pt"></svg>')
    True
    """
    w, h = svg_size_px(svg)
    data = base64.b64encode(svg.encode("utf-8")).decode("ascii")
    return (f'<div class="dpviz-drawing-frame" style="max-width:100%;overflow:auto;'
            f'max-height:{FRAME_MAX_HEIGHT_PX}px;border:1px solid #e0e0e0">'
            f'<img alt="dpviz drawing" src="data:image/svg+xml;base64,{data}" '
            f'style="max-width:none;width:{w:.0f}px;height:{h:.0f}px;display:block"></div>')
