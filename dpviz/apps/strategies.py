"""Learning strategies: the paper's Algorithm 1 and its differentiable relaxation.

Source: Hernández, Millerioux & Amigó (2022), "Differentiable programming: Generalization, characterization and limitations of deep learning", section 6 (Algorithm 1:
decisions guided by pre-trained models, here buying or selling a raw material from predicted trends of oil
prices and interest rates) and section 2 (an ``if`` whose condition is learned becomes the convex combination
``a·y(x) + (1 − a)·z(x)`` with ``a`` a sigmoid).

* :func:`markets` generates seeded price series whose trends switch regime; the raw material rises when
  both trends are up and falls when both are down (so Algorithm 1's rule is sensible).
* :func:`pretrain` fits the two "pre-trained models" (least-squares trend predictors, frozen afterwards).
* :func:`algorithm_1` is the paper's program, with its ``if``/``else`` written as Python control flow.
* :func:`relaxed_positions` is the same decision with sigmoids (dpviz ops), so the thresholds can be
  learned by gradient ascent on profit (:func:`learn_thresholds`).

>>> m = markets(300, seed=1)
>>> m.oil.shape, m.rates.shape, m.material.shape
((300,), (300,), (300,))
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from dpviz import optim
from dpviz.apps import require
from dpviz.context import no_grad
from dpviz.primitives import concatenate, where
from dpviz.tensors import as_tensor, ones, tensor, zeros


@dataclass(frozen=True)
class Markets:
    """Generated prices (oil, interest rates, raw material) and the hidden trend regimes (±1) behind them.

    >>> markets(10).regimes.shape
    (10, 2)
    """

    oil: np.ndarray
    rates: np.ndarray
    material: np.ndarray
    regimes: np.ndarray


def markets(n: int = 1500, drift: float = 0.1, noise: float = 0.2, switch: float = 0.02,
            flip_after: int | None = None, seed: int = 0) -> Markets:
    """Seeded series: each of oil and rates follows a random walk whose drift ±``drift`` switches with
    probability ``switch`` per step; the material's change is ``(d_oil + d_rates)/2`` plus noise.

    With ``flip_after=k`` the relation reverses from step k on (the material now falls when both trends
    rise): a change of the world that no model trained on the past can anticipate.

    >>> m = markets(50, flip_after=25, seed=0)
    >>> m.material.shape
    (50,)
    """
    require(n >= 10 and drift > 0 and noise >= 0 and 0 < switch < 1, "need n >= 10, drift > 0, noise >= 0, 0 < switch < 1")
    rng = np.random.default_rng(seed)
    regimes = np.empty((n, 2))
    state = rng.choice([-1.0, 1.0], size=2)
    for t in range(n):
        flip = rng.random(2) < switch
        state = np.where(flip, -state, state)
        regimes[t] = state
    d = drift * regimes
    oil = 50 + np.cumsum(d[:, 0] + noise * rng.standard_normal(n))
    rates = 5 + 0.1 * np.cumsum(d[:, 1] + noise * rng.standard_normal(n))
    sign = np.ones(n)
    if flip_after is not None:
        require(0 <= flip_after < n, f"flip_after must be inside the series; got {flip_after}")
        sign[flip_after:] = -1.0
    # the material moves with the *next* step's regimes: trends known at t pay off at t+1
    step = sign * (d[:, 0] + d[:, 1]) / 2 + noise * rng.standard_normal(n)
    material = 20 + np.cumsum(step)
    return Markets(oil, rates, material, regimes)


def _features(x: np.ndarray, window: int) -> np.ndarray:
    dx = np.diff(x, prepend=x[0])
    # the last `window` increments, and a constant: what a trend predictor may look at
    cols = [np.concatenate([np.zeros(k), dx[:len(dx) - k]]) for k in range(window)]
    return np.stack(cols + [np.ones_like(dx)], axis=1)


@dataclass(frozen=True)
class TrendModel:
    """A frozen linear predictor of the mean increment over the next ``horizon`` steps from the last ``window``.

    >>> TrendModel(np.zeros(3), 2, 5, 1.0).predict(np.arange(10.0)).shape
    (10,)
    """

    coef: np.ndarray
    window: int
    horizon: int
    scale: float

    def predict(self, x: np.ndarray) -> np.ndarray:
        """Predicted trend at every step (in units of the training increments' standard deviation).

        >>> m = TrendModel(np.array([1.0, 0.0]), window=1, horizon=1, scale=1.0)
        >>> m.predict(np.array([0.0, 1.0, 3.0])).tolist()     # the last increment, as the model was fitted
        [0.0, 1.0, 2.0]
        """
        return _features(np.asarray(x, dtype=float), self.window) @ self.coef / self.scale


def pretrain(x: np.ndarray, end: int, window: int = 20, horizon: int = 10) -> TrendModel:
    """Fit a :class:`TrendModel` by least squares on ``x[:end]`` (the "pre-training" period).

    >>> m = markets(400, seed=2)
    >>> pretrain(m.oil, 300).coef.shape
    (21,)
    """
    x = np.asarray(x, dtype=float)
    require(window >= 1 and horizon >= 1 and window + horizon < end <= len(x), "need window + horizon < end <= len(x)")
    F = _features(x, window)
    dx = np.diff(x, append=x[-1])
    future = np.array([dx[t:t + horizon].mean() for t in range(len(x))])
    rows = slice(window, end - horizon)
    coef, *_ = np.linalg.lstsq(F[rows], future[rows], rcond=None)
    return TrendModel(coef, window, horizon, float(np.std(np.diff(x[:end]))))


BUY, HOLD, SELL = 1, 0, -1


def algorithm_1(p1: float, p2: float) -> int:
    """The decision of Algorithm 1 for one step: buy, do nothing, or sell.

    >>> algorithm_1(0.2, 0.1), algorithm_1(0.2, -0.1), algorithm_1(-0.2, -0.1)
    (1, 0, -1)
    """
    if p1 > 0 and p2 > 0:                 # positive trend in both assets
        return BUY
    elif (p1 <= 0) != (p2 <= 0):          # exactly one is non-positive (the paper's ⊕)
        return HOLD
    else:                                 # both non-positive
        return SELL


def run_algorithm_1(p1: np.ndarray, p2: np.ndarray) -> np.ndarray:
    """Algorithm 1 at every step: the positions (+1, 0, −1).

    >>> run_algorithm_1(np.array([1.0, -1.0]), np.array([1.0, -1.0])).tolist()
    [1, -1]
    """
    require(np.shape(p1) == np.shape(p2), "the two predictions must have the same length")
    return np.array([algorithm_1(a, b) for a, b in zip(p1, p2)])


def profit(positions, material: np.ndarray, cost: float = 0.0) -> float:
    """Money made holding ``positions[t]`` units from t to t+1, minus ``cost`` per unit traded.

    >>> profit(np.array([1, 1, 0]), np.array([1.0, 2.0, 4.0, 3.0]))
    3.0
    """
    pos = np.asarray(getattr(positions, "data", positions), dtype=float)
    ret = np.diff(np.asarray(material, dtype=float))[:len(pos)]
    require(len(ret) == len(pos), "need one more price than positions")
    trades = np.abs(np.diff(pos, prepend=0.0)).sum()
    return float(pos @ ret - cost * trades)


def relaxed_positions(p1, p2, thresholds, temperature: float = 0.3):
    """Algorithm 1 with every ``if`` made differentiable: ``buy − sell`` where

    ``buy = σ((p1 − θ₁)/τ)·σ((p2 − θ₂)/τ)`` (both up) and ``sell = σ((−θ₁ − p1)/τ)·σ((−θ₂ − p2)/τ)`` (both down).
    The margins θ are symmetric (a prior: rising and falling trends are treated alike); with θ = 0 and
    τ → 0 it is Algorithm 1 again.

    >>> import numpy as np
    >>> pos = relaxed_positions(np.array([3.0, -3.0, 3.0]), np.array([3.0, -3.0, -3.0]), np.zeros(2), 0.1)
    >>> np.round(pos.data, 3).tolist()
    [1.0, -1.0, 0.0]
    """
    require(temperature > 0, f"the temperature must be positive; got {temperature}")
    th = as_tensor(thresholds)
    require(th.shape == (2,), f"thresholds are the margins (θ1, θ2); got shape {th.shape}")
    p1, p2 = as_tensor(p1), as_tensor(p2)
    inv = 1.0 / temperature
    buy = ((p1 - th[0]) * inv).sigmoid() * ((p2 - th[1]) * inv).sigmoid()
    sell = ((-th[0] - p1) * inv).sigmoid() * ((-th[1] - p2) * inv).sigmoid()
    return buy - sell


def hard_positions(p1, p2, thresholds):
    """Algorithm 1 with thresholds written with ``dp.where``: the same program, but its gradient
    with respect to the thresholds is zero everywhere (a step function is flat almost everywhere).

    >>> import dpviz as dp, numpy as np
    >>> g = dp.grad(lambda th: hard_positions(np.array([1.0]), np.array([1.0]), th).sum())(np.zeros(2))
    >>> g.tolist()
    [0.0, 0.0]
    """
    th = as_tensor(thresholds)
    p1, p2 = as_tensor(p1), as_tensor(p2)
    one, zero = ones(p1.shape), zeros(p1.shape)
    up1 = where(p1.data > th.data[0], one, zero) + 0 * th[0]
    up2 = where(p2.data > th.data[1], one, zero) + 0 * th[1]
    dn1 = where(p1.data <= -th.data[0], one, zero) + 0 * th[0]
    dn2 = where(p2.data <= -th.data[1], one, zero) + 0 * th[1]
    return up1 * up2 - dn1 * dn2


@dataclass
class StrategyRun:
    """Everything the notebook shows: data, predictions, periods, Algorithm 1's and the learned positions.

    >>> StrategyRun.__dataclass_fields__["cost"].default
    0.0
    """

    markets: Markets
    p1: np.ndarray
    p2: np.ndarray
    pretrain_end: int
    learn_end: int
    thresholds: np.ndarray
    history: list = field(default_factory=list)
    cost: float = 0.0
    temperature: float = 0.1

    def positions(self, learned: bool) -> np.ndarray:
        """Positions at every step: Algorithm 1 (margins 0), or the same hard rule with the learned margins.

        The relaxation is only how the margins are learned; trading uses the rule itself.

        >>> run = StrategyRun(markets(10), np.array([1.0, -1.0]), np.array([1.0, 1.0]), 0, 1, np.zeros(2))
        >>> run.positions(learned=False).tolist()
        [1.0, 0.0]
        """
        th = self.thresholds if learned else np.zeros(2)
        with no_grad():
            return hard_positions(self.p1, self.p2, th).data

    def period_profit(self, learned: bool, start: int, end: int) -> float:
        """Profit over steps ``start … end−1``.

        >>> run = StrategyRun(markets(10, seed=0), np.ones(10), np.ones(10), 0, 5, np.zeros(2))
        >>> run.period_profit(False, 0, 3) == profit(np.ones(3), run.markets.material[:4])
        True
        """
        pos = self.positions(learned)[start:end]
        return profit(pos, self.markets.material[start:end + 1], self.cost)


def learn_thresholds(n: int = 1500, cost: float = 0.1, iterations: int = 200, lr: float = 0.05,
                     temperature: float = 0.1, flip_after: int | None = None, seed: int = 0) -> StrategyRun:
    """The full experiment: pre-train the two predictors on the first 40 %, learn the four thresholds of the
    relaxation (two margins) on the next 30 % (gradient ascent on profit minus trading costs), keep the last 30 % to test.

    >>> run = learn_thresholds(n=200, iterations=2)
    >>> run.thresholds.shape, len(run.history)
    ((2,), 2)
    """
    require(iterations >= 1, f"iterations must be at least 1; got {iterations}")
    m = markets(n, flip_after=flip_after, seed=seed)
    pre, learn = int(0.4 * n), int(0.7 * n)
    p1 = pretrain(m.oil, pre).predict(m.oil)
    p2 = pretrain(m.rates, pre).predict(m.rates)
    ret = np.diff(m.material)[pre:learn]
    th = tensor(np.zeros(2), requires_grad=True)
    opt = optim.Adam([th], lr=lr)
    history = []
    for _ in range(iterations):
        pos = relaxed_positions(p1[pre:learn], p2[pre:learn], th, temperature)
        # previous position, for the trading cost |pos_t − pos_{t−1}| (smoothed so it has a gradient)
        prev = concatenate([zeros(1), pos[:-1]])
        change = pos - prev
        gain = (pos * ret).sum() - cost * ((change * change + 1e-4).sqrt()).sum()
        opt.zero_grad()
        (-gain).backward()
        opt.step()
        history.append((th.data.copy(), float(gain.data)))
    return StrategyRun(m, p1, p2, pre, learn, th.data.copy(), history, cost, temperature)
