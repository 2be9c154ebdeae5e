"""Exercises of the CiteSeer notebooks (20-22): registered on import, checked with ``dp.check``.

The implement-it exercises are checked on small graphs whose answers the checker computes with
the course's own layers (:func:`dpviz.gnn.layers.gcn_adjacency`,
:func:`dpviz.gnn.attention.dense_attention_mask`), so they need PyTorch but not the data set.
PyTorch is imported when a check runs, never when the course's exercises are registered.

>>> from dpviz.exercises import check
>>> check("20.2", 5).ok, check("20.2", 4).ok
(True, False)
"""
from __future__ import annotations

from typing import Any

import numpy as np

from dpviz.exercises.registry import Exercise, register

# ----------------------------------------------------------------------------------- small graphs


def _graphs() -> list[tuple[Any, int]]:
    """Edge lists (both directions of each undirected edge, as in CiteSeer) and node counts."""
    import torch

    path = torch.tensor([[0, 1, 1, 2, 2, 3], [1, 0, 2, 1, 3, 2]])             # 0 - 1 - 2 - 3
    star = torch.tensor([[0, 1, 0, 2, 0, 3, 4, 5], [1, 0, 2, 0, 3, 0, 5, 4]])  # a star and an edge
    return [(path, 4), (star, 7)]                                             # node 6 is isolated


def _as_numpy(a: Any) -> np.ndarray:
    """Numbers from a number, an array or a torch tensor (on any device, dense or sparse)."""
    if hasattr(a, "detach"):
        a = a.detach().cpu()
        if str(getattr(a, "layout", "torch.strided")) != "torch.strided":
            a = a.to_dense()
        a = a.numpy()
    return np.asarray(a, dtype=float)


# ----------------------------------------------------------------------------------- 20 the graph


def _homophily_ok(edge_homophily: Any):
    import torch

    if not callable(edge_homophily):
        return "pass your function edge_homophily(edge_index, y) itself (answer = edge_homophily)."
    (path, _), (star, _) = _graphs()
    cases = [(path, torch.tensor([0, 0, 1, 1])), (star, torch.tensor([2, 2, 2, 0, 1, 1, 0]))]
    for edge_index, y in cases:
        src, dst = edge_index
        want = float((y[src] == y[dst]).float().mean())
        got = edge_homophily(edge_index, y)
        if got is None:
            return "edge_homophily returned None: return one number between 0 and 1."
        got = float(_as_numpy(got).reshape(()))
        if abs(got - want) > 1e-6:
            by_nodes = float(np.mean([bool((y[dst[src == i]] == y[i]).all()) for i in range(len(y)) if (src == i).any()]))
            why = (" That is a share of nodes; count edges instead." if abs(got - by_nodes) < 1e-6 else "")
            if abs(got - want * src.numel()) < 1e-6:
                why = " That is the number of such edges; divide by the number of edges for the share."
            elif abs(got - (1 - want)) < 1e-6:
                why = " That is the share of edges joining two different classes."
            return (f"on the graph with edges {edge_index.tolist()} and classes {y.tolist()} yours gives "
                    f"{got:.4g}, expected {want:.4g}.{why}")
    return True


register(Exercise(
    "20.1", "Write edge_homophily(edge_index, y): the share of edges whose two ends belong to the same class. "
            "dp.check runs it on two small graphs; then run yours on CiteSeer (ds.edge_index, ds.y) and compare "
            "with the share printed above.",
    _homophily_ok,
    hint="edge_index[0] and edge_index[1] are the two ends of every edge; look up each end's class in y.",
    more="(y[edge_index[0]] == y[edge_index[1]]) is one True/False per edge; its mean, as a float, is the share.",
    solution="def edge_homophily(edge_index, y):\n"
             "    same = y[edge_index[0]] == y[edge_index[1]]\n"
             "    return float(same.float().mean())\n\n"
             "answer = edge_homophily",
    kind="implement",
    explanation="Most CiteSeer citations join papers of the same topic: the prior the GCN of notebook 21 encodes."))

