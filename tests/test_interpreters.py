"""Interpreting a Program never changes it: one trace, many interpretations, each returning its results.

Only the two commands change what a Program holds - calling it (a replay) and ``backward``.
Everything that shows a program (steppers, timelines, gradient checks, JVPs, the step
iterators, drawings) must leave its values and gradients exactly as they were.
"""
import numpy as np
import pytest

import dpviz as dp
from dpviz.widgets.timeline import build_timeline


def _state(prog):
    return [(np.array(n.value, copy=True), None if n.grad is None else np.array(n.grad, copy=True))
            for n in prog.nodes]


def _same(a, b):
    assert len(a) == len(b)
    for (va, ga), (vb, gb) in zip(a, b):
        assert va.dtype == vb.dtype and np.array_equal(va, vb)
        assert (ga is None) == (gb is None)
        if ga is not None:
            assert ga.dtype == gb.dtype and np.array_equal(ga, gb)


W = dp.nn.Parameter([[0.5, -1.0], [2.0, 0.25]], name="W")


def _program():
    # an input, a parameter read through a closure, fan-out, a constant and a view
    prog = dp.trace(lambda x: ((W @ x).tanh() * x + 2.0 * x[0]).sum(), np.array([1.0, -2.0]))
    prog.backward(seed=10.0)
    return prog


INTERPRETATIONS = {
    "Stepper forward": lambda p: dp.Stepper(p, mode="forward").last(),
    "Stepper backward": lambda p: dp.Stepper(p, mode="backward").last(),
    "Stepper both": lambda p: dp.Stepper(p, mode="both").last(),
    "Stepper jvp": lambda p: dp.Stepper(p, mode="jvp", tangents={0: np.ones(2)}).last(),
    "timeline both": lambda p: build_timeline(p, "both"),
    "gradcheck": lambda p: dp.gradcheck(p),
    "gradcheck on new inputs": lambda p: dp.gradcheck(p, np.array([3.0, 0.5])),
    "jvp": lambda p: p.jvp([np.ones(2)]),
    "jvp on new inputs": lambda p: p.jvp([np.ones(2)], np.array([0.1, 0.2])),
    "value_and_jvp": lambda p: p.value_and_jvp({"W": np.ones((2, 2))}),
    "forward_steps": lambda p: list(p.forward_steps(np.array([5.0, 6.0]))),
    "backward_steps": lambda p: list(p.backward_steps(seed=3.0)),
    "jvp_steps": lambda p: list(p.jvp_steps([np.ones(2)])),
    "evaluate": lambda p: p.evaluate(np.array([4.0, 4.0])),
    "draw": lambda p: dp.draw(p).source,
    "print": lambda p: str(p),
}


@pytest.mark.parametrize("name", list(INTERPRETATIONS))
def test_interpreting_a_program_leaves_its_values_and_gradients_as_they_were(name):
    prog = _program()
    before = _state(prog)
    INTERPRETATIONS[name](prog)
    _same(before, _state(prog))


def test_the_seen_case_a_stepper_no_longer_resets_the_gradients():
    prog = dp.trace(lambda x: (x * x).sum(), [1.0, 2.0])
    prog.backward(seed=10)
    assert prog.nodes[0].grad.tolist() == [20.0, 40.0]
    stepper = dp.Stepper(prog, mode="backward").last()
    assert prog.nodes[0].grad.tolist() == [20.0, 40.0]
    assert stepper.adjoint(0).tolist() == [2.0, 4.0]     # the stepper's own pass, seeded with 1


def test_the_commands_do_change_the_program():
    prog = dp.trace(lambda x: x * x, 2.0)
    assert prog.nodes[0].grad is None
    prog.backward()
    assert float(prog.nodes[0].grad) == 4.0
    prog(3.0)
    assert float(prog.nodes[-1].value) == 9.0
    assert float(prog.backward()[0]) == 6.0       # at the replayed input


def test_a_replay_keeps_what_it_saw_when_a_parameter_changes_later():
    w = dp.nn.Parameter([1.0, 2.0], name="w")
    prog = dp.trace(lambda x: (x * w).sum(), [1.0, 1.0])
    with dp.no_grad():
        w.mul_(10.0)
    assert float(prog.nodes[-1].value) == 3.0 and prog.nodes[1].value.tolist() == [1.0, 2.0]
    assert float(prog([1.0, 1.0])) == 30.0            # a replay reads the parameter live
    assert prog.nodes[1].value.tolist() == [10.0, 20.0]


def test_backward_steps_are_the_steps_of_tensor_backward():
    # one adjoint generator: run eagerly on tensors, the engine sends the same contributions,
    # edge by edge and in the same order, as the Program's backward_steps show
    from dpviz.reverse import adjoint_steps

    x = dp.tensor(np.array([1.0, -2.0]), requires_grad=True)
    y = ((W @ x).tanh() * x + 2.0 * x[0]).sum()
    eager = [(s.node.op, s.position, np.asarray(s.contribution)) for s in adjoint_steps({y.node: np.array(3.0)})]
    prog = _program()
    shown = [(s.op, s.position, s.contribution) for s in prog.backward_steps(seed=3.0)]
    assert [e[:2] for e in eager] == [s[:2] for s in shown] and len(shown) == 10
    for (_, _, a), (_, _, b) in zip(eager, shown):
        np.testing.assert_array_equal(a, b)
