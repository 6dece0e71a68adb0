"""Figures with matplotlib (optional: pip install matplotlib): a table's rank-frequency and
K-vs-length, a BDM perturbation map of an image, collapse metric curves with bands (log axes where
the values span decades). Each function draws on `ax` (a new figure when None) and returns the axes."""
from __future__ import annotations

import csv
import os
from typing import Any, Optional, Sequence

import numpy as np


def _plt() -> Any:
    try:
        import matplotlib  # noqa: PLC0415

        if not os.environ.get("DISPLAY") and "MPLBACKEND" not in os.environ:
            matplotlib.use("Agg")
        import matplotlib.pyplot as plt  # noqa: PLC0415
    except ImportError as e:
        raise ImportError("ctm.plot needs matplotlib: pip install matplotlib") from e
    return plt


def _axes(ax: Any) -> Any:
    return ax if ax is not None else _plt().subplots(figsize=(6, 4))[1]


def spans_decades(values: Any, decades: float = 2.0) -> bool:
    """True when the positive finite values span more than `decades` powers of ten (log axis)."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v) & (v > 0)]
    return v.size > 1 and np.log10(v.max() / v.min()) > decades


def rank_frequency(table: Any, ax: Any = None) -> Any:
    """D(s) against rank, log-log (the table's Zipf-like curve)."""
    ax = _axes(ax)
    k = np.sort(table.to_numpy()["k"])
    ax.loglog(np.arange(1, k.size + 1), np.exp2(-k), ".", ms=2)
    ax.set_xlabel("rank")
    ax.set_ylabel("D(s) = count / H")
    ax.set_title(f"rank-frequency, {table.info['space']} cutoff {table.info['cutoff']}")
    return ax


def k_vs_length(table: Any, ax: Any = None) -> Any:
    """K(s) of every output against its length, with the minimum and maximum per length."""
    ax = _axes(ax)
    a = table.to_numpy()
    lengths = np.char.str_len(a["string"])
    ax.plot(lengths + np.random.default_rng(0).uniform(-0.2, 0.2, lengths.size), a["k"], ".", ms=2, alpha=0.4,
            label="outputs")
    ls = np.unique(lengths)
    ax.plot(ls, [a["k"][lengths == n].min() for n in ls], "-", label="min K")
    ax.plot(ls, [a["k"][lengths == n].max() for n in ls], "-", label="max K")
    ax.set_xlabel("output length")
    ax.set_ylabel("K (bits)")
    ax.set_title(f"K vs length, {table.info['space']}")
    ax.legend()
    return ax


def perturbation_map(bdm: Any, X: Any, ax: Any = None) -> Any:
    """Each cell coloured by the change of BDM when it is flipped (to the next symbol mod k);
    negative (blue) cells make X simpler when changed."""
    from .bdm import PerturbationExperiment  # noqa: PLC0415

    X = np.array(X, copy=True)
    pe = PerturbationExperiment(bdm, X)
    idx = np.array(list(np.ndindex(*X.shape)))
    values = (X.ravel() + 1) % bdm.nsymbols
    d = pe.run(idx, values).reshape(X.shape)
    ax = _axes(ax)
    if d.ndim == 1:
        d = d[None, :]
    lim = float(np.abs(d).max()) or 1.0
    im = ax.imshow(d, cmap="RdBu_r", vmin=-lim, vmax=lim, interpolation="nearest")
    ax.figure.colorbar(im, ax=ax, label="BDM change (bits)")
    ax.set_title("BDM perturbation map")
    return ax


def _bands(ax: Any, g: Any, s: dict, label: str, expected: Optional[Any] = None) -> None:
    line = ax.plot(g, s["median"], label=label)[0]
    ax.fill_between(g, s["q25"], s["q75"], color=line.get_color(), alpha=0.3, lw=0)
    ax.fill_between(g, s["q05"], s["q95"], color=line.get_color(), alpha=0.12, lw=0)
    if expected is not None and np.isfinite(expected).any():
        ax.plot(g, expected, "--", color=line.get_color(), lw=1)


def collapse_curves(runs: Any, metrics: Optional[Sequence[str]] = None, axes: Any = None) -> Any:
    """One panel per metric: median over replicates, 25-75% and 5-95% bands, closed form dashed;
    several runs overlaid. runs: a Run, a list of Runs, or summaries read by read_run_dir."""
    runs = runs if isinstance(runs, (list, tuple)) else [runs]
    summaries = [r if isinstance(r, dict) else _summaries(r) for r in runs]
    names = list(metrics) if metrics else list(dict.fromkeys(m for s in summaries for m in s["metrics"]))
    if axes is None:
        cols = min(3, len(names))
        rows = (len(names) + cols - 1) // cols
        fig, axes = _plt().subplots(rows, cols, figsize=(4.5 * cols, 3.2 * rows), squeeze=False)
        axes = axes.ravel()
        for extra in axes[len(names):]:
            extra.set_visible(False)
    for ax, name in zip(axes, names):
        values = []
        for s in summaries:
            if name in s["metrics"]:
                m = s["metrics"][name]
                _bands(ax, s["generation"], m, s["label"], m.get("expected"))
                values += [m["q05"], m["q95"], m["median"]]
        if values and spans_decades(np.concatenate(values)):
            ax.set_yscale("log")
        ax.set_title(name)
        ax.set_xlabel("generation")
    axes[0].legend(fontsize="small")
    return axes


def _summaries(run: Any) -> dict:
    return {"label": run.label, "generation": run.generations,
            "metrics": {m: {**run.summary(m), "expected": run.expected.get(m)} for m in run.metrics}}


def read_run_dir(path: str) -> list[dict]:
    """Summaries from a `ctm collapse --out DIR` folder (one CSV per run)."""
    out = []
    for name in sorted(os.listdir(path)):
        if not name.endswith(".csv"):
            continue
        metrics: dict = {}
        with open(os.path.join(path, name)) as f:
            rows = csv.DictReader(line for line in f if not line.startswith("#"))
            for row in rows:
                m = metrics.setdefault(row["metric"], {k: [] for k in ("generation", "median", "q05", "q25", "q75", "q95", "expected")})
                for k in m:
                    v = row.get(k, "")
                    m[k].append(float(v) if v not in ("", None) else np.nan)
        if not metrics:
            continue
        first = next(iter(metrics.values()))
        out.append({"label": name[:-4], "generation": np.array(first["generation"]),
                    "metrics": {k: {c: np.array(v) for c, v in m.items()} for k, m in metrics.items()}})
    if not out:
        raise ValueError(f"'{path}' has no collapse CSV files (ctm collapse --out DIR)")
    return out


def plot_path(path: str, out: Optional[str] = None) -> str:
    """`python -m ctm plot PATH`: a table file -> rank-frequency and K-vs-length; a collapse output
    folder -> metric curves. Writes a PNG (default PATH.png or DIR/curves.png); returns its path."""
    plt = _plt()
    if os.path.isdir(path):
        axes = collapse_curves(read_run_dir(path))
        fig = axes[0].figure
        out = out or os.path.join(path, "curves.png")
    elif os.path.isfile(path):
        from .tables import Table  # noqa: PLC0415

        t = Table.load(path)
        fig, (a, b) = plt.subplots(1, 2, figsize=(11, 4))
        rank_frequency(t, a)
        k_vs_length(t, b)
        out = out or path + ".png"
    else:
        raise ValueError(f"'{path}' is neither a table file nor a collapse output folder")
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return out
