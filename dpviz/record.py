"""``bind``: the one place where a primitive is applied to tensors and recorded in the graph.

Every op goes through :func:`bind`.  Given only NumPy arrays and numbers it just computes:
that is how the rules of the plain backward pass run.  Given any tensor it checks the
arguments, evaluates the primitive with :func:`forward` (the same evaluation a Program's
replay uses) and records a :class:`~dpviz.node.Node` when gradients are wanted, so that
the rules of ``create_graph=True`` record a differentiable backward pass.

>>> import dpviz as dp, numpy as np
>>> from dpviz.primitives import exp_p
>>> float(bind(exp_p, np.array(0.0)))
1.0
>>> bind(exp_p, dp.tensor(0.0, requires_grad=True)).op
'exp'
"""
from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from dpviz.context import STATE
from dpviz.errors import AnomalyError, DTypeError, DpvizError, ShapeError, UnsupportedTypeError
from dpviz.node import Handle, Node, VersionCounter, value_of


# ---------------------------------------------------------------------------------------------
# Turning user input into arrays: one place, so every op gives the same clear errors.


def check_dtype(arr: np.ndarray, what: str) -> np.ndarray:
    """Return ``arr`` if its dtype is one dpviz computes with (float, int, bool); else explain.

    >>> check_dtype(np.ones(2), "x").dtype
    dtype('float64')
    >>> check_dtype(np.array(["a"]), "the data")
    Traceback (most recent call last):
    ...
    dpviz.errors.DTypeError: the data has dtype <U1, which is not numeric; dpviz tensors hold floating-point numbers (and integers/bools for labels and masks).
    """
    kind = arr.dtype.kind
    if kind in "fiub":
        return arr
    if kind == "c":
        raise DTypeError(f"{what} is complex ({arr.dtype}); dpviz differentiates real numbers only. "
                         "Split it into real and imaginary parts.")
    raise DTypeError(f"{what} has dtype {arr.dtype}, which is not numeric; dpviz tensors hold "
                     "floating-point numbers (and integers/bools for labels and masks).")


def as_constant(a: Any, opname: str) -> Any:
    """A non-tensor operand of an op: Python numbers stay numbers, arrays are checked.

    >>> as_constant(2.0, "mul"), as_constant(np.ones(1), "mul")
    (2.0, array([1.]))
    >>> as_constant("2", "mul")
    Traceback (most recent call last):
    ...
    dpviz.errors.UnsupportedTypeError: 'mul' cannot take a str ('2'); dpviz ops take dpviz tensors, NumPy arrays or Python numbers. Wrap data in dp.tensor(...) first.
    """
    if isinstance(a, (bool, int, float)) or isinstance(a, np.generic):
        if isinstance(a, (complex, np.complexfloating)):
            raise DTypeError(f"'{opname}' got the complex number {a!r}; dpviz works with real numbers.")
        return a
    if isinstance(a, np.ndarray):
        return check_dtype(a, f"the array given to '{opname}'")
    if isinstance(a, numbers.Number):
        raise DTypeError(f"'{opname}' got {type(a).__name__} {a!r}; dpviz works with real numbers.")
    raise UnsupportedTypeError(
        f"'{opname}' cannot take a {type(a).__name__}"
        f"{' (' + repr(a)[:40] + ')' if not isinstance(a, (list, tuple)) else ''}; dpviz ops take dpviz "
        "tensors, NumPy arrays or Python numbers. Wrap data in dp.tensor(...) first.")


def _check_float_args(prim, args, raws) -> None:
    for k, (a, r) in enumerate(zip(args, raws)):
        if k in prim.nondiff:
            continue
        if isinstance(a, Handle) and r.dtype.kind != "f":
            raise DTypeError(
                f"'{prim.name}' needs floating-point data, but its argument {k} "
                f"{a._node.describe()} has dtype {r.dtype}. Convert it with .float() "
                "or create it with dp.tensor(..., dtype=float).")


# ---------------------------------------------------------------------------------------------
# Evaluating a primitive: the eager forward pass and a Program's replay both come here.


def _fmt_params(params) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in params.items())


def _explain(prim, raws, params, err: Exception) -> DpvizError:
    shapes = " and ".join(str(np.shape(r)) for r in raws)
    msg = str(err).split("\n")[0]
    if isinstance(err, IndexError):
        return ShapeError(f"'{prim.name}': index {params.get('index')!r} does not fit shape "
                          f"{np.shape(raws[0])}: {msg}")
    extra = f" with {_fmt_params(params)}" if params else ""
    return ShapeError(f"'{prim.name}' cannot combine shapes {shapes}{extra}: {msg}. {_advice(prim.name, raws)}")


def _advice(opname: str, raws) -> str:
    """What to check when ``opname`` refuses its operands' shapes: advice that fits the op.

    >>> _advice("matmul", [np.ones(3), 2.0])
    'matmul multiplies matrices and vectors; to scale by a number, use * instead of @.'
    >>> _advice("add", [np.ones(2), np.ones(3)])
    'Elementwise ops broadcast: shapes are aligned from the last axis, and each pair of sizes must be equal or 1.'
    """
    if opname == "matmul":
        if any(np.ndim(r) == 0 for r in raws):
            return "matmul multiplies matrices and vectors; to scale by a number, use * instead of @."
        return "matmul needs the last axis of the left operand to equal the second-to-last axis of the right."
    if opname in ("add", "sub", "mul", "div", "pow", "where", "maximum", "minimum"):
        return ("Elementwise ops broadcast: shapes are aligned from the last axis, and each pair of sizes "
                "must be equal or 1.")
    return "Check the operands' shapes against what this op expects."


