"""Where the package finds its tables: $CTM_DATA_DIR, then the copies installed with the package
(ctm/data), then the data/ folder of the source tree it was built from (the larger pybdm k = 5, 6,
9 tables are only there)."""
from __future__ import annotations

import os
from pathlib import Path

from . import _ctm

_HERE = Path(__file__).resolve().parent
_SOURCE = Path(_ctm.source_data_dir)


def data_dirs() -> list[Path]:
    dirs = []
    env = os.environ.get("CTM_DATA_DIR")
    if env:
        dirs.append(Path(env))
    dirs += [_HERE / "data", _SOURCE]
    return dirs


def data_file(name: str) -> str:
    """Path of a data file by name; ValueError naming the folders searched when it is absent."""
    for d in data_dirs():
        p = d / name
        if p.is_file():
            return str(p)
    searched = ", ".join(str(d) for d in data_dirs())
    raise ValueError(f"table '{name}' not found (searched {searched}; set CTM_DATA_DIR)")
