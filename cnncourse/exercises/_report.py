"""The machinery the assignment checkers share: questions, answer validation, the report.

A checker is a list of :class:`Question` objects, made from the assignment's question records
(``questions/*.json``, see :mod:`cnncourse.exercises._data`). Each question knows

- where its answer sits in the student's dict (``path``: ``("shapes", "conv1")`` means
  ``answers["shapes"]["conv1"]``; a one-element path is a top-level key),
- the part of the assignment it belongs to (the parts carry the weights of the score),
- what form the answer must have and how to compare it (its :class:`Kind`),
- how to compute the correct answer (``expected``, a callable given the student's answers, run
  only when the question was answered, so that a partial answer set is checked quickly), or
  that the answer is sealed until the teacher releases it (``sealed``),
- and a hint, in English and Korean, that points at the reasoning but never states the answer.

:func:`run_checks` walks the student's answers and returns a :class:`Report`. It never
raises because of the answers: a wrong type, an unknown key or a wrong length becomes a
line in the report that names the item and the form expected. Every message exists in English
and Korean (:mod:`._lang`); the report is made and shown in one of them.
"""
from __future__ import annotations

import decimal
import difflib
import html
import math
import numbers
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

import numpy as np
import torch

from ._lang import josa, language, pick, tr

# Status of one item, and the mark printed for it. RECORDED: an answer to a sealed question
# (a multiple-choice letter, a number from a paper), kept for the teacher's grading.
CORRECT, WRONG, MALFORMED, NOT_ANSWERED = "correct", "wrong", "malformed", "not answered"
RECORDED = "recorded"
MARKS = {CORRECT: "✓", WRONG: "✗", MALFORMED: "✗", NOT_ANSWERED: "·", RECORDED: "○"}


def status_text(status: str) -> str:
    return {CORRECT: tr("correct", "정답"), WRONG: tr("wrong", "오답"),
            MALFORMED: tr("malformed", "형식 오류"), NOT_ANSWERED: tr("not answered", "미응답"),
            RECORDED: tr("recorded", "접수됨")}.get(status, status)


# Python refuses to turn ints of more than 4300 digits into text (sys.int_max_str_digits), and a
# shape or a count that long is never meant: such numbers are described by their size instead.
_MAX_DIGITS = 30


def _blank(value: Any) -> bool:
    """Whether a value means "not answered yet" (the blank templates use None; ``...`` too)."""
    return value is None or value is Ellipsis


class _Malformed(Exception):
    """Raised by a Kind's ``parse`` when an answer does not have the expected form."""


def _article(word: str) -> str:
    """'a' or 'an' before ``word`` (by its first letter: 'an int64', 'a float32')."""
    return "an" if word[:1].lower() in "aeio" else "a"


def plural(n: int, word: str) -> str:
    """'1 item', '2 items', '1 problem', '0 problems'."""
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _int_text(value: int) -> str:
    """An int as text, or its size when it is too long to read (or to convert at all)."""
    digits = int(abs(value).bit_length() * 0.30103) + 1
    if digits > _MAX_DIGITS:
        return tr(f"an int of about {digits} digits", f"약 {digits}자리 정수")
    return repr(value)


def _short(text: str, limit: int = 50) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _safe_repr(value: Any, limit: int = 50, depth: int = 0) -> str:
    """repr() that never raises and never runs long (huge ints, odd objects, nesting)."""
    if isinstance(value, int) and not isinstance(value, bool):
        try:
            return _int_text(int.__int__(value))  # int's own methods: a subclass may break its own
        except Exception:
            return f"<{type(value).__name__}>"
    try:
        value = plain(value, 0)
        if isinstance(value, (tuple, list)):
            if depth >= 2:
                return "(...)" if isinstance(value, tuple) else "[...]"
            inner = ", ".join(_safe_repr(v, limit, depth + 1) for v in value[:8])
            inner += ", ..." if len(value) > 8 else ""
            text = f"({inner},)" if isinstance(value, tuple) and len(value) == 1 else (
                f"({inner})" if isinstance(value, tuple) else f"[{inner}]")
        elif isinstance(value, str):
            text = repr(value[: limit + 2])
        else:
            text = repr(value)
    except Exception:
        text = f"<{type(value).__name__}>"
    return _short(" ".join(text.split()), limit)  # one line, whatever the repr


def _describe(value: Any) -> str:
    """A short description of what the student gave, for 'got ...' messages; never raises."""
    try:
        return _description(plain(value, 0))
    except Exception:  # an object whose every method raises: its type is all there is to say
        name = type(value).__name__
        return tr(f"{_article(name)} {name}", f"{name} 객체")


