#!/usr/bin/env bash
# Embedding store benchmark (issue 6): store size against fair-esm extract.py's per-residue .pt
# files for the same run, embedding throughput with and without the store, and a 4-shard run on
# this machine's cores against one process.
#
#   bash bench/store/run.sh [N_SEQUENCES=300] [RUNS=3] [THREADS=2]
#
# Input: the first N variants of ../shared/data/swat/dms/IF1_ECOLI.csv (72 residues each);
# model: ../shared/golden/esm2_8M_shape (esm2_t6_8M_UR50D shapes: 6 layers, width 320).
# Prints one "key value" line per measurement (bench/store/RESULTS.md quotes them).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
N=${1:-300}; RUNS=${2:-3}; THREADS=${3:-2}
SCRATCH=$(mktemp -d /tmp/plmkit-bench-store.XXXX)
trap 'rm -rf "$SCRATCH"' EXIT
dotnet build src/PlmKit.Cli -c Release -v q -nologo >/dev/null
PLMKIT=(dotnet src/PlmKit.Cli/bin/Release/net10.0/PlmKit.Cli.dll)
MODEL=../shared/golden/esm2_8M_shape
IN=$SCRATCH/in.csv
{ echo "id,sequence"; awk -F, -v n="$N" 'NR > 1 && NR <= n + 1 { print $2 "," $5 }' ../shared/data/swat/dms/IF1_ECOLI.csv; } >"$IN"
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
echo "machine $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "input $N sequences x 72 residues, model esm2_8M_shape (6 layers, D=320)"

# 1. Size: every layer (0..6) pooled with mean (the study's main pooling) in the store, for a short
#    (IF1_ECOLI, 72 residues) and a long (BLAT_ECOLX, 286 residues) protein family. extract.py with
#    --include per_tok would keep the per-residue states of those 7 layers: 4 bytes x residues x 320
#    x 7 per protein (a lower bound: torch.save adds a zip header and pickle per file).
size() {  # dataset, sequences
  local in=$SCRATCH/size-$1.csv
  { echo "id,sequence"; awk -F, -v n="$2" 'NR > 1 && NR <= n + 1 { print $2 "," $5 }' "../shared/data/swat/dms/$1.csv"; } >"$in"
  "${PLMKIT[@]}" embed --model "$MODEL" --input "$in" --layers all --pool mean --device cpu --threads "$THREADS" \
    --store "$SCRATCH/size-$1" --out "$SCRATCH/size-$1-out" >/dev/null
  local store_bytes=$(( $(stat -c %s "$SCRATCH/size-$1/embeddings.sqlite") + $(stat -c %s "$SCRATCH/size-$1/embeddings.sqlite-wal" 2>/dev/null || echo 0) ))
  # distinct sequences only: the store keeps one vector per distinct sequence, extract.py one file per id
  local residues; residues=$(tail -n +2 "$in" | awk -F, '{ s += length($2) } END { print s }')
  local pt_bytes=$(( 4 * residues * 320 * 7 ))
  echo "size_$1 sequences $2 store_bytes $store_bytes pt_per_residue_bytes $pt_bytes ratio $(awk -v a="$pt_bytes" -v b="$store_bytes" 'BEGIN { printf "%.1f", a / b }')"
}
size IF1_ECOLI 300
size BLAT_ECOLX_Tenaillon2013 100

# 2. Throughput: last layer, mean pooling; plain embed against embed --store (fresh store each run).
best_plain=999999; best_store=999999
for r in $(seq "$RUNS"); do
  t0=$(now); "${PLMKIT[@]}" embed --model "$MODEL" --input "$IN" --layers -1 --pool mean --device cpu --threads "$THREADS" --out "$SCRATCH/plain" >/dev/null; t1=$(now)
  rm -rf "$SCRATCH/tp-store"
  t2=$(now); "${PLMKIT[@]}" embed --model "$MODEL" --input "$IN" --layers -1 --pool mean --device cpu --threads "$THREADS" --store "$SCRATCH/tp-store" --out "$SCRATCH/stored" >/dev/null; t3=$(now)
  p=$(secs "$t0" "$t1"); s=$(secs "$t2" "$t3")
  echo "run $r plain_s $p store_s $s"
  best_plain=$(awk -v a="$best_plain" -v b="$p" 'BEGIN { print (b < a ? b : a) }')
  best_store=$(awk -v a="$best_store" -v b="$s" 'BEGIN { print (b < a ? b : a) }')
done
echo "throughput_plain_best_s $best_plain"
echo "throughput_store_best_s $best_store"
echo "throughput_store_overhead_pct $(awk -v a="$best_plain" -v b="$best_store" 'BEGIN { printf "%.1f", 100 * (b - a) / a }')"
t0=$(now); "${PLMKIT[@]}" embed --model "$MODEL" --input "$IN" --layers -1 --pool mean --device cpu --threads "$THREADS" --store "$SCRATCH/tp-store" --out "$SCRATCH/stored" >/dev/null; t1=$(now)
echo "rerun_all_cached_s $(secs "$t0" "$t1")"

# 3. Four shards at once (one torch thread each) against one process with THREADS threads;
#    the shards' time includes merging and the unsharded pass that writes the CSVs.
t0=$(now); "${PLMKIT[@]}" embed --model "$MODEL" --input "$IN" --layers -1 --pool mean --device cpu --threads "$THREADS" --store "$SCRATCH/one" --out "$SCRATCH/one-out" >/dev/null; t1=$(now)
echo "one_process_s $(secs "$t0" "$t1")"
t0=$(now)
for i in 0 1 2 3; do
  "${PLMKIT[@]}" embed --model "$MODEL" --input "$IN" --layers -1 --pool mean --device cpu --threads 1 --store "$SCRATCH/four/shards/$i" --shard "$i/4" --out "$SCRATCH/unused" >/dev/null &
done
wait
t1=$(now)
"${PLMKIT[@]}" store merge "$SCRATCH/four" "$SCRATCH"/four/shards/{0,1,2,3} >/dev/null
"${PLMKIT[@]}" embed --model "$MODEL" --input "$IN" --layers -1 --pool mean --device cpu --threads "$THREADS" --store "$SCRATCH/four" --out "$SCRATCH/four-out" >/dev/null
t2=$(now)
echo "four_shards_compute_s $(secs "$t0" "$t1")"
echo "four_shards_total_s $(secs "$t0" "$t2")"
cmp -s "$SCRATCH/one-out/layer6.mean.csv" "$SCRATCH/four-out/layer6.mean.csv" && echo "four_shards_output identical to one process" || echo "four_shards_output DIFFERS from one process"
echo "load average after $(cut -d' ' -f1-3 /proc/loadavg)"
