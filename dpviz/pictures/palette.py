"""The course's one colour legend: what every colour, border and arrow in a dpviz picture means.

``dp.draw``, the Stepper, the gradient-check overlay and the first-non-finite mark all take
their looks from :data:`ROLES` and :data:`EDGE_ROLES`, so a colour means the same thing in
every notebook: sky blue is an input, yellow a parameter, green a value the forward pass has
computed, orange an adjoint, purple a tangent, vermillion something wrong. The hues are the
Okabe–Ito colour-blind-safe palette (Okabe & Ito, "Color Universal Design", 2008), used as pale
fills so black text stays readable. Every role also differs from the others that can appear
beside it by its border (width, dashes, a double frame) or shape, so a picture read in
greyscale, or by a reader who cannot tell two hues apart, still says the same thing
(``tests/test_palette.py`` checks both with simulated colour-vision deficiencies).

>>> ROLES["input"].fill, ROLES["adjoint"].title
('#cfe8f8', 'adjoint (grad) known')
>>> dot_attrs("param")["penwidth"]
'2'
"""
from __future__ import annotations

from dataclasses import dataclass

#: The Okabe–Ito palette, by name.
OKABE_ITO: dict[str, str] = {
    "orange": "#E69F00", "sky_blue": "#56B4E9", "bluish_green": "#009E73", "yellow": "#F0E442",
    "blue": "#0072B2", "vermillion": "#D55E00", "reddish_purple": "#CC79A7", "black": "#000000",
}


@dataclass(frozen=True, slots=True)
class Role:
    """One look with one meaning: a pale ``fill``, a border (``stroke``, ``width`` in points,
    ``dash`` as an SVG dash pattern or ``""``), ``rounded`` corners, a ``double`` frame and the
    Graphviz ``shape`` of the box.
    ``fill=None`` keeps the fill that the box already has (a border-only mark). An arrow role
    that ``points_back`` is drawn with its head at the arrow's start: an adjoint flows from an
    op back to the input it reads, against the arrow of the value.

    >>> Role("x", "an example", "#ffffff", "#000000").width
    1.0
    """

    key: str
    title: str
    fill: str | None
    stroke: str
    width: float = 1.0
    dash: str = ""
    rounded: bool = False
    double: bool = False
    shape: str = "box"
    points_back: bool = False


def _roles(*roles: Role) -> dict[str, Role]:
    return {role.key: role for role in roles}


#: Node looks. Kinds of node first (what ``dp.draw`` shows), then what a pass knows (the
#: Stepper), then checks and warnings; the legend lists the roles a picture uses in this order.
ROLES: dict[str, Role] = _roles(
    # kinds of node
    Role("input", "input", "#cfe8f8", "#0072B2", 1.0, rounded=True),
    Role("param", "parameter", "#f8ef9a", "#8a7a00", 2.0, rounded=True),
    Role("const", "constant", "#e6e6e6", "#777777", 1.0, "4,2", rounded=True),
    Role("op", "operation", "#ffffff", "#4d4d4d"),
    Role("output", "output", "#ffffff", "#000000", 1.2, double=True),
    Role("saved", "saved for backward", "#f4f4f4", "#777777", 1.0, "1,2", shape="note"),
    Role("view_base", "base of a view", "#ffffff", "#4d4d4d", 1.0, "1,2", rounded=True),
    Role("group", "collapsed scope", "#eeeeee", "#4d4d4d", 1.5, shape="box3d"),
    # what a pass knows (the Stepper)
    Role("pending", "not computed yet", "#ffffff", "#b0b0b0", 1.0, "4,3"),
    Role("known", "value known", "#a8dcc8", "#007a59", 1.2),
    Role("adjoint", "adjoint (grad) known", "#fcd58c", "#a86f00", 1.2),
    Role("tangent", "tangent known", "#dcb2d6", "#8f3f74", 1.2),
    Role("current", "current node", None, "#000000", 3.5),
    Role("read", "read by this step", None, "#0072B2", 2.8, "6,3"),
    Role("highlight", "highlighted", None, "#000000", 3.5),
    # checks and warnings
    Role("check_passed", "gradient check passed", None, "#007a59", 3.0),
    Role("check_failed", "gradient check failed", "#f7cdb5", "#D55E00", 3.0),
    Role("check_suspicious", "gradient check: just out of tolerance", None, "#D55E00", 3.0, "6,3"),
    Role("nonfinite", "first non-finite value", "#f7cdb5", "#000000", 3.0, "2,2"),
    Role("overwritten", "saved value overwritten in place", None, "#D55E00", 2.5, "6,3"),
)

