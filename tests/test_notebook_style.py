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


def _calls(source: str, names: set):
    """The calls of functions named in ``names`` in a code cell (IPython magics and ! lines skipped)."""
    import ast

    code = "\n".join(line for line in source.splitlines() if not line.lstrip().startswith(("%", "!")))
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            if name in names:
                yield node


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: str(p.relative_to(BOOK)))
def test_data_sets_are_downloaded_where_the_files_are_missing(path):
    """Here Debian's dataset-fashion-mnist provides the files; on Colab only the download does.
    A notebook that loads Fashion-MNIST without ``download=True`` runs here and stops on Colab."""
    import ast

    nb = json.loads(path.read_text(encoding="utf-8"))
    offline = []
    for i, cell in enumerate(nb["cells"]):
        if cell["cell_type"] != "code":
            continue
        for call in _calls("".join(cell["source"]), {"fashion_mnist"}):
            download = {k.arg: k.value for k in call.keywords}.get("download")
            if not (isinstance(download, ast.Constant) and download.value is True):
                offline.append(f"cell {i}, line {call.lineno}")
    assert not offline, f"{path.name}: fashion_mnist(...) without download=True at " + ", ".join(offline)
