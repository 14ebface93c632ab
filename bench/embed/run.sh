#!/usr/bin/env bash
# Tokens/s and peak memory of `plmkit embed` vs fair-esm scripts/extract.py on the same weights
# (../shared/golden/esm2_8M_shape, converted to a fair-esm .pt in a scratch folder) and the same
# FASTA (the golden sequences repeated REPEAT times), plus the machine's fp32 matmul rate.
#
#   FAIR_ESM=/path/to/facebookresearch/esm  bash bench/embed/run.sh [REPEAT=8] [THREADS=2] [RUNS=2]
#
# FAIR_ESM: a checkout of github.com/facebookresearch/esm (we used 2b369911); never committed here.
# Needs Debian's /usr/bin/python3 with python3-torch and libopenblas0-pthread, /usr/bin/time.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
REPEAT=${1:-8}; THREADS=${2:-2}; RUNS=${3:-2}
: "${FAIR_ESM:?set FAIR_ESM to a facebookresearch/esm checkout}"
PY=/usr/bin/python3
TOOLS=bench/embed/bench_tools.py
GOLDEN=../shared/golden
SCRATCH=${SCRATCH:-$(mktemp -d /tmp/plmkit-bench-embed.XXXX)}
mkdir -p "$SCRATCH"
export OMP_NUM_THREADS=$THREADS

dotnet build src/PlmKit.Cli -c Release -v q -nologo >/dev/null
PLMKIT="dotnet src/PlmKit.Cli/bin/Release/net10.0/PlmKit.Cli.dll"

TORCH_CONFIG=$($PY -c "import torch; print(torch.__config__.show())")
# Debian's torch calls the generic libblas.so.3, which the alternatives system points at OpenBLAS.
[[ $TORCH_CONFIG == *BLAS_INFO=generic* && $(readlink -f /usr/lib/x86_64-linux-gnu/libblas.so.3) == *openblas* ]] ||
  { echo "python3-torch is not using OpenBLAS (install libopenblas0-pthread)" >&2; exit 1; }

MODEL_PT=$SCRATCH/esm2_t6_8M_shape.pt   # name must start with esm2 for fair-esm's loader
[ -f "$MODEL_PT" ] || $PY $TOOLS convert $GOLDEN/esm2_8M_shape "$MODEL_PT"
FASTA=$SCRATCH/golden_x$REPEAT.fasta
$PY $TOOLS fasta $GOLDEN/sequences.fasta "$FASTA" "$REPEAT"
TOKENS=$($PY $TOOLS tokens "$FASTA" 1022)
PARAMS=$($PY $TOOLS params $GOLDEN/esm2_8M_shape)

declare -A WALL RSS CPU
run() {  # name, command...   (keeps the run with the shortest wall time)
  local name=$1; shift
  WALL[$name]=999999
  for r in $(seq "$RUNS"); do
    rm -rf "$SCRATCH/out_$name"
    /usr/bin/time -v "$@" >"$SCRATCH/$name.log" 2>"$SCRATCH/$name.time" || { cat "$SCRATCH/$name.time" >&2; exit 1; }
    read -r w m c < <($PY $TOOLS extract-rss "$SCRATCH/$name.time")
    if $PY -c "import sys; sys.exit(0 if $w < ${WALL[$name]} else 1)"; then WALL[$name]=$w; RSS[$name]=$m; CPU[$name]=$c; fi
  done
}

MM_TS=$(dotnet run bench/embed/Matmul.cs "$THREADS" 2>/dev/null | tail -1)
MM_PY=$($PY $TOOLS matmul "$THREADS")
run fairesm env PYTHONPATH="$FAIR_ESM" $PY "$FAIR_ESM/scripts/extract.py" "$MODEL_PT" "$FASTA" "$SCRATCH/out_fairesm" \
    --include mean --repr_layers 6 --toks_per_batch 4096 --nogpu
run plmkit $PLMKIT embed --model $GOLDEN/esm2_8M_shape --input "$FASTA" --layers -1 --pool mean \
    --out "$SCRATCH/out_plmkit" --long truncate --device cpu --threads "$THREADS"
run plmkit_bf16 $PLMKIT embed --model $GOLDEN/esm2_8M_shape --input "$FASTA" --layers -1 --pool mean \
    --out "$SCRATCH/out_plmkit_bf16" --long truncate --device cpu --threads "$THREADS" --dtype bf16
COS=$($PY $TOOLS cosine "$SCRATCH/out_plmkit/layer6.mean.csv" "$SCRATCH/out_plmkit_bf16/layer6.mean.csv")
MM_AFTER=$(dotnet run bench/embed/Matmul.cs "$THREADS" 2>/dev/null | tail -1)

echo "date: $(date -u +%FT%TZ)  host: $(nproc --all) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "input: golden x$REPEAT = $(grep -c '>' "$FASTA") sequences, $TOKENS tokens (truncation 1022); params $PARAMS; threads $THREADS; best of $RUNS"
echo "matmul fp32 1024^3, GFLOP per wall s / per CPU s: TorchSharp $MM_TS (again after the runs: $MM_AFTER), python3-torch/OpenBLAS $MM_PY"
printf '| run | wall s | tokens/s | model GFLOP/s | CPU s (user+sys) | tokens per CPU s | model GFLOP per CPU s | peak RSS MiB |\n|---|---|---|---|---|---|---|---|\n'
for name in fairesm plmkit plmkit_bf16; do
  $PY - "$name" "${WALL[$name]}" "$TOKENS" "$PARAMS" "${RSS[$name]}" "${CPU[$name]}" <<'PYEOF'
import sys
name, wall, tokens, params, rss, cpu = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5], float(sys.argv[6])
print(f"| {name} | {wall:.2f} | {tokens / wall:.0f} | {2 * params * tokens / wall / 1e9:.1f} | {cpu:.1f} | {tokens / cpu:.0f} | {2 * params * tokens / cpu / 1e9:.1f} | {rss} |")
PYEOF
done
echo "speed-up fp32 plmkit / fair-esm: $($PY -c "print(f'{${WALL[fairesm]}/${WALL[plmkit]}:.2f}')")x (wall includes start-up and model loading for both)"
echo "bf16 vs fp32 cosine of layer-6 means (min, mean): $COS"
echo "scratch: $SCRATCH"
