"""dp.draw on PyTorch autograd graphs: same vocabulary, names from params, no recursion."""
from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from dpviz.pictures import draw, to_diagram
from dpviz.pictures.renderer import render

torch = pytest.importorskip("torch")


def kinds(d):
    return [n.kind for n in d.nodes]


def test_small_mlp_names_parameters_and_groups_modules():
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 1))
    loss = model(torch.randn(5, 3)).pow(2).mean()
    params = dict(model.named_parameters())
    d = to_diagram(loss, params=params)
    names = {n.name for n in d.nodes if n.kind == "param"}
    assert names == set(params)
    assert {n.scope for n in d.nodes if n.kind == "param"} == {"0", "2"}
    assert [n.op for n in d.nodes if n.kind == "op"].count("addmm") == 2
    # nodes are called what PyTorch calls them (notebook 09 teaches these names), the short op below
    assert [n.name for n in d.nodes if n.op == "addmm"] == ["AddmmBackward0"] * 2
    assert d.nodes[-1].is_output and d.nodes[-1].op == "mean" and d.nodes[-1].subtitle == "mean"
    for e in d.edges:                                   # Definition 1: edges go forwards
        assert e.src < e.dst
    g = draw(loss, params=params)
    assert "<b>AddmmBackward0</b>" in g.source and "saved for backward" in g.source
    assert "grad " not in g.source
    ET.fromstring(render(g, renderer="graphviz-pure"))
    loss.backward()
    after = draw(loss, params=params, saved=False).source
    assert "grad [" in after
    assert "saved" not in kinds(to_diagram(loss, params=params, saved=False))


def test_rnn_graph():
    torch.manual_seed(0)
    rnn = torch.nn.RNN(2, 3, batch_first=True)
    out, _ = rnn(torch.randn(1, 4, 2))
    g = draw(out.sum(), params=dict(rnn.named_parameters()), saved=False)
    assert "weight_hh_l0" in g.source
    ET.fromstring(render(g, renderer="graphviz-pure"))


def test_gcn_layer_graph():
    torch.manual_seed(0)
    A = torch.tensor([[0, 1, 0], [1, 0, 1], [0, 1, 0]], dtype=torch.float32) + torch.eye(3)
    deg = A.sum(1)
    A_hat = A / torch.sqrt(deg[:, None] * deg[None, :])       # D^-1/2 (A + I) D^-1/2
    lin = torch.nn.Linear(4, 2)
    H = torch.relu(A_hat @ lin(torch.randn(3, 4)))
    d = to_diagram(H.sum(), params={"gcn.lin.weight": lin.weight, "gcn.lin.bias": lin.bias})
    assert {n.scope for n in d.nodes if n.kind == "param"} == {"gcn/lin"}
    assert "relu" in [n.op for n in d.nodes]
    ET.fromstring(render(draw(H.sum()), renderer="graphviz-pure"))


def test_view_base_and_unnamed_leaf():
    v = torch.randn(4, requires_grad=True)
    z = (v * 2).view(2, 2)
    d = to_diagram(z)
    assert kinds(d)[:1] == ["input"] and "view_base" in kinds(d)
    assert any(e.style == "view" for e in d.edges)
    assert "base of a view" in draw(z).source


def test_deep_chain_has_no_recursion_error_and_collapses():
    x = torch.ones(1, requires_grad=True)
    y = x
    for _ in range(5000):
        y = y * 1.0001
    g = draw(y, saved=False)
    assert g.program_nodes == 5001 and g.collapsed_note is not None


def test_tensor_without_graph_is_a_clear_error():
    from dpviz.errors import DpvizError

    with pytest.raises(DpvizError, match="no autograd graph"):
        draw(torch.ones(2))


def test_a_gcn_graph_with_a_sparse_adjacency_draws_without_densifying():
    import warnings

    import torch

    import dpviz as dp

    W = torch.randn(4, 2, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")           # torch warns about its sparse invariant checks
        A = torch.sparse_coo_tensor([[0, 1, 2], [1, 0, 2]], [1.0, 1.0, 1.0], (3, 3))
        y = torch.sparse.mm(A, torch.randn(3, 4) @ W).relu().sum()
    source = dp.draw(y, params={"W": W}).source
    assert "(3, 3)</font><br/>value sparse coo, 3 stored" in source and ">W<" in source
