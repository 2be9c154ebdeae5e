"""Differentiable simulation: fit an ODE through its solver, and correct an incomplete mechanism with a network.

Sources: Innes (2019), "What is differentiable programming?" ("differential equations fit to
data via sensitivities … are equivalent in all but terminology to neural networks"; hybrid models whose
network makes small adjustments to an explicit program) and
Hernández & Amigó (2019), "Differentiable programming and its applications to dynamical systems" section 5 (iii) (a numerical model
combined with a trained differentiable component).

The system is a damped pendulum, ``θ'' = −a sin θ − c θ'`` (``a = g/L``, ``c`` the friction).

* :func:`simulate` is an explicit Runge–Kutta 4 solver written with **dpviz** ops, so the unrolled
  solver is a traced program: reverse mode gives the gradient of a loss in one backward pass
  (:func:`fit_reverse`), forward mode gives the sensitivities ``∂θ(t_k)/∂p`` with one JVP per parameter
  (:func:`sensitivities`, used by the Gauss–Newton fit :func:`fit_forward`).
* :func:`train_hybrid` (PyTorch) compares on extrapolation: the undamped pendulum alone (the incomplete
  mechanism), a pure neural ODE, and the mechanism plus a small correcting network.

>>> import numpy as np
>>> theta = simulate(np.array([4.0, 0.0]), steps=20, dt=0.05).data
>>> bool(abs(theta.max() - 1.0) < 1e-9 and theta.min() < 0.9)
True
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

from dpviz.extras import missing_extra

try:
    import torch
except ImportError as missing:      # the core install of dpviz has no PyTorch
    raise missing_extra("torch", __name__) from missing

from dpviz import optim
from dpviz.apps import require, torch_threads
from dpviz.context import no_grad, scope
from dpviz.functional import grad, jacobian
from dpviz.primitives import stack
from dpviz.settings import ModeSettings, torch_device
from dpviz.tensors import as_tensor, tensor

TRUE_PARAMS = np.array([4.0, 0.3])
"""The (a, c) that generate the observations: a = g/L = 4 s⁻² (period ≈ 3.1 s), friction c = 0.3 s⁻¹."""


# ----------------------------------------------------------------------------- the solver (dpviz)

def _rhs(theta, omega, a, c):
    return omega, -a * theta.sin() - c * omega


def simulate(p, steps: int = 100, dt: float = 0.1, x0=(1.0, 0.0)):
    """θ at times 0, dt, …, steps·dt for parameters ``p = (a, c)``: a dpviz tensor of shape (steps + 1,).

    Every RK4 stage is a handful of dpviz ops, so ``dp.trace(simulate, p)`` is the whole unrolled solver
    (about 58 nodes per step).

    >>> import dpviz as dp, numpy as np
    >>> dp.trace(lambda p: simulate(p, steps=2), np.array([4.0, 0.3])).n > 100
    True
    """
    require(steps >= 1 and dt > 0, f"need steps >= 1 and dt > 0; got {steps}, {dt}")
    p = as_tensor(p)
    require(p.shape == (2,), f"p must be the two numbers (a, c); got shape {p.shape}")
    a, c = p[0].named("a"), p[1].named("c")
    theta, omega = tensor(float(x0[0]), name="θ0"), tensor(float(x0[1]), name="ω0")
    out = [theta]
    h = dt
    for k in range(1, steps + 1):
        with scope(f"step{k}"):        # one solver step per frame in a drawing
            k1 = _rhs(theta, omega, a, c)
            k2 = _rhs(theta + h / 2 * k1[0], omega + h / 2 * k1[1], a, c)
            k3 = _rhs(theta + h / 2 * k2[0], omega + h / 2 * k2[1], a, c)
            k4 = _rhs(theta + h * k3[0], omega + h * k3[1], a, c)
            theta = (theta + h / 6 * (k1[0] + 2 * k2[0] + 2 * k3[0] + k4[0])).named(f"θ{k}")
            omega = (omega + h / 6 * (k1[1] + 2 * k2[1] + 2 * k3[1] + k4[1])).named(f"ω{k}")
        out.append(theta)
    return stack(out)


@dataclass(frozen=True)
class Observations:
    """Noisy measurements ``theta`` of the pendulum's angle at ``times`` (the data a fit sees).

    >>> observe(steps=10).theta.shape
    (11,)
    """

    times: np.ndarray
    theta: np.ndarray
    clean: np.ndarray
    dt: float
    noise: float


def by_step_size(step_sizes, duration: float = 10.0, p=None, grid: float = 0.05) -> dict[float, np.ndarray]:
    """θ(t) on one time grid (spacing ``grid``, from 0 to ``duration``) for each solver step size ``h``:
    the solver runs ``duration / h`` RK4 steps of size ``h``, and its points are joined by straight
    lines, as a plot would join them.

    >>> out = by_step_size([0.1, 0.5], duration=1.0)
    >>> sorted(out), out[0.1].shape
    ([0.1, 0.5], (21,))
    """
    p = TRUE_PARAMS if p is None else np.asarray(p, dtype=float)
    times = np.linspace(0.0, duration, int(round(duration / grid)) + 1)
    out = {}
    for h in step_sizes:
        steps = int(round(duration / h))
        require(steps >= 1 and abs(steps * h - duration) < 1e-9,
                f"the step size must divide the duration {duration}; got {h}")
        theta = np.asarray(simulate(p, steps=steps, dt=h).data, dtype=float)
        out[float(h)] = np.interp(times, np.arange(steps + 1) * h, theta)
    return out


def observe(steps: int = 100, dt: float = 0.1, noise: float = 0.05, seed: int = 0) -> Observations:
    """Simulate the true pendulum and add Gaussian noise of standard deviation ``noise`` (seeded).

    >>> float(observe(steps=5, noise=0.0).theta[0])
    1.0
    """
    require(noise >= 0, f"noise must be non-negative; got {noise}")
    with no_grad():
        clean = simulate(TRUE_PARAMS, steps, dt).data
    rng = np.random.default_rng(seed)
    return Observations(np.arange(steps + 1) * dt, clean + noise * rng.standard_normal(clean.shape), clean, dt, noise)


def loss(p, obs: Observations):
    """Mean squared difference between the simulated and the observed angles (a dpviz scalar).

    >>> o = observe(steps=10, noise=0.0)
    >>> float(loss(TRUE_PARAMS, o).data) < 1e-20
    True
    """
    sim = simulate(p, len(obs.theta) - 1, obs.dt)
    r = sim - obs.theta
    return (r * r).mean()


def gradient_reverse(p, obs: Observations) -> np.ndarray:
    """∂loss/∂p by reverse mode: one forward pass through the solver and one backward pass.

    >>> gradient_reverse(TRUE_PARAMS, observe(steps=5)).shape
    (2,)
    """
    return np.asarray(grad(lambda q: loss(q, obs))(np.asarray(p, dtype=float)))


def sensitivities(p, obs: Observations) -> np.ndarray:
    """The forward sensitivities ``S[k, j] = ∂θ(t_k)/∂p_j``: one JVP per parameter (forward mode).

    >>> sensitivities(TRUE_PARAMS, observe(steps=5)).shape
    (6, 2)
    """
    sim = lambda q: simulate(q, len(obs.theta) - 1, obs.dt)
    return np.asarray(jacobian(sim, mode="fwd")(np.asarray(p, dtype=float)))


def gradient_forward(p, obs: Observations) -> np.ndarray:
    """The same ∂loss/∂p as :func:`gradient_reverse`, assembled from sensitivities: ``2 Sᵀ r / n``.

    >>> o = observe(steps=8)
    >>> bool(np.allclose(gradient_forward([3.5, 0.1], o), gradient_reverse([3.5, 0.1], o)))
    True
    """
    p = np.asarray(p, dtype=float)
    with no_grad():
        r = simulate(p, len(obs.theta) - 1, obs.dt).data - obs.theta
    return 2 * sensitivities(p, obs).T @ r / len(r)


@dataclass
class FitResult:
    """A parameter fit: the estimate, the loss and the parameters after each iteration, and the time taken.

    >>> FitResult(np.array([1.0, 2.0]), [0.1], [], 0.5, "reverse").estimate.tolist()
    [1.0, 2.0]
    """

    estimate: np.ndarray
    losses: list
    path: list
    seconds: float
    method: str

    def table(self, truth=TRUE_PARAMS) -> str:
        """The recovered parameters printed beside the true ones.

        >>> print(FitResult(np.array([4.01, 0.29]), [], [], 0.0, "forward").table())
                        true    fitted     error
        a = g/L       4.0000    4.0100   +0.0100
        c             0.3000    0.2900   -0.0100
        """
        rows = [f"{'':10s}{'true':>10s}{'fitted':>10s}{'error':>10s}"]
        for name, t, e in zip(("a = g/L", "c"), truth, self.estimate):
            rows.append(f"{name:10s}{t:10.4f}{e:10.4f}{e - t:+10.4f}")
        return "\n".join(rows)


START = np.array([3.2, 0.05])
"""Where both fits start: a and c well off the truth, but close enough that the first swings overlap."""


def fit_reverse(obs: Observations, start=START, iterations: int = 150, lr: float = 0.05) -> FitResult:
    """Fit (a, c) with Adam on gradients from reverse mode through the unrolled solver.

    >>> r = fit_reverse(observe(steps=20), iterations=2)
    >>> len(r.losses), r.method
    (2, 'reverse')
    """
    require(iterations >= 1, f"iterations must be at least 1; got {iterations}")
    p = tensor(np.array(start, dtype=float), requires_grad=True)
    opt = optim.Adam([p], lr=lr)
    losses, path = [], []
    t0 = time.perf_counter()
    for _ in range(iterations):
        value = loss(p, obs)
        opt.zero_grad()
        value.backward()
        opt.step()
        losses.append(float(value.data))
        path.append(p.data.copy())
    return FitResult(p.data.copy(), losses, path, time.perf_counter() - t0, "reverse")


def fit_forward(obs: Observations, start=START, iterations: int = 12, damping: float = 1e-3) -> FitResult:
    """Fit (a, c) by damped Gauss–Newton on forward-mode sensitivities (the classical ODE fit).

    Each iteration solves ``(SᵀS + λ I) δ = −Sᵀ r`` with the sensitivities ``S`` of :func:`sensitivities`.

    >>> r = fit_forward(observe(steps=20), iterations=1)
    >>> r.method, len(r.path)
    ('forward', 1)
    """
    require(iterations >= 1, f"iterations must be at least 1; got {iterations}")
    p = np.array(start, dtype=float)
    losses, path = [], []
    t0 = time.perf_counter()
    for _ in range(iterations):
        with no_grad():
            r = simulate(p, len(obs.theta) - 1, obs.dt).data - obs.theta
        S = sensitivities(p, obs)
        losses.append(float(np.mean(r ** 2)))
        p = p + np.linalg.solve(S.T @ S + damping * np.eye(len(p)), -S.T @ r)
        path.append(p.copy())
    return FitResult(p, losses, path, time.perf_counter() - t0, "forward")


def cost_per_gradient(obs: Observations, p=START, repeats: int = 3) -> dict[str, float]:
    """Seconds for one gradient of the loss: reverse (1 forward + 1 backward) vs forward (one JVP per parameter).

    >>> sorted(cost_per_gradient(observe(steps=5), repeats=1))
    ['forward', 'reverse']
    """
    out = {}
    for name, fn in (("reverse", gradient_reverse), ("forward", gradient_forward)):
        best = np.inf
        for _ in range(repeats):
            t0 = time.perf_counter()
            fn(p, obs)
            best = min(best, time.perf_counter() - t0)
        out[name] = best
    return out


# ----------------------------------------------------------------------------- hybrid model (torch)


@dataclass(frozen=True)
class HybridSettings(ModeSettings):
    """Sizes of the hybrid-model comparison; :meth:`for_mode` picks the CI or the full setting.

    Training data: θ and θ' observed (noisy) every ``dt`` on [0, ``t_train``] of a swing released at θ = 1.
    Two extrapolations: in time, (t_train, t_test] of the same swing; in state, a swing released at
    θ = ``new_start`` (angles and speeds the training data never reached), over [0, t_test].

    >>> HybridSettings.quick_changes()   # what CI (quick mode) runs smaller: (quick, full)
    {'iterations': (300, 1000)}
    """

    t_train: float = 10.0
    t_test: float = 20.0
    dt: float = 0.1
    noise: float = 0.02
    new_start: float = 2.5
    horizon: int = 5
    hidden: int = 16
    iterations: int = 1000
    lr: float = 1e-2

    QUICK: ClassVar[dict] = dict(iterations=300)     # the CI setting (see ModeSettings)


def _true_states(settings: HybridSettings, theta0: float = 1.0) -> np.ndarray:
    # the truth, integrated by the same RK4 in numpy (no graph needed)
    n = int(round(settings.t_test / settings.dt))
    a, c = TRUE_PARAMS
    x = np.empty((n + 1, 2))
    x[0] = (theta0, 0.0)
    f = lambda s: np.array([s[1], -a * np.sin(s[0]) - c * s[1]])
    h = settings.dt
    for k in range(n):
        s = x[k]
        k1 = f(s); k2 = f(s + h / 2 * k1); k3 = f(s + h / 2 * k2); k4 = f(s + h * k3)
        x[k + 1] = s + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
    return x


def _build_vector_field():
    nn = torch.nn

    class _Field(nn.Module):
        def __init__(self, kind: str, hidden: int):
            super().__init__()
            self.kind = kind
            self.a = float(TRUE_PARAMS[0])          # the part of the mechanism we know
            if kind != "mechanism":
                self.net = nn.Sequential(nn.Linear(2, hidden), nn.Tanh(), nn.Linear(hidden, hidden),
                                         nn.Tanh(), nn.Linear(hidden, 1))

        def forward(self, s):
            theta, omega = s[..., 0], s[..., 1]
            acc = torch.zeros_like(theta)
            if self.kind in ("mechanism", "hybrid"):
                acc = acc - self.a * torch.sin(theta)   # the undamped pendulum: friction is missing
            if self.kind in ("network", "hybrid"):
                acc = acc + self.net(s).squeeze(-1)     # learned: all of it, or only the correction
            return torch.stack([omega, acc], dim=-1)

        def rollout(self, s, steps: int, h: float):
            out = [s]
            for _ in range(steps):
                k1 = self(s); k2 = self(s + h / 2 * k1); k3 = self(s + h / 2 * k2); k4 = self(s + h * k3)
                s = s + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
                out.append(s)
            return torch.stack(out, dim=-2)

    return _Field


_FIELD = None


def vector_field(kind: str, hidden: int = 32, seed: int = 0):
    """The right-hand side ``(θ, θ') ↦ (θ', θ'')`` of one model (torch): ``"mechanism"``, ``"network"`` or ``"hybrid"``.

    ``.rollout(state, steps, dt)`` integrates it with RK4.

    >>> import torch
    >>> f = vector_field("hybrid", hidden=4)
    >>> tuple(f.rollout(torch.tensor([[1.0, 0.0]]), 3, 0.1).shape)
    (1, 4, 2)
    """
    global _FIELD
    require(kind in ("mechanism", "network", "hybrid"), f"kind must be mechanism, network or hybrid; got {kind!r}")
    if _FIELD is None:
        _FIELD = _build_vector_field()
    torch.manual_seed(seed)
    return _FIELD(kind, hidden)


@dataclass
class HybridResult:
    """Trained models, their trajectories, and their RMSE on θ: training span, later times, new start.

    ``trajectories[kind]`` is the swing released at θ = 1 over [0, t_test]; ``new_trajectories[kind]``
    the one released at θ = new_start (``truth`` and ``new_truth`` are the true ones).

    >>> HybridResult(HybridSettings(), np.zeros(3), np.zeros((3, 2)), np.zeros((3, 2)), np.zeros((3, 2))).rmse
    {}
    """

    settings: HybridSettings
    times: np.ndarray
    truth: np.ndarray
    new_truth: np.ndarray
    observed: np.ndarray
    trajectories: dict = field(default_factory=dict)
    new_trajectories: dict = field(default_factory=dict)
    rmse: dict = field(default_factory=dict)
    models: dict = field(default_factory=dict)


def train_hybrid(settings: HybridSettings | None = None, kinds=("mechanism", "network", "hybrid"),
                 seed: int = 0) -> HybridResult:
    """Train each model on short rollouts from every observed state of [0, t_train]; test up to t_test.

    Training unrolls ``horizon`` RK4 steps from each observation (a batch of short simulations: cheap, and
    far less prone to the exploding gradients of one long rollout); evaluation integrates from t = 0.

    >>> r = train_hybrid(HybridSettings(iterations=1, hidden=4, t_train=1.0, t_test=2.0))
    >>> sorted(r.rmse["hybrid"])
    ['later times', 'new start', 'training']
    """
    settings = settings or HybridSettings.for_mode()
    require(0 < settings.t_train < settings.t_test, "need 0 < t_train < t_test")
    truth = _true_states(settings)
    new_truth = _true_states(settings, settings.new_start)
    times = np.arange(len(truth)) * settings.dt
    n_train = int(round(settings.t_train / settings.dt))
    rng = np.random.default_rng(seed)
    observed = truth[:n_train + 1] + settings.noise * rng.standard_normal((n_train + 1, 2))
    H = min(settings.horizon, n_train)
    dev = torch_device()
    obs_t = torch.as_tensor(observed, dtype=torch.float32, device=dev)
    starts = obs_t[:n_train + 1 - H]
    targets = torch.stack([obs_t[i:i + H + 1] for i in range(n_train + 1 - H)])
    result = HybridResult(settings, times, truth, new_truth, observed)
    with torch_threads(1):
        for kind in kinds:
            model = vector_field(kind, settings.hidden, seed=seed).to(dev)
            params = list(model.parameters())
            if params:
                opt = torch.optim.Adam(params, lr=settings.lr)
                sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, settings.iterations)
                for _ in range(settings.iterations):
                    pred = model.rollout(starts, H, settings.dt)
                    loss = torch.mean((pred - targets) ** 2)
                    opt.zero_grad()
                    loss.backward()
                    opt.step()
                    sched.step()
            with torch.no_grad():
                both = model.rollout(torch.tensor([[1.0, 0.0], [settings.new_start, 0.0]], device=dev),
                                     len(truth) - 1, settings.dt).cpu().numpy()
            err = (both[0, :, 0] - truth[:, 0]) ** 2
            result.trajectories[kind], result.new_trajectories[kind] = both[0], both[1]
            result.rmse[kind] = {"training": float(np.sqrt(err[:n_train + 1].mean())),
                                 "later times": float(np.sqrt(err[n_train + 1:].mean())),
                                 "new start": float(np.sqrt(np.mean((both[1, :, 0] - new_truth[:, 0]) ** 2)))}
            result.models[kind] = model
    return result
