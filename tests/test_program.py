"""Programs are Definition 1 DAGs: invariants, replay, step iterators, define-by-run."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import dpviz as dp

UNARY = ["tanh", "sin", "cos", "sigmoid", "exp", "relu", "abs"]


def random_program(ops, x, w):
    """A program built from a list of (op, operand) choices: tests run it on many shapes of DAG."""
    vals = [x, w]
    for kind, a, b in ops:
        u, v = vals[a % len(vals)], vals[b % len(vals)]
        if kind in UNARY:
            vals.append(getattr(u, kind)())
        elif kind == "add":
            vals.append(u + v)
        elif kind == "mul":
            vals.append(u * v)
        else:
            vals.append(u - 0.5 * v)
    return sum(vals[2:], vals[0] * 0.0).sum() if len(vals) > 2 else (x * w).sum()


ops_strategy = st.lists(st.tuples(st.sampled_from(UNARY + ["add", "mul", "sub"]),
                                  st.integers(0, 20), st.integers(0, 20)), min_size=1, max_size=12)


@settings(max_examples=40, deadline=None)
@given(ops=ops_strategy, seed=st.integers(0, 1000))
def test_definition_1_invariants_and_replay(ops, seed):
    rng = np.random.default_rng(seed)
    x0, w0 = rng.standard_normal(3), rng.standard_normal(3)
    f = lambda x, w: random_program(ops, x, w)
    prog = dp.trace(f, x0, w0)
    # n nodes, the first l are the inputs/parameters, every edge goes forward
    assert prog.n == len(prog.nodes) and prog.l == 2
    assert [n.kind for n in prog.nodes[:prog.l]] == ["input", "input"]
    assert all(n.kind not in ("input", "param") for n in prog.nodes[prog.l:])
    assert all(j < i for j, i in prog.edges)
    assert all(n.index == i for i, n in enumerate(prog.nodes))
    assert sorted(prog.edges) == sorted((j, n.index) for n in prog.nodes for j in n.args)
    # v_i = f_i(α_i) holds for every node
    for n in prog.nodes[prog.l:]:
        if n.kind == "op":
            np.testing.assert_allclose(n.prim.forward(*[prog.nodes[j].value for j in n.args], **n.params),
                                       n.value)
    # replay equals a fresh evaluation, on new inputs
    x1, w1 = rng.standard_normal(3), rng.standard_normal(3)
    fresh = f(dp.tensor(x1), dp.tensor(w1)).data
    np.testing.assert_allclose(prog(x1, w1), fresh, rtol=1e-12, atol=1e-12)
    # the program's adjoint algorithm agrees with the tensor engine's backward
    xt, wt = dp.tensor(x1, requires_grad=True), dp.tensor(w1, requires_grad=True)
    out = f(xt, wt)
    if out.requires_grad:
        out.backward()
        gx, gw = prog.backward()
        np.testing.assert_allclose(gx, xt.grad if xt.grad is not None else 0 * x1, atol=1e-12)
        np.testing.assert_allclose(gw, wt.grad if wt.grad is not None else 0 * w1, atol=1e-12)


def test_the_issue_example():
    x = dp.tensor([[1., 2.], [3., 4.]], name="x", requires_grad=True)
    w = dp.tensor(np.ones((2, 3)), name="w", requires_grad=True)
    y = (x @ w).tanh().sum()
    y.backward()
    np.testing.assert_allclose(x.grad, (1 - np.tanh(x.data @ w.data) ** 2) @ w.data.T)
    prog = dp.trace(lambda x, w: (x @ w).tanh().sum(), x, w)
    assert (prog.n, prog.l) == (5, 2)
    assert [n.name for n in prog.nodes[:2]] == ["x", "w"]
    assert prog.edges == [(0, 2), (1, 2), (2, 3), (3, 4)]
    assert prog.outputs == [4] and prog.nodes[4].is_output
    assert float(prog.nodes[4].value) == pytest.approx(float(y.data))
    prog.backward()
    np.testing.assert_allclose(prog.nodes[0].grad, x.grad)


def test_parameters_come_after_inputs_and_replay_sees_optimiser_updates():
    mlp = dp.nn.MLP([2, 3, 1], seed=0)
    X = np.ones((4, 2))
    prog = dp.trace(lambda x: mlp(x).sum(), X)
    assert prog.inputs == [0] and len(prog.params) == 4
    assert [prog.nodes[i].kind for i in prog.params] == ["param"] * 4
    assert {prog.nodes[i].name for i in prog.params} == {n for n, _ in mlp.named_parameters()}
    scopes = [n.scope for n in prog.nodes if n.kind == "op"]
    assert scopes[0] == "mlp/layer0" and "mlp/layer1" in scopes and "mlp" in scopes and scopes[-1] == ""
    before = prog(X)
    loss = mlp(dp.tensor(X)).sum()
    loss.backward()
    dp.optim.SGD(mlp.parameters(), lr=0.1).step()
    after = prog(X)
    np.testing.assert_allclose(after, mlp(dp.tensor(X)).sum().data)
    assert not np.isclose(before, after)


def test_constants_are_nodes_with_no_arguments():
    prog = dp.trace(lambda x: x * 2.0 + 1.0, 3.0)
    consts = [n for n in prog.nodes if n.kind == "const"]
    assert [float(c.value) for c in consts] == [2.0, 1.0]
    assert all(c.args == () for c in consts)
    assert float(prog(1.0)) == 3.0


def test_define_by_run_two_inputs_two_programs():
    def f(x):
        if float(x.data) > 0:
            return x.tanh()
        return (x * x).exp()

    pos, neg = dp.trace(f, 1.0), dp.trace(f, -1.0)
    assert [n.op for n in pos.nodes] == ["input", "tanh"]
    assert [n.op for n in neg.nodes] == ["input", "mul", "exp"]
    # a replay follows the recorded branch, whatever the new input
    assert float(pos(-2.0)) == pytest.approx(np.tanh(-2.0))


def test_loops_unroll_into_the_graph():
    def power(x, n):
        y = x
        for _ in range(n - 1):
            y = y * x
        return y

    assert dp.trace(power, 2.0, n=4).n == 4
    assert dp.trace(power, 2.0, n=6).n == 6
    assert float(dp.trace(power, 2.0, n=6)(3.0)) == 3.0 ** 6


def test_forward_steps_yield_v_i_equals_f_i_of_alpha_i():
    prog = dp.trace(lambda a, b: (a * b).sin() + a, 1.0, 2.0)
    steps = list(prog.forward_steps(0.5, 4.0))
    assert [s.index for s in steps] == list(range(prog.l, prog.n))
    mul = steps[0]
    assert mul.op == "mul" and mul.args == (0, 1) and float(mul.value) == 2.0
    assert float(steps[-1].value) == pytest.approx(np.sin(2.0) + 0.5)
    # stepping only reads the Program; the replay command is what changes its values
    assert float(prog.nodes[-1].value) == pytest.approx(np.sin(2.0) + 1.0)
    prog(0.5, 4.0)
    assert float(prog.nodes[-1].value) == pytest.approx(np.sin(2.0) + 0.5)


def test_backward_steps_show_fan_out_accumulation():
    # x is used twice: its adjoint is the sum of two contributions (why grads accumulate with +=)
    prog = dp.trace(lambda x: x * x.sin(), 2.0)
    steps = list(prog.backward_steps())
    into_x = [s for s in steps if s.parent == 0]
    assert len(into_x) == 2
    assert into_x[0].accumulated is False and into_x[1].accumulated is True
    total = float(into_x[0].contribution) + float(into_x[1].contribution)
    assert float(into_x[1].adjoint) == pytest.approx(total)
    assert total == pytest.approx(np.sin(2.0) + 2.0 * np.cos(2.0))
    prog.backward()
    for s in steps:
        assert s.edge == (s.parent, s.node) and s.parent < s.node
        assert float(s.upstream) == pytest.approx(float(prog.nodes[s.node].grad))


def test_backward_steps_carry_running_adjoints_and_leave_the_program_alone():
    prog = dp.trace(lambda x: (x * 3.0).tanh(), 0.1)
    it = prog.backward_steps()
    assert prog.nodes[0].grad is None     # nothing computed before the first step
    first = next(it)
    assert first.node == prog.n - 1 and float(first.upstream) == 1.0
    last = list(it)[-1]
    assert last.parent == 0 and float(last.adjoint) == pytest.approx(3 * (1 - np.tanh(0.3) ** 2))
    assert prog.nodes[0].grad is None     # the steps were returned, not stored


def test_jvp_steps_push_tangents_forward():
    prog = dp.trace(lambda x, y: x * y + x.sin(), 1.0, 2.0)
    steps = list(prog.jvp_steps([1.0, 0.0]))
    assert [s.index for s in steps] == list(range(prog.l, prog.n))
    assert float(steps[-1].tangent) == pytest.approx(2.0 + np.cos(1.0))
    assert float(prog.jvp([0.0, 1.0])) == pytest.approx(1.0)
    assert float(prog.jvp({"y": 1.0})) == pytest.approx(1.0)


def test_from_tensor_copies_grads_and_says_not_computed_otherwise():
    x = dp.tensor(2.0, name="x", requires_grad=True)
    y = (x * x).named("y")
    prog = dp.Program.from_tensor(y)
    assert prog.nodes[-1].grad is None
    y.backward()
    prog = dp.Program.from_tensor(y)
    assert float(prog.nodes[0].grad) == 4.0 and float(prog.nodes[-1].grad) == 1.0


def test_multiple_outputs():
    prog = dp.trace(lambda x: (x.sin(), x.cos()), 0.0)
    assert len(prog.outputs) == 2
    s, c = prog(0.0)
    assert float(s) == 0.0 and float(c) == 1.0
    with pytest.raises(dp.BackwardError, match="2 outputs"):
        prog.backward()
    grads = prog.backward(seed={prog.outputs[0]: 1.0, prog.outputs[1]: 1.0})
    assert float(grads[0]) == pytest.approx(1.0)


def test_str_prints_definition_1():
    text = str(dp.trace(lambda x, w: (x @ w).tanh(), np.ones(2), np.ones(2)))
    assert "n=4, l=2" in text and "v2 = matmul(v0, v1)" in text and "<- output" in text


def test_deep_chain_of_100000_ops_traces_replays_and_backwards():
    def f(x):
        y = x
        for i in range(100_000):
            y = (y * 1.00001) if i % 2 else y.tanh()
        return y.sum()

    x = dp.tensor(np.full(2, 0.5), requires_grad=True)
    y = f(x)
    y.backward()
    assert np.all(np.isfinite(x.grad)) and np.all(x.grad > 0)
    prog = dp.trace(f, np.full(2, 0.5))
    assert prog.n >= 100_000
    np.testing.assert_allclose(prog(np.full(2, 0.5)), y.data)
    np.testing.assert_allclose(prog.backward()[0], x.grad)
    assert len(list(prog.jvp_steps([np.ones(2)]))) == prog.n - prog.l
    del y, prog      # and freeing a deep graph does not overflow the C stack either
