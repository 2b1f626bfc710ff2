"""Assignment 2, "review the ResNet paper" (ResNet 논문 review): part 1's reading questions and
their checker; part 2's template and rubric.

Part 1's questions need the paper itself (He et al. 2015: §3.4's testing, §4.1's discussion of
the shortcut options and its footnote, the bottleneck design, §4.2's layer responses and its
1202-layer net, the detection results), not the book. They are data (``questions/resnet.json``:
one record per question with its text, hint, options and solution in English and Korean); the
letters and the numbers read off the paper are sealed until the teacher releases them
(:mod:`._seal`), so ``check`` records those answers without scoring them until then, and scores
the code question, whose answer it computes from the models. Answers go into one flat dict::

    answers = {"figure7": "A", ..., "table4_top5": 1.23, "bottleneck_projection_ratio": 1.5}

Part 2, the review, is marked by the teacher with :func:`rubric`; :func:`review_template` gives
its template (English or Korean) with one section per rubric criterion.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

import torch

from ..analysis import count_params
from . import _data
from ._data import Markdown, Text
from ._lang import checked, josa, language, pick, tr
from ._report import Question, Report, run_checks
from ._submission import hand_in as _hand_in

__all__ = ["check", "template", "questions", "solution", "release", "save", "review_template",
           "rubric", "CHECKER_VERSION"]

ASSIGNMENT = "resnet"
CHECKER_VERSION = _data.load(ASSIGNMENT)["checker_version"]
TITLE = _data.load(ASSIGNMENT)["title"]
_EXAMPLE = "{'figure7': 'A'}"


def _projection_ratio() -> float:
    """§4.1's claim measured: a conv2_x bottleneck's parameters with a projection shortcut over
    those with the identity (the package's Bottleneck, built on ``meta``)."""
    from ..models.resnet import Bottleneck

    with torch.device("meta"):
        projection = Bottleneck(256, 64, shortcut="C")
        identity = Bottleneck(256, 64, shortcut="B")
    return count_params(projection) / count_params(identity)


# How each computed answer is computed: the records' "answer": {"compute": name}.
COMPUTE = {"bottleneck_projection_ratio": _projection_ratio}


def _question(rec: dict) -> Question:
    if "sealed" in rec["answer"]:
        expected = lambda answers, key: _data.opened(ASSIGNMENT, rec, "answer", key)  # noqa: E731
    else:
        fn = COMPUTE[rec["answer"]["compute"]]
        expected = lambda answers: fn()  # noqa: E731
    return Question(tuple(rec["path"]), _data.kind(rec["kind"]), expected, rec["hint"], rec["part"],
                    sealed="sealed" in rec["answer"])


def _questions() -> list[Question]:
    return [_question(rec) for rec in _data.records(ASSIGNMENT)]


def template() -> dict:
    """The blank answer dict: every question present, every value ``None`` ("not answered")."""
    return {rec["id"]: None for rec in _data.records(ASSIGNMENT)}


def questions(lang: str = "en") -> Text:
    """Part 1's questions with their options, numbered, in ``lang`` (no answers)."""
    import textwrap

    with language(checked(lang)):
        lines = []
        for number, rec in enumerate(_data.records(ASSIGNMENT), start=1):
            where = tr(f" ({rec['source']})", f" ({rec['source']})")
            code = tr("Code: ", "코드: ") if rec.get("code") else ""
            text = pick(rec["text"])
            if code and text.startswith(code):
                code = ""
            lines.append(textwrap.fill(f"{number}. [{rec['id']}]{where} {code}{text}", width=78,
                                       subsequent_indent="   "))
            for letter, option in rec.get("options", {}).items():
                lines.append(textwrap.fill(pick(option), width=78, initial_indent=f"     {letter}) ",
                                           subsequent_indent="        "))
        return Text("\n".join(lines))


def check(answers: Any, lang: str = "en", key: Optional[str] = None) -> Report:
    """Check part 1's answers; returns a report (print it, or show it in a notebook), in ``lang``.

    ``key``: the release key, which scores the sealed questions (default: the one given to
    :func:`release` in this session, if any; without one they are recorded, not scored). Never
    raises because of the answers: wrong forms, unknown keys and a non-dict are reported with a
    message naming the item and the form expected.
    """
    lang = checked(lang)
    key = _data.checked_key(ASSIGNMENT, key) if key is not None else _data.released_key(ASSIGNMENT)
    return run_checks(TITLE, _questions(), answers, _EXAMPLE, lang=lang, parts=_data.parts(ASSIGNMENT),
                      key=key)


def release(key: str) -> str:
    """Open this assignment's sealed answers and solutions with the key your teacher published."""
    return _data.release(ASSIGNMENT, key)


def save(answers: Any, path="assignment2.json", student: str = "", lang: str = "en",
         announce: bool = True):
    """Write ``answers`` to ``path`` as a submission file (JSON) for ``cnncourse grade resnet``;
    says where the file is and, on Colab, offers it for download. Returns the path."""
    return _hand_in(ASSIGNMENT, CHECKER_VERSION, answers, path, student, lang, announce)


def solution(key: str, lang: str = "en") -> Text:
    """The answer to question ``key`` and where the paper settles it, once your teacher has
    released the solutions (:func:`release`); before that, how the release works."""
    ids = [rec["id"] for rec in _data.records(ASSIGNMENT)]
    if key not in ids:
        raise ValueError(f"key must be one of the question keys ({', '.join(ids)}); got {key!r}")
    with language(checked(lang)):
        released = _data.released_key(ASSIGNMENT)
        if released is None:
            return Text(_data.not_released(ASSIGNMENT, f"hw.solution({key!r})"))
        rec = _data.record(ASSIGNMENT, key)
        note = pick(_data.opened(ASSIGNMENT, rec, "solution", released))
        if "sealed" in rec["answer"]:
            value = _data.opened(ASSIGNMENT, rec, "answer", released)
            shown = f"{value} — {_data.option_text(rec, value)}" if "options" in rec else f"{value:g}"
        else:
            shown = f"{COMPUTE[rec['answer']['compute']]():.4g}"
        return Text(f"{key}: {shown}\n{note}")


# ------------------------------------------------------------------------------ part 2

def rubric(lang: str = "en") -> Markdown:
    """Part 2's marking rubric (the review's 100 points: nine criteria at three levels each, then
    the deductions), as Markdown in ``lang``."""
    return _data.rubric_markdown(ASSIGNMENT, checked(lang))


def _package_text(name: str) -> str:
    from importlib import resources

    return (resources.files(__package__) / name).read_text(encoding="utf-8")


def review_template(path=None, lang: str = "en"):
    """Part 2's template: the review's sections, one per rubric criterion, and what each must
    answer, in English or Korean (``lang="ko"``).

    Without ``path``, the template as Markdown (shown in a notebook). With ``path``, the template
    is written there to be filled in, and the path returned; an existing file is never
    overwritten, so a review in progress cannot be lost by running the cell again.
    """
    name = "resnet_review_template.md" if checked(lang) == "en" else "resnet_review_template_ko.md"
    text = _package_text(name)
    if path is None:
        return Markdown(text)
    path = Path(path)
    if path.exists():
        with language(lang):
            raise FileExistsError(tr(
                f"{path} exists already (your review?); the template is only written to a new file: "
                "give another path, or delete or rename that file",
                f"{josa(str(path), '이', '가')} 이미 있습니다 (작성 중인 리뷰인가요?). 양식은 새 파일에만 씁니다: 다른 "
                "경로를 주거나, 그 파일을 지우거나 이름을 바꾸세요"))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path
