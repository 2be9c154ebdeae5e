"""dp.draw on dpviz programs: golden DOT, options, state, highlight, style hook, collapsing."""
from __future__ import annotations

import os
import re
import time
from pathlib import Path

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import dpviz as dp
from dpviz.pictures import draw
from dpviz.pictures.collapse import DEFAULT_THRESHOLD
from dpviz.pictures.dot import GRADS_LATER_NOTE
from dpviz.pictures.model import NodeInfo
from dpviz.pictures.palette import ROLES
from dpviz.errors import DpvizError

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("DPVIZ_UPDATE_GOLDEN") == "1"


def check_golden(name: str, source: str) -> None:
    """Compare with tests/golden/<name>.dot; DPVIZ_UPDATE_GOLDEN=1 rewrites the file."""
    path = GOLDEN / f"{name}.dot"
    if UPDATE or not path.exists():
        if not UPDATE:
            pytest.fail(f"missing golden file {path}; run with DPVIZ_UPDATE_GOLDEN=1 to create it")
        path.write_text(source, encoding="utf-8")
    assert source == path.read_text(encoding="utf-8"), f"DOT differs from {path}"


def small_program():
    return dp.trace(lambda x, w: (x @ w).tanh().sum(), np.ones((2, 2)), np.full((2, 1), 0.5))


def mlp_program():
    mlp = dp.nn.MLP([2, 3, 1], activation="tanh", seed=0)
    return dp.trace(lambda x: (mlp(x) ** 2).mean(), np.array([[0.5, -1.0]]))


# ---------------------------------------------------------------------------- golden files

def test_golden_small_program_before_backward():
    check_golden("small_before_backward", draw(small_program(), index=True, arg_positions=True).source)


def test_golden_small_program_after_backward():
    prog = small_program()
    prog.backward()
    check_golden("small_after_backward", draw(prog, dtype=True, rankdir="TB").source)


def svg_texts(svg: str) -> list[str]:
    """The text lines of an SVG in document order: what a reader sees, without the coordinates."""
    import html

    return [html.unescape(t) for t in re.findall(r"<text[^>]*>([^<]*)</text>", svg)]


@pytest.mark.parametrize("renderer", ["dot", "graphviz-pure"])
def test_golden_svg_text_is_the_same_with_both_renderers(renderer):
    """The SVG says exactly the golden lines (labels, legend strip, note) whichever renderer lays it out."""
    from dpviz.pictures.renderer import render

    prog = small_program()
    prog.backward()
    texts = svg_texts(render(draw(prog).source, renderer=renderer))
    path = GOLDEN / "small_after_backward.svg.txt"
    if UPDATE and renderer == "dot":
        path.write_text("\n".join(texts) + "\n", encoding="utf-8")
    assert texts == path.read_text(encoding="utf-8").splitlines()


def test_golden_mlp_with_scopes_and_collapse():
    prog = mlp_program()
    check_golden("mlp_clusters", draw(prog).source)
    check_golden("mlp_collapse_layer0", draw(prog, collapse=["mlp/layer0"]).source)


def test_output_is_deterministic_across_traces():
    assert draw(mlp_program()).source == draw(mlp_program()).source


# ---------------------------------------------------------------------------- what nodes say

def test_tensor_history_and_program_give_the_same_picture():
    x = dp.tensor(np.ones(3), name="x", requires_grad=True)
    y = (x * 2.0).sum()
    assert draw(y).source == draw(dp.Program.from_tensor(y)).source


def test_grad_not_computed_until_backward_never_zero():
    x = dp.tensor(np.zeros(3), name="x", requires_grad=True)
    y = (x * x).sum()
    before = draw(y).source
    assert "grad " not in before and GRADS_LATER_NOTE in before      # said once, under the drawing
    assert "grad: not computed" in draw(y, detail="full").source   # and on every node in full detail
    assert "grad all 0" not in before
    y.backward()
    after = draw(y).source
    assert "grad: not computed" not in after and GRADS_LATER_NOTE not in after
    assert "grad all 0" in after          # a real zero gradient is shown as zero


