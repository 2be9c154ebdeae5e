"""Plotly figures of part 2 that the shared helpers of :mod:`dpviz.widgets.plots` do not draw.

Loss curves, accuracy sweeps and alignment heatmaps come from :mod:`dpviz.widgets.plots`; this module
adds what the applications need besides: several series against time (:func:`lines`), a matrix with
named axes such as memory weightings over time (:func:`heatmap`), a matrix that evolves, with a slider
(:func:`heatmap_frames`), lines that follow a parameter's slider (:func:`slider_lines`), and grouped
bars (:func:`bars`).  All use the shared look (:func:`style`).

>>> fig = lines({"a": [1, 2, 3]}, x=[0.0, 0.5, 1.0], xlabel="t")
>>> fig.data[0].name, fig.layout.xaxis.title.text
('a', 't')
"""
from __future__ import annotations

from typing import Any, Mapping, Sequence

import numpy as np
import plotly.graph_objects as go

from dpviz.apps import require
from dpviz.plotstyle import PALETTE, log_ticks, style


def lines(series: Mapping[str, Sequence[float]], x: Sequence[float] | None = None, *, xlabel: str = "t",
          ylabel: str = "", title: str | None = None, dash: Mapping[str, str] | None = None,
          markers: Sequence[str] = (), vline: float | None = None, log_y: bool = False) -> go.Figure:
    """One line per named series (``markers``: names drawn as points, e.g. noisy observations).

    ``vline`` marks a time, e.g. where training data ends and extrapolation begins.

    >>> fig = lines({"obs": [1, 2], "fit": [1, 2]}, markers=["obs"], vline=0.5)
    >>> fig.data[0].mode, len(fig.layout.shapes)
    ('markers', 1)
    """
    require(len(series) > 0, "lines() needs at least one series")
    fig = go.Figure()
    for name, values in series.items():
        y = np.asarray(values, dtype=float).ravel()
        xs = np.arange(len(y)) if x is None else np.asarray(x, dtype=float)[:len(y)]
        mode = "markers" if name in markers else "lines"
        fig.add_trace(go.Scatter(x=xs, y=y, mode=mode, name=str(name), marker=dict(size=4),
                                 line=dict(dash=(dash or {}).get(name, "solid"))))
    style(fig, title=title)
    fig.update_xaxes(title_text=xlabel)
    if log_y:
        fig.update_yaxes(title_text=ylabel, **log_ticks([v for t in fig.data for v in t.y]))
    else:
        fig.update_yaxes(title_text=ylabel, type="linear")
    if vline is not None:
        # a marker line in its own colour, above the data: a grey dotted one vanished on a gridline
        fig.add_vline(x=vline, line=dict(color="#D55E00", dash="dash", width=2), layer="above", opacity=1)
    return fig


