"""CTM tables from Python: ctm.enumerate / ctm.sample run the C++ engine without the GIL and return
a Table; counts stay exact (Python ints, or uint64 high/low words in NumPy), strings stay strings."""
from __future__ import annotations

import numbers
import os
from typing import Any, Iterable, Optional, Union

import numpy as np

from . import _ctm
from ._progress import make_callback

Strings = Union[str, Iterable[str], np.ndarray]


def _as_list(strings: Strings) -> tuple[list[str], bool]:
    if isinstance(strings, str):
        return [strings], True
    if isinstance(strings, np.ndarray):
        return [str(s) for s in strings.ravel().tolist()], False
    return [str(s) for s in strings], False


class _both_ways:
    """A function usable on the class (all tables as arguments) or on an instance (self first)."""

    def __init__(self, f: Any):
        self.f = f
        self.__doc__ = f.__doc__

    def __get__(self, obj: Any, cls: Any = None) -> Any:
        return self.f if obj is None else (lambda *others: self.f(obj, *others))


class Table:
    """An exact output-frequency table D(n,k) (include/ctm/table.hpp)."""

    def __init__(self, native: Any = None):
        self._t = native if native is not None else _ctm.Table()

    # --- files -------------------------------------------------------------------------------
    @classmethod
    def load(cls, path: Union[str, os.PathLike]) -> "Table":
        """Reads and verifies a table file (`ctm enumerate` output)."""
        return cls(_ctm.Table.load(os.fspath(path)))

    def save(self, path: Union[str, os.PathLike]) -> None:
        """Writes the table file atomically (docs/table-format.md)."""
        self._t.save(os.fspath(path))

    @_both_ways
    def merge(*tables: "Table") -> "Table":
        """The exact sum of tables of one space and cutoff (disjoint shards, or sampled ranges):
        ``Table.merge(a, b, ...)`` or ``a.merge(b, ...)``; the inputs are left unchanged."""
        if not tables:
            raise ValueError("merge needs at least one table")
        out = tables[0]._t.copy()
        for t in tables[1:]:
            out.merge(t._t)
        return Table(out)

    # --- contents ----------------------------------------------------------------------------
    @property
    def info(self) -> dict:
        """Space, cutoff, machines, H (`halting`), non-halting split, backend, shards, sampling."""
        return self._t.info()

    def __len__(self) -> int:
        return len(self._t)

    def __repr__(self) -> str:
        i = self.info
        kind = "sampled" if i["sampled"] else "exact"
        return f"<ctm.Table {i['space']} cutoff {i['cutoff']}, {i['outputs']} outputs, {kind}>"

    def lookup(self, strings: Strings) -> Any:
        """Exact count of each output string (Python ints; a NumPy object array for many)."""
        keys, scalar = _as_list(strings)
        counts = self._t.counts_of(keys)
        if scalar:
            return counts[0]
        out = np.empty(len(counts), dtype=object)
        out[:] = counts
        return out

    def k(self, strings: Strings) -> Any:
        """K(s) = -log2(count(s)/H) in bits (inf for an absent string); float64 array for many."""
        keys, scalar = _as_list(strings)
        k = self._t.k_of(keys)
        return float(k[0]) if scalar else k

    def probability(self, strings: Strings) -> Any:
        """D(s) = count(s)/H."""
        k = self.k(strings)
        return np.exp2(-np.asarray(k)) if not np.isscalar(k) else float(2.0 ** -k)

    def to_numpy(self) -> np.ndarray:
        """Structured array, rows sorted by length then string: `string` (str), `count_hi`, `count_lo`
        (uint64 words of the exact 128-bit count: count = hi * 2**64 + lo), `k` (float64 bits)."""
        strings, hi, lo, k = self._t.columns()
        width = max((len(s) for s in strings), default=1)
        out = np.empty(len(strings), dtype=[("string", f"U{width}"), ("count_hi", "u8"), ("count_lo", "u8"), ("k", "f8")])
        out["string"] = strings
        out["count_hi"] = hi
        out["count_lo"] = lo
        out["k"] = k
        return out

    def to_pandas(self) -> Any:
        """DataFrame with columns string (str), length, count (exact Python ints), k (bits)."""
        import pandas as pd  # noqa: PLC0415

        strings, hi, lo, k = self._t.columns()
        counts = [(int(h) << 64) | int(l) for h, l in zip(hi.tolist(), lo.tolist())]
        return pd.DataFrame(
            {
                "string": pd.Series(strings, dtype=object),
                "length": np.fromiter((len(s) for s in strings), dtype=np.int64, count=len(strings)),
                "count": pd.Series(counts, dtype=object),
                "k": k,
            }
        )

    def halting_times(self) -> np.ndarray:
        """halting_times()[t] = halting runs whose halting step is t (exact ints, object array)."""
        values = self._t.halting_times()
        out = np.empty(len(values), dtype=object)
        out[:] = values
        return out

    def export(self, separator: str = "\t") -> str:
        """The text of `ctm export` (rows string, count, K; '#' metadata lines)."""
        return self._t.export_text(separator)

    def check(self) -> None:
        """Internal consistency (sum of counts == H == sum of halting times ...); ValueError if not."""
        self._t.check_consistency()