def _description(value: Any) -> str:
    if isinstance(value, (bool, np.bool_)):
        return tr(f"the bool {bool(value)!r}", f"불리언 {bool(value)!r}")
    if isinstance(value, str):
        text = _short(repr(value[:42])[1:-1], 40)
        return tr(f"the string {text!r}", f"문자열 {text!r}")
    if isinstance(value, int):
        text = _int_text(value)
        return text if not text[:1].isdigit() and text[:1] != "-" else tr(
            f"the number {text}", f"숫자 {text}")
    if isinstance(value, float):
        return tr(f"the number {value!r}", f"숫자 {value!r}")
    if isinstance(value, torch.Tensor):
        dtype = str(value.dtype).replace("torch.", "")
        if value.is_nested:
            return tr(f"a nested tensor of dtype {dtype}", f"dtype이 {dtype}인 중첩(nested) 텐서")
        if value.dim() == 0:
            return tr(f"a 0-d tensor of dtype {dtype}", f"dtype이 {dtype}인 0차원 텐서")
        shape = tuple(value.shape)
        return tr(f"a tensor of shape {shape} and dtype {dtype}",
                  f"shape가 {shape}이고 dtype이 {dtype}인 텐서")
    if isinstance(value, np.ndarray):
        return tr(f"a numpy array of shape {value.shape} and dtype {value.dtype}",
                  f"shape가 {value.shape}이고 dtype이 {value.dtype}인 numpy 배열")
    if isinstance(value, np.generic):
        name = type(value).__name__
        shown = _safe_repr(value.item(), 30)
        return tr(f"{_article(name)} {name} ({shown})", f"{name} 값 ({shown})")
    if isinstance(value, (tuple, list)):
        name = type(value).__name__
        return tr(f"{_article(name)} {name} of length {len(value)}: {_safe_repr(value)}",
                  f"길이 {len(value)}인 {name}: {_safe_repr(value)}")
    if isinstance(value, dict):
        return tr(f"a dict with {plural(len(value), 'key')}", f"키가 {len(value)}개인 dict")
    name = type(value).__name__
    if isinstance(value, torch.Tensor):
        name = "Tensor"
    return tr(f"{_article(name)} {name}", f"{name} 객체")


def plain(value: Any, depth: int = 3) -> Any:
    """``value`` with every dict, list, tuple and str subclass in it made the built-in type.

    They are read through the built-in types' own methods, so a subclass whose ``__iter__``,
    ``__len__`` or ``__repr__`` raises (or lies) is read all the same, and what the checks see
    afterwards behaves. Containers are converted down to ``depth`` levels (an answer dict is
    three deep: answers, section, item), their contents beyond that left as they are;
    ``torch.Size`` stays a ``torch.Size``. An object that cannot be read is returned unchanged.
    """
    try:
        kind = type(value)
        if kind in (str, int, float, bool, type(None), torch.Size):
            return value
        if isinstance(value, dict):
            items = dict.items(value)
            if depth > 0:
                return {k: plain(v, depth - 1) for k, v in items}
            return value if kind is dict else dict(items)
        if isinstance(value, list):
            items = list.copy(value)
        elif isinstance(value, tuple):
            items = tuple.__getitem__(value, slice(None))
        elif isinstance(value, str):
            return str.__str__(value)
        else:
            return value
        if depth > 0:
            items = [plain(v, depth - 1) for v in items]
        return list(items) if isinstance(value, list) else tuple(items)
    except Exception:
        return value


def as_number(value: Any) -> Optional[int | float]:
    """A plain int or float for any real-number scalar a student may produce, else None.

    Accepts Python ints and floats, ``numbers.Integral``/``numbers.Real`` (numpy scalars,
    ``fractions.Fraction``), ``decimal.Decimal``, 0-d tensors and 0-d numpy arrays. Bools
    (``True`` is an int in Python) and complex numbers are not numbers here.
    """
    if isinstance(value, (bool, np.bool_)):
        return None
    if isinstance(value, torch.Tensor):
        if value.dim() != 0 or value.dtype == torch.bool or value.is_complex() or value.is_meta:
            return None
        value = value.item()
    elif isinstance(value, np.ndarray):
        if value.ndim != 0 or value.dtype.kind not in "iuf":
            return None
        value = value.item()
    if isinstance(value, bool):
        return None
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, decimal.Decimal):  # nan and inf too: the kinds report them as not finite
        return math.nan if value.is_snan() else float(value)
    if isinstance(value, numbers.Real):
        try:
            return float(value)
        except (OverflowError, ValueError):
            return None
    return None


def as_sequence(value: Any) -> Optional[list]:
    """The items of a tuple, list, ``torch.Size``, or a 1-d tensor/array of numbers; else None."""
    if isinstance(value, (tuple, list)):
        return list(value)
    if isinstance(value, torch.Tensor) and value.dim() == 1 and not value.is_meta and value.numel() <= 64:
        if value.dtype == torch.bool or value.is_complex():
            return None
        return value.tolist()
    if isinstance(value, np.ndarray) and value.ndim == 1 and value.size <= 64:
        if value.dtype.kind not in "iuf":
            return None
        return value.tolist()
    return None


def _float_note(value: Any) -> str:
    """The remark for a whole-number float given where an int is wanted."""
    return tr(f"{value!r} is a float; an int is expected (accepted, since it is a whole number)",
              f"{josa(repr(value), '은', '는')} 실수입니다. 정수를 써야 하지만 값이 정수라서 받아들였습니다")


