"""CiteSeer speed, measured side by side in one run (issue 5, section D).

B1: 200 epochs of GCN2 (the paper's training loop, one seed), the from-scratch layer of
    :mod:`dpviz.gnn.layers` against PyG's ``GCNConv`` — PyG as the paper used it (dense
    normalised features, ``edge_index``, normalisation recomputed each step) and PyG with
    ``cached=True``.  Ratio = dpviz / PyG; the target is ≤ 1.0.
B2: the attention model (503,286 parameters, neighbour mask): time per training epoch and peak
    memory, dense 3,327 × 3,327 masked ``nn.MultiheadAttention`` (the paper's code) against
    attention over the allowed pairs only (:mod:`dpviz.gnn.attention`).  Each variant runs in a
    fresh process so its peak RSS is its own.
B3: seeds as a batch dimension against the naive loop (one model per seed, trained one after the
    other).  The naive loop is *measured* for one seed of a few representative rows and
    *extrapolated* (× 10 seeds, × the rows of that kind in the table); the batched side is
    measured for 10 seeds.  The estimate says which numbers are extrapolated.

Run:  DPVIZ_DATA=/work/shared/data/planetoid .venv/bin/python benchmarks/bench_citeseer.py
      (``--quick``: fewer epochs, times scaled to 200 epochs and marked so; about a minute)
      ``--table results/results.json`` adds the measured wall time of a full ``dpviz reproduce``.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable

# As `dpviz reproduce` does (see dpviz/gnn/__init__.py): idle OpenMP threads sleep rather than
# spin, or a busy 2-core machine stalls every small kernel.  Must precede the first torch import.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from torch import nn  # noqa: E402

from dpviz.data import planetoid  # noqa: E402
from dpviz.gnn.attention import dense_attention_mask  # noqa: E402
from dpviz.gnn.experiments import EXPERIMENTS, find, run  # noqa: E402
from dpviz.gnn.layers import gcn_adjacency  # noqa: E402
from dpviz.gnn.models import SelfAttentionNet, gcn2, gcn3, mlp2, mlp3  # noqa: E402
from dpviz.gnn.train import EPOCHS, train_single  # noqa: E402


#: Where the benchmark runs (``--device``); CUDA work is asynchronous, so timings synchronise.
DEVICE = torch.device("cpu")


def _sync() -> None:
    if DEVICE.type == "cuda":
        torch.cuda.synchronize(DEVICE)


def _timed(fn: Callable[[], object]) -> float:
    _sync()
    start = time.perf_counter()
    fn()
    _sync()
    return time.perf_counter() - start


def _peak_gpu_mb() -> float | None:
    return torch.cuda.max_memory_allocated(DEVICE) / 2**20 if DEVICE.type == "cuda" else None


class PygGCN2(nn.Module):
    """GCN2 built from PyG's layer, the way the paper's notebook built it."""

    def __init__(self, cached: bool) -> None:
        super().__init__()
        from torch_geometric.nn import GCNConv

        self.conv1 = GCNConv(3703, 16, cached=cached)
        self.conv2 = GCNConv(16, 6, cached=cached)

    def forward(self, x: torch.Tensor, edge_index: torch.Tensor) -> torch.Tensor:
        h = F.dropout(torch.relu(self.conv1(x, edge_index)), 0.5, self.training)
        return self.conv2(h, edge_index)


def bench_gcn(ds: object, epochs: int) -> list[tuple[str, float]]:
    """B1: seconds for ``epochs`` epochs of GCN2, dpviz vs PyG, same loop, same machine."""
    y, train, test = ds.y, ds.train_mask, ds.test_mask  # type: ignore[attr-defined]
    adj = gcn_adjacency(ds.edge_index, ds.num_nodes)  # type: ignore[attr-defined]
    x_sparse, x_dense, edges = ds.x_sparse, ds.x, ds.edge_index  # type: ignore[attr-defined]
    rows = []
    torch.manual_seed(0)
    rows.append(("dpviz GCNConv (sparse X, sparse Â)",
                 _timed(lambda: train_single(gcn2().to(DEVICE), lambda m: m(x_sparse, adj), y, train, test,
                                             epochs=epochs))))
    try:
        import torch_geometric  # noqa: F401
    except ImportError:
        print("PyG not installed: B1 has no reference")
        return rows
    for cached in (False, True):
        torch.manual_seed(0)
        model = PygGCN2(cached).to(DEVICE)
        rows.append((f"PyG GCNConv (dense X, edge_index, cached={cached})",
                     _timed(lambda: train_single(model, lambda m: m(x_dense, edges), y, train, test,
                                                 epochs=epochs))))
    return rows


def attention_child(kind: str, epochs: int) -> None:
    """B2 in a fresh process: train ``epochs`` epochs, print seconds/epoch and peak RSS as JSON."""
    from dpviz.gnn.batched import SeedSelfAttention
    from dpviz.gnn.train import train_seeds

    ds = planetoid("citeseer").to(DEVICE)
    # torch and the data alone take a few hundred MB; the model's own share is what it adds.
    base_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    torch.manual_seed(0)
    if kind == "dense":
        mask = dense_attention_mask("neighbours", ds.edge_index, ds.num_nodes)
        net = SelfAttentionNet().to(DEVICE)
        train_single(net, lambda m: m(ds.x_sparse, mask), ds.y, ds.train_mask, ds.test_mask, epochs=1)
        seconds = _timed(lambda: train_single(net, lambda m: m(ds.x_sparse, mask), ds.y,
                                              ds.train_mask, ds.test_mask, epochs=epochs))
    else:
        model = SeedSelfAttention.for_graph(ds, "neighbours", 1).to(DEVICE)
        train_seeds(model, ds.y, ds.train_mask, ds.test_mask, epochs=1)
        seconds = _timed(lambda: train_seeds(model, ds.y, ds.train_mask, ds.test_mask,
                                             epochs=epochs))
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"epoch_s": seconds / epochs, "peak_mb": peak_mb, "added_mb": peak_mb - base_mb,
                      "gpu_peak_mb": _peak_gpu_mb()}))


def bench_attention(epochs: int) -> dict[str, dict[str, float]]:
    """B2: one child process per variant (its own peak memory)."""
    out = {}
    for kind in ("dense", "pairs"):
        proc = subprocess.run([sys.executable, __file__, "--attention-child", kind,
                               "--epochs", str(epochs), "--device", DEVICE.type], capture_output=True, text=True,
                              check=True, env=os.environ.copy())
        out[kind] = json.loads(proc.stdout.strip().splitlines()[-1])
    return out


#: Representatives of the table's row kinds for the naive loop: (row measured, plain model,
#: how it is fed, number of table rows of that kind).
def _naive_plan(ds: object) -> list[tuple[str, Callable[[], nn.Module], Callable[..., torch.Tensor], torch.Tensor, int]]:
    adj = gcn_adjacency(ds.edge_index, ds.num_nodes)  # type: ignore[attr-defined]
    x = ds.x_sparse  # type: ignore[attr-defined]
    masks = {m: dense_attention_mask(m, ds.edge_index, ds.num_nodes)  # type: ignore[attr-defined]
             for m in ("self", "neighbours")}
    kinds = {"mlp2": 1, "mlp3": 2, "gcn2": 0, "gcn3-16": 2, "gcn3-256": 2, "attn-masked": 4, "attn-all": 2}
    kinds["gcn2"] = sum(1 for e in EXPERIMENTS if e.model == "gcn" and e.dims == (16,))
    assert sum(kinds.values()) == len(EXPERIMENTS)
    train = ds.train_mask  # type: ignore[attr-defined]
    return [
        ("mlp2-train", mlp2, lambda m: m(x), train, kinds["mlp2"]),
        ("mlp3-train", mlp3, lambda m: m(x), train, kinds["mlp3"]),
        ("gcn2-train", gcn2, lambda m: m(x, adj), train, kinds["gcn2"]),
        ("gcn3-16-train", lambda: gcn3(16), lambda m: m(x, adj), train, kinds["gcn3-16"]),
        ("gcn3-256-train", gcn3, lambda m: m(x, adj), train, kinds["gcn3-256"]),
        ("attention-neighbours-train", SelfAttentionNet, lambda m: m(x, masks["neighbours"]), train,
         kinds["attn-masked"]),
        ("attention-all-train", SelfAttentionNet, lambda m: m(x), train, kinds["attn-all"]),
    ]


def bench_batched(ds: object, epochs: int, seeds: int) -> list[dict[str, object]]:
    """B3: naive (one measured seed × ``seeds``) vs batched (``seeds`` measured), per row kind."""
    rows = []
    for key, make, forward, train, count in _naive_plan(ds):
        torch.manual_seed(0)
        naive_one = _timed(lambda: train_single(make().to(DEVICE), forward, ds.y, train, ds.test_mask,  # type: ignore[attr-defined]
                                                epochs=epochs))
        batched = run(find(key), ds, seeds=seeds, epochs=epochs)["seconds"]
        rows.append({"row": key, "rows_of_kind": count, "naive_1_seed_s": naive_one,
                     "naive_est_s": naive_one * seeds, "batched_s": float(batched)})  # type: ignore[arg-type]
    return rows


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="fewer epochs (times scaled to 200 epochs)")
    p.add_argument("--epochs", type=int, default=None)
    p.add_argument("--seeds", type=int, default=10, help="seeds for B3's batched side")
    p.add_argument("--table", default=None, help="results.json of a full `dpviz reproduce` run")
    p.add_argument("--device", default="cpu", choices=["cpu", "cuda"],
                   help="where to train (cuda: fails unless torch sees a GPU)")
    p.add_argument("--attention-child", choices=["dense", "pairs"], help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    global DEVICE
    if args.device == "cuda" and not torch.cuda.is_available():
        raise SystemExit("bench_citeseer: --device cuda asked for, but torch sees no CUDA device")
    DEVICE = torch.device(args.device)
    epochs = args.epochs or (40 if args.quick else EPOCHS)
    if args.attention_child:
        attention_child(args.attention_child, epochs)
        return 0
    scale = EPOCHS / epochs  # quick mode reports every time scaled to the paper's 200 epochs
    mark = "" if scale == 1 else f"  (measured over {epochs} epochs, × {scale:g})"
    ds = planetoid("citeseer").to(DEVICE)
    load = os.getloadavg()
    where = f"device {torch.cuda.get_device_name(DEVICE)}" if DEVICE.type == "cuda" else "device cpu"
    print(f"# bench_citeseer · {where} · torch {torch.__version__} · {torch.get_num_threads()} threads · "
          f"{os.cpu_count()} CPUs · Python {platform.python_version()} · "
          f"load {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}\n")

    print(f"## B1 · GCN2, {EPOCHS} epochs, one seed{mark}\n")
    b1 = bench_gcn(ds, epochs)
    print("| implementation | seconds |\n|---|---:|")
    for name, sec in b1:
        print(f"| {name} | {sec * scale:.2f} |")
    for name, sec in b1[1:]:
        print(f"\nratio dpviz / {name}: **{b1[0][1] / sec:.2f}** (target ≤ 1.0)")

    print(f"\n## B2 · attention model, neighbour mask, train mask{mark}\n")
    b2 = bench_attention(max(5, epochs // 4))
    print("| attention | s / epoch | 200 epochs (s) | peak RSS (MB) | added by the model (MB) |\n"
          "|---|---:|---:|---:|---:|")
    names = {"dense": "dense 3,327² masked nn.MultiheadAttention (paper)",
             "pairs": "allowed pairs only (dpviz)"}
    for kind, r in b2.items():
        print(f"| {names[kind]} | {r['epoch_s']:.3f} | {r['epoch_s'] * EPOCHS:.1f} | {r['peak_mb']:.0f} "
              f"| {r['added_mb']:.0f} |")
    if DEVICE.type == "cuda":
        print(f"\npeak GPU memory: dense {b2['dense']['gpu_peak_mb']:.0f} MiB, pairs {b2['pairs']['gpu_peak_mb']:.0f} MiB")
    print(f"\nspeed-up {b2['dense']['epoch_s'] / b2['pairs']['epoch_s']:.1f}×; memory added by the model "
          f"{b2['dense']['added_mb']:.0f} MB → {b2['pairs']['added_mb']:.0f} MB "
          f"(peak RSS includes ~{b2['pairs']['peak_mb'] - b2['pairs']['added_mb']:.0f} MB of torch and data)")

    print(f"\n## B3 · {args.seeds} seeds: naive loop (1 seed measured, × {args.seeds} extrapolated) "
          f"vs seed-batched (measured){mark}\n")
    b3 = bench_batched(ds, epochs, args.seeds)
    print(f"| representative row | rows like it | naive, 1 seed (s) | naive, {args.seeds} seeds (est., s) "
          f"| batched, {args.seeds} seeds (s) | speed-up |\n|---|---:|---:|---:|---:|---:|")
    naive_total = batched_total = 0.0
    for r in b3:
        naive_total += float(r["naive_est_s"]) * int(r["rows_of_kind"])  # type: ignore[arg-type]
        batched_total += float(r["batched_s"]) * int(r["rows_of_kind"])  # type: ignore[arg-type]
        print(f"| {r['row']} | {r['rows_of_kind']} | {float(r['naive_1_seed_s']) * scale:.1f} | "
              f"{float(r['naive_est_s']) * scale:.0f} | {float(r['batched_s']) * scale:.1f} | "
              f"{float(r['naive_est_s']) / float(r['batched_s']):.1f}× |")
    print(f"\nwhole table, {len(EXPERIMENTS)} rows × {args.seeds} seeds, extrapolated from the rows above "
          f"(each row's time × the rows of its kind): naive ≈ {naive_total * scale / 60:.0f} min, "
          f"batched ≈ {batched_total * scale / 60:.1f} min → ≈ {naive_total / batched_total:.0f}× "
          f"(an estimate: rows of one kind differ in training-set size and graph)")
    if args.table:
        meta = json.loads(Path(args.table).read_text()).get("run", {})
        if "seconds" in meta:
            print(f"measured full table ({args.table}): {meta['seconds']:.0f} s = "
                  f"{meta['seconds'] / 60:.1f} min with {meta.get('seeds')} seeds; vs the naive "
                  f"estimate: ≈ {naive_total * scale / meta['seconds']:.0f}×")
    if DEVICE.type == "cuda":
        print(f"\npeak GPU memory of the benchmark: {_peak_gpu_mb():.0f} MiB")
    load = os.getloadavg()
    print(f"\nload at the end: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} (timings on a busy machine "
          f"are upper bounds)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
