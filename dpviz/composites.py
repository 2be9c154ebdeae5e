"""Ops written with other ops: their derivatives, pictures and replays come from the primitives they use.

Each one is a few lines of dpviz — the way a learner would write it — so there is nothing new to
differentiate: ``dp.var`` is a mean of squared deviations, ``dp.logsumexp`` a shifted log of a sum of
exponentials. (Ops whose rule is not the composite's, such as ``maximum``, are primitives.)

>>> import dpviz as dp
>>> x = dp.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
>>> dp.std(x).backward(); x.grad.round(4)
array([-0.3354, -0.1118,  0.1118,  0.3354])
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from dpviz.errors import ShapeError, UnsupportedTypeError
from dpviz.node import value_of
from dpviz.primitives import (_norm_axis, exp, getitem, log, matmul, max, mean, reshape, shape, sqrt,
                              sum)


def min(x, axis=None, keepdims: bool = False):  # noqa: A001 - dp.min mirrors numpy.min
    """Minimum over ``axis``: ``-max(-x)``, so tied minima share the gradient as :func:`dp.max`'s do.

    >>> import dpviz as dp
    >>> dp.min(dp.tensor([[3.0, 1.0], [2.0, 5.0]]), axis=1).data
    array([1., 2.])
    """
    return -max(-x, axis=axis, keepdims=keepdims)


def var(x, axis=None, keepdims: bool = False, ddof: int = 0):
    """Variance over ``axis``: the mean squared deviation from the mean (``ddof=1``: divide by n − 1).

    >>> import dpviz as dp
    >>> float(dp.var(dp.tensor([1.0, 2.0, 3.0, 4.0])).data)
    1.25
    """
    n = int(np.prod([shape(x)[a] for a in (_norm_axis(axis, len(shape(x)), "var") or range(len(shape(x))))]))
    if n - ddof <= 0:
        raise ShapeError(f"'var' over {n} element(s) with ddof={ddof} divides by {n - ddof}")
    deviation = x - mean(x, axis=axis, keepdims=True)
    return sum(deviation * deviation, axis=axis, keepdims=keepdims) * (1.0 / (n - ddof))


def std(x, axis=None, keepdims: bool = False, ddof: int = 0):
    """Standard deviation over ``axis``: ``sqrt(var(x))``.

    >>> import dpviz as dp
    >>> float(dp.std(dp.tensor([1.0, 3.0])).data)
    1.0
    """
    return sqrt(var(x, axis=axis, keepdims=keepdims, ddof=ddof))


def logsumexp(x, axis=None, keepdims: bool = False):
    """``log(sum(exp(x)))`` over ``axis``, without overflow.

    The maximum is subtracted first and added back; it enters as a constant, which changes no
    gradient because the result does not depend on the shift.

    >>> import dpviz as dp
    >>> float(dp.logsumexp(dp.tensor([1000.0, 1000.0])).data).__round__(4)
    1000.6931
    """
    shift = np.max(value_of(x), axis=_norm_axis(axis, len(shape(x)), "logsumexp"), keepdims=True)
    shift = np.where(np.isfinite(shift), shift, 0.0)
    with np.errstate(divide="ignore"):        # all -inf: the answer is -inf, as in NumPy and PyTorch
        out = log(sum(exp(x - shift), axis=axis, keepdims=True)) + shift
    return out if keepdims else reshape(out, np.sum(np.zeros(shape(x)), axis=axis).shape)


def squeeze(x, axis=None):
    """``x`` without its axes of length 1 (only ``axis`` if given, which must have length 1).

    >>> import dpviz as dp
    >>> dp.squeeze(dp.zeros((1, 3, 1))).shape
    (3,)
    """
    dims = shape(x)
    axes = _norm_axis(axis, len(dims), "squeeze") if axis is not None else [k for k, d in enumerate(dims) if d == 1]
    if any(dims[a] != 1 for a in axes):
        raise ShapeError(f"'squeeze' can drop only axes of length 1; shape {dims}, axis {axis}")
    return reshape(x, tuple(d for k, d in enumerate(dims) if k not in axes))


def expand_dims(x, axis: int):
    """``x`` with a new axis of length 1 at position ``axis``.

    >>> import dpviz as dp
    >>> dp.expand_dims(dp.zeros(3), 0).shape
    (1, 3)
    """
    dims = list(shape(x))
    if not isinstance(axis, (int, np.integer)) or not -len(dims) - 1 <= axis <= len(dims):
        raise ShapeError(f"'expand_dims': axis {axis!r} is out of range for a new axis of shape {tuple(dims)}")
    dims.insert(int(axis) % (len(dims) + 1), 1)
    return reshape(x, tuple(dims))


def ravel(x):
    """``x`` as one flat vector (row-major order).

    >>> import dpviz as dp
    >>> dp.ravel(dp.zeros((2, 3))).shape
    (6,)
    """
    return reshape(x, (-1,))


flatten = ravel


def dot(a, b):
    """The dot product of vectors, or the matrix product for 2-d operands (as ``np.dot`` for these).

    >>> import dpviz as dp
    >>> float(dp.dot(dp.tensor([1.0, 2.0]), dp.tensor([3.0, 4.0])).data)
    11.0
    """
    if len(shape(a)) > 2 or len(shape(b)) > 2:
        raise ShapeError(f"dp.dot takes vectors and matrices (shapes {shape(a)}, {shape(b)}); for more axes "
                         "use a @ b, whose broadcasting rules are the ones you likely want")
    return matmul(a, b)


def outer(a, b):
    """The outer product of two vectors: ``a[i] * b[j]``.

    >>> import dpviz as dp
    >>> dp.outer(dp.tensor([1.0, 2.0]), dp.tensor([1.0, 10.0, 100.0])).shape
    (2, 3)
    """
    return reshape(a, (-1, 1)) * reshape(b, (1, -1))


def split(x, sections, axis: int = 0) -> list:
    """``x`` cut along ``axis`` into ``sections`` equal parts, or at the given indices (as ``np.split``).

    >>> import dpviz as dp
    >>> [p.shape for p in dp.split(dp.zeros(6), [2, 5])]
    [(2,), (3,), (1,)]
    """
    dims = shape(x)
    ax = _norm_axis(axis, len(dims), "split")[0]
    if isinstance(sections, (int, np.integer)):
        if sections < 1 or dims[ax] % sections:
            raise ShapeError(f"'split': {dims[ax]} elements along axis {axis} do not split into {sections} equal parts")
        step = dims[ax] // sections
        cuts: Sequence[int] = [step * k for k in range(1, sections)]
    elif isinstance(sections, (list, tuple)) and all(isinstance(c, (int, np.integer)) for c in sections):
        cuts = list(sections)
    else:
        raise UnsupportedTypeError(f"'split' takes a number of parts or a list of indices; got {sections!r}")
    edges = [0, *cuts, dims[ax]]
    return [getitem(x, (slice(None),) * ax + (slice(lo, hi),)) for lo, hi in zip(edges, edges[1:])]


def norm(x, axis=None, keepdims: bool = False):
    """The Euclidean norm over ``axis`` (all elements when None: the Frobenius norm of a matrix).

    >>> import dpviz as dp
    >>> float(dp.norm(dp.tensor([3.0, 4.0])).data)
    5.0
    """
    return sqrt(sum(x * x, axis=axis, keepdims=keepdims))