def expected_form(form: str, got: str, advice: str = "") -> str:
    """The message of a malformed answer: the form wanted, what was given, and a piece of advice."""
    text = tr(f"expected {form}; got {got}", f"필요한 형식: {form}. 받은 값: {got}")
    return f"{text} ({advice})" if advice else text


# ------------------------------------------------------------------------------ kinds of answer

class Kind:
    """A kind of answer: ``form`` says in words what is expected (in the language in force);
    ``parse`` validates (raising :class:`_Malformed` with a message) and normalises; ``same``
    compares; ``remark`` notes something about an accepted answer (a float for an int)."""

    @property
    def form(self) -> str:
        return tr("a value", "값")

    def parse(self, value):
        return value

    def same(self, given, expected) -> bool:
        return given == expected

    def diagnose(self, given, expected) -> Optional[str]:
        """An extra, answer-free remark about a wrong answer (e.g. 'the order looks swapped')."""
        return None

    def remark(self, value) -> Optional[str]:
        """A note on an accepted answer's form, shown whether it is right or wrong."""
        return None


def _whole_floats(values: list) -> list:
    return [v for v in values if isinstance(as_number(v), float) and not isinstance(v, int)]


class IntTuple(Kind):
    """A tuple of ``length`` positive ints, e.g. a shape (C, H, W) or four branch widths.

    Lists, ``torch.Size`` and 1-d integer tensors or arrays are accepted as well, and so are
    numpy or torch integer scalars as entries; a whole-number float entry is accepted with a remark.
    ``what`` is a ``{"en", "ko"}`` pair naming the quantity.
    """

    def __init__(self, length: int, what: dict, example: tuple):
        self.length, self.what, self.example = length, what, example

    @property
    def form(self) -> str:
        return tr(f"{self.what['en']}: a tuple of {self.length} positive ints, e.g. {self.example!r}",
                  f"{self.what['ko']}: 양의 정수 {self.length}개로 된 tuple (예: {self.example!r})")

    def parse(self, value):
        if isinstance(value, str):
            raise _Malformed(expected_form(self.form, _describe(value),
                                           tr("write the numbers, not text", "문자열이 아니라 숫자로 쓰세요")))
        items = as_sequence(value)
        if items is None:
            raise _Malformed(expected_form(self.form, _describe(value)))
        if len(items) != self.length:
            raise _Malformed(expected_form(self.form, tr(
                f"{plural(len(items), 'number')} instead of {self.length}", f"숫자 {len(items)}개")))
        out = []
        for v in items:
            number = as_number(v)
            entry = _safe_repr(v, 30)
            if number is None:
                raise _Malformed(tr(f"expected {self.form}; the entry {entry} is not a positive int "
                                    f"({_describe(v)})",
                                    f"필요한 형식: {self.form}. 항목 {josa(str(entry), '은', '는')} 양의 정수가 "
                                    f"아닙니다 ({_describe(v)})"))
            if isinstance(number, float):
                if not math.isfinite(number) or not number.is_integer():
                    raise _Malformed(tr(f"expected {self.form}; the entry {entry} is not a positive int",
                                        f"필요한 형식: {self.form}. 항목 {josa(str(entry), '은', '는')} 양의 정수가 아닙니다"))
                number = int(number)
            if number <= 0:
                shown = _safe_repr(number, 30)
                raise _Malformed(tr(f"expected {self.form}; the entry {shown} is not positive",
                                    f"필요한 형식: {self.form}. 항목 {josa(shown, '은', '는')} 양수가 아닙니다"))
            out.append(number)
        return tuple(out)

    def remark(self, value):
        items = as_sequence(value) or []
        floats = _whole_floats(items)
        if floats:
            shown = _safe_repr(floats[0], 20)
            return tr(f"{shown} is a float; ints are expected (accepted, since it is a whole number)",
                      f"{josa(shown, '은', '는')} 실수입니다. 정수를 써야 하지만 값이 정수라서 받아들였습니다")
        return None


class Shape(IntTuple):
    """An output shape (C, H, W) as PyTorch orders it (the papers write H×W×C)."""

    def __init__(self, length: int = 3):
        example = (3, 224, 224) if length == 3 else (10,) * length
        what = ({"en": "the output shape (C, H, W)", "ko": "출력 shape (C, H, W)"} if length == 3 else
                {"en": f"the output shape ({length} numbers)", "ko": f"출력 shape (숫자 {length}개)"})
        super().__init__(length, what, example)

    def diagnose(self, given, expected):
        if len(expected) != 3:
            return None
        if given == (expected[1], expected[2], expected[0]) and given != expected:
            return tr("The order looks like the paper's H×W×C; PyTorch (and this checker) wants (C, H, W).",
                      "논문의 H×W×C 순서로 쓴 것 같습니다. PyTorch(와 이 checker)는 (C, H, W) 순서입니다.")
        if given[0] == expected[0] and given[1:] != expected[1:]:
            return tr("The channel count is right; the height and width are not.",
                      "채널 수는 맞고, 높이와 너비가 틀렸습니다.")
        if given[1:] == expected[1:] and given[0] != expected[0]:
            return tr("The height and width are right; the channel count is not.",
                      "높이와 너비는 맞고, 채널 수가 틀렸습니다.")
        return None


