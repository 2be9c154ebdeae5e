"""Exercises of part 1 (notebooks 01-09): registered on import, checked with ``dp.check(id, answer)``.

Every test accepts each right form of an answer (numbers within a tolerance, strings in
any case and spacing, sequences in any container), and every wrong answer gets a hint that
points to the cell or idea that gives it away.

>>> from dpviz.exercises import check
>>> check("02.1", (5, 2)).ok, check("02.1", (4, 2)).ok
(True, False)
"""
from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np

from dpviz.analysis import path_lengths, to_networkx
from dpviz.errors import InplaceError
from dpviz.exercises.registry import Exercise, Verdict, register
from dpviz.functional import grad
from dpviz.gradchecker import check_rules
from dpviz.lessons.branching import sign_switch
from dpviz.lessons.characteristics import make_sequence, profiles
from dpviz.lessons.characteristics import trace as trace_model
from dpviz.lessons.hypergradient import hypergradient
from dpviz.pictures import draw
from dpviz.primitives import Primitive, cosh
from dpviz.program import trace
from dpviz.steps import evaluate as steps_evaluate
from dpviz.tensors import tensor

# ----------------------------------------------------------------------------------- helpers


def _norm(s: Any) -> str:
    """Lower case, no spaces, quotes, underscores or hyphens: 'Self-Attention' -> 'selfattention'."""
    if not isinstance(s, str):
        raise TypeError(f"expected text, got {type(s).__name__}")
    return "".join(ch for ch in s.lower() if ch not in " \t'\"_-.")


def _num(a: Any) -> float:
    """A number from an int, float, 0-d/1-element array or dpviz tensor."""
    arr = np.asarray(getattr(a, "data", a), dtype=float)
    if arr.size != 1:
        raise ValueError(f"expected one number, got shape {arr.shape}")
    return float(arr.reshape(()))


def _close(value: float, rtol: float = 1e-6, atol: float = 1e-9):
    def test(a: Any):
        got = _num(a)
        if np.isclose(got, value, rtol=rtol, atol=atol):
            return True
        if np.isclose(-got, value, rtol=rtol, atol=atol) and value != 0:
            return "the size is right but the sign is wrong."
        return False
    return test


def _array_close(expected, atol: float = 1e-8):
    expected = np.asarray(expected, dtype=float)

    def test(a: Any):
        got = np.asarray(getattr(a, "data", a), dtype=float)
        if got.shape != expected.shape:
            if got.size == expected.size and np.allclose(got.reshape(expected.shape).T, expected, atol=atol):
                return "the numbers are right but transposed: rows are outputs, columns are inputs."
            return f"expected an array of shape {expected.shape}, got shape {got.shape}."
        if np.allclose(got, expected, atol=atol):
            return True
        if got.ndim == 2 and np.allclose(got.T, expected, atol=atol):
            return "the numbers are right but transposed: rows are outputs, columns are inputs."
        return False
    return test


def _int(value: int):
    def test(a: Any):
        got = _num(a)
        return got == value
    return test


def _words(*accepted: str):
    ok = {_norm(w) for w in accepted}
    return lambda a: _norm(a) in ok


# ----------------------------------------------------------------------------------- 01 welcome

register(Exercise(
    "01.1", "Definition 1: every edge (i, j) of a program satisfies which inequality? (Write it as text "
            "with i, j and one comparison sign.)",
    lambda a: _norm(a).replace("<=", "≤") in {"i<j", "j>i"},
    hint="Item 4 of Definition 1 says how the nodes are ordered. In an edge (i, j), node j uses the value "
         "of node i: which of the two must be computed first?",
    more="'Topologically ordered' means every edge goes from an earlier node to a later one.",
    solution='answer = "i < j"', reveals=(r"i\s*<\s*j", r"j\s*>\s*i"),
    explanation="Because every edge points forward, evaluating nodes in index order is always possible."))


def _table_ok(t: Any):
    rows = getattr(t, "rows", None)
    if rows is None:
        return "pass the ProgrammingTable itself (the variable `table`)."
    mine = [r for r in rows if getattr(r, "source", "") == "you"]
    if not mine:
        return "your table has only the paper's rows: call table.add(\"classical ...\", \"differentiable ...\")."
    return True


register(Exercise(
    "01.2", "Add at least one row of your own to Table 1 with table.add(classical, differentiable); pass the table.",
    _table_ok, hint="Call table.add with two texts: how something is done in classical programming, then "
                    "how it is done in differentiable programming.",
    more="For example, how each kind of program is debugged, or what a bug looks like in each.",
    solution='table.add("Debugging by reading code", "Debugging by stepping through the graph")\nanswer = table',
    kind="explore",
    explanation="Any contrast you can defend is a good row; compare yours with a neighbour's."))

register(Exercise(
    "01.3", "Table 1: 'the program is defined by the input-output data' - classical or differentiable?",
    _words("differentiable", "differentiable programming", "dp", "∂p"),
    hint="Read the third row of Table 1: user-defined programs versus ... programs.",
    solution='answer = "differentiable"',
    explanation="The data, through the loss and gradient descent, choose the program within the architecture."))

# ----------------------------------------------------------------------------------- 02 graphs


