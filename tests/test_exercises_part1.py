"""Part-1 exercises: every registered right answer passes, wrong ones get a hint, and the
expected answers agree with what the engine computes (so the checker never contradicts a notebook)."""
from __future__ import annotations

import numpy as np
import pytest

import dpviz as dp
from dpviz.exercises import REGISTRY, check, exercise
from dpviz.lessons import branching, welcome

IDS = [f"{nb:02d}.{k}" for nb in range(1, 10) for k in (1, 2, 3)]


def _engine_answers():
    prog = dp.trace(lambda x, y: (x * y + x).exp(), 1.0, 2.0)
    f04 = lambda x: x * x.sum()
    x04 = np.array([1.0, 2.0])
    table = welcome.ProgrammingTable()
    table.add("Read the code to debug", "Step through the graph to debug")
    w = dp.tensor(0.5, requires_grad=True)
    (w * -1.5 + 0.25).tanh().backward()
    steps_into_x = [s for s in dp.trace(lambda x: x * x * x + x, 1.5).backward_steps() if s.parent == 0]
    y = dp.tensor([0.5, -1.0, 2.0], requires_grad=True).tanh()
    y.add_(3)
    y.mul_(2)
    import torch
    from dpviz.lessons import characteristics as ch, torch_bridge
    from dpviz.lessons.hypergradient import hypergradient
    net = torch_bridge.to_torch(dp.nn.MLP([2, 8, 8, 1], seed=0))
    return {
        "01.1": ["i < j", "j>i"],
        "01.2": [table],
        "01.3": ["Differentiable", "differentiable programming"],
        "02.1": [(prog.n, prog.l), [5, 2]],
        "02.2": [prog.edges, list(reversed(prog.edges))],
        "02.3": [lambda a, b: (a * b).sin().exp().tanh(), lambda a, b: (a * b).sin() + a.exp()],
        "03.1": [float(w.grad), np.array(float(w.grad))],
        "03.2": [len(steps_into_x), 4.0],
        "03.3": [2, "twice", 2.0],
        "04.1": [dp.jacobian(f04, mode="fwd")(x04), dp.jacobian(f04, mode="rev")(x04).tolist()],
        "04.2": [("rev", 3), ["reverse", 3.0]],
        "04.3": [dp.jvp(f04, (x04,), (np.array([0.0, 1.0]),))[1]],
        "05.1": [dp.trace(branching.double_until, [0.3]).n],
        "05.2": [0.5, np.float64(0.5)],
        "05.3": [lambda x, c, k: dp.sigmoid((x - c) * k) * (x + 1) + (1 - dp.sigmoid((x - c) * k)) * (-x)],
        "06.1": [y.version],
        "06.2": [lambda x: (x.tanh() + 3).sum()],
        "06.3": ["works", "Works"],
        "07.1": [float(dp.grad(dp.grad(lambda x: x * x.sin()))(1.0))],
        "07.2": ["closer", "Closer to zero"],
        "07.3": [hypergradient(0.1)[1], round(hypergradient(0.1)[1], 2)],
        "08.1": [int(ch.profiles(ch.make_sequence(T=10))["rnn"].table[0, 9])],
        "08.2": ["reordered", "Permuted", "equivariant"],
        "08.3": [3600, 3600.0],
        "09.1": [tuple(torch.nn.Linear(3, 4).weight.shape)],
        "09.2": [type(torch.tensor(1.0, requires_grad=True).exp().grad_fn).__name__, "ExpBackward"],
        "09.3": [len(list(net.parameters()))],
    }


WRONG = {
    "01.1": ["i > j"], "01.2": [welcome.ProgrammingTable(), 3], "01.3": ["classical"],
    "02.1": [(2, 5), (4, 2)], "02.2": [[(0, 2), (1, 2), (2, 3), (3, 4)], [(2, 0)]],
    "02.3": [lambda a, b: a * b, "six"], "03.1": [0.0, 1.1796], "03.2": [3], "03.3": [1, "same"],
    "04.1": [np.eye(2), [[4.0, 2.0], [1.0, 5.0]]], "04.2": [("fwd", 1000), ("rev", 1000)],
    "04.3": [[4.0, 2.0]], "05.1": [12], "05.2": [2.0], "05.3": [lambda x, c, k: x, 1.0], "06.1": [1],
    "06.2": [lambda x: x.tanh().add_(3).sum(), lambda x: x.sum()], "06.3": ["raises"],
    "07.1": [0.0], "07.2": ["further", "positive"], "07.3": [0.0], "08.1": [3], "08.2": ["same", "changed"],
    "08.3": [60, 400], "09.1": [(3, 4)], "09.2": ["TanhBackward0"], "09.3": [3],
}


