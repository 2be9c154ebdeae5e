"""Programs: the paper's Definition 1, a topologically ordered DAG ⟨n, l, E, f_i, v_i, α_i⟩.

``dp.trace(f, *args)`` runs ``f`` once and returns a :class:`Program`: nodes
``0 .. n-1`` (dpviz counts from 0, as Python does; the paper counts from 1), the
first ``l`` of which are the inputs and parameters, every other node ``i``
computed as ``v_i = f_i(v_j for j in α_i)`` with all ``j < i``.  One trace, many
interpretations: evaluate it again (``prog(*args)``), differentiate it
(``backward``, ``jvp``), step through it (``forward_steps``, ``backward_steps``,
``jvp_steps``), print it (``str(prog)``), draw it (``dp.draw``).

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

from dpviz.context import STATE
from dpviz.errors import BackwardError, DpvizError, ReplayError, ShapeError, UnsupportedTypeError
from dpviz.reverse import reachable
from dpviz.tensor import Node, Tensor, check_finite, tensor


@dataclass(eq=False)
class ProgramNode:
    """Node ``index`` of a Program: ``value = f_i(values of args)``.

    ``kind`` is ``"input"``, ``"param"`` (the first ``l`` nodes), ``"const"``
    (a constant written in the program) or ``"op"``.  ``grad`` and ``tangent``
    are None until a backward pass / a JVP has computed them.

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
    tangent: Any = None

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

    ``upstream`` is the adjoint of ``node`` (v̄_node), ``contribution`` what the
    VJP rule of ``node``'s op sends to its argument ``position``, and ``adjoint``
    the parent's running adjoint after adding it (``accumulated`` tells whether
    an earlier use of the parent had already contributed - fan-out).

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


@dataclass(frozen=True)
class JvpStep:
    """One step of forward mode: node ``index`` got ``tangent``, the sum of ``contributions``.

    ``contributions`` holds ``(arg index, contribution)`` pairs for the
    arguments whose tangents are not zero.

    >>> import dpviz as dp
    >>> prog = dp.trace(lambda x: x * x, 3.0)
    >>> [float(s.tangent) for s in prog.jvp_steps([1.0])]
    [6.0]
    """

    index: int
    op: str
    contributions: tuple
    tangent: Any


