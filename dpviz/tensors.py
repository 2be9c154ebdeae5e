"""Tensors: the handle a user holds, every operator and method it has, and the functions that make them.

A :class:`Tensor` wraps the :class:`~dpviz.node.Node` of its current value.  Each operator
and method below is one line that calls a primitive (:mod:`dpviz.primitives`), so reading
``x * y`` leads straight to ``mul_p``: its forward, its VJP and its JVP side by side.
In-place methods (``add_``, ``t[i] = v``) go through :mod:`dpviz.inplace`; ``backward``
runs the adjoint algorithm of :mod:`dpviz.reverse`.

>>> import dpviz as dp
>>> x = dp.tensor([[1., 2.], [3., 4.]], name="x", requires_grad=True)
>>> y = (x * x).sum()
>>> y.backward()
>>> x.grad
array([[2., 4.],
       [6., 8.]])
"""
from __future__ import annotations

import warnings

import numpy as np

from dpviz import guards, inplace, interop
from dpviz.context import STATE
from dpviz.guards import COMPARISONS
from dpviz.errors import DTypeError, DpvizError, GraphBreakWarning, ShapeError, UnsupportedTypeError
from dpviz.node import Handle, Node, VersionCounter, value_of
from dpviz.primitives import (abs_p, add_p, clone_p, cos_p, div_p, exp_p, getitem, log_p, log_softmax,
                              matmul_p, max, mean, mul_p, neg_p, normalize_index, pow_p, relu_p, reshape,
                              setitem_p, sigmoid_p, sin_p, softmax, sqrt_p, stack_nested, sub_p, sum, tanh_p,
                              transpose)
from dpviz.record import check_dtype
from dpviz.reverse import backward as _backward


