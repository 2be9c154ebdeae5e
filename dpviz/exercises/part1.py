"""Exercises of part 1 (notebooks 01-09): registered on import, checked with ``dp.check(id, answer)``.

Every test accepts each right form of an answer (numbers within a tolerance, strings in
any case and spacing, sequences in any container), and every wrong answer gets a hint that
points to the cell or idea that gives it away.

>>> from dpviz.exercises import check
>>> check("02.1", (5, 2)).ok, check("02.1", (4, 2)).ok
(True, False)
"""
from __future__ import annotations

from typing import Any

import numpy as np

from dpviz.errors import InplaceError
from dpviz.exercises.registry import Exercise, register
from dpviz.lessons.characteristics import make_sequence, profiles
from dpviz.lessons.hypergradient import hypergradient
from dpviz.program import trace
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
    "01.1", "Definition 1: every edge (i, j) of a program satisfies which inequality? (e.g. \"i < j\")",
    lambda a: _norm(a).replace("<=", "≤") in {"i<j", "j>i"},
    hint="Item 4 of Definition 1: edges go from an earlier node to a later one - that is what "
         "'topologically ordered' means. Write it as text, e.g. \"i < j\".",
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
    _table_ok, hint="table.add(\"Debugging by reading code\", \"Debugging by stepping through the graph\")",
    explanation="Any contrast you can defend is a good row; compare yours with a neighbour's."))

register(Exercise(
    "01.3", "Table 1: 'the program is defined by the input-output data' - classical or differentiable?",
    _words("differentiable", "differentiable programming", "dp", "∂p"),
    hint="Read the third row of Table 1: user-defined programs versus ... programs.",
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
    _pair((5, 2)), hint="Trace it and print(prog): one line per node; l counts the inputs x and y."))


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
    _edges_ok, hint="x (node 0) is used twice: by the multiplication and by the addition. prog.edges confirms."))


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
    explanation="Many programs have six nodes: (a * b).sin().exp().tanh() is one, (a * b).sin() + a.exp() another."))

# ----------------------------------------------------------------------------------- 03 reverse

register(Exercise(
    "03.1", "For L = tanh(w·x + b) at w = 0.5, x = 2, b = 0: what is ∂L/∂w?",
    _close(2.0 * (1.0 - np.tanh(1.0) ** 2)),
    hint="Chain rule along the path w → mul → add → tanh: (1 − tanh²(1)) · 1 · x. Or trace it and "
         "read prog.nodes[...].grad after prog.backward()."))

register(Exercise(
    "03.2", "In f(x) = x * x + x, how many backward steps (edge contributions) add into x's adjoint?",
    _int(3), hint="Count the uses of x: it enters mul twice and add once; each use is one edge and one "
                  "'+=' in backward_steps().",
    explanation="Fan-out becomes a sum of adjoints: x̄ = 2x + 1 here, collected as three contributions."))


def _twice(a: Any):
    if isinstance(a, str):
        return _norm(a) in {"2", "twice", "double", "doubled", "2x", "x2"}
    return _num(a) == 2.0


register(Exercise(
    "03.3", "You call loss.backward() twice without zeroing the gradients. By what factor is w.grad "
            "larger than after one call?",
    _twice, hint="backward adds into .grad (the same += that handles fan-out); it never overwrites. "
                 "That is why training loops call zero_grad() first."))

# ----------------------------------------------------------------------------------- 04 forward

register(Exercise(
    "04.1", "Give the full Jacobian of f(x) = x * x.sum() at x = [1, 2] (a 2 × 2 array).",
    _array_close([[4.0, 1.0], [2.0, 5.0]]),
    hint="∂f_i/∂x_j = δ_ij·Σx + x_i. Or compute dp.jacobian(f, mode='fwd')(np.array([1., 2.]))."))


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
    _mode_count, hint="One JVP gives a column (one per input), one VJP gives a row (one per output)."))

register(Exercise(
    "04.3", "For the f of 04.1 at x = [1, 2], what is the JVP with tangent v = [0, 1]?",
    _array_close([1.0, 5.0]),
    hint="A JVP with a unit tangent picks one column of the Jacobian: here the second one. "
         "dp.jvp(f, (x,), (v,)) gives it."))

# ----------------------------------------------------------------------------------- 05 control flow

register(Exercise(
    "05.1", "How many nodes n has dp.trace(double_until, [0.5])?",
    _int(12), hint="Count the doublings 0.5 → 1 → 2 → 4 → 8 → 16; each adds a constant node and a mul "
                   "node, plus the input and the final sum. Or just trace it."))

