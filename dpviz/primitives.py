"""The primitives: each op's forward, its VJP rules and its JVP rules, side by side.

One naming scheme throughout: the primitive of op ``name`` is the object ``name_p``,
registered as ``PRIMITIVES["name"]``; the function users call is ``name`` (``dp.mul``,
``dp.sum``, ``dp.getitem``), which checks its arguments and binds ``name_p``.

A rule is a small function of the op's inputs and output:

* ``vjp[k](g, ans, *args, **params)`` - the contribution ``ḡ_k`` that the
  adjoint ``g`` of the output sends back to argument ``k`` (reverse mode);
* ``jvp[k](t, ans, *args, **params)`` - the contribution of argument ``k``'s
  tangent ``t`` to the output's tangent (forward mode).

Rules are written with the ops themselves (``g * b``, ``exp(x)``, ``sum_to(...)``).
Given NumPy arrays they simply compute - that is the plain backward pass.  Given
tensors they record - that is ``create_graph=True``, so the backward pass is itself a
program that can be differentiated again (Hessians, hypergradients).  ``saves`` lists
the inputs (``-1``: the output) whose values a rule reads; only those are checked
against in-place changes.  ``partials`` says, per argument, how pictures and the
stepper write the local derivative (:class:`Partial`).

>>> import dpviz as dp
>>> PRIMITIVES["tanh"] is tanh_p, tanh_p.saves
(True, (-1,))
>>> tanh_p.partial(0).text
'∂tanh x/∂x = 1 − tanh²x'
>>> dp.tanh(dp.tensor(0.0)).data
array(0.)
"""
from __future__ import annotations

import builtins
from dataclasses import dataclass
from typing import Any, Callable, NamedTuple, Sequence

import numpy as np

from dpviz.errors import DTypeError, DpvizError, ShapeError, UnsupportedTypeError
from dpviz.node import Handle, value_of
from dpviz import record
from dpviz.record import bind

PRIMITIVES: dict[str, "Primitive"] = {}


class Partial(NamedTuple):
    """The local derivative of an op's output with respect to one argument, as text.

    ``symbol`` is the derivative written out (``"∂(a·b)/∂a"``), ``formula`` what it
    equals (``"b"``).  Ops whose derivative is not a number per element (matrix products,
    indexing, joins) have no symbol: their ``formula`` says in words where the adjoint goes.

    >>> Partial("∂(a·b)/∂a", "b").text, Partial("", "1 at the read positions").text
    ('∂(a·b)/∂a = b', '1 at the read positions')
    """

    symbol: str
    formula: str

    @property
    def text(self) -> str:
        """``symbol = formula``, or the formula alone."""
        return f"{self.symbol} = {self.formula}" if self.symbol else self.formula


@dataclass(frozen=True, eq=False)
class Primitive:
    """One op of the engine: how to compute it and how to differentiate it.

    ``vjp`` and ``jvp`` hold one rule per argument; a ``variadic`` op (any number of
    arguments) holds one rule ``rule(k, g, ans, *args, **params)`` for all of them, and
    one :class:`Partial`.  ``saves`` lists the values the backward rules read (argument
    positions, ``-1`` for the output); ``reads[k]``, when given, the ones argument ``k``'s rule
    reads, so an in-place change of a value that no needed rule reads is allowed, as in
    PyTorch.  ``view``: the forward may return a NumPy view of argument 0 (the result then
    shares its version counter).  ``float_only``: tensor arguments must be floating point,
    except the positions in ``nondiff``.  Calling a primitive binds it.

    >>> PRIMITIVES["mul"].name, len(PRIMITIVES["mul"].vjp), PRIMITIVES["mul"].saves
    ('mul', 2, (0, 1))
    >>> PRIMITIVES["div"].reads_for(0), PRIMITIVES["div"].reads_for(1)
    ((1,), (1, -1))
    """

    name: str
    forward: Callable[..., np.ndarray]
    vjp: tuple | Callable
    jvp: tuple | Callable
    saves: tuple = ()
    variadic: bool = False
    view: bool = False
    float_only: bool = True
    nondiff: frozenset = frozenset()
    partials: tuple[Partial, ...] = ()
    reads: tuple = ()

    # calling a primitive binds it (one frame less than a wrapper: this is the hot path)
    __call__ = bind

    def vjp_rule(self, k: int) -> Callable:
        """The VJP rule for argument ``k`` as a function ``(g, ans, *args, **params)``.

        >>> float(PRIMITIVES["mul"].vjp_rule(0)(1.0, 6.0, 2.0, 3.0))
        3.0
        """
        if self.variadic:
            return lambda g, ans, *args, **params: self.vjp(k, g, ans, *args, **params)
        return self.vjp[k]

    def jvp_rule(self, k: int) -> Callable:
        """The JVP rule for argument ``k`` as a function ``(t, ans, *args, **params)``.

        >>> float(PRIMITIVES["mul"].jvp_rule(1)(1.0, 6.0, 2.0, 3.0))
        2.0
        """
        if self.variadic:
            return lambda t, ans, *args, **params: self.jvp(k, t, ans, *args, **params)
        return self.jvp[k]

    def reads_for(self, k: int) -> tuple:
        """The saved values (argument positions, ``-1`` for the output) that argument ``k``'s VJP reads.

        >>> PRIMITIVES["mul"].reads_for(1), PRIMITIVES["tanh"].reads_for(0)
        ((0,), (-1,))
        """
        return self.reads[k] if self.reads and not self.variadic else self.saves

    def partial(self, k: int) -> Partial:
        """How the local derivative for argument ``k`` is written (empty when the op gives none).

        >>> PRIMITIVES["div"].partial(1).text
        '∂(a/b)/∂b = −a/b²'
        """
        if not self.partials:
            return Partial("", "")
        return self.partials[0] if self.variadic else self.partials[k]


