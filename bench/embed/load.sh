#!/usr/bin/env bash
# Loading a checkpoint, issue 14: how long `plmkit embed` takes to read a random ESM-2 of the study's
# 150M shape (30 layers, width 640, 20 heads, FFN 2560; 591 MB float32) into the model, from
# safetensors and from a fair-esm .pt, against fair-esm's own loader on the same .pt
# (the steps of esm.pretrained.load_model_and_alphabet_local: torch.load, building ESM2, then
# load_state_dict) and against the
# floor of this machine (numpy.fromfile of the same file into fresh memory). Files are in the page
# cache (each is read once first). PlmKit's times are the manifest's memory.load_seconds (weights
# read into the model; start-up and hashing apart), with its peak RSS; RUNS runs each, interleaved.
#
#   FAIR_ESM=/path/to/facebookresearch/esm  bash bench/embed/load.sh [RUNS=3]
#
# Needs Debian's /usr/bin/python3 with torch and numpy, and ~1.5 GB of disk in $SCRATCH.
set -euo pipefail
cd "${PLMKIT_ROOT:-$(dirname "${BASH_SOURCE[0]}")/../..}"
: "${FAIR_ESM:?set FAIR_ESM to a facebookresearch/esm checkout}"
RUNS=${1:-3}
PY=/usr/bin/python3
SCRATCH=${SCRATCH:-$(mktemp -d /tmp/plmkit-bench-load.XXXX)}
trap 'rm -rf "$SCRATCH"' EXIT
dotnet build src/PlmKit.Cli -c Release -v q -nologo >/dev/null
PLMKIT="dotnet src/PlmKit.Cli/bin/Release/net10.0/PlmKit.Cli.dll"
MODEL=$SCRATCH/esm2_150M_shape
PT=$SCRATCH/esm2_t30_150M_shape.pt   # fair-esm tells ESM-2 from the name
$PY bench/embed/random_esm2.py "$MODEL" 30 640 20 2560
$PY bench/embed/bench_tools.py convert "$MODEL" "$PT"
$PY bench/embed/bench_tools.py dms-fasta ../shared/data/swat/dms/BLAT_ECOLX_Ranganathan2015.csv "$SCRATCH/dms.fasta" 1
cat "$MODEL/model.safetensors" "$PT" > /dev/null

plmkit() {  # model → "load_seconds peak_rss_bytes"
  rm -rf "$SCRATCH/out"
  $PLMKIT embed --model "$1" --input "$SCRATCH/dms.fasta" --out "$SCRATCH/out" --device cpu --threads 2 >/dev/null 2>&1
  $PY -c "import json,sys; m=json.load(open(sys.argv[1]))['memory']; print(m['load_seconds'], m['peak_rss_bytes'])" "$SCRATCH/out/embed.manifest.json"
}
fairesm() {  # .pt → seconds of fair-esm's loader
  PYTHONPATH="$FAIR_ESM" $PY -c "
import sys, time, torch
torch.set_num_threads(2)
import esm
t = time.perf_counter()
# load_model_and_alphabet_local's steps; strict=False because the random model has no LM head, which fair-esm insists on.
model, _, state = esm.pretrained._load_model_and_alphabet_core_v2(torch.load(sys.argv[1], map_location='cpu'))
model.load_state_dict(state, strict=False)
print(time.perf_counter() - t)" "$1"
}
floor() {  # file → seconds of numpy.fromfile
  $PY -c "import sys, time, numpy as np; t = time.perf_counter(); np.fromfile(sys.argv[1], dtype=np.uint8); print(time.perf_counter() - t)" "$1"
}

printf 'run\tplmkit_safetensors_s\tplmkit_pt_s\tfair_esm_pt_s\tfromfile_s\tpeak_safetensors_mib\tpeak_pt_mib\n'
for r in $(seq "$RUNS"); do
  read -r s sp < <(plmkit "$MODEL"); read -r p pp < <(plmkit "$PT")
  printf '%s\t%.2f\t%.2f\t%.2f\t%.2f\t%d\t%d\n' "$r" "$s" "$p" "$(fairesm "$PT")" "$(floor "$PT")" $((sp >> 20)) $((pp >> 20))
done
echo "load: $(uptime | sed 's/.*load average: //')" >&2
