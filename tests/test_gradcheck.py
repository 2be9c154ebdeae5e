"""dp.gradcheck: finite differences against the adjoint algorithm, and the drawing overlay."""
from __future__ import annotations

import re as _re

import numpy as np
import pytest

import dpviz as dp
from dpviz.pictures import draw
from dpviz.gradchecker import gradcheck
from dpviz.pictures.palette import EDGE_ROLES, ROLES
from dpviz.errors import DpvizError


def test_inputs_and_parameters_are_checked():
    mlp = dp.nn.MLP([3, 4, 1], activation="tanh", seed=0)
    x = np.random.default_rng(0).standard_normal((5, 3))
    report = gradcheck(lambda x: (mlp(x) ** 2).sum(), x)
    assert report.ok
    assert [leaf.kind for leaf in report.leaves] == ["input"] + ["param"] * 4
    before = mlp.layers[0].weight.data.copy()
    assert np.array_equal(before, mlp.layers[0].weight.data)         # parameters restored
    assert "all 5 leaves agree" in str(report)


def test_non_scalar_output_uses_a_random_cotangent():
    report = gradcheck(lambda a: a.exp() * a, np.linspace(-1, 1, 6).reshape(2, 3))
    assert report.ok and report.leaves[0].checked == 6


def test_large_leaves_are_sampled():
    report = gradcheck(lambda a: (a * a).sum(), np.ones(500), max_elements=10)
    assert report.leaves[0].checked == 10 and report.ok


@pytest.fixture
def buggy_cube():
    """A user-defined op whose derivative has the classic slip: 2x² instead of 3x²."""
    from dpviz.primitives import PRIMITIVES, defprim

    prim = defprim("cube_with_wrong_derivative", lambda x: x ** 3,
                   vjp=[lambda g, ans, x: g * 2 * x ** 2], jvp=[lambda t, ans, x: t * 2 * x ** 2])
    yield prim
    del PRIMITIVES["cube_with_wrong_derivative"]


def test_a_wrong_derivative_is_found_and_drawn_red(buggy_cube):
    report = gradcheck(lambda a, b: (buggy_cube(a) + b.tanh()).sum(), np.array([0.3, -2.0]), np.ones(2))
    assert not report.ok
    assert [leaf.verdict for leaf in report.leaves] == ["wrong", "ok"]
    src = report.draw().source
    failed, passed = ROLES["check_failed"], ROLES["check_passed"]
    n0 = next(line for line in src.splitlines() if line.strip().startswith("n0 "))
    n1 = next(line for line in src.splitlines() if line.strip().startswith("n1 "))
    assert f'fillcolor="{failed.fill}"' in n0 and f'color="{failed.stroke}"' in n0 and "check: max err" in n0
    assert f'color="{passed.stroke}"' in n1 and f'fillcolor="{ROLES["input"].fill}"' in n1   # still an input
    assert failed.title in src and passed.title in src            # the legend says which is which
    assert f'fillcolor="{failed.fill}"' in draw(report.program, style=report.style).source


def test_bad_use():
    with pytest.raises(DpvizError, match="one tensor"):
        gradcheck(lambda a: (a, a * 2), np.ones(2))
    with pytest.raises(DpvizError, match="max_elements"):
        gradcheck(lambda a: a.sum(), np.ones(2), max_elements=0)


# ------------------------------------------------------------------ a learner's primitive: dp.defprim + check_rules


def _softplus(vjp, jvp, name="softplus_test"):
    return dp.defprim(name, lambda x: np.logaddexp(0, x), vjp=vjp, jvp=jvp)


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def test_check_rules_accepts_right_rules_in_both_modes():
    prim = _softplus(lambda g, ans, x: g * _sigmoid(x), lambda t, ans, x: t * _sigmoid(x))
    report = dp.check_rules(prim, np.array([-3.0, 0.0, 2.0]))
    assert report.ok and [c.mode for c in report.checks] == ["VJP", "JVP"]


def test_a_wrong_vjp_is_named_and_its_edge_drawn_in_the_failed_colour():
    prim = _softplus(lambda g, ans, x: g * _sigmoid(-x), lambda t, ans, x: t * _sigmoid(x))
    report = dp.check_rules(prim, np.array([-3.0, 0.0, 2.0]))
    assert not report.ok
    msg = report.message()
    assert "VJP of softplus_test is wrong on the edge x → softplus_test" in msg and "JVP is right" in msg
    assert "0.9526" in msg and "0.04743" in msg                 # yours σ(3) at x = −3, expected σ(−3)
    src = report.draw().source
    edge = _re.search(r"n0 -> n1 \[([^\]]*)\]", src)
    assert edge and EDGE_ROLES["check_failed"].stroke in edge.group(1) and "✗ VJP" in edge.group(1)
    assert "gradient check failed on this arrow" in src          # the legend says what the colour means


def test_a_rule_that_forgets_the_incoming_adjoint_or_tangent_is_told_so():
    prim = _softplus(lambda g, ans, x: _sigmoid(x), lambda t, ans, x: _sigmoid(x))
    report = dp.check_rules(prim, np.array([-1.0, 0.5]))
    assert "multiply your derivative by g" in report.message()
    assert "multiply your derivative by t" in report.message()


def test_a_rule_that_returns_none_is_told_so_never_read_as_nan():
    prim = _softplus(lambda g, ans, x: None, lambda t, ans, x: t * _sigmoid(x))
    report = dp.check_rules(prim, np.array([1.0]))
    assert "gave None" in report.message() and "nan" not in report.message().lower()


def test_dp_check_of_04_4_shows_the_drawing_of_the_failing_edge():
    prim = _softplus(lambda g, ans, x: g * x, lambda t, ans, x: t * _sigmoid(x), name="softplus_04")
    fb = dp.check("04.4", prim)
    assert not fb.ok and "wrong on the edge x → softplus_04" in fb.message
    assert fb.picture is not None and "<svg" in fb._repr_html_()


def test_defprim_refuses_builtin_names_and_malformed_rules():
    with pytest.raises(dp.DpvizError, match="one of dpviz's own primitives"):
        dp.defprim("exp", np.exp, vjp=lambda g, ans, x: g * ans, jvp=lambda t, ans, x: t * ans)
    with pytest.raises(dp.DpvizError, match="vjp must be a function"):
        dp.defprim("mine_bad", np.exp, vjp=3, jvp=lambda t, ans, x: t)
    with pytest.raises(dp.DpvizError, match="1 VJP rules but 2 JVP rules"):
        dp.defprim("mine_bad", np.exp, vjp=[lambda g, ans, x: g], jvp=[lambda t, ans, x: t] * 2)
    with pytest.raises(dp.DpvizError, match="identifier"):
        dp.defprim("my op", np.exp, vjp=lambda g, ans, x: g, jvp=lambda t, ans, x: t)
    assert dp.PRIMITIVES["exp"].name == "exp"


def test_a_learner_primitive_is_recorded_and_differentiated_by_the_engine():
    prim = _softplus(lambda g, ans, x: g * _sigmoid(x), lambda t, ans, x: t * _sigmoid(x), name="softplus_rec")
    prog = dp.trace(lambda x: prim(x * 2.0).sum(), np.array([0.5, -1.0]))
    assert [n.op for n in prog.nodes if n.kind == "op"] == ["mul", "softplus_rec", "sum"]
    g = dp.grad(lambda x: prim(x * 2.0).sum())(np.array([0.5, -1.0]))
    assert np.allclose(g, 2 * _sigmoid(2 * np.array([0.5, -1.0])))
