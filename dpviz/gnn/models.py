"""The paper's models in plain PyTorch, one seed at a time (the readable reference versions).

Section 5 of the paper compares: MLPs that ignore the links, GCNs that use them, and
self-attention over all nodes with three masks.  Each model here is a few lines; the
seed-batched versions in :mod:`dpviz.gnn.batched` compute exactly the same function and are what
the experiment runner trains.

>>> from dpviz.gnn.models import mlp2, gcn2, SelfAttentionNet, count_parameters
>>> count_parameters(mlp2()), count_parameters(gcn2()), count_parameters(SelfAttentionNet())
(59366, 59366, 503286)
"""
from __future__ import annotations

import torch
from torch import nn

from dpviz.gnn.layers import GCNConv
from dpviz.gnn.sparse import spmm

CITESEER_FEATURES = 3703
CITESEER_CLASSES = 6


def count_parameters(model: nn.Module) -> int:
    """Number of trainable scalars.

    >>> count_parameters(nn.Linear(3, 2))
    8
    """
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


class MLP(nn.Module):
    """Per-node MLP: ``Linear → ReLU → [Dropout] → ... → Linear``; the graph is ignored.

    ``dropout_after`` lists the hidden layers followed by dropout (the paper's MLP3 has dropout
    only after its first layer).

    >>> m = MLP([3703, 512, 256, 6], dropout_after=(0,))
    >>> count_parameters(m)
    2029318
    """

    def __init__(self, dims: list[int], dropout: float = 0.5,
                 dropout_after: tuple[int, ...] = (0,)) -> None:
        super().__init__()
        self.linears = nn.ModuleList(nn.Linear(a, b) for a, b in zip(dims[:-1], dims[1:]))
        self.dropout = dropout
        self.dropout_after = dropout_after

    def forward(self, x: torch.Tensor, adj: torch.Tensor | None = None) -> torch.Tensor:
        first = self.linears[0]
        h = spmm(x, first.weight.t()) + first.bias  # x may be sparse
        for i, lin in enumerate(self.linears[1:]):
            h = torch.relu(h)
            if i in self.dropout_after:
                h = nn.functional.dropout(h, self.dropout, self.training)
            h = lin(h)
        return h


class GCN(nn.Module):
    """Stacked :class:`GCNConv` with ReLU and Dropout(0.5) between layers.

    >>> count_parameters(GCN([3703, 256, 256, 6]))
    1015558
    """

    def __init__(self, dims: list[int], dropout: float = 0.5) -> None:
        super().__init__()
        self.convs = nn.ModuleList(GCNConv(a, b) for a, b in zip(dims[:-1], dims[1:]))
        self.dropout = dropout

    def forward(self, x: torch.Tensor, adj: torch.Tensor) -> torch.Tensor:
        h = self.convs[0](x, adj)
        for conv in self.convs[1:]:
            h = nn.functional.dropout(torch.relu(h), self.dropout, self.training)
            h = conv(h, adj)
        return h


def mlp2(hidden: int = 16) -> MLP:
    """MLP2: ``Linear(3703,16) → ReLU → Dropout(0.5) → Linear(16,6)``.

    >>> count_parameters(mlp2())
    59366
    """
    return MLP([CITESEER_FEATURES, hidden, CITESEER_CLASSES])


def mlp3() -> MLP:
    """MLP3: 512/256 hidden, dropout after the first layer only.

    >>> count_parameters(mlp3())
    2029318
    """
    return MLP([CITESEER_FEATURES, 512, 256, CITESEER_CLASSES], dropout_after=(0,))


def gcn2(hidden: int = 16) -> GCN:
    """GCN2: ``GCNConv(3703,16) → ReLU → Dropout(0.5) → GCNConv(16,6)``.

    >>> count_parameters(gcn2())
    59366
    """
    return GCN([CITESEER_FEATURES, hidden, CITESEER_CLASSES])


def gcn3(hidden: int = 256) -> GCN:
    """GCN3: three convolutions, ``hidden`` wide (256 → 1,015,558 parameters; 16 → 59,638).

    >>> count_parameters(gcn3(16))
    59638
    """
    return GCN([CITESEER_FEATURES, hidden, hidden, CITESEER_CLASSES])


class SelfAttentionNet(nn.Module):
    """Self-attention over all nodes as one sequence, as in the paper's code.

    ``Linear(3703,120) → Dropout(0.8) → MultiheadAttention(120, 6 heads) → ReLU → Dropout(0.2)
    → Linear(120,6)``; no residual, no LayerNorm, no positional encoding.  ``attn_mask`` is
    boolean, ``True`` = blocked (see :func:`dpviz.gnn.attention.dense_attention_mask`).

    >>> net = SelfAttentionNet()
    >>> count_parameters(net)
    503286
    """

    def __init__(self, in_features: int = CITESEER_FEATURES, embed: int = 120, heads: int = 6,
                 classes: int = CITESEER_CLASSES) -> None:
        super().__init__()
        self.pre = nn.Linear(in_features, embed)
        self.attn = nn.MultiheadAttention(embed, heads)
        self.post = nn.Linear(embed, classes)

    def forward(self, x: torch.Tensor, attn_mask: torch.Tensor | None = None,
                need_weights: bool = False) -> torch.Tensor:
        h = spmm(x, self.pre.weight.t()) + self.pre.bias
        h = nn.functional.dropout(h, 0.8, self.training).unsqueeze(1)  # (nodes, batch 1, embed)
        h, self.last_weights = self.attn(h, h, h, attn_mask=attn_mask, need_weights=need_weights)
        h = nn.functional.dropout(torch.relu(h.squeeze(1)), 0.2, self.training)
        return self.post(h)