#: Arrow looks: a value flowing into an op, a tensor saved for backward, a view of a base, an
#: in-place write, and in the Stepper the arrows not used yet, used, carrying an adjoint or a
#: tangent, and read by the current step.
EDGE_ROLES: dict[str, Role] = _roles(
    Role("data", "value flows into an op", None, "#555555"),
    Role("saved", "kept by the op for its backward rule", None, "#777777", 1.0, "4,2"),
    Role("view", "a view of it", None, "#4d4d4d", 1.0, "1,2"),
    Role("overwrote", "overwrote it in place", None, "#D55E00", 1.6, "6,3"),
    # solid, told from "done" by its much lighter grey: a browser paints a long dashed arrow slowly
    # (a step of a 300-node program with a parameter read by every layer took 0.6 s to show)
    Role("pending", "not used yet", None, "#c8c8c8", 1.0),
    Role("done", "value passed along", None, "#555555"),
    Role("adjoint", "adjoint flowed back to this input", None, "#c78a00", 2.2, points_back=True),
    Role("tangent", "tangent flows forward", None, "#8f3f74", 2.2),
    Role("read", "arrows this step reads", None, "#0072B2", 3.2),
    Role("read_back", "the adjoint this step sends back", None, "#0072B2", 3.2, points_back=True),
    # checks
    Role("check_failed", "gradient check failed on this arrow", None, "#D55E00", 3.2),
)

#: The style that draws each dash pattern: Graphviz and CSS borders use the same two words.
DASH_STYLE = {"4,2": "dashed", "4,3": "dashed", "6,3": "dashed", "1,2": "dotted", "2,2": "dotted"}


def dot_attrs(key: str, *, base: dict[str, str] | None = None) -> dict[str, str]:
    """Graphviz node attributes for role ``key``; a border-only role (no fill) is laid over ``base``.

    >>> dot_attrs("const")["style"]
    'rounded,filled,dashed'
    >>> dot_attrs("current", base=dot_attrs("input"))["fillcolor"]
    '#cfe8f8'
    """
    role = ROLES[key]
    out = dict(base or {})
    if role.fill is not None:
        styles = (["rounded"] if role.rounded else []) + ["filled"]
        out.update(shape=role.shape, fillcolor=role.fill)
    else:
        styles = [s for s in out.get("style", "filled").split(",") if s not in ("dashed", "dotted", "bold")]
    if role.dash:
        styles.append(DASH_STYLE[role.dash])
    out.update(style=",".join(styles), color=role.stroke, penwidth=f"{role.width:g}")
    if role.double:
        out["peripheries"] = "2"
    return out


def dot_edge_attrs(key: str) -> dict[str, str]:
    """Graphviz edge attributes for the arrow role ``key`` (empty for the plain data arrow).

    >>> dot_edge_attrs("saved")
    {'color': '#777777', 'style': 'dashed'}
    >>> dot_edge_attrs("data")
    {}
    """
    if key == "data":
        return {}
    role = EDGE_ROLES[key]
    out = {"color": role.stroke}
    if role.dash:
        out["style"] = DASH_STYLE[role.dash]
    if role.width != 1.0:
        out["penwidth"] = f"{role.width:g}"
    return out
