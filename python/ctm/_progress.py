"""Progress reporting for long calls: a tqdm bar when tqdm is installed (a notebook widget in
Jupyter), else one updating line on stderr; or the caller's own callable."""
from __future__ import annotations

import sys
from typing import Any, Callable, Optional

# The callable the extension calls: (items_done, items_total, tree_nodes, machines, seconds) -> bool|None
Callback = Callable[[int, int, int, int, float], Optional[bool]]


class _Bar:
    def __init__(self, desc: str):
        self.desc = desc
        self.bar: Any = None
        try:
            from tqdm.auto import tqdm  # noqa: PLC0415

            self.bar = tqdm(total=0, desc=desc, unit="item", leave=True)
        except ImportError:
            self.bar = None

    def __call__(self, done: int, total: int, nodes: int, machines: int, seconds: float) -> None:
        if self.bar is not None:
            if self.bar.total != total:
                self.bar.total = total
            self.bar.update(done - self.bar.n)
        else:
            pct = 100.0 * done / total if total else 0.0
            sys.stderr.write(f"\r{self.desc}: {done}/{total} ({pct:.0f}%), {seconds:.1f} s")
            sys.stderr.flush()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
        else:
            sys.stderr.write("\n")


def make_callback(progress: Any, desc: str) -> tuple[Optional[Callback], Callable[[], None]]:
    """(callback for the extension, closer). progress: None/False, True, or a callable."""
    if progress is None or progress is False:
        return None, lambda: None
    if progress is True:
        bar = _Bar(desc)
        return bar, bar.close
    if callable(progress):
        return progress, lambda: None
    raise ValueError(f"progress must be None, True, False or a callable, not {progress!r}")
