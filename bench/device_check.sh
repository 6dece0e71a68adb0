#!/usr/bin/env bash
# The GPU check (issue 10, point 5), for a machine with an NVIDIA GPU: the `gpu` tests (CUDA tables
# equal to the CPU's, count for count, both GPU designs), `ctm bench --suite standard` (each workload
# on the CPU with all cores and on the GPU, the walk as `cuda:0` and the wavefront as
# `cuda-wavefront:0` for 1D enumerations: wall, steps/s, partial machines/s, machines/s, GPU/CPU
# ratio, table check) and, per workload, the kernel's active threads per warp from
# `ncu --clock-control none` (the walk, the sampler and the wavefront's level kernel).
# Ends with one summary table and exits non-zero when anything failed or was skipped.
#
# Binaries: from $CTM_BIN_DIR when set (built elsewhere by bench/prepare_device_bin.sh, the quick
# way on a lent machine whose minutes count), else built here for sm_90 (deps from the system or
# .device-deps, bench/prepare_device_deps.sh). Usage: bash bench/device_check.sh [outdir]
# Environment: CTM_BENCH_SUITE (standard), CTM_NCU (1: profile; 0: skip), CTM_STEP_TIMEOUT (s, 400).
set -uo pipefail
cd "$(dirname "$0")/.."
out=${1:-${OUT:-/tmp/ctm-device}}
mkdir -p "$out"
export PATH=/usr/local/cuda/bin:$PATH
suite=${CTM_BENCH_SUITE:-standard}
step_timeout=${CTM_STEP_TIMEOUT:-400}
t0=$(date +%s)
status=0
if [ -n "${CTM_BIN_DIR:-}" ]; then
  bin=$(cd "$CTM_BIN_DIR" && pwd)
  [ -d "$bin/lib" ] && export LD_LIBRARY_PATH="$bin/lib:${LD_LIBRARY_PATH:-}"
else
  deps=()
  [ -d .device-deps ] && deps=(-DCTM_DEPS_DIR="$PWD/.device-deps") && export LD_LIBRARY_PATH="$PWD/.device-deps/lib:${LD_LIBRARY_PATH:-}"
  cmake -S . -B build-device -DCMAKE_BUILD_TYPE=Release -DCMAKE_CUDA_ARCHITECTURES=90 -DCTM_BUILD_BENCH=OFF "${deps[@]}" \
    >"$out/configure.log" 2>&1 || { tail -20 "$out/configure.log"; exit 1; }
  cmake --build build-device -j"$(nproc)" --target ctm ctm_gpu_tests >"$out/build.log" 2>&1 || { tail -40 "$out/build.log"; exit 1; }
  bin=$PWD/build-device
  cp build-device/tests/ctm_gpu_tests "$bin/" 2>/dev/null
  echo "build: $(( $(date +%s) - t0 )) s"
fi
{ nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader; "$bin/ctm" --version;
  cat "$bin/COMMIT" 2>/dev/null || git rev-parse --short HEAD 2>/dev/null; date -u; } | tee "$out/machine.txt"

# The probe first: without a usable device every gpu test would skip and look green.
if ! timeout 120 "$bin/ctm" enumerate -n 2 -k 2 --backend cuda -q -o "$out/probe.ctm" >"$out/probe.log" 2>&1; then
  echo "FAIL: no usable CUDA device: $(tail -1 "$out/probe.log")"
  exit 1
fi
timeout "$step_timeout" "$bin/ctm_gpu_tests" --gtest_brief=1 >"$out/gpu-tests.log" 2>&1
[ $? -eq 0 ] || { echo "FAIL: gpu tests failed"; tail -30 "$out/gpu-tests.log"; status=1; }
if grep -q "SKIPPED" "$out/gpu-tests.log"; then echo "FAIL: gpu tests were skipped"; status=1; fi
grep -E "^\[  (PASSED|FAILED) " "$out/gpu-tests.log"

# The throughput table: every workload on the CPU (all cores) and the GPU, tables compared.
timeout "$step_timeout" "$bin/ctm" bench --suite "$suite" --json "$out/bench.json" 2>&1 | tee "$out/bench.txt"
[ "${PIPESTATUS[0]}" -eq 0 ] || { echo "FAIL: ctm bench failed"; status=1; }

# Active threads per warp of the walk/sample kernels, one ncu run per workload (the longest launch
# of the first few is enough: the ratio is a property of the design, not of one batch).
ncu_table="$out/ncu.txt"
: >"$ncu_table"
if [ "${CTM_NCU:-1}" = 1 ] && command -v ncu >/dev/null; then
  profile() {  # name, then the ctm arguments; LAUNCHES=n profiles n launches (default 3)
    local name=$1; shift
    timeout 300 ncu --clock-control none --launch-count "${LAUNCHES:-3}" -k 'regex:walk|sample|wave_level' \
      --metrics smsp__thread_inst_executed_per_inst_executed.ratio,sm__warps_active.avg.pct_of_peak_sustained_active,gpu__time_duration.sum \
      --csv "$bin/ctm" "$@" --backend cuda -q -o "$out/ncu.ctm" >"$out/ncu-$name.csv" 2>"$out/ncu-$name.err"
    awk -F'","' -v w="$name" '/smsp__thread_inst_executed_per_inst_executed.ratio/ {gsub(/"/, "", $NF); s += $NF; n++}
      END { if (n) printf "%-28s %6.2f active threads per warp (of 32, %d launches)\n", w, s / n, n;
            else printf "%-28s ncu gave no figure (see ncu-%s.err)\n", w, w }' "$out/ncu-$name.csv" | tee -a "$ncu_table"
  }
  profile "D(5,2)" enumerate -n 5 -k 2
  # The wavefront design (docs/gpu.md, "Converged warps"): its level kernel, the first 8 level
  # launches (levels 5 to 9 of D(5,2); level 9 holds most of the steps). Predicted: >= 16 of 32.
  LAUNCHES=8 profile "D(5,2)-wavefront" enumerate -n 5 -k 2 --gpu-design wavefront
  profile "D(6,2)-shard0of128" enumerate -n 6 -k 2 -T 1000 --shard 0/128
  profile "(4,2)_2D" enumerate -n 4 -k 2 --dims 2 -T 500
  profile "sample-(4,4)" sample -n 4 -k 4 -T 2000 --machines 10000000 --seed 1
else
  echo "ncu skipped (CTM_NCU=0 or no ncu)" | tee "$ncu_table"
fi

echo
echo "== summary ($(cat "$bin/COMMIT" 2>/dev/null || git rev-parse --short HEAD 2>/dev/null), $(date -u +%F)) =="
head -2 "$out/machine.txt"
grep -E "^\[  (PASSED|FAILED) " "$out/gpu-tests.log"
sed -n '/^workload/,$p' "$out/bench.txt"
cat "$ncu_table"
echo "total: $(( $(date +%s) - t0 )) s"
[ "$status" -eq 0 ] && echo "device check: OK" || echo "device check: FAILED (see above)"
tar -czf "$out/device-check.tgz" -C "$out" --exclude='*.ctm' --exclude='device-check.tgz' . 2>/dev/null
exit "$status"
