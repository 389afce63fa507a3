#!/usr/bin/env bash
# Installs the reference tools and runs a benchmark.
#   bash benches/run.sh [PAGES] [RUNS]     build speed: ssgx vs Hugo vs Eleventy
#   bash benches/run.sh functions [SECS]   function calls: ssgx vs netlify-cli
#   bash benches/run.sh dev [PAGES]        ssgx dev vs hugo server and netlify dev
#   bash benches/run.sh netlify-diff       the same requests to ssgx dev and netlify dev
#   bash benches/run.sh authoring [PAGES]  highlighting and tags vs a plain build
# Hugo and wrk come from Debian; Eleventy and netlify-cli from npm, pinned
# in benches/tools.
set -euo pipefail
cd "$(dirname "$0")/.."
need() { command -v "$1" >/dev/null || { apt-get update -qq && apt-get install -y -qq "$2"; }; }
if [ ! -d benches/tools/node_modules/@11ty/eleventy ] || [ ! -d benches/tools/node_modules/netlify-cli ]; then
  npm ci --prefix benches/tools --no-audit --no-fund --loglevel=error
fi
cargo build --release --locked
if [ "${1:-}" = netlify-diff ]; then
  python3 benches/netlify_dev_diff.py
  exit
fi
if [ "${1:-}" = authoring ]; then
  python3 benches/authoring_bench.py --pages "${2:-10000}"
  exit
fi
if [ "${1:-}" = functions ]; then
  need wrk wrk
  python3 benches/functions_bench.py --duration "${2:-10}"
  exit
fi
need hugo hugo
if [ "${1:-}" = dev ]; then
  need wrk wrk
  python3 benches/dev_bench.py --pages "${2:-10000}"
  exit
fi
pages=${1:-10000}
runs=${2:-5}
echo "ssgx $(./target/release/ssgx --version | cut -d' ' -f2), $(hugo version | cut -d' ' -f1-2), eleventy $(node benches/tools/node_modules/@11ty/eleventy/cmd.cjs --version), $(nproc) cores"
python3 benches/compare.py --pages "$pages" --runs "$runs"
