#!/usr/bin/env bash
# The main job on a fresh machine: install what is missing, build, compute the exact D(5,2) table
# (the one that took its authors ~450 CPU-days) and print its summary and a few lookups.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
mkdir -p out
./build/ctm enumerate --states 5 --symbols 2 --out out/d5-2.ctm
./build/ctm lookup out/d5-2.ctm 0 01 010101010101 000110100111 110100110101
