"""Graph perturbations of section 5.2: random links and removed links.

>>> import torch
>>> from dpviz.gnn.perturb import random_edges, remove_edges_stride, remove_edges_random
>>> g = torch.Generator().manual_seed(0)
>>> random_edges(3327, 9104, generator=g).shape
torch.Size([2, 9104])
"""
from __future__ import annotations

import torch

#: Fraction removed → (stride k, keep positions where ``i % k == 0``?) in the paper's code.
#: 66/75/80 % keep the multiples of k = 3/4/5; 20/25/33/50 % keep the non-multiples of 5/4/3/2.
STRIDE_RULES: dict[float, tuple[int, bool]] = {
    0.20: (5, False), 0.25: (4, False), 0.33: (3, False), 0.50: (2, False),
    0.66: (3, True), 0.75: (4, True), 0.80: (5, True),
}


def random_edges(num_nodes: int, num_edges: int, *, generator: torch.Generator | None = None,
                 device: str | torch.device = "cpu") -> torch.Tensor:
    """``num_edges`` directed pairs drawn uniformly (self-loops and duplicates possible).

    >>> random_edges(10, 5, generator=torch.Generator().manual_seed(1)).max() < 10
    tensor(True)
    """
    return torch.randint(0, num_nodes, (2, num_edges), generator=generator).to(device)


def remove_edges_stride(edge_index: torch.Tensor, fraction: float) -> torch.Tensor:
    """The paper's removal: keep positions of the sorted edge list by a stride.

    Kept positions are ``[1] + [i for i in range(2, E) if (i % k == 0) == keep_multiples]``.
    The kept graph is mostly directed: an edge and its reverse sit at unrelated positions.

    >>> e = torch.arange(20).view(2, 10)
    >>> remove_edges_stride(e, 0.5)[0].tolist()
    [1, 3, 5, 7, 9]
    """
    key = round(fraction, 2)
    if key not in STRIDE_RULES:
        raise ValueError(f"the paper's stride rule covers {sorted(STRIDE_RULES)}; got {fraction}")
    k, keep_multiples = STRIDE_RULES[key]
    positions = torch.arange(edge_index.shape[1], device=edge_index.device)
    keep = (positions % k == 0) == keep_multiples
    keep[0] = False  # the paper's list starts at [1] and then scans from 2
    keep[1] = True
    return edge_index[:, keep]


def remove_edges_random(edge_index: torch.Tensor, fraction: float, *,
                        generator: torch.Generator | None = None) -> torch.Tensor:
    """Remove a random ``fraction`` of undirected links, keeping the graph symmetric.

    >>> e = torch.tensor([[0, 1, 1, 2], [1, 0, 2, 1]])
    >>> remove_edges_random(e, 0.5, generator=torch.Generator().manual_seed(0)).shape
    torch.Size([2, 2])
    """
    src, dst = edge_index
    upper = edge_index[:, src < dst]  # each undirected link once
    links = upper.shape[1]
    keep = round((1.0 - fraction) * links)
    order = torch.randperm(links, generator=generator).to(edge_index.device)[:keep]
    kept = upper[:, order]
    return torch.cat([kept, kept.flip(0)], dim=1)