def defprim(name: str, forward, vjp, jvp, saves=(), partials: Sequence = (), **kw) -> Primitive:
    """Define a primitive and register it in :data:`PRIMITIVES` under ``name``: the op dpviz
    records as one node, computed by ``forward`` (NumPy in, NumPy out) and differentiated by
    your rules. Calling the result on tensors records it; dp.grad, dp.jvp and the Stepper use it.

    ``vjp`` is one rule ``(g, ans, *args) -> contribution`` per argument (a single function
    for an op of one argument): given the adjoint ``g`` of the output, the output ``ans`` and
    the arguments, what flows back to that argument. ``jvp`` is one rule
    ``(t, ans, *args) -> tangent`` per argument: the output's tangent when that argument has
    tangent ``t``. ``partials`` is one ``(symbol, formula)`` pair per argument, as the pictures
    write the local derivative (see :class:`Partial`). Defining a name again replaces your
    earlier definition (re-running a cell); dpviz's own primitives cannot be replaced.

    >>> double_p = defprim("double_demo", lambda x: 2 * x, vjp=lambda g, ans, x: 2 * g,
    ...                    jvp=lambda t, ans, x: 2 * t, partials=[("∂(2x)/∂x", "2")])
    >>> float(double_p(np.array(3.0))), double_p.partial(0).text
    (6.0, '∂(2x)/∂x = 2')
    >>> del PRIMITIVES["double_demo"]
    """
    variadic = kw.get("variadic", False)
    if not isinstance(name, str) or not name.isidentifier():
        raise DpvizError(f"defprim needs a name that is a Python identifier, such as \"softplus\"; got {name!r}")
    if name in BUILTIN:
        raise DpvizError(f"{name!r} is one of dpviz's own primitives and cannot be redefined; "
                         f"give yours another name, e.g. \"my_{name}\"")
    if not callable(forward):
        raise DpvizError(f"defprim({name!r}): forward must be a function of NumPy arrays; got {type(forward).__name__}")

    def rules(given, what: str):
        if variadic:
            return given
        listed = (given,) if callable(given) else tuple(given) if isinstance(given, (list, tuple)) else None
        if listed is None or not listed or not all(callable(r) for r in listed):
            raise DpvizError(f"defprim({name!r}): {what} must be a function (an op of one argument) "
                             f"or a list of functions, one per argument; got {given!r}")
        return listed

    prim = Primitive(name, forward, rules(vjp, "vjp"), rules(jvp, "jvp"), tuple(saves),
                     partials=tuple(Partial(*p) for p in partials), **kw)
    if not variadic and len(prim.vjp) != len(prim.jvp):
        raise DpvizError(f"defprim({name!r}): {len(prim.vjp)} VJP rules but {len(prim.jvp)} JVP rules; "
                         "give one of each per argument")
    PRIMITIVES[name] = prim
    return prim


#: The names of dpviz's own primitives (filled in at the end of this module): defprim refuses them.
BUILTIN: frozenset[str] = frozenset()


def shape(x) -> tuple:
    """Shape of a tensor, array or number.

    >>> shape(2.0), shape(np.ones((2, 3)))
    ((), (2, 3))
    """
    # rules ask for shapes on every edge of a backward pass: arrays answer directly
    if type(x) is np.ndarray:
        return x.shape
    if isinstance(x, Handle):
        return x._node.value.shape
    if isinstance(x, (list, tuple)):      # a list of tensors: its shape, without reading it as numbers
        return np.shape([value_of(v) if isinstance(v, Handle) else
                         (np.zeros(shape(v)) if isinstance(v, (list, tuple)) else v) for v in x])
    return np.shape(x)


_shape_of = shape    # for the functions below whose parameter is called `shape`


# ---------------------------------------------------------------------------------------------
# Broadcasting: gradients are summed back to each operand's shape.


def _sum_to_forward(x, shape):
    x = np.asarray(x)
    lead = x.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(i + lead for i, s in enumerate(shape) if s == 1 and x.shape[i + lead] != 1)
    return (x.sum(axis=axes, keepdims=True) if axes else x).reshape(shape)


sum_to_p = defprim(
    "sum_to", _sum_to_forward,
    vjp=[lambda g, ans, x, shape: broadcast_to(g, np.shape(x))],
    jvp=[lambda t, ans, x, shape: sum_to(t, shape)],
    partials=[("", "1, summed over the broadcast axes")])

broadcast_to_p = defprim(
    "broadcast_to", lambda x, shape: np.broadcast_to(x, shape),
    vjp=[lambda g, ans, x, shape: sum_to(g, np.shape(x))],
    jvp=[lambda t, ans, x, shape: broadcast_to(t, shape)],
    partials=[("", "1 for every copy")])


def sum_to(x, shape: tuple):
    """Sum ``x`` over broadcast axes so that it gets ``shape`` (identity when it has it already).

    >>> sum_to(np.ones((3, 2)), (2,))
    array([3., 3.])
    """
    return x if _shape_of(x) == tuple(shape) else sum_to_p(x, shape=tuple(shape))


def broadcast_to(x, shape: tuple):
    """Broadcast ``x`` to ``shape`` (identity when it has it already).

    >>> broadcast_to(np.ones(2), (3, 2)).shape
    (3, 2)
    """
    return x if _shape_of(x) == tuple(shape) else broadcast_to_p(x, shape=tuple(shape))


# ---------------------------------------------------------------------------------------------
# Elementwise arithmetic.  ∂(a+b)/∂a = 1, ∂(a·b)/∂a = b, ∂(a/b)/∂b = -a/b², ...

add_p = defprim(
    "add", np.add,
    vjp=[lambda g, ans, a, b: sum_to(g, shape(a)),
         lambda g, ans, a, b: sum_to(g, shape(b))],
    jvp=[lambda t, ans, a, b: t,
         lambda t, ans, a, b: t],
    partials=[("∂(a+b)/∂a", "1"), ("∂(a+b)/∂b", "1")])

sub_p = defprim(
    "sub", np.subtract,
    vjp=[lambda g, ans, a, b: sum_to(g, shape(a)),
         lambda g, ans, a, b: sum_to(-g, shape(b))],
    jvp=[lambda t, ans, a, b: t,
         lambda t, ans, a, b: -t],
    partials=[("∂(a−b)/∂a", "1"), ("∂(a−b)/∂b", "−1")])

mul_p = defprim(
    "mul", np.multiply,
    vjp=[lambda g, ans, a, b: sum_to(g * b, shape(a)),
         lambda g, ans, a, b: sum_to(g * a, shape(b))],
    jvp=[lambda t, ans, a, b: t * b,
         lambda t, ans, a, b: a * t],
    saves=(0, 1), reads=((1,), (0,)), partials=[("∂(a·b)/∂a", "b"), ("∂(a·b)/∂b", "a")])

div_p = defprim(
    "div", np.true_divide,
    vjp=[lambda g, ans, a, b: sum_to(g / b, shape(a)),
         lambda g, ans, a, b: sum_to(-g * ans / b, shape(b))],
    jvp=[lambda t, ans, a, b: t / b,
         lambda t, ans, a, b: -t * ans / b],
    saves=(1, -1), reads=((1,), (1, -1)), partials=[("∂(a/b)/∂a", "1/b"), ("∂(a/b)/∂b", "−a/b²")])

neg_p = defprim(
    "neg", np.negative,
    vjp=[lambda g, ans, a: -g],
    jvp=[lambda t, ans, a: -t],
    partials=[("∂(−a)/∂a", "−1")])


def add(a, b):
    """``a + b``, broadcasting as NumPy does; the gradient is summed back to each shape.

    >>> import dpviz as dp
    >>> dp.add(dp.tensor([1.0, 2.0]), 10.0).data
    array([11., 12.])
    """
    return add_p(a, b)


def sub(a, b):
    """``a - b``.

    >>> import dpviz as dp
    >>> dp.sub(5.0, dp.tensor([1.0, 2.0])).data
    array([4., 3.])
    """
    return sub_p(a, b)


def mul(a, b):
    """``a * b``, elementwise.

    >>> import dpviz as dp
    >>> x = dp.tensor(3.0, requires_grad=True)
    >>> y = dp.mul(x, x); y.backward(); float(x.grad)
    6.0
    """
    return mul_p(a, b)


def div(a, b):
    """``a / b``, elementwise.

    >>> import dpviz as dp
    >>> dp.div(dp.tensor([1.0, 3.0]), 2.0).data
    array([0.5, 1.5])
    """
    return div_p(a, b)


