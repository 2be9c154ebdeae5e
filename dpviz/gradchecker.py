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

import inspect
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from dpviz import steps
from dpviz.errors import DpvizError
from dpviz.functional import jvp as jvp_of
from dpviz.pictures import draw
from dpviz.pictures.palette import ROLES, dot_attrs
from dpviz.pictures.style import node_style
from dpviz.primitives import Primitive
from dpviz.program import Program, trace
from dpviz.tensors import tensor

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


# ------------------------------------------------------------------------- checking a primitive's rules


@dataclass
class RuleCheck:
    """One rule of a primitive checked at one point: ``mode`` is ``"VJP"`` or ``"JVP"``, ``arg``
    the argument it is for, ``given`` what the rule computed, ``expected`` what central finite
    differences of the forward give, and ``problem`` what went wrong (empty when right).

    >>> RuleCheck("VJP", 0, "x", np.ones(2), np.ones(2), "").ok
    True
    """

    mode: str
    arg: int
    label: str
    given: Any = field(repr=False)
    expected: np.ndarray = field(repr=False)
    problem: str = ""

    @property
    def ok(self) -> bool:
        """True when the rule ran and agrees with finite differences."""
        return not self.problem


def _numbers(a: Any, n: int = 4) -> str:
    flat = np.asarray(a, dtype=float).ravel()
    text = ", ".join(f"{v:.4g}" for v in flat[:n]) + (", …" if flat.size > n else "")
    return text if flat.size == 1 else f"[{text}]"


@dataclass
class RuleReport:
    """What :func:`check_rules` found: one :class:`RuleCheck` per mode and argument, and the
    program it checked them in (``L = sum(r · op(args))`` for a fixed random ``r``).

    ``message()`` says which rule is wrong and where, with your numbers and the expected ones;
    ``draw()`` draws the program with each failing edge (argument → op) marked.

    >>> import dpviz as dp
    >>> sq = dp.defprim("sq_demo", lambda x: x * x, vjp=lambda g, ans, x: 2 * x * g,
    ...                 jvp=lambda t, ans, x: x * t)                 # the JVP forgets the 2
    >>> report = check_rules(sq, np.array([1.0, -2.0]))
    >>> [(c.mode, c.ok) for c in report.checks]
    [('VJP', True), ('JVP', False)]
    >>> "JVP of sq_demo is wrong" in report.message()
    True
    >>> del dp.PRIMITIVES["sq_demo"]
    """

    name: str
    program: Any = field(repr=False)
    node: int
    checks: list[RuleCheck]

    @property
    def ok(self) -> bool:
        """True when every rule agrees with finite differences."""
        return all(c.ok for c in self.checks)

    def message(self) -> str:
        """What is right and what is wrong, rule by rule, in one paragraph."""
        bad = [c for c in self.checks if not c.ok]
        if not bad:
            return f"the VJP and JVP of {self.name} agree with finite differences of its forward."
        parts = [f"{'the' if i == 0 else 'The'} {c.mode} of {self.name} is wrong on the edge "
                 f"{c.label} → {self.name}: {c.problem}" for i, c in enumerate(bad)]
        good = sorted({c.mode for c in self.checks if c.ok} - {c.mode for c in bad})
        if good:
            parts.append(f"Its {' and '.join(good)} {'is' if len(good) == 1 else 'are'} right.")
        return " ".join(parts)

    def draw(self, **options: Any) -> Any:
        """The checked program (``sum(op(args))``) with each failing edge marked, and under it
        your numbers and the expected ones (options as for ``dp.draw``).

        >>> import dpviz as dp
        >>> neg = dp.defprim("neg_demo", lambda x: -x, vjp=lambda g, ans, x: g, jvp=lambda t, ans, x: -t)
        >>> "✗ VJP" in check_rules(neg, np.array([1.0])).draw().source
        True
        >>> del dp.PRIMITIVES["neg_demo"]
        """
        marks: dict[tuple[int, int], list[str]] = {}
        lines = []
        for c in self.checks:
            if not c.ok:
                marks.setdefault((c.arg, self.node), []).append(c.mode)
                # short, so the caption never makes the picture wider than its program: the numbers
                # of the first wrong rule, and of any other only that it is wrong (the message has them)
                if c.given is None:
                    lines.append(f"{c.mode}: {'raised' if 'raised' in c.problem else 'returned None'}")
                elif not lines:
                    lines.append(f"{c.mode}: yours {_numbers(c.given, 3)}, expected {_numbers(c.expected, 3)}")
                else:
                    lines.append(f"{c.mode} wrong too")
        options.setdefault("rankdir", "LR")
        options.setdefault("grad", False)          # a check's picture: the numbers are in the title
        options.setdefault("title", "; ".join(lines) if lines else f"{self.name}: both rules agree")
        return draw(self.program, mark_edges={e: "✗ " + ", ".join(m) for e, m in marks.items()},
                    index=True, **options)


