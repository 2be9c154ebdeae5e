"""dpviz: see how gradients flow through a program.

A small autograd engine whose traced programs are the DAGs of Definition 1 of Hernández,
Millerioux & Amigó (2022) (see notebooks/REFERENCES.md): draw them, analyse them, step through them.

>>> import dpviz as dp
>>> x = dp.tensor([[1., 2.], [3., 4.]], name="x", requires_grad=True)
>>> w = dp.ones((2, 3), name="w", requires_grad=True)
>>> y = (x @ w).tanh().sum()
>>> y.backward()
>>> x.grad.shape
(2, 2)
"""
from dpviz.errors import (AnomalyError, BackwardError, DTypeError, DpvizError, GraphBreakWarning, InplaceError,
                          MissingExtraError, ReplayError, ShapeError, UnsupportedTypeError)
from dpviz.context import detect_anomaly, enable_grad, no_grad, scope
from dpviz.tensors import Tensor, as_tensor, ones, randn, tensor, zeros
from dpviz.primitives import (PRIMITIVES, abs, add, clone, concatenate, cos, cosh, cross_entropy, div, exp,
                              expm1, getitem, log, log1p, log2, log10, log_softmax, matmul, max, mean, mul,
                              neg, pow, relu, reshape, sigmoid, sin, sinh, softmax, sqrt, square, stack, sub,
                              sum, tan, tanh, transpose, where)
from dpviz.primitives import clip, cumsum, defprim, maximum, minimum, prod
from dpviz.composites import dot, expand_dims, flatten, logsumexp, min, norm, outer, ravel, split, squeeze, std, var
from dpviz.program import Program, ProgramNode, trace
from dpviz.steps import BackwardStep, ForwardStep, JvpStep, JvpTerm
from dpviz.functional import grad, hessian, hvp, jacobian, jvp, value_and_grad, vjp
from dpviz.pictures import draw
from dpviz.pictures.renderer import render
from dpviz.gradchecker import check_rules, gradcheck
from dpviz import analysis, nn, optim
from dpviz.settings import mode_note, quick_mode

__version__ = "0.1.0"

# Widgets pull in ipywidgets and plotly, and the exercise checkers are course code that builds
# on everything else: both are loaded on first use, so `import dpviz` stays light and no module
# of the package ever needs to import this one.
_LAZY = {
    "check": "dpviz.exercises", "hint": "dpviz.exercises", "solution": "dpviz.exercises",
    "Stepper": "dpviz.widgets", "explore": "dpviz.widgets", "Explorer": "dpviz.widgets",
    "LiveTraining": "dpviz.widgets", "live_plot": "dpviz.widgets", "widgets": "dpviz.widgets",
    "StepperError": "dpviz.widgets", "loss_curves": "dpviz.widgets", "accuracy_sweep": "dpviz.widgets",
    "alignment_heatmap": "dpviz.widgets", "path_length_profile": "dpviz.widgets",
}


# What `from dpviz import *` gives: everything above except the ops named like Python's
# built-ins (dp.sum, dp.max, dp.abs, dp.pow), which would replace them.
__all__ = [
    "AnomalyError", "BackwardError", "DTypeError", "DpvizError", "GraphBreakWarning", "InplaceError",
    "MissingExtraError", "ReplayError",
    "ShapeError", "UnsupportedTypeError",
    "detect_anomaly", "enable_grad", "no_grad", "scope",
    "Tensor", "as_tensor", "ones", "randn", "tensor", "zeros",
    "PRIMITIVES", "add", "clone", "concatenate", "cos", "cross_entropy", "div", "exp", "getitem", "log",
    "log_softmax", "matmul", "mean", "mul", "neg", "relu", "reshape", "sigmoid", "sin", "softmax", "sqrt",
    "stack", "sub", "tanh", "transpose", "where",
    "cosh", "expm1", "log1p", "log2", "log10", "sinh", "square", "tan",
    "clip", "cumsum", "defprim", "maximum", "minimum", "prod", "dot", "expand_dims", "flatten", "logsumexp", "min", "norm",
    "outer", "ravel", "split", "squeeze", "std", "var",
    "Program", "ProgramNode", "trace", "BackwardStep", "ForwardStep", "JvpStep", "JvpTerm",
    "grad", "hessian", "hvp", "jacobian", "jvp", "value_and_grad", "vjp",
    "draw", "render", "check_rules", "gradcheck", "analysis", "nn", "optim", "mode_note", "quick_mode",
    *_LAZY,
]


def __getattr__(name):
    if name in _LAZY:
        import importlib
        mod = importlib.import_module(_LAZY[name])
        return mod if name == "widgets" else getattr(mod, name)
    raise AttributeError(f"module 'dpviz' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_LAZY))
