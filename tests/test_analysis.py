"""Definition 1 checks, counts, networkx export, and characteristics 1 and 3 of the paper."""
from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

import dpviz as dp
from dpviz.analysis import (check_definition1, counts, depth, figures_2_and_3, lag_profile, path_lengths,
                            permutation_check, to_networkx)
from dpviz.errors import DpvizError


def mlp_program():
    mlp = dp.nn.MLP([2, 3, 1], activation="tanh", seed=0)
    return dp.trace(lambda x: (mlp(x) ** 2).mean(), np.array([[0.5, -1.0]]))


def test_traced_programs_satisfy_definition1():
    for prog in (mlp_program(), dp.trace(lambda a, b: (a * b + a).exp().sum(), np.ones(2), np.ones(2))):
        assert check_definition1(prog).ok, check_definition1(prog).problems


def test_broken_programs_are_reported():
    node = lambda i, op, kind, args: SimpleNamespace(index=i, op=op, kind=kind, args=args)
    bad = SimpleNamespace(nodes=[node(0, "input", "input", ()), node(1, "add", "op", (2,)),
                                 node(2, "neg", "op", (0,))], l=1, n=3, inputs=[0], edges=None)
    check = check_definition1(bad)
    assert not check.ok and any("earlier" in p for p in check.problems)
    with pytest.raises(DpvizError, match="not a Definition-1 program"):
        check.raise_if_invalid()
    only_leaf = SimpleNamespace(nodes=[node(0, "input", "input", ())], l=1, n=1, inputs=[0], edges=[])
    assert any("1 <= l < n" in p for p in check_definition1(only_leaf).problems)


def test_counts_and_depth():
    c = counts(mlp_program())
    assert (c.l, c.inputs, c.params, c.param_values, c.outputs) == (5, 1, 4, 13, 1)
    assert c.ops["matmul"] == 2 and c.ops["tanh"] == 1
    assert c.depth == depth(mlp_program()) == 7       # matmul add tanh matmul add pow mean


def test_to_networkx_carries_node_data():
    import networkx as nx

    prog = dp.trace(lambda a: (a * a).sum(), np.array([1.0, 2.0]))
    prog.backward()
    G = to_networkx(prog)
    assert nx.is_directed_acyclic_graph(G)
    assert G.nodes[0]["name"] == "a" and G.nodes[0]["kind"] == "input"
    np.testing.assert_allclose(G.nodes[0]["grad"], [2.0, 4.0])
    assert G.edges[0, 1]["positions"] == (0, 1)
    assert nx.dag_longest_path_length(G) == depth(prog)
    assert G.graph["n"] == prog.n and G.graph["l"] == prog.l


def test_path_lengths_shortest_and_longest():
    prog = dp.trace(lambda a, b: (a.exp() + b).sum(), np.ones(2), np.ones(2))
    assert path_lengths(prog).tolist() == [[3], [2]]
    assert path_lengths(prog, ["b"], kind="longest").tolist() == [[2]]
    skip = dp.trace(lambda a: a.exp().exp() + a, np.ones(2))
    assert path_lengths(skip).tolist() == [[1]]
    assert path_lengths(skip, kind="longest").tolist() == [[3]]
    with pytest.raises(DpvizError, match="named"):
        path_lengths(prog, ["nope"])


def test_figures_2_and_3_as_numbers():
    profiles = figures_2_and_3(T=5, d=3)
    rnn, att = profiles["rnn"], profiles["self_attention"]
    assert rnn.grows_with_lag and not rnn.symmetric
    lengths = {lag: set(v) for lag, v in rnn.by_lag.items()}
    assert all(len(v) == 1 for v in lengths.values())       # one length per lag
    steps = [next(iter(lengths[lag])) for lag in sorted(lengths)]
    assert steps == [steps[0] + 3 * lag for lag in range(5)]  # matmul, add, tanh per time step
    assert (rnn.table[np.tril_indices(5, -1)] == -1).all()    # no path from the future
    assert att.symmetric and not att.grows_with_lag


def test_lag_profile_on_a_hand_written_recurrence():
    def three_steps(a, b, c):
        h1 = a.tanh()
        h2 = (h1 + b).tanh()
        return h1, h2, (h2 + c).tanh()

    prog = dp.trace(three_steps, np.ones(2), np.ones(2), np.ones(2))
    assert lag_profile(prog, prog.inputs, prog.outputs).by_lag == {0: [1, 2, 2], 1: [3, 4], 2: [5]}


def test_characteristic_3_sum_vs_concatenation():
    rng = np.random.default_rng(0)
    xs = [dp.tensor(rng.standard_normal(3)) for _ in range(4)]
    W = dp.tensor(rng.standard_normal((3, 2)))
    summed = permutation_check(lambda *v: (dp.stack(list(v)) @ W).tanh().sum(axis=0), xs)
    assert summed.invariant and summed.permutations_tried == 23
    concat = permutation_check(lambda *v: dp.concatenate(list(v)), xs)
    assert not concat.invariant and concat.max_abs_diff > 0.1
    with pytest.raises(DpvizError, match="two inputs"):
        permutation_check(lambda v: v, [xs[0]])
