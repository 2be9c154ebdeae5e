"""Every primitive's VJP and JVP against PyTorch in float64 (issue 2, section D).

For each primitive a hypothesis strategy (tests/_oracle.py) draws shapes - broadcasting
ones for binary ops - static parameters (axes, indices, masks) and values inside the
op's domain.  One check then compares, against torch.autograd / torch.func.jvp:
the forward value; the VJP of a random cotangent through ``Tensor.backward`` and
through ``dp.vjp``; the JVP of random tangents through ``dp.jvp``; and the same
through a traced Program, first at the traced inputs, then replayed on new ones.
"""
from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

import dpviz as dp
from _oracle import CASES, SETTINGS, T, binary_case, check_first_order, close, draw_args, npy, unary_case

# torch.func's first use warns about its own internals (torch.jit.script); that is not ours to fix
pytestmark = pytest.mark.filterwarnings("ignore:.*torch.jit.script.*:DeprecationWarning")


@pytest.mark.parametrize("op", sorted(CASES))
@SETTINGS
@given(data=st.data())
def test_first_order_matches_torch(op, data):
    case = data.draw(CASES[op], label="case")
    args = draw_args(data.draw, case)
    args2 = draw_args(data.draw, case)
    rng = np.random.default_rng(data.draw(st.integers(0, 2 ** 32 - 1), label="seed"))
    check_first_order(case, args, args2, rng)


@pytest.mark.parametrize("op", ["add", "mul", "div", "exp", "tanh"])
@SETTINGS
@given(data=st.data())
def test_empty_arrays(op, data):
    """Axes of length 0 broadcast and differentiate like any other."""
    strat = binary_case(op, min_side=0) if op in ("add", "mul", "div") else unary_case(op, min_side=0)
    case = data.draw(strat, label="case")
    args = draw_args(data.draw, case)
    check_first_order(case, args, args, np.random.default_rng(0))


# ---------------------------------------------------------------------------------------------
# The conventions at kinks and ties are PyTorch's.

def test_relu_abs_at_zero_follow_torch():
    x = np.array([-1.0, 0.0, 2.0, -0.0])
    seed = np.array([1.0, 2.0, 3.0, 4.0])
    for f_dp, f_t in ((dp.relu, torch.relu), (dp.abs, torch.abs)):
        leaf = dp.tensor(x, requires_grad=True)
        f_dp(leaf).backward(seed)
        tx = T(x, True)
        (tg,) = torch.autograd.grad(f_t(tx), tx, T(seed))
        close(leaf.grad, tg, f"{f_dp.__name__ if hasattr(f_dp, '__name__') else f_dp} at 0")
        _, tan = dp.jvp(f_dp, (x,), (seed,))
        close(tan, torch.func.jvp(f_t, (T(x),), (T(seed),))[1], "jvp at 0")


@pytest.mark.parametrize("axis,keepdims", [(None, False), (0, False), (1, True), (-1, False), ((0, 1), True)])
def test_max_ties_share_the_gradient_like_amax(axis, keepdims):
    x = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0], [0.0, -1.0, 3.0]])
    leaf = dp.tensor(x, requires_grad=True)
    out = dp.max(leaf, axis=axis, keepdims=keepdims)
    seed = np.arange(1.0, out.size + 1).reshape(out.shape)
    out.backward(seed)
    dims = (0, 1) if axis is None else axis
    tx = T(x, True)
    (tg,) = torch.autograd.grad(torch.amax(tx, dim=dims, keepdim=keepdims), tx, T(seed))
    close(leaf.grad, tg, "max ties: VJP")
    tan = np.linspace(-1, 1, 9).reshape(3, 3)
    _, t_tan = torch.func.jvp(lambda t: torch.amax(t, dim=dims, keepdim=keepdims), (T(x),), (T(tan),))
    close(dp.jvp(lambda t: dp.max(t, axis=axis, keepdims=keepdims), (x,), (tan,))[1], t_tan, "max ties: JVP")


def test_pow_at_zero_base_follows_torch():
    """0 ** b with b >= 0: torch gives ∂/∂b = 0 and, for b = 0, ∂/∂a = 0 (not nan)."""
    a = np.array([0.0, 0.0, 1.5, 0.0, -2.0])
    b = np.array([2.0, 3.0, 0.5, 0.0, 2.0])
    la, lb = dp.tensor(a, requires_grad=True), dp.tensor(b, requires_grad=True)
    with np.errstate(invalid="ignore"):          # ∂/∂b at a = -2 is ln(-2)·4 = nan, in torch too
        (la ** lb).sum().backward()
    ta, tb = T(a, True), T(b, True)
    ga, gb = torch.autograd.grad((ta ** tb).sum(), (ta, tb))
    close(la.grad, ga, "pow at 0: d/da")
    close(lb.grad, gb, "pow at 0: d/db")
    ones = np.ones(a.shape)
    _, tan = dp.jvp(lambda x: x ** b, (a,), (ones,))
    close(tan, torch.func.jvp(lambda x: x ** T(b), (T(a),), (T(ones),))[1], "pow at 0: jvp in a")
    _, tan = dp.jvp(lambda y: a[:4] ** y, (b[:4],), (ones[:4],))
    close(tan, torch.func.jvp(lambda y: T(a[:4]) ** y, (T(b[:4]),), (T(ones[:4]),))[1], "pow at 0: jvp in b")


