"""Central finite differences as a second oracle (issue 2, section D).

Whole compositions - an MLP with cross-entropy, softmax(QKᵀ/√d)V attention, a small
RNN unrolled over time, a normalisation layer, a pooling-and-gluing block - are
differentiated by dpviz (``dp.grad``, ``Tensor.backward``, ``dp.jacobian`` in both
modes, a traced Program) and by (f(x + h·eᵢ) − f(x − h·eᵢ)) / 2h.  In float64 with
h = 1e-6 the truncation error is ~h²·f''' and the rounding error ~1e-16/h, so the
agreement is to about 1e-8; values stay away from relu's kink and from max ties.
"""
from __future__ import annotations

import numpy as np
import pytest

import dpviz as dp

H = 1e-6
RTOL, ATOL = 1e-6, 1e-8


def _value(f, args):
    out = f(*[dp.tensor(a) for a in args])
    return np.array(out.data if isinstance(out, dp.Tensor) else out, dtype=np.float64)


def fd_jacobian(f, args, k: int = 0) -> np.ndarray:
    """∂f/∂args[k] by central differences, of shape out.shape + args[k].shape."""
    x = np.array(args[k], dtype=np.float64)
    out_shape = _value(f, args).shape
    J = np.zeros(out_shape + (x.size,))
    for i in range(x.size):
        e = np.zeros(x.size)
        e[i] = H
        plus = list(args)
        minus = list(args)
        plus[k] = x + e.reshape(x.shape)
        minus[k] = x - e.reshape(x.shape)
        J[..., i] = (_value(f, plus) - _value(f, minus)) / (2 * H)
    return J.reshape(out_shape + x.shape)


def assert_fd(actual, expected, what):
    np.testing.assert_allclose(np.asarray(actual.data if isinstance(actual, dp.Tensor) else actual),
                               expected, rtol=RTOL, atol=ATOL, err_msg=what)


def check_scalar(f, args, name):
    """dp.grad, Tensor.backward and Program.backward of a scalar f vs finite differences."""
    nums = tuple(range(len(args)))
    fd = [fd_jacobian(f, args, k) for k in nums]
    for k, g in enumerate(dp.grad(f, argnums=nums)(*args)):
        assert_fd(g, fd[k], f"{name}: dp.grad, argument {k}")
    leaves = [dp.tensor(a, requires_grad=True) for a in args]
    f(*leaves).backward()
    for k, leaf in enumerate(leaves):
        assert_fd(leaf.grad, fd[k], f"{name}: Tensor.backward, argument {k}")
    prog = dp.trace(f, *args)
    for k, g in enumerate(prog.backward()):
        assert_fd(g, fd[k], f"{name}: Program.backward, input {k}")


def check_jacobian(f, args, name, k: int = 0):
    """dp.jacobian by rows and by columns of a tensor-valued f vs finite differences."""
    fd = fd_jacobian(f, args, k)
    for mode in ("rev", "fwd"):
        assert_fd(dp.jacobian(f, mode=mode, argnums=k)(*args), fd, f"{name}: jacobian(mode={mode!r})")


# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("seed", [0, 1])
def test_mlp_with_cross_entropy(seed):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((6, 4))
    y = rng.integers(0, 3, size=6)
    W1, b1 = rng.standard_normal((4, 5)) * 0.7, rng.standard_normal(5) * 0.1
    W2, b2 = rng.standard_normal((5, 5)) * 0.7, rng.standard_normal(5) * 0.1
    W3, b3 = rng.standard_normal((5, 3)) * 0.7, rng.standard_normal(3) * 0.1

    def loss(W1, b1, W2, b2, W3, b3):
        h = dp.tanh(X @ W1 + b1)
        h = dp.relu(h @ W2 + b2)
        return dp.cross_entropy(h @ W3 + b3, y)

    pre = np.tanh(X @ W1 + b1) @ W2 + b2
    assert np.abs(pre).min() > 1e-4          # relu's kink is far from every pre-activation
    check_scalar(loss, [W1, b1, W2, b2, W3, b3], "MLP + cross-entropy")
    check_jacobian(lambda W1: dp.log_softmax(dp.sigmoid(X @ W1 + b1) @ W2 @ W3, axis=-1), [W1],
                   "MLP log-probabilities")


def test_dp_nn_mlp_parameters():
    """The dp.nn modules: gradients of every named parameter vs finite differences."""
    mlp = dp.nn.MLP([3, 4, 4, 2], activation="tanh", seed=5)
    rng = np.random.default_rng(5)
    X = dp.tensor(rng.standard_normal((7, 3)))
    y = rng.integers(0, 2, size=7)
    dp.cross_entropy(mlp(X), y).backward()
    for name, p in mlp.named_parameters():
        base = p.data.copy()

        def loss_at(v):
            with dp.no_grad():
                p.data[...] = v
                val = float(dp.cross_entropy(mlp(X), y).data)
            p.data[...] = base
            return val

        fd = np.zeros(base.size)
        for i in range(base.size):
            e = np.zeros(base.size)
            e[i] = H
            fd[i] = (loss_at(base + e.reshape(base.shape)) - loss_at(base - e.reshape(base.shape))) / (2 * H)
        assert_fd(p.grad, fd.reshape(base.shape), f"dp.nn.MLP parameter {name}")


