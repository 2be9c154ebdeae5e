"""Headless tests of dpviz.widgets.Stepper: drive the widget's Python side like a learner would.

Each test clicks the buttons (``button.click()``) or moves the slider and checks the panel
text and the SVG styling after each step, for forward, backward and jvp, on a neuron, on a
fan-out program (gradient accumulation) and on a PyTorch graph.
"""
from __future__ import annotations

import re

import numpy as np
import pytest

import dpviz as dp
from dpviz.widgets import Stepper, StepperError

CURRENT = re.compile(r'class="node dp-current" data-dp-unit="([^"]+)"')
FEEDING = re.compile(r'class="node dp-feeding" data-dp-unit="([^"]+)"')
PENDING = re.compile(r'class="node dp-pending" data-dp-unit="([^"]+)"')
FEEDING_EDGE = re.compile(r'class="edge dp-feeding" data-dp-unit="([^"]+)"')


def neuron(x, w, b):
    return (x * w + b).tanh()


def current(svg: str) -> list[str]:
    return CURRENT.findall(svg)


def node_text(svg: str, unit: str) -> str:
    """All the text drawn inside box ``unit``."""
    m = re.search(rf'data-dp-unit="{unit}">(.*?)</g>\n</g>', svg, re.S)
    assert m, f"no box {unit} in the SVG"
    return " ".join(re.findall(r">([^<]*)</text>", m.group(1)))


def test_forward_neuron_step_by_step():
    prog = dp.trace(neuron, 2.0, -3.0, 5.5)
    s = Stepper(prog, mode="forward")
    assert s.n_steps == 3 and s.step == 0
    assert "Start of the forward pass" in s.panel
    assert set(PENDING.findall(s.svg)) == {"n3", "n4", "n5"}
    assert "value ?" in node_text(s.svg, "n3") and "value 2" in node_text(s.svg, "n0")
    expected = [(3, "mul", "(0, 1)", "−6.0"), (4, "add", "(3, 2)", "−0.5"), (5, "tanh", "(4,)", "−0.4621")]
    for i, op, alpha, value in expected:
        s.next()
        assert s.counter == f"step {i - 2} of 3: node {i}, {op}"
        assert f"i = {i},  f_{i} = {op},  α_{i} = {alpha}" in s.panel
        assert s.panel.rstrip().splitlines()[3].endswith(value) or value in s.panel
        assert current(s.svg) == [f"n{i}"]
        # the arguments are read by this step: blue boxes and arrows
        args = prog.nodes[i].args
        assert set(FEEDING.findall(s.svg)) == {f"n{j}" for j in args}
        assert set(FEEDING_EDGE.findall(s.svg)) == {f"n{j}-&gt;n{i}" for j in args}
        # the value appears once computed, later nodes are still unknown
        assert "value ?" not in node_text(s.svg, f"n{i}")
        for later in range(i + 1, 6):
            assert "value ?" in node_text(s.svg, f"n{later}")
    assert s.next().step == 3                            # stays at the last step
    s.prev()
    assert s.step == 2 and current(s.svg) == ["n4"]
    s.first()
    assert s.step == 0 and current(s.svg) == []
    s.last()
    assert s.step == 3


def test_backward_neuron_matches_backward():
    x = dp.tensor(2.0, name="x", requires_grad=True)
    w = dp.tensor(-3.0, name="w", requires_grad=True)
    b = dp.tensor(5.5, name="b", requires_grad=True)
    y = neuron(x, w, b)
    s = Stepper(y, mode="backward")      # a dpviz tensor: its recorded history
    y.backward()
    assert "grad" not in " ".join(node_text(s.svg, f"n{i}") for i in range(3)).replace("grad ?", "")
    s.next()                # the seed
    assert "seed" in s.counter and current(s.svg) == ["n5"]
    assert "grad 1" in node_text(s.svg, "n5")
    assert "grad ?" in node_text(s.svg, "n0")
    s.next()
    assert current(s.svg) == ["n4"] and FEEDING.findall(s.svg) == ["n5"]
    assert "∂tanh x/∂x = 1 − tanh²x = 0.7864;  v̄4 += v̄5 · (1 − tanh²x) = 1.0 · 0.7864 = 0.7864" in s.panel
    s.goto(5)
    assert "∂(a·b)/∂a = b = −3.0;  v̄0 += v̄3 · b = 0.7864 · (−3.0) = −2.359" in s.panel
    assert "grad -2.359" in node_text(s.svg, "n0") and "grad ?" in node_text(s.svg, "n1")
    s.last()
    for i, leaf in enumerate((x, w, b)):
        np.testing.assert_allclose(s.adjoint(i), leaf.grad.data, rtol=1e-12)


