"""The names in DOT text that other code reads back: ids of boxes and clusters, roles of label lines.

Graphviz keeps each box's DOT id as the ``<title>`` of its group in the SVG it writes, and
each line of a label as one ``<text>`` element. The Stepper restyles that SVG without a new
layout (:mod:`dpviz.widgets.svgstyle`), so it finds boxes by their ids and the value and
grad lines by how their text begins. The DOT writer and the readers take those strings from
here and nowhere else, so they cannot drift apart.

>>> node_id(3), group_id(1), parse_id("n3"), parse_id("g1")
('n3', 'g1', ('node', 3), ('group', 1))
>>> line_role(VALUE_PREFIX + "2.5"), line_role(GRAD_NOT_COMPUTED_LINE), line_role("x = tanh")
('value', 'grad', None)
"""
from __future__ import annotations

from typing import Sequence

#: What :func:`parse_id` says an id stands for: a node drawn as its own box, or a collapsed group.
NODE, GROUP = "node", "group"

_PREFIXES = {"n": NODE, "g": GROUP}


def node_id(index: int) -> str:
    """The DOT id of the node at ``index`` (its 0-based topological position, so stable across runs).

    >>> node_id(0)
    'n0'
    """
    return f"n{index}"


def group_id(k: int) -> str:
    """The DOT id of the box that collapsed group number ``k`` is drawn as.

    >>> group_id(2)
    'g2'
    """
    return f"g{k}"


def unit_ids(unit: Sequence[int]) -> list[str]:
    """The DOT id of each node's box, from a collapse plan's ``unit`` list (``-1``: the node is
    drawn itself; ``k``: it is folded into group ``k``).

    >>> unit_ids([-1, 0, 0, -1])
    ['n0', 'g0', 'g0', 'n3']
    """
    return [node_id(i) if g == -1 else group_id(g) for i, g in enumerate(unit)]


def parse_id(dot_id: str) -> tuple[str, int] | None:
    """What a box's DOT id stands for: ``("node", i)`` or ``("group", k)``, the inverse of
    :func:`node_id` and :func:`group_id`; ``None`` for any other id (a user's own node, say).

    >>> parse_id("n12"), parse_id("g0"), parse_id("legend_op"), parse_id("n01")
    (('node', 12), ('group', 0), None, None)
    """
    kind = _PREFIXES.get(dot_id[:1])
    digits = dot_id[1:]
    if kind is None or not (digits.isascii() and digits.isdigit()):
        return None
    number = int(digits)
    # "n01" is no id we write: only the spelling that node_id / group_id give maps back
    return (kind, number) if str(number) == digits else None


def edge_id(src: str, dst: str, position: int | None = None, style: str = "data") -> str:
    """The DOT (and SVG) id of the arrow from box ``src`` to box ``dst``.

    Two arrows can join the same two boxes (``x * x`` reads ``x`` twice), so an arrow between
    two plain nodes is told apart by the argument ``position`` it fills; arrows merged into or
    out of a collapsed group have none. An arrow that is not a value flowing into an op (a
    ``"saved"`` tensor, a ``"view"``) says its style, so it never shares an id with one that is.

    >>> edge_id("n0", "n2", 1), edge_id("n3", "g0"), edge_id("n1", "n4", style="saved")
    ('e-n0-n2-1', 'e-n3-g0', 'e-n1-n4-saved')
    """
    return (f"e-{src}-{dst}" + ("" if position is None else f"-{position}")
            + ("" if style == "data" else f"-{style}"))


def cluster_id(k: int | str) -> str:
    """The DOT id of a cluster: scope clusters are numbered in order of first appearance.

    Graphviz draws a subgraph as a box only when its id begins with ``cluster``.

    >>> cluster_id(0)
    'cluster_0'
    """
    return f"cluster_{k}"


#: The roles of the label lines that change from step to step: the second half of the keys of
#: ``SvgTemplate.text_slots`` and what :func:`line_role` returns.
VALUE, GRAD = "value", "grad"

#: How a node label's value line and grad line begin (``"value 2.5"``, ``"grad -0.3"``).
VALUE_PREFIX = "value "
GRAD_PREFIX = "grad "
#: The Stepper's jvp mode shows a node's tangent where its grad line is, beginning with this.
TANGENT_PREFIX = "tangent "
#: How the grad line begins when there is no gradient to show; the two lines dp.draw writes then.
GRAD_NOTE_PREFIX = "grad: "
GRAD_NOT_COMPUTED_LINE = GRAD_NOTE_PREFIX + "not computed"
GRAD_NOT_NEEDED_LINE = GRAD_NOTE_PREFIX + "not needed"


def line_role(text: str) -> str | None:
    """The role of a line of a node's label, told by how its text begins: :data:`VALUE`,
    :data:`GRAD` or ``None`` (the title, shape and dtype lines and anything else).

    >>> line_role("value [1, 2]"), line_role("grad 0.5"), line_role(GRAD_NOT_NEEDED_LINE), line_role("(3,)")
    ('value', 'grad', 'grad', None)
    """
    if text.startswith(VALUE_PREFIX):
        return VALUE
    if text.startswith((GRAD_PREFIX, GRAD_NOTE_PREFIX)):
        return GRAD
    return None
