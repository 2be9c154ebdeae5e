"""External memories: an end-to-end memory network and a DNC-style content-addressed memory.

Source: Hernández & Amigó (2019), "Differentiable programming and its applications to dynamical systems", section 3.2: memory networks
([7]: "a recurrent attention model over an external memory") and Differentiable Neural Computers
([8]: a controller with an N × W memory, read and written through weightings computed by content
similarity, temporal links and dynamic allocation).  Both models are PyTorch modules so they train
in seconds; every weighting they compute is returned, so a notebook can show where they looked.

* :class:`MemN2N` answers questions about generated stories (:func:`dpviz.apps.seqdata.where_is_task`)
  with several *hops* of attention over the stored sentences.
* :class:`DNCMemory` copies sequences: a controller writes each symbol into the memory (where: the
  DNC's *allocation* weighting, i.e. the least-used row) and reads it back by *content* (cosine
  similarity of a read key with every row), the two addressing modes the text describes.

>>> import numpy as np
>>> w = content_weights(np.eye(3)[None], np.array([[0.0, 5.0, 0.0]]), np.array([10.0]))
>>> int(w.argmax())
1
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

from dpviz.extras import missing_extra

try:
    import torch
except ImportError as missing:      # the core install of dpviz has no PyTorch
    raise missing_extra("torch", __name__) from missing

from dpviz.apps import model_device, require, seqdata, torch_threads
from dpviz.settings import ModeSettings, torch_device

# ---------------------------------------------------------------- addressing (shared by both)


def content_weights(M, key, strength):
    """Content addressing: ``softmax_i(β · cos(key, M_i))`` over the rows of a memory ``M``.

    Works on torch tensors (batched: ``M`` (B, N, W), ``key`` (B, W), ``strength`` (B,)) and on numpy
    arrays (converted).  A larger strength β makes the weighting sharper.

    >>> import numpy as np
    >>> [round(float(v), 3) for v in content_weights(np.eye(2)[None], np.array([[1.0, 0.0]]), np.array([1.0]))[0]]
    [0.731, 0.269]
    """
    as_np = not isinstance(M, torch.Tensor)
    M, key, strength = (torch.as_tensor(np.asarray(a, dtype=np.float32)) if as_np else a
                        for a in (M, key, strength))
    require(M.ndim == 3 and key.ndim == 2 and key.shape[1] == M.shape[2],
            f"need M (B, N, W) and key (B, W); got {tuple(M.shape)} and {tuple(key.shape)}")
    cos = torch.nn.functional.cosine_similarity(M, key[:, None, :], dim=-1, eps=1e-6)
    w = torch.softmax(strength[:, None] * cos, dim=-1)
    return w.numpy() if as_np else w


def allocation_weights(usage):
    """The DNC's allocation weighting: mostly on the least-used row (``a_j = (1-u_j) Π_{i<j} u_i`` in usage order).

    >>> import numpy as np
    >>> np.round(allocation_weights(np.array([[1.0, 0.0, 0.5]])), 3).tolist()
    [[0.0, 1.0, 0.0]]
    """
    as_np = not isinstance(usage, torch.Tensor)
    u = torch.as_tensor(np.asarray(usage, dtype=np.float32)) if as_np else usage
    require(u.ndim == 2, f"usage must be (B, N); got {tuple(u.shape)}")
    u = 1e-6 + (1 - 1e-6) * u                     # as in the DNC: keeps the products away from 0
    sorted_u, order = torch.sort(u, dim=-1)
    # product of the usages of all rows that are freer than row j
    prod = torch.cumprod(torch.cat([torch.ones_like(sorted_u[:, :1]), sorted_u[:, :-1]], dim=-1), dim=-1)
    a_sorted = (1 - sorted_u) * prod
    a = torch.zeros_like(u).scatter(-1, order, a_sorted)
    return a.numpy() if as_np else a


# ---------------------------------------------------------------- end-to-end memory network

def _build_memn2n():
    nn = torch.nn

    class _MemN2N(nn.Module):
        def __init__(self, n_words: int, n_sentences: int, dim: int, hops: int):
            super().__init__()
            self.hops = hops
            # adjacent weight tying of [7]: the output embedding of hop k is the input embedding of hop k+1
            self.embed = nn.ModuleList(nn.Embedding(n_words, dim, padding_idx=0) for _ in range(hops + 1))
            self.time = nn.ParameterList(nn.Parameter(0.1 * torch.randn(n_sentences, dim)) for _ in range(hops + 1))
            self.answer = nn.Linear(dim, n_words, bias=False)

        def forward(self, stories, questions):
            u = self.embed[0](questions).sum(1)                    # the query, bag of words
            attn = []
            for k in range(self.hops):
                # temporal encoding: sentences are marked by their position (last sentence = index 0)
                m = self.embed[k](stories).sum(2) + self.time[k].flip(0)
                c = self.embed[k + 1](stories).sum(2) + self.time[k + 1].flip(0)
                p = torch.softmax(torch.einsum("bsd,bd->bs", m, u), dim=-1)
                u = u + torch.einsum("bs,bsd->bd", p, c)             # next hop's query
                attn.append(p)
            return self.answer(u), torch.stack(attn, 1)

    return _MemN2N


_MEMN2N = None


def MemN2N(n_words: int, n_sentences: int, dim: int = 32, hops: int = 2, seed: int = 0):
    """An end-to-end memory network (torch module): ``model(stories, questions) -> (logits, attention)``.

    ``attention`` is (batch, hops, sentences): at each hop, how much each stored sentence was read.

    >>> import torch
    >>> m = MemN2N(n_words=10, n_sentences=4, dim=8, hops=3)
    >>> logits, p = m(torch.ones((2, 4, 3), dtype=torch.long), torch.ones((2, 2), dtype=torch.long))
    >>> tuple(logits.shape), tuple(p.shape)
    ((2, 10), (2, 3, 4))
    """
    global _MEMN2N
    require(hops >= 1 and dim >= 1 and n_words >= 2 and n_sentences >= 1,
            f"need hops, dim, sentences >= 1 and at least 2 words; got {hops}, {dim}, {n_sentences}, {n_words}")
    if _MEMN2N is None:
        _MEMN2N = _build_memn2n()
    torch.manual_seed(seed)
    return _MEMN2N(n_words, n_sentences, dim, hops)


@dataclass(frozen=True)
class QASettings(ModeSettings):
    """Sizes of the question-answering runs; :meth:`for_mode` picks the CI or the full setting.

    >>> QASettings.quick_changes()   # what CI (quick mode) runs smaller: (quick, full)
    {'n_train': (2000, 3000), 'restarts': (3, 4)}
    """

    n_train: int = 3000
    n_test: int = 500
    n_sentences: int = 6
    dim: int = 32
    epochs: int = 25
    batch: int = 32
    lr: float = 1e-2
    restarts: int = 4

    QUICK: ClassVar[dict] = dict(n_train=2000, epochs=25, restarts=3)     # the CI setting (see ModeSettings)


@dataclass
class QAResult:
    """A trained memory network, its test accuracy, its attention on the test set, and the test data.

    >>> QAResult(None, 0.5, np.zeros((1, 1, 2)), None, []).accuracy
    0.5
    """

    model: object
    accuracy: float
    attention: np.ndarray
    test: seqdata.QASet
    losses: list = field(default_factory=list)

    def support_attention(self) -> float:
        """Mean attention on each supporting sentence, at the hop that reads it most.

        >>> qa = seqdata.where_is_task(2, n_sentences=3, seed=0)
        >>> att = np.zeros((2, 1, 3)); att[np.arange(2), 0, qa.support[:, 0]] = 1.0
        >>> QAResult(None, 1.0, att, qa).support_attention()
        1.0
        """
        sup = self.test.support
        hops = self.attention.shape[1]
        vals = []
        for j in range(sup.shape[1]):
            # with two facts the first hop finds the later fact (who moved) in many trained runs; take the best hop
            per_hop = [self.attention[np.arange(len(sup)), h, sup[:, j]].mean() for h in range(hops)]
            vals.append(max(per_hop))
        return float(np.mean(vals))


def _train_memn2n_once(train: seqdata.QASet, hops: int, settings: "QASettings", seed: int):
    dev = torch_device()
    as_t = lambda a: torch.as_tensor(a, dtype=torch.long, device=dev)
    S, Q, A = as_t(train.stories), as_t(train.questions), as_t(train.answers)
    model = MemN2N(len(train.vocab), settings.n_sentences, settings.dim, hops, seed=seed).to(dev)
    opt = torch.optim.Adam(model.parameters(), lr=settings.lr)
    gen = torch.Generator().manual_seed(seed)
    losses = []
    for _ in range(settings.epochs):
        order = torch.randperm(len(A), generator=gen).to(dev)
        for i in range(0, len(A), settings.batch):
            idx = order[i:i + settings.batch]
            logits, _ = model(S[idx], Q[idx])
            loss = torch.nn.functional.cross_entropy(logits, A[idx])
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 40.0)
            opt.step()
            losses.append(loss.item())
    return model, losses


def train_memn2n(hops: int, with_objects: bool, settings: QASettings | None = None, seed: int = 0) -> QAResult:
    """Train a memory network with ``hops`` hops on the where-is task; return its test accuracy and attention.

    Multi-hop networks sometimes settle in a poor solution (e.g. "answer the last place mentioned"), so, as in
    [7], training is repeated ``settings.restarts`` times from different initialisations and the run with the
    lowest training loss (mean over its last epoch) is kept.  The test set plays no part in that choice.

    >>> r = train_memn2n(1, False, QASettings(n_train=40, n_test=10, epochs=1, dim=8, restarts=1))
    >>> 0.0 <= r.accuracy <= 1.0, r.attention.shape
    (True, (10, 1, 6))
    """
    settings = settings or QASettings.for_mode()
    require(settings.restarts >= 1, f"restarts must be at least 1; got {settings.restarts}")
    train = seqdata.where_is_task(settings.n_train, settings.n_sentences, with_objects, seed=seed)
    test = seqdata.where_is_task(settings.n_test, settings.n_sentences, with_objects, seed=seed + 99991)
    per_epoch = -(-settings.n_train // settings.batch)
    best = None
    with torch_threads(1):
        for r in range(settings.restarts):
            model, losses = _train_memn2n_once(train, hops, settings, seed=seed + 1000 * r)
            final = float(np.mean(losses[-per_epoch:]))
            if best is None or final < best[0]:
                best = (final, model, losses)
        _, model, losses = best
        dev = model_device(model)
        as_t = lambda a: torch.as_tensor(a, dtype=torch.long, device=dev)
        with torch.no_grad():
            logits, attn = model(as_t(test.stories), as_t(test.questions))
    acc = float((logits.argmax(-1).cpu().numpy() == test.answers).mean())
    return QAResult(model, acc, attn.cpu().numpy(), test, losses)


# ---------------------------------------------------------------- DNC-style memory on a copy task

def _build_dnc():
    nn = torch.nn

    class _DNCMemory(nn.Module):
        def __init__(self, vocab: int, max_len: int, slots: int, width: int, hidden: int):
            super().__init__()
            self.vocab, self.max_len, self.slots, self.width = vocab, max_len, slots, width
            # the controller sees the symbol, phase flags and position in the phase; the output sees only
            # what was read, so everything copied must pass through the memory (and the picture is clean)
            n_in = vocab + 2 + max_len
            self.controller = nn.Sequential(nn.Linear(n_in, hidden), nn.Tanh())
            # the interface: write key, write vector, erase vector, read key, two strengths, two gates
            self.interface = nn.Linear(hidden, 4 * width + 4)
            self.output = nn.Linear(width, vocab)

        def forward(self, symbols):
            B, T = symbols.shape
            W = self.width
            dev = symbols.device
            M = torch.full((B, self.slots, W), 1e-6, device=dev)
            usage = torch.zeros(B, self.slots, device=dev)
            onehot = torch.nn.functional.one_hot(symbols, self.vocab).float()
            pos = torch.eye(self.max_len, device=dev)[:T]
            logits, writes, reads = [], [], []
            for t in range(2 * T):
                reading = t >= T
                x = onehot[:, t] if not reading else torch.zeros(B, self.vocab, device=dev)
                flags = torch.tensor([0.0, 1.0] if reading else [1.0, 0.0], device=dev).expand(B, 2)
                p = pos[t - T if reading else t].expand(B, self.max_len)
                h = self.controller(torch.cat([x, flags, p], dim=-1))
                k_w, v, e, k_r, rest = torch.split(self.interface(h), [W, W, W, W, 4], dim=-1)
                beta_w, beta_r = (1 + torch.nn.functional.softplus(rest[:, :2])).unbind(-1)
                g_alloc, g_write = torch.sigmoid(rest[:, 2]), torch.sigmoid(rest[:, 3])
                # where to write: allocation (a free row) or content (an existing row), then how much
                alloc = allocation_weights(usage)
                w_w = g_write[:, None] * (g_alloc[:, None] * alloc
                                          + (1 - g_alloc[:, None]) * content_weights(M, k_w, beta_w))
                M = M * (1 - w_w[:, :, None] * torch.sigmoid(e)[:, None, :]) + w_w[:, :, None] * v[:, None, :]
                usage = usage + w_w - usage * w_w
                # where to read: by content only
                w_r = content_weights(M, k_r, beta_r)
                r = torch.einsum("bn,bnw->bw", w_r, M)
                writes.append(w_w)
                reads.append(w_r)
                if reading:
                    logits.append(self.output(r))
            return torch.stack(logits, 1), torch.stack(writes, 1), torch.stack(reads, 1)

    return _DNCMemory


_DNC = None


def DNCMemory(vocab: int = 6, max_len: int = 8, slots: int = 10, width: int = 12, hidden: int = 64, seed: int = 0):
    """A DNC-style memory for copying (torch module): ``model(symbols) -> (logits, write_w, read_w)``.

    ``symbols`` is (B, T) with T ≤ ``max_len``; the model sees them for T steps, then has T steps to
    output them.  ``write_w``/``read_w`` are (B, 2T, slots): the weightings at every step.

    >>> import torch
    >>> m = DNCMemory(vocab=4, max_len=3, slots=4, width=5, hidden=8)
    >>> logits, ww, wr = m(torch.zeros((2, 3), dtype=torch.long))
    >>> tuple(logits.shape), tuple(ww.shape)
    ((2, 3, 4), (2, 6, 4))
    """
    global _DNC
    require(slots >= max_len, f"the memory needs at least one row per symbol: slots={slots} < max_len={max_len}")
    require(min(vocab, max_len, width, hidden) >= 1, "all sizes must be positive")
    if _DNC is None:
        _DNC = _build_dnc()
    torch.manual_seed(seed)
    return _DNC(vocab, max_len, slots, width, hidden)


@dataclass(frozen=True)
class CopySettings(ModeSettings):
    """Sizes of the DNC copy run; :meth:`for_mode` picks the CI or the full setting.

    >>> CopySettings.quick_changes()   # what CI (quick mode) runs smaller: (quick, full)
    {'steps': (400, 1200)}
    """

    vocab: int = 6
    max_len: int = 8
    slots: int = 10
    width: int = 12
    hidden: int = 64
    steps: int = 1200
    batch: int = 32
    lr: float = 5e-3

    QUICK: ClassVar[dict] = dict(steps=400)     # the CI setting (see ModeSettings)


@dataclass
class CopyResult:
    """A trained DNC-style memory, its copy accuracy per length, and its losses.

    >>> CopyResult(None, {3: 1.0}, []).accuracy[3]
    1.0
    """

    model: object
    accuracy: dict
    losses: list

    def weightings(self, symbols) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Predicted symbols, write and read weightings (2T, slots) for one sequence.

        >>> r = CopyResult(DNCMemory(vocab=3, max_len=4, slots=4, width=4, hidden=8), {}, [])
        >>> [a.shape for a in r.weightings([0, 1, 2])]
        [(3,), (6, 4), (6, 4)]
        """
        with torch.no_grad():
            logits, ww, wr = self.model(torch.as_tensor(np.asarray(symbols)[None], dtype=torch.long,
                                                        device=model_device(self.model)))
        return logits[0].argmax(-1).cpu().numpy(), ww[0].cpu().numpy(), wr[0].cpu().numpy()

    def read_follows_write(self, length: int, n: int = 100, seed: int = 31) -> float:
        """Fraction of output steps j whose strongest read is the row most written at input step j.

        1.0 means the memory is used as the picture suggests: symbol j is fetched from where it was put.

        >>> r = CopyResult(DNCMemory(vocab=3, max_len=4, slots=4, width=4, hidden=8), {}, [])
        >>> 0.0 <= r.read_follows_write(3, n=5) <= 1.0
        True
        """
        require(2 <= length <= self.model.max_len, f"length must be in 2 … {self.model.max_len}; got {length}")
        b = seqdata.copy_task(n, length, self.model.vocab, seed=seed)
        with torch.no_grad():
            _, ww, wr = self.model(torch.as_tensor(b.inputs, dtype=torch.long, device=model_device(self.model)))
        written = ww[:, :length].argmax(-1)
        read = wr[:, length:].argmax(-1)
        return float((written == read).float().mean())


