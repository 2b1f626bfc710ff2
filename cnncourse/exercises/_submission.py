"""Submission files: what ``hw.save(answers, path, student=...)`` writes and ``cnncourse grade`` reads.

A submission is a small JSON file::

    {"format": "cnncourse-submission", "assignment": "googlenet", "student": "20231234",
     "checker_version": "googlenet-2", "saved_at": "2025-03-01T12:00:00+00:00",
     "answers": {...}}

JSON has no tuples and no int keys: tuples, ``torch.Size`` and 1-d tensors or arrays are
written as lists, numpy and torch scalars as plain numbers, and keys as strings; the checkers
accept all of these back. Nothing in a submission is ever executed.

``save`` refuses what ``load`` (and so ``cnncourse grade``) would refuse: a file over
:data:`MAX_BYTES`, nesting deeper than :data:`MAX_DEPTH`, two keys that JSON would merge, text
that is not valid Unicode. It writes atomically: a crash or a full disk leaves any earlier file
whole.
"""
from __future__ import annotations

import datetime
import json
import math
import os
import re
import stat
import unicodedata
from pathlib import Path
from typing import Any

from ..utils import atomic_write
from ._report import _describe, _safe_repr, as_number, as_sequence, plain

FORMAT = "cnncourse-submission"
MAX_BYTES = 1_000_000  # a complete submission is a few kB; anything far larger is not one
MAX_DEPTH = 16         # a submission nests four deep (record, answers, section, tuple)
MAX_STUDENT_CHARS = 100
# Characters that do not print: controls, format characters (bidi overrides, zero-width
# joiners), lone surrogates, private-use and unassigned code points, line/paragraph separators.
UNPRINTABLE = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


def unprintable(text: str) -> list[str]:
    """The characters of ``text`` that do not print (see :data:`UNPRINTABLE`)."""
    return [ch for ch in text if unicodedata.category(ch) in UNPRINTABLE]


def _text(value: str, where: str) -> str:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as error:
        bad = value[error.start]
        raise ValueError(f"{where}: the text holds {ascii(bad)[1:-1]}, half of a character that "
                         "cannot be saved (a lone surrogate); type that part again") from None
    return value


def _jsonable(value: Any, where: str, depth: int = 0) -> Any:
    if depth > MAX_DEPTH:
        raise ValueError(f"{where}: nested more than {MAX_DEPTH} levels deep (or it contains itself); "
                         "an answer is a number, a string or a short tuple")
    value = plain(value, 0)
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        return _text(value, where)
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        given: dict[str, Any] = {}
        for k, v in value.items():
            inner = f"{where}[{_safe_repr(k, 30)}]"
            key = _text(plain(k) if isinstance(k, str) else _safe_repr(k, 1000), inner)
            if key in given:
                raise ValueError(f"{where}: the keys {_safe_repr(given[key], 30)} and "
                                 f"{_safe_repr(k, 30)} would both be saved as {key!r} (JSON keys "
                                 "are text); keep one")
            given[key] = k
            out[key] = _jsonable(v, inner, depth + 1)
        return out
    number = as_number(value)
    if number is not None:
        if isinstance(number, float) and not math.isfinite(number):
            return str(number)  # JSON has no nan/inf; the checker will report it as text
        if isinstance(number, int) and abs(number).bit_length() > 200:
            raise ValueError(f"{where}: {_describe(number)} is too large to save; no answer here "
                             "is that big")
        return number
    items = as_sequence(value)
    if items is not None:
        return [_jsonable(v, f"{where}[{i}]", depth + 1) for i, v in enumerate(items)]
    raise ValueError(f"{where}: cannot save {_describe(value)}; write numbers, strings, tuples "
                     "or lists")


def _student_id(student: Any) -> str:
    if isinstance(student, str):
        student = unicodedata.normalize("NFC", plain(student).strip())
    if not isinstance(student, str) or not student:
        raise ValueError(f"student must be a non-empty string (your student id or name); got "
                         f"{_describe(student)}")
    bad = unprintable(student)
    if bad:
        raise ValueError(f"student must be plain text; {_safe_repr(student, 40)} holds "
                         f"{ascii(bad[0])[1:-1]}, a character that does not print")
    if len(student) > MAX_STUDENT_CHARS:
        raise ValueError(f"student is {len(student)} characters long; give your student id or name "
                         f"(at most {MAX_STUDENT_CHARS} characters)")
    return student


def _target(path: Any) -> Path:
    """``path`` as the file to write, or a ValueError saying why it cannot be one."""
    if not isinstance(path, (str, os.PathLike)) or not str(path).strip():
        raise ValueError(f"path must be a file name such as 'assignment1.json'; got {_describe(path)}")
    path = Path(path)
    if path.is_dir():
        raise ValueError(f"{path} is a folder; give a file name in it, such as "
                         f"{path / 'assignment1.json'}")
    if not path.parent.is_dir():
        raise ValueError(f"the folder {path.parent} does not exist (on Colab: is Google Drive "
                         "mounted?); create it first, or save somewhere else")
    return path


