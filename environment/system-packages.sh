#!/usr/bin/env bash
# Optional Debian packages PlmKit uses when present: mkdssp (package dssp) for secondary-structure
# targets from structure files. Installed when running as root with apt; otherwise a hint.
set -euo pipefail
if ! command -v mkdssp >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing dssp (Debian package) for secondary-structure targets..."
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends dssp >/dev/null
  else
    echo "note: mkdssp not found (sudo apt-get install dssp): secondary-structure targets from structures are unavailable" >&2
  fi
fi
