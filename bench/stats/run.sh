#!/usr/bin/env bash
# Fit time of the study's mixed model (2,800 rows: 14 methods x 40 datasets x 5 folds) and its
# Dunnett contrasts: PlmKit against R's lme4 + multcomp on this machine.
# Usage (from the repository root): bash bench/stats/run.sh [REPEATS]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
repeats="${1:-20}"
table="${PLMKIT_SHARED:-../shared}/data/swat/results/summary_DMS_esm2_150M_all_methods.csv"
dotnet build bench/stats/StatsBench -c Release -v q -nologo >/dev/null
echo "# $(date -u +%FT%TZ) $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
dotnet bench/stats/StatsBench/bin/Release/net10.0/StatsBench.dll "$table" "$repeats"
if command -v Rscript >/dev/null; then
  Rscript bench/stats/lmer_bench.R "$table" "$repeats" 
else
  echo "# Rscript not found: install r-base-core r-cran-lme4 r-cran-multcomp for the R side" >&2
fi
