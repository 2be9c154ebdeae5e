"""Read a Planetoid dataset (CiteSeer, Cora) from its original raw files into torch tensors.

The raw format (Yang et al., 2016) is eight files ``ind.<name>.<part>``: pickled scipy sparse
feature matrices ``x`` (labelled training rows), ``allx`` (all non-test rows) and ``tx`` (test
rows), one-hot label arrays ``y``/``ally``/``ty``, a dict-of-lists ``graph`` and the text file
``test.index``.  Node order and masks follow the public split used by the paper's runs (PyG's
``Planetoid``): train = the ``len(y)`` first nodes, val = the next 500, test = ``test.index``.

>>> from dpviz.data import planetoid
>>> ds = planetoid("citeseer")
>>> ds.num_nodes, ds.num_features, ds.num_classes, ds.edge_index.shape[1]
(3327, 3703, 6, 9104)
"""
from __future__ import annotations

import io
import os
import pickle
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import scipy.sparse as sp
import torch

from dpviz.data.fetch import check_name, locate_raw_files
from dpviz.data.errors import DpvizDataError


class _RawUnpickler(pickle.Unpickler):
    """Unpickle only what Planetoid files contain (numpy arrays, scipy sparse, dicts, lists).

    The files are verified by checksum before this runs; the whitelist is a second line of
    defence, and the module remapping reads the Python 2 pickles without the deprecation
    warnings that old scipy/numpy module paths (``scipy.sparse.csr``, ``numpy.core``) raise.
    """

    def find_class(self, module: str, name: str) -> object:
        if module.startswith("scipy.sparse"):
            return getattr(sp, name)
        if module.startswith("numpy.core") or module.startswith("numpy._core"):
            if name in ("_reconstruct", "scalar"):
                from numpy._core import multiarray  # type: ignore[attr-defined]

                return getattr(multiarray, name)
            return getattr(np, name)
        if module == "numpy" and name in ("ndarray", "dtype"):
            return getattr(np, name)
        if module in ("collections", "__builtin__", "builtins", "copy_reg", "copyreg"):
            import builtins, collections, copyreg

            for mod in (collections, builtins, copyreg):
                if hasattr(mod, name):
                    return getattr(mod, name)
        raise DpvizDataError(f"unexpected object {module}.{name} in a Planetoid file")


def _read_pickle(path: Path) -> object:
    with open(path, "rb") as handle:
        return _RawUnpickler(io.BytesIO(handle.read()), encoding="latin1").load()


@dataclass
class PlanetoidData:
    """One Planetoid graph: features, labels, edges and the public split.

    Attributes are torch tensors on the CPU; :meth:`to` moves them to a device.

    >>> ds = planetoid("citeseer")
    >>> int(ds.train_mask.sum()), int(ds.val_mask.sum()), int(ds.test_mask.sum())
    (120, 500, 1000)
    """

    name: str
    x: torch.Tensor  #: node features, (num_nodes, num_features), float32 (dense)
    y: torch.Tensor  #: labels, (num_nodes,), int64
    edge_index: torch.Tensor  #: (2, num_edges) int64, symmetric, sorted, no self-loops
    train_mask: torch.Tensor
    val_mask: torch.Tensor
    test_mask: torch.Tensor
    num_classes: int
    isolated_test_fill: int = 0  #: test indices missing from ``tx`` (zero-filled rows)
    folder: str = ""
    _x_sparse: torch.Tensor | None = field(default=None, repr=False)

    @property
    def num_nodes(self) -> int:
        """Number of nodes.

        >>> planetoid("cora").num_nodes
        2708
        """
        return int(self.y.shape[0])

    @property
    def num_features(self) -> int:
        """Feature dimension.

        >>> planetoid("cora").num_features
        1433
        """
        return int(self.x.shape[1])

    @property
    def device(self) -> torch.device:
        """Where the tensors live.

        >>> planetoid("cora").device.type
        'cpu'
        """
        return self.x.device

    @property
    def x_sparse(self) -> torch.Tensor:
        """The features as a coalesced sparse COO tensor (CiteSeer's are ~99 % zeros).

        A sparse product ``x @ W`` skips the zeros, which is what makes 200 epochs take seconds
        instead of a minute on a CPU.

        >>> ds = planetoid("citeseer")
        >>> ds.x_sparse.is_sparse, ds.x_sparse._nnz() < ds.x.numel() // 20
        (True, True)
        """
        if self._x_sparse is None or self._x_sparse.device != self.x.device:
            self._x_sparse = self.x.to_sparse().coalesce()
        return self._x_sparse

    def first_nodes(self, n: int) -> torch.Tensor:
        """Mask of the nodes with index < ``n`` (the paper's "first N nodes" training sets).

        >>> int(planetoid("citeseer").first_nodes(500).sum())
        500
        """
        mask = torch.zeros(self.num_nodes, dtype=torch.bool, device=self.device)
        mask[: min(n, self.num_nodes)] = True
        return mask

    def to(self, device: str | torch.device) -> "PlanetoidData":
        """A copy with every tensor on ``device``.

        >>> planetoid("cora").to("cpu").x.device.type
        'cpu'
        """
        moved = {k: getattr(self, k).to(device) for k in
                 ("x", "y", "edge_index", "train_mask", "val_mask", "test_mask")}
        return PlanetoidData(self.name, **moved, num_classes=self.num_classes,
                             isolated_test_fill=self.isolated_test_fill, folder=self.folder)


