"""The two workbooks a student opens carry no answers: not in their cells, not in their stored
outputs, not in their solution blocks; and the answers are not in the package in plain text.

The answers are computed here from the checkers (which read them off the models) or opened with
the teacher's release keys (book/teacher/questions/), and searched for in every spelling a page
could use. The teacher's pages do hold them, which shows the search can find them."""
import json
import re
from pathlib import Path

import pytest

from cnncourse.exercises import _data, googlenet, resnet

REPO = Path(__file__).resolve().parents[1]
BOOK = REPO / "book" / "assignments"
TEACHER = REPO / "book" / "teacher"
WORKBOOKS = ["googlenet_annotation.ipynb", "resnet_review.ipynb"]
pytestmark = pytest.mark.repo  # reads the checkout's book/; `make compat` deselects it
KEYS = {a: json.loads((TEACHER / "questions" / f"{a}.json").read_text(encoding="utf-8"))["release_key"]
        for a in ("googlenet", "resnet")}


def _text(path):
    """Every cell's source and every stored output of a notebook, as one string."""
    nb = json.loads(path.read_text(encoding="utf-8"))
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
    texts = []
    for size in (160, 200, 256, 300):   # part (a) at sizes a student may choose
        for name in googlenet.SHAPE_LAYERS:
            texts += _shape_spellings(googlenet._variant(size)[name]["out"])
    for name in googlenet.BRANCH_MODULES:
        widths = googlenet._widths(name)
        texts += [repr(widths), " + ".join(map(str, widths)), "+".join(map(str, widths))]
    for rec in _data.records("googlenet"):
        if rec["path"][0] == "costs":
            texts += _number_spellings(googlenet.COMPUTE[rec["answer"]["compute"]]({}, **rec["answer"]["args"]))
        if rec["path"][0] == "aux":
            letter = _data.opened("googlenet", rec, "answer", KEYS["googlenet"])
            key = rec["path"][1]
            texts += [f'"{key}": "{letter}"', f"{key}: **{letter}**", f"{key}: {letter}"]
    return texts


def _flat(text):
    return re.sub(r"\s+", " ", text)


def _options_shown_evenly(text):
    """The multiple choice's options are shown to students, every one of them: the right one must
    not stand out by being shown (or quoted in the prose) more often than a wrong one."""
    text, uneven = _flat(text), []
    for rec in _data.records("googlenet"):
        if "options" not in rec:
            continue
        letter = _data.opened("googlenet", rec, "answer", KEYS["googlenet"])
        for lang in ("en", "ko"):
            seen = {k: text.count(_flat(o[lang])) for k, o in rec["options"].items()}
            if seen[letter] > min(seen.values()):
                uneven.append(f"{rec['id']} ({lang}): {seen}")
    return uneven


def _resnet_answers():
    texts = []
    for rec in _data.records("resnet"):
        key = rec["id"]
        if "sealed" in rec["answer"]:
            value = _data.opened("resnet", rec, "answer", KEYS["resnet"])
        else:
            value = resnet.COMPUTE[rec["answer"]["compute"]]()
        if isinstance(value, str):
            texts += [f'"{key}": "{value}"', f"{key}: {value}", f"{key}: **{value}**"]
        else:
            texts += [f'"{key}": {value:g}', f'"{key}": {value:.2f}', f"{key}: {value:.2f}"]
    return texts


def _contains(text, needle):
    if needle[0].isdigit():
        return re.search(rf"(?<![\d.,_]){re.escape(needle)}(?![\d])", text) is not None
    return needle in text


@pytest.mark.parametrize("name, answers", [("googlenet_annotation.ipynb", _googlenet_answers),
                                           ("resnet_review.ipynb", _resnet_answers)])
def test_workbook_holds_no_answers(name, answers):
    text = _text(BOOK / name)
    found = [a for a in answers() if _contains(text, a)]
    assert found == [], f"{name} shows answers: {found[:10]}"
    if answers is _googlenet_answers:
        assert _options_shown_evenly(text) == []


def test_an_option_quoted_in_the_prose_would_stand_out():
    rec = next(r for r in _data.records("googlenet") if "options" in r)
    letter = _data.opened("googlenet", rec, "answer", KEYS["googlenet"])
    shown = "\n".join(o["en"] for o in rec["options"].values())
    assert _options_shown_evenly(shown) == []
    assert _options_shown_evenly(shown + "\nAs the slides say: " + rec["options"][letter]["en"])


def test_the_search_would_find_an_answer():
    # the search itself can fail: the teacher's answer key does hold the answers
    text = _text(TEACHER / "googlenet_answer_key.ipynb")
    assert any(_contains(text, a) for a in _googlenet_answers())
    text = _text(TEACHER / "resnet_answer_key.ipynb")
    assert any(_contains(text, a) for a in _resnet_answers())


def test_no_answer_in_plain_text_in_the_package():
    """Every file of the installed package is searched for each sealed answer and solution note,
    as the teacher's source writes it; the sealed files open with the keys to the same text."""
    package = REPO / "cnncourse"
    files = {p: p.read_text(encoding="utf-8", errors="ignore") for p in package.rglob("*")
             if p.is_file() and p.suffix in (".py", ".json", ".md", ".txt")}
    for assignment in ("googlenet", "resnet"):
        source = json.loads((TEACHER / "questions" / f"{assignment}.json").read_text(encoding="utf-8"))
        assert source["release_key"] not in "".join(files.values())
        for rec in source["questions"]:
            shipped = _data.record(assignment, rec["id"])
            assert _data.opened(assignment, shipped, "solution", KEYS[assignment]) == rec["solution"]
            needles = [rec["solution"]["en"][-60:], rec["solution"]["ko"][-40:]]
            if "value" in rec["answer"]:
                assert "sealed" in shipped["answer"]
                value = rec["answer"]["value"]
                needles += [f'"{rec["id"]}": "{value}"', f"{rec['id']}: {value}"] if isinstance(value, str) \
                    else [f"{value:g}"]
            for path, text in files.items():
                for needle in needles:
                    assert not _contains(text, needle), f"{path.relative_to(REPO)} holds the answer {needle!r}"


def test_public_helpers_return_no_answers():
    """No public function of the checkers hands out an answer before the release."""
    assert not hasattr(resnet, "questions_and_answers") and not hasattr(googlenet, "compute_facts")
    letters = {_data.opened("googlenet", r, "answer", KEYS["googlenet"]) for r in _data.records("googlenet")
               if "sealed" in r["answer"]}
    _data._RELEASED.clear()
    shown = "\n".join([str(googlenet.template()), str(resnet.template()), str(resnet.questions()),
                       str(resnet.questions("ko")), str(googlenet.rubric()), str(resnet.rubric()),
                       *(googlenet.solution(p) for p in ("shapes", "branches", "costs", "aux", "comments")),
                       *(resnet.solution(r["id"]) for r in _data.records("resnet"))])
    for text in _resnet_answers() + [t for t in _googlenet_answers() if not t[0].isdigit()]:
        assert not _contains(shown, text), text
    assert letters and all(f"training: {x}" not in shown for x in letters)
