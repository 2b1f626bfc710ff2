"""The assignments' questions as data: ``questions/<assignment>.json``, shipped with the package.

One record per question, in English and Korean::

    {"id": "costs.macs_naive", "path": ["costs", "macs_naive"], "part": "c",
     "kind": {"type": "count", "rtol": 0.005, "what": {"en": ..., "ko": ...}},
     "text": {"en": ..., "ko": ...}, "hint": {"en": ..., "ko": ...},
     "options": {"A": {"en": ..., "ko": ...}, ...},            (multiple choice only)
     "answer": {"compute": "naive_macs", "args": {...}}         (computed by the checker)
            or {"sealed": "..."},                               (a letter or a paper's number)
     "solution": {"sealed": "..."}}                             (the worked solution's note)

plus the assignment's parts with their weights, and the rubric of what is marked by hand.
The files are generated from the teacher's sources (``book/teacher/questions/``, plain text)
by ``scripts/seal_questions.py``, which seals every answer that is not computed and every
solution note under the assignment's release key (:mod:`._seal`); tests/test_exercises_data.py
fails when a file is not what its source gives.

The release: ``release(assignment, key)`` (``hw.release(KEY)`` in a notebook) checks the key
against the file's ``key_check`` and keeps it for the session; the sealed items then open.
"""
from __future__ import annotations

import functools
import json
from importlib import resources
from typing import Any, Optional

from ._lang import josa, pick, tr
from ._report import Choice, Count, Decimal, Kind, Part, Shape, IntTuple
from ._seal import WrongKey, unseal

_RELEASED: dict[str, str] = {}


@functools.cache
def load(assignment: str) -> dict:
    """The question file of ``assignment`` ('googlenet' or 'resnet'), parsed."""
    text = (resources.files(__package__) / "questions" / f"{assignment}.json").read_text(
        encoding="utf-8")
    return json.loads(text)


def records(assignment: str) -> list[dict]:
    return load(assignment)["questions"]


def record(assignment: str, qid: str) -> dict:
    return next(r for r in records(assignment) if r["id"] == qid)


def parts(assignment: str) -> list[Part]:
    return [Part(p["id"], p["weight"], p["title"], p.get("hand", False))
            for p in load(assignment)["parts"]]


def kind(spec: dict) -> Kind:
    """The :class:`~._report.Kind` a record's ``kind`` describes."""
    kinds = {
        "shape": lambda: Shape(spec.get("length", 3)),
        "widths": lambda: IntTuple(spec["length"], spec["what"], tuple(spec["example"])),
        "count": lambda: Count(spec.get("rtol", 0.0), spec.get("what"), spec.get("allow_zero", False),
                               spec.get("floats", True)),
        "decimal": lambda: Decimal(spec["atol"], spec.get("what")),
        "choice": lambda: Choice(spec.get("letters", "ABCD")),
    }
    return kinds[spec["type"]]()


# ------------------------------------------------------------------------------ the release

def _opens(assignment: str, key: str) -> bool:
    try:
        return unseal(key, f"{assignment}:key-check", load(assignment)["key_check"]) == assignment
    except WrongKey:
        return False


def release(assignment: str, key: str) -> str:
    """Keep ``key`` as ``assignment``'s release key for this session, once it proves to open the
    sealed items; returns a line saying so. A wrong key raises a ValueError that says so."""
    if not isinstance(key, str) or not _opens(assignment, key):
        raise ValueError(tr(
            "this key does not open the solutions of this assignment: copy it exactly as your teacher "
            "published it (each assignment has its own key)",
            "이 키로는 이 과제의 풀이를 열 수 없습니다. 선생님이 공개한 키를 그대로 복사해 넣으세요 "
            "(과제마다 키가 다릅니다)"))
    _RELEASED[assignment] = key.strip()
    return tr("Solutions released: hw.solution(...) now shows them, and hw.check scores every item.",
              "풀이가 공개되었습니다. 이제 hw.solution(...)으로 풀이를 볼 수 있고, hw.check가 모든 문항을 "
              "채점합니다.")


def released_key(assignment: str) -> Optional[str]:
    return _RELEASED.get(assignment)


def checked_key(assignment: str, key: Optional[str]) -> Optional[str]:
    """``key`` when it opens ``assignment`` (a ValueError otherwise); None stays None."""
    if key is None:
        return None
    if not isinstance(key, str) or not _opens(assignment, key):
        raise ValueError(f"the release key given does not open assignment {assignment!r}'s sealed "
                         "answers (each assignment has its own key: see the teacher's guide)")
    return key.strip()


def opened(assignment: str, rec: dict, field: str, key: str) -> Any:
    """The sealed ``field`` ('answer' or 'solution') of record ``rec``, opened with ``key``."""
    return unseal(key, f"{assignment}:{rec['id']}:{field}", rec[field]["sealed"])


