#!/usr/bin/env bash
# Tokens/s, peak memory and agreement of `plmkit embed` against the official ESM C and AMPLIFY code
# on the same random weights of the real esmc_300m / AMPLIFY_120M shapes and the same FASTA:
#   dms:    the first DMS_N variants of the study's BLAT_ECOLX_Ranganathan2015 assay (286 residues);
#   golden: the 12 golden sequences (1 to 1,863 residues) repeated GOLDEN_REPEAT times (0 = skip).
# Official runs (bench/embed/reference_families.py, in the Debian 13 root with torch 2.6):
#   esmc            SWAT extract_ESMC.py's extract_mean_representations as is (FASTA-order batches of <= 4,096 tokens);
#   amplify_single  SWAT extract_AMPLIFY.py's extract_mean_representations as is (one sequence per call: the study's mode);
#   amplify_batched the same vectors from extract.py-like padded batches with the official additive key mask.
# PlmKit: `plmkit embed --layers -1 --pool mean` (fp32, and bf16 for the cosine), same thread count.
# See RESULTS-families.md for how to read the output.
#
#   ESM_SRC=... AMPLIFY_SRC=... XFORMERS_SRC=... SWAT_SRC=...  bash bench/embed/run_families.sh [THREADS=2] [RUNS=2]
#
# ESM_SRC:      a checkout of github.com/evolutionaryscale/esm (we used 6e89bf7d; only its esm/ folder, without esm/data, is used)
# AMPLIFY_SRC:  a checkout of github.com/chandar-lab/AMPLIFY (2fd2c089; src/amplify)
# XFORMERS_SRC: a checkout of github.com/facebookresearch/xformers at v0.0.28.post3 (xformers/ops/swiglu_op.py, common.py, unbind.py)
# SWAT_SRC:     a checkout of github.com/ziul-bio/SWAT (fa717338; scripts/extract_ESMC.py, scripts/extract_AMPLIFY.py)
# None of them is committed here; they are copied into the root's scratch folder for each run.
# Environment: TRIXIE (default /opt/trixie, made by ../shared/tools/reference-python/setup.sh, plus
#   libopenblas0-pthread: see the check below), DMS_N (192), GOLDEN_REPEAT (1), FAMILIES ("esmc amplify"),
#   SMALL=1 (small random models of the same families instead of the real shapes: a quick end-to-end check),
#   SCRATCH (default $TRIXIE/tmp/plmkit-bench-families; must lie inside $TRIXIE; the random models are kept
#   there and reused), SKIP_PLMKIT=1 (official side only).
# Runs as root (chroot, mounting /proc in the root).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
THREADS=${1:-2}; RUNS=${2:-2}; DMS_N=${DMS_N:-192}; GOLDEN_REPEAT=${GOLDEN_REPEAT:-1}
FAMILIES=${FAMILIES:-esmc amplify}; SMALL=${SMALL:-0}; SKIP_PLMKIT=${SKIP_PLMKIT:-0}
: "${ESM_SRC:?set ESM_SRC to an evolutionaryscale/esm checkout}" "${AMPLIFY_SRC:?set AMPLIFY_SRC to a chandar-lab/AMPLIFY checkout}"
: "${XFORMERS_SRC:?set XFORMERS_SRC to a facebookresearch/xformers checkout at v0.0.28.post3}" "${SWAT_SRC:?set SWAT_SRC to a ziul-bio/SWAT checkout}"
TRIXIE=$(realpath "${TRIXIE:-/opt/trixie}")
SCRATCH=${SCRATCH:-$TRIXIE/tmp/plmkit-bench-families}
mkdir -p "$SCRATCH"; SCRATCH=$(realpath "$SCRATCH")
[[ $SCRATCH == "$TRIXIE"/* ]] || { echo "SCRATCH ($SCRATCH) must lie inside TRIXIE ($TRIXIE): the official runs see only the root" >&2; exit 1; }
IN=${SCRATCH#"$TRIXIE"}   # the same folder as the root sees it
HOSTPY=/usr/bin/python3   # bench_tools.py subcommands used here need no numpy or torch
TOOLS=bench/embed/bench_tools.py
GOLDEN=../shared/golden
export OMP_NUM_THREADS=$THREADS

# Without /proc in the root torch's cpuinfo cannot read the CPU and falls back to its "NO AVX" kernels,
# and Debian's torch calls the generic libblas.so.3, which minbase points at the reference BLAS: both
# would make the official side several times slower than it is on a normal installation.
if ! mountpoint -q "$TRIXIE/proc"; then mount -t proc proc "$TRIXIE/proc"; trap 'umount "$TRIXIE/proc"' EXIT; fi
[[ $(chroot "$TRIXIE" readlink -f /usr/lib/x86_64-linux-gnu/libblas.so.3) == *openblas* ]] ||
  { echo "the root's libblas.so.3 is not OpenBLAS: chroot $TRIXIE apt-get install libopenblas0-pthread" >&2; exit 1; }

# The official sources, the shims and our script, copied into the root.
SRC=$SCRATCH/src
rm -rf "$SRC"; mkdir -p "$SRC/esm" "$SRC/amplify" "$SRC/xformers/xformers/ops" "$SRC/swat/scripts"
tar -C "$ESM_SRC" --exclude=esm/data -cf - esm | tar -x -C "$SRC/esm"
cp -r "$AMPLIFY_SRC/src" "$SRC/amplify/src"
cp "$XFORMERS_SRC"/xformers/ops/{swiglu_op.py,common.py,unbind.py} "$SRC/xformers/xformers/ops/"
cp "$SWAT_SRC"/scripts/extract_{ESMC,AMPLIFY}.py "$SRC/swat/scripts/"
cp -r ../shared/tools/reference-python/shims "$SRC/shims"
cp bench/embed/reference_families.py "$SRC/"
REF=(chroot "$TRIXIE" env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OMP_NUM_THREADS="$THREADS"
     PYTHONPATH="$IN/src/shims:$IN/src/esm:$IN/src/amplify/src" XFORMERS_SRC="$IN/src/xformers" SWAT_SRC="$IN/src/swat"
     python3 "$IN/src/reference_families.py")

# Random models (made once, then reused).
mkdir -p "$SCRATCH/amplify_template"
cp $GOLDEN/amplify_tiny/{config.json,amplify_vocab.txt,special_tokens_map.json} "$SCRATCH/amplify_template/"
declare -A MODEL
if [ "$SMALL" = 1 ]; then
  MODEL[esmc]=esmc_small; MODEL[amplify]=amplify_small
  [ -f "$SCRATCH/esmc_small/esmc.pth" ] || "${REF[@]}" make-esmc "$IN/esmc_small" --d-model 64 --heads 4 --layers 3
  PLMKIT_MODEL_esmc=$SCRATCH/esmc_small   # a non-released .pth: PlmKit reads its sizes from the config.json beside it
  REF_MODEL_esmc=$IN/esmc_small/esmc.pth
  [ -f "$SCRATCH/amplify_small/model.safetensors" ] ||
    "${REF[@]}" make-amplify "$IN/amplify_small" --template "$IN/amplify_template" --hidden 64 --layers 3 --heads 4 --intermediate 256
else
  MODEL[esmc]=esmc_300m_shape; MODEL[amplify]=amplify_120M_shape
  [ -f "$SCRATCH/esmc_300m_shape/esmc_300m_2024_12_v0.pth" ] || "${REF[@]}" make-esmc "$IN/esmc_300m_shape"
  PLMKIT_MODEL_esmc=$SCRATCH/esmc_300m_shape/esmc_300m_2024_12_v0.pth   # the released name: sizes known by name
  REF_MODEL_esmc=$IN/esmc_300m_shape/esmc_300m_2024_12_v0.pth
  [ -f "$SCRATCH/amplify_120M_shape/model.safetensors" ] || "${REF[@]}" make-amplify "$IN/amplify_120M_shape" --template "$IN/amplify_template"
fi
PLMKIT_MODEL_amplify=$SCRATCH/${MODEL[amplify]}; REF_MODEL_amplify=$IN/${MODEL[amplify]}

# Inputs.
INPUTS=(dms); declare -A FASTA
FASTA[dms]=blat_ecolx_$DMS_N.fasta
$HOSTPY $TOOLS dms-fasta ../shared/data/swat/dms/BLAT_ECOLX_Ranganathan2015.csv "$SCRATCH/${FASTA[dms]}" "$DMS_N"
if [ "$GOLDEN_REPEAT" -gt 0 ]; then
  INPUTS+=(golden); FASTA[golden]=golden_x$GOLDEN_REPEAT.fasta
  $HOSTPY $TOOLS fasta $GOLDEN/sequences.fasta "$SCRATCH/${FASTA[golden]}" "$GOLDEN_REPEAT"
fi

if [ "$SKIP_PLMKIT" != 1 ]; then
  dotnet build src/PlmKit.Cli -c Release -v q -nologo >/dev/null
  PLMKIT=(dotnet src/PlmKit.Cli/bin/Release/net10.0/PlmKit.Cli.dll)
fi

declare -A WALL RSS CPU EMBED TOKENS OUT
run() {  # name, out folder, command...   (keeps the run with the shortest wall time; embedding seconds from the same run)
  local name=$1 out=$2; shift 2
  WALL[$name]=999999
  for r in $(seq "$RUNS"); do
    rm -rf "$out"
    /usr/bin/time -v "$@" >"$SCRATCH/$name.log" 2>"$SCRATCH/$name.time" || { tail -20 "$SCRATCH/$name.log" "$SCRATCH/$name.time" >&2; exit 1; }
    read -r w m c < <($HOSTPY $TOOLS extract-rss "$SCRATCH/$name.time")
    if $HOSTPY -c "import sys; sys.exit(0 if $w < ${WALL[$name]} else 1)"; then
      WALL[$name]=$w; RSS[$name]=$m; CPU[$name]=$c; OUT[$name]=$out
      if [ -f "$out/embed.manifest.json" ]; then
        EMBED[$name]=$($HOSTPY $TOOLS json "$out/embed.manifest.json" seconds); TOKENS[$name]=$($HOSTPY $TOOLS json "$out/embed.manifest.json" tokens)
      else
        EMBED[$name]=$($HOSTPY $TOOLS json "$out/reference.json" seconds); TOKENS[$name]=$($HOSTPY $TOOLS json "$out/reference.json" tokens)
        cap=$($HOSTPY $TOOLS json "$out/reference.json" cpu_capability)
        [[ $cap != "NO AVX" && $cap != DEFAULT ]] || { echo "torch in the root runs its $cap kernels (is /proc mounted?)" >&2; exit 1; }
      fi
    fi
  done
}
plmkit() {  # name, model, input, extra args...
  local name=$1 model=$2 input=$3; shift 3
  run "$name" "$SCRATCH/out_$name" "${PLMKIT[@]}" embed --model "$model" --input "$SCRATCH/${FASTA[$input]}" --layers -1 --pool mean \
      --out "$SCRATCH/out_$name" --device cpu --threads "$THREADS" "$@"
}
csv() { ls "${OUT[$1]}"/layer*.mean.csv; }

ROWS=(); COMPARE=()
for input in "${INPUTS[@]}"; do
  for family in $FAMILIES; do
    if [ "$family" = esmc ]; then
      refs=(esmc_$input)
      run esmc_$input "$SCRATCH/out_esmc_$input" "${REF[@]}" embed-esmc "$REF_MODEL_esmc" "$IN/${FASTA[$input]}" "$IN/out_esmc_$input" --threads "$THREADS"
    else
      refs=(amplify_single_$input amplify_batched_$input)
      for mode in single batched; do
        run amplify_${mode}_$input "$SCRATCH/out_amplify_${mode}_$input" "${REF[@]}" embed-amplify "$REF_MODEL_amplify" "$IN/${FASTA[$input]}" \
            "$IN/out_amplify_${mode}_$input" --threads "$THREADS" --mode $mode
      done
      COMPARE+=("amplify_batched_$input amplify_single_$input")
    fi
    ROWS+=("${refs[@]}")
    if [ "$SKIP_PLMKIT" != 1 ]; then
      model_var=PLMKIT_MODEL_$family
      plmkit plmkit_${family}_$input "${!model_var}" "$input"
      plmkit plmkit_bf16_${family}_$input "${!model_var}" "$input" --dtype bf16
      ROWS+=(plmkit_${family}_$input plmkit_bf16_${family}_$input)
      for ref in "${refs[@]}"; do COMPARE+=("plmkit_${family}_$input $ref"); done
      COMPARE+=("plmkit_bf16_${family}_$input plmkit_${family}_$input")
    fi
  done
done

echo "date: $(date -u +%FT%TZ)  host: $(nproc --all) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "models: esmc ${MODEL[esmc]}, amplify ${MODEL[amplify]} (random weights, $SCRATCH); threads $THREADS; best of $RUNS wall times"
for input in "${INPUTS[@]}"; do echo "input $input: $(grep -c '>' "$SCRATCH/${FASTA[$input]}") sequences, ${FASTA[$input]}"; done
[ "$SKIP_PLMKIT" = 1 ] || echo "plmkit: $(grep -o '"mkl_dispatch": "[^"]*"' "${OUT[${ROWS[-1]}]}/embed.manifest.json")"
printf '| run | tokens | wall s | tokens/s (wall) | embedding s | tokens/s (embedding) | CPU s | peak RSS MiB |\n|---|---|---|---|---|---|---|---|\n'
for name in "${ROWS[@]}"; do
  $HOSTPY -c "import sys; n, t, w, e, c, m = sys.argv[1:]; t, w, e = int(t), float(w), float(e)
print(f'| {n} | {t} | {w:.2f} | {t / w:.0f} | {e:.2f} | {t / e:.0f} | {float(c):.1f} | {m} |')" \
    "$name" "${TOKENS[$name]}" "${WALL[$name]}" "${EMBED[$name]}" "${CPU[$name]}" "${RSS[$name]}"
done
if [ "$SKIP_PLMKIT" != 1 ]; then
  echo "speed-up plmkit fp32 / official (tokens/s on embedding time; on wall time, which includes start-up and model loading for both):"
  for pair in "${COMPARE[@]}"; do
    read -r a b <<<"$pair"; [[ $a == plmkit_bf16_* || $a == amplify_batched_* ]] && continue
    $HOSTPY -c "import sys; a, b, ea, eb, wa, wb = sys.argv[1:]
print(f'  {a} vs {b}: {float(eb) / float(ea):.2f}x embedding, {float(wb) / float(wa):.2f}x wall  (goal >= 1.5x)')" \
      "$a" "$b" "${EMBED[$a]}" "${EMBED[$b]}" "${WALL[$a]}" "${WALL[$b]}"
  done
fi
echo "pooled vectors (layer -1, mean): max abs difference (id:component), min cosine; goal <= 5e-5 for plmkit fp32 vs official:"
for pair in "${COMPARE[@]}"; do
  read -r a b <<<"$pair"
  echo "  $a vs $b: $($HOSTPY $TOOLS compare "$(csv "$a")" "$(csv "$b")")"
done
echo "scratch: $SCRATCH"
