"""Plotly figures the notebooks show (graph views, live loss curves, attention weights).

>>> from dpviz.gnn.figures import loss_figure
>>> loss_figure({"MLP2": [1.0, 0.5]}).layout.xaxis.title.text
'epoch'
"""
from __future__ import annotations

import networkx as nx
import plotly.graph_objects as go
import torch

from dpviz.plotstyle import TEMPLATE, log_ticks


def degree_figure(deg: torch.Tensor) -> go.Figure:
    """Histogram of node degrees (log count axis: a few hubs, many degree-1 nodes).

    >>> degree_figure(torch.tensor([0, 1, 1, 2])).layout.yaxis.type
    'log'
    """
    fig = go.Figure(go.Histogram(x=deg.tolist(), xbins={"size": 1}))
    fig.update_layout(title="Degree distribution", xaxis_title="degree", yaxis_title="nodes",
                      yaxis_type="log", template=TEMPLATE)
    return fig


#: One colour per topic class (Okabe–Ito's palette without black; CiteSeer has 6 classes).
CLASS_COLOURS = ("#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7")


def neighbourhood_figure(g: nx.Graph, center: int, hops: int = 2, seed: int = 0) -> go.Figure:
    """The ``hops``-hop neighbourhood of ``center``, nodes coloured by class.

    >>> g = nx.path_graph(4); nx.set_node_attributes(g, 0, "label")
    >>> len(neighbourhood_figure(g, 0, 1).data)
    2
    """
    sub = nx.ego_graph(g, center, radius=hops)
    pos = nx.spring_layout(sub, seed=seed)
    ex, ey = [], []
    for a, b in sub.edges():
        ex += [pos[a][0], pos[b][0], None]
        ey += [pos[a][1], pos[b][1], None]
    fig = go.Figure()
    fig.add_scatter(x=ex, y=ey, mode="lines", line={"width": 1, "color": "#bbb"}, hoverinfo="skip",
                    name="links", showlegend=False)
    # topics are categories: one colour each (Okabe–Ito, colour-blind safe) and a legend, not a colour scale
    classes = sorted({sub.nodes[n]["label"] for n in sub.nodes()})
    for k in classes:
        members = [n for n in sub.nodes() if sub.nodes[n]["label"] == k]
        fig.add_scatter(
            x=[pos[n][0] for n in members], y=[pos[n][1] for n in members], mode="markers", name=f"class {k}",
            marker={"size": [16 if n == center else 9 for n in members],
                    "color": CLASS_COLOURS[int(k) % len(CLASS_COLOURS)],
                    "line": {"width": [2.5 if n == center else 0.5 for n in members], "color": "#000000"}},
            text=[f"node {n}, class {k}" + (" (the centre)" if n == center else "") for n in members],
            hoverinfo="text")
    fig.update_layout(title=f"{hops}-hop neighbourhood of node {center} (the large dot), coloured by class",
                      legend={"title": {"text": "topic"}}, xaxis={"visible": False}, yaxis={"visible": False},
                      template=TEMPLATE)
    return fig


def split_counts_figure(y: torch.Tensor, masks: dict[str, torch.Tensor], num_classes: int) -> go.Figure:
    """How many nodes of each class every split holds (grouped bars, one colour per split).

    >>> y = torch.tensor([0, 1, 1, 2]); m = torch.tensor([True, True, False, False])
    >>> [t.name for t in split_counts_figure(y, {"train": m, "test": ~m}, 3).data]
    ['train (2)', 'test (2)']
    """
    fig = go.Figure()
    for name, mask in masks.items():
        fig.add_bar(name=f"{name} ({int(mask.sum())})", x=list(range(num_classes)),
                    y=torch.bincount(y[mask], minlength=num_classes).tolist())
    fig.update_layout(barmode="group", title="Class counts per split", xaxis_title="class",
                      yaxis_title="nodes", template=TEMPLATE)
    return fig


def loss_figure(curves: dict[str, list[float]]) -> go.Figure:
    """Training loss per epoch for several models.

    >>> len(loss_figure({"a": [1.0], "b": [2.0]}).data)
    2
    """
    fig = go.Figure()
    for name, values in curves.items():
        fig.add_scatter(x=list(range(1, len(values) + 1)), y=values, mode="lines", name=name)
    fig.update_layout(title="Training loss", xaxis_title="epoch", yaxis_title="cross-entropy",
                      template=TEMPLATE)
    return fig


