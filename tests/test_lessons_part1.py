"""The claims the part-1 notebooks make, tested directly through the dpviz.lessons functions they call."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import dpviz as dp
from dpviz import analysis
from dpviz.lessons import (branching, characteristics as ch, hypergradient as hg, inplace,
                           jacobian_cost, torch_bridge, welcome)

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"


# ------------------------------------------------------------------ 01
def test_table_1_and_environment_report():
    t = welcome.ProgrammingTable()
    assert len(t.rows) == 5 and all(r.source == "paper" for r in t.rows)
    with pytest.raises(ValueError):
        t.add("", "x")
    lines = welcome.environment_report()
    assert any("GPU" in line or "PyTorch" in line for line in lines)


# ------------------------------------------------------------------ 03 / 09
def test_engine_gradients_equal_pytorch():
    rng = np.random.default_rng(1)
    X, y = rng.standard_normal((16, 3)), rng.standard_normal((16, 2))
    for act in ("relu", "tanh", "sigmoid"):
        cmp = torch_bridge.compare_gradients(dp.nn.MLP([3, 5, 2], activation=act, seed=2), X, y)
        assert cmp.max_diff < 1e-12, (act, cmp.diffs)
    for ours, theirs in torch_bridge.neuron_gradients(np.array([0.3, -2.0]), np.array([1.5, 0.2]), -0.4).values():
        np.testing.assert_allclose(ours, theirs, rtol=1e-12)


# ------------------------------------------------------------------ 04
def test_jacobians_agree_in_both_modes():
    for fn in ("f", "g"):
        np.testing.assert_allclose(jacobian_cost.jacobian_of(fn, 7, "fwd"), jacobian_cost.jacobian_of(fn, 7, "rev"))


def test_cost_meter_reverse_wins_for_f_forward_wins_for_g_at_large_size():
    rows = jacobian_cost.measure([300], repeats=2)
    assert jacobian_cost.faster(rows, "f", 300) == "rev"
    assert jacobian_cost.faster(rows, "g", 300) == "fwd"
    t = {(r.function, r.mode): r.seconds for r in rows}
    assert t[("f", "fwd")] > 5 * t[("f", "rev")] and t[("g", "rev")] > 5 * t[("g", "fwd")]


# ------------------------------------------------------------------ 05
def test_control_flow_changes_the_graph():
    assert dp.trace(branching.double_until, [1.0]).n > dp.trace(branching.double_until, [4.0]).n
    ops = lambda x: [n.op for n in dp.trace(branching.sign_switch, x).nodes if n.kind == "op"]
    assert ops([1.0]) != ops([-1.0])


def test_learned_condition_finds_the_threshold_and_hard_if_has_no_gradient():
    fit = branching.fit_learned_condition(steps=300)
    assert abs(fit.threshold - branching.TRUE_THRESHOLD) < 0.1
    assert fit.losses[-1] < 0.5 * fit.losses[0]
    assert branching.hard_threshold_gradient(0.0) == 0.0
    # the soft program is differentiable in w and b: gradients are finite and not both zero
    gw, gb = dp.grad(lambda w, b: branching.soft_program(dp.tensor(np.array([0.2, 0.9])), w, b).sum(),
                     argnums=(0, 1))(1.0, 0.0)
    assert np.isfinite([gw, gb]).all() and (gw != 0 or gb != 0)


# ------------------------------------------------------------------ 06
def test_inplace_examples_in_both_frameworks():
    assert inplace.run("tanh_add", "dpviz").error == "InplaceError"
    assert inplace.run("tanh_add", "torch").error == "RuntimeError"
    a, b = inplace.run("tanh_add_fixed", "dpviz"), inplace.run("tanh_add_fixed", "torch")
    assert a.ok and b.ok and np.allclose(a.grad, b.grad)
    assert inplace.run("alias_slice", "dpviz").error == "InplaceError"
    assert inplace.run("alias_slice", "torch").ok                    # modern PyTorch rebases the view
    assert not inplace.run("alias_leaf", "dpviz").ok and not inplace.run("alias_leaf", "torch").ok
    assert inplace.run("tanh_add", "dpviz").versions == [0, 1]


# ------------------------------------------------------------------ 07
def test_hypergradient_sign_and_value():
    for lr in (0.02, 0.05, 0.1):
        v, g = hg.hypergradient(lr)
        assert g < 0, lr                                      # too small: a larger step helps
        assert abs(g - hg.finite_difference(lr)) < 1e-5 * max(1.0, abs(g))
    s = hg.sweep(np.geomspace(0.01, 0.7, 10))
    best = int(np.argmin(s.values))
    assert (s.slopes[:best] < 0).all() and s.slopes[-1] > 0    # slope changes sign around the minimum
    path = hg.tune(lr0=0.05, meta_lr=0.5, iters=10)
    assert path[-1][1] < 0.1 * path[0][1]


# ------------------------------------------------------------------ 08
def test_path_lengths_grow_for_rnn_and_are_constant_for_attention():
    for T in (4, 8):
        p = ch.profiles(ch.make_sequence(T=T))
        rnn = ch.from_first_input(p["rnn"])
        assert all(b > a for a, b in zip(rnn, rnn[1:])) and p["rnn"].grows_with_lag
        assert len(set(ch.from_first_input(p["self_attention"]))) == 1 and p["self_attention"].symmetric
        assert p["mlp"].symmetric
        assert (p["rnn"].table[np.tril_indices(T, -1)] == -1).all()      # no path from the future


def test_permutation_invariance_and_composition():
    xs = ch.make_sequence(T=4)
    assert analysis.permutation_check(ch.pooled("self_attention"), xs).invariant
    assert not analysis.permutation_check(ch.pooled("rnn"), xs).invariant
    assert not analysis.permutation_check(ch.pooled("mlp"), xs).invariant
    prog = dp.trace(lambda *x: ch.composed(x), *xs)
    assert analysis.check_definition1(prog).ok
    assert {n.scope.split("/")[0] for n in prog.nodes if n.scope} == {"encoder", "attention", "readout"}