def not_released(assignment: str, call: str) -> str:
    """What ``solution()`` says before the release."""
    return tr(
        f"Solutions are released by your teacher after the deadline, not by an attempt. When your "
        f"teacher publishes the release key of this assignment, run hw.release(\"KEY\") once in this "
        f"notebook; then {call} shows the worked solution, and hw.check also scores the items whose "
        f"answers are sealed until then (the multiple-choice letters and the numbers read off the "
        f"paper). Until then, hw.check's hints point you to where the answer is.",
        f"풀이는 시도한다고 열리지 않고, 마감 후에 선생님이 공개합니다. 선생님이 이 과제의 공개 키를 "
        f"알려 주면 이 노트북에서 hw.release(\"키\")를 한 번 실행하세요. 그러면 {josa(call, '이', '가')} 풀이를 "
        f"보여 주고, 그때까지 봉인된 문항(객관식 정답과 논문에서 읽는 수치)도 hw.check가 채점합니다. "
        f"그 전에는 hw.check의 힌트가 답을 찾을 곳을 알려 줍니다.")


def option_text(rec: dict, letter: str) -> str:
    return pick(rec["options"][letter])


# ------------------------------------------------------------------------------ the rubric

class Text(str):
    """A string that shows as plain text when it is the last value of a notebook cell."""

    def __repr__(self) -> str:
        return str(self)


class Markdown(str):
    """A string that a notebook renders as Markdown when it is the last value of a cell."""

    def _repr_markdown_(self) -> str:
        return str(self)

    def __repr__(self) -> str:
        return str(self)


LEVELS = {"full": 1.0, "half": 0.5, "none": 0.0}


def rubric(assignment: str) -> list[dict]:
    """The criteria marked by hand: ``id``, ``part``, ``points``, ``title`` and what earns
    ``full``, ``half`` and ``none`` of the points (each a ``{"en", "ko"}`` pair)."""
    return load(assignment)["rubric"]


def rubric_markdown(assignment: str, lang: str = "en") -> Markdown:
    """The hand-marked rubric as a Markdown table, in ``lang``."""
    from ._lang import language

    with language(lang):
        data = load(assignment)
        head = tr("| criterion | points | full marks | half marks | none |",
                  "| 기준 | 배점 | 만점 | 절반 | 0점 |")
        rows = [head, "|---|---|---|---|---|"]
        for c in rubric(assignment):
            cells = [f"{c['id']}. {pick(c['title'])}", f"{c['points']:g}"] + [
                pick(c[level]) for level in LEVELS]
            rows.append("| " + " | ".join(cell.replace("|", "\\|").replace("\n", " ") for cell in cells)
                        + " |")
        total = sum(c["points"] for c in rubric(assignment))
        hand = [p for p in parts(assignment) if p.hand]
        intro = tr(f"{total:g} points; each criterion is marked at one of three levels (full, half, none).",
                   f"모두 {total:g}점이며, 기준마다 세 단계(만점, 절반, 0점) 중 하나로 채점합니다.")
        if hand and hand[0].weight != total:
            intro += tr(f" In the assignment's score they count {hand[0].weight:g} of 100 "
                        f"(× {hand[0].weight / total:g}).",
                        f" 과제 점수에서는 100점 중 {hand[0].weight:g}점으로 환산합니다 "
                        f"(× {hand[0].weight / total:g}).")
        notes = pick(data["rubric_notes"]) if "rubric_notes" in data else ""
        return Markdown("\n".join([intro, "", *rows] + (["", notes] if notes else [])))


# ------------------------------------------------------------------------------ building the files

GENERATED = ("Generated by scripts/seal_questions.py from book/teacher/questions/{name}.json: edit "
             "that file, then run the script. Answers and solutions are sealed (cnncourse.exercises._seal).")


def build(source: dict) -> dict:
    """The shipped question file made from a teacher's source: every answer given as a value and
    every solution note sealed under the source's ``release_key``, the key itself left out and a
    ``key_check`` put in its place. Deterministic: the same source gives the same file."""
    from ._seal import seal

    name, key = source["assignment"], source["release_key"]
    out = {"generated": GENERATED.format(name=name)}
    for field_name, value in source.items():
        if field_name == "release_key":
            out["key_check"] = seal(key, f"{name}:key-check", name)
        elif field_name == "questions":
            out["questions"] = []
            for rec in value:
                rec = dict(rec)
                if "value" in rec["answer"]:
                    rec["answer"] = {"sealed": seal(key, f"{name}:{rec['id']}:answer", rec["answer"]["value"])}
                rec["solution"] = {"sealed": seal(key, f"{name}:{rec['id']}:solution", rec["solution"])}
                out["questions"].append(rec)
        else:
            out[field_name] = value
    return out


def dumps(data: dict) -> str:
    return json.dumps(data, ensure_ascii=False, indent=1) + "\n"
