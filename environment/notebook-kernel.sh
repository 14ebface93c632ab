#!/usr/bin/env bash
# Makes PlmKit's notebooks run in the .NET Jupyter kernel (dotnet-interactive, a local tool of
# .config/dotnet-tools.json): registers the kernel with Jupyter and prepares TorchSharp's native
# libraries for it. Idempotent; run by environment/setup.sh after the Release build (which packs
# PlmKit.Interactive into artifacts/feed, the feed notebooks/NuGet.config names).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ls artifacts/feed/PlmKit.Interactive.*.nupkg >/dev/null 2>&1 \
  || { echo "error: build first (dotnet build PlmKit.slnx -c Release packs artifacts/feed)" >&2; exit 1; }

# For nbconvert and Jupyter; VS Code's Polyglot Notebooks starts its own kernel.
mkdir -p "${JUPYTER_DATA_DIR:-$HOME/.local/share/jupyter}/kernels"
dotnet interactive jupyter install >/dev/null

# A kernel loads TorchSharp from the NuGet cache, and TorchSharp then looks for libtorch in
# lib/net8.0/cpu/ beside itself (its "interactive scenario"). Left alone it copies ~1 GB of
# libraries there at the first tensor, and that first load failed here; hard links to the cached
# (and, by fix-torchsharp-natives.sh, patched) libraries make the first notebook work at once.
cache="${NUGET_PACKAGES:-$HOME/.nuget/packages}"
torchsharp="$(sed -n 's:.*<TorchSharpVersion>\(.*\)</TorchSharpVersion>.*:\1:p' Directory.Build.props)"
libtorch="$(sed -n 's:.*<LibTorchVersion>\(.*\)</LibTorchVersion>.*:\1:p' Directory.Build.props)"
natives="$cache/libtorch-cpu-linux-x64/$libtorch/runtimes/linux-x64/native"
bridge="$cache/torchsharp/$torchsharp/runtimes/linux-x64/native/libLibTorchSharp.so"
if [ -d "$natives" ] && [ -f "$bridge" ]; then
  target="$cache/torchsharp/$torchsharp/lib/net8.0/cpu"
  mkdir -p "$target"
  for lib in "$natives"/* "$bridge"; do
    [ "$lib" -ef "$target/$(basename "$lib")" ] || ln -f "$lib" "$target/$(basename "$lib")" 2>/dev/null || cp -f "$lib" "$target/"
  done
fi
echo "notebook kernel ready (feed: artifacts/feed)"
