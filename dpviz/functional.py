"""Function transformations: ``grad``, ``vjp``, ``jvp``, ``jacobian``, ``hvp``.

They take plain Python functions of tensors.  Called at top level they return
NumPy arrays.  Called inside another transformation (``dp.grad(dp.grad(f))``,
or a ``dp.grad`` inside a function being differentiated) they keep the graph of
their own backward pass, so the outer transformation can differentiate it -
that is how Hessians and hypergradients work.

>>> import dpviz as dp
>>> f = lambda x: x ** 3
>>> float(dp.grad(f)(2.0)), float(dp.grad(dp.grad(f))(2.0))
(12.0, 12.0)
"""
from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

from dpviz.context import STATE
from dpviz.errors import BackwardError, DpvizError, ShapeError, UnsupportedTypeError
from dpviz.node import value_of
from dpviz.primitives import clone, reshape, stack
from dpviz.program import trace
from dpviz.reverse import adjoints
from dpviz.tensors import Tensor, tensor


def _argnums(argnums, nargs: int) -> tuple[int, ...]:
    nums = (argnums,) if isinstance(argnums, (int, np.integer)) else tuple(argnums)
    for k in nums:
        if not isinstance(k, (int, np.integer)) or not -nargs <= k < nargs:
            raise DpvizError(f"argnums {argnums!r} does not fit a call with {nargs} positional argument(s)")
    return tuple(int(k) % nargs for k in nums)


def _leaf_for(a, nested: bool) -> Tensor:
    """A fresh leaf to differentiate with respect to (linked to ``a``'s graph when nested)."""
    if isinstance(a, Tensor):
        if a.dtype.kind != "f":
            raise ShapeError(f"cannot differentiate with respect to {a.node.describe()}: dtype {a.dtype}")
        if nested and a.requires_grad:
            return clone(a)           # gradients w.r.t. this copy still flow back into a's graph
        return tensor(a.data, name=a.name, requires_grad=True)
    arr = np.asarray(a)
    if arr.dtype.kind in "iub":
        arr = arr.astype(np.float64)
    if arr.dtype.kind != "f":
        raise UnsupportedTypeError(f"cannot differentiate with respect to a {type(a).__name__}; "
                                   "pass numbers, arrays or dpviz tensors")
    return tensor(arr, requires_grad=True)


def _run(f: Callable, args: tuple, argnums: tuple, kwargs: dict | None = None):
    if not callable(f):
        raise UnsupportedTypeError(f"expected a function; got {type(f).__name__}")
    nested = STATE.depth > 0 or any(isinstance(a, Tensor) and a.requires_grad for a in args)
    call = list(args)
    leaves = []
    for k in argnums:
        leaf = _leaf_for(args[k], nested)
        call[k] = leaf
        leaves.append(leaf)
    STATE.depth += 1
    try:
        out = f(*call, **(kwargs or {}))
    finally:
        STATE.depth -= 1
    return out, leaves, nested


def _is_constant(out) -> bool:
    """Whether ``f`` returned plain numbers: a result that does not depend on its inputs."""
    return isinstance(out, (np.ndarray, np.number, int, float)) and not isinstance(out, bool)


def _pull(out: Tensor, leaves: list, seed, nested: bool) -> list:
    if not isinstance(out, Tensor) or not out.requires_grad:
        return [np.zeros(leaf.shape) for leaf in leaves]
    STATE.depth += 1
    try:
        acc = adjoints({out.node: seed}, create_graph=nested, retain_graph=True,
                       stop={leaf.node for leaf in leaves}, handle=Tensor)
    finally:
        STATE.depth -= 1
    res = []
    for leaf in leaves:
        g = acc.get(leaf.node)
        if g is None:
            g = np.zeros(leaf.shape)
        elif not isinstance(g, Tensor):
            g = np.array(g, dtype=leaf.dtype)
        res.append(g)
    return res


