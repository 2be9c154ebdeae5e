"""The same model in dpviz and in PyTorch: copy the weights, compare the gradients (notebooks 03, 09).

dpviz's ``Linear`` stores its weight as (in, out) and computes ``x @ W + b``; PyTorch's
stores (out, in) and computes ``x @ W.T + b``. :func:`to_torch` transposes accordingly, so
both frameworks compute the same function from the same numbers, in float64.

>>> import dpviz as dp, numpy as np
>>> mlp = dp.nn.MLP([2, 4, 1], activation="tanh", seed=0)
>>> X, y = np.ones((3, 2)), np.zeros((3, 1))
>>> cmp = compare_gradients(mlp, X, y)
>>> cmp.max_diff < 1e-12
True
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from dpviz.extras import require_extra
from dpviz.functional import grad
from dpviz.tensors import tensor


def to_torch(mlp: Any, device: Any = "cpu") -> Any:
    """A ``torch.nn.Sequential`` (float64) with exactly the weights of a ``dp.nn.MLP``.

    >>> import dpviz as dp
    >>> net = to_torch(dp.nn.MLP([2, 3, 1], seed=0))
    >>> [type(m).__name__ for m in net]
    ['Linear', 'ReLU', 'Linear']
    """
    require_extra("torch", "comparing with PyTorch (dpviz.lessons.torch_bridge)")
    import torch

    acts = {"relu": torch.nn.ReLU, "tanh": torch.nn.Tanh, "sigmoid": torch.nn.Sigmoid}
    mods: list = []
    for i, layer in enumerate(mlp.layers):
        lin = torch.nn.Linear(layer.n_in, layer.n_out, bias=layer.bias is not None, dtype=torch.float64)
        with torch.no_grad():
            lin.weight.copy_(torch.from_numpy(layer.weight.data.T.copy()))
            if layer.bias is not None:
                lin.bias.copy_(torch.from_numpy(layer.bias.data.copy()))
        mods.append(lin)
        if i < len(mlp.layers) - 1:
            mods.append(acts[mlp.activation]())
    return torch.nn.Sequential(*mods).to(device)


@dataclass
class GradientComparison:
    """Losses and per-parameter gradients from both frameworks, and their largest difference.

    ``pairs`` maps each dpviz parameter name to (dpviz grad, PyTorch grad in dpviz's layout).
    """

    loss_dpviz: float
    loss_torch: float
    pairs: dict[str, tuple[np.ndarray, np.ndarray]]
    device: str

    @property
    def diffs(self) -> dict[str, float]:
        """Largest absolute difference per parameter."""
        return {k: float(np.max(np.abs(a - b))) for k, (a, b) in self.pairs.items()}

    @property
    def max_diff(self) -> float:
        """Largest absolute difference over every parameter (and the loss)."""
        return max([abs(self.loss_dpviz - self.loss_torch), *self.diffs.values()])

    def table(self) -> str:
        """A small text table: one line per parameter."""
        lines = [f"{'parameter':<22}{'shape':<10}{'max |dpviz - torch|':>20}"]
        for k, (a, _) in self.pairs.items():
            lines.append(f"{k:<22}{str(a.shape):<10}{self.diffs[k]:>20.2e}")
        lines.append(f"{'loss':<22}{'()':<10}{abs(self.loss_dpviz - self.loss_torch):>20.2e}")
        return "\n".join(lines)


def mse_dpviz(mlp: Any, X: np.ndarray, y: np.ndarray) -> Any:
    """Mean squared error of a dpviz MLP on (X, y), as a dpviz scalar.

    >>> import dpviz as dp, numpy as np
    >>> float(mse_dpviz(dp.nn.MLP([1, 1], seed=0), np.zeros((2, 1)), np.zeros((2, 1)))) >= 0
    True
    """
    return ((mlp(tensor(X, name="X")) - y) ** 2).mean()


def compare_gradients(mlp: Any, X: np.ndarray, y: np.ndarray, device: Any = "cpu") -> GradientComparison:
    """Backward through the MSE loss in both frameworks from the same weights; compare.

    The dpviz parameters' ``.grad`` are overwritten (zeroed first).
    """
    require_extra("torch", "comparing with PyTorch (dpviz.lessons.torch_bridge)")
    import torch

    mlp.zero_grad()
    loss = mse_dpviz(mlp, X, y)
    loss.backward()
    net = to_torch(mlp, device)
    Xt = torch.as_tensor(X, dtype=torch.float64, device=device)
    yt = torch.as_tensor(y, dtype=torch.float64, device=device)
    lt = ((net(Xt) - yt) ** 2).mean()
    lt.backward()
    torch_params = [p for p in net.parameters()]
    pairs = {}
    k = 0
    for layer in mlp.layers:
        tw = torch_params[k].grad.detach().cpu().numpy().T
        pairs[layer.weight.name] = (np.asarray(layer.weight.grad), tw)
        k += 1
        if layer.bias is not None:
            pairs[layer.bias.name] = (np.asarray(layer.bias.grad),
                                      torch_params[k].grad.detach().cpu().numpy())
            k += 1
    return GradientComparison(float(loss.data), float(lt.detach().cpu()), pairs, str(device))


def neuron_gradients(x: np.ndarray, w: np.ndarray, b: float) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """∂/∂(x, w, b) of one neuron ``σ(w·x + b)`` in dpviz and in PyTorch: name → (dpviz, torch).

    >>> g = neuron_gradients(np.array([1.0, 2.0]), np.array([0.5, -0.25]), 0.1)
    >>> all(np.allclose(a, t) for a, t in g.values())
    True
    """
    require_extra("torch", "comparing with PyTorch (dpviz.lessons.torch_bridge)")
    import torch

    gx, gw, gb = grad(lambda x, w, b: ((x * w).sum() + b).sigmoid(), argnums=(0, 1, 2))(
        np.asarray(x, float), np.asarray(w, float), float(b))
    xt, wt = (torch.tensor(np.asarray(v, float), requires_grad=True) for v in (x, w))
    bt = torch.tensor(float(b), dtype=torch.float64, requires_grad=True)
    torch.sigmoid((xt * wt).sum() + bt).backward()
    return {"x": (np.asarray(gx), xt.grad.numpy()), "w": (np.asarray(gw), wt.grad.numpy()),
            "b": (np.asarray(gb), bt.grad.numpy())}
