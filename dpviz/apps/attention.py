"""Attention: score functions, self-attention, and encoder–decoders with and without attention.

Source: Hernández & Amigó (2019), "Differentiable programming and its applications to dynamical systems", section 3.1 (eqs. 4–11,
Figures 3–5) and section 3.2 (self-attention).  Two layers of code:

* small functions on **dpviz tensors** (:func:`bahdanau_scores`, :func:`cosine_scores`,
  :func:`attend`, :func:`self_attention`) whose programs can be traced, drawn and stepped;
* a **PyTorch** encoder–decoder (:class:`Seq2Seq`) fast enough to be trained in a notebook,
  with ``attention="none"`` (the plain model of eqs. 4–5), ``"bahdanau"`` (eq. 10) or
  ``"cosine"`` (eq. 11).

>>> import dpviz as dp, numpy as np
>>> rng = np.random.default_rng(0)
>>> H = dp.tensor(rng.standard_normal((5, 4)))          # five encoder states h_i
>>> s = dp.tensor(rng.standard_normal(3))               # decoder state s_{t-1}
>>> W, v = dp.tensor(rng.standard_normal((6, 7))), dp.tensor(rng.standard_normal(6))
>>> alpha, c = attend(bahdanau_scores(s, H, W, v), H)
>>> alpha.shape, c.shape, round(float(alpha.data.sum()), 6)
((5,), (4,), 1.0)
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import ClassVar, Literal

import numpy as np

from dpviz.extras import missing_extra

try:
    import torch
except ImportError as missing:      # the core install of dpviz has no PyTorch
    raise missing_extra("torch", __name__) from missing

from dpviz.apps import require, seqdata, torch_threads
from dpviz.primitives import concatenate, stack
from dpviz.settings import ModeSettings, torch_device
from dpviz.tensors import as_tensor, ones, zeros

Kind = Literal["none", "bahdanau", "cosine"]
KINDS = ("none", "bahdanau", "cosine")


# ------------------------------------------------------------------ dpviz versions (to look at)

def bahdanau_scores(s, H, W, v):
    """Additive scores ``score(s, h_i) = v · tanh(W [s; h_i])`` for every row ``h_i`` of ``H`` (eq. 10).

    ``s``: (m,), ``H``: (T, n), ``W``: (a, m + n), ``v``: (a,) → scores (T,).

    >>> import dpviz as dp, numpy as np
    >>> s, H = dp.tensor([1.0]), dp.tensor([[0.0], [2.0]])
    >>> W, v = dp.tensor([[1.0, 1.0]]), dp.tensor([1.0])
    >>> np.round(bahdanau_scores(s, H, W, v).data, 4).tolist()   # tanh(1 + 0), tanh(1 + 2)
    [0.7616, 0.9951]
    """
    s, H, W, v = (as_tensor(a) for a in (s, H, W, v))
    require(s.ndim == 1 and H.ndim == 2, f"s must be a vector and H a matrix; got {s.shape}, {H.shape}")
    require(W.shape == (v.shape[0], s.shape[0] + H.shape[1]),
            f"W must be (len(v), len(s) + H.shape[1]) = ({v.shape[0]}, {s.shape[0] + H.shape[1]}); got {W.shape}")
    # [s; h_i] for all i at once: s repeated on every row, then joined to H column-wise
    S = ones((H.shape[0], 1)) * s
    joined = concatenate([S, H], axis=1)
    return (joined @ W.T).tanh() @ v


def cosine_scores(s, H, sharpness=1.0):
    """Content scores ``β · cos(s, h_i)`` (eq. 11; β sharpens the softmax as the key strength of [31]).

    >>> import dpviz as dp, numpy as np
    >>> np.round(cosine_scores(dp.tensor([1.0, 0.0]), dp.tensor([[2.0, 0.0], [0.0, 1.0], [-1.0, 0.0]])).data, 6).tolist()
    [1.0, 0.0, -1.0]
    """
    s, H = as_tensor(s), as_tensor(H)
    require(s.ndim == 1 and H.ndim == 2 and H.shape[1] == s.shape[0],
            f"cosine scores need s (n,) and H (T, n); got {s.shape} and {H.shape}")
    norms = ((H * H).sum(axis=1) + 1e-12).sqrt() * ((s * s).sum() + 1e-12).sqrt()
    return (H @ s) / norms * sharpness


def attend(scores, H):
    """Weights ``α = softmax(scores)`` (eq. 9) and the context ``c = Σ_i α_i h_i`` (eq. 8).

    >>> import dpviz as dp
    >>> alpha, c = attend(dp.tensor([0.0, 0.0]), dp.tensor([[1.0, 0.0], [0.0, 1.0]]))
    >>> alpha.data.tolist(), c.data.tolist()
    ([0.5, 0.5], [0.5, 0.5])
    """
    scores, H = as_tensor(scores), as_tensor(H)
    require(scores.ndim == 1 and H.ndim == 2 and scores.shape[0] == H.shape[0],
            f"need one score per row of H; got scores {scores.shape} and H {H.shape}")
    alpha = scores.softmax(axis=0)
    return alpha, alpha @ H


def self_attention(X, Wq, Wk, Wv):
    """Scaled dot-product self-attention of a sequence ``X`` (T, d): returns ``(Y, A)``.

    Queries, keys and values are ``XWq``, ``XWk``, ``XWv``; ``A = softmax(QKᵀ/√d_k)`` row by row is
    the (T, T) alignment of the sequence with itself, and ``Y = AV``.  Every output row depends on
    every input row through the same few nodes: the path length does not grow with distance.

    >>> import dpviz as dp, numpy as np
    >>> X = dp.tensor(np.eye(3)); I = dp.tensor(np.eye(3))
    >>> Y, A = self_attention(X, I, I, I)
    >>> A.shape, np.allclose(A.data.sum(axis=1), 1)
    ((3, 3), True)
    """
    X, Wq, Wk, Wv = (as_tensor(a) for a in (X, Wq, Wk, Wv))
    require(X.ndim == 2, f"X must be (T, d); got {X.shape}")
    require(Wq.shape[0] == X.shape[1] and Wk.shape == Wq.shape and Wv.shape[0] == X.shape[1],
            f"Wq, Wk must be (d, d_k) with equal shapes and Wv (d, d_v); got {Wq.shape}, {Wk.shape}, {Wv.shape}")
    Q, K, V = X @ Wq, X @ Wk, X @ Wv
    A = ((Q @ K.T) * (1.0 / np.sqrt(Q.shape[1]))).softmax(axis=1)
    return A @ V, A


def rnn_states(X, W, U):
    """Hidden states ``h_t = tanh(W x_t + U h_{t-1})`` of a plain RNN over the rows of ``X`` (eq. 2).

    Returned stacked (T, m), so they can be attended over like encoder states.

    >>> import dpviz as dp, numpy as np
    >>> rnn_states(dp.tensor(np.ones((4, 2))), dp.tensor(np.ones((3, 2))), dp.tensor(np.zeros((3, 3)))).shape
    (4, 3)
    """
    X, W, U = (as_tensor(a) for a in (X, W, U))
    require(X.ndim == 2 and W.shape[1] == X.shape[1] and U.shape == (W.shape[0], W.shape[0]),
            f"need X (T, n), W (m, n), U (m, m); got {X.shape}, {W.shape}, {U.shape}")
    h = zeros(W.shape[0])
    states = []
    for t in range(X.shape[0]):
        h = (W @ X[t] + U @ h).tanh()
        states.append(h)
    return stack(states)


# ------------------------------------------------------------------ PyTorch encoder-decoder



@functools.cache          # the torch class is made once, on first use
def _build_seq2seq_class():
    nn = torch.nn

    class _Seq2Seq(nn.Module):
        def __init__(self, vocab: int, hidden: int, attention: str):
            super().__init__()
            n_tok = vocab + len(seqdata.SPECIAL)
            self.attention = attention
            self.emb = nn.Embedding(n_tok, hidden)
            # a bidirectional encoder, eq. (6): h_i = [forward h_i ; backward h_i]
            self.encoder = nn.GRU(hidden, hidden, batch_first=True, bidirectional=True)
            self.init = nn.Linear(2 * hidden, hidden)
            ctx = 2 * hidden if attention != "none" else 0
            self.cell = nn.GRUCell(hidden + ctx, hidden)
            self.out = nn.Linear(hidden + ctx, n_tok)
            if attention == "bahdanau":
                # W_a [s; h] = W_s s + W_h h: the same product, with W_h h computed once per sequence
                self.W_s = nn.Linear(hidden, hidden, bias=False)
                self.W_h = nn.Linear(2 * hidden, hidden, bias=False)
                self.v = nn.Linear(hidden, 1, bias=False)
            elif attention == "cosine":
                # s and h_i live in spaces of different size: s is mapped to a key first
                self.key = nn.Linear(hidden, 2 * hidden)
                self.log_beta = nn.Parameter(torch.tensor(2.0))

        def scores(self, s, H, HW):
            if self.attention == "bahdanau":
                return self.v(torch.tanh(self.W_s(s)[:, None, :] + HW)).squeeze(-1)
            k = self.key(s)
            cos = torch.nn.functional.cosine_similarity(k[:, None, :], H, dim=-1, eps=1e-8)
            return self.log_beta.exp() * cos

        def forward(self, src, tgt_in=None, steps=None):
            H, last = self.encoder(self.emb(src))
            # eq. (5): the decoder starts from the encoder's summary (both directions' last states)
            s = torch.tanh(self.init(torch.cat([last[0], last[1]], dim=-1)))
            HW = self.W_h(H) if self.attention == "bahdanau" else None
            steps = tgt_in.shape[1] if tgt_in is not None else steps
            y_prev = torch.full((src.shape[0],), seqdata.SPECIAL["start"], dtype=torch.long, device=src.device)
            logits, alphas = [], []
            for t in range(steps):
                inp = self.emb(tgt_in[:, t] if tgt_in is not None else y_prev)
                if self.attention != "none":
                    alpha = torch.softmax(self.scores(s, H, HW), dim=-1)      # eq. (9), from s_{t-1}
                    c = torch.bmm(alpha[:, None, :], H).squeeze(1)          # eq. (8)
                    s = self.cell(torch.cat([inp, c], dim=-1), s)           # eq. (7)
                    logit = self.out(torch.cat([s, c], dim=-1))
                    alphas.append(alpha)
                else:
                    s = self.cell(inp, s)
                    logit = self.out(s)
                logits.append(logit)
                y_prev = logit.argmax(-1)
            A = torch.stack(alphas, 1) if alphas else None
            return torch.stack(logits, 1), A

    return _Seq2Seq


def Seq2Seq(vocab: int = 8, hidden: int = 32, attention: Kind = "none", seed: int = 0):
    """A GRU encoder–decoder (torch ``nn.Module``) with ``attention`` ``"none"``, ``"bahdanau"`` or ``"cosine"``.

    ``model(src)`` with ``steps=`` decodes greedily; ``model(src, tgt_in)`` uses teacher forcing.
    Both return ``(logits (B, T', tokens), alignment (B, T', T) or None)``.

    >>> import torch
    >>> m = Seq2Seq(vocab=5, hidden=8, attention="bahdanau", seed=0)
    >>> logits, A = m(torch.zeros((2, 4), dtype=torch.long) + 2, steps=4)
    >>> tuple(logits.shape), tuple(A.shape)
    ((2, 4, 7), (2, 4, 4))
    """
    require(attention in KINDS, f"attention must be one of {KINDS}; got {attention!r}")
    require(vocab >= 2 and hidden >= 1, f"need vocab >= 2 and hidden >= 1; got {vocab}, {hidden}")
    torch.manual_seed(seed)
    return _build_seq2seq_class()(vocab, hidden, attention)


@dataclass(frozen=True)
class Seq2SeqSettings(ModeSettings):
    """How big and how long the encoder–decoder comparison runs; :meth:`for_mode` picks CI or full.

    >>> Seq2SeqSettings.quick_changes()   # what CI (quick mode) runs smaller: (quick, full)
    {'lengths': ((4, 12), (4, 16)), 'steps': (300, 1500), 'eval_per_length': (100, 200)}
    """

    task: str = "reverse"
    vocab: int = 8
    hidden: int = 32
    lengths: tuple[int, int] = (4, 16)
    steps: int = 1500
    batch: int = 64
    lr: float = 3e-3
    eval_per_length: int = 200

    QUICK: ClassVar[dict] = dict(lengths=(4, 12), steps=300, eval_per_length=100)     # the CI setting (see ModeSettings)


def _task(name: str):
    tasks = {"reverse": seqdata.reverse_task, "copy": seqdata.copy_task}
    require(name in tasks, f"task must be one of {sorted(tasks)}; got {name!r}")
    return tasks[name]


def train_seq2seq(model, settings: Seq2SeqSettings, seed: int = 0) -> list[float]:
    """Train ``model`` with Adam and teacher forcing on sequences of random length; returns the losses.

    Each step draws one length in ``settings.lengths`` and a batch of that length (so no padding).

    >>> m = Seq2Seq(vocab=4, hidden=8, seed=0)
    >>> losses = train_seq2seq(m, Seq2SeqSettings(vocab=4, hidden=8, lengths=(2, 3), steps=3, batch=4))
    >>> len(losses)
    3
    """
    make = _task(settings.task)
    lo, hi = settings.lengths
    require(1 <= lo <= hi, f"lengths must be (low, high) with 1 <= low <= high; got {settings.lengths}")
    device = torch_device()
    model.to(device).train()
    opt = torch.optim.Adam(model.parameters(), lr=settings.lr)
    rng = np.random.default_rng(seed)
    losses = []
    for step in range(settings.steps):
        length = int(rng.integers(lo, hi + 1))
        b = make(settings.batch, length, settings.vocab, seed=seed * 1_000_003 + step)
        src = torch.as_tensor(seqdata.encode(b.inputs), device=device)
        tgt = torch.as_tensor(seqdata.encode(b.targets), device=device)
        start = torch.full((tgt.shape[0], 1), seqdata.SPECIAL["start"], device=device)
        logits, _ = model(src, torch.cat([start, tgt[:, :-1]], dim=1))
        loss = torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), tgt.reshape(-1))
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
        opt.step()
        losses.append(loss.item())
    return losses


def accuracy_by_length(model, settings: Seq2SeqSettings, lengths, seed: int = 12345) -> dict[int, float]:
    """Per-symbol accuracy of greedy decoding on fresh sequences of each length.

    >>> m = Seq2Seq(vocab=4, hidden=8, seed=0)
    >>> acc = accuracy_by_length(m, Seq2SeqSettings(vocab=4, eval_per_length=5), [2, 3])
    >>> sorted(acc), all(0 <= a <= 1 for a in acc.values())
    ([2, 3], True)
    """
    make = _task(settings.task)
    device = torch_device()
    model.to(device).eval()
    out = {}
    with torch.no_grad():
        for length in lengths:
            b = make(settings.eval_per_length, int(length), settings.vocab, seed=seed + int(length))
            src = torch.as_tensor(seqdata.encode(b.inputs), device=device)
            logits, _ = model(src, steps=int(length))
            pred = seqdata.decode(logits.argmax(-1).cpu().numpy())
            out[int(length)] = float((pred == b.targets).mean())
    return out


def alignment(model, symbols, settings: Seq2SeqSettings | None = None) -> np.ndarray:
    """The alignment matrix α (rows = outputs, columns = inputs) of greedy decoding of one sequence.

    >>> m = Seq2Seq(vocab=4, hidden=8, attention="cosine", seed=0)
    >>> alignment(m, [0, 1, 2]).shape
    (3, 3)
    """
    require(getattr(model, "attention", "none") != "none", "a model without attention has no alignment matrix")
    symbols = np.asarray(symbols)
    require(symbols.ndim == 1 and symbols.size >= 1, f"give one sequence of symbols; got shape {symbols.shape}")
    device = torch_device()
    model.to(device).eval()
    with torch.no_grad():
        src = torch.as_tensor(seqdata.encode(symbols)[None, :], device=device)
        _, A = model(src, steps=len(symbols))
    return A[0].cpu().numpy()


@dataclass
class Comparison:
    """The result of :func:`compare`: a trained model, its losses and its accuracy per length, per kind.

    >>> Comparison(Seq2SeqSettings()).kinds
    []
    """

    settings: Seq2SeqSettings
    models: dict = field(default_factory=dict)
    losses: dict = field(default_factory=dict)
    accuracy: dict = field(default_factory=dict)

    @property
    def kinds(self) -> list[str]:
        """The attention kinds compared, in training order.

        >>> Comparison(Seq2SeqSettings(), models={"none": None}).kinds
        ['none']
        """
        return list(self.models)

    def long_accuracy(self, kind: str, k: int = 3) -> float:
        """Mean accuracy over the ``k`` longest lengths evaluated.

        >>> Comparison(Seq2SeqSettings(), accuracy={"none": {4: 1.0, 5: 0.5, 6: 0.0}}).long_accuracy("none", k=2)
        0.25
        """
        acc = self.accuracy[kind]
        return float(np.mean([acc[n] for n in sorted(acc)[-k:]]))


def compare(kinds=("none", "bahdanau"), settings: Seq2SeqSettings | None = None, seed: int = 0) -> Comparison:
    """Train one encoder–decoder per attention kind on the same data and measure accuracy vs length.

    >>> c = compare(("none",), Seq2SeqSettings(vocab=4, hidden=8, lengths=(2, 3), steps=2, batch=4, eval_per_length=4))
    >>> c.kinds, sorted(c.accuracy["none"])
    (['none'], [2, 3])
    """
    settings = settings or Seq2SeqSettings.for_mode()
    result = Comparison(settings)
    lengths = list(range(settings.lengths[0], settings.lengths[1] + 1))
    with torch_threads(1):
        for kind in kinds:
            torch.manual_seed(seed)
            model = Seq2Seq(settings.vocab, settings.hidden, kind, seed=seed)
            result.losses[kind] = train_seq2seq(model, settings, seed=seed)
            result.accuracy[kind] = accuracy_by_length(model, settings, lengths)
            result.models[kind] = model
    return result
