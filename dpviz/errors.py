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

    >>> import dpviz as dp
    >>> try:
    ...     dp.tensor("three")
    ... except dp.DpvizError as e:
    ...     print(type(e).__name__, isinstance(e, TypeError))
    DTypeError True
    """


class ShapeError(DpvizError, ValueError):
    """Operand shapes do not fit the operation (broadcasting, matmul, reshape, indexing).

    >>> import dpviz as dp
    >>> dp.tensor([1.0, 2.0]).reshape(3)
    Traceback (most recent call last):
    ...
    dpviz.errors.ShapeError: 'reshape' cannot turn shape (2,) (2 elements) into (3,)
    """


class DTypeError(DpvizError, TypeError):
    """Data of a kind the operation cannot differentiate (integers, bools, complex, objects).

    >>> import dpviz as dp
    >>> dp.tensor([1, 2], requires_grad=True)
    Traceback (most recent call last):
    ...
    dpviz.errors.DTypeError: requires_grad=True needs floating-point data, but the data have dtype int64. Pass floats (1.0 rather than 1) or dtype=float.
    """


class UnsupportedTypeError(DpvizError, TypeError):
    """A Python object that is not a tensor, an array or a number was given to an op.

    >>> import dpviz as dp
    >>> dp.tensor(1.0) * "2"
    Traceback (most recent call last):
    ...
    dpviz.errors.UnsupportedTypeError: 'mul' cannot take a str ('2'); dpviz ops take dpviz tensors, NumPy arrays or Python numbers. Wrap data in dp.tensor(...) first.
    """


class BackwardError(DpvizError, RuntimeError):
    """A backward pass cannot run as asked (non-scalar output, freed graph, no graph).

    >>> import dpviz as dp
    >>> dp.tensor(2.0).exp().backward()
    Traceback (most recent call last):
    ...
    dpviz.errors.BackwardError: an unnamed constant ... does not require grad, so it has no graph to run backward through. Create the inputs with dp.tensor(..., requires_grad=True).
    """


class InplaceError(DpvizError, RuntimeError):
    """An in-place change broke a value that the backward pass still needs.

    >>> import dpviz as dp
    >>> y = dp.tensor([1.0, 2.0], requires_grad=True).exp()
    >>> _ = y.add_(1.0)             # exp's rule needs its output, which this overwrites
    >>> y.sum().backward()
    Traceback (most recent call last):
    ...
    dpviz.errors.InplaceError: one of the values needed for the gradient was changed by an in-place operation: ...
    """


class AnomalyError(DpvizError, FloatingPointError):
    """Under ``dp.detect_anomaly()``, a node produced NaN or infinity.

    >>> import dpviz as dp, numpy as np
    >>> with dp.detect_anomaly(), np.errstate(divide="ignore"):
    ...     dp.tensor(0.0, requires_grad=True).log()
    Traceback (most recent call last):
    ...
    dpviz.errors.AnomalyError: detect_anomaly: the forward pass of 'log' produced inf. ...
    """


class ReplayError(DpvizError, ValueError):
    """A Program was replayed with inputs that do not match the traced ones.

    >>> import dpviz as dp
    >>> dp.trace(lambda x: x * 2, [1.0, 2.0])([1.0, 2.0, 3.0])
    Traceback (most recent call last):
    ...
    dpviz.errors.ReplayError: input 0 'x' was traced with shape (2,); got (3,). A Program is one fixed graph: ...
    """


class MissingExtraError(DpvizError, ImportError):
    """A part of dpviz needs a package that the core install leaves out; the message names the extra.

    >>> from dpviz.extras import missing_extra
    >>> raise missing_extra("torch", "dpviz.gnn")
    Traceback (most recent call last):
    ...
    dpviz.errors.MissingExtraError: dpviz.gnn needs PyTorch (the package torch), which the core install of dpviz leaves out. Install the extra: pip install "dpviz[torch]" (or "dpviz[course]" for the whole course; make lab installs it).
    """


class GraphBreakWarning(UserWarning):
    """Inside ``dp.trace`` or ``dp.grad``, a tensor that needs a gradient became a Python number.

    ``float(x)``, ``int(x)`` and ``x.item()`` give plain numbers; the program uses them as
    constants, so no gradient flows through them (``x * float(x)`` has derivative ``x``, not
    ``2x``). The warning names the node; use the tensor itself, or ``x.data`` to say that a
    constant is meant.

    >>> import dpviz as dp, warnings
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     _ = dp.trace(lambda x: x * float(x), 3.0)
    >>> caught[0].category.__name__, "'x' (input)" in str(caught[0].message)
    ('GraphBreakWarning', True)
    """
