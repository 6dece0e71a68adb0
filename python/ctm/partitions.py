"""Partition (decomposition) classes with pybdm's names and arguments, plus ctm's periodic and acss
decompositions (docs/bdm.md). Each only records its parameters; the C++ scorer does the work."""
from __future__ import annotations

from typing import Tuple


class _Partition:
    name = "none"

    def __init__(self, shape: Tuple[int, ...]):
        self.shape = tuple(int(x) for x in shape)

    @property
    def params(self) -> list[str]:
        return [f"shape={self.shape}"]

    def __repr__(self) -> str:
        return f"<{type(self).__name__}({', '.join(self.params)})>"

    # (partition name, shift, min_length, delta) for the C++ scorer
    def _native(self) -> tuple[str, int, int, int]:
        return self.name, 0, 2, 0


class PartitionIgnore(_Partition):
    """Non-overlapping blocks from the origin, leftovers dropped (pybdm's default)."""

    name = "ignore"


class PartitionCorrelated(PartitionIgnore):
    """Windows every `shift` cells in each dimension, full blocks only."""

    name = "correlated"

    def __init__(self, shape: Tuple[int, ...], shift: int = 1):
        super().__init__(shape)
        if shift < 1:
            raise AttributeError("'shift' has to be a positive integer")
        self.shift = int(shift)

    @property
    def params(self) -> list[str]:
        return super().params + [f"shift={self.shift}"]

    def _native(self) -> tuple[str, int, int, int]:
        return "correlated", self.shift, 2, 0


class PartitionRecursive(_Partition):
    """Non-overlapping blocks; leftovers re-cut into square blocks of their smaller side, recursively,
    parts with a side below `min_length` dropped."""

    name = "recursive"

    def __init__(self, shape: Tuple[int, ...], min_length: int = 2):
        super().__init__(shape)
        self.min_length = int(min_length)

    @property
    def params(self) -> list[str]:
        return super().params + [f"min_length={self.min_length}"]

    def _native(self) -> tuple[str, int, int, int]:
        return "recursive", 0, self.min_length, 0


class PartitionPeriodic(_Partition):
    """The object wraps around (ring in 1D, torus in 2D); windows every `shift` cells (default: the
    block size), so every cell is in full blocks. Not in pybdm."""

    name = "periodic"

    def __init__(self, shape: Tuple[int, ...], shift: int = 0):
        super().__init__(shape)
        if shift < 0:
            raise AttributeError("'shift' has to be >= 0 (0 = the block size)")
        self.shift = int(shift)

    @property
    def params(self) -> list[str]:
        return super().params + [f"shift={self.shift}"]

    def _native(self) -> tuple[str, int, int, int]:
        return "periodic", self.shift, 2, 0


class PartitionAcss(_Partition):
    """acss's bdm() windows (1D): starts 0, delta, 2 delta, ...; a shorter last block to the end is
    kept. delta 0 = the block size (acss's default). Not in pybdm."""

    name = "acss"

    def __init__(self, shape: Tuple[int, ...], delta: int = 0):
        super().__init__(shape)
        if delta < 0:
            raise AttributeError("'delta' has to be >= 0 (0 = the block size)")
        self.delta = int(delta)

    @property
    def params(self) -> list[str]:
        return super().params + [f"delta={self.delta}"]

    def _native(self) -> tuple[str, int, int, int]:
        return "acss", 0, 2, self.delta
