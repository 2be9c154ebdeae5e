"""Programs as graphs: Definition 1 checks, counts, and the paper's program characteristics.

The paper (Definition 1) calls a differentiable program a topologically ordered DAG
``<n, l, E, f_i, v_i, alpha_i>``. This module checks that a traced ``Program`` is one,
counts its parts, and measures two of the characteristics of its section 3.1:

* characteristic 1, *integration and relation of information tensors*: the graph path
  length between each input vector and each output vector. For an RNN the path from
  ``x_{t-l}`` to ``y_t`` grows with ``l`` (the paper's Figure 2); self-attention joins every
  input to every output by paths of one length (Figure 3). :func:`lag_profile` and
  :func:`figures_2_and_3` show this as numbers.
* characteristic 3, *invariance*: :func:`permutation_check` tells whether a function gives
  the same result when its input vectors are reordered (sum aggregation does,
  concatenation does not).

Indices are 0-based, as everywhere in dpviz code; the paper counts from 1.

>>> import dpviz as dp, numpy as np
>>> prog = dp.trace(lambda a, b: (a * b).sum(), np.ones(2), np.ones(2))
>>> check_definition1(prog).ok, depth(prog)
(True, 2)
"""
from __future__ import annotations

from collections import Counter, deque
from dataclasses import dataclass, field
from itertools import permutations as _all_permutations
from typing import Any, Callable, Sequence

import numpy as np

from dpviz.errors import DpvizError
from dpviz.primitives import stack
from dpviz.program import trace
from dpviz.tensors import tensor

_LEAF_KINDS = ("input", "param", "const")


def _nodes(prog: Any) -> list[Any]:
    nodes = getattr(prog, "nodes", None)
    if nodes is None:
        raise DpvizError(f"expected a dp.Program (e.g. from dp.trace); got {type(prog).__name__}")
    return list(nodes)


def _successors(prog: Any) -> list[list[int]]:
    nodes = _nodes(prog)
    succ: list[list[int]] = [[] for _ in nodes]
    for j, node in enumerate(nodes):
        for i in dict.fromkeys(node.args):     # x * x uses x twice but is one path
            succ[i].append(j)
    return succ


# ---------------------------------------------------------------------------- Definition 1

@dataclass
class Definition1Check:
    """The result of :func:`check_definition1`: ``ok`` and the list of rules broken.

    >>> Definition1Check([]).ok
    True
    """

    problems: list[str]

    @property
    def ok(self) -> bool:
        """True when the program satisfies every rule checked."""
        return not self.problems

    def raise_if_invalid(self) -> None:
        """Raise ``DpvizError`` naming every problem, if there is one.

        >>> Definition1Check(["edge (2, 1) goes backwards"]).raise_if_invalid()
        Traceback (most recent call last):
        ...
        dpviz.errors.DpvizError: not a Definition-1 program: edge (2, 1) goes backwards
        """
        if self.problems:
            raise DpvizError("not a Definition-1 program: " + "; ".join(self.problems))


