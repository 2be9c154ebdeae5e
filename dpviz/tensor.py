"""Tensors, the graph nodes behind them, and ``bind``: the one place where an op is recorded.

A :class:`Tensor` is a handle the user holds; the graph is made of :class:`Node`
objects.  The two are separate because an in-place operation (``y.add_(3)``)
makes the *handle* ``y`` point at a new node while the old node stays in the
graph for every op that used it before - exactly PyTorch's behaviour, and the
reason its version counters exist (see ../shared/reference, AD notes, "In-Place
operations").

Every node's value lives in a NumPy array.  Nodes that share memory (a tensor
and its views) share one *version counter*; an in-place change bumps it, and a
node whose recorded version no longer matches has had its value overwritten.

>>> import dpviz as dp
>>> x = dp.tensor([[1., 2.], [3., 4.]], name="x", requires_grad=True)
>>> y = (x * x).sum()
>>> y.backward()
>>> x.grad
array([[2., 4.],
       [6., 8.]])
"""
from __future__ import annotations

import itertools
import numbers
from typing import Any, Callable, Sequence

import numpy as np

from dpviz.context import STATE
from dpviz.errors import (
    AnomalyError,
    DTypeError,
    DpvizError,
    InplaceError,
    ShapeError,
    UnsupportedTypeError,
)

_SEQ = itertools.count()   # creation order: parents are always created before children


class Node:
    """One vertex of a recorded graph: an op applied to parent nodes (or a leaf).

    ``parents`` holds Nodes and, for constants written in the program (the ``2``
    of ``x * 2``), the raw values themselves; ``vc`` is the version counter
    ``[version, what changed it last, leaf that owns the memory or None]``,
    shared by all nodes whose values share memory; ``ver`` is the version this
    node's value had when it was computed.

    >>> import dpviz as dp
    >>> (dp.tensor(1.0, requires_grad=True) * 2).node.op
    'mul'
    """

    __slots__ = ("prim", "op", "parents", "params", "value", "requires_grad", "name",
                 "scope", "seq", "vc", "ver", "grad", "freed", "kind", "saved_ver", "__weakref__")

    def __init__(self, prim, op, parents, params, value, requires_grad, vc, kind="op", name=None):
        self.prim = prim
        self.op = op
        self.parents = parents
        self.params = params
        self.value = value
        self.requires_grad = requires_grad
        self.name = name
        self.scope = STATE.scope
        self.seq = next(_SEQ)
        self.vc = vc
        self.ver = vc[0]
        self.grad = None
        self.freed = False
        self.kind = kind
        self.saved_ver = None      # parents' versions when this op saved them (ops whose rules read them)

    @property
    def label(self) -> str:
        """The node's name, or its op and creation number when it has none.

        >>> import dpviz as dp
        >>> dp.tensor(1.0, name="x").node.label
        'x'
        """
        return self.name if self.name is not None else f"{self.op}#{self.seq}"

    def describe(self) -> str:
        """A short phrase naming this node for error messages.

        >>> import dpviz as dp
        >>> dp.tensor(1.0, name="x").node.describe()
        "'x' (input)"
        """
        where = f" in scope '{self.scope}'" if self.scope else ""
        if self.name is not None:
            return f"'{self.name}' ({self.op}){where}"
        return f"the output of '{self.op}' (node #{self.seq}){where}"

    def is_stale(self) -> bool:
        """True when this node's memory was changed in place after it was computed.

        >>> import dpviz as dp
        >>> y = dp.tensor([1.0, 2.0], requires_grad=True).tanh()
        >>> old = y.node
        >>> _ = y.add_(3.0)
        >>> old.is_stale()
        True
        """
        return self.vc[0] != self.ver


def _new_vc(owner: Node | None = None) -> list:
    """A version counter: [version, what changed it last, leaf that owns the memory or None,
    writes made through views (version, base node, index, new view node), and whether any
    in-place change of this memory was recorded in a graph]."""
    return [0, None, owner, [], False]


# ---------------------------------------------------------------------------------------------
# Turning user input into arrays: one function, so every op gives the same clear errors.


