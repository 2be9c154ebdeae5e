"""Turn the autograd graph of a PyTorch tensor into a :class:`~dpviz.pictures.model.Diagram`.

The graph is walked from ``grad_fn`` with an explicit stack, never by recursion, so a
100,000-step chain cannot raise ``RecursionError``. Each backward function becomes an
``"op"`` node named as PyTorch names it (``AddmmBackward0``, subtitled with the short op
``addmm``); each leaf tensor (reached through ``AccumulateGrad``) becomes an ``"input"`` or
``"param"`` node named from ``params``, a ``model``'s ``named_parameters()`` or the caller's
variables; tensors
an op saved for its backward pass become ``"saved"`` nodes and the base of a viewed output
a ``"view_base"`` node. Leaves come first, then ops in topological order, as in Definition 1.

Module names become scopes: a parameter ``encoder.0.weight`` lies in scope ``encoder/0``,
and an op lies in a scope when every one of its inputs does (``t()`` of a weight).

>>> import torch
>>> w = torch.ones(2, requires_grad=True)
>>> d = diagram_from_torch((w * 3).sum(), params={"w": w}, saved=False)
>>> [(n.kind, n.op, n.name) for n in d.nodes]
[('input', 'input', 'w'), ('op', 'mul', 'MulBackward0'), ('op', 'sum', 'SumBackward0')]
"""
from __future__ import annotations

import re
from typing import Any, Mapping

from dpviz.pictures.model import (
    GRAD_COMPUTED,
    GRAD_NOT_COMPUTED,
    GRAD_NOT_NEEDED,
    GRAD_UNAVAILABLE,
    Diagram,
    EdgeInfo,
    NodeInfo,
    scope_from_name,
)
from dpviz.errors import DpvizError

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_SAVED_PREFIX = "_saved_"
_saved_attrs_of_type: dict[type, tuple[str, ...]] = {}
_op_name_of_type: dict[type, str] = {}


def op_name(fn: Any) -> str:
    """A readable op name for a backward function: ``AddmmBackward0`` -> ``addmm``.

    >>> class MmBackward0: pass
    >>> op_name(MmBackward0())
    'mm'
    """
    kind = type(fn)
    found = _op_name_of_type.get(kind)      # a graph has thousands of nodes and a few types
    if found is None:
        name = re.sub(r"Backward\d*$", "", kind.__name__) or kind.__name__
        found = _op_name_of_type[kind] = _CAMEL.sub("_", name).lower()
    return found


def _saved_attrs(fn: Any) -> tuple[str, ...]:
    # The _saved_* properties live on the class, so look them up once per type.
    kind = type(fn)
    found = _saved_attrs_of_type.get(kind)
    if found is None:
        found = tuple(sorted(a for a in dir(kind) if a.startswith(_SAVED_PREFIX)))
        _saved_attrs_of_type[kind] = found
    return found


def _saved_tensors(fn: Any, torch: Any) -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    # a custom torch.autograd.Function keeps what its backward needs on its ctx (the node itself)
    for attr, val in sorted(getattr(fn, "__dict__", {}).items()):
        if not attr.startswith("_") and isinstance(val, torch.Tensor):
            out.append((attr, val))
    for attr in _saved_attrs(fn):
        try:
            val = getattr(fn, attr)
        except RuntimeError:          # freed by a backward pass without retain_graph
            continue
        label = attr[len(_SAVED_PREFIX):]
        if isinstance(val, torch.Tensor):
            out.append((label, val))
        elif isinstance(val, (tuple, list)):
            out.extend((f"{label}[{k}]", v) for k, v in enumerate(val) if isinstance(v, torch.Tensor))
    return out


def _dtype(t: Any) -> str:
    return str(t.dtype).replace("torch.", "")


def _modules(torch: Any, model: Any, namespace: Mapping[str, Any] | None) -> list[tuple[str, Any]]:
    """The modules that name a graph's leaves and scopes, each with the prefix of its names:
    ``model`` (no prefix), then the modules among the caller's public variables (their names)."""
    found: list[tuple[str, Any]] = []
    if model is not None:
        if not isinstance(model, torch.nn.Module):
            raise DpvizError(f"model= takes a torch.nn.Module (its named_parameters() name the leaves); "
                             f"got {type(model).__name__}")
        found.append(("", model))
    found += [(var, value) for var, value in _public(namespace) if isinstance(value, torch.nn.Module)]
    return found