class Count(Kind):
    """A count (multiply-adds, parameters): an int, or a float such as 1.2e8 where ``floats``.

    Correct when within ``rtol`` (relative) of the computed count; ``rtol=0`` means exact.
    """

    def __init__(self, rtol: float = 0.0, what: Optional[dict] = None, allow_zero: bool = False,
                 floats: bool = True):
        self.rtol, self.allow_zero, self.floats = rtol, allow_zero, floats
        self.what = what or {"en": "a count", "ko": "개수"}

    @property
    def form(self) -> str:
        tol = tr("exact", "정확히") if self.rtol == 0 else tr(f"within ±{100 * self.rtol:g}%",
                                                             f"±{100 * self.rtol:g}% 이내")
        if self.floats:
            kind = tr(f"a {'non-negative' if self.allow_zero else 'positive'} int (or a float like 1.5e8)",
                      f"{'0 이상의' if self.allow_zero else '양의'} 정수 (1.5e8 같은 실수도 됨)")
        else:
            kind = tr(f"a {'non-negative' if self.allow_zero else 'positive'} int",
                      f"{'0 이상의' if self.allow_zero else '양의'} 정수")
        return f"{pick(self.what)}: {kind}, {tol}"

    def parse(self, value):
        if isinstance(value, str):
            raise _Malformed(expected_form(self.form, _describe(value), tr(
                "write a number, not text: 128_000_000 or 1.28e8, not '128M'",
                "문자열이 아니라 숫자로 쓰세요: '128M'이 아니라 128_000_000 또는 1.28e8")))
        number = as_number(value)
        if number is None:
            raise _Malformed(expected_form(self.form, _describe(value)))
        if isinstance(number, float) and not math.isfinite(number):
            raise _Malformed(expected_form(self.form, repr(number)))
        if number < 0 or (number == 0 and not self.allow_zero):
            raise _Malformed(expected_form(self.form, _safe_repr(number, 30)))
        if isinstance(number, float) and not number.is_integer() and not self.floats:
            raise _Malformed(expected_form(self.form, tr(f"{number!r}, which is not a whole number",
                                                         f"{number!r} (정수가 아님)")))
        if isinstance(number, int) and number.bit_length() > 200:
            raise _Malformed(expected_form(self.form, tr(
                f"{_describe(number)}, far too large to be a count in this assignment",
                f"{_describe(number)} (이 과제의 어떤 개수보다도 훨씬 큼)")))
        return number

    def remark(self, value):
        number = as_number(value)
        if not self.floats and isinstance(number, float) and number.is_integer():
            return _float_note(number)
        return None

    def same(self, given, expected):
        if self.rtol == 0:
            return given == expected
        return abs(given - expected) <= self.rtol * abs(expected)

    def diagnose(self, given, expected):
        if expected and given and self.same(given * 1e6, expected):
            return tr("This looks like millions: give the full number (e.g. 1.5e8, not 150).",
                      "백만 단위로 쓴 것 같습니다. 전체 값을 쓰세요 (150이 아니라 1.5e8).")
        if expected and given and self.same(given * 1e3, expected):
            return tr("This looks like thousands: give the full number (e.g. 1.5e5, not 150).",
                      "천 단위로 쓴 것 같습니다. 전체 값을 쓰세요 (150이 아니라 1.5e5).")
        return None


class Decimal(Kind):
    """A real number, correct within ``atol`` (e.g. 0.05 for 'to one decimal')."""

    def __init__(self, atol: float, what: Optional[dict] = None):
        self.atol = atol
        self.what = what or {"en": "a number", "ko": "숫자"}

    @property
    def form(self) -> str:
        return tr(f"{self.what['en']}: a number, correct to within ±{self.atol:g}",
                  f"{self.what['ko']}: 숫자, ±{self.atol:g} 이내")

    def parse(self, value):
        if isinstance(value, str):
            raise _Malformed(expected_form(self.form, _describe(value),
                                           tr("write a number, not text", "문자열이 아니라 숫자로 쓰세요")))
        number = as_number(value)
        if number is None:
            raise _Malformed(expected_form(self.form, _describe(value)))
        try:
            number = float(number)
        except OverflowError:
            raise _Malformed(expected_form(self.form, tr(f"{_describe(value)}, far too large",
                                                         f"{_describe(value)} (너무 큼)"))) from None
        if not math.isfinite(number):
            raise _Malformed(expected_form(self.form, tr(f"the number {number!r}", f"숫자 {number!r}")))
        return number

    def same(self, given, expected):
        return abs(given - expected) <= self.atol + 1e-9


class Choice(Kind):
    """One letter from a fixed set of options (multiple choice)."""

    def __init__(self, letters):
        self.letters = tuple(letters)

    @property
    def form(self) -> str:
        letters = ", ".join(repr(k) for k in self.letters)
        return tr(f"one of the letters {letters}", f"{letters} 중 한 글자")

    def parse(self, value):
        if not isinstance(value, str):
            raise _Malformed(expected_form(self.form, _describe(value)))
        letter = value.strip().upper().strip("()").strip()
        if letter not in self.letters:
            raise _Malformed(expected_form(self.form, _describe(value)))
        return letter


