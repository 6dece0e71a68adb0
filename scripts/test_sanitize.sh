#!/usr/bin/env bash
# The parser, table, BDM and collapse-config tests under AddressSanitizer + UndefinedBehaviorSanitizer
# (docs/testing.md): builds the library and ctm_sanitize_tests (build-fuzz/ with clang, else build-asan/; -O1 -g)
# and runs it; any sanitizer report fails the run. Extra arguments go to the test executable.
set -euo pipefail
cd "$(dirname "$0")/.."
launcher=()
command -v ccache >/dev/null 2>&1 && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
# With clang the build is scripts/fuzz.sh's (build-fuzz: the same sanitizers plus coverage
# instrumentation), so CI compiles the sanitized library once for both; with gcc, build-asan.
dir=build-asan
config=(-DCTM_SANITIZE=ON)
if command -v clang++ >/dev/null 2>&1; then
  dir=build-fuzz
  config=(-DCMAKE_CXX_COMPILER=clang++ -DCTM_FUZZ=ON -DCTM_SANITIZE=ON)
fi
cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=Debug "${config[@]}" -DCTM_WITH_CUDA=OFF -DCTM_WITH_MPI=OFF -DCTM_BUILD_TESTS=ON \
  -DCTM_BUILD_BENCH=OFF "${launcher[@]}" >/dev/null
cmake --build "$dir" -j"$(nproc)" --target ctm_sanitize_tests
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:strict_string_checks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
# Left out: the CLI tests (they need the ctm binary, which this build leaves out) and the long
# simulations and big-table scorings (minutes under the sanitizers, and not parsing).
skip='CollapseCli.*:CollapsePresets.*:CollapseSweep.SimulatedPointsAgreeWithTheClosedForms'
skip+=':Bdm.PybdmNonBinaryDefaultsMatchPybdm:Bdm.TableDimensionAndAlphabetMustMatch:Bdm.SpecReferenceAcss'
skip+=':Bdm.NbdmCountsImputedBlocksAndMatchesPybdm:Bdm.PybdmFixtures:Bdm.BatchIndependentOfThreadCount'
./"$dir"/tests/ctm_sanitize_tests --gtest_filter="-$skip" "$@"
