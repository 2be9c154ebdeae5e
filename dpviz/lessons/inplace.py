"""Notebook 06: the two examples of the AD notes, run in dpviz and in PyTorch side by side.

The course's AD notes ("In-Place operations" and "Aliasing"; after Paszke et al. 2017) show

* ``y = x.tanh(); y.add_(3); y.backward()`` - tanh's backward rule needs its output,
  which ``add_`` overwrote: the version counter catches it;
* ``y = x[:2]; x.add_(3); y.backward()`` - ``y`` is a view of ``x``'s memory, so changing
  ``x`` changes ``y`` behind its back.

:func:`run` executes one example in one framework and reports what happened, without raising.

>>> out = run("tanh_add", "dpviz")
>>> out.ok, out.error
(False, 'InplaceError')
>>> run("tanh_add_fixed", "dpviz").ok
True
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from dpviz.extras import require_extra
from dpviz.tensors import tensor

X0 = np.array([0.5, -1.0, 2.0])

EXAMPLES = {
    "tanh_add": "y = x.tanh(); y.add_(3); y.sum().backward()",
    "tanh_add_fixed": "y = x.tanh(); y = y + 3; y.sum().backward()",
    "alias_slice": "h = x * 1; y = h[:2]; h.add_(3); y.sum().backward()",
    "alias_leaf": "y = x[:2]; x.add_(3); y.sum().backward()",
}


@dataclass
class Outcome:
    """What one example did in one framework: ``ok``, the error type and message, x's gradient."""

    example: str
    framework: str
    ok: bool
    error: str | None
    message: str
    grad: np.ndarray | None
    versions: list[int]


def _dpviz(example: str) -> tuple[Any, list[int], Any]:
    x = tensor(X0, name="x", requires_grad=True)
    versions: list[int] = []
    y = None
    if example in ("tanh_add", "tanh_add_fixed"):
        y = x.tanh().named("y")
        versions.append(y.version)
        y = y.add_(3) if example == "tanh_add" else (y + 3).named("y")
        versions.append(y.version)
    elif example == "alias_slice":
        h = (x * 1).named("h")
        y = h[:2].named("y")
        versions.append(y.version)
        h.add_(3)
        versions.append(y.version)
    elif example == "alias_leaf":
        y = x[:2].named("y")
        versions.append(x.version)
        x.add_(3)
        versions.append(x.version)
    return x, versions, y


def _torch(example: str) -> tuple[Any, list[int], Any]:
    require_extra("torch", "the PyTorch side of dpviz.lessons.inplace")
    import torch

    x = torch.tensor(X0, requires_grad=True)
    versions: list[int] = []
    if example in ("tanh_add", "tanh_add_fixed"):
        y = x.tanh()
        versions.append(y._version)
        y = y.add_(3) if example == "tanh_add" else y + 3
        versions.append(y._version)
    elif example == "alias_slice":
        h = x * 1
        y = h[:2]
        versions.append(y._version)
        h.add_(3)
        versions.append(y._version)
    else:
        y = x[:2]
        versions.append(x._version)
        x.add_(3)
        versions.append(x._version)
    return x, versions, y


def run(example: str, framework: str = "dpviz") -> Outcome:
    """Run ``EXAMPLES[example]`` in ``framework`` ("dpviz" or "torch"); catch what it raises."""
    if example not in EXAMPLES:
        raise ValueError(f"unknown example {example!r}; choose from {sorted(EXAMPLES)}")
    make = _dpviz if framework == "dpviz" else _torch
    versions: list[int] = []
    x = None
    try:
        x, versions, y = make(example)
        y.sum().backward()
    except Exception as e:  # noqa: BLE001 - the lesson is what each framework raises
        return Outcome(example, framework, False, type(e).__name__, str(e), None, versions)
    grad = x.grad if framework == "dpviz" else x.grad.numpy()
    return Outcome(example, framework, True, None, "backward succeeded", np.asarray(grad), versions)


def side_by_side(example: str, width: int = 110) -> str:
    """Both frameworks' outcomes for one example as a short text block."""
    import textwrap

    lines = [f"example: {EXAMPLES[example]}"]
    for fw in ("dpviz", "torch"):
        out = run(example, fw)
        head = f"  {fw:<6} versions {out.versions}: "
        if out.ok:
            lines.append(head + f"OK, x.grad = {np.round(out.grad, 4).tolist()}")
        else:
            msg = textwrap.shorten(out.message, width=width * 3)
            lines.append(head + f"{out.error}")
            lines += textwrap.wrap(msg, width=width, initial_indent="         ", subsequent_indent="         ")
    return "\n".join(lines)


def broken_tanh_graph() -> Any:
    """The dpviz tensor ``y`` after ``y = x.tanh(); y.add_(3)``: draw it to see the stale tanh node.

    >>> y = broken_tanh_graph()
    >>> y.op, y.version
    ('add_', 1)
    """
    x, _, y = _dpviz("tanh_add")
    return y
