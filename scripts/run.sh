#!/usr/bin/env bash
# The main job on a fresh machine: install what is missing, build the `ctm` program only (no tests,
# no benchmarks), compute the exact D(5,2) table (the one that took its authors ~450 CPU-days),
# print its summary and a few lookups, and score example sequences with BDM on top of it.
set -euo pipefail
cd "$(dirname "$0")/.."
CTM_BUILD_TARGET=ctm bash scripts/build.sh  # the program only: tests and benchmarks are built by test.sh
mkdir -p out
./build/ctm enumerate --states 5 --symbols 2 --out out/d5-2.ctm
echo
echo "# K of a few strings. D(5,2) holds every string of length <= 11 and all but 2 of length 12"
echo "# (000110100111 is one of the two): a string no (5,2) machine outputs within 500 steps has"
echo "# count 0 and K = inf; BDM below scores such strings from their blocks."
./build/ctm lookup out/d5-2.ctm 0 01 010101010101 000110100111 110100110101
printf '%s\n' 010101010101010101010101010101010101 000000000000111111111111000000000000 \
  011010011001011010010110011010011001 110100100111010011101001011010001101 > out/examples.txt
echo
echo "# BDM of 36-symbol sequences, in blocks of 12 that D(5,2) covers:"
./build/ctm bdm --table out/d5-2.ctm out/examples.txt
