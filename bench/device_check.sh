#!/usr/bin/env bash
# The GPU check, for a fresh machine with an NVIDIA GPU (sm_90 = H100/H200), nvcc and CMake:
# builds for sm_90, runs the `gpu` tests (CUDA tables equal to the CPU's, count for count: enumeration
# 1D and 2D, and sampling) and the CUDA benchmarks (bench_enumerate, bench_2d_sample's BM_Enumerate2dCuda
# and BM_SampleCuda), and prints
# a short summary table. Dependencies come from the system or from .device-deps
# (bench/prepare_device_deps.sh). Usage: bash bench/device_check.sh [outdir]
set -uo pipefail
cd "$(dirname "$0")/.."
out=${1:-${OUT:-/tmp/ctm-device}}
mkdir -p "$out"
export PATH=/usr/local/cuda/bin:$PATH
deps=()
[ -d .device-deps ] && deps=(-DCTM_DEPS_DIR="$PWD/.device-deps") && export LD_LIBRARY_PATH="$PWD/.device-deps/lib:${LD_LIBRARY_PATH:-}"
[ -f .device-deps/lib/libbenchmark.so.1debian ] && ln -sf libbenchmark.so.1debian .device-deps/lib/libbenchmark.so.1
t0=$(date +%s)
status=0
{ nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader; nvcc --version | tail -1; git rev-parse --short HEAD 2>/dev/null; date -u; } | tee "$out/machine.txt"
cmake -S . -B build-device -DCMAKE_BUILD_TYPE=Release -DCMAKE_CUDA_ARCHITECTURES=90 "${deps[@]}" >"$out/configure.log" 2>&1 || { tail -20 "$out/configure.log"; exit 1; }
cmake --build build-device -j"$(nproc)" --target ctm ctm_gpu_tests bench_enumerate bench_2d_sample >"$out/build.log" 2>&1 || { tail -40 "$out/build.log"; exit 1; }
echo "build: $(( $(date +%s) - t0 )) s"
# The probe first: without a usable device every gpu test would skip and ctest would report green.
./build-device/ctm enumerate -n 2 -k 2 --backend cuda -o "$out/probe.ctm" >"$out/probe.log" 2>&1
probe=$?
if [ "$probe" -ne 0 ]; then
  echo "FAIL: no usable CUDA device: $(tail -1 "$out/probe.log")"
  status=1
fi
(cd build-device && ctest -L gpu --output-on-failure --timeout 300) 2>&1 | tee "$out/gpu-tests.log" | tail -15
[ "${PIPESTATUS[0]}" -eq 0 ] || { echo "FAIL: gpu tests failed"; status=1; }
if grep -qE "\(Skipped\)|[1-9][0-9]* tests? skipped|Not Run" "$out/gpu-tests.log"; then
  echo "FAIL: gpu tests were skipped (no device, or a driver older than the CUDA runtime): see $out/gpu-tests.log"
  status=1
fi
if ! grep -q "tests passed" "$out/gpu-tests.log"; then echo "FAIL: no gpu test ran"; status=1; fi
./build-device/bench/bench_enumerate --benchmark_filter='Cuda|BM_EnumerateCpu/5/2/500' \
  --benchmark_out="$out/bench.json" --benchmark_out_format=json 2>&1 | tee "$out/bench.txt"
./build-device/bench/bench_2d_sample --benchmark_filter='BM_SampleCuda|BM_SampleCpu/5/2/1/500|BM_Enumerate2dCuda|BM_Enumerate2dCpu/4/2/100' \
  --benchmark_out="$out/bench-sample.json" --benchmark_out_format=json 2>&1 | tee "$out/bench-sample.txt"
echo
echo "== summary (commit $(git rev-parse --short HEAD 2>/dev/null), $(date -u +%F)) =="
grep -E "tests passed|tests failed" "$out/gpu-tests.log"
grep -hE "^BM_" "$out/bench.txt" "$out/bench-sample.txt" | awk '{printf "%-44s %12s %s\n", $1, $2, $3}'
echo "total: $(( $(date +%s) - t0 )) s"
[ "$status" -eq 0 ] && echo "device check: OK" || echo "device check: FAILED (see above)"
exit "$status"
