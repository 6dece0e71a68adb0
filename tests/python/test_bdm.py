"""ctm.BDM against pybdm 0.1.0 itself (installed from PyPI), side by side on seeded random arrays:
1D and 2D, every pybdm partition, BDM, NBDM, entropy, normalised entropy, decompositions, counters
and perturbation experiments, to 1e-9; the spec's reference values; batches; bad input."""
import os
import warnings
from collections import Counter

import numpy as np
import pytest

import ctm
from conftest import runs_array

PARTITIONS = [("ignore", {}), ("correlated", {"shift": 1}), ("correlated", {"shift": 2}), ("correlated", {"shift": 3}),
              ("recursive", {"min_length": 1}), ("recursive", {"min_length": 2}), ("recursive", {"min_length": 3})]


def pair(pybdm, ndim, name, kwds, nsymbols=2, shape=None):
    from pybdm import partitions as pp

    pcls = {"ignore": pp.PartitionIgnore, "correlated": pp.PartitionCorrelated, "recursive": pp.PartitionRecursive}[name]
    ccls = {"ignore": ctm.PartitionIgnore, "correlated": ctm.PartitionCorrelated, "recursive": ctm.PartitionRecursive}[name]
    extra = {} if shape is None else {"shape": shape}
    return (pybdm.BDM(ndim=ndim, nsymbols=nsymbols, partition=pcls, **extra, **kwds),
            ctm.BDM(ndim=ndim, nsymbols=nsymbols, partition=ccls, raise_if_zero=False, warn_if_missing_ctm=False, **extra,
                    **kwds))


def objects(ndim, k=2, count=25, seed=7):
    rng = np.random.default_rng(seed + 31 * ndim + k)
    for _ in range(count):
        shape = (int(rng.integers(1, 160)),) if ndim == 1 else (int(rng.integers(1, 22)), int(rng.integers(1, 22)))
        yield runs_array(rng, shape, k)


def same(a, b):
    return abs(a - b) <= 1e-9 * max(1.0, abs(a))


@pytest.mark.parametrize("ndim", [1, 2])
@pytest.mark.parametrize("name,kwds", PARTITIONS)
def test_bdm_and_entropy_equal_pybdm(pybdm, ndim, name, kwds):
    pb, cb = pair(pybdm, ndim, name, kwds)
    checked = 0
    for X in objects(ndim):
        try:
            expected = pb.bdm(X)
        except (ValueError, KeyError):  # pybdm: a recursive part shape not in its table
            continue
        assert same(cb.bdm(X), expected), X
        assert same(cb.ent(X), pb.ent(X)), X
        if name == "ignore":  # pybdm normalises recursive by its first-level slices (docs/bdm.md)
            for fn in ("nbdm", "nent"):
                try:
                    with np.errstate(all="ignore"), warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        ev = getattr(pb, fn)(X)
                except (ZeroDivisionError, KeyError, ValueError):
                    continue
                if not np.isfinite(ev):
                    continue
                assert same(getattr(cb, fn)(X), ev), (fn, X)
        checked += 1
    assert checked >= 10


@pytest.mark.parametrize("name,kwds", PARTITIONS)
def test_decompose_and_count_equal_pybdm(pybdm, name, kwds):
    for ndim in (1, 2):
        pb, cb = pair(pybdm, ndim, name, kwds)
        for X in objects(ndim, count=8, seed=3):
            try:
                expected = pb.decompose_and_count(X)
            except (ValueError, KeyError):
                continue
            got = cb.decompose_and_count(X)
            assert Counter({k: n for (k, _), n in got.items()}) == Counter({k: n for (k, _), n in expected.items()})
            ek = {k: v for (k, v) in expected}
            for key, value in got:
                assert same(value, ek[key])
            if expected:
                assert same(cb.compute_bdm(got), pb.compute_bdm(expected))
                assert same(cb.compute_ent(got), pb.compute_ent(expected))


def test_four_symbols_and_other_block_sizes(pybdm):
    for nsymbols, shape, ndim in ((4, None, 1), (2, (8,), 1), (2, (3, 3), 2)):
        pb, cb = pair(pybdm, ndim, "ignore", {}, nsymbols=nsymbols, shape=shape)
        for X in objects(ndim, k=nsymbols, count=10, seed=11):
            if min(X.shape) < cb.partition.shape[0]:
                continue
            assert same(cb.bdm(X), pb.bdm(X))
            assert same(cb.ent(X), pb.ent(X))


