#!/usr/bin/env bash
# Tokens/s, model FLOP/s and peak memory of `plmkit embed` vs fair-esm scripts/extract.py on the
# same weights (../shared/golden/esm2_8M_shape, converted to a fair-esm .pt in a scratch folder)
# and the same FASTA, for two inputs:
#   golden: the golden sequences repeated REPEAT times (lengths 1..1,863; 57% of the tokens are in
#           1,022-residue windows, where attention costs as much as the rest of the layer);
#   dms:    the first DMS_N variants of the study's BLAT_ECOLX_Ranganathan2015 assay (286 residues,
#           the median length of the study's assays): the study's own workload.
# plus the machine's fp32 matmul rate in three BLAS set-ups (see BENCHMARKS.md).
#
#   FAIR_ESM=/path/to/facebookresearch/esm  bash bench/embed/run.sh [REPEAT=8] [THREADS=2] [RUNS=2]
#
# FAIR_ESM: a checkout of github.com/facebookresearch/esm (we used 2b369911); never committed here.
# DMS_N (default 192): variants taken from the assay.
# Needs Debian's /usr/bin/python3 with python3-torch and libopenblas0-pthread, /usr/bin/time.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
REPEAT=${1:-8}; THREADS=${2:-2}; RUNS=${3:-2}; DMS_N=${DMS_N:-192}
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
declare -A FASTA TOKENS
FASTA[golden]=$SCRATCH/golden_x$REPEAT.fasta
$PY $TOOLS fasta $GOLDEN/sequences.fasta "${FASTA[golden]}" "$REPEAT"
FASTA[dms]=$SCRATCH/blat_ecolx_$DMS_N.fasta
$PY $TOOLS dms-fasta ../shared/data/swat/dms/BLAT_ECOLX_Ranganathan2015.csv "${FASTA[dms]}" "$DMS_N"
for input in golden dms; do TOKENS[$input]=$($PY $TOOLS tokens "${FASTA[$input]}" 1022); done
PARAMS=$($PY $TOOLS params $GOLDEN/esm2_8M_shape)

declare -A WALL RSS CPU EMBED
run() {  # name, command...   (keeps the run with the shortest wall time)
  local name=$1; shift
  WALL[$name]=999999
  for r in $(seq "$RUNS"); do
    rm -rf "$SCRATCH/out_$name"
    /usr/bin/time -v "$@" >"$SCRATCH/$name.log" 2>"$SCRATCH/$name.time" || { cat "$SCRATCH/$name.time" >&2; exit 1; }
    read -r w m c < <($PY $TOOLS extract-rss "$SCRATCH/$name.time")
    if $PY -c "import sys; sys.exit(0 if $w < ${WALL[$name]} else 1)"; then
      WALL[$name]=$w; RSS[$name]=$m; CPU[$name]=$c
      # plmkit's own embedding time: after process start-up and model loading.
      EMBED[$name]=$([ -f "$SCRATCH/out_$name/embed.manifest.json" ] && $PY $TOOLS manifest-seconds "$SCRATCH/out_$name/embed.manifest.json" || echo -)
    fi
  done
}
matmul_ts() { dotnet run bench/embed/Matmul.cs "$THREADS" 2>/dev/null | tail -1; }

# PlmKit's libtorch as PlmKit runs it (MKL choosing kernels by instruction set on AMD CPUs),
# the same libtorch with MKL's own vendor-based choice, and Debian's torch with OpenBLAS.
MM_TS=$(matmul_ts)
MM_TS_VENDOR=$(PLMKIT_MKL_DISPATCH=vendor matmul_ts)
MM_PY=$($PY $TOOLS matmul "$THREADS")
for input in golden dms; do
  run fairesm_$input env PYTHONPATH="$FAIR_ESM" $PY "$FAIR_ESM/scripts/extract.py" "$MODEL_PT" "${FASTA[$input]}" "$SCRATCH/out_fairesm_$input" \
      --include mean --repr_layers 6 --toks_per_batch 4096 --nogpu
  run plmkit_$input $PLMKIT embed --model $GOLDEN/esm2_8M_shape --input "${FASTA[$input]}" --layers -1 --pool mean \
      --out "$SCRATCH/out_plmkit_$input" --long truncate --device cpu --threads "$THREADS"
done
run plmkit_bf16_golden $PLMKIT embed --model $GOLDEN/esm2_8M_shape --input "${FASTA[golden]}" --layers -1 --pool mean \
    --out "$SCRATCH/out_plmkit_bf16_golden" --long truncate --device cpu --threads "$THREADS" --dtype bf16
COS=$($PY $TOOLS cosine "$SCRATCH/out_plmkit_golden/layer6.mean.csv" "$SCRATCH/out_plmkit_bf16_golden/layer6.mean.csv")
MM_AFTER=$(matmul_ts)
BEST_MM=$($PY -c "print(max(float(x.split()[0]) for x in ['$MM_TS', '$MM_AFTER', '$MM_TS_VENDOR', '$MM_PY']))")

echo "date: $(date -u +%FT%TZ)  host: $(nproc --all) cores, load $(cut -d' ' -f1-3 /proc/loadavg); MKL dispatch: $(grep -o '"mkl_dispatch": "[^"]*"' "$SCRATCH/out_plmkit_golden/embed.manifest.json")"
echo "inputs: golden x$REPEAT = $(grep -c '>' "${FASTA[golden]}") sequences, ${TOKENS[golden]} tokens (truncation 1022); dms = $DMS_N BLAT_ECOLX variants, ${TOKENS[dms]} tokens"
echo "params $PARAMS; threads $THREADS; best of $RUNS"
echo "matmul fp32 1024^3, GFLOP per wall s / per CPU s: TorchSharp as PlmKit runs it $MM_TS (after the runs: $MM_AFTER), TorchSharp with MKL's vendor dispatch $MM_TS_VENDOR, python3-torch/OpenBLAS $MM_PY; best $BEST_MM"
printf '| run | wall s | tokens/s | model GFLOP/s (wall) | embedding s | model GFLOP/s (embedding) | of best matmul | CPU s | peak RSS MiB |\n|---|---|---|---|---|---|---|---|---|\n'
for name in fairesm_golden plmkit_golden plmkit_bf16_golden fairesm_dms plmkit_dms; do
  $PY - "$name" "${WALL[$name]}" "${TOKENS[${name##*_}]}" "$PARAMS" "${RSS[$name]}" "${CPU[$name]}" "${EMBED[$name]}" "$BEST_MM" <<'PYEOF'
import sys
name, wall, tokens, params, rss, cpu, embed, best = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5], float(sys.argv[6]), sys.argv[7], float(sys.argv[8])
flops = 2 * params * tokens
rate = flops / float(embed) / 1e9 if embed != "-" else None
share = f"{rate / best:.0%}" if rate else f"{flops / wall / 1e9 / best:.0%} (wall)"
print(f"| {name} | {wall:.2f} | {tokens / wall:.0f} | {flops / wall / 1e9:.1f} | {embed if embed == '-' else f'{float(embed):.2f}'} | {'-' if rate is None else f'{rate:.1f}'} | {share} | {cpu:.1f} | {rss} |")
PYEOF
done
for input in golden dms; do
  echo "speed-up fp32 plmkit / fair-esm, $input: $($PY -c "print(f'{${WALL[fairesm_$input]}/${WALL[plmkit_$input]}:.2f}')")x (wall includes start-up and model loading for both)"
done
echo "bf16 vs fp32 cosine of layer-6 means (min, mean): $COS"
echo "scratch: $SCRATCH"
