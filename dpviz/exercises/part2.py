"""Exercises of part 2 (notebooks 10-15): registered on import, checked with ``dp.check(id, answer)``.

Expected answers are computed from the package's own functions where they can be (so a checker can
never disagree with what a notebook shows), and every wrong answer gets a hint naming the idea it needs.

>>> from dpviz.exercises import check
>>> check("12.1", 0.35).ok, check("12.1", 0.45).ok
(True, False)
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from dpviz.apps.strategies import algorithm_1
from dpviz.exercises.registry import Exercise, Verdict, register
from dpviz.functional import grad
from dpviz.pictures import draw
from dpviz.program import trace
from dpviz.tensors import tensor


# ----------------------------------------------------------------------------------- helpers

def _as_array(answer: Any) -> np.ndarray:
    """Numbers from a number, a list, a numpy array or a dpviz tensor (``.data``)."""
    return np.asarray(getattr(answer, "data", answer), dtype=float)


def _number(expected: float, tol: float = 1e-4, sign_hint: bool = True) -> Callable[[Any], Any]:
    """Accept one number within ``tol`` (absolute) of ``expected``; point out a flipped sign."""
    def test(answer: Any):
        got = _as_array(answer)
        if got.size != 1:
            return f"give one number; your answer has shape {got.shape}."
        got = float(got.reshape(()))
        if abs(got - expected) <= tol:
            return True
        if sign_hint and expected != 0 and abs(got + expected) <= tol:
            return "the size is right but the sign is not."
        return False
    return test


def _numbers(expected, tol: float = 1e-4) -> Callable[[Any], Any]:
    """Accept an array of the expected shape whose entries are all within ``tol``."""
    want = np.asarray(expected, dtype=float)

    def test(answer: Any):
        got = _as_array(answer)
        if got.shape != want.shape:
            return f"expected shape {want.shape}, got {got.shape}."
        return bool(np.allclose(got, want, atol=tol))
    return test


def _integer(expected: int) -> Callable[[Any], Any]:
    def test(answer: Any):
        if isinstance(answer, bool):
            return "give a number, not True/False."
        got = _as_array(answer)
        return got.size == 1 and float(got.reshape(())) == expected
    return test


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + np.exp(-x))


# ----------------------------------------------------------------------------------- 10 attention

_S, _H = np.array([1.0, 0.0]), np.array([0.0, 2.0])
_W = np.array([[1.0, 0.0, 0.0, 1.0], [0.0, 1.0, 1.0, 0.0]])
_V = np.array([1.0, -1.0])

register(Exercise(
    "10.1", "Compute score(s, h) = v·tanh(W[s; h]) (eq. 10) for s = [1, 0], h = [0, 2], "
            "W = [[1, 0, 0, 1], [0, 1, 1, 0]], v = [1, -1].",
    _number(float(_V @ np.tanh(_W @ np.concatenate([_S, _H])))),
    hint="Stack s on top of h into one vector of length 4, then work eq. 10 from the inside out.",
    more="[s; h] = [1, 0, 0, 2]. Multiply by W (two rows), apply tanh to each entry, then take the dot "
         "product with v.",
    solution="s, h = np.array([1.0, 0.0]), np.array([0.0, 2.0])\n"
             "W = np.array([[1.0, 0.0, 0.0, 1.0], [0.0, 1.0, 1.0, 0.0]])\n"
             "v = np.array([1.0, -1.0])\n"
             "answer = v @ np.tanh(W @ np.concatenate([s, h]))",
    explanation="An additive score is a one-hidden-layer network on the pair (s, h): trained with the rest."))


def _reverser_alignment(answer: Any):
    got = _as_array(answer)
    want = np.eye(4)[::-1]
    if got.shape != (4, 4):
        return f"give a 4 × 4 matrix (rows = outputs, columns = inputs); got shape {got.shape}."
    if np.allclose(got, want):
        return True
    if np.allclose(got, np.eye(4)):
        return "that is the alignment of a copier. For reversal, output 1 must look at input 4."
    return False


register(Exercise(
    "10.2", "Write the ideal alignment matrix α (rows = outputs, columns = inputs, one-hot rows) of a "
            "model that reverses sequences of length 4.",
    _reverser_alignment,
    hint="Output t of a reverser is input T+1−t: in row t, which column holds the 1?",
    more="The 1s lie on the anti-diagonal; np.eye(4) flipped upside down.",
    solution="answer = np.eye(4)[::-1]",
    explanation="The trained model's heatmap above is close to this: attention found the rule."))

register(Exercise(
    "10.3", "Self-attention over a sequence of T = 6 vectors: how many scores (entries of A = softmax(QKᵀ/√d)) "
            "does it compute?",
    _integer(36),
    hint="Every position is compared with every position, itself included.",
    solution="T = 6\nanswer = T * T",
    explanation="The price of the constant path length is a cost that grows with T², not T."))



def _softmax_ok(softmax: Any):
    if not callable(softmax):
        return "pass your function softmax(x) itself (answer = softmax)."
    if softmax(tensor(np.zeros(3))) is None:
        return "softmax returned None: return the vector of weights, built with dpviz ops."
    for x in (np.array([0.5, -1.0, 2.0]), np.array([1000.0, 1001.0, 999.0]), np.array([-800.0, -801.0, -799.0])):
        e = np.exp(x - x.max())
        want = e / e.sum()
        with np.errstate(all="ignore"):      # a naive softmax overflows here: that is the lesson
            prog = trace(softmax, x)
        got = np.asarray(prog.nodes[prog.outputs[0]].value, dtype=float)
        if not np.all(np.isfinite(got)):
            return Verdict(f"at x = {x.tolist()} yours gives {got.tolist()}: exp({x.max():g}) is beyond float64 "
                           "(about 1.8e308), so the program overflows (or divides 0 by 0). The drawing marks the first "
                           "node whose value is not finite. softmax(x) = softmax(x − c) for any c: which c keeps every "
                           "exponent at most 0?", draw(prog, index=True, grad=False))
        if got.shape != want.shape or not np.allclose(got, want, atol=1e-9):
            return f"at x = {x.tolist()} yours gives {np.round(got, 4).tolist()}, expected {np.round(want, 4).tolist()}."
    w = np.array([1.0, -2.0, 0.5])
    x = np.array([1000.0, 1001.0, 999.0])
    with np.errstate(all="ignore"):
        g = np.asarray(grad(lambda x: (softmax(x) * tensor(w)).sum())(x), dtype=float)
    s = np.exp(x - x.max()) / np.exp(x - x.max()).sum()
    want_g = s * (w - (s * w).sum())
    if not np.allclose(g, want_g, atol=1e-9):
        return (f"the values are right, but its gradient at x = {x.tolist()} is {np.round(g, 4).tolist()}, expected "
                f"{np.round(want_g, 4).tolist()}: write it with dpviz ops only, so the engine can differentiate it.")
    return True


register(Exercise(
    "10.4", "Write softmax(x) for a vector x with dpviz ops, so that it also works at x = [1000, 1001, 999], where "
            "exp(x) overflows. dp.check draws your program when it overflows.",
    _softmax_ok,
    hint="Try the textbook formula exp(x) / sum(exp(x)) first and look at the drawing dp.check shows for large x.",
    more="softmax(x) = softmax(x − c) for any constant c. Subtracting the largest entry makes every exponent ≤ 0: "
         "e = (x - x.max()).exp(); return e / e.sum().",
    solution="def softmax(x):\n"
             "    e = (x - x.max()).exp()\n"
             "    return e / e.sum()\n\n"
             "answer = softmax",
    kind="implement",
    explanation="dp.softmax does the same; the shift changes no value and no gradient, because the rows of "
                "the Jacobian of a softmax sum to zero."))

# ----------------------------------------------------------------------------------- 11 memory

_M = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
_K, _BETA = np.array([1.0, 0.0]), 2.0


def _content_expected() -> np.ndarray:
    cos = _M @ _K / (np.linalg.norm(_M, axis=1) * np.linalg.norm(_K))
    e = np.exp(_BETA * cos)
    return e / e.sum()


register(Exercise(
    "11.1", "Content addressing: memory rows M = [[1, 0], [0, 1], [1, 1]], key k = [1, 0], strength β = 2. "
            "Give the read weighting w (three numbers).",
    _numbers(_content_expected(), tol=1e-3),
    hint="Compare the key with each row by cosine similarity, scale by β, and normalise with a softmax.",
    more="cos(k, M_i) = [1, 0, 1/√2]; memory.content_weights computes the whole weighting.",
    solution="M, k, beta = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]), np.array([1.0, 0.0]), 2.0\n"
             "cos = M @ k / (np.linalg.norm(M, axis=1) * np.linalg.norm(k))\n"
             "answer = np.exp(beta * cos) / np.exp(beta * cos).sum()",
    explanation="Row 3 shares half of the key, so it still gets a fair share: lookups are soft."))


def _allocation_expected() -> np.ndarray:
    from dpviz.apps.memory import allocation_weights
    return np.asarray(allocation_weights(np.array([[0.9, 0.1, 0.5]]))[0], dtype=float)


register(Exercise(
    "11.2", "Allocation: with usage u = [0.9, 0.1, 0.5], give the allocation weighting a (three numbers, "
            "a_j = (1 − u_j) · product of the usages of the rows freer than j).",
    lambda a: _numbers(_allocation_expected(), tol=1e-3)(a),
    hint="Order the rows from least to most used first; the formula runs along that order.",
    more="The freest row gets 1 − its usage; each later row gets (1 − its usage) times the usages of all "
         "the rows before it in that order.",
    solution="from dpviz.apps.memory import allocation_weights\n"
             "answer = allocation_weights(np.array([[0.9, 0.1, 0.5]]))[0]",
    explanation="The write goes almost entirely to the least used row: new data never overwrites old."))

register(Exercise(
    "11.3", "'Mary took the key. … Mary went to the garden. Where is the key?' At least how many hops of "
            "attention does a memory network need to answer?",
    _integer(2),
    hint="One hop can find the sentence about the key; what does that sentence not tell you?",
    solution="answer = 2",
    explanation="Hop 1 finds who holds the key; its result changes the query, and hop 2 finds where they went."))

# ----------------------------------------------------------------------------------- 12 plasticity

register(Exercise(
    "12.1", "Eq. (13): with η = 0.1, H_ij(t) = 0.5, y_i = 1 and y_j = −1, what is H_ij(t+1)?",
    _number(0.1 * (1 * -1) + 0.9 * 0.5),
    hint="H(t+1) = η·y_i·y_j + (1 − η)·H(t).",
    solution="eta, H, yi, yj = 0.1, 0.5, 1.0, -1.0\nanswer = eta * yi * yj + (1 - eta) * H",
    explanation="The trace moves a fraction η of the way towards the product of the activities."))

register(Exercise(
    "12.2", "After training stops, two neurons are kept at y_i = 0.8 and y_j = −0.5 for a long time. What value "
            "does H_ij approach (for any 0 < η < 1)?",
    _number(-0.4, tol=1e-3),
    hint="At a fixed point H(t+1) = H(t): put that into eq. (13) and solve for H.",
    more="H = η·y_i·y_j + (1 − η)·H gives η·H = η·y_i·y_j.",
    solution="yi, yj = 0.8, -0.5\nanswer = yi * yj   # H = η·yi·yj + (1 − η)·H gives η·H = η·yi·yj",
    explanation="H is an exponential moving average of y_i·y_j: it remembers recent co-activity."))

register(Exercise(
    "12.3", "How many numbers does gradient descent train in a plastic network of n = 12 neurons "
            "(w, α, and one η)?",
    _integer(2 * 12 * 12 + 1),
    hint="w and α are both n × n; η is one number.",
    more="PlasticNet(12).num_parameters() counts them.",
    solution="n = 12\nanswer = n * n + n * n + 1",
    explanation="H is not among them: it is state, changed by activity, not by gradients."))

# ----------------------------------------------------------------------------------- 13 dynamics

register(Exercise(
    "13.1", "The Hénon map written in x alone is x_{t+1} = 1 − a x_t² + b x_{t−1}. What is the smallest "
            "window (number of past values) a delayed-input network needs to predict x_{t+1} exactly?",
    _integer(2),
    hint="Substitute y_t = b x_{t−1} into x_{t+1} = 1 − a x_t² + y_t: which past values appear?",
    solution="answer = 2   # x_t and x_{t-1}",
    explanation="A two-dimensional map is a delay-2 system in one coordinate (section 4: delays can be "
                "traded for dimensions)."))

register(Exercise(
    "13.2", "A linear RNN h_t = 0.8·h_{t−1} + x_t. What is ∂h_t/∂x_{t−10}?",
    _number(0.8 ** 10, tol=1e-5),
    hint="Each step back multiplies by ∂h_t/∂h_{t−1}.",
    more="∂h_t/∂h_{t−1} = 0.8, and there are ten steps back.",
    solution="answer = 0.8 ** 10",
    explanation="A product of ten factors below 1: the vanishing gradient of Figure 6, in one line."))

register(Exercise(
    "13.3", "Mackey–Glass with τ = 17, sampled once per unit of time: what is the smallest window "
            "(x_t, x_{t−1}, …) that contains x_{t−17}?",
    _integer(18),
    hint="Count x_t itself.",
    solution="answer = 17 + 1   # lags 0, 1, ..., 17",
    explanation="An RNN must carry that information through 17 steps; attention can jump straight to it."))

# ----------------------------------------------------------------------------------- 14 simulation


def _passes(answer: Any):
    try:
        fwd, rev = (int(v) for v in answer)
    except (TypeError, ValueError):
        return "give a pair (forward, reverse), e.g. (3, 1)."
    if (fwd, rev) == (5, 1):
        return True
    if (fwd, rev) == (1, 5):
        return "swapped: forward mode needs one pass per parameter, reverse one per output."
    return False


register(Exercise(
    "14.1", "A loss (one number) depends on p = 5 ODE parameters. How many JVPs does the gradient from "
            "forward sensitivities need, and how many backward passes does reverse mode need? Answer (forward, reverse).",
    _passes,
    hint="A JVP gives ∂(everything)/∂(one direction in parameter space); a VJP gives ∂(one output)/∂(everything).",
    solution="answer = (5, 1)",
    explanation="Sensitivities give more than the gradient (the whole S, for Gauss–Newton) but cost one pass per parameter."))

_a, _c, _h = 4.0, 0.3, 0.1

register(Exercise(
    "14.2", "One explicit Euler step of θ' = ω, ω' = −a sin θ − c ω from (θ, ω) = (1, 0) with a = 4, c = 0.3, "
            "h = 0.1. Give (θ, ω) after the step.",
    _numbers([1.0, -_h * _a * np.sin(1.0)], tol=1e-4),
    hint="New value = old value + h × (right-hand side at the old values).",
    more="θ' = ω = 0 at the start, so θ does not move in the first step.",
    solution="theta, omega, a, c, h = 1.0, 0.0, 4.0, 0.3, 0.1\n"
             "answer = (theta + h * omega, omega + h * (-a * np.sin(theta) - c * omega))",
    explanation="Each step is a few differentiable ops; a solver is a long program made of them."))

register(Exercise(
    "14.3", "For x' = −k x with x(0) = 1, the sensitivity is ∂x(t)/∂k = −t e^{−kt}. Evaluate it at t = 2, k = 0.5 "
            "(or check it with dp.jvp on an Euler solver with small steps).",
    _number(-2 * np.exp(-1.0), tol=1e-3),
    hint="Put t = 2 and k = 0.5 into −t e^{−kt}.",
    solution="t, k = 2.0, 0.5\nanswer = -t * np.exp(-k * t)",
    explanation="A larger decay rate lowers x(t) most around t = 1/k: that is where the data inform k best."))

# ----------------------------------------------------------------------------------- 15 strategies


def _actions(answer: Any):
    want = [algorithm_1(0.3, 0.2), algorithm_1(0.3, -0.2), algorithm_1(-0.1, -0.4)]
    try:
        got = [int(v) for v in answer]
    except (TypeError, ValueError):
        return "give three numbers: +1 (buy), 0 (nothing) or −1 (sell)."
    return got == want


register(Exercise(
    "15.1", "Algorithm 1's decisions for (p1, p2) = (0.3, 0.2), (0.3, −0.2), (−0.1, −0.4), as +1 (buy), "
            "0 (do nothing), −1 (sell).",
    _actions,
    hint="Buy only if both trends are positive, sell only if both are non-positive, otherwise do nothing.",
    solution="from dpviz.apps.strategies import algorithm_1\n"
             "answer = [algorithm_1(0.3, 0.2), algorithm_1(0.3, -0.2), algorithm_1(-0.1, -0.4)]",
    explanation="Classical control flow around two trained predictors: the paper's 'control and guidance'."))


def _relaxed_expected() -> float:
    return _sigmoid(2.0) ** 2 - _sigmoid(-2.0) ** 2


register(Exercise(
    "15.2", "The relaxed position buy − sell with margins θ = (0, 0), temperature τ = 0.1 and p1 = p2 = 0.2.",
    _number(_relaxed_expected(), tol=1e-4),
    hint="The relaxed buy is the product of two sigmoids, one per trend, each of (trend − margin)/τ; "
         "sell is the same with the signs of the trends flipped.",
    more="buy = σ(p1/τ)·σ(p2/τ), sell = σ(−p1/τ)·σ(−p2/τ), with p/τ = 2 here.",
    solution="sig = lambda z: 1 / (1 + np.exp(-z))\n"
             "answer = sig(0.2 / 0.1) * sig(0.2 / 0.1) - sig(-0.2 / 0.1) * sig(-0.2 / 0.1)",
    explanation="Not quite a full +1: near the thresholds the relaxation hedges, which is what gives it a gradient."))

register(Exercise(
    "15.3", "What is the derivative of the profit of the *hard* rule (Algorithm 1 with margins) with respect to a "
            "margin, at almost every value of the margin?",
    _number(0.0, tol=1e-12, sign_hint=False),
    hint="Move a margin a tiny bit: does any decision change?",
    more="Try dp.grad on strategies.hard_positions, or compare the profit at two nearby margins.",
    solution="answer = 0.0   # a tiny move of a margin changes no decision: the profit is flat",
    explanation="A step function is flat almost everywhere: gradient descent needs the sigmoid relaxation."))
