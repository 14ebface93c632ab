#!/usr/bin/env bash
# Masked-marginals throughput (variants/s) of `plmkit score` vs fair-esm's
# examples/variant-prediction/predict.py on the same weights (../shared/golden/esm2_8M_shape, a random
# model of ESM-2 8M's shape, converted to a fair-esm .pt in a scratch folder) and the same variants:
# the first N rows of the study's BLAT_ECOLX_Ranganathan2015 assay (286 residues, single substitutions).
# Both times are scoring only: plmkit's manifest scoring_seconds, predict.main's wall time minus
# model loading. Also prints the largest score difference between the two.
#
#   FAIR_ESM=/path/to/facebookresearch/esm  bash bench/score/run.sh [N=4996] [THREADS=2] [RUNS=2]
#
# FAIR_ESM: a checkout of github.com/facebookresearch/esm (we used 2b369911); never committed here.
# Needs Debian's /usr/bin/python3 with python3-torch, python3-pandas and libopenblas0-pthread.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
N=${1:-4996}; THREADS=${2:-2}; RUNS=${3:-2}
: "${FAIR_ESM:?set FAIR_ESM to a facebookresearch/esm checkout}"
PY=/usr/bin/python3
GOLDEN=../shared/golden
ASSAY=../shared/data/swat/dms/BLAT_ECOLX_Ranganathan2015.csv
SCRATCH=${SCRATCH:-$(mktemp -d /tmp/plmkit-bench-score.XXXX)}
mkdir -p "$SCRATCH"
export OMP_NUM_THREADS=$THREADS

dotnet build src/PlmKit.Cli -c Release -v q -nologo >/dev/null
PLMKIT="dotnet src/PlmKit.Cli/bin/Release/net10.0/PlmKit.Cli.dll"

MODEL_PT=$SCRATCH/esm2_t6_8M_shape.pt   # name must start with esm2 for fair-esm's loader
[ -f "$MODEL_PT" ] || $PY bench/embed/bench_tools.py convert $GOLDEN/esm2_8M_shape "$MODEL_PT"
SUBSET=$SCRATCH/BLAT_ECOLX_Ranganathan2015_$N.csv
head -n $((N + 1)) "$ASSAY" > "$SUBSET"

best() { sort -g | head -1; }
plmkit_s=$(for r in $(seq "$RUNS"); do
  rm -rf "$SCRATCH/plmkit"
  $PLMKIT score --model $GOLDEN/esm2_8M_shape --input "$SUBSET" --strategy masked-marginals --device cpu \
    --threads "$THREADS" --out "$SCRATCH/plmkit" >/dev/null
  $PY -c "import json,sys; print(json.load(open(sys.argv[1]))['scoring_seconds'])" "$SCRATCH/plmkit/score.manifest.json"
done | best)
predict_s=$(for r in $(seq "$RUNS"); do
  ESM_SRC=$FAIR_ESM $PY bench/score/predict_bench.py "$MODEL_PT" "$SUBSET" masked-marginals "$SCRATCH/predict.csv" | awk '{print $2}'
done | best)
DIFF=$($PY - "$SCRATCH/plmkit/scores.csv" "$SCRATCH/predict.csv" <<'PYEOF'
import sys, pandas as pd
a = pd.read_csv(sys.argv[1]); b = pd.read_csv(sys.argv[2])
print(f"{(a['score'].values - b[b.columns[-1]].values).__abs__().max():.2e}")
PYEOF
)
$PY - "$N" "$plmkit_s" "$predict_s" "$THREADS" "$DIFF" <<'PYEOF'
import sys
n, p, f, t, d = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), sys.argv[4], sys.argv[5]
print(f"masked-marginals, {n} variants of BLAT_ECOLX_Ranganathan2015, esm2_8M_shape, {t} threads (best of runs)")
print(f"plmkit score : {p:8.2f} s  {n / p:9.1f} variants/s")
print(f"predict.py   : {f:8.2f} s  {n / f:9.1f} variants/s")
print(f"ratio        : {f / p:8.2f}x   (max |score difference| {d})")
PYEOF
