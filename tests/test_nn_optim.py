"""dp.nn modules, scopes and optimisers, checked against torch where it defines the behaviour."""
import numpy as np
import pytest
import torch

import dpviz as dp


def test_mlp_parameters_names_and_scopes():
    mlp = dp.nn.MLP([2, 16, 16, 1], seed=0)
    names = [n for n, _ in mlp.named_parameters()]
    assert names == ["mlp.layer0.weight", "mlp.layer0.bias", "mlp.layer1.weight", "mlp.layer1.bias",
                     "mlp.layer2.weight", "mlp.layer2.bias"]
    assert mlp.num_parameters() == 2 * 16 + 16 + 16 * 16 + 16 + 16 + 1
    out = mlp(dp.tensor(np.ones((3, 2))))
    assert out.shape == (3, 1) and out.scope == "mlp/layer2"


def test_linear_rejects_wrong_input_width():
    with pytest.raises(dp.ShapeError, match="last axis is 2"):
        dp.nn.Linear(2, 3, seed=0)(dp.tensor(np.ones((4, 5))))


def test_nested_scopes():
    x = dp.tensor(1.0, requires_grad=True)
    with dp.scope("a"):
        y = x * 2
        with dp.scope("b"):
            z = y * 2
    assert (y.scope, z.scope, (z * 1).scope) == ("a", "a/b", "")
    with pytest.raises(dp.DpvizError):
        with dp.scope("bad/name"):
            pass


def _torch_copy(params):
    return [torch.tensor(p.data.copy(), requires_grad=True) for p in params]


@pytest.mark.parametrize("make", [
    lambda ps: (dp.optim.SGD(ps, lr=0.1), None),
    lambda ps: (dp.optim.SGD(ps, lr=0.1, momentum=0.9, weight_decay=0.01), None),
    lambda ps: (dp.optim.Adam(ps, lr=0.05, weight_decay=5e-4), None),
])
def test_optimisers_match_torch(make):
    rng = np.random.default_rng(0)
    ps = [dp.tensor(rng.standard_normal((3, 2)), requires_grad=True),
          dp.tensor(rng.standard_normal(2), requires_grad=True)]
    tps = _torch_copy(ps)
    opt, _ = make(ps)
    if isinstance(opt, dp.optim.Adam):
        topt = torch.optim.Adam(tps, lr=0.05, weight_decay=5e-4)
    elif opt.momentum:
        topt = torch.optim.SGD(tps, lr=0.1, momentum=0.9, weight_decay=0.01)
    else:
        topt = torch.optim.SGD(tps, lr=0.1)
    x = rng.standard_normal((5, 3))
    for _ in range(5):
        opt.zero_grad()
        ((dp.tensor(x) @ ps[0] + ps[1]).tanh() ** 2).sum().backward()
        opt.step()
        topt.zero_grad()
        ((torch.tensor(x) @ tps[0] + tps[1]).tanh() ** 2).sum().backward()
        topt.step()
    for p, tp in zip(ps, tps):
        np.testing.assert_allclose(p.data, tp.detach().numpy(), rtol=1e-10, atol=1e-12)


def test_training_the_micrograd_moons_style_mlp_reduces_the_loss():
    rng = np.random.default_rng(1)
    X = rng.standard_normal((64, 2))
    y = np.where(X[:, 0] * X[:, 1] > 0, 1.0, -1.0)
    mlp = dp.nn.MLP([2, 16, 16, 1], seed=0)
    opt = dp.optim.Adam(mlp.parameters(), lr=0.02)
    losses = []
    for _ in range(150):
        opt.zero_grad()
        score = mlp(dp.tensor(X)).reshape(-1)
        loss = (1.0 - score * y).relu().mean()
        loss.backward()
        opt.step()
        losses.append(float(loss.data))
    assert losses[-1] < 0.5 * losses[0]


def test_gradients_accumulate_until_zeroed():
    w = dp.tensor(1.0, requires_grad=True)
    for k in range(1, 4):
        (w * 2).backward()
        assert float(w.grad) == 2.0 * k
    w.zero_grad()
    assert w.grad is None


def test_optimiser_rejects_bad_arguments():
    with pytest.raises(dp.DpvizError, match="no parameters"):
        dp.optim.SGD([], lr=0.1)
    with pytest.raises(dp.DpvizError, match="learning rate"):
        dp.optim.SGD([dp.tensor(1.0, requires_grad=True)], lr=-1)
    with pytest.raises(dp.DpvizError, match="leaf tensors"):
        dp.optim.Adam([dp.tensor(1.0)], lr=0.1)


def test_clip_grad_norm_scales_all_gradients_together_and_refuses_nan() -> None:
    a = dp.tensor([3.0], requires_grad=True)
    b = dp.tensor([[4.0]], requires_grad=True)
    (a * a * 0.5 + (b * b * 0.5).sum()).sum().backward()          # gradients 3 and 4: joint norm 5
    assert dp.optim.clip_grad_norm([a, b], 10.0) == pytest.approx(5.0)
    assert a.grad.tolist() == [3.0] and b.grad.tolist() == [[4.0]]      # under the cap: untouched
    assert dp.optim.clip_grad_norm([a, b], 1.0) == pytest.approx(5.0)
    assert np.allclose(a.grad, [0.6]) and np.allclose(b.grad, [[0.8]])  # one scale for both, direction kept
    torch = pytest.importorskip("torch")
    ta, tb = torch.tensor([3.0], requires_grad=True), torch.tensor([[4.0]], requires_grad=True)
    (ta * ta * 0.5 + (tb * tb * 0.5).sum()).sum().backward()
    torch.nn.utils.clip_grad_norm_([ta, tb], 1.0)
    assert np.allclose(ta.grad.numpy(), a.grad) and np.allclose(tb.grad.numpy(), b.grad)
    a.grad = np.array([np.inf])
    with pytest.raises(dp.DpvizError, match="inf or NaN"):
        dp.optim.clip_grad_norm([a, b], 1.0)
    with pytest.raises(dp.DpvizError, match="max_norm must be positive"):
        dp.optim.clip_grad_norm([a], 0.0)
