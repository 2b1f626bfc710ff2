"""Grading a class: :func:`grade`, behind ``python -m cnncourse grade googlenet|resnet FILES...``.

Each submission is a JSON file written by ``hw.save(answers, path, student=...)``. It is read
as data and checked with the assignment's ``check``; no student code is ever run. What a
teacher can rely on:

- Every file gives exactly one CSV row: a graded one its score and its counts per part, one that
  cannot be graded (broken, empty, too large or too deep, not a submission, the other
  assignment's) the reason in one line; a folder with no ``*.json`` file, or one that cannot be
  read, a row saying so. The batch always finishes: each file is read under caps on its size,
  nesting and comment length, and graded under a guard of its own.
- The outputs never replace an input, and both are checked before grading starts: the CSV may
  not be a submission, and the feedback folder may not hold a ``.txt`` submission. The CSV is
  written at the end and, like each feedback file, atomically.
- Feedback files are named after the student id, made safe (letters of any script, digits,
  ``-``, ``_``, ``.``; at most 100 bytes). A second file for the same name gets ``~2``: a name
  made from an id never holds ``~``, so it cannot be another student's name. A link planted in
  the folder is replaced, never followed.
- What a student wrote reaches the CSV, the console and the feedback only as printable text:
  control, format and bidi characters appear as escapes (``\\u202e``), a file name that is not
  UTF-8 is read as CP949 (Korean Windows) where it can be, and a cell that a spreadsheet would
  run as a formula starts with a ``'``. One student id in several files is flagged.

The score: each part's weight (``questions/<assignment>.json``) × its share of correct items,
for the parts the checker grades; the parts marked by hand (assignment 1's (f), assignment 2's
review) come from a marks file (:func:`read_marks`: one row per student, a column per rubric
criterion with its level) — the grade CSV itself, once the teacher has filled in its empty
criterion columns, is one. The sealed items (multiple choice, numbers read off a paper) are
scored only with the assignment's release key (``key``); without it they are counted as not
scored, and the console and the CSV say so.

Languages: a feedback file is written in the language the student worked in (recorded by
``hw.save``; for assignment 1 also read off the comments), unless the teacher asks for one
(``lang``). The CSV is UTF-8 with a byte-order mark: Excel on a Korean Windows reads a CSV
without one as CP949 and shows Hangul ids and names garbled, while Python (``utf-8-sig``),
pandas, LibreOffice and Google Sheets read the mark as what it is. A marks file saved back by
Excel may be UTF-8 (with or without the mark) or CP949; both are read.
"""
from __future__ import annotations

import csv
import io
import os
import re
import statistics
import sys
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from ..utils import atomic_write
from . import _data, googlenet, resnet
from ._lang import LANGS, checked, language, tr
from ._report import CORRECT, Report, plural
from ._submission import MAX_BYTES, UNPRINTABLE, SubmissionError, load

CHECKERS = {"googlenet": googlenet, "resnet": resnet}
NAME_BYTES = 100  # a feedback file's name before its suffix (file systems allow 255 bytes)


class OutputError(ValueError):
    """An output that cannot be written safely (it would replace an input, or it cannot be made)."""