def _pair(expected: tuple[int, int]):
    def test(a: Any):
        got = tuple(int(v) for v in a)
        if got == expected:
            return True
        if got == expected[::-1]:
            return "you swapped them: the answer is (n, l)."
        if got[1] == expected[1]:
            return "l is right; count n again: inputs, then one node per op (prog.n tells you)."
        return False
    return test


register(Exercise(
    "02.1", "For prog = dp.trace(lambda x, y: (x * y + x).exp(), 1.0, 2.0), give (n, l).",
    _pair((5, 2)), hint="Count one node per input and one per operation; l counts the inputs.",
    more="Trace it and print(prog): one line per node.",
    solution="prog = dp.trace(lambda x, y: (x * y + x).exp(), 1.0, 2.0)\nanswer = (prog.n, prog.l)",
    reveals=(r"n=5, l=2",)))


def _edges_ok(a: Any):
    got = sorted(tuple(int(v) for v in e) for e in a)
    want = sorted([(0, 2), (1, 2), (2, 3), (0, 3), (3, 4)])
    if got == want:
        return True
    if set(got) == set(want):
        return "those are the right edges, but an edge is listed twice or missing."
    if any(i >= j for i, j in got):
        return "every edge (i, j) has i < j: the first number is the argument, the second the node using it."
    return False


register(Exercise(
    "02.2", "List the edges E of the program of 02.1 as (i, j) pairs (any order).",
    _edges_ok, hint="An edge (i, j) for each argument i of each operation j; x (node 0) is used twice.",
    more="print(prog) shows each node's arguments; prog.edges lists the edges themselves.",
    solution="prog = dp.trace(lambda x, y: (x * y + x).exp(), 1.0, 2.0)\nanswer = prog.edges"))


def _six_nodes(f: Any):
    if not callable(f):
        return "pass a function f(a, b) that uses dpviz ops, e.g. lambda a, b: ..."
    prog = trace(f, 1.0, 2.0)
    if prog.n == 6:
        return True
    return f"your program has n = {prog.n} nodes; add or remove ops until dp.trace(f, 1.0, 2.0).n == 6."


register(Exercise(
    "02.3", "Write a function f(a, b) of two numbers whose traced program has exactly n = 6 nodes.",
    _six_nodes, hint="Two nodes are the inputs; each op adds one node, and each constant you write (the 2 "
                     "in a * 2) adds one more.",
    solution="def f(a, b):\n    return (a * b).sin().exp().tanh()\n\nanswer = f", kind="implement",
    explanation="Many programs have six nodes: (a * b).sin().exp().tanh() is one, (a * b).sin() + a.exp() another."))



def _programs_to_evaluate() -> list[tuple[Any, tuple]]:
    """Programs (traced at one point) and the new inputs a learner's interpreter is run on."""
    return [(trace(lambda x, y: (x * y + x).exp(), 1.0, 2.0), (0.5, -1.0)),
            (trace(lambda x: (x * 2.0).sin() + x.tanh(), np.array([0.1, 0.7])), (np.array([-1.0, 3.0]),)),
            (trace(lambda a, b: (a @ b).sum(), np.ones((2, 3)), np.ones((3, 1))),
             (np.arange(6.0).reshape(2, 3), np.array([[1.0], [-2.0], [0.5]])))]


def _interpreter_ok(evaluate: Any):
    if not callable(evaluate):
        return "pass your function evaluate(prog, *inputs) itself (answer = evaluate)."
    for prog, inputs in _programs_to_evaluate():
        want = [np.asarray(v) for v in steps_evaluate(prog, prog.leaves(*inputs))]
        got = evaluate(prog, *inputs)
        if got is None:
            return "evaluate returned None: return the list of every node's value, in node order."
        got = list(got)
        if len(got) != prog.n:
            return f"evaluate returned {len(got)} values for a program of n = {prog.n} nodes: one per node."
        for node, mine, right in zip(prog.nodes, got, want):
            mine_arr = np.asarray(getattr(mine, "data", mine), dtype=float)
            if mine_arr.shape != right.shape or not np.allclose(mine_arr, right):
                where = {"input": "an input", "const": "a constant", "param": "a parameter"}.get(
                    node.kind, f"{node.op} of nodes {list(node.args)}")
                return Verdict(f"node {node.index} ({where}) is wrong on the new inputs: yours "
                               f"{np.round(mine_arr, 4).tolist()}, expected {np.round(right, 4).tolist()}. "
                               "The drawing marks it.",
                               draw(prog, highlight=node.index, index=True, value=False, grad=False))
    return True


register(Exercise(
    "02.4", "Write the interpreter of Definition 1: evaluate(prog, *inputs) returns every node's value, in "
            "node order, for new inputs, using only prog.nodes (node.kind, node.args, node.prim.forward, "
            "node.params, node.value).",
    _interpreter_ok,
    hint="Walk the nodes in index order (Definition 1 promises every argument comes earlier). An input "
         "takes the next new input; a constant or parameter keeps its value; an op applies its forward "
         "to the values of its arguments.",
    more="For an op: values.append(node.prim.forward(*[values[i] for i in node.args], **node.params)). "
         "node.index tells an input which of the new inputs is its own.",
    solution="def evaluate(prog, *inputs):\n"
             "    values = []\n"
             "    for node in prog.nodes:\n"
             "        if node.kind == \"input\":\n"
             "            values.append(np.asarray(inputs[node.index], dtype=float))\n"
             "        elif node.kind == \"op\":\n"
             "            args = [values[i] for i in node.args]\n"
             "            values.append(node.prim.forward(*args, **node.params))\n"
             "        else:   # a constant or a parameter keeps its value\n"
             "            values.append(node.value)\n"
             "    return values\n\n"
             "answer = evaluate",
    kind="implement",
    explanation="That loop is all a Program's replay does: Definition 1 in eleven lines."))