def _public(namespace: Mapping[str, Any] | None) -> list[tuple[str, Any]]:
    return [(var, value) for var, value in (namespace or {}).items()
            if isinstance(var, str) and not var.startswith("_")]


def leaf_names(torch: Any, params: Mapping[str, Any] | None, model: Any,
               namespace: Mapping[str, Any] | None) -> dict[int, str]:
    """Names for leaf tensors by identity: ``params`` first, then ``model.named_parameters()``,
    then the caller's variables (a module's parameters as ``var.name``, a tensor by its
    variable name).

    >>> import torch
    >>> net = torch.nn.Linear(2, 1)
    >>> sorted(leaf_names(torch, None, None, {"net": net}).values())
    ['net.bias', 'net.weight']
    """
    names: dict[int, str] = {}
    for name, tensor in (params or {}).items():
        if not isinstance(tensor, torch.Tensor):
            raise DpvizError(f"params[{name!r}] is a {type(tensor).__name__}, not a tensor")
        names.setdefault(id(tensor), name)
    for prefix, module in _modules(torch, model, namespace):
        for name, tensor in module.named_parameters(prefix=prefix):
            names.setdefault(id(tensor), name)
    for var, value in _public(namespace):
        if isinstance(value, torch.Tensor):
            names.setdefault(id(value), var)
    return names


def module_titles(torch: Any, model: Any, namespace: Mapping[str, Any] | None) -> dict[str, str]:
    """Cluster titles for the scopes that :func:`leaf_names` gives: each module's name and class.

    >>> import torch
    >>> module_titles(torch, torch.nn.Sequential(torch.nn.Linear(2, 1)), None)
    {'0': '0 · Linear'}
    """
    titles: dict[str, str] = {}
    for prefix, module in _modules(torch, model, namespace):
        for name, sub in module.named_modules(prefix=prefix):
            if name:
                titles.setdefault(name.replace(".", "/"), f"{name.rsplit('.', 1)[-1]} · {type(sub).__name__}")
    return titles


