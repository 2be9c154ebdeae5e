"""Engine speed, measured side by side in one run (issue 2, section E).

W1: one forward+backward of the summed hinge loss of micrograd's demo MLP (2-16-16-1, ReLU)
    on 100 points, in dpviz, micrograd, HIPS autograd and torch eager (float64, 1 thread).
W2: a chain of 2,000 small elementwise ops on 64-vectors, forward+backward, time per op.

Run:  .venv/bin/python benchmarks/bench_engine.py          (add --quick for a smoke run)
Prints a Markdown table with the ratios; the README shows the table from this machine.
"""
from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402

import dpviz as dp  # noqa: E402


def _time(fn, repeats: int, inner: int) -> float:
    """Median over ``repeats`` of the mean time of ``inner`` calls, in seconds."""
    fn()
    runs = []
    for _ in range(repeats):
        t = time.perf_counter()
        for _ in range(inner):
            fn()
        runs.append((time.perf_counter() - t) / inner)
    return statistics.median(runs)


def _data(n: int = 100):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((n, 2))
    y = np.where(X[:, 0] * X[:, 1] > 0, 1.0, -1.0)
    return X, y


def _weights(seed: int = 0):
    rng = np.random.default_rng(seed)
    sizes = [2, 16, 16, 1]
    return [(rng.uniform(-1, 1, (a, b)), np.zeros(b)) for a, b in zip(sizes[:-1], sizes[1:])]


# -- W1 in each engine ---------------------------------------------------------------------------

def w1_dpviz(X, y):
    params = [(dp.tensor(W, requires_grad=True), dp.tensor(b, requires_grad=True)) for W, b in _weights()]

    def step():
        h = dp.tensor(X)
        for i, (W, b) in enumerate(params):
            h = h @ W + b
            if i < len(params) - 1:
                h = h.relu()
        loss = (1.0 - h.reshape(-1) * y).relu().sum()
        for W, b in params:
            W.grad = b.grad = None
        loss.backward()
    return step


def w1_autograd(X, y):
    import autograd.numpy as anp
    from autograd import grad

    def loss(params):
        h = X
        for i, (W, b) in enumerate(params):
            h = anp.dot(h, W) + b
            if i < len(params) - 1:
                h = anp.maximum(h, 0.0)
        return anp.sum(anp.maximum(1.0 - h.reshape(-1) * y, 0.0))

    g = grad(loss)
    params = _weights()
    return lambda: g(params)


def w1_torch(X, y):
    import torch
    torch.set_num_threads(1)
    params = [(torch.tensor(W, requires_grad=True), torch.tensor(b, requires_grad=True)) for W, b in _weights()]
    Xt, yt = torch.tensor(X), torch.tensor(y)

    def step():
        h = Xt
        for i, (W, b) in enumerate(params):
            h = h @ W + b
            if i < len(params) - 1:
                h = h.relu()
        loss = (1.0 - h.reshape(-1) * yt).relu().sum()
        for W, b in params:
            W.grad = b.grad = None
        loss.backward()
    return step


def w1_micrograd(X, y):
    from micrograd.engine import Value
    from micrograd.nn import MLP
    random.seed(0)
    model = MLP(2, [16, 16, 1])
    inputs = [[Value(float(a)), Value(float(b))] for a, b in X]

    def step():
        scores = [model(x) for x in inputs]
        loss = sum((1 + -float(yi) * s).relu() for yi, s in zip(y, scores))
        model.zero_grad()
        loss.backward()
    return step


# -- W2 ------------------------------------------------------------------------------------------

W2_OPS = 2000


def _w2_chain(v, c, tanh, sin):
    for _ in range(W2_OPS // 4):
        v = tanh(v)
        v = v * c
        v = sin(v)
        v = v + c
    return v


def w2_dpviz():
    rng = np.random.default_rng(0)
    x0, c = rng.standard_normal(64), rng.standard_normal(64)

    def step():
        x = dp.tensor(x0, requires_grad=True)
        _w2_chain(x, c, dp.tanh, dp.sin).sum().backward()
    return step


def w2_autograd():
    import autograd.numpy as anp
    from autograd import grad
    rng = np.random.default_rng(0)
    x0, c = rng.standard_normal(64), rng.standard_normal(64)
    g = grad(lambda x: anp.sum(_w2_chain(x, c, anp.tanh, anp.sin)))
    return lambda: g(x0)


def w2_torch():
    import torch
    torch.set_num_threads(1)
    rng = np.random.default_rng(0)
    x0, c = torch.tensor(rng.standard_normal(64)), torch.tensor(rng.standard_normal(64))

    def step():
        x = x0.clone().requires_grad_(True)
        _w2_chain(x, c, torch.tanh, torch.sin).sum().backward()
    return step


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="few repeats: checks that it runs, not a figure")
    args = ap.parse_args(argv)
    rep, inner = (2, 2) if args.quick else (7, 30)
    X, y = _data()
    rows = []
    t = {}
    for name, make in [("dpviz", w1_dpviz), ("HIPS autograd", w1_autograd), ("torch eager", w1_torch)]:
        t[name] = _time(make(X, y), rep, inner)
    t["micrograd"] = _time(w1_micrograd(X, y), 1 if args.quick else 3, 1)
    for name in ["dpviz", "HIPS autograd", "torch eager", "micrograd"]:
        rows.append(("W1 MLP 2-16-16-1, 100 points", name, f"{t[name] * 1e3:.3f} ms",
                     f"{t[name] / t['dpviz']:.2f}"))
    u = {}
    for name, make in [("dpviz", w2_dpviz), ("HIPS autograd", w2_autograd), ("torch eager", w2_torch)]:
        u[name] = _time(make(), rep, 1 if args.quick else 3) / W2_OPS
    for name in ["dpviz", "HIPS autograd", "torch eager"]:
        rows.append(("W2 2,000-op chain, per op", name, f"{u[name] * 1e6:.1f} µs", f"{u[name] / u['dpviz']:.2f}"))
    print(f"engine benchmark ({platform.python_version()}, numpy {np.__version__}, {os.cpu_count()} cores"
          f"{', QUICK: not a figure' if args.quick else ''})\n")
    print("| workload | engine | time | time / dpviz |")
    print("|---|---|---|---|")
    for r in rows:
        print("| " + " | ".join(r) + " |")
    print()
    print(f"W1: dpviz vs HIPS autograd {t['dpviz'] / t['HIPS autograd']:.2f}x the time "
          f"(target <= 1), vs torch eager {t['dpviz'] / t['torch eager']:.2f}x (target <= 2)")
    print(f"W2: dpviz vs HIPS autograd {u['dpviz'] / u['HIPS autograd']:.2f}x the time per op (target <= 1)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
