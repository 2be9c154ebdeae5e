"""Run notebooks top to bottom in full mode and say, per notebook, its time and whether it used CUDA.

Used by ``benchmarks/gpu_check.sh``.  Each notebook runs in a temporary copy of ``notebooks/``
(never the committed files) with ``DPVIZ_QUICK=0``; one cell is appended that prints the
kernel's peak GPU memory, so "used CUDA" means memory was really allocated on the GPU, not
merely that a GPU was visible.

    python benchmarks/gpu_notebooks.py [--quick] [--timeout S] NAME ...   (NAME: e.g. 09 or 20-citeseer)

Exits 1 when a notebook fails, or when one of the PyTorch notebooks did not allocate GPU memory
(unless ``--allow-cpu``, which the script's CPU smoke run uses).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"

#: What the appended cell prints: whether torch was used at all, and its peak GPU memory.
_PROBE = ("import json as _j, sys as _s\n"
          "_t = _s.modules.get('torch')\n"
          "_c = bool(_t is not None and _t.cuda.is_available() and _t.cuda.max_memory_allocated() > 0)\n"
          "print('__DPVIZ_GPU__' + _j.dumps({'torch': _t is not None, 'cuda': _c,\n"
          "      'peak_mib': round(_t.cuda.max_memory_allocated() / 2**20) if _c else 0}))")


def _find(name: str) -> Path:
    found = sorted(NOTEBOOKS.glob(f"{name}*.ipynb"))
    if not found:
        raise SystemExit(f"gpu_notebooks: no notebook matches {name!r} in {NOTEBOOKS}")
    return found[0]


def run(path: Path, quick: bool, timeout: float) -> dict:
    """Execute one notebook in a temporary copy; return its time and what the probe printed."""
    with tempfile.TemporaryDirectory(prefix="dpviz-gpu-") as tmp:
        work = Path(tmp) / "notebooks"
        shutil.copytree(NOTEBOOKS, work)
        nb = nbformat.read(work / path.name, as_version=4)
        nb.cells.append(nbformat.v4.new_code_cell(_PROBE))
        env = {**os.environ, "DPVIZ_QUICK": "1" if quick else "0", "PYTHONUNBUFFERED": "1"}
        client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                                resources={"metadata": {"path": str(work)}}, env=env)
        start = time.perf_counter()
        client.execute()
        seconds = time.perf_counter() - start
    probe = {}
    for out in nb.cells[-1].get("outputs", []):
        text = out.get("text", "")
        if "__DPVIZ_GPU__" in text:
            probe = json.loads(text.split("__DPVIZ_GPU__", 1)[1].strip())
    return {"notebook": path.name, "seconds": round(seconds, 1), **probe}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("names", nargs="+")
    p.add_argument("--quick", action="store_true", help="quick mode instead of full (a smoke run)")
    p.add_argument("--allow-cpu", action="store_true", help="do not fail when CUDA was not used")
    p.add_argument("--timeout", type=float, default=600, help="seconds a cell may take")
    p.add_argument("--json", default=None, help="also write the results here")
    args = p.parse_args(argv)
    results, failed = [], []
    for name in args.names:
        path = _find(name)
        try:
            r = run(path, args.quick, args.timeout)
        except Exception as e:  # noqa: BLE001 - report every notebook, then fail
            print(f"{path.name}: FAILED ({type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''})", flush=True)
            failed.append(path.name)
            continue
        results.append(r)
        where = (f"CUDA, peak GPU memory {r['peak_mib']} MiB" if r.get("cuda")
                 else "PyTorch on the CPU" if r.get("torch") else "no PyTorch (the dpviz engine, CPU)")
        print(f"{r['notebook']}: {r['seconds']:.1f} s, {where}", flush=True)
        if r.get("torch") and not r.get("cuda") and not args.allow_cpu:
            failed.append(f"{path.name} (PyTorch ran without CUDA)")
    total = sum(r["seconds"] for r in results)
    print(f"{len(results)} notebooks in {total:.0f} s" + (f"; FAILED: {', '.join(failed)}" if failed else ""))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
