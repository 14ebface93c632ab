#!/usr/bin/env bash
# Times every study compression in PlmKit and in the study's own Python code on the same
# matrices (L = 1022; D = 320 golden states, D = 1280 lifted and Gaussian states).
# Needs: the .NET SDK, Debian python3 with python3-sklearn python3-scipy python3-pandas
# python3-torch and libopenblas0-pthread, and a checkout of ziul-bio/SWAT at fa71733 in $SWAT_DIR
# (git clone https://github.com/ziul-bio/SWAT && git -C SWAT checkout fa71733); never commit it.
set -euo pipefail
cd "$(dirname "$0")/../.."
out="${OUT_DIR:-/tmp/plmkit-pooling-bench}"
repeat="${REPEAT:-5}"
dotnet run -c Release --project bench/pooling/PoolingBench -- --repeat "$repeat" --out "$out" "$@"
OPENBLAS_NUM_THREADS=1 /usr/bin/python3 bench/pooling/study_bench.py --swat "${SWAT_DIR:?set SWAT_DIR}" --inputs "$out" --repeat "$repeat"
cp "$out/python.json" "$out/python_1thread.json"
/usr/bin/python3 bench/pooling/study_bench.py --swat "$SWAT_DIR" --inputs "$out" --repeat "$repeat"
python3 bench/pooling/table.py "$out"
# Accuracy at D = 1280 against the study's code (the golden tests cover D = 320).
/usr/bin/python3 bench/pooling/crosscheck_ref.py --swat "$SWAT_DIR" --inputs "$out"
dotnet run -c Release --project bench/pooling/PoolingBench -- --out "$out" --crosscheck