def test_options_choose_what_nodes_show():
    prog = small_program()
    full = draw(prog, dtype=True, index=True).source
    assert "float64" in full and "#0" in full and "(2, 2)" in full
    bare = draw(prog, value=False, grad=False, shape=False, legend=False).source
    labels = " ".join(re.findall(r"label=<(.*?)> shape=", bare))
    assert "value" not in labels and "grad" not in labels and "(2, 2)" not in labels
    assert "fixedsize" not in bare                       # no legend strip
    assert 'label="0"' in draw(prog, arg_positions=True).source
    assert 'rankdir="TB"' in draw(prog, rankdir="TB").source
    with pytest.raises(DpvizError, match="detail"):
        draw(prog, detail="everything")


def test_compact_labels_say_only_what_informs():
    prog = dp.trace(lambda x: (x * 2.0).tanh(), 0.5)
    compact = " ".join(re.findall(r"label=<(.*?)> shape=", draw(prog).source))
    assert "()" not in compact and "grad:" not in compact and "float64" not in compact
    assert "<b>2</b>" in compact and "const" not in compact     # an unnamed number is shown as itself
    full = " ".join(re.findall(r"label=<(.*?)> shape=", draw(prog, detail="full").source))
    assert "()" in full and "grad: not computed" in full and "float64" in full
    arrays = draw(dp.trace(lambda x: x.exp(), np.arange(10.0))).source
    assert "mean" not in arrays and "mean" in draw(dp.trace(lambda x: x.exp(), np.arange(10.0)), detail="full").source


def test_legend_is_a_strip_under_the_drawing_listing_the_roles_present():
    src = draw(mlp_program()).source
    head = src.splitlines()[1]
    assert 'labelloc="b"' in head and "subgraph cluster_legend" not in src
    for role in ("input", "param", "op", "output"):
        assert f">{ROLES[role].title}</font>" in head
    assert ROLES["known"].title not in head and ROLES["tangent"].title not in head   # Stepper roles


def test_highlight_by_index_and_name():
    prog = small_program()
    src = draw(prog, highlight=["x", 3]).source
    width = f'penwidth="{ROLES["highlight"].width:g}"'
    lines = [line for line in src.splitlines() if width in line]
    assert [line.split()[0] for line in lines] == ["n0", "n3"]
    assert ROLES["highlight"].title in src
    with pytest.raises(DpvizError, match="no node has"):
        draw(prog, highlight="nope")
    with pytest.raises(DpvizError, match="outside"):
        draw(prog, highlight=99)


def test_style_hook_sees_every_node_and_has_the_last_word():
    prog = small_program()
    seen: list[NodeInfo] = []

    def hook(node: NodeInfo):
        seen.append(node)
        return {"fillcolor": "#123456"} if node.op == "tanh" else None

    src = draw(prog, style=hook, highlight=3).source
    assert [n.index for n in seen] == list(range(prog.n))
    tanh_line = next(line for line in src.splitlines() if line.strip().startswith("n3 "))
    assert 'fillcolor="#123456"' in tanh_line and f'penwidth="{ROLES["highlight"].width:g}"' in tanh_line


@pytest.mark.parametrize("bad, match", [
    (lambda n: {"label": "x"}, "may not set"),
    (lambda n: {"bad key": 1}, "attribute name"),
    (lambda n: ["color"], "dict"),
    (lambda n: 1 / 0, "failed on node 0"),
])
def test_style_hook_errors_are_clear(bad, match):
    with pytest.raises(DpvizError, match=match):
        draw(small_program(), style=bad)


def test_style_hook_note_is_a_line_under_the_label_escaped():
    src = draw(small_program(), style=lambda n: {"note": "<b>err</b> 1e-3"} if n.op == "tanh" else None).source
    tanh_line = next(line for line in src.splitlines() if line.strip().startswith("n3 "))
    assert "&lt;b&gt;err&lt;/b&gt; 1e-3</font>>" in tanh_line and "note=" not in tanh_line


