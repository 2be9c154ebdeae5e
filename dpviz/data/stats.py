"""Graph statistics of a Planetoid dataset, with networkx (the numbers the paper quotes).

>>> from dpviz.data import planetoid
>>> from dpviz.data.stats import graph_statistics
>>> stats = graph_statistics(planetoid("citeseer"))
>>> stats["nodes"], stats["edges (directed entries)"], round(stats["average clustering"], 3)
(3327, 9104, 0.141)
"""
from __future__ import annotations

import networkx as nx
import torch


def to_networkx(data: object) -> nx.Graph:
    """An undirected networkx graph with every node (isolated ones too) and a ``label`` attribute.

    >>> from dpviz.data import planetoid
    >>> to_networkx(planetoid("citeseer")).number_of_edges()
    4552
    """
    g = nx.Graph()
    labels = data.y.tolist()  # type: ignore[attr-defined]
    g.add_nodes_from((i, {"label": c}) for i, c in enumerate(labels))
    g.add_edges_from(data.edge_index.t().tolist())  # type: ignore[attr-defined]
    return g


def graph_statistics(data: object) -> dict[str, float | int]:
    """Nodes, features, classes, edges, average degree and clustering, isolated nodes, split sizes.

    >>> from dpviz.data import planetoid
    >>> graph_statistics(planetoid("cora"))["classes"]
    7
    """
    g = to_networkx(data)
    return {
        "nodes": data.num_nodes,  # type: ignore[attr-defined]
        "features": data.num_features,  # type: ignore[attr-defined]
        "classes": data.num_classes,  # type: ignore[attr-defined]
        "edges (directed entries)": int(data.edge_index.shape[1]),  # type: ignore[attr-defined]
        "average degree": data.edge_index.shape[1] / data.num_nodes,  # type: ignore[attr-defined]
        "average clustering": nx.average_clustering(g),
        "isolated nodes": nx.number_of_isolates(g),
        "connected components": nx.number_connected_components(g),
        "train / val / test": "/".join(str(int(m.sum())) for m in (
            data.train_mask, data.val_mask, data.test_mask)),  # type: ignore[attr-defined]
    }


def degrees(data: object) -> torch.Tensor:
    """Degree of every node (number of neighbours).

    >>> from dpviz.data import planetoid
    >>> int(degrees(planetoid("citeseer")).sum())
    9104
    """
    return torch.bincount(data.edge_index[0], minlength=data.num_nodes)  # type: ignore[attr-defined]
