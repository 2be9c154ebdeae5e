"""Part-2 exercises: registered with a question and a hint, friendly to placeholders, right answers pass,
wrong ones get a hint, and the expected answers agree with what the package computes."""
from __future__ import annotations

import numpy as np
import pytest

import dpviz as dp
from dpviz.apps import attention, memory, plasticity, strategies
from dpviz.exercises import check, exercise

IDS = [f"{nb}.{k}" for nb in range(10, 16) for k in (1, 2, 3)]


def _right_answers() -> dict:
    """Each answer computed with the package (or a few lines of dpviz), not copied from the checker."""
    s, h = np.array([1.0, 0.0]), np.array([[0.0, 2.0]])
    W, v = np.array([[1.0, 0, 0, 1], [0, 1, 1, 0]]), np.array([1.0, -1.0])

    def euler_decay(k, t=2.0, steps=20000):
        x = dp.tensor(1.0)
        for _ in range(steps):
            x = x - (t / steps) * k * x
        return x

    _, sens = dp.jvp(euler_decay, (0.5,), (1.0,))

    def linear_rnn(x0):
        h_ = x0
        for _ in range(10):
            h_ = 0.8 * h_ + 0.0
        return h_

    H = 0.5
    for _ in range(2000):                                        # iterate eq. (13) with y_i = 0.8, y_j = -0.5
        H = 0.1 * 0.8 * -0.5 + 0.9 * H
    p1 = p2 = 0.2
    return {
        "10.1": float(attention.bahdanau_scores(s, h, W, v).data[0]),
        "10.2": np.eye(4)[::-1],
        "10.3": 36,
        "11.1": memory.content_weights(np.array([[[1.0, 0], [0, 1], [1, 1]]]), np.array([[1.0, 0]]), np.array([2.0]))[0],
        "11.2": memory.allocation_weights(np.array([[0.9, 0.1, 0.5]]))[0],
        "11.3": 2,
        "12.1": 0.1 * (1 * -1) + 0.9 * 0.5,
        "12.2": H,
        "12.3": plasticity.PlasticNet(12).num_parameters(),
        "13.1": 2,
        "13.2": float(dp.grad(linear_rnn)(1.0)),
        "13.3": 18,
        "14.1": (5, 1),
        "14.2": (1.0, 0.1 * (-4 * np.sin(1.0) - 0.3 * 0.0)),
        "14.3": float(sens),
        "15.1": [strategies.algorithm_1(0.3, 0.2), strategies.algorithm_1(0.3, -0.2), strategies.algorithm_1(-0.1, -0.4)],
        "15.2": float(strategies.relaxed_positions(np.array([p1]), np.array([p2]), np.zeros(2), 0.1).data[0]),
        "15.3": float(dp.grad(lambda th: strategies.hard_positions(np.array([0.3]), np.array([0.2]), th).sum())(np.zeros(2))[0]),
    }


RIGHT = _right_answers()
WRONG = {"10.1": 0.5, "10.2": np.eye(4), "10.3": 6, "11.1": [1, 0, 0], "11.2": [0.1, 0.9, 0.5], "11.3": 1,
         "12.1": 0.45, "12.2": 0.1, "12.3": 144, "13.1": 1, "13.2": 0.8, "13.3": 17, "14.1": (1, 5),
         "14.2": (1.0, 0.0), "14.3": 0.7358, "15.1": [1, 1, -1], "15.2": 1.0, "15.3": 1.0}


@pytest.mark.parametrize("ex_id", IDS)
def test_right_answers_pass_and_wrong_ones_get_a_hint(ex_id):
    assert check(ex_id, RIGHT[ex_id]).ok, (ex_id, RIGHT[ex_id], check(ex_id, RIGHT[ex_id]).message)
    bad = check(ex_id, WRONG[ex_id])
    assert not bad.ok and "Not yet" in bad.message


def test_answers_in_other_forms_and_odd_input():
    assert check("10.1", dp.tensor(RIGHT["10.1"])).ok                        # a dpviz tensor
    assert check("11.2", np.asarray(RIGHT["11.2"]).tolist()).ok              # a list
    assert "transposed" not in check("10.2", np.eye(4)).message
    assert "copier" in check("10.2", np.eye(4)).message                       # a specific hint
    assert "sign" in check("14.3", 0.7358).message
    assert "could not be checked" in check("12.3", "many").message or not check("12.3", "many").ok
    assert not check("12.3", True).ok


def test_10_4_draws_the_overflowing_softmax_and_accepts_the_shifted_one():
    naive = check("10.4", lambda x: x.exp() / x.exp().sum())
    assert not naive.ok and "not finite" in naive.message and naive.picture is not None
    assert "first non-finite value" in naive.picture.source          # the drawing's legend marks it
    assert check("10.4", lambda x: (x - x.max()).exp() / (x - x.max()).exp().sum()).ok
    # right values from numbers the engine cannot differentiate: said, not accepted
    import numpy as np
    import dpviz as dp
    frozen = check("10.4", lambda x: dp.tensor(np.exp(x.data - x.data.max()) / np.exp(x.data - x.data.max()).sum()))
    assert not frozen.ok and "gradient" in frozen.message, frozen.message
