"""ctm.enumerate / ctm.sample / ctm.Table against the CLI (build/ctm), closed forms and each other:
exact counts, strings that stay strings, merges, files, progress callbacks and cancellation."""
import os
import signal
import sys

import numpy as np
import pytest

import ctm


def same_table(a, b):
    ia, ib = a.info, b.info
    for key in ("space", "cutoff", "machines", "halting", "nonhalting_proved", "nonhalting_cutoff", "outputs", "sampled"):
        assert ia[key] == ib[key], key
    na, nb = a.to_numpy(), b.to_numpy()
    np.testing.assert_array_equal(na["string"], nb["string"])
    np.testing.assert_array_equal(na["count_hi"], nb["count_hi"])
    np.testing.assert_array_equal(na["count_lo"], nb["count_lo"])
    assert list(a.halting_times()) == list(b.halting_times())


def export_rows(text):
    """(string, count, K) rows of `ctm export` text ('#' lines and any header row skipped)."""
    rows = []
    for line in text.splitlines():
        f = line.split("\t")
        if line.startswith("#") or len(f) < 3 or not f[1].isdigit():
            continue
        rows.append((f[0], int(f[1]), float(f[2])))
    return rows


@pytest.mark.parametrize("n,k,dims,cutoff", [(2, 2, 1, 0), (3, 2, 1, 0), (2, 3, 1, 30), (2, 2, 2, 20)])
def test_enumerate_equals_cli(cli, tmp_path, n, k, dims, cutoff):
    out = tmp_path / "t.ctm"
    args = ["enumerate", "-n", n, "-k", k, "--dims", dims, "-o", out, "-q", "--backend", "cpu"]
    cli(*(args + (["-T", cutoff] if cutoff else [])))
    t = ctm.enumerate(n, k, cutoff=cutoff or None, dims=dims, backend="cpu", threads=2)
    same_table(t, ctm.Table.load(out))
    rows = export_rows(cli("export", out))
    a = t.to_numpy()
    assert [r[0] for r in rows] == a["string"].tolist()
    assert [r[1] for r in rows] == [int(x) for x in a["count_lo"]]
    np.testing.assert_allclose([r[2] for r in rows], a["k"], rtol=1e-6)


def test_accounting_and_ngram_schedule_match_the_cli(cli, tmp_path):
    """info["deciders"] and info["accounting"] are the CLI's table metadata; ngram_after moves only the
    proved / cut-off split and the steps, as `ctm enumerate --ngram-after`."""
    out = tmp_path / "d42.ctm"
    cli("enumerate", "-n", 4, "-k", 2, "-o", out, "-q", "--backend", "cpu", "--ngram-after", 8)
    early = ctm.enumerate(4, 2, backend="cpu", ngram_after=8)
    same_table(early, ctm.Table.load(out))
    acc = early.info["accounting"]
    assert acc == ctm.Table.load(out).info["accounting"]
    assert acc["steps_branch"] + acc["steps_proved"] + acc["steps_cutoff"] == early.info["simulated_steps"]
    assert sum(acc["proved_steps"].values()) == acc["steps_proved"]
    assert acc["settled"]["translated-cycle"] > 0 and acc["proved_steps"]["translated-cycle"] > 0
    assert "ngram-cps" in early.info["deciders"]
    default, off = ctm.enumerate(4, 2, backend="cpu"), ctm.enumerate(4, 2, backend="cpu", ngram_after=0)
    assert "ngram-cps" not in off.info["deciders"]
    for t in (default, off):
        a, b = t.to_numpy(), early.to_numpy()
        np.testing.assert_array_equal(a["string"], b["string"])
        np.testing.assert_array_equal(a["count_lo"], b["count_lo"])
        np.testing.assert_array_equal(a["count_hi"], b["count_hi"])
        assert t.info["halting"] == early.info["halting"]
        assert t.info["nonhalting_proved"] + t.info["nonhalting_cutoff"] == \
            early.info["nonhalting_proved"] + early.info["nonhalting_cutoff"]
        assert list(t.halting_times()) == list(early.halting_times())
    assert early.info["simulated_steps"] < default.info["simulated_steps"] < off.info["simulated_steps"]
    for bad in (-1, 1.5, True, "8"):
        with pytest.raises(ValueError):
            ctm.enumerate(2, 2, ngram_after=bad)
        with pytest.raises(ValueError):
            ctm.enumerate(2, 2, bouncer_after=bad)


