#!/usr/bin/env bash
# The GPU path, proven on one machine with CUDA, in one run (within 8 minutes on one modern GPU):
#   1. the full CiteSeer table: dpviz reproduce citeseer --device cuda --seeds 10 (200 epochs);
#   2. notebooks 09-15 and 20-22 in full mode (DPVIZ_QUICK=0), each timed, each PyTorch notebook
#      checked to have allocated GPU memory;
#   3. the GCN benchmark (benchmarks/bench_citeseer.py --device cuda).
# Prints each step's time, the table and peak GPU memory, and fails loudly (exit 1) if CUDA is not
# used anywhere it should be, if a step fails, or if the whole run takes more than BUDGET seconds.
#
#   benchmarks/gpu_check.sh [OUT]        OUT: folder for the logs and results (default results/gpu-check)
#
# PYTHON picks the interpreter (default .venv/bin/python, else python3), DPVIZ_DATA a folder holding
# the Planetoid raw files (a GPU machine is often offline).  DPVIZ_GPU_CHECK_SMOKE=1 runs the same
# plumbing on the CPU, small (quick mode, two notebooks, a few epochs), to test this script where
# there is no GPU; it proves nothing about CUDA.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-$([ -x .venv/bin/python ] && echo .venv/bin/python || echo python3)}
OUT=${1:-results/gpu-check}
BUDGET=${BUDGET:-480}
SMOKE=${DPVIZ_GPU_CHECK_SMOKE:-0}
mkdir -p "$OUT"
export PYTHONUNBUFFERED=1 DPVIZ_QUICK=0
if [ -n "${DPVIZ_DATA:-}" ]; then export DPVIZ_DATA="$(cd "$DPVIZ_DATA" && pwd)"; fi
START=$(date +%s)

step() {   # step NAME COMMAND...: run, tee the log, print the time; stop the script if it fails
    local name=$1; shift
    local t0; t0=$(date +%s)
    echo; echo "== $name"
    if ! "$@" 2>&1 | tee "$OUT/$name.log"; then
        echo "gpu_check: FAILED at '$name' (log: $OUT/$name.log)" >&2; exit 1
    fi
    echo "-- $name: $(( $(date +%s) - t0 )) s"
}

if [ "$SMOKE" = 1 ]; then
    DEVICE=cpu; TABLE_ARGS=(--quick --only 'gcn2-train*' --seeds 2); NOTEBOOKS=(09 20)
    NB_ARGS=(--quick --allow-cpu); BENCH_ARGS=(--quick --epochs 4 --seeds 2)
    echo "gpu_check: SMOKE run on the CPU (tests the script only; nothing here is a GPU figure)"
else
    DEVICE=cuda; TABLE_ARGS=(--seeds 10); NOTEBOOKS=(09 10 11 12 13 14 15 20 21 22)
    NB_ARGS=(); BENCH_ARGS=()
    "$PY" - <<'PY'
import sys
import torch
if not torch.cuda.is_available():
    sys.exit(f"gpu_check: torch {torch.__version__} sees no CUDA device; this check needs one "
             "(DPVIZ_GPU_CHECK_SMOKE=1 tests the script on the CPU)")
p = torch.cuda.get_device_properties(0)
print(f"gpu_check: {p.name}, {p.total_memory / 2**30:.0f} GiB, torch {torch.__version__}, CUDA {torch.version.cuda}")
PY
fi

step doctor "$PY" -m dpviz doctor
step table "$PY" -m dpviz reproduce citeseer --device "$DEVICE" "${TABLE_ARGS[@]}" --out "$OUT/table"
if [ "$DEVICE" = cuda ] && ! grep -q "device cuda" "$OUT/table.log"; then
    echo "gpu_check: FAILED: the table did not run on CUDA" >&2; exit 1
fi
step notebooks "$PY" benchmarks/gpu_notebooks.py "${NB_ARGS[@]}" --json "$OUT/notebooks.json" "${NOTEBOOKS[@]}"
step bench_citeseer "$PY" benchmarks/bench_citeseer.py --device "$DEVICE" "${BENCH_ARGS[@]}"

TOTAL=$(( $(date +%s) - START ))
echo
echo "gpu_check: all steps passed in $TOTAL s (budget $BUDGET s); logs and results in $OUT/"
grep -h "experiments in\|peak GPU memory" "$OUT/table.log" || true
if [ "$SMOKE" != 1 ] && [ "$TOTAL" -gt "$BUDGET" ]; then
    echo "gpu_check: FAILED: $TOTAL s is over the budget of $BUDGET s" >&2; exit 1
fi
