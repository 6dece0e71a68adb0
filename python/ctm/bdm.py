"""BDM with pybdm's interface (a drop-in for `from pybdm import BDM`) over the C++ scorer, batch
scoring of many objects on threads without the GIL, PerturbationExperiment, and acss's functions.
Definitions: docs/bdm.md. Default tables are pybdm's (see _TABLES), so the numbers are pybdm's."""
from __future__ import annotations

import math
import random
import warnings
from collections import Counter
from functools import lru_cache, reduce
from typing import Any, Iterable, Iterator, Optional, Sequence, Union

import numpy as np

from . import _ctm
from ._data import data_file
from .partitions import PartitionAcss, PartitionCorrelated, PartitionIgnore, _Partition

# pybdm 0.1.0 stores K = 37.479236302416716 for the two length-12 strings absent from D(5,2).
_B2_D12_EXTRA = (("000110100111", 37.479236302416716), ("111001011000", 37.479236302416716))
# pybdm's dataset names -> (file, extra stored values). CTM-B2-D12 is D(5,2) (equal to pybdm's table
# to 1e-9, docs/bdm.md) plus pybdm's two stored values; "engine-*" are ctm's own defaults.
_TABLES = {
    "CTM-B2-D12": ("d5-2.ctm", _B2_D12_EXTRA),
    "CTM-B2-D4x4": ("pybdm-ctm-b2-d4x4.tsv.gz", ()),
    "CTM-B4-D12": ("pybdm-ctm-b4-d12.tsv.gz", ()),
    "CTM-B5-D12": ("pybdm-ctm-b5-d12.tsv.gz", ()),
    "CTM-B6-D12": ("pybdm-ctm-b6-d12.tsv.gz", ()),
    "CTM-B9-D12": ("pybdm-ctm-b9-d12.tsv.gz", ()),
    "ENGINE-B2-D12": ("d5-2.ctm", ()),
    "ENGINE-B2-D4x4": ("ctm-2d-blocks-4x4.tsv.gz", ()),
}
_NDIM_TO_CTM = {(1, 2): "CTM-B2-D12", (1, 4): "CTM-B4-D12", (1, 5): "CTM-B5-D12", (1, 6): "CTM-B6-D12",
                (1, 9): "CTM-B9-D12", (2, 2): "CTM-B2-D4x4"}


class InputError(ValueError, TypeError):
    """Bad data: not an integer array, symbols outside 0..k-1, empty, wrong number of axes.
    A ValueError (as the issue asks) and a TypeError (what pybdm raises for a wrong dtype)."""


class BDMRuntimeWarning(RuntimeWarning):
    """Blocks absent from the table were imputed (max K of the shape + 1)."""


class _Options(dict):
    """Global switches as pybdm.options: set(raise_if_zero=..., warn_if_missing_ctm=...), get(name)."""

    def set(self, **kwds: Any) -> None:  # noqa: A003
        for k, v in kwds.items():
            if k not in self:
                raise KeyError(f"unknown option '{k}'")
            self[k] = v

    def get(self, name: str, default: Any = None) -> Any:  # noqa: A003
        return dict.get(self, name, default)


options = _Options(raise_if_zero=True, warn_if_missing_ctm=True)


@lru_cache(maxsize=16)
def _load(path: str, symbols: int, two_d: bool, extra: tuple) -> Any:
    return _ctm.BdmTable.load(path, symbols, two_d, list(extra))


def bdm_table(name_or_path: Any, nsymbols: int, ndim: int) -> Any:
    """A native K table: a pybdm dataset name, 'ENGINE-...', a file path, or a ctm.Table."""
    from .tables import Table  # noqa: PLC0415

    if isinstance(name_or_path, Table):
        return _ctm.BdmTable.from_table(name_or_path._t, ndim == 2)
    name = str(name_or_path)
    if name.upper() in {k.upper() for k in _TABLES}:
        key = next(k for k in _TABLES if k.upper() == name.upper())
        file, extra = _TABLES[key]
        return _load(data_file(file), nsymbols, ndim == 2, tuple(extra))
    return _load(name, nsymbols, ndim == 2, ())


