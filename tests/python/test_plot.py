"""Figures (matplotlib, Agg): each plot function draws what it says, log axes where values span
decades, and `python -m ctm plot` writes a PNG for a table file and a collapse folder."""
import subprocess
import sys

import numpy as np
import pytest

import ctm

mpl = pytest.importorskip("matplotlib")
mpl.use("Agg")
from ctm import plot  # noqa: E402


def test_table_figures():
    t = ctm.enumerate(3, 2)
    ax = plot.rank_frequency(t)
    x, y = ax.lines[0].get_data()
    assert len(x) == len(t) and np.all(np.diff(y) <= 0) and ax.get_xscale() == "log"
    ax = plot.k_vs_length(t)
    assert ax.get_ylabel() == "K (bits)" and len(ax.lines) == 3


def test_perturbation_map_shows_the_deltas():
    X = np.zeros((8, 8), dtype=int)
    X[2:6, 2:6] = 1
    b = ctm.BDM(ndim=2)
    ax = plot.perturbation_map(b, X)
    img = ax.images[0].get_array()
    pe = ctm.PerturbationExperiment(b, X.copy())
    np.testing.assert_allclose(img, pe.run().reshape(8, 8))


def test_collapse_curves_use_log_axes_for_decades():
    assert plot.spans_decades([1e-6, 1.0]) and not plot.spans_decades([0.5, 1.0])
    run = ctm.collapse.run(config={"learner": "categorical", "generations": 30, "replicates": 20, "samples": 10,
                                   "categories": 4})
    axes = plot.collapse_curves(run, metrics=["gini_simpson", "support"])
    assert [a.get_title() for a in axes[:2]] == ["gini_simpson", "support"]
    assert len(axes[0].collections) == 2  # 25-75% and 5-95% bands


def test_python_m_ctm_plot(tmp_path, cli):
    table = tmp_path / "d32.ctm"
    ctm.enumerate(3, 2).save(table)
    out = subprocess.run([sys.executable, "-m", "ctm", "plot", str(table)], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == str(table) + ".png" and (tmp_path / "d32.ctm.png").stat().st_size > 1000
    cli("collapse", "--learner", "categorical", "-g", 8, "-r", 10, "-N", 10, "--out", tmp_path / "run", "-q")
    out = subprocess.run([sys.executable, "-m", "ctm", "plot", str(tmp_path / "run")], capture_output=True, text=True,
                         check=True)
    assert (tmp_path / "run" / "curves.png").stat().st_size > 1000
    bad = subprocess.run([sys.executable, "-m", "ctm", "plot", str(tmp_path / "nothing")], capture_output=True, text=True)
    assert bad.returncode == 1 and bad.stderr.startswith("ctm: error:")
