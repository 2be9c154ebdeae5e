"""Differentiable plasticity: fixed weights plus Hebbian traces whose influence is learned.

Source: Hernández & Amigó (2019), "Differentiable programming and its applications to dynamical systems", section 3.3, eqs. (12)–(13)
(after Miconi, Stanley and Clune [34]):

    y_j = tanh( Σ_i (w_ij + α_ij H_ij(t)) y_i ),        H_ij(t+1) = η y_i y_j + (1 − η) H_ij(t).

``w``, ``α`` and ``η`` are trained by gradient descent through whole episodes; ``H`` is not a
parameter: it keeps changing with the activity, during training *and after it*.  The task is
pattern memorisation: an episode shows a few random ±1 patterns, then one of them with half its
bits erased, and the network must fill the erased bits in.  Patterns are new in every episode, so
fixed weights alone cannot store them; only the plastic part can.

Written with the dpviz engine, so one step can be traced and drawn (:func:`plastic_step`).

>>> import dpviz as dp, numpy as np
>>> net = PlasticNet(n=4, plastic=True, seed=0)
>>> y, H = plastic_step(dp.zeros((1, 4)), dp.zeros((1, 4, 4)), dp.tensor(np.ones((1, 4))), net)
>>> y.shape, H.shape
((1, 4), (1, 4, 4))
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

from dpviz import nn, optim
from dpviz.apps import require
from dpviz.context import no_grad
from dpviz.settings import ModeSettings
from dpviz.tensors import as_tensor, tensor, zeros


class PlasticNet(nn.Module):
    """A recurrent layer of ``n`` neurons with weights ``w`` and, when ``plastic``, ``α`` and ``η``.

    ``η`` is kept in (0, 1) by a sigmoid of a raw parameter; without plasticity the same network
    runs with ``α·H`` left out (``H`` is still computed, so the two are compared on equal terms).

    >>> PlasticNet(n=3, plastic=True, seed=0).num_parameters(), PlasticNet(n=3, plastic=False, seed=0).num_parameters()
    (19, 9)
    """

    def __init__(self, n: int = 12, plastic: bool = True, seed: int = 0):
        super().__init__("plastic" if plastic else "fixed")
        require(n >= 2, f"a plastic network needs at least 2 neurons; got {n}")
        rng = np.random.default_rng(seed)
        self.n, self.plastic = n, plastic
        self.w = nn.Parameter(rng.normal(0, 0.01, (n, n)))
        if plastic:
            self.alpha = nn.Parameter(rng.normal(0, 0.01, (n, n)))
            self.eta_raw = nn.Parameter(-2.0)       # sigmoid(-2) ≈ 0.12: a slowly fading trace

    @property
    def eta(self) -> float:
        """The learned rate η of eq. (13) (0 for a network without plasticity).

        >>> round(PlasticNet(n=2, plastic=True).eta, 3), PlasticNet(n=2, plastic=False).eta
        (0.119, 0.0)
        """
        return float(1 / (1 + np.exp(-self.eta_raw.data))) if self.plastic else 0.0


def plastic_step(y_prev, H, inp, net: PlasticNet):
    """One time step of eqs. (12)–(13) for a batch: returns ``(y, H_next)``.

    ``y_prev`` (B, n), ``H`` (B, n, n) with ``H[b, i, j]`` the trace from neuron i to neuron j, ``inp``
    (B, n) an external input added inside the tanh (how patterns are shown to the network).

    >>> import dpviz as dp, numpy as np
    >>> net = PlasticNet(n=2, plastic=True, seed=0)
    >>> y, H = plastic_step(dp.tensor([[1.0, -1.0]]), dp.zeros((1, 2, 2)), dp.tensor([[0.0, 0.0]]), net)
    >>> bool(np.all(np.sign(H.data[0]) == np.sign(np.outer([1, -1], y.data[0]))))
    True
    """
    y_prev, H, inp = as_tensor(y_prev), as_tensor(H), as_tensor(inp)
    B, n = y_prev.shape
    require(n == net.n and H.shape == (B, n, n) and inp.shape == (B, n),
            f"need y (B, {net.n}), H (B, {net.n}, {net.n}) and input (B, {net.n}); got {y_prev.shape}, {H.shape}, {inp.shape}")
    total = y_prev @ net.w
    if net.plastic:
        # Σ_i α_ij H_ij y_i, for every j and every episode of the batch
        total = total + (net.alpha * H * y_prev.reshape((B, n, 1))).sum(axis=1)
        eta = net.eta_raw.sigmoid()
    else:
        eta = tensor(1 / (1 + np.exp(2.0)))
    y = (total + inp).tanh()
    hebb = y_prev.reshape((B, n, 1)) * y.reshape((B, 1, n))      # y_i y_j
    return y, eta * hebb + (1 - eta) * H


@dataclass(frozen=True)
class Episodes:
    """Inputs of a batch of episodes (steps, B, n), the full patterns asked for (B, n), and the erased bits.

    >>> e = make_episodes(2, n=6, seed=0)
    >>> e.inputs.shape[1:], e.target.shape, int(e.erased.sum(axis=1)[0])
    ((2, 6), (2, 6), 3)
    """

    inputs: np.ndarray
    target: np.ndarray
    erased: np.ndarray
    last_shown: np.ndarray | None = None     #: the pattern shown last before the test (B, n)


def make_episodes(batch: int, n: int = 12, patterns: int = 2, show: int = 3, repeats: int = 2,
                  gap: int = 1, test: int = 3, seed: int = 0) -> Episodes:
    """Random episodes of the memorisation task: each pattern shown ``show`` steps, ``repeats`` times.

    Between presentations ``gap`` steps of no input; at the end one pattern with half its bits set to 0
    (erased) is shown for ``test`` steps.  Everything is drawn from ``seed``.

    >>> make_episodes(1, n=4, patterns=2, show=1, repeats=1, gap=0, test=1).inputs.shape
    (3, 1, 4)
    """
    require(batch >= 1 and n >= 2 and patterns >= 1 and show >= 1 and repeats >= 1 and test >= 1 and gap >= 0,
            "episode sizes must be positive (gap may be 0)")
    rng = np.random.default_rng(seed)
    pats = rng.choice([-1.0, 1.0], size=(batch, patterns, n))
    steps = []
    for _ in range(repeats):
        for p in range(patterns):
            steps += [pats[:, p]] * show + [np.zeros((batch, n))] * gap
    which = rng.integers(0, patterns, size=batch)
    target = pats[np.arange(batch), which]
    erased = np.zeros((batch, n), dtype=bool)
    for b in range(batch):
        erased[b, rng.choice(n, size=n // 2, replace=False)] = True
    steps += [np.where(erased, 0.0, target)] * test
    return Episodes(np.stack(steps), target, erased, pats[:, -1])


def run_episode(net: PlasticNet, ep: Episodes, record: bool = False):
    """Run a batch of episodes; return the final activity (a dpviz tensor) and, if asked, every H(t).

    >>> net = PlasticNet(n=4, seed=0)
    >>> y, Hs = run_episode(net, make_episodes(2, n=4, seed=1), record=True)
    >>> y.shape, Hs.shape[1:]
    ((2, 4), (2, 4, 4))
    """
    steps, B, n = ep.inputs.shape
    require(n == net.n, f"episodes have {n} bits but the network has {net.n} neurons")
    y, H = zeros((B, n)), zeros((B, n, n))
    history = []
    for t in range(steps):
        y, H = plastic_step(y, H, ep.inputs[t], net)
        if record:
            history.append(H.data.copy())
    return y, (np.stack(history) if record else None)


def recall(y, ep: Episodes) -> float:
    """Fraction of erased bits whose sign the network got right (0.5 is chance).

    >>> ep = make_episodes(1, n=4, seed=0)
    >>> recall(ep.target, ep)
    1.0
    """
    y = np.asarray(getattr(y, "data", y))
    return float((np.sign(y) == ep.target)[ep.erased].mean())


def recall_by_order(y, ep: Episodes) -> tuple[float, float]:
    """:func:`recall` of the episodes that ask for the pattern shown *last*, and of those asking for an earlier one.

    A network that only echoes its latest input scores ``(1.0, 0.5)``: right on every bit when the last
    pattern is the one asked for, right by luck on half the bits otherwise. A memory scores high on both.

    >>> ep = make_episodes(40, n=4, seed=0)
    >>> last, earlier = recall_by_order(ep.last_shown, ep)     # pure echo
    >>> last, 0.3 < earlier < 0.7
    (1.0, True)
    """
    y = np.asarray(getattr(y, "data", y))
    require(ep.last_shown is not None, "these episodes do not record the pattern shown last")
    right = np.sign(y) == ep.target
    asks_last = (ep.target == ep.last_shown).all(axis=1)

    def share(rows):
        return float(right[rows][ep.erased[rows]].mean()) if rows.any() else float("nan")

    return share(asks_last), share(~asks_last)


@dataclass(frozen=True)
class PlasticitySettings(ModeSettings):
    """Size and length of the comparison; :meth:`for_mode` picks the CI or the full setting.

    >>> PlasticitySettings.quick_changes()   # what CI (quick mode) runs smaller: (quick, full)
    {'iterations': (400, 1500)}
    """

    n: int = 12
    patterns: int = 2
    batch: int = 16
    iterations: int = 1500
    lr: float = 0.03
    clip: float = 1.0      #: gradient-norm clipping: without it, long runs of the fixed network can blow up

    QUICK: ClassVar[dict] = dict(iterations=400)     # the CI setting (see ModeSettings)


@dataclass
class PlasticityResult:
    """A trained network, its losses, and its recall on fresh test episodes.

    >>> PlasticityResult(None, [1.0], 0.5).recall
    0.5
    """

    net: PlasticNet
    losses: list = field(default_factory=list)
    recall: float = 0.0
    by_order: tuple[float, float] = (0.0, 0.0)     #: recall when asked for the last / an earlier pattern


def train(plastic: bool, settings: PlasticitySettings | None = None, seed: int = 0) -> PlasticityResult:
    """Train ``w`` (and ``α``, ``η`` when ``plastic``) with Adam on fresh episodes at every iteration.

    The loss is the squared error on the erased bits at the last step.

    >>> r = train(True, PlasticitySettings(n=4, batch=2, iterations=2))
    >>> len(r.losses), 0 <= r.recall <= 1
    (2, True)
    """
    settings = settings or PlasticitySettings.for_mode()
    net = PlasticNet(settings.n, plastic, seed=seed)
    opt = optim.Adam(net.parameters(), lr=settings.lr)
    losses = []
    for it in range(settings.iterations):
        ep = make_episodes(settings.batch, settings.n, settings.patterns, seed=seed * 100_003 + it)
        y, _ = run_episode(net, ep)
        mask = ep.erased.astype(float)
        loss = (((y - ep.target) ** 2) * mask).sum() * (1.0 / mask.sum())
        opt.zero_grad()
        loss.backward()
        optim.clip_grad_norm(net.parameters(), settings.clip)
        opt.step()
        losses.append(float(loss.data))
    test = make_episodes(200, settings.n, settings.patterns, seed=987_654 + seed)
    with no_grad():
        y, _ = run_episode(net, test)
    return PlasticityResult(net, losses, recall(y, test), recall_by_order(y, test))


def trace_by_rate(rates, products) -> dict[float, np.ndarray]:
    """Eq. (13) alone, for one connection: ``H(t+1) = η·yᵢyⱼ(t) + (1 − η)·H(t)`` from ``H(0) = 0``,
    for each rate ``η`` in ``rates`` and the same sequence of co-activities ``products``.

    >>> h = trace_by_rate([0.5], [1.0, 1.0, -1.0])[0.5]
    >>> h.tolist()
    [0.0, 0.5, 0.75, -0.125]
    """
    prods = np.asarray(products, dtype=float).ravel()
    out = {}
    for eta in rates:
        require(0.0 < float(eta) <= 1.0, f"a plasticity rate η lies in (0, 1]; got {eta}")
        h = np.zeros(prods.size + 1)
        for t, yy in enumerate(prods):
            h[t + 1] = eta * yy + (1.0 - eta) * h[t]
        out[float(eta)] = h
    return out


def steps_to_follow(h: np.ndarray, start: int) -> int:
    """How many steps after ``start`` the trace ``h`` takes to change sign (to follow a change of
    co-activity), or -1 if it never does.

    >>> steps_to_follow(np.array([0.0, 0.5, 0.75, -0.125]), 2)
    1
    """
    sign = np.sign(h[start])
    later = np.nonzero(np.sign(h[start + 1:]) == -sign)[0]
    return int(later[0]) + 1 if later.size else -1
