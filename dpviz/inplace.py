"""In-place operations, and how writes through views reach their base (PyTorch's CopySlices).

``y.add_(3)`` computes ``add(y, 3)`` and writes the result into ``y``'s memory.  When a
graph is being recorded the handle ``y`` then points at the new node, whose first parent
is the old one; the memory's version counter goes up, so every node that saved the old
value (or is a view of the same memory) can tell that it changed.  What the AD notes in
the course texts describe for PyTorch ("In-Place operations") holds here: a backward
pass that needs an overwritten value raises :class:`~dpviz.errors.InplaceError` naming
both ops, and a leaf that requires grad cannot be changed in place while recording.

A write through a view (``v = b[1:3]; v.mul_(10)``) changes ``b``'s memory too.  ``b``'s
new history is "``b`` with ``b[1:3]`` replaced by the new ``v``": the write is remembered
on the shared version counter (:class:`~dpviz.node.ViewWrite`), and the next op that uses
``b`` records that ``setitem`` first (:func:`refresh`).

>>> import dpviz as dp
>>> x = dp.tensor([1.0, 2.0, 3.0], requires_grad=True)
>>> b = x * 1.0
>>> v = b[:2]
>>> _ = v.mul_(10.0)
>>> (b * 1.0).sum().backward()
>>> x.grad
array([10., 10.,  1.])
"""
from __future__ import annotations

from typing import Any

import numpy as np

from dpviz.context import STATE
from dpviz.errors import DTypeError, DpvizError, InplaceError, ShapeError
from dpviz.node import Handle, Node, VersionCounter, ViewWrite, value_of
from dpviz.primitives import clone_p, setitem_p
from dpviz.record import bind, forward


def apply(t: Handle, prim, opname: str, *others, **params) -> Handle:
    """Run ``prim(t, *others, **params)`` and write the result into ``t``'s memory; return ``t``.

    ``opname`` is what the user wrote (``"add_"``, ``"setitem"``); it names the new node.

    >>> import dpviz as dp
    >>> from dpviz.primitives import add_p
    >>> y = dp.tensor([1.0, 2.0])
    >>> apply(y, add_p, "add_", 1.0).data, y.version
    (array([2., 3.]), 1)
    """
    n = t._node
    needs_graph = STATE.grad_enabled and (n.requires_grad or any(
        isinstance(o, Handle) and o._node.requires_grad for o in others))
    if needs_graph and n.vc.owner is not None:
        leaf = n.vc.owner
        raise InplaceError(
            f"'{opname}' would change {leaf.describe()} in place, a leaf that requires grad "
            f"{'(through a view of it) ' if leaf is not n else ''}while its graph is being recorded. "
            "Do parameter updates inside `with dp.no_grad():`, or work on a copy (x = x + ...).")
    mem, vc = n.value, n.vc
    if not mem.flags.writeable:
        raise DpvizError(f"'{opname}': {n.describe()} is a read-only array and cannot change in place")
    if needs_graph:
        base = t
        if 0 in prim.saves:
            # the rule needs the old value, which we are about to overwrite: keep a copy
            base = clone_p(t)
        result = bind(prim, base, *others, **params)
        new_value = result._node.value
        if n.prim is None:
            # a constant leaf stays in the graph as the op's input: it keeps its old value
            n.value, n.vc, n.ver = mem.copy(), VersionCounter(), 0
    else:
        raws = [mem] + [value_of(o) for o in others]
        new_value = forward(prim, raws, params)
        result = None
    if np.shape(new_value) != mem.shape:
        raise ShapeError(f"'{opname}' on {n.describe()} of shape {mem.shape} cannot store a result "
                         f"of shape {np.shape(new_value)}; in-place ops keep the shape of their target.")
    try:
        np.copyto(mem, new_value, casting="same_kind")
    except TypeError as e:
        raise DTypeError(f"'{opname}' on {n.describe()} (dtype {mem.dtype}): {e}") from None
    version = vc.bump(f"'{opname}' on {n.describe()}")
    if result is not None:
        vc.recorded = True
        _record_view_write(n, vc, result._node)
        new = result._node
        new.op = opname
        new.value, new.vc, new.ver = mem, vc, version
        new.name = n.name
        t._node = new
    elif n.prim is None:
        n.ver = version            # a leaf has no history to contradict its new value
    return t


def _is_view_of(n: Node, vc: VersionCounter) -> bool:
    return n.prim is not None and n.prim.view and bool(n.parents) and isinstance(n.parents[0], Node) \
        and n.parents[0].vc is vc


def _view_index(n: Node, vc: VersionCounter) -> tuple[Node, Any] | None:
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


def _record_view_write(n: Node, vc: VersionCounter, written: Node) -> None:
    """Remember a write through a view of a whole array, so that its base can catch up (refresh)."""
    found = _view_index(n, vc)
    if found is None:   # a second write through the same view replaces the record of the first
        earlier = [w for w in vc.view_writes if w.written is n]
        if not earlier:
            return
        vc.view_writes.remove(earlier[0])
        found = earlier[0].base, earlier[0].index
    base, index = found
    vc.view_writes.append(ViewWrite(vc.version, base, index, written))


def _raise_stale(n: Node, opname: str):
    raise InplaceError(
        f"'{opname}' was given {n.describe()}, whose memory was changed in place afterwards by "
        f"{n.vc.changed_by or 'an in-place op'} (version {n.ver} -> {n.vc.version}). Its recorded history "
        "no longer matches its value, e.g. a view taken before the change. Take the view after the in-place "
        "op, or use an out-of-place op (y = y + 3 instead of y.add_(3)).")


def refresh(t: Handle, opname: str) -> Node:
    """Bring a tensor whose memory was written through a view up to date, or explain why not.

    Each write through a view since ``t``'s node was made is replayed onto it as a
    ``setitem`` node (the base with the view's new node written in), and ``t``
    points at the last one.  Using a view taken before its memory changed raises
    :class:`InplaceError`: its history no longer matches its value.

    >>> import dpviz as dp
    >>> b = dp.tensor([1.0, 2.0], requires_grad=True) * 1.0
    >>> v = b[1:]
    >>> _ = v.add_(5.0)
    >>> refresh(b, "mul").op, b.data
    ('setitem', array([1., 7.]))
    """
    n = t._node
    vc = n.vc
    if n.prim is None and not vc.recorded:
        n.ver = vc.version         # plain data changed with no graph involved: nothing to rebuild
        return n
    cur = n
    for write in vc.view_writes:
        if write.version <= cur.ver:
            continue
        if write.base is not cur:
            _raise_stale(n, opname)
        node = Node(setitem_p, setitem_p.name, (cur, write.written), {"index": write.index}, cur.value,
                    cur.requires_grad or write.written.requires_grad, vc)
        node.ver = write.version
        node.name = n.name
        cur = node
    if cur.ver != vc.version:
        _raise_stale(n, opname)
    t._node = cur
    return cur
