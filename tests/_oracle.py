"""Shared helpers for the oracle tests: PyTorch (float64) and finite differences judge dpviz.

Every primitive gets a *case strategy*: a hypothesis strategy that draws shapes
and static parameters (axes, indices, masks) and returns a :class:`Case` - the
same computation written once with dpviz and once with torch - plus the value
specs of its differentiable arguments.  The test files draw values for those
specs and compare first-order (VJP/JVP), replay and second-order results.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import torch
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import dpviz as dp

torch.set_num_threads(1)

RTOL = 1e-7
ATOL = 1e-9

# Modest example counts: every test file here runs in CI, whole.  A deeper local hunt:
# DPVIZ_ORACLE_EXAMPLES=300 pytest tests/test_oracle_vjp_jvp.py
EXAMPLES = int(os.environ.get("DPVIZ_ORACLE_EXAMPLES", "20"))
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, derandomize=False,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.filter_too_much])


def T(a, requires_grad: bool = False) -> torch.Tensor:
    """A float64 torch tensor holding a copy of ``a``."""
    t = torch.tensor(np.array(a, dtype=np.float64), dtype=torch.float64)
    return t.requires_grad_(True) if requires_grad else t


def npy(x) -> np.ndarray:
    """Plain float64 NumPy values of a torch tensor, dpviz tensor, array or None."""
    if isinstance(x, torch.Tensor):
        return x.detach().cpu().numpy()
    if isinstance(x, dp.Tensor):
        return np.asarray(x.data)
    return np.asarray(x, dtype=np.float64)


def close(actual, expected, what: str, rtol: float = RTOL, atol: float = ATOL) -> None:
    """assert_allclose with shapes checked too (a (3,) gradient for a (1, 3) input is a bug)."""
    a, e = npy(actual), npy(expected)
    assert a.shape == e.shape, f"{what}: shape {a.shape} != expected {e.shape}"
    np.testing.assert_allclose(a, e, rtol=rtol, atol=atol, err_msg=what)


# ---------------------------------------------------------------------------------------------
# Values.  Domains are kept where the derivative exists and is well conditioned.

_ELEMENTS = {
    "real": st.floats(-2.0, 2.0, allow_subnormal=False),
    "pos": st.floats(0.2, 3.0),                        # log, sqrt, pow base, ...
    "nonzero": st.one_of(st.floats(0.1, 2.0), st.floats(-2.0, -0.1)),   # relu/abs off their kink, divisors
    "unique": st.floats(-2.0, 2.0, allow_subnormal=False),            # max without ties
    "logits": st.floats(-4.0, 4.0, allow_subnormal=False),
    "small": st.floats(-1.2, 1.2, allow_subnormal=False),            # tan, away from its poles at ±π/2
    # distinct and not absurdly close (a spread of 1e-265 squares to 0): std away from zero spread
    "spread": st.integers(-20, 20).map(lambda k: k / 10.0),
}


def values(shape: tuple, kind: str = "real"):
    """Strategy for a float64 array of ``shape`` whose elements suit ``kind``."""
    return hnp.arrays(np.float64, shape, elements=_ELEMENTS[kind], fill=st.nothing(),
                      unique=kind in ("unique", "spread"))


@dataclass
class Case:
    """One computation written twice.  ``specs`` lists (shape, kind) of the differentiable inputs."""

    name: str
    f_dp: Callable
    f_torch: Callable
    specs: list
    info: dict = field(default_factory=dict)

    def __repr__(self) -> str:
        return f"Case({self.name}, specs={self.specs}, {self.info})"


def draw_args(draw, case: Case) -> list:
    return [draw(values(shp, kind)) for shp, kind in case.specs]


# ---------------------------------------------------------------------------------------------
# Shapes.

def shapes(min_dims=0, max_dims=3, min_side=1, max_side=4):
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side)


def two_broadcastable(max_dims=3, min_side=1):
    return hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=max_dims,
                                             min_side=min_side, max_side=3)


def _axis_spec(draw, nd: int):
    """None, an int (possibly negative) or a non-empty tuple of distinct axes (possibly negative)."""
    if nd == 0:
        return None
    choice = draw(st.sampled_from(["none", "int", "tuple"]))
    if choice == "none":
        return None
    if choice == "int":
        return draw(st.integers(-nd, nd - 1))
    axes = draw(st.lists(st.integers(0, nd - 1), min_size=1, max_size=nd, unique=True))
    return tuple(a - nd if draw(st.booleans()) else a for a in axes)


def _torch_dims(axis, nd: int):
    return tuple(range(nd)) if axis is None else axis


# ---------------------------------------------------------------------------------------------
# The cases, one per primitive (several for the ones with many forms).

_BINARY = {
    "add": (lambda a, b: a + b, lambda a, b: a + b, "real", "real"),
    "sub": (lambda a, b: a - b, lambda a, b: a - b, "real", "real"),
    "mul": (lambda a, b: a * b, lambda a, b: a * b, "real", "real"),
    "div": (lambda a, b: a / b, lambda a, b: a / b, "real", "nonzero"),
    # b = 0 exactly is left to the tests of pow at 0: there torch's *second* derivative masks
    # ∂(aᵇ)/∂a to 0 by a where(), so its ∂²/∂a∂b is 0 instead of 1/a
    "pow": (lambda a, b: a ** b, lambda a, b: a ** b, "pos", "nonzero"),
    # ties (where each side gets half the gradient) have probability 0 here; a test below checks them
    "maximum": (dp.maximum, torch.maximum, "real", "real"),
    "minimum": (dp.minimum, torch.minimum, "real", "real"),
}


def binary_case(name: str, min_side: int = 1):
    f_dp, f_t, ka, kb = _BINARY[name]

    @st.composite
    def strat(draw):
        (sa, sb), _ = draw(two_broadcastable(min_side=min_side))
        return Case(name, f_dp, f_t, [(sa, ka), (sb, kb)])
    return strat()


@st.composite
def const_operand_case(draw):
    """Ops with a Python-number or NumPy-array constant on either side (the __r*__ methods)."""
    shp = draw(shapes())
    c = draw(st.floats(0.5, 2.0))
    arr = draw(values(draw(st.sampled_from([(), shp[-1:] if shp else ()])), "nonzero"))
    form = draw(st.sampled_from(["radd", "rsub", "rmul", "rdiv", "sub_c", "div_c", "arr_mul", "arr_rdiv",
                                 "pow_int", "pow_half", "rpow"]))
    kind = "pos" if form == "pow_half" else ("nonzero" if form in ("rdiv", "arr_rdiv") else "real")
    fs = {
        "radd": (lambda x: c + x, lambda x: c + x),
        "rsub": (lambda x: c - x, lambda x: c - x),
        "rmul": (lambda x: c * x, lambda x: c * x),
        "rdiv": (lambda x: c / x, lambda x: c / x),
        "sub_c": (lambda x: x - c, lambda x: x - c),
        "div_c": (lambda x: x / c, lambda x: x / c),
        "arr_mul": (lambda x: arr * x, lambda x: T(arr) * x),
        "arr_rdiv": (lambda x: arr / x, lambda x: T(arr) / x),
        "pow_int": (lambda x: x ** 3, lambda x: x ** 3),          # negative bases too
        "pow_half": (lambda x: x ** 0.5, lambda x: x ** 0.5),
        "rpow": (lambda x: c ** x, lambda x: c ** x),
    }
    f_dp, f_t = fs[form]
    tarr = T(arr)
    if form.startswith("arr_"):
        f_t = (lambda x: tarr * x) if form == "arr_mul" else (lambda x: tarr / x)
    return Case("const_" + form, f_dp, f_t, [(shp, kind)], {"c": c, "arr": arr})


_UNARY = {
    "neg": (lambda x: -x, lambda x: -x, "real"),
    "exp": (dp.exp, torch.exp, "real"),
    "log": (dp.log, torch.log, "pos"),
    "sqrt": (dp.sqrt, torch.sqrt, "pos"),
    "abs": (dp.abs, torch.abs, "nonzero"),
    "tanh": (dp.tanh, torch.tanh, "real"),
    "sigmoid": (dp.sigmoid, torch.sigmoid, "real"),
    "relu": (dp.relu, torch.relu, "nonzero"),
    "sin": (dp.sin, torch.sin, "real"),
    "cos": (dp.cos, torch.cos, "real"),
    "square": (dp.square, torch.square, "real"),
    "tan": (dp.tan, torch.tan, "small"),
    "sinh": (dp.sinh, torch.sinh, "real"),
    "cosh": (dp.cosh, torch.cosh, "real"),
    "log1p": (dp.log1p, torch.log1p, "pos"),
    "expm1": (dp.expm1, torch.expm1, "real"),
    "log2": (dp.log2, torch.log2, "pos"),
    "log10": (dp.log10, torch.log10, "pos"),
    "clip": (lambda x: dp.clip(x, -0.5, 0.5), lambda x: x.clamp(-0.5, 0.5), "real"),
    "cumsum": (dp.cumsum, lambda x: torch.cumsum(x.reshape(-1), 0), "real"),
    "var": (dp.var, lambda x: x.var(unbiased=False), "real"),
    "std": (dp.std, lambda x: x.std(unbiased=False), "real"),
    "logsumexp": (dp.logsumexp, lambda x: torch.logsumexp(x.reshape(-1), 0), "real"),
    "min": (dp.min, lambda x: x.min(), "unique"),
    "norm": (dp.norm, lambda x: x.reshape(-1).norm(), "nonzero"),
}


@st.composite
def std_case(draw):
    """std at zero spread (one element, or all equal) has an infinite derivative: distinct values, ≥ 2 of them."""
    shp = draw(st.sampled_from([(2,), (3,), (2, 3), (4, 1, 2)]))
    return Case("std", dp.std, lambda x: x.std(unbiased=False), [(shp, "spread")])


def unary_case(name: str, min_side: int = 1):
    f_dp, f_t, kind = _UNARY[name]

    @st.composite
    def strat(draw):
        return Case(name, f_dp, f_t, [(draw(shapes(max_dims=3, min_side=min_side)), kind)])
    return strat()


@st.composite
def method_case(draw):
    """The Tensor methods (x.exp(), x.sum(...), x.T, ...) route to the same primitives."""
    shp = draw(shapes(min_dims=2, max_dims=3))
    form = draw(st.sampled_from(["exp", "tanh", "sum", "mean", "T", "abs", "pos"]))
    fs = {
        "exp": (lambda x: x.exp(), lambda x: x.exp(), "real"),
        "tanh": (lambda x: x.tanh(), lambda x: x.tanh(), "real"),
        "sum": (lambda x: x.sum(axis=1, keepdims=True), lambda x: x.sum(dim=1, keepdim=True), "real"),
        "mean": (lambda x: x.mean(axis=-1), lambda x: x.mean(dim=-1), "real"),
        "T": (lambda x: x.T, lambda x: x.permute(*reversed(range(x.ndim))), "real"),
        "abs": (lambda x: abs(x), lambda x: abs(x), "nonzero"),
        "pos": (lambda x: +x * 1.0, lambda x: +x * 1.0, "real"),
    }
    f_dp, f_t, kind = fs[form]
    return Case("method_" + form, f_dp, f_t, [(shp, kind)])


@st.composite
def matmul_case(draw):
    # numpy's matmul signature: 1-D operands are promoted and the promoted axis dropped again
    form = draw(st.sampled_from(["vv", "mv", "vm", "mm", "batched", "batched_v", "v_batched"]))
    sig = {"vv": "(k),(k)->()", "mv": "(n,k),(k)->(n)", "vm": "(k),(k,m)->(m)",
           "mm": "(n,k),(k,m)->(n,m)", "batched": "(n,k),(k,m)->(n,m)",
           "batched_v": "(n,k),(k)->(n)", "v_batched": "(k),(k,m)->(m)"}[form]
    batch = form in ("batched", "batched_v", "v_batched")
    (sa, sb), _ = draw(hnp.mutually_broadcastable_shapes(
        signature=sig, min_dims=0, max_dims=2 if batch else 0, min_side=1, max_side=3))
    if form == "batched_v":
        sb = sb[-1:]          # only the matrix side may carry batch axes
    if form == "v_batched":
        sa = sa[-1:]
    return Case("matmul_" + form, dp.matmul, torch.matmul, [(sa, "real"), (sb, "real")],
                {"shapes": (sa, sb)})


def _torch_prod(x, dims, keep: bool, nd: int):
    if dims is None:
        out = x.prod()
        return out.reshape((1,) * nd) if keep else out
    dims = (dims,) if isinstance(dims, int) else dims
    for d in sorted({d % max(nd, 1) for d in dims}, reverse=True):
        x = x.prod(dim=d, keepdim=keep) if nd else x
    return x


def reduce_case(op: str):
    @st.composite
    def strat(draw):
        shp = draw(shapes(min_dims=0, max_dims=4, max_side=3))
        nd = len(shp)
        axis = _axis_spec(draw, nd)
        keep = draw(st.booleans())
        dims = _torch_dims(axis, nd)
        f_dp = {"sum": dp.sum, "mean": dp.mean, "max": dp.max, "prod": dp.prod}[op]
        if op == "prod":        # torch.prod takes one dim at a time; zeros are drawn too (hypothesis likes 0)
            f_t = lambda x: _torch_prod(x, dims, keep, nd)
        elif op == "max":
            f_t = lambda x: torch.amax(x, dim=dims, keepdim=keep)       # ties share the gradient
        elif op == "sum":
            f_t = lambda x: torch.sum(x, dim=dims, keepdim=keep)
        else:
            f_t = lambda x: torch.mean(x, dim=dims, keepdim=keep)
        return Case(op, lambda x: f_dp(x, axis=axis, keepdims=keep), f_t,
                    [(shp, "unique" if op == "max" else "real")], {"axis": axis, "keepdims": keep})
    return strat()


@st.composite
def reshape_case(draw):
    shp = draw(shapes(min_dims=0, max_dims=4, max_side=3))
    size = int(np.prod(shp))
    options = [(size,), (-1,), tuple(reversed(shp)), shp + (1,), (1,) + shp, ()]
    if len(shp) >= 2:
        options += [(shp[0], -1), (-1, shp[-1]), (shp[0] * shp[1],) + shp[2:]]
    target = draw(st.sampled_from([o for o in options if o != () or size == 1]))
    real = tuple(size // max(1, int(np.prod([s for s in target if s != -1]))) if s == -1 else s
                 for s in target)
    return Case("reshape", lambda x: dp.reshape(x, target), lambda x: torch.reshape(x, real),
                [(shp, "real")], {"target": target})


@st.composite
def transpose_case(draw):
    shp = draw(shapes(min_dims=0, max_dims=4, max_side=3))
    nd = len(shp)
    if draw(st.booleans()) or nd == 0:
        axes = None
        perm = tuple(reversed(range(nd)))
    else:
        perm = tuple(draw(st.permutations(range(nd))))
        axes = tuple(a - nd if draw(st.booleans()) else a for a in perm)
    return Case("transpose", lambda x: dp.transpose(x, axes), lambda x: x.permute(perm),
                [(shp, "real")], {"axes": axes})


def _flat_positions(shp, index) -> np.ndarray:
    """Which flat positions ``x[index]`` reads: NumPy itself says, so torch can gather them."""
    return np.array(np.arange(int(np.prod(shp)), dtype=np.int64).reshape(shp)[index], copy=True)


def _np_index(index):
    """The same index as NumPy takes it (lists and dpviz int tensors become arrays)."""
    if isinstance(index, dp.Tensor):
        return np.asarray(index.data)
    return np.asarray(index) if isinstance(index, list) else index


def _torch_gather(shp, index):
    pos = torch.from_numpy(_flat_positions(shp, index))
    return lambda x: x.reshape(-1)[pos]


@st.composite
def index_for(draw, shp, allow_repeats: bool = True):
    """An index of one of the forms getitem supports (ints, slices, None, ..., arrays, masks)."""
    nd = len(shp)
    forms = ["basic"]
    if nd >= 1:
        forms += ["int_array", "bool_full", "bool_first", "mixed", "list", "tensor"]
    form = draw(st.sampled_from(forms))
    if form == "basic":
        # ints (negative too), slices with negative steps, None and Ellipsis
        return form, draw(hnp.basic_indices(shp, allow_newaxis=True, allow_ellipsis=True))
    if form == "int_array":
        if allow_repeats:
            return form, draw(hnp.integer_array_indices(shp, result_shape=shapes(1, 2, 1, 4)))
        perm = draw(st.permutations(range(shp[0])))
        k = draw(st.integers(1, shp[0]))
        return form, (np.array(perm[:k]) - draw(st.sampled_from([0, shp[0]])),)
    if form == "bool_full":
        return form, draw(hnp.arrays(bool, shp))
    if form == "bool_first":
        return form, (draw(hnp.arrays(bool, shp[:1])), Ellipsis)
    if form == "tensor":        # an integer dpviz tensor as the index (labels picked by a tensor)
        n = shp[0]
        idx = draw(st.lists(st.integers(-n, n - 1), min_size=1, max_size=4, unique=not allow_repeats))
        if not allow_repeats:
            idx = list({i % n: i for i in idx}.values())
        return form, dp.tensor(np.array(idx, dtype=np.int64))
    if form == "list":
        n = shp[0]
        idx = draw(st.lists(st.integers(-n, n - 1), min_size=1, max_size=4, unique=not allow_repeats))
        if not allow_repeats:
            idx = list({i % n: i for i in idx}.values())
        return form, idx
    # mixed: an index array on one axis (the first or the second), a slice / int on the others
    ax = 1 if nd >= 2 and draw(st.booleans()) else 0
    n = shp[ax]
    arr = np.array(draw(st.lists(st.integers(-n, n - 1), min_size=1, max_size=3,
                                 unique=not allow_repeats)))
    if not allow_repeats:
        arr = np.array(list({int(i) % n: int(i) for i in arr}.values()))
    rest = [draw(st.sampled_from([slice(None), slice(None, None, -1), 0, -1])) for _ in range(nd)]
    rest[ax] = arr
    return form, tuple(rest)


@st.composite
def getitem_case(draw):
    shp = draw(shapes(min_dims=0, max_dims=3, max_side=4))
    form, index = draw(index_for(shp))
    gather = _torch_gather(shp, _np_index(index))
    return Case("getitem_" + form, lambda x: x[index], gather, [(shp, "real")], {"index": index})


@st.composite
def setitem_case(draw):
    """``y[index] = v`` on a non-leaf y; no repeated positions (torch leaves those undefined)."""
    shp = draw(shapes(min_dims=1, max_dims=3, max_side=4))
    form, index = draw(index_for(shp, allow_repeats=False))
    npidx = _np_index(index)
    pos = _flat_positions(shp, npidx)
    target = pos.shape
    # a value shape that broadcasts *to* the target: a suffix of it, some axes squeezed to 1
    keep = draw(st.integers(0, len(target)))
    vshape = tuple(1 if draw(st.booleans()) else s for s in target[len(target) - keep:])

    def f_dp(x, v):
        y = x * 1.5            # a non-leaf (mul saves its inputs, not its output, so writing y is fine)
        y[index] = v
        return y.sin()

    tpos = torch.from_numpy(pos.reshape(-1))

    def f_t(x, v):
        flat = (x * 1.5).reshape(-1)
        flat = flat.index_put((tpos,), torch.broadcast_to(v, target).reshape(-1))
        return flat.reshape(shp).sin()

    return Case("setitem_" + form, f_dp, f_t, [(shp, "real"), (vshape, "real")], {"index": index})


@st.composite
def setitem_const_case(draw):
    """``y[index] = c`` with a number: nothing flows to c, the written positions get no adjoint."""
    shp = draw(shapes(min_dims=1, max_dims=3, max_side=4))
    form, index = draw(index_for(shp, allow_repeats=False))
    npidx = _np_index(index)
    tpos = torch.from_numpy(_flat_positions(shp, npidx).reshape(-1))
    c = draw(st.floats(-1, 1))

    def f_dp(x):
        y = x.sin()            # sin saves its input, so overwriting its output is allowed
        y[index] = c
        return y * x

    def f_t(x):
        flat = x.sin().reshape(-1)
        flat = flat.index_put((tpos,), torch.tensor(c, dtype=torch.float64))
        return flat.reshape(shp) * x

    return Case("setitem_const_" + form, f_dp, f_t, [(shp, "real")], {"index": index, "c": c})


@st.composite
def inplace_case(draw):
    """add_/sub_/mul_ (and +=, -=, *=) on a non-leaf, with a broadcast operand that requires grad."""
    (sy, sb), _ = draw(hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3,
                                                         min_side=1, max_side=3))
    sy = np.broadcast_shapes(sy, sb)           # in place keeps the target's shape
    ops = draw(st.lists(st.sampled_from(["add_", "sub_", "mul_", "iadd", "isub", "imul"]), min_size=1,
                        max_size=4))

    def f_dp(x, b):
        y = x.sin()            # sin saves its input, so its output may be changed in place
        for op in ops:
            if op in ("add_", "sub_", "mul_"):
                getattr(y, op)(b)
            elif op == "iadd":
                y += b
            elif op == "isub":
                y -= b
            else:
                y *= b
        return y

    def f_t(x, b):
        y = x.sin()
        for op in ops:
            y = {"add_": y.add_, "iadd": y.add_, "sub_": y.sub_, "isub": y.sub_}.get(op, y.mul_)(b)
        return y

    return Case("inplace", f_dp, f_t, [(sy, "real"), (sb, "real")], {"ops": ops})


@st.composite
def concatenate_case(draw):
    base = draw(shapes(min_dims=1, max_dims=3, max_side=3))
    nd = len(base)
    axis = draw(st.integers(-nd, nd - 1))
    k = draw(st.integers(1, 3))
    sizes = draw(st.lists(st.integers(1, 3), min_size=k, max_size=k))
    specs = []
    for s in sizes:
        shp = list(base)
        shp[axis] = s
        specs.append((tuple(shp), "real"))
    return Case("concatenate", lambda *xs: dp.concatenate(list(xs), axis=axis),
                lambda *xs: torch.cat(xs, dim=axis), specs, {"axis": axis})


@st.composite
def stack_case(draw):
    base = draw(shapes(min_dims=0, max_dims=3, max_side=3))
    nd = len(base) + 1
    axis = draw(st.integers(-nd, nd - 1))
    k = draw(st.integers(1, 3))
    return Case("stack", lambda *xs: dp.stack(list(xs), axis=axis),
                lambda *xs: torch.stack(xs, dim=axis), [(base, "real")] * k, {"axis": axis})


@st.composite
def where_case(draw):
    (sc, sa, sb), _ = draw(hnp.mutually_broadcastable_shapes(num_shapes=3, min_dims=0, max_dims=3,
                                                             min_side=1, max_side=3))
    cond = draw(hnp.arrays(bool, sc))
    tcond = torch.from_numpy(cond)
    if draw(st.booleans()):
        return Case("where", lambda a, b: dp.where(cond, a, b), lambda a, b: torch.where(tcond, a, b),
                    [(sa, "real"), (sb, "real")], {"cond": cond})
    c = draw(st.floats(-1, 1))
    return Case("where_const", lambda a: dp.where(cond, a, c),
                lambda a: torch.where(tcond, a, torch.tensor(c, dtype=torch.float64)),
                [(sa, "real")], {"cond": cond, "c": c})


def softmax_case(op: str):
    @st.composite
    def strat(draw):
        shp = draw(shapes(min_dims=1, max_dims=3, max_side=4))
        nd = len(shp)
        axis = draw(st.integers(-nd, nd - 1))
        f_dp = dp.softmax if op == "softmax" else dp.log_softmax
        f_t = torch.softmax if op == "softmax" else torch.log_softmax
        return Case(op, lambda x: f_dp(x, axis=axis), lambda x: f_t(x, dim=axis), [(shp, "logits")],
                    {"axis": axis})
    return strat()


@st.composite
def cross_entropy_case(draw):
    c = draw(st.integers(1, 5))
    if draw(st.booleans()):
        n = draw(st.integers(1, 5))
        targets = np.array(draw(st.lists(st.integers(0, c - 1), min_size=n, max_size=n)), dtype=np.int64)
        shp = (n, c)
    else:
        targets = np.array(draw(st.integers(0, c - 1)), dtype=np.int64)
        shp = (c,)
    tt = torch.from_numpy(targets)
    return Case("cross_entropy_" + ("NC" if len(shp) == 2 else "C"),
                lambda z: dp.cross_entropy(z, targets),
                lambda z: torch.nn.functional.cross_entropy(z, tt), [(shp, "logits")],
                {"targets": targets})


CASES = {
    **{name: binary_case(name) for name in _BINARY},
    "const_operands": const_operand_case(),
    **{name: unary_case(name) for name in _UNARY},
    "std": std_case(),
    "methods": method_case(),
    "matmul": matmul_case(),
    "sum": reduce_case("sum"),
    "mean": reduce_case("mean"),
    "max": reduce_case("max"),
    "prod": reduce_case("prod"),
    "reshape": reshape_case(),
    "transpose": transpose_case(),
    "getitem": getitem_case(),
    "setitem": setitem_case(),
    "setitem_const": setitem_const_case(),
    "inplace": inplace_case(),
    "concatenate": concatenate_case(),
    "stack": stack_case(),
    "where": where_case(),
    "softmax": softmax_case("softmax"),
    "log_softmax": softmax_case("log_softmax"),
    "cross_entropy": cross_entropy_case(),
}


# ---------------------------------------------------------------------------------------------
# Oracles.

def torch_vjp(f_t, args, seed):
    ts = [T(a, True) for a in args]
    out = f_t(*ts)
    if not out.requires_grad:
        return out, [torch.zeros_like(t) for t in ts]
    gs = torch.autograd.grad(out, ts, T(seed), allow_unused=True, materialize_grads=True)
    return out, list(gs)


def torch_jvp(f_t, args, tangents):
    return torch.func.jvp(f_t, tuple(T(a) for a in args), tuple(T(t) for t in tangents))


def grads_of(leaves):
    return [np.zeros(leaf.shape) if leaf.grad is None else npy(leaf.grad) for leaf in leaves]


def check_first_order(case: Case, args: list, args2: list, rng: np.random.Generator) -> None:
    """Forward value, VJP (Tensor.backward and dp.vjp), JVP (dp.jvp) and Program replay vs torch."""
    n = case.name
    # reverse mode through Tensor.backward
    leaves = [dp.tensor(a, requires_grad=True) for a in args]
    out = case.f_dp(*leaves)
    t_out = case.f_torch(*map(T, args))
    close(out.data, t_out, f"{n}: forward value")
    seed = rng.standard_normal(out.shape)
    out.backward(seed)
    _, t_grads = torch_vjp(case.f_torch, args, seed)
    for k, (g, tg) in enumerate(zip(grads_of(leaves), t_grads)):
        close(g, tg, f"{n}: VJP (Tensor.backward) for argument {k}")

    # dp.vjp
    out_v, vjp_fn = dp.vjp(case.f_dp, *args)
    close(out_v, t_out, f"{n}: dp.vjp value")
    for k, (g, tg) in enumerate(zip(vjp_fn(seed), t_grads)):
        close(g, tg, f"{n}: dp.vjp for argument {k}")

    # forward mode
    tangents = [rng.standard_normal(np.shape(a)) for a in args]
    out_j, tan_j = dp.jvp(case.f_dp, tuple(args), tuple(tangents))
    t_o, t_tan = torch_jvp(case.f_torch, args, tangents)
    close(out_j, t_o, f"{n}: dp.jvp value")
    close(tan_j, t_tan, f"{n}: JVP (dp.jvp)")

    # the Program: backward and jvp at the traced inputs, then at new inputs after a replay
    prog = dp.trace(case.f_dp, *args)
    for k, (g, tg) in enumerate(zip(prog.backward(seed), t_grads)):
        close(g, tg, f"{n}: Program.backward for input {k}")
    close(prog.jvp(tangents), t_tan, f"{n}: Program.jvp")
    close(prog(*args2), case.f_torch(*map(T, args2)), f"{n}: Program replay value")
    _, t_grads2 = torch_vjp(case.f_torch, args2, seed)
    for k, (g, tg) in enumerate(zip(prog.backward(seed), t_grads2)):
        close(g, tg, f"{n}: Program.backward after replay, input {k}")
    _, t_tan2 = torch_jvp(case.f_torch, args2, tangents)
    close(prog.jvp(tangents, *args2), t_tan2, f"{n}: Program.jvp with new inputs")


def torch_hvp(f_t, args, w, vs):
    """H·v of L(x) = sum(w * f(x)²), by torch double backward."""
    ts = [T(a, True) for a in args]
    y = f_t(*ts)
    L = (y * y * T(w)).sum()
    gs = torch.autograd.grad(L, ts, create_graph=True, materialize_grads=True)
    s = sum((g * T(v)).sum() for g, v in zip(gs, vs))
    if not s.requires_grad:
        return gs, [torch.zeros_like(t) for t in ts]
    return gs, list(torch.autograd.grad(s, ts, allow_unused=True, materialize_grads=True))


def check_second_order(case: Case, args: list, rng: np.random.Generator) -> None:
    """H·v of sum(w·f(x)²) three ways (backward(create_graph=True), dp.grad∘dp.grad, dp.hvp) vs torch."""
    n = case.name
    y0 = npy(case.f_torch(*map(T, args)))
    w = rng.standard_normal(y0.shape)
    vs = [rng.standard_normal(np.shape(a)) for a in args]
    t_g, t_hv = torch_hvp(case.f_torch, args, w, vs)

    def L(*xs):
        y = case.f_dp(*xs)
        return (y * y * w).sum()

    # 1. Tensor.backward(create_graph=True), then backward through the gradient
    leaves = [dp.tensor(a, requires_grad=True) for a in args]
    L(*leaves).backward(create_graph=True)
    gs = [leaf.grad for leaf in leaves]
    for k, (g, tg) in enumerate(zip(gs, t_g)):
        close(np.zeros(np.shape(args[k])) if g is None else g, tg, f"{n}: gradient with create_graph, arg {k}")
    for leaf in leaves:
        leaf.grad = None
    s = None
    for g, v in zip(gs, vs):
        if isinstance(g, dp.Tensor) and g.requires_grad:
            term = (g * v).sum()
            s = term if s is None else s + term
    if s is not None:
        s.backward()
    for k, (h, th) in enumerate(zip(grads_of(leaves), t_hv)):
        close(h, th, f"{n}: H·v via backward(create_graph=True), arg {k}")

    # 2. nested dp.grad
    nums = tuple(range(len(args)))

    def gdotv(*xs):
        total = 0.0
        for g, v in zip(dp.grad(L, argnums=nums)(*xs), vs):
            total = total + (g * v).sum()
        return total

    for k, (h, th) in enumerate(zip(dp.grad(gdotv, argnums=nums)(*args), t_hv)):
        close(h, th, f"{n}: H·v via dp.grad(dp.grad(...)), arg {k}")

    # 3. dp.hvp (forward over reverse) in the first argument, the others held fixed
    rest = args[1:]
    _, t_hv0 = torch_hvp(lambda x0: case.f_torch(x0, *map(T, rest)), args[:1], w, vs[:1])
    close(dp.hvp(lambda x0: L(x0, *rest), args[0], vs[0]), t_hv0[0], f"{n}: dp.hvp in argument 0")


def check_jacobians(case: Case, args: list) -> None:
    """dp.jacobian by rows and by columns vs torch.autograd.functional.jacobian, in argument 0."""
    rest = [T(a) for a in args[1:]]
    out_shape = tuple(case.f_torch(T(args[0]), *rest).shape)
    if 0 in out_shape + np.shape(args[0]):       # torch's jacobian cannot stack zero rows
        J_t = np.zeros(out_shape + np.shape(args[0]))
    else:
        J_t = torch.autograd.functional.jacobian(lambda x0: case.f_torch(x0, *rest), T(args[0]))
    J_rev = dp.jacobian(case.f_dp, mode="rev")(*args)
    J_fwd = dp.jacobian(case.f_dp, mode="fwd")(*args)
    close(J_rev, J_t, f"{case.name}: jacobian(mode='rev')")
    close(J_fwd, J_t, f"{case.name}: jacobian(mode='fwd')")