class Tensor(Handle):
    """An n-dimensional array that records the operations applied to it.

    Create one with :func:`dpviz.tensor`.  Arithmetic, ``@``, indexing and the
    methods below build a graph when any operand ``requires_grad``;
    :meth:`backward` walks it in reverse.

    >>> import dpviz as dp
    >>> x = dp.tensor(3.0, name="x", requires_grad=True)
    >>> y = x * x + 2 * x
    >>> y.backward()
    >>> float(x.grad)
    8.0
    """

    __slots__ = ()
    # NumPy calls on tensors record the dpviz op they are, or say what to write (dpviz.interop)
    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        return interop.array_ufunc(ufunc, method, inputs, kwargs)

    def __array_function__(self, func, types, args, kwargs):
        return interop.array_function(func, args, kwargs)
    __hash__ = object.__hash__

    def __init__(self, *args, **kwargs):
        raise DpvizError("create tensors with dp.tensor(data, name=..., requires_grad=...)")

    # -- what the tensor holds ----------------------------------------------------------------
    @property
    def node(self) -> Node:
        """The graph node this handle points at now.

        >>> import dpviz as dp
        >>> dp.tensor(1.0).node.kind
        'input'
        """
        return self._node

    @property
    def data(self) -> np.ndarray:
        """The value, a NumPy array (shared, not copied).

        >>> import dpviz as dp
        >>> dp.tensor([1.0, 2.0]).data
        array([1., 2.])
        """
        return self._node.value

    @property
    def grad(self):
        """The gradient after ``backward()``: a NumPy array of the same shape, or None.

        Leaves accumulate gradients over several backward passes (call
        ``zero_grad`` or set ``.grad = None`` between steps); intermediate
        tensors hold their adjoint from the latest backward pass.  After
        ``backward(create_graph=True)`` it is a dpviz Tensor, so it can be
        differentiated again.

        >>> import dpviz as dp
        >>> x = dp.tensor(2.0, requires_grad=True)
        >>> (x * x).backward()
        >>> float(x.grad)
        4.0
        """
        return self._node.grad

    @grad.setter
    def grad(self, value) -> None:
        if value is not None and not isinstance(value, Tensor):
            value = np.asarray(value, dtype=self.dtype)
            if value.shape != self.shape:
                raise ShapeError(f"a gradient of shape {value.shape} cannot be set on a tensor of shape "
                                 f"{self.shape}")
        self._node.grad = value

    @property
    def name(self) -> str | None:
        """The name shown in pictures and errors (None when unnamed).

        >>> import dpviz as dp
        >>> dp.tensor(1.0, name="x").name
        'x'
        """
        return self._node.name

    @name.setter
    def name(self, value: str | None) -> None:
        if value is not None and not isinstance(value, str):
            raise UnsupportedTypeError(f"a tensor name must be a string; got {type(value).__name__}")
        self._node.name = value

    def named(self, name: str) -> "Tensor":
        """Set the name and return the tensor itself, for use inside expressions.

        >>> import dpviz as dp
        >>> (dp.tensor(1.0, requires_grad=True) * 2).named("h").name
        'h'
        """
        self.name = name
        return self

    @property
    def op(self) -> str:
        """The op that produced this value ('input', 'param' or 'const' for leaves).

        >>> import dpviz as dp
        >>> dp.tensor(1.0, requires_grad=True).exp().op
        'exp'
        """
        return self._node.op

    @property
    def scope(self) -> str:
        """The ``dp.scope`` path this value was created in ('' at top level).

        >>> import dpviz as dp
        >>> with dp.scope("layer"):
        ...     h = dp.tensor(1.0, requires_grad=True) * 2
        >>> h.scope
        'layer'
        """
        return self._node.scope

    @property
    def requires_grad(self) -> bool:
        """Whether gradients flow to this tensor.

        >>> import dpviz as dp
        >>> x = dp.tensor(1.0)
        >>> x.requires_grad, (x * 2).requires_grad
        (False, False)
        """
        return self._node.requires_grad

    @requires_grad.setter
    def requires_grad(self, flag: bool) -> None:
        n = self._node
        if n.prim is not None:
            raise DpvizError("requires_grad can only be set on a leaf tensor (one created by dp.tensor); "
                             f"{n.describe()} is computed. Use .detach() to make a new leaf.")
        if flag and self.dtype.kind != "f":
            raise DTypeError(f"requires_grad needs floating-point data; {n.describe()} has dtype "
                             f"{self.dtype}. Create it with dp.tensor(..., dtype=float).")
        n.requires_grad = bool(flag)
        n.vc.owner = n if flag else None

    @property
    def is_leaf(self) -> bool:
        """True for tensors created by the user rather than computed.

        >>> import dpviz as dp
        >>> x = dp.tensor(1.0, requires_grad=True)
        >>> x.is_leaf, x.exp().is_leaf
        (True, False)
        """
        return self._node.prim is None

    @property
    def shape(self) -> tuple:
        """The shape, as in NumPy.

        >>> import dpviz as dp
        >>> dp.tensor([[1.0, 2.0]]).shape
        (1, 2)
        """
        return self._node.value.shape

    @property
    def ndim(self) -> int:
        """The number of axes.

        >>> import dpviz as dp
        >>> dp.tensor([[1.0, 2.0]]).ndim
        2
        """
        return self._node.value.ndim

    @property
    def size(self) -> int:
        """The number of elements.

        >>> import dpviz as dp
        >>> dp.zeros((2, 3)).size
        6
        """
        return self._node.value.size

    @property
    def dtype(self) -> np.dtype:
        """The NumPy dtype (float64 unless asked otherwise).

        >>> import dpviz as dp
        >>> dp.tensor([1.0]).dtype, dp.tensor([1]).dtype
        (dtype('float64'), dtype('int64'))
        """
        return self._node.value.dtype

    @property
    def version(self) -> int:
        """How many in-place changes this tensor's memory has seen.

        >>> import dpviz as dp
        >>> y = dp.tensor([1.0]); _ = y.add_(1.0); y.version
        1
        """
        return self._node.vc.version

    def numpy(self) -> np.ndarray:
        """A copy of the value as a NumPy array.

        >>> import dpviz as dp
        >>> t = dp.tensor([1.0, 2.0]); a = t.numpy(); a[0] = 9.0; t.data
        array([1., 2.])
        """
        return self._node.value.copy()

    def item(self) -> float:
        """The value of a one-element tensor as a Python number.

        >>> import dpviz as dp
        >>> dp.tensor([2.5]).item()
        2.5
        """
        node = self._node
        v = node.value
        if v.size != 1:
            raise ShapeError(f".item() needs a tensor with one element; this one has shape {v.shape}")
        if STATE.depth > 0 and node.requires_grad and STATE.grad_enabled:
            warnings.warn(f"{node.describe()} needs a gradient but became a Python number inside a "
                          "dp.trace / dp.grad: the program uses the number as a constant, so no gradient "
                          "flows through it. Use the tensor itself (x * x, not x * float(x)), or x.data "
                          "if a constant is meant.", GraphBreakWarning, stacklevel=3)
        return v.item()

    def detach(self) -> "Tensor":
        """A new leaf with the same value (memory shared) and no history.

        >>> import dpviz as dp
        >>> x = dp.tensor(1.0, requires_grad=True)
        >>> (x * 2).detach().requires_grad
        False
        """
        n = self._node
        node = Node(None, "const", (), None, n.value, False, n.vc, kind="const", name=n.name)
        node.ver = n.ver
        return Tensor._wrap(node)

    def float(self) -> "Tensor":
        """A float64 copy (a new leaf), e.g. of integer data.

        >>> import dpviz as dp
        >>> dp.tensor([1, 2]).float().dtype
        dtype('float64')
        """
        return tensor(self._node.value.astype(np.float64), name=self._node.name)

    # -- reverse mode ---------------------------------------------------------------------
    def backward(self, gradient=None, retain_graph: bool | None = None, create_graph: bool = False) -> None:
        """Reverse mode: fill ``.grad`` of every tensor this one was computed from.

        ``gradient`` seeds the output's adjoint; it may be left out only for a
        one-element output.  The graph is freed afterwards unless
        ``retain_graph=True`` (or ``create_graph=True``, which also records the
        backward pass so gradients can be differentiated again).

        >>> import dpviz as dp
        >>> x = dp.tensor([1.0, 2.0], requires_grad=True)
        >>> (x ** 2).sum().backward()
        >>> x.grad
        array([2., 4.])
        """
        _backward(self, gradient, retain_graph, create_graph)

    def zero_grad(self) -> None:
        """Forget the accumulated gradient (``.grad`` becomes None).

        >>> import dpviz as dp
        >>> x = dp.tensor(1.0, requires_grad=True); (x * 2).backward(); x.zero_grad(); x.grad is None
        True
        """
        self._node.grad = None

    # -- arithmetic: each operator is one primitive ----------------------------------------------
    def __add__(self, other) -> "Tensor":
        """``self + other``.

        >>> import dpviz as dp
        >>> (dp.tensor([1.0, 2.0]) + 1.0).data
        array([2., 3.])
        """
        return add_p(self, other)

    def __radd__(self, other) -> "Tensor":
        """``other + self``, for a number or array on the left.

        >>> import dpviz as dp
        >>> (1.0 + dp.tensor([1.0, 2.0])).data
        array([2., 3.])
        """
        return add_p(other, self)

    def __sub__(self, other) -> "Tensor":
        """``self - other``.

        >>> import dpviz as dp
        >>> (dp.tensor([1.0, 2.0]) - 1.0).data
        array([0., 1.])
        """
        return sub_p(self, other)

    def __rsub__(self, other) -> "Tensor":
        """``other - self``.

        >>> import dpviz as dp
        >>> (1.0 - dp.tensor([1.0, 2.0])).data
        array([ 0., -1.])
        """
        return sub_p(other, self)

    def __mul__(self, other) -> "Tensor":
        """``self * other``, elementwise.

        >>> import dpviz as dp
        >>> (dp.tensor([1.0, 2.0]) * 3.0).data
        array([3., 6.])
        """
        return mul_p(self, other)

    def __rmul__(self, other) -> "Tensor":
        """``other * self``; NumPy arrays on the left come here too.

        >>> import dpviz as dp, numpy as np
        >>> (np.array([2.0, 3.0]) * dp.tensor([1.0, 2.0])).data
        array([2., 6.])
        """
        return mul_p(other, self)

    def __truediv__(self, other) -> "Tensor":
        """``self / other``.

        >>> import dpviz as dp
        >>> (dp.tensor([1.0, 2.0]) / 2.0).data
        array([0.5, 1. ])
        """
        return div_p(self, other)

    def __rtruediv__(self, other) -> "Tensor":
        """``other / self``.

        >>> import dpviz as dp
        >>> (1.0 / dp.tensor([1.0, 2.0])).data
        array([1. , 0.5])
        """
        return div_p(other, self)

    def __pow__(self, other) -> "Tensor":
        """``self ** other``.

        >>> import dpviz as dp
        >>> (dp.tensor([2.0, 3.0]) ** 2).data
        array([4., 9.])
        """
        return pow_p(self, other)

    def __rpow__(self, other) -> "Tensor":
        """``other ** self``.

        >>> import dpviz as dp
        >>> (2.0 ** dp.tensor([1.0, 3.0])).data
        array([2., 8.])
        """
        return pow_p(other, self)

    def __matmul__(self, other) -> "Tensor":
        """``self @ other``, the matrix product.

        >>> import dpviz as dp
        >>> (dp.tensor([[1.0, 2.0]]) @ dp.tensor([[1.0], [1.0]])).data
        array([[3.]])
        """
        return matmul_p(self, other)

    def __rmatmul__(self, other) -> "Tensor":
        """``other @ self``, for an array on the left.

        >>> import dpviz as dp, numpy as np
        >>> (np.eye(2) @ dp.tensor([1.0, 2.0])).data
        array([1., 2.])
        """
        return matmul_p(other, self)

    def __neg__(self) -> "Tensor":
        """``-self``.

        >>> import dpviz as dp
        >>> (-dp.tensor([2.0])).data
        array([-2.])
        """
        return neg_p(self)

    def __pos__(self) -> "Tensor":
        """``+self``: the tensor itself (nothing is recorded).

        >>> import dpviz as dp
        >>> x = dp.tensor(1.0); (+x) is x
        True
        """
        return self

    def __abs__(self) -> "Tensor":
        """``abs(self)``.

        >>> import dpviz as dp
        >>> abs(dp.tensor([-2.0, 1.0])).data
        array([2., 1.])
        """
        return abs_p(self)

    def __getitem__(self, index) -> "Tensor":
        """Indexing with ints, slices, None, ``...`` and integer/bool arrays (recorded).

        >>> import dpviz as dp
        >>> dp.tensor([1.0, 2.0, 3.0])[1:].data
        array([2., 3.])
        """
        return getitem(self, index)

    # -- comparisons give plain boolean arrays: they are not differentiable, and `if x > 0:` works
    # (while dp.trace runs, each one is also kept as a guard that a replay checks: dpviz.guards)
    def _compare(self, op: str, o):
        result = COMPARISONS[op](self._node.value, value_of(o))
        guards.compare(op, self._node, o._node if isinstance(o, Tensor) else o, result)
        return result

    def __lt__(self, o): return self._compare("<", o)
    def __le__(self, o): return self._compare("<=", o)
    def __gt__(self, o): return self._compare(">", o)
    def __ge__(self, o): return self._compare(">=", o)

    def __eq__(self, o):  # type: ignore[override]
        return self._compare("==", o)

    def __ne__(self, o):  # type: ignore[override]
        return self._compare("!=", o)

    # -- elementwise functions ------------------------------------------------------------------
    def exp(self) -> "Tensor":
        """``eˣ``, elementwise.

        >>> import dpviz as dp
        >>> dp.tensor([0.0]).exp().data
        array([1.])
        """
        return exp_p(self)

    def log(self) -> "Tensor":
        """The natural logarithm, elementwise.

        >>> import dpviz as dp
        >>> dp.tensor([1.0]).log().data
        array([0.])
        """
        return log_p(self)

    def sqrt(self) -> "Tensor":
        """The square root, elementwise.

        >>> import dpviz as dp
        >>> dp.tensor([4.0]).sqrt().data
        array([2.])
        """
        return sqrt_p(self)

    def tanh(self) -> "Tensor":
        """The hyperbolic tangent, elementwise.

        >>> import dpviz as dp
        >>> dp.tensor([0.0, 100.0]).tanh().data
        array([0., 1.])
        """
        return tanh_p(self)

    def sigmoid(self) -> "Tensor":
        """The logistic sigmoid ``1/(1+e⁻ˣ)``, elementwise.

        >>> import dpviz as dp
        >>> dp.tensor([0.0]).sigmoid().data
        array([0.5])
        """
        return sigmoid_p(self)

    def relu(self) -> "Tensor":
        """``max(x, 0)``, elementwise.

        >>> import dpviz as dp
        >>> dp.tensor([-1.0, 2.0]).relu().data
        array([0., 2.])
        """
        return relu_p(self)

    def sin(self) -> "Tensor":
        """The sine, elementwise.

        >>> import dpviz as dp
        >>> dp.tensor([0.0]).sin().data
        array([0.])
        """
        return sin_p(self)

    def cos(self) -> "Tensor":
        """The cosine, elementwise.

        >>> import dpviz as dp
        >>> dp.tensor([0.0]).cos().data
        array([1.])
        """
        return cos_p(self)

    def abs(self) -> "Tensor":
        """``|x|``, elementwise.

        >>> import dpviz as dp
        >>> dp.tensor([-3.0]).abs().data
        array([3.])
        """
        return abs_p(self)

    def clone(self) -> "Tensor":
        """A recorded copy, with memory of its own.

        >>> import dpviz as dp
        >>> x = dp.tensor([1.0]); c = x.clone(); c.data is x.data
        False
        """
        return clone_p(self)

    # -- reductions, shapes, softmax --------------------------------------------------------------
    def sum(self, axis=None, keepdims: bool = False) -> "Tensor":
        """Sum over ``axis`` (all axes when None).

        >>> import dpviz as dp
        >>> dp.tensor([[1.0, 2.0], [3.0, 4.0]]).sum(axis=1).data
        array([3., 7.])
        """
        return sum(self, axis, keepdims)

    def mean(self, axis=None, keepdims: bool = False) -> "Tensor":
        """Mean over ``axis`` (all axes when None).

        >>> import dpviz as dp
        >>> dp.tensor([[1.0, 2.0], [3.0, 4.0]]).mean(axis=0).data
        array([2., 3.])
        """
        return mean(self, axis, keepdims)

    def max(self, axis=None, keepdims: bool = False) -> "Tensor":
        """Maximum over ``axis``; tied maxima share the gradient.

        >>> import dpviz as dp
        >>> dp.tensor([[1.0, 5.0], [3.0, 4.0]]).max(axis=1, keepdims=True).data
        array([[5.],
               [4.]])
        """
        return max(self, axis, keepdims)

    def reshape(self, *shape) -> "Tensor":
        """Reshape: ``t.reshape(2, 3)`` or ``t.reshape((2, 3))``; one size may be -1.

        >>> import dpviz as dp
        >>> dp.tensor([1.0, 2.0, 3.0, 4.0]).reshape(2, -1).shape
        (2, 2)
        """
        return reshape(self, shape[0] if len(shape) == 1 else shape)

    def transpose(self, *axes) -> "Tensor":
        """Permute axes: ``t.transpose(1, 0)`` or ``t.transpose((1, 0))``; reversed when none are given.

        >>> import dpviz as dp
        >>> dp.zeros((2, 3, 4)).transpose(2, 0, 1).shape, dp.zeros((2, 3)).transpose().shape
        ((4, 2, 3), (3, 2))
        """
        if len(axes) == 1 and not isinstance(axes[0], int):
            axes = tuple(axes[0])
        return transpose(self, axes or None)

    @property
    def T(self) -> "Tensor":
        """The transpose (axes reversed).

        >>> import dpviz as dp
        >>> dp.tensor([[1.0, 2.0, 3.0]]).T.shape
        (3, 1)
        """
        return transpose(self)

    def softmax(self, axis: int = -1) -> "Tensor":
        """Softmax along ``axis``, computed stably.

        >>> import dpviz as dp
        >>> dp.tensor([0.0, 0.0]).softmax().data
        array([0.5, 0.5])
        """
        return softmax(self, axis)

    def log_softmax(self, axis: int = -1) -> "Tensor":
        """log(softmax) along ``axis``, without overflow.

        >>> import dpviz as dp
        >>> dp.tensor([1000.0, 1000.0]).log_softmax().data.round(4)
        array([-0.6931, -0.6931])
        """
        return log_softmax(self, axis)

    # -- in-place operations ------------------------------------------------------------------
    def add_(self, other) -> "Tensor":
        """In place: ``self += other``.

        >>> import dpviz as dp
        >>> y = dp.tensor([1.0, 2.0]); y.add_(1.0)
        tensor([2., 3.])
        """
        return inplace.apply(self, add_p, "add_", other)

    def sub_(self, other) -> "Tensor":
        """In place: ``self -= other``.

        >>> import dpviz as dp
        >>> dp.tensor([1.0, 2.0]).sub_(1.0)
        tensor([0., 1.])
        """
        return inplace.apply(self, sub_p, "sub_", other)

    def mul_(self, other) -> "Tensor":
        """In place: ``self *= other``.

        >>> import dpviz as dp
        >>> dp.tensor([1.0, 2.0]).mul_(3.0)
        tensor([3., 6.])
        """
        return inplace.apply(self, mul_p, "mul_", other)

    def zero_(self) -> "Tensor":
        """In place: set every element to 0.

        >>> import dpviz as dp
        >>> dp.tensor([1.0, 2.0]).zero_()
        tensor([0., 0.])
        """
        return inplace.apply(self, mul_p, "zero_", 0.0)

    def __iadd__(self, other): return self.add_(other)
    def __isub__(self, other): return self.sub_(other)
    def __imul__(self, other): return self.mul_(other)

    def __setitem__(self, index, value) -> None:
        """``self[index] = value``, in place (recorded as ``setitem``).

        >>> import dpviz as dp
        >>> y = dp.zeros(3); y[1] = 5.0; y.data
        array([0., 5., 0.])
        """
        inplace.apply(self, setitem_p, "setitem", value, index=normalize_index(index, self.shape))

    def _catch_up(self, opname: str) -> Node:
        return inplace.refresh(self, opname)

    # -- Python protocols -----------------------------------------------------------------------
    def __repr__(self) -> str:
        n = self._node
        body = np.array2string(n.value, precision=4, separator=", ", threshold=20,
                               prefix="tensor(")
        extras = []
        if n.name is not None:
            extras.append(f"name={n.name!r}")
        if n.prim is not None:
            extras.append(f"op={n.op!r}")
        elif n.requires_grad:
            extras.append("requires_grad=True")
        if n.value.dtype != np.float64:
            extras.append(f"dtype={n.value.dtype}")
        return f"tensor({body}{', ' if extras else ''}{', '.join(extras)})"

    def __len__(self) -> int:
        if self.ndim == 0:
            raise ShapeError("len() of a 0-d tensor (a scalar) is not defined")
        return self.shape[0]

    def __iter__(self):
        for i in range(len(self)):
            yield self[i]

    def __bool__(self) -> bool:
        v = self._node.value
        if v.size != 1:
            raise ShapeError(f"the truth value of a tensor with {v.size} elements is ambiguous; "
                             "use (t > 0).any() or .all() on its .data")
        return bool(v)

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __array__(self, dtype=None, copy=None):
        # NumPy would turn a tensor that needs a gradient into plain numbers, and every use of them
        # would be a constant: a silent zero gradient. Refuse, as PyTorch does; .data is the way to
        # say "the numbers, not the tensor".
        node = self._node
        if node.requires_grad and STATE.grad_enabled:
            raise DpvizError(
                f"NumPy was given {node.describe()}, which needs a gradient; NumPy would use its numbers as "
                "a constant and no gradient would flow through them. Use dpviz's own op (dp.exp, dp.sum, "
                "dp.stack([...]) for a list of tensors, ...), or t.data for the numbers alone.")
        v = node.value
        return v.astype(dtype) if dtype is not None else v