# ----------------------------------------------------------------------------------- 03 reverse

register(Exercise(
    "03.1", "For L = tanh(w·x + b) at w = 0.5, x = −1.5, b = 0.25: what is ∂L/∂w?",
    _close(-1.5 * (1.0 - np.tanh(0.5 * -1.5 + 0.25) ** 2)),
    hint="Follow the path w → mul → add → tanh and multiply the local derivatives; or let dpviz do it.",
    more="∂L/∂w = (1 − tanh²(w·x + b)) · x; dp.grad(lambda w: (w * -1.5 + 0.25).tanh())(0.5) computes it.",
    solution="answer = dp.grad(lambda w: (w * -1.5 + 0.25).tanh())(0.5)"))

register(Exercise(
    "03.2", "In f(x) = x * x * x + x, how many backward steps (edge contributions) add into x's adjoint?",
    _int(4), hint="Each use of x is one edge, and each edge sends one contribution back.",
    more="Trace it and count the steps of prog.backward_steps() whose parent is x (node 0).",
    solution="steps = dp.trace(lambda x: x * x * x + x, 1.0).backward_steps()\n"
             "answer = sum(1 for step in steps if step.parent == 0)",
    explanation="Fan-out becomes a sum of adjoints: x̄ = 3x² + 1 here, collected as four contributions "
                "(x enters the first mul twice, the second mul once and the add once)."))


def _twice(a: Any):
    if isinstance(a, str):
        return _norm(a) in {"2", "twice", "double", "doubled", "2x", "x2"}
    return _num(a) == 2.0


register(Exercise(
    "03.3", "You call loss.backward() twice without zeroing the gradients. By what factor is w.grad "
            "larger than after one call?",
    _twice, hint="Does backward overwrite .grad or add into it? Try it: call loss().backward() twice.",
    more="backward adds into .grad (the same += that handles fan-out); that is why training loops call "
         "zero_grad() first.",
    solution="w.zero_grad(); loss().backward(); once = float(w.grad)\n"
             "loss().backward(); answer = float(w.grad) / once",
    reveals=(r"\(= ?2x\)", r"twice as (large|big)")))



def _programs_for_adjoints() -> list[Any]:
    return [trace(lambda x: x * x + x, 3.0),
            trace(lambda w, x: (w * x + w).tanh(), 0.5, 2.0),
            trace(lambda x, y: (x @ y).exp().sum(), np.array([[0.1, 0.2]]), np.array([[0.3], [-0.4]]))]


def _adjoints_ok(adjoints: Any):
    if not callable(adjoints):
        return "pass your function adjoints(prog) itself (answer = adjoints)."
    for prog in _programs_for_adjoints():
        prog.backward()
        want = [node.grad for node in prog.nodes]
        got = adjoints(prog)
        if got is None:
            return "adjoints returned None: return the list of every node's adjoint, in node order."
        got = list(got)
        if len(got) != prog.n:
            return f"adjoints returned {len(got)} entries for a program of n = {prog.n} nodes: one per node."
        for node in reversed(prog.nodes):          # report the first wrong one the reverse sweep meets
            right = want[node.index]
            if right is None:
                continue
            mine = got[node.index]
            mine_arr = np.zeros(np.shape(right)) if mine is None else np.asarray(getattr(mine, "data", mine), float)
            if mine_arr.shape != np.shape(right) or not np.allclose(mine_arr, right):
                uses = Counter(j for i, j in prog.edges if i == node.index)
                parts = ", ".join(f"{n} from node {j} ({prog.nodes[j].op})" for j, n in sorted(uses.items()))
                total = sum(uses.values())
                sums = (f" It receives {total} contributions ({parts}), and its adjoint is their sum: do you add "
                        "each one (+=) or overwrite the last?" if total > 1 else
                        f" It receives one contribution, from node {next(iter(uses))}." if uses else "")
                return Verdict(f"the adjoint of node {node.index} ({node.label}) is wrong: yours "
                               f"{np.round(mine_arr, 4).tolist()}, the engine's {np.round(right, 4).tolist()}.{sums}",
                               draw(prog, highlight=node.index, index=True, grad=False,
                                    title=f"node {node.index}: yours {np.round(mine_arr, 4).tolist()}, "
                                          f"expected {np.round(right, 4).tolist()}"))
    return True


