"""Property tests (issue 17): random *programs* built from the op list, judged by torch.func.

Each example draws a program of 2–8 steps. A step applies one op to earlier values (unary ops
to one, binary ops to two), so values fan out and join as in real programs. The same program is
written once with dpviz and once with torch (float64), and the two must agree on:
- the value;
- the gradient (reverse mode);
- a JVP (forward mode);
- an HVP (forward over reverse);
- the replay of the traced Program on new inputs.

Ops are wrapped to be total on the reals (``log(1 + v²)``, not ``log v``), so every draw is a
valid program. Kinks (maximum, clip) are hit with probability zero by random floats.
"""
from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import dpviz as dp
from _oracle import SETTINGS

pytestmark = pytest.mark.filterwarnings("ignore:`torch.jit.script` is deprecated:DeprecationWarning")

#: name -> (dpviz, torch) functions of one vector
UNARY = {
    "tanh": (dp.tanh, torch.tanh),
    "sin": (dp.sin, torch.sin),
    "cos": (dp.cos, torch.cos),
    "sigmoid": (dp.sigmoid, torch.sigmoid),
    "exp∘tanh": (lambda v: dp.exp(dp.tanh(v)), lambda v: torch.exp(torch.tanh(v))),
    "log(1+v²)": (lambda v: dp.log(1.0 + dp.square(v)), lambda v: torch.log(1.0 + torch.square(v))),
    "sqrt(1+v²)": (lambda v: dp.sqrt(1.0 + v * v), lambda v: torch.sqrt(1.0 + v * v)),
    "log1p(v²)": (lambda v: dp.log1p(v * v), lambda v: torch.log1p(v * v)),
    "sinh∘tanh": (lambda v: dp.sinh(dp.tanh(v)), lambda v: torch.sinh(torch.tanh(v))),
    "cumsum": (lambda v: dp.cumsum(v) * 0.5, lambda v: torch.cumsum(v, 0) * 0.5),
    "softmax": (dp.softmax, lambda v: torch.softmax(v, 0)),
    "log_softmax": (lambda v: v - dp.logsumexp(v), lambda v: v - torch.logsumexp(v, 0)),
    "centre": (lambda v: v - dp.mean(v), lambda v: v - v.mean()),
    "scale": (lambda v: v / dp.sqrt(1.0 + dp.var(v)), lambda v: v / torch.sqrt(1.0 + v.var(unbiased=False))),
    "reverse": (lambda v: v[::-1], lambda v: v.flip(0)),
    "·prod": (lambda v: v * dp.prod(dp.tanh(v)), lambda v: v * torch.prod(torch.tanh(v))),
}

#: name -> (dpviz, torch) functions of two vectors
BINARY = {
    "add": (lambda a, b: a + b, lambda a, b: a + b),
    "sub": (lambda a, b: a - b, lambda a, b: a - b),
    "mul": (lambda a, b: a * b, lambda a, b: a * b),
    "div": (lambda a, b: a / (1.0 + b * b), lambda a, b: a / (1.0 + b * b)),
    "maximum": (dp.maximum, torch.maximum),
    "outer·": (lambda a, b: dp.outer(a, b) @ dp.tanh(b), lambda a, b: torch.outer(a, b) @ torch.tanh(b)),
}

N = 4


@st.composite
def programs(draw):
    """A list of steps ``(name, args)``; value k+1 is step k applied to earlier values (value 0 is x)."""
    steps = []
    for k in range(draw(st.integers(2, 8))):
        if draw(st.booleans()):
            steps.append((draw(st.sampled_from(sorted(UNARY))), (draw(st.integers(0, k)),)))
        else:
            steps.append((draw(st.sampled_from(sorted(BINARY))), (draw(st.integers(0, k)), draw(st.integers(0, k)))))
    return steps


def run(steps, x, which: int, weights):
    """The program on x: every value is kept, and the output weighs the last one and the sum of all."""
    values = [x]
    for name, args in steps:
        table = UNARY if len(args) == 1 else BINARY
        values.append(table[name][which](*[values[a] for a in args]))
    total = values[0] * 0.0
    for v in values:
        total = total + v
    return (values[-1] * weights).sum() + 0.1 * total.sum()


# Values like 1e-133 are left out: there torch's second derivative of prod loses the answer (for
# (Σv)·Πv at (1e-133, 1, 1, 1), ∂²/∂v₀² is 2; dpviz gives 2, torch 0). Exact zeros stay in.
vectors = hnp.arrays(np.float64, (N,), elements=st.floats(-2.0, 2.0, allow_subnormal=False).filter(
    lambda a: a == 0 or abs(a) > 1e-6))


@SETTINGS
@given(steps=programs(), x=vectors, v=vectors, x2=vectors)
def test_random_programs_match_torch_func_in_every_mode(steps, x, v, x2):
    w = np.linspace(-1.0, 1.0, N)
    tw = torch.tensor(w)

    def f_dp(x):
        return run(steps, x, 0, w)

    def f_t(x):
        return run(steps, x, 1, tw)

    tx, tv = torch.tensor(x), torch.tensor(v)
    value, grad = dp.value_and_grad(f_dp)(x)
    t_value, t_grad = torch.func.grad_and_value(f_t)(tx)[::-1]
    np.testing.assert_allclose(value, t_value.numpy(), rtol=1e-9, atol=1e-11, err_msg=f"value of {steps}")
    np.testing.assert_allclose(grad, t_grad.numpy(), rtol=1e-7, atol=1e-9, err_msg=f"gradient of {steps}")
    _, tangent = dp.jvp(f_dp, (x,), (v,))
    _, t_tangent = torch.func.jvp(f_t, (tx,), (tv,))
    np.testing.assert_allclose(tangent, t_tangent.numpy(), rtol=1e-7, atol=1e-9, err_msg=f"JVP of {steps}")
    hvp = dp.hvp(f_dp, x, v)
    t_hvp = torch.func.jvp(torch.func.grad(f_t), (tx,), (tv,))[1]
    np.testing.assert_allclose(hvp, t_hvp.numpy(), rtol=1e-6, atol=1e-8, err_msg=f"HVP of {steps}")
    prog = dp.trace(f_dp, x)
    np.testing.assert_allclose(prog(x2), f_t(torch.tensor(x2)).numpy(), rtol=1e-9, atol=1e-11,
                               err_msg=f"replay of {steps}")
