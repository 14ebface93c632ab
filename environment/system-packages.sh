#!/usr/bin/env bash
# Optional Debian packages PlmKit uses when present: mkdssp (package dssp) for secondary-structure
# targets from structure files; Jupyter's nbconvert and client (python3-nbconvert,
# python3-jupyter-client) to run the notebooks in the Jupyter kernel and render them to HTML.
# Installed when running as root with apt; otherwise a hint.
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
if ! /usr/bin/python3 -c 'import nbconvert, jupyter_client' 2>/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing nbconvert and jupyter-client (Debian packages) for the notebooks..."
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3-nbconvert python3-jupyter-client >/dev/null
  else
    echo "note: nbconvert not found (sudo apt-get install python3-nbconvert python3-jupyter-client): notebooks run only through dotnet repl" >&2
  fi
fi
