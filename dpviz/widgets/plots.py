"""Plotly figures with one consistent look for the notebooks.

``loss_curves`` (training curves), ``accuracy_sweep`` (a metric against a setting, with
reference points such as a paper's numbers overlaid), ``alignment_heatmap`` (attention or
alignment weights: rows are outputs, columns are inputs) and ``path_length_profile`` (how
many paths of each length run from inputs to outputs). Each returns a
``plotly.graph_objects.Figure``; nothing is shown until it is displayed.

>>> fig = loss_curves({"train": [1.0, 0.5, 0.25], "test": [1.1, 0.7, 0.6]})
>>> [t.name for t in fig.data], fig.layout.xaxis.title.text
(['train', 'test'], 'epoch')
"""
from __future__ import annotations

from typing import Any, Mapping, Sequence

import numpy as np
import plotly.graph_objects as go

from dpviz.errors import DpvizError
from dpviz.plotstyle import PALETTE, log_ticks, style

class PlotError(DpvizError, ValueError):
    """Data that a plot helper cannot draw (empty, ragged, wrong shape).

    >>> loss_curves({})
    Traceback (most recent call last):
    ...
    dpviz.widgets.plots.PlotError: loss_curves needs at least one curve, e.g. {'train': losses}
    """


def _series(values: Any, what: str) -> np.ndarray:
    arr = np.asarray([float(v) for v in values], dtype=float) if not isinstance(values, np.ndarray) \
        else values.astype(float).ravel()
    if arr.size == 0:
        raise PlotError(f"{what} is empty")
    return arr


def loss_curves(curves: Mapping[str, Sequence[float]], *, title: str | None = None, log_y: bool = False,
                xlabel: str = "epoch", ylabel: str = "loss", smooth: int | None = None) -> go.Figure:
    """One line per named curve against epoch (1, 2, ...).

    ``smooth=k`` draws each curve's raw values faint and, over them in the same colour, their mean
    over the last ``k`` steps (a noisy per-step loss reads as a trend then). A log axis (``log_y``)
    gets tidy ticks (:func:`~dpviz.plotstyle.log_ticks`).

    >>> fig = loss_curves({"train": [3.0, 1.0]}, log_y=True)
    >>> fig.layout.yaxis.type, list(fig.data[0].x)
    ('log', [1, 2])
    >>> fig = loss_curves({"train": [4.0, 2.0, 0.0, 2.0]}, smooth=2)
    >>> [t.name for t in fig.data], [float(v) for v in fig.data[1].y], fig.data[0].showlegend
    (['train (each step)', 'train (mean of 2 steps)'], [4.0, 3.0, 1.0, 1.0], False)
    """
    if not curves:
        raise PlotError("loss_curves needs at least one curve, e.g. {'train': losses}")
    if smooth is not None and (isinstance(smooth, bool) or not isinstance(smooth, int) or smooth < 1):
        raise PlotError(f"smooth is a number of steps to average over (an int >= 1); got {smooth!r}")
    fig = go.Figure()
    for k, (name, values) in enumerate(curves.items()):
        y = _series(values, f"curve {name!r}")
        x = list(range(1, y.size + 1))
        colour = PALETTE[k % len(PALETTE)]
        if smooth is None:
            fig.add_trace(go.Scatter(x=x, y=y, mode="lines", name=str(name), line=dict(color=colour)))
            continue
        # the trailing mean of up to `smooth` steps (fewer at the start, where fewer exist)
        csum = np.concatenate([[0.0], np.cumsum(y)])
        lo = np.maximum(np.arange(1, y.size + 1) - smooth, 0)
        mean = (csum[1:] - csum[lo]) / (np.arange(1, y.size + 1) - lo)
        fig.add_trace(go.Scatter(x=x, y=y, mode="lines", name=f"{name} (each step)", showlegend=False,
                                 line=dict(color=colour, width=1), opacity=0.3, legendgroup=str(name)))
        fig.add_trace(go.Scatter(x=x, y=mean, mode="lines", name=f"{name} (mean of {smooth} steps)",
                                 line=dict(color=colour, width=2.2), legendgroup=str(name)))
    style(fig, title=title)
    fig.update_xaxes(title_text=xlabel)
    if log_y:
        fig.update_yaxes(title_text=ylabel, **log_ticks([v for t in fig.data for v in t.y]))
    else:
        fig.update_yaxes(title_text=ylabel, type="linear")
    return fig