def test_cross_entropy_with_tensor_and_list_targets():
    z = np.array([[0.5, -1.0, 2.0], [0.1, 0.2, 0.3]])
    for targets in ([2, 0], dp.tensor(np.array([2, 0])), np.array([2, 0])):
        leaf = dp.tensor(z, requires_grad=True)
        dp.cross_entropy(leaf, targets).backward()
        tz = T(z, True)
        (tg,) = torch.autograd.grad(torch.nn.functional.cross_entropy(tz, torch.tensor([2, 0])), tz)
        close(leaf.grad, tg, f"cross_entropy with targets {type(targets).__name__}")


def test_fan_out_and_reuse_accumulate():
    """One input used by many primitives: the adjoints add up, the tangents too."""
    x = np.array([[0.3, -0.7, 1.2], [0.9, 0.1, -0.4]])

    def f_dp(x):
        s = dp.softmax(x, axis=0)
        return (s * x.exp()).sum(axis=1) + x[:, 0] * dp.max(x, axis=1) - dp.log(x * x + 1.0).mean(axis=1)

    def f_t(x):
        s = torch.softmax(x, dim=0)
        return (s * x.exp()).sum(dim=1) + x[:, 0] * torch.amax(x, dim=1) - torch.log(x * x + 1.0).mean(dim=1)

    rng = np.random.default_rng(3)
    from _oracle import Case
    check_first_order(Case("fan_out", f_dp, f_t, [(x.shape, "real")]), [x], [x + 0.25], rng)


@pytest.mark.parametrize("axis", [None, 0, -1, (0,), (-1,)])
@pytest.mark.parametrize("op", ["sum", "mean", "max"])
def test_reductions_of_a_0d_tensor_accept_axis_0_and_minus_1(op, axis):
    """torch reduces a 0-d tensor over dim 0 or -1; dpviz takes the same axes (and gives the same result)."""
    x0 = np.array(0.7)
    f_dp = lambda x: getattr(dp, op)(x, axis=axis, keepdims=True) * x
    dims = () if axis is None else axis
    f_t = {"sum": lambda x: torch.sum(x, dim=dims, keepdim=True) * x,
           "mean": lambda x: torch.mean(x, dim=dims, keepdim=True) * x,
           "max": lambda x: torch.amax(x, dim=dims, keepdim=True) * x}[op]
    from _oracle import Case
    check_first_order(Case(f"{op}_0d", f_dp, f_t, [((), "real")]), [x0], [np.array(-1.3)],
                      np.random.default_rng(0))


def test_softmax_family_on_a_0d_tensor():
    from _oracle import Case
    for f_dp, f_t in ((lambda x: dp.softmax(x) * x, lambda x: torch.softmax(x, 0) * x),
                      (lambda x: dp.log_softmax(x, axis=0) + x, lambda x: torch.log_softmax(x, 0) + x)):
        check_first_order(Case("softmax_0d", f_dp, f_t, [((), "real")]), [np.array(0.3)], [np.array(2.0)],
                          np.random.default_rng(1))


def test_sigmoid_tails_keep_relative_precision():
    """σ(x) for x ≪ 0 is tiny but not 0: value, VJP and JVP match torch to ~1 ulp, so log σ stays finite."""
    x = np.array([-700.0, -100.0, -40.0, -20.0, -5.0, -1e-3, 0.0, 1e-3, 5.0, 20.0, 40.0, 700.0])
    leaf = dp.tensor(x, requires_grad=True)
    y = dp.sigmoid(leaf)
    y.backward(np.ones(x.shape))
    tx = T(x, True)
    ty = torch.sigmoid(tx)
    (tg,) = torch.autograd.grad(ty, tx, torch.ones_like(ty))
    np.testing.assert_allclose(y.data, npy(ty), rtol=1e-14, atol=0, err_msg="sigmoid value in the tails")
    np.testing.assert_allclose(leaf.grad, npy(tg), rtol=1e-14, atol=0, err_msg="sigmoid VJP in the tails")
    _, tan = dp.jvp(dp.sigmoid, (x,), (np.ones(x.shape),))
    np.testing.assert_allclose(tan, npy(tg), rtol=1e-14, atol=0, err_msg="sigmoid JVP in the tails")
    close(dp.log(dp.sigmoid(dp.tensor(-40.0))), torch.log(torch.sigmoid(T(-40.0))), "log σ(-40)")
