"""The recorded graph: its nodes, the version counters of the memory behind them, and the handle base.

A :class:`Node` is one vertex of a recorded graph: a primitive applied to parent nodes,
or a leaf.  The user never holds a Node; they hold a tensor (:mod:`dpviz.tensors`),
a *handle* that points at the node of its current value.  The two are separate because
an in-place operation (``y.add_(3)``) makes the handle ``y`` point at a new node while
the old node stays in the graph for every op that used it before - exactly PyTorch's
behaviour, and the reason its version counters exist (AD notes in the course texts,
"In-Place operations").

Nodes whose values share memory (a tensor and its views) share one
:class:`VersionCounter`; an in-place change :meth:`~VersionCounter.bump`\\ s it, and a
node whose recorded version ``ver`` no longer matches has had its value overwritten.

>>> import numpy as np
>>> vc = VersionCounter()
>>> leaf = Node(None, "input", (), None, np.ones(2), False, vc, kind="input", name="x")
>>> vc.bump("'add_' on x")
1
>>> leaf.ver, vc.version, vc.changed_by
(0, 1, "'add_' on x")
"""
from __future__ import annotations

import itertools
from typing import Any, NamedTuple

from dpviz.context import STATE

_SEQ = itertools.count()   # creation order: parents are always created before children


class ViewWrite(NamedTuple):
    """An in-place write made through a view: at ``version``, ``base[index]`` took the value of ``written``.

    ``base`` is the node whose memory the view shares (a node that owns its array);
    ``written`` is the node of the view after the write.  A handle of ``base`` that is
    used later catches up by recording ``setitem(base, written)`` (PyTorch's CopySlices),
    which :func:`dpviz.inplace.refresh` does.

    >>> ViewWrite(1, None, (slice(0, 2),), None).index
    (slice(0, 2, None),)
    """

    version: int
    base: "Node | None"
    index: Any
    written: "Node | None"


class VersionCounter:
    """How often some memory was changed in place, and what the graph needs to know about it.

    ``version`` counts the changes and ``changed_by`` says what made the last one (for
    error messages).  ``owner`` is the leaf that requires grad and owns the memory (an
    in-place change of it while recording is refused), ``view_writes`` the writes made
    through views (:class:`ViewWrite`), and ``recorded`` whether any change of this memory
    was recorded in a graph (then a handle whose version is behind must catch up).

    >>> vc = VersionCounter()
    >>> vc.bump("'mul_' on y"), vc.bump("'zero_' on y"), vc.changed_by
    (1, 2, "'zero_' on y")
    """

    __slots__ = ("version", "changed_by", "owner", "view_writes", "recorded")

    def __init__(self, owner: "Node | None" = None):
        self.version = 0
        self.changed_by: str | None = None
        self.owner = owner
        self.view_writes: list[ViewWrite] = []   # rare: most memory is never written through a view
        self.recorded = False

    def bump(self, what: str) -> int:
        """Count one in-place change, made by ``what`` (e.g. ``"'add_' on 'y' (tanh)"``); return the new version."""
        self.version += 1
        self.changed_by = what
        return self.version

    def __repr__(self) -> str:
        return f"VersionCounter(version={self.version}, changed_by={self.changed_by!r})"


#: How error messages call each kind of leaf.
_LEAF_WORDS = {"input": "input", "param": "parameter", "const": "constant"}


class Node:
    """One vertex of a recorded graph: ``prim`` applied to ``parents`` (or a leaf, ``prim`` None).

    ``parents`` holds Nodes and, for constants written in the program (the ``2`` of
    ``x * 2``), the raw values themselves.  ``op`` is what the drawing calls the node:
    the primitive's name, the in-place op the user wrote (``"add_"``, ``"setitem"``), or
    ``"input"``, ``"param"``, ``"const"`` for leaves (``kind`` says which of those, or
    ``"op"``).  ``vc`` is the :class:`VersionCounter` of the node's memory and ``ver`` the
    version its value had when computed; ``saved_ver`` the parents' versions when an op
    whose rules read them (``prim.saves``) saved them.  ``grad`` is filled by
    ``backward()``; ``freed`` is set once a backward pass that did not retain the graph
    went through.

    >>> import dpviz as dp
    >>> (dp.tensor(1.0, requires_grad=True) * 2).node.op
    'mul'
    """

    __slots__ = ("prim", "op", "parents", "params", "value", "requires_grad", "name",
                 "scope", "seq", "vc", "ver", "grad", "freed", "kind", "saved_ver", "__weakref__")

    def __init__(self, prim, op: str, parents: tuple, params, value, requires_grad: bool,
                 vc: VersionCounter, kind: str = "op", name: str | None = None):
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
        self.ver = vc.version
        self.grad = None
        self.freed = False
        self.kind = kind
        self.saved_ver: tuple | None = None

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
        >>> dp.tensor(1.0).node.describe().split(" (")[0], (dp.tensor(1.0, requires_grad=True) * 2).node.describe()[:21]
        ('an unnamed input', "the output of 'mul' (")
        """
        where = f" in scope '{self.scope}'" if self.scope else ""
        if self.name is not None:
            return f"'{self.name}' ({self.op}){where}"
        if self.prim is None:      # a leaf has no op whose output it could be
            return f"an unnamed {_LEAF_WORDS.get(self.op, self.op)} (node #{self.seq}){where}"
        return f"the output of '{self.op}' (node #{self.seq}){where}"

    def __repr__(self) -> str:
        return f"<Node {self.label} op={self.op!r}>"


def value_of(x: Any) -> Any:
    """The array behind a tensor, or ``x`` itself when it is not one (a number, an array).

    >>> import dpviz as dp, numpy as np
    >>> value_of(dp.tensor([1.0, 2.0])), value_of(3.0)
    (array([1., 2.]), 3.0)
    """
    return x._node.value if isinstance(x, Handle) else x


class Handle:
    """What the recorder needs of a tensor: the node of its current value (``_node``).

    :class:`dpviz.tensors.Tensor` is the one subclass; it adds everything a user calls.
    The recorder (:func:`dpviz.record.bind`) knows tensors only through this base, because
    the Tensor's operators call the primitives, which call the recorder: depending on the
    base keeps the imports pointing one way.

    >>> import dpviz as dp
    >>> isinstance(dp.tensor(1.0), Handle)
    True
    """

    __slots__ = ("_node", "__weakref__")

    @classmethod
    def _wrap(cls, node: Node) -> "Handle":
        """A new handle of this class pointing at ``node`` (tensors are never built with ``__init__``)."""
        h = object.__new__(cls)
        h._node = node
        return h

    def _catch_up(self, opname: str) -> Node:
        """Point ``_node`` at a node whose history matches the memory's current value; return it.

        Called by the recorder when the memory changed in place since ``_node`` was made
        (a write through a view); ``Tensor`` implements it with :func:`dpviz.inplace.refresh`.
        """
        raise NotImplementedError
