"""Exceptions raised by :mod:`dpviz.data`.

Every problem with a dataset (unknown name, files missing while offline, a file whose
checksum does not match) raises a subclass of :class:`DpvizDataError`, so a caller can
catch one class; each subclass also derives from the matching built-in error
(``FileNotFoundError``/``OSError`` or ``ValueError``) so generic handlers keep working.

>>> from dpviz.data import DpvizDataError, planetoid
>>> try:
...     planetoid("pubmed-typo")
... except DpvizDataError as e:
...     print(type(e).__name__, isinstance(e, ValueError))
UnknownDatasetError True
"""
from __future__ import annotations

from dpviz.errors import DpvizError as _Base


class DpvizDataError(_Base):
    """Base class of every dataset error.

    >>> isinstance(DpvizDataError("x"), Exception)
    True
    """


class UnknownDatasetError(DpvizDataError, ValueError):
    """The dataset name is not one whose files (and checksums) dpviz knows.

    >>> from dpviz.data import planetoid
    >>> try:
    ...     planetoid("pubmed-typo")
    ... except UnknownDatasetError as e:
    ...     print("known:", "citeseer" in str(e))
    known: True
    """


class DataUnavailableError(DpvizDataError, FileNotFoundError):
    """The raw files are not on disk and could not be downloaded.

    >>> import os, tempfile
    >>> from unittest import mock
    >>> from dpviz.data import locate_raw_files
    >>> empty = {"DPVIZ_DATA": tempfile.mkdtemp(), "DPVIZ_CACHE": tempfile.mkdtemp()}
    >>> with mock.patch.dict(os.environ, empty):
    ...     try:
    ...         locate_raw_files("cora", download=False)
    ...     except FileNotFoundError as e:     # an OSError handler catches it too
    ...         print(type(e).__name__, "-", str(e).split(".")[0])
    DataUnavailableError - the cora raw files are not on disk
    """


class ChecksumMismatchError(DpvizDataError, ValueError):
    """A raw file's SHA-256 differs from the one kept in the project (truncated or altered).

    >>> import pathlib, tempfile
    >>> from dpviz.data.fetch import verify_file
    >>> junk = pathlib.Path(tempfile.mkdtemp()) / "ind.cora.x"; _ = junk.write_bytes(b"not the data")
    >>> verify_file(junk, "0" * 64)                       # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    dpviz.data.errors.ChecksumMismatchError: ...ind.cora.x: SHA-256 ... does not match the expected 0000000000000000...; ...
    """
