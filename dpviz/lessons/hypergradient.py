"""Notebook 07: a hypergradient, the derivative of the validation loss with respect to the
learning rate, obtained by differentiating *through* unrolled SGD steps.

The course's AD notes ("Differentiable programming",
citing Maclaurin, Duvenaud and Adams 2015) describe hypergradients as gradient-based
optimisation of gradient-based optimisation. The inner loop here is K steps of
``w ← w − η ∇L_train(w)`` on a small linear regression; the outer function is
``V(η) = L_val(w_K(η))``. Because each inner step itself calls ``dp.grad``, ``dV/dη``
is a second-order derivative: the engine differentiates its own backward passes.

>>> v, g = hypergradient(0.05)
>>> g < 0          # a bigger step would have helped
True
>>> abs(g - finite_difference(0.05)) < 1e-5 * max(1.0, abs(g))
True
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from dpviz.functional import grad, value_and_grad
from dpviz.tensors import tensor

STEPS = 10


@dataclass(frozen=True)
class Regression:
    """Training and validation data of a noisy linear model y = X·w* + noise."""

    X_train: np.ndarray
    y_train: np.ndarray
    X_val: np.ndarray
    y_val: np.ndarray


def make_regression(seed: int = 0, n: int = 20, d: int = 3) -> Regression:
    """A fixed small regression problem (20 training and 20 validation points, 3 features).

    >>> make_regression().X_train.shape
    (20, 3)
    """
    rng = np.random.default_rng(seed)
    w_true = np.array([1.0, -2.0, 0.5])[:d]
    Xt, Xv = rng.standard_normal((n, d)), rng.standard_normal((n, d))
    return Regression(Xt, Xt @ w_true + 0.1 * rng.standard_normal(n), Xv, Xv @ w_true)


DATA = make_regression()


def train_loss(w: Any, data: Regression = DATA) -> Any:
    """Mean squared error on the training set."""
    return ((tensor(data.X_train, name="X_train") @ w - data.y_train) ** 2).mean()


def val_loss_after_training(lr: Any, steps: int = STEPS, data: Regression = DATA) -> Any:
    """V(η): train from w = 0 with ``steps`` SGD steps of size ``lr``, return the validation MSE.

    >>> float(val_loss_after_training(0.0)) == float(np.mean(DATA.y_val ** 2))
    True
    """
    w = tensor(np.zeros(data.X_train.shape[1]), name="w0")
    for _ in range(steps):
        w = w - lr * grad(lambda v: train_loss(v, data))(w)
    return ((tensor(data.X_val, name="X_val") @ w - data.y_val) ** 2).mean()


def hypergradient(lr: float, steps: int = STEPS) -> tuple[float, float]:
    """(V(η), dV/dη) by reverse mode through the unrolled loop."""
    v, g = value_and_grad(lambda e: val_loss_after_training(e, steps))(float(lr))
    return float(v), float(g)


def finite_difference(lr: float, steps: int = STEPS, h: float = 1e-6) -> float:
    """(V(η + h) − V(η − h)) / 2h, to check the hypergradient."""
    vp = float(val_loss_after_training(lr + h, steps))
    vm = float(val_loss_after_training(lr - h, steps))
    return (vp - vm) / (2 * h)


@dataclass
class Sweep:
    """V and dV/dη on a grid of learning rates."""

    lrs: np.ndarray
    values: np.ndarray
    slopes: np.ndarray


def sweep(lrs: Sequence[float], steps: int = STEPS) -> Sweep:
    """Evaluate V(η) and its hypergradient at each η.

    >>> s = sweep([0.05, 0.3]); s.values.shape
    (2,)
    """
    vals, slopes = zip(*(hypergradient(lr, steps) for lr in lrs))
    return Sweep(np.asarray(lrs, float), np.asarray(vals), np.asarray(slopes))


def tune(lr0: float = 0.05, meta_lr: float = 0.3, iters: int = 20, steps: int = STEPS) -> list[tuple[float, float]]:
    """Gradient descent on log η using the hypergradient; returns the (η, V) path.

    Working in log η keeps η positive; d V/d log η = η · dV/dη.

    >>> path = tune(iters=5)
    >>> path[-1][1] < path[0][1]
    True
    """
    log_lr = float(np.log(lr0))
    path = []
    for _ in range(iters):
        lr = float(np.exp(log_lr))
        v, g = hypergradient(lr, steps)
        path.append((lr, v))
        log_lr -= meta_lr * float(np.clip(lr * g, -1.0, 1.0))   # clipped: V is steep for small η
    return path


def plot(s: Sweep, path: Sequence[tuple[float, float]] = (), tangent_at: Sequence[float] = ()) -> Any:
    """Validation loss against learning rate (log-log), short tangent lines whose slope is the
    hypergradient at the points in ``tangent_at``, and the path taken by :func:`tune`."""
    import plotly.graph_objects as go
    from dpviz.plotstyle import TEMPLATE, log_ticks

    fig = go.Figure()
    fig.add_trace(go.Scatter(x=s.lrs, y=s.values, mode="lines+markers", name="V(η) after training"))
    colours = ("#009E73", "#CC79A7", "#56B4E9", "#E69F00")
    for k, lr in enumerate(tangent_at):
        v, g = hypergradient(lr)
        # the tangent is straight in η, so on log axes it bends: enough points to draw it so, and a
        # marker where it touches V (which the sweep's grid may not hold)
        xs = np.geomspace(lr * 0.85, lr * 1.18, 24)
        colour = colours[k % len(colours)]
        fig.add_trace(go.Scatter(x=xs, y=v + g * (xs - lr), mode="lines", line=dict(dash="dash", color=colour, width=2.5),
                                 name=f"slope dV/dη = {g:.3g} at η = {lr:g}"))
        fig.add_trace(go.Scatter(x=[lr], y=[v], mode="markers", marker=dict(color=colour, size=10),
                                 showlegend=False, hovertemplate=f"η = {lr:g}: V = {v:.4g}, dV/dη = {g:.3g}<extra></extra>"))
    if path:
        fig.add_trace(go.Scatter(x=[p[0] for p in path], y=[p[1] for p in path], mode="markers+lines",
                                 marker=dict(symbol="x", size=8), name="hypergradient descent on η"))
    fig.update_xaxes(title_text="learning rate η", **log_ticks([v for t in fig.data for v in t.x]))
    fig.update_yaxes(title_text="validation MSE after training", **log_ticks([v for t in fig.data for v in t.y]))
    fig.update_layout(template=TEMPLATE, height=400, width=760, margin=dict(t=30, b=40))
    return fig
