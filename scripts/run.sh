#!/usr/bin/env bash
# The main job on a fresh machine: install what is missing, build, compute the exact D(5,2) table
# (the one that took its authors ~450 CPU-days), print its summary and a few lookups, and score
# example sequences with BDM on top of it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
mkdir -p out
./build/ctm enumerate --states 5 --symbols 2 --out out/d5-2.ctm
./build/ctm lookup out/d5-2.ctm 0 01 010101010101 000110100111 110100110101
printf '%s\n' 010101010101010101010101010101010101 000000000000111111111111000000000000 \
  011010011001011010010110011010011001 110100100111010011101001011010001101 > out/examples.txt
./build/ctm bdm --table out/d5-2.ctm out/examples.txt
