"""Programs: the paper's Definition 1, a topologically ordered DAG ⟨n, l, E, f_i, v_i, α_i⟩.

``dp.trace(f, *args)`` runs ``f`` once and returns a :class:`Program`: nodes
``0 .. n-1`` (dpviz counts from 0, as Python does; the paper counts from 1), the
first ``l`` of which are the inputs and parameters, every other node ``i``
computed as ``v_i = f_i(v_j for j in α_i)`` with all ``j < i``.  One trace, many
interpretations: evaluate it again (``prog(*args)``), differentiate it
(``backward``, ``jvp``), step through it (``forward_steps``, ``backward_steps``,
``jvp_steps``), print it (``str(prog)``), draw it (``dp.draw``).  The interpreters live
in :mod:`dpviz.steps`; this module holds the graph and how it is built.

Python control flow is run, not recorded (define-by-run): the Program holds the
branch that was taken for the example inputs, so different inputs can give
different programs; ``prog(*new_args)`` replays the recorded branch.

>>> import dpviz as dp, numpy as np
>>> prog = dp.trace(lambda x, w: (x @ w).tanh().sum(), np.ones((2, 2)), np.ones((2, 3)))
>>> prog.n, prog.l, [node.op for node in prog.nodes]
(5, 2, ['input', 'input', 'matmul', 'tanh', 'sum'])
>>> prog.edges
[(0, 2), (1, 2), (2, 3), (3, 4)]
"""
from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Mapping, Sequence

import numpy as np

from dpviz import steps
from dpviz.context import STATE
from dpviz.errors import BackwardError, DpvizError, ReplayError, ShapeError, UnsupportedTypeError
from dpviz.guards import Guard
from dpviz.node import Node, value_of
from dpviz.reverse import reachable
from dpviz.steps import BackwardStep, ForwardStep, JvpStep
from dpviz.tensors import Tensor, tensor
from dpviz.varnames import caller_namespace, function_namespace, names_by_id


@dataclass(eq=False)
class ProgramNode:
    """Node ``index`` of a Program: ``value = f_i(values of args)``.

    ``kind`` is ``"input"``, ``"param"`` (the first ``l`` nodes), ``"const"``
    (a constant written in the program) or ``"op"``.  ``value`` is what the last replay
    computed; ``grad`` is None until :meth:`Program.backward` has computed it.

    >>> import dpviz as dp
    >>> prog = dp.trace(lambda x: x.exp(), 0.0)
    >>> node = prog.nodes[1]
    >>> node.op, node.args, float(node.value), node.label
    ('exp', (0,), 1.0, 'exp1')
    """

    index: int
    op: str
    kind: str
    args: tuple
    value: Any
    name: str | None = None
    scope: str = ""
    params: dict = field(default_factory=dict)
    prim: Any = None
    is_output: bool = False
    grad: Any = None
    #: When the node's memory was changed in place during recording: the version it holds
    #: (0 when created, +1 per in-place write), else None.
    version: int | None = None
    #: The index of the node whose in-place op overwrote this node's memory afterwards (or -1
    #: when that op is not part of this program); None when nothing overwrote it.
    overwritten_by: int | None = None

    @property
    def label(self) -> str:
        """The name, or the op followed by the index.

        >>> import dpviz as dp
        >>> dp.trace(lambda x: x * 2, 1.0).nodes[0].label
        'x'
        """
        return self.name if self.name is not None else f"{self.op}{self.index}"

    @property
    def shape(self) -> tuple:
        """Shape of the value.

        >>> import dpviz as dp
        >>> dp.trace(lambda x: x * 2, [1.0, 2.0]).nodes[0].shape
        (2,)
        """
        return np.shape(self.value)

    @property
    def dtype(self):
        """dtype of the value.

        >>> import dpviz as dp
        >>> dp.trace(lambda x: x * 2, 1.0).nodes[0].dtype
        dtype('float64')
        """
        return np.asarray(self.value).dtype


