#!/usr/bin/env bash
# The Python package's tests (docs/python.md): a fresh virtual environment in build/pyvenv, the
# package built and installed by `pip install .` (scikit-build-core; build folder build/py reused,
# ccache when present, CUDA off unless CTM_PY_CUDA=1: the CUDA kernels are covered by the C++ build),
# pytest with pybdm 0.1.0 from PyPI side by side. Needs the CLI build/ctm (scripts/build.sh) for the
# CLI comparisons. Fails when pytest fails, collects nothing, or skips what must run.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=build/pyvenv
if [ ! -x build/ctm ]; then
  echo "test_python.sh: build/ctm is missing: run scripts/build.sh first" >&2
  exit 1
fi
python3 -m venv --clear "$venv"
pip=("$venv/bin/python" -m pip install -q --disable-pip-version-check)
"${pip[@]}" "scikit-build-core>=0.10" "nanobind>=2.0" numpy pytest "pybdm==0.1.0" pandas matplotlib tqdm
config=(-C "build-dir=build/py/{wheel_tag}")
[ "${CTM_PY_CUDA:-0}" = 1 ] || config+=(-C cmake.define.CTM_WITH_CUDA=OFF)
command -v ccache >/dev/null && config+=(-C cmake.define.CMAKE_CXX_COMPILER_LAUNCHER=ccache)
"${pip[@]}" --no-build-isolation "${config[@]}" .
export CTM_CLI="$PWD/build/ctm" CTM_REQUIRE_CLI=1 CTM_REQUIRE_PYBDM=1 MPLBACKEND=Agg
log=build/pytest.log
status=0
# Run from outside the source tree so `import ctm` is the installed package.
(cd build && "../$venv/bin/python" -m pytest -p no:cacheprovider -q -rs ../tests/python) 2>&1 | tee "$log" || status=$?
if [ "$status" -ne 0 ]; then
  echo "test_python.sh: pytest failed (exit $status; 5 = no tests collected)" >&2
  exit 1
fi
if ! grep -Eq '^[0-9]+ passed' "$log" || grep -Eq 'skipped' "$log"; then
  echo "test_python.sh: tests were skipped or none passed (see $log)" >&2
  exit 1
fi
