"""Benchmark: DOT generation and SVG rendering of a ~1,000-node program, dpviz vs torchviz.

Not a test. Everything is measured side by side in one run on the same machine:

* DOT text for a PyTorch graph of about 1,000 backward nodes, by ``dp.draw`` (every node
  drawn: ``collapse=False``) and by torchviz's ``make_dot`` (if installed), best of N;
* the same for a dpviz ``Program`` of about 1,000 nodes, and its default (auto-collapsed) drawing;
* SVG rendering of each DOT text with every renderer available (system ``dot``, ``graphviz-pure``);
* layout time (DOT text, then SVG) of notebook 03's MLP and of a 300-node program with each
  renderer, and the drawing's width; ``--baseline DIR`` measures the same with the dpviz of
  another checkout (``git worktree add DIR <commit>``) in a subprocess and prints the ratios.

Target of issue 3: DOT generation under 50 ms for 1,000 nodes, and no slower than torchviz.

    python benchmarks/bench_draw.py [--repeat 7] [--steps 333] [--baseline DIR]
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
from typing import Callable

import numpy as np


def best_of(fn: Callable[[], object], repeat: int) -> float:
    """The fastest of ``repeat`` runs, in seconds (the least disturbed by other work)."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def torch_chain(steps: int):
    import torch

    torch.manual_seed(0)
    w = torch.nn.Parameter(torch.randn(8))
    h = torch.randn(8, requires_grad=True)
    for _ in range(steps):            # 3 backward nodes per step: mul, add, tanh
        h = (h * w + 0.1).tanh()
    return h.sum(), {"w": w}


def dpviz_chain(steps: int):
    import dpviz as dp

    def f(h, w):
        for _ in range(steps):        # per step: mul, add (with its constant), tanh
            h = (h * w + 0.1).tanh()
        return h.sum()

    rng = np.random.default_rng(0)
    return dp.trace(f, rng.standard_normal(8), rng.standard_normal(8))


def notebook03_mlp():
    """The MLP loss that notebook 03 draws, traced and differentiated the same way."""
    import dpviz as dp

    rng = np.random.default_rng(0)
    X = rng.standard_normal((8, 2))
    y = np.sin(X[:, :1]) + 0.5 * X[:, 1:]
    mlp = dp.nn.MLP([2, 4, 1], activation="tanh", seed=0)
    prog = dp.trace(lambda X: ((mlp(X) - y) ** 2).mean(), X)
    prog.backward()
    return prog


def layout_times(repeat: int) -> dict:
    """Per case and renderer: seconds for DOT text plus SVG (best of ``repeat``) and the SVG's width.

    Uses only ``dp.draw`` and ``dp.render`` with their defaults, so it runs on older checkouts too."""
    from dpviz.pictures import draw
    from dpviz.pictures.renderer import render

    cases = {"notebook 03 MLP": notebook03_mlp(), "300-node program": dpviz_chain(75)}
    renderers = ["graphviz-pure"] + (["dot"] if shutil.which("dot") else [])
    out: dict = {}
    for name, prog in cases.items():
        for renderer in renderers:
            t = best_of(lambda: render(draw(prog, collapse=False).source, renderer=renderer), repeat)
            svg = render(draw(prog, collapse=False).source, renderer=renderer)
            width_pt = float(re.search(r'<svg[^>]*?width="([\d.]+)pt"', svg).group(1))
            out[f"{name} ({prog.n} nodes) | {renderer}"] = {"seconds": t, "width_px": width_pt * 4 / 3}
    return out


