"""Submission files: what ``hw.save(answers, path, student=...)`` writes and ``cnncourse grade`` reads.

A submission is a small JSON file::

    {"format": "cnncourse-submission", "assignment": "googlenet", "student": "20231234",
     "checker_version": "googlenet-2", "saved_at": "2025-03-01T12:00:00+00:00",
     "answers": {...}}

JSON has no tuples and no int keys: tuples, ``torch.Size`` and 1-d tensors or arrays are
written as lists, numpy and torch scalars as plain numbers, and keys as strings; the checkers
accept all of these back. Nothing in a submission is ever executed.
"""
from __future__ import annotations

import datetime
import json
import math
import os
from pathlib import Path
from typing import Any

from ._report import _describe, _safe_repr, as_number, as_sequence

FORMAT = "cnncourse-submission"
MAX_BYTES = 1_000_000  # a complete submission is a few kB; anything far larger is not one


def _jsonable(value: Any, where: str) -> Any:
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, dict):
        return {str(k): _jsonable(v, f"{where}[{_safe_repr(k, 30)}]") for k, v in value.items()}
    number = as_number(value)
    if number is not None:
        if isinstance(number, float) and not math.isfinite(number):
            return str(number)  # JSON has no nan/inf; the checker will report it as text
        if isinstance(number, int) and abs(number).bit_length() > 200:
            raise ValueError(f"{where}: {_describe(number)} is too large to save; no answer here is that big")
        return number
    items = as_sequence(value)
    if items is not None:
        return [_jsonable(v, f"{where}[{i}]") for i, v in enumerate(items)]
    raise ValueError(f"{where}: cannot save {_describe(value)}; write numbers, strings, tuples or lists")


def save(assignment: str, version: str, answers: Any, path, student: str) -> Path:
    """Write ``answers`` as a submission for ``assignment``; returns the path written."""
    if not isinstance(student, str) or not student.strip():
        raise ValueError(f"student must be a non-empty string (your student id or name); got {student!r}")
    if not isinstance(answers, dict):
        raise ValueError(f"answers must be a dict (the one you pass to check); got {_describe(answers)}")
    record = {"format": FORMAT, "assignment": assignment, "student": student.strip(),
              "checker_version": version,
              "saved_at": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
              "answers": _jsonable(answers, "answers")}
    path = Path(path)
    text = json.dumps(record, ensure_ascii=False, indent=1)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
    return path


class SubmissionError(Exception):
    """A file that cannot be graded; the message says why, in one line."""


def load(path, assignment: str, max_bytes: int = MAX_BYTES) -> dict:
    """Read and validate one submission file; raises :class:`SubmissionError` with a reason."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as error:
        raise SubmissionError(f"cannot read the file ({error.strerror or error})") from None
    if not path.is_file():
        raise SubmissionError("not a file")
    if size == 0:
        raise SubmissionError("empty file")
    if size > max_bytes:
        raise SubmissionError(f"file too large ({size:,} bytes; a submission is at most {max_bytes:,})")
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        raise SubmissionError("not a text file (not UTF-8): not a submission saved by hw.save") from None
    except OSError as error:
        raise SubmissionError(f"cannot read the file ({error.strerror or error})") from None
    try:
        record = json.loads(text)
    except ValueError as error:  # broken JSON, or an int too long to read
        raise SubmissionError(f"not valid JSON ({str(error).splitlines()[0][:80]})") from None
    if not isinstance(record, dict) or record.get("format") != FORMAT:
        raise SubmissionError("not a cnncourse submission (no 'format': 'cnncourse-submission'); "
                              "save it with hw.save(answers, path, student=...)")
    if record.get("assignment") != assignment:
        raise SubmissionError(f"a submission for assignment {_safe_repr(record.get('assignment'), 30)}, "
                              f"not {assignment!r}")
    student = record.get("student")
    if not isinstance(student, str) or not student.strip():
        raise SubmissionError("no student id in the file")
    if "answers" not in record:
        raise SubmissionError("no 'answers' in the file")
    return record
