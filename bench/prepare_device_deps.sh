#!/usr/bin/env bash
# Copies the headers and libraries ctm builds with into .device-deps/ (git-ignored), for a machine
# that has nvcc and CMake but no package registry (the lent GPU machine). Run here, then name
# .device-deps in the device tool's `carry` and run bench/device_check.sh there.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install_deps.sh
d=.device-deps
rm -rf "$d"; mkdir -p "$d/include" "$d/lib"
cp -r /usr/include/CLI /usr/include/nlohmann /usr/include/gtest /usr/include/benchmark "$d/include/"
[ -d /usr/include/toml++ ] && cp -r /usr/include/toml++ "$d/include/"
cp /usr/include/zstd.h /usr/include/zstd_errors.h /usr/include/zdict.h /usr/include/zlib.h /usr/include/zconf.h "$d/include/"
lib=/usr/lib/x86_64-linux-gnu
cp $lib/libzstd.a $lib/libz.a $lib/libgtest.a $lib/libgtest_main.a $lib/libbenchmark.so.1debian "$d/lib/"
grep -qx '/.device-deps/' .git/info/exclude 2>/dev/null || echo '/.device-deps/' >> .git/info/exclude
du -sh "$d"
