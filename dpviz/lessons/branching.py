"""Notebook 05: control flow decides the graph, and the paper's Figure 1 learned condition.

Python's ``if`` and ``while`` run while the program is traced; only the branch taken is
recorded (define-by-run, see the AD notes, "Control flow"). The paper
(Hernández, Millerioux & Amigó 2022, section 2 and Figure 1) replaces an
``if`` whose condition must be learned by a convex combination of both branches:

.. math::  a = \\sigma(w x + b), \\qquad \\text{out} = a\\,y(x) + (1 - a)\\,z(x).

>>> import numpy as np
>>> fit = fit_learned_condition(steps=300, seed=0)
>>> abs(fit.threshold - TRUE_THRESHOLD) < 0.15 and fit.losses[-1] < fit.losses[0]
True
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from dpviz import optim
from dpviz.context import scope
from dpviz.functional import grad
from dpviz.primitives import where
from dpviz.tensors import tensor

#: Where the hidden rule of the data switches from branch z to branch y.
TRUE_THRESHOLD = 0.5


def double_until(x: Any, limit: float = 10.0) -> Any:
    """A ``while`` loop: double ``x`` until its sum reaches ``limit``; the input decides the length.

    >>> import dpviz as dp
    >>> dp.trace(double_until, [1.0]).n, dp.trace(double_until, [4.0]).n
    (10, 6)
    """
    while float(x.sum().data) < limit:     # .data: the condition is read as a number, on purpose
        x = x * 2
    return x.sum()


def sign_switch(x: Any) -> Any:
    """An ``if``: one formula for positive sums, another for the rest.

    >>> import dpviz as dp
    >>> [n.op for n in dp.trace(sign_switch, [1.0]).nodes if n.kind == "op"]
    ['exp', 'sum']
    >>> [n.op for n in dp.trace(sign_switch, [-1.0]).nodes if n.kind == "op"]
    ['sin', 'mul', 'sum']
    """
    if float(x.sum().data) > 0:            # .data: Python decides the branch, on purpose
        return x.exp().sum()
    return (x.sin() * x).sum()


def branch_y(x: Any) -> Any:
    """The branch taken when the condition holds: y(x) = x + 1."""
    return x + 1.0


def branch_z(x: Any) -> Any:
    """The other branch: z(x) = −x."""
    return -x


def hard_program(x: np.ndarray, threshold: float = TRUE_THRESHOLD) -> np.ndarray:
    """The classical program, element by element: ``y(x) if x > threshold else z(x)`` (NumPy).

    >>> hard_program(np.array([0.0, 1.0])).tolist()
    [-0.0, 2.0]
    """
    x = np.asarray(x, dtype=float)
    return np.where(x > threshold, x + 1.0, -x)


def make_data(n: int = 64, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Inputs in [−2, 2] and targets from :func:`hard_program` (the rule the model must find).

    >>> X, T = make_data(8); X.shape, T.shape
    ((8,), (8,))
    """
    rng = np.random.default_rng(seed)
    X = rng.uniform(-2.0, 2.0, n)
    return X, hard_program(X)


def soft_program(x: Any, w: Any, b: Any) -> Any:
    """Figure 1 as code: ``a = σ(w·x + b)``, ``a·y(x) + (1 − a)·z(x)`` (dpviz tensors, elementwise).

    >>> import dpviz as dp
    >>> float(soft_program(dp.tensor(2.0), dp.tensor(50.0), dp.tensor(-25.0)))  # a ≈ 1: y(2) = 3
    3.0
    """
    with scope("condition"):
        a = (w * x + b).sigmoid().named("a")
    with scope("branch_y"):
        y = branch_y(x)
    with scope("branch_z"):
        z = branch_z(x)
    return a * y + (1.0 - a) * z


@dataclass
class ConditionFit:
    """What training the learned condition gave: w, b, the threshold −b/w and the loss curve."""

    w: float
    b: float
    losses: list[float] = field(default_factory=list)

    @property
    def threshold(self) -> float:
        """Where a = 1/2, i.e. w·x + b = 0."""
        return -self.b / self.w


def fit_learned_condition(steps: int = 300, lr: float = 0.1, seed: int = 0, n: int = 64,
                          w0: float = 1.0, b0: float = 0.0) -> ConditionFit:
    """Learn w and b of the condition by gradient descent (Adam) on the mean squared error.

    The branches y and z are given (they are the program the user wrote); only *when* to take
    each one is learned from data.
    """
    X, T = make_data(n, seed)
    x = tensor(X, name="x")
    w = tensor(w0, name="w", requires_grad=True)
    b = tensor(b0, name="b", requires_grad=True)
    opt = optim.Adam([w, b], lr=lr)
    losses = []
    for _ in range(steps):
        opt.zero_grad()
        loss = ((soft_program(x, w, b) - T) ** 2).mean()
        loss.backward()
        opt.step()
        losses.append(float(loss.data))
    return ConditionFit(float(w.data), float(b.data), losses)


def hard_threshold_gradient(threshold: float = 0.0, n: int = 64, seed: int = 0) -> float:
    """d(loss)/d(threshold) for the *hard* ``if``: always 0, so gradient descent cannot move it.

    The comparison ``x > threshold`` is control flow, not a differentiable primitive; the
    loss is piecewise constant in the threshold (it only jumps when a data point changes side).

    >>> hard_threshold_gradient(0.0)
    0.0
    """
    X, T = make_data(n, seed)

    def loss(c):
        mask = X > float(c.data)                # decided in Python: no edge from c
        out = where(mask, branch_y(tensor(X)), branch_z(tensor(X)))
        return ((out - T) ** 2).mean() + 0.0 * c
    return float(grad(loss)(threshold))


def curve(fit: ConditionFit, xs: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """x, the learned soft output, the true hard output and a(x), for plotting.

    >>> c = curve(ConditionFit(10.0, -5.0)); sorted(c)
    ['a', 'hard', 'soft', 'x']
    """
    xs = np.linspace(-2.0, 2.0, 201) if xs is None else np.asarray(xs, float)
    a = 1.0 / (1.0 + np.exp(-(fit.w * xs + fit.b)))
    return {"x": xs, "a": a, "soft": a * (xs + 1.0) + (1.0 - a) * (-xs), "hard": hard_program(xs)}


def plot_fit(fit: ConditionFit) -> Any:
    """Two plotly panels: the loss curve, and the learned program against the true ``if``."""
    from plotly.subplots import make_subplots
    import plotly.graph_objects as go
    from dpviz.plotstyle import TEMPLATE, log_ticks

    c = curve(fit)
    X, T = make_data()
    fig = make_subplots(rows=1, cols=2, subplot_titles=("training loss", "learned program vs the rule"))
    fig.add_trace(go.Scatter(y=fit.losses, mode="lines", name="MSE"), row=1, col=1)
    fig.add_trace(go.Scatter(x=X, y=T, mode="markers", name="data", marker=dict(size=5)), row=1, col=2)
    fig.add_trace(go.Scatter(x=c["x"], y=c["soft"], mode="lines", name="a·y(x) + (1−a)·z(x)"), row=1, col=2)
    fig.add_trace(go.Scatter(x=c["x"], y=c["a"], mode="lines", name="a = σ(wx + b)",
                             line=dict(dash="dot")), row=1, col=2)
    fig.update_yaxes(row=1, col=1, **log_ticks(fig.data[0].y))
    fig.update_xaxes(title_text="step", row=1, col=1)
    fig.update_xaxes(title_text="x", row=1, col=2)
    fig.update_layout(template=TEMPLATE, height=360, width=860, margin=dict(t=40, b=40))
    return fig
