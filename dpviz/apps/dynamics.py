"""Dynamical systems and the networks that learn to predict them.

Source: Hernández & Amigó (2019), "Differentiable programming and its applications to dynamical systems", section 4 (two ways to give a
network temporal dependence: delayed inputs or recurrence; RNNs, LSTMs, eqs. 2, 14–15; the vanishing
gradient of Figure 6; interdependencies that change in time, Figure 7) and section 5 (i) (attention
to select relevant time steps).

Series (all seeded, all numpy): :func:`logistic_map`, :func:`henon_map`, :func:`mackey_glass` (a long
delay), :func:`switching_lag` (a system whose dependence on the past changes in time).
Predictors (PyTorch): ``"fnn"`` (delayed inputs), ``"rnn"``, ``"lstm"``, ``"attention"`` (an LSTM
whose last state attends over all its states, eq. 8).  :func:`gradient_vs_lag` measures Figure 6.

>>> x = logistic_map(5, r=4.0, x0=0.2)
>>> np.round(x, 4).tolist()
[0.2, 0.64, 0.9216, 0.289, 0.8219]
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

from dpviz.extras import missing_extra

try:
    import torch
except ImportError as missing:      # the core install of dpviz has no PyTorch
    raise missing_extra("torch", __name__) from missing

from dpviz.apps import model_device, require, torch_threads
from dpviz.settings import ModeSettings, torch_device

MODELS = ("fnn", "rnn", "lstm", "attention")


# ------------------------------------------------------------------------------ series

def logistic_map(n: int, r: float = 3.9, x0: float = 0.3) -> np.ndarray:
    """``x_{t+1} = r x_t (1 − x_t)``: chaotic for r near 4.

    >>> logistic_map(3, r=2.0, x0=0.5).tolist()
    [0.5, 0.5, 0.5]
    """
    require(n >= 1, f"n must be at least 1; got {n}")
    require(0 < x0 < 1 and 0 < r <= 4, f"need 0 < x0 < 1 and 0 < r <= 4; got x0={x0}, r={r}")
    x = np.empty(n)
    x[0] = x0
    for t in range(n - 1):
        x[t + 1] = r * x[t] * (1 - x[t])
    return x


def henon_map(n: int, a: float = 1.4, b: float = 0.3, x0: float = 0.1, y0: float = 0.1) -> np.ndarray:
    """The x coordinate of ``x_{t+1} = 1 − a x_t² + y_t``, ``y_{t+1} = b x_t`` (a delay-2 system in x alone).

    >>> np.round(henon_map(3), 4).tolist()
    [0.1, 1.086, -0.6212]
    """
    require(n >= 1, f"n must be at least 1; got {n}")
    x, y = np.empty(n), y0
    x[0] = x0
    for t in range(n - 1):
        x[t + 1], y = 1 - a * x[t] ** 2 + y, b * x[t]
    return x


def mackey_glass(n: int, tau: int = 17, beta: float = 0.2, gamma: float = 0.1, power: int = 10,
                 substeps: int = 10, seed: int = 0) -> np.ndarray:
    """Mackey–Glass ``dx/dt = β x(t−τ)/(1 + x(t−τ)^p) − γ x(t)``, Euler with ``substeps`` per unit time.

    Sampled once per unit of time after a transient; chaotic for τ = 17.  The seed sets the history.

    >>> x = mackey_glass(50)
    >>> x.shape, bool(0.2 < x.min() and x.max() < 1.6)
    ((50,), True)
    """
    require(n >= 1 and tau >= 1 and substeps >= 1, "n, tau and substeps must be positive")
    rng = np.random.default_rng(seed)
    dt = 1.0 / substeps
    lag = tau * substeps
    burn = 500 * substeps
    total = burn + n * substeps
    hist = np.empty(total + lag)
    hist[:lag + 1] = 1.2 + 0.1 * rng.standard_normal(lag + 1)
    for k in range(lag, total + lag - 1):
        d = hist[k - lag]
        hist[k + 1] = hist[k] + dt * (beta * d / (1 + d ** power) - gamma * hist[k])
    return hist[lag + burn::substeps][:n].copy()


def peak_heights(x: np.ndarray, decimals: int = 2) -> tuple[int, int]:
    """The local maxima of ``x``: how many there are, and how many different heights they reach
    (rounded to ``decimals``): one height for a cycle, two after a period doubling, and for a chaotic
    series about as many heights as peaks.

    >>> peak_heights(np.sin(np.arange(200) * 0.3))
    (10, 1)
    """
    x = np.asarray(x, dtype=float)
    inner = x[1:-1]
    peaks = inner[(inner > x[:-2]) & (inner >= x[2:])]
    return int(peaks.size), int(np.unique(np.round(peaks, decimals)).size)


def switching_lag(n: int, lags: tuple[int, int] = (2, 11), period: int = 60, noise: float = 0.5,
                  seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A system whose dependence on the past changes in time: ``x_{t+1} = 0.9 tanh(2 x_{t−d(t)}) + noise``.

    The lag ``d(t)`` alternates between ``lags[0]`` and ``lags[1]`` every ``period`` steps (the texts'
    Figure 7).  Returns the series and the lag in force at each step.

    >>> x, d = switching_lag(10, period=5)
    >>> x.shape, d.tolist()
    ((10,), [2, 2, 2, 2, 2, 11, 11, 11, 11, 11])
    """
    require(n >= 1 and period >= 1 and min(lags) >= 0, "n and period must be positive and lags non-negative")
    rng = np.random.default_rng(seed)
    pad = max(lags) + 1
    x = np.zeros(n + pad)
    x[:pad] = noise * rng.standard_normal(pad)
    d = np.array([lags[(t // period) % 2] for t in range(n)])
    for t in range(pad - 1, n + pad - 1):
        x[t + 1] = _switching_rule(x[t - d[t - pad + 1]]) + noise * rng.standard_normal()
    return x[pad:], d


def _switching_rule(x_lagged):
    """The predictable part of the switching system, ``0.9 tanh(2 x_{t−d})``: all that is left is noise."""
    return 0.9 * np.tanh(2 * x_lagged)


def switching_reference_errors(n: int, train_fraction: float = 0.7, seed: int = 0) -> dict[str, float]:
    """One-step RMSE on the test part of :func:`switching_lag`, in standard deviations (as in :func:`fit`),
    of three rules that know the system's formula: one that knows which lag is in force at each step (only
    the noise is left: the floor no predictor can beat), and two that always use the same lag.

    >>> e = switching_reference_errors(1200)
    >>> e["knows the lag"] < e["always lag 2"] < 1.0
    True
    """
    require(0 < train_fraction < 1, f"train_fraction must lie between 0 and 1; got {train_fraction}")
    x, d = switching_lag(n, seed=seed)
    split = int(n * train_fraction)
    target = np.arange(max(split, 12), n)          # x_target = rule(x_{target − 1 − d}) + noise
    rules = {"knows the lag": target - 1 - d[target], "always lag 2": target - 3, "always lag 11": target - 12}
    std = x[:split].std()
    return {name: float(np.sqrt(np.mean((x[target] - _switching_rule(x[i])) ** 2)) / std)
            for name, i in rules.items()}


def series(name: str, n: int, seed: int = 0) -> np.ndarray:
    """One of the systems by name: ``"logistic"``, ``"henon"``, ``"mackey_glass"``, ``"switching"``.

    >>> series("henon", 4).shape
    (4,)
    """
    makers = {
        "logistic": lambda: logistic_map(n),
        "henon": lambda: henon_map(n),
        "mackey_glass": lambda: mackey_glass(n, seed=seed),
        "switching": lambda: switching_lag(n, seed=seed)[0],
    }
    require(name in makers, f"unknown system {name!r}; choose from {sorted(makers)}")
    return makers[name]()


def windows(x: np.ndarray, width: int) -> tuple[np.ndarray, np.ndarray]:
    """Inputs ``(x_{t−width+1}, …, x_t)`` and targets ``x_{t+1}`` for every t (a delayed-input design).

    >>> X, y = windows(np.arange(5.0), 3)
    >>> X.tolist(), y.tolist()
    ([[0.0, 1.0, 2.0], [1.0, 2.0, 3.0]], [3.0, 4.0])
    """
    x = np.asarray(x, dtype=float)
    require(x.ndim == 1 and 1 <= width < len(x), f"need a 1-D series longer than the window {width}")
    X = np.lib.stride_tricks.sliding_window_view(x[:-1], width).copy()
    return X, x[width:].copy()


# ------------------------------------------------------------------------------ predictors



@functools.cache          # the torch class is made once, on first use
def _build_predictor():
    nn = torch.nn

    class _Predictor(nn.Module):
        def __init__(self, kind: str, width: int, hidden: int):
            super().__init__()
            self.kind = kind
            if kind == "fnn":
                self.net = nn.Sequential(nn.Linear(width, hidden), nn.Tanh(), nn.Linear(hidden, hidden),
                                         nn.Tanh(), nn.Linear(hidden, 1))
            else:
                cls = nn.RNN if kind == "rnn" else nn.LSTM
                self.rnn = cls(1, hidden, batch_first=True)
                ctx = hidden if kind == "attention" else 0
                if kind == "attention":
                    # score(s, h_i) = v · tanh(W_s s + W_h h_i), with s the last state (eq. 10)
                    self.W_s = nn.Linear(hidden, hidden, bias=False)
                    self.W_h = nn.Linear(hidden, hidden)
                    self.v = nn.Linear(hidden, 1, bias=False)
                self.head = nn.Linear(hidden + ctx, 1)
            self.last_attention = None

        def forward(self, X):
            if self.kind == "fnn":
                return self.net(X).squeeze(-1)
            H, _ = self.rnn(X[:, :, None])
            s = H[:, -1]
            if self.kind != "attention":
                return self.head(s).squeeze(-1)
            alpha = torch.softmax(self.v(torch.tanh(self.W_s(s)[:, None] + self.W_h(H))).squeeze(-1), dim=-1)
            self.last_attention = alpha.detach()
            c = torch.einsum("bt,bth->bh", alpha, H)
            return self.head(torch.cat([s, c], dim=-1)).squeeze(-1)

    return _Predictor


def Predictor(kind: str, width: int = 24, hidden: int = 32, seed: int = 0):
    """A one-step predictor (torch module) mapping windows (B, width) to next values (B,).

    >>> import torch
    >>> [tuple(Predictor(k, width=5, hidden=4)(torch.zeros(3, 5)).shape) for k in MODELS]
    [(3,), (3,), (3,), (3,)]
    """
    require(kind in MODELS, f"kind must be one of {MODELS}; got {kind!r}")
    require(width >= 1 and hidden >= 1, f"width and hidden must be positive; got {width}, {hidden}")
    torch.manual_seed(seed)
    return _build_predictor()(kind, width, hidden)


@dataclass(frozen=True)
class DynSettings(ModeSettings):
    """Sizes of the prediction experiments; :meth:`for_mode` picks the CI or the full setting.

    >>> DynSettings.quick_changes()   # what CI (quick mode) runs smaller: (quick, full)
    {'n': (1200, 2000), 'epochs': (15, 40)}
    """

    n: int = 2000
    width: int = 24
    hidden: int = 32
    epochs: int = 40
    batch: int = 64
    lr: float = 3e-3
    train_fraction: float = 0.7

    QUICK: ClassVar[dict] = dict(n=1200, epochs=15)     # the CI setting (see ModeSettings)


@dataclass
class Fit:
    """A trained predictor with its data split (standardised series) and test error.

    ``test_rmse`` is in units of the series' standard deviation (1.0 = no better than the mean).

    >>> Fit(None, "fnn", np.zeros(3), 2, 1, 0.5).test_rmse
    0.5
    """

    model: object
    kind: str
    x: np.ndarray
    split: int
    width: int
    test_rmse: float
    losses: list = field(default_factory=list)

    def multi_step(self, horizon: int, starts: int = 50) -> np.ndarray:
        """RMSE (in standard deviations) of iterated prediction, fed its own outputs, at each step ahead.

        Starting points are spread over the test part of the series.

        >>> f = fit("fnn", logistic_map(120), DynSettings(width=4, hidden=4, epochs=1))
        >>> f.multi_step(3, starts=5).shape
        (3,)
        """
        require(horizon >= 1, f"the horizon must be at least 1; got {horizon}")
        last = len(self.x) - horizon - 1
        require(last > self.split, "the test part is shorter than the horizon")
        idx = np.linspace(self.split, last, starts).astype(int)
        window = torch.as_tensor(np.stack([self.x[i - self.width + 1:i + 1] for i in idx]), dtype=torch.float32,
                                 device=model_device(self.model))
        errs = []
        with torch.no_grad():
            for h in range(horizon):
                pred = self.model(window)
                errs.append((pred.cpu().numpy() - self.x[idx + h + 1]) ** 2)
                window = torch.cat([window[:, 1:], pred[:, None]], dim=1)
        return np.sqrt(np.mean(errs, axis=1))


def fit(kind: str, x: np.ndarray, settings: DynSettings | None = None, seed: int = 0) -> Fit:
    """Standardise ``x``, train a ``kind`` predictor on its first part, measure one-step RMSE on the rest.

    >>> f = fit("fnn", logistic_map(120), DynSettings(width=4, hidden=4, epochs=1))
    >>> f.kind, f.test_rmse > 0
    ('fnn', True)
    """
    settings = settings or DynSettings.for_mode()
    x = np.asarray(x, dtype=float)
    require(x.ndim == 1 and len(x) > 4 * settings.width, f"the series is too short for windows of {settings.width}")
    split = int(len(x) * settings.train_fraction)
    z = (x - x[:split].mean()) / (x[:split].std() + 1e-12)
    X, y = windows(z, settings.width)
    n_train = split - settings.width          # windows whose target lies in the training part
    dev = torch_device()
    Xt, yt = (torch.as_tensor(a, dtype=torch.float32, device=dev) for a in (X, y))
    losses = []
    with torch_threads(1):
        model = Predictor(kind, settings.width, settings.hidden, seed=seed).to(dev)
        opt = torch.optim.Adam(model.parameters(), lr=settings.lr)
        gen = torch.Generator().manual_seed(seed)
        for _ in range(settings.epochs):
            order = torch.randperm(n_train, generator=gen).to(dev)
            for i in range(0, n_train, settings.batch):
                idx = order[i:i + settings.batch]
                loss = torch.mean((model(Xt[idx]) - yt[idx]) ** 2)
                opt.zero_grad()
                loss.backward()
                torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
                opt.step()
                losses.append(loss.item())
        with torch.no_grad():
            rmse = float(torch.sqrt(torch.mean((model(Xt[n_train:]) - yt[n_train:]) ** 2)))
    return Fit(model, kind, z, split, settings.width, rmse, losses)


def gradient_vs_lag(f: Fit, samples: int = 200) -> np.ndarray:
    """Mean ‖∂ŷ_{t+1}/∂x_{t−l}‖ over test windows, for l = 0 … width−1 (the texts' Figure 6, measured).

    >>> g = gradient_vs_lag(fit("rnn", logistic_map(120), DynSettings(width=5, hidden=4, epochs=1)), samples=10)
    >>> g.shape
    (5,)
    """
    X, _ = windows(f.x, f.width)
    start = f.split - f.width
    idx = np.linspace(start, len(X) - 1, min(samples, len(X) - start)).astype(int)
    Xt = torch.as_tensor(X[idx], dtype=torch.float32, device=model_device(f.model)).requires_grad_(True)
    with torch_threads(1):
        f.model(Xt).sum().backward()        # windows are independent: one backward gives every row's gradient
    g = Xt.grad.abs().mean(0).cpu().numpy()       # column k is the input at lag width−1−k
    return g[::-1].copy()


def attention_over_lags(f: Fit, samples: int = 200) -> np.ndarray:
    """For an ``"attention"`` fit: the mean attention weight on each lag l = 0 … width−1 of test windows.

    >>> a = attention_over_lags(fit("attention", logistic_map(120), DynSettings(width=5, hidden=4, epochs=1)))
    >>> a.shape, round(float(a.sum()), 5)
    ((5,), 1.0)
    """
    require(f.kind == "attention", f"only attention predictors have attention weights; this one is {f.kind!r}")
    X, _ = windows(f.x, f.width)
    start = f.split - f.width
    idx = np.linspace(start, len(X) - 1, min(samples, len(X) - start)).astype(int)
    with torch.no_grad():
        f.model(torch.as_tensor(X[idx], dtype=torch.float32, device=model_device(f.model)))
    return f.model.last_attention.mean(0).cpu().numpy()[::-1].copy()


def compare(systems=("logistic", "henon", "mackey_glass", "switching"), kinds=MODELS,
            settings: DynSettings | None = None, seed: int = 0) -> dict[str, dict[str, Fit]]:
    """Fit every predictor kind to every system: ``{system: {kind: Fit}}``.

    >>> r = compare(("logistic",), ("fnn",), DynSettings(n=120, width=4, hidden=4, epochs=1))
    >>> list(r), list(r["logistic"])
    (['logistic'], ['fnn'])
    """
    settings = settings or DynSettings.for_mode()
    out: dict[str, dict[str, Fit]] = {}
    for name in systems:
        x = series(name, settings.n, seed=seed)
        out[name] = {k: fit(k, x, settings, seed=seed) for k in kinds}
    return out
