"""Part-1 notebooks: each runs top to bottom (quick mode, < 90 s, < 1.5 GB, no warnings) and
shows what it claims - checked on the text it printed."""
from __future__ import annotations

import re

import pytest

from nbrun import assert_exercises_unanswered, printed_number, run_notebook


def test_01_welcome():
    run = run_notebook("01-welcome.ipynb")
    text = run.text()
    assert "Sequence of explicit instructions | Sequence of differentiable primitives" in text  # Table 1
    assert "09-from-the-engine-to-pytorch.ipynb" in text                                       # the map
    assert "Python " in text and ("GPU" in text)                                               # environment
    assert run.has_mime("image/svg+xml")                                                        # a drawing shows
    assert "Forward pass · step 2 of 2" in text                                                 # the stepper
    assert_exercises_unanswered(text, "01")


def test_02_programs_are_graphs():
    run = run_notebook("02-programs-are-graphs.ipynb")
    text = run.text()
    assert "n = 6 nodes, l = 2 inputs" in text
    assert "E = [(0, 2), (1, 2), (0, 3), (2, 4), (3, 4), (4, 5)]" in text
    assert "every edge goes forward: True" in text and "Definition1Check(problems=[])" in text
    assert "equal: True" in text                                    # replay == direct call
    assert "is a DAG: True" in text and "= 3 edges" in text         # networkx view
    assert run.has_mime("image/svg+xml")
    assert_exercises_unanswered(text, "02")


def test_03_reverse_mode_agrees_with_pytorch():
    run = run_notebook("03-reverse-mode.ipynb")
    text = run.text()
    for k in ("w", "x", "b"):
        m = re.search(rf"dL/d{k}: engine (\S+)\s+by hand (\S+)", text)
        assert m and abs(float(m.group(1)) - float(m.group(2))) < 1e-9
    assert "dx = 4.0  expected 2x + 1 = 4.0" in text                # fan-out accumulates
    # four rows, as the text says: one into the mul node v̄1, then the three contributions into x (v̄0)
    rows = re.findall(r"edge \(\d, \d\): contribution \S+ into v̄(\d)", text)
    assert rows == ["1", "0", "0", "0"], rows
    assert "accumulated=True" in text
    # zero_grad starts over; what two calls without it do is exercise 03.3, not printed
    assert "after one backward 0.8399; after zero_grad and one more 0.8399" in text
    assert printed_number(r"largest difference between dpviz and PyTorch: (\S+)", text) < 1e-12
    mlp = next(d.dot for d in run.drawings if d.kind == "draw")
    assert "<b>y</b>" in mlp and "<b>mlp.layer0.weight</b>" in mlp     # names from the program, not const10
    assert 'rankdir="TB"' in mlp                                       # a layered network reads top to bottom
    assert_exercises_unanswered(text, "03")


def test_04_forward_mode_and_cost_meter():
    run = run_notebook("04-forward-mode-and-jacobians.ipynb")
    text = run.text()
    assert "= column 1: True" in text and "= row 0:    True" in text
    assert "forward and reverse Jacobians agree: True" in text
    assert re.search(r"f needs \d+ JVPs or 1 VJP -> faster: rev", text)
    assert re.search(r"g needs 1 JVP or \d+ VJPs -> faster: fwd", text)
    assert run.has_mime("application/vnd.plotly.v1+json")
    assert_exercises_unanswered(text, "04")


def test_05_branching_learns_the_threshold():
    run = run_notebook("05-control-flow-and-branching.ipynb")
    text = run.text()
    assert "x = 1: n = 10 nodes;  x = 4: n = 6 nodes" in text
    assert "d loss / d c for the hard if: 0.0" in text
    assert abs(printed_number(r"learned threshold -b/w = (\S+)", text) - 0.5) < 0.1
    start = printed_number(r"loss: (\S+) at the start", text)
    assert printed_number(r"-> (\S+) at the end", text) < 0.5 * start
    assert_exercises_unanswered(text, "05")


def test_06_inplace_side_by_side():
    run = run_notebook("06-in-place-and-aliasing.ipynb")
    text = run.text()
    assert "after tanh: version 0" in text and "after add_: version 1" in text
    assert "InplaceError: one of the values needed for the gradient" in text
    assert "torch  versions [0, 1]: RuntimeError" in text           # PyTorch refuses example 1 too
    assert "torch  versions [0, 1]: OK" in text                     # and rebases the aliased view
    assert "version after step:  1" in text
    assert run.has_mime("image/svg+xml")
    # "what went wrong, drawn": the overwritten tanh node, its version line, the arrow from add_
    assert "tanh node #1: version 0, overwritten by node #3" in text
    drawn = run.drawings[0].dot
    assert "version 0 · overwritten by add_ #3" in drawn and "version 1" in drawn
    assert "n3 -> n1" in drawn and 'label="overwrote"' in drawn
    assert_exercises_unanswered(text, "06")


def test_07_hypergradient_sign_and_check():
    run = run_notebook("07-higher-order-and-hypergradients.ipynb")
    text = run.text()
    assert "f''(2) = 12.0" in text and "d/dx (dy/dx) = 12.0" in text
    g = printed_number(r"dV/dη = (\S+)", text)
    assert g < 0 and abs(g - printed_number(r"finite difference:\s+(\S+)", text)) < 1e-3
    assert "slopes change sign: True" in text
    m = re.search(r"V: (\S+) -> (\S+)", text)
    assert m and float(m.group(2)) < float(m.group(1))
    assert_exercises_unanswered(text, "07")


def test_08_characteristics():
    run = run_notebook("08-program-characteristics.ipynb")
    text = run.text()
    rnn = re.search(r"rnn: path length by lag (\{.*\})", text).group(1)
    lengths = [int(v) for v in re.findall(r"\[(\d+)\]", rnn)]
    assert lengths == sorted(lengths) and len(set(lengths)) == len(lengths) > 3      # grows with the lag
    att = re.search(r"self_attention: path length by lag (\{.*\})", text).group(1)
    assert len(set(re.findall(r"\[(\d+)\]", att))) == 1                               # constant
    assert re.search(r"rnn: invariant = False", text) and re.search(r"self_attention: invariant = True", text)
    assert "scopes: ['attention', 'encoder', 'readout']" in text
    attention = [d.dot for d in run.drawings if d.kind == "draw"][1]
    assert any(d.kind == "stepper" for d in run.drawings)               # the RNN's forward pass, stepped
    assert all(f"<b>{w}</b>" in attention for w in ("W_q", "W_k", "W_v")) and "<b>const" not in attention
    assert_exercises_unanswered(text, "08")


def test_09_pytorch():
    import torch

    run = run_notebook("09-from-the-engine-to-pytorch.ipynb")
    text = run.text()
    if not torch.cuda.is_available():
        assert "Note: no GPU is visible" in text
    assert printed_number(r"largest difference (\S+)\n", text) < 1e-12
    assert printed_number(r"largest difference between the two curves: (\S+)", text) < 1e-10
    assert run.has_mime("image/svg+xml")
    # the drawing uses the names the prose teaches: PyTorch's backward functions, the model's parameters
    torch_drawing = run.drawings[0].dot
    for name in ("<b>TanhBackward0</b>", "<b>AddmmBackward0</b>", "<b>0.weight</b>", "<b>mat1</b>", "<b>mat2</b>"):
        assert name in torch_drawing, name
    assert "<b>y</b>" in run.drawings[1].dot          # dpviz's drawing names the target after its variable
    assert_exercises_unanswered(text, "09")