def grad(f: Callable, argnums=0, has_aux: bool = False) -> Callable:
    """The gradient of a scalar function: ``dp.grad(f)(*args, **kwargs)``.

    ``argnums`` (an int or a tuple) says which positional arguments to differentiate; a tuple gives a
    tuple of gradients. Keyword arguments go to ``f`` as they are, not differentiated (sizes, flags,
    data). With ``has_aux=True``, ``f`` returns ``(scalar, aux)`` and the call returns
    ``(gradient, aux)``: a way to bring out a prediction or a metric computed on the way.

    >>> import dpviz as dp, numpy as np
    >>> dp.grad(lambda x: (x * x).sum())(np.array([1.0, 2.0]))
    array([2., 4.])
    >>> [float(g) for g in dp.grad(lambda a, b: a * b, argnums=(0, 1))(2.0, 3.0)]
    [3.0, 2.0]
    >>> dp.grad(lambda x, scale=1.0: (scale * x * x).sum())(np.array([1.0]), scale=3.0)
    array([6.])
    >>> g, aux = dp.grad(lambda x: ((x * x).sum(), "done"), has_aux=True)(np.array([1.0]))
    >>> g, aux
    (array([2.]), 'done')
    """
    return _gradient(f, argnums, "dp.grad", has_aux)


def _value_and_gradient(f: Callable, argnums, who: str, has_aux: bool) -> Callable:
    """The work of ``dp.grad`` and ``dp.value_and_grad``: a function of ``(args, kwargs)`` that returns
    ``(value, gradient(s), aux, nested)``; ``who`` is the transformation the error messages name."""
    def run(args: tuple, kwargs: dict):
        nums = _argnums(argnums, len(args))
        out, leaves, nested = _run(f, args, nums, kwargs)
        aux = None
        if has_aux:
            if not (isinstance(out, tuple) and len(out) == 2):
                raise BackwardError(f"{who}(f, has_aux=True) needs f to return a pair (scalar, aux); it "
                                    f"returned {type(out).__name__}")
            out, aux = out
        if isinstance(out, Tensor):
            if out.size != 1:
                raise BackwardError(f"{who} needs f to return a scalar; it returned shape {out.shape}. "
                                    "Reduce it (e.g. .sum()) or use dp.jacobian / dp.vjp.")
            seed = np.ones(out.shape, dtype=out.dtype)
        elif isinstance(out, (int, float, np.number)) or (isinstance(out, np.ndarray) and out.size == 1):
            seed = None      # f does not depend on its arguments: the gradient is zero
        else:
            raise BackwardError(f"{who} needs f to return a scalar tensor; it returned "
                                f"{type(out).__name__}" + ("" if has_aux or not isinstance(out, tuple) else
                                                           " (to return more, use has_aux=True)"))
        gs = _pull(out, leaves, seed, nested)
        return out, (gs[0] if isinstance(argnums, (int, np.integer)) else tuple(gs)), aux, nested
    return run


def _gradient(f: Callable, argnums, who: str, has_aux: bool = False) -> Callable:
    """``dp.grad``'s function (``dp.hvp`` builds one too, under its own name in the errors)."""
    core = _value_and_gradient(f, argnums, who, has_aux)

    def gradf(*args, **kwargs):
        _, gs, aux, _ = core(args, kwargs)
        return (gs, aux) if has_aux else gs

    gradf.__name__ = f"grad({getattr(f, '__name__', 'f')})"
    gradf.__doc__ = f"Gradient of {getattr(f, '__name__', 'f')} with respect to argument(s) {argnums}."
    return gradf


def value_and_grad(f: Callable, argnums=0, has_aux: bool = False) -> Callable:
    """Like :func:`grad`, but also returns ``f``'s value: ``(value, gradient)``, or with ``has_aux=True``
    ``((value, aux), gradient)``.

    >>> import dpviz as dp
    >>> v, g = dp.value_and_grad(lambda x: x * x)(3.0)
    >>> float(v), float(g)
    (9.0, 6.0)
    >>> (v, aux), g = dp.value_and_grad(lambda x: (x * x, x + 1), has_aux=True)(3.0)
    >>> float(v), float(aux), float(g)
    (9.0, 4.0, 6.0)
    """
    core = _value_and_gradient(f, argnums, "dp.value_and_grad", has_aux)

    def vg(*args, **kwargs):
        out, gs, aux, nested = core(args, kwargs)
        val = out.data if isinstance(out, Tensor) and not nested else out
        return ((val, aux) if has_aux else val), gs

    return vg


