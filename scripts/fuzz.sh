#!/usr/bin/env bash
# Coverage-guided fuzzing of ctm's parsers (libFuzzer + ASan + UBSan, docs/testing.md): builds the
# tests/fuzz/ targets in build-fuzz/ with clang, seeds each from the repository's own files, and runs
# each for SECONDS_PER_TARGET (default 20). Exits non-zero on any finding and prints its reproducer.
# Usage: scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-20}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(fuzz_table fuzz_k_table fuzz_bdm_inputs fuzz_collapse_config)
if ! command -v clang++ >/dev/null 2>&1; then
  echo "ctm: error: fuzzing needs clang (apt-get install clang; scripts/install_deps.sh tries it)" >&2
  exit 1
fi
launcher=()
command -v ccache >/dev/null 2>&1 && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
# The same configuration as scripts/test_sanitize.sh with clang, so the two share one sanitized build.
cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_COMPILER=clang++ -DCTM_FUZZ=ON -DCTM_SANITIZE=ON \
  -DCTM_WITH_CUDA=OFF -DCTM_WITH_MPI=OFF -DCTM_BUILD_TESTS=ON -DCTM_BUILD_BENCH=OFF "${launcher[@]}" >/dev/null
cmake --build build-fuzz -j"$(nproc)" --target "${targets[@]}"

# Seeds: small files of the repository and a few generated inputs (build-fuzz/seeds, not committed).
seeds=build-fuzz/seeds
rm -rf "$seeds"
mkdir -p "$seeds"/{fuzz_table,fuzz_k_table,fuzz_bdm_inputs,fuzz_collapse_config}
for f in data/d1-2.ctm data/d2-2.ctm data/d3-2.ctm data/d2-3.ctm data/d4-2.ctm; do cp "$f" "$seeds/fuzz_table/"; done
printf 'string,K\n0,2.51\n1,2.51\n01,3.32\n"0011",5.1\n' >"$seeds/fuzz_k_table/csv"
printf '# comment\n00\t3.32\n10\t3.32\n' >"$seeds/fuzz_k_table/tsv"
printf 'string,count,K\n0,1,2.5\n' | gzip -c >"$seeds/fuzz_k_table/gz"
head -c 2000 tests/data/pybdm_reference.tsv >"$seeds/fuzz_k_table/pybdm" 2>/dev/null || true
# bdm inputs: first byte = format (0 text, 1 csv, 2 npy, 3 pbm, 4 pgm; +0x80 2D, +0x40 threshold).
printf '\x00010011010\n1100\n' >"$seeds/fuzz_bdm_inputs/text"
printf '\x81a,b,c\n0,1,1\n1,0,1\n' >"$seeds/fuzz_bdm_inputs/csv2d"
printf '\x02\x93NUMPY\x01\x00\x46\x00{'"'"'descr'"'"': '"'"'|u1'"'"', '"'"'fortran_order'"'"': False, '"'"'shape'"'"': (2, 3), }          \n\x00\x01\x01\x01\x00\x01' >"$seeds/fuzz_bdm_inputs/npy"
printf '\x03P1\n# c\n4 2\n0101\n1 1 0 0\n' >"$seeds/fuzz_bdm_inputs/p1"
printf '\x03P4\n8 2\n\xa5\x5a' >"$seeds/fuzz_bdm_inputs/p4"
printf '\x04P2\n2 2\n255\n0 255\n3 4\n' >"$seeds/fuzz_bdm_inputs/p2"
printf '\x44P5\n2 2\n255\n\x00\xff\x10\x80' >"$seeds/fuzz_bdm_inputs/p5"
printf '\x00{"learner": "categorical", "categories": 3, "samples": 20, "generations": 5, "alpha": {"kind": "constant", "value": 0.5}}' >"$seeds/fuzz_collapse_config/json"
printf '\x01learner = "gaussian"\nsamples = 50\ngenerations = 4\nseed = 7\n[alpha]\nkind = "constant"\nvalue = 0.25\n' >"$seeds/fuzz_collapse_config/toml"

fail=0
for t in "${targets[@]}"; do
  dir=build-fuzz/findings/$t
  corpus=build-fuzz/corpus/$t
  mkdir -p "$dir" "$corpus"
  echo "ctm: fuzzing $t for ${secs}s" >&2
  # Scratch files of the path-based readers go to a private folder.
  tmp=$(mktemp -d)
  if ! TMPDIR=$tmp ./build-fuzz/tests/fuzz/"$t" "$corpus" "$seeds/$t" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
      -malloc_limit_mb=2048 -max_len=65536 -artifact_prefix="$dir/" -print_final_stats=1 >"build-fuzz/$t.log" 2>&1; then
    fail=1
    echo "ctm: error: $t found a problem; log build-fuzz/$t.log, reproducer(s):" >&2
    ls -1 "$dir"/* >&2 2>/dev/null || true
    grep -m5 -E 'ERROR|runtime error|SUMMARY' "build-fuzz/$t.log" >&2 || true
    echo "  rerun one with: ./build-fuzz/tests/fuzz/$t <reproducer>" >&2
  else
    grep -E 'stat::number_of_executed_units|stat::new_units_added' "build-fuzz/$t.log" | tr '\n' ' ' >&2; echo >&2
  fi
  rm -rf "$tmp"
done
exit $fail
