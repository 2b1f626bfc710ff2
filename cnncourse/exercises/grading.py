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
from . import googlenet, resnet
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
        return printable(raw.decode("cp949"), limit), ("the file name is not UTF-8 (shown as read "
                                                       "in CP949, Korean Windows)")
    except UnicodeDecodeError:
        return (printable(raw.decode("utf-8", "backslashreplace"), limit),
                "the file name is not UTF-8 (its odd bytes are shown as \\xNN)")


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
    """The outcome for one file: a report, or the reason it could not be graded."""

    path: Path
    student: str = ""            # as in the file; see :attr:`student_text`
    report: Optional[Report] = None
    error: str = ""
    checker_version: str = ""
    notes: list[str] = field(default_factory=list)
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


def grade_file(assignment: str, path, max_bytes: int = MAX_BYTES) -> Graded:
    """Grade one submission file; never raises because of the file's contents or name."""
    checker = CHECKERS[assignment]
    graded = Graded(Path(path))
    note = _path_text(Path(graded.path.name))[1]
    if note:
        graded.notes.append(note)
    try:
        record = load(path, assignment, max_bytes=max_bytes)
        graded.student = record["student"].strip()
        graded.checker_version = printable(str(record.get("checker_version", "")), 40)
        if graded.checker_version != checker.CHECKER_VERSION:
            graded.notes.append(f"saved with checker {graded.checker_version or '(unknown)'}, graded "
                                f"with {checker.CHECKER_VERSION}")
        graded.report = checker.check(record["answers"])
    except SubmissionError as error:
        graded.error = str(error)
    except Exception as error:  # not foreseen: this file is reported, the batch goes on
        graded.error = f"the grader failed on this file ({type(error).__name__}); please report it"
    return graded


def feedback_text(graded: Graded) -> str:
    """The feedback file's text for one submission."""
    head = f"Student: {graded.student_text or '(unknown)'}\nFile: {graded.file_text}\n"
    notes = "".join(f"Note: {n}\n" for n in graded.notes)
    if not graded.ok:
        return head + notes + f"Not graded: {graded.error}\n"
    return head + notes + "\n" + str(graded.report) + "\n"


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


def _write_feedback(results: list[Graded], folder: Path, reserved: set[str]) -> None:
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
            data = feedback_text(g).encode("utf-8")
            atomic_write(folder / f"{name}.txt", lambda f: f.write(data))
            g.feedback_file = f"{name}.txt"
        except OSError as error:
            g.feedback_error = f"feedback file {name}.txt not written ({error.strerror or error})"


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
            g.notes.append(f"the same student id is also in {others}")
    return groups


def _csv_text(results: list[Graded]) -> str:
    sections: list[str] = []
    for g in results:
        for s in (_sections(g.report) if g.ok else {}):
            if s not in sections:
                sections.append(s)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["file", "student", "status", "score_percent", "correct", "answered", "items"]
                    + [f"{s}_correct" for s in sections]
                    + ["checker_version", "message", "feedback_file"])
    for g in results:
        notes = g.notes + ([g.feedback_error] if g.feedback_error else [])
        if g.ok:
            r = g.report
            per = _sections(r)
            row = [g.file_text, g.student_text, "graded", f"{100 * r.score:.1f}", r.n_correct,
                   r.n_answered, r.n_total] + [per.get(s, (0, 0))[0] for s in sections]
            message = "; ".join(notes + ([f"{plural(len(r.problems), 'problem')} with the form"]
                                         if r.problems else []))
        else:
            row = [g.file_text, g.student_text, "not graded", "", "", "", ""] + [""] * len(sections)
            message = "; ".join([g.error] + notes)
        writer.writerow([_cell(v) for v in row + [g.checker_version, message, g.feedback_file]])
    return buffer.getvalue()


def _say(out, line: str) -> None:
    """Print ``line``, with escapes for what the console's encoding cannot show."""
    try:
        print(line, file=out)
    except UnicodeEncodeError:
        encoding = getattr(out, "encoding", None) or "ascii"
        print(line.encode(encoding, "backslashreplace").decode(encoding), file=out)


def grade(assignment: str, paths: list, csv_path=None, feedback_dir=None, out=None,
          max_bytes: int = MAX_BYTES) -> list[Graded]:
    """Grade every file in ``paths`` (files, or folders of ``*.json`` files); write the CSV and
    the feedback files when asked, and print a summary to ``out`` (default stdout).

    Raises :class:`OutputError`, before grading, when an output would replace an input or cannot
    be made, and after grading when the CSV cannot be written. Never raises because of a
    submission: see each result's ``ok``, ``error`` and ``feedback_error``.
    """
    if assignment not in CHECKERS:
        raise ValueError(f"assignment must be one of {', '.join(CHECKERS)}; got {assignment!r}")
    out = sys.stdout if out is None else out
    results = _inputs(paths)
    check_outputs([g.path for g in results if not g.error], csv_path, feedback_dir)
    for i, g in enumerate(results):
        if not g.error:
            results[i] = grade_file(assignment, g.path, max_bytes=max_bytes)
    duplicates = _flag_duplicates(results)
    if feedback_dir is not None:
        reserved = set()
        csv_file = Path(csv_path) if csv_path is not None else None
        if (csv_file and csv_file.suffix.lower() == ".txt"
                and _real(csv_file.parent) == _real(feedback_dir)):
            reserved.add(_name_key(csv_file.stem))  # the CSV, named like a feedback file, in the folder
        _write_feedback(results, Path(feedback_dir), reserved)

    good = [g for g in results if g.ok]
    _say(out, f"{assignment}: {plural(len(results), 'file')}, {len(good)} graded, "
              f"{len(results) - len(good)} not graded")
    if good:
        scores = sorted(100 * g.report.score for g in good)
        _say(out, f"  score: mean {statistics.mean(scores):.1f}%, "
                  f"median {statistics.median(scores):.1f}%, min {scores[0]:.1f}%, max {scores[-1]:.1f}%")
    for g in results:
        if not g.ok:
            _say(out, f"  not graded: {_path_text(g.path)[0]} — {g.error}")
    for group in duplicates:
        _say(out, f"  one student id in {len(group)} files: {group[0].student_text} "
                  f"({', '.join(g.file_text for g in group)})")
    for g in results:
        if g.feedback_error:
            _say(out, f"  {g.feedback_error} for {_path_text(g.path)[0]}")
    if csv_path is not None:
        try:
            target = os.path.realpath(csv_path)  # a link the teacher named: write where it points
            atomic_write(target, lambda f: f.write(_csv_text(results).encode("utf-8")))
        except OSError as error:
            raise OutputError(f"the CSV file {_path_text(Path(csv_path))[0]} could not be written "
                              f"({error.strerror or error})") from None
    return results
