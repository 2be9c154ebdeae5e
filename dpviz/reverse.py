"""Reverse mode: the adjoint algorithm over recorded nodes, one edge at a time.

:func:`adjoint_steps` is the algorithm itself.  Nodes are visited in reverse creation
order, which is a reverse topological order because a node is always created after its
parents; each node sends its adjoint ``v̄_i`` back along every edge ``(j, i)`` into an
argument that needs a gradient, as the chain rule says:
``v̄_j += v̄_i · ∂v_i/∂v_j`` (the op's VJP rule computes the product).  Every consumer
reads the same steps: ``Tensor.backward`` fills ``.grad`` from them,
``dp.grad`` and ``dp.vjp`` take the adjoints of their inputs, and a Program's
``backward_steps`` shows them one by one.  No recursion, so a chain of 100,000 ops is fine.

>>> import dpviz as dp
>>> x = dp.tensor(2.0, requires_grad=True)
>>> y = x * x
>>> [(s.position, float(s.contribution), float(s.adjoint)) for s in adjoint_steps({y.node: 1.0})]
[(0, 2.0, 2.0), (1, 2.0, 4.0)]
"""
from __future__ import annotations

from typing import Any, Iterable, Iterator, Mapping, NamedTuple

import numpy as np

from dpviz.context import STATE, enable_grad
from dpviz.errors import BackwardError, InplaceError, ShapeError
from dpviz.node import Handle, Node
from dpviz.record import check_finite


class EdgeStep(NamedTuple):
    """One contribution of the adjoint algorithm, along the edge from ``parent`` into ``node``.

    ``upstream`` is ``node``'s adjoint, ``contribution`` what the VJP rule for argument
    ``position`` sends back, ``adjoint`` the parent's adjoint after adding it and
    ``accumulated`` whether an earlier contribution had reached the parent (fan-out).

    >>> EdgeStep(None, 0, None, 1.0, 3.0, 3.0, False).accumulated
    False
    """

    node: Node
    position: int
    parent: Node
    upstream: Any
    contribution: Any
    adjoint: Any
    accumulated: bool


def reachable(roots: Iterable[Node], stop: set | None = None, grad_only: bool = True) -> list[Node]:
    """Every node the roots were computed from, in creation (= topological) order.

    ``stop`` nodes are included but not looked behind; with ``grad_only`` only
    nodes that require grad are followed.

    >>> import dpviz as dp
    >>> x = dp.tensor(1.0, requires_grad=True)
    >>> [n.op for n in reachable([(x.exp() * 2).node])]
    ['input', 'exp', 'mul']
    """
    seen: set[int] = set()
    out: list[Node] = []
    stack = [r for r in roots]
    while stack:
        n = stack.pop()
        if id(n) in seen:
            continue
        seen.add(id(n))
        out.append(n)
        if stop is not None and n in stop:
            continue
        for p in n.parents:
            if isinstance(p, Node) and (p.requires_grad or not grad_only) and id(p) not in seen:
                stack.append(p)
    out.sort(key=lambda n: n.seq)
    return out


def _check_saved(node: Node) -> None:
    """Refuse a backward step whose rule would read a value changed in place since it was saved.

    Only the values read by the rules of arguments that need a gradient count, as in PyTorch:
    ``w = x.exp() / 2.0; w += 1.0`` overwrites the division's output, which only the rule for
    the divisor reads, and the divisor needs none. (The versions are compared first: almost
    always nothing changed, and this runs for every node of every backward pass.)"""
    for k in node.prim.saves:
        if k == -1:
            if node.vc.version != node.ver and _read_by_a_needed_rule(node, k):
                _saved_error(node, node, "its output", node.ver)
        else:
            p = node.parents[k]
            if isinstance(p, Node) and p.vc.version != node.saved_ver[k] and _read_by_a_needed_rule(node, k):
                _saved_error(node, p, f"its input {k}", node.saved_ver[k])


def _read_by_a_needed_rule(node: Node, saved: int) -> bool:
    """Whether the saved value ``saved`` is read by the rule of an argument that needs a gradient."""
    return any(isinstance(p, Node) and p.requires_grad and saved in node.prim.reads_for(k)
               for k, p in enumerate(node.parents))


def _saved_error(node: Node, changed: Node, what: str, saved_version: int):
    raise InplaceError(
        f"one of the values needed for the gradient was changed by an in-place operation: "
        f"'{node.op}' ({node.describe()}) saved {what} {changed.describe()} at version {saved_version} "
        f"for its backward rule, but {changed.vc.changed_by or 'an in-place op'} changed it (now version "
        f"{changed.vc.version}). Use an out-of-place op instead (e.g. y = y + 3, not y.add_(3)), or change "
        "it only after backward().")


# An EdgeStep is made per edge of every backward pass: tuple.__new__ skips the Python-level
# __new__ of a NamedTuple, which would be the largest cost of a step.
_new_step = tuple.__new__


def _recorded(rule, g, ans, args, params, before):
    """A contribution and the new running adjoint, recorded even inside ``no_grad`` (create_graph).

    Grad mode is set around the rule only, never across a ``yield``: a consumer's own code
    runs between two steps and must find the mode it set itself.
    """
    with enable_grad():
        c = rule(g, ans, *args, **params)
        return c, (c if before is None else before + c)


