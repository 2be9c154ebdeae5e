"""Every error dpviz raises on purpose.

Each class also derives from the built-in exception a Python user would expect
(``ValueError`` for bad shapes, ``TypeError`` for bad types, ...), so code that
already catches those keeps working, while ``except dp.DpvizError`` catches all.

>>> import dpviz as dp
>>> try:
...     dp.tensor([1.0, 2.0]) @ dp.tensor([1.0, 2.0, 3.0])
... except dp.ShapeError as e:
...     print(type(e).__name__)
ShapeError
"""
from __future__ import annotations


class DpvizError(Exception):
    """Base class of every error that dpviz raises to explain bad input.

    >>> issubclass(ShapeError, DpvizError)
    True
    """


class ShapeError(DpvizError, ValueError):
    """Operand shapes do not fit the operation (broadcasting, matmul, reshape, indexing).

    >>> issubclass(ShapeError, ValueError)
    True
    """


class DTypeError(DpvizError, TypeError):
    """Data of a kind the operation cannot differentiate (integers, bools, complex, objects).

    >>> issubclass(DTypeError, TypeError)
    True
    """


class UnsupportedTypeError(DpvizError, TypeError):
    """A Python object that is not a tensor, an array or a number was given to an op.

    >>> issubclass(UnsupportedTypeError, TypeError)
    True
    """


class BackwardError(DpvizError, RuntimeError):
    """A backward pass cannot run as asked (non-scalar output, freed graph, no graph).

    >>> issubclass(BackwardError, RuntimeError)
    True
    """


class InplaceError(DpvizError, RuntimeError):
    """An in-place change broke a value that the backward pass still needs.

    >>> issubclass(InplaceError, RuntimeError)
    True
    """


class AnomalyError(DpvizError, FloatingPointError):
    """Under ``dp.detect_anomaly()``, a node produced NaN or infinity.

    >>> issubclass(AnomalyError, FloatingPointError)
    True
    """


class ReplayError(DpvizError, ValueError):
    """A Program was replayed with inputs that do not match the traced ones.

    >>> issubclass(ReplayError, ValueError)
    True
    """