_WORD = None


def content_words(text: str) -> list[str]:
    """The words of a comment that carry content, counted the same way in Korean and English.

    A word is a run of letters (any script: Hangul syllables count like Latin letters),
    digits or the symbols of a size (×, x between digits); a Korean 어절 such as "채널을" is
    one word, like "channels". Words made of one character repeated ("aaaa", "ㅋㅋㅋ") carry
    nothing and are dropped.
    """
    import re

    global _WORD
    if _WORD is None:
        _WORD = re.compile(r"[^\W_](?:[^\W_]|[×*/.,+\-→](?=[^\W_]))*")
    words = []
    for word in _WORD.findall(text):
        if len(word) >= 3 and len(set(word.lower())) == 1:
            continue
        words.append(word)
    return words


# A comment explains one line: a few sentences at most. The cap also bounds the time the
# comment checks take, whatever a submission holds.
MAX_COMMENT_CHARS = 1000


class Comment(Kind):
    """Free text: checked to be there and to say something (``min_words`` words of content).

    Fair to Korean and English alike: it counts words (:func:`content_words`), not bytes or
    characters, so "채널 방향으로 이어 붙인다" passes just as "concatenate along channels" does.
    A comment is at most :data:`MAX_COMMENT_CHARS` characters. Checkers judge what a comment
    says by subclassing this (assignment 1's comments: :mod:`._comments`).
    """

    def __init__(self, min_words: int = 2):
        self.min_words = min_words

    @property
    def form(self) -> str:
        return tr(f"a comment: a string of at least {self.min_words} words",
                  f"주석: 단어 {self.min_words}개 이상의 문자열")

    def parse(self, value):
        if not isinstance(value, str):
            raise _Malformed(expected_form(self.form, _describe(value)))
        text = value.strip().lstrip("#").strip()
        if len(text) > MAX_COMMENT_CHARS:
            raise _Malformed(tr(f"a comment is at most {MAX_COMMENT_CHARS:,} characters; this one has "
                                f"{len(text):,} (say what the line does in a sentence or two)",
                                f"주석은 {MAX_COMMENT_CHARS:,}자까지입니다. 이 주석은 {len(text):,}자입니다 "
                                f"(그 줄이 하는 일을 한두 문장으로 쓰세요)"))
        return text

    def same(self, given, expected):
        words = content_words(given)
        return len(words) >= self.min_words and len({w.lower() for w in words}) >= min(2, self.min_words)


# ------------------------------------------------------------------------------ questions

@dataclass
class Part:
    """A part of an assignment and its weight in the score (points out of 100). A part that
    ``hand``-marked is scored by the teacher with the rubric, not by the checker."""

    id: str
    weight: float
    title: dict
    hand: bool = False

    @property
    def name(self) -> str:
        return pick(self.title)


@dataclass
class Question:
    """One checked item. ``expected(answers)`` computes the answer from the package (given the
    student's normalised answers, for the items that depend on a choice of theirs); a ``sealed``
    item's answer opens only with the release key (``expected`` then takes the key as well)."""

    path: tuple
    kind: Kind
    expected: Optional[Callable[..., Any]]
    hint: dict
    part: str = ""
    optional: bool = False  # optional items count only when answered
    sealed: bool = False

    @property
    def label(self) -> str:
        return self.path[0] + "".join(f"[{p!r}]" for p in self.path[1:])

    def hint_text(self) -> str:
        return pick(self.hint) if isinstance(self.hint, dict) else self.hint


@dataclass
class ItemResult:
    """The outcome for one item: ``status`` is 'correct', 'wrong', 'malformed', 'recorded' or
    'not answered'."""

    item: str
    status: str
    message: str = ""
    part: str = ""

    @property
    def mark(self) -> str:
        return MARKS.get(self.status, "!")

    @property
    def correct(self) -> bool:
        return self.status == CORRECT


