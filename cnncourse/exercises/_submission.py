"""Submission files: what ``hw.save(answers, path, student=...)`` writes and ``cnncourse grade`` reads.

A submission is a small JSON file::

    {"format": "cnncourse-submission", "assignment": "googlenet", "student": "20231234",
     "checker_version": "googlenet-3", "saved_at": "2025-03-01T12:00:00+00:00",
     "lang": "ko", "answers": {...}}

(``lang``, the language the student worked in, is what the feedback file is written in unless
the teacher asks for another.) :func:`hand_in` is what the workbooks' save cell calls: it saves,
says where the file is and, on Colab, offers it for download before the runtime is reset.

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
import sys
import unicodedata
from pathlib import Path
from typing import Any

from ..utils import atomic_write
from ._lang import LANGS, josa, language, tr
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


def save(assignment: str, version: str, answers: Any, path, student: str,
         lang: str | None = None) -> Path:
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
              **({"lang": lang} if lang in LANGS else {}),
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


def on_colab() -> bool:
    """Whether this runs in a Colab notebook (its kernel imports ``google.colab`` at start)."""
    return "google.colab" in sys.modules


def hand_in(assignment: str, version: str, answers: Any, path, student: str, lang: str = "en",
            announce: bool = True) -> Path:
    """:func:`save`, then say (in ``lang``) where the file is and, on Colab, start its download:
    a file in Colab's folder is gone when the runtime resets. Returns the path."""
    path = save(assignment, version, answers, path, student, lang)
    if not announce:
        return path
    where = path.resolve()
    with language(lang if lang in LANGS else "en"):
        print(tr(f"Saved {where} ({path.stat().st_size:,} bytes) for student {student.strip()!r}. "
                 "Hand in this file.",
                 f"저장했습니다: {where} ({path.stat().st_size:,}바이트, 학생 {student.strip()!r}). "
                 "이 파일을 제출하세요."))
        if on_colab():
            try:
                from google.colab import files  # type: ignore[import-not-found]

                files.download(str(where))
                print(tr("Colab: your browser is downloading it now (look in your Downloads folder). "
                         "The copy on Colab is lost when the runtime resets.",
                         "Colab: 브라우저가 지금 이 파일을 내려받습니다 (다운로드 폴더를 확인하세요). "
                         "Colab에 있는 사본은 런타임이 초기화되면 사라집니다."))
            except Exception as error:  # the download is a convenience; the file is saved
                print(tr(f"Colab: the download did not start ({type(error).__name__}); open the Files "
                         f"panel on the left, find {path.name}, and choose Download.",
                         f"Colab: 다운로드가 시작되지 않았습니다 ({type(error).__name__}). 왼쪽 파일 "
                         f"패널에서 {josa(path.name, '을', '를')} 찾아 '다운로드'를 누르세요."))
        else:
            print(tr("(On Colab this cell also downloads the file.)",
                     "(Colab에서는 이 셀이 파일을 내려받기까지 합니다.)"))
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
        raise SubmissionError(tr(f"the key {_safe_repr(twice, 30)} appears twice in one object; "
                                 "hw.save never writes that", f"한 객체에 키 {_safe_repr(twice, 30)}가 두 번 "
                                 "나옵니다. hw.save는 그렇게 쓰지 않습니다"))
    return record


def load(path, assignment: str, max_bytes: int = MAX_BYTES) -> dict:
    """Read and validate one submission file; raises :class:`SubmissionError` with a reason."""
    path = Path(path)
    try:
        info = path.stat()
    except OSError as error:
        raise SubmissionError(tr(f"cannot read the file ({error.strerror or error})",
                                  f"파일을 읽을 수 없습니다 ({error.strerror or error})")) from None
    if stat.S_ISDIR(info.st_mode):
        raise SubmissionError(tr("a folder, not a file", "파일이 아니라 폴더입니다"))
    if not stat.S_ISREG(info.st_mode):
        raise SubmissionError(tr("not a regular file (a device, a pipe or a socket)",
                                 "일반 파일이 아닙니다 (장치, 파이프, 소켓)"))
    if info.st_size == 0:
        raise SubmissionError(tr("empty file", "빈 파일입니다"))
    if info.st_size > max_bytes:
        raise SubmissionError(tr(f"file too large ({info.st_size:,} bytes; a submission is at most "
                                 f"{max_bytes:,})", f"파일이 너무 큽니다 ({info.st_size:,}바이트, 제출 "
                                 f"파일은 {max_bytes:,}바이트까지)"))
    try:
        with open(path, "rb") as f:
            data = f.read(max_bytes + 1)  # the file may have grown since
    except OSError as error:
        raise SubmissionError(tr(f"cannot read the file ({error.strerror or error})",
                                  f"파일을 읽을 수 없습니다 ({error.strerror or error})")) from None
    if len(data) > max_bytes:
        raise SubmissionError(tr(f"file too large (over {max_bytes:,} bytes)",
                                  f"파일이 너무 큽니다 ({max_bytes:,}바이트 초과)"))
    try:
        text = data.decode("utf-8-sig")  # a BOM, as some Windows editors add, is harmless
    except UnicodeDecodeError:
        raise SubmissionError(tr("not a text file (not UTF-8): not a submission saved by hw.save",
                                 "텍스트 파일이 아닙니다 (UTF-8 아님): hw.save로 저장한 제출 파일이 "
                                 "아닙니다")) from None
    if _nesting(text) > MAX_DEPTH:
        raise SubmissionError(tr(f"nested more than {MAX_DEPTH} levels deep: not a submission saved "
                                 "by hw.save", f"{MAX_DEPTH}단계보다 깊게 중첩되어 있습니다: hw.save로 "
                                 "저장한 제출 파일이 아닙니다"))
    try:
        record = json.loads(text, object_pairs_hook=_object)
    except RecursionError:  # _nesting guards against this; kept in case a file slips past it
        raise SubmissionError(tr("nested too deeply: not a submission saved by hw.save",
                                 "너무 깊게 중첩되어 있습니다: hw.save로 저장한 제출 파일이 아닙니다")) from None
    except ValueError as error:  # broken JSON, or an int too long to read
        raise SubmissionError(tr(f"not valid JSON ({str(error).splitlines()[0][:80]})",
                                 f"올바른 JSON이 아닙니다 ({str(error).splitlines()[0][:80]})")) from None
    if not isinstance(record, dict) or record.get("format") != FORMAT:
        raise SubmissionError(tr("not a cnncourse submission (no 'format': 'cnncourse-submission'); "
                                 "save it with hw.save(answers, path, student=...)",
                                 "cnncourse 제출 파일이 아닙니다 ('format': 'cnncourse-submission' 없음). "
                                 "hw.save(answers, path, student=...)로 저장하세요"))
    if record.get("assignment") != assignment:
        other = _safe_repr(record.get("assignment"), 30)
        raise SubmissionError(tr(f"a submission for assignment {other}, not {assignment!r}",
                                 f"{assignment!r}가 아니라 과제 {other}의 제출 파일입니다"))
    student = record.get("student")
    if not isinstance(student, str) or not student.strip():
        raise SubmissionError(tr("no student id in the file", "파일에 학번(student)이 없습니다"))
    if "answers" not in record:
        raise SubmissionError(tr("no 'answers' in the file", "파일에 'answers'가 없습니다"))
    return record
