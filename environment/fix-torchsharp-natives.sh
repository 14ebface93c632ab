#!/usr/bin/env bash
# Makes TorchSharp's native library load on systems whose libstdc++ predates GCC 13
# (Debian 12: GLIBCXX_3.4.30). libLibTorchSharp.so 0.107.0 needs exactly one newer symbol,
# std::ios_base_library_init() (GLIBCXX_3.4.32). We (1) build a tiny shim library defining
# it, (2) drop that symbol's version and add the shim as a dependency with patchelf, and
# (3) retarget the leftover GLIBCXX_3.4.32 requirement to a version the system has.
# Idempotent; does nothing where libstdc++ already has GLIBCXX_3.4.32.
# It also builds the MKL dispatch library (mkl-dispatch/mkl_dispatch.c: lets libtorch's MKL use
# AVX-512 on AMD CPUs), which PlmKit.Models.TorchRuntime loads from the same native folder.
# Usage: fix-torchsharp-natives.sh [DIR ...]   (DIRs: extra trees to patch, e.g. build outputs)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
native_dir="${PLMKIT_NATIVE_DIR:-${XDG_DATA_HOME:-$HOME/.local/share}/plmkit/native}"
mkdir -p "$native_dir"

# A speed-up, not a requirement: without a C compiler PlmKit runs with MKL's own kernel choice.
mkl_dispatch="$native_dir/libplmkit_mkl_dispatch.so"
if [ "$mkl_dispatch" -nt "$here/mkl-dispatch/mkl_dispatch.c" ]; then :
elif command -v gcc >/dev/null; then
  gcc -shared -fPIC -O2 -o "$mkl_dispatch.tmp" "$here/mkl-dispatch/mkl_dispatch.c" && mv -f "$mkl_dispatch.tmp" "$mkl_dispatch"
  echo "built $mkl_dispatch"
else
  echo "note: gcc not found, so $mkl_dispatch is not built (MKL keeps its AVX2 kernels on AMD CPUs)."
fi

# The system libstdc++ the loader would use (awk reads all input: an early exit would kill
# ldconfig with SIGPIPE, which pipefail turns into a failure).
libstdcxx="$(ldconfig -p 2>/dev/null | awk '/libstdc\+\+\.so\.6 .*x86-64/ && !found {print $NF; found=1}')"
[ -n "$libstdcxx" ] || libstdcxx=/usr/lib/x86_64-linux-gnu/libstdc++.so.6
if grep -aq 'GLIBCXX_3\.4\.32' "$libstdcxx" 2>/dev/null; then
  echo "libstdc++ ($libstdcxx) has GLIBCXX_3.4.32: TorchSharp needs no fix."
  exit 0
fi

if ! command -v patchelf >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing patchelf (Debian package)..."
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq patchelf >/dev/null
  else
    echo "error: patchelf is needed (sudo apt-get install patchelf)" >&2; exit 1
  fi
fi
for tool in g++ gcc readelf; do
  command -v "$tool" >/dev/null || { echo "error: $tool is needed (sudo apt-get install g++ binutils)" >&2; exit 1; }
done

shim="$native_dir/libplmkit_glibcxx_shim.so"
retarget="$native_dir/retarget_verneed"
[ "$shim" -nt "$here/glibcxx-shim/shim.cpp" ] || g++ -shared -fPIC -O2 -o "$shim" "$here/glibcxx-shim/shim.cpp"
[ "$retarget" -nt "$here/glibcxx-shim/retarget_verneed.c" ] || gcc -O2 -o "$retarget" "$here/glibcxx-shim/retarget_verneed.c"

patch_one() {
  local lib="$1"
  if ! readelf -V "$lib" | grep -q 'Name: GLIBCXX_3\.4\.32'; then return 0; fi
  local tmp="$lib.plmkit-tmp"
  cp "$lib" "$tmp"
  patchelf --clear-symbol-version _ZSt21ios_base_library_initv "$tmp"
  readelf -d "$tmp" | grep -qF "[$shim]" || patchelf --add-needed "$shim" "$tmp"
  "$retarget" "$tmp" GLIBCXX_3.4.32 GLIBCXX_3.4.21 >/dev/null
  mv -f "$tmp" "$lib"   # atomic: a crash never leaves a half-patched library behind
  echo "patched $lib"
}

nuget_root="${NUGET_PACKAGES:-$HOME/.nuget/packages}"
roots=("$nuget_root/torchsharp" "$@")
for root in "${roots[@]}"; do
  [ -d "$root" ] || continue
  while IFS= read -r -d '' lib; do patch_one "$lib"; done \
    < <(find "$root" -name libLibTorchSharp.so -type f -print0)
done