register(Exercise(
    "03.4", "Write the reverse sweep yourself: adjoints(prog) returns every node's adjoint (∂output/∂node), "
            "in node order, using only the nodes and each op's VJP rule, "
            "node.prim.vjp_rule(k)(g, ans, *args, **node.params).",
    _adjoints_ok,
    hint="Start with adjoint 1 at the output and 0 everywhere else; visit the nodes from last to first, and "
         "send each op's adjoint back to each of its arguments. Where a node is used twice, add.",
    more="For op node j with arguments node.args: for k, i in enumerate(node.args): "
         "adj[i] = adj[i] + node.prim.vjp_rule(k)(adj[j], node.value, *[prog.nodes[a].value for a in "
         "node.args], **node.params).",
    solution="def adjoints(prog):\n"
             "    adj = [np.zeros(node.shape) for node in prog.nodes]\n"
             "    out = prog.outputs[0]\n"
             "    adj[out] = np.ones(prog.nodes[out].shape)\n"
             "    for node in reversed(prog.nodes):\n"
             "        if node.kind != \"op\":\n"
             "            continue\n"
             "        args = [prog.nodes[i].value for i in node.args]\n"
             "        for k, i in enumerate(node.args):\n"
             "            rule = node.prim.vjp_rule(k)\n"
             "            adj[i] = adj[i] + rule(adj[node.index], node.value, *args, **node.params)\n"
             "    return adj\n\n"
             "answer = adjoints",
    kind="implement",
    explanation="This loop is the reverse sweep that prog.backward() runs: one VJP per edge, summed per node."))

# ----------------------------------------------------------------------------------- 04 forward

register(Exercise(
    "04.1", "Give the full Jacobian of f(x) = x * x.sum() at x = [1, 2] (a 2 × 2 array).",
    _array_close([[4.0, 1.0], [2.0, 5.0]]),
    hint="Write f_i = x_i · (x_1 + x_2) and differentiate it by each x_j; or let dpviz build it.",
    more="∂f_i/∂x_j = δ_ij·Σx + x_i; dp.jacobian(f, mode='fwd') builds the whole matrix.",
    solution='answer = dp.jacobian(lambda x: x * x.sum(), mode="fwd")(np.array([1.0, 2.0]))',
    reveals=(r"\[\[4\.?,? +1\.?\]", )))


def _mode_count(a: Any):
    mode, count = a
    mode_ok = _norm(mode) in {"rev", "reverse", "reversemode", "vjp"}
    if mode_ok and int(count) == 3:
        return True
    if mode_ok:
        return "reverse is right; how many rows does the Jacobian have? One VJP gives one row."
    if _norm(mode) in {"fwd", "forward", "forwardmode", "jvp"}:
        return "forward mode needs one JVP per input: 1000 of them. Is there a cheaper way for 3 outputs?"
    return False


register(Exercise(
    "04.2", "h: R¹⁰⁰⁰ → R³. Which mode builds its full Jacobian in fewer sweeps, and how many? "
            "Answer as (mode, count), e.g. (\"fwd\", 10).",
    _mode_count, hint="One JVP gives a column (one per input), one VJP gives a row (one per output).",
    solution='answer = ("rev", 3)'))

register(Exercise(
    "04.3", "For the f of 04.1 at x = [1, 2], what is the JVP with tangent v = [0, 1]?",
    _array_close([1.0, 5.0]),
    hint="A JVP with a unit tangent picks one column of the Jacobian.",
    more="Here the second column; dp.jvp(f, (x,), (v,)) computes it.",
    solution="_, answer = dp.jvp(lambda x: x * x.sum(), (np.array([1.0, 2.0]),), (np.array([0.0, 1.0]),))"))


#: Where a learner's softplus is checked: both tails and the middle.
SOFTPLUS_POINTS = np.array([-4.0, -0.5, 0.0, 1.2, 5.0])


def _softplus_ok(prim: Any):
    if not isinstance(prim, Primitive):
        return "pass the primitive that dp.defprim returned (answer = softplus)."
    want = np.logaddexp(0.0, SOFTPLUS_POINTS)
    value = np.asarray(prim.forward(SOFTPLUS_POINTS), dtype=float)
    if value.shape != want.shape or not np.allclose(value, want):
        return (f"the forward is not softplus: at x = {SOFTPLUS_POINTS.tolist()} it gives "
                f"{np.round(value, 4).tolist()}; expected {np.round(want, 4).tolist()}.")
    report = check_rules(prim, SOFTPLUS_POINTS)      # only once the forward is right: the rules are checked against it
    message = report.message()
    if report.ok:
        return Verdict(message[0].upper() + message[1:], ok=True)
    return Verdict(message, report.draw())


register(Exercise(
    "04.4", "Define softplus(x) = log(1 + eˣ) as a new primitive with dp.defprim, writing its VJP and JVP "
            "rules yourself; dp.check tests both rules against finite differences.",
    _softplus_ok,
    hint="Both rules need the derivative d softplus/dx. Differentiate log(1 + eˣ) with the chain rule.",
    more="d softplus/dx = eˣ/(1 + eˣ) = σ(x). The VJP returns g · σ(x), the JVP t · σ(x); "
         "1/(1 + np.exp(-x)) computes σ(x).",
    solution="def softplus_vjp(g, ans, x):\n"
             "    return g / (1 + np.exp(-x))\n\n"
             "def softplus_jvp(t, ans, x):\n"
             "    return t / (1 + np.exp(-x))\n\n"
             "softplus = dp.defprim(\"softplus\", lambda x: np.logaddexp(0, x),\n"
             "                      vjp=softplus_vjp, jvp=softplus_jvp)\n"
             "answer = softplus",
    kind="implement",
    explanation="Every op of the engine is defined this way: a forward and one rule per mode."))

# ----------------------------------------------------------------------------------- 05 control flow