def check_definition1(prog: Any) -> Definition1Check:
    """Check the parts of Definition 1 that a traced program can break.

    Nodes must be numbered ``0..n-1`` in order; ``1 <= l < n``; the first ``l`` nodes are the
    input variables (dpviz counts parameters among them) and every later node computes
    ``v_i = f_i(alpha_i)`` from earlier nodes (a constant is a function of no arguments); every edge ``(i, j)`` has ``i < j``, which also makes the graph acyclic;
    ``prog.edges`` are exactly the argument links.

    >>> import dpviz as dp, numpy as np
    >>> check_definition1(dp.trace(lambda a: a.tanh(), np.ones(3))).problems
    []
    """
    nodes = _nodes(prog)
    problems: list[str] = []
    n = len(nodes)
    l = int(getattr(prog, "l", sum(getattr(nd, "kind", "op") in ("input", "param") for nd in nodes)))
    if getattr(prog, "n", n) != n:
        problems.append(f"prog.n is {prog.n} but the program has {n} nodes")
    if not 1 <= l < n:
        problems.append(f"Definition 1 needs 1 <= l < n; here l = {l}, n = {n}")
    inputs = list(getattr(prog, "inputs", []))
    if inputs != list(range(len(inputs))):
        problems.append(f"the inputs {inputs} are not the first nodes")
    for i, node in enumerate(nodes):
        if getattr(node, "index", i) != i:
            problems.append(f"node at position {i} says its index is {node.index}")
        kind = getattr(node, "kind", "op")
        if i < l and kind not in ("input", "param"):
            problems.append(f"node {i} ({node.op}) is among the first l = {l} nodes but is not an input")
        if i >= l and kind in ("input", "param"):
            problems.append(f"input node {i} ({node.op}) comes after the first l = {l} nodes")
        # A constant after the inputs is a function of no arguments; any other node needs some.
        if i >= l and kind != "const" and not node.args:
            problems.append(f"node {i} ({node.op}) computes a value from no arguments")
        for a in node.args:
            if not 0 <= a < i:
                problems.append(f"edge ({a}, {i}) does not go from an earlier to a later node")
    expected = sorted({(a, j) for j, node in enumerate(nodes) for a in node.args})
    edges = getattr(prog, "edges", None)
    if edges is not None and sorted({tuple(e) for e in edges}) != expected:
        problems.append("prog.edges differ from the argument links of the nodes")
    return Definition1Check(problems)


# ---------------------------------------------------------------------------- counts

@dataclass
class ProgramCounts:
    """Sizes of a program: ``n``, ``l``, ``edges``, ``depth``, parameters and ops.

    >>> ProgramCounts(n=3, l=2, edges=2, depth=1, inputs=2, params=0, param_values=0,
    ...               outputs=1, ops={"add": 1}).n
    3
    """

    n: int
    l: int
    edges: int
    depth: int
    inputs: int
    params: int
    param_values: int          # total number of scalars held by parameter nodes
    outputs: int
    ops: dict[str, int] = field(default_factory=dict)


def depth(prog: Any) -> int:
    """The number of edges on the longest path from a leaf to any node.

    >>> import dpviz as dp, numpy as np
    >>> depth(dp.trace(lambda a: a.tanh().exp().sum(), np.ones(2)))
    3
    """
    nodes = _nodes(prog)
    level = [0] * len(nodes)
    for j, node in enumerate(nodes):       # topological order: arguments are done already
        if node.args:
            level[j] = 1 + max(level[a] for a in node.args)
    return max(level, default=0)


def counts(prog: Any) -> ProgramCounts:
    """Count the parts of ``prog``.

    >>> import dpviz as dp, numpy as np
    >>> c = counts(dp.trace(lambda a, b: a @ b, np.ones((2, 3)), np.ones(3)))
    >>> c.n, c.l, c.edges, c.ops
    (3, 2, 2, {'matmul': 1})
    """
    nodes = _nodes(prog)
    kinds = Counter(getattr(nd, "kind", "op") for nd in nodes)
    params = [nd for nd in nodes if getattr(nd, "kind", "op") == "param"]
    ops = Counter(nd.op for nd in nodes if getattr(nd, "kind", "op") not in _LEAF_KINDS)
    edges = {(a, j) for j, nd in enumerate(nodes) for a in nd.args}
    return ProgramCounts(
        n=len(nodes),
        l=int(getattr(prog, "l", sum(kinds[k] for k in _LEAF_KINDS))),
        edges=len(edges),
        depth=depth(prog),
        inputs=kinds["input"],
        params=len(params),
        param_values=int(sum(np.size(nd.value) for nd in params)),
        outputs=len(getattr(prog, "outputs", [])),
        ops=dict(sorted(ops.items())),
    )


# ---------------------------------------------------------------------------- networkx