@pytest.mark.parametrize("ndim,metric", [(1, "bdm"), (2, "bdm"), (1, "ent"), (2, "ent")])
def test_perturbation_equal_pybdm(pybdm, ndim, metric):
    rng = np.random.default_rng(5)
    shape = (97,) if ndim == 1 else (13, 11)
    X = runs_array(rng, shape)
    pb, cb = pair(pybdm, ndim, "ignore", {})
    expected = pybdm.PerturbationExperiment(pb, X.copy(), metric=metric).run()
    got = ctm.PerturbationExperiment(cb, X.copy(), metric=metric).run()
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-9)
    # chosen cells, given values and kept changes (each step sees the previous ones)
    idx = np.argwhere(X == 1)[:15]
    pe_p, pe_c = pybdm.PerturbationExperiment(pb, X.copy(), metric), ctm.PerturbationExperiment(cb, X.copy(), metric)
    np.testing.assert_allclose(pe_c.run(idx, keep_changes=True), pe_p.run(idx, keep_changes=True), atol=1e-9)
    np.testing.assert_array_equal(pe_c.X, pe_p.X)
    assert same(pe_c.perturb(tuple(idx[0]), 0), pe_p.perturb(tuple(idx[0]), 0))


def test_spec_reference_values():
    b1 = ctm.BDM(ndim=1)
    assert same(b1.bdm(np.zeros(24, dtype=int)), 26.610413747641715)
    assert same(b1.bdm(np.array([0] * 12 + [1] * 12)), 51.22082749528343)
    assert same(b1.bdm(np.array([0] * 6 + [1] * 12 + [0] * 18 + [1] * 12)), 114.06151272200972)
    assert same(b1.bdm(np.array([0, 1] * 18)), 28.575689149882567)
    assert same(ctm.BDM(ndim=2).bdm(np.ones((12, 12), dtype=int)), 25.176631293734488)
    assert same(ctm.BDM(ndim=1, shape=(10,)).bdm(np.ones(10, dtype=int)), 22.784225562763474)
    assert same(b1.nbdm(np.array([0, 1, 0, 0, 0, 1, 1, 0, 0, 0, 1, 0, 0, 0, 1])), 0.648665654727082)
    assert same(ctm.BDM(ndim=2).nbdm(np.array([[0, 0, 1, 0], [1, 0, 0, 1], [0, 0, 1, 1], [1, 0, 1, 0]])),
                0.6139131118181638)
    s = np.array([0, 1] * 9)
    acss_bdm = ctm.BDM(ndim=1, partition=ctm.PartitionAcss, delta=1, log_base="alphabet")
    assert same(acss_bdm.bdm(s), 57.56641579904398)
    assert same(ctm.BDM(ndim=1, partition=ctm.PartitionAcss, delta=12).bdm(s), 41.448114079715396)
    k, d = ctm.acss("01011100")
    assert same(k, 22.0030069458495) and abs(d - 2.37922171238823e-07) < 1e-18
    assert same(ctm.acss("01011100", alphabet=4)[0], 24.75269450012)


def test_acss_functions_agree_with_each_other():
    ld = ctm.likelihood_d("0101")
    assert same(ctm.likelihood_ratio("0101"), 2.0 ** -4 / ld)
    lr, p = ctm.likelihood_ratio("0101"), 0.3
    assert same(ctm.prob_random("0101", prior=p), lr * p / (lr * p + 1 - p))
    lc = ctm.local_complexity("0100110", span=3)
    np.testing.assert_allclose(lc, [ctm.acss(w)[0] for w in ("010", "100", "001", "011", "110")], atol=1e-12)
    np.testing.assert_allclose(ctm.acss(["01", "0"])[:, 0], [ctm.acss("01")[0], ctm.acss("0")[0]])


def test_periodic_equals_ignore_on_wrapped_object():
    X = runs_array(np.random.default_rng(2), (30,))
    periodic = ctm.BDM(ndim=1, partition=ctm.PartitionPeriodic)
    wrapped = np.concatenate([X, X[:6]])  # 30 cells + 6 wrapped = 3 blocks of 12
    assert same(periodic.bdm(X), ctm.BDM(ndim=1).bdm(wrapped))
    assert [b.tolist() for b in periodic.decompose(X)][-1] == wrapped[24:36].tolist()


