"""The graph convolution of Kipf & Welling, written from scratch.

``GCNConv`` computes ``D^-1/2 (A + I) D^-1/2 X W + b`` as PyG's layer of the same name does with
its defaults: self-loops added (an existing self-loop is replaced by one of weight 1), degrees
counted on the target side, messages flowing from source to target, a Glorot-initialised weight
without bias and a separate zero-initialised bias added after propagation.

>>> import torch
>>> from dpviz.gnn.layers import GCNConv, gcn_adjacency
>>> edges = torch.tensor([[0, 1], [1, 0]])
>>> adj = gcn_adjacency(edges, 3)
>>> conv = GCNConv(4, 2)
>>> conv(torch.ones(3, 4), adj).shape
torch.Size([3, 2])
"""
from __future__ import annotations

import math

import torch
from torch import nn

from dpviz.gnn.sparse import spmm, to_csr


def gcn_adjacency(edge_index: torch.Tensor, num_nodes: int, *, csr: bool = True) -> torch.Tensor:
    """The normalised propagation matrix ``Â = D^-1/2 (A + I) D^-1/2`` as a sparse matrix.

    ``Â[i, j]`` weighs the message from node ``j`` (source) to node ``i`` (target), so
    ``Â @ H`` aggregates each node's in-neighbours and itself.  Duplicate edges count twice
    (as in PyG); the result is summed into one entry.

    >>> a = gcn_adjacency(torch.tensor([[0, 1], [1, 0]]), 2, csr=False).to_dense()
    >>> torch.allclose(a, torch.full((2, 2), 0.5))
    True
    """
    src, dst = edge_index[0], edge_index[1]
    keep = src != dst  # existing self-loops are replaced by exactly one per node below
    loops = torch.arange(num_nodes, device=edge_index.device)
    src = torch.cat([src[keep], loops])
    dst = torch.cat([dst[keep], loops])
    deg = torch.bincount(dst, minlength=num_nodes).to(torch.float32)
    inv_sqrt = deg.pow(-0.5)  # every node has its self-loop, so deg >= 1
    values = inv_sqrt[src] * inv_sqrt[dst]
    adj = torch.sparse_coo_tensor(torch.stack([dst, src]), values, (num_nodes, num_nodes),
                                  check_invariants=True)
    adj = adj.coalesce()
    return to_csr(adj) if csr else adj


def glorot_(tensor: torch.Tensor) -> torch.Tensor:
    """Glorot/Xavier uniform init over the last two dimensions (PyG's ``glorot``).

    A leading seed dimension is allowed: each slice gets the bound of one ``(in, out)`` matrix.

    >>> w = glorot_(torch.empty(3, 100, 20))
    >>> float(w.abs().max()) <= (6 / 120) ** 0.5
    True
    """
    fan_in, fan_out = tensor.shape[-2], tensor.shape[-1]
    bound = math.sqrt(6.0 / (fan_in + fan_out))
    with torch.no_grad():
        return tensor.uniform_(-bound, bound)


class GCNConv(nn.Module):
    """One graph convolution: linear map, normalised propagation, then bias.

    ``weight`` is ``(in_features, out_features)``; ``x`` may be dense or sparse.

    >>> conv = GCNConv(3703, 16)
    >>> sum(p.numel() for p in conv.parameters())
    59264
    """

    def __init__(self, in_features: int, out_features: int) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.empty(in_features, out_features))
        self.bias = nn.Parameter(torch.zeros(out_features))
        glorot_(self.weight)

    def forward(self, x: torch.Tensor, adj: torch.Tensor) -> torch.Tensor:
        # Multiply by W first: propagating 16 columns is far cheaper than propagating 3,703.
        return spmm(adj, spmm(x, self.weight)) + self.bias
