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


def test_a_replay_that_would_take_another_branch_is_refused():
    """The Program is the path the traced run took: an `if`, a loop's test or a where-mask that would
    come out differently for the new inputs raises instead of silently computing the old path."""
    prog = dp.trace(lambda x: x * 2 if x > 0 else -x, 1.0)
    assert float(prog(5.0)) == 10.0                         # same branch: replays as before
    with pytest.raises(dp.ReplayError, match=r"`x > 0` was True when dp.trace ran the function and is False"):
        prog(-3.0)                                          # was -6 (the x * 2 branch), silently

    def doubling(x):
        while x.sum() < 10:
            x = x * 2
        return x

    loop = dp.trace(doubling, [1.0, 2.0])                   # two doublings recorded
    assert loop([1.5, 2.0]).tolist() == [6.0, 8.0]          # also two: fine
    with pytest.raises(dp.ReplayError, match=r"sum\(.*\) < 10"):
        loop([0.1, 0.1])                                    # would need more doublings
    masked = dp.trace(lambda x: dp.where(x > 0, x, -x).sum(), [1.0, -2.0])
    with pytest.raises(dp.ReplayError, match="another path"):
        masked.evaluate([-1.0, -1.0])                       # every interpreter that replays checks
    with pytest.raises(dp.ReplayError):
        list(masked.forward_steps([-1.0, -1.0]))
    # a guard on a value that does not lead to the output is still checked
    side = dp.trace(lambda x: x * 3 if (x * x).sum() > 1 else x, [1.0, 1.0])
    with pytest.raises(dp.ReplayError):
        side([0.1, 0.1])
    # comparisons outside a trace, or of constants, record nothing
    x = dp.tensor([1.0, 2.0], requires_grad=True)
    assert (x > 0).all() and not dp.trace(lambda x: x * 2, [1.0]).guards
    assert not dp.trace(lambda x: x * (2 if np.float64(3.0) > 1 else 1), [1.0]).guards


def test_a_nested_trace_keeps_its_own_guards():
    def inner(y):
        return y * 2 if y > 0 else y

    def outer(x):
        dp.trace(inner, 1.0)                               # its guard is its own
        return x + 1

    assert not dp.trace(outer, [5.0]).guards


def test_empty_arrays_behave_as_in_numpy_and_pytorch():
    assert dp.ones(3)[[]].shape == (0,) == torch.ones(3)[[]].shape
    assert dp.max(dp.zeros((2, 0)), axis=0).shape == (0,) == np.max(np.zeros((2, 0)), axis=0).shape
    assert dp.softmax(dp.zeros((3, 0)), axis=1).shape == (3, 0) == tuple(torch.softmax(torch.zeros(3, 0), 1).shape)
    assert dp.log_softmax(dp.zeros((3, 0)), axis=1).shape == (3, 0)
    x = dp.tensor([1.0, 2.0, 3.0], requires_grad=True)
    x[[]].sum().backward()
    assert x.grad.tolist() == [0.0, 0.0, 0.0]                   # nothing selected: zero, and no error
    with pytest.raises(dp.ShapeError, match="axis of length 0 has no value"):
        dp.max(dp.zeros((2, 0)), axis=1)                        # NumPy refuses this one too


def test_numpy_functions_on_tensors_record_the_dpviz_op_or_say_what_to_write():
    x0 = np.array([[0.5, -1.0], [2.0, 0.25]])
    x = dp.tensor(x0, requires_grad=True)
    y = np.sum(np.tanh(x) * np.exp(x)) + np.mean(x, axis=0).sum() + np.sum(np.stack([x, x]), axis=(0, 1)).sum()
    y.backward()
    t = torch.tensor(x0, requires_grad=True)
    (torch.sum(torch.tanh(t) * torch.exp(t)) + t.mean(0).sum() + torch.stack([t, t]).sum()).backward()
    assert np.allclose(x.grad, t.grad.numpy())
    a = np.array([[1.0, 2.0]])
    z = dp.tensor([[3.0], [4.0]], requires_grad=True)
    (a @ z).sum().backward()                               # an ndarray on the left hands over to the tensor
    assert z.grad.tolist() == [[1.0], [2.0]]
    assert np.allclose(np.maximum(x, 0).data, np.maximum(x0, 0))           # an op dpviz has: recorded
    with pytest.raises(DpvizError, match=r"no linalg.norm with ord= op.*dp\.norm\(x\)"):
        np.linalg.norm(x, ord=1)                                            # one it has not: told what to write
    with pytest.raises(DpvizError, match="does not take out="):
        np.sum(x, out=np.zeros(()))
    assert np.shape(x) == (2, 2) and np.allclose(x, x0) and np.argmax(x) == 2      # reads work on numbers
    assert np.cbrt(dp.tensor([8.0])).tolist() == [2.0]       # no dpviz op, no gradient needed: plain NumPy
    with pytest.raises(DpvizError, match="no cbrt op"):
        np.cbrt(x)
    assert isinstance(np.log1p(dp.tensor([0.5], requires_grad=True)), dp.Tensor)    # an op dpviz has records
