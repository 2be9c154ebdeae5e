"""Seed-batched versions of the paper's models: S independent models trained as one.

Every weight gets a leading seed dimension ``S`` and activations are laid out
``(nodes, S, features)``.  Seeds never interact: each slice is initialised like the plain model,
dropout draws independent masks per slice, the training loss is the *sum* of the per-seed mean
losses (so each slice receives exactly its own gradient) and Adam acts elementwise.  Training S
slices at once therefore gives S independent runs, while the expensive parts are shared: one
sparse product ``X @ [W_1 … W_S]`` and one propagation ``Â @ [H_1 … H_S]`` per layer.

Models are built around their inputs (features, propagation matrix, attention pairs) and
``forward(nodes)`` returns logits ``(len(nodes), S, classes)`` for the requested nodes only:
the loss reads only the training nodes, so attention needs only those queries.

>>> import torch
>>> from dpviz.data import planetoid
>>> from dpviz.gnn.batched import SeedGCN
>>> ds = planetoid("citeseer")
>>> model = SeedGCN.for_graph(ds, [3703, 16, 6], seeds=4)
>>> model(torch.arange(10)).shape
torch.Size([10, 4, 6])
"""
from __future__ import annotations

import math
from typing import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from dpviz.gnn.attention import ScoreScale, attention_pairs, pair_attention, pair_scores, score_spread
from dpviz.gnn.layers import gcn_adjacency, glorot_
from dpviz.gnn.sparse import SparseMatrix, spmm


class SeedLinear(nn.Module):
    """``S`` linear maps ``(in, out)`` side by side.

    ``init="torch"`` draws weight and bias from U(±1/√in) like ``nn.Linear``; ``"glorot"`` uses
    Glorot for the weight and zeros for the bias (PyG's GCNConv, the attention's input
    projection); ``"torch-zero-bias"`` is ``nn.MultiheadAttention``'s output projection.

    >>> lin = SeedLinear(3, 5, 2)
    >>> lin(torch.ones(4, 5)).shape, lin(torch.ones(4, 3, 5)).shape
    (torch.Size([4, 3, 2]), torch.Size([4, 3, 2]))
    """

    def __init__(self, seeds: int, in_features: int, out_features: int, init: str = "torch",
                 bias: bool = True) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.empty(seeds, in_features, out_features))
        self.bias = nn.Parameter(torch.zeros(seeds, out_features)) if bias else None
        bound = 1.0 / math.sqrt(in_features)
        with torch.no_grad():
            if init == "glorot":
                glorot_(self.weight)
            else:
                self.weight.uniform_(-bound, bound)
                if init == "torch" and self.bias is not None:
                    self.bias.uniform_(-bound, bound)

    def matmul(self, x: torch.Tensor | SparseMatrix) -> torch.Tensor:
        """``x @ W_s`` without the bias; ``x`` is shared ``(N, in)`` (maybe sparse) or ``(N, S, in)``.

        >>> SeedLinear(2, 3, 4).matmul(torch.ones(5, 3)).shape
        torch.Size([5, 2, 4])
        """
        seeds, fin, fout = self.weight.shape
        if isinstance(x, SparseMatrix) or x.dim() == 2 or x.layout != torch.strided:
            # A shared (sparse) input meets each W_s in turn.  Gluing [W_1 | … | W_S] into one
            # matrix would copy all S·in·out weights forward and their gradient backward every
            # step (3 × 76 MB for MLP3 with 10 seeds); unbind/stack only moves the small outputs
            # and hands autograd one contiguous gradient.
            return torch.stack([spmm(x, w) for w in self.weight.unbind(0)], dim=1)
        return torch.einsum("nsi,sio->nso", x, self.weight)

    def forward(self, x: torch.Tensor | SparseMatrix) -> torch.Tensor:
        out = self.matmul(x)
        return out if self.bias is None else out + self.bias


