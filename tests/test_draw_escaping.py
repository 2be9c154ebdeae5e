"""Any name, scope or value text renders as itself and can never break or inject DOT."""
from __future__ import annotations

import xml.etree.ElementTree as ET

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dpviz.pictures import draw
from dpviz.pictures.labels import MAX_NAME_CHARS, plain
from dpviz.pictures.model import Diagram, EdgeInfo, NodeInfo
from dpviz.pictures.renderer import render

SVG = "{http://www.w3.org/2000/svg}"
NASTY = st.sampled_from(['"', "<", ">", "{", "}", "|", "\\", "\n", "\r", "&", ";", "]", "[", "é", "中",
                         "😀", "\x00", "\x7f", "\u2028", "\\N", "\\G", "\\l", "->", "--", "<br/>", "&amp;"])
TEXT = st.lists(st.one_of(NASTY, st.text(min_size=1, max_size=4)), min_size=1, max_size=8).map("".join)


def expected_lines(text: str, limit: int | None) -> list[str]:
    shown = plain(text)
    if limit is not None and len(shown) > limit:
        shown = shown[: limit - 1] + "…"
    shown = shown.replace("\r\n", "\n").replace("\r", "\n")
    return [line.replace("\xa0", " ") for line in shown.split("\n") if line]


def svg_groups(svg: str, kind: str) -> list[ET.Element]:
    root = ET.fromstring(svg)
    return [g for g in root.iter(f"{SVG}g") if g.get("class") == kind]


def text_lines(group: ET.Element) -> list[str]:
    lines = ["".join(t.itertext()).replace("\xa0", " ") for t in group.iter(f"{SVG}text")]
    return [line for line in lines if line]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=TEXT, scope=TEXT)
def test_names_and_scopes_render_as_themselves(name, scope):
    scope = scope.replace("/", "∕")          # "/" separates nested scopes
    d = Diagram([NodeInfo(index=0, kind="input", op="input", name=name, scope=scope),
                 NodeInfo(index=1, kind="op", op="neg", args=(0,), is_output=True)],
                [EdgeInfo(0, 1, 0)])
    g = draw(d, legend=False, grad=False, shape=False, clusters=True)
    svg = render(g, renderer="graphviz-pure")
    nodes = sorted(svg_groups(svg, "node"), key=lambda n: n.find(f"{SVG}title").text)
    assert [n.find(f"{SVG}title").text for n in nodes] == ["n0", "n1"]   # no node was injected
    assert len(svg_groups(svg, "edge")) == 1
    assert text_lines(nodes[0]) == expected_lines(name, MAX_NAME_CHARS)
    clusters = svg_groups(svg, "cluster")
    assert len(clusters) == 1
    assert text_lines(clusters[0]) == expected_lines(scope, MAX_NAME_CHARS)


@settings(max_examples=25, deadline=None)
@given(text=TEXT)
def test_style_hook_text_is_quoted_literally(text):
    d = Diagram([NodeInfo(index=0, kind="input", op="input", name="x")], [])
    g = draw(d, legend=False, style=lambda node: {"tooltip": text, "xlabel": text})
    svg = render(g, renderer="graphviz-pure")
    assert len(svg_groups(svg, "node")) == 1
