"""The two workbooks a student opens carry no answers: not in their cells, not in their stored
outputs, not in their solution blocks. The answers are computed here from the checkers (which
read them off the models) and searched for in every spelling a page could use."""
import json
import re
from pathlib import Path

import pytest

from cnncourse.exercises import googlenet, resnet

BOOK = Path(__file__).resolve().parents[1] / "book" / "assignments"
WORKBOOKS = ["googlenet_annotation.ipynb", "resnet_review.ipynb"]
pytestmark = pytest.mark.repo  # reads the checkout's book/; `make compat` deselects it


def _text(name):
    """Every cell's source and every stored output of a notebook, as one string."""
    nb = json.loads((BOOK / name).read_text(encoding="utf-8"))
    parts = []
    for cell in nb["cells"]:
        parts.append("".join(cell["source"]))
        for out in cell.get("outputs", []):
            parts.append("".join(out.get("text", "")))
            for value in out.get("data", {}).values():
                parts.append("".join(value) if isinstance(value, list) else str(value))
    return "\n".join(parts)


def _shape_spellings(shape):
    c, h, w = shape
    seps = ["×", "x", " × ", " x ", "*"]
    out = [f"{c}{s}{h}{s}{w}" for s in seps] + [f"({c}, {h}, {w})", f"({c},{h},{w})", f"[{c}, {h}, {w}]"]
    return out + [f"{h}{s}{w}{s}{c}" for s in seps]


def _number_spellings(n):
    return [f"{n}", f"{n:,}", f"{n:_}"]


def _googlenet_answers():
    shapes = googlenet._shapes()
    texts = []
    for name in googlenet.SHAPE_LAYERS:
        texts += _shape_spellings(shapes[name])
    for name, widths in googlenet._branches().items():
        texts += [repr(widths), " + ".join(map(str, widths)), "+".join(map(str, widths))]
        texts += [f'"{name}": {shapes[name][0]}', f"{' + '.join(map(str, widths))} = {sum(widths)}"]
    for n in googlenet._facts()["macs"]:
        texts += _number_spellings(n)
    for key, letter in googlenet._facts()["aux"].items():
        texts += [f'"{key}": "{letter}"', f"{key}: **{letter}**", f"{key}: {letter}"]
    return texts


def _resnet_answers():
    texts = []
    for key, question in resnet.questions_and_answers().items():
        value = question
        if isinstance(value, str):
            texts += [f'"{key}": "{value}"', f"{key}: {value}", f"{key}: **{value}**"]
        elif isinstance(value, int):
            texts += _number_spellings(value) if value > 100 else [f'"{key}": {value}']
        else:
            texts += [f'"{key}": {value:g}', f'"{key}": {value:.1f}', f'"{key}": {value:.2f}']
    return texts


def _contains(text, needle):
    if needle[0].isdigit():
        return re.search(rf"(?<![\d.,_]){re.escape(needle)}(?![\d])", text) is not None
    return needle in text


@pytest.mark.parametrize("name, answers", [("googlenet_annotation.ipynb", _googlenet_answers),
                                           ("resnet_review.ipynb", _resnet_answers)])
def test_workbook_holds_no_answers(name, answers):
    text = _text(name)
    found = [a for a in answers() if _contains(text, a)]
    assert found == [], f"{name} shows answers: {found[:10]}"


def test_the_search_would_find_an_answer():
    # the search itself can fail: the answer key page does hold the answers
    text = _text("googlenet_reference.ipynb")
    assert any(_contains(text, a) for a in _googlenet_answers())
