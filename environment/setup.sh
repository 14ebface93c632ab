#!/usr/bin/env bash
# One-time (idempotent) setup of a fresh Debian 12 / Ubuntu 22.04+ machine for PlmKit:
# NuGet restore, local dotnet tools (notebook runners: dotnet-repl and the Jupyter kernel
# dotnet-interactive), the TorchSharp native-library fix where the system libstdc++ is too old, a
# Release build (which packs PlmKit.Interactive, the package notebooks load, into artifacts/feed),
# and the Jupyter kernel registration.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

command -v dotnet >/dev/null || { echo "error: the .NET 10 SDK is needed (https://dot.net)" >&2; exit 1; }
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

dotnet restore PlmKit.slnx
[ -f .config/dotnet-tools.json ] && dotnet tool restore
bash environment/system-packages.sh  # mkdssp for structure-derived targets
bash environment/figures-setup.sh   # figures: plotly.js (npm) and chromium (PNG export)
# Patch the NuGet cache copy before building, so every build output gets the fixed library.
bash environment/fix-torchsharp-natives.sh
dotnet build PlmKit.slnx -c Release --no-restore
# Outputs built before the fix (an older checkout) are patched in place too.
bash environment/fix-torchsharp-natives.sh src tests
# Notebooks: the Release build packed PlmKit.Interactive into artifacts/feed; register the .NET
# kernel with Jupyter and prepare TorchSharp's libraries for it.
bash environment/notebook-kernel.sh
echo "PlmKit is set up."