def _check_dtype(arr: np.ndarray, what: str) -> np.ndarray:
    kind = arr.dtype.kind
    if kind in "fiub":
        return arr
    if kind == "c":
        raise DTypeError(f"{what} is complex ({arr.dtype}); dpviz differentiates real numbers only. "
                         "Split it into real and imaginary parts.")
    raise DTypeError(f"{what} has dtype {arr.dtype}, which is not numeric; dpviz tensors hold "
                     "floating-point numbers (and integers/bools for labels and masks).")


def _as_constant(a: Any, opname: str) -> Any:
    """A non-tensor operand of an op: Python numbers stay numbers, arrays are checked."""
    if isinstance(a, (bool, int, float)) or isinstance(a, np.generic):
        if isinstance(a, (complex, np.complexfloating)):
            raise DTypeError(f"'{opname}' got the complex number {a!r}; dpviz works with real numbers.")
        return a
    if isinstance(a, np.ndarray):
        return _check_dtype(a, f"the array given to '{opname}'")
    if isinstance(a, numbers.Number):
        raise DTypeError(f"'{opname}' got {type(a).__name__} {a!r}; dpviz works with real numbers.")
    raise UnsupportedTypeError(
        f"'{opname}' cannot take a {type(a).__name__}"
        f"{' (' + repr(a)[:40] + ')' if not isinstance(a, (list, tuple)) else ''}; dpviz ops take dpviz "
        "tensors, NumPy arrays or Python numbers. Wrap data in dp.tensor(...) first.")


# ---------------------------------------------------------------------------------------------
# bind: apply a primitive, record the node.  Rules of the primitives call primitives too; with
# raw NumPy arguments they just compute (plain backward), with tensors they record (create_graph).


def bind(prim, *args, **params):
    """Apply primitive ``prim`` to ``args``: NumPy in, NumPy out; any tensor in, a tensor out.

    >>> import dpviz as dp, numpy as np
    >>> from dpviz.primitives import exp
    >>> from dpviz.tensor import bind
    >>> float(bind(exp, np.array(0.0)))
    1.0
    >>> bind(exp, dp.tensor(0.0, requires_grad=True)).op
    'exp'
    """
    for a in args:
        if isinstance(a, Tensor):
            break
    else:
        return prim.forward(*args, **params)

    raws = []
    rg = False
    float_only = prim.float_only
    for a in args:
        if isinstance(a, Tensor):
            n = a._node
            if n.vc[0] != n.ver and (n.requires_grad or n.vc[4]):
                n = refresh(a, prim.name)
            if n.requires_grad:
                rg = True
            raws.append(n.value)
        else:
            raws.append(_as_constant(a, prim.name))
    if float_only:
        _check_float_args(prim, args, raws)
    try:
        out = prim.forward(*raws, **params)
    except (ValueError, IndexError, TypeError) as e:
        raise _explain(prim, raws, params, e) from None
    if type(out) is not np.ndarray:
        out = np.asarray(out)
    if STATE.anomaly:
        check_finite(out, prim.name, "forward", params)
    shares = prim.view and isinstance(args[0], Tensor) and np.may_share_memory(out, raws[0])
    if STATE.grad_enabled and (rg or shares):
        # a view is recorded even without grad: a later write through it must reach its base
        parents = tuple(a._node if isinstance(a, Tensor) else a for a in args)
        vc = parents[0].vc if shares else _new_vc()
        node = Node(prim, prim.name, parents, params, out, rg, vc)
        if prim.saves:
            node.saved_ver = tuple(p.vc[0] if isinstance(p, Node) else 0 for p in parents)
    else:
        node = Node(None, "const", (), None, out, False, args[0]._node.vc if shares else _new_vc(), kind="const")
    t = Tensor.__new__(Tensor)
    t._node = node
    return t