register(Exercise(
    "05.1", "How many nodes n has dp.trace(branching.double_until, [0.3])?",
    _int(14), hint="Each pass through the loop adds nodes: count the passes, then what one pass adds.",
    more="The loop stops once the sum reaches 10; each doubling records a constant and a mul. Or trace it "
         "and read .n.",
    solution="answer = dp.trace(branching.double_until, [0.3]).n"))

register(Exercise(
    "05.2", "With w = 4 and b = −2, at which x is the learned condition a = σ(w·x + b) exactly 1/2?",
    _close(0.5), hint="For which z is σ(z) = 1/2?",
    more="σ(z) = 1/2 exactly when z = 0; solve w·x + b = 0.",
    solution="answer = -(-2.0) / 4.0"))


def _soft_if_ok(soft_if: Any):
    if not callable(soft_if):
        return "pass your function soft_if(x, c, k) itself (answer = soft_if)."
    xs = np.array([-1.0, 0.2, 0.45, 0.6, 2.0])
    c, k = 0.5, 10.0
    a = 1.0 / (1.0 + np.exp(-k * (xs - c)))
    want = a * (xs + 1.0) + (1.0 - a) * (-xs)
    hard = np.where(xs > c, xs + 1.0, -xs)
    got = soft_if(tensor(xs), tensor(c), k)
    if got is None:
        return "soft_if returned None: return the blended output, one value per x."
    got_v = np.asarray(getattr(got, "data", got), dtype=float)
    if got_v.shape == hard.shape and np.allclose(got_v, hard):
        return ("your soft_if gives exactly the hard branch at every x: a Python if or comparison picks one "
                "branch, and the gradient with respect to c is 0. Blend both: a·(x + 1) + (1 − a)·(−x).")
    if got_v.shape != want.shape or not np.allclose(got_v, want, atol=1e-6):
        where = ""
        if got_v.shape == want.shape:
            if not np.isclose(got_v[0], want[0], atol=1e-3):
                where = " Far below c (x = −1) a ≈ 0, so the output should follow the other branch, −x."
            elif not np.isclose(got_v[-1], want[-1], atol=1e-3):
                where = " Far above c (x = 2) a ≈ 1, so the output should follow x + 1."
            else:
                where = " The ends are right; near c both branches mix with weights a and 1 − a."
        return (f"at x = {xs.tolist()} (c = {c}, k = {k}) yours gives {np.round(got_v, 4).tolist()}; "
                f"expected {np.round(want, 4).tolist()}.{where}")
    dc = grad(lambda c: soft_if(tensor(xs), c, k).sum())(c)
    want_dc = float(np.sum(-k * a * (1 - a) * ((xs + 1.0) - (-xs))))
    if dc is None or not np.isclose(float(np.asarray(getattr(dc, "data", dc))), want_dc, rtol=1e-5):
        return (f"the values are right but d(sum)/dc is {dc if dc is None else float(np.asarray(dc)):.4g}, "
                f"not {want_dc:.4g}: c must enter through dpviz ops (do not turn it into a float).")
    return True


register(Exercise(
    "05.3", "Write soft_if(x, c, k): the hard program returns x + 1 where x > c and −x elsewhere; yours blends "
            "both branches with the learned condition a = σ(k·(x − c)), so that gradient descent can move c.",
    _soft_if_ok,
    hint="Compute a with dpviz ops on x and c, then mix the two branches with weights a and 1 − a, as in the "
         "drawing of section 3.",
    more="a = dp.sigmoid((x - c) * k); return a * (x + 1) + (1 - a) * (-x).",
    solution="def soft_if(x, c, k):\n"
             "    a = dp.sigmoid((x - c) * k)\n"
             "    return a * (x + 1) + (1 - a) * (-x)\n\n"
             "answer = soft_if",
    kind="implement",
    explanation="Its d/dc is not zero, so c can be learned; as k grows, soft_if approaches the hard if."))


def _branch_sizes() -> tuple[int, int]:
    return trace(sign_switch, 1.0).n, trace(sign_switch, -1.0).n


def _sizes_ok(a: Any):
    got = tuple(int(v) for v in a)
    want = _branch_sizes()
    if got == want:
        return True
    if got == want[::-1]:
        return "you swapped them: first the program for x > 0, then for x < 0."
    return False


register(Exercise(
    "05.4", "In the explorer of section 2, move x across 0. How many nodes has the program for x > 0, and for "
            "x < 0? Answer (n for x > 0, n for x < 0).",
    _sizes_ok,
    hint="The explorer redraws the program and says when it changed; count the boxes on each side of 0.",
    more="Or trace it: dp.trace(branching.sign_switch, 1.0).n and the same at -1.0.",
    solution="answer = (dp.trace(branching.sign_switch, 1.0).n, dp.trace(branching.sign_switch, -1.0).n)",
    kind="explore",
    explanation="The input decided which program was recorded: a traced program holds one path."))

# ----------------------------------------------------------------------------------- 06 in place

register(Exercise(
    "06.1", "After y = x.tanh(); y.add_(3); y.mul_(2), what is y.version?",
    _int(2), hint="Which of the three lines change y's memory in place? The version counts those.",
    more="tanh creates y at version 0; each in-place op (a name ending in _) adds one.",
    solution="x = dp.tensor([0.5, -1.0], requires_grad=True)\n"
             "y = x.tanh(); y.add_(3); y.mul_(2)\n"
             "answer = y.version"))


