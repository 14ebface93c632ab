#!/usr/bin/env bash
# The 3B-shape benchmark of issue 14: a random ESM-2 with ESM-2 3B's shape (36 layers, width 2560,
# 40 heads, FFN 10240; 11 GB of float32 safetensors, written here and removed afterwards) embeds
# N_VARIANTS (24) of the study's BLAT_ECOLX DMS variants three ways, one process at a time:
#   (a) in memory, fp32;  (b) in memory, bf16 read directly;  (c) layer-streamed, fp32, --max-memory $BUDGET (3GB).
# For each: wall time, peak RSS (/usr/bin/time and the manifest's VmHWM), embedding seconds, and
# max |Δ| of the pooled vectors against (a). Results go to $SCRATCH/results.tsv.
#
#   bash bench/embed/big.sh [THREADS=2]
#
# Needs ~12 GB of free memory for (a), ~12 GB of disk, Debian's /usr/bin/python3 with numpy, /usr/bin/time.
set -euo pipefail
cd "${PLMKIT_ROOT:-$(dirname "${BASH_SOURCE[0]}")/../..}"
THREADS=${1:-2}; N_VARIANTS=${N_VARIANTS:-24}; BUDGET=${BUDGET:-3GB}
PY=/usr/bin/python3
SCRATCH=${SCRATCH:-$(mktemp -d /tmp/plmkit-bench-big.XXXX)}
MODEL=$SCRATCH/esm2_3B_shape
trap 'rm -rf "$MODEL"' EXIT
dotnet build src/PlmKit.Cli -c Release -v q -nologo >/dev/null
# A private copy of the build: the runs take long, and a rebuild meanwhile must not change them.
rm -rf "$SCRATCH/cli" && cp -r src/PlmKit.Cli/bin/Release/net10.0 "$SCRATCH/cli"
PLMKIT="dotnet $SCRATCH/cli/PlmKit.Cli.dll"

# KEEP_MODEL=1 reuses a model an interrupted run left in $SCRATCH (and leaves it there).
if [[ ${KEEP_MODEL:-0} == 1 ]]; then trap - EXIT; fi
if [[ ! -f $MODEL/model.safetensors || ${KEEP_MODEL:-0} != 1 ]]; then
  start=$(date +%s.%N)
  $PY bench/embed/random_esm2.py "$MODEL" 36 2560 40 10240
  echo "wrote $(du -sh "$MODEL" | cut -f1) in $(echo "$(date +%s.%N) - $start" | bc) s" >&2
fi
$PY bench/embed/bench_tools.py dms-fasta ../shared/data/swat/dms/BLAT_ECOLX_Ranganathan2015.csv "$SCRATCH/dms.fasta" "$N_VARIANTS"

printf 'run\twall_s\tmax_rss_mib\tembed_s\tpeak_rss_bytes\tmode\tmax_abs_diff_vs_a\n' > "$SCRATCH/results.tsv"
run() {  # name, extra options...
  local name=$1; shift
  rm -rf "$SCRATCH/out_$name"
  /usr/bin/time -v $PLMKIT embed --model "$MODEL" --input "$SCRATCH/dms.fasta" --out "$SCRATCH/out_$name" --device cpu \
    --threads "$THREADS" "$@" >"$SCRATCH/$name.log" 2>"$SCRATCH/$name.time" || { cat "$SCRATCH/$name.time" >&2; exit 1; }
  read -r w m _ < <($PY bench/embed/bench_tools.py extract-rss "$SCRATCH/$name.time")
  $PY - "$SCRATCH" "$name" "$w" "$m" <<'PYEOF' >> "$SCRATCH/results.tsv"
import csv, json, sys
scratch, name, wall, rss = sys.argv[1:]
m = json.load(open(f"{scratch}/out_{name}/embed.manifest.json"))
def rows(run):
    with open(f"{scratch}/out_{run}/layer36.mean.csv") as f:
        return {r[0]: [float(x) for x in r[1:]] for r in list(csv.reader(f))[1:]}
mine, ref = rows(name), rows("a")
diff = max(abs(x - y) for k in ref for x, y in zip(mine[k], ref[k]))
print(f"{name}\t{wall}\t{rss}\t{m['embedding']['seconds']:.1f}\t{m['memory']['peak_rss_bytes']}\t{m['memory']['mode']}\t{diff:.3g}")
PYEOF
  cat "$SCRATCH/$name.log" >&2
}
run a --dtype fp32
run b --dtype bf16
run c --dtype fp32 --max-memory "$BUDGET"
cat "$SCRATCH/results.tsv"