class Program:
    """A traced program (Definition 1).  Build one with :func:`trace` or :meth:`from_tensor`.

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
        self._leaf_nodes = leaf_nodes      # index -> engine Node of a parameter (read at replay)
        self._needs = self._needs_grad()

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

    def _needs_grad(self) -> list[bool]:
        needs = [False] * len(self.nodes)
        for node in self.nodes:
            if node.kind in ("input", "param"):
                needs[node.index] = np.asarray(node.value).dtype.kind == "f"
            else:
                needs[node.index] = any(needs[j] for j in node.args)
        return needs

    # -- construction -----------------------------------------------------------------------------
    @classmethod
    def from_tensor(cls, *outputs: Tensor) -> "Program":
        """The recorded history of dpviz tensors as a Program (what ``dp.draw(tensor)`` shows).

        Leaves that require grad become inputs (``dp.nn`` parameters become
        parameters); gradients already computed by ``backward()`` are copied.

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
        prog = _build(order, inputs, roots)
        for pn, en in zip(prog.nodes, prog._engine):
            if en is not None and en.grad is not None:
                pn.grad = en.grad.data if isinstance(en.grad, Tensor) else en.grad
        return prog

    # -- evaluation (the forward algorithm) -------------------------------------------------------
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

    def leaf_array(self, i: int) -> np.ndarray:
        """The array a replay reads for leaf ``i``: a parameter's live value, or an input's last value.

        Parameters are read live so that replays see optimiser updates; tools that perturb a
        parameter (finite differences) change this array and restore it.

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
        return self._seed(seed)

    def _leaf_value(self, i: int, record: bool):
        node = self.nodes[i]
        if i in self._leaf_nodes:         # parameters are read live, so replays see optimiser updates
            en = self._leaf_nodes[i]
            return Tensor._wrap(en) if record else en.value
        return node.value

    def _run(self, args: Sequence, tangents_record: bool = False):
        """The forward algorithm as a generator of (node, values so far), shared by the interpreters."""
        vals = self._input_values(args) if args else [self.nodes[i].value for i in self.inputs]
        record = tangents_record or any(isinstance(v, Tensor) for v in vals)
        values: list = [None] * self.n
        for i, v in zip(self.inputs, vals):
            values[i] = v
            self.nodes[i].value = v.data if isinstance(v, Tensor) else v
        for i in self.params:
            values[i] = self._leaf_value(i, record)
        anomaly = STATE.anomaly
        for node in self.nodes[self.l:]:
            i = node.index
            if node.prim is None:
                values[i] = node.value
            else:
                v = node.prim(*[values[j] for j in node.args], **node.params)
                if not isinstance(v, (Tensor, np.ndarray)):
                    v = np.asarray(v)
                if anomaly:
                    check_finite(v, node.op, "forward", None, f" (node {i} '{node.label}')")
                values[i] = v
                node.value = v.data if isinstance(v, Tensor) else v
            yield node, values
        self._last_values = values

    def forward_steps(self, *args) -> Iterator[ForwardStep]:
        """Run the forward algorithm node by node, yielding one :class:`ForwardStep` per node i ≥ l.

        With no arguments it replays on the inputs the program holds now; each
        node's ``value`` is updated as the step is taken.

        >>> import dpviz as dp
        >>> prog = dp.trace(lambda x: (x * 2).exp(), 0.0)
        >>> [(s.op, float(s.value)) for s in prog.forward_steps(1.0)]
        [('const', 2.0), ('mul', 2.0), ('exp', 7.38905609893065)]
        """
        for node, values in self._run(args):
            yield ForwardStep(node.index, node.op, node.args, tuple(values[j] for j in node.args),
                              values[node.index])

    def __call__(self, *args):
        """Replay the program on new inputs (same shapes) and return its output value(s).

        >>> import dpviz as dp
        >>> dp.trace(lambda x: x * x, 2.0)(5.0)
        array(25.)
        """
        for _ in self.forward_steps(*args):
            pass
        outs = [self._last_values[i] for i in self.outputs]
        return outs[0] if len(outs) == 1 else tuple(outs)

    # -- reverse mode (the adjoint algorithm) -----------------------------------------------------
    def _seed(self, seed):
        if len(self.outputs) != 1 and seed is None:
            raise BackwardError(f"this Program has {len(self.outputs)} outputs; pass seed={{index: adjoint}}")
        if isinstance(seed, Mapping):
            seeds = dict(seed)
        else:
            seeds = {self.outputs[0]: seed}
        out = {}
        for i, s in seeds.items():
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

    def backward_steps(self, seed=None) -> Iterator[BackwardStep]:
        """Run the adjoint algorithm, yielding one :class:`BackwardStep` per contribution along an edge.

        Nodes are visited from n-1 down to l; the output's adjoint starts as
        ``seed`` (1 for a scalar).  Each node's ``grad`` holds its running adjoint
        as the steps go (None until something reaches it).

        >>> import dpviz as dp
        >>> prog = dp.trace(lambda x: x * x, 3.0)
        >>> [(s.edge, float(s.adjoint), s.accumulated) for s in prog.backward_steps()]
        [((0, 1), 3.0, False), ((0, 1), 6.0, True)]
        """
        seeds = self._seed(seed)
        adj: list = [None] * self.n
        for node in self.nodes:
            node.grad = None
        for i, s in seeds.items():
            adj[i] = s
            self.nodes[i].grad = s
        needs = self._needs
        for node in reversed(self.nodes[self.l:]):
            g = adj[node.index]
            if g is None or node.prim is None:
                continue
            argv = [self.nodes[j].value for j in node.args]
            for k, j in enumerate(node.args):
                if not needs[j]:
                    continue
                c = np.asarray(node.prim.vjp_rule(k)(g, node.value, *argv, **node.params))
                before = adj[j]
                adj[j] = c if before is None else before + c
                self.nodes[j].grad = adj[j]
                yield BackwardStep((j, node.index), node.index, j, k, node.op, g, c, adj[j], before is not None)

    def backward(self, seed=None) -> list:
        """Run the whole adjoint algorithm; fill ``node.grad``; return the grads of the first l nodes.

        >>> import dpviz as dp
        >>> [float(g) for g in dp.trace(lambda a, b: a * b, 2.0, 5.0).backward()]
        [5.0, 2.0]
        """
        for _ in self.backward_steps(seed):
            pass
        return [self.nodes[i].grad if self.nodes[i].grad is not None else np.zeros(self.nodes[i].shape)
                for i in range(self.l)]

    # -- forward mode -----------------------------------------------------------------------------
    def _tangents(self, tangents) -> dict:
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

    def jvp_steps(self, tangents, *args) -> Iterator[JvpStep]:
        """Push tangents forward, yielding one :class:`JvpStep` per node i ≥ l (no reverse pass).

        ``tangents`` is one tangent per input (None for zero), or a dict from
        node index or name to tangent (parameters included).  With ``args`` the
        primal values are recomputed on those inputs at the same time.

        >>> import dpviz as dp
        >>> prog = dp.trace(lambda x, y: x * y, 2.0, 3.0)
        >>> [float(s.tangent) for s in prog.jvp_steps([1.0, 0.0])]
        [3.0]
        """
        tans: list = [None] * self.n
        for node in self.nodes:
            node.tangent = None
        given = self._tangents(tangents)
        for i, t in given.items():
            tans[i] = t
            self.nodes[i].tangent = t.data if isinstance(t, Tensor) else t
        record = any(isinstance(t, Tensor) for t in given.values())
        for node, values in self._run(args, record):
            contribs = []
            total = None
            if node.prim is not None:
                ans = values[node.index]
                argv = [values[j] for j in node.args]
                for k, j in enumerate(node.args):
                    if tans[j] is None:
                        continue
                    c = node.prim.jvp_rule(k)(tans[j], ans, *argv, **node.params)
                    if np.shape(c) != np.shape(ans):
                        c = _broadcast(c, np.shape(ans))
                    contribs.append((j, c))
                    total = c if total is None else total + c
            if total is not None and not isinstance(total, (Tensor, np.ndarray)):
                total = np.asarray(total)
            tans[node.index] = total
            node.tangent = total.data if isinstance(total, Tensor) else total
            yield JvpStep(node.index, node.op, tuple(contribs), total)
        self._last_tangents = tans

    def jvp(self, tangents, *args):
        """Forward mode: the output tangent(s) for the given input tangents (zeros where none reaches).

        >>> import dpviz as dp
        >>> dp.trace(lambda x: x ** 3, 2.0).jvp([1.0])
        array(12.)
        """
        for _ in self.jvp_steps(tangents, *args):
            pass
        outs = []
        for i in self.outputs:
            t = self._last_tangents[i]
            outs.append(np.zeros(self.nodes[i].shape) if t is None else t)
        return outs[0] if len(outs) == 1 else tuple(outs)

    def to_networkx(self):
        """The program as a ``networkx.DiGraph`` (nodes carry op, name, shape, scope, value, grad).

        >>> import dpviz as dp
        >>> G = dp.trace(lambda x: x.exp() * x, 1.0).to_networkx()
        >>> G.number_of_nodes(), sorted(G.edges())
        (3, [(0, 1), (0, 2), (1, 2)])
        """
        from dpviz.analysis import to_networkx
        return to_networkx(self)

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
                rhs = node.label
            elif node.kind == "const":
                rhs = np.array2string(np.asarray(node.value), precision=4, threshold=4)
            else:
                extra = "".join(f", {k}={_short(v)}" for k, v in node.params.items())
                rhs = f"{node.op}({', '.join(f'v{j}' for j in node.args)}{extra})"
            kind = node.kind if node.kind != "op" else ""
            tail = "  <- output" if node.is_output else ""
            name = f"  [{node.name}]" if node.name and node.kind == "op" else ""
            lines.append(f"  v{node.index} = {rhs:<20} {kind:<6} {node.shape}{name}{tail}")
        return "\n".join(lines)


def _broadcast(c, shape):
    from dpviz.primitives import broadcast_to
    return broadcast_to(c, shape)


def _short(v) -> str:
    r = repr(v)
    return r if len(r) < 30 else r[:27] + "..."


def _build(order: list[Node], inputs: list[Node], roots: list[Node]) -> Program:
    """Number the engine's nodes as Definition 1 wants: inputs, parameters, then the rest."""
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
            add(ProgramNode(len(nodes), kind, kind, (), n.value, n.name, n.scope), n)
    l = len(nodes)
    for n in rest:
        if n.prim is None:
            index[id(n)] = len(nodes)
            add(ProgramNode(len(nodes), "const", "const", (), n.value, n.name, n.scope), n)
            continue
        args = []
        for p in n.parents:
            if isinstance(p, Node):
                args.append(index[id(p)])
            else:   # a number written in the program: a constant node just before its use
                args.append(len(nodes))
                add(ProgramNode(len(nodes), "const", "const", (), np.asarray(p), None, n.scope), None)
        index[id(n)] = len(nodes)
        add(ProgramNode(len(nodes), n.op, "op", tuple(args), n.value, n.name, n.scope,
                        dict(n.params or {}), n.prim), n)
    outputs = []
    for r in roots:
        i = index[id(r)]
        nodes[i].is_output = True
        outputs.append(i)
    leaf_nodes = {i: engine[i] for i in range(len(inputs), l)}
    prog = Program(nodes, len(inputs), l, outputs, leaf_nodes)
    prog._engine = engine
    # values: recomputed by the forward algorithm, so v_i = f_i(α_i) holds even where the
    # engine's arrays were later overwritten in place
    prog(*[nodes[i].value for i in prog.inputs])
    return prog


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
    try:
        out = f(*leaves, **static)
    finally:
        STATE.depth -= 1
    outs = list(out) if isinstance(out, (tuple, list)) else [out]
    for o in outs:
        if not isinstance(o, Tensor):
            raise UnsupportedTypeError(f"dp.trace: f must return a dpviz tensor (or a tuple of them); got "
                                       f"{type(o).__name__}. Build the result from f's arguments.")
    roots = [o.node for o in outs]
    order = reachable(roots + [t.node for t in leaves], grad_only=False)
    return _build(order, [t.node for t in leaves], roots)