def adjoint_steps(seeds: Mapping[Node, Any], *, create_graph: bool = False, retain_graph: bool = True,
                  stop: set | None = None, handle=Handle) -> Iterator[EdgeStep]:
    """Run the adjoint algorithm from ``seeds`` (``{output node: its adjoint}``), yielding each edge's step.

    Without ``create_graph`` adjoints are NumPy arrays.  With it they are tensors of class
    ``handle`` (the rules then record, so the backward pass can be differentiated again).
    ``stop`` nodes receive adjoints but send none further; unless ``retain_graph``, each
    node is marked freed once it has sent its adjoint (a second pass through it is refused).

    >>> import dpviz as dp
    >>> x = dp.tensor(3.0, requires_grad=True)
    >>> y = x.exp() * 2.0
    >>> [(s.node.op, s.parent.op) for s in adjoint_steps({y.node: 1.0})]
    [('mul', 'exp'), ('exp', 'input')]
    """
    order = reachable(seeds, stop)
    acc: dict[Node, Any] = dict(seeds)
    anomaly = STATE.anomaly
    wrap = handle._wrap
    for node in reversed(order):
        g = acc.get(node)
        prim = node.prim
        if g is None or prim is None or (stop is not None and node in stop):
            continue
        if prim.saves:
            if node.freed:
                raise BackwardError(
                    f"trying to run backward through {node.describe()} a second time, but its saved values "
                    "were freed after the first backward. Call backward(retain_graph=True) the first time "
                    "if you need to run it twice (or recompute the forward pass).")
            _check_saved(node)
        parents = node.parents
        if create_graph:
            args = [wrap(p) if isinstance(p, Node) else p for p in parents]
            ans = wrap(node)
        else:
            args = [p.value if isinstance(p, Node) else p for p in parents]
            ans = node.value
        params = node.params or {}
        rules = prim.vjp
        for k, p in enumerate(parents):
            if not isinstance(p, Node) or not p.requires_grad:
                continue
            rule = prim.vjp_rule(k) if prim.variadic else rules[k]
            before = acc.get(p)
            if create_graph:
                c, total = _recorded(rule, g, ans, args, params, before)
            else:   # NumPy in, NumPy out: nothing is recorded, whatever the grad mode
                c = rule(g, ans, *args, **params)
                total = c if before is None else before + c
            if anomaly:
                check_finite(c, node.op, "backward", None,
                             f" (node {node.describe()}, gradient for its argument {k})")
            acc[p] = total
            yield _new_step(EdgeStep, (node, k, p, g, c, total, before is not None))
        if not retain_graph:
            node.freed = True


def adjoints(seeds: Mapping[Node, Any], **options: Any) -> dict[Node, Any]:
    """Every adjoint the algorithm computes from ``seeds``: ``{node: v̄}`` (options as :func:`adjoint_steps`).

    >>> import dpviz as dp
    >>> x = dp.tensor(3.0, requires_grad=True)
    >>> float(adjoints({(x * x).node: np.array(1.0)})[x.node])
    6.0
    """
    acc = dict(seeds)
    for step in adjoint_steps(seeds, **options):
        acc[step.parent] = step.adjoint
    return acc


def _as_seed(t: Handle, gradient, create_graph: bool):
    node = t._node
    shape, dtype = node.value.shape, node.value.dtype
    if gradient is None:
        if node.value.size != 1:
            raise BackwardError(
                f"backward() without a gradient needs a one-element output, but {node.describe()} has "
                f"shape {shape}. Reduce it first (e.g. y.sum().backward()) or pass a seed: "
                "y.backward(np.ones(y.shape)).")
        return np.ones(shape, dtype=dtype)
    if isinstance(gradient, Handle):
        g = gradient if create_graph else gradient._node.value
    else:
        g = np.asarray(gradient, dtype=dtype)
    if np.shape(g) != shape:
        raise ShapeError(f"backward(gradient=...) needs a gradient of shape {shape}; got {np.shape(g)}")
    return g


def backward(t: Handle, gradient=None, retain_graph: bool | None = None, create_graph: bool = False) -> None:
    """``t.backward(...)``: accumulate gradients into leaves, adjoints onto intermediates.

    >>> import dpviz as dp
    >>> x = dp.tensor([1.0, 2.0], requires_grad=True)
    >>> backward((x * 3).sum())
    >>> x.grad
    array([3., 3.])
    """
    if not isinstance(t, Handle):
        raise BackwardError(f"backward() needs a dpviz tensor; got {type(t).__name__}")
    node = t._node
    if not node.requires_grad:
        raise BackwardError(
            f"{node.describe()} does not require grad, so it has no graph to run backward through. "
            "Create the inputs with dp.tensor(..., requires_grad=True).")
    if node.vc.version != node.ver and node.prim is not None:
        node = t._catch_up("backward")
    if retain_graph is None:
        retain_graph = create_graph
    seed = _as_seed(t, gradient, create_graph)
    acc = adjoints({node: seed}, create_graph=create_graph, retain_graph=retain_graph, handle=type(t))
    for n, g in acc.items():
        if n.prim is None:
            if not create_graph:
                # an array of its own and of the leaf's dtype, never a view of another's
                g = np.array(g, dtype=n.value.dtype)
            n.grad = g if n.grad is None else n.grad + g
        else:
            n.grad = g