def _fixed(f: Any):
    if not callable(f):
        return "pass a function f(x) that returns a dpviz scalar."
    x = tensor([0.5, -1.0, 2.0], requires_grad=True)
    try:
        out = f(x)
        out.backward()
    except InplaceError:
        return "backward still raises InplaceError: replace the in-place op by an out-of-place one."
    want = 1.0 - np.tanh(np.array([0.5, -1.0, 2.0])) ** 2
    if x.grad is None or not np.allclose(x.grad, want):
        return "backward runs, but x.grad is not 1 − tanh²(x): compute (tanh(x) + 3).sum()."
    return True


register(Exercise(
    "06.2", "Write f(x) computing (tanh(x) + 3).sum() so that backward works (no in-place op).",
    _fixed, hint="An out-of-place op makes a new node and leaves the old value alone: which op of yours "
                 "should not write into tanh's output?",
    more="y = x.tanh(); y = y + 3 makes a new node, leaving tanh's saved output untouched.",
    solution="def f(x):\n    y = x.tanh()\n    y = y + 3\n    return y.sum()\n\nanswer = f",
    kind="implement"))

def _mul_then_add_() -> str:
    x = tensor([0.5, -1.0], requires_grad=True)
    y = x * 3
    y.add_(1)
    try:
        y.sum().backward()
    except InplaceError:
        return "raises"
    return "works"


def _works(a: Any):
    word = _norm(a)
    if word not in {"works", "work", "raises", "raise", "error", "inplaceerror", "fails"}:
        return 'answer "works" or "raises".'
    got = "works" if word.startswith("work") else "raises"
    if got == _mul_then_add_():
        return True
    return ("mul's rule for x reads the other argument (the constant 3), not mul's output y: nothing it "
            "needs was overwritten.")


register(Exercise(
    "06.3", "Does backward work for y = x * 3; y.add_(1); y.sum().backward(), or raise InplaceError?",
    _works, hint="The version counter only guards values that some backward rule reads: which values does "
                 "mul's rule for x read?",
    more="∂(a·b)/∂a = b: the rule for x reads the 3, never the output that add_ changed.",
    solution="x = dp.tensor([0.5, -1.0], requires_grad=True)\n"
             "y = x * 3\n"
             "y.add_(1)\n"
             "try:\n"
             "    y.sum().backward()\n"
             "    answer = \"works\"\n"
             "except dp.InplaceError:\n"
             "    answer = \"raises\"",
    explanation="Ops whose rule reads their output (tanh, exp, sigmoid) are the ones an in-place write can "
                "break; dpviz, like PyTorch, refuses only those."))

# ----------------------------------------------------------------------------------- 07 higher order

register(Exercise(
    "07.1", "What is d²/dx² of x·sin(x) at x = 1?",
    _close(2.0 * np.cos(1.0) - np.sin(1.0)),
    hint="dp.grad returns a function, and a function can be differentiated again.",
    more="dp.grad(dp.grad(f))(1.0) with f = lambda x: x * x.sin().",
    solution="answer = dp.grad(dp.grad(lambda x: x * x.sin()))(1.0)"))


def _closer(a: Any):
    word = _norm(a)
    if word not in {"closer", "further", "farther", "closertozero", "furtherfromzero", "fartherfromzero"}:
        return 'answer "closer" (to zero) or "further" (from zero).'
    got = "closer" if word.startswith("closer") else "further"
    short, long = hypergradient(0.05)[1], hypergradient(0.05, steps=20)[1]
    return got == ("closer" if abs(long) < abs(short) else "further")


register(Exercise(
    "07.2", "Train for K = 20 steps instead of 10. At η = 0.05, does the hypergradient dV/dη get closer to zero "
            "or further from it?",
    _closer, hint="With more steps, how far from its optimum does w end up, and how much can a larger step still help?",
    more="hg.hypergradient(0.05, steps=20) gives the number; compare it with hg.hypergradient(0.05).",
    solution="short, long = hg.hypergradient(0.05)[1], hg.hypergradient(0.05, steps=20)[1]\n"
             "answer = \"closer\" if abs(long) < abs(short) else \"further\"",
    explanation="With more steps w gets nearer its optimum, so the learning rate matters less: dV/dη moves "
                "towards zero (from about −35 to −22 here)."))


def _hg_at_01(a: Any):
    return _close(hypergradient(0.1)[1], rtol=1e-3)(a)


register(Exercise(
    "07.3", "What is dV/dη at η = 0.1 (three significant digits are enough)?",
    _hg_at_01, hint="V is a differentiable function of η: differentiate it at 0.1.",
    more="hg.hypergradient(0.1) returns (V, dV/dη); or dp.grad(hg.val_loss_after_training)(0.1).",
    solution="answer = hg.hypergradient(0.1)[1]"))



def _newton_reference(f, x0: float, steps: int) -> float:
    d1, d2 = grad(f), grad(grad(f))
    x = float(x0)
    for _ in range(steps):
        x = x - float(d1(x)) / float(d2(x))
    return x