def save(assignment: str, version: str, answers: Any, path, student: str) -> Path:
    """Write ``answers`` as a submission for ``assignment``; returns the path written."""
    student = _student_id(student)
    path = _target(path)
    answers = plain(answers, 0)
    if not isinstance(answers, dict):
        raise ValueError(f"answers must be a dict (the one you pass to check); got "
                         f"{_describe(answers)}")
    record = {"format": FORMAT, "assignment": assignment, "student": student,
              "checker_version": version,
              "saved_at": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
              "answers": _jsonable(answers, "answers")}
    data = json.dumps(record, ensure_ascii=False, indent=1).encode("utf-8")
    if len(data) > MAX_BYTES:
        raise ValueError(f"these answers make a file of {len(data):,} bytes; a submission is at most "
                         f"{MAX_BYTES:,} (the grader refuses larger files): is a long text or a large "
                         "array among them?")
    try:
        atomic_write(path, lambda f: f.write(data))
    except OSError as error:  # name the file asked for, not the temporary one beside it
        raise type(error)(error.errno, f"cannot save the submission to {path}: "
                                       f"{error.strerror or error}") from None
    return path


class SubmissionError(Exception):
    """A file that cannot be graded; the message says why, in one line."""


# JSON strings (escapes included): left out when counting how deep the brackets nest.
_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)


def _nesting(text: str) -> int:
    """How deep the JSON in ``text`` nests, counted up to just past :data:`MAX_DEPTH`."""
    depth = 0
    for bracket in re.findall(r"[\[\]{}]", _STRINGS.sub("", text)):
        depth += 1 if bracket in "[{" else -1
        if depth > MAX_DEPTH:
            break
    return depth


def _object(pairs: list) -> dict:
    """A JSON object, refusing a key given twice (json.loads would keep the last silently)."""
    record = dict(pairs)
    if len(record) != len(pairs):
        seen: set = set()
        twice = next(k for k, _ in pairs if k in seen or seen.add(k))
        raise SubmissionError(f"the key {_safe_repr(twice, 30)} appears twice in one object; "
                              "hw.save never writes that")
    return record


def load(path, assignment: str, max_bytes: int = MAX_BYTES) -> dict:
    """Read and validate one submission file; raises :class:`SubmissionError` with a reason."""
    path = Path(path)
    try:
        info = path.stat()
    except OSError as error:
        raise SubmissionError(f"cannot read the file ({error.strerror or error})") from None
    if stat.S_ISDIR(info.st_mode):
        raise SubmissionError("a folder, not a file")
    if not stat.S_ISREG(info.st_mode):
        raise SubmissionError("not a regular file (a device, a pipe or a socket)")
    if info.st_size == 0:
        raise SubmissionError("empty file")
    if info.st_size > max_bytes:
        raise SubmissionError(f"file too large ({info.st_size:,} bytes; a submission is at most "
                              f"{max_bytes:,})")
    try:
        with open(path, "rb") as f:
            data = f.read(max_bytes + 1)  # the file may have grown since
    except OSError as error:
        raise SubmissionError(f"cannot read the file ({error.strerror or error})") from None
    if len(data) > max_bytes:
        raise SubmissionError(f"file too large (over {max_bytes:,} bytes)")
    try:
        text = data.decode("utf-8-sig")  # a BOM, as some Windows editors add, is harmless
    except UnicodeDecodeError:
        raise SubmissionError("not a text file (not UTF-8): not a submission saved by "
                              "hw.save") from None
    if _nesting(text) > MAX_DEPTH:
        raise SubmissionError(f"nested more than {MAX_DEPTH} levels deep: not a submission saved "
                              "by hw.save")
    try:
        record = json.loads(text, object_pairs_hook=_object)
    except RecursionError:  # _nesting guards against this; kept in case a file slips past it
        raise SubmissionError("nested too deeply: not a submission saved by hw.save") from None
    except ValueError as error:  # broken JSON, or an int too long to read
        raise SubmissionError(f"not valid JSON ({str(error).splitlines()[0][:80]})") from None
    if not isinstance(record, dict) or record.get("format") != FORMAT:
        raise SubmissionError("not a cnncourse submission (no 'format': 'cnncourse-submission'); "
                              "save it with hw.save(answers, path, student=...)")
    if record.get("assignment") != assignment:
        raise SubmissionError("a submission for assignment "
                              f"{_safe_repr(record.get('assignment'), 30)}, not {assignment!r}")
    student = record.get("student")
    if not isinstance(student, str) or not student.strip():
        raise SubmissionError("no student id in the file")
    if "answers" not in record:
        raise SubmissionError("no 'answers' in the file")
    return record
