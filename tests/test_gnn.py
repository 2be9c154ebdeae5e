"""dpviz.gnn: the paper's models, the GCN layer, attention over allowed pairs, perturbations,
and the seed-batched models computing exactly what the plain ones compute."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F

from dpviz.data import planetoid
from dpviz.gnn.attention import attention_pairs, dense_attention_mask, pair_attention, score_spread
from dpviz.gnn.batched import SeedGCN, SeedMLP, SeedSelfAttention
from dpviz.gnn.layers import GCNConv, gcn_adjacency
from dpviz.gnn.models import SelfAttentionNet, count_parameters, gcn2, gcn3, mlp2, mlp3
from dpviz.gnn.perturb import STRIDE_RULES, random_edges, remove_edges_random, remove_edges_stride
from dpviz.gnn.train import train_seeds

REPO = Path(__file__).resolve().parents[1]
MIRROR = os.environ.get("DPVIZ_DATA") or str(REPO.parent / "shared" / "data" / "planetoid")
pytestmark = pytest.mark.skipif(not Path(MIRROR, "ind.citeseer.x").is_file(),
                                reason="no offline Planetoid mirror (set DPVIZ_DATA)")


@pytest.fixture(scope="module")
def ds():
    return planetoid("citeseer", MIRROR)


def test_parameter_counts_match_the_paper() -> None:
    assert count_parameters(mlp2()) == 59_366
    assert count_parameters(mlp3()) == 2_029_318
    assert count_parameters(gcn2()) == 59_366
    assert count_parameters(gcn3(256)) == 1_015_558
    assert count_parameters(gcn3(16)) == 59_638
    assert count_parameters(SelfAttentionNet()) == 503_286


def test_gcn_adjacency_is_the_symmetric_normalisation() -> None:
    edges = torch.tensor([[0, 1, 1, 2, 3], [1, 0, 2, 1, 3]])  # includes a self-loop on 3
    a = torch.zeros(4, 4)
    a[edges[1], edges[0]] = 1.0
    a.fill_diagonal_(1.0)  # the existing self-loop is replaced, not doubled
    d = a.sum(1).pow(-0.5)
    expected = d[:, None] * a * d[None, :]
    assert torch.allclose(gcn_adjacency(edges, 4, csr=False).to_dense(), expected)


@pytest.mark.parametrize("graph", ["citeseer", "random"])
def test_gcn_layer_equals_pyg_gcnconv(ds, graph: str) -> None:
    pyg_nn = pytest.importorskip("torch_geometric.nn")
    edges = ds.edge_index if graph == "citeseer" else random_edges(
        ds.num_nodes, 9104, generator=torch.Generator().manual_seed(3))
    ours = GCNConv(ds.num_features, 16)
    theirs = pyg_nn.GCNConv(ds.num_features, 16)
    with torch.no_grad():
        theirs.lin.weight.copy_(ours.weight.t())
        ours.bias.uniform_(-1, 1)
        theirs.bias.copy_(ours.bias)
    out = ours(ds.x_sparse, gcn_adjacency(edges, ds.num_nodes))
    assert torch.allclose(out, theirs(ds.x, edges), atol=1e-5)


def test_pair_attention_equals_dense_masked_softmax() -> None:
    g = torch.Generator().manual_seed(0)
    n, d = 7, 4
    edges = torch.tensor([[0, 1, 2, 3, 5], [1, 0, 3, 2, 6]])
    q, k, v = (torch.randn(n, 2, d, generator=g) for _ in range(3))
    mask = dense_attention_mask("neighbours", edges, n)
    scores = torch.einsum("qhd,khd->hqk", q, k) / d**0.5
    expected = torch.einsum("hqk,khd->qhd", scores.masked_fill(mask, float("-inf")).softmax(-1), v)
    out, weights = pair_attention(q, k, v, attention_pairs("neighbours", edges, n), n)
    assert torch.allclose(out, expected, atol=1e-6)
    assert weights.shape == (len(edges[0]) + n, 2)


def _copy_linear(dst, src_weight: torch.Tensor, src_bias: torch.Tensor, s: int) -> None:
    dst.weight.data[s] = src_weight.t()
    dst.bias.data[s] = src_bias


def _eval_logits(model, nodes: torch.Tensor) -> torch.Tensor:
    model.eval()
    with torch.no_grad():
        return model(nodes)


def test_seed_batched_mlp_and_gcn_equal_the_plain_models(ds) -> None:
    nodes = torch.arange(0, ds.num_nodes, 7)
    plains = [mlp3(), mlp3()]
    batched = SeedMLP(ds.x_sparse, [3703, 512, 256, 6], seeds=2)
    for s, plain in enumerate(plains):
        for lin, dst in zip(plain.linears, batched.linears):
            _copy_linear(dst, lin.weight, lin.bias, s)
    got = _eval_logits(batched, nodes)
    for s, plain in enumerate(plains):
        assert torch.allclose(got[:, s], _eval_logits(plain, ds.x)[nodes], atol=1e-5)

    adj = gcn_adjacency(ds.edge_index, ds.num_nodes)
    plains = [gcn3(16), gcn3(16)]
    batched = SeedGCN.for_graph(ds, [3703, 16, 16, 6], seeds=2)
    for s, plain in enumerate(plains):
        for conv, dst in zip(plain.convs, batched.convs):
            dst.weight.data[s] = conv.weight
            dst.bias.data[s] = conv.bias
    got = _eval_logits(batched, nodes)
    for s, plain in enumerate(plains):
        plain.eval()
        assert torch.allclose(got[:, s], plain(ds.x, adj)[nodes].detach(), atol=1e-5)


def test_per_seed_graphs_equal_separate_runs(ds) -> None:
    graphs = [remove_edges_random(ds.edge_index, 0.5, generator=torch.Generator().manual_seed(i))
              for i in range(2)]
    batched = SeedGCN.for_graph(ds, [3703, 16, 6], seeds=2, edge_index=graphs)
    nodes = torch.arange(ds.num_nodes)
    got = _eval_logits(batched, nodes)
    for s, graph in enumerate(graphs):
        single = SeedGCN.for_graph(ds, [3703, 16, 6], seeds=1, edge_index=graph)
        for conv, src in zip(single.convs, batched.convs):
            conv.weight.data[0], conv.bias.data[0] = src.weight.data[s], src.bias.data[s]
        assert torch.allclose(got[:, s], _eval_logits(single, nodes)[:, 0], atol=1e-5)


@pytest.mark.parametrize("mask", ["all", "self", "neighbours"])
def test_seed_batched_attention_equals_multihead_attention(ds, mask: str) -> None:
    torch.manual_seed(1)
    plain = SelfAttentionNet()
    batched = SeedSelfAttention.for_graph(ds, mask, seeds=1)
    _copy_linear(batched.pre, plain.pre.weight, plain.pre.bias, 0)
    _copy_linear(batched.in_proj, plain.attn.in_proj_weight, plain.attn.in_proj_bias, 0)
    _copy_linear(batched.out_proj, plain.attn.out_proj.weight, plain.attn.out_proj.bias, 0)
    _copy_linear(batched.post, plain.post.weight, plain.post.bias, 0)
    with torch.no_grad():  # non-zero biases so a wrong slice would show
        for p in (batched.in_proj.bias, batched.out_proj.bias):
            p.uniform_(-0.3, 0.3)
        plain.attn.in_proj_bias.copy_(batched.in_proj.bias[0])
        plain.attn.out_proj.bias.copy_(batched.out_proj.bias[0])
    nodes = ds.test_mask.nonzero().view(-1)[:200]
    plain.eval()
    with torch.no_grad():
        expected = plain(ds.x_sparse, dense_attention_mask(mask, ds.edge_index, ds.num_nodes))[nodes]
    assert torch.allclose(_eval_logits(batched, nodes)[:, 0], expected, atol=1e-5)


def test_batched_loss_gives_each_seed_its_own_gradient(ds) -> None:
    batched = SeedGCN.for_graph(ds, [3703, 16, 6], seeds=3)
    batched.eval()  # no dropout, so the per-seed computation is deterministic
    nodes = ds.train_mask.nonzero().view(-1)
    logits = batched(nodes)
    losses = torch.stack([F.cross_entropy(logits[:, s], ds.y[nodes]) for s in range(3)])
    losses.sum().backward()
    total = batched.convs[0].weight.grad.clone()
    for s in range(3):
        batched.zero_grad()
        F.cross_entropy(batched(nodes)[:, s], ds.y[nodes]).backward()
        assert torch.allclose(batched.convs[0].weight.grad[s], total[s], atol=1e-7)
        assert batched.convs[0].weight.grad[(s + 1) % 3].abs().max() == 0


def test_stride_removal_is_the_papers_list_comprehension() -> None:
    n = 9104
    edges = torch.stack([torch.arange(n), torch.arange(n)])
    for frac, (k, multiples) in STRIDE_RULES.items():
        if multiples:
            expected = [1] + [i for i in range(2, n) if i % k == 0]
        else:
            expected = [1] + [i for i in range(2, n) if i % k != 0]
        assert remove_edges_stride(edges, frac)[0].tolist() == expected
        kept = len(expected) / n
        assert abs((1 - kept) - frac) < 0.02, frac


def test_random_removal_keeps_the_graph_symmetric(ds) -> None:
    kept = remove_edges_random(ds.edge_index, 0.8, generator=torch.Generator().manual_seed(0))
    pairs = set(zip(kept[0].tolist(), kept[1].tolist()))
    assert pairs == {(b, a) for a, b in pairs}
    assert abs(kept.shape[1] - 0.2 * 9104) <= 2
    assert random_edges(3327, 9104).shape == (2, 9104)


def test_training_reproduces_gcn_over_mlp(ds) -> None:
    torch.manual_seed(0)
    gcn = train_seeds(SeedGCN.for_graph(ds, [3703, 16, 6], seeds=3), ds.y, ds.train_mask, ds.test_mask)
    torch.manual_seed(0)
    mlp = train_seeds(SeedMLP(ds.x_sparse, [3703, 16, 6], seeds=3), ds.y, ds.train_mask, ds.test_mask)
    assert 0.66 <= float(gcn.accuracy.mean()) <= 0.74
    assert 0.48 <= float(mlp.accuracy.mean()) <= 0.62
    assert float(gcn.accuracy.min()) > float(mlp.accuracy.max())


def test_neighbour_attention_weights_are_almost_uniform(ds) -> None:
    torch.manual_seed(0)
    model = SeedSelfAttention.for_graph(ds, "neighbours", seeds=1)
    train_seeds(model, ds.y, ds.train_mask, ds.test_mask, epochs=30)
    nodes = ds.test_mask.nonzero().view(-1)
    pairs, weights = model.attention_weights(nodes)
    counts = torch.bincount(pairs[0], minlength=len(nodes)).float()
    uniform = 1.0 / counts[pairs[0]]
    assert float((weights[:, 0] - uniform).abs().mean()) < 0.05


def test_the_neighbourhood_figure_colours_topics_as_categories() -> None:
    """Topic classes are categories: one legend entry and one colour per class, no continuous colour bar."""
    import networkx as nx

    from dpviz.gnn.figures import CLASS_COLOURS, neighbourhood_figure

    g = nx.path_graph(7)
    nx.set_node_attributes(g, {n: n % 6 for n in g}, "label")
    fig = neighbourhood_figure(g, 3, hops=3)
    classes = [t for t in fig.data if t.name.startswith("class ")]
    assert sorted(t.name for t in classes) == [f"class {k}" for k in range(6)]
    assert len({t.marker.color for t in classes}) == 6 and all(t.marker.color in CLASS_COLOURS for t in classes)
    assert all(getattr(t.marker, "showscale", None) in (None, False) for t in fig.data)


def test_score_spread_is_each_querys_standard_deviation_over_its_keys() -> None:
    torch.manual_seed(0)
    queries = torch.tensor([0, 0, 0, 1, 2, 2])            # query 1 has one key: nothing to weigh, left out
    scores = torch.randn(6, 3, 2)                          # (pairs, seeds, heads)
    expected = torch.stack([scores[:3].std(0), scores[4:].std(0)]).mean(dim=(0, 2))
    assert torch.allclose(score_spread(scores, queries, 3), expected)
    assert torch.isnan(score_spread(scores[:1], queries[:1], 1)).all()


@pytest.mark.parametrize("mask", ["all", "neighbours"])
def test_score_scale_reads_the_scores_the_model_attends_with(ds, mask: str) -> None:
    """Spread the scores apart and the weights leave the mean: score_scale must see the same scores."""
    torch.manual_seed(0)
    model = SeedSelfAttention.for_graph(ds, mask, seeds=2)
    nodes = ds.test_mask.nonzero().view(-1)[:40]
    flat = model.score_scale(nodes)
    with torch.no_grad():
        model.pre.bias.mul_(0).add_(torch.randn_like(model.pre.bias))       # large, varied embeddings
        model.pre.weight.mul_(300)
    sharp = model.score_scale(nodes)
    assert max(flat.spread) < 1e-4 < min(sharp.spread)
    assert sharp.query == flat.query and len(sharp.embedding) == 2 and sharp.embedding[0] > flat.embedding[0]
    pairs, weights = model.attention_weights(nodes)
    counts = torch.bincount(pairs[0], minlength=len(nodes)).float()
    assert float((weights * counts[pairs[0], None] - 1).abs().max()) > 0.1          # no longer a plain mean