def small_multiples(series: Mapping[str, Sequence[float]], x: Sequence[float] | None = None, *, xlabel: str = "t",
                    ylabel: str = "", title: str | None = None, cols: int = 2) -> go.Figure:
    """One small plot per named series in a grid, sharing the x axis: series of different shapes
    and scales that one axis would pile on top of each other each get their own.

    >>> fig = small_multiples({"a": [1, 2], "b": [3, 1], "c": [0, 0]})
    >>> len(fig.data), [a.text for a in fig.layout.annotations]
    (3, ['a', 'b', 'c'])
    """
    from plotly.subplots import make_subplots

    require(len(series) > 0, "small_multiples() needs at least one series")
    names = list(series)
    rows = (len(names) + cols - 1) // cols
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=names, shared_xaxes=True,
                        vertical_spacing=0.12, horizontal_spacing=0.08)
    for k, name in enumerate(names):
        y = np.asarray(series[name], dtype=float).ravel()
        xs = np.arange(len(y)) if x is None else np.asarray(x, dtype=float)[:len(y)]
        fig.add_trace(go.Scatter(x=xs, y=y, mode="lines", name=str(name), showlegend=False,
                                 line=dict(width=1.5, color=PALETTE[k % len(PALETTE)])),
                      row=k // cols + 1, col=k % cols + 1)
    style(fig, title=title, height=60 + 200 * rows)
    fig.update_xaxes(title_text=xlabel, row=rows)
    fig.update_yaxes(title_text=ylabel, col=1)
    return fig


def heatmap(z: Any, *, x: Sequence[Any] | None = None, y: Sequence[Any] | None = None, xlabel: str = "",
            ylabel: str = "", title: str | None = None, colorscale: str = "Blues", zmid: float | None = None) -> go.Figure:
    """A matrix with named axes (rows from top to bottom), e.g. a weighting per time step (rows) and slot.

    >>> heatmap(np.eye(2), xlabel="slot", ylabel="step").layout.yaxis.autorange
    'reversed'
    """
    z = np.asarray(getattr(z, "data", z), dtype=float)
    require(z.ndim == 2 and z.size > 0, f"heatmap needs a non-empty matrix; got shape {z.shape}")
    xs = list(x) if x is not None else list(range(z.shape[1]))
    ys = list(y) if y is not None else list(range(z.shape[0]))
    kw = dict(zmid=zmid) if zmid is not None else dict(zmin=0)
    fig = go.Figure(go.Heatmap(z=z, x=[str(v) for v in xs], y=[str(v) for v in ys], colorscale=colorscale, **kw))
    style(fig, title=title, height=max(280, 22 * z.shape[0] + 120))
    fig.update_xaxes(title_text=xlabel, showgrid=False)
    fig.update_yaxes(title_text=ylabel, showgrid=False, autorange="reversed")
    return fig


def heatmap_frames(stack: Any, *, labels: Sequence[str] | None = None, title: str | None = None,
                   xlabel: str = "", ylabel: str = "", start: int = 0) -> go.Figure:
    """A sequence of equally shaped matrices (frames, rows, cols) shown one at a time with a slider.

    ``start`` is the frame shown first (negative counts from the end): a sequence that starts empty
    reads better opened where there is something to see.

    >>> fig = heatmap_frames(np.arange(12.0).reshape(3, 2, 2), start=-1)
    >>> len(fig.frames), len(fig.layout.sliders[0].steps), fig.layout.sliders[0].active, float(fig.data[0].z[0][0])
    (3, 3, 2, 8.0)
    """
    s = np.asarray(stack, dtype=float)
    require(s.ndim == 3 and s.shape[0] >= 1, f"heatmap_frames needs (frames, rows, cols); got shape {s.shape}")
    require(-s.shape[0] <= start < s.shape[0], f"start must index one of the {s.shape[0]} frames; got {start}")
    start %= s.shape[0]
    names = list(labels) if labels is not None else [str(k) for k in range(s.shape[0])]
    lim = float(np.abs(s).max()) or 1.0
    make = lambda m: go.Heatmap(z=m, colorscale="RdBu", zmid=0, zmin=-lim, zmax=lim)
    fig = go.Figure(data=[make(s[start])], frames=[go.Frame(data=[make(m)], name=n) for m, n in zip(s, names)])
    steps = [dict(method="animate", label=n, args=[[n], dict(mode="immediate", frame=dict(duration=0, redraw=True))])
             for n in names]
    style(fig, title=title, height=420)
    fig.update_layout(sliders=[dict(steps=steps, active=start, currentvalue=dict(prefix="t = "), pad=dict(t=40))])
    fig.update_xaxes(title_text=xlabel, showgrid=False)
    fig.update_yaxes(title_text=ylabel, showgrid=False, autorange="reversed")
    return fig


def slider_lines(family: Mapping[Any, Mapping[str, Sequence[float]]], x: Sequence[float] | None = None, *,
                 parameter: str, xlabel: str = "t", ylabel: str = "", title: str | None = None,
                 start: Any = None, fixed: Mapping[str, Sequence[float]] | None = None) -> go.Figure:
    """Lines that change with a parameter: ``family`` maps each value of the parameter to its series
    (``{name: ys}``), and a slider under the plot picks the value. ``fixed`` series (a reference, the
    data) stay drawn at every value; the axes do not move, so what changes is what the slider did.
    Every value is computed beforehand, so the slider works in a saved page with no kernel.

    >>> fig = slider_lines({0.1: {"y": [0, 1]}, 0.5: {"y": [0, 2]}}, parameter="η", start=0.5)
    >>> len(fig.frames), fig.layout.sliders[0].active, fig.data[0].y.tolist()
    (2, 1, [0.0, 2.0])
    """
    require(len(family) > 0, "slider_lines needs at least one value of the parameter")
    values = list(family)
    start = values[0] if start is None else start
    require(start in family, f"start must be one of the parameter's values {values}; got {start!r}")
    names = list(family[values[0]])
    require(all(list(family[v]) == names for v in values), "every value must give the same series names")
    fixed = dict(fixed or {})

    def traces(value: Any) -> list[go.Scatter]:
        out = []
        for k, name in enumerate(names):
            y = np.asarray(family[value][name], dtype=float).ravel()
            xs = np.arange(len(y)) if x is None else np.asarray(x, dtype=float)[:len(y)]
            out.append(go.Scatter(x=xs, y=y, mode="lines", name=str(name), line=dict(color=PALETTE[k % len(PALETTE)])))
        return out

    fig = go.Figure(data=traces(start))
    for k, (name, ys) in enumerate(fixed.items()):
        y = np.asarray(ys, dtype=float).ravel()
        xs = np.arange(len(y)) if x is None else np.asarray(x, dtype=float)[:len(y)]
        fig.add_trace(go.Scatter(x=xs, y=y, mode="lines", name=str(name),
                                 line=dict(color="#777777", dash="dot", width=2)))
    labels = [f"{v:g}" if isinstance(v, (int, float)) else str(v) for v in values]
    fig.frames = [go.Frame(data=traces(v), name=label, traces=list(range(len(names))))
                  for v, label in zip(values, labels)]
    steps = [dict(method="animate", label=label,
                  args=[[label], dict(mode="immediate", frame=dict(duration=0, redraw=False), transition=dict(duration=0))])
             for label in labels]
    every = [v for value in values for ys in family[value].values() for v in np.asarray(ys, dtype=float).ravel()]
    every += [v for ys in fixed.values() for v in np.asarray(ys, dtype=float).ravel()]
    finite = np.asarray(every, dtype=float)
    finite = finite[np.isfinite(finite)]
    low, high = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    pad = 0.05 * (high - low or 1.0)
    style(fig, title=title, height=440)
    fig.update_layout(sliders=[dict(steps=steps, active=values.index(start), pad=dict(t=50),
                                    currentvalue=dict(prefix=f"{parameter} = "))])
    fig.update_xaxes(title_text=xlabel)
    fig.update_yaxes(title_text=ylabel, range=[low - pad, high + pad])
    return fig


def bars(groups: Mapping[str, Mapping[str, float]], *, ylabel: str = "", title: str | None = None,
         log_y: bool = False) -> go.Figure:
    """Grouped bars: ``{series: {category: value}}`` (one colour per series, one group per category).

    >>> fig = bars({"fnn": {"logistic": 0.1, "henon": 0.2}, "rnn": {"logistic": 0.3, "henon": 0.1}})
    >>> [t.name for t in fig.data], fig.layout.barmode
    (['fnn', 'rnn'], 'group')
    """
    require(len(groups) > 0, "bars() needs at least one series")
    fig = go.Figure()
    for name, values in groups.items():
        fig.add_trace(go.Bar(x=list(values), y=[float(v) for v in values.values()], name=str(name)))
    style(fig, title=title)
    fig.update_layout(barmode="group")
    if log_y:
        fig.update_yaxes(title_text=ylabel, **log_ticks([v for t in fig.data for v in t.y]))
    else:
        fig.update_yaxes(title_text=ylabel, type="linear")
    return fig
