#!/usr/bin/env python3
"""The collapse loops of bench/bench_collapse.cpp in NumPy, on the same machine, for the ratio in
docs/benchmarks.md: Wright-Fisher (N=1000, K=100) and 1-D Gaussian refit (M=100), with the metrics the
C++ side's light_metrics computes, every generation (Wright-Fisher: entropy, Miller-Madow entropy,
Gini-Simpson, support, mean, mean drift, variance ratio, fixed, total mass; Gaussian: mean drift,
sigma, variance ratio, log variance ratio, entropy). Two styles: a loop per replicate (how the
published experiments are usually written) and vectorised over replicates (the fastest fair peer).
The Gaussian loop also comes drawing each batch's sufficient statistics (mean, sum of squares) from
their exact law instead of the M items, as ctm's 1-D replace path does: that is the like-for-like peer.
Each run is repeated REPS times; the median is printed."""
import statistics
import sys
import time

import numpy as np

R, G, REPS = 200, 100, 11
LN2 = np.log(2.0)


def wf_loop(rng, n=1000, k=100):
    values = np.arange(k, dtype=float)
    for _ in range(R):
        p = np.full(k, 1.0 / k)
        mean0 = p @ values
        var0 = p @ (values - mean0) ** 2
        for _ in range(G):
            p = rng.multinomial(n, p) / n
            nz = p[p > 0]
            h = -(nz * np.log2(nz)).sum()
            s = nz.size
            _hmm = h + (s - 1) / (2 * n * LN2)
            _g = 1 - (p * p).sum()
            mean = p @ values
            _d = (mean - mean0) ** 2
            _v = (p @ (values - mean) ** 2) / var0
            _f = s == 1
            _t = p.sum()


def wf_vectorised(rng, n=1000, k=100):
    values = np.arange(k, dtype=float)
    p = np.full((R, k), 1.0 / k)
    mean0 = p @ values
    var0 = ((values[None, :] - mean0[:, None]) ** 2 * p).sum(axis=1)
    for _ in range(G):
        p = rng.multinomial(n, p) / n
        with np.errstate(divide="ignore", invalid="ignore"):
            h = -np.where(p > 0, p * np.log2(p), 0).sum(axis=1)
        s = (p > 0).sum(axis=1)
        _hmm = h + (s - 1) / (2 * n * LN2)
        _g = 1 - (p * p).sum(axis=1)
        mean = p @ values
        _d = (mean - mean0) ** 2
        _v = ((values[None, :] - mean[:, None]) ** 2 * p).sum(axis=1) / var0
        _f = s == 1
        _t = p.sum(axis=1)


def gauss_loop(rng, m=100):
    for _ in range(R):
        mu, s2 = 0.0, 1.0
        for _ in range(G):
            x = rng.normal(mu, np.sqrt(s2), m)
            mu, s2 = x.mean(), x.var()
            _d = mu * mu
            _s = np.sqrt(s2)
            _r = s2
            _l = np.log(s2)
            _h = 0.5 * np.log2(2 * np.pi * np.e * s2)


def gauss_vectorised(rng, m=100):
    mu, s2 = np.zeros(R), np.ones(R)
    for _ in range(G):
        x = mu[:, None] + np.sqrt(s2)[:, None] * rng.standard_normal((R, m))
        mu, s2 = x.mean(axis=1), x.var(axis=1)
        _d = mu * mu
        _s = np.sqrt(s2)
        _r = s2
        _l = np.log(s2)
        _h = 0.5 * np.log2(2 * np.pi * np.e * s2)


def gauss_sufficient_loop(rng, m=100):
    # The same law as drawing m items, via the batch's sufficient statistics (what ctm does):
    # mean ~ N(mu, s2 / m), sum of squares ~ s2 chi-square(m - 1).
    for _ in range(R):
        mu, s2 = 0.0, 1.0
        for _ in range(G):
            mu = mu + np.sqrt(s2 / m) * rng.standard_normal()
            s2 = s2 * rng.chisquare(m - 1) / m
            _d = mu * mu
            _s = np.sqrt(s2)
            _r = s2
            _l = np.log(s2)
            _h = 0.5 * np.log2(2 * np.pi * np.e * s2)


def gauss_sufficient_vectorised(rng, m=100):
    mu, s2 = np.zeros(R), np.ones(R)
    for _ in range(G):
        mu = mu + np.sqrt(s2 / m) * rng.standard_normal(R)
        s2 = s2 * rng.chisquare(m - 1, R) / m
        _d = mu * mu
        _s = np.sqrt(s2)
        _r = s2
        _l = np.log(s2)
        _h = 0.5 * np.log2(2 * np.pi * np.e * s2)


def main():
    rng = np.random.default_rng(1)
    print(f"numpy {np.__version__}, {R} replicates x {G} generations per run, median of {REPS}")
    for name, fn in [("wright_fisher_loop", wf_loop), ("wright_fisher_vectorised", wf_vectorised),
                     ("gaussian_loop", gauss_loop), ("gaussian_vectorised", gauss_vectorised),
                     ("gaussian_sufficient_loop", gauss_sufficient_loop),
                     ("gaussian_sufficient_vectorised", gauss_sufficient_vectorised)]:
        times = []
        for _ in range(REPS):
            t0 = time.perf_counter()
            fn(rng)
            times.append(time.perf_counter() - t0)
        med = statistics.median(times)
        print(f"{name:32s} {R * G / med:12.0f} replicate-generations/s (median {med:.3f} s, "
              f"min {min(times):.3f} s)")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