# ---------------------------------------------------------------------------------------------
# Creating tensors


def tensor(data, name: str | None = None, requires_grad: bool = False, dtype=None) -> Tensor:
    """Make a leaf tensor from a number, a (nested) list or a NumPy array.

    Floats become float64 unless ``dtype`` says otherwise; integer and bool
    data keep their dtype (useful for labels and masks) but cannot require grad.
    The data are copied.

    Data that hold tensors which are part of a graph keep the graph: ``dp.tensor(x)`` is a
    recorded copy of ``x`` and ``dp.tensor([x, 2 * x])`` a recorded stack, so gradients flow
    through them (PyTorch would quietly detach them, a silent zero gradient). Start a new leaf
    from such a tensor with ``dp.tensor(x.data, requires_grad=True)``.

    >>> import dpviz as dp
    >>> x = dp.tensor([[1., 2.], [3., 4.]], name="x", requires_grad=True)
    >>> x.shape, x.dtype, x.requires_grad
    ((2, 2), dtype('float64'), True)
    >>> dp.grad(lambda a: dp.tensor([a, 2 * a]).sum())(3.0)
    array(3.)
    """
    if name is not None and not isinstance(name, str):
        raise UnsupportedTypeError(f"a tensor name must be a string; got {type(name).__name__}")
    if isinstance(data, Tensor):
        if data._node.requires_grad and STATE.grad_enabled:
            return _recorded_copy(data, name, requires_grad, dtype)
        data = data._node.value
    try:
        if dtype is not None:
            arr = np.array(data, dtype=dtype)
        else:
            arr = np.array(data)
            if arr.dtype.kind == "f" and arr.dtype != np.float32 and arr.dtype != np.float64:
                arr = arr.astype(np.float64)
            elif arr.dtype.kind == "f" and not isinstance(data, np.ndarray):
                arr = arr.astype(np.float64)
    except DpvizError:
        # a list holding a tensor that needs a gradient (its __array__ refuses to become numbers):
        # keep the graph, as a recorded stack
        return _recorded_copy(data, name, requires_grad, dtype)
    except (ValueError, TypeError) as e:
        raise ShapeError(f"dp.tensor could not make an array of {type(data).__name__}: "
                         f"{str(e).splitlines()[0]} (ragged nested lists are not arrays)") from None
    if arr.dtype.kind in "US" or arr.dtype.kind == "O":
        raise DTypeError(f"dp.tensor got data of dtype {arr.dtype} ({type(data).__name__}); "
                         "dpviz tensors hold numbers.")
    check_dtype(arr, "dp.tensor's data")
    if requires_grad and arr.dtype.kind != "f":
        raise DTypeError(f"requires_grad=True needs floating-point data, but the data have dtype "
                         f"{arr.dtype}. Pass floats (1.0 rather than 1) or dtype=float.")
    node = Node(None, "input", (), None, arr, bool(requires_grad), VersionCounter(), kind="input", name=name)
    if requires_grad:
        node.vc.owner = node
    return Tensor._wrap(node)