def _as_symbols(X: Any, ndim: int, nsymbols: int, check: bool = True) -> np.ndarray:
    """X as a C-contiguous integer array after pybdm's shape and dtype checks (InputError); the
    symbols themselves are checked (and narrowed) by the extension in the same pass as the copy."""
    X = np.asarray(X)
    if check:
        if X.dtype.kind not in "iub":
            raise InputError(f"'X' has to be an integer array, not {X.dtype}")
        if X.ndim != ndim:
            raise InputError(f"'X' has {X.ndim} axes; this BDM is for {ndim}D data")
        if X.size == 0:
            raise InputError("'X' is empty")
    return np.ascontiguousarray(X)


def _check_stack(X: np.ndarray, ndim: int, nsymbols: int) -> np.ndarray:
    if X.dtype.kind not in "iub":
        raise InputError(f"the batch has to be an integer array, not {X.dtype}")
    if X.ndim != ndim + 1:
        raise InputError(f"a batch of {ndim}D objects must have {ndim + 1} axes, not {X.ndim}")
    if X.size == 0:
        raise InputError("the batch is empty (or its objects are)")
    return np.ascontiguousarray(X)


class BDM:
    """Block decomposition method, pybdm's interface and numbers.

    BDM(ndim, nsymbols=2, shape=None, partition=PartitionIgnore, ctmname=None, **partition_kwds).
    ctmname: a pybdm dataset name (default by ndim and nsymbols, as pybdm), 'ENGINE-B2-D12' /
    'ENGINE-B2-D4x4' (ctm's own tables), or table=PATH|ctm.Table. log_base='alphabet' uses log_k of
    multiplicities (acss). threads: for the batch methods (None = all cores)."""

    def __init__(self, ndim: int, nsymbols: int = 2, shape: Optional[Sequence[int]] = None,
                 partition: type = PartitionIgnore, ctmname: Optional[str] = None, warn_if_missing_ctm: bool = True,
                 raise_if_zero: bool = True, table: Any = None, log_base: Union[int, str] = 2,
                 threads: Optional[int] = None, **kwds: Any):
        if ndim not in (1, 2):
            raise ValueError(f"ndim must be 1 or 2, not {ndim}")
        self.ndim = ndim
        if table is not None:
            self.ctmname = ctmname or "custom"
            self.nsymbols = int(nsymbols)
            self._table = bdm_table(table, self.nsymbols, ndim)
            default_shape = (12,) if ndim == 1 else (4, 4)
        else:
            try:
                self.ctmname = ctmname or _NDIM_TO_CTM[(ndim, nsymbols)]
            except KeyError:
                raise ValueError(f"no CTM dataset for 'ndim={ndim}' and 'nsymbols={nsymbols}'") from None
            b, d = self.ctmname.split("-")[-2:]
            self.nsymbols = int(b[1:])
            default_shape = tuple(int(x) for x in d[1:].split("x"))
            self._table = bdm_table(self.ctmname, self.nsymbols, ndim)
        shape = tuple(int(x) for x in (shape or default_shape))
        if len(shape) != ndim:
            raise ValueError(f"'shape' {shape} must have {ndim} dimension(s)")
        self.warn_if_missing_ctm = warn_if_missing_ctm
        self.raise_if_zero = raise_if_zero
        self.threads = threads
        self.partition = partition(shape=shape, **kwds) if isinstance(partition, type) else partition
        if not isinstance(self.partition, _Partition):
            raise ValueError("partition must be one of ctm's partition classes")
        if isinstance(self.partition, PartitionAcss) and ndim != 1:
            raise ValueError("the acss partition is 1D only")
        if log_base not in (2, "alphabet"):
            raise ValueError("log_base must be 2 or 'alphabet'")
        self.log_base = log_base
        name, shift, min_length, delta = self.partition._native()
        rows, cols = (1, shape[0]) if ndim == 1 else shape
        self._scorer = _ctm.Scorer(self._table, rows, cols, name, shift, min_length, delta, log_base == "alphabet")

    def __repr__(self) -> str:
        return f"<BDM(ndim={self.ndim}, nsymbols={self.nsymbols}) with {str(self.partition)[1:-1]}>"

    @property
    def table_source(self) -> str:
        return self._table.source

    # --- whole objects, in C++ ------------------------------------------------------------
    def _score(self, X: Any, what: int, check_data: bool) -> tuple[float, int, int]:
        x = _as_symbols(X, self.ndim, self.nsymbols, check=True if check_data else False)
        value, blocks, imputed = self._scorer.score(x, what)
        if imputed and what < 2 and self.warn_if_missing_ctm and options.get("warn_if_missing_ctm"):
            warnings.warn(f"{imputed} block(s) absent from the CTM table, imputed as max K of their shape + 1",
                          BDMRuntimeWarning, stacklevel=3)
        return value, blocks, imputed

    def bdm(self, X: Any, normalized: bool = False, check_data: bool = True) -> float:
        """BDM of X (bits); normalized=True is nbdm."""
        if normalized and isinstance(self.partition, PartitionCorrelated):
            raise NotImplementedError("normalized BDM not implemented for 'correlated' partition")
        value, _, _ = self._score(X, 1 if normalized else 0, check_data)
        if not normalized and value == 0 and self.raise_if_zero and options.get("raise_if_zero"):
            raise ValueError("Computed BDM is 0, dataset may have incorrect dimensions")
        return value

    def nbdm(self, X: Any, **kwds: Any) -> float:
        return self.bdm(X, normalized=True, **kwds)

    def ent(self, X: Any, normalized: bool = False, check_data: bool = True) -> float:
        """Shannon entropy (bits) of the block distribution; normalized=True is nent."""
        if normalized and isinstance(self.partition, PartitionCorrelated):
            raise NotImplementedError("normalized entropy not implemented for 'correlated' partition")
        return self._score(X, 3 if normalized else 2, check_data)[0]

    def nent(self, X: Any, **kwds: Any) -> float:
        return self.ent(X, normalized=True, **kwds)

    # --- many objects at once -------------------------------------------------------------
    def _batch(self, Xs: Any, what: int, threads: Optional[int]) -> np.ndarray:
        t = self.threads if threads is None else threads
        t = 0 if t is None else int(t)
        if isinstance(Xs, np.ndarray):
            x = _check_stack(Xs, self.ndim, self.nsymbols)
            values, _, imputed = self._scorer.score_stack(x, what, t)
        else:
            arrays = [_as_symbols(X, self.ndim, self.nsymbols) for X in Xs]
            if not arrays:
                return np.empty(0)
            values, _, imputed = self._scorer.score_list(arrays, what, t)
        if what < 2 and imputed.any() and self.warn_if_missing_ctm and options.get("warn_if_missing_ctm"):
            warnings.warn(f"{int(imputed.sum())} block(s) absent from the CTM table were imputed", BDMRuntimeWarning,
                          stacklevel=3)
        return values

    def bdm_batch(self, Xs: Any, normalized: bool = False, threads: Optional[int] = None) -> np.ndarray:
        """BDM of many objects: an (n, L) array of sequences / (n, R, C) of 2D arrays, or a list of
        arrays of any shapes. float64 array; threads None = the object's threads (all cores)."""
        if normalized and isinstance(self.partition, PartitionCorrelated):
            raise NotImplementedError("normalized BDM not implemented for 'correlated' partition")
        return self._batch(Xs, 1 if normalized else 0, threads)

    def ent_batch(self, Xs: Any, normalized: bool = False, threads: Optional[int] = None) -> np.ndarray:
        """Block entropy of many objects (as bdm_batch)."""
        if normalized and isinstance(self.partition, PartitionCorrelated):
            raise NotImplementedError("normalized entropy not implemented for 'correlated' partition")
        return self._batch(Xs, 3 if normalized else 2, threads)

    # --- pybdm's stages: decompose, lookup, count -----------------------------------------
    def decompose(self, X: Any) -> Iterator[np.ndarray]:
        """The blocks of X (views of X, or wrapped copies for the periodic partition)."""
        X = np.asarray(X)
        x = _as_symbols(X, self.ndim, self.nsymbols)
        for r0, c0, h, w in self._scorer.decompose(x).tolist():
            if self.ndim == 1:
                n = X.shape[0]
                yield X[c0:c0 + w] if c0 + w <= n else X[np.arange(c0, c0 + w) % n]
            else:
                R, C = X.shape
                if r0 + h <= R and c0 + w <= C:
                    yield X[r0:r0 + h, c0:c0 + w]
                else:
                    yield X[np.ix_(np.arange(r0, r0 + h) % R, np.arange(c0, c0 + w) % C)]

    def lookup(self, blocks: Iterable[np.ndarray], lookup_ctm: bool = True) -> Iterator[tuple[str, Optional[float]]]:
        """(key, K) per block; key = the block's symbols as a string (pybdm's string_from_array)."""
        for block in blocks:
            key = "".join(map(str, np.asarray(block).flat))
            if not lookup_ctm:
                yield key, None
                continue
            shape = block.shape if block.ndim == 2 else (1, block.shape[0])
            k, missing = self._table.block_k(int(shape[0]), int(shape[1]), [key])
            if missing[0] and self.warn_if_missing_ctm and options.get("warn_if_missing_ctm"):
                warnings.warn(f"CTM dataset does not contain object '{key}' of shape {block.shape}", BDMRuntimeWarning,
                              stacklevel=2)
            yield key, float(k[0])

    def count(self, ctms: Iterable[tuple[str, Optional[float]]]) -> Counter:
        """Counter of (key, K) pairs."""
        return Counter(ctms)

    def decompose_and_count(self, X: Any, lookup_ctm: bool = True) -> Counter:
        return self.count(self.lookup(self.decompose(X), lookup_ctm=lookup_ctm))

    def compute_bdm(self, *counters: Counter) -> float:
        """Sum over distinct blocks of K + log2(multiplicity)."""
        total = reduce(lambda a, b: a + b, counters)
        log = math.log2 if self.log_base == 2 else (lambda n: math.log(n, self.nsymbols))
        return float(sum(k + log(n) for (_, k), n in total.items()))

    def compute_ent(self, *counters: Counter) -> float:
        """Shannon entropy (bits) of the block counts."""
        total = reduce(lambda a, b: a + b, counters)
        n = sum(total.values())
        return float(-sum((c / n) * math.log2(c / n) for c in total.values()))


