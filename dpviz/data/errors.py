"""Exceptions raised by :mod:`dpviz.data`.

Every problem with a dataset (unknown name, files missing while offline, a file whose
checksum does not match) raises a subclass of :class:`DpvizDataError`, so a caller can
catch one class; each subclass also derives from the matching built-in error
(``FileNotFoundError``/``OSError`` or ``ValueError``) so generic handlers keep working.

>>> from dpviz.data import DpvizDataError, ChecksumMismatchError
>>> issubclass(ChecksumMismatchError, DpvizDataError) and issubclass(ChecksumMismatchError, ValueError)
True
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

    >>> issubclass(DataUnavailableError, OSError)
    True
    """


class ChecksumMismatchError(DpvizDataError, ValueError):
    """A raw file's SHA-256 differs from the one kept in the project (truncated or altered).

    >>> issubclass(ChecksumMismatchError, ValueError)
    True
    """