def refresh(t: "Tensor", opname: str) -> Node:
    """Bring a tensor whose memory was written through a view up to date, or explain why not.

    A write through a view ``v = b[idx]; v.add_(a)`` changes ``b``'s memory.  ``b``'s new
    history is "``b`` with ``b[idx]`` replaced by the new ``v``" (PyTorch's CopySlices): this
    adds that ``setitem`` node and points ``b`` at it; writes through a view of a view or a
    reshaped or transposed view (``b.T[0].mul_(2)``) are handled the same way.  Using a view
    taken before its memory changed raises :class:`InplaceError` (its history no longer
    matches its value), as the AD notes describe PyTorch doing.

    >>> import dpviz as dp
    >>> x = dp.tensor([1.0, 2.0, 3.0], requires_grad=True)
    >>> b = x * 1.0
    >>> v = b[:2]
    >>> _ = v.mul_(10.0)
    >>> (b * 1.0).sum().backward()
    >>> x.grad
    array([10., 10.,  1.])
    """
    n = t._node
    vc = n.vc
    if n.prim is None and not vc[4]:
        n.ver = vc[0]              # plain data changed with no graph involved: nothing to rebuild
        return n
    cur = n
    for version, base, index, new_view in vc[3]:
        if version <= cur.ver:
            continue
        if base is not cur:
            _raise_stale(n, opname)
        from dpviz.primitives import INDEX_UPDATE
        node = Node(INDEX_UPDATE, "setitem", (cur, new_view), {"index": index}, cur.value,
                    cur.requires_grad or new_view.requires_grad, vc)
        node.ver = version
        node.name = n.name
        cur = node
    if cur.ver != vc[0]:
        _raise_stale(n, opname)
    t._node = cur
    return cur


def _is_view_of(n: Node, vc: list) -> bool:
    return n.prim is not None and n.prim.view and bool(n.parents) and isinstance(n.parents[0], Node) \
        and n.parents[0].vc is vc


def _view_index(n: Node, vc: list) -> tuple[Node, Any] | None:
    """The array ``n`` is a view of, and where in it ``n``'s elements are, as a setitem index.

    One ``getitem`` keeps its own index (``b[1:3]`` reads best). A chain of views (``b.T[0]``,
    ``b.reshape(2, 2)[:, 1]``) is followed back to ``b``: the same view ops applied to the
    numbers 0, 1, 2, ... in ``b``'s shape say which element of ``b`` each element of ``n`` is.
    """
    chain = []
    base = n
    while _is_view_of(base, vc):
        chain.append(base)
        base = base.parents[0]
    if not chain or base.value.base is not None:     # not a view, or its base does not own its memory
        return None
    if len(chain) == 1 and n.prim.name == "getitem":
        return base, n.params["index"]
    where = np.arange(base.value.size).reshape(base.value.shape)
    for view in reversed(chain):
        where = view.prim.forward(where, **view.params)
    return base, np.unravel_index(where, base.value.shape)


def _record_view_write(n: Node, vc: list, new_view: Node) -> None:
    """Remember a write through a view of a whole array, so that its base can catch up (refresh)."""
    found = _view_index(n, vc)
    if found is None:   # a second write through the same view replaces the record of the first
        earlier = [r for r in vc[3] if r[3] is n]
        if not earlier:
            return
        vc[3].remove(earlier[0])
        found = earlier[0][1], earlier[0][2]
    base, index = found
    vc[3].append((vc[0], base, index, new_view))


def _check_float_args(prim, args, raws) -> None:
    for k, (a, r) in enumerate(zip(args, raws)):
        if k in prim.nondiff:
            continue
        if isinstance(a, Tensor) and r.dtype.kind != "f":
            raise DTypeError(
                f"'{prim.name}' needs floating-point data, but its argument {k} "
                f"{a._node.describe()} has dtype {r.dtype}. Convert it with .float() "
                "or create it with dp.tensor(..., dtype=float).")


def _raise_stale(n: Node, opname: str):
    raise InplaceError(
        f"'{opname}' was given {n.describe()}, whose memory was changed in place afterwards by "
        f"{n.vc[1] or 'an in-place op'} (version {n.ver} -> {n.vc[0]}). Its recorded history no longer "
        "matches its value, e.g. a view taken before the change. Take the view after the in-place op, "
        "or use an out-of-place op (y = y + 3 instead of y.add_(3)).")


