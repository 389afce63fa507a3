#!/usr/bin/env bash
# Installs the reference tools and runs the build-speed comparison.
#   bash benches/run.sh [PAGES] [RUNS]
# Hugo comes from Debian, Eleventy from npm (pinned in benches/tools).
set -euo pipefail
cd "$(dirname "$0")/.."
pages=${1:-10000}
runs=${2:-5}
if ! command -v hugo >/dev/null; then
  apt-get update -qq && apt-get install -y -qq hugo
fi
if [ ! -d benches/tools/node_modules/@11ty/eleventy ]; then
  npm ci --prefix benches/tools --no-audit --no-fund
fi
cargo build --release --locked
echo "ssgx $(./target/release/ssgx --version | cut -d' ' -f2), $(hugo version | cut -d' ' -f1-2), eleventy $(node benches/tools/node_modules/@11ty/eleventy/cmd.cjs --version), $(nproc) cores"
python3 benches/compare.py --pages "$pages" --runs "$runs"
