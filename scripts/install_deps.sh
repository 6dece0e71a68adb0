#!/usr/bin/env bash
# Installs the Debian packages ctm builds with, only those missing (needs root or sudo).
# Optional ones (toml++: TOML collapse configs; Open MPI: `mpirun ctm ...` and its tests; clang: scripts/fuzz.sh) are tried too; without them ctm still builds, and the
# features that need them say so.
set -euo pipefail
pkgs=(cmake g++ make pkg-config libgtest-dev libbenchmark-dev libzstd-dev zlib1g-dev libcli11-dev nlohmann-json3-dev)
optional=(libtomlplusplus-dev libopenmpi-dev openmpi-bin clang)
missing=()
for p in "${pkgs[@]}" "${optional[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  echo "ctm: installing ${missing[*]}" >&2
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  if ! DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null; then
    # Retry without the optional packages, so that one of them missing from a mirror is not fatal.
    required=()
    for p in "${missing[@]}"; do [[ " ${optional[*]} " == *" $p "* ]] || required+=("$p"); done
    echo "ctm: warning: could not install all of ${missing[*]}; retrying without the optional ones" >&2
    [ ${#required[@]} -eq 0 ] || DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${required[@]}" >/dev/null
  fi
fi