def vjp(f: Callable, *primals):
    """Reverse mode for any output shape: ``out, vjp_fn = dp.vjp(f, *primals)``.

    ``vjp_fn(cotangent)`` returns one gradient per primal: cotangentᵀ·∂f/∂primal.
    It can be called many times (the graph is kept).

    >>> import dpviz as dp, numpy as np
    >>> out, vjp_fn = dp.vjp(lambda x: x * np.array([1., 2.]), np.array([3., 4.]))
    >>> out, vjp_fn(np.array([1., 1.]))
    (array([3., 8.]), (array([1., 2.]),))
    """
    nums = tuple(range(len(primals)))
    out, leaves, nested = _run(f, primals, nums)
    if _is_constant(out):
        # f does not depend on its inputs (the gradient of a linear function, inside dp.hessian): every
        # cotangent pulls back to zero
        const = np.asarray(out, dtype=float)

        def zero_vjp(cotangent):
            if np.shape(value_of(cotangent)) != const.shape:
                raise ShapeError(f"the cotangent must have the output's shape {const.shape}; got "
                                 f"{np.shape(value_of(cotangent))}")
            return tuple(np.zeros(np.shape(value_of(p))) for p in primals)

        return const, zero_vjp
    if not isinstance(out, Tensor):
        raise BackwardError(f"dp.vjp needs f to return a dpviz tensor; got {type(out).__name__}")

    def vjp_fn(cotangent):
        ct = cotangent if (nested and isinstance(cotangent, Tensor)) else np.asarray(value_of(cotangent), dtype=out.dtype)
        if np.shape(ct) != out.shape:
            raise ShapeError(f"the cotangent must have the output's shape {out.shape}; got {np.shape(ct)}")
        return tuple(_pull(out, leaves, ct, nested))

    return (out if nested else out.data), vjp_fn


def jvp(f: Callable, primals: Sequence, tangents: Sequence):
    """Forward mode: ``out, tangent_out = dp.jvp(f, primals, tangents)``.

    The program is traced once and tangents are pushed forward through it with
    each op's JVP rule - no reverse pass.  ``tangent_out`` is ∂f/∂primals · tangents.

    >>> import dpviz as dp
    >>> out, t = dp.jvp(lambda x: x.sin(), (0.0,), (2.0,))
    >>> float(out), float(t)
    (0.0, 2.0)
    """
    if not isinstance(primals, (tuple, list)) or not isinstance(tangents, (tuple, list)):
        raise UnsupportedTypeError("dp.jvp(f, primals, tangents) takes primals and tangents as tuples")
    if len(primals) != len(tangents):
        raise DpvizError(f"dp.jvp: {len(primals)} primal(s) but {len(tangents)} tangent(s)")
    def f_traced(*xs):
        out = f(*xs)
        # an f that does not depend on its inputs (the gradient of a linear function, inside dp.hvp) returns
        # plain numbers: a constant output, whose tangent is zero
        if _is_constant(out):
            return tensor(np.asarray(out, dtype=float))
        return out

    prog = trace(f_traced, *[value_of(p) for p in primals])
    nested = STATE.depth > 0 or any(isinstance(x, Tensor) and x.requires_grad for x in (*primals, *tangents))
    args = list(primals) if nested else []
    out, t_out = prog.value_and_jvp(list(tangents), *args)
    if not nested:
        out = value_of(out) if not isinstance(out, tuple) else tuple(value_of(o) for o in out)
    return out, t_out


