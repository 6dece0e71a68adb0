#!/usr/bin/env python3
"""Converts a pybdm CTM table (gzip pickle of {shape: {normalised key: K}}) to `key<TAB>K` text.

Usage: scripts/convert_pybdm_table.py IN.pkl.gz OUT.tsv[.gz]
Only collections.defaultdict, collections.OrderedDict and builtins.dict may be unpickled, so a
crafted file cannot run code. Rows keep the pickle's order; K is printed with repr (round-trips).
"""
import collections
import gzip
import hashlib
import io
import os
import pickle
import sys

ALLOWED = {("collections", "defaultdict"), ("collections", "OrderedDict"), ("builtins", "dict")}


class RestrictedUnpickler(pickle.Unpickler):
    def find_class(self, module, name):
        if (module, name) in ALLOWED:
            return getattr(__import__(module), name)
        raise pickle.UnpicklingError(f"class {module}.{name} is not allowed in a CTM table")


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    src, dst = sys.argv[1], sys.argv[2]
    raw = open(src, "rb").read()
    table = RestrictedUnpickler(io.BytesIO(gzip.decompress(raw))).load()
    lines = [f"# converted from {os.path.basename(src)} (sha256 {hashlib.sha256(raw).hexdigest()}) by scripts/convert_pybdm_table.py\n"]
    rows = 0
    for shape in sorted(table, key=lambda s: (len(s), s)):
        for key, k in table[shape].items():
            lines.append(f"{key}\t{float(k)!r}\n")
            rows += 1
    data = "".join(lines).encode()
    if dst.endswith(".gz"):
        data = gzip.compress(data, compresslevel=9, mtime=0)  # mtime 0: same bytes every run
    with open(dst, "wb") as f:
        f.write(data)
    print(f"{dst}: {rows} rows, sha256 {hashlib.sha256(data).hexdigest()}")


if __name__ == "__main__":
    main()