register(Exercise(
    "05.2", "With w = 4 and b = −2, at which x is the learned condition a = σ(w·x + b) exactly 1/2?",
    _close(0.5), hint="σ(z) = 1/2 exactly when z = 0; solve w·x + b = 0."))

register(Exercise(
    "05.3", "For the hard `if x > c` program, what is d(loss)/dc?",
    _close(0.0), hint="The comparison runs in Python: no edge joins c to the loss. Try "
                      "branching.hard_threshold_gradient().",
    explanation="That is why the condition must become a differentiable primitive (Figure 1) to be learned."))

# ----------------------------------------------------------------------------------- 06 in place

register(Exercise(
    "06.1", "After y = x.tanh(); y.add_(3); y.mul_(2), what is y.version?",
    _int(2), hint="Each in-place op adds one to the version counter; tanh itself created the value at 0."))


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
    _fixed, hint="y = x.tanh(); y = y + 3 makes a new node, leaving tanh's saved output untouched."))

register(Exercise(
    "06.3", "Which op's backward rule needed the value that add_ overwrote?",
    _words("tanh", "x.tanh", "tanh()"), hint="d tanh(x)/dx = 1 − tanh²(x) is computed from the output of tanh.",
    explanation="Ops whose rule reads their output (tanh, exp, sigmoid) or inputs (mul) save them; "
                "the version counter guards exactly those saved values."))

# ----------------------------------------------------------------------------------- 07 higher order

register(Exercise(
    "07.1", "What is d²/dx² of x·sin(x) at x = 1?",
    _close(2.0 * np.cos(1.0) - np.sin(1.0)),
    hint="Differentiate twice: dp.grad(dp.grad(f))(1.0) with f = lambda x: x * x.sin()."))


def _negative(a: Any):
    if isinstance(a, str):
        return _norm(a) in {"negative", "neg", "-", "minus", "<0"}
    return _num(a) < 0


register(Exercise(
    "07.2", "At η = 0.05, is the hypergradient dV/dη positive or negative?",
    _negative, hint="A small learning rate leaves w far from its optimum after 10 steps; would a larger "
                    "step lower the validation loss?"))


def _hg_at_01(a: Any):
    return _close(hypergradient(0.1)[1], rtol=1e-3)(a)


register(Exercise(
    "07.3", "What is dV/dη at η = 0.1 (three significant digits are enough)?",
    _hg_at_01, hint="hypergradient.hypergradient(0.1) returns (V, dV/dη); or use dp.grad on "
                    "val_loss_after_training."))

# ----------------------------------------------------------------------------------- 08 characteristics


def _rnn_path(a: Any):
    p = profiles(make_sequence(T=6))["rnn"]
    return _num(a) == float(p.table[0, 5])


register(Exercise(
    "08.1", "In the RNN over T = 6 inputs, how long is the shortest path from x0 to y5?",
    _rnn_path, hint="Read profiles['rnn'].table[0, 5]; each step adds the same number of edges."))


def _invariant(a: Any):
    items = [a] if isinstance(a, str) else list(a)
    names = {_norm(x).replace("selfattention", "attention") for x in items}
    if names == {"attention"}:
        return True
    if "attention" in names:
        return "attention is invariant, but something else you listed is not: check permutation_check."
    return False


register(Exercise(
    "08.2", "Which of mlp, rnn, self_attention give the same pooled output for every order of the inputs?",
    _invariant, hint="Run permutation_check(pooled(name), xs) for each name; only one is invariant."))


def _quadratic(a: Any):
    if isinstance(a, str):
        return _norm(a) in {"quadratic", "quadratically", "t^2", "t**2", "t²", "squared", "2"}
    return _num(a) == 2.0


register(Exercise(
    "08.3", "The concatenating MLP has a (T·d) × (T·d) matrix. How does its parameter count grow with T? "
            "(a word, or the exponent)",
    _quadratic, hint="Doubling T doubles both sides of the matrix."))

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
    _shape_43, hint="PyTorch computes x @ W.T + b."))

register(Exercise(
    "09.2", "What is the name of the grad_fn node PyTorch records for y = x.tanh()?",
    _words("TanhBackward0", "TanhBackward"), hint="Look at y.grad_fn, or at the box names in the drawing."))

register(Exercise(
    "09.3", "How many parameter tensors has the PyTorch copy of dp.nn.MLP([2, 8, 8, 1])?",
    _int(6), hint="Each Linear layer has a weight and a bias; count the layers."))