class Program:
    """A traced program (Definition 1).  Build one with :func:`trace` or :meth:`from_tensor`.

    A Program holds the values of its nodes, and their gradients once computed, so that
    ``print(prog)`` and ``dp.draw(prog)`` can show them.  Two commands change what it
    holds: calling it (a replay: the nodes take the new values) and :meth:`backward` (the
    nodes take their gradients).  Every other interpretation - :meth:`evaluate`,
    :meth:`forward_steps`, :meth:`backward_steps`, :meth:`jvp_steps`, :meth:`jvp`, a
    ``dp.Stepper``, ``dp.gradcheck`` - returns its results and leaves the Program as it was.

    >>> import dpviz as dp
    >>> prog = dp.trace(lambda x: (x * x).sum(), [1.0, 2.0])
    >>> prog([3.0, 4.0])
    array(25.)
    >>> _ = prog.backward()      # at the inputs of the last replay
    >>> prog.nodes[0].grad
    array([6., 8.])
    """

    def __init__(self, nodes: list[ProgramNode], n_inputs: int, l: int, outputs: list[int],
                 leaf_nodes: dict[int, Node]):
        self.nodes = nodes
        self.l = l
        self.outputs = outputs
        self.inputs = list(range(n_inputs))
        self.params = list(range(n_inputs, l))
        self._leaf_nodes = leaf_nodes      # index -> engine Node of a parameter (read live at replay)
        self.guards: tuple[Guard, ...] = ()   # the comparisons the traced run's control flow depended on
        self._guard_program: Program | None = None

    def _guard(self, recorded: list[Guard], inputs: list[Node], names: Mapping[int, str]) -> None:
        """Keep the comparisons of the trace, and a second program that computes their operands from the
        same inputs (they need not lie on the path to the output), so every replay can check them."""
        operands = list({id(n): n for g in recorded for n in (g.left, g.right) if isinstance(n, Node)}.values())
        self.guards = tuple(recorded)
        self._guard_program = _build(reachable(operands + inputs, grad_only=False), inputs, operands, names)[0]
        self._guard_slot = {id(n): i for i, n in enumerate(operands)}

    def _check_guards(self, args: Sequence) -> None:
        """Raise ReplayError if a comparison the traced run depended on comes out differently for ``args``."""
        gp = self._guard_program
        if gp is None:
            return
        outs = steps.evaluate(gp, gp.leaves(*[value_of(a) for a in args]))
        values = [value_of(outs[i]) for i in gp.outputs]

        def operand(x):
            return values[self._guard_slot[id(x)]] if isinstance(x, Node) else x

        def expression(i: int, depth: int = 3) -> str:
            # `sum(mul(x, 2)) < 10` says more than a node number: named nodes by name, ops by formula
            node = gp.nodes[i]
            if node.kind != "op" or node.name:
                return node.label if node.kind != "const" or node.name else \
                    np.array2string(np.asarray(node.value), threshold=6)
            inner = ", ".join(expression(a, depth - 1) for a in node.args) if depth > 1 else "…"
            return f"{node.op}({inner})"

        def show(x):
            if not isinstance(x, Node):
                return np.array2string(np.asarray(x), threshold=6)
            return expression(gp.outputs[self._guard_slot[id(x)]])

        for g in self.guards:
            now = g.result(operand(g.left), operand(g.right))
            if not np.array_equal(now, g.outcome):
                before, after = (np.array2string(a, threshold=6) for a in (g.outcome, now))
                raise ReplayError(
                    f"this replay would take another path than the traced run: `{show(g.left)} {g.op} "
                    f"{show(g.right)}` was {before} when dp.trace ran the function and is {after} for these "
                    "inputs. A Program is the graph of the path one run took (Definition 1, item 7), so it "
                    "cannot compute the other path. Trace again on these inputs: dp.trace(f, *new_inputs).")

    # -- Definition 1 ---------------------------------------------------------------------------
    @property
    def n(self) -> int:
        """The number of nodes.

        >>> import dpviz as dp
        >>> dp.trace(lambda x: x * 2, 1.0).n
        3
        """
        return len(self.nodes)

    @property
    def edges(self) -> list[tuple[int, int]]:
        """E: the pairs (j, i) with j in α_i, always j < i, in order of i then argument position.

        >>> import dpviz as dp
        >>> dp.trace(lambda x: x * x, 1.0).edges
        [(0, 1), (0, 1)]
        """
        return [(j, node.index) for node in self.nodes for j in node.args]

    # -- construction -----------------------------------------------------------------------------
    @classmethod
    def from_tensor(cls, *outputs: Tensor, names: Mapping[str, Any] | None = None) -> "Program":
        """The recorded history of dpviz tensors as a Program (what ``dp.draw(tensor)`` shows).

        Leaves that require grad become inputs (``dp.nn`` parameters become
        parameters); gradients already computed by ``backward()`` are copied. Constants and
        unnamed leaves are named after the variables that hold them in ``names`` (a namespace;
        by default the caller's: a notebook cell's variables).

        >>> import dpviz as dp
        >>> x = dp.tensor(2.0, name="x", requires_grad=True)
        >>> y = (x * x).named("y"); y.backward()
        >>> prog = dp.Program.from_tensor(y)
        >>> [(n.label, float(n.grad)) for n in prog.nodes]
        [('x', 4.0), ('y', 1.0)]
        """
        if not outputs or not all(isinstance(o, Tensor) for o in outputs):
            raise UnsupportedTypeError("Program.from_tensor takes one or more dpviz tensors")
        roots = [o.node for o in outputs]
        order = reachable(roots, grad_only=False)
        inputs = [n for n in order if n.prim is None and n.requires_grad and n.kind != "param"]
        space = caller_namespace() if names is None else names
        prog, engine = _build(order, inputs, roots, names_by_id(space))
        for pn, en in zip(prog.nodes, engine):
            if en is not None and en.grad is not None:
                pn.grad = en.grad.data if isinstance(en.grad, Tensor) else en.grad
        return prog

    # -- what the interpreters start from ---------------------------------------------------------
    def _input_values(self, args: Sequence) -> list:
        if len(args) != len(self.inputs):
            raise ReplayError(f"this Program was traced with {len(self.inputs)} input(s) "
                              f"({', '.join(self.nodes[i].label for i in self.inputs)}); got {len(args)}")
        vals = []
        for i, a in zip(self.inputs, args):
            node = self.nodes[i]
            if isinstance(a, Tensor):
                v = a
            else:
                try:
                    v = np.asarray(a, dtype=node.dtype)
                except (TypeError, ValueError):
                    raise ReplayError(f"input {i} '{node.label}' must be array-like; got "
                                      f"{type(a).__name__}") from None
            if np.shape(v) != node.shape:
                raise ReplayError(
                    f"input {i} '{node.label}' was traced with shape {node.shape}; got {np.shape(v)}. A Program "
                    "is one fixed graph: trace again with dp.trace(f, *new_args) for inputs of another shape.")
            vals.append(v)
        return vals

    def leaves(self, *args, record: bool = False) -> list:
        """The values of the first ``l`` nodes that an interpreter starts from.

        With no ``args``: the values the Program holds now (so stepping through it shows
        exactly what it holds).  With ``args``: those inputs and every parameter's live
        value (a replay, as calling the Program is: it sees optimiser updates).  With
        ``record`` (or tensors among ``args``) parameters come as tensors, so gradients
        of a replay reach the parameters themselves.

        >>> import dpviz as dp
        >>> w = dp.nn.Parameter(2.0, name="w")
        >>> prog = dp.trace(lambda x: x * w, 1.0)
        >>> with dp.no_grad():
        ...     _ = w.add_(1.0)
        >>> [float(v) for v in prog.leaves()], [float(v) for v in prog.leaves(5.0)]
        ([1.0, 2.0], [5.0, 3.0])
        """
        if not args:
            return [node.value for node in self.nodes[:self.l]]
        values = self._input_values(args)
        self._check_guards(values)
        record = record or any(isinstance(v, Tensor) for v in values)
        for i in self.params:
            live = self._leaf_nodes[i]
            values.append(Tensor._wrap(live) if record else live.value)
        return values

    def leaf_array(self, i: int) -> np.ndarray:
        """The array a replay reads for leaf ``i``: a parameter's live value, or an input's last value.

        >>> import dpviz as dp
        >>> w = dp.nn.Parameter([1.0, 2.0], name="w")
        >>> prog = dp.trace(lambda x: (x * w).sum(), [1.0, 1.0])
        >>> prog.leaf_array(1) is w.data
        True
        """
        if not 0 <= i < self.l:
            raise DpvizError(f"leaf_array takes one of the first l={self.l} node indices; got {i}")
        return self._leaf_nodes[i].value if i in self._leaf_nodes else self.nodes[i].value

    def seeds(self, seed=None) -> dict:
        """The output adjoints a backward pass starts from, checked: ``{output index: array}``.

        ``seed`` may be None (1 for a one-element output), an array for the single output,
        or a dict from output index to array.

        >>> import dpviz as dp
        >>> dp.trace(lambda x: x * 2, 3.0).seeds()
        {2: array(1.)}
        """
        if len(self.outputs) != 1 and seed is None:
            raise BackwardError(f"this Program has {len(self.outputs)} outputs; pass seed={{index: adjoint}}")
        given = dict(seed) if isinstance(seed, Mapping) else {self.outputs[0]: seed}
        out = {}
        for i, s in given.items():
            node = self.nodes[i]
            if s is None:
                if np.size(node.value) != 1:
                    raise BackwardError(
                        f"output {i} '{node.label}' has shape {node.shape}; backward without a seed needs "
                        "one element. Pass seed=np.ones(shape) or reduce the output.")
                s = np.ones(node.shape)
            s = np.asarray(s, dtype=float)
            if s.shape != node.shape:
                raise ShapeError(f"seed for node {i} has shape {s.shape}; the node has shape {node.shape}")
            out[i] = s
        return out

    def tangents(self, tangents) -> dict:
        """The leaf tangents a JVP starts from, checked: ``{leaf index: tangent}``.

        ``tangents`` is one tangent per input (None for zero), or a dict from node index or
        name to tangent (parameters included).

        >>> import dpviz as dp
        >>> prog = dp.trace(lambda x, y: x * y, 2.0, 3.0)
        >>> prog.tangents([1.0, None]), prog.tangents({"y": 2.0})
        ({0: array(1.)}, {1: array(2.)})
        """
        if isinstance(tangents, Mapping):
            items = {}
            for key, t in tangents.items():
                idx = key if isinstance(key, (int, np.integer)) else self._index_of(key)
                if not 0 <= idx < self.l:
                    raise DpvizError(f"tangents can be given for the first l={self.l} nodes; got {key!r}")
                items[int(idx)] = t
        else:
            if isinstance(tangents, (np.ndarray, Tensor)) or not isinstance(tangents, (list, tuple)):
                tangents = [tangents]
            if len(tangents) != len(self.inputs):
                raise DpvizError(f"one tangent per input: this Program has {len(self.inputs)} input(s), "
                                 f"got {len(tangents)} tangent(s)")
            items = dict(zip(self.inputs, tangents))
        out = {}
        for i, t in items.items():
            if t is None:
                continue
            if not isinstance(t, Tensor):
                t = np.asarray(t, dtype=float)
            if np.shape(t) != self.nodes[i].shape:
                raise ShapeError(f"the tangent for node {i} '{self.nodes[i].label}' has shape {np.shape(t)}; "
                                 f"the node has shape {self.nodes[i].shape}")
            out[i] = t
        return out

    def _index_of(self, name: str) -> int:
        for node in self.nodes:
            if node.name == name:
                return node.index
        raise DpvizError(f"no node named {name!r} in this Program")

    def _outputs(self, per_node: list, missing=None):
        outs = [per_node[i] if per_node[i] is not None or missing is None else missing(i) for i in self.outputs]
        return outs[0] if len(outs) == 1 else tuple(outs)

    # -- the forward algorithm --------------------------------------------------------------------
    def forward_steps(self, *args) -> Iterator[ForwardStep]:
        """Run the forward algorithm node by node, yielding one :class:`~dpviz.steps.ForwardStep` per node i ≥ l.

        With no arguments it recomputes the values the program holds; with arguments it
        replays on those inputs (as :meth:`leaves` says).  The Program is not changed.

        >>> import dpviz as dp
        >>> prog = dp.trace(lambda x: (x * 2).exp(), 0.0)
        >>> [(s.op, float(s.value)) for s in prog.forward_steps(1.0)]
        [('const', 2.0), ('mul', 2.0), ('exp', 7.38905609893065)]
        """
        return steps.forward_steps(self, self.leaves(*args))

    def evaluate(self, *args):
        """The output value(s) on these inputs (same shapes), leaving the Program as it was.

        >>> import dpviz as dp
        >>> prog = dp.trace(lambda x: x * x, 2.0)
        >>> prog.evaluate(5.0), prog.nodes[-1].value
        (array(25.), array(4.))
        """
        return self._outputs(steps.evaluate(self, self.leaves(*args)))

    def __call__(self, *args):
        """Replay the program on new inputs (same shapes): its nodes take the new values; return the output(s).

        >>> import dpviz as dp
        >>> prog = dp.trace(lambda x: x * x, 2.0)
        >>> prog(5.0), prog.nodes[-1].value
        (array(25.), array(25.))
        """
        # the leaves are copied: the program keeps what this replay saw, even when a parameter
        # (or the caller's input array) changes in place afterwards
        leaves = [v if isinstance(v, Tensor) else np.array(v, copy=True) for v in self.leaves(*args)]
        values = steps.evaluate(self, leaves)
        for node, v in zip(self.nodes, values):
            node.value = value_of(v)
        return self._outputs(values)

    # -- reverse mode (the adjoint algorithm) -----------------------------------------------------
    def backward_steps(self, seed=None) -> Iterator[BackwardStep]:
        """Run the adjoint algorithm, yielding one :class:`~dpviz.steps.BackwardStep` per contribution along an edge.

        Nodes are visited from n-1 down to l; the output's adjoint starts as ``seed``
        (1 for a scalar).  Each step carries the parent's running adjoint; the Program
        is not changed (:meth:`backward` is the command that stores gradients).

        >>> import dpviz as dp
        >>> prog = dp.trace(lambda x: x * x, 3.0)
        >>> [(s.edge, float(s.adjoint), s.accumulated) for s in prog.backward_steps()]
        [((0, 1), 3.0, False), ((0, 1), 6.0, True)]
        """
        return steps.backward_steps(self, self.seeds(seed))

    def backward(self, seed=None) -> list:
        """Run the whole adjoint algorithm; store each node's ``grad``; return the grads of the first l nodes.

        >>> import dpviz as dp
        >>> [float(g) for g in dp.trace(lambda a, b: a * b, 2.0, 5.0).backward()]
        [5.0, 2.0]
        """
        grads = steps.gradients(self, self.seeds(seed))
        for node, g in zip(self.nodes, grads):
            node.grad = g
        return [g if g is not None else np.zeros(self.nodes[i].shape) for i, g in enumerate(grads[:self.l])]

    # -- forward mode -----------------------------------------------------------------------------
    def jvp_steps(self, tangents, *args) -> Iterator[JvpStep]:
        """Push tangents forward, yielding one :class:`~dpviz.steps.JvpStep` per node i ≥ l (no reverse pass).

        ``tangents`` is as :meth:`tangents` takes it.  With ``args`` the primal values are
        recomputed on those inputs at the same time.  The Program is not changed.

        >>> import dpviz as dp
        >>> prog = dp.trace(lambda x, y: x * y, 2.0, 3.0)
        >>> [float(s.tangent) for s in prog.jvp_steps([1.0, 0.0])]
        [3.0]
        """
        return steps.jvp_steps(self, *self._jvp_start(tangents, args))

    def jvp(self, tangents, *args):
        """Forward mode: the output tangent(s) for the given input tangents (zeros where none reaches).

        >>> import dpviz as dp
        >>> dp.trace(lambda x: x ** 3, 2.0).jvp([1.0])
        array(12.)
        """
        return self.value_and_jvp(tangents, *args)[1]

    def value_and_jvp(self, tangents, *args) -> tuple:
        """The output value(s) and tangent(s) in one forward-mode pass.

        >>> import dpviz as dp
        >>> dp.trace(lambda x: x ** 3, 2.0).value_and_jvp([1.0])
        (array(8.), array(12.))
        """
        values, tans = steps.push_tangents(self, *self._jvp_start(tangents, args))
        return self._outputs(values), self._outputs(tans, lambda i: np.zeros(self.nodes[i].shape))

    def _jvp_start(self, tangents, args: Sequence) -> tuple[dict, list]:
        # tensors among the tangents make the pass record, parameters included (nested transforms)
        given = self.tangents(tangents)
        record = any(isinstance(t, Tensor) for t in given.values())
        return given, self.leaves(*args, record=record)

    # -- printing ---------------------------------------------------------------------------------
    def __repr__(self) -> str:
        return (f"<Program n={self.n} l={self.l} inputs={len(self.inputs)} params={len(self.params)} "
                f"|E|={len(self.edges)} outputs={self.outputs}>")

    def __str__(self) -> str:
        """Definition 1 in text: one line per node.

        >>> import dpviz as dp
        >>> print(dp.trace(lambda x: x.exp(), 0.0))
        Program: n=2, l=1 (1 input, 0 parameters), outputs [1]
          v0 = x                    input  ()
          v1 = exp(v0)                     ()  <- output
        """
        lines = [f"Program: n={self.n}, l={self.l} ({len(self.inputs)} input{'s' * (len(self.inputs) != 1)}, "
                 f"{len(self.params)} parameter{'s' * (len(self.params) != 1)}), outputs {self.outputs}"]
        for node in self.nodes:
            if node.kind in ("input", "param"):
                rhs = _printable(node.label)
            elif node.kind == "const":
                rhs = np.array2string(np.asarray(node.value), precision=4, threshold=4)
            else:
                extra = "".join(f", {k}={_short(v)}" for k, v in node.params.items())
                rhs = f"{node.op}({', '.join(f'v{j}' for j in node.args)}{extra})"
            kind = node.kind if node.kind != "op" else ""
            tail = "  <- output" if node.is_output else ""
            name = f"  [{_printable(node.name)}]" if node.name and node.kind == "op" else ""
            lines.append(f"  v{node.index} = {rhs:<20} {kind:<6} {node.shape}{name}{tail}")
        return "\n".join(lines)