def test_bouncer_schedule_matches_the_cli(cli, tmp_path):
    """bouncer_after is `ctm enumerate --bouncer-after`: the same table file, the bouncer's settled
    runs in info["accounting"], and only the proved / cut-off split and the steps move."""
    out = tmp_path / "d32.ctm"
    cli("enumerate", "-n", 3, "-k", 2, "-T", 500, "-o", out, "-q", "--backend", "cpu", "--ngram-after", 0,
        "--bouncer-after", 16)
    early = ctm.enumerate(3, 2, cutoff=500, backend="cpu", ngram_after=0, bouncer_after=16)
    same_table(early, ctm.Table.load(out))
    assert early.info["accounting"]["settled"]["bouncer"] > 0
    assert early.info["schedule"] == {"ngram_after": 0, "bouncer_after": 16} == ctm.Table.load(out).info["schedule"]
    off = ctm.enumerate(3, 2, cutoff=500, backend="cpu", ngram_after=0, bouncer_after=0)
    assert "bouncer" not in off.info["deciders"] and "bouncer" in early.info["deciders"]
    assert off.info["halting"] == early.info["halting"]
    assert off.info["nonhalting_proved"] < early.info["nonhalting_proved"]
    assert early.info["simulated_steps"] < off.info["simulated_steps"]


def test_sample_equals_cli_and_ranges_merge(cli, tmp_path):
    out = tmp_path / "s.ctm"
    cli("sample", "-n", 3, "-k", 2, "-m", 20000, "--seed", 42, "-o", out, "-q", "--backend", "cpu")
    whole = ctm.sample(3, 2, machines=20000, seed=42, backend="cpu")
    same_table(whole, ctm.Table.load(out))
    parts = [ctm.sample(3, 2, machines=m, seed=42, start=s, backend="cpu") for s, m in ((0, 7000), (7000, 13000))]
    same_table(ctm.Table.merge(*parts), whole)
    assert whole.info["seed"] == 42 and whole.info["ranges"] == [(0, 20000)]


def test_closed_forms_and_exact_counts():
    t = ctm.enumerate(2, 2)
    i = t.info
    assert i["machines"] == (2 * (2 * 2 + 1)) ** 4 == 10000
    assert i["runs"] == 2 * i["machines"] == i["halting"] + i["nonhalting_proved"] + i["nonhalting_cutoff"]
    assert sum(t.halting_times()) == i["halting"]
    a = t.to_numpy()
    total = sum((int(h) << 64) | int(l) for h, l in zip(a["count_hi"], a["count_lo"]))
    assert total == i["halting"]
    assert t.lookup("0") == int(a["count_lo"][a["string"] == "0"][0])
    # vectorised over lists and NumPy string arrays; absent strings: count 0, K = inf
    keys = np.array(["0", "1", "00", "0101010101010101"])
    counts = t.lookup(keys)
    assert counts.dtype == object and all(isinstance(c, int) for c in counts) and counts[3] == 0
    k = t.k(list(keys))
    assert np.isinf(k[3]) and abs(k[0] - (-np.log2(counts[0] / i["halting"]))) < 1e-12
    np.testing.assert_allclose(t.probability(keys[:3]), np.exp2(-k[:3]))
    # D(2,2) is symmetric under complement and reversal
    assert t.lookup("01") == t.lookup("10") == t.lookup("01"[::-1])


def test_counts_beyond_64_bits_stay_exact():
    t = ctm.enumerate(4, 2)  # machines = 18^8 = 11_019_960_576: fits, but the sums are checked exactly
    assert t.info["machines"] == 18 ** 8
    # D(4,2) covers every string of length <= 8 and misses some of length 9
    assert t.info["complete_length"] == 8
    assert all(t.lookup(format(i, "08b")) > 0 for i in range(256))
    assert any(t.lookup(format(i, "09b")) == 0 for i in range(512))
    df = pytest.importorskip("pandas") and t.to_pandas()
    assert df["count"].map(type).eq(int).all()
    assert sum(df["count"]) == t.info["halting"]


