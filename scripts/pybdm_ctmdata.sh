#!/usr/bin/env bash
# Prints a folder holding pybdm 0.1.0's ctmdata/*.pkl.gz (PyPI pybdm==0.1.0, MIT), for make_data.sh:
# the installed package's if there is one, else one unpacked from `pip download pybdm==0.1.0 --no-deps`
# under $1 (a scratch folder). The tables' sha256 are checked by make_data.sh, not here.
set -euo pipefail
scratch=${1:?usage: scripts/pybdm_ctmdata.sh SCRATCH_DIR}
# find_spec locates the package without importing it (pybdm 0.1.0 needs numpy < 1.24 to import).
dir=$(python3 -c 'import importlib.util, os, sys
s = importlib.util.find_spec("pybdm")
d = s and s.submodule_search_locations and os.path.join(list(s.submodule_search_locations)[0], "ctmdata")
print(d if d and os.path.isdir(d) else "")' 2>/dev/null || true)
if [ -n "$dir" ]; then echo "$dir"; exit 0; fi
mkdir -p "$scratch/pybdm-dist"
if ! python3 -m pip download pybdm==0.1.0 --no-deps -q -d "$scratch/pybdm-dist" >&2; then
  echo "make_data.sh: pybdm's tables are needed: install pybdm==0.1.0 (pip install pybdm==0.1.0) or allow" \
       "'pip download pybdm==0.1.0' to reach PyPI" >&2
  exit 1
fi
python3 - "$scratch/pybdm-dist" "$scratch/pybdm-ctmdata" <<'PY'
import os, sys, tarfile, zipfile
src, dst = sys.argv[1], sys.argv[2]
os.makedirs(dst, exist_ok=True)
for name in os.listdir(src):
    path = os.path.join(src, name)
    if name.endswith(".whl"):
        with zipfile.ZipFile(path) as z:
            members = [(m, z.read(m)) for m in z.namelist() if "/ctmdata/" in m and m.endswith(".pkl.gz")]
    elif name.endswith(".tar.gz"):
        with tarfile.open(path) as t:
            members = [(m.name, t.extractfile(m).read()) for m in t.getmembers() if m.isfile() and "/ctmdata/" in m.name and m.name.endswith(".pkl.gz")]
    else:
        continue
    for m, data in members:  # flat copies by base name only: no path from the archive is trusted
        with open(os.path.join(dst, os.path.basename(m)), "wb") as f:
            f.write(data)
if not any(n.endswith(".pkl.gz") for n in os.listdir(dst)):
    sys.exit("make_data.sh: no ctmdata/*.pkl.gz in the downloaded pybdm 0.1.0")
PY
echo "$scratch/pybdm-ctmdata"