def diagram_from_torch(
    root: Any,
    *,
    params: Mapping[str, Any] | None = None,
    saved: bool = True,
    title: str | None = None,
    model: Any = None,
    namespace: Mapping[str, Any] | None = None,
) -> Diagram:
    """The autograd graph that ends in the PyTorch tensor ``root``.

    ``params`` maps names to tensors (e.g. ``dict(model.named_parameters())``), ``model`` is a
    module whose ``named_parameters()`` name its leaves, and ``namespace`` holds variables
    (the caller's) that name the rest (:func:`leaf_names`); ``nn.Parameter`` leaves are drawn
    as parameters. ``saved`` adds the tensors saved for backward and the base of a viewed output.

    >>> import torch
    >>> x = torch.ones(3, requires_grad=True)
    >>> d = diagram_from_torch(x.exp().sum(), saved=True)
    >>> [n.kind for n in d.nodes]
    ['input', 'saved', 'op', 'op']
    """
    import torch

    if not isinstance(root, torch.Tensor):
        raise DpvizError(f"expected a PyTorch tensor; got {type(root).__name__}")
    if root.grad_fn is None and not root.requires_grad:
        raise DpvizError("this PyTorch tensor has no autograd graph: compute it from tensors with requires_grad=True")
    names = leaf_names(torch, params, model, namespace)

    # Every graph object gets a key; `objects` keeps it alive so ids are not reused mid-walk.
    objects: dict[Any, Any] = {}
    kind_of: dict[Any, str] = {}
    label_of: dict[Any, str] = {}
    kids: dict[Any, list[tuple[Any, int | None, str]]] = {}

    def key_of_fn(fn: Any) -> Any:
        if type(fn).__name__ == "AccumulateGrad":
            return ("leaf", id(fn.variable))
        return ("fn", id(fn))

    def register(key: Any, obj: Any, kind: str, label: str = "") -> None:
        if key not in objects:
            objects[key] = obj
            kind_of[key] = kind
            label_of[key] = label
            kids[key] = []

    def children(key: Any) -> list[tuple[Any, int | None, str]]:
        """The arguments of an op (registering them), in slot order, then its saved tensors."""
        found = kids[key]
        if found or kind_of[key] != "op":
            return found
        fn = objects[key]
        for slot, (child, _) in enumerate(fn.next_functions):
            if child is None:
                continue
            ck = key_of_fn(child)
            if ck[0] == "leaf":
                register(ck, child.variable, "leaf")
            else:
                register(ck, child, "op")
            found.append((ck, slot, "data"))
        if saved:
            for k, (label, tensor) in enumerate(_saved_tensors(fn, torch)):
                sk = ("saved", id(fn), k)
                register(sk, tensor, "saved", label)
                found.append((sk, None, "saved"))
        return found

    if root.grad_fn is None:
        root_key: Any = ("leaf", id(root))
        register(root_key, root, "leaf")
    else:
        root_key = key_of_fn(root.grad_fn)
        if root_key[0] == "leaf":
            register(root_key, root.grad_fn.variable, "leaf")
        else:
            register(root_key, root.grad_fn, "op")

    # Iterative post-order walk: a node is finished after all its arguments are.
    post: list[Any] = []
    done: set[Any] = set()
    stack: list[tuple[Any, int]] = [(root_key, 0)]
    while stack:
        key, k = stack.pop()
        if k == 0 and key in done:
            continue
        args = children(key)
        if k < len(args):
            stack.append((key, k + 1))
            child = args[k][0]
            if child not in done:
                stack.append((child, 0))
        elif key not in done:
            done.add(key)
            post.append(key)

    base_key = None
    if saved and root._base is not None:
        base_key = ("base", id(root._base))
        register(base_key, root._base, "view_base", "base")

    leaves = [k for k in post if kind_of[k] != "op"]
    if base_key is not None:
        leaves.append(base_key)
    ops = [k for k in post if kind_of[k] == "op"]
    order = leaves + ops
    index = {key: i for i, key in enumerate(order)}

    nodes: list[NodeInfo] = []
    edges: list[EdgeInfo] = []
    scope_of: list[str] = []
    for i, key in enumerate(order):
        obj = objects[key]
        kind = kind_of[key]
        args = tuple(index[ck] for ck, _, style in kids[key] if style == "data")
        for ck, slot, style in kids[key]:
            edges.append(EdgeInfo(index[ck], i, slot, style))
        is_output = key == root_key
        if kind == "op":
            short = op_name(obj)
            arg_scopes = {scope_of[a] for a in args}
            scope = arg_scopes.pop() if len(arg_scopes) == 1 else ""
            value = root.detach() if is_output else None
            nodes.append(NodeInfo(
                index=i, kind="op", op=short, name=type(obj).__name__, subtitle=short, args=args,
                shape=tuple(root.shape) if is_output else None,
                dtype=_dtype(root) if is_output else None, scope=scope, value=value,
                grad=None, grad_state=GRAD_UNAVAILABLE, is_output=is_output, source=obj))
        else:
            name = names.get(id(obj))
            if kind == "leaf":
                node_kind = "param" if (name is not None and isinstance(obj, torch.nn.Parameter)) else "input"
                grad = obj.grad
                state = GRAD_COMPUTED if grad is not None else GRAD_NOT_COMPUTED
                scope = scope_from_name(name)
            else:
                node_kind = kind
                name = label_of[key]
                grad, state, scope = None, GRAD_NOT_NEEDED, ""
            nodes.append(NodeInfo(
                index=i, kind=node_kind, op=node_kind, name=name, shape=tuple(obj.shape),
                dtype=_dtype(obj), scope=scope, value=obj.detach(),
                grad=None if grad is None else grad.detach(), grad_state=state,
                is_output=is_output, source=obj))
        scope_of.append(nodes[-1].scope)
    if base_key is not None:
        edges.append(EdgeInfo(index[base_key], index[root_key], None, "view"))
    used = {node.scope for node in nodes if node.scope}
    titles = {k: v for k, v in module_titles(torch, model, namespace).items() if k in used}
    return Diagram(nodes, edges, title=title, source_kind="torch", scope_titles=titles)