def _recorded_copy(data, name, requires_grad, dtype) -> Tensor:
    """``dp.tensor`` of data holding recorded tensors: a copy or a stack that keeps the graph."""
    if requires_grad:
        raise DpvizError("dp.tensor(..., requires_grad=True) got tensors that are already part of a graph; "
                         "keeping the graph and starting a new leaf contradict each other. Drop requires_grad "
                         "to keep the graph, or pass x.data to start a new leaf.")
    out = clone_p(data) if isinstance(data, Tensor) else stack_nested(data)
    if dtype is not None and np.dtype(dtype) != out.dtype:
        raise DTypeError(f"dp.tensor(..., dtype={np.dtype(dtype)}) would convert recorded {out.dtype} values, "
                         "which has no gradient; leave dtype out, or pass x.data for a new constant.")
    return out.named(name) if name is not None else out


def as_tensor(x, name: str | None = None) -> Tensor:
    """Return ``x`` if it is a tensor, else a new constant tensor holding it.

    >>> import dpviz as dp
    >>> t = dp.tensor(1.0); dp.as_tensor(t) is t, dp.as_tensor(2.0).data
    (True, array(2.))
    """
    return x if isinstance(x, Tensor) else tensor(x, name=name)


def zeros(shape, name: str | None = None, requires_grad: bool = False, dtype=np.float64) -> Tensor:
    """A tensor of zeros.

    >>> import dpviz as dp
    >>> dp.zeros((2,)).data
    array([0., 0.])
    """
    return tensor(np.zeros(shape, dtype=dtype), name=name, requires_grad=requires_grad)


def ones(shape, name: str | None = None, requires_grad: bool = False, dtype=np.float64) -> Tensor:
    """A tensor of ones.

    >>> import dpviz as dp
    >>> dp.ones((2,)).data
    array([1., 1.])
    """
    return tensor(np.ones(shape, dtype=dtype), name=name, requires_grad=requires_grad)


def randn(*shape, seed: int | None = None, name: str | None = None, requires_grad: bool = False) -> Tensor:
    """Standard normal samples, reproducible with ``seed``.

    >>> import dpviz as dp
    >>> dp.randn(2, 3, seed=0).shape, bool((dp.randn(4, seed=1).data == dp.randn(4, seed=1).data).all())
    ((2, 3), True)
    """
    rng = np.random.default_rng(seed)
    return tensor(rng.standard_normal(shape), name=name, requires_grad=requires_grad)
