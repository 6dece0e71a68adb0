#!/usr/bin/env bash
# Configures and builds ctm (Release) in build/; CUDA parts are compiled when nvcc is found.
# Arguments go to the configure step (-DCTM_BUILD_TESTS=OFF ...); CTM_BUILD_TARGET=ctm builds one target.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install_deps.sh
if ! command -v nvcc >/dev/null 2>&1 && [ -x /usr/local/cuda/bin/nvcc ]; then export PATH=/usr/local/cuda/bin:$PATH; fi
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release "$@" >/dev/null
cmake --build build -j"$(nproc)" ${CTM_BUILD_TARGET:+--target "$CTM_BUILD_TARGET"}
