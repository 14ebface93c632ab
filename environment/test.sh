#!/usr/bin/env bash
# Runs the whole test suite (Release build) and ends with one summary line:
# "N passed, N failed, N skipped".
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
log="$(mktemp)"
dotnet test PlmKit.slnx -c Release "$@" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
summary="$(grep -E '(Passed|Failed)!? +- Failed: ' "$log" | tail -n 1)"
failed="$(sed -nE 's/.*Failed: +([0-9]+).*/\1/p' <<<"$summary")"
passed="$(sed -nE 's/.*Passed: +([0-9]+).*/\1/p' <<<"$summary")"
skipped="$(sed -nE 's/.*Skipped: +([0-9]+).*/\1/p' <<<"$summary")"
rm -f "$log"
if [ -z "$summary" ]; then
  echo "no test summary found (build failure?)"; exit $(( rc == 0 ? 1 : rc ))
fi
echo "${passed:-0} passed, ${failed:-0} failed, ${skipped:-0} skipped"
exit "$rc"
