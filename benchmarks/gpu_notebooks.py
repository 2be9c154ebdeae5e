"""Run notebooks top to bottom in full mode and say, per notebook, its time and whether it used CUDA.

Used by ``benchmarks/gpu_check.sh``.  Each notebook runs as the test suite runs it
(``tests/nbrun.py``: a temporary copy, warnings fail it), but with ``DPVIZ_QUICK=0``; "used
CUDA" means GPU memory was really allocated, not merely that a GPU was visible.

    python benchmarks/gpu_notebooks.py [--quick] [--timeout S] NAME ...   (NAME: e.g. 09 or 20-citeseer)

Exits 1 when a notebook fails, or when a notebook that trains in PyTorch did not allocate GPU
memory (unless ``--allow-cpu``, which the script's CPU smoke run uses).  Every notebook imports
torch (its mode note asks for a GPU), so what counts is the allocation.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from nbrun import NOTEBOOKS, run_notebook  # noqa: E402

#: Notebooks whose models run on the dpviz engine (NumPy, CPU) by design: no GPU memory expected.
ENGINE_ONLY = ("12-", "15-")


def _find(name: str) -> Path:
    found = sorted(NOTEBOOKS.glob(f"{name}*.ipynb"))
    if not found:
        raise SystemExit(f"gpu_notebooks: no notebook matches {name!r} in {NOTEBOOKS}")
    return found[0]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("names", nargs="+")
    p.add_argument("--quick", action="store_true", help="quick mode instead of full (a smoke run)")
    p.add_argument("--allow-cpu", action="store_true", help="do not fail when CUDA was not used")
    p.add_argument("--timeout", type=float, default=300, help="seconds a notebook may take")
    p.add_argument("--json", default=None, help="also write the results here")
    args = p.parse_args(argv)
    results, failed = [], []
    for name in args.names:
        path = _find(name)
        try:
            run = run_notebook(path.name, timeout=args.timeout, max_mb=float("inf"), quick=args.quick)
        except Exception as e:  # noqa: BLE001 - report every notebook, then fail
            print(f"{path.name}: FAILED ({type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''})", flush=True)
            failed.append(path.name)
            continue
        cuda = run.gpu_peak_mb > 0
        engine_only = path.name.startswith(ENGINE_ONLY)
        results.append({"notebook": path.name, "seconds": round(run.seconds, 1), "cuda": cuda,
                        "peak_gpu_mib": round(run.gpu_peak_mb)})
        where = (f"CUDA, peak GPU memory {run.gpu_peak_mb:.0f} MiB" if cuda
                 else "the dpviz engine on the CPU, by design" if engine_only else "no GPU memory allocated")
        print(f"{path.name}: {run.seconds:.1f} s, {where}", flush=True)
        if not cuda and not engine_only and not args.allow_cpu:
            failed.append(f"{path.name} (its PyTorch models did not run on CUDA)")
    total = sum(r["seconds"] for r in results)
    print(f"{len(results)} notebooks in {total:.0f} s" + (f"; FAILED: {', '.join(failed)}" if failed else ""))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