def propagate(adj: torch.Tensor | SparseMatrix, h: torch.Tensor) -> torch.Tensor:
    """``Â @ H`` for every seed at once; ``h`` is ``(N, S, F)``.

    A shared ``Â`` (M × N) multiplies the ``(N, S·F)`` view; a per-seed block matrix
    (M·S × N·S, see :func:`seed_union_adjacency`) multiplies the ``(N·S, F)`` view.  ``M`` may
    be smaller than ``N``: a block of rows of ``Â`` computes only those nodes.

    >>> a = gcn_adjacency(torch.tensor([[0, 1], [1, 0]]), 2)
    >>> propagate(a, torch.ones(2, 3, 4)).shape
    torch.Size([2, 3, 4])
    """
    n, s, f = h.shape
    rows, cols = adj.shape
    if cols == n:
        return spmm(adj, h.reshape(n, s * f)).view(rows, s, f)
    return spmm(adj, h.reshape(n * s, f)).view(rows // s, s, f)


def seed_union_adjacency(edge_indices: Sequence[torch.Tensor], num_nodes: int) -> torch.Tensor:
    """GCN propagation matrix of S different graphs, one per seed, as one disjoint union.

    Node ``i`` of seed ``s`` becomes ``i·S + s``, which is exactly the row order of an
    ``(N, S, F)`` tensor viewed as ``(N·S, F)``; the union has no edge between seeds.

    >>> e = torch.tensor([[0], [1]])
    >>> seed_union_adjacency([e, e], 2).shape
    torch.Size([4, 4])
    """
    s = len(edge_indices)
    union = torch.cat([e * s + k for k, e in enumerate(edge_indices)], dim=1)
    return gcn_adjacency(union, num_nodes * s)


class SeedMLP(nn.Module):
    """S copies of :class:`dpviz.gnn.models.MLP` trained together.

    >>> from dpviz.data import planetoid
    >>> m = SeedMLP(planetoid("citeseer").x_sparse, [3703, 16, 6], seeds=2)
    >>> sum(p.numel() for p in m.parameters()) // 2
    59366
    """

    def __init__(self, x: torch.Tensor, dims: list[int], seeds: int, dropout: float = 0.5,
                 dropout_after: tuple[int, ...] = (0,)) -> None:
        super().__init__()
        self.x_coo = x.coalesce() if x.is_sparse else x.to_sparse().coalesce()
        self.linears = nn.ModuleList(SeedLinear(seeds, a, b) for a, b in zip(dims[:-1], dims[1:]))
        self.dropout, self.dropout_after = dropout, dropout_after
        self._cached: tuple[torch.Tensor, SparseMatrix] | None = None

    def _rows(self, nodes: torch.Tensor) -> SparseMatrix:
        # An MLP treats nodes independently, so only the requested rows need computing
        # (120 of 3,327 for the train mask).  Cached for the tensor training passes every epoch.
        if self._cached is None or self._cached[0] is not nodes:
            self._cached = (nodes, SparseMatrix(self.x_coo.index_select(0, nodes)))
        return self._cached[1]

    def forward(self, nodes: torch.Tensor) -> torch.Tensor:
        h = self.linears[0](self._rows(nodes))
        for i, lin in enumerate(self.linears[1:]):
            h = torch.relu(h)
            if i in self.dropout_after:
                h = F.dropout(h, self.dropout, self.training)
            h = lin(h)
        return h


class SeedGCN(nn.Module):
    """S copies of :class:`dpviz.gnn.models.GCN`; ``adj`` shared or per seed.

    ``forward(nodes)`` computes only what those nodes' outputs depend on: a K-layer GCN's output
    at a node reads its K-hop neighbourhood and nothing else, so each layer is evaluated on the
    rows the next layer needs (for the 120 training nodes and three layers: 1,092 and 442 rows
    instead of 3,327).  The function and its gradient are the ones of the full computation;
    dropout draws one independent mask entry per computed activation, as before.

    >>> from dpviz.data import planetoid
    >>> m = SeedGCN.for_graph(planetoid("citeseer"), [3703, 256, 256, 6], seeds=1)
    >>> sum(p.numel() for p in m.parameters())
    1015558
    >>> [len(rows) for rows in m.receptive_field(planetoid("citeseer").train_mask.nonzero().view(-1))]
    [1653, 1092, 442, 120]
    """

    def __init__(self, x: torch.Tensor, adj: torch.Tensor, dims: list[int], seeds: int,
                 dropout: float = 0.5) -> None:
        super().__init__()
        self.x_coo = x.coalesce() if x.is_sparse else x.to_sparse().coalesce()
        self.adj = adj
        coo = adj.to_sparse_coo() if adj.layout == torch.sparse_csr else adj
        self._adj_coo = (coo if coo.is_sparse else coo.to_sparse()).coalesce()
        num_nodes = self.x_coo.shape[0]
        if self._adj_coo.shape[0] not in (num_nodes, num_nodes * seeds):
            raise ValueError(f"dpviz: the propagation matrix is {tuple(adj.shape)}; expected "
                             f"{num_nodes}² (shared) or ({num_nodes}·{seeds})² (one graph per seed)")
        self.convs = nn.ModuleList(
            SeedLinear(seeds, a, b, init="glorot") for a, b in zip(dims[:-1], dims[1:])
        )
        self.dropout = dropout
        self._cached: tuple[torch.Tensor, tuple[SparseMatrix, list[SparseMatrix], torch.Tensor]] | None = None

    @classmethod
    def for_graph(cls, data: object, dims: list[int], seeds: int,
                  edge_index: torch.Tensor | Sequence[torch.Tensor] | None = None) -> "SeedGCN":
        """Build for a :class:`~dpviz.data.PlanetoidData`; ``edge_index`` may replace the graph
        (one tensor shared by all seeds, or a list with one graph per seed).

        >>> from dpviz.data import planetoid
        >>> ds = planetoid("citeseer")
        >>> SeedGCN.for_graph(ds, [3703, 16, 6], 2, [ds.edge_index] * 2).adj.shape
        torch.Size([6654, 6654])
        """
        n = data.num_nodes  # type: ignore[attr-defined]
        graph = data.edge_index if edge_index is None else edge_index  # type: ignore[attr-defined]
        if isinstance(graph, torch.Tensor):
            adj = gcn_adjacency(graph, n)
        else:
            adj = seed_union_adjacency(list(graph), n)
        return cls(data.x_sparse, adj, dims, seeds)  # type: ignore[attr-defined]

    @property
    def _stride(self) -> int:
        # 1 for a shared Â; S when Â is the union of one graph per seed (row i·S + s).
        return self._adj_coo.shape[0] // self.x_coo.shape[0]

    def receptive_field(self, nodes: torch.Tensor) -> list[torch.Tensor]:
        """Sorted node ids each layer must produce, inputs first: ``[rows of X, …, nodes]``.

        Layer ``l`` needs its input on its output rows and on their in-neighbours (in any
        seed's graph, when graphs differ per seed).
        """
        n, stride = self.x_coo.shape[0], self._stride
        dst, src = self._adj_coo.indices() // stride
        need = torch.zeros(n, dtype=torch.bool, device=dst.device)
        need[nodes] = True
        fields = [need.nonzero().view(-1)]
        for _ in self.convs:
            wider = need.clone()
            wider[src[need[dst]]] = True
            need = wider
            fields.append(need.nonzero().view(-1))
        return fields[::-1]

    def _plan(self, nodes: torch.Tensor) -> tuple[SparseMatrix, list[SparseMatrix], torch.Tensor]:
        """X's needed rows, each layer's block of Â, and where ``nodes`` sit in the last block.

        Cached for the last ``nodes`` tensor (training passes the same one every epoch).
        """
        if self._cached is not None and self._cached[0] is nodes:
            return self._cached[1]
        n, stride = self.x_coo.shape[0], self._stride
        fields = self.receptive_field(nodes)
        (dst, src), values = self._adj_coo.indices(), self._adj_coo.values()
        blocks = []
        for inner, outer in zip(fields[:-1], fields[1:]):
            pos_in = torch.full((n,), -1, dtype=torch.long, device=dst.device)
            pos_in[inner] = torch.arange(len(inner), device=dst.device)
            pos_out = torch.full((n,), -1, dtype=torch.long, device=dst.device)
            pos_out[outer] = torch.arange(len(outer), device=dst.device)
            keep = pos_out[dst // stride] >= 0  # rows this layer computes; their columns ⊆ inner
            rows = pos_out[dst[keep] // stride] * stride + dst[keep] % stride
            cols = pos_in[src[keep] // stride] * stride + src[keep] % stride
            block = torch.sparse_coo_tensor(torch.stack([rows, cols]), values[keep],
                                            (len(outer) * stride, len(inner) * stride),
                                            check_invariants=True)
            blocks.append(SparseMatrix(block))
        last = torch.full((n,), -1, dtype=torch.long, device=dst.device)
        last[fields[-1]] = torch.arange(len(fields[-1]), device=dst.device)
        plan = (SparseMatrix(self.x_coo.index_select(0, fields[0])), blocks, last[nodes])
        self._cached = (nodes, plan)
        return plan

    def forward(self, nodes: torch.Tensor) -> torch.Tensor:
        x_rows, blocks, out_rows = self._plan(nodes)
        h = x_rows
        for i, (conv, block) in enumerate(zip(self.convs, blocks)):
            if i > 0:
                h = F.dropout(torch.relu(h), self.dropout, self.training)
            # Multiply by W first: propagating 16 (or 256) columns is cheaper than 3,703.
            h = propagate(block, conv.matmul(h)) + conv.bias
        return h[out_rows]


class SeedSelfAttention(nn.Module):
    """S copies of :class:`dpviz.gnn.models.SelfAttentionNet` with mask ``all``/``self``/``neighbours``.

    ``all`` uses fused dense attention (``scaled_dot_product_attention``) over every key but
    only for the requested queries; the masked kinds use :func:`pair_attention` over the allowed
    pairs.  Same function as ``nn.MultiheadAttention`` with the paper's boolean mask.

    >>> from dpviz.data import planetoid
    >>> m = SeedSelfAttention.for_graph(planetoid("citeseer"), "neighbours", seeds=1)
    >>> sum(p.numel() for p in m.parameters())
    503286
    """

    def __init__(self, x: torch.Tensor, pairs: torch.Tensor | None, seeds: int,
                 in_features: int, classes: int, embed: int = 120, heads: int = 6) -> None:
        super().__init__()
        self.x_coo = x.coalesce() if x.is_sparse else x.to_sparse().coalesce()
        self.x = SparseMatrix(self.x_coo)
        self.pairs = pairs
        self._cached: tuple[torch.Tensor, tuple[torch.Tensor, ...]] | None = None
        self.heads = heads
        self.pre = SeedLinear(seeds, in_features, embed)
        self.in_proj = SeedLinear(seeds, embed, 3 * embed, init="glorot")
        self.out_proj = SeedLinear(seeds, embed, embed, init="torch-zero-bias")
        self.post = SeedLinear(seeds, embed, classes)

    @classmethod
    def for_graph(cls, data: object, mask: str, seeds: int) -> "SeedSelfAttention":
        """Build for a :class:`~dpviz.data.PlanetoidData` and a mask kind.

        >>> from dpviz.data import planetoid
        >>> SeedSelfAttention.for_graph(planetoid("citeseer"), "all", 1).pairs is None
        True
        """
        n = data.num_nodes  # type: ignore[attr-defined]
        pairs = None if mask == "all" else attention_pairs(mask, data.edge_index, n)  # type: ignore[attr-defined]
        return cls(data.x_sparse, pairs, seeds, data.num_features, data.num_classes)  # type: ignore[attr-defined]

    def _plan(self, nodes: torch.Tensor) -> tuple[SparseMatrix, torch.Tensor, torch.Tensor, torch.Tensor]:
        """Rows of X needed, query positions among them, and the renumbered pairs.

        Only the requested queries and the keys they may attend to influence the output, so only
        those nodes' features are projected.  The plan is cached for the last ``nodes`` tensor
        (training passes the same one every epoch).
        """
        if self._cached is not None and self._cached[0] is nodes:
            return self._cached[1]
        assert self.pairs is not None
        n = self.x.shape[0]
        device = self.pairs.device
        is_query = torch.zeros(n, dtype=torch.bool, device=device)
        is_query[nodes] = True
        keep = is_query[self.pairs[0]]
        rows = torch.unique(torch.cat([nodes, self.pairs[1][keep]]))  # keys ⊇ queries
        position = torch.full((n,), -1, dtype=torch.long, device=device)
        position[rows] = torch.arange(len(rows), device=device)
        query_rows = position[nodes]
        query_pos = torch.full((n,), -1, dtype=torch.long, device=device)
        query_pos[nodes] = torch.arange(len(nodes), device=device)
        pairs = torch.stack([query_pos[self.pairs[0][keep]], position[self.pairs[1][keep]]])
        x_rows = self.x_coo.index_select(0, rows).coalesce()
        plan = (SparseMatrix(x_rows), query_rows, pairs, rows)
        self._cached = (nodes, plan)
        return plan

    def _project(self, query_h: torch.Tensor, h: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Queries of the rows ``query_h``, keys and values of the rows ``h``: each ``(rows, S, heads, d)``."""
        w, b = self.in_proj.weight, self.in_proj.bias
        e = w.shape[1]
        q = torch.einsum("nsi,sio->nso", query_h, w[:, :, :e]) + b[:, :e]
        kv = torch.einsum("nsi,sio->nso", h, w[:, :, e:]) + b[:, e:]

        def by_head(t: torch.Tensor) -> torch.Tensor:
            return t.reshape(t.shape[0], t.shape[1], self.heads, e // self.heads)

        return by_head(q), by_head(kv[..., :e]), by_head(kv[..., e:])

    def _attend(self, nodes: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None, torch.Tensor | None]:
        if self.pairs is None:
            h = F.dropout(self.pre(self.x), 0.8, self.training)  # (N, S, E): every node is a key
            query_h = h[nodes]
        else:
            x_rows, query_rows, pairs, _ = self._plan(nodes)
            h = F.dropout(self.pre(x_rows), 0.8, self.training)  # only the nodes that matter
            query_h = h[query_rows]
        q, k, v = self._project(query_h, h)
        shape = (len(nodes), h.shape[1], h.shape[2])
        if self.pairs is None:
            out = F.scaled_dot_product_attention(
                q.permute(1, 2, 0, 3), k.permute(1, 2, 0, 3), v.permute(1, 2, 0, 3)
            ).permute(2, 0, 1, 3)
            return out.reshape(shape), None, None
        out, weights = pair_attention(q, k, v, pairs, len(nodes))
        return out.reshape(shape), weights, pairs

    def forward(self, nodes: torch.Tensor) -> torch.Tensor:
        out = self.out_proj(self._attend(nodes)[0])
        return self.post(F.dropout(torch.relu(out), 0.2, self.training))

    def _dense_scores(self, nodes: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """All-node scores of a few queries, ``(Q, N, S, heads)``, and the embeddings they came from."""
        h = self.pre(self.x)
        q, k, _ = self._project(h[nodes], h)
        return torch.einsum("qshd,kshd->qksh", q, k) / math.sqrt(q.shape[-1]), h

    @torch.no_grad()
    def score_scale(self, nodes: torch.Tensor) -> ScoreScale:
        """How large the projections and the scores of the queries ``nodes`` are, per seed (eval mode).

        >>> from dpviz.data import planetoid
        >>> ds = planetoid("citeseer")
        >>> m = SeedSelfAttention.for_graph(ds, "neighbours", 2)
        >>> scale = m.score_scale(torch.arange(2312, 2412))
        >>> len(scale.spread), scale.spread[0] < 1e-3      # untrained: the scores barely differ
        (2, True)
        """
        was_training = self.training
        self.eval()
        if self.pairs is None:
            scores, h = self._dense_scores(nodes)
            spread = scores.std(dim=1).mean(dim=(0, 2))
        else:
            x_rows, query_rows, pairs, _ = self._plan(nodes)
            h = self.pre(x_rows)
            q, k, _ = self._project(h[query_rows], h)
            spread = score_spread(pair_scores(q, k, pairs), pairs[0], len(nodes))
        self.train(was_training)
        w = self.in_proj.weight
        e = w.shape[1]

        def rms(t: torch.Tensor, over: tuple[int, ...]) -> tuple[float, ...]:
            return tuple(t.pow(2).mean(dim=over).sqrt().tolist())

        return ScoreScale(query=rms(w[:, :, :e], (1, 2)), key=rms(w[:, :, e:2 * e], (1, 2)),
                          value=rms(w[:, :, 2 * e:], (1, 2)), embedding=rms(h, (0, 2)),
                          spread=tuple(spread.tolist()))

    @torch.no_grad()
    def attention_weights(self, nodes: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Head-averaged weights of every allowed pair whose query is in ``nodes`` (eval mode).

        Returns ``(pairs, weights)``: ``pairs[0]`` indexes ``nodes``, ``pairs[1]`` is the key
        node id, ``weights`` is ``(P, S)``.

        >>> from dpviz.data import planetoid
        >>> m = SeedSelfAttention.for_graph(planetoid("citeseer"), "self", 1)
        >>> p, w = m.attention_weights(torch.arange(5))
        >>> w.shape
        torch.Size([5, 1])
        """
        was_training = self.training
        self.eval()
        if self.pairs is None:
            weights = self._dense_scores(nodes)[0].softmax(dim=1).mean(-1)
            self.train(was_training)
            n = weights.shape[1]
            q = torch.arange(len(nodes), device=weights.device).repeat_interleave(n)
            k = torch.arange(n, device=weights.device).repeat(len(nodes))
            return torch.stack([q, k]), weights.reshape(len(nodes) * n, -1)
        _, weights, pairs = self._attend(nodes)
        self.train(was_training)
        assert weights is not None and pairs is not None
        rows = self._plan(nodes)[3]
        return torch.stack([pairs[0], rows[pairs[1]]]), weights.mean(-1)