@dataclass
class Report:
    """What a checker returns: one :class:`ItemResult` per item, plus problems with the
    answers' form that belong to no item (an unknown key, a section that is not a dict).

    ``results`` and ``problems`` are for programs (and tests); printing the report, or
    leaving it as the last expression of a notebook cell, shows the table, in ``lang``.
    ``points`` weighs each part's share of correct items by the part's weight (:class:`Part`).
    """

    title: Any
    results: list[ItemResult]
    problems: list[ItemResult] = field(default_factory=list)
    lang: str = "en"
    parts: list[Part] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)   # said under the title (e.g. the variant)
    variant: Any = None   # the student's own choice the items depend on (assignment 1's input size)

    @property
    def title_text(self) -> str:
        with language(self.lang):
            return pick(self.title) if isinstance(self.title, dict) else str(self.title)

    @property
    def n_total(self) -> int:
        return len(self.results)

    @property
    def n_correct(self) -> int:
        return sum(r.status == CORRECT for r in self.results)

    @property
    def n_answered(self) -> int:
        return sum(r.status != NOT_ANSWERED for r in self.results)

    @property
    def n_recorded(self) -> int:
        return sum(r.status == RECORDED for r in self.results)

    @property
    def score(self) -> float:
        """Fraction of all items answered correctly (an item not answered scores nothing)."""
        return self.n_correct / self.n_total if self.n_total else 0.0

    def part_points(self) -> dict[str, float]:
        """Points per machine-graded part: its weight × its share of correct items."""
        out = {}
        for part in self.parts:
            if part.hand:
                continue
            items = [r for r in self.results if r.part == part.id]
            out[part.id] = part.weight * sum(r.correct for r in items) / len(items) if items else 0.0
        return out

    @property
    def points(self) -> float:
        return sum(self.part_points().values())

    @property
    def max_points(self) -> float:
        return sum(p.weight for p in self.parts if not p.hand)

    @property
    def all_correct(self) -> bool:
        return self.n_correct == self.n_total and not self.problems

    def __getitem__(self, item: str) -> ItemResult:
        for r in self.results + self.problems:
            if r.item == item:
                return r
        raise KeyError(item)

    def summary(self) -> str:
        with language(self.lang):
            text = tr(f"{self.n_correct} correct / {self.n_answered} answered / "
                      f"{plural(self.n_total, 'item')}",
                      f"{self.n_total}문항 중 {self.n_answered}문항 답함, {self.n_correct}문항 정답")
            if self.n_recorded:
                text += tr(f" ({self.n_recorded} recorded for grading)",
                           f" (채점 때 확인할 문항 {self.n_recorded}개 포함)")
            if self.problems:
                text += tr(f"; {plural(len(self.problems), 'problem')} with the form",
                           f"; 형식 문제 {len(self.problems)}건")
            return text

    def points_line(self) -> str:
        """'points: 42.5 / 80 (machine-graded); (f) comment quality (20) is marked by hand'."""
        if not self.parts:
            return ""
        with language(self.lang):
            per = self.part_points()
            shown = ", ".join(f"{p.id if len(p.id) <= 2 else p.name} {per[p.id]:.1f}/{p.weight:g}"
                              for p in self.parts if not p.hand)
            text = tr(f"points: {self.points:.1f} / {self.max_points:g} ({shown})",
                      f"점수: {self.points:.1f} / {self.max_points:g} ({shown})")
            hand = [p for p in self.parts if p.hand]
            if hand:
                names = ", ".join(f"{p.name} ({p.weight:g})" for p in hand)
                text += tr(f"; marked by your teacher: {names}", f"; 선생님이 채점: {names}")
            return text

    def _unanswered(self) -> list[str]:
        """Unanswered items grouped by section: ["shapes: conv3, maxpool2", "aux: all"]."""
        groups: dict[str, list[str]] = {}
        sizes: dict[str, int] = {}
        for r in self.results:
            section, _, rest = r.item.partition("[")
            sizes[section] = sizes.get(section, 0) + 1
            if r.status == NOT_ANSWERED:
                groups.setdefault(section, []).append(rest[:-1].strip("'\"") if rest else "")
        lines = []
        for section, names in groups.items():
            if names and all(n.isdecimal() for n in names):  # numbered items: 1–15, 17, 19–20
                numbers, runs = [int(n) for n in names], []
                for n in numbers:
                    if runs and n == runs[-1][1] + 1:
                        runs[-1][1] = n
                    else:
                        runs.append([n, n])
                names = [f"{a}" if a == b else f"{a}–{b}" for a, b in runs] if len(names) < sizes[section] else names
            if names == [""]:
                lines.append(section)
            elif len(names) == sizes[section]:
                lines.append(tr(f"{section}: all {len(names)}", f"{section}: 전부 {len(names)}개"))
            else:
                lines.append(f"{section}: {', '.join(names)}")
        return lines

    def _unanswered_line(self) -> str:
        return tr("not answered yet (each scores 0 if handed in blank): ",
                  "아직 답하지 않은 문항 (이대로 제출하면 0점): ") + "; ".join(self._unanswered())

    def __str__(self) -> str:
        with language(self.lang):
            rows = [r for r in self.results if r.status != NOT_ANSWERED]
            width = max([len(r.item) for r in rows + self.problems] + [4])
            lines = [f"{self.title_text}: {self.summary()}"] + [f" {n}" for n in self.notes]
            if self.parts:
                lines.append(" " + self.points_line())
            for r in rows:
                text = f" {r.mark} {r.item:<{width}}  {status_text(r.status)}"
                if r.message:
                    text += f" — {r.message}"
                lines.append(text)
            if self._unanswered():
                lines.append(" · " + self._unanswered_line())
            for p in self.problems:
                lines.append(f" ! {p.item:<{width}}  {p.message}")
            return "\n".join(lines)

    __repr__ = __str__

    def _repr_html_(self) -> str:
        colors = {CORRECT: "#1a7f37", WRONG: "#cf222e", MALFORMED: "#cf222e", RECORDED: "#0550ae"}
        with language(self.lang):
            cells = []
            for r in self.results:
                if r.status == NOT_ANSWERED:
                    continue
                cells.append(
                    f"<tr style='vertical-align:top'><td style='color:{colors.get(r.status, '#000')};"
                    f"font-weight:bold'>{r.mark}</td><td><code>{html.escape(r.item)}</code></td>"
                    f"<td>{html.escape(status_text(r.status))}</td>"
                    f"<td style='text-align:left'>{html.escape(r.message)}</td></tr>")
            for p in self.problems:
                cells.append(f"<tr style='vertical-align:top'><td style='color:#9a6700;font-weight:bold'>!"
                             f"</td><td><code>{html.escape(p.item)}</code></td>"
                             f"<td>{tr('problem', '문제')}</td>"
                             f"<td style='text-align:left'>{html.escape(p.message)}</td></tr>")
            if self._unanswered():
                cells.append("<tr><td>·</td><td colspan='3' style='text-align:left'>"
                             + html.escape(self._unanswered_line()) + "</td></tr>")
            head = "".join(f"<p>{html.escape(n)}</p>" for n in self.notes)
            if self.parts:
                head += f"<p>{html.escape(self.points_line())}</p>"
            return (f"<p><b>{html.escape(self.title_text)}</b>: {html.escape(self.summary())}</p>{head}"
                    f"<table><thead><tr><th></th><th>{tr('item', '문항')}</th>"
                    f"<th>{tr('result', '결과')}</th><th style='text-align:left'>"
                    f"{tr('hint / message', '힌트 / 메시지')}</th></tr></thead>"
                    f"<tbody>{''.join(cells)}</tbody></table>")


