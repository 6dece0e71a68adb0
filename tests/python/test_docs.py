"""docs/python.md stays true: every ```python block in it runs (in order, each in a fresh namespace)."""
import re
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[2] / "docs" / "python.md"
BLOCKS = re.findall(r"```python\n(.*?)```", DOC.read_text(), flags=re.S)


def test_doc_has_examples():
    assert len(BLOCKS) >= 6


@pytest.mark.parametrize("i", range(len(BLOCKS)))
def test_doc_example_runs(i):
    if "plot" in BLOCKS[i]:
        mpl = pytest.importorskip("matplotlib")
        mpl.use("Agg")
    exec(compile(BLOCKS[i], f"docs/python.md block {i + 1}", "exec"), {})
