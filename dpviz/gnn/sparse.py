"""Small sparse-tensor helpers shared by the GCN layer and the seed-batched models.

>>> import torch
>>> from dpviz.gnn.sparse import to_csr, spmm
>>> a = to_csr(torch.eye(3).to_sparse())
>>> spmm(a, torch.ones(3, 2)).tolist()
[[1.0, 1.0], [1.0, 1.0], [1.0, 1.0]]
"""
from __future__ import annotations

import warnings
import weakref
from typing import Any

import torch


def to_csr(t: torch.Tensor) -> torch.Tensor:
    """Convert a sparse COO (or dense) matrix to CSR.

    CSR products are about twice as fast as COO on a CPU here.  torch warns once that CSR is
    "beta"; the operations used here (CSR @ dense, with the gradient for the dense side) are
    stable, so the warning is silenced rather than shown to every learner.

    >>> to_csr(torch.eye(2)).layout
    torch.sparse_csr
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Sparse CSR tensor support is in beta")
        return t.to_sparse_csr()


class _ConstantSparseMM(torch.autograd.Function):
    """``A @ B`` for a constant sparse ``A`` whose transpose is already known.

    torch's own backward for ``csr @ dense`` rebuilds ``Aᵀ`` in CSR form on every call (a sort
    of all non-zeros); a training loop multiplies by the same matrix hundreds of times, so the
    transpose is built once and reused.
    """

    @staticmethod
    def forward(ctx: Any, a: torch.Tensor, a_t: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        ctx.a_t = a_t
        return a @ b

    @staticmethod
    def backward(ctx: Any, grad: torch.Tensor) -> tuple[None, None, torch.Tensor | None]:
        return None, None, (ctx.a_t @ grad) if ctx.needs_input_grad[2] else None


class SparseMatrix:
    """A constant sparse matrix (features, a propagation matrix) kept with its transpose.

    ``m @ b`` is differentiable in ``b`` only — which is all a model needs of its inputs.

    >>> m = SparseMatrix(torch.tensor([[0.0, 2.0], [0.0, 0.0], [1.0, 0.0]]))
    >>> b = torch.ones(2, 1, requires_grad=True)
    >>> (m @ b).sum().backward()
    >>> m.shape, b.grad.view(-1).tolist()
    (torch.Size([3, 2]), [1.0, 2.0])
    """

    def __init__(self, matrix: torch.Tensor) -> None:
        if matrix.layout == torch.sparse_csr:
            matrix = matrix.to_sparse_coo()
        coo = (matrix if matrix.is_sparse else matrix.to_sparse()).coalesce()
        self.coo = coo
        self.csr = to_csr(coo)
        self.csr_t = to_csr(coo.t().coalesce())
        self.shape = coo.shape

    def __matmul__(self, b: torch.Tensor) -> torch.Tensor:
        return _ConstantSparseMM.apply(self.csr, self.csr_t, b)

    def nnz(self) -> int:
        """Stored entries.

        >>> SparseMatrix(torch.eye(3)).nnz()
        3
        """
        return int(self.coo._nnz())


#: Sparse constants already wrapped, by ``id``, so a training loop that passes the same features
#: or Â every step builds the transpose once.  Each entry is dropped when its tensor dies (a
#: ``WeakKeyDictionary`` cannot be used: it compares sparse tensors with ``==``).
_WRAPPED: dict[int, tuple["weakref.ref[torch.Tensor]", SparseMatrix]] = {}


def _constant(a: torch.Tensor) -> SparseMatrix:
    entry = _WRAPPED.get(id(a))
    if entry is not None and entry[0]() is a:
        return entry[1]
    wrapped = SparseMatrix(a)
    _WRAPPED[id(a)] = (weakref.ref(a), wrapped)
    weakref.finalize(a, _WRAPPED.pop, id(a), None)
    return wrapped


def spmm(a: torch.Tensor | SparseMatrix, b: torch.Tensor) -> torch.Tensor:
    """``a @ b`` where ``a`` may be sparse (COO, CSR or :class:`SparseMatrix`) or dense.

    A sparse ``a`` that needs no gradient (input features, a propagation matrix) is treated as
    a constant: its transpose, needed by every backward pass, is computed once and remembered
    for as long as ``a`` lives.

    >>> spmm(torch.eye(2).to_sparse(), torch.tensor([[1.0], [2.0]])).tolist()
    [[1.0], [2.0]]
    """
    if isinstance(a, SparseMatrix):
        return a @ b
    if a.layout != torch.strided and not a.requires_grad:
        return _constant(a) @ b
    if a.layout == torch.sparse_coo:
        return torch.sparse.mm(a, b)
    return a @ b