def attention_vs_degree_figure(degree: torch.Tensor, weight: torch.Tensor) -> go.Figure:
    """Neighbour-attention weights against the number of keys a node reads (its degree + 1, itself
    included), both axes logarithmic, with the line 1/(degree+1) of a plain mean over those keys.

    >>> attention_vs_degree_figure(torch.tensor([1, 2]), torch.tensor([0.5, 0.3])).data[1].name
    '1/(degree+1): a plain mean'
    """
    keys = (degree + 1).float()
    fig = go.Figure()
    fig.add_scatter(x=keys.tolist(), y=weight.tolist(), mode="markers", name="learned weight",
                    marker={"size": 7, "opacity": 0.35})
    k = torch.arange(1, int(keys.max()) + 1).float()
    fig.add_scatter(x=k.tolist(), y=(1.0 / k).tolist(), mode="lines", name="1/(degree+1): a plain mean",
                    line={"width": 1.5})
    fig.update_layout(title="Neighbour-masked attention: each weight against the node's number of keys",
                      xaxis_title="keys the node reads (degree + 1)", yaxis_title="attention weight (head average)",
                      template=TEMPLATE)
    fig.update_xaxes(**log_ticks(k.tolist()))
    fig.update_yaxes(**log_ticks((1.0 / k).tolist() + weight.tolist()))
    return fig


def mask_figure(edge_index: torch.Tensor, num_nodes: int, center: int, size: int = 24) -> go.Figure:
    """Which (query, key) pairs each attention mask allows, among the ``size`` nodes nearest to
    ``center`` (breadth first over the citations, so rows and columns start with ``center``): one
    heatmap per mask, chosen with a slider.

    >>> e = torch.tensor([[0, 1, 1, 2], [1, 0, 2, 1]])
    >>> fig = mask_figure(e, 3, center=1, size=3)
    >>> [f.name for f in fig.frames], [list(row) for row in fig.frames[2].data[0].z]
    (['all', 'self', 'neighbours'], [[1, 1, 1], [1, 1, 0], [1, 0, 1]])
    """
    from dpviz.gnn.attention import MASKS, dense_attention_mask

    g = nx.Graph()
    g.add_nodes_from(range(num_nodes))
    g.add_edges_from(edge_index.t().tolist())
    nodes = list(nx.bfs_tree(g, center))[:size]
    index = torch.tensor(nodes)
    frames = []
    for mask in MASKS:
        blocked = dense_attention_mask(mask, edge_index.cpu(), num_nodes)
        allowed = torch.ones(len(nodes), len(nodes), dtype=torch.int64) if blocked is None else \
            (~blocked[index][:, index]).long()
        frames.append((mask, allowed.tolist(), int(allowed.sum())))
    labels = [str(v) for v in nodes]

    def heat(z):
        return go.Heatmap(z=z, x=labels, y=labels, zmin=0, zmax=1, showscale=False,
                          colorscale=[[0, "#f4f4f4"], [1, "#0072B2"]], xgap=1, ygap=1,
                          hovertemplate="query %{y}, key %{x}: %{z}<extra></extra>")

    fig = go.Figure(data=[heat(frames[0][1])],
                    frames=[go.Frame(data=[heat(z)], name=mask) for mask, z, _ in frames])
    steps = [dict(method="animate", label=f"{mask}: {count} of {len(nodes) ** 2} pairs",
                  args=[[mask], dict(mode="immediate", frame=dict(duration=0, redraw=True))])
             for mask, _, count in frames]
    fig.update_layout(title=f"Pairs each mask allows (blue)<br>among the {len(nodes)} papers nearest to paper {center}",
                      template=TEMPLATE, height=640, width=640, margin=dict(t=90, b=40),
                      # below the axis title, clear of it; the title above the plotly toolbar
                      sliders=[dict(steps=steps, active=0, currentvalue=dict(prefix="mask "), pad=dict(t=75))])
    fig.update_xaxes(title_text="key", type="category", showgrid=False)
    fig.update_yaxes(title_text="query", type="category", autorange="reversed", showgrid=False)
    return fig
