"""dp.render and Jupyter display: system dot when present, graphviz-pure otherwise."""
from __future__ import annotations

import os
import shutil
import stat
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

import dpviz as dp
from dpviz.pictures import draw
from dpviz.pictures.drawing import DISPLAY_LIMIT
from dpviz.errors import DpvizError
from dpviz.pictures.renderer import RenderError, find_renderer, render

DOT = "digraph { a -> b }"


def small_drawing():
    return draw(dp.trace(lambda x: (x * x).tanh().sum(), np.arange(3.0)))


@pytest.fixture
def no_dot_on_path(monkeypatch, tmp_path):
    """PATH without any `dot`; graphviz-pure is still found next to the running Python."""
    keep = [p for p in os.environ.get("PATH", "").split(os.pathsep) if p and not (Path(p) / "dot").exists()]
    monkeypatch.setenv("PATH", os.pathsep.join(keep + [str(tmp_path)]))
    monkeypatch.delenv("DPVIZ_RENDERER", raising=False)
    assert shutil.which("dot") is None


def test_graphviz_pure_renders_svg_that_parses(no_dot_on_path):
    assert find_renderer().kind == "graphviz-pure"
    svg = render(small_drawing())
    root = ET.fromstring(svg)
    assert root.tag.endswith("svg")


def test_png_and_file_output(no_dot_on_path, tmp_path):
    png = render(DOT, format="png", path=tmp_path / "g.png")
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert (tmp_path / "g.png").read_bytes() == png


def test_jupyter_display_works_without_dot(no_dot_on_path):
    g = small_drawing()
    bundle = g._repr_mimebundle_()
    ET.fromstring(bundle["image/svg+xml"])
    assert "<svg" in g._repr_svg_()
    assert g.pipe(format="png")[:4] == b"\x89PNG"


def test_display_refuses_huge_drawings_with_advice(no_dot_on_path):
    g = small_drawing()
    g.node_count = DISPLAY_LIMIT + 1
    bundle = g._repr_mimebundle_()
    assert list(bundle) == ["text/plain"] and "collapse" in bundle["text/plain"]


def test_a_dot_on_path_is_preferred(monkeypatch, tmp_path):
    # A stand-in `dot` that forwards to graphviz-pure: checks the choice and the call of a program named dot.
    pure = find_renderer("graphviz-pure").path
    fake = tmp_path / "dot"
    fake.write_text(f'#!/bin/sh\necho called > "{tmp_path}/used"\nexec "{pure}" "$@"\n')
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", str(tmp_path) + os.pathsep + os.environ.get("PATH", ""))
    monkeypatch.delenv("DPVIZ_RENDERER", raising=False)
    assert find_renderer().kind == "dot"
    ET.fromstring(render(DOT))
    assert (tmp_path / "used").exists()


@pytest.mark.skipif(shutil.which("dot") is None, reason="no system Graphviz `dot` on this machine")
def test_system_dot_renders_the_same_drawing():
    svg = render(small_drawing(), renderer="dot")
    ET.fromstring(svg)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX shell stand-in")
def test_render_errors_are_clear(no_dot_on_path):
    with pytest.raises(RenderError, match="failed"):
        render("digraph { a -> }")
    with pytest.raises(DpvizError, match="format"):
        render(DOT, format="gif")
    with pytest.raises(DpvizError, match="DOT text"):
        render(42)
    with pytest.raises(RenderError, match="no 'dot'"):
        render(DOT, renderer="dot")
    with pytest.raises(RenderError, match="neither"):
        render(DOT, renderer="/nonexistent/renderer")


def test_environment_variable_picks_renderer(no_dot_on_path, monkeypatch):
    monkeypatch.setenv("DPVIZ_RENDERER", "graphviz-pure")
    assert find_renderer().kind == "graphviz-pure"


def test_labels_have_no_glyph_sparklines_and_render_the_same_text_in_every_format(no_dot_on_path):
    """Block-character sparklines drew as black blocks (and vanished from graphviz-pure PNGs): gone."""
    source = draw(dp.trace(lambda x: (x * 2.0).tanh().sum(), np.linspace(-2, 2, 10))).source
    assert not any(c in source for c in "▁▂▃▄▅▆▇█")
    assert render(source, format="png", renderer="graphviz-pure")[:4] == b"\x89PNG"
    assert "value [&#45;2 … 2]" in render(source, format="svg", renderer="graphviz-pure")   # SVG escapes "-"


def test_the_suffix_of_path_says_the_format(tmp_path):
    svg = tmp_path / "g.svg"
    render(DOT, path=svg)
    assert svg.read_text().lstrip().startswith("<?xml")
    png = tmp_path / "g.png"
    data = render(DOT, path=png)
    assert data[:4] == b"\x89PNG" and png.read_bytes()[:4] == b"\x89PNG"
    jpg = tmp_path / "g.JPG"
    render(DOT, path=jpg)
    assert jpg.read_bytes()[:2] == b"\xff\xd8"
    with pytest.raises(DpvizError, match="contradicts"):
        render(DOT, format="svg", path=tmp_path / "x.png")
    with pytest.raises(DpvizError, match="suffix"):
        render(DOT, path=tmp_path / "x.gif")
    assert not (tmp_path / "x.png").exists() and not (tmp_path / "x.gif").exists()
    if shutil.which("dot"):
        assert render(DOT, path=tmp_path / "g.pdf", renderer="dot")[:4] == b"%PDF"
    with pytest.raises(RenderError, match="cannot write PDF"):
        render(DOT, path=tmp_path / "p.pdf", renderer="graphviz-pure")


def test_render_to_a_path_is_all_or_nothing(no_dot_on_path, tmp_path):
    target = tmp_path / "g.svg"
    target.write_text("old picture")
    render(DOT, path=target)
    assert target.read_text().lstrip().startswith("<?xml")
    with pytest.raises(DpvizError, match="could not write .*missing.*check the folder exists"):
        render(DOT, path=tmp_path / "missing" / "g.svg")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["g.svg"]      # no temporary file left behind
