#!/usr/bin/env bash
# Builds ctm and ctm_gpu_tests for sm_90 (H100/H200) HERE and puts them, with the shared libraries
# they need beyond glibc/libstdc++, into .device-bin/ (git-ignored): carry that folder to a lent GPU
# machine and run `CTM_BIN_DIR=.device-bin bash bench/device_check.sh "$OUT"` there, so no device
# minute goes to compiling. MPI is left out (one process on the device).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=/usr/local/cuda/bin:$PATH
command -v nvcc >/dev/null || { echo "prepare_device_bin.sh: nvcc not found" >&2; exit 1; }
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake -S . -B build-sm90 -DCMAKE_BUILD_TYPE=Release -DCMAKE_CUDA_ARCHITECTURES=90 -DCTM_WITH_MPI=OFF \
  -DCTM_BUILD_TESTS=ON -DCTM_BUILD_BENCH=OFF "${launcher[@]}" >/dev/null
cmake --build build-sm90 -j"$(nproc)" --target ctm ctm_gpu_tests
d=.device-bin
rm -rf "$d"; mkdir -p "$d/lib"
cp build-sm90/ctm build-sm90/tests/ctm_gpu_tests "$d/"
for f in "$d/ctm" "$d/ctm_gpu_tests"; do
  ldd "$f" | awk '/=> \// {print $3}' | grep -Ev '/(libc|libm|libstdc\+\+|libgcc_s|libpthread|libdl|librt)\.so' |
    xargs -r -I{} cp -L {} "$d/lib/"
done
git rev-parse --short HEAD >"$d/COMMIT"
grep -qx '/.device-bin/' .git/info/exclude 2>/dev/null || echo '/.device-bin/' >> .git/info/exclude
du -sh "$d"; ls "$d" "$d/lib"