def printable(text: str, limit: int = 100) -> str:
    """``text`` as it may appear in a CSV cell, a console line or a feedback file: composed (NFC),
    every character that does not print (controls, newlines, bidi overrides, zero-width and
    format characters, lone surrogates) written as an escape such as ``\\u202e``, and cut to
    ``limit`` characters with '…'."""
    text = unicodedata.normalize("NFC", text[: limit + 1])
    text = "".join(ch.encode("unicode_escape").decode("ascii")
                   if unicodedata.category(ch) in UNPRINTABLE else ch for ch in text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _path_text(path: Path, limit: int = 200) -> tuple[str, str]:
    """(text, note): a path as printable text, and a note when its bytes are not UTF-8."""
    raw = os.fsencode(path)
    try:
        return printable(raw.decode("utf-8"), limit), ""
    except UnicodeDecodeError:
        pass
    try:
        return printable(raw.decode("cp949"), limit), tr(
            "the file name is not UTF-8 (shown as read in CP949, Korean Windows)",
            "파일 이름이 UTF-8이 아니어서 CP949(한국어 Windows 인코딩)로 읽어 표시했습니다")
    except UnicodeDecodeError:
        return (printable(raw.decode("utf-8", "backslashreplace"), limit), tr(
            "the file name is not UTF-8 (its odd bytes are shown as \\xNN)",
            "파일 이름이 UTF-8이 아닙니다 (읽을 수 없는 바이트는 \\xNN으로 표시했습니다)"))


def _cell(value) -> object:
    """A CSV cell a spreadsheet shows as text: one that starts like a formula gets a leading '."""
    if isinstance(value, str) and value.strip() and (value[0] in "\t\r" or value.lstrip()[0] in "=+-@"):
        return "'" + value
    return value


def _identity(student: str) -> str:
    """What makes two ids one student's: case, width (１２), spaces and invisible characters aside."""
    text = unicodedata.normalize("NFKC", student).casefold()
    return "".join(ch for ch in text
                   if not ch.isspace() and unicodedata.category(ch) not in UNPRINTABLE)


@dataclass
class Graded:
    """The outcome for one file: a report, or the reason it could not be graded; the hand marks
    found for its student; the language its feedback is written in."""

    path: Path
    student: str = ""            # as in the file; see :attr:`student_text`
    report: Optional[Report] = None
    error: str = ""
    checker_version: str = ""
    lang: str = "en"
    notes: list[str] = field(default_factory=list)
    marks: dict = field(default_factory=dict)   # criterion id -> level ('full', 'half', 'none')
    deduction: float = 0.0
    feedback_file: str = ""      # the name written in the feedback folder
    feedback_error: str = ""     # why the feedback file could not be written

    @property
    def ok(self) -> bool:
        return self.report is not None

    @property
    def student_text(self) -> str:
        return printable(self.student)

    @property
    def file_text(self) -> str:
        return _path_text(Path(self.path.name))[0]


def _sections(report: Report) -> dict[str, tuple[int, int]]:
    """(correct, total) per section of the answers ('shapes', 'comments', ...)."""
    out: dict[str, list[int]] = {}
    for r in report.results:
        section = r.item.partition("[")[0] if "[" in r.item else "questions"
        counts = out.setdefault(section, [0, 0])
        counts[0] += r.status == CORRECT
        counts[1] += 1
    return {k: (v[0], v[1]) for k, v in out.items()}


def _language(assignment: str, record: dict, forced: Optional[str]) -> str:
    """The feedback's language: the teacher's choice, else the one the submission records, else
    (assignment 1) the language of its comments, else English."""
    if forced is not None:
        return forced
    lang = record.get("lang")
    if lang in LANGS:
        return lang
    if assignment == "googlenet":
        return googlenet._language(record.get("answers"), None)
    return "en"


def grade_file(assignment: str, path, max_bytes: int = MAX_BYTES, lang: Optional[str] = None,
               key: Optional[str] = None) -> Graded:
    """Grade one submission file; never raises because of the file's contents or name.

    ``lang`` forces the language of the messages and the feedback; ``key`` is the assignment's
    release key, which scores the sealed items (checked by :func:`grade` before it is used)."""
    checker = CHECKERS[assignment]
    graded = Graded(Path(path), lang=lang or "en")
    try:
        with language(graded.lang):
            note = _path_text(Path(graded.path.name))[1]
            if note:
                graded.notes.append(note)
            record = load(path, assignment, max_bytes=max_bytes)
        graded.lang = _language(assignment, record, lang)
        with language(graded.lang):
            graded.notes = [n for n in [_path_text(Path(graded.path.name))[1]] if n]
            graded.student = record["student"].strip()
            graded.checker_version = printable(str(record.get("checker_version", "")), 40)
            if graded.checker_version != checker.CHECKER_VERSION:
                old = graded.checker_version or tr("(unknown)", "(알 수 없음)")
                graded.notes.append(tr(f"saved with checker {old}, graded with {checker.CHECKER_VERSION}",
                                       f"checker {old}로 저장, {checker.CHECKER_VERSION}로 채점"))
        graded.report = checker.check(record["answers"], lang=graded.lang, key=key)
    except SubmissionError as error:
        graded.error = str(error)
    except Exception as error:  # not foreseen: this file is reported, the batch goes on
        with language(graded.lang):
            graded.error = tr(f"the grader failed on this file ({type(error).__name__}); please report it",
                              f"이 파일을 채점하다 오류가 났습니다 ({type(error).__name__}). 알려 주세요")
    return graded


# ------------------------------------------------------------------------------ hand marks

_LEVEL_WORDS = {"full": "full", "half": "half", "none": "none", "2": "full", "1": "half", "0": "none",
                "상": "full", "중": "half", "하": "none", "만점": "full", "절반": "half", "0점": "none"}


def _level(text: str) -> Optional[str]:
    return _LEVEL_WORDS.get(unicodedata.normalize("NFKC", text).strip().lower())


class MarksError(ValueError):
    """A marks file that cannot be used; the message says why."""


def read_marks(assignment: str, path) -> dict[str, dict]:
    """The hand marks of a CSV file: {student identity: {"marks": {criterion: level},
    "deduction": points, "row": n}}.

    The file has a ``student`` column and one column per rubric criterion (``f1``, ``f2`` for
    assignment 1; ``r1`` … ``r9`` for assignment 2), each cell a level — ``full``/``half``/
    ``none``, ``2``/``1``/``0`` or ``상``/``중``/``하`` — or empty (not marked yet); assignment 2
    may add ``deduction`` (points taken from the review's 100). The grade CSV is such a file.
    UTF-8 (with or without a byte-order mark) or CP949 (Excel on a Korean Windows).
    """
    criteria = [c["id"] for c in _data.rubric(assignment)]
    try:
        raw = Path(path).read_bytes()
    except OSError as error:
        raise MarksError(f"the marks file {_path_text(Path(path))[0]} cannot be read "
                         f"({error.strerror or error})") from None
    if len(raw) > 20 * MAX_BYTES:
        raise MarksError(f"the marks file {_path_text(Path(path))[0]} is too large for a class's marks")
    for encoding in ("utf-8-sig", "cp949"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise MarksError(f"the marks file {_path_text(Path(path))[0]} is neither UTF-8 nor CP949 text")
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        raise MarksError(f"the marks file {_path_text(Path(path))[0]} is empty")
    header = [h.strip().lstrip("'") for h in rows[0]]
    if "student" not in header:
        raise MarksError(f"the marks file {_path_text(Path(path))[0]} has no 'student' column "
                         f"(its columns: {', '.join(printable(h, 20) for h in header[:12])})")
    if not set(criteria) & set(header):
        raise MarksError(f"the marks file {_path_text(Path(path))[0]} has none of the rubric's columns "
                         f"({', '.join(criteria)}); fill them in the grade CSV, or add them")
    out: dict[str, dict] = {}
    column = {name: header.index(name) for name in [*criteria, "student", "deduction"] if name in header}
    for n, row in enumerate(rows[1:], start=2):
        cell = lambda name: row[column[name]].strip() if name in column and column[name] < len(row) else ""  # noqa: E731
        student = cell("student").lstrip("'")
        if not student:
            continue
        entry = {"marks": {}, "deduction": 0.0, "row": n, "problems": []}
        for c in criteria:
            value = cell(c)
            if not value:
                continue
            level = _level(value)
            if level is None:
                entry["problems"].append(f"row {n}: {c} = {printable(value, 20)!r} is not a level "
                                         "(full/half/none, 2/1/0 or 상/중/하)")
            else:
                entry["marks"][c] = level
        if cell("deduction"):
            try:
                entry["deduction"] = abs(float(cell("deduction")))
            except ValueError:
                entry["problems"].append(f"row {n}: deduction = {printable(cell('deduction'), 20)!r} is "
                                         "not a number of points")
        key = _identity(student)
        if key in out:
            entry["problems"].append(f"row {n}: the student {printable(student, 40)} already has marks in "
                                     f"row {out[key]['row']}; the first row is used")
            out[key]["problems"] += entry["problems"]
            continue
        out[key] = entry
    return out


def hand_points(assignment: str, graded: Graded) -> Optional[float]:
    """Points of the parts marked by hand, once every criterion has a level; None before."""
    criteria = _data.rubric(assignment)
    if not criteria or any(c["id"] not in graded.marks for c in criteria):
        return None
    parts = {p.id: p for p in _data.parts(assignment) if p.hand}
    total = 0.0
    for part in parts.values():
        mine = [c for c in criteria if c["part"] == part.id]
        earned = sum(c["points"] * _data.LEVELS[graded.marks[c["id"]]] for c in mine) - graded.deduction
        full = sum(c["points"] for c in mine)
        total += part.weight * max(earned, 0.0) / full
    return total


def feedback_text(graded: Graded, assignment: Optional[str] = None) -> str:
    """The feedback file's text for one submission, in the submission's language."""
    with language(graded.lang):
        head = (tr("Student", "학생") + f": {graded.student_text or tr('(unknown)', '(알 수 없음)')}\n"
                + tr("File", "파일") + f": {graded.file_text}\n")
        notes = "".join(tr("Note", "참고") + f": {n}\n" for n in graded.notes)
        if not graded.ok:
            return head + notes + tr("Not graded", "채점하지 못함") + f": {graded.error}\n"
        text = head + notes + "\n" + str(graded.report) + "\n"
        if assignment and graded.marks:
            lines = []
            for c in _data.rubric(assignment):
                level = graded.marks.get(c["id"])
                shown = {"full": tr("full", "만점"), "half": tr("half", "절반"),
                         "none": tr("none", "0점")}.get(level, tr("not marked yet", "아직 채점 안 됨"))
                lines.append(f" {c['id']}. {_data.pick(c['title'])}: {shown}")
            hand = hand_points(assignment, graded)
            total = tr("marked by your teacher", "선생님 채점") + (
                f": {hand:.1f}" if hand is not None else "")
            text += "\n" + total + "\n" + "\n".join(lines) + "\n"
            if graded.deduction:
                text += tr(f" deduction: −{graded.deduction:g}", f" 감점: −{graded.deduction:g}") + "\n"
            if hand is not None:
                text += tr(f"total: {graded.report.points + hand:.1f} / 100",
                           f"총점: {graded.report.points + hand:.1f} / 100") + "\n"
        return text


def _inputs(paths) -> list[Graded]:
    """The files to grade: each path given, a folder as its ``*.json`` files. A folder that has
    none or cannot be read is an entry with its reason already set."""
    out = []
    for p in map(Path, paths):
        if not p.is_dir():
            out.append(Graded(p))
            continue
        try:
            files = sorted(q for q in p.iterdir() if q.suffix.lower() == ".json")
        except OSError as error:
            out.append(Graded(p, error=f"cannot list this folder ({error.strerror or error})"))
            continue
        out += [Graded(q) for q in files] or [Graded(p, error="a folder with no .json files in it")]
    return out


def _real(path) -> str:
    return os.path.normcase(os.path.realpath(path))


def _creatable(folder: Path, what: str) -> None:
    """Refuse ``what`` (a path in ``folder``) unless ``folder`` exists or can be made, writable."""
    existing = folder
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise OutputError(f"{what} cannot be made: {existing} is a file, not a folder")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise OutputError(f"{what} cannot be written: no permission to write in {existing}")


def check_outputs(files: list[Path], csv_path=None, feedback_dir=None) -> None:
    """Refuse, before anything is graded, outputs that would replace an input or cannot be made."""
    inputs = {_real(p): p for p in files}
    if csv_path is not None:
        target = Path(csv_path)
        if _real(target) in inputs:
            raise OutputError(f"the CSV file {_path_text(target)[0]} is one of the submissions; "
                              "writing it would replace that submission: name another file")
        if target.is_dir():
            raise OutputError(f"the CSV file {_path_text(target)[0]} is a folder; name a file in it, "
                              f"such as {_path_text(target / 'scores.csv')[0]}")
        _creatable(Path(os.path.realpath(target)).parent, f"the CSV file {_path_text(target)[0]}")
    if feedback_dir is not None:
        folder = Path(feedback_dir)
        if folder.exists() and not folder.is_dir():
            raise OutputError(f"the feedback folder {_path_text(folder)[0]} is a file, not a folder")
        if csv_path is not None and _real(folder) == _real(csv_path):
            raise OutputError("the CSV file and the feedback folder are the same path")
        real = _real(folder)
        held = sorted(p for r, p in inputs.items()
                      if os.path.dirname(r) == real and p.suffix.lower() == ".txt")
        if held:
            raise OutputError(f"the feedback folder {_path_text(folder)[0]} holds the submission "
                              f"{_path_text(Path(held[0].name))[0]}, which a feedback file could "
                              "replace; write the feedback into another folder")
        _creatable(Path(os.path.realpath(folder)), f"the feedback folder {_path_text(folder)[0]}")
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as error:  # e.g. a dangling link by that name
            raise OutputError(f"the feedback folder {_path_text(folder)[0]} cannot be made "
                              f"({error.strerror or error})") from None


def _file_stem(text: str) -> str:
    """A file name from an id or a file's name: letters (any script), digits, '-', '_', '.',
    not starting with '-' (a name a shell would read as an option) or '.' (a hidden file)."""
    name = re.sub(r"[^\w.-]+", "_", text).lstrip("-._").rstrip("._")
    name = name.encode("utf-8")[:NAME_BYTES].decode("utf-8", "ignore").rstrip("._")
    return name or "student"


def _name_key(name: str) -> str:
    """Names a case-insensitive or normalising file system (macOS, Windows) takes as one."""
    return unicodedata.normalize("NFC", name).casefold()


def _write_feedback(assignment: str, results: list[Graded], folder: Path, reserved: set[str]) -> None:
    """One feedback file per result, each written atomically under a name of its own."""
    used = set(reserved)
    for g in results:
        base = _file_stem(g.student_text) if g.student else (
            _file_stem(Path(g.file_text).stem) + "~not-graded")
        name, i = base, 2
        while _name_key(name) in used or (folder / f"{name}.txt").is_dir():
            name, i = f"{base}~{i}", i + 1
        used.add(_name_key(name))
        try:  # atomic_write renames over the name: a link planted there is replaced, not followed
            data = feedback_text(g, assignment).encode("utf-8")
            atomic_write(folder / f"{name}.txt", lambda f: f.write(data))
            g.feedback_file = f"{name}.txt"
        except OSError as error:
            with language(g.lang):
                g.feedback_error = tr(f"feedback file {name}.txt not written ({error.strerror or error})",
                                      f"피드백 파일 {name}.txt를 쓰지 못했습니다 ({error.strerror or error})")


def _flag_duplicates(results: list[Graded]) -> list[list[Graded]]:
    """Mark the files that carry the same student id; returns the groups."""
    by_id: dict[str, list[Graded]] = {}
    for g in results:
        if g.student:
            by_id.setdefault(_identity(g.student), []).append(g)
    groups = [group for group in by_id.values() if len(group) > 1]
    for group in groups:
        for g in group:
            others = ", ".join(o.file_text for o in group if o is not g)
            with language(g.lang):
                g.notes.append(tr(f"the same student id is also in {others}", f"같은 학번이 {others}에도 있습니다"))
    return groups


def _apply_marks(assignment: str, results: list[Graded], marks: dict[str, dict]) -> list[str]:
    """Give each graded file its student's hand marks; returns the problems found (for the console)."""
    problems = [p for entry in marks.values() for p in entry["problems"]]
    used = set()
    for g in results:
        entry = marks.get(_identity(g.student)) if g.student else None
        if entry is None:
            continue
        used.add(_identity(g.student))
        g.marks, g.deduction = dict(entry["marks"]), entry["deduction"]
    for key, entry in marks.items():
        if key not in used:
            problems.append(f"row {entry['row']}: no submission has the student id of this row")
    return problems


def _csv_text(assignment: str, results: list[Graded]) -> str:
    sections: list[str] = []
    for g in results:
        for s in (_sections(g.report) if g.ok else {}):
            if s not in sections:
                sections.append(s)
    parts = [p for p in _data.parts(assignment) if not p.hand]
    criteria = [c["id"] for c in _data.rubric(assignment)]
    extra = ["deduction"] if assignment == "resnet" else []
    variant = ["input_size"] if assignment == "googlenet" else []
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["file", "student", "status", "total", "auto_points", "hand_points", "score_percent",
                     "correct", "answered", "not_scored", "items"]
                    + [f"part_{p.id}" for p in parts] + [f"{s}_correct" for s in sections]
                    + criteria + extra + variant + ["lang", "checker_version", "message", "feedback_file"])
    for g in results:
        notes = g.notes + ([g.feedback_error] if g.feedback_error else [])
        marks = [g.marks.get(c, "") for c in criteria] + ([f"{g.deduction:g}" if g.deduction else ""]
                                                         if extra else [])
        if g.ok:
            r = g.report
            per, points = _sections(r), r.part_points()
            hand = hand_points(assignment, g)
            with language(g.lang):
                if r.n_recorded:
                    notes.append(tr(f"{r.n_recorded} answered item(s) not scored: grade with the release key",
                                    f"답한 문항 {r.n_recorded}개는 채점되지 않음: 공개 키로 채점하세요"))
                if r.problems:
                    notes.append(tr(f"{plural(len(r.problems), 'problem')} with the form",
                                    f"형식 문제 {len(r.problems)}건"))
            total = f"{r.points + hand:.1f}" if hand is not None else ""
            row = ([g.file_text, g.student_text, "graded", total, f"{r.points:.1f}",
                    f"{hand:.1f}" if hand is not None else "", f"{100 * r.points / r.max_points:.1f}"
                    if r.max_points else "", r.n_correct, r.n_answered, r.n_recorded, r.n_total]
                   + [f"{points[p.id]:.1f}" for p in parts] + [per.get(s, (0, 0))[0] for s in sections]
                   + marks + ([r.variant if r.variant is not None else ""] if variant else []))
            message = "; ".join(notes)
        else:
            row = ([g.file_text, g.student_text, "not graded"] + [""] * (8 + len(parts) + len(sections))
                   + marks + [""] * len(variant))
            message = "; ".join([g.error] + notes)
        writer.writerow([_cell(v) for v in row + [g.lang, g.checker_version, message, g.feedback_file]])
    return buffer.getvalue()


def _say(out, line: str) -> None:
    """Print ``line``, with escapes for what the console's encoding cannot show."""
    try:
        print(line, file=out)
    except UnicodeEncodeError:
        encoding = getattr(out, "encoding", None) or "ascii"
        print(line.encode(encoding, "backslashreplace").decode(encoding), file=out)


def grade(assignment: str, paths: list, csv_path=None, feedback_dir=None, out=None,
          max_bytes: int = MAX_BYTES, lang: Optional[str] = None, key: Optional[str] = None,
          marks=None) -> list[Graded]:
    """Grade every file in ``paths`` (files, or folders of ``*.json`` files); write the CSV and
    the feedback files when asked, and print a summary to ``out`` (default stdout).

    ``lang`` ('en' or 'ko') writes every feedback file and the summary in that language (default:
    each file's own, see :func:`_language`); ``key``, the release key, scores the sealed items;
    ``marks``, a CSV of hand marks (:func:`read_marks`), adds the hand-marked parts to the total.

    Raises :class:`OutputError`, before grading, when an output would replace an input or cannot
    be made, and after grading when the CSV cannot be written; ValueError, before grading, for a
    language, key or marks file that cannot be used. Never raises because of a submission: see
    each result's ``ok``, ``error`` and ``feedback_error``.
    """
    if assignment not in CHECKERS:
        raise ValueError(f"assignment must be one of {', '.join(CHECKERS)}; got {assignment!r}")
    lang = checked(lang) if lang is not None else None
    key = _data.checked_key(assignment, key)
    hand_marks = read_marks(assignment, marks) if marks is not None else {}
    out = sys.stdout if out is None else out
    results = _inputs(paths)
    check_outputs([g.path for g in results if not g.error], csv_path, feedback_dir)
    for i, g in enumerate(results):
        if not g.error:
            results[i] = grade_file(assignment, g.path, max_bytes=max_bytes, lang=lang, key=key)
    duplicates = _flag_duplicates(results)
    mark_problems = _apply_marks(assignment, results, hand_marks) if marks is not None else []
    if feedback_dir is not None:
        reserved = set()
        csv_file = Path(csv_path) if csv_path is not None else None
        if (csv_file and csv_file.suffix.lower() == ".txt"
                and _real(csv_file.parent) == _real(feedback_dir)):
            reserved.add(_name_key(csv_file.stem))  # the CSV, named like a feedback file, in the folder
        _write_feedback(assignment, results, Path(feedback_dir), reserved)

    with language(lang or "en"):
        good = [g for g in results if g.ok]
        _say(out, tr(f"{assignment}: {plural(len(results), 'file')}, {len(good)} graded, "
                     f"{len(results) - len(good)} not graded",
                     f"{assignment}: 파일 {len(results)}개, 채점 {len(good)}개, 채점 못 함 "
                     f"{len(results) - len(good)}개"))
        if good:
            scores = sorted(g.report.points for g in good)
            top = good[0].report.max_points
            _say(out, tr(f"  machine-graded points (of {top:g}): mean {statistics.mean(scores):.1f}, "
                         f"median {statistics.median(scores):.1f}, min {scores[0]:.1f}, max {scores[-1]:.1f}",
                         f"  자동 채점 점수 ({top:g}점 만점): 평균 {statistics.mean(scores):.1f}, "
                         f"중앙값 {statistics.median(scores):.1f}, 최저 {scores[0]:.1f}, 최고 {scores[-1]:.1f}"))
            unscored = sum(g.report.n_recorded for g in good)
            if unscored:
                _say(out, tr(f"  warning: {unscored} answered item(s) were not scored: they are sealed until "
                             "the release; run again with --release KEY (the key is in the teacher's guide)",
                             f"  경고: 답한 문항 {unscored}개는 봉인되어 채점되지 않았습니다. --release 키를 "
                             "붙여 다시 실행하세요 (키는 교사용 안내서에 있습니다)"))
            if marks is not None:
                missing = sum(hand_points(assignment, g) is None for g in good)
                if missing:
                    _say(out, tr(f"  hand marks incomplete for {missing} file(s): their total is left empty",
                                 f"  수기 채점이 빠진 파일 {missing}개: 그 파일의 총점은 비워 둡니다"))
        for g in results:
            if not g.ok:
                _say(out, tr(f"  not graded: {_path_text(g.path)[0]} — {g.error}",
                             f"  채점 못 함: {_path_text(g.path)[0]} — {g.error}"))
        for group in duplicates:
            _say(out, tr(f"  one student id in {len(group)} files: {group[0].student_text} "
                         f"({', '.join(g.file_text for g in group)})",
                         f"  같은 학번이 파일 {len(group)}개에 있음: {group[0].student_text} "
                         f"({', '.join(g.file_text for g in group)})"))
        for problem in mark_problems[:20]:
            _say(out, "  marks: " + problem)
        for g in results:
            if g.feedback_error:
                _say(out, f"  {g.feedback_error} ({_path_text(g.path)[0]})")
    if csv_path is not None:
        try:
            target = os.path.realpath(csv_path)  # a link the teacher named: write where it points
            data = _csv_text(assignment, results).encode("utf-8-sig")   # BOM: see the module's notes
            atomic_write(target, lambda f: f.write(data))
        except OSError as error:
            raise OutputError(f"the CSV file {_path_text(Path(csv_path))[0]} could not be written "
                              f"({error.strerror or error})") from None
    return results
