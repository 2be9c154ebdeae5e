"""How long each notebook takes in its *default* setting on this machine: what a learner who opens it and
runs every cell waits for (no ``DPVIZ_QUICK``, no ``CI``).

The target (issue 16): every notebook's default finishes in under two minutes on a 2-core CPU. A heavy
notebook (``dpviz.quick_mode(heavy=True)``) defaults to quick mode when torch sees no GPU; the table
says which mode each one ran, and ``--full`` times every notebook in full mode instead.

    .venv/bin/python benchmarks/bench_notebooks.py                  # every notebook, default mode
    .venv/bin/python benchmarks/bench_notebooks.py 10 11 22         # a few, by number
    .venv/bin/python benchmarks/bench_notebooks.py --full 22        # full mode, whatever the machine
"""
from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
BUDGET_S = 120


def run(path: Path, full: bool) -> tuple[float, str]:
    """Execute a copy of ``path`` beside the notebooks; return the seconds and the mode line it printed."""
    nb = nbformat.read(path, as_version=4)
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "DPVIZ_QUICK")}
    if full:
        env["DPVIZ_QUICK"] = "0"
    env.setdefault("DPVIZ_DATA", str(ROOT.parent / "shared" / "data" / "planetoid"))
    old = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)
    try:
        with tempfile.TemporaryDirectory() as work:
            for extra in path.parent.iterdir():      # what a notebook reads beside it (images, REFERENCES.md)
                if extra.suffix != ".ipynb" and not extra.name.startswith("."):
                    (Path(work) / extra.name).symlink_to(extra)
            start = time.perf_counter()
            NotebookClient(nb, timeout=1200, kernel_name="python3",
                           resources={"metadata": {"path": work}}).execute()
            seconds = time.perf_counter() - start
    finally:
        os.environ.clear()
        os.environ.update(old)
    text = "\n".join(o.get("text", "") for c in nb.cells for o in c.get("outputs", []))
    mode = re.search(r"Running in (quick|full) mode", text) or re.search(r"mode: (quick|full)", text)
    return seconds, mode[1] if mode else "—"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("numbers", nargs="*", help="notebook numbers (default: all)")
    parser.add_argument("--full", action="store_true", help="run every notebook in full mode")
    args = parser.parse_args()
    paths = sorted((ROOT / "notebooks").glob("*.ipynb"))
    if args.numbers:
        paths = [p for p in paths if p.name[:2] in {n.zfill(2) for n in args.numbers}]
    print(f"{'notebook':<48}{'mode':>6}{'seconds':>9}  under {BUDGET_S} s")
    worst = 0.0
    for path in paths:
        seconds, mode = run(path, args.full)
        worst = max(worst, seconds)
        print(f"{path.name:<48}{mode:>6}{seconds:>9.1f}  {'yes' if seconds < BUDGET_S else 'NO'}", flush=True)
    print(f"slowest: {worst:.1f} s = {worst / BUDGET_S:.2f} × the {BUDGET_S} s budget")
    sys.exit(0)


if __name__ == "__main__":
    main()
