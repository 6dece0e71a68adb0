#!/usr/bin/env python3
"""The collapse loops of bench/bench_collapse.cpp in NumPy, on the same machine, for the ratio in
docs/benchmarks.md: Wright-Fisher (N=1000, K=100) and 1-D Gaussian refit (M=100), cheap metrics
(entropy, Gini-Simpson, support / mean drift, variance ratio) every generation. Two styles: a loop
per replicate (how the published experiments are usually written) and vectorised over replicates."""
import sys
import time

import numpy as np

R, G = 200, 100


def wf_loop(rng, n=1000, k=100):
    for _ in range(R):
        p = np.full(k, 1.0 / k)
        for _ in range(G):
            p = rng.multinomial(n, p) / n
            nz = p[p > 0]
            _h = -(nz * np.log2(nz)).sum()
            _g = 1 - (p * p).sum()
            _s = nz.size


def wf_vectorised(rng, n=1000, k=100):
    p = np.full((R, k), 1.0 / k)
    for _ in range(G):
        p = rng.multinomial(n, p) / n
        with np.errstate(divide="ignore", invalid="ignore"):
            _h = -np.where(p > 0, p * np.log2(p), 0).sum(axis=1)
        _g = 1 - (p * p).sum(axis=1)
        _s = (p > 0).sum(axis=1)


def gauss_loop(rng, m=100):
    for _ in range(R):
        mu, s2 = 0.0, 1.0
        for _ in range(G):
            x = rng.normal(mu, np.sqrt(s2), m)
            mu, s2 = x.mean(), x.var()
            _d = mu * mu
            _r = s2


def gauss_vectorised(rng, m=100):
    mu, s2 = np.zeros(R), np.ones(R)
    for _ in range(G):
        x = mu[:, None] + np.sqrt(s2)[:, None] * rng.standard_normal((R, m))
        mu, s2 = x.mean(axis=1), x.var(axis=1)
        _d = mu * mu
        _r = s2


def main():
    rng = np.random.default_rng(1)
    print(f"numpy {np.__version__}, {R} replicates x {G} generations per run")
    for name, fn in [("wright_fisher_loop", wf_loop), ("wright_fisher_vectorised", wf_vectorised),
                     ("gaussian_loop", gauss_loop), ("gaussian_vectorised", gauss_vectorised)]:
        best = float("inf")
        for _ in range(3):
            t0 = time.perf_counter()
            fn(rng)
            best = min(best, time.perf_counter() - t0)
        print(f"{name:28s} {R * G / best:12.0f} replicate-generations/s ({best:.3f} s)")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