def check_rules(prim: Any, *args: Any, eps: float = 1e-6, atol: float = 1e-6, rtol: float = 1e-4,
                seed: int = 0) -> RuleReport:
    """Check a primitive's VJP and JVP rules (``dp.defprim``) against finite differences of its
    forward at ``args``, in both modes, through the engine: the gradient of ``sum(g · op(args))``
    for the VJP and ``dp.jvp`` for the JVP, first with ``g`` and the tangent all ones (so the
    numbers shown are the derivative itself), then with random ones (so that a rule which forgets
    to multiply by ``g`` or ``t`` is caught too).

    >>> import dpviz as dp
    >>> cube = dp.defprim("cube_demo", lambda x: x ** 3, vjp=lambda g, ans, x: 3 * x ** 2 * g,
    ...                   jvp=lambda t, ans, x: 3 * x ** 2 * t)
    >>> check_rules(cube, np.array([0.5, -1.0, 2.0])).ok
    True
    >>> del dp.PRIMITIVES["cube_demo"]
    """
    if not isinstance(prim, Primitive):
        raise DpvizError(f"check_rules needs a primitive made by dp.defprim; got {type(prim).__name__}")
    points = [np.array(a, dtype=float) for a in args]
    try:
        out = np.asarray(prim.forward(*points), dtype=float)
    except Exception as exc:  # noqa: BLE001 - the learner's forward may fail in any way
        raise DpvizError(f"the forward of {prim.name} raised {type(exc).__name__}: {exc}") from exc
    try:
        names = [p.name for p in inspect.signature(prim.forward).parameters.values()][:len(points)]
    except (TypeError, ValueError):
        names = []
    if len(names) != len(points):
        names = ["x"] if len(points) == 1 else [f"x{k}" for k in range(len(points))]
    rng = np.random.default_rng(seed)
    weights = {"ones": np.ones(out.shape), "random": rng.standard_normal(out.shape)}
    inputs = [tensor(p, name=n) for p, n in zip(points, names)]
    programs = {"ones": trace(lambda *xs: prim(*xs).sum(), *inputs),     # what the picture shows
                "random": trace(lambda *xs: (prim(*xs) * weights["random"]).sum(), *inputs)}
    prog = programs["ones"]
    node = next(n.index for n in prog.nodes if n.op == prim.name)

    def forward_at(k: int, value: np.ndarray) -> np.ndarray:
        moved = list(points)
        moved[k] = value
        return np.asarray(prim.forward(*moved), dtype=float)

    def compare(given: Any, expected: np.ndarray, what: str, where: str) -> str:
        if given is None:
            return f"your {what} rule gave None; it must return an array (did you forget return?)."
        got = np.asarray(getattr(given, "data", given), dtype=float)
        if got.shape != expected.shape and got.size != 1:
            return f"your {what} rule returned shape {got.shape}; it must have shape {expected.shape}."
        got = np.broadcast_to(got, expected.shape)
        if np.all(np.abs(got - expected) <= atol + rtol * np.abs(expected)):
            return ""
        return f"{where} it gives {_numbers(got)} where finite differences give {_numbers(expected)}."

    def run(what: str, compute, expected: dict, where: str, factor: str) -> tuple[Any, str]:
        shown = None
        for kind in ("ones", "random"):
            try:
                given = compute(kind)
            except Exception as exc:  # noqa: BLE001 - a learner's rule may fail in any way
                return None, f"your {what} rule raised {type(exc).__name__}: {exc}."
            shown = given if kind == "ones" else shown
            problem = compare(given, expected[kind], what, where)
            if problem and kind == "random" and "finite differences" in problem:
                return shown, (f"it is right when {factor} is all ones but not for other values of {factor}: "
                               f"multiply your derivative by {factor}, the incoming "
                               f"{'adjoint' if what == 'VJP' else 'tangent'}.")
            if problem:
                return shown, problem
        return shown, ""

    checks: list[RuleCheck] = []
    for k, point in enumerate(points):
        where = f"at {names[k]} = {_numbers(point)}"
        h = eps * max(1.0, float(np.max(np.abs(point)))) if point.size else eps
        numeric = {}
        for kind, g in weights.items():
            grad = np.zeros(point.size)
            for i in range(point.size):
                step = np.zeros(point.size)
                step[i] = h
                step = step.reshape(point.shape)
                grad[i] = np.sum(g * (forward_at(k, point + step) - forward_at(k, point - step))) / (2 * h)
            numeric[kind] = grad.reshape(point.shape)

        def vjp_given(kind: str, k: int = k) -> Any:
            if prim.vjp_rule(k)(weights[kind], out, *points) is None:
                return None          # the engine would read None as NaN: say what happened instead
            p = programs[kind]
            return steps.gradients(p, {p.outputs[0]: np.array(1.0)}, steps.evaluate(p, points))[k]

        given, problem = run("VJP", vjp_given, numeric, where, "g")
        checks.append(RuleCheck("VJP", k, names[k], given, numeric["ones"], problem))

        tangents = {"ones": np.ones(point.shape), "random": rng.standard_normal(point.shape)}
        expected_t = {kind: (forward_at(k, point + h * t) - forward_at(k, point - h * t)) / (2 * h)
                      for kind, t in tangents.items()}

        def jvp_given(kind: str, k: int = k) -> Any:
            if prim.jvp_rule(k)(tangents[kind], out, *points) is None:
                return None
            ts = tuple(tangents[kind] if j == k else np.zeros_like(p) for j, p in enumerate(points))
            _, tangent_out = jvp_of(lambda *xs: prim(*xs), tuple(points), ts)
            return np.asarray(getattr(tangent_out, "data", tangent_out), dtype=float)

        given_t, problem = run("JVP", jvp_given, expected_t, where, "t")
        checks.append(RuleCheck("JVP", k, names[k], given_t, expected_t["ones"], problem))
    return RuleReport(prim.name, prog, node, checks)
