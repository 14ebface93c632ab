#!/usr/bin/env bash
# Figures (PlmKit.Figures, `plmkit figures`, notebooks): one-time, idempotent setup.
#  1. plotly.js from npm into tools/plotly/, so figures' HTML opens offline (nothing is fetched
#     at run time). Pinned to 2.35.3, the last 2.x: XPlot.Plotly 4.1.0 writes titles as plain
#     strings, which plotly.js 3 and later no longer draw.
#  2. Debian's chromium, which renders the HTML headless into the static PNG.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

plotly_version=2.35.3
plotly_js=tools/plotly/node_modules/plotly.js-dist-min/plotly.min.js
installed="$(sed -nE 's/^ *"version": *"([^"]+)".*/\1/p' tools/plotly/node_modules/plotly.js-dist-min/package.json 2>/dev/null | head -n 1 || true)"
if [ ! -f "$plotly_js" ] || [ "$installed" != "$plotly_version" ]; then
  command -v npm >/dev/null || { echo "error: npm is needed for plotly.js (sudo apt-get install npm)" >&2; exit 1; }
  mkdir -p tools/plotly
  npm install --silent --no-audit --no-fund --no-save --no-package-lock --prefix tools/plotly \
    "plotly.js-dist-min@$plotly_version" >/dev/null
  echo "plotly.js $plotly_version installed in tools/plotly"
fi

if ! command -v chromium >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing chromium (Debian package) for the figures' PNG..."
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium fonts-liberation >/dev/null
  else
    echo "warning: chromium not found (sudo apt-get install chromium): 'plmkit figures' will write HTML only" >&2
  fi
fi
