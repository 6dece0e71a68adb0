"""Shared fixtures of the Python tests: the CLI binary (build/ctm or $CTM_CLI), pybdm 0.1.0 (from
PyPI; it needs np.int, removed in NumPy 1.24), seeded random arrays with runs (repeated blocks)."""
import os
import subprocess
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def cli():
    path = os.environ.get("CTM_CLI") or str(ROOT / "build" / "ctm")
    if not os.access(path, os.X_OK):
        if os.environ.get("CTM_REQUIRE_CLI"):
            pytest.fail(f"CTM_REQUIRE_CLI is set but the CLI '{path}' is missing")
        pytest.skip(f"the CLI '{path}' is not built (set CTM_CLI)")

    def run(*args):
        return subprocess.run([path, *map(str, args)], check=True, capture_output=True, text=True).stdout

    return run


@pytest.fixture(scope="session")
def pybdm():
    if "int" not in np.__dict__:
        np.int = int  # pybdm 0.1.0 needs it on numpy >= 1.24
    pb = pytest.importorskip("pybdm") if not os.environ.get("CTM_REQUIRE_PYBDM") else __import__("pybdm")
    pb.options.set(raise_if_zero=False, warn_if_missing_ctm=False)
    return pb


def runs_array(rng, shape, k=2):
    """Random symbols with runs of one symbol mixed in, so blocks repeat (multiplicities > 1)."""
    n = int(np.prod(shape))
    out = rng.integers(0, k, n)
    for _ in range(max(1, n // 20)):
        start, length = rng.integers(0, n), rng.integers(1, 30)
        out[start:start + length] = rng.integers(0, k)
    return out.reshape(shape)