def check_finite(arr, opname: str, phase: str, params=None, culprit: str = "") -> None:
    """Raise AnomalyError when ``arr`` holds NaN or inf (used under ``dp.detect_anomaly``).

    >>> import numpy as np
    >>> check_finite(np.ones(2), "exp", "forward")
    """
    raw = arr._node.value if isinstance(arr, Tensor) else np.asarray(arr)
    if raw.dtype.kind == "f" and not np.isfinite(raw).all():
        bad = "NaN" if np.isnan(raw).any() else "inf"
        where = f" in scope '{STATE.scope}'" if STATE.scope and phase == "forward" else ""
        raise AnomalyError(
            f"detect_anomaly: the {phase} pass of '{opname}'{culprit}{where} produced {bad}"
            f"{(' (params ' + _fmt_params(params) + ')') if params else ''}. Check this op's inputs "
            "(e.g. log of a non-positive number, division by zero, overflow in exp).")


def _fmt_params(params) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in params.items())


def _explain(prim, raws, params, err: Exception) -> DpvizError:
    shapes = " and ".join(str(np.shape(r)) for r in raws)
    msg = str(err).split("\n")[0]
    if isinstance(err, IndexError):
        return ShapeError(f"'{prim.name}': index {params.get('index')!r} does not fit shape "
                          f"{np.shape(raws[0])}: {msg}")
    extra = f" with {_fmt_params(params)}" if params else ""
    return ShapeError(f"'{prim.name}' cannot combine shapes {shapes}{extra}: {msg}. "
                      "Check the operands' shapes (broadcasting aligns trailing axes; matmul needs "
                      "the last axis of the left to equal the second-to-last of the right).")


# ---------------------------------------------------------------------------------------------


