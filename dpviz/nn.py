"""Modules: named parameters, layers, and scopes that group their nodes in pictures.

>>> import dpviz as dp, numpy as np
>>> mlp = dp.nn.MLP([2, 16, 16, 1], seed=0)
>>> [name for name, _ in mlp.named_parameters()][:2]
['mlp.layer0.weight', 'mlp.layer0.bias']
>>> mlp(dp.tensor(np.ones((5, 2)))).scope
'mlp/layer2'
"""
from __future__ import annotations

from typing import Callable, Iterator, Sequence

import numpy as np

from dpviz.context import scope
from dpviz.errors import DpvizError, ShapeError
from dpviz.tensors import Tensor, tensor


class _ParameterKind(type):
    # isinstance(t, Parameter) asks whether the tensor's leaf node is a parameter.  Parameters
    # are plain Tensors (so that w * x is a Tensor, not a Parameter); the mark is on the node.
    def __instancecheck__(cls, obj) -> bool:
        return isinstance(obj, Tensor) and obj.node.kind == "param"


class Parameter(metaclass=_ParameterKind):
    """A leaf tensor that requires grad and is drawn (and traced) as a parameter.

    ``Parameter(data, name=None)`` makes a :class:`~dpviz.tensors.Tensor` of float data
    whose node has kind ``"param"``; ``isinstance(t, dp.nn.Parameter)`` tells whether a
    tensor is one.

    >>> import dpviz as dp
    >>> p = dp.nn.Parameter([1.0, 2.0], name="w")
    >>> p.requires_grad, p.node.kind, isinstance(p, dp.nn.Parameter), isinstance(p * 2, dp.nn.Parameter)
    (True, 'param', True, False)
    """

    def __new__(cls, data, name: str | None = None) -> Tensor:  # type: ignore[misc]
        t = tensor(np.asarray(data, dtype=float), name=name, requires_grad=True)
        t.node.kind = "param"
        t.node.op = "param"
        return t


class Module:
    """Base class: assign Parameters and Modules as attributes; write ``forward``.

    Calling a module runs ``forward`` inside ``dp.scope(<its name>)``, so its
    nodes form one cluster in ``dp.draw``.  Parameter names are qualified by the
    path of attribute names (``mlp.layer0.weight``).

    >>> import dpviz as dp
    >>> class Scale(dp.nn.Module):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.a = dp.nn.Parameter(2.0)
    ...     def forward(self, x):
    ...         return self.a * x
    >>> m = Scale()
    >>> float(m(dp.tensor(3.0)).data), [n for n, _ in m.named_parameters()]
    (6.0, ['scale.a'])
    """

    def __init__(self, name: str | None = None):
        object.__setattr__(self, "_params", {})
        object.__setattr__(self, "_modules", {})
        object.__setattr__(self, "name", name or type(self).__name__.lower())
        self._rename()

    def __setattr__(self, key: str, value) -> None:
        if "_params" not in self.__dict__:
            raise DpvizError(f"{type(self).__name__}.__init__ must call super().__init__() first")
        if isinstance(value, Parameter):
            self._params[key] = value
        elif isinstance(value, Module):
            object.__setattr__(value, "name", key)
            self._modules[key] = value
        object.__setattr__(self, key, value)
        if isinstance(value, (Tensor, Module)):
            self._rename()

    def _rename(self, prefix: str | None = None) -> None:
        prefix = prefix or self.name
        for k, p in self._params.items():
            p.name = f"{prefix}.{k}"
        for k, m in self._modules.items():
            m._rename(f"{prefix}.{k}")

    def named_parameters(self) -> Iterator[tuple[str, Tensor]]:
        """(qualified name, parameter) pairs, depth first in assignment order.

        >>> import dpviz as dp
        >>> [n for n, _ in dp.nn.Linear(2, 3, seed=0).named_parameters()]
        ['linear.weight', 'linear.bias']
        """
        for p in self._params.values():
            yield p.name, p
        for m in self._modules.values():
            yield from m.named_parameters()

    def parameters(self) -> list[Tensor]:
        """All parameters, as a list (what optimisers take).

        >>> import dpviz as dp
        >>> len(dp.nn.MLP([2, 3, 1], seed=0).parameters())
        4
        """
        return [p for _, p in self.named_parameters()]

    def zero_grad(self) -> None:
        """Set every parameter's ``.grad`` to None.

        >>> import dpviz as dp
        >>> dp.nn.Linear(1, 1, seed=0).zero_grad()
        """
        for p in self.parameters():
            p.zero_grad()

    def num_parameters(self) -> int:
        """The number of scalar parameters.

        >>> import dpviz as dp
        >>> dp.nn.Linear(2, 3, seed=0).num_parameters()
        9
        """
        return int(sum(p.size for p in self.parameters()))

    def forward(self, *args):
        """What the module computes; every subclass defines it (calling the module runs it in its scope).

        >>> import dpviz as dp
        >>> dp.nn.Module().forward(1.0)
        Traceback (most recent call last):
        ...
        NotImplementedError: Module must define forward()
        """
        raise NotImplementedError(f"{type(self).__name__} must define forward()")

    def __call__(self, *args, **kwargs):
        with scope(self.name):
            return self.forward(*args, **kwargs)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r}, parameters={self.num_parameters()})"


