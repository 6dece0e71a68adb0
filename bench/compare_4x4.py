#!/usr/bin/env python3
"""Compares the 4x4 outputs of an engine 2D table (`ctm export` TSV) with the published 4x4 K table
(OACC K-4x4.csv = pybdm ctm-b2-d4x4): share of blocks present, Spearman rank correlation of K over
the common blocks, largest differences. Usage: compare_4x4.py ENGINE.tsv PUBLISHED.csv"""
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
    for line in open(sys.argv[1]):
        if line.startswith("#"):
            continue
        key, _count, k = line.rstrip("\n").split("\t")[:3]
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
    # Largest rank differences (after centring K on its mean in each table).
    ma, mb = sum(a) / len(a), sum(b) / len(b)
    diffs = sorted(((x - ma) - (y - mb), c) for x, y, c in zip(a, b, common))
    for d, c in diffs[:3] + diffs[-3:]:
        print(f"  {c}: engine K {engine[c]:.3f}, published K {published[c]:.3f}, centred difference {d:+.3f}")


if __name__ == "__main__":
    main()