class Tensor:
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

    __slots__ = ("_node", "__weakref__")
    __array_ufunc__ = None   # make numpy hand `ndarray * tensor` to Tensor.__rmul__

    # -- basic attributes ---------------------------------------------------------------------
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
        >>> dp.tensor(1.0).scope
        ''
        """
        return self._node.scope

    @property
    def requires_grad(self) -> bool:
        """Whether gradients flow to this tensor.

        >>> import dpviz as dp
        >>> dp.tensor(1.0).requires_grad
        False
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
        n.vc[2] = n if flag else None

    @property
    def is_leaf(self) -> bool:
        """True for tensors created by the user rather than computed.

        >>> import dpviz as dp
        >>> dp.tensor(1.0).is_leaf
        True
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
        >>> dp.tensor([[1.0, 2.0]]).size
        2
        """
        return self._node.value.size

    @property
    def dtype(self) -> np.dtype:
        """The NumPy dtype (float64 unless asked otherwise).

        >>> import dpviz as dp
        >>> dp.tensor([1.0]).dtype
        dtype('float64')
        """
        return self._node.value.dtype

    @property
    def version(self) -> int:
        """How many in-place changes this tensor's memory has seen.

        >>> import dpviz as dp
        >>> y = dp.tensor([1.0]); _ = y.add_(1.0); y.version
        1
        """
        return self._node.vc[0]

    def numpy(self) -> np.ndarray:
        """A copy of the value as a NumPy array.

        >>> import dpviz as dp
        >>> dp.tensor([1.0, 2.0]).numpy()
        array([1., 2.])
        """
        return self._node.value.copy()

    def item(self) -> float:
        """The value of a one-element tensor as a Python number.

        >>> import dpviz as dp
        >>> dp.tensor([2.5]).item()
        2.5
        """
        v = self._node.value
        if v.size != 1:
            raise ShapeError(f".item() needs a tensor with one element; this one has shape {v.shape}")
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

    @staticmethod
    def _wrap(node: Node) -> "Tensor":
        t = Tensor.__new__(Tensor)
        t._node = node
        return t

    def __init__(self, *args, **kwargs):
        raise DpvizError("create tensors with dp.tensor(data, name=..., requires_grad=...)")

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
        from dpviz.reverse import backward as _backward

        _backward(self, gradient, retain_graph, create_graph)

    def zero_grad(self) -> None:
        """Forget the accumulated gradient (``.grad`` becomes None).

        >>> import dpviz as dp
        >>> x = dp.tensor(1.0, requires_grad=True); (x * 2).backward(); x.zero_grad(); x.grad is None
        True
        """
        self._node.grad = None

    # -- printing ---------------------------------------------------------------------------
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
        # np.asarray(t) gives the (detached) values; numpy functions on tensors do not record.
        v = self._node.value
        return v.astype(dtype) if dtype is not None else v

    __hash__ = object.__hash__

    # comparisons give plain boolean arrays: they are not differentiable, and `if x > 0:` works
    def __lt__(self, o): return self._node.value < _raw(o)
    def __le__(self, o): return self._node.value <= _raw(o)
    def __gt__(self, o): return self._node.value > _raw(o)
    def __ge__(self, o): return self._node.value >= _raw(o)

    def __eq__(self, o):  # type: ignore[override]
        return self._node.value == _raw(o)

    def __ne__(self, o):  # type: ignore[override]
        return self._node.value != _raw(o)

    # -- in-place operations ------------------------------------------------------------------
    def _inplace(self, prim, opname: str, *others, **params) -> "Tensor":
        """Run ``prim(self, *others)`` and write the result into this tensor's memory.

        The handle then points at a new node whose first parent is the old one;
        the shared version counter goes up, so any node that saved the old value
        (or is a view of this memory) can tell that it changed.
        """
        n = self._node
        needs_graph = STATE.grad_enabled and (n.requires_grad or any(
            isinstance(o, Tensor) and o._node.requires_grad for o in others))
        if needs_graph and n.vc[2] is not None:
            leaf = n.vc[2]
            raise InplaceError(
                f"'{opname}' would change {leaf.describe()} in place, a leaf that requires grad "
                f"{'(through a view of it) ' if leaf is not n else ''}while its graph is being recorded. "
                "Do parameter updates inside `with dp.no_grad():`, or work on a copy (x = x + ...).")
        mem, vc = n.value, n.vc
        if not mem.flags.writeable:
            raise DpvizError(f"'{opname}': {n.describe()} is a read-only array and cannot change in place")
        if needs_graph:
            base = self
            if 0 in prim.saves:
                # the rule needs the old value, which we are about to overwrite: keep a copy
                from dpviz.primitives import clone
                base = clone(self)
            result = bind(prim, base, *others, **params)
            new_value = result._node.value
            if n.prim is None:
                # a constant leaf stays in the graph as the op's input: it keeps its old value
                n.value, n.vc, n.ver = mem.copy(), _new_vc(), 0
        else:
            raws = [mem] + [_raw(o) for o in others]
            try:
                new_value = prim.forward(*raws, **params)
            except (ValueError, IndexError, TypeError) as e:
                raise _explain(prim, raws, params, e) from None
            result = None
        if np.shape(new_value) != mem.shape:
            raise ShapeError(f"'{opname}' on {n.describe()} of shape {mem.shape} cannot store a result "
                             f"of shape {np.shape(new_value)}; in-place ops keep the shape of their target.")
        try:
            np.copyto(mem, new_value, casting="same_kind")
        except TypeError as e:
            raise DTypeError(f"'{opname}' on {n.describe()} (dtype {mem.dtype}): {e}") from None
        vc[0] += 1
        vc[1] = f"'{opname}' on {n.describe()}"
        if result is not None:
            vc[4] = True
            _record_view_write(n, vc, result._node)
            new = result._node
            new.op = opname
            new.value, new.vc, new.ver = mem, vc, vc[0]
            new.name = n.name
            self._node = new
        elif n.prim is None:
            n.ver = vc[0]            # a leaf has no history to contradict its new value
        return self

    def add_(self, other) -> "Tensor":
        """In place: ``self += other``.

        >>> import dpviz as dp
        >>> y = dp.tensor([1.0, 2.0]); y.add_(1.0)
        tensor([2., 3.])
        """
        from dpviz.primitives import add
        return self._inplace(add, "add_", other)

    def sub_(self, other) -> "Tensor":
        """In place: ``self -= other``.

        >>> import dpviz as dp
        >>> dp.tensor([1.0, 2.0]).sub_(1.0)
        tensor([0., 1.])
        """
        from dpviz.primitives import sub
        return self._inplace(sub, "sub_", other)

    def mul_(self, other) -> "Tensor":
        """In place: ``self *= other``.

        >>> import dpviz as dp
        >>> dp.tensor([1.0, 2.0]).mul_(3.0)
        tensor([3., 6.])
        """
        from dpviz.primitives import mul
        return self._inplace(mul, "mul_", other)

    def zero_(self) -> "Tensor":
        """In place: set every element to 0.

        >>> import dpviz as dp
        >>> dp.tensor([1.0, 2.0]).zero_()
        tensor([0., 0.])
        """
        from dpviz.primitives import mul
        return self._inplace(mul, "zero_", 0.0)

    def __iadd__(self, other): return self.add_(other)
    def __isub__(self, other): return self.sub_(other)
    def __imul__(self, other): return self.mul_(other)

    def __setitem__(self, index, value) -> None:
        from dpviz.primitives import INDEX_UPDATE, normalize_index
        self._inplace(INDEX_UPDATE, "setitem", value, index=normalize_index(index, self.shape))


