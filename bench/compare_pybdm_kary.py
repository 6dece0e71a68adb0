#!/usr/bin/env python3
"""Compares a sampled ctm table of a k-symbol space with pybdm's published D(4,k) table (ctm-bK-d12).

Usage: ctm export SAMPLED.ctm > s.tsv
       python3 bench/compare_pybdm_kary.py s.tsv data/pybdm-ctm-bK-d12.tsv.gz --symbols K
Strings are grouped by normalised key (symbols relabelled by first appearance): every member of a
class has the same D by symbol symmetry, so the class total divided by its size k!/(k-u)! (u distinct
symbols) estimates D of each member; pybdm stores one K per normalised key. Reports coverage per
length, Spearman and Pearson correlations of K on common keys, and how often pybdm's K falls inside
the sample's 95% interval. Standard library only.
"""
import argparse
import gzip
import math
import sys
from collections import defaultdict


def normalize(s):
    seen = {}
    return "".join(seen.setdefault(c, str(len(seen))) for c in s)


def wilson(x, n, z=1.959963984540054):
    if n == 0:
        return 0.0, 1.0
    p = x / n
    den = 1 + z * z / n
    mid = (p + z * z / (2 * n)) / den
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / den
    return max(0.0, mid - half), min(1.0, mid + half)


def ranks(values):
    order = sorted(range(len(values)), key=lambda i: values[i])
    r = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for t in range(i, j + 1):
            r[order[t]] = (i + j) / 2 + 1
        i = j + 1
    return r


def pearson(a, b):
    n = len(a)
    ma, mb = sum(a) / n, sum(b) / n
    cov = sum((x - ma) * (y - mb) for x, y in zip(a, b))
    va = math.sqrt(sum((x - ma) ** 2 for x in a))
    vb = math.sqrt(sum((y - mb) ** 2 for y in b))
    return cov / (va * vb)


def main(argv=None):
    ap = argparse.ArgumentParser(description="sampled ctm table vs pybdm's D(4,k) table")
    ap.add_argument("sample_tsv", help="ctm export of the sampled table")
    ap.add_argument("pybdm_table", help="data/pybdm-ctm-bK-d12.tsv.gz (normalised key<TAB>K)")
    ap.add_argument("--symbols", "-k", type=int, required=True, help="alphabet size k of both tables")
    args = ap.parse_args(argv)
    ours_path, pybdm_path, k = args.sample_tsv, args.pybdm_table, args.symbols
    if not 2 <= k <= 10:
        ap.error("--symbols must be 2..10 (keys are decimal digits)")
    halting = None
    counts = defaultdict(int)
    for line in open(ours_path):
        if line.startswith("#"):
            if "halting runs H" in line:
                halting = int(line.split("halting runs H ")[1].split(",")[0])
            continue
        fields = line.rstrip("\n").split("\t")
        if fields[0] == "string":
            continue
        if any(int(c, 16) >= k for c in fields[0]):
            sys.exit(f"{ours_path}: output {fields[0]} has a symbol outside 0..{k - 1}: wrong --symbols?")
        counts[normalize(fields[0])] += int(fields[1])
    if halting is None:
        sys.exit("no 'halting runs H' comment in " + ours_path)
    pybdm = {}
    opener = gzip.open if pybdm_path.endswith(".gz") else open
    with opener(pybdm_path, "rt") as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            key, kv = line.split("\t")[:2]
            pybdm[key] = float(kv)

    def class_size(key):
        u = len(set(key))
        return math.perm(k, u)

    print(f"sample: H = {halting} halting runs, {len(counts)} normalised keys; pybdm: {len(pybdm)} keys")
    print("length | patterns in sample | in pybdm | in both | possible")
    possible = defaultdict(int)
    # number of normalised patterns of length L over k symbols = sum_{u<=k} S(L,u) (Stirling 2nd kind)
    for L in range(1, 13):
        s = [[0] * (k + 1) for _ in range(L + 1)]
        s[0][0] = 1
        for n in range(1, L + 1):
            for u in range(1, k + 1):
                s[n][u] = u * s[n - 1][u] + s[n - 1][u - 1]
        possible[L] = sum(s[L][1:])
    ours_by_len, py_by_len, both_by_len = defaultdict(int), defaultdict(int), defaultdict(int)
    for key in counts:
        ours_by_len[len(key)] += 1
        both_by_len[len(key)] += key in pybdm
    for key in pybdm:
        py_by_len[len(key)] += 1
    for L in range(1, 13):
        print(f"{L:6d} | {ours_by_len[L]:18d} | {py_by_len[L]:8d} | {both_by_len[L]:7d} | {possible[L]}")

    common = [key for key in counts if key in pybdm]
    ours_k, py_k, inside = [], [], 0
    strata = defaultdict(lambda: [0, 0])  # hits bucket -> [inside, total]
    for key in common:
        size = class_size(key)
        d = counts[key] / size / halting
        lo, hi = wilson(counts[key], halting)
        k_ours = -math.log2(d)
        k_hi, k_lo = -math.log2(lo / size), -math.log2(hi / size)
        ours_k.append(k_ours)
        py_k.append(pybdm[key])
        bucket = "1-9" if counts[key] < 10 else ("10-99" if counts[key] < 100 else (">=100" if counts[key] < 10000 else ">=10000"))
        strata[bucket][1] += 1
        if k_lo <= pybdm[key] <= k_hi:
            inside += 1
            strata[bucket][0] += 1
    print(f"common keys: {len(common)}")
    print(f"Spearman (K): {pearson(ranks(ours_k), ranks(py_k)):.4f}   Pearson (K): {pearson(ours_k, py_k):.4f}")
    print(f"pybdm K inside the sample's 95% interval: {inside}/{len(common)} = {inside / len(common):.3f}")
    for bucket in ("1-9", "10-99", ">=100", ">=10000"):
        if strata[bucket][1]:
            i, t = strata[bucket]
            print(f"  sample hits {bucket:>8}: pybdm K inside the interval for {i}/{t} = {i / t:.3f}")
    sel = [i for i, key in enumerate(common) if counts[key] >= 10]
    if len(sel) > 2:
        a, b = [ours_k[i] for i in sel], [py_k[i] for i in sel]
        print(f"keys seen >= 10 times: {len(sel)}, Spearman {pearson(ranks(a), ranks(b)):.4f}, Pearson {pearson(a, b):.4f}")
    well = [(o, p) for key, o, p in zip(common, ours_k, py_k) if counts[key] >= 100]
    if well:
        diffs = [o - p for o, p in well]
        print(f"keys seen >= 100 times: {len(well)}, mean K difference (sample - pybdm) {sum(diffs) / len(diffs):+.4f} bits, "
              f"max |difference| {max(abs(x) for x in diffs):.4f}")


if __name__ == "__main__":
    main()
