#!/usr/bin/env bash
# Regenerates the engine's own tables in data/ and their SHA-256 checksums (data/SHA256SUMS).
# The tables are deterministic: the same bytes' counts from any machine, backend or thread count
# (file bytes differ only in the recorded wall time and backend).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x build/ctm ] || bash scripts/build.sh
mkdir -p data
for n in 1 2 3 4 5; do ./build/ctm enumerate -q --states $n --symbols 2 --out data/d$n-2.ctm; done
for nk in "2 3" "3 3" "2 4"; do
  set -- $nk
  ./build/ctm enumerate -q --states $1 --symbols $2 --cutoff 500 --out data/d$1-$2.ctm
done
# The default 2D block table of ctm bdm: whole outputs of (4,2)_2D at T = 1000 (about 5 minutes on
# 2 threads; the intermediate (4,2)_2D table is not kept), every block shape 1x1..4x4 (docs/tables.md).
tmp2d=$(mktemp -d)
./build/ctm enumerate -q --dims 2 --states 4 --symbols 2 --cutoff 1000 --out "$tmp2d/t42-1000.ctm"
./build/ctm blocks2d -q --max 4x4 --mode whole --out data/ctm-2d-blocks-4x4.tsv.gz "$tmp2d/t42-1000.ctm"
rm -rf "$tmp2d"
python3 scripts/convert_pybdm_table.py ../shared/anchors-data/pybdm__ctm-b4-d12.pkl.gz data/pybdm-ctm-b4-d12.tsv.gz
python3 scripts/convert_pybdm_table.py ../shared/anchors-data/pybdm__ctm-b2-d4x4.pkl.gz data/pybdm-ctm-b2-d4x4.tsv.gz
# pybdm 0.1.0's 5-, 6- and 9-symbol tables (D(4,5), D(4,6), D(4,9)): from the installed package, or
# from `pip download pybdm==0.1.0`; the sources must be the files data/README.md cites.
tmppy=$(mktemp -d)
ctmdata=$(bash scripts/pybdm_ctmdata.sh "$tmppy")
(cd "$ctmdata" && sha256sum -c --quiet - <<'SUMS'
aae3c982a19450a3432bc9d33b32d99c49e33e3823e87697ef8214935f562014  ctm-b5-d12.pkl.gz
02fa3559ab80e80ed3ce876d8970d13c93957663fc18f0a3ccdd2b794539e53d  ctm-b6-d12.pkl.gz
2ffc80f22bbfffac3a31c4cf0afb1fba0f7ba49e350190c4d5b7910c4c3579a2  ctm-b9-d12.pkl.gz
SUMS
) || { echo "make_data.sh: $ctmdata does not hold pybdm 0.1.0's tables (sha256 mismatch)" >&2; exit 1; }
for k in 5 6 9; do python3 scripts/convert_pybdm_table.py "$ctmdata/ctm-b$k-d12.pkl.gz" data/pybdm-ctm-b$k-d12.tsv.gz; done
rm -rf "$tmppy"
(cd data && sha256sum d*.ctm pybdm-*.tsv.gz ctm-2d-blocks-4x4.tsv.gz > SHA256SUMS)
cat data/SHA256SUMS
