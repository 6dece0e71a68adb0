#!/usr/bin/env python3
"""The 4-symbol case of bench/compare_pybdm_kary.py (kept for the commands in docs/tables.md).

Usage: python3 bench/compare_b4.py s.tsv data/pybdm-ctm-b4-d12.tsv.gz
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from compare_pybdm_kary import main  # noqa: E402

if __name__ == "__main__":
    main(sys.argv[1:3] + ["--symbols", "4"] + sys.argv[3:])
