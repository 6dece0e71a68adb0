"""ctm.collapse.run against `ctm collapse` (the CLI's per-generation CSV, printed to 9 digits) and
against the closed forms the simulator reports; bad configurations raise ValueError."""
import csv
import json

import numpy as np
import pytest

import ctm

CONFIG = {"label": "py", "learner": "categorical", "categories": 6, "generations": 12, "replicates": 40, "samples": 25,
          "seed": 5}


def read_cli_csv(path):
    with open(path) as f:
        return list(csv.DictReader(line for line in f if not line.startswith("#")))


def test_run_equals_cli(cli, tmp_path):
    cfg = tmp_path / "c.json"
    cfg.write_text(json.dumps(CONFIG))
    cli("collapse", "--config", cfg, "--out", tmp_path / "out", "-q")
    rows = read_cli_csv(tmp_path / "out" / "py.csv")
    run = ctm.collapse.run(config=CONFIG, threads=2)
    assert run.values.shape == (40, 13, len(run.metrics))
    assert len(rows) == 13 * len(run.metrics)
    checked = 0
    for row in rows:
        s = run.summary(row["metric"])
        t = int(row["generation"])
        for col in ("mean", "sd", "q05", "median", "q95"):
            want = float(row[col])
            if np.isnan(want):
                assert np.isnan(s[col][t])
            else:
                assert s[col][t] == pytest.approx(want, rel=1e-8, abs=1e-12), (row["metric"], t, col)
                checked += 1
        assert int(row["finite"]) == s["finite"][t]
    assert checked > 100


def test_results_do_not_depend_on_threads_and_follow_closed_forms():
    a = ctm.collapse.run(config=CONFIG, threads=1)
    b = ctm.collapse.run(config=CONFIG, threads=2)
    np.testing.assert_array_equal(a.values, b.values)
    # E[Gini-Simpson_t] = (1 - 1/N)^t (1 - sum p^2) for neutral resampling (docs/collapse.md)
    mean = a.summary("gini_simpson")["mean"]
    expected = a.expected["gini_simpson"]
    assert expected[0] == pytest.approx(1 - 1 / 6)
    assert np.all(np.abs(mean - expected) < 0.1)


def test_frames_and_presets():
    pytest.importorskip("pandas")
    run = ctm.collapse.run(config=CONFIG, replicates=10)
    df = run.to_pandas()
    assert list(df.columns[:3]) == ["generation", "metric", "finite"] and len(df) == 13 * len(run.metrics)
    long = run.to_pandas(summary=False)
    assert len(long) == run.values.size and set(long["replicate"]) == set(range(10))
    assert "shumailov-gaussian" in ctm.collapse.presets()
    runs = ctm.collapse.run(preset="shumailov-gaussian", replicates=4, generations=5)
    assert isinstance(runs, list) and runs[0].values.shape[:2] == (4, 6)


def test_bad_configs_raise_value_error():
    with pytest.raises(ValueError):
        ctm.collapse.run(config={"no_such_key": 1})
    with pytest.raises(ValueError):
        ctm.collapse.run(config={"replicates": -3})
    with pytest.raises(ValueError):
        ctm.collapse.run(preset="no-such-preset")
    with pytest.raises(ValueError):
        ctm.collapse.run()