register(Exercise(
    "20.2", "The GCN of notebook 21 adds a self-loop to every node. A paper with 4 citation neighbours: how many "
            "non-zero entries has its row of Â = D^-½(A + I)D^-½?",
    lambda a: int(_as_numpy(a).reshape(())) == 5,
    hint="A + I has a 1 for each neighbour and one more on the diagonal; the scaling by D^-½ keeps them non-zero.",
    solution="neighbours = 4\nanswer = neighbours + 1   # one per neighbour, one for the self-loop"))

# ----------------------------------------------------------------------------------- 21 the GCN


def _propagation_ok(propagate: Any):
    import torch

    from dpviz.gnn.layers import gcn_adjacency

    if not callable(propagate):
        return "pass your function propagate(edge_index, num_nodes, X, W) itself (answer = propagate)."
    gen = torch.Generator().manual_seed(0)
    for edge_index, n in _graphs():
        X = torch.randn(n, 5, generator=gen)
        W = torch.randn(5, 3, generator=gen)
        want = (gcn_adjacency(edge_index, n, csr=False).to_dense() @ X @ W).numpy()
        got = propagate(edge_index, n, X, W)
        if got is None:
            return "propagate returned None: return the n × 3 matrix Â X W."
        got = _as_numpy(got)
        if got.shape != want.shape:
            return f"on a graph of {n} nodes yours has shape {got.shape}; Â X W has shape {want.shape}."
        if np.allclose(got, want, atol=1e-5):
            continue
        A = torch.zeros(n, n)
        A[edge_index[1], edge_index[0]] = 1.0
        A_I = A + torch.eye(n)
        deg = A_I.sum(1)
        tries = {"(A + I) X W: the normalisation D^-½ … D^-½ is missing": A_I,
                 "D^-½ A D^-½ X W: without the self-loops (+ I) a node forgets its own features":
                     torch.diag(A.sum(1).clamp(min=1) ** -0.5) @ A @ torch.diag(A.sum(1).clamp(min=1) ** -0.5),
                 "D^-1 (A + I) X W, a plain mean: the paper's GCN scales by D^-½ on both sides": torch.diag(1 / deg) @ A_I}
        for what, M in tries.items():
            if np.allclose(got, (M @ X @ W).numpy(), atol=1e-5):
                return f"yours computes {what}."
        row = int(np.argmax(np.abs(got - want).max(axis=1)))
        return (f"on a graph of {n} nodes (edges {edge_index.tolist()}) row {row} is "
                f"{np.round(got[row], 3).tolist()}, expected {np.round(want[row], 3).tolist()}.")
    return True


register(Exercise(
    "21.1", "Write the graph convolution yourself in PyTorch: propagate(edge_index, num_nodes, X, W) returns "
            "D^-½(A + I)D^-½ X W with dense tensors. dp.check compares it with the library's layer on small graphs.",
    _propagation_ok,
    hint="Build the dense A from edge_index (A[target, source] = 1), add the identity, compute each node's degree "
         "in A + I, and scale rows and columns by its inverse square root.",
    more="A = torch.zeros(n, n); A[edge_index[1], edge_index[0]] = 1; A = A + torch.eye(n); "
         "d = A.sum(1) ** -0.5; return d[:, None] * A * d[None, :] @ X @ W.",
    solution="def propagate(edge_index, num_nodes, X, W):\n"
             "    A = torch.zeros(num_nodes, num_nodes)\n"
             "    A[edge_index[1], edge_index[0]] = 1.0\n"
             "    A = A + torch.eye(num_nodes)\n"
             "    d = A.sum(1) ** -0.5\n"
             "    return (d[:, None] * A * d[None, :]) @ X @ W\n\n"
             "answer = propagate",
    kind="implement",
    explanation="dpviz.gnn.layers.GCNConv computes the same with a sparse Â, and multiplies by W first "
                "because 16 columns are cheaper to propagate than 3,703."))

