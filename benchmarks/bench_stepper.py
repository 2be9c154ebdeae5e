"""The Stepper, side by side: build time per program size and renderer, and a step in the browser
against a step that goes through the kernel.

1. **Build**: ``dp.Stepper(prog, mode="both")`` lays the program out once and writes the frames of
   all four modes (what the browser needs to step with no kernel), for a 30- and a 300-node program
   drawn node by node and a 2,000-node program drawn collapsed, with system Graphviz (``dot``) and
   with ``graphviz-pure``. Targets (issue 15): 300 nodes < 1.5 s, 2,000 collapsed < 3 s.
2. **Opening**: the standalone page of the 300-node Stepper in headless Chromium: the time to parse
   the frames and mount the viewer.
3. **A step**: in that page, ``performance.now()`` around a click on *next* (the script that restyles
   the SVG) and to the next animation frame (the step on screen); target < 16 ms. Against it, the
   same program stepped by the kernel (the Stepper's ipywidgets view, what VS Code shows and what
   every Stepper did before the viewer) in JupyterLab: from the click until the new counter shows.

    .venv/bin/python benchmarks/bench_stepper.py            # full
    .venv/bin/python benchmarks/bench_stepper.py --quick    # fewer repeats, 20 kernel steps
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "browser"))

import dpviz as dp  # noqa: E402
from dpviz.pictures.renderer import find_renderer  # noqa: E402


def _chain(x, w, layers: int):
    h = x
    for _ in range(layers):
        h = (h * w + h).tanh() * h      # 5 nodes per layer (w fans out to every layer)
    return h


def chain_program(nodes: int):
    layers = max(1, (nodes - 2) // 4)
    return dp.trace(lambda x, w: _chain(x, w, layers), 0.3, 0.9)


def build_times(repeat: int) -> list[tuple[int, str, float, int]]:
    """(program nodes, renderer, best build seconds, scene bytes)."""
    rows = []
    have = [r for r in ("dot", "graphviz-pure") if _available(r)]
    for nodes, collapse in ((30, False), (300, False), (2000, None)):
        prog = chain_program(nodes)
        for renderer in have:
            best, size = float("inf"), 0
            for _ in range(repeat):
                t = time.perf_counter()
                s = dp.Stepper(prog, mode="both", collapse=collapse, renderer=renderer, timeout=120)
                best = min(best, time.perf_counter() - t)
                size = len(s.scene.encode())
            rows.append((prog.n, renderer, best, size))
    return rows


def _available(renderer: str) -> bool:
    try:
        return find_renderer(renderer).kind == renderer
    except Exception:
        return False


PAGE_STEP_TIMES = """async (n) => {
    // busy: the step's work on the page's main thread (script, then style and layout, forced here);
    // frame: until the frame that shows it has been painted (this includes waiting for the screen's
    // next refresh, up to 16.7 ms at 60 Hz)
    const next = document.querySelector('[data-dpviz="next"]');
    const view = document.querySelector('[data-dpviz="view"]');
    const busy = [], frame = [];
    await new Promise(r => setTimeout(r, 400));
    for (let k = 0; k < n; k++) {
        const t0 = performance.now();
        next.click();
        view.getBoundingClientRect();
        const t1 = performance.now();
        await new Promise(r => requestAnimationFrame(() => setTimeout(r, 0)));
        busy.push(t1 - t0); frame.push(performance.now() - t0);
        await new Promise(r => setTimeout(r, 5));
    }
    return {busy, frame};
}"""


def browser_times(stepper: dp.Stepper, steps: int) -> dict:
    from drive import find_chromium
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        page_path = stepper.save_html(Path(tmp) / "bench.html")
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=find_chromium(), args=["--headless", "--no-sandbox"])
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            t = time.perf_counter()
            page.goto(page_path.as_uri())
            page.wait_for_selector("[data-dpviz-mount-ms]")
            load = time.perf_counter() - t
            mount_ms = float(page.get_attribute("[data-dpviz-mount-ms]", "data-dpviz-mount-ms"))
            page.evaluate("() => { document.querySelector('[data-dpviz=\"smooth\"]').click(); }")   # no easing
            got = page.evaluate(PAGE_STEP_TIMES, steps)
            browser.close()
    return {"load_s": load, "mount_ms": mount_ms, **got}


KERNEL_CELL = """import sys
sys.path.insert(0, {bench!r})
from bench_stepper import chain_program
import dpviz as dp
from dpviz.widgets.classic import ClassicView
stepper = dp.Stepper(chain_program(300), mode="both", collapse=False)
ClassicView(stepper)"""


def kernel_times(steps: int) -> list[float]:
    """Seconds from a click on the kernel-driven view's *next* until its counter shows the new step."""
    import nbformat
    from drive import CLASSIC, browser_session
    from lab import running_lab

    with tempfile.TemporaryDirectory() as tmp:
        nb = nbformat.v4.new_notebook()
        nb.cells = [nbformat.v4.new_code_cell(KERNEL_CELL.format(bench=str(ROOT / "benchmarks")))]
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
        path = Path(tmp) / "kernel_steps.ipynb"
        nbformat.write(nb, path)
        times = []
        with running_lab(path) as lab, browser_session(lab, "bench-kernel", budget=600) as s:
            s.goto(f"lab/tree/{path.name}")
            s.wait_visible(s.page.get_by_text("Python 3 (ipykernel) | Idle", exact=False), "the kernel did not start",
                           timeout=60_000)
            s.run_all_cells()
            s.wait_visible(s.page.locator(CLASSIC["graph"]), "the kernel-driven view did not appear", timeout=120_000)
            nxt = s.page.locator(CLASSIC["next"]).first
            for k in range(1, steps + 1):
                t = time.perf_counter()
                nxt.click()
                s.page.wait_for_function("([sel, want]) => document.querySelector(sel).textContent.startsWith(want)",
                                         arg=[CLASSIC["counter"], f"step {k} of"], timeout=30_000)
                times.append(time.perf_counter() - t)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="1 build per case, 20 kernel steps")
    parser.add_argument("--no-kernel", action="store_true", help="skip the JupyterLab kernel round trip")
    args = parser.parse_args()
    repeat, kernel_steps = (1, 20) if args.quick else (3, 40)

    print("1. Build (layout + frames of all four modes), best of", repeat)
    rows = build_times(repeat)
    for n, renderer, secs, size in rows:
        print(f"   {n:5d} nodes  {renderer:14s} {secs * 1e3:7.0f} ms   scene {size / 1e6:5.2f} MB")
    for n, target in ((298, 1.5), (1998, 3.0)):
        worst = max(secs for m, _, secs, _ in rows if m == n)
        print(f"   {n} nodes: slowest renderer {worst:.2f} s, target < {target} s: {'met' if worst < target else 'NOT met'}")

    stepper = dp.Stepper(chain_program(300), mode="both", collapse=False)
    steps = min(stepper.n_steps, 300)
    b = browser_times(stepper, steps)
    busy, frame = statistics.median(b["busy"]), statistics.median(b["frame"])
    busy95 = sorted(b["busy"])[int(0.95 * len(b["busy"])) - 1]
    p95 = sorted(b["frame"])[int(0.95 * len(b["frame"])) - 1]
    print(f"2. Opening the 300-node standalone page: {b['load_s']:.2f} s to the viewer; mounting it {b['mount_ms']:.0f} ms")
    print(f"3. A step in the browser ({steps} steps of {stepper.n_steps}, camera following, smooth motion off):")
    print(f"   work on the page's main thread: median {busy:.1f} ms, 95th percentile {busy95:.1f} ms "
          f"(target < 16 ms: {'met' if busy95 < 16 else 'NOT met'})")
    print(f"   until the frame that shows it is painted (includes waiting for the next screen refresh): "
          f"median {frame:.1f} ms, 95th percentile {p95:.1f} ms")
    if args.no_kernel:
        return
    k = kernel_times(kernel_steps)
    km = statistics.median(k) * 1e3
    print(f"   A step through the kernel (JupyterLab, {kernel_steps} steps): median {km:.0f} ms, "
          f"worst {max(k) * 1e3:.0f} ms")
    print(f"   ratio: a step in the browser is on screen {km / frame:.0f}x sooner than one through the kernel "
          f"(medians, {frame:.0f} ms vs {km:.0f} ms)")


if __name__ == "__main__":
    main()