def test_fanout_accumulates_with_running_sum():
    prog = dp.trace(lambda x, y: x * y + x.exp() + x, 2.0, 3.0)
    s = Stepper(prog, mode="both")
    n_forward = sum(1 for e in s.timeline.events if e.phase == "forward")
    s.goto(n_forward)
    assert "grad" not in node_text(s.svg, "n0")          # backward has not started
    assert PENDING.findall(s.svg) == []                    # every value is known
    sums = []
    for k in range(n_forward + 1, s.n_steps + 1):
        s.step = k                                          # as the browser sets it (a synced trait)
        assert s.step == k
        e = s.current
        if e.phase == "backward" and e.node == 0:
            sums.append(s.panel)
    assert len(sums) == 3                                  # x is used three times
    assert "its first contribution (3 uses: this is use 1 of 3" in sums[0]
    assert "running sum: v̄0 = " in sums[1] and "use 2 of 3" in sums[1]
    assert "That is why gradients accumulate with +=" in sums[2]
    x = dp.tensor(2.0, requires_grad=True)
    y = dp.tensor(3.0, requires_grad=True)
    (x * y + x.exp() + x).backward()
    np.testing.assert_allclose(s.adjoint(0), x.grad.data)
    np.testing.assert_allclose(s.adjoint(1), y.grad.data)


def test_jump_gives_the_same_picture_as_stepping():
    prog = dp.trace(lambda x, w: (x @ w).tanh().sum(), np.ones((2, 2)), np.arange(6.0).reshape(2, 3) / 6)
    stepped = Stepper(prog, mode="both")
    pictures = [stepped.svg]
    panels = [stepped.panel]
    for _ in range(stepped.n_steps):
        stepped.next()
        pictures.append(stepped.svg)
        panels.append(stepped.panel)
    jumper = Stepper(prog, mode="both")
    for k in [5, 0, stepped.n_steps, 2, 7, 1]:
        jumper.goto(k)
        assert jumper.svg == pictures[k] and jumper.panel == panels[k]
    assert "(2, 3)" in panels[2]                          # arrays are described by shape and summary


def test_jvp_steps_tangents():
    prog = dp.trace(neuron, 2.0, -3.0, 5.5)
    s = Stepper(prog, mode="jvp", tangents=[1.0, 0.0, 0.0])
    assert "tangent 1" in node_text(s.svg, "n0") and "tangent ?" in node_text(s.svg, "n3")
    s.next()
    assert current(s.svg) == ["n3"] and "from v0 (x): ∂(a·b)/∂a = b = −3.0" in s.panel
    assert "tangent -3" in node_text(s.svg, "n3")
    s.last()
    expected = dp.trace(neuron, 2.0, -3.0, 5.5).jvp([1.0, 0.0, 0.0])
    np.testing.assert_allclose(s.tangent(5), expected)
    h = 1e-6
    fd = (np.tanh((2.0 + h) * -3.0 + 5.5) - np.tanh((2.0 - h) * -3.0 + 5.5)) / (2 * h)
    np.testing.assert_allclose(s.tangent(5), fd, rtol=1e-6)
    assert 'class="node dp-tangent"' in s.svg