def neg(a):
    """``-a``.

    >>> import dpviz as dp
    >>> dp.neg(dp.tensor([1.0, -2.0])).data
    array([-1.,  2.])
    """
    return neg_p(a)


def _pow_base(a, b):
    """aᵇ⁻¹ for ∂(aᵇ)/∂a = b·aᵇ⁻¹, with 0⁻¹ read as 1 where a = b = 0.

    There b·aᵇ⁻¹ would be 0·∞ = nan; aᵇ = a⁰ = 1 is constant in a, so the
    derivative is 0 (PyTorch's answer too).  The where() comes *before* the
    power so that differentiating this rule again does not meet the inf either.

    >>> float(_pow_base(np.array(0.0), np.array(0.0))), float(_pow_base(np.array(2.0), np.array(3.0)))
    (1.0, 4.0)
    """
    hit = (np.asarray(value_of(a)) == 0) & (np.asarray(value_of(b)) == 0)
    return (where(hit, 1.0, a) if hit.any() else a) ** (b - 1)


def _pow_log(a, b):
    """ln a for ∂(aᵇ)/∂b = ln(a)·aᵇ, with 0 where a = 0 and b ≥ 0.

    There aᵇ = 0 (or 1 when b = 0) for every b ≥ 0 nearby, so the derivative in b is
    0 (PyTorch's convention), not ln(0)·0 = −∞·0 = nan.  As above, the where() goes
    inside the log so that second derivatives stay finite.

    >>> float(_pow_log(np.array(0.0), np.array(2.0))), float(_pow_log(np.array(np.e), np.array(2.0)))
    (0.0, 1.0)
    """
    hit = (np.asarray(value_of(a)) == 0) & (np.asarray(value_of(b)) >= 0)
    return log(where(hit, 1.0, a)) if hit.any() else log(a)


pow_p = defprim(
    "pow", np.power,
    vjp=[lambda g, ans, a, b: sum_to(g * b * _pow_base(a, b), shape(a)),
         lambda g, ans, a, b: sum_to(g * _pow_log(a, b) * ans, shape(b))],
    jvp=[lambda t, ans, a, b: t * b * _pow_base(a, b),
         lambda t, ans, a, b: t * _pow_log(a, b) * ans],
    saves=(0, 1, -1), reads=((0, 1), (0, -1)), partials=[("∂(aᵇ)/∂a", "b·aᵇ⁻¹"), ("∂(aᵇ)/∂b", "ln(a)·aᵇ")])


def pow(a, b):  # noqa: A001 - dp.pow mirrors numpy.power / torch.pow
    """``a ** b``; at a = 0 the derivatives follow PyTorch's conventions (no nan from 0·∞).

    >>> import dpviz as dp
    >>> x = dp.tensor(0.0, requires_grad=True)
    >>> dp.pow(x, 2.0).backward(); float(x.grad)
    0.0
    """
    return pow_p(a, b)


# ---------------------------------------------------------------------------------------------
# Elementwise functions.

exp_p = defprim(
    "exp", np.exp,
    vjp=[lambda g, ans, x: g * ans],
    jvp=[lambda t, ans, x: t * ans],
    saves=(-1,), partials=[("∂eˣ/∂x", "eˣ")])

log_p = defprim(
    "log", np.log,
    vjp=[lambda g, ans, x: g / x],
    jvp=[lambda t, ans, x: t / x],
    saves=(0,), partials=[("∂ln x/∂x", "1/x")])

sqrt_p = defprim(
    "sqrt", np.sqrt,
    vjp=[lambda g, ans, x: g / (ans * 2.0)],
    jvp=[lambda t, ans, x: t / (ans * 2.0)],
    saves=(-1,), partials=[("∂√x/∂x", "1/(2√x)")])

abs_p = defprim(
    "abs", np.abs,
    vjp=[lambda g, ans, x: g * np.sign(value_of(x))],
    jvp=[lambda t, ans, x: t * np.sign(value_of(x))],
    saves=(0,), partials=[("∂|x|/∂x", "sign(x)")])

tanh_p = defprim(
    "tanh", np.tanh,
    vjp=[lambda g, ans, x: g * (1.0 - ans * ans)],
    jvp=[lambda t, ans, x: t * (1.0 - ans * ans)],
    saves=(-1,), partials=[("∂tanh x/∂x", "1 − tanh²x")])