def _raw(a):
    return a._node.value if isinstance(a, Tensor) else a


# ---------------------------------------------------------------------------------------------
# Creating tensors


def tensor(data, name: str | None = None, requires_grad: bool = False, dtype=None) -> Tensor:
    """Make a leaf tensor from a number, a (nested) list or a NumPy array.

    Floats become float64 unless ``dtype`` says otherwise; integer and bool
    data keep their dtype (useful for labels and masks) but cannot require grad.
    The data are copied.

    >>> import dpviz as dp
    >>> x = dp.tensor([[1., 2.], [3., 4.]], name="x", requires_grad=True)
    >>> x.shape, x.dtype, x.requires_grad
    ((2, 2), dtype('float64'), True)
    """
    if isinstance(data, Tensor):
        data = data._node.value
    if name is not None and not isinstance(name, str):
        raise UnsupportedTypeError(f"a tensor name must be a string; got {type(name).__name__}")
    try:
        if dtype is not None:
            arr = np.array(data, dtype=dtype)
        else:
            arr = np.array(data)
            if arr.dtype.kind == "f" and arr.dtype != np.float32 and arr.dtype != np.float64:
                arr = arr.astype(np.float64)
            elif arr.dtype.kind == "f" and not isinstance(data, np.ndarray):
                arr = arr.astype(np.float64)
    except (ValueError, TypeError) as e:
        raise ShapeError(f"dp.tensor could not make an array of {type(data).__name__}: "
                         f"{str(e).splitlines()[0]} (ragged nested lists are not arrays)") from None
    if arr.dtype.kind in "US" or arr.dtype.kind == "O":
        raise DTypeError(f"dp.tensor got data of dtype {arr.dtype} ({type(data).__name__}); "
                         "dpviz tensors hold numbers.")
    _check_dtype(arr, "dp.tensor's data")
    if requires_grad and arr.dtype.kind != "f":
        raise DTypeError(f"requires_grad=True needs floating-point data, but the data have dtype "
                         f"{arr.dtype}. Pass floats (1.0 rather than 1) or dtype=float.")
    node = Node(None, "input", (), None, arr, bool(requires_grad), _new_vc(), kind="input", name=name)
    if requires_grad:
        node.vc[2] = node
    return Tensor._wrap(node)


def as_tensor(x, name: str | None = None) -> Tensor:
    """Return ``x`` if it is a tensor, else a new constant tensor holding it.

    >>> import dpviz as dp
    >>> dp.as_tensor(2.0).data
    array(2.)
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
    >>> dp.randn(2, 3, seed=0).shape
    (2, 3)
    """
    rng = np.random.default_rng(seed)
    return tensor(rng.standard_normal(shape), name=name, requires_grad=requires_grad)
