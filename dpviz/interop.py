"""NumPy functions on tensors: ``np.exp(t)``, ``np.sum(t, axis=0)``, ``a @ t`` with an ndarray ``a``.

NumPy hands a call that involves a tensor to the tensor (``__array_ufunc__`` for ufuncs such as
``np.exp`` and ``+``, ``__array_function__`` for functions such as ``np.sum``). The tables below say,
as data, which dpviz op each NumPy name *is*: those calls record that op, so gradients flow as if the
learner had written ``dp.exp(t)``. A NumPy name dpviz has no op for is computed by NumPy on the
numbers when no tensor involved needs a gradient (as before: a plain number crunch), and refused
with the dpviz spelling to use when one does — NumPy would treat the tensor as a constant, and its
gradient would be a silent zero.

>>> import numpy as np, dpviz as dp
>>> x = dp.tensor([0.0, 1.0], requires_grad=True)
>>> y = np.sum(np.exp(x))            # records exp and sum
>>> y.backward(); x.grad.round(4)
array([1.    , 2.7183])
"""
from __future__ import annotations

import operator
import re

import numpy as np

from dpviz import composites as C
from dpviz import primitives as P
from dpviz.context import STATE
from dpviz.errors import DpvizError
from dpviz.node import Handle

#: NumPy ufuncs that are dpviz ops, by the dpviz function that records them.
UFUNCS = {
    np.add: P.add, np.subtract: P.sub, np.multiply: P.mul, np.true_divide: P.div, np.negative: P.neg,
    np.power: P.pow, np.exp: P.exp, np.log: P.log, np.tanh: P.tanh, np.sin: P.sin, np.cos: P.cos,
    np.sqrt: P.sqrt, np.absolute: P.abs, np.matmul: P.matmul, np.square: P.square, np.tan: P.tan,
    np.sinh: P.sinh, np.cosh: P.cosh, np.log1p: P.log1p, np.expm1: P.expm1, np.log2: P.log2, np.log10: P.log10,
    np.maximum: P.maximum, np.minimum: P.minimum,
    # comparisons give plain booleans, as the tensor's own operators do (and are guarded in a trace)
    np.greater: operator.gt, np.greater_equal: operator.ge, np.less: operator.lt, np.less_equal: operator.le,
    np.equal: operator.eq, np.not_equal: operator.ne,
}


def _reduction(op):
    """NumPy's ``f(a, axis=None, keepdims=False)`` as the dpviz reduction ``op``."""
    return lambda a, axis=None, keepdims=False: op(a, axis=axis, keepdims=keepdims)


def _norm(x, ord, axis, keepdims):
    if ord is None:
        return C.norm(x, axis=axis, keepdims=keepdims)
    return _refuse_or_compute("linalg.norm with ord=", (x,),
                              lambda: np.linalg.norm(_numbers(x), ord, axis=axis, keepdims=keepdims))


def _reshape(a, newshape=None, shape=None):
    return P.reshape(a, shape if shape is not None else newshape)


#: NumPy functions that are dpviz ops, with the NumPy keywords each one takes.
FUNCTIONS = {
    np.sum: _reduction(P.sum), np.mean: _reduction(P.mean), np.max: _reduction(P.max),
    np.amax: _reduction(P.max), np.reshape: _reshape,
    np.transpose: lambda a, axes=None: P.transpose(a, axes),
    np.stack: lambda arrays, axis=0: P.stack(arrays, axis=axis),
    np.concatenate: lambda arrays, axis=0: P.concatenate(arrays, axis=axis),
    np.where: lambda condition, x, y: P.where(condition, x, y),
    np.matmul: P.matmul,
    np.min: _reduction(C.min), np.amin: _reduction(C.min),
    np.var: lambda a, axis=None, ddof=0, keepdims=False: C.var(a, axis=axis, keepdims=keepdims, ddof=ddof),
    np.std: lambda a, axis=None, ddof=0, keepdims=False: C.std(a, axis=axis, keepdims=keepdims, ddof=ddof),
    np.clip: lambda a, a_min, a_max: P.clip(a, a_min, a_max),
    np.cumsum: lambda a, axis=None: P.cumsum(a, axis=axis),
    np.prod: _reduction(P.prod),
    np.squeeze: lambda a, axis=None: C.squeeze(a, axis=axis),
    np.expand_dims: lambda a, axis: C.expand_dims(a, axis),
    np.ravel: C.ravel, np.dot: C.dot, np.outer: C.outer,
    np.split: lambda ary, indices_or_sections, axis=0: C.split(ary, indices_or_sections, axis=axis),
    np.linalg.norm: lambda x, ord=None, axis=None, keepdims=False: _norm(x, ord, axis, keepdims),
}

