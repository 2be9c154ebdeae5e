"""Optimisers that update parameters in place (under ``no_grad``, bumping version counters).

>>> import dpviz as dp
>>> w = dp.tensor(3.0, requires_grad=True)
>>> opt = dp.optim.SGD([w], lr=0.1)
>>> (w * w).backward(); opt.step()
>>> round(float(w.data), 6)
2.4
"""
from __future__ import annotations

from typing import Iterable

import numpy as np

from dpviz.errors import DpvizError
from dpviz.tensors import Tensor


class Optimizer:
    """Base class: holds the parameters; ``zero_grad()`` clears their gradients.

    >>> import dpviz as dp
    >>> dp.optim.SGD([dp.tensor(1.0, requires_grad=True)], lr=0.1).zero_grad()
    """

    def __init__(self, params: Iterable[Tensor], lr: float):
        self.params = list(params)
        if not self.params:
            raise DpvizError("the optimiser got no parameters")
        for p in self.params:
            if not isinstance(p, Tensor) or not p.requires_grad or not p.is_leaf:
                raise DpvizError("optimisers take leaf tensors that require grad (e.g. module.parameters())")
        if not lr > 0:
            raise DpvizError(f"the learning rate must be positive; got {lr}")
        self.lr = float(lr)

    def zero_grad(self) -> None:
        """Set every parameter's ``.grad`` to None before the next backward pass.

        >>> import dpviz as dp
        >>> w = dp.tensor(1.0, requires_grad=True); (w * 2).backward()
        >>> opt = dp.optim.SGD([w], lr=0.1); opt.zero_grad(); w.grad is None
        True
        """
        for p in self.params:
            p.zero_grad()

    def _update(self, p: Tensor, delta: np.ndarray, what: str) -> None:
        # in place, so views and saved copies can tell the value changed; a leaf has no history
        # that its new value could contradict, so its own version follows
        node = p.node
        node.value -= delta
        node.ver = node.vc.bump(f"'{what}' on {node.describe()}")

    def step(self) -> None:
        """Update every parameter that has a gradient, in place (subclasses say how).

        >>> import dpviz as dp
        >>> w = dp.tensor(1.0, requires_grad=True); (w * 2).backward()
        >>> dp.optim.SGD([w], lr=0.25).step(); float(w.data)
        0.5
        """
        raise NotImplementedError

    def _grads(self):
        for i, p in enumerate(self.params):
            g = p.grad
            if g is None:
                continue
            yield i, p, (g.data if isinstance(g, Tensor) else g)


class SGD(Optimizer):
    """Stochastic gradient descent with optional momentum and weight decay.

    >>> import dpviz as dp
    >>> w = dp.tensor(1.0, requires_grad=True)
    >>> opt = dp.optim.SGD([w], lr=0.5, momentum=0.9)
    >>> (w * 2).backward(); opt.step(); float(w.data)
    0.0
    """

    def __init__(self, params, lr: float = 0.01, momentum: float = 0.0, weight_decay: float = 0.0):
        super().__init__(params, lr)
        self.momentum, self.weight_decay = float(momentum), float(weight_decay)
        self._buf: dict[int, np.ndarray] = {}

    def step(self) -> None:
        for i, p, g in self._grads():
            if self.weight_decay:
                g = g + self.weight_decay * p.data
            if self.momentum:
                buf = self._buf.get(i)
                buf = g.copy() if buf is None else self.momentum * buf + g
                self._buf[i] = buf
                g = buf
            self._update(p, self.lr * g, "SGD.step")


class Adam(Optimizer):
    """Adam (Kingma & Ba) with optional L2 weight decay added to the gradient, as torch.optim.Adam.

    >>> import dpviz as dp
    >>> w = dp.tensor(1.0, requires_grad=True)
    >>> opt = dp.optim.Adam([w], lr=0.1)
    >>> (w * w).backward(); opt.step(); round(float(w.data), 6)
    0.9
    """

    def __init__(self, params, lr: float = 1e-3, betas=(0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0):
        super().__init__(params, lr)
        self.b1, self.b2 = map(float, betas)
        self.eps, self.weight_decay = float(eps), float(weight_decay)
        self._m: dict[int, np.ndarray] = {}
        self._v: dict[int, np.ndarray] = {}
        self.t = 0

    def step(self) -> None:
        self.t += 1
        for i, p, g in self._grads():
            if self.weight_decay:
                g = g + self.weight_decay * p.data
            m = self.b1 * self._m.get(i, 0.0) + (1 - self.b1) * g
            v = self.b2 * self._v.get(i, 0.0) + (1 - self.b2) * g * g
            self._m[i], self._v[i] = m, v
            mhat = m / (1 - self.b1 ** self.t)
            vhat = v / (1 - self.b2 ** self.t)
            self._update(p, self.lr * mhat / (np.sqrt(vhat) + self.eps), "Adam.step")


def clip_grad_norm(params: Iterable[Tensor], max_norm: float) -> float:
    """Scale the gradients of ``params`` together so that their joint L2 norm is at most ``max_norm``, and
    return the norm they had (what ``torch.nn.utils.clip_grad_norm_`` does).

    A recurrent program multiplies one Jacobian per time step, so its gradient can grow without bound and
    throw training off in a single step; clipping caps the step's length and keeps its direction.

    >>> import dpviz as dp
    >>> w = dp.tensor([3.0, 4.0], requires_grad=True)
    >>> (w * w).sum().backward()                         # gradient (6, 8): norm 10
    >>> dp.optim.clip_grad_norm([w], 1.0), w.grad.round(6).tolist()
    (10.0, [0.6, 0.8])
    """
    if not max_norm > 0:
        raise DpvizError(f"max_norm must be positive; got {max_norm}")
    params = [p for p in params if p.grad is not None]
    grads = [p.grad.data if isinstance(p.grad, Tensor) else np.asarray(p.grad) for p in params]
    norm = float(np.sqrt(sum(float(np.sum(np.square(g))) for g in grads)))
    if not np.isfinite(norm):
        raise DpvizError(f"the gradient norm is {norm}: a gradient holds inf or NaN, so clipping cannot fix it; "
                         "look for a loss that overflowed (lower the learning rate or check the inputs)")
    if norm > max_norm:
        scale = max_norm / norm
        for p in params:
            p.grad = p.grad * scale          # a new array: a gradient may be shared with another tensor
    return norm
