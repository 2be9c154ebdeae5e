"""The course's one colour legend: readable with a colour-vision deficiency and in greyscale, used everywhere.

Two looks that can appear in one picture must differ for every reader: either their fills
are far apart in CAM02-UCS (a perceptually uniform colour space) for normal vision and for
simulated deuteranomaly, protanomaly and tritanomaly at full severity, or their borders
differ in a way that needs no colour (width, dashes, a double frame, rounded corners). In
greyscale only lightness is left, so there the fills must differ in lightness or the borders
must differ.
"""
from __future__ import annotations

import itertools
import re

import numpy as np
import pytest
from colorspacious import cspace_convert

import dpviz as dp
from dpviz.gradchecker import VERDICT_ROLES
from dpviz.pictures.palette import EDGE_ROLES, ROLES, Role
from dpviz.pictures.style import EDGE_STYLE, KIND_STYLE
from dpviz.widgets.svgstyle import EDGE_LOOKS, LOOKS

CVD = [None, "deuteranomaly", "protanomaly", "tritanomaly"]
MIN_DELTA_E = 8.0          # well above the just-noticeable difference (about 1) for patches side by side
MIN_LIGHTNESS = 4.0        # J' difference that survives a greyscale print

KINDS = ["input", "param", "const", "op", "output", "saved", "view_base", "group"]
#: Roles that can appear in one picture.
TOGETHER = {
    "dp.draw": KINDS + ["highlight", "nonfinite", "overwritten"],
    "gradcheck": KINDS + ["check_passed", "check_failed", "check_suspicious"],
    "Stepper backward": ["pending", "known", "adjoint", "current", "read"],
    "Stepper jvp": ["pending", "known", "tangent", "current", "read"],
}
EDGES_TOGETHER = {
    "dp.draw": ["data", "saved", "view", "overwrote"],
    "Stepper backward": ["pending", "done", "adjoint", "read", "read_back"],
    "Stepper jvp": ["pending", "done", "tangent", "read"],
}


def _rgb(hex_colour: str) -> np.ndarray:
    return np.array([int(hex_colour[i:i + 2], 16) for i in (1, 3, 5)]) / 255


def _ucs(hex_colour: str, cvd: str | None) -> np.ndarray:
    rgb = _rgb(hex_colour)
    if cvd is not None:
        rgb = np.clip(cspace_convert(rgb, {"name": "sRGB1+CVD", "cvd_type": cvd, "severity": 100}, "sRGB1"), 0, 1)
    return cspace_convert(rgb, "sRGB1", "CAM02-UCS")


def _border_differs(a: Role, b: Role) -> bool:
    return (abs(a.width - b.width) >= 0.8 or a.dash != b.dash or a.double != b.double
            or a.rounded != b.rounded or a.shape != b.shape)


@pytest.mark.parametrize("picture", list(TOGETHER))
def test_looks_that_meet_are_told_apart_by_every_reader(picture):
    problems = []
    for ka, kb in itertools.combinations(TOGETHER[picture], 2):
        a, b = ROLES[ka], ROLES[kb]
        if a.fill is None or b.fill is None or _border_differs(a, b):
            continue                      # a border-only mark, or borders that need no colour
        for cvd in CVD:
            d = float(np.linalg.norm(_ucs(a.fill, cvd) - _ucs(b.fill, cvd)))
            if d < MIN_DELTA_E:
                problems.append(f"{ka} vs {kb}: ΔE {d:.1f} for {cvd or 'normal vision'}")
        light = abs(float(_ucs(a.fill, None)[0] - _ucs(b.fill, None)[0]))
        if light < MIN_LIGHTNESS:
            problems.append(f"{ka} vs {kb}: lightness differs by {light:.1f} only (greyscale)")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("picture", list(EDGES_TOGETHER))
def test_arrows_that_meet_are_told_apart_by_every_reader(picture):
    problems = []
    for ka, kb in itertools.combinations(EDGES_TOGETHER[picture], 2):
        a, b = EDGE_ROLES[ka], EDGE_ROLES[kb]
        if a.dash != b.dash or abs(a.width - b.width) >= 0.8 or a.points_back != b.points_back:
            continue                      # told apart by the line itself, or by which way it points
        for cvd in CVD:
            d = float(np.linalg.norm(_ucs(a.stroke, cvd) - _ucs(b.stroke, cvd)))
            if d < MIN_DELTA_E:
                problems.append(f"{ka} vs {kb}: ΔE {d:.1f} for {cvd or 'normal vision'}")
    assert not problems, "\n".join(problems)


def test_black_text_stays_readable_on_every_fill():
    for key, role in ROLES.items():
        if role.fill is not None:
            assert _ucs(role.fill, None)[0] > 70, f"{key}'s fill {role.fill} is too dark for black text"


def test_every_picture_takes_its_colours_from_the_palette():
    fills = {role.fill for role in ROLES.values() if role.fill}
    strokes = {role.stroke for role in ROLES.values()} | {role.stroke for role in EDGE_ROLES.values()}
    for kind, attrs in KIND_STYLE.items():
        assert attrs["fillcolor"] in fills and attrs["color"] in strokes, kind
    for kind, attrs in EDGE_STYLE.items():
        assert attrs.get("color", EDGE_ROLES["data"].stroke) in strokes, kind
    for key, look in LOOKS.items():                          # the Stepper
        assert look.fill in fills | {"#ffffff"} and look.stroke in strokes, key
    for key, look in EDGE_LOOKS.items():
        assert look.stroke in strokes, key
    assert set(VERDICT_ROLES.values()) <= set(ROLES)         # the gradient-check overlay
    # and nothing else: every colour dp.draw writes is one of the palette's (or a label's grey ink)
    x = dp.tensor(np.array([1.0, np.inf]), name="x", requires_grad=True)
    src = dp.draw((x * 2.0).sum(), highlight="x").source
    written = set(re.findall(r'(?:fillcolor|color|bgcolor)="(#[0-9a-fA-F]{6})"', src))
    inks = {"#555555", "#9e9e9e", "#b34700"}
    assert written <= fills | strokes | inks, written - fills - strokes - inks


def test_one_colour_one_meaning_across_the_course():
    """Green is "value known" (and a passed check's frame), never "output"; black frames mark the current
    or highlighted node, never an error."""
    output, known = ROLES["output"], ROLES["known"]
    assert output.fill == ROLES["op"].fill and output.double          # an output is told by its frame
    assert known.fill not in {ROLES[k].fill for k in KINDS}
    assert ROLES["current"].stroke == ROLES["highlight"].stroke
    assert ROLES["check_failed"].stroke == ROLES["overwritten"].stroke == "#D55E00"   # vermillion: wrong