def test_to_pandas_keeps_strings():
    pd = pytest.importorskip("pandas")
    df = ctm.enumerate(2, 2).to_pandas()
    assert list(df.columns) == ["string", "length", "count", "k"]
    assert df["string"].iloc[0] == "0" and "00" in set(df["string"]) and "01" in set(df["string"])
    assert (df["length"] == df["string"].str.len()).all()
    assert pd.api.types.is_object_dtype(df["count"])


def test_shards_merge_to_the_whole_and_files_round_trip(tmp_path):
    whole = ctm.enumerate(3, 2)
    parts = [ctm.enumerate(3, 2, shard=(i, 3)) for i in range(3)]
    assert not parts[0].info["complete"]
    merged = parts[0].merge(parts[1], parts[2])
    assert merged.info["complete"] and merged.info["shard_count"] == 1
    same_table(merged, whole)
    assert len(parts[0]) < len(whole)  # inputs left unchanged
    path = tmp_path / "d32.ctm"
    merged.save(path)
    same_table(ctm.Table.load(path), whole)
    with pytest.raises(ValueError):
        ctm.Table.merge(whole, whole)  # the same shards twice
    (tmp_path / "bad.ctm").write_bytes(b"not a table")
    with pytest.raises(ValueError):
        ctm.Table.load(tmp_path / "bad.ctm")


def test_bad_arguments_raise_value_error():
    for kwargs in ({"states": 0, "symbols": 2}, {"states": 2, "symbols": 2, "dims": 3},
                   {"states": 2, "symbols": 2, "backend": "gpu"}, {"states": 2, "symbols": 2, "shard": (3, 3)},
                   {"states": 2, "symbols": 2, "threads": 0}):
        with pytest.raises(ValueError):
            ctm.enumerate(**kwargs)
    with pytest.raises(ValueError):
        ctm.sample(3, 2, machines=0)


def test_progress_callback_sees_the_run():
    calls = []
    t = ctm.enumerate(4, 2, threads=1, progress=lambda *a: calls.append(a), progress_interval=0.0)
    assert calls, "no progress reported"
    done, total = calls[-1][0], calls[-1][1]
    assert 0 < done <= total and all(c[0] <= c[1] for c in calls)
    assert t.info["halting"] > 0
    s_calls = []
    ctm.sample(3, 2, machines=400000, seed=1, backend="cpu", progress=lambda *a: s_calls.append(a), progress_interval=0.0)
    assert s_calls and s_calls[-1][1] == 400000


def test_progress_true_shows_a_bar(capsys, monkeypatch):
    pytest.importorskip("tqdm")
    ctm.enumerate(4, 2, threads=1, progress=True, progress_interval=0.0)
    err = capsys.readouterr().err
    assert "D(4,2)" in err and "item" in err  # tqdm's bar
    monkeypatch.setitem(sys.modules, "tqdm", None)  # without tqdm: one updating stderr line
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)
    ctm.enumerate(4, 2, threads=1, progress=True, progress_interval=0.0)
    err = capsys.readouterr().err
    assert err.startswith("\rD(4,2): ") and "%)" in err and err.endswith("\n")


def test_callback_exception_and_false_cancel():
    def boom(*a):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        ctm.enumerate(5, 2, threads=1, progress=boom, progress_interval=0.0)
    with pytest.raises(ctm.Cancelled):
        ctm.enumerate(5, 2, threads=1, progress=lambda *a: False, progress_interval=0.0)
    with pytest.raises(ctm.Cancelled):
        ctm.sample(4, 2, machines=10 ** 8, seed=1, backend="cpu", progress=lambda *a: False, progress_interval=0.0)


@pytest.mark.skipif(not hasattr(signal, "SIGINT"), reason="needs SIGINT")
def test_ctrl_c_interrupts_enumeration():
    # SIGINT to ourselves while D(5,2) (tens of seconds) runs: KeyboardInterrupt, promptly
    import threading
    import time

    timer = threading.Timer(0.3, lambda: os.kill(os.getpid(), signal.SIGINT))
    timer.start()
    t0 = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        ctm.enumerate(5, 2, threads=1)
    assert time.monotonic() - t0 < 10