register(Exercise(
    "21.2", "Two linked papers, one with 3 neighbours and one with 1. With self-loops added, what is the entry "
            "Â[i, j] = 1/√(d_i d_j) that weighs the message between them (d counts the self-loop)?",
    lambda a: abs(float(_as_numpy(a).reshape(())) - 1 / np.sqrt(4 * 2)) < 1e-4,
    hint="With the self-loop, d_i = neighbours + 1 for each of the two.",
    solution="d_i, d_j = 3 + 1, 1 + 1\nanswer = 1 / (d_i * d_j) ** 0.5"))

# ----------------------------------------------------------------------------------- 22 masks


def _mask_ok(neighbour_mask: Any):
    from dpviz.gnn.attention import dense_attention_mask

    if not callable(neighbour_mask):
        return "pass your function neighbour_mask(edge_index, num_nodes) itself (answer = neighbour_mask)."
    for edge_index, n in _graphs():
        want = dense_attention_mask("neighbours", edge_index, n).numpy()
        got = neighbour_mask(edge_index, n)
        if got is None:
            return "neighbour_mask returned None: return an n × n boolean tensor, True where attention is blocked."
        if str(getattr(got, "dtype", "")) != "torch.bool":
            return ("return a bool tensor (True = blocked). nn.MultiheadAttention reads a float mask as numbers "
                    "added to the scores, so a 0/1 float mask blocks nothing.")
        got = _as_numpy(got).astype(bool)
        if got.shape != want.shape:
            return f"on a graph of {n} nodes yours has shape {got.shape}; expected ({n}, {n})."
        if (got == want).all():
            continue
        if (got == ~want).all():
            return "yours is the inverse: nn.MultiheadAttention's attn_mask is True where a pair is blocked."
        if (got[~np.eye(n, dtype=bool)] == want[~np.eye(n, dtype=bool)]).all():
            return "the diagonal is wrong: every node attends to itself (the paper sets the adjacency's diagonal)."
        i, j = map(int, np.argwhere(got != want)[0])
        return (f"on a graph of {n} nodes (edges {edge_index.tolist()}) the pair (query {i}, key {j}) is "
                f"{'blocked' if got[i, j] else 'allowed'} in yours, but should be "
                f"{'blocked' if want[i, j] else 'allowed'}.")
    return True


register(Exercise(
    "22.1", "Build the neighbours mask yourself: neighbour_mask(edge_index, num_nodes) returns the n × n boolean "
            "attn_mask of nn.MultiheadAttention (True = blocked) that lets each node attend to its neighbours "
            "and itself.",
    _mask_ok,
    hint="Start from 'everything blocked', then allow the pairs (query, key) of the edges and of each node with "
         "itself.",
    more="allowed = torch.zeros(n, n, dtype=torch.bool); allowed[edge_index[0], edge_index[1]] = True; "
         "allowed[range(n), range(n)] = True; return ~allowed.",
    solution="def neighbour_mask(edge_index, num_nodes):\n"
             "    allowed = torch.zeros(num_nodes, num_nodes, dtype=torch.bool)\n"
             "    allowed[edge_index[0], edge_index[1]] = True\n"
             "    allowed[torch.arange(num_nodes), torch.arange(num_nodes)] = True\n"
             "    return ~allowed\n\n"
             "answer = neighbour_mask",
    kind="implement",
    explanation="On CiteSeer it allows 0.11 % of all pairs; dpviz computes attention only over those."))

register(Exercise(
    "22.2", "With the 'self' mask each query may attend only to itself. What attention weight does it give that "
            "one key, whatever the scores?",
    lambda a: abs(float(_as_numpy(a).reshape(())) - 1.0) < 1e-9,
    hint="The weights of one query are a softmax over the keys it may see.",
    solution="answer = 1.0   # a softmax over one score is exp(s) / exp(s)",
    explanation="So the 'self' model is an MLP in disguise: attention with one key can only copy its value."))