def test_style_hook_values_cannot_inject_dot():
    src = draw(small_program(), style=lambda n: {"xlabel": 'a"] ; evil -> x [label="'}).source
    assert "evil -> x" not in [line.strip() for line in src.splitlines()]
    assert '\\"' in src


def test_bad_arguments():
    with pytest.raises(DpvizError, match="rankdir"):
        draw(small_program(), rankdir="sideways")
    with pytest.raises(DpvizError, match="dp.draw takes"):
        draw(42)
    with pytest.raises(DpvizError, match="not in the graph"):
        draw(mlp_program(), collapse=["encoder"])
    with pytest.raises(DpvizError, match="threshold"):
        draw(small_program(), threshold=0)


# ---------------------------------------------------------------------------- collapsing

def test_scopes_become_nested_clusters():
    src = draw(mlp_program()).source
    assert src.count("subgraph cluster_") == 3          # mlp, layer0, layer1
    assert "label=<layer0>" in src


def test_collapse_true_folds_top_level_scopes():
    d = draw(mlp_program(), collapse=True)
    assert "g0 [" in d.source and "<b>mlp</b>" in d.source
    assert d.node_count < d.program_nodes


def test_auto_collapse_above_threshold_says_so():
    def deep(x):
        for k in range(12):
            with dp.scope(f"block{k}"):
                x = (x * 1.5).tanh()
        return x.sum()

    prog = dp.trace(deep, np.ones(2))
    small = draw(prog, threshold=10)
    assert small.collapsed_note is not None and "threshold of 10" in small.source
    assert small.node_count <= 10
    assert draw(prog).collapsed_note is None              # below the default threshold
    assert draw(prog, threshold=10, collapse=False).node_count == prog.n


@pytest.mark.slow
def test_hundred_thousand_nodes_draw_quickly_and_readably():
    x = dp.tensor(np.ones(2), name="x", requires_grad=True)
    h = x
    for _ in range(50_000):
        h = h * 1.0001                                     # each step: a constant and a mul
    prog = dp.Program.from_tensor(h.sum())
    assert prog.n > 100_000
    start = time.perf_counter()
    g = draw(prog)
    elapsed = time.perf_counter() - start
    assert g.node_count <= DEFAULT_THRESHOLD
    assert "folded into numbered blocks" in g.source
    assert elapsed < 15, f"drawing took {elapsed:.1f} s"


@settings(max_examples=200, deadline=None)
@given(hnp.arrays(np.float64, st.integers(5, 40),
                  elements=st.floats(min_value=-1e6, max_value=1e6)
                  | st.sampled_from([np.nan, np.inf, -np.inf])))
@example(np.array([-0.0, 0.0, 0.0, 0.0, 0.0]))          # min() and max() of signed zeros depend on order
def test_summarize_short_arrays_read_the_same_as_long_ones(values):
    """Arrays of up to 16 numbers take a pure-Python path (speed); it must say what NumPy's path says."""
    from dpviz.pictures.labels import fmt_number, summarize

    finite = values[np.isfinite(values)]
    bad = values.size - finite.size
    note = f" ({bad} non-finite)" if bad else ""
    if finite.size == 0:
        assert summarize(values) == f"all non-finite{note}"
        return
    text = summarize(values, mean=True)
    head, mean = text.split(" mean ", 1)
    assert summarize(values) == head + note
    low, high = fmt_number(finite.min() + 0.0, 3), fmt_number(finite.max() + 0.0, 3)     # no "-0"
    assert head == (f"all {low}" if low == high else f"[{low} … {high}]")
    # fsum (short path) is exact where NumPy's pairwise sum may cancel: allow rounding at the data's scale
    scale = max(1.0, float(np.abs(finite).max()))
    assert np.isclose(float(mean.split(" ")[0]), float(fmt_number(finite.mean(), 3)), rtol=1e-2, atol=1e-10 * scale)
    assert text.endswith(note)