class PerturbationExperiment:
    """pybdm's perturbation experiment: the change of BDM (or block entropy) when one element is set
    to another symbol. Values are exact differences (docs/bdm.md; equal to pybdm's for the ignore
    partition, where pybdm's incremental update is exact). run() with metric 'bdm' and no
    keep_changes computes every cell at once in C++ (perturbation_deltas)."""

    def __init__(self, bdm: BDM, X: Any = None, metric: str = "bdm"):
        if metric not in ("bdm", "ent"):
            raise AttributeError("Incorrect metric, not one of: 'bdm', 'ent'")
        self.bdm = bdm
        self.metric = metric
        self.X: Any = None
        self._value: Optional[float] = None
        if X is not None:
            self.set_data(X)

    def __repr__(self) -> str:
        return f"<PerturbationExperiment(metric={self.metric}) with {str(self.bdm)[1:-1]}>"

    @property
    def size(self) -> int:
        return self.X.size

    @property
    def shape(self) -> tuple:
        return self.X.shape

    @property
    def ndim(self) -> int:
        return self.X.ndim

    def _metric(self, X: np.ndarray) -> float:
        what = 0 if self.metric == "bdm" else 2
        return self.bdm._scorer.score(_as_symbols(X, self.bdm.ndim, self.bdm.nsymbols, check=False), what)[0]

    def set_data(self, X: Any) -> None:
        X = np.asarray(X)
        if X.size == 0 or not np.isin(np.unique(X), range(self.bdm.nsymbols)).all():
            raise ValueError("'X' is malformed (too many or ill-mapped symbols)")
        _as_symbols(X, self.bdm.ndim, self.bdm.nsymbols)
        self.X = X
        self._value = self._metric(X)

    def _new_value(self, old: int, value: int) -> int:
        if value >= 0:
            return int(value)
        if self.bdm.nsymbols <= 2:
            return 1 if old == 0 else 0
        return random.choice([s for s in range(self.bdm.nsymbols) if s != old])

    def perturb(self, idx: Any, value: int = -1, keep_changes: bool = False) -> float:
        """Change of the metric when X[idx] is set to `value` (-1: another symbol, at random for
        k > 2); keep_changes leaves the change in X."""
        idx = tuple(int(i) for i in np.atleast_1d(idx))
        old = int(self.X[idx])
        value = self._new_value(old, value)
        if value == old:
            return 0.0
        if not 0 <= value < self.bdm.nsymbols:
            raise ValueError(f"value {value} is outside of [0, {self.bdm.nsymbols - 1}]")
        self.X[idx] = value
        new = self._metric(self.X)
        delta = new - self._value
        if keep_changes:
            self._value = new
        else:
            self.X[idx] = old
        return delta

    def run(self, idx: Any = None, values: Any = None, keep_changes: bool = False) -> np.ndarray:
        """Perturb the elements listed in idx (rows of indices; None = all, in row-major order) to
        `values` (None = -1 each); returns the changes as a float64 array."""
        if idx is None:
            idx = np.array(list(np.ndindex(*self.X.shape)), dtype=int).reshape(-1, self.X.ndim)
        idx = np.asarray(idx, dtype=int).reshape(-1, self.X.ndim)
        if values is None:
            values = np.full(idx.shape[0], -1, dtype=int)
        values = np.asarray(values, dtype=int).ravel()
        if values.shape[0] != idx.shape[0]:
            raise ValueError("values must have one entry per row of idx")
        if self.metric == "bdm" and not keep_changes:
            deltas = self.bdm._scorer.perturb(_as_symbols(self.X, self.bdm.ndim, self.bdm.nsymbols, check=False), 1)
            flat = np.ravel_multi_index(tuple(idx.T), self.X.shape)
            out = np.empty(idx.shape[0])
            for j, (cell, v) in enumerate(zip(flat.tolist(), values.tolist())):
                old = int(self.X.flat[cell])
                new = self._new_value(old, v)
                out[j] = 0.0 if new == old else deltas[cell, new]
            return out
        return np.array([self.perturb(tuple(r), v, keep_changes=keep_changes) for r, v in zip(idx.tolist(), values.tolist())],
                        dtype=float)


