"""Model-collapse runs from Python (docs/collapse.md): ctm.collapse.run(preset=NAME) or
run(config=dict) runs the C++ simulator without the GIL and returns per-generation metrics as NumPy
arrays (Run.values[replicate, generation, metric]) and pandas DataFrames."""
from __future__ import annotations

import json
from typing import Any, Optional, Union

import numpy as np

from . import _ctm

QUANTILES = {"q05": 0.05, "q25": 0.25, "median": 0.5, "q75": 0.75, "q95": 0.95}


class Run:
    """One run: `values` (replicates, generations + 1, metrics), `metrics` (names), `expected`
    (closed-form curves by metric), `config` (dict), `label`."""

    def __init__(self, raw: dict):
        self.label: str = raw["label"]
        self.config: dict = json.loads(raw["config"])
        self.metrics: list[str] = list(raw["metrics"])
        self.values: np.ndarray = np.asarray(raw["values"])
        self.generations = np.arange(self.values.shape[1])
        self.expected: dict[str, np.ndarray] = {k: np.asarray(v) for k, v in raw["expected"].items()}
        self.reference: dict[str, float] = dict(raw["reference"])
        self.fixation_time = np.asarray(raw["fixation_time"], dtype=int)
        self.seconds: float = raw["seconds"]

    def __repr__(self) -> str:
        r, g, m = self.values.shape
        return f"<ctm.collapse.Run '{self.label}': {r} replicates, {g - 1} generations, {m} metrics>"

    def metric(self, name: str) -> np.ndarray:
        """(replicates, generations + 1) values of one metric."""
        if name not in self.metrics:
            raise ValueError(f"no metric '{name}' (have {', '.join(self.metrics)})")
        return self.values[:, :, self.metrics.index(name)]

    def summary(self, name: str) -> dict[str, np.ndarray]:
        """Per generation over replicates (non-finite values left out, as the CLI's CSV): mean, sd,
        se, q05, q25, median, q75, q95, finite."""
        v = self.metric(name)
        finite = np.isfinite(v)
        n = finite.sum(axis=0)
        out: dict[str, np.ndarray] = {"finite": n}
        with np.errstate(invalid="ignore", divide="ignore"):
            masked = np.where(finite, v, np.nan)
            import warnings  # noqa: PLC0415

            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                out["mean"] = np.nanmean(masked, axis=0)
                out["sd"] = np.where(n > 1, np.nanstd(masked, axis=0, ddof=1), 0.0)
                out["se"] = np.where(n > 0, out["sd"] / np.sqrt(np.maximum(n, 1)), np.nan)
                for q, p in QUANTILES.items():
                    out[q] = np.nanquantile(masked, p, axis=0)
        return out

    def to_pandas(self, summary: bool = True) -> Any:
        """summary=True: one row per (generation, metric) with mean, sd, se, quantiles, expected (the
        CLI's CSV columns). summary=False: long form (replicate, generation, metric, value)."""
        import pandas as pd  # noqa: PLC0415

        if not summary:
            r, g, m = self.values.shape
            rep, gen, met = np.meshgrid(np.arange(r), np.arange(g), np.arange(m), indexing="ij")
            return pd.DataFrame({"replicate": rep.ravel(), "generation": gen.ravel(),
                                 "metric": np.asarray(self.metrics, dtype=object)[met.ravel()], "value": self.values.ravel()})
        frames = []
        for name in self.metrics:
            s = self.summary(name)
            f = pd.DataFrame({"generation": self.generations, "metric": name, **s})
            f["expected"] = self.expected.get(name, np.full(len(self.generations), np.nan))
            frames.append(f)
        return pd.concat(frames, ignore_index=True).sort_values("generation", kind="stable").reset_index(drop=True)


def presets() -> list[str]:
    """Names of the presets (`ctm collapse --list-presets`)."""
    return list(_ctm.collapse_preset_names())


def preset_configs(name: str) -> list[dict]:
    """The configurations of a preset's runs."""
    return [json.loads(c) for c in _ctm.collapse_preset(name)]


def default_config() -> dict:
    """Every configuration key with its default value."""
    return json.loads(_ctm.collapse_default_config())


def run(preset: Optional[str] = None, config: Optional[Union[dict, str]] = None, threads: Optional[int] = None,
        **overrides: Any) -> Union[Run, list[Run]]:
    """Runs a preset (a list of Run, one per run of the preset) or one configuration (a Run).

    config: a dict (or JSON text) with the keys of docs/collapse.md (missing keys keep their
    defaults, unknown keys are a ValueError); overrides are applied on top (e.g. replicates=20)."""
    if (preset is None) == (config is None):
        raise ValueError("give exactly one of preset=NAME or config=dict")
    t = 0 if threads is None else int(threads)
    if preset is not None:
        out = []
        for c in preset_configs(preset):
            c.update(overrides)
            out.append(Run(_ctm.collapse_run(json.dumps(c), t)))
        return out
    c = json.loads(config) if isinstance(config, str) else dict(config)
    c.update(overrides)
    return Run(_ctm.collapse_run(json.dumps(c), t))
