"""Every notebook's code fits the page's code column, and no module repr (torch-version dependent) is stored."""
import json
from pathlib import Path

import pytest

BOOK = Path(__file__).resolve().parents[1] / "book"
NOTEBOOKS = sorted(BOOK.rglob("*.ipynb"))
WIDTH = 80  # characters: about what the book's code column shows without a scroll bar
pytestmark = pytest.mark.repo  # reads the checkout's book/; `make compat` deselects it


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: str(p.relative_to(BOOK)))
def test_code_lines_fit_the_column(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    wide = [(i, line) for i, cell in enumerate(nb["cells"]) if cell["cell_type"] == "code"
            for line in "".join(cell["source"]).splitlines() if len(line) > WIDTH]
    assert not wide, f"{path.name}: code lines over {WIDTH} characters: " + \
        "; ".join(f"cell {i}: {line[:50]}… ({len(line)})" for i, line in wide[:5])


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: str(p.relative_to(BOOK)))
def test_no_batchnorm_repr_in_outputs(path):
    """BatchNorm2d's repr gained ``bias=True`` in torch 2.14: a stored repr fails nbval elsewhere."""
    import re

    nb = json.loads(path.read_text(encoding="utf-8"))
    outputs = json.dumps([c.get("outputs", []) for c in nb["cells"] if c["cell_type"] == "code"])
    assert not re.search(r"BatchNorm2d\(\d+, eps=", outputs), f"{path.name} stores a BatchNorm2d repr"