# ------------------------------------------------------------------------------ running

def _close(key: Any, known: list) -> str:
    known = [k for k in known if isinstance(k, str)]
    if not isinstance(key, str) or not known:
        return "."
    key = str.__str__(key)[:100]  # a typo is short; difflib's time grows with the length
    matches = difflib.get_close_matches(key, known, n=3, cutoff=0.6)
    if not matches:
        matches = difflib.get_close_matches(key.lower().replace(" ", "").replace("-", "_"),
                                            known, n=3, cutoff=0.6)
    if not matches:
        return "."
    names = " or ".join(repr(m) for m in matches)
    return tr(f"; did you mean {names}?", f". 혹시 {names}?")


def _typed(mapping: dict) -> dict:
    """``mapping`` keyed by (type, key): ``1``, ``True`` and ``1.0`` are equal keys in Python,
    but only the int is the answer to item 1. A key that cannot be hashed again is left out."""
    out: dict = {}
    for key, value in mapping.items():
        try:
            out.setdefault((type(key), key), value)
        except Exception:
            pass
    return out


def _known(key: Any, typed: dict) -> bool:
    """Whether ``key`` is one of ``typed``'s keys, of the same type (see :func:`_typed`)."""
    try:
        return (type(key), key) in typed
    except Exception:  # a key whose hash or == misbehaves is simply unknown
        return False


# Problems with the answers' form listed one by one; beyond this many they are counted, so a
# submission with a hundred thousand stray keys gets a short report, and quickly.
MAX_LISTED = 20


def _form_problems(sections: dict[str, list], answers: dict, choices=()) -> list[ItemResult]:
    """Unknown keys and sections that are not dicts: problems that belong to no item (``choices``
    are top-level keys that are no item but known, such as assignment 1's ``input_size``)."""
    problems: list[ItemResult] = []
    unlisted = 0

    def add(item: Callable[[], str], message: Callable[[], str]) -> None:
        nonlocal unlisted   # both are made only for the problems listed
        if len(problems) < MAX_LISTED:
            problems.append(ItemResult(item(), "problem", message()))
        else:
            unlisted += 1

    def unknown(key: Any, known: list, where: str = "") -> Callable[[], str]:
        def message() -> str:  # difflib only for the problems listed
            close = _close(key, known)
            place = tr(f" in answers[{where!r}]", f" (answers[{where!r}] 안)") if where else ""
            head = tr("unknown key", "모르는 키") + place
            if close != ".":
                return head + close
            if not where:
                return head + tr(f". The keys are: {', '.join(known)}.",
                                 f". 쓸 수 있는 키: {', '.join(known)}.")
            listed = ", ".join(_safe_repr(k) for k in known[:20]) + (", …" if len(known) > 20 else "")
            return head + tr(f". Expected one of: {listed}.", f". 쓸 수 있는 키: {listed}.")
        return message

    top = _typed(dict.fromkeys([*sections, *choices]))
    for key in answers:
        if key in choices and type(key) is str:
            continue
        if not _known(key, top):
            add(lambda: f"answers[{_safe_repr(key, 40)}]", unknown(key, list(sections)))
        elif sections[key]:
            section = answers[key]
            if _blank(section):
                continue
            if not isinstance(section, dict):
                first = ", ".join(_safe_repr(k) for k in sections[key][:3])
                add(lambda: key, lambda: tr(f"answers[{key!r}] must be a dict keyed by {first}, …; "
                                    f"got {_describe(section)}",
                                    f"answers[{key!r}]는 {first}, … 를 키로 하는 dict여야 합니다. "
                                    f"받은 값: {_describe(section)}"))
                continue
            allowed = _typed(dict.fromkeys(sections[key]))
            for sub in section:
                if not _known(sub, allowed):
                    add(lambda: f"{key}[{_safe_repr(sub, 40)}]", unknown(sub, sections[key], key))
    if unlisted:
        problems.append(ItemResult("answers", "problem", tr(
            f"… and {unlisted:,} more such problems (not listed one by one)",
            f"… 그리고 이런 문제가 {unlisted:,}건 더 있습니다 (하나하나 적지 않음)")))
    return problems