def _printable(text: str) -> str:
    r"""``text`` with each character that would break a line of the text form (a newline, a
    control character) written as its escape, so a name can never forge a line of a program.

    >>> _printable("x\nv9 = evil"), _printable("θ1")
    ('x\\nv9 = evil', 'θ1')
    """
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)


def _short(v) -> str:
    r = repr(v)
    return r if len(r) < 30 else r[:27] + "..."


def _build(order: list[Node], inputs: list[Node], roots: list[Node],
           names: Mapping[int, str] | None = None) -> tuple[Program, list[Node | None]]:
    """Number the engine's nodes as Definition 1 wants: inputs, parameters, then the rest.

    ``names`` maps the identity of a constant (or of an unnamed leaf's node) to the variable
    that held it (:func:`dpviz.varnames.names_by_id`). Returns the Program and, per program
    node, the engine node it was made from (None for a constant written in the program)."""
    names = names or {}
    input_ids = {id(n) for n in inputs}
    params = [n for n in order if n.prim is None and n.requires_grad and id(n) not in input_ids]
    param_ids = {id(n) for n in params}
    rest = [n for n in order if id(n) not in input_ids and id(n) not in param_ids]
    index: dict[int, int] = {}
    nodes: list[ProgramNode] = []
    engine: list[Node | None] = []

    def add(pn: ProgramNode, en: Node | None):
        nodes.append(pn)
        engine.append(en)

    for kind, group in (("input", inputs), ("param", params)):
        for n in group:
            index[id(n)] = len(nodes)
            add(ProgramNode(len(nodes), kind, kind, (), n.value, n.name or names.get(id(n)), n.scope), n)
    l = len(nodes)
    for n in rest:
        if n.prim is None:
            index[id(n)] = len(nodes)
            add(ProgramNode(len(nodes), "const", "const", (), n.value, n.name or names.get(id(n)), n.scope), n)
            continue
        args = []
        for p in n.parents:
            if isinstance(p, Node):
                args.append(index[id(p)])
                continue
            # a number written in the program gets a constant node just before its use; a value
            # read from a variable (W_enc) is one constant node, however often it is used
            name = names.get(id(p))
            if name is not None and id(p) in index:
                args.append(index[id(p)])
                continue
            if name is not None:
                index[id(p)] = len(nodes)
            args.append(len(nodes))
            add(ProgramNode(len(nodes), "const", "const", (), np.asarray(p), name, n.scope), None)
        index[id(n)] = len(nodes)
        add(ProgramNode(len(nodes), n.op, "op", tuple(args), n.value, n.name, n.scope,
                        dict(n.params or {}), n.prim), n)
    outputs = []
    for r in roots:
        i = index[id(r)]
        nodes[i].is_output = True
        outputs.append(i)
    _mark_versions(nodes, engine)
    leaf_nodes = {i: engine[i] for i in range(len(inputs), l)}
    prog = Program(nodes, len(inputs), l, outputs, leaf_nodes)
    # values: recomputed by the forward algorithm, so v_i = f_i(α_i) holds even where the
    # engine's arrays were later overwritten in place; NumPy already warned about a log(0) when
    # the program first ran, so the recomputation stays quiet
    with np.errstate(all="ignore"):
        prog(*[nodes[i].value for i in prog.inputs])
    return prog, engine


