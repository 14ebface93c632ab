#!/usr/bin/env bash
# LoRA fine-tuning throughput: PlmKit (LoraEsm2Regressor + LoraOptimizer) vs PyTorch (torch_bench.py:
# fair-esm's ESM-2 + PEFT's LoRA Linear + SWAT's head, Lightning's step by hand) on the same random
# esm2_8M_shape weights and the same batch, with the same thread count. Each process times
# WARMUP + STEPS training steps (forward + MSE + backward + clip_grad_norm 1.0 + AdamW) and reports
# the median step after warm-up and its own peak RSS. The two sides alternate ROUNDS times so both
# see the same machine load; the summary gives the median over rounds of each side's tokens/s,
# the ratio of those medians and the median of the per-round ratios.
#
#   bash bench/finetune/run.sh [ROUNDS=3] [THREADS=2] [STEPS=5] [WARMUP=2]      (from anywhere)
#
# Batch: BATCH_N (8) variants of ASSAY (BLAT_ECOLX_Ranganathan2015, 286 residues) drawn with
# seed BATCH_SEED (0); tokens counted with <cls>/<eos> (8 x 288 = 2,304). The model's random
# weights and the adapters' and head's initial values are written by torch_bench.py (seed 0) into
# SCRATCH. A first check runs 3 steps on each side with both dropouts off: same losses, or it stops.
# Needs Debian's /usr/bin/python3 with python3-torch and libopenblas0-pthread.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
ROUNDS=${1:-3}; THREADS=${2:-2}; STEPS=${3:-5}; WARMUP=${4:-2}
ASSAY=${ASSAY:-$root/../shared/data/swat/dms/BLAT_ECOLX_Ranganathan2015.csv}
BATCH_N=${BATCH_N:-8}; BATCH_SEED=${BATCH_SEED:-0}
EXTRA=${EXTRA:-}   # e.g. EXTRA=--dropout-off for both sides
PY=/usr/bin/python3
SCRATCH=${SCRATCH:-$(mktemp -d /tmp/plmkit-bench-finetune.XXXX)}
mkdir -p "$SCRATCH"
export OMP_NUM_THREADS=$THREADS

[[ $($PY -c "import torch; print(torch.__config__.show())") == *BLAS_INFO=generic* && $(readlink -f /usr/lib/x86_64-linux-gnu/libblas.so.3) == *openblas* ]] ||
  { echo "python3-torch is not using OpenBLAS (sudo apt-get install -y python3-torch libopenblas0-pthread)" >&2; exit 1; }

dotnet build "$here/FineTuneBench" -c Release -v q -nologo >/dev/null
BENCH="dotnet $here/FineTuneBench/bin/Release/net10.0/FineTuneBench.dll"

[ -f "$SCRATCH/model/model.safetensors" ] || $PY "$here/torch_bench.py" model "$SCRATCH/model" 0
$PY "$here/torch_bench.py" batch "$ASSAY" "$SCRATCH/batch.tsv" "$BATCH_N" "$BATCH_SEED"
$PY "$here/torch_bench.py" init "$SCRATCH/init.safetensors" 0
args=("$SCRATCH/model" "$SCRATCH/batch.tsv" "$SCRATCH/init.safetensors" --threads "$THREADS")

# Same computation on both sides: with both dropouts off, the losses of 3 steps from the same
# initial values must agree to float rounding (they differ in the 7th digit at most).
$PY "$here/torch_bench.py" bench "${args[@]}" --warmup 0 --steps 3 --dropout-off > "$SCRATCH/check.jsonl"
$BENCH "${args[@]}" --warmup 0 --steps 3 --dropout-off >> "$SCRATCH/check.jsonl"
$PY - "$SCRATCH/check.jsonl" <<'PYEOF'
import json, sys
a, b = (json.loads(l)["losses"] for l in open(sys.argv[1]))
worst = max(abs(x - y) / max(abs(x), 1e-12) for x, y in zip(a, b))
print(f"check, dropout off, 3 steps: PyTorch losses {[round(x, 6) for x in a]}, PlmKit {[round(x, 6) for x in b]}, max rel diff {worst:.1e}")
sys.exit(0 if worst < 1e-4 else f"the two sides do not compute the same step (max rel diff {worst:.1e})")
PYEOF

echo "date: $(date -u +%FT%TZ)  host: $(nproc --all) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "rounds $ROUNDS, threads $THREADS, warm-up $WARMUP + $STEPS timed steps per process ${EXTRA:+, $EXTRA}"
: > "$SCRATCH/results.jsonl"
for r in $(seq "$ROUNDS"); do
  $PY "$here/torch_bench.py" bench "${args[@]}" --warmup "$WARMUP" --steps "$STEPS" $EXTRA | tee -a "$SCRATCH/results.jsonl"
  $BENCH "${args[@]}" --warmup "$WARMUP" --steps "$STEPS" $EXTRA | tee -a "$SCRATCH/results.jsonl"
  echo "load $(cut -d' ' -f1-3 /proc/loadavg)"
done
$PY - "$SCRATCH/results.jsonl" <<'PYEOF'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
py = [r for r in rows if r["side"] == "pytorch"]
cs = [r for r in rows if r["side"] == "plmkit"]
med = statistics.median
print(f"batch {py[0]['tokens_shape']} = {py[0]['tokens']} tokens (padding {py[0]['padding']}), trainable {py[0]['trainable']} (plmkit {cs[0]['trainable']})")
print("| side | tokens/s per round (median step) | median tokens/s | median step s | best step s (tokens/s) | peak RSS MiB (median, max) |")
print("|---|---|---|---|---|---|")
for name, side in (("PyTorch 1.13 (OpenBLAS)", py), ("PlmKit", cs)):
    tps = [r["tokens_per_s"] for r in side]
    rss = [r["peak_rss_mib"] for r in side]
    best = min(r["best_s"] for r in side)
    print(f"| {name} | {', '.join(f'{t:.0f}' for t in tps)} | {med(tps):.0f} | {med(r['median_s'] for r in side):.3f} | {best:.3f} ({side[0]['tokens'] / best:.0f}) | {med(rss):.0f}, {max(rss):.0f} |")
ratios = [c["tokens_per_s"] / p["tokens_per_s"] for p, c in zip(py, cs)]
print(f"speed-up PlmKit / PyTorch: {med(r['tokens_per_s'] for r in cs) / med(r['tokens_per_s'] for r in py):.2f}x (ratio of medians); "
      f"per round {', '.join(f'{x:.2f}' for x in ratios)}, median {med(ratios):.2f}x; "
      f"best step vs best step {min(r['best_s'] for r in py) / min(r['best_s'] for r in cs):.2f}x; goal >= 1.5x")
PYEOF
echo "scratch: $SCRATCH"
