"""python -m ctm plot PATH [--out FILE]: figures of a table file or a `ctm collapse --out` folder."""
from __future__ import annotations

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m ctm", description="ctm's Python tools")
    sub = p.add_subparsers(dest="command", required=True)
    pl = sub.add_parser("plot", help="figures of a table file (rank-frequency, K vs length) or a collapse run folder")
    pl.add_argument("path", help="a .ctm table file or a `ctm collapse --out` folder")
    pl.add_argument("--out", "-o", help="output image (default PATH.png, or DIR/curves.png)")
    a = p.parse_args(argv)
    try:
        from .plot import plot_path  # noqa: PLC0415

        print(plot_path(a.path, a.out))
    except (ValueError, ImportError, OSError) as e:
        print(f"ctm: error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