def check_finite(arr, opname: str, phase: str, params=None, culprit: str = "") -> None:
    """Raise AnomalyError when ``arr`` holds NaN or inf (used under ``dp.detect_anomaly``).

    >>> check_finite(np.ones(2), "exp", "forward")
    >>> check_finite(np.array([np.inf]), "exp", "forward")
    Traceback (most recent call last):
    ...
    dpviz.errors.AnomalyError: detect_anomaly: the forward pass of 'exp' produced inf. Check this op's inputs (e.g. log of a non-positive number, division by zero, overflow in exp).
    """
    raw = np.asarray(value_of(arr))
    if raw.dtype.kind == "f" and not np.isfinite(raw).all():
        bad = "NaN" if np.isnan(raw).any() else "inf"
        where = f" in scope '{STATE.scope}'" if STATE.scope and phase == "forward" else ""
        raise AnomalyError(
            f"detect_anomaly: the {phase} pass of '{opname}'{culprit}{where} produced {bad}"
            f"{(' (params ' + _fmt_params(params) + ')') if params else ''}. Check this op's inputs "
            "(e.g. log of a non-positive number, division by zero, overflow in exp).")


def forward(prim, raws, params, culprit: str = "") -> np.ndarray:
    """``prim.forward(*raws, **params)`` as an array, NumPy's errors explained, NaN/inf caught in anomaly mode.

    ``culprit`` names the node for the anomaly message (a Program's replay passes its index).

    >>> from dpviz.primitives import add_p
    >>> forward(add_p, [np.ones(2), 1.0], {})
    array([2., 2.])
    >>> forward(add_p, [np.ones(2), np.ones(3)], {})
    Traceback (most recent call last):
    ...
    dpviz.errors.ShapeError: 'add' cannot combine shapes (2,) and (3,): operands could not be broadcast together with shapes (2,) (3,) . Elementwise ops broadcast: shapes are aligned from the last axis, and each pair of sizes must be equal or 1.
    """
    try:
        out = prim.forward(*raws, **params)
    except (ValueError, IndexError, TypeError) as e:
        raise _explain(prim, raws, params, e) from None
    if type(out) is not np.ndarray:
        out = np.asarray(out)
    if STATE.anomaly:
        check_finite(out, prim.name, "forward", params, culprit)
    return out


# ---------------------------------------------------------------------------------------------
# bind: apply a primitive, record the node.


#: Turns a (nested) list or tuple holding tensors into one recorded tensor (a stack). The
#: primitives module sets it: stacking is an op, and ops are defined above this module.
stack_nested: Any = None


def holds_tensor(data: Any) -> bool:
    """Whether a (nested) list or tuple holds a dpviz tensor anywhere.

    >>> import dpviz as dp
    >>> holds_tensor([1.0, [2.0, dp.tensor(3.0)]]), holds_tensor([1.0, (2.0,)])
    (True, False)
    """
    if isinstance(data, Handle):
        return True
    if isinstance(data, (list, tuple)):
        return any(holds_tensor(d) for d in data)
    return False


def bind(prim, *args, **params):
    """Apply primitive ``prim`` to ``args``: NumPy in, NumPy out; any tensor in, a tensor out.

    With a tensor among the arguments, the result is recorded as a node whose parents are
    the arguments' nodes (constants stay raw values) when any of them requires grad, or
    when the result is a view of the first argument (a later write through the view must
    reach its base).  Otherwise the result is a constant tensor.

    >>> import dpviz as dp
    >>> from dpviz.primitives import mul_p
    >>> y = bind(mul_p, dp.tensor(2.0, requires_grad=True), 3.0)
    >>> y.op, y.node.parents[1], float(y)
    ('mul', 3.0, 6.0)
    """
    for first in args:
        if isinstance(first, Handle):
            break
    else:
        if any(isinstance(a, (list, tuple)) and holds_tensor(a) for a in args):
            # dp.mean([x, x + 2]): a list of tensors is stacked (recorded), never read as plain numbers
            return bind(prim, *[stack_nested(a) if isinstance(a, (list, tuple)) and holds_tensor(a) else a
                                for a in args], **params)
        return prim.forward(*args, **params)

    raws = []
    rg = False
    not_float = False
    for a in args:
        if isinstance(a, Handle):
            n = a._node
            if n.vc.version != n.ver and (n.requires_grad or n.vc.recorded):
                n = a._catch_up(prim.name)
            if n.requires_grad:
                rg = True
            raw = n.value
            if raw.dtype.kind != "f":
                not_float = True
            raws.append(raw)
        elif type(a) is float:          # the common constant (x * 2.0): nothing to check
            raws.append(a)
        else:
            raws.append(as_constant(a, prim.name))
    if not_float and prim.float_only:
        _check_float_args(prim, args, raws)
    out = forward(prim, raws, params)
    shares = prim.view and isinstance(args[0], Handle) and np.may_share_memory(out, raws[0])
    if STATE.grad_enabled and (rg or shares):
        # a view is recorded even without grad: a later write through it must reach its base
        parents = tuple(a._node if isinstance(a, Handle) else a for a in args)
        vc = parents[0].vc if shares else VersionCounter()
        node = Node(prim, prim.name, parents, params, out, rg, vc)
        if prim.saves:
            node.saved_ver = tuple(p.vc.version if isinstance(p, Node) else 0 for p in parents)
    else:
        vc = args[0]._node.vc if shares else VersionCounter()
        node = Node(None, "const", (), None, out, False, vc, kind="const")
    # One class of tensor exists (dpviz.tensors.Tensor); making the result of the argument's
    # class spares this module from importing the one that builds on it.
    t = object.__new__(type(first))
    t._node = node
    return t