def _newton_ok(newton: Any):
    if not callable(newton):
        return "pass your function newton(f, x0, steps) itself (answer = newton)."
    cases = [("x⁴ − 3x² + x", lambda x: x ** 4 - 3 * x ** 2 + x, 2.0),
             ("cosh(x) − x", lambda x: cosh(x) - x, 0.0)]
    for text, f, x0 in cases:
        want = _newton_reference(f, x0, 6)
        got = newton(f, x0, 6)
        if got is None:
            return "newton returned None: return the last x, a number."
        got = _num(got)
        if not np.isclose(got, want, rtol=1e-6, atol=1e-9):
            slope = float(grad(f)(got)) if np.isfinite(got) else float("nan")
            return (f"for f(x) = {text} from x0 = {x0}, six steps of yours end at x = {got:.6g}, where "
                    f"f'(x) = {slope:.3g}; Newton's method ends at {want:.6g} (f' there is "
                    f"{float(grad(f)(want)):.1e}). One step is x − f'(x)/f''(x).")
    return True


register(Exercise(
    "07.4", "Write newton(f, x0, steps): Newton's method for a stationary point, x ← x − f'(x)/f''(x), with both "
            "derivatives from dp.grad. Return the last x.",
    _newton_ok,
    hint="dp.grad(f) is f' as a function, and dp.grad of that function is f''.",
    more="d1 = dp.grad(f); d2 = dp.grad(d1); repeat steps times: x = x - float(d1(x)) / float(d2(x)).",
    solution="def newton(f, x0, steps):\n"
             "    d1 = dp.grad(f)\n"
             "    d2 = dp.grad(d1)\n"
             "    x = float(x0)\n"
             "    for _ in range(steps):\n"
             "        x = x - float(d1(x)) / float(d2(x))\n"
             "    return x\n\n"
             "answer = newton",
    kind="implement",
    explanation="A second-order method is a few lines once derivatives compose: the same nesting as the hypergradient."))

# ----------------------------------------------------------------------------------- 08 characteristics


def _rnn_path(a: Any):
    p = profiles(make_sequence(T=10))["rnn"]
    return _num(a) == float(p.table[0, 9])


register(Exercise(
    "08.1", "The tables above are for T = 6. In the RNN over T = 10 inputs, how long is the shortest path "
            "from x0 to y9?",
    _rnn_path, hint="In the T = 6 table, how much longer does the path from x0 get with each step of lag?",
    more="Extend the pattern to a lag of 9; or compute ch.profiles(ch.make_sequence(T=10))['rnn'].table.",
    solution="answer = ch.profiles(ch.make_sequence(T=10))[\"rnn\"].table[0, 9]"))


def _equivariant(a: Any):
    word = _norm(a)
    if word in {"reordered", "permuted", "equivariant", "reorderedthesameway", "permutedthesameway"}:
        return True
    if word in {"same", "thesame", "unchanged", "invariant"}:
        return ("only their sum is unchanged. Compare ch.self_attention(*xs) with the outputs for the "
                "inputs in another order, output by output.")
    return False


register(Exercise(
    "08.2", "Self-attention's pooled output ignores the order of the inputs. Its T outputs before pooling: "
            "when you reorder the inputs, do they stay the same, come out reordered the same way, or change "
            "otherwise? (same / reordered / changed)",
    _equivariant, hint="Reorder four inputs, run self-attention on both orders, and compare the outputs one by one.",
    more="Output t depends on x_t and on the set of all inputs: find where each output of the first order "
         "went in the second.",
    solution="outs = ch.self_attention(*four, w=ch.Weights.make(3))\n"
             "back = ch.self_attention(*four[::-1], w=ch.Weights.make(3))\n"
             "same_way = all(np.allclose(o.data, b.data) for o, b in zip(outs, back[::-1]))\n"
             "answer = \"reordered\" if same_way else \"changed\"",
    explanation="Permutation-equivariant: reorder the inputs and the outputs are reordered the same way; "
                "summing them then gives the invariant summary."))


register(Exercise(
    "08.3", "The concatenating MLP has a (T·d) × (T·d) matrix. How many weights has it for T = 20 inputs of d = 3?",
    _int((20 * 3) ** 2), hint="The matrix has T·d rows and T·d columns.",
    more="(T·d)² with T = 20 and d = 3.",
    solution="T, d = 20, 3\nanswer = (T * d) ** 2",
    explanation="Twice as many inputs, four times as many weights: the count grows with T², while the RNN's "
                "and attention's do not grow at all."))

def _one_path(prog: Any, i: int, j: int) -> list[int]:
    """A shortest path from node i to node j (node indices)."""
    import networkx as nx      # networkx is read on demand, as analysis.to_networkx does

    return nx.shortest_path(to_networkx(prog), i, j)


def _shortest_ok(shortest: Any):
    if not callable(shortest):
        return "pass your function shortest(prog, i, j) itself (answer = shortest)."
    prog = trace_model("rnn", make_sequence(T=3))
    outs = list(prog.outputs)
    pairs = [(0, outs[-1]), (2, outs[-1]), (0, outs[0]), (outs[0], outs[-1]), (outs[-1], 0), (1, outs[0])]
    for i, j in pairs:
        want = int(path_lengths(prog, [i], [j])[0, 0])
        got = shortest(prog, i, j)
        if got is None:
            return "shortest returned None: return the number of edges, or -1 when there is no path."
        if int(got) != want:
            if want == -1:
                what = ("there is no path: edges only point forward (Definition 1), so follow them from i "
                        "to later nodes, never back")
            else:
                what = f"it is {want} edges, for example {' → '.join(map(str, _one_path(prog, i, j)))}"
            return f"from node {i} to node {j} of the RNN over 3 inputs yours says {int(got)}, but {what}."
    return True