def jacobian(f: Callable, mode: str = "rev", argnums: int = 0) -> Callable:
    """The full Jacobian, of shape ``out.shape + arg.shape``, by rows (``"rev"``) or columns (``"fwd"``).

    Reverse mode needs one VJP per output element, forward mode one JVP per
    input element: pick the mode with the smaller count.

    >>> import dpviz as dp, numpy as np
    >>> J = dp.jacobian(lambda x: x * x, mode="fwd")(np.array([1., 2.]))
    >>> J
    array([[2., 0.],
           [0., 4.]])
    >>> np.allclose(J, dp.jacobian(lambda x: x * x, mode="rev")(np.array([1., 2.])))
    True
    """
    if mode not in ("fwd", "rev"):
        raise DpvizError(f"jacobian mode must be 'fwd' or 'rev'; got {mode!r}")
    if not isinstance(argnums, (int, np.integer)):
        raise DpvizError("dp.jacobian takes one argnum (an int)")

    def jac(*args):
        k = _argnums(argnums, len(args))[0]
        if STATE.depth > 0 or (isinstance(args[k], Tensor) and args[k].requires_grad):
            return _recorded_jacobian(f, args, k)
        x = np.asarray(value_of(args[k]), dtype=float)
        if mode == "rev":
            g = lambda xk: f(*args[:k], xk, *args[k + 1:])
            out, vjp_fn = vjp(g, x)
            out = np.asarray(value_of(out))
            rows = [value_of(vjp_fn(e.reshape(out.shape))[0]) for e in np.eye(out.size)]
            return np.asarray(rows).reshape(out.shape + x.shape)
        g = lambda xk: f(*args[:k], xk, *args[k + 1:])
        prog = trace(g, x)
        out_shape = prog.nodes[prog.outputs[0]].shape
        cols = [np.asarray(value_of(prog.jvp([e.reshape(x.shape)]))) for e in np.eye(x.size)]
        J = np.asarray(cols).reshape((x.size,) + out_shape)
        return np.moveaxis(J, 0, -1).reshape(out_shape + x.shape)
    return jac


def _recorded_jacobian(f: Callable, args: tuple, k: int) -> Tensor:
    """The Jacobian as a recorded tensor, for a ``dp.jacobian`` inside another transformation
    (``dp.grad``, ``dp.jacobian``, a trace), so that it can be differentiated again. Its rows
    are VJPs whose backward passes are recorded, stacked; both modes compute it so, since only
    reverse mode records its own work here."""
    g = lambda xk: f(*args[:k], xk, *args[k + 1:])
    out, vjp_fn = vjp(g, args[k])
    out_shape = np.shape(value_of(out))
    x_shape = np.shape(value_of(args[k]))
    rows = [vjp_fn(e.reshape(out_shape))[0] for e in np.eye(int(np.prod(out_shape, dtype=int)))]
    if not rows:
        return tensor(np.zeros(out_shape + x_shape))
    return reshape(stack([r if isinstance(r, Tensor) else tensor(r) for r in rows]), out_shape + x_shape)


def hessian(f: Callable, argnums: int = 0) -> Callable:
    """The Hessian of a scalar function, ``dp.jacobian`` of ``dp.grad``: shape ``x.shape + x.shape``.

    >>> import dpviz as dp, numpy as np
    >>> dp.hessian(lambda x: (x ** 3).sum() + x[0] * x[1])(np.array([1., 2.]))
    array([[ 6.,  1.],
           [ 1., 12.]])
    """
    return jacobian(grad(f, argnums=argnums), mode="rev", argnums=argnums)


def hvp(f: Callable, x, v):
    """Hessian-vector product H(x)·v of a scalar ``f``, forward-over-reverse.

    >>> import dpviz as dp, numpy as np
    >>> dp.hvp(lambda x: (x ** 3).sum(), np.array([1., 2.]), np.array([1., 0.]))
    array([6., 0.])
    """
    return value_of(jvp(_gradient(f, 0, "dp.hvp"), (x,), (v,))[1])