@pytest.fixture(scope="module")
def answers():
    return _engine_answers()


@pytest.mark.parametrize("ex_id", IDS)
def test_right_answers_pass(ex_id, answers):
    for a in answers[ex_id]:
        fb = check(ex_id, a)
        assert fb.ok, (ex_id, a, fb.message)
        assert fb.message.startswith("✓")


@pytest.mark.parametrize("ex_id", IDS)
def test_wrong_answers_get_a_hint(ex_id):
    for a in WRONG[ex_id]:
        fb = check(ex_id, a)
        assert not fb.ok, (ex_id, a)
        assert fb.message.startswith("✗") and len(fb.message) > 25, fb.message


def test_targeted_messages():
    assert "swapped" in check("02.1", (2, 5)).message
    assert "transposed" in check("04.1", [[4.0, 2.0], [1.0, 5.0]]).message
    assert "sign" in check("03.1", 1.5 * (1 - np.tanh(-0.5) ** 2)).message
    assert "InplaceError" in check("06.2", lambda x: x.tanh().add_(3).sum()).message
    assert "(out, in)" in check("09.1", (3, 4)).message


def test_ids_are_part1_only():
    """The number exercises (k = 1-3) are tested above; the implement-it ones (k = 4, and 02.3, 06.2)
    in test_implement_exercises below."""
    part1 = [k for k in REGISTRY if k[:2].isdigit() and int(k[:2]) <= 9]
    assert sorted(part1) == sorted(IDS + IMPLEMENT)


IMPLEMENT = ["02.4", "03.4", "04.4", "05.4", "07.4", "08.4", "09.4"]


def _solution(ex_id):
    import torch

    from dpviz.lessons import characteristics as ch
    env = {"dp": dp, "np": np, "torch": torch, "branching": branching, "ch": ch}
    exec(REGISTRY[ex_id].solution, env)
    return env["answer"]


@pytest.mark.parametrize("ex_id", IMPLEMENT)
def test_implement_exercises_accept_their_solution_and_refuse_a_placeholder(ex_id):
    assert check(ex_id, _solution(ex_id)).ok
    if REGISTRY[ex_id].kind == "implement":
        nothing = lambda *args: None                      # what a template returns before it is filled in
        if ex_id == "04.4":
            nothing = dp.defprim("softplus_template", lambda x: np.logaddexp(0, x), vjp=nothing, jvp=nothing)
        nothing = check(ex_id, nothing)
        said = "did not change" if ex_id == "09.4" else "None"  # a train() that returns at once trains nothing
        assert not nothing.ok and said in nothing.message, nothing.message


def test_implement_feedback_says_what_is_wrong_and_where():
    def evaluate_without_constants(prog, *inputs):
        values = []
        for node in prog.nodes:
            if node.kind == "input":
                values.append(np.asarray(inputs[node.index], dtype=float))
            elif node.kind == "op":
                values.append(node.prim.forward(*[values[i] for i in node.args], **node.params))
            else:
                values.append(np.zeros(node.shape))           # forgets the constant's value
    
        return values
    fb = check("02.4", evaluate_without_constants)
    assert "node 1 (a constant)" in fb.message and fb.picture is not None, fb.message

    def overwrite_instead_of_add(prog):
        adj = [np.zeros(n.shape) for n in prog.nodes]
        adj[prog.outputs[0]] = np.ones(prog.nodes[prog.outputs[0]].shape)
        for node in reversed(prog.nodes):
            if node.kind == "op":
                args = [prog.nodes[i].value for i in node.args]
                for k, i in enumerate(node.args):
                    adj[i] = node.prim.vjp_rule(k)(adj[node.index], node.value, *args, **node.params)
        return adj
    fb = check("03.4", overwrite_instead_of_add)
    assert "adjoint of node 0 (x) is wrong: yours 3.0, the engine's 7.0" in fb.message
    assert "It receives 3 contributions (2 from node 1 (mul), 1 from node 2 (add))" in fb.message
    assert "(+=)" in fb.message

    hard = check("05.3", lambda x, c, k: dp.where(x > c, x + 1, -x))
    assert "exactly the hard branch" in hard.message, hard.message
    gd = check("07.4", lambda f, x0, steps: x0)
    assert "Newton's method ends at" in gd.message
    assert "yours says 1" in check("08.4", lambda prog, i, j: 1).message
