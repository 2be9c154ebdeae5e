"""Second order against PyTorch's double backward (issue 2, section D).

For every primitive (the case strategies of tests/_oracle.py) the Hessian-vector
product of L(x) = Σ w·f(x)² is computed three ways - ``backward(create_graph=True)``
then a backward through the gradient, nested ``dp.grad(dp.grad(...))``, and
``dp.hvp`` (forward over reverse) - and compared with torch.  The squared loss
makes every rule's own VJP get differentiated (the f·H_f term) as well as
composed (the Jᵀ·W·J term).  Then full Jacobians by rows and by columns, and a
hypergradient through an unrolled SGD loop.
"""
from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import dpviz as dp
from _oracle import CASES, EXAMPLES, SETTINGS, T, Case, check_jacobians, check_second_order, close, draw_args

FEW = settings(SETTINGS, max_examples=max(1, EXAMPLES // 2))

# torch.func's first use warns about its own internals (torch.jit.script); that is not ours to fix
pytestmark = pytest.mark.filterwarnings("ignore:.*torch.jit.script.*:DeprecationWarning")


@pytest.mark.parametrize("op", sorted(CASES))
@SETTINGS
@given(data=st.data())
def test_hvp_matches_torch_double_backward(op, data):
    case = data.draw(CASES[op], label="case")
    args = draw_args(data.draw, case)
    check_second_order(case, args, np.random.default_rng(data.draw(st.integers(0, 2 ** 32 - 1), label="seed")))


@pytest.mark.parametrize("op", sorted(CASES))
@FEW
@given(data=st.data())
def test_jacobian_fwd_rev_match_torch(op, data):
    case = data.draw(CASES[op], label="case")
    check_jacobians(case, draw_args(data.draw, case))


def test_pow_second_order_at_zero_base():
    """Second derivatives of Σ aᵇ at a = 0 are finite and right.

    PyTorch gives nan here (its ∂/∂b rule is where(a == 0, 0, aᵇ·ln a), and differentiating
    the branch it discards meets ln 0), so the oracle is the calculus:
    ∂²/∂a² = b(b−1)aᵇ⁻², ∂²/∂a∂b = aᵇ⁻¹(1 + b·ln a), ∂²/∂b² = aᵇ·ln²a, with a·ln a → 0.
    """
    a = np.array([0.0, 0.0, 1.5, 0.0])
    b = np.array([2.0, 3.0, 0.5, 0.0])
    la, lb = dp.tensor(a, requires_grad=True), dp.tensor(b, requires_grad=True)
    (la ** lb).sum().backward(create_graph=True)
    ga, gb = la.grad, lb.grad
    close(ga, [0.0, 0.0, 0.5 / np.sqrt(1.5), 0.0], "pow at 0: ∂/∂a")
    close(gb, [0.0, 0.0, np.sqrt(1.5) * np.log(1.5), 0.0], "pow at 0: ∂/∂b")
    la.grad = lb.grad = None
    (ga.sum() + gb.sum()).backward()            # H·(1, 1)
    l15 = np.log(1.5)
    d_aa = 0.5 * -0.5 * 1.5 ** -1.5
    d_ab = 1.5 ** -0.5 * (1 + 0.5 * l15)
    d_bb = 1.5 ** 0.5 * l15 ** 2
    close(la.grad, [2.0, 0.0, d_aa + d_ab, 0.0], "pow at 0: H·v, a part")
    # at a = b = 0 the mixed derivative has no value (aᵇ⁻¹ = 0⁻¹); it only has to be finite there
    close(lb.grad[:3], [0.0, 0.0, d_ab + d_bb], "pow at 0: H·v, b part")
    assert np.isfinite(lb.grad.data).all()
    # away from 0 torch agrees, by all three second-order routes
    case = Case("pow", lambda x, y: x ** y, lambda x, y: x ** y, [((2,), "pos")] * 2)
    check_second_order(case, [np.array([1.5, 0.7]), np.array([0.5, -1.3])], np.random.default_rng(0))


def test_third_order_by_nesting():
    """dp.grad three deep: d³/dx³ of x·sin(x)·exp(x/2) and tanh(x)³ against torch."""
    for f_dp, f_t in ((lambda x: x * dp.sin(x) * dp.exp(x * 0.5), lambda x: x * torch.sin(x) * torch.exp(x * 0.5)),
                      (lambda x: dp.tanh(x) ** 3, lambda x: torch.tanh(x) ** 3)):
        for x0 in (-0.7, 0.3, 1.9):
            tx = T(x0, True)
            y = f_t(tx)
            (g1,) = torch.autograd.grad(y, tx, create_graph=True)
            (g2,) = torch.autograd.grad(g1, tx, create_graph=True)
            (g3,) = torch.autograd.grad(g2, tx)
            close(dp.grad(dp.grad(dp.grad(f_dp)))(x0), g3, f"third derivative at {x0}")


def test_hessian_by_jacobian_of_grad():
    """jacobian(grad f) by rows and by columns equals torch's Hessian (a softmax-attention score)."""
    rng = np.random.default_rng(7)
    K, V, q0 = rng.standard_normal((4, 3)), rng.standard_normal((4, 2)), rng.standard_normal(3)

    def f_dp(q):
        return (dp.softmax(K @ q) @ V).sum() + dp.log(dp.sigmoid(q)).sum()

    def f_t(q):
        return (torch.softmax(T(K) @ q, dim=0) @ T(V)).sum() + torch.log(torch.sigmoid(q)).sum()

    H_t = torch.autograd.functional.hessian(f_t, T(q0))
    close(dp.jacobian(dp.grad(f_dp), mode="rev")(q0), H_t, "Hessian by reverse-over-reverse")
    close(dp.jacobian(dp.grad(f_dp), mode="fwd")(q0), H_t, "Hessian by forward-over-reverse")


# ---------------------------------------------------------------------------------------------
# A hypergradient: d(validation loss)/d(learning rate) through K unrolled SGD steps.

def _regression_data():
    rng = np.random.default_rng(11)
    X, Xv = rng.standard_normal((8, 3)), rng.standard_normal((5, 3))
    w_true = np.array([1.0, -2.0, 0.5])
    y, yv = np.tanh(X @ w_true), np.tanh(Xv @ w_true)
    return X, y, Xv, yv, rng.standard_normal(3) * 0.1


def _torch_hypergradient(lr0: float, K: int):
    X, y, Xv, yv, w0 = _regression_data()
    lr = T(lr0, True)
    w = T(w0)
    for _ in range(K):
        w_req = w if w.requires_grad else w.clone().requires_grad_(True)
        loss = ((torch.tanh(T(X) @ w_req) - T(y)) ** 2).mean()
        (g,) = torch.autograd.grad(loss, w_req, create_graph=True)
        w = w_req - lr * g
    val = ((torch.tanh(T(Xv) @ w) - T(yv)) ** 2).mean()
    (hg,) = torch.autograd.grad(val, lr)
    return val.detach(), hg


@pytest.mark.parametrize("K", [1, 5])
def test_hypergradient_through_unrolled_sgd_with_dp_grad(K):
    X, y, Xv, yv, w0 = _regression_data()

    def train_loss(w):
        return ((dp.tanh(X @ w) - y) ** 2).mean()

    def val_after(lr):
        w = w0
        for _ in range(K):
            w = w - lr * dp.grad(train_loss)(w)
        return ((dp.tanh(Xv @ w) - yv) ** 2).mean()

    val_t, hg_t = _torch_hypergradient(0.3, K)
    val, hg = dp.value_and_grad(val_after)(0.3)
    close(val, val_t, "validation loss after the unrolled loop")
    close(hg, hg_t, f"hypergradient through {K} SGD steps (dp.grad)")


def test_hypergradient_through_unrolled_sgd_with_backward_create_graph():
    K = 4
    X, y, Xv, yv, w0 = _regression_data()
    lr = dp.tensor(0.3, requires_grad=True)
    w = dp.tensor(w0, requires_grad=True)
    for _ in range(K):
        loss = ((dp.tanh(X @ w) - y) ** 2).mean()
        loss.backward(create_graph=True)
        w = w - lr * w.grad
    lr.grad = None
    ((dp.tanh(Xv @ w) - yv) ** 2).mean().backward()
    _, hg_t = _torch_hypergradient(0.3, K)
    close(lr.grad, hg_t, "hypergradient through SGD steps (backward(create_graph=True))")


# ---------------------------------------------------------------------------------------------
# Every way of nesting the two modes gives the same second derivative as torch's Hessian.

def _hessian_case():
    rng = np.random.default_rng(21)
    A = rng.standard_normal((3, 4))
    x0, u, v = rng.standard_normal(3), rng.standard_normal(3), rng.standard_normal(3)

    def f_dp(x):
        z = x @ A
        return dp.cross_entropy(dp.stack([z, dp.tanh(z) * x[0]]), [1, 3]) + dp.sqrt(x * x + 1.0).sum()

    def f_t(x):
        z = x @ T(A)
        logits = torch.stack([z, torch.tanh(z) * x[0]])
        return torch.nn.functional.cross_entropy(logits, torch.tensor([1, 3])) + torch.sqrt(x * x + 1.0).sum()

    Hm = torch.autograd.functional.hessian(f_t, T(x0)).numpy()
    return f_dp, x0, u, v, Hm


def test_forward_over_forward():
    f, x0, u, v, Hm = _hessian_case()
    _, uHv = dp.jvp(lambda x: dp.jvp(f, (x,), (v,))[1], (x0,), (u,))
    close(uHv, u @ Hm @ v, "uᵀHv by jvp(jvp)")


def test_reverse_over_forward():
    f, x0, u, v, Hm = _hessian_case()
    close(dp.grad(lambda x: dp.jvp(f, (x,), (v,))[1])(x0), Hm @ v, "H·v by grad(jvp)")


def test_forward_over_reverse_and_reverse_over_reverse():
    f, x0, u, v, Hm = _hessian_case()
    close(dp.hvp(f, x0, v), Hm @ v, "H·v by dp.hvp")
    close(dp.jvp(dp.grad(f), (x0,), (v,))[1], Hm @ v, "H·v by jvp(grad)")
    close(dp.grad(lambda x: (dp.grad(f)(x) * v).sum())(x0), Hm @ v, "H·v by grad(grad)")
    close(dp.jacobian(dp.grad(f), mode="fwd")(x0), Hm, "Hessian, jacobian(fwd) of grad")
    close(dp.jacobian(dp.grad(f), mode="rev")(x0), Hm, "Hessian, jacobian(rev) of grad")