#: NumPy names that only *read* a tensor (its shape, a test, an index): computed on the numbers even
#: when the tensor needs a gradient, since no gradient could flow through their answers anyway.
READS = {
    np.shape, np.ndim, np.size, np.allclose, np.isclose, np.array_equal, np.any, np.all, np.argmax, np.argmin,
    np.argsort, np.count_nonzero, np.isfinite, np.isnan, np.isinf, np.sign, np.signbit, np.nonzero,
}

#: What to write instead, for NumPy names dpviz has no op of its own for.
SPELLINGS = {
    "linalg.norm with ord=": "dp.norm(x) (the Euclidean norm), or dp.max(dp.abs(x)) for ord=inf",
}


def _tensors(items) -> list:
    found = []
    for it in items:
        if isinstance(it, Handle):
            found.append(it)
        elif isinstance(it, (list, tuple)):
            found += _tensors(it)
    return found


def _numbers(items):
    """``items`` with every tensor replaced by its array (NumPy then computes on numbers alone)."""
    if isinstance(items, Handle):
        return items._node.value
    if isinstance(items, (list, tuple)):
        return type(items)(_numbers(it) for it in items)
    return items


def _refuse_or_compute(name: str, items, compute, reads: bool = False):
    needs = [] if reads else [t for t in _tensors(items) if t._node.requires_grad and STATE.grad_enabled]
    if needs:
        hint = SPELLINGS.get(name, "dpviz ops (dp.exp, dp.sum, dp.where, ...)")
        raise DpvizError(
            f"NumPy's {name} was given {needs[0]._node.describe()}, which needs a gradient, and dpviz has no "
            f"{name} op: NumPy would use the tensor's numbers as a constant and no gradient would flow. "
            f"Use {hint}; or pass t.data if the numbers alone are meant.")
    return compute()


def array_ufunc(ufunc, method: str, inputs: tuple, kwargs: dict):
    """What ``Tensor.__array_ufunc__`` does (see the module docstring)."""
    op = UFUNCS.get(ufunc)
    if op is not None and method == "__call__":
        if kwargs.get("out") is not None or set(kwargs) - {"out"}:
            raise DpvizError(f"np.{ufunc.__name__} on a tensor takes no {sorted(kwargs)} here: a tensor is "
                             f"never written in place by NumPy. Write y = np.{ufunc.__name__}(...) instead.")
        return op(*inputs)
    return _refuse_or_compute(ufunc.__name__, inputs,
                              lambda: getattr(ufunc, method)(*_numbers(inputs), **_numbers(kwargs)),
                              reads=ufunc in READS)


def array_function(func, args: tuple, kwargs: dict):
    """What ``Tensor.__array_function__`` does (see the module docstring)."""
    op = FUNCTIONS.get(func)
    if op is not None:
        try:
            return op(*args, **kwargs)
        except TypeError as err:
            unexpected = re.search(r"unexpected keyword argument '(\w+)'", str(err))
            if unexpected is None:
                raise
            raise DpvizError(f"np.{func.__name__} on a tensor does not take {unexpected[1]}=: dpviz records it as "
                             "its own op, which takes the array and, where NumPy has them, axis and keepdims "
                             "(no out=, dtype= or where=).") from None
    return _refuse_or_compute(func.__name__, (args, tuple(kwargs.values())),
                              lambda: func(*_numbers(args), **{k: _numbers(v) for k, v in kwargs.items()}),
                              reads=func in READS)