def _sigmoid_forward(x):
    """The logistic function 1/(1+e⁻ˣ), accurate to the last digit in both tails.

    e^(−|x|) never overflows (no warnings for large |x|), and for x < 0 the form
    eˣ/(1+eˣ) keeps full relative precision: σ(−40) ≈ 4.2e-18, not the 0 that
    0.5·(1 + tanh(x/2)) or 1 − σ(40) would give (so log σ(x) stays finite).

    >>> float(_sigmoid_forward(np.array(0.0))), bool(_sigmoid_forward(np.array(-40.0)) > 0)
    (0.5, True)
    """
    e = np.exp(-np.abs(x))
    return np.where(np.asarray(x) >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


sigmoid_p = defprim(
    "sigmoid", _sigmoid_forward,
    vjp=[lambda g, ans, x: g * ans * (1.0 - ans)],
    jvp=[lambda t, ans, x: t * ans * (1.0 - ans)],
    saves=(-1,), partials=[("∂σ(x)/∂x", "σ(x)(1 − σ(x))")])

relu_p = defprim(
    "relu", lambda x: np.maximum(x, 0.0).astype(np.result_type(x), copy=False),
    vjp=[lambda g, ans, x: g * (value_of(x) > 0)],
    jvp=[lambda t, ans, x: t * (value_of(x) > 0)],
    saves=(0,), partials=[("∂relu(x)/∂x", "[x > 0]")])

sin_p = defprim(
    "sin", np.sin,
    vjp=[lambda g, ans, x: g * cos(x)],
    jvp=[lambda t, ans, x: t * cos(x)],
    saves=(0,), partials=[("∂sin x/∂x", "cos x")])

cos_p = defprim(
    "cos", np.cos,
    vjp=[lambda g, ans, x: -g * sin(x)],
    jvp=[lambda t, ans, x: -t * sin(x)],
    saves=(0,), partials=[("∂cos x/∂x", "−sin x")])

square_p = defprim(
    "square", np.square,
    vjp=[lambda g, ans, x: g * (2.0 * x)],
    jvp=[lambda t, ans, x: t * (2.0 * x)],
    saves=(0,), partials=[("∂x²/∂x", "2x")])

tan_p = defprim(
    "tan", np.tan,
    vjp=[lambda g, ans, x: g * (1.0 + ans * ans)],
    jvp=[lambda t, ans, x: t * (1.0 + ans * ans)],
    saves=(-1,), partials=[("∂tan x/∂x", "1 + tan²x")])

sinh_p = defprim(
    "sinh", np.sinh,
    vjp=[lambda g, ans, x: g * cosh(x)],
    jvp=[lambda t, ans, x: t * cosh(x)],
    saves=(0,), partials=[("∂sinh x/∂x", "cosh x")])

cosh_p = defprim(
    "cosh", np.cosh,
    vjp=[lambda g, ans, x: g * sinh(x)],
    jvp=[lambda t, ans, x: t * sinh(x)],
    saves=(0,), partials=[("∂cosh x/∂x", "sinh x")])

log1p_p = defprim(
    "log1p", np.log1p,
    vjp=[lambda g, ans, x: g / (1.0 + x)],
    jvp=[lambda t, ans, x: t / (1.0 + x)],
    saves=(0,), partials=[("∂log(1+x)/∂x", "1/(1+x)")])

expm1_p = defprim(
    "expm1", np.expm1,
    vjp=[lambda g, ans, x: g * (ans + 1.0)],
    jvp=[lambda t, ans, x: t * (ans + 1.0)],
    saves=(-1,), partials=[("∂(eˣ−1)/∂x", "eˣ")])

log2_p = defprim(
    "log2", np.log2,
    vjp=[lambda g, ans, x: g / (x * np.log(2.0))],
    jvp=[lambda t, ans, x: t / (x * np.log(2.0))],
    saves=(0,), partials=[("∂log₂x/∂x", "1/(x ln 2)")])

log10_p = defprim(
    "log10", np.log10,
    vjp=[lambda g, ans, x: g / (x * np.log(10.0))],
    jvp=[lambda t, ans, x: t / (x * np.log(10.0))],
    saves=(0,), partials=[("∂log₁₀x/∂x", "1/(x ln 10)")])

clone_p = defprim(
    "clone", lambda x: np.array(x, copy=True),
    vjp=[lambda g, ans, x: g],
    jvp=[lambda t, ans, x: t],
    partials=[("∂clone(x)/∂x", "1")])


def exp(x):
    """``eˣ``, elementwise.

    >>> import dpviz as dp
    >>> dp.exp(dp.tensor([0.0, 1.0])).data
    array([1.        , 2.71828183])
    """
    return exp_p(x)


def log(x):
    """The natural logarithm, elementwise.

    >>> import dpviz as dp
    >>> dp.log(dp.tensor([1.0, np.e])).data
    array([0., 1.])
    """
    return log_p(x)


def sqrt(x):
    """The square root, elementwise.

    >>> import dpviz as dp
    >>> dp.sqrt(dp.tensor([4.0, 9.0])).data
    array([2., 3.])
    """
    return sqrt_p(x)


def abs(x):  # noqa: A001 - dp.abs mirrors numpy.abs
    """``|x|``, elementwise; the gradient at 0 is 0, as in PyTorch.

    >>> import dpviz as dp
    >>> dp.abs(dp.tensor([-2.0, 3.0])).data
    array([2., 3.])
    """
    return abs_p(x)


def tanh(x):
    """The hyperbolic tangent, elementwise.

    >>> import dpviz as dp
    >>> float(dp.tanh(dp.tensor(0.0)))
    0.0
    """
    return tanh_p(x)


def sigmoid(x):
    """The logistic sigmoid ``1/(1+e⁻ˣ)``, elementwise.

    >>> import dpviz as dp
    >>> dp.sigmoid(dp.tensor([0.0])).data
    array([0.5])
    """
    return sigmoid_p(x)


def relu(x):
    """``max(x, 0)``, elementwise; the gradient at 0 is 0.

    >>> import dpviz as dp
    >>> dp.relu(dp.tensor([-1.0, 0.0, 2.0])).data
    array([0., 0., 2.])
    """
    return relu_p(x)


def sin(x):
    """The sine, elementwise.

    >>> import dpviz as dp
    >>> dp.sin(dp.tensor([0.0])).data
    array([0.])
    """
    return sin_p(x)


def cos(x):
    """The cosine, elementwise.

    >>> import dpviz as dp
    >>> dp.cos(dp.tensor([0.0])).data
    array([1.])
    """
    return cos_p(x)


def square(x):
    """``x²``, elementwise.

    >>> import dpviz as dp
    >>> dp.square(dp.tensor([-3.0, 2.0])).data
    array([9., 4.])
    """
    return square_p(x)


def tan(x):
    """The tangent, elementwise.

    >>> import dpviz as dp
    >>> dp.tan(dp.tensor([0.0])).data
    array([0.])
    """
    return tan_p(x)


def sinh(x):
    """The hyperbolic sine, elementwise.

    >>> import dpviz as dp
    >>> dp.sinh(dp.tensor([0.0])).data
    array([0.])
    """
    return sinh_p(x)


def cosh(x):
    """The hyperbolic cosine, elementwise.

    >>> import dpviz as dp
    >>> dp.cosh(dp.tensor([0.0])).data
    array([1.])
    """
    return cosh_p(x)


def log1p(x):
    """``log(1 + x)``, elementwise, accurate for tiny x (where ``1 + x`` would round to 1).

    >>> import dpviz as dp
    >>> float(dp.log1p(dp.tensor(1e-20)).data)
    1e-20
    """
    return log1p_p(x)


def expm1(x):
    """``eˣ − 1``, elementwise, accurate for tiny x.

    >>> import dpviz as dp
    >>> float(dp.expm1(dp.tensor(1e-20)).data)
    1e-20
    """
    return expm1_p(x)


def log2(x):
    """The base-2 logarithm, elementwise.

    >>> import dpviz as dp
    >>> dp.log2(dp.tensor([8.0])).data
    array([3.])
    """
    return log2_p(x)


def log10(x):
    """The base-10 logarithm, elementwise.

    >>> import dpviz as dp
    >>> dp.log10(dp.tensor([100.0])).data
    array([2.])
    """
    return log10_p(x)


def clone(x):
    """A copy, recorded: it keeps an old value that an in-place op is about to overwrite.

    >>> import dpviz as dp
    >>> y = dp.tensor([1.0]); c = dp.clone(y); _ = y.add_(1.0); c.data
    array([1.])
    """
    return clone_p(x)


# ---------------------------------------------------------------------------------------------
# Matrix product, with NumPy's rules for 1-D operands and batch broadcasting.


def _swap(x):
    if type(x) is np.ndarray:
        return np.swapaxes(x, -1, -2)
    return transpose(x, axes=tuple(range(len(shape(x)) - 2)) + (len(shape(x)) - 1, len(shape(x)) - 2))


def _append_axis(x):      # (..., n) -> (..., n, 1)
    return reshape(x, shape(x) + (1,))


def _drop_last(x):        # (..., n, 1) -> (..., n)
    return reshape(x, shape(x)[:-1])


def _matmul_vjp_a(g, ans, a, b):
    if len(shape(b)) == 1:
        if len(shape(a)) == 1:
            return g * b                                          # a·b is a dot product
        return sum_to(_append_axis(g) * b, shape(a))              # (...,n,1)*(k,) -> (...,n,k)
    if len(shape(a)) == 1:
        return sum_to(_drop_last(matmul(b, _append_axis(g))), shape(a))   # (...,k,m)@(...,m,1)
    return sum_to(matmul(g, _swap(b)), shape(a))


def _matmul_vjp_b(g, ans, a, b):
    if len(shape(a)) == 1:
        if len(shape(b)) == 1:
            return g * a
        return sum_to(_append_axis(a) * reshape(g, shape(g)[:-1] + (1, shape(g)[-1])), shape(b))
    if len(shape(b)) == 1:
        return sum_to(_drop_last(matmul(_swap(a), _append_axis(g))), shape(b))
    return sum_to(matmul(_swap(a), g), shape(b))


matmul_p = defprim(
    "matmul", np.matmul,
    vjp=[_matmul_vjp_a, _matmul_vjp_b],
    jvp=[lambda t, ans, a, b: matmul(t, b),
         lambda t, ans, a, b: matmul(a, t)],
    saves=(0, 1), reads=((1,), (0,)),
    partials=[("", "d(A@B) = dA @ B, so Ā = Ḡ @ Bᵀ"),     # Ḡ: the adjoint of A @ B
              ("", "d(A@B) = A @ dB, so B̄ = Aᵀ @ Ḡ")])


def matmul(a, b):
    """The matrix product ``a @ b``, with NumPy's rules for 1-D operands and batches.

    >>> import dpviz as dp
    >>> dp.matmul(dp.tensor([[1.0, 2.0]]), dp.tensor([[3.0], [4.0]])).data
    array([[11.]])
    """
    return matmul_p(a, b)


# ---------------------------------------------------------------------------------------------
# Reductions.  Their VJPs put the adjoint back on every reduced element.


def _norm_axis(axis, ndim: int, opname: str):
    """Axes as a sorted tuple of non-negative ints (None: all axes, and always for a 0-d tensor).

    >>> _norm_axis(-1, 3, "sum"), _norm_axis((0, -1), 2, "sum"), _norm_axis(-1, 0, "max")
    ((2,), (0, 1), None)
    """
    if axis is None:
        return None
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    out = []
    for a in axes:
        if not isinstance(a, (int, np.integer)) or isinstance(a, bool):
            raise UnsupportedTypeError(f"'{opname}': axis must be an int or a tuple of ints; got {axis!r}")
        # a 0-d tensor accepts axis 0 and -1 (as torch does): both mean "all of it"
        if not (a in (0, -1) if ndim == 0 else -ndim <= a < ndim):
            raise ShapeError(f"'{opname}': axis {a} is out of range for a tensor with {ndim} axes")
        out.append(int(a) % builtins.max(ndim, 1))
    if len(set(out)) != len(out):
        raise ShapeError(f"'{opname}': repeated axis in {axis!r}")
    return tuple(sorted(out)) if ndim else None


def _keep_shape(x_shape, axis):
    if axis is None:
        return (1,) * len(x_shape)
    return tuple(1 if i in axis else s for i, s in enumerate(x_shape))


def _expand(g, x, axis, keepdims):
    """Broadcast a reduced adjoint back to ``x``'s shape."""
    return broadcast_to(reshape(g, _keep_shape(shape(x), axis)), shape(x))


def _count(x, axis) -> int:
    return int(np.prod([shape(x)[i] for i in axis])) if axis is not None else int(np.prod(shape(x)))


sum_p = defprim(
    "sum", lambda x, axis, keepdims: np.sum(x, axis=axis, keepdims=keepdims),
    vjp=[lambda g, ans, x, axis, keepdims: _expand(g, x, axis, keepdims)],
    jvp=[lambda t, ans, x, axis, keepdims: sum(t, axis=axis, keepdims=keepdims)],
    partials=[("∂(Σx)/∂xᵢ", "1")])

mean_p = defprim(
    "mean", lambda x, axis, keepdims: np.mean(x, axis=axis, keepdims=keepdims),
    vjp=[lambda g, ans, x, axis, keepdims: _expand(g, x, axis, keepdims) / float(_count(x, axis))],
    jvp=[lambda t, ans, x, axis, keepdims: mean(t, axis=axis, keepdims=keepdims)],
    partials=[("∂(mean x)/∂xᵢ", "1/N")])


def _prod_others(x, axis):
    """For each element of ``x``, the product of the *other* elements of its reduction: ∂(Π x)/∂xᵢ.

    Written with dpviz ops (so it can be differentiated again). Where no element is 0 it is ``Π x / xᵢ``;
    with zeros that would divide 0 by 0, so each element's product is taken with itself replaced by 1
    (an n × n table for n reduced elements).
    """
    v = value_of(x)
    nd = len(shape(x))
    axes = tuple(range(nd)) if axis is None else axis
    kept = tuple(k for k in range(nd) if k not in axes)
    if np.all(v != 0):
        return broadcast_to(reshape(prod(x, axis=axes, keepdims=True), _keep_shape(shape(x), axes)), shape(x)) / x
    order = kept + axes                                      # reduced axes last, then as one axis of n
    moved = transpose(x, order) if order != tuple(range(nd)) else x
    outer_shape = tuple(shape(x)[k] for k in kept)
    n = int(np.prod([shape(x)[k] for k in axes]))
    flat = reshape(moved, outer_shape + (1, n))
    table = where(np.eye(n, dtype=bool), 1.0, flat)          # row i: the elements with element i set to 1
    others = reshape(prod(table, axis=len(outer_shape) + 1), tuple(shape(x)[k] for k in order))
    return transpose(others, tuple(int(i) for i in np.argsort(order))) if order != tuple(range(nd)) else others


prod_p = defprim(
    "prod", lambda x, axis, keepdims: np.prod(x, axis=axis, keepdims=keepdims),
    vjp=[lambda g, ans, x, axis, keepdims: _expand(g, x, axis, keepdims) * _prod_others(x, axis)],
    jvp=[lambda t, ans, x, axis, keepdims: sum(t * _prod_others(x, axis), axis=axis, keepdims=keepdims)],
    saves=(0,), partials=[("∂(Π x)/∂xᵢ", "the product of the others")])


def prod(x, axis=None, keepdims: bool = False):
    """Product over ``axis`` (all axes when None); exact gradients with zeros too, as PyTorch's.

    >>> import dpviz as dp
    >>> x = dp.tensor([2.0, 0.0, 3.0], requires_grad=True)
    >>> dp.prod(x).backward(); x.grad
    array([0., 6., 0.])
    """
    return prod_p(x, axis=_norm_axis(axis, len(shape(x)), "prod"), keepdims=bool(keepdims))


def _max_weights(x, ans, axis):
    # the adjoint goes to the maximal elements, split evenly between ties (as torch.amax does)
    xr = np.asarray(value_of(x))
    hit = (xr == np.reshape(value_of(ans), _keep_shape(xr.shape, axis))).astype(xr.dtype)
    return hit / np.sum(hit, axis=axis, keepdims=True)


max_p = defprim(
    "max", lambda x, axis, keepdims: np.max(x, axis=axis, keepdims=keepdims),
    vjp=[lambda g, ans, x, axis, keepdims: _expand(g, x, axis, keepdims) * _max_weights(x, ans, axis)],
    jvp=[lambda t, ans, x, axis, keepdims: sum(t * _max_weights(x, ans, axis), axis=axis,
                                                 keepdims=keepdims)],
    saves=(0, -1), partials=[("∂(max x)/∂xᵢ", "[xᵢ = max]")])


def sum(x, axis=None, keepdims: bool = False):  # noqa: A001 - dp.sum mirrors numpy.sum
    """Sum over ``axis`` (all axes when None), keeping reduced axes if ``keepdims``.

    >>> import dpviz as dp
    >>> dp.sum(dp.tensor([[1., 2.], [3., 4.]]), axis=0).data
    array([4., 6.])
    """
    return sum_p(x, axis=_norm_axis(axis, len(shape(x)), "sum"), keepdims=bool(keepdims))


def mean(x, axis=None, keepdims: bool = False):
    """Mean over ``axis`` (all axes when None).

    >>> import dpviz as dp
    >>> dp.mean(dp.tensor([1., 2., 3.])).data
    array(2.)
    """
    return mean_p(x, axis=_norm_axis(axis, len(shape(x)), "mean"), keepdims=bool(keepdims))


def max(x, axis=None, keepdims: bool = False):  # noqa: A001 - dp.max mirrors numpy.max
    """Maximum over ``axis``; the gradient is split evenly between tied maxima.

    >>> import dpviz as dp
    >>> dp.max(dp.tensor([1., 3., 2.])).data
    array(3.)
    """
    ax = _norm_axis(axis, len(shape(x)), "max")
    dims = shape(x)
    if any(dims[a] == 0 for a in (range(len(dims)) if ax is None else ax)):
        # as in NumPy: reducing an axis of length 0 has no value; other empty results are fine
        raise ShapeError(f"'max' over an axis of length 0 has no value (shape {dims}, axis {axis})")
    return max_p(x, axis=ax, keepdims=bool(keepdims))


# ---------------------------------------------------------------------------------------------
# Shape ops: they move elements around, so their rules move adjoints back.

reshape_p = defprim(
    "reshape", lambda x, shape: np.reshape(x, shape),
    vjp=[lambda g, ans, x, shape: reshape(g, np.shape(x))],
    jvp=[lambda t, ans, x, shape: reshape(t, shape)],
    view=True, partials=[("", "1 (elements move)")])

transpose_p = defprim(
    "transpose", lambda x, axes: np.transpose(x, axes),
    vjp=[lambda g, ans, x, axes: transpose(g, tuple(int(i) for i in np.argsort(axes)))],
    jvp=[lambda t, ans, x, axes: transpose(t, axes)],
    view=True, partials=[("", "1 (elements move)")])


def reshape(x, shape) -> Any:
    """Reshape (one entry may be -1).

    >>> import dpviz as dp
    >>> dp.reshape(dp.tensor([1., 2., 3., 4.]), (2, 2)).shape
    (2, 2)
    """
    if type(x) is np.ndarray and type(shape) is tuple:
        try:    # the plain backward pass reshapes NumPy arrays to shapes it knows are right
            return x.reshape(shape)
        except (ValueError, TypeError):
            pass   # let the checks below explain what is wrong
    shp = (shape,) if isinstance(shape, (int, np.integer)) else tuple(shape)
    if not builtins.all(isinstance(s, (int, np.integer)) for s in shp):
        raise UnsupportedTypeError(f"'reshape' needs integer sizes; got {shape!r}")
    size = int(np.prod(np.shape(x)))
    known = int(np.prod([s for s in shp if s != -1]))
    if shp.count(-1) > 1 or (shp.count(-1) == 0 and known != size) or (
            shp.count(-1) == 1 and (known == 0 or size % known)):
        raise ShapeError(f"'reshape' cannot turn shape {np.shape(x)} ({size} elements) into {shp}")
    if -1 in shp:
        shp = tuple(size // known if s == -1 else int(s) for s in shp)
    return reshape_p(x, shape=tuple(int(s) for s in shp))


def transpose(x, axes=None) -> Any:
    """Permute axes (reverse them when ``axes`` is None).

    >>> import dpviz as dp
    >>> dp.transpose(dp.tensor([[1., 2., 3.]])).shape
    (3, 1)
    """
    nd = len(np.shape(x))
    ax = tuple(reversed(range(nd))) if axes is None else tuple(int(a) % builtins.max(nd, 1) for a in axes)
    if sorted(ax) != list(range(nd)):
        raise ShapeError(f"'transpose': axes {axes!r} are not a permutation of the {nd} axes of shape "
                         f"{np.shape(x)}")
    return transpose_p(x, axes=ax)


# ---------------------------------------------------------------------------------------------
# Indexing.  Reading x[i] sends the adjoint back to the read positions (repeated indices add up).


def normalize_index(index, shp=None):
    """Turn an index into a tuple NumPy accepts, converting tensors and lists to int/bool arrays.

    >>> normalize_index(1), normalize_index([0, 2])
    ((1,), (array([0, 2]),))
    """
    items = index if isinstance(index, tuple) else (index,)
    out = []
    for it in items:
        it = value_of(it)
        if isinstance(it, list):
            # an empty list selects nothing, as in NumPy (np.asarray([]) alone would be float)
            it = np.asarray(it) if it else np.zeros(0, dtype=np.intp)
        if isinstance(it, np.ndarray):
            if it.dtype.kind not in "iub":
                raise DTypeError(f"index arrays must hold integers or bools; got dtype {it.dtype}")
        elif not (it is None or it is Ellipsis or isinstance(it, (slice, int, np.integer))):
            raise UnsupportedTypeError(f"cannot index a tensor with {type(it).__name__} {it!r}; use ints, "
                                       "slices, None, ... or integer/bool arrays")
        out.append(it)
    return tuple(out)


def _is_basic(index) -> bool:
    return not builtins.any(isinstance(i, np.ndarray) for i in index)


def _index_add_forward(g, index, shape):
    out = np.zeros(shape, dtype=np.result_type(g, np.float64) if np.asarray(g).dtype.kind != "f"
                   else np.asarray(g).dtype)
    if _is_basic(index):
        out[index] = g
    else:
        np.add.at(out, index, g)
    return out


index_add_p = defprim(
    "index_add", _index_add_forward,
    vjp=[lambda g, ans, v, index, shape: getitem(g, index)],
    jvp=[lambda t, ans, v, index, shape: index_add(t, index, shape)],
    partials=[("", "1 at the indexed positions")])

getitem_p = defprim(
    "getitem", lambda x, index: x[index],
    vjp=[lambda g, ans, x, index: index_add(g, index, shape(x))],
    jvp=[lambda t, ans, x, index: getitem(t, index)],
    view=True, partials=[("", "1 at the read positions")])


def _setitem_forward(base, value, index):
    out = np.array(base, copy=True, dtype=np.result_type(base, value))
    out[index] = value
    return out


setitem_p = defprim(
    "setitem", _setitem_forward,
    vjp=[lambda g, ans, base, value, index: setitem(g, 0.0, index),
         lambda g, ans, base, value, index: sum_to(getitem(g, index), shape(value))],
    jvp=[lambda t, ans, base, value, index: setitem(t, 0.0, index),
         lambda t, ans, base, value, index: setitem(np.zeros(shape(ans)), t, index)],
    partials=[("", "1 outside the written positions"), ("", "1 at the written positions")])


def index_add(v, index, shape):
    """Zeros of ``shape`` with ``v`` added at ``index`` (the adjoint of indexing).

    >>> index_add(np.array([1., 1.]), (np.array([0, 0]),), (3,))
    array([2., 0., 0.])
    """
    return index_add_p(v, index=index, shape=tuple(shape))


def getitem(x, index):
    """``x[index]`` with ints, slices, None, ``...`` and integer/bool index arrays.

    >>> import dpviz as dp
    >>> dp.getitem(dp.tensor([1., 2., 3.]), [2, 0]).data
    array([3., 1.])
    """
    return getitem_p(x, index=normalize_index(index))


def setitem(base, value, index):
    """A copy of ``base`` with ``base[index] = value``: what ``t[index] = value`` records.

    >>> setitem(np.zeros(3), 5.0, (1,))
    array([0., 5., 0.])
    """
    return setitem_p(base, value, index=normalize_index(index))


# ---------------------------------------------------------------------------------------------
# Joining tensors: the adjoint is cut back into the pieces.


def _piece(g, k, xs, axis):
    start = builtins.sum(shape(x)[axis] for x in xs[:k])
    idx = (slice(None),) * axis + (slice(start, start + shape(xs[k])[axis]),)
    return getitem(g, idx)


def _concat_jvp(k, t, ans, *xs, axis):
    parts = [t if j == k else np.zeros(shape(x)) for j, x in enumerate(xs)]
    return concatenate(parts, axis=axis)


concatenate_p = defprim(
    "concatenate", lambda *xs, axis: np.concatenate(xs, axis=axis),
    vjp=lambda k, g, ans, *xs, axis: _piece(g, k, xs, axis),
    jvp=_concat_jvp, variadic=True, partials=[("", "1 on its own block")])


def _stack_jvp(k, t, ans, *xs, axis):
    parts = [t if j == k else np.zeros(shape(x)) for j, x in enumerate(xs)]
    return stack(parts, axis=axis)


stack_p = defprim(
    "stack", lambda *xs, axis: np.stack(xs, axis=axis),
    vjp=lambda k, g, ans, *xs, axis: getitem(g, (slice(None),) * axis + (k,)),
    jvp=_stack_jvp, variadic=True, partials=[("", "1 on its own slice")])


def stack_nested(data):
    """A (nested) list or tuple holding tensors as one recorded tensor: each level is a stack, and
    plain numbers in it become constants of the stack.

    >>> import dpviz as dp
    >>> x = dp.tensor(3.0, requires_grad=True)
    >>> t = stack_nested([[x, 1.0], [2.0, x]]); t.op, t.shape
    ('stack', (2, 2))
    """
    if isinstance(data, (list, tuple)):
        items = [stack_nested(d) for d in data]
        if any(isinstance(i, Handle) for i in items):
            return stack(items)
        return np.asarray(items, dtype=float)
    return data


record.stack_nested = stack_nested


def _check_seq(xs, opname):
    if isinstance(xs, (Handle, np.ndarray)) or not isinstance(xs, (list, tuple)) or len(xs) == 0:
        raise UnsupportedTypeError(f"'{opname}' takes a non-empty list or tuple of tensors")


def concatenate(xs: Sequence, axis: int = 0):
    """Join tensors along an existing axis.

    >>> import dpviz as dp
    >>> dp.concatenate([dp.tensor([1.]), dp.tensor([2., 3.])]).data
    array([1., 2., 3.])
    """
    _check_seq(xs, "concatenate")
    nd = len(shape(xs[0]))
    if nd == 0:
        raise ShapeError("'concatenate' cannot join 0-d tensors; use dp.stack")
    ax = _norm_axis(axis, nd, "concatenate")[0]
    return concatenate_p(*xs, axis=ax)


def stack(xs: Sequence, axis: int = 0):
    """Join tensors of one shape along a new axis.

    >>> import dpviz as dp
    >>> dp.stack([dp.tensor([1., 2.]), dp.tensor([3., 4.])]).shape
    (2, 2)
    """
    _check_seq(xs, "stack")
    nd = len(shape(xs[0])) + 1
    ax = _norm_axis(axis, nd, "stack")[0]
    return stack_p(*xs, axis=ax)


# ---------------------------------------------------------------------------------------------
# Selection: where(cond, a, b) sends the adjoint to a where cond holds, to b elsewhere.

where_p = defprim(
    "where", lambda a, b, cond: np.where(cond, a, b),
    vjp=[lambda g, ans, a, b, cond: sum_to(where(cond, g, 0.0), shape(a)),
         lambda g, ans, a, b, cond: sum_to(where(cond, 0.0, g), shape(b))],
    jvp=[lambda t, ans, a, b, cond: where(cond, t, 0.0),
         lambda t, ans, a, b, cond: where(cond, 0.0, t)],
    partials=[("", "1 where cond holds, else 0"), ("", "1 where cond fails, else 0")])


def _tie_split(a, b, winner):
    """The share of the gradient of max/min(a, b) that goes to ``a``: 1 where a wins, ½ at a tie (as PyTorch)."""
    a, b = value_of(a), value_of(b)
    return np.where(a == b, 0.5, winner(a, b).astype(float))


maximum_p = defprim(
    "maximum", np.maximum,
    vjp=[lambda g, ans, a, b: sum_to(g * _tie_split(a, b, np.greater), shape(a)),
         lambda g, ans, a, b: sum_to(g * _tie_split(b, a, np.greater), shape(b))],
    jvp=[lambda t, ans, a, b: t * _tie_split(a, b, np.greater),
         lambda t, ans, a, b: t * _tie_split(b, a, np.greater)],
    saves=(0, 1), partials=[("∂max(a, b)/∂a", "[a > b] (½ at a tie)"), ("∂max(a, b)/∂b", "[b > a] (½ at a tie)")])

minimum_p = defprim(
    "minimum", np.minimum,
    vjp=[lambda g, ans, a, b: sum_to(g * _tie_split(a, b, np.less), shape(a)),
         lambda g, ans, a, b: sum_to(g * _tie_split(b, a, np.less), shape(b))],
    jvp=[lambda t, ans, a, b: t * _tie_split(a, b, np.less),
         lambda t, ans, a, b: t * _tie_split(b, a, np.less)],
    saves=(0, 1), partials=[("∂min(a, b)/∂a", "[a < b] (½ at a tie)"), ("∂min(a, b)/∂b", "[b < a] (½ at a tie)")])


def _inside(x, lo, hi):
    v = value_of(x)
    return ((v >= lo) & (v <= hi)).astype(float)


clip_p = defprim(
    "clip", lambda x, lo, hi: np.clip(x, lo, hi),
    vjp=[lambda g, ans, x, lo, hi: g * _inside(x, lo, hi)],
    jvp=[lambda t, ans, x, lo, hi: t * _inside(x, lo, hi)],
    saves=(0,), partials=[("∂clip(x)/∂x", "1 between the bounds, else 0")])


def _flip(t, axis: int):
    return getitem(t, tuple(slice(None, None, -1) if k == axis else slice(None) for k in range(len(shape(t)))))


cumsum_p = defprim(
    "cumsum", lambda x, axis: np.cumsum(x, axis=axis),
    # each x_k adds to every later sum: its adjoint is the sum of the adjoints from k on (a reversed cumsum)
    vjp=[lambda g, ans, x, axis: _flip(cumsum(_flip(g, axis), axis), axis)],
    jvp=[lambda t, ans, x, axis: cumsum(t, axis)],
    partials=[("∂(Σ_{k≤i} x_k)/∂x_k", "1 for k ≤ i")])


def maximum(a, b):
    """The larger of ``a`` and ``b``, elementwise (broadcast); at a tie each gets half the gradient.

    >>> import dpviz as dp
    >>> dp.maximum(dp.tensor([1.0, 5.0]), 3.0).data
    array([3., 5.])
    """
    return maximum_p(a, b)


def minimum(a, b):
    """The smaller of ``a`` and ``b``, elementwise (broadcast); at a tie each gets half the gradient.

    >>> import dpviz as dp
    >>> dp.minimum(dp.tensor([1.0, 5.0]), 3.0).data
    array([1., 3.])
    """
    return minimum_p(a, b)


def clip(x, lo, hi):
    """``x`` limited to ``[lo, hi]`` (numbers, not differentiated); the gradient is 1 inside, 0 outside.

    >>> import dpviz as dp
    >>> dp.clip(dp.tensor([-2.0, 0.5, 3.0]), -1.0, 1.0).data
    array([-1. ,  0.5,  1. ])
    """
    lo, hi = float(value_of(lo)), float(value_of(hi))
    if not lo <= hi:
        raise ShapeError(f"'clip' needs lo <= hi; got lo={lo}, hi={hi}")
    return clip_p(x, lo=lo, hi=hi)


def cumsum(x, axis=None):
    """Running sums along ``axis`` (of the flattened tensor when None, as in NumPy).

    >>> import dpviz as dp
    >>> dp.cumsum(dp.tensor([1.0, 2.0, 3.0])).data
    array([1., 3., 6.])
    """
    if axis is None:
        return cumsum_p(reshape(x, (-1,)), axis=0)
    nd = len(shape(x))
    return cumsum_p(x, axis=_norm_axis(axis, nd, "cumsum")[0] if nd else 0)


def where(cond, a, b):
    """Elementwise ``a`` where ``cond`` holds, else ``b`` (``cond`` is not differentiated).

    >>> import dpviz as dp
    >>> x = dp.tensor([-1., 2.])
    >>> dp.where(x > 0, x, 0.0).data
    array([0., 2.])
    """
    c = np.asarray(value_of(cond))
    if c.dtype != bool:
        raise DTypeError(f"'where' needs a boolean condition; got dtype {c.dtype} (compare, e.g. x > 0)")
    return where_p(a, b, cond=c)


# ---------------------------------------------------------------------------------------------
# Softmax family.  The output is reused by the rules, so its value is what they save.


def _stable_shift(x, axis):
    """x minus its maximum along ``axis`` (so exp cannot overflow); an empty x has nothing to shift."""
    return x - np.max(x, axis=axis, keepdims=True) if np.size(x) else np.asarray(x, dtype=float)


def _softmax_forward(x, axis):
    e = np.exp(_stable_shift(x, axis))
    return e / np.sum(e, axis=axis, keepdims=True)


def _log_softmax_forward(x, axis):
    z = _stable_shift(x, axis)
    if not np.size(z):
        return z
    return z - np.log(np.sum(np.exp(z), axis=axis, keepdims=True))


softmax_p = defprim(
    "softmax", _softmax_forward,
    vjp=[lambda g, ans, x, axis: ans * (g - sum(g * ans, axis=axis, keepdims=True))],
    jvp=[lambda t, ans, x, axis: ans * (t - sum(t * ans, axis=axis, keepdims=True))],
    saves=(-1,), partials=[("∂sᵢ/∂xⱼ", "sᵢ(δᵢⱼ − sⱼ)")])

log_softmax_p = defprim(
    "log_softmax", _log_softmax_forward,
    vjp=[lambda g, ans, x, axis: g - exp(ans) * sum(g, axis=axis, keepdims=True)],
    jvp=[lambda t, ans, x, axis: t - sum(exp(ans) * t, axis=axis, keepdims=True)],
    saves=(-1,), partials=[("∂ℓᵢ/∂xⱼ", "δᵢⱼ − sⱼ")])


def softmax(x, axis: int = -1):
    """Softmax along ``axis``: exp(x) / sum(exp(x)), computed stably.

    >>> import dpviz as dp
    >>> dp.softmax(dp.tensor([0., 0.])).data
    array([0.5, 0.5])
    """
    nd = len(shape(x))
    return softmax_p(x, axis=_norm_axis(axis, nd, "softmax")[0] if nd else None)


def log_softmax(x, axis: int = -1):
    """log(softmax(x)) along ``axis``, without overflow.

    >>> import dpviz as dp
    >>> np.round(dp.log_softmax(dp.tensor([0., 0.])).data, 4)
    array([-0.6931, -0.6931])
    """
    nd = len(shape(x))
    return log_softmax_p(x, axis=_norm_axis(axis, nd, "log_softmax")[0] if nd else None)


def _ce_rows(logits, targets):
    return (np.arange(len(targets)), targets) if np.ndim(logits) == 2 else (targets,)


def _ce_forward(logits, targets):
    ls = _log_softmax_forward(logits, -1)
    return -np.mean(ls[_ce_rows(logits, targets)])


def _ce_vjp(g, ans, logits, targets):
    n = len(targets) if np.ndim(targets) else 1
    onehot = np.zeros(shape(logits))
    onehot[_ce_rows(logits, targets)] = 1.0
    return g * (softmax(logits, axis=-1) - onehot) / float(n)


def _ce_jvp(t, ans, logits, targets):
    p = softmax(logits, axis=-1)
    picked = getitem(t, _ce_rows(logits, targets))
    return -mean(picked - sum(p * t, axis=-1))


cross_entropy_p = defprim(
    "cross_entropy", _ce_forward, vjp=[_ce_vjp], jvp=[_ce_jvp],
    saves=(0,), partials=[("∂L/∂z", "(softmax(z) − onehot(y)) / N")])


def cross_entropy(logits, targets):
    """Mean cross-entropy of class indices ``targets`` under ``softmax(logits)``.

    ``logits`` has shape (N, C) (or (C,) for one example); ``targets`` holds N
    integers in 0..C-1 (a dpviz int tensor, an array or a list).

    >>> import dpviz as dp
    >>> round(float(dp.cross_entropy(dp.tensor([[0., 0.]]), [1])), 4)
    0.6931
    """
    tr = np.asarray(value_of(targets))
    ls = shape(logits)
    if tr.dtype.kind not in "iu":
        raise DTypeError(f"'cross_entropy' needs integer class indices as targets; got dtype {tr.dtype}")
    if len(ls) not in (1, 2):
        raise ShapeError(f"'cross_entropy' needs logits of shape (N, C) or (C,); got {ls}")
    want = (ls[0],) if len(ls) == 2 else ()
    if tr.shape != want:
        raise ShapeError(f"'cross_entropy': logits of shape {ls} need targets of shape {want}; got {tr.shape}")
    if tr.size and (tr.min() < 0 or tr.max() >= ls[-1]):
        raise ShapeError(f"'cross_entropy': targets must lie in 0..{ls[-1] - 1}; got values "
                         f"{tr.min()}..{tr.max()}")
    return cross_entropy_p(logits, targets=tr)


BUILTIN = frozenset(PRIMITIVES)
