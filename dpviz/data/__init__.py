"""Datasets for the scale-up notebooks: the Planetoid citation graphs (CiteSeer, Cora).

>>> from dpviz.data import planetoid
>>> ds = planetoid("citeseer")
>>> ds.num_nodes, ds.num_classes
(3327, 6)
"""
from dpviz.data.errors import (
    ChecksumMismatchError,
    DataUnavailableError,
    DpvizDataError,
    UnknownDatasetError,
)
from dpviz.data.fetch import DEFAULT_BASE_URL, known_datasets, locate_raw_files, planetoid_status
from dpviz.data.loader import PlanetoidData, planetoid

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
