"""The drawing vocabulary: names from the program, versions of overwritten memory, the first
non-finite value, an orientation that fits, a frame for what cannot fit, one legend strip."""
from __future__ import annotations

import re
import types
import xml.etree.ElementTree as ET

import numpy as np
import pytest

import dpviz as dp
from dpviz.errors import DpvizError
from dpviz.pictures import draw, to_diagram
from dpviz.pictures.drawing import Drawing
from dpviz.pictures.fit import FRAME_PX, svg_size_px
from dpviz.pictures.palette import EDGE_ROLES, ROLES
from dpviz.pictures.renderer import render

TARGET = np.array([[1.0], [2.0]])          # a global a traced function reads


def labels(source: str) -> list[str]:
    return re.findall(r"<b>(.*?)</b>", source)


# ---------------------------------------------------------------------------- names from the program

def test_trace_names_constants_after_the_globals_and_closure_variables_that_held_them():
    scale = np.full((2, 1), 3.0)
    w = types.SimpleNamespace(bias=np.ones((2, 1)))

    def loss(x):
        return (((x * scale) + w.bias - TARGET) ** 2).sum()

    prog = dp.trace(loss, np.zeros((2, 1)))
    names = [node.label for node in prog.nodes if node.kind == "const"]
    assert names[:3] == ["scale", "w.bias", "TARGET"]
    assert names[3].startswith("const")            # the literal 2: small ints are shared, never named
    shown = labels(draw(prog).source)
    assert {"scale", "w.bias", "TARGET"} <= set(shown)


def test_a_variable_used_several_times_is_one_constant_node_and_a_literal_is_one_per_use():
    W = np.eye(2)
    prog = dp.trace(lambda a, b: (a @ W) * 2.0 + (b @ W) * 2.0, np.ones(2), np.ones(2))
    consts = [n for n in prog.nodes if n.kind == "const"]
    assert [n.label for n in consts].count("W") == 1
    w = next(n.index for n in consts if n.label == "W")
    assert sum(node.args.count(w) for node in prog.nodes) == 2            # one node, two uses
    assert sum(1 for n in consts if n.name is None) == 2                   # each 2.0 beside its use
    assert float(prog(np.ones(2), np.zeros(2)).sum()) == 4.0               # and replay still agrees


def test_drawing_a_tensor_names_its_constants_after_the_callers_variables():
    y_true = np.array([0.5, -0.5])
    _private = np.array([1.0, 1.0])
    x = dp.tensor([1.0, 2.0], name="x", requires_grad=True)
    loss = ((x * _private - y_true) ** 2).sum()
    shown = labels(draw(loss).source)
    assert "y_true" in shown and "_private" not in shown
    assert dp.Program.from_tensor(loss, names={}).nodes[2].name is None      # names= overrides


def test_a_constant_tensor_is_named_after_its_variable_and_an_explicit_name_wins():
    x = dp.tensor(1.0, name="x", requires_grad=True)
    offset = dp.tensor(2.0)
    named = dp.tensor(3.0, name="three")
    shown = labels(draw(x + offset + named).source)
    assert "offset" in shown and "three" in shown and "named" not in shown


def test_nn_parameters_keep_their_dotted_names():
    mlp = dp.nn.MLP([2, 3, 1], seed=0)
    prog = dp.trace(lambda X: mlp(X).sum(), np.ones((4, 2)))
    assert [n.label for n in prog.nodes[1:prog.l]] == ["mlp.layer0.weight", "mlp.layer0.bias",
                                                       "mlp.layer1.weight", "mlp.layer1.bias"]


def test_torch_leaves_are_named_from_the_model_or_the_callers_variables():
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Tanh(), torch.nn.Linear(3, 1))
    x = torch.randn(4, 2, requires_grad=True)
    loss = net(x).pow(2).mean()
    by_model = {n.name for n in to_diagram(loss, model=net, saved=False).nodes if n.kind == "param"}
    assert by_model == {"0.weight", "0.bias", "2.weight", "2.bias"}
    found = draw(loss, saved=False).source                 # no model=, no params=: found among the variables
    assert "<b>net.0.weight</b>" in found and "<b>x</b>" in found
    nodes = to_diagram(loss, saved=False).nodes
    assert {n.name for n in nodes if n.kind == "op"} >= {"AddmmBackward0", "TanhBackward0", "MeanBackward0"}
    assert next(n for n in nodes if n.name == "AddmmBackward0").subtitle == "addmm"
    with pytest.raises(DpvizError, match="model= takes a torch.nn.Module"):
        draw(loss, model="net")
    with pytest.raises(DpvizError, match="PyTorch graph"):
        draw(dp.tensor(1.0, requires_grad=True) * 2, model=net)


# ---------------------------------------------------------------------------- in place, non-finite