def read_planetoid_folder(folder: Path, name: str, *, normalize: bool = True) -> PlanetoidData:
    """Build :class:`PlanetoidData` from verified raw files in ``folder``.

    >>> from dpviz.data.fetch import check_name, locate_raw_files
    >>> read_planetoid_folder(locate_raw_files("cora"), "cora").num_classes
    7
    """
    def part(suffix: str) -> object:
        return _read_pickle(folder / f"ind.{name}.{suffix}")

    x, tx, allx = (sp.csr_matrix(part(s), dtype=np.float32) for s in ("x", "tx", "allx"))
    y, ty, ally = (np.asarray(part(s)) for s in ("y", "ty", "ally"))
    graph = part("graph")
    test_index = np.loadtxt(folder / f"ind.{name}.test.index", dtype=np.int64).reshape(-1)
    sorted_test = np.sort(test_index)

    # CiteSeer's test.index skips 15 ids (isolated nodes without features in the release).  The
    # rows of tx/ty are in sorted-id order, so the full id range gets zero rows where ids are
    # missing; those nodes keep all-zero features and label 0, exactly as the paper's PyG data.
    span = int(sorted_test[-1] - sorted_test[0]) + 1
    missing = span - len(sorted_test)
    if missing:
        rows = sorted_test - sorted_test[0]
        tx_full = sp.lil_matrix((span, tx.shape[1]), dtype=np.float32)
        tx_full[rows] = tx
        tx = tx_full.tocsr()
        ty_full = np.zeros((span, ty.shape[1]), dtype=ty.dtype)
        ty_full[rows] = ty
        ty = ty_full

    features = sp.vstack([allx, tx]).tocsr()
    labels = np.vstack([ally, ty]).argmax(axis=1)
    # tx/ty rows are sorted by node id; put each row at the node id test.index assigns to it.
    perm = np.arange(features.shape[0])
    perm[test_index] = sorted_test
    features = features[perm]
    labels = labels[perm]
    n = features.shape[0]

    x_dense = torch.from_numpy(np.asarray(features.todense(), dtype=np.float32))
    if normalize:
        # Row-normalise as PyG's NormalizeFeatures (the paper's transform): divide each row by
        # its sum; all-zero rows stay zero instead of becoming NaN.
        x_dense = x_dense / x_dense.sum(dim=-1, keepdim=True).clamp(min=1)

    edge_index = _edges_from_dict(graph, n)
    num_train = int(y.shape[0])
    train_mask = torch.zeros(n, dtype=torch.bool)
    train_mask[:num_train] = True
    val_mask = torch.zeros(n, dtype=torch.bool)
    val_mask[num_train:num_train + 500] = True
    test_mask = torch.zeros(n, dtype=torch.bool)
    test_mask[torch.from_numpy(test_index)] = True
    return PlanetoidData(
        name=name, x=x_dense, y=torch.from_numpy(labels.astype(np.int64)), edge_index=edge_index,
        train_mask=train_mask, val_mask=val_mask, test_mask=test_mask,
        num_classes=int(y.shape[1]), isolated_test_fill=missing, folder=str(folder),
    )


def _edges_from_dict(graph: dict[int, list[int]], num_nodes: int) -> torch.Tensor:
    """Symmetric, de-duplicated, row-major sorted edge list without self-loops."""
    src = np.fromiter((k for k, vs in graph.items() for _ in vs), dtype=np.int64)
    dst = np.fromiter((v for vs in graph.values() for v in vs), dtype=np.int64)
    keep = (src != dst) & (src < num_nodes) & (dst < num_nodes)
    src, dst = src[keep], dst[keep]
    # The release lists some links in one direction only; a citation is a link either way.
    both = np.concatenate([src * num_nodes + dst, dst * num_nodes + src])
    keys = np.unique(both)
    return torch.from_numpy(np.stack([keys // num_nodes, keys % num_nodes]))


def planetoid(
    name: str,
    root: str | os.PathLike[str] | None = None,
    *,
    normalize: bool = True,
    download: bool = True,
    base_url: str | None = None,
) -> PlanetoidData:
    """Load Planetoid dataset ``name`` (``"citeseer"`` or ``"cora"``).

    Files come from ``root``, ``$DPVIZ_DATA`` or the cache, else are downloaded and verified
    (see :mod:`dpviz.data.fetch`).  ``normalize`` row-normalises the features as the paper did.

    >>> ds = planetoid("CiteSeer")
    >>> ds.x.shape, ds.isolated_test_fill
    (torch.Size([3327, 3703]), 15)
    """
    key = check_name(name)
    folder = locate_raw_files(key, root, download=download, base_url=base_url)
    return read_planetoid_folder(folder, key, normalize=normalize)
