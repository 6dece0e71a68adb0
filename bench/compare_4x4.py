#!/usr/bin/env python3
"""Compares the 4x4 entries of an engine 2D table with the published 4x4 K table (OACC K-4x4.csv =
pybdm ctm-b2-d4x4): share of the 65,536 arrays present, Spearman and Pearson correlation of K over
the common arrays, the largest differences. ENGINE is either `ctm export` TSV (key, count, K: whole
4x4 outputs, K of the whole table) or a `ctm blocks2d` table (key, K; .gz read too).
Usage: compare_4x4.py ENGINE.tsv[.gz] PUBLISHED.csv [N largest differences, default 5] [OTHER.tsv[.gz]]
(OTHER: also report the correlations on the arrays OTHER has, to compare two engine tables.)"""
import gzip
import sys


def ranks(values):
    order = sorted(range(len(values)), key=lambda i: values[i])
    r = [0.0] * len(values)
    i = 0
    while i < len(order):  # average ranks over ties
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for t in range(i, j + 1):
            r[order[t]] = (i + j) / 2.0
        i = j + 1
    return r


def pearson(a, b):
    n = len(a)
    ma, mb = sum(a) / n, sum(b) / n
    cov = sum((x - ma) * (y - mb) for x, y in zip(a, b))
    va = sum((x - ma) ** 2 for x in a)
    vb = sum((y - mb) ** 2 for y in b)
    return cov / (va * vb) ** 0.5


def main():
    engine = {}
    opener = gzip.open if sys.argv[1].endswith(".gz") else open
    for line in opener(sys.argv[1], "rt"):
        if line.startswith("#"):
            continue
        fields = line.rstrip("\n").split("\t")
        key, k = fields[0], fields[-1]
        rows = key.split("-")
        if len(rows) == 4 and all(len(r) == 4 for r in rows):
            engine["".join(rows)] = float(k)
    published = {}
    for line in open(sys.argv[2]):
        key, k = line.strip().split(",")
        published[key] = float(k)
    common = sorted(set(engine) & set(published))
    print(f"published 4x4 blocks: {len(published)}; engine 4x4 outputs: {len(engine)}; common: {len(common)}"
          f" ({100.0 * len(common) / len(published):.1f}% of the published blocks)")
    a = [engine[c] for c in common]
    b = [published[c] for c in common]
    print(f"Spearman rank correlation of K over the common blocks: {pearson(ranks(a), ranks(b)):.4f}")
    print(f"Pearson correlation of K: {pearson(a, b):.4f}")
    # As BDM uses the table: arrays missing from the engine table imputed as its max K + 1.
    imputed_k = max(engine.values()) + 1
    keys = sorted(published)
    ai = [engine.get(c, imputed_k) for c in keys]
    bi = [published[c] for c in keys]
    print(f"all {len(keys)} published arrays, missing ones at max K + 1 = {imputed_k:.3f}: "
          f"Spearman {pearson(ranks(ai), ranks(bi)):.4f}, Pearson {pearson(ai, bi):.4f}")
    if len(sys.argv) > 4:  # restrict to the arrays another engine table has (same comparison set)
        other = set()
        op = gzip.open if sys.argv[4].endswith(".gz") else open
        for line in op(sys.argv[4], "rt"):
            if not line.startswith("#"):
                key = line.split("\t")[0]
                if len(key) == 19:
                    other.add(key.replace("-", ""))
        sub = [c for c in common if c in other]
        sa, sb = [engine[c] for c in sub], [published[c] for c in sub]
        print(f"on the {len(sub)} arrays also in {sys.argv[4]}: Spearman {pearson(ranks(sa), ranks(sb)):.4f}, "
              f"Pearson {pearson(sa, sb):.4f}")
    # Largest rank differences (after centring K on its mean in each table).
    ma, mb = sum(a) / len(a), sum(b) / len(b)
    diffs = sorted(((x - ma) - (y - mb), c) for x, y, c in zip(a, b, common))
    top = int(sys.argv[3]) if len(sys.argv) > 3 else 5
    print(f"{top} largest centred differences |engine - published|:")
    for _, d, c in sorted(((abs(d), d, c) for d, c in diffs), reverse=True)[:top]:
        rows = "-".join(c[i:i + 4] for i in range(0, 16, 4))
        print(f"  {rows}: engine K {engine[c]:.3f}, published K {published[c]:.3f}, centred difference {d:+.3f}")


if __name__ == "__main__":
    main()