def test_torch_graph_backward_order_only():
    torch = pytest.importorskip("torch")
    xt = torch.tensor(2.0, requires_grad=True)
    wt = torch.tensor(-3.0, requires_grad=True)
    bt = torch.tensor(5.5, requires_grad=True)
    yt = torch.tanh(xt * wt + bt)
    with pytest.raises(StepperError, match="backward order only"):
        Stepper(yt, mode="forward")
    yt.backward(retain_graph=True)
    s = Stepper(yt, mode="backward", params={"x": xt, "w": wt, "b": bt})
    assert "backward order only" in s.panel
    seen = []
    for _ in range(s.n_steps):
        s.next()
        assert len(current(s.svg)) == 1
        seen.append(current(s.svg)[0])
        if s.current.phase == "backward":
            assert "backward order only" in s.panel
    assert len(set(seen)) > 3
    names = {info.name: info.index for info in s.timeline.diagram.nodes if info.kind in ("input", "param")}
    for name, leaf in (("x", xt), ("w", wt), ("b", bt)):
        text = node_text(s.svg, f"n{names[name]}")
        assert f"grad {float(leaf.grad):.4g}" in text
    # the same computation stepped in dpviz gives the same gradients as PyTorch's .grad
    ours = Stepper(dp.trace(neuron, 2.0, -3.0, 5.5), mode="backward").last()
    for i, leaf in enumerate((xt, wt, bt)):
        np.testing.assert_allclose(ours.adjoint(i), leaf.grad.numpy(), rtol=1e-6)


def test_steps_do_not_run_graphviz(monkeypatch):
    from dpviz.pictures import renderer

    s = Stepper(dp.trace(neuron, 2.0, -3.0, 5.5), mode="both")

    def forbidden(*args, **kwargs):
        raise AssertionError("a step ran Graphviz")
    monkeypatch.setattr(renderer, "render", forbidden)
    monkeypatch.setattr(renderer.subprocess, "run", forbidden)
    for _ in range(s.n_steps):
        s.next()
    s.goto(2)


def test_collapsed_scope_is_current_while_any_member_is():
    def f(x):
        h = x
        for k in range(3):
            with dp.scope(f"block{k}"):
                h = (h * 0.5).tanh() + h
        return h.sum()
    prog = dp.trace(f, np.ones(3))
    s = Stepper(prog, mode="forward", collapse=True)
    members = {i: s.playback.unit_of[i] for i in range(prog.n)}
    assert any(u.startswith("g") for u in members.values())
    for _ in range(s.n_steps):
        s.next()
        unit = members[s.current.node]
        assert current(s.svg) == [unit]


def test_bad_input_is_explained():
    prog = dp.trace(neuron, 2.0, -3.0, 5.5)
    with pytest.raises(StepperError, match="mode must be one of"):
        Stepper(prog, mode="sideways")
    with pytest.raises(StepperError, match="dp.trace"):
        Stepper(lambda x: x, mode="forward")
    s = Stepper(prog)
    with pytest.raises(StepperError, match="outside 0..3"):
        s.goto(99)
    with pytest.raises(dp.DpvizError):
        s.goto("3")                                      # type: ignore[arg-type]
    assert s.goto(-1).step == 3                          # negative counts from the end
    with pytest.raises(StepperError, match="speed"):
        Stepper(prog, speed=0)


def test_the_vscode_view_steps_through_the_kernel():
    """VS Code cannot load the viewer's front end offline: there the Stepper shows ipywidgets controls."""
    from dpviz.widgets.classic import ClassicView

    s = Stepper(dp.trace(neuron, 2.0, -3.0, 5.5), mode="both")
    view = ClassicView(s)
    assert view.prev_button.disabled and not view.next_button.disabled
    view.next_button.click()
    assert s.step == 1 and view.counter.value == f"<b>{s.counter}</b>" and view.graph.value == s.svg
    view.slider.value = 5
    assert s.step == 5
    view.last_button.click()
    assert s.step == s.n_steps and view.next_button.disabled and view.slider.value == s.n_steps
    s.mode = "forward"                                   # a shorter timeline: the step is clipped
    assert s.step == 3 and view.slider.max == 3 and "Forward pass" in view.panel.value


def test_a_stepper_too_big_to_lay_out_is_refused_at_once():
    import time

    def chain(x):
        for _ in range(1000):
            x = (x * 1.01).tanh()
        return x.sum()

    prog = dp.trace(chain, np.ones(2))
    start = time.perf_counter()
    with pytest.raises(StepperError, match="3,002 boxes .*collapse=None"):
        Stepper(prog, collapse=False)
    assert time.perf_counter() - start < 10
    assert Stepper(prog).n_steps == sum(n.kind == "op" for n in prog.nodes)   # collapsed by default: it opens
