#!/usr/bin/env python3
"""Turns pybdm's older D(5,2) probability table into exact integer counts (tests/data/pybdm_d5_counts.tsv).

Source: ../shared/anchors-data/pybdm-3b69065__ctm-b2-d12_D-probabilities.pickle (sztal/pybdm @ 3b690656,
bdm/ctmdata/ctm-b2-d12.pickle, MIT; sha256 428c0a7a4f2b1b9daf55f41024ea5da8c9e29d1f66ba83ba86ca00df0522d309).
It maps every binary string starting with 1, of length 1..12, to D(5)(s) with 15 significant digits; with
H = 13 794 527 777 344 halting runs, D*H is an integer to within 1e-3 for every entry (checked here).
"""
import hashlib
import pickle
import sys

H = 13794527777344
SHA256 = "428c0a7a4f2b1b9daf55f41024ea5da8c9e29d1f66ba83ba86ca00df0522d309"


class DictOnly(pickle.Unpickler):
    def find_class(self, module, name):
        if (module, name) == ("builtins", "dict"):
            return dict
        raise pickle.UnpicklingError(f"refusing {module}.{name}")


def main():
    src = sys.argv[1] if len(sys.argv) > 1 else "../shared/anchors-data/pybdm-3b69065__ctm-b2-d12_D-probabilities.pickle"
    dst = sys.argv[2] if len(sys.argv) > 2 else "tests/data/pybdm_d5_counts.tsv"
    raw = open(src, "rb").read()
    if hashlib.sha256(raw).hexdigest() != SHA256:
        sys.exit(f"{src}: unexpected sha256")
    table = DictOnly(__import__("io").BytesIO(raw)).load()
    rows = []
    for s, d in table.items():
        c = d * H
        if abs(c - round(c)) > 1e-2:
            sys.exit(f"{s}: D*H = {c} is not an integer")
        rows.append((len(s), s, round(c)))
    rows.sort()
    with open(dst, "w") as out:
        out.write(f"# D(5,2) counts from pybdm {SHA256[:12]}... (D*H, H = {H}); string<TAB>count\n")
        for _, s, c in rows:
            out.write(f"{s}\t{c}\n")
    print(f"{dst}: {len(rows)} rows")


if __name__ == "__main__":
    main()