class Linear(Module):
    """``y = x @ W + b`` with W of shape (in, out), initialised U(-1/√in, 1/√in) as in PyTorch.

    >>> import dpviz as dp, numpy as np
    >>> dp.nn.Linear(2, 3, seed=0)(dp.tensor(np.ones((4, 2)))).shape
    (4, 3)
    """

    def __init__(self, n_in: int, n_out: int, bias: bool = True, seed: int | None = None,
                 name: str | None = None):
        super().__init__(name)
        if n_in < 1 or n_out < 1:
            raise ShapeError(f"Linear needs positive sizes; got {n_in} -> {n_out}")
        rng = np.random.default_rng(seed)
        bound = 1.0 / np.sqrt(n_in)
        self.n_in, self.n_out = n_in, n_out
        self.weight = Parameter(rng.uniform(-bound, bound, (n_in, n_out)))
        self.bias = Parameter(rng.uniform(-bound, bound, (n_out,))) if bias else None

    def forward(self, x):
        """``x @ weight + bias`` for inputs whose last axis has ``n_in`` entries.

        >>> import dpviz as dp, numpy as np
        >>> lin = dp.nn.Linear(2, 1, bias=False, seed=0)
        >>> np.allclose(lin.forward(dp.tensor([1.0, 0.0])).data, lin.weight.data[0])
        True
        """
        if np.shape(x)[-1:] != (self.n_in,):
            raise ShapeError(f"{self.name}: Linear({self.n_in}, {self.n_out}) needs inputs whose last axis "
                             f"is {self.n_in}; got shape {np.shape(x)}")
        y = x @ self.weight
        return y + self.bias if self.bias is not None else y


_ACTIVATIONS: dict[str, Callable] = {
    "relu": lambda t: t.relu(), "tanh": lambda t: t.tanh(), "sigmoid": lambda t: t.sigmoid(),
}


class MLP(Module):
    """A stack of Linear layers with an activation between them (none after the last).

    >>> import dpviz as dp, numpy as np
    >>> mlp = dp.nn.MLP([2, 16, 16, 1], activation="relu", seed=1)
    >>> mlp.num_parameters()
    337
    """

    def __init__(self, sizes: Sequence[int], activation: str = "relu", seed: int | None = None,
                 name: str | None = None):
        super().__init__(name)
        if len(sizes) < 2:
            raise ShapeError(f"MLP needs at least an input and an output size; got {list(sizes)}")
        if activation not in _ACTIVATIONS:
            raise DpvizError(f"unknown activation {activation!r}; choose from {sorted(_ACTIVATIONS)}")
        self.activation = activation
        rng = np.random.default_rng(seed)
        self.layers = []
        for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
            layer = Linear(a, b, seed=int(rng.integers(2**31)))
            setattr(self, f"layer{i}", layer)
            self.layers.append(layer)

    def forward(self, x):
        """The layers in turn, the activation between them.

        >>> import dpviz as dp
        >>> mlp = dp.nn.MLP([3, 4, 2], seed=0)
        >>> [n.op for n in dp.trace(lambda x: mlp.forward(x), [1.0, 2.0, 3.0]).nodes if n.kind == "op"]
        ['matmul', 'add', 'relu', 'matmul', 'add']
        """
        act = _ACTIVATIONS[self.activation]
        for i, layer in enumerate(self.layers):
            x = layer(x)
            if i < len(self.layers) - 1:
                x = act(x)
        return x
