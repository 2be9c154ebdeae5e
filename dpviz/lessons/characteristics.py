"""Notebook 08: three programs over the same sequence - an MLP on the concatenation, an RNN
and self-attention - and the paper's program characteristics measured on their graphs.

Hernández, Millerioux & Amigó (2022), section 3.1 (characteristics 1, 3, 4)
and section 4.1 (Figures 2 and 3): in an RNN the path from ``x_{t-l}`` to ``y_t`` grows
with ``l``; self-attention joins every input to every output by paths of one length
(``y_t = Σ_i similarity(q_t, k_i) v_i``). Path lengths are counted with
:func:`dpviz.analysis.lag_profile` on the traced :class:`dpviz.Program`.

>>> xs = make_sequence(T=4)
>>> p = profiles(xs)
>>> p["rnn"].grows_with_lag, p["self_attention"].symmetric, p["mlp"].symmetric
(True, True, True)
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Sequence

import numpy as np

from dpviz.analysis import lag_profile
from dpviz.context import scope
from dpviz.primitives import concatenate, stack
from dpviz.program import trace as trace_program
from dpviz.tensors import tensor


def make_sequence(T: int = 6, d: int = 3, seed: int = 0) -> list[np.ndarray]:
    """T input vectors of size d.

    >>> len(make_sequence(5)), make_sequence(5)[0].shape
    (5, (3,))
    """
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(d) for _ in range(T)]


@dataclass
class Weights:
    """Fixed random weights for the three models (the lesson is the graph, not training)."""

    W: np.ndarray
    U: np.ndarray
    Wq: np.ndarray
    Wk: np.ndarray
    Wv: np.ndarray
    seed: int

    @classmethod
    def make(cls, d: int = 3, seed: int = 1) -> "Weights":
        """Draw all matrices (d × d) from one seeded generator.

        >>> Weights.make(2).W.shape
        (2, 2)
        """
        rng = np.random.default_rng(seed)
        W, U, Wq, Wk, Wv = (rng.standard_normal((d, d)) / np.sqrt(d) for _ in range(5))
        return cls(W, U, Wq, Wk, Wv, seed)


def rnn(*xs: Any, w: Weights) -> tuple:
    """Figure 2: ``h_t = tanh(W x_t + U h_{t-1})``, ``y_t = h_t``; each step in scope ``step{t}``.

    >>> import dpviz as dp
    >>> len(rnn(*[dp.tensor(x) for x in make_sequence(3)], w=Weights.make()))
    3
    """
    W, U = tensor(w.W, name="W"), tensor(w.U, name="U")
    h = tensor(np.zeros(w.U.shape[0]), name="h0")
    ys = []
    for t, x in enumerate(xs):
        with scope(f"step{t}"):
            h = (W @ x + U @ h).tanh().named(f"y{t}")
        ys.append(h)
    return tuple(ys)


def self_attention(*xs: Any, w: Weights) -> tuple:
    """Figure 3: queries, keys and values from the same inputs; ``y_t = Σ_i softmax_i(q_t·k_i/√d) v_i``.

    No positional information is added, so reordering the inputs reorders the outputs.

    >>> import dpviz as dp
    >>> len(self_attention(*[dp.tensor(x) for x in make_sequence(3)], w=Weights.make()))
    3
    """
    with scope("attention"):
        W_q, W_k, W_v = tensor(w.Wq, name="W_q"), tensor(w.Wk, name="W_k"), tensor(w.Wv, name="W_v")
        X = stack(list(xs))
        Q, K, V = X @ W_q, X @ W_k, X @ W_v
        A = ((Q @ K.T) / np.sqrt(Q.shape[1])).softmax(axis=1).named("alignment")
        Y = A @ V
    return tuple(Y[t].named(f"y{t}") for t in range(len(xs)))


def mlp(*xs: Any, w: Weights) -> tuple:
    """Equation (1) on the concatenation: ``y = tanh(M · [x_1; …; x_T])``, split into T outputs.

    M is (T·d) × (T·d): the parameter count grows with T², the price the paper mentions for
    concatenating (section 4.1).

    >>> import dpviz as dp
    >>> len(mlp(*[dp.tensor(x) for x in make_sequence(3)], w=Weights.make()))
    3
    """
    T, d = len(xs), w.W.shape[0]
    M = np.random.default_rng(w.seed).standard_normal((T * d, T * d)) / np.sqrt(T * d)
    with scope("mlp"):
        z = (tensor(M, name="M") @ concatenate(list(xs))).tanh()
    return tuple(z[t * d:(t + 1) * d].named(f"y{t}") for t in range(T))


MODELS: dict[str, Callable] = {"mlp": mlp, "rnn": rnn, "self_attention": self_attention}


def trace(name: str, xs: Sequence[np.ndarray], w: Weights | None = None) -> Any:
    """Trace one of :data:`MODELS` over the sequence; inputs are named x0, x1, ...

    >>> prog = trace("rnn", make_sequence(3)); prog.l, len(prog.outputs)
    (3, 3)
    """
    w = w or Weights.make(len(xs[0]))
    model = MODELS[name]

    def run(*inputs):
        return model(*[x.named(f"x{t}") for t, x in enumerate(inputs)], w=w)
    return trace_program(run, *xs)


def profiles(xs: Sequence[np.ndarray], w: Weights | None = None) -> dict[str, Any]:
    """Characteristic 1 for each model: a :class:`dpviz.analysis.LagProfile` (shortest paths)."""
    out = {}
    for name in MODELS:
        prog = trace(name, xs, w)
        out[name] = lag_profile(prog, prog.inputs, prog.outputs)
    return out


def from_first_input(profile: Any) -> list[int]:
    """Path lengths from x_0 to y_0, y_1, ..., y_{T−1} (lag 0, 1, ...): the row the figures plot.

    >>> from dpviz.analysis import LagProfile
    >>> from_first_input(LagProfile(np.array([[2, 4], [-1, 2]])))
    [2, 4]
    """
    return [int(v) for v in profile.table[0]]


def plot_profiles(profs: dict[str, Any]) -> Any:
    """Path length from x_0 to y_t against the lag t, one line per model (Figures 2 and 3).

    Models whose lines coincide (the MLP and self-attention: both constant) are told apart by
    dashes and marker shapes, and the legend says which lines lie on top of each other.

    >>> [t.name for t in plot_profiles(profiles(make_sequence(T=4, d=2))).data]
    ['mlp', 'rnn', 'self_attention (same as mlp)']
    """
    import plotly.graph_objects as go
    from dpviz.plotstyle import TEMPLATE

    fig = go.Figure()
    seen: dict[tuple, str] = {}
    looks = [("solid", "circle", 9), ("dash", "square-open", 12), ("dot", "diamond-open", 14)]
    for k, (name, p) in enumerate(profs.items()):
        row = from_first_input(p)
        dash, symbol, size = looks[k % len(looks)]
        key = tuple(row)
        label = f"{name} (same as {seen[key]})" if key in seen else name
        seen.setdefault(key, name)
        fig.add_trace(go.Scatter(x=list(range(len(row))), y=row, mode="lines+markers", name=label,
                                 line=dict(dash=dash, width=2), marker=dict(symbol=symbol, size=size)))
    fig.update_xaxes(title_text="lag l (output y_l, input x_0)", dtick=1)
    fig.update_yaxes(title_text="shortest path length (edges)", rangemode="tozero")
    fig.update_layout(template=TEMPLATE, height=360, width=700, margin=dict(t=30, b=40))
    return fig


def pooled(name: str, w: Weights | None = None) -> Callable:
    """A function of the input vectors (NumPy) giving one summary vector: the sum of the outputs
    of ``name`` (for the RNN, its last state, as an RNN classifier reads it).

    >>> xs = make_sequence(4)
    >>> from dpviz.analysis import permutation_check
    >>> permutation_check(pooled("self_attention"), xs).invariant
    True
    >>> permutation_check(pooled("rnn"), xs).invariant
    False
    """
    def f(*xs):
        ws = w or Weights.make(len(xs[0]))
        ys = MODELS[name](*[tensor(x) for x in xs], w=ws)
        if name == "rnn":
            return ys[-1].data
        return stack(list(ys)).sum(axis=0).data
    return f


def composed(xs: Sequence[Any], w: Weights | None = None) -> Any:
    """Characteristic 4: a model built from modules with a meaning each - encode every vector,
    relate them by attention, read out one score - each in its own ``dp.scope``.

    >>> import dpviz as dp
    >>> prog = dp.trace(lambda *x: composed(x), *make_sequence(3))
    >>> sorted({n.scope.split("/")[0] for n in prog.nodes if n.scope})
    ['attention', 'encoder', 'readout']
    """
    w = w or Weights.make(int(np.shape(xs[0])[0]))
    with scope("encoder"):
        W_enc = tensor(w.W, name="W_enc")          # one encoder, shared by every input
        enc = [(W_enc @ x).relu() for x in xs]
    ys = self_attention(*enc, w=w)
    with scope("readout"):
        score = stack(list(ys)).mean(axis=0).sum().sigmoid().named("score")
    return score