def print_layouts(repeat: int, baseline: str | None) -> None:
    now = layout_times(repeat)
    before = None
    if baseline:
        env = dict(os.environ, PYTHONPATH=os.path.abspath(baseline))
        done = subprocess.run([sys.executable, __file__, "--layout-json", "--repeat", str(repeat)], env=env,
                              capture_output=True, text=True, check=True)
        before = json.loads(done.stdout.strip().splitlines()[-1])
    print("\nLayout: DOT text + SVG, default drawing (best of %d); width of the SVG" % repeat)
    for key, row in now.items():
        line = f"  {key:<48s} {row['seconds'] * 1e3:8.1f} ms  {row['width_px']:6.0f} px"
        if before and key in before:
            b = before[key]
            line += (f"   before {b['seconds'] * 1e3:8.1f} ms {b['width_px']:6.0f} px"
                     f"   time ratio {row['seconds'] / b['seconds']:.2f}")
        print(line, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--steps", type=int, default=333, help="loop steps (3 torch nodes each)")
    parser.add_argument("--render-timeout", type=float, default=30.0, help="seconds per SVG render")
    parser.add_argument("--baseline", help="a checkout of dpviz to compare layout times with")
    parser.add_argument("--layout-json", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.layout_json:            # the baseline's half of --baseline: numbers only
        print(json.dumps(layout_times(args.repeat)))
        return

    from dpviz.pictures import draw
    from dpviz.pictures.renderer import RenderError, render

    loss, params = torch_chain(args.steps)
    n_torch = draw(loss, params=params, saved=False, collapse=False).program_nodes
    print(f"PyTorch graph: {n_torch} nodes (saved tensors off, as in torchviz's default)", flush=True)

    rows: list[tuple[str, float]] = []
    t_dp = best_of(lambda: draw(loss, params=params, saved=False, collapse=False).source, args.repeat)
    rows.append(("dp.draw(torch tensor, collapse=False)", t_dp))
    t_dp_saved = best_of(lambda: draw(loss, params=params, saved=True, collapse=False).source, args.repeat)
    rows.append(("dp.draw(torch tensor, saved=True, collapse=False)", t_dp_saved))
    try:
        from torchviz import make_dot
    except ImportError:
        make_dot = None
        print("torchviz is not installed: pip install torchviz to compare")
    if make_dot is not None:
        # torchviz walks the graph recursively (its issue #57): at the default limit a
        # 1,000-node chain raises RecursionError, so say so and raise the limit to time it.
        try:
            make_dot(loss, params=params).source
            print("torchviz: works at the default recursion limit")
        except RecursionError:
            print(f"torchviz: RecursionError at the default recursion limit ({sys.getrecursionlimit()}); "
                  "timing it with the limit raised to 100000")
            sys.setrecursionlimit(100_000)
        t_tv = best_of(lambda: make_dot(loss, params=params).source, args.repeat)
        rows.append(("torchviz make_dot", t_tv))
        t_tv_saved = best_of(lambda: make_dot(loss, params=params, show_saved=True).source, args.repeat)
        rows.append(("torchviz make_dot(show_saved=True)", t_tv_saved))

    prog = dpviz_chain(args.steps)
    t_prog = best_of(lambda: draw(prog, collapse=False).source, args.repeat)
    rows.append((f"dp.draw(Program of {prog.n} nodes, collapse=False)", t_prog))
    t_auto = best_of(lambda: draw(prog).source, args.repeat)
    rows.append((f"dp.draw(Program of {prog.n} nodes, auto-collapsed)", t_auto))

    print("\nDOT generation (best of %d)" % args.repeat)
    for label, t in rows:
        print(f"  {label:<55s} {t * 1e3:8.1f} ms")
    if make_dot is not None:
        print(f"  ratio dp.draw / torchviz (same graph, no saved tensors): {t_dp / t_tv:.2f}")
        print(f"  ratio with saved tensors:                                {t_dp_saved / t_tv_saved:.2f}")
    print(f"  target < 50 ms for ~1,000 nodes: {'met' if t_dp < 0.05 else 'NOT met'} ({t_dp * 1e3:.1f} ms)")

    small_loss, small_params = torch_chain(100)
    sources = {"dp.draw (torch, 300 nodes)": draw(small_loss, params=small_params, saved=False,
                                                  collapse=False).source,
               "dp.draw (torch, all nodes)": draw(loss, params=params, saved=False, collapse=False).source,
               "dp.draw (Program, auto-collapsed)": draw(prog).source}
    if make_dot is not None:
        sources["torchviz make_dot (300 nodes)"] = make_dot(small_loss, params=small_params).source
        sources["torchviz make_dot (all nodes)"] = make_dot(loss, params=params).source
    renderers = ["graphviz-pure"] + (["dot"] if shutil.which("dot") else [])
    if "dot" not in renderers:
        print("\n(no system `dot` on PATH: only graphviz-pure is timed)")
    print("\nSVG rendering (one run each)")
    for name, source in sources.items():
        for renderer in renderers:
            try:
                t = best_of(lambda: render(source, renderer=renderer, timeout=args.render_timeout), 1)
                print(f"  {name:<40s} {renderer:<14s} {t * 1e3:9.1f} ms", flush=True)
            except RenderError:
                print(f"  {name:<40s} {renderer:<14s} > {args.render_timeout:g} s (stopped)", flush=True)
    print_layouts(max(1, min(args.repeat, 3)), args.baseline)


if __name__ == "__main__":
    main()
