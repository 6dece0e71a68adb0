#!/usr/bin/env bash
# The whole test suite: install what is missing, build with tests, run CTest on every core, then the
# Python package, the sanitizer subset and a short fuzzing run (docs/testing.md).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh -DCTM_BUILD_TESTS=ON
cd build
ctest -j"$(nproc)" --output-on-failure --timeout 900
bash ../scripts/test_python.sh  # the Python package (pytest, pybdm side by side)
cd ..
bash scripts/test_sanitize.sh  # parser/table/BDM/config tests under ASan + UBSan (build-asan/)
if command -v clang++ >/dev/null 2>&1; then bash scripts/fuzz.sh 10; else echo "ctm: clang missing, fuzzing skipped" >&2; fi