def accuracy_sweep(x: Sequence[float], series: Mapping[str, Sequence[float]], *,
                   spread: Mapping[str, Sequence[float]] | None = None,
                   reference: Mapping[str, tuple[Sequence[float], Sequence[float]]] | None = None,
                   xlabel: str = "setting", ylabel: str = "accuracy", title: str | None = None) -> go.Figure:
    """A metric against a swept setting: measured lines (± ``spread`` as error bars) and
    ``reference`` points drawn as open diamonds (e.g. a paper's printed numbers), same colour per name.

    >>> fig = accuracy_sweep([0, 0.5, 1], {"GCN": [0.7, 0.6, 0.5]}, spread={"GCN": [0.01, 0.02, 0.01]},
    ...                      reference={"GCN": ([0, 1], [0.71, 0.48])})
    >>> [t.name for t in fig.data]
    ['GCN', 'GCN (reference)']
    """
    xs = _series(x, "x")
    fig = go.Figure()
    for k, (name, values) in enumerate(series.items()):
        y = _series(values, f"series {name!r}")
        if y.size != xs.size:
            raise PlotError(f"series {name!r} has {y.size} values for {xs.size} settings")
        colour = PALETTE[k % len(PALETTE)]
        err = None
        if spread and name in spread:
            e = _series(spread[name], f"spread {name!r}")
            err = dict(type="data", array=e, visible=True, thickness=1.2)
        fig.add_trace(go.Scatter(x=xs, y=y, mode="lines+markers", name=str(name), error_y=err,
                                 line=dict(color=colour), legendgroup=str(name)))
        if reference and name in reference:
            rx, ry = reference[name]
            fig.add_trace(go.Scatter(x=_series(rx, "reference x"), y=_series(ry, "reference y"), mode="markers",
                                     name=f"{name} (reference)", legendgroup=str(name),
                                     marker=dict(symbol="diamond-open", size=11, color=colour, line=dict(width=2))))
    for name in (reference or {}):
        if name not in series:
            rx, ry = reference[name]     # type: ignore[index]
            fig.add_trace(go.Scatter(x=_series(rx, "reference x"), y=_series(ry, "reference y"), mode="markers",
                                     name=f"{name} (reference)", marker=dict(symbol="diamond-open", size=11)))
    style(fig, title=title)
    fig.update_xaxes(title_text=xlabel)
    fig.update_yaxes(title_text=ylabel)
    return fig


def alignment_heatmap(weights: Any, *, inputs: Sequence[str] | None = None, outputs: Sequence[str] | None = None,
                      title: str | None = None, colorscale: str = "Blues") -> go.Figure:
    """Attention / alignment weights as a heatmap: row i is output i, column j is input j.

    >>> fig = alignment_heatmap([[0.9, 0.1], [0.2, 0.8]], inputs=["le", "chat"], outputs=["the", "cat"])
    >>> fig.layout.yaxis.title.text, list(fig.data[0].x)
    ('output', ['le', 'chat'])
    """
    if hasattr(weights, "detach"):
        weights = weights.detach().cpu().numpy()
    if hasattr(weights, "data") and not isinstance(weights, np.ndarray):
        weights = weights.data
    w = np.asarray(weights, dtype=float)
    if w.ndim != 2 or w.size == 0:
        raise PlotError(f"alignment_heatmap needs a 2-D matrix (outputs × inputs); got shape {w.shape}")
    cols = list(inputs) if inputs is not None else [str(j) for j in range(w.shape[1])]
    rows = list(outputs) if outputs is not None else [str(i) for i in range(w.shape[0])]
    if len(cols) != w.shape[1] or len(rows) != w.shape[0]:
        raise PlotError(f"{len(rows)} output and {len(cols)} input labels for a {w.shape[0]}×{w.shape[1]} matrix")
    fig = go.Figure(go.Heatmap(z=w, x=cols, y=rows, colorscale=colorscale, zmin=0,
                               hovertemplate="output %{y}<br>input %{x}<br>weight %{z:.3f}<extra></extra>"))
    style(fig, title=title, height=max(260, 28 * len(rows) + 120))
    fig.update_xaxes(title_text="input", showgrid=False, side="top")
    fig.update_yaxes(title_text="output", showgrid=False, autorange="reversed")
    return fig


def path_length_profile(profiles: Mapping[str, Mapping[int, float] | Sequence[float]], *,
                        title: str | None = None, normalize: bool = False) -> go.Figure:
    """Bars of how many input-to-output paths have each length, one colour per program.

    A profile is ``{length: count}`` or a sequence indexed by length.

    >>> fig = path_length_profile({"MLP": {2: 4, 3: 8}, "GCN": [0, 0, 2, 16]})
    >>> list(fig.data[1].x), fig.layout.barmode
    ([2, 3], 'group')
    """
    if not profiles:
        raise PlotError("path_length_profile needs at least one profile")
    fig = go.Figure()
    for name, prof in profiles.items():
        items = sorted(prof.items()) if isinstance(prof, Mapping) else list(enumerate(prof))
        items = [(int(k), float(v)) for k, v in items if float(v) != 0]
        total = sum(v for _, v in items) or 1.0
        fig.add_trace(go.Bar(x=[k for k, _ in items], y=[v / total if normalize else v for _, v in items],
                             name=str(name)))
    style(fig, title=title)
    fig.update_layout(barmode="group")
    fig.update_xaxes(title_text="path length (edges)", dtick=1)
    fig.update_yaxes(title_text="share of paths" if normalize else "number of paths")
    return fig
