"""The course's one plotly look: a template named ``"dpviz"`` that every figure of the course uses.

White background, a light grid, the Okabe–Ito colours (colour-blind safe) and the legend to the
right of the plot, outside it, where it can never cover the title or the data. It depends on
nothing else in dpviz, so the engine's widgets and the PyTorch part (``dpviz.gnn``) share it.

>>> import plotly.graph_objects as go
>>> fig = style(go.Figure(), title="Training loss")
>>> fig.layout.template.layout.legend.x, fig.layout.title.text
(1.02, 'Training loss')
"""
from __future__ import annotations

import plotly.graph_objects as go
import plotly.io as pio

#: The colours every dpviz plot cycles through (colour-blind safe, Okabe–Ito).
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000")

#: The name the template is registered under in ``plotly.io.templates``.
TEMPLATE = "dpviz"


def _template() -> go.layout.Template:
    base = pio.templates["simple_white"]
    tpl = go.layout.Template(base)
    tpl.layout.update(
        colorway=list(PALETTE), font=dict(size=13),
        title=dict(x=0, xanchor="left", y=0.98, yanchor="top", font=dict(size=15)),
        # a vertical legend outside the plot on the right: never over the title, a curve or a marker line
        legend=dict(orientation="v", x=1.02, xanchor="left", y=1, yanchor="top"),
        xaxis=dict(showgrid=True, gridcolor="#eeeeee"), yaxis=dict(showgrid=True, gridcolor="#eeeeee"))
    return tpl


pio.templates[TEMPLATE] = _template()


def log_ticks(values) -> dict:
    """Tick settings for a log axis that shows ``values``: one tick per power of ten (written 10⁻²)
    when they span two decades or more, else ticks at 1, 2 and 5 of each decade, each written in full
    (0.2, not a lone small "2" that reads as a different number).

    >>> log_ticks([1e-3, 0.5])
    {'type': 'log', 'dtick': 1, 'exponentformat': 'power'}
    >>> ticks = log_ticks([0.05, 0.2]); ticks["ticktext"]
    ['0.01', '0.02', '0.05', '0.1', '0.2', '0.5', '1']
    """
    import math

    positive = [float(v) for v in values if v is not None and math.isfinite(float(v)) and float(v) > 0]
    if not positive:
        return {"type": "log"}
    low, high = math.floor(math.log10(min(positive))), math.ceil(math.log10(max(positive)))
    if high - low >= 3 or math.log10(max(positive) / min(positive)) >= 2:
        return {"type": "log", "dtick": 1, "exponentformat": "power"}
    # every 1-2-5 tick of the decades the values touch; plotly shows those inside the axis' range
    ticks = [m * 10.0 ** e for e in range(low, high + 1) for m in (1, 2, 5) if m * 10.0 ** e <= 10.0 ** high]
    return {"type": "log", "tickvals": ticks, "ticktext": [f"{t:.12g}" for t in ticks]}


def style(fig: go.Figure, *, title: str | None = None, height: int = 360) -> go.Figure:
    """Give ``fig`` the course's look (template ``"dpviz"``), a title and a height; return it.

    >>> style(go.Figure(), title="x", height=300).layout.height
    300
    """
    fig.update_layout(template=TEMPLATE, title=title, height=height,
                      margin=dict(l=60, r=20, t=56 if title else 20, b=50))
    return fig