def to_networkx(prog: Any) -> Any:
    """``prog`` as a ``networkx.DiGraph`` keyed by node index.

    Node attributes: ``op``, ``name``, ``label``, ``kind``, ``shape``, ``dtype``, ``scope``,
    ``is_output`` and ``value``/``grad`` when present. Edge attribute ``positions``: the
    argument slots the edge fills (``x * x`` gives one edge with positions ``(0, 1)``).
    Graph attributes ``n`` and ``l``.

    >>> import dpviz as dp, numpy as np
    >>> G = to_networkx(dp.trace(lambda a: a * a, np.ones(2)))
    >>> sorted(G.edges(data="positions"))
    [(0, 1, (0, 1))]
    """
    import networkx as nx

    nodes = _nodes(prog)
    G = nx.DiGraph(n=len(nodes), l=getattr(prog, "l", None))
    for i, node in enumerate(nodes):
        attrs: dict[str, Any] = {
            "op": node.op,
            "name": getattr(node, "name", None),
            "label": getattr(node, "label", None) or (node.name or f"{node.op}{i}"),
            "kind": getattr(node, "kind", "op"),
            "shape": tuple(getattr(node, "shape", ()) or ()),
            "dtype": str(getattr(node, "dtype", "")),
            "scope": getattr(node, "scope", ""),
            "is_output": bool(getattr(node, "is_output", False)),
        }
        for key in ("value", "grad", "tangent"):
            item = getattr(node, key, None)
            if item is not None:
                attrs[key] = item
        G.add_node(i, **attrs)
    for j, node in enumerate(nodes):
        slots: dict[int, list[int]] = {}
        for position, a in enumerate(node.args):
            slots.setdefault(a, []).append(position)
        for a, positions in slots.items():
            G.add_edge(a, j, positions=tuple(positions))
    return G


# ---------------------------------------------------------------------------- characteristic 1

def _bfs(succ: list[list[int]], start: int) -> list[int]:
    dist = [-1] * len(succ)
    dist[start] = 0
    queue = deque([start])
    while queue:
        i = queue.popleft()
        for j in succ[i]:
            if dist[j] < 0:
                dist[j] = dist[i] + 1
                queue.append(j)
    return dist


def _longest_from(nodes: list[Any], start: int) -> list[int]:
    longest = [-1] * len(nodes)
    longest[start] = 0
    for j in range(start + 1, len(nodes)):
        best = max((longest[a] for a in nodes[j].args if longest[a] >= 0), default=-1)
        if best >= 0:
            longest[j] = best + 1
    return longest


def _resolve(prog: Any, which: Sequence[int | str] | None, default: str) -> list[int]:
    nodes = _nodes(prog)
    if which is None:
        return list(getattr(prog, default))
    names = {getattr(nd, "name", None): i for i, nd in enumerate(nodes) if getattr(nd, "name", None)}
    out = []
    for item in which:
        if isinstance(item, str):
            if item not in names:
                raise DpvizError(f"no node is named {item!r}; named nodes: {sorted(names)[:12]}")
            out.append(names[item])
        elif isinstance(item, (int, np.integer)) and 0 <= int(item) < len(nodes):
            out.append(int(item))
        else:
            raise DpvizError(f"{item!r} is neither a node name nor an index in 0..{len(nodes) - 1}")
    return out


def path_lengths(
    prog: Any,
    sources: Sequence[int | str] | None = None,
    targets: Sequence[int | str] | None = None,
    *,
    kind: str = "shortest",
) -> np.ndarray:
    """Characteristic 1: the path length (in edges) from each source to each target.

    ``result[s, t]`` is for ``sources[s]`` and ``targets[t]`` (node indices or names; by
    default the program's inputs and outputs). ``kind`` is ``"shortest"`` or ``"longest"``.
    Unreachable pairs are ``-1``. Each source costs one linear pass over the graph.

    >>> import dpviz as dp, numpy as np
    >>> prog = dp.trace(lambda a, b: (a.exp() + b).sum(), np.ones(2), np.ones(2))
    >>> path_lengths(prog).tolist()
    [[3], [2]]
    """
    if kind not in ("shortest", "longest"):
        raise DpvizError(f"kind must be 'shortest' or 'longest'; got {kind!r}")
    nodes = _nodes(prog)
    src = _resolve(prog, sources, "inputs")
    dst = _resolve(prog, targets, "outputs")
    succ = _successors(prog) if kind == "shortest" else []
    table = np.full((len(src), len(dst)), -1, dtype=int)
    for s, start in enumerate(src):
        dist = _bfs(succ, start) if kind == "shortest" else _longest_from(nodes, start)
        table[s] = [dist[t] for t in dst]
    return table


