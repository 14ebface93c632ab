#!/usr/bin/env bash
# LassoCV benchmark: PlmKit vs scikit-learn 1.2.1 (Debian python3-sklearn on OpenBLAS) on the
# same matrices and the same outer fold. Sides alternate per matrix so both see the same load.
# Usage: bash bench/lasso/run.sh [DATADIR] [REPEATS]   (from the repository root)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
data="${1:-/tmp/plmkit-lasso-bench}"
repeats="${2:-2}"
/usr/bin/python3 "$here/make_data.py" "$data" > /dev/null
dotnet build "$here/LassoBench" -c Release -v q -nologo > /dev/null
bench="$here/LassoBench/bin/Release/net10.0/LassoBench.dll"
for name in n1000_p320 n2000_p320 n5000_p320 n10000_p320 n1000_p1280 n2000_p1280 n5000_p1280 n10000_p1280; do
  echo "{\"load\": \"$(cut -d' ' -f1-3 /proc/loadavg)\", \"name\": \"$name\"}"
  (cd "$here" && /usr/bin/python3 sklearn_bench.py "$data" --repeats "$repeats" --only "$name")
  dotnet "$bench" "$data" "$repeats" "$name"
  dotnet "$bench" "$data" "$repeats" "$name" gram-refit
done
