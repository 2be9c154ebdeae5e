"""dp.gradcheck: finite differences against the adjoint algorithm, and the drawing overlay."""
from __future__ import annotations

import numpy as np
import pytest

import dpviz as dp
from dpviz.pictures import draw
from dpviz.gradchecker import gradcheck
from dpviz.pictures.palette import ROLES
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