@pytest.mark.parametrize("seed", [0, 1])
def test_attention(seed):
    rng = np.random.default_rng(seed)
    n, m, d, dv = 3, 4, 2, 3
    Q, K, V = rng.standard_normal((n, d)), rng.standard_normal((m, d)), rng.standard_normal((m, dv))
    W = rng.standard_normal((n, dv))

    def attend(Q, K, V):
        A = dp.softmax(Q @ dp.transpose(K) / np.sqrt(d), axis=-1)
        return A @ V

    check_scalar(lambda Q, K, V: (attend(Q, K, V) * W).sum(), [Q, K, V], "attention")
    for k in range(3):
        check_jacobian(attend, [Q, K, V], f"attention output, argument {k}", k=k)
    # batched heads, causal mask through where
    Qb, Kb, Vb = rng.standard_normal((2, 3, d)), rng.standard_normal((2, 3, d)), rng.standard_normal((2, 3, dv))
    causal = np.tril(np.ones((3, 3), dtype=bool))

    def heads(Qb, Kb, Vb):
        s = Qb @ dp.transpose(Kb, (0, 2, 1)) / np.sqrt(d)
        A = dp.softmax(dp.where(causal, s, -1e9), axis=-1)
        return (A @ Vb).sum(axis=0)

    check_scalar(lambda Qb, Kb, Vb: (heads(Qb, Kb, Vb) * W).sum(), [Qb, Kb, Vb], "causal multi-head attention")
    check_jacobian(heads, [Qb, Kb, Vb], "causal heads, d/dK", k=1)


@pytest.mark.parametrize("steps", [1, 4])
def test_rnn_loop(steps):
    rng = np.random.default_rng(steps)
    dh, dx = 3, 2
    xs = rng.standard_normal((steps, dx))
    Wh, Wx, b = rng.standard_normal((dh, dh)) * 0.6, rng.standard_normal((dx, dh)), rng.standard_normal(dh) * 0.1
    h0, v = rng.standard_normal(dh), rng.standard_normal(dh)

    def run(h0, Wh, Wx, b):
        h = h0
        hs = []
        for t in range(steps):               # Python control flow: unrolled into the graph
            h = dp.tanh(h @ Wh + xs[t] @ Wx + b)
            hs.append(h)
        return dp.stack(hs, axis=0)

    def loss(h0, Wh, Wx, b):
        H_ = run(h0, Wh, Wx, b)
        return ((H_ @ v - 0.5) ** 2).mean() + dp.log_softmax(H_[-1]).sum() * 0.1

    check_scalar(loss, [h0, Wh, Wx, b], f"RNN over {steps} steps")
    check_jacobian(lambda h0: run(h0, Wh, Wx, b)[-1], [h0], "RNN final state vs initial state")
    check_jacobian(lambda Wh: run(h0, Wh, Wx, b), [Wh], "RNN states vs recurrent weights")


def test_normalisation_layer():
    rng = np.random.default_rng(3)
    X = rng.standard_normal((4, 5))
    g, beta = rng.standard_normal(5), rng.standard_normal(5)

    def layernorm(X, g, beta):
        mu = X.mean(axis=-1, keepdims=True)
        var = ((X - mu) ** 2).mean(axis=-1, keepdims=True)
        return (X - mu) / dp.sqrt(var + 1e-5) * g + beta

    W = rng.standard_normal((4, 5))
    check_scalar(lambda X, g, beta: (layernorm(X, g, beta) * W).sum() + dp.exp(layernorm(X, g, beta)[0]).sum(),
                 [X, g, beta], "layer norm")
    check_jacobian(layernorm, [X, g, beta], "layer norm, d/dX")


def test_pool_and_glue():
    """max, getitem (slices, steps, arrays, masks), concatenate, setitem, abs, div, pow, sin, cos together."""
    rng = np.random.default_rng(4)
    x = rng.permutation(np.linspace(-2, 2, 24)).reshape(4, 6) + rng.uniform(0, 0.01, (4, 6))
    w = rng.standard_normal(9)
    mask = x > 0.3

    def block(x):
        pooled = dp.max(dp.reshape(x, (4, 3, 2)), axis=-1)                   # 2-wide max pooling, (4, 3)
        rows = x[::-2, 1:5][:, [0, 3, 3]]                                    # (2, 3), a repeated column
        glued = dp.concatenate([pooled, rows], axis=0)                       # (6, 3)
        y = glued * 1.0
        y[1:3, ::-1] = dp.sin(x[0, :3])                                      # setitem on a non-leaf
        picked = x[mask]
        return dp.concatenate([dp.abs(y).sum(axis=0) / (1.0 + dp.cos(y[0]) ** 2),
                               (y ** 2).mean(axis=1)[:3], picked[:3] ** 3], axis=0)

    check_jacobian(block, [x], "pool and glue")
    check_scalar(lambda x: (block(x) * w).sum(), [x], "pool and glue, scalar")


def test_hvp_against_finite_differences_of_the_gradient():
    """H·v from dp.hvp and dp.grad∘dp.grad vs (∇f(x + h·v) − ∇f(x − h·v)) / 2h."""
    rng = np.random.default_rng(9)
    A = rng.standard_normal((3, 3))
    x0, v = rng.standard_normal(3), rng.standard_normal(3)

    def f(x):
        return dp.log(1.0 + dp.exp(x @ A)).sum() + (dp.sigmoid(x) * dp.sin(x)).sum() * x[1]

    grad = dp.grad(f)
    fd = (grad(x0 + H * v) - grad(x0 - H * v)) / (2 * H)
    assert_fd(dp.hvp(f, x0, v), fd, "dp.hvp")
    assert_fd(dp.grad(lambda x: (dp.grad(f)(x) * v).sum())(x0), fd, "dp.grad(dp.grad(f)·v)")
