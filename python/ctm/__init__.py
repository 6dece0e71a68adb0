"""ctm: exact Coding Theorem Method tables, BDM (a drop-in for pybdm) and model-collapse runs, over
the project's C++ library (docs/python.md).

    import ctm
    t = ctm.enumerate(4, 2)                 # exact D(4,2), a ctm.Table
    bdm = ctm.BDM(ndim=1)                   # as pybdm.BDM, same numbers
    bdm.bdm_batch(strings, threads=4)       # many arrays in one call
    runs = ctm.collapse.run(preset="...")   # per-generation metrics
"""
from __future__ import annotations

from . import collapse
from ._ctm import Cancelled, CtmError, __version__, cuda_available, normalize_key
from .bdm import (BDM, BDMRuntimeWarning, InputError, PerturbationExperiment, acss, likelihood_d, likelihood_ratio,
                  local_complexity, options, prob_random)
from .partitions import PartitionAcss, PartitionCorrelated, PartitionIgnore, PartitionPeriodic, PartitionRecursive
from .tables import Table, enumerate, sample

__all__ = [
    "BDM", "BDMRuntimeWarning", "Cancelled", "CtmError", "InputError", "PartitionAcss", "PartitionCorrelated",
    "PartitionIgnore", "PartitionPeriodic", "PartitionRecursive", "PerturbationExperiment", "Table", "__version__",
    "acss", "collapse", "cuda_available", "enumerate", "likelihood_d", "likelihood_ratio", "local_complexity",
    "normalize_key", "options", "prob_random", "sample",
]