def _threads(threads: Optional[int]) -> int:
    if threads is None:
        return 0
    if threads < 1:
        raise ValueError(f"threads must be >= 1 (or None for all cores), not {threads}")
    return int(threads)


def _shard(shard: Any) -> tuple[int, int]:
    if shard is None:
        return 0, 1
    if isinstance(shard, str):
        i, _, m = shard.partition("/")
        shard = (int(i), int(m))
    i, m = shard
    if m < 1 or not 0 <= i < m:
        raise ValueError(f"shard must be (index, count) with 0 <= index < count, not {shard!r}")
    return int(i), int(m)


def _schedule(name: str, steps: Any) -> int:
    """A proof schedule argument: None (the default, -1 for the library) or steps in 0..10^6."""
    if steps is None:
        return -1
    if isinstance(steps, bool) or not isinstance(steps, numbers.Integral) or not 0 <= steps <= 1_000_000:
        raise ValueError(f"{name} must be an integer in 0..1000000 or None, not {steps!r}")
    return int(steps)


def enumerate(  # noqa: A001 - the CLI's verb
    states: int,
    symbols: int,
    cutoff: Optional[int] = None,
    dims: int = 1,
    backend: str = "auto",
    threads: Optional[int] = None,
    shard: Any = None,
    progress: Any = None,
    progress_interval: float = 0.5,
    ngram_after: Optional[int] = None,
    bouncer_after: Optional[int] = None,
) -> Table:
    """The exact table D(states, symbols) (dims=2: turmites) at `cutoff` (None: the spec's standard
    cutoff). shard=(i, m) or "i/m" runs one slice; slices merge exactly. progress=True shows a bar;
    a callable gets (items_done, items_total, tree_nodes, machines, seconds) and may return False
    to cancel (ctm.Cancelled). Ctrl-C stops the run with KeyboardInterrupt. ngram_after: steps of a
    run segment before the n-gram proof is tried (None: the default, min(64, cutoff/4); 0: never;
    the CPU walk, as `ctm enumerate --ngram-after`): it moves only the proved / cut-off split and
    the steps (info["accounting"]), never a count. bouncer_after: the same for the bouncer proof (None: 96;
    0: never; `--bouncer-after`)."""
    if backend not in ("auto", "cpu", "cuda"):
        raise ValueError(f"backend must be auto, cpu or cuda, not {backend!r}")
    ngram_after = _schedule("ngram_after", ngram_after)
    bouncer_after = _schedule("bouncer_after", bouncer_after)
    if dims not in (1, 2):
        raise ValueError(f"dims must be 1 or 2, not {dims}")
    i, m = _shard(shard)
    cb, close = make_callback(progress, f"D({states},{symbols})")
    try:
        t = _ctm.enumerate(int(states), int(symbols), int(dims), int(cutoff or 0), backend, _threads(threads), i, m,
                           ngram_after, bouncer_after, cb, float(progress_interval))
    finally:
        close()
    return Table(t)


def sample(
    states: int,
    symbols: int,
    machines: int,
    seed: int = 0,
    start: int = 0,
    cutoff: Optional[int] = None,
    dims: int = 1,
    backend: str = "auto",
    threads: Optional[int] = None,
    progress: Any = None,
    progress_interval: float = 0.5,
) -> Table:
    """A sampled table: machines start .. start+machines-1 of `seed` (as `ctm sample`), each run on
    every blank. Tables of disjoint ranges of one seed merge exactly. Progress and Ctrl-C as enumerate."""
    if backend not in ("auto", "cpu", "cuda"):
        raise ValueError(f"backend must be auto, cpu or cuda, not {backend!r}")
    if machines < 1:
        raise ValueError(f"machines must be positive, not {machines}")
    cb, close = make_callback(progress, f"sample ({states},{symbols})")
    try:
        t = _ctm.sample(int(states), int(symbols), int(dims), int(cutoff or 0), int(seed), int(start), int(machines),
                        backend, _threads(threads), cb, float(progress_interval))
    finally:
        close()
    return Table(t)