def train_dnc_copy(settings: CopySettings | None = None, seed: int = 0) -> CopyResult:
    """Train :class:`DNCMemory` on copying sequences of length 2 … ``max_len``; accuracy per length.

    >>> r = train_dnc_copy(CopySettings(vocab=3, max_len=3, slots=3, width=4, hidden=8, steps=2, batch=4))
    >>> sorted(r.accuracy)
    [2, 3]
    """
    settings = settings or CopySettings.for_mode()
    rng = np.random.default_rng(seed)
    losses = []
    with torch_threads(1):
        dev = torch_device()
        model = DNCMemory(settings.vocab, settings.max_len, settings.slots, settings.width, settings.hidden, seed).to(dev)
        opt = torch.optim.Adam(model.parameters(), lr=settings.lr)
        for step in range(settings.steps):
            length = int(rng.integers(2, settings.max_len + 1))
            b = seqdata.copy_task(settings.batch, length, settings.vocab, seed=seed * 7919 + step)
            y = torch.as_tensor(b.targets, dtype=torch.long, device=dev)
            logits, _, _ = model(torch.as_tensor(b.inputs, dtype=torch.long, device=dev))
            loss = torch.nn.functional.cross_entropy(logits.reshape(-1, settings.vocab), y.reshape(-1))
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 10.0)
            opt.step()
            losses.append(loss.item())
        acc = {}
        with torch.no_grad():
            for length in range(2, settings.max_len + 1):
                b = seqdata.copy_task(200, length, settings.vocab, seed=10_000 + length)
                logits, _, _ = model(torch.as_tensor(b.inputs, dtype=torch.long, device=dev))
                acc[length] = float((logits.argmax(-1).cpu().numpy() == b.targets).mean())
    return CopyResult(model, acc, losses)
