"""Reverse mode over the recorded graph: the adjoint algorithm, iteratively.

Nodes are visited in reverse creation order, which is a reverse topological
order because a node is always created after its parents.  No recursion, so a
chain of 100,000 ops is fine.

>>> import dpviz as dp
>>> x = dp.tensor(2.0, requires_grad=True)
>>> y = x * x
>>> y.backward()
>>> float(x.grad)
4.0
"""
from __future__ import annotations

from typing import Iterable, Sequence

import numpy as np

from dpviz.context import STATE, enable_grad, no_grad
from dpviz.errors import BackwardError, InplaceError, ShapeError
from dpviz.tensor import Node, Tensor, check_finite


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
    prim = node.prim
    for k in prim.saves:
        if k == -1:
            if node.vc[0] != node.ver:
                _saved_error(node, node, "its output", node.ver)
        else:
            p = node.parents[k]
            if isinstance(p, Node) and p.vc[0] != node.saved_ver[k]:
                _saved_error(node, p, f"its input {k}", node.saved_ver[k])


def _saved_error(node: Node, changed: Node, what: str, saved_version: int):
    raise InplaceError(
        f"one of the values needed for the gradient was changed by an in-place operation: "
        f"'{node.op}' ({node.describe()}) saved {what} {changed.describe()} at version {saved_version} "
        f"for its backward rule, but {changed.vc[1] or 'an in-place op'} changed it (now version "
        f"{changed.vc[0]}). Use an out-of-place op instead (e.g. y = y + 3, not y.add_(3)), or change "
        "it only after backward().")


def adjoints(roots: Sequence[Node], seeds: Sequence, create_graph: bool, retain_graph: bool,
             stop: set | None = None, grad_only: bool = True):
    """Run the adjoint algorithm from ``roots`` seeded with ``seeds``; return ({node: adjoint}, order).

    With ``create_graph`` the adjoints are tensors whose own graph records the
    backward pass; otherwise they are NumPy arrays.

    >>> import dpviz as dp
    >>> x = dp.tensor(3.0, requires_grad=True)
    >>> y = x * x
    >>> adj, _ = adjoints([y.node], [np.array(1.0)], False, True)
    >>> float(adj[x.node])
    6.0
    """
    order = reachable(roots, stop)
    acc: dict[Node, object] = {}
    for r, s in zip(roots, seeds):
        acc[r] = acc[r] + s if r in acc else s
    anomaly = STATE.anomaly
    wrap = Tensor._wrap
    ctx = enable_grad() if create_graph else no_grad()
    with ctx:
        for node in reversed(order):
            g = acc.get(node)
            prim = node.prim
            if g is None or prim is None or (stop is not None and node in stop):
                continue
            if node.freed and prim.saves:
                raise BackwardError(
                    f"trying to run backward through {node.describe()} a second time, but its saved values "
                    "were freed after the first backward. Call backward(retain_graph=True) the first time "
                    "if you need to run it twice (or recompute the forward pass).")
            if prim.saves:
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
                c = (prim.vjp_rule(k) if prim.variadic else rules[k])(g, ans, *args, **params)
                if anomaly:
                    check_finite(c, node.op, "backward", None,
                                 f" (node {node.describe()}, gradient for its argument {k})")
                acc[p] = acc[p] + c if p in acc else c
            if not retain_graph:
                node.freed = True
    return acc, order


def _as_seed(t: Tensor, gradient, create_graph: bool):
    if gradient is None:
        if t.size != 1:
            raise BackwardError(
                f"backward() without a gradient needs a one-element output, but {t.node.describe()} has "
                f"shape {t.shape}. Reduce it first (e.g. y.sum().backward()) or pass a seed: "
                "y.backward(np.ones(y.shape)).")
        return np.ones(t.shape, dtype=t.dtype)
    if isinstance(gradient, Tensor):
        g = gradient if create_graph else gradient.data
    else:
        g = np.asarray(gradient, dtype=t.dtype)
    if np.shape(g) != t.shape:
        raise ShapeError(f"backward(gradient=...) needs a gradient of shape {t.shape}; got {np.shape(g)}")
    return g


def backward(t: Tensor, gradient=None, retain_graph: bool | None = None, create_graph: bool = False) -> None:
    """``t.backward(...)``: accumulate gradients into leaves, adjoints onto intermediates.

    >>> import dpviz as dp
    >>> x = dp.tensor([1.0, 2.0], requires_grad=True)
    >>> backward((x * 3).sum())
    >>> x.grad
    array([3., 3.])
    """
    if not isinstance(t, Tensor):
        raise BackwardError(f"backward() needs a dpviz tensor; got {type(t).__name__}")
    node = t.node
    if not node.requires_grad:
        raise BackwardError(
            f"{node.describe()} does not require grad, so it has no graph to run backward through. "
            "Create the inputs with dp.tensor(..., requires_grad=True).")
    if node.vc[0] != node.ver and node.prim is not None:
        from dpviz.tensor import refresh
        node = refresh(t, "backward")
    if retain_graph is None:
        retain_graph = create_graph
    seed = _as_seed(t, gradient, create_graph)
    acc, order = adjoints([node], [seed], create_graph, retain_graph)
    for n in order:
        g = acc.get(n)
        if g is None:
            continue
        if n.prim is None:
            if not create_graph and isinstance(g, np.ndarray):
                g = np.array(g, dtype=n.value.dtype)   # an array of its own, never a view of another's
            elif not create_graph:
                g = np.asarray(g, dtype=n.value.dtype).copy()
            if n.grad is None:
                n.grad = g
            else:
                n.grad = n.grad + g
        else:
            n.grad = g
