#!/usr/bin/env bash
# The whole test suite: install what is missing, build with tests, run CTest on every core.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh -DCTM_BUILD_TESTS=ON
cd build
ctest -j"$(nproc)" --output-on-failure --timeout 900
bash ../scripts/test_python.sh  # the Python package (pytest, pybdm side by side)