# --- acss's functions on short strings (docs/bdm.md) -------------------------------------------
def _acss_table(alphabet: int, table: Any) -> Any:
    if table is not None:
        return bdm_table(table, alphabet, 1)
    return bdm_table(_NDIM_TO_CTM.get((1, alphabet), f"CTM-B{alphabet}-D12"), alphabet, 1)


def _each(strings: Any, f: Any) -> Any:
    if isinstance(strings, str):
        return f(strings)
    return np.array([f(str(s)) for s in strings])


def acss(strings: Any, alphabet: int = 2, table: Any = None) -> Any:
    """(K, D) of a string, D = 2^-K; for many strings a (n, 2) array."""
    t = _acss_table(alphabet, table)
    return _each(strings, lambda s: _ctm.acss(t, s))


def local_complexity(string: str, span: int = 5, alphabet: int = 2, table: Any = None) -> np.ndarray:
    """K of every window of length `span`."""
    return _ctm.local_complexity(_acss_table(alphabet, table), string, int(span))


def likelihood_d(strings: Any, alphabet: int = 2, table: Any = None) -> Any:
    """D(s) over the D mass of all strings of its length."""
    t = _acss_table(alphabet, table)
    return _each(strings, lambda s: _ctm.likelihood_d(t, s))


def likelihood_ratio(strings: Any, alphabet: int = 2, table: Any = None) -> Any:
    """P(s | uniform random) / P(s | algorithmic) = k^-n / likelihood_d(s)."""
    t = _acss_table(alphabet, table)
    return _each(strings, lambda s: _ctm.likelihood_ratio(t, s))


def prob_random(strings: Any, prior: float = 0.5, alphabet: int = 2, table: Any = None) -> Any:
    """Posterior probability that s came from a uniform random source, given the prior."""
    t = _acss_table(alphabet, table)
    return _each(strings, lambda s: _ctm.prob_random(t, s, float(prior)))


__all__ = ["BDM", "PerturbationExperiment", "InputError", "BDMRuntimeWarning", "options", "acss", "local_complexity",
           "likelihood_d", "likelihood_ratio", "prob_random", "bdm_table"]
