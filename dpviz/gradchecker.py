"""Check analytic gradients against central finite differences, leaf by leaf.

``dp.gradcheck(f, *args)`` traces ``f``, runs the adjoint algorithm once, and then
nudges every element of every floating-point leaf (inputs and the parameters ``f`` uses)
by ``±h``, replaying the program to estimate the same derivative numerically:
``(f(θ + h) - f(θ - h)) / 2h``. The report says, per leaf, how far the two disagree;
``report.draw()`` marks each leaf by that disagreement in the course palette (a thick green
border: agrees; a vermillion fill and border: wrong; a dashed vermillion border: just out of
tolerance) through the public style hook of ``dp.draw``, with the legend saying which is which.

A non-scalar output ``y`` is checked through ``sum(r * y)`` for a fixed random ``r``,
which tests the whole vector-Jacobian product at the cost of one backward pass.

>>> import dpviz as dp, numpy as np
>>> report = dp.gradcheck(lambda x, w: (x @ w).tanh().sum(), np.ones((2, 3)), np.full((3, 1), 0.1))
>>> report.ok, [leaf.label for leaf in report.leaves]
(True, ['x', 'w'])
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from dpviz import steps
from dpviz.errors import DpvizError
from dpviz.pictures import draw
from dpviz.pictures.palette import ROLES, dot_attrs
from dpviz.pictures.style import node_style
from dpviz.program import Program, trace

#: Scores (error divided by tolerance) above 1 fail; this many times the tolerance is "red".
RED_SCORE = 100.0

#: The palette role (:mod:`dpviz.pictures.palette`) each verdict is drawn with.
VERDICT_ROLES = {"ok": "check_passed", "suspicious": "check_suspicious", "wrong": "check_failed"}


@dataclass
class LeafCheck:
    """The comparison for one leaf: errors, a ``score`` (worst error / tolerance, <= 1 passes)
    and both gradients (``numeric`` is NaN where an element was not sampled).

    >>> check = LeafCheck(0, "x", "input", (2,), 2, 0.0, 0.0, 0.0, np.zeros(2), np.zeros(2))
    >>> check.ok, check.verdict
    (True, 'ok')
    """

    index: int
    label: str
    kind: str
    shape: tuple[int, ...]
    checked: int
    max_abs_err: float
    max_rel_err: float
    score: float
    analytic: np.ndarray = field(repr=False)
    numeric: np.ndarray = field(repr=False)

    @property
    def ok(self) -> bool:
        """True when every sampled element is within tolerance."""
        return bool(self.score <= 1.0)

    @property
    def verdict(self) -> str:
        """``"ok"``, ``"suspicious"`` (just out of tolerance) or ``"wrong"``."""
        if self.ok:
            return "ok"
        return "wrong" if self.score > RED_SCORE else "suspicious"


@dataclass
class GradcheckReport:
    """What :func:`gradcheck` found; ``style`` is a ready ``dp.draw`` style hook.

    >>> import dpviz as dp
    >>> r = dp.gradcheck(lambda a: (a * a).sum(), np.array([1.0, -2.0]))
    >>> r.ok, [leaf.verdict for leaf in r.leaves]
    (True, ['ok'])
    >>> print(r)                                   # doctest: +NORMALIZE_WHITESPACE +ELLIPSIS
    gradcheck: all 1 leaves agree (h=1e-06, atol=1e-05, rtol=0.001)
      #0 a       input (2,)  2 of 2 elements  max abs err ...  ok
    """

    program: Any = field(repr=False)
    leaves: list[LeafCheck]
    eps: float
    atol: float
    rtol: float

    @property
    def ok(self) -> bool:
        """True when every leaf passed."""
        return all(leaf.ok for leaf in self.leaves)

    def __str__(self) -> str:
        bad = [leaf for leaf in self.leaves if not leaf.ok]
        head = (f"gradcheck: all {len(self.leaves)} leaves agree" if not bad
                else f"gradcheck: {len(bad)} of {len(self.leaves)} leaves disagree")
        lines = [f"{head} (h={self.eps:g}, atol={self.atol:g}, rtol={self.rtol:g})"]
        width = max((len(leaf.label) for leaf in self.leaves), default=1)
        for leaf in self.leaves:
            lines.append(
                f"  #{leaf.index} {leaf.label:<{width}}  {leaf.kind} {tuple(leaf.shape)}  "
                f"{leaf.checked} of {int(np.prod(leaf.shape, dtype=int))} elements  "
                f"max abs err {leaf.max_abs_err:.2e}  {leaf.verdict}"
            )
        return "\n".join(lines)

    def style(self, node: Any) -> dict[str, str] | None:
        """A ``dp.draw`` style hook: colour each checked leaf by its verdict.

        >>> import dpviz as dp
        >>> r = dp.gradcheck(lambda a: a.exp().sum(), np.zeros(2))
        >>> r.style(r.program.nodes[0])["color"] == ROLES["check_passed"].stroke
        True
        """
        by_index = {leaf.index: leaf for leaf in self.leaves}
        leaf = by_index.get(node.index)
        if leaf is None:
            return None
        attrs = dot_attrs(VERDICT_ROLES[leaf.verdict], base=node_style(node))
        attrs["note"] = f"check: max err {leaf.max_abs_err:.1e}"
        return attrs

    def draw(self, **options: Any) -> Any:
        """Draw the checked program coloured by discrepancy (options as for ``dp.draw``).

        >>> import dpviz as dp
        >>> report = dp.gradcheck(lambda a: (a * a).sum(), np.array([1.0, -2.0]))
        >>> report.ok, report.draw(rankdir="TB").node_count
        (True, 3)
        """
        roles = sorted({VERDICT_ROLES[leaf.verdict] for leaf in self.leaves})
        return draw(self.program, style=self.style, legend_roles=roles, **options)


def gradcheck(
    f: Callable[..., Any],
    *args: Any,
    eps: float | None = None,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    max_elements: int = 64,
    seed: int = 0,
) -> GradcheckReport:
    """Compare each leaf's analytic gradient of ``f(*args)`` with central finite differences.

    ``f`` is a function (traced with ``args``) or a ``dp.Program`` (checked at the values it
    holds, or replayed on ``args``; it is only read, never changed).  ``eps`` is the step
    ``h`` (default ``1e-6`` for float64 leaves, ``1e-3`` for float32), scaled by
    ``max(1, |θ|)``. An element passes when ``|analytic - numeric| <= atol + rtol *
    |numeric|``. Leaves larger than ``max_elements`` are checked on a seeded random sample
    of that many elements.

    >>> import dpviz as dp, numpy as np
    >>> dp.gradcheck(lambda x: (x ** 3).sum(), np.array([0.5, 2.0])).ok
    True
    >>> prog = dp.trace(lambda x: x.sin().sum(), np.ones(3))
    >>> dp.gradcheck(prog).ok, prog.nodes[0].grad is None
    (True, True)
    """
    if max_elements < 1:
        raise DpvizError(f"max_elements must be at least 1; got {max_elements}")
    own = not isinstance(f, Program)
    prog = trace(f, *args) if own else f
    if len(prog.outputs) != 1:
        raise DpvizError(f"gradcheck needs f to return one tensor; it returned {len(prog.outputs)}")
    out_index = prog.outputs[0]
    out_shape = prog.nodes[out_index].shape
    rng = np.random.default_rng(seed)
    cotangent = np.ones(out_shape) if int(np.prod(out_shape, dtype=int)) == 1 else rng.standard_normal(out_shape)
    # copies of the leaves, so that nudging them touches neither the program nor the parameters
    leaves = [np.array(v, copy=True) for v in prog.leaves(*([] if own else args))]
    if own:    # gradcheck's own program: it stores the gradients, so that report.draw() shows them
        analytic = prog.backward(seed=cotangent)
    else:
        analytic = steps.gradients(prog, {out_index: cotangent}, steps.evaluate(prog, leaves))

    def objective() -> float:
        return float(np.sum(cotangent * np.asarray(steps.evaluate(prog, leaves)[out_index], dtype=float)))

    checks: list[LeafCheck] = []
    for i in range(prog.l):
        node = prog.nodes[i]
        arr = leaves[i]
        if arr.dtype.kind != "f":
            continue
        h0 = eps if eps is not None else (1e-3 if arr.dtype == np.float32 else 1e-6)
        flat = arr.reshape(-1)          # a view: writing it perturbs the leaf copy itself
        size = flat.size
        picks = np.arange(size) if size <= max_elements else np.sort(rng.choice(size, max_elements, replace=False))
        numeric = np.full(size, np.nan)
        for k in picks:
            keep = flat[k]
            h = h0 * max(1.0, abs(float(keep)))
            flat[k] = keep + h
            up = objective()
            flat[k] = keep - h
            down = objective()
            flat[k] = keep
            numeric[k] = (up - down) / (2 * h)
        grad = analytic[i]
        grad_flat = np.zeros(size) if grad is None else np.broadcast_to(np.asarray(grad, dtype=float), arr.shape).reshape(-1)
        a, n = grad_flat[picks], numeric[picks]
        err = np.abs(a - n)
        score = float(np.max(err / (atol + rtol * np.abs(n)))) if picks.size else 0.0
        rel = float(np.max(err / np.maximum(np.abs(n), 1e-12))) if picks.size else 0.0
        checks.append(LeafCheck(i, node.label, node.kind, tuple(arr.shape), int(picks.size),
                                float(err.max()) if picks.size else 0.0, rel, score,
                                grad_flat.reshape(arr.shape).copy(), numeric.reshape(arr.shape)))
    return GradcheckReport(prog, checks, eps if eps is not None else 1e-6, atol, rtol)
