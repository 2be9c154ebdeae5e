"""Masked self-attention over graph nodes, computed only where it is allowed.

A boolean ``attn_mask`` that blocks most pairs (self only: all but 3,327 of 11 million;
neighbours: all but ~12,000) wastes almost all of a dense attention's work.  Here the allowed
(query, key) pairs are an edge list and the softmax is taken per query with scatter operations,
which gives the same numbers as dense masked attention at a fraction of the cost.

>>> import torch
>>> from dpviz.gnn.attention import attention_pairs
>>> attention_pairs("self", torch.empty(2, 0, dtype=torch.long), 3).tolist()
[[0, 1, 2], [0, 1, 2]]
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import torch

MaskKind = Literal["all", "self", "neighbours"]
MASKS: tuple[str, ...] = ("all", "self", "neighbours")


def attention_pairs(mask: str, edge_index: torch.Tensor, num_nodes: int) -> torch.Tensor:
    """Allowed ``(query, key)`` pairs as a ``(2, P)`` tensor, sorted by query.

    ``"self"``: each node attends to itself; ``"neighbours"``: the graph's edges plus the node
    itself (the paper sets the adjacency's diagonal).  ``"all"`` has no sparse form.

    >>> e = torch.tensor([[0, 1], [1, 0]])
    >>> attention_pairs("neighbours", e, 3).tolist()
    [[0, 0, 1, 1, 2], [0, 1, 0, 1, 2]]
    """
    loops = torch.arange(num_nodes, device=edge_index.device)
    if mask == "self":
        return torch.stack([loops, loops])
    if mask != "neighbours":
        raise ValueError(f"mask {mask!r} has no sparse pair list; use one of 'self', 'neighbours'")
    keys = torch.cat([edge_index[0] * num_nodes + edge_index[1], loops * (num_nodes + 1)])
    keys = torch.unique(keys)  # sorted: by query, then key; duplicates (random graphs) merged
    return torch.stack([keys // num_nodes, keys % num_nodes])


def dense_attention_mask(mask: str, edge_index: torch.Tensor, num_nodes: int) -> torch.Tensor | None:
    """The paper's boolean ``attn_mask`` (``True`` = blocked) for ``nn.MultiheadAttention``.

    >>> dense_attention_mask("self", torch.empty(2, 0, dtype=torch.long), 2).tolist()
    [[False, True], [True, False]]
    """
    if mask == "all":
        return None
    pairs = attention_pairs(mask, edge_index, num_nodes)
    allowed = torch.zeros(num_nodes, num_nodes, dtype=torch.bool, device=edge_index.device)
    allowed[pairs[0], pairs[1]] = True
    return ~allowed


def pair_scores(q: torch.Tensor, k: torch.Tensor, pairs: torch.Tensor) -> torch.Tensor:
    """The scaled dot products ``q·k/√d`` of every allowed pair, ``(P, ...)`` (shapes as in :func:`pair_attention`).

    >>> q = k = torch.ones(2, 4)
    >>> pair_scores(q, k, torch.tensor([[0, 1], [1, 1]])).tolist()
    [2.0, 2.0]
    """
    return (q[pairs[0]] * k[pairs[1]]).sum(-1) / math.sqrt(q.shape[-1])


def score_spread(scores: torch.Tensor, queries: torch.Tensor, num_queries: int) -> torch.Tensor:
    """How far apart each query's scores lie: the standard deviation of the scores of one query over its
    keys, averaged over the queries that have at least two keys and over every dimension after the seed one.

    ``scores`` is ``(P, S, ...)`` with ``queries`` (``P``) naming each pair's query; returns ``(S,)``.
    A query with one key has nothing to weigh; if no query has two, the spread is NaN.

    >>> scores = torch.tensor([[1.0], [3.0], [5.0]])          # query 0 reads two keys, query 1 one
    >>> score_spread(scores, torch.tensor([0, 0, 1]), 2).tolist()
    [1.4142135381698608]
    """
    count = torch.bincount(queries, minlength=num_queries).to(scores.dtype)
    shape = (num_queries,) + scores.shape[1:]
    index = queries.view((-1,) + (1,) * (scores.dim() - 1)).expand_as(scores)
    mean = torch.zeros(shape, dtype=scores.dtype, device=scores.device).scatter_add(0, index, scores)
    mean = mean / count.clamp(min=1).view((-1,) + (1,) * (scores.dim() - 1))
    sq = torch.zeros(shape, dtype=scores.dtype, device=scores.device).scatter_add(
        0, index, (scores - mean[queries]) ** 2)
    several = count >= 2
    var = sq[several] / (count[several] - 1).view((-1,) + (1,) * (scores.dim() - 1))
    if not several.any():
        return torch.full(scores.shape[1:2], math.nan)
    return var.sqrt().reshape(var.shape[0], var.shape[1], -1).mean(dim=2).mean(dim=0)


@dataclass(frozen=True)
class ScoreScale:
    """Why an attention layer's weights are flat (or not), one entry per seed.

    ``query``, ``key``, ``value``: the root-mean-square entry of W_q, W_k, W_v; ``embedding``: that of the
    embeddings the projections read; ``spread``: how far apart a query's scores q·k/√d lie over the keys it
    may read (:func:`score_spread`).  Softmax weights differ from uniform by about as much as the scores
    differ from each other, so a spread near 0 means weights equal to 1/(number of keys), whatever the
    attention was meant to learn.

    >>> print(ScoreScale((1e-3,), (2e-3,), (0.1,), (0.05,), (1e-7,)))
    seed 0: |W_q| 1.0e-03   |W_k| 2.0e-03   |W_v| 1.0e-01   |embedding| 5.0e-02   score spread 1.0e-07
    """

    query: tuple[float, ...]
    key: tuple[float, ...]
    value: tuple[float, ...]
    embedding: tuple[float, ...]
    spread: tuple[float, ...]

    def __str__(self) -> str:
        return "\n".join(
            f"seed {s}: |W_q| {q:.1e}   |W_k| {k:.1e}   |W_v| {v:.1e}   |embedding| {e:.1e}   score spread {sp:.1e}"
            for s, (q, k, v, e, sp) in enumerate(zip(self.query, self.key, self.value, self.embedding,
                                                     self.spread)))


def pair_attention(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, pairs: torch.Tensor,
                   num_queries: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Scaled dot-product attention restricted to ``pairs``.

    ``q``: ``(Q, ..., d)`` rows indexed by ``pairs[0]`` (query positions ``0..Q-1``);
    ``k``, ``v``: ``(N, ..., d)`` rows indexed by ``pairs[1]``.  Leading batch dimensions after
    the first (seeds, heads) are carried through.  Returns the outputs ``(Q, ..., d)`` and the
    weights ``(P, ...)`` of every pair.

    >>> q = k = v = torch.randn(4, 1, 2, 8)
    >>> pairs = attention_pairs("self", torch.empty(2, 0, dtype=torch.long), 4)
    >>> out, w = pair_attention(q, k, v, pairs, 4)
    >>> torch.allclose(out, v), bool((w == 1).all())
    (True, True)
    """
    qi, kj = pairs[0], pairs[1]
    scores = pair_scores(q, k, pairs)
    # Subtracting each query's max only stabilises exp(); softmax is shift-invariant, so the
    # max can be treated as a constant (detached) without changing any gradient.
    shape = (num_queries,) + scores.shape[1:]
    top = torch.full(shape, -math.inf, device=q.device, dtype=scores.dtype)
    index = qi.view((-1,) + (1,) * (scores.dim() - 1)).expand_as(scores)
    top = top.scatter_reduce(0, index, scores.detach(), "amax")
    weights = torch.exp(scores - top[qi])
    total = torch.zeros(shape, device=q.device, dtype=scores.dtype).index_add(0, qi, weights)
    weights = weights / total[qi]
    out = torch.zeros((num_queries,) + v.shape[1:], device=v.device, dtype=v.dtype)
    out = out.index_add(0, qi, weights.unsqueeze(-1) * v[kj])
    return out, weights
