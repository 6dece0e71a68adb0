#!/usr/bin/env python3
"""Issue 15's goal, side by side in one run on one core: BDM of 1e5 binary strings of length 1000
held in a NumPy array, with ctm (Python package: one batch call, and a loop of bdm() calls) and with
pybdm 0.1.0 (a loop of bdm() calls, as pybdm users do). End to end from the NumPy array; checks the
values agree to 1e-9. Numbers: docs/benchmarks.md (section "Python package").
Run: bash scripts/test_python.sh (builds build/pyvenv), then
     build/pyvenv/bin/python bench/python_vs_pybdm.py [--n 100000] [--pybdm-n N]
--pybdm-n < n times pybdm on the first N strings and scales linearly (BDM work is linear in the
number of strings); the output says so."""
import argparse
import os
import platform
import time

import numpy as np

if "int" not in np.__dict__:
    np.int = int  # pybdm 0.1.0 needs it on numpy >= 1.24

os.environ.setdefault("OMP_NUM_THREADS", "1")
import ctm  # noqa: E402
import pybdm  # noqa: E402

pybdm.options.set(raise_if_zero=False, warn_if_missing_ctm=False)


def timed(fn):
    """(wall seconds, CPU seconds of this process, result): on a shared machine the CPU time is the
    steadier measure of single-threaded work."""
    t, c = time.perf_counter(), time.process_time()
    out = fn()
    return (time.perf_counter() - t, time.process_time() - c), out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--length", type=int, default=1000)
    ap.add_argument("--pybdm-n", type=int, default=None, help="strings timed with pybdm (default: all)")
    a = ap.parse_args()
    X = np.random.default_rng(2026).integers(0, 2, (a.n, a.length))
    print(f"# {a.n} strings x {a.length}, int64 NumPy array; one core; {platform.processor() or platform.machine()}, "
          f"python {platform.python_version()}, numpy {np.__version__}")
    cb = ctm.BDM(ndim=1, warn_if_missing_ctm=False)
    pb = pybdm.BDM(ndim=1)
    t_batch, v_batch = timed(lambda: cb.bdm_batch(X, threads=1))
    t_loop, v_loop = timed(lambda: np.array([cb.bdm(x) for x in X]))
    pn = a.pybdm_n or a.n
    t_pb, v_pb = timed(lambda: np.array([pb.bdm(x) for x in X[:pn]]))
    scale = a.n / pn
    note = "" if pn == a.n else f" (measured on {pn}, scaled x{scale:g})"
    diff = max(np.abs(v_batch[:pn] - v_pb).max(), np.abs(v_loop[:pn] - v_pb).max())
    t_pb = (t_pb[0] * scale, t_pb[1] * scale)
    print("what\twall s\tCPU s\tspeed-up wall\tspeed-up CPU")
    print(f"pybdm 0.1.0, loop of bdm(){note}\t{t_pb[0]:.2f}\t{t_pb[1]:.2f}\t1\t1")
    for name, t in (("ctm, BDM.bdm_batch(X, threads=1)", t_batch), ("ctm, loop of BDM.bdm()", t_loop)):
        print(f"{name}\t{t[0]:.3f}\t{t[1]:.3f}\t{t_pb[0] / t[0]:.0f}x\t{t_pb[1] / t[1]:.0f}x")
    print(f"max |ctm - pybdm|\t{diff:.3g}")
    if diff > 1e-9:
        raise SystemExit("values differ from pybdm")


if __name__ == "__main__":
    main()