@dataclass
class LagProfile:
    """Path lengths from input ``x_s`` to output ``y_t`` arranged by lag ``l = t - s``.

    ``table[s, t]`` is the path length (``-1`` when there is no path, e.g. a causal RNN has
    none from future inputs); ``by_lag[l]`` lists the lengths of every pair with that lag.

    >>> p = LagProfile(np.array([[2, 4], [-1, 2]]))
    >>> p.by_lag
    {0: [2, 2], 1: [4]}
    >>> p.grows_with_lag, p.symmetric
    (True, False)
    """

    table: np.ndarray

    @property
    def by_lag(self) -> dict[int, list[int]]:
        """Reachable path lengths grouped by lag ``t - s`` (lags of 0 or more)."""
        out: dict[int, list[int]] = {}
        S, T = self.table.shape
        for s in range(S):
            for t in range(s, T):
                if self.table[s, t] >= 0:
                    out.setdefault(t - s, []).append(int(self.table[s, t]))
        return dict(sorted(out.items()))

    @property
    def grows_with_lag(self) -> bool:
        """True when a longer lag always means a strictly longer path (the RNN picture)."""
        means = [float(np.mean(v)) for v in self.by_lag.values()]
        return len(means) > 1 and all(b > a for a, b in zip(means, means[1:]))

    @property
    def symmetric(self) -> bool:
        """True when every output is reached from every input by paths of one length (Figure 3)."""
        return bool((self.table >= 0).all() and (self.table == self.table.flat[0]).all())


def lag_profile(prog: Any, inputs: Sequence[int | str], outputs: Sequence[int | str]) -> LagProfile:
    """Characteristic 1 along a sequence: shortest path from ``inputs[s]`` to ``outputs[t]``.

    >>> import dpviz as dp, numpy as np
    >>> def running_sum(a, b, c):
    ...     h1 = a.tanh(); h2 = (h1 + b).tanh(); h3 = (h2 + c).tanh()
    ...     return h1, h2, h3
    >>> prog = dp.trace(running_sum, np.ones(2), np.ones(2), np.ones(2))
    >>> lag_profile(prog, prog.inputs, prog.outputs).by_lag
    {0: [1, 2, 2], 1: [3, 4], 2: [5]}
    """
    return LagProfile(path_lengths(prog, inputs, outputs))


def _rnn(xs: list[Any], W: Any, U: Any) -> tuple[Any, ...]:
    h = tensor(np.zeros(U.shape[0]))
    ys = []
    for x in xs:                     # one step per input: h_t = tanh(W x_t + U h_{t-1})
        h = (W @ x + U @ h).tanh()
        ys.append(h)
    return tuple(ys)


def _self_attention(xs: list[Any], Wq: Any, Wk: Any, Wv: Any) -> tuple[Any, ...]:
    X = stack(xs)                 # (T, d): every input enters through the same node
    Q, K, V = X @ Wq, X @ Wk, X @ Wv
    scores = (Q @ K.T) / np.sqrt(Q.shape[1])
    weights = scores.softmax(axis=1)  # y_t = sum_i similarity(q_t, k_i) v_i
    Y = weights @ V
    return tuple(Y[t] for t in range(len(xs)))


