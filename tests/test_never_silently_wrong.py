"""Issue 17, part A: no silent zero gradient, no silent constant, no forged line of a program.

Each gradient is checked against the derivative worked by hand and against PyTorch where
PyTorch can compute it at all (``torch.tensor`` of tensors detaches, so there ``torch.stack``
is the comparison).
"""
from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import dpviz as dp
from dpviz.errors import DpvizError, DTypeError

# torch.func's transforms warn about torch.jit.script, which they use inside; nothing of ours
pytestmark = pytest.mark.filterwarnings("ignore:`torch.jit.script` is deprecated:DeprecationWarning")


def torch_grad(f, x):
    t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    f(t).backward()
    return t.grad.numpy()


def test_a_tensor_built_from_tensors_keeps_the_graph():
    assert float(dp.grad(lambda x: dp.tensor([x, 2 * x]).sum())(3.0)) == 3.0
    assert float(torch_grad(lambda x: torch.stack([x, 2 * x]).sum(), 3.0)) == 3.0
    g = dp.grad(lambda x: (dp.tensor(x) * 2.0).sum())(np.ones(3))
    assert np.array_equal(g, [2.0, 2.0, 2.0])
    assert np.array_equal(g, torch_grad(lambda x: (x.clone() * 2.0).sum(), np.ones(3)))
    assert float(dp.grad(lambda x: dp.mean([x, x + 2]))(0.0)) == 1.0
    assert float(torch_grad(lambda x: torch.stack([x, x + 2]).mean(), 0.0)) == 1.0
    nested = dp.grad(lambda x: (dp.tensor([[x, 1.0], [2.0, x * x]]) * 3.0).sum())(2.0)
    assert float(nested) == 3.0 * (1 + 2 * 2.0)


def test_an_op_given_a_list_of_tensors_records_it():
    x = dp.tensor([1.0, 2.0], requires_grad=True)
    y = dp.sum([x, 3.0 * x])
    y.backward()
    assert np.array_equal(x.grad, [4.0, 4.0]) and y.op == "sum"


def test_contradictory_requests_are_refused_clearly():
    x = dp.tensor(1.0, requires_grad=True)
    with pytest.raises(DpvizError, match="already part of a graph"):
        dp.tensor([x, x], requires_grad=True)
    with pytest.raises(DTypeError, match="no gradient"):
        dp.tensor(x * 2, dtype=np.float32)
    new_leaf = dp.tensor((x * 2).data, requires_grad=True)   # the way to start afresh
    assert new_leaf.requires_grad and new_leaf.op == "input"
    with dp.no_grad():                                         # no graph wanted: plain numbers
        assert dp.tensor([x, x]).op == "input"


def test_numpy_cannot_quietly_turn_a_tensor_that_needs_a_gradient_into_numbers():
    x = dp.tensor([1.0, 2.0], name="x", requires_grad=True)
    with pytest.raises(DpvizError, match="'x' \\(input\\), which needs a gradient.*dp.stack"):
        np.array([x, x])
    with pytest.raises(DpvizError, match="t.data"):
        np.asarray(x * 2.0)
    assert np.array_equal(np.asarray(x.data), [1.0, 2.0])
    assert np.array_equal(np.asarray(dp.tensor([1.0, 2.0])), [1.0, 2.0])   # no gradient: fine


def test_a_number_taken_from_a_tensor_inside_a_trace_is_flagged():
    with pytest.warns(dp.GraphBreakWarning, match="'x' \\(input\\) needs a gradient but became a Python number"):
        prog = dp.trace(lambda x: x * float(x), 3.0)
    assert float(prog.backward()[0]) == 3.0        # what the program computes: x times a constant
    with pytest.warns(dp.GraphBreakWarning):
        dp.grad(lambda x: x * x.item())(2.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        x = dp.tensor(3.0, requires_grad=True)
        float(x * x)                                # outside a transformation: printing a loss is fine
        dp.trace(lambda a: a * float(a.data), 3.0)  # .data says a constant is meant


def test_a_name_cannot_forge_a_line_of_the_text_form():
    x = dp.tensor(1.0, name="x\nv9 = evil()", requires_grad=True)
    text = str(dp.Program.from_tensor((x * 2.0).named("y\r\x00")))
    assert len(text.splitlines()) == 4
    assert "x\\nv9 = evil()" in text and "[y\\r\\x00]" in text


def test_a_jacobian_inside_a_transformation_can_be_differentiated_again():
    g = dp.grad(lambda x: dp.sum(dp.jacobian(lambda y: y * y)(x)))(np.array([1.0, 2.0]))
    assert np.array_equal(g, [2.0, 2.0])
    f_t = lambda x: (x ** 3).sum() * torch.tensor([1.0, 2.0], dtype=torch.float64)
    f_d = lambda x: (x ** 3).sum() * dp.tensor([1.0, 2.0])
    x = np.array([1.0, -2.0])
    expected = torch.func.jacrev(torch.func.jacrev(f_t))(torch.tensor(x)).numpy()
    assert np.allclose(dp.jacobian(dp.jacobian(f_d))(x), expected)
    assert np.allclose(dp.jacobian(dp.jacobian(f_d, mode="fwd"), mode="fwd")(x), expected)


def test_hessian_matches_pytorch():
    f_d = lambda x: (x ** 3).sum() + x[0] * x[1] + (x * x).tanh().sum()
    f_t = lambda x: (x ** 3).sum() + x[0] * x[1] + (x * x).tanh().sum()
    x = np.array([0.3, -1.2, 0.7])
    expected = torch.func.hessian(f_t)(torch.tensor(x)).numpy()
    assert np.allclose(dp.hessian(f_d)(x), expected)
    assert np.allclose(dp.jacobian(dp.grad(f_d))(x), expected)
