"""dp.grad / vjp / jvp / jacobian / hvp: the contract of the engine issue, on small cases."""
import numpy as np
import pytest
import torch

import dpviz as dp


def f(x, w):
    return (x @ w).tanh().sum()


def test_grad_argnums_and_value_and_grad():
    x, w = np.ones((2, 2)), np.full((2, 3), 0.1)
    gx = dp.grad(f)(x, w)
    gx2, gw = dp.grad(f, argnums=(0, 1))(x, w)
    assert isinstance(gx, np.ndarray) and gx.shape == (2, 2) and gw.shape == (2, 3)
    np.testing.assert_allclose(gx, gx2)
    v, g = dp.value_and_grad(f, argnums=1)(x, w)
    np.testing.assert_allclose(g, gw)
    assert float(v) == pytest.approx(np.tanh(x @ w).sum())


def test_grad_of_a_function_independent_of_its_argument_is_zero():
    np.testing.assert_array_equal(dp.grad(lambda x: dp.tensor(3.0))(np.ones(2)), np.zeros(2))


def test_vjp_and_jvp_are_transposes():
    rng = np.random.default_rng(0)
    A = rng.standard_normal((3, 4))
    g = lambda x: (dp.tensor(A) @ x).sin()
    x, u, v = rng.standard_normal(4), rng.standard_normal(3), rng.standard_normal(4)
    out, vjp_fn = dp.vjp(g, x)
    (ut_J,) = vjp_fn(u)
    out2, J_v = dp.jvp(g, (x,), (v,))
    np.testing.assert_allclose(out, out2)
    assert float(u @ J_v) == pytest.approx(float(ut_J @ v))


def test_jacobian_fwd_equals_rev_and_shape():
    g = lambda x: (x[:, None] * x[None, :]).tanh()
    x = np.array([0.1, 0.2, -0.3])
    Jf, Jr = dp.jacobian(g, mode="fwd")(x), dp.jacobian(g, mode="rev")(x)
    assert Jf.shape == (3, 3, 3)
    np.testing.assert_allclose(Jf, Jr, atol=1e-14)
    with pytest.raises(dp.DpvizError, match="'fwd' or 'rev'"):
        dp.jacobian(g, mode="sideways")


def test_hessian_vector_product_three_ways():
    rng = np.random.default_rng(1)
    x, v = rng.standard_normal(3), rng.standard_normal(3)
    h = lambda x: (x.sin() * x).sum() + (x * x).sum() ** 2
    H = dp.jacobian(dp.grad(h), mode="rev")(x)
    # 1. forward-over-reverse
    np.testing.assert_allclose(dp.hvp(h, x, v), H @ v, atol=1e-12)
    # 2. reverse-over-reverse with backward(create_graph=True)
    xt = dp.tensor(x, requires_grad=True)
    h(xt).backward(create_graph=True)
    gx = xt.grad
    assert isinstance(gx, dp.Tensor)
    xt.zero_grad()
    (gx * v).sum().backward()
    np.testing.assert_allclose(xt.grad, H @ v, atol=1e-12)
    # 3. nested dp.grad
    np.testing.assert_allclose(dp.grad(lambda x: (dp.grad(h)(x) * v).sum())(x), H @ v, atol=1e-12)


def test_hypergradient_through_unrolled_sgd_matches_finite_differences():
    rng = np.random.default_rng(2)
    Xtr, ytr = rng.standard_normal((20, 3)), rng.standard_normal(20)
    Xva, yva = rng.standard_normal((10, 3)), rng.standard_normal(10)
    train = lambda w: ((dp.tensor(Xtr) @ w - ytr) ** 2).mean()

    def val_after_training(lr):
        w = dp.tensor(np.zeros(3))
        for _ in range(5):
            w = w - lr * dp.grad(train)(w)
        return ((dp.tensor(Xva) @ w - yva) ** 2).mean()

    hg = float(dp.grad(val_after_training)(0.1))
    eps = 1e-6
    fd = (float(val_after_training(dp.tensor(0.1 + eps)).data)
          - float(val_after_training(dp.tensor(0.1 - eps)).data)) / (2 * eps)
    assert hg == pytest.approx(fd, rel=1e-6)


def test_jvp_argument_errors():
    with pytest.raises(dp.DpvizError, match="1 primal"):
        dp.jvp(lambda x: x, (1.0,), (1.0, 2.0))
    with pytest.raises(dp.ShapeError, match="tangent"):
        dp.jvp(lambda x: x * 2, (np.ones(2),), (np.ones(3),))


def test_keyword_arguments_reach_f_undifferentiated_and_aux_comes_back():
    def loss(w, x, *, target, scale=1.0):
        pred = (w * x).sum()
        return scale * (pred - target) ** 2, pred

    w, x = np.array([1.0, 2.0]), np.array([3.0, 4.0])
    g, pred = dp.grad(loss, has_aux=True)(w, x, target=10.0, scale=0.5)
    tw = torch.tensor(w, requires_grad=True)
    (0.5 * ((tw * torch.tensor(x)).sum() - 10.0) ** 2).backward()
    assert np.allclose(g, tw.grad.numpy()) and float(pred) == 11.0
    (value, aux), g2 = dp.value_and_grad(loss, has_aux=True)(w, x, target=10.0, scale=0.5)
    assert float(value) == 0.5 and float(aux) == 11.0 and np.allclose(g2, g)
    with pytest.raises(dp.DpvizError, match="use has_aux=True"):
        dp.grad(loss)(w, x, target=10.0)
    with pytest.raises(dp.DpvizError, match="needs f to return a pair"):
        dp.grad(lambda w: (w * w).sum(), has_aux=True)(w)


def test_second_derivatives_of_a_linear_function_are_zero_not_an_error():
    """The gradient of a linear function is a constant; transforming it again must give zeros (found by the
    random-program property test: dp.hvp of x + x raised 'f must return a dpviz tensor')."""
    assert dp.hvp(lambda x: (x + x).sum(), np.ones(3), np.ones(3)).tolist() == [0.0, 0.0, 0.0]
    assert dp.hessian(lambda x: (3 * x).sum())(np.ones(2)).tolist() == [[0.0, 0.0], [0.0, 0.0]]
    out, tangent = dp.jvp(lambda x: np.ones(2), (np.ones(3),), (np.ones(3),))
    assert out.tolist() == [1.0, 1.0] and tangent.tolist() == [0.0, 0.0]
    assert dp.jacobian(lambda x: np.ones(2))(np.ones(3)).shape == (2, 3)
