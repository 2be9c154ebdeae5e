"""Interpreters of a Program: its forward pass, its adjoints and its tangents, step by step.

One trace, many interpretations.  Each function here reads a :class:`~dpviz.program.Program`
and *returns* what it computes - a list of values, or the steps one by one - and never
changes the Program: showing a program (a stepper, a timeline, a gradient check) cannot
alter it.  The step objects carry everything a picture needs, so nothing downstream has
to re-derive a rule: a :class:`BackwardStep` holds the op's :class:`~dpviz.primitives.Partial`
for that argument and, for scalars, its value.

* :func:`forward_steps` / :func:`evaluate` - the forward algorithm of Definition 1,
  ``v_i = f_i(v_j for j in α_i)``, each primitive evaluated as the eager engine does
  (:func:`dpviz.record.forward`, or :func:`dpviz.record.bind` when the leaves are tensors);
* :func:`backward_steps` / :func:`gradients` - the adjoint algorithm, the very generator
  ``Tensor.backward`` uses (:func:`dpviz.reverse.adjoint_steps`), over the program's nodes;
* :func:`jvp_steps` / :func:`push_tangents` - forward mode, one JVP rule per argument.

>>> import dpviz as dp
>>> prog = dp.trace(lambda a, b: a * b, 2.0, -3.0)
>>> [(s.edge, float(s.local), s.partial.text) for s in backward_steps(prog, prog.seeds())]
[((0, 2), -3.0, '∂(a·b)/∂a = b'), ((1, 2), 2.0, '∂(a·b)/∂b = a')]
>>> prog.nodes[0].grad is None          # the program was only read
True
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Iterator, Mapping, NamedTuple, Sequence

import numpy as np

from dpviz.node import Handle, Node, VersionCounter, value_of
from dpviz.primitives import Partial, broadcast_to
from dpviz.record import bind, forward
from dpviz.reverse import adjoint_steps

if TYPE_CHECKING:   # annotations only: the Program calls these interpreters
    from dpviz.program import Program, ProgramNode


@dataclass(frozen=True)
class ForwardStep:
    """One step of the forward algorithm: node ``index`` got ``value = op(arg_values)``.

    >>> import dpviz as dp
    >>> step = next(dp.trace(lambda x: x.exp(), 0.0).forward_steps())
    >>> step.index, step.op, float(step.value)
    (1, 'exp', 1.0)
    """

    index: int
    op: str
    args: tuple
    arg_values: tuple
    value: Any


@dataclass(frozen=True)
class BackwardStep:
    """One adjoint contribution along edge ``(parent, node)`` of the adjoint algorithm.

    ``upstream`` is the adjoint of ``node`` (v̄_node), ``contribution`` what the VJP rule
    of ``node``'s op sends to its argument ``position``, and ``adjoint`` the parent's
    running adjoint after adding it (``accumulated`` tells whether an earlier use of the
    parent had already contributed - fan-out).  ``partial`` is how the local derivative
    ∂v_node/∂v_parent is written; ``local`` is its value when both nodes are scalars
    (then ``contribution == upstream * local``), None otherwise (it is a Jacobian then,
    which the adjoint algorithm never forms).

    >>> import dpviz as dp
    >>> prog = dp.trace(lambda a, b: a * b, 2.0, -3.0)
    >>> [(s.edge, float(s.contribution)) for s in prog.backward_steps()]
    [((0, 2), -3.0), ((1, 2), 2.0)]
    """

    edge: tuple
    node: int
    parent: int
    position: int
    op: str
    upstream: Any
    contribution: Any
    adjoint: Any
    accumulated: bool
    partial: Partial
    local: Any


class JvpTerm(NamedTuple):
    """What argument ``parent`` (at ``position``) adds to a node's tangent: ``contribution``.

    ``partial`` and ``local`` are as in :class:`BackwardStep` (``local`` only for scalars).

    >>> import dpviz as dp
    >>> step = list(dp.trace(lambda x: x * 3.0, 2.0).jvp_steps([1.0]))[-1]
    >>> [(t.parent, t.position, t.partial.text, float(t.local), float(t.contribution)) for t in step.contributions]
    [(0, 0, '∂(a·b)/∂a = b', 3.0, 3.0)]
    """

    parent: int
    position: int
    partial: Partial
    local: Any
    contribution: Any


@dataclass(frozen=True)
class JvpStep:
    """One step of forward mode: node ``index`` got ``tangent``, the sum of ``contributions``.

    ``contributions`` holds one :class:`JvpTerm` per argument whose tangent is not zero
    (``tangent`` is None when there is none).

    >>> import dpviz as dp
    >>> prog = dp.trace(lambda x: x * x, 3.0)
    >>> [(float(s.tangent), [float(t.local) for t in s.contributions]) for s in prog.jvp_steps([1.0])]
    [(6.0, [3.0, 3.0])]
    """

    index: int
    op: str
    contributions: tuple
    tangent: Any


# ---------------------------------------------------------------------------------------------
# The forward algorithm


def _values(prog: "Program", leaves: Sequence) -> Iterator[tuple["ProgramNode", list]]:
    """Evaluate node by node from the ``l`` leaf values; yield (node, values so far) for i ≥ l.

    With any tensor among the leaves every primitive is bound (recorded), so that an outer
    transformation can differentiate through the replay; otherwise it is evaluated on NumPy.
    """
    values: list = list(leaves) + [None] * (prog.n - prog.l)
    record = any(isinstance(v, Handle) for v in leaves)
    for node in prog.nodes[prog.l:]:
        i = node.index
        if node.prim is None:
            values[i] = node.value
        elif record:
            values[i] = bind(node.prim, *[values[j] for j in node.args], **node.params)
        else:
            values[i] = forward(node.prim, [values[j] for j in node.args], node.params,
                                f" (node {i} '{node.label}')")
        yield node, values


def forward_steps(prog: "Program", leaves: Sequence) -> Iterator[ForwardStep]:
    """The forward algorithm from the ``l`` leaf values, one :class:`ForwardStep` per node i ≥ l.

    >>> import dpviz as dp
    >>> prog = dp.trace(lambda x: x.exp(), 0.0)
    >>> [float(s.value) for s in forward_steps(prog, [np.array(1.0)])]
    [2.718281828459045]
    """
    for node, values in _values(prog, leaves):
        yield ForwardStep(node.index, node.op, node.args, tuple(values[j] for j in node.args),
                          values[node.index])


def evaluate(prog: "Program", leaves: Sequence) -> list:
    """Every node's value, computed from the ``l`` leaf values.

    >>> import dpviz as dp
    >>> prog = dp.trace(lambda x: x * 2.0, 1.0)
    >>> [float(v) for v in evaluate(prog, [np.array(5.0)])]
    [5.0, 2.0, 10.0]
    """
    values = list(leaves)
    for _, values in _values(prog, leaves):
        pass
    return values


# ---------------------------------------------------------------------------------------------
# The adjoint algorithm


def _local(node: "ProgramNode", seed: Any, ans: Any, argv: Sequence, rule) -> Any:
    """∂v_i/∂v_j as a number when the node and all its arguments are scalar arrays (else None).

    For scalars a rule applied to 1 *is* the derivative: ``seed`` is the array to apply it
    to (an upstream adjoint of the output's shape for a VJP rule, a tangent of the
    argument's shape for a JVP rule).
    """
    if not isinstance(ans, np.ndarray) or ans.size != 1 or any(np.size(v) != 1 for v in argv):
        return None
    return np.asarray(rule(np.ones(np.shape(seed)), ans, *argv, **node.params))


def as_graph(prog: "Program", values: Sequence | None = None) -> list[Node]:
    """The program as recorded nodes holding its values (or ``values``), one per program node.

    Leaves of float dtype (inputs, parameters) require grad, as in :func:`dpviz.trace`;
    every node gets a version counter of its own, since nothing writes to these values.

    >>> import dpviz as dp
    >>> [(n.op, n.requires_grad) for n in as_graph(dp.trace(lambda x: x * 2.0, 1.0))]
    [('input', True), ('const', False), ('mul', True)]
    """
    graph: list[Node] = []
    for pn in prog.nodes:
        value = pn.value if values is None else value_of(values[pn.index])
        if pn.prim is None:
            rg = pn.kind in ("input", "param") and np.asarray(value).dtype.kind == "f"
            node = Node(None, pn.op, (), None, value, rg, VersionCounter(), kind=pn.kind, name=pn.name)
        else:
            parents = tuple(graph[j] for j in pn.args)
            node = Node(pn.prim, pn.op, parents, pn.params, value,
                        any(p.requires_grad for p in parents), VersionCounter(), name=pn.name)
            node.saved_ver = (0,) * len(parents)
        graph.append(node)
    return graph


def _adjoint_edges(prog: "Program", seeds: Mapping[int, Any], values: Sequence | None):
    graph = as_graph(prog, values)
    index = {node: i for i, node in enumerate(graph)}
    for s in adjoint_steps({graph[i]: g for i, g in seeds.items()}, retain_graph=True):
        yield index[s.node], index[s.parent], s, graph


def backward_steps(prog: "Program", seeds: Mapping[int, Any],
                   values: Sequence | None = None) -> Iterator[BackwardStep]:
    """The adjoint algorithm from ``seeds`` ({output index: adjoint}), edge by edge.

    It runs at the values ``prog`` holds, or at ``values`` (every node's, as
    :func:`evaluate` returns them).  Nodes are visited from n-1 down to l; each sends its
    adjoint to every argument that needs a gradient.  The steps are those of
    ``Tensor.backward`` on the same graph.

    >>> import dpviz as dp
    >>> prog = dp.trace(lambda x: x * x, 3.0)
    >>> [(s.edge, float(s.adjoint), s.accumulated) for s in backward_steps(prog, {1: np.array(1.0)})]
    [((0, 1), 3.0, False), ((0, 1), 6.0, True)]
    """
    for i, j, s, graph in _adjoint_edges(prog, seeds, values):
        node = prog.nodes[i]
        argv = [graph[a].value for a in node.args]
        local = _local(node, s.node.value, s.node.value, argv, node.prim.vjp_rule(s.position))
        yield BackwardStep((j, i), i, j, s.position, node.op, s.upstream, np.asarray(s.contribution),
                           np.asarray(s.adjoint), s.accumulated, node.prim.partial(s.position), local)


def gradients(prog: "Program", seeds: Mapping[int, Any], values: Sequence | None = None) -> list:
    """Every node's adjoint from ``seeds`` (None where no adjoint reaches), at ``values`` as :func:`backward_steps`.

    >>> import dpviz as dp
    >>> prog = dp.trace(lambda a, b: a * b + a, 2.0, 5.0)
    >>> [None if g is None else float(g) for g in gradients(prog, prog.seeds())]
    [6.0, 2.0, 1.0, 1.0]
    """
    adjoint: list = [None] * prog.n
    for i, g in seeds.items():
        adjoint[i] = g
    for _, j, step, _ in _adjoint_edges(prog, seeds, values):
        adjoint[j] = np.asarray(step.adjoint)
    return adjoint


# ---------------------------------------------------------------------------------------------
# Forward mode


def _tangent_steps(prog: "Program", tangents: Mapping[int, Any], leaves: Sequence,
                   with_locals: bool) -> Iterator[tuple[JvpStep, list]]:
    tans: list = [None] * prog.n
    for i, t in tangents.items():
        tans[i] = t
    for node, values in _values(prog, leaves):
        terms = []
        total = None
        if node.prim is not None:
            ans = values[node.index]
            argv = [values[j] for j in node.args]
            for k, j in enumerate(node.args):
                if tans[j] is None:
                    continue
                rule = node.prim.jvp_rule(k)
                c = rule(tans[j], ans, *argv, **node.params)
                if np.shape(c) != np.shape(ans):
                    c = broadcast_to(c, np.shape(ans))
                local = _local(node, argv[k], ans, argv, rule) if with_locals else None
                terms.append(JvpTerm(j, k, node.prim.partial(k), local, c))
                total = c if total is None else total + c
        if total is not None and not isinstance(total, (Handle, np.ndarray)):
            total = np.asarray(total)
        tans[node.index] = total
        yield JvpStep(node.index, node.op, tuple(terms), total), values


def jvp_steps(prog: "Program", tangents: Mapping[int, Any], leaves: Sequence) -> Iterator[JvpStep]:
    """Push ``tangents`` ({leaf index: tangent}) forward from the leaf values, one :class:`JvpStep` per node i ≥ l.

    Tensors among the tangents or leaves make the rules record, so that an outer
    transformation can differentiate the result (``dp.hvp`` is forward-over-reverse).

    >>> import dpviz as dp
    >>> prog = dp.trace(lambda x, y: x * y, 2.0, 3.0)
    >>> [float(s.tangent) for s in jvp_steps(prog, {0: np.array(1.0)}, [np.array(2.0), np.array(3.0)])]
    [3.0]
    """
    for step, _ in _tangent_steps(prog, tangents, leaves, with_locals=True):
        yield step


def push_tangents(prog: "Program", tangents: Mapping[int, Any], leaves: Sequence) -> tuple[list, list]:
    """Every node's value and tangent (None where no tangent reaches), from the leaves and their tangents.

    >>> import dpviz as dp
    >>> prog = dp.trace(lambda x: x ** 3, 2.0)
    >>> values, tans = push_tangents(prog, {0: np.array(1.0)}, [np.array(2.0)])
    >>> float(values[-1]), float(tans[-1])
    (8.0, 12.0)
    """
    values = list(leaves)
    tans: list = [None] * prog.n
    for i, t in tangents.items():
        tans[i] = t
    for step, values in _tangent_steps(prog, tangents, leaves, with_locals=False):
        tans[step.index] = step.tangent
    return values, tans
