"""Datasets for the scale-up notebooks: the Planetoid citation graphs (CiteSeer, Cora).

>>> from dpviz.data import planetoid
>>> ds = planetoid("citeseer")
>>> ds.num_nodes, ds.num_classes
(3327, 6)
"""
from dpviz.extras import require_extra

require_extra("torch", "dpviz.data")    # the loader builds torch tensors from SciPy matrices

from dpviz.data.errors import (  # noqa: E402
    ChecksumMismatchError,
    DataUnavailableError,
    DpvizDataError,
    UnknownDatasetError,
)
from dpviz.data.fetch import DEFAULT_BASE_URL, known_datasets, locate_raw_files, planetoid_status  # noqa: E402
from dpviz.data.loader import PlanetoidData, planetoid  # noqa: E402

__all__ = [
    "ChecksumMismatchError",
    "DEFAULT_BASE_URL",
    "DataUnavailableError",
    "DpvizDataError",
    "PlanetoidData",
    "UnknownDatasetError",
    "known_datasets",
    "locate_raw_files",
    "planetoid",
    "planetoid_status",
]