def test_an_overwritten_node_shows_its_version_and_who_overwrote_it():
    x = dp.tensor([0.5, -1.0], name="x", requires_grad=True)
    y = x.tanh().named("y")
    y.add_(3.0)
    prog = dp.Program.from_tensor(y)
    tanh = next(n for n in prog.nodes if n.op == "tanh")
    add = next(n for n in prog.nodes if n.op == "add_")
    assert (tanh.version, tanh.overwritten_by, add.version, add.overwritten_by) == (0, add.index, 1, None)
    assert [n.version for n in prog.nodes if n.kind == "input"] == [None]      # never written in place
    src = draw(y).source
    assert f"version 0 · overwritten by add_ #{add.index}" in src and "version 1" in src
    assert f"n{add.index} -> n{tanh.index}" in src and 'constraint="false"' in src
    assert ROLES["overwritten"].title in src and EDGE_ROLES["overwrote"].title in src
    for renderer in ("dot", "graphviz-pure"):
        ET.fromstring(render(draw(y), renderer=renderer))


def test_the_first_non_finite_value_is_marked():
    x = dp.tensor([1.0, 0.0], name="x", requires_grad=True)
    with np.errstate(divide="ignore"):
        y = (x.log() * 2.0).sum()
    src = draw(y).source
    log_line = next(line for line in src.splitlines() if "<b>log</b>" in line)
    assert f'color="{ROLES["nonfinite"].stroke}"' in log_line and f'fillcolor="{ROLES["nonfinite"].fill}"' in log_line
    marked = [line for line in src.splitlines() if f'fillcolor="{ROLES["nonfinite"].fill}"' in line]
    assert len(marked) == 1                                  # the first only, not everything after it
    assert ROLES["nonfinite"].title in src
    assert ROLES["nonfinite"].title not in draw(dp.tensor(1.0, requires_grad=True) * 2).source


# ---------------------------------------------------------------------------- fitting the page

def test_orientation_is_chosen_to_fit_and_can_be_overridden():
    small = dp.trace(lambda a, b: (a * b).tanh(), 1.0, 2.0)
    assert 'rankdir="LR"' in draw(small).source
    mlp = dp.nn.MLP([2, 4, 4, 1], seed=0)
    deep = dp.trace(lambda X: ((mlp(X) - 1.0) ** 2).mean(), np.ones((8, 2)))
    auto = draw(deep)
    assert 'rankdir="TB"' in auto.source
    assert svg_size_px(render(auto))[0] <= FRAME_PX
    assert 'rankdir="LR"' in draw(deep, rankdir="LR").source
    assert svg_size_px(render(draw(deep, rankdir="LR")))[0] > FRAME_PX        # what auto avoided
    with pytest.raises(DpvizError, match="rankdir"):
        draw(small, rankdir="up")


def test_a_drawing_too_wide_for_the_page_scrolls_in_a_frame_instead_of_shrinking():
    wide = dp.trace(lambda *xs: sum(((x * 2.0).tanh() for x in xs), dp.tensor(0.0)),
                    *[float(k) for k in range(40)])
    g = draw(wide, rankdir="TB")
    bundle = g._repr_mimebundle_()
    width = svg_size_px(bundle["image/svg+xml"])[0]
    assert width > FRAME_PX
    frame = bundle["text/html"]
    assert 'class="dpviz-drawing-frame"' in frame and "overflow:auto" in frame
    assert f"width:{width:.0f}px" in frame and "max-width:none" in frame     # shown at full size
    small = draw(dp.trace(lambda a: a * 2, 1.0))._repr_mimebundle_()
    assert "text/html" not in small and "image/svg+xml" in small


def test_compact_text_never_goes_below_reading_size_in_either_renderer():
    prog = dp.trace(lambda x: (x * 2.0).tanh().sum(), np.arange(6.0))
    prog.backward()
    for renderer in ("dot", "graphviz-pure"):
        svg = render(draw(prog, index=True, arg_positions=True), renderer=renderer)
        sizes = [float(s) * 4 / 3 for s in re.findall(r'font-size="([\d.]+)"', svg)]
        assert min(sizes) >= 11.0, (renderer, min(sizes))


def test_the_legend_is_one_strip_under_the_drawing_and_only_names_what_appears():
    x = dp.tensor(np.ones(2), name="x", requires_grad=True)
    src = draw((x * 2.0).sum()).source
    head = src.splitlines()[1]
    assert 'labelloc="b"' in head
    titles = re.findall(r'<font point-size="9">([^<]*)</font>', head)
    assert titles == [ROLES[k].title for k in ("input", "const", "op", "output")]
    assert "<b>2</b>" in src                       # the constant 2 is drawn as itself
    assert draw((x * 2.0).sum(), legend=False).source.splitlines()[1].count("fixedsize") == 0


def test_render_is_a_drawing_not_a_stepper_palette():
    """The Stepper's legend strip is the same palette as dp.draw's."""
    s = dp.Stepper(dp.trace(lambda a, b: a * b, 2.0, -3.0), mode="both")
    legend = s._legend(s.mode)
    for key in ("known", "adjoint", "current", "read"):
        assert ROLES[key].title in legend
    assert ROLES["tangent"].title not in legend
    assert f'stroke="{ROLES["current"].stroke}" stroke-width="3.5"' in s.goto(1).svg


def test_bad_options_are_explained():
    prog = dp.trace(lambda a: a * 2, 1.0)
    with pytest.raises(DpvizError, match="legend_roles"):
        draw(prog, legend_roles=["sparkly"])
    assert isinstance(draw(prog, legend_roles=["check_passed"]), Drawing)
