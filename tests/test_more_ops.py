"""The ops a learner reaches for beyond the core (issue 17, part C), where the oracle's random cases do not reach:
shape ops, products of vectors, ties, and the errors bad arguments get. Their derivatives in both modes and
at second order are checked against torch by the oracle tests (tests/_oracle.py lists them)."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import dpviz as dp


def _grad_pair(f_dp, f_torch, *arrays):
    xs = [dp.tensor(a, requires_grad=True) for a in arrays]
    f_dp(*xs).sum().backward()
    ts = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in arrays]
    f_torch(*ts).sum().backward()
    return [x.grad for x in xs], [t.grad.numpy() for t in ts]


@pytest.mark.parametrize("name, f_dp, f_torch, shapes", [
    ("dot", dp.dot, lambda a, b: a @ b, [(3,), (3,)]),
    ("dot 2-d", dp.dot, lambda a, b: a @ b, [(2, 3), (3, 4)]),
    ("outer", dp.outer, torch.outer, [(2,), (3,)]),
    ("squeeze", lambda x: dp.squeeze(x) * np.arange(3.0), lambda x: x.squeeze() * torch.arange(3.0), [(1, 3, 1)]),
    ("expand_dims", lambda x: dp.expand_dims(x, 0) * np.ones((2, 1)), lambda x: x.unsqueeze(0) * torch.ones(2, 1),
     [(3,)]),
    ("ravel", lambda x: dp.ravel(x) * np.arange(6.0), lambda x: x.reshape(-1) * torch.arange(6.0), [(2, 3)]),
    ("split", lambda x: dp.split(x, [1, 3], axis=1)[1] * 2.0, lambda x: torch.tensor_split(x, [1, 3], dim=1)[1] * 2.0,
     [(2, 4)]),
    ("cumsum axis", lambda x: dp.cumsum(x, axis=0) ** 2, lambda x: torch.cumsum(x, 0) ** 2, [(3, 2)]),
])
def test_shape_and_product_ops_match_torch(name, f_dp, f_torch, shapes):
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(s) for s in shapes]
    assert np.allclose(f_dp(*[dp.tensor(a) for a in arrays]).data,
                       f_torch(*[torch.tensor(a) for a in arrays]).numpy()), name
    for g, tg in zip(*_grad_pair(f_dp, f_torch, *arrays)):
        assert np.allclose(g, tg), name


def test_ties_share_the_gradient_as_in_pytorch():
    got, want = _grad_pair(dp.maximum, torch.maximum, np.array([1.0, 2.0, 3.0]), np.array([1.0, 5.0, 0.0]))
    assert all(np.allclose(g, t) for g, t in zip(got, want)) and got[0].tolist() == [0.5, 0.0, 1.0]
    got, want = _grad_pair(dp.minimum, torch.minimum, np.array([1.0, 2.0]), np.array([1.0, 0.0]))
    assert all(np.allclose(g, t) for g, t in zip(got, want))
    got, want = _grad_pair(lambda x: dp.clip(x, -1.0, 1.0), lambda x: x.clamp(-1.0, 1.0), np.array([-1.0, 0.0, 2.0]))
    assert np.allclose(got[0], want[0])                      # the bounds themselves pass the gradient


def test_a_replayed_program_recomputes_the_masks_of_maximum_and_clip():
    prog = dp.trace(lambda x: (dp.maximum(x, 0.0) + dp.clip(x, -1.0, 1.0)).sum(), [2.0, -3.0])
    assert float(prog([-2.0, 3.0])) == pytest.approx(0.0 + 3.0 + (-1.0 + 1.0))     # no guard: masks are op rules
    assert not prog.guards


def test_bad_arguments_get_clear_errors():
    with pytest.raises(dp.ShapeError, match="only axes of length 1"):
        dp.squeeze(dp.zeros((2, 3)), axis=0)
    with pytest.raises(dp.ShapeError, match="do not split into 4 equal parts"):
        dp.split(dp.zeros(6), 4)
    with pytest.raises(dp.ShapeError, match="lo <= hi"):
        dp.clip(dp.zeros(2), 1.0, -1.0)
    with pytest.raises(dp.ShapeError, match="divides by 0"):
        dp.var(dp.zeros(1), ddof=1)
    with pytest.raises(dp.ShapeError, match="use a @ b"):
        dp.dot(dp.zeros((2, 2, 2)), dp.zeros((2, 2)))
    assert float(dp.logsumexp(dp.tensor([-np.inf, -np.inf])).data) == -np.inf     # as NumPy/torch, no NaN


def test_prod_is_exact_with_zeros_and_tiny_values():
    for xs in ([2.0, 0.0, 3.0], [0.0, 0.0, 5.0], [[1.0, 2.0], [0.0, 4.0]]):
        got, want = _grad_pair(lambda x: dp.prod(x, axis=-1) ** 2, lambda x: x.prod(dim=-1) ** 2, np.array(xs))
        assert np.allclose(got[0], want[0]), xs
        hess = dp.hessian(lambda x: dp.prod(x).sum())(np.array(xs))
        t_hess = torch.autograd.functional.hessian(lambda x: x.prod(), torch.tensor(xs, dtype=torch.float64))
        assert np.allclose(hess, t_hess.numpy()), xs
    # (Σv)·Πv at (1e-133, 1, 1, 1): ∂²/∂v₀² = 2 ∂(Σv)/∂v₀ ∂(Πv)/∂v₀ = 2 (torch's double backward gives 0 here)
    h = dp.hessian(lambda v: (v * dp.prod(v)).sum())(np.array([1e-133, 1.0, 1.0, 1.0]))
    assert h[0, 0] == pytest.approx(2.0)