def test_batch_equals_one_by_one_for_any_threads():
    rng = np.random.default_rng(9)
    for ndim, stack in ((1, runs_array(rng, (300, 200))), (2, runs_array(rng, (40, 16, 12)))):
        b = ctm.BDM(ndim=ndim)
        single = np.array([b.bdm(x) for x in stack])
        np.testing.assert_array_equal(b.bdm_batch(stack, threads=1), single)
        np.testing.assert_array_equal(b.bdm_batch(stack, threads=3), single)
        np.testing.assert_array_equal(b.bdm_batch(list(stack), threads=2), single)
        np.testing.assert_array_equal(b.ent_batch(stack, normalized=True), [b.nent(x) for x in stack])
        np.testing.assert_array_equal(b.bdm_batch(stack, normalized=True), [b.nbdm(x) for x in stack])
    ragged = [np.zeros(n, dtype=np.int8) for n in (12, 30, 500)]
    np.testing.assert_array_equal(ctm.BDM(ndim=1).bdm_batch(ragged), [ctm.BDM(ndim=1).bdm(x) for x in ragged])


@pytest.mark.parametrize("bad,what", [
    (np.array([0.0, 1.0] * 10), "integer"),
    (np.array([0, 1, 2] * 10), "outside"),
    (np.array([0, -1] * 10), "outside"),
    (np.array([], dtype=int), "empty"),
    (np.zeros((4, 12), dtype=int), "axes"),
])
def test_bad_input_raises_value_error(bad, what):
    b = ctm.BDM(ndim=1)
    for fn in (b.bdm, b.nbdm, b.ent, lambda x: list(b.decompose(x))):
        with pytest.raises(ValueError, match=what):
            fn(bad)
    with pytest.raises(TypeError if what == "integer" else ValueError):
        b.bdm(bad)  # pybdm raises TypeError for a wrong dtype: both work


def test_bad_batches_raise_value_error():
    b = ctm.BDM(ndim=1)
    X = np.zeros((5, 24), dtype=np.int64)
    X[3, 7] = 2
    with pytest.raises(ValueError, match="object 3"):
        b.bdm_batch(X)
    with pytest.raises(ValueError, match="outside"):
        b.bdm_batch([np.zeros(24, dtype=int), np.full(24, 5)])
    with pytest.raises(ValueError, match="integer"):
        b.bdm_batch(np.zeros((2, 24)))
    with pytest.raises(ValueError):
        b.bdm_batch(np.zeros((0, 24), dtype=int))
    with pytest.raises(ValueError):
        ctm.BDM(ndim=3)
    with pytest.raises(ValueError):
        ctm.BDM(ndim=1, nsymbols=3)
    with pytest.raises(ValueError, match="0"):
        ctm.BDM(ndim=1).bdm(np.zeros(5, dtype=int))  # shorter than a block: BDM 0, as pybdm
    with pytest.raises(NotImplementedError):
        ctm.BDM(ndim=1, partition=ctm.PartitionCorrelated).nbdm(np.zeros(24, dtype=int))


def test_engine_tables_and_ctm_table_as_bdm_table():
    X = runs_array(np.random.default_rng(4), (240,))
    engine = ctm.BDM(ndim=1, ctmname="ENGINE-B2-D12")
    assert "d5-2" in engine.table_source
    # D(5,2) differs from pybdm's table only for two strings; this X has none of them
    assert same(engine.bdm(X), ctm.BDM(ndim=1).bdm(X))
    t4 = ctm.enumerate(4, 2)
    b = ctm.BDM(ndim=1, table=t4, shape=(4,))
    assert same(b.bdm(np.zeros(4, dtype=int)), t4.k("0000"))
    assert same(b.bdm(np.zeros(8, dtype=int)), t4.k("0000") + 1)


def test_default_1d_table_is_pybdms_for_the_strings_d52_lacks(pybdm):
    # D(5,2) has no 000110100111 / 111001011000; pybdm stores them, so the default table does too
    pb = pybdm.BDM(ndim=1)
    for s in ("000110100111" * 2, "111001011000" + "0" * 12):
        X = np.array([int(c) for c in s])
        assert same(ctm.BDM(ndim=1).bdm(X), pb.bdm(X))
        with pytest.warns(ctm.BDMRuntimeWarning):
            engine = ctm.BDM(ndim=1, ctmname="ENGINE-B2-D12").bdm(X)
        assert not same(engine, pb.bdm(X))


def test_large_pybdm_tables_are_found_in_the_source_tree():
    from ctm._data import data_file

    for k in (5, 6, 9):
        assert os.path.getsize(data_file(f"pybdm-ctm-b{k}-d12.tsv.gz")) > 1_000_000
    with pytest.raises(ValueError, match="not found"):
        data_file("no-such-table.tsv")
