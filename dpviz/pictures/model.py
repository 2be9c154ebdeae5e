"""The one graph that every drawing is made from, whatever it was built from.

A dpviz ``Program``, the history of a dpviz tensor and the autograd graph of a PyTorch
tensor are all turned into a :class:`Diagram`: nodes in a topological order (leaves
first, as in Definition 1 of the paper) and edges ``(i, j)`` with ``i < j`` (only an
in-place write's ``"overwrote"`` edge points back, at the node it overwrote). The DOT
writer, the collapser and style hooks only ever see this, which is why the three
sources share one visual vocabulary.

>>> d = Diagram([NodeInfo(index=0, kind="input", op="input", name="x"),
...              NodeInfo(index=1, kind="op", op="tanh", args=(0,), is_output=True)],
...             [EdgeInfo(0, 1, 0)])
>>> d.nodes[1].label, d.n
('tanh1', 2)
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from dpviz.pictures.ids import node_id

#: Every kind of node a drawing knows, in the order the legend lists them.
KINDS: tuple[str, ...] = ("input", "param", "const", "op", "output", "saved", "view_base", "group")

#: Whether a gradient was computed for a node, said in words in the label.
GRAD_COMPUTED = "computed"
GRAD_NOT_COMPUTED = "not computed"
GRAD_NOT_NEEDED = "not needed"
GRAD_UNAVAILABLE = "unavailable"   # the source does not keep gradients here (PyTorch ops)


def scope_from_name(name: str | None) -> str:
    """The module path in a parameter's dotted name, as a scope: ``"mlp.layer0.weight"`` -> ``"mlp/layer0"``.

    Parameters are created outside the scope of the call that uses them, so their names
    (``dp.nn`` and ``model.named_parameters()`` both use dots) are what places them in it.

    >>> scope_from_name("mlp.layer0.weight"), scope_from_name("w")
    ('mlp/layer0', '')
    """
    if not name or "." not in name:
        return ""
    return name.rsplit(".", 1)[0].replace(".", "/")


@dataclass(slots=True)
class NodeInfo:
    """What a drawing knows about one node; style hooks receive this and must not change it.

    (It is not a frozen dataclass only because a frozen one is three times slower to make, and
    a drawing of a PyTorch graph makes thousands.)

    ``index`` is the node's 0-based position in topological order (the paper's
    index i counts from 1). ``kind`` is one of :data:`KINDS` except ``"output"`` and
    ``"group"`` (an output is an ``"op"`` or leaf with ``is_output``). ``value`` and
    ``grad`` are arrays or ``None``; ``grad_state`` says in words why a grad may be missing.
    ``subtitle`` is a second, smaller title line (PyTorch's ``AddmmBackward0`` is subtitled
    ``addmm``). ``version`` is set when an in-place op changed the node's memory (the version
    the node holds) and ``overwritten_by`` is the index of the node that overwrote it (``-1``:
    an op outside the drawing). ``source`` is the object the node was made from (a Program
    node, a PyTorch ``grad_fn`` or tensor), for hooks that need more.

    >>> NodeInfo(index=3, kind="op", op="add").label
    'add3'
    >>> NodeInfo(index=0, kind="param", op="param", name="W").label
    'W'
    """

    index: int
    kind: str
    op: str
    name: str | None = None
    args: tuple[int, ...] = ()
    shape: tuple[int, ...] | None = None
    dtype: str | None = None
    scope: str = ""
    value: Any = None
    grad: Any = None
    grad_state: str = GRAD_NOT_COMPUTED
    is_output: bool = False
    params: dict[str, Any] = field(default_factory=dict)
    subtitle: str | None = None
    version: int | None = None
    overwritten_by: int | None = None
    source: Any = field(default=None, compare=False, repr=False)

    @property
    def label(self) -> str:
        """The name, or ``op`` followed by the index when the node has no name."""
        return self.name if self.name else f"{self.op}{self.index}"

    @property
    def id(self) -> str:
        """The node's identifier in DOT text (:func:`~dpviz.pictures.ids.node_id`), stable across runs."""
        return node_id(self.index)


@dataclass(frozen=True, slots=True)
class EdgeInfo:
    """An edge ``src -> dst``; ``position`` is the argument slot of ``src`` in ``dst``.

    ``style`` is ``"data"`` for a value flowing into an op, ``"saved"`` for a tensor
    an op keeps for its backward pass, ``"view"`` from a view's base, and ``"overwrote"``
    from an in-place op back to the node whose memory it overwrote.

    >>> EdgeInfo(0, 2, 1)
    EdgeInfo(src=0, dst=2, position=1, style='data')
    """

    src: int
    dst: int
    position: int | None = None
    style: str = "data"


@dataclass(slots=True)
class Diagram:
    """Nodes in topological order (``nodes[i].index == i``) and the edges between them.

    >>> Diagram([NodeInfo(index=0, kind="input", op="input")], [], title="one").n
    1
    """

    nodes: list[NodeInfo]
    edges: list[EdgeInfo]
    title: str | None = None
    source_kind: str = "program"   # "program" or "torch": which legend entries apply
    #: What a scope's cluster is called, where its last name alone says little (PyTorch's
    #: ``Sequential`` numbers its layers: scope ``"0"`` is titled ``"0 · Linear"``).
    scope_titles: dict[str, str] = field(default_factory=dict)

    @property
    def n(self) -> int:
        """The number of nodes."""
        return len(self.nodes)