register(Exercise(
    "08.4", "Write shortest(prog, i, j): the fewest edges on a path from node i to node j of a program, or −1 "
            "when there is none, using prog.edges. dp.check compares it with analysis.path_lengths on an RNN.",
    _shortest_ok,
    hint="Breadth first: the nodes one edge from i, then those one edge from them, ... until you reach j.",
    more="Build succ = {i: [j, ...]} from prog.edges; keep a frontier and a distance that grows by 1 per "
         "round. Because edges point forward (Definition 1), one pass over the nodes in order also works.",
    solution="def shortest(prog, i, j):\n"
             "    dist = {i: 0}\n"
             "    for a, b in sorted(prog.edges):        # edges point forward: sources in index order\n"
             "        if a in dist and (b not in dist or dist[a] + 1 < dist[b]):\n"
             "            dist[b] = dist[a] + 1\n"
             "    return dist.get(j, -1)\n\n"
             "answer = shortest",
    kind="implement",
    explanation="Characteristic 1 of section 3.1 is this number, for every pair of an input and an output."))

# ----------------------------------------------------------------------------------- 09 PyTorch


def _shape_43(a: Any):
    got = tuple(int(v) for v in a)
    if got == (4, 3):
        return True
    if got == (3, 4):
        return "that is dpviz's layout (in, out); PyTorch stores (out, in)."
    return False


register(Exercise(
    "09.1", "What is the shape of torch.nn.Linear(3, 4).weight?",
    _shape_43, hint="PyTorch computes x @ W.T + b.",
    solution="answer = tuple(torch.nn.Linear(3, 4).weight.shape)"))

register(Exercise(
    "09.2", "What is the name of the grad_fn node PyTorch records for y = x.exp()?",
    _words("ExpBackward0", "ExpBackward"), hint="The drawing above names its boxes after the ops; make y and ask it.",
    more="x = torch.tensor(1.0, requires_grad=True); type(x.exp().grad_fn).__name__.",
    solution="x = torch.tensor(1.0, requires_grad=True)\nanswer = type(x.exp().grad_fn).__name__",
    reveals=(r"ExpBackward",)))

register(Exercise(
    "09.3", "How many parameter tensors has the PyTorch copy of dp.nn.MLP([2, 8, 8, 1])?",
    _int(6), hint="Each Linear layer has a weight and a bias; count the layers.",
    solution="answer = len(list(torch_bridge.to_torch(dp.nn.MLP([2, 8, 8, 1], seed=0)).parameters()))"))


def _regression_data(seed: int = 0):
    import torch

    g = torch.Generator().manual_seed(seed)
    X = torch.randn(64, 3, generator=g, dtype=torch.float64)
    y = X @ torch.tensor([[1.5], [-2.0], [0.5]], dtype=torch.float64) + 0.3
    return X, y + 0.01 * torch.randn(64, 1, generator=g, dtype=torch.float64)


def _training_ok(train: Any):
    import torch

    if not callable(train):
        return "pass your function train(model, X, y) itself (answer = train)."
    X, y = _regression_data()
    torch.manual_seed(0)
    model = torch.nn.Linear(3, 1).double()
    with torch.no_grad():
        start = float(torch.nn.functional.mse_loss(model(X), y))
    train(model, X, y)
    with torch.no_grad():
        end = float(torch.nn.functional.mse_loss(model(X), y))
    if not np.isfinite(end):
        return "after your loop the loss is not finite: the learning rate is too large."
    if end < 0.01:
        return True
    if abs(end - start) < 1e-12:
        return (f"the model did not change (MSE {start:.3f} before and after): does your loop call "
                "loss.backward() and optimizer.step(), with the optimizer given model.parameters()?")
    return (f"the MSE went from {start:.3f} to {end:.3f}, not below 0.01: take more steps or a larger "
            "learning rate, and call optimizer.zero_grad() every step.")


register(Exercise(
    "09.4", "Write train(model, X, y) in PyTorch: gradient descent on the mean squared error of model(X) "
            "against y, until the MSE is below 0.01. dp.check runs it on a fresh nn.Linear(3, 1).",
    _training_ok,
    hint="Each step: zero the gradients, compute the loss, backward, step the optimizer.",
    more="opt = torch.optim.SGD(model.parameters(), lr=0.1); 200 steps of opt.zero_grad(); "
         "loss = torch.nn.functional.mse_loss(model(X), y); loss.backward(); opt.step().",
    solution="def train(model, X, y, steps=300):\n"
             "    opt = torch.optim.SGD(model.parameters(), lr=0.1)\n"
             "    for _ in range(steps):\n"
             "        opt.zero_grad()\n"
             "        loss = torch.nn.functional.mse_loss(model(X), y)\n"
             "        loss.backward()\n"
             "        opt.step()\n"
             "    return loss.item()\n\n"
             "answer = train",
    kind="implement",
    explanation="The same four lines train every model of notebooks 20-22."))