def _mark_versions(nodes: list[ProgramNode], engine: list[Node | None]) -> None:
    """Give the nodes whose memory an in-place op changed their version, and say who overwrote them.

    Nodes that share a version counter share memory (an in-place op's result, a view); the
    node holding version k was overwritten by the one holding version k + 1."""
    shared: dict[int, list[int]] = {}
    for i, en in enumerate(engine):
        if en is not None and en.vc.version > 0:
            shared.setdefault(id(en.vc), []).append(i)
    for members in shared.values():
        by_version = {engine[i].ver: i for i in members}
        for i in members:
            en = engine[i]
            nodes[i].version = en.ver
            if en.ver < en.vc.version:
                nodes[i].overwritten_by = by_version.get(en.ver + 1, -1)


def _arg_names(f: Callable, count: int) -> list[str | None]:
    try:
        params = [p for p in inspect.signature(f).parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        names = [p.name for p in params[:count]]
        if len(params) < count:
            star = [p.name for p in inspect.signature(f).parameters.values() if p.kind == p.VAR_POSITIONAL]
            base = star[0] if star else "arg"
            names += [f"{base}{i}" for i in range(len(names), count)]
        return names
    except (TypeError, ValueError):
        return [f"arg{i}" for i in range(count)]


def trace(f: Callable, *args, **static) -> Program:
    """Run ``f(*args, **static)`` once and return its :class:`Program`.

    Each positional argument (number, list, array or dpviz tensor) becomes an
    input node named after ``f``'s parameter; float inputs require grad.
    Tensors that require grad and that ``f`` uses without receiving them
    (weights of a ``dp.nn`` module, closures) become parameters.  ``static``
    keyword arguments are passed through unrecorded (sizes, flags).

    >>> import dpviz as dp
    >>> prog = dp.trace(lambda x, w: (x @ w).tanh().sum(), [[1., 2.]], [[0.5], [-0.5]])
    >>> [n.label for n in prog.nodes[:prog.l]], prog.n
    (['x', 'w'], 5)
    """
    if not callable(f):
        raise UnsupportedTypeError(f"dp.trace needs a function first; got {type(f).__name__}")
    names = _arg_names(f, len(args))
    leaves = []
    for a, name in zip(args, names):
        if isinstance(a, Tensor):
            t = tensor(a.data, name=a.name or name, requires_grad=a.dtype.kind == "f")
        elif isinstance(a, (bool, str, bytes)) or a is None or callable(a):
            raise UnsupportedTypeError(
                f"dp.trace: argument '{name}' is a {type(a).__name__}; positional arguments become input "
                "nodes and must be numbers, arrays or tensors. Pass settings as keyword arguments.")
        else:
            arr = np.asarray(a)
            if arr.dtype.kind in "iu" and not isinstance(a, np.ndarray):
                arr = arr.astype(np.float64)     # trace(f, 3) means the number 3.0
            t = tensor(arr, name=name, requires_grad=arr.dtype.kind == "f")
        leaves.append(t)
    STATE.depth += 1
    outer, STATE.guards = STATE.guards, []       # a nested dp.trace keeps its own guards
    try:
        out = f(*leaves, **static)
    finally:
        STATE.depth -= 1
        recorded, STATE.guards = STATE.guards, outer
    outs = list(out) if isinstance(out, (tuple, list)) else [out]
    for o in outs:
        if not isinstance(o, Tensor):
            raise UnsupportedTypeError(f"dp.trace: f must return a dpviz tensor (or a tuple of them); got "
                                       f"{type(o).__name__}. Build the result from f's arguments.")
    roots = [o.node for o in outs]
    inputs = [t.node for t in leaves]
    order = reachable(roots + inputs, grad_only=False)
    # constants are named after the closure variables and globals of f that held them
    names = names_by_id(function_namespace(f))
    prog = _build(order, inputs, roots, names)[0]
    if recorded:
        prog._guard(recorded, inputs, names)
    return prog