def figures_2_and_3(T: int = 6, d: int = 3, seed: int = 0) -> dict[str, LagProfile]:
    """Trace an RNN and self-attention over ``T`` input vectors and measure characteristic 1.

    Returns ``{"rnn": ..., "self_attention": ...}``. In the RNN the path from ``x_{t-l}`` to
    ``y_t`` grows with ``l`` (the paper's Figure 2); in self-attention it is the same for
    every input and output (Figure 3).

    >>> profiles = figures_2_and_3(T=4)
    >>> profiles["rnn"].grows_with_lag, profiles["self_attention"].symmetric
    (True, True)
    """
    rng = np.random.default_rng(seed)
    xs = [rng.standard_normal(d) for _ in range(T)]
    W, U = rng.standard_normal((d, d)), rng.standard_normal((d, d))
    rnn = trace(lambda *x: _rnn(list(x), tensor(W), tensor(U)), *xs)
    Wq, Wk, Wv = (rng.standard_normal((d, d)) for _ in range(3))
    att = trace(lambda *x: _self_attention(list(x), tensor(Wq), tensor(Wk), tensor(Wv)), *xs)
    return {
        "rnn": lag_profile(rnn, rnn.inputs, rnn.outputs),
        "self_attention": lag_profile(att, att.inputs, att.outputs),
    }


# ---------------------------------------------------------------------------- characteristic 3

@dataclass
class InvarianceCheck:
    """Whether ``f`` gave the same output for every permutation of its inputs tried.

    ``max_abs_diff`` is the largest difference from the output in the original order;
    ``worst`` the permutation that produced it.

    >>> InvarianceCheck(True, 0.0, 6, (0, 1, 2)).invariant
    True
    """

    invariant: bool
    max_abs_diff: float
    permutations_tried: int
    worst: tuple[int, ...]


def _as_array(out: Any) -> np.ndarray:
    if isinstance(out, (tuple, list)):
        return np.concatenate([_as_array(o).ravel() for o in out]) if out else np.zeros(0)
    if type(out).__module__.startswith("torch"):        # a PyTorch tensor
        return out.detach().cpu().numpy().astype(float)
    data = getattr(out, "data", out)                    # a dpviz tensor holds an ndarray
    return np.asarray(data, dtype=float)


def permutation_check(
    f: Callable[..., Any],
    xs: Sequence[Any],
    *,
    max_permutations: int = 24,
    atol: float = 1e-9,
    rtol: float = 1e-7,
    seed: int = 0,
) -> InvarianceCheck:
    """Characteristic 3: is ``f(*xs)`` unchanged when the inputs ``xs`` are reordered?

    Tries every permutation when there are at most ``max_permutations``, else that many
    random ones (seeded). Works for functions of dpviz tensors, NumPy arrays or PyTorch
    tensors.

    >>> import numpy as np
    >>> xs = [np.array([1.0, 2.0]), np.array([3.0, -1.0]), np.array([0.5, 0.0])]
    >>> permutation_check(lambda *v: sum(v), xs).invariant
    True
    >>> permutation_check(lambda *v: np.concatenate(v), xs).invariant
    False
    """
    xs = list(xs)
    if len(xs) < 2:
        raise DpvizError("permutation_check needs at least two inputs to reorder")
    reference = _as_array(f(*xs))
    T = len(xs)
    count = 1
    for k in range(2, T + 1):
        count *= k
    if count <= max_permutations:
        perms = [p for p in _all_permutations(range(T)) if list(p) != list(range(T))]
    else:
        rng = np.random.default_rng(seed)
        perms = [tuple(int(i) for i in rng.permutation(T)) for _ in range(max_permutations)]
    worst, worst_perm = 0.0, tuple(range(T))
    invariant = True
    for perm in perms:
        out = _as_array(f(*[xs[i] for i in perm]))
        if out.shape != reference.shape:
            return InvarianceCheck(False, float("inf"), len(perms), tuple(perm))
        diff = float(np.max(np.abs(out - reference))) if out.size else 0.0
        if not np.allclose(out, reference, atol=atol, rtol=rtol):
            invariant = False
        if diff > worst:
            worst, worst_perm = diff, tuple(perm)
    return InvarianceCheck(invariant, worst, len(perms), worst_perm)
