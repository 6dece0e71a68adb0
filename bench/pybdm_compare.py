#!/usr/bin/env python3
"""Times pybdm 0.1.0 on the workloads of bench/bench_bdm.cpp (docs/benchmarks.md, section BDM).

Single-threaded. Where pybdm is too slow for the full size it runs a smaller input and the time
is scaled linearly to the full size (BDM work is linear in the number of cells); each line says so.
Run: pip install pybdm "numpy<1.24"; python3 bench/pybdm_compare.py
"""
import time

import numpy as np

if "int" not in np.__dict__:
    np.int = int  # pybdm 0.1.0 needs it on numpy >= 1.24
from pybdm import BDM, PerturbationExperiment, options  # noqa: E402
from pybdm.partitions import PartitionCorrelated  # noqa: E402

options.set(raise_if_zero=False, warn_if_missing_ctm=False)
rng = np.random.default_rng(1)


def timed(fn):
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def report(name, full, measured, seconds):
    scale = full / measured
    note = "" if scale == 1 else f" (measured on {measured:g}, scaled x{scale:g})"
    print(f"{name}\t{seconds * scale:.3f} s{note}", flush=True)


b1 = BDM(ndim=1)
b1c = BDM(ndim=1, partition=PartitionCorrelated, shift=1)
b2 = BDM(ndim=2)
b2c = BDM(ndim=2, partition=PartitionCorrelated, shift=1)

n = 2000
strings = [rng.integers(0, 2, 1000) for _ in range(n)]
report("1e5 strings x 1000, block 12, ignore", 1e5, n, timed(lambda: [b1.bdm(s) for s in strings]))

seq = rng.integers(0, 2, 1_000_000)
report("1e7-symbol sequence, ignore", 1e7, 1e6, timed(lambda: b1.bdm(seq)))
seq = rng.integers(0, 2, 100_000)
report("1e7-symbol sequence, correlated shift 1", 1e7, 1e5, timed(lambda: b1c.bdm(seq)))

arr = rng.integers(0, 2, (1024, 1024))
report("2048x2048 array, 4x4, ignore", 2048 * 2048, 1024 * 1024, timed(lambda: b2.bdm(arr)))
arr = rng.integers(0, 2, (256, 256))
report("2048x2048 array, 4x4, correlated shift 1", 2048 * 2048, 256 * 256, timed(lambda: b2c.bdm(arr)))

X = rng.integers(0, 2, (64, 64))


def perturb():
    pe = PerturbationExperiment(b2, X.copy())
    pe.run()


report("perturbation 256x256, 4x4 ignore, every cell", 256 * 256, 64 * 64, timed(perturb))
