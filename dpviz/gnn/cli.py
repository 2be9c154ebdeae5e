"""``dpviz reproduce citeseer``: run the paper's section 5.2 table and save it.

>>> from dpviz.gnn.cli import main
>>> main(["citeseer", "--list"])  # doctest: +ELLIPSIS
mlp2-train...
0
"""
from __future__ import annotations

import argparse
import fnmatch
import os
import platform
import sys
import time
from pathlib import Path

import torch
from tqdm.auto import tqdm

from dpviz.data.errors import DataUnavailableError
from dpviz.gnn.experiments import EXPERIMENTS, run
from dpviz.gnn.report import format_table, save_figures, save_records

#: --quick: CI's budget (< 3 minutes on 2 CPU cores) — all rows, fewer seeds and epochs.
QUICK_SEEDS = 2
QUICK_EPOCHS = 100


def pick_device(choice: str) -> torch.device:
    """``auto`` → CUDA when available, else CPU.

    >>> pick_device("cpu").type
    'cpu'
    """
    if choice == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if choice == "cuda" and not torch.cuda.is_available():
        raise SystemExit("dpviz reproduce: --device cuda asked for, but torch sees no CUDA device")
    return torch.device(choice)


def _positive(text: str) -> int:
    """An argparse type: a whole number of at least 1 (``--seeds 0`` and ``--epochs -5`` are refused).

    >>> _positive("3")
    3
    """
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="dpviz reproduce",
        description="Reproduce the CiteSeer experiments of the paper's section 5.2 "
                    "(MLP vs GCN vs self-attention, training sizes, perturbed graphs).")
    p.add_argument("dataset", choices=["citeseer"], help="the paper's dataset")
    p.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    p.add_argument("--seeds", type=_positive, default=None, help="seeds per experiment (default 10; quick 2)")
    p.add_argument("--epochs", type=_positive, default=None, help="epochs (default 200 as the paper; quick 100)")
    p.add_argument("--quick", action="store_true",
                   help=f"CI mode: {QUICK_SEEDS} seeds, {QUICK_EPOCHS} epochs (also when $DPVIZ_QUICK=1)")
    p.add_argument("--out", default="results", help="folder for results.csv/json and figures")
    p.add_argument("--only", default="*", help="glob over experiment keys, e.g. 'gcn2-*'")
    p.add_argument("--seed", type=int, default=0, help="base seed (the whole table is reproducible)")
    p.add_argument("--chunk", type=_positive, default=None, help="max seeds trained in one batch (memory)")
    p.add_argument("--root", default=None, help="folder with the raw Planetoid files")
    p.add_argument("--list", action="store_true", help="list the experiments and exit")
    return p


def main(argv: list[str] | None = None) -> int:
    """Entry point; ``argv`` are the words after ``dpviz reproduce``.

    >>> main(["citeseer", "--only", "nothing-matches"])
    dpviz reproduce: no experiment matches 'nothing-matches'
    2
    """
    args = _parser().parse_args(argv)
    selected = [e for e in EXPERIMENTS if fnmatch.fnmatch(e.key, args.only)]
    if args.list:
        for e in selected:
            paper = "—" if e.paper is None else e.paper
            print(f"{e.key:<26}{e.train_label:<19}paper {paper}")
        return 0
    if not selected:
        print(f"dpviz reproduce: no experiment matches {args.only!r}")
        return 2
    quick = args.quick or os.environ.get("DPVIZ_QUICK") == "1"
    seeds = args.seeds if args.seeds is not None else (QUICK_SEEDS if quick else 10)
    epochs = args.epochs if args.epochs is not None else (QUICK_EPOCHS if quick else 200)
    device = pick_device(args.device)

    from dpviz.data import planetoid  # here so --list works without the data

    try:
        data = planetoid(args.dataset, args.root).to(device)
    except DataUnavailableError as exc:      # offline, no mirror: one line, not a traceback
        print(f"dpviz reproduce: {exc}", file=sys.stderr)
        return 1
    mode = "quick" if quick else "full"
    print(f"dpviz reproduce {args.dataset}: {len(selected)} experiments × {seeds} seeds, "
          f"{epochs} epochs, {mode} mode, device {device}, torch {torch.__version__}, "
          f"{torch.get_num_threads()} CPU threads", flush=True)
    records = []
    start = time.perf_counter()
    bar = tqdm(selected, desc="experiments", unit="exp", file=sys.stderr)
    for exp in bar:
        bar.set_postfix_str(exp.key)
        records.append(run(exp, data, seeds=seeds, epochs=epochs, seed=args.seed, chunk=args.chunk))
    total = time.perf_counter() - start
    print(format_table(records))
    flagged = sum(1 for r in records if r["flag"])
    print(f"\n{len(records)} experiments in {total:.0f} s; {flagged} differ from the paper by > 3 points "
          f"(the paper reports single runs; see the notebooks for the known reasons).")
    out = Path(args.out)
    meta = {"dataset": args.dataset, "seeds": seeds, "epochs": epochs, "mode": mode,
            "device": str(device), "torch": torch.__version__, "python": platform.python_version(),
            "threads": torch.get_num_threads(), "seconds": round(total, 1), "seed": args.seed}
    if device.type == "cuda":
        meta["peak_gpu_mib"] = round(torch.cuda.max_memory_allocated(device) / 2**20)
        print(f"peak GPU memory: {meta['peak_gpu_mib']} MiB ({torch.cuda.get_device_name(device)})")
    csv_path, json_path = save_records(records, out, meta)
    figures = save_figures(records, out)
    print(f"saved {csv_path}, {json_path} and {len(figures)} figures in {out}/")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