def recorded_message() -> str:
    return tr("answered; its answer is sealed until your teacher releases the solutions, and it is "
              "scored when your work is graded",
              "답을 받았습니다. 정답은 선생님이 풀이를 공개할 때까지 봉인되어 있고, 채점할 때 점수를 매깁니다")


def check_item(q: Question, value: Any, answers: dict, key: Optional[str]) -> Optional[ItemResult]:
    """The result for one question given the student's ``value`` (None when it is optional
    and blank). Never raises: an unforeseen object becomes a 'malformed' line."""
    try:
        if _blank(value) or (isinstance(q.kind, Comment) and isinstance(value, str)
                             and not value.strip().lstrip("#").strip()):
            return None if q.optional else ItemResult(q.label, NOT_ANSWERED, part=q.part)
        try:
            given = q.kind.parse(value)
        except _Malformed as error:
            return ItemResult(q.label, MALFORMED, f"{q.label}: {error}", q.part)
        remark = q.kind.remark(value)
        if q.sealed and key is None:
            return ItemResult(q.label, RECORDED, "; ".join(m for m in (recorded_message(), remark) if m),
                              q.part)
        expected = None
        if q.expected is not None:
            expected = q.expected(answers, key) if q.sealed else q.expected(answers)
        if q.kind.same(given, expected):
            return ItemResult(q.label, CORRECT, remark or "", q.part)
        extra = q.kind.diagnose(given, expected)
        message = " ".join(m for m in (extra, q.hint_text()) if m)
        if remark:
            message = f"{message} ({tr('Note', '참고')}: {remark}.)"
        return ItemResult(q.label, WRONG, message, q.part)
    except Exception:  # an object the checks did not foresee: still a message, not a traceback
        return ItemResult(q.label, MALFORMED, f"{q.label}: " + expected_form(q.kind.form, _describe(value)),
                          q.part)


Normalise = Callable[[dict], "tuple[dict, list[ItemResult]]"]


def run_checks(title: Any, questions: list[Question], answers: Any, example: str,
               normalise: Optional[Normalise] = None, lang: str = "en", parts=(),
               key: Optional[str] = None, notes: Callable[[dict], list] = None,
               choices: tuple = ()) -> Report:
    """Check ``answers`` against ``questions``, in ``lang``. Never raises because of ``answers``.

    ``normalise`` (optional) rewrites the answer dict first (e.g. comments given as a list) and
    returns the problems it found doing so. ``key`` is the release key that opens the sealed
    questions (None: they are recorded, not scored). ``notes(answers)`` gives lines to show
    under the title. ``choices``: top-level keys that are the student's choices, not items
    (``expected`` reads them from the answers).
    """
    with language(lang):
        try:
            report = _run_checks(title, questions, answers, example, normalise, key, choices)
            report.notes = list(notes(answers if isinstance(answers, dict) else {})) if notes else []
        except Exception as error:  # not foreseen: say so in the report rather than raise in a notebook
            report = Report(title, [], [ItemResult("answers", "problem", tr(
                f"the checker could not read these answers ({type(error).__name__}); give a dict like "
                f"{example}, with plain numbers, strings, tuples and lists",
                f"checker가 이 답안을 읽지 못했습니다 ({type(error).__name__}). {example}처럼 숫자, "
                f"문자열, tuple, list로 된 dict를 주세요"))])
        report.lang, report.parts = lang, list(parts)
        return report


def _run_checks(title, questions, answers, example, normalise, key, choices) -> Report:
    problems: list[ItemResult] = []
    answers = plain(answers)
    if not isinstance(answers, dict):
        problems.append(ItemResult("answers", "problem", tr(
            f"the answers must be a dict, like {example}; got {_describe(answers)}",
            f"답안은 {example}처럼 dict여야 합니다. 받은 값: {_describe(answers)}")))
        answers = {}
    if normalise is not None:
        answers, found = normalise(answers)
        problems += found

    # Which sections and keys exist, to report unknown keys with close matches.
    sections: dict[str, list] = {}
    for q in questions:
        sections.setdefault(q.path[0], [])
        if len(q.path) == 2:
            sections[q.path[0]].append(q.path[1])
    problems += _form_problems(sections, answers, choices)

    top = _typed(answers)
    inner = {s: _typed(v) for (kind, s), v in top.items() if kind is str and isinstance(v, dict)}
    results = []
    for q in questions:
        if len(q.path) == 1:
            value = top.get((str, q.path[0]))
        else:
            value = inner.get(q.path[0], {}).get((type(q.path[1]), q.path[1]))
        result = check_item(q, value, answers, key)
        if result is not None:
            results.append(result)
    return Report(title, results, problems)
