#!/usr/bin/env bash
# Configures and builds ctm (Release) in build/; CUDA parts are compiled when nvcc is found.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install_deps.sh
if ! command -v nvcc >/dev/null 2>&1 && [ -x /usr/local/cuda/bin/nvcc ]; then export PATH=/usr/local/cuda/bin:$PATH; fi
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release "$@" >/dev/null
cmake --build build -j"$(nproc)"
