"""How long one Stepper step takes on a 300-node program, against re-rendering the picture per step.

The stepper lays the graph out once and then only restyles the SVG text; the alternative it
replaces is ``dp.draw(prog, style=hook_for_this_step)`` followed by a Graphviz run per step.
Target (issue 4): under 30 ms per step.

    .venv/bin/python benchmarks/bench_stepper.py            # full
    .venv/bin/python benchmarks/bench_stepper.py --quick    # fewer re-renders
"""
from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

import dpviz as dp
from dpviz.pictures import draw
from dpviz.pictures.renderer import render
from dpviz.widgets import Stepper


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="time 1 re-render instead of 3")
    parser.add_argument("--nodes", type=int, default=300)
    args = parser.parse_args()
    layers = (args.nodes - 2) // 4
    prog = dp.trace(lambda x, w: _chain(x, w, layers), 0.3, 0.9)
    t0 = time.perf_counter()
    # collapse=False: step the full 300-node picture (dp.draw would fold it into blocks)
    stepper = Stepper(prog, mode="both", collapse=False)
    build = time.perf_counter() - t0
    times = []
    for k in range(1, stepper.n_steps + 1):
        t = time.perf_counter()
        stepper.goto(k)
        times.append(time.perf_counter() - t)
    jumps = []
    rng = np.random.default_rng(0)
    for k in rng.integers(0, stepper.n_steps + 1, size=50):
        t = time.perf_counter()
        stepper.goto(int(k))
        jumps.append(time.perf_counter() - t)
    step_ms = statistics.median(times) * 1e3
    worst_ms = max(times) * 1e3
    jump_ms = statistics.median(jumps) * 1e3

    # The alternative: draw with a style hook for the step, then lay out and render again.
    rerenders = []
    for k in np.linspace(1, stepper.n_steps, 1 if args.quick else 3).astype(int):
        node = stepper.timeline.events[k - 1].node
        t = time.perf_counter()
        render(draw(prog, collapse=False, style=lambda n, c=node: {"color": "red"} if n.index == c else None),
               timeout=900)
        rerenders.append(time.perf_counter() - t)
    rerender_ms = statistics.median(rerenders) * 1e3
    from dpviz.pictures.renderer import find_renderer

    print(f"renderer: {find_renderer().kind}")
    print(f"program: n = {prog.n} nodes, {len(prog.edges)} edges; mode='both': {stepper.n_steps} steps")
    print(f"stepper built (one layout) in {build * 1e3:.0f} ms")
    print(f"step (restyle only): median {step_ms:.2f} ms, worst {worst_ms:.2f} ms; random jump median {jump_ms:.2f} ms")
    print(f"full re-render per step (dp.draw + render): median {rerender_ms:.0f} ms")
    print(f"ratio: a step is {rerender_ms / step_ms:.0f}x faster than a re-render; "
          f"target < 30 ms per step: {'met' if worst_ms < 30 else 'NOT met'}")


def _chain(x, w, layers: int):
    h = x
    for _ in range(layers):
        h = (h * w + h).tanh() * h      # 5 nodes per layer (w fans out to every layer)
    return h


if __name__ == "__main__":
    main()
