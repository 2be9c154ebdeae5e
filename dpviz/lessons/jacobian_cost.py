"""Notebook 04's cost meter: build full Jacobians by forward mode (one JVP per input) and by
reverse mode (one VJP per output), time both, and plot the times as the sizes grow.

The course's AD notes ("Automatic Differentiation",
points 1-4) say one forward sweep gives a column of the Jacobian, one reverse sweep a row,
and that reverse mode suits F: Rⁿ → R while forward mode suits G: R → Rᵐ. Here that is
measured instead of stated.

>>> import numpy as np
>>> sweeps("f", 100, "fwd"), sweeps("f", 100, "rev"), sweeps("g", 100, "fwd"), sweeps("g", 100, "rev")
(100, 1, 1, 100)
>>> rows = measure([8], repeats=1)
>>> sorted({(r.function, r.mode) for r in rows})
[('f', 'fwd'), ('f', 'rev'), ('g', 'fwd'), ('g', 'rev')]
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from dpviz.functional import jacobian


def f_many_to_one(x: Any) -> Any:
    """f: Rⁿ → R, a scalar cost of a vector: ``Σ tanh(xᵢ)·xᵢ + ‖x‖``.

    >>> import dpviz as dp
    >>> float(f_many_to_one(dp.tensor([0.0, 0.0, 3.0, 4.0])))  # doctest: +ELLIPSIS
    11.98...
    """
    return (x.tanh() * x).sum() + (x * x).sum().sqrt()


def g_one_to_many(t: Any, m: int) -> Any:
    """g: R → Rᵐ, a damped wave sampled at m frequencies: ``sin(t·aⱼ)·exp(−t·aⱼ)``, ``aⱼ = j/m``.

    >>> import dpviz as dp
    >>> g_one_to_many(dp.tensor(0.0), 5).shape
    (5,)
    """
    a = np.arange(m, dtype=float) / m
    return (t * a).sin() * (-(t * a)).exp()


def sweeps(function: str, size: int, mode: str) -> int:
    """How many JVP ("fwd") or VJP ("rev") sweeps a full Jacobian needs: one per input or per output."""
    if function == "f":          # n inputs, 1 output
        return size if mode == "fwd" else 1
    return 1 if mode == "fwd" else size    # g: 1 input, m outputs


@dataclass(frozen=True)
class Timing:
    """One measurement: which function, its size (n or m), the mode, best seconds, sweeps."""

    function: str
    size: int
    mode: str
    seconds: float
    sweeps: int


def jacobian_of(function: str, size: int, mode: str) -> np.ndarray:
    """The full Jacobian of f (at a fixed x ∈ Rⁿ) or g (at t = 0.7, m outputs) in ``mode``.

    >>> J = jacobian_of("g", 4, "fwd"); J.shape
    (4,)
    >>> np.allclose(J, jacobian_of("g", 4, "rev"))
    True
    """
    if function == "f":
        return jacobian(f_many_to_one, mode=mode)(np.linspace(-1.0, 1.0, size))
    return jacobian(lambda t: g_one_to_many(t, size), mode=mode)(0.7)


def measure(sizes: Sequence[int], repeats: int = 3) -> list[Timing]:
    """Time full Jacobians of f and g in both modes; the best of ``repeats`` runs each."""
    rows = []
    for size in sizes:
        for function in ("f", "g"):
            for mode in ("fwd", "rev"):
                best = float("inf")
                for _ in range(repeats):
                    start = time.perf_counter()
                    jacobian_of(function, size, mode)
                    best = min(best, time.perf_counter() - start)
                rows.append(Timing(function, size, mode, best, sweeps(function, size, mode)))
    return rows


def faster(rows: Sequence[Timing], function: str, size: int) -> str:
    """The mode that was faster for ``function`` at ``size`` ("fwd" or "rev").

    >>> faster([Timing("f", 9, "fwd", 2.0, 9), Timing("f", 9, "rev", 1.0, 1)], "f", 9)
    'rev'
    """
    pick = {r.mode: r.seconds for r in rows if r.function == function and r.size == size}
    return min(pick, key=pick.get)


def summary(rows: Sequence[Timing]) -> str:
    """One line per (function, size): both times in ms and the faster mode."""
    lines = [f"{'function':<14}{'size':>6}{'fwd ms':>10}{'rev ms':>10}  faster"]
    for function, label in (("f", "f: R^n -> R"), ("g", "g: R -> R^m")):
        for size in sorted({r.size for r in rows}):
            t = {r.mode: r.seconds for r in rows if r.function == function and r.size == size}
            lines.append(f"{label:<14}{size:>6}{t['fwd'] * 1e3:>10.2f}{t['rev'] * 1e3:>10.2f}  "
                         f"{faster(rows, function, size)}")
    return "\n".join(lines)


def plot(rows: Sequence[Timing]) -> Any:
    """Two plotly panels (f and g): time against size, one line per mode, log-scale time."""
    from plotly.subplots import make_subplots
    import plotly.graph_objects as go
    from dpviz.plotstyle import TEMPLATE, log_ticks

    fig = make_subplots(rows=1, cols=2, subplot_titles=("f: Rⁿ → R (size = n)", "g: R → Rᵐ (size = m)"))
    colours = {"fwd": "#1f77b4", "rev": "#d62728"}
    for col, function in ((1, "f"), (2, "g")):
        for mode in ("fwd", "rev"):
            pts = sorted((r.size, r.seconds * 1e3) for r in rows if r.function == function and r.mode == mode)
            fig.add_trace(go.Scatter(x=[p[0] for p in pts], y=[p[1] for p in pts], mode="lines+markers",
                                     name=f"{'forward' if mode == 'fwd' else 'reverse'} mode",
                                     line=dict(color=colours[mode]), showlegend=col == 1), row=1, col=col)
        fig.update_xaxes(title_text="size", row=1, col=col)
        fig.update_yaxes(title_text="ms for the full Jacobian", row=1, col=col,
                         **log_ticks([v for t in fig.data for v in t.y]))
    fig.update_layout(template=TEMPLATE, height=360, width=820, margin=dict(t=40, b=40))
    return fig
