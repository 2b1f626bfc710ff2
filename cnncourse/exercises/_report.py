"""The machinery the assignment checkers share: questions, answer validation, the report.

A checker is a list of :class:`Question` objects. Each question knows

- where its answer sits in the student's dict (``path``: ``("shapes", "conv1")`` means
  ``answers["shapes"]["conv1"]``; a one-element path is a top-level key),
- what form the answer must have and how to compare it (its :class:`Kind`),
- how to compute the correct answer from the package (``expected``, a callable, run only
  when the student answered the question, so that a partial answer set is checked quickly),
- and a hint, written by hand, that points at the reasoning but never states the answer.

:func:`run_checks` walks the student's answers and returns a :class:`Report`. It never
raises because of the answers: a wrong type, an unknown key or a wrong length becomes a
line in the report that names the item and the form expected.
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

# Status of one item, and the mark printed for it.
CORRECT, WRONG, MALFORMED, NOT_ANSWERED = "correct", "wrong", "malformed", "not answered"
MARKS = {CORRECT: "✓", WRONG: "✗", MALFORMED: "✗", NOT_ANSWERED: "·"}

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
        return f"an int of about {digits} digits"
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


def _type_name(value: Any) -> str:
    """'int64' for numpy/torch scalars, 'Tensor', 'str'..."""
    if isinstance(value, torch.Tensor):
        return f"Tensor of dtype {str(value.dtype).replace('torch.', '')}"
    return type(value).__name__


def _describe(value: Any) -> str:
    """A short description of what the student gave, for 'got ...' messages; never raises."""
    try:
        return _description(plain(value, 0))
    except Exception:  # an object whose every method raises: its type is all there is to say
        name = type(value).__name__
        return f"{_article(name)} {name}"


def _description(value: Any) -> str:
    if isinstance(value, (bool, np.bool_)):
        return f"the bool {bool(value)!r}"
    if isinstance(value, str):
        return f"the string {_short(repr(value[:42])[1:-1], 40)!r}"
    if isinstance(value, int):
        text = _int_text(value)
        return text if text.startswith("an int of") else f"the number {text}"
    if isinstance(value, float):
        return f"the number {value!r}"
    if isinstance(value, torch.Tensor):
        dtype = str(value.dtype).replace("torch.", "")
        if value.is_nested:
            return f"a nested tensor of dtype {dtype}"
        if value.dim() == 0:
            return f"a 0-d tensor of dtype {dtype}"
        return f"a tensor of shape {tuple(value.shape)} and dtype {dtype}"
    if isinstance(value, np.ndarray):
        return f"a numpy array of shape {value.shape} and dtype {value.dtype}"
    if isinstance(value, np.generic):
        name = type(value).__name__
        return f"{_article(name)} {name} ({_safe_repr(value.item(), 30)})"
    if isinstance(value, (tuple, list)):
        name = type(value).__name__
        return f"{_article(name)} {name} of length {len(value)}: {_safe_repr(value)}"
    if isinstance(value, dict):
        return f"a dict with {plural(len(value), 'key')}"
    name = _type_name(value)
    return f"{_article(name)} {name}"


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
    return f"{value!r} is a float; an int is expected (accepted, since it is a whole number)"


# ------------------------------------------------------------------------------ kinds of answer

class Kind:
    """A kind of answer: ``form`` says in words what is expected; ``parse`` validates
    (raising :class:`_Malformed` with a message) and normalises; ``same`` compares;
    ``remark`` notes something about an accepted answer (e.g. a float where an int is wanted)."""

    form = "a value"

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
    """

    def __init__(self, length: int, form: str, example: tuple):
        self.length, self.example = length, example
        self.form = f"{form}: a tuple of {length} positive ints, e.g. {example!r}"

    def parse(self, value):
        if isinstance(value, str):
            raise _Malformed(f"expected {self.form}; got {_describe(value)} (write the numbers, "
                             f"not text)")
        items = as_sequence(value)
        if items is None:
            raise _Malformed(f"expected {self.form}; got {_describe(value)}")
        if len(items) != self.length:
            raise _Malformed(f"expected {self.form}; got {plural(len(items), 'number')} "
                             f"instead of {self.length}")
        out = []
        for v in items:
            number = as_number(v)
            if number is None:
                raise _Malformed(f"expected {self.form}; the entry {_safe_repr(v, 30)} is not "
                                 f"a positive int ({_describe(v)})")
            if isinstance(number, float):
                if not math.isfinite(number) or not number.is_integer():
                    raise _Malformed(f"expected {self.form}; the entry {_safe_repr(v, 30)} is "
                                     "not a positive int")
                number = int(number)
            if number <= 0:
                raise _Malformed(f"expected {self.form}; the entry {_safe_repr(number, 30)} "
                                 "is not positive")
            out.append(number)
        return tuple(out)

    def remark(self, value):
        items = as_sequence(value) or []
        floats = _whole_floats(items)
        if floats:
            return (f"{_safe_repr(floats[0], 20)} is a float; ints are expected (accepted, "
                    "since it is a whole number)")
        return None


class Shape(IntTuple):
    """An output shape (C, H, W) as PyTorch orders it (the papers write H×W×C)."""

    def __init__(self, length: int = 3):
        example = (3, 224, 224) if length == 3 else (10,) * length
        name = "the output shape (C, H, W)" if length == 3 else f"the output shape ({length} numbers)"
        super().__init__(length, name, example)

    def diagnose(self, given, expected):
        if len(expected) != 3:
            return None
        if given == (expected[1], expected[2], expected[0]) and given != expected:
            return "The order looks like the paper's H×W×C; PyTorch (and this checker) wants (C, H, W)."
        if given[0] == expected[0] and given[1:] != expected[1:]:
            return "The channel count is right; the height and width are not."
        if given[1:] == expected[1:] and given[0] != expected[0]:
            return "The height and width are right; the channel count is not."
        return None


class Count(Kind):
    """A count (multiply-adds, parameters): an int, or a float such as 1.2e8 where ``floats``.

    Correct when within ``rtol`` (relative) of the computed count; ``rtol=0`` means exact.
    """

    def __init__(self, rtol: float = 0.0, what: str = "a count", allow_zero: bool = False,
                 floats: bool = True):
        self.rtol, self.allow_zero, self.floats = rtol, allow_zero, floats
        tol = "exact" if rtol == 0 else f"within ±{100 * rtol:g}%"
        sign = "non-negative" if allow_zero else "positive"
        kind = f"a {sign} int (or a float like 1.5e8)" if floats else f"a {sign} int"
        self.form = f"{what}: {kind}, {tol}"

    def parse(self, value):
        if isinstance(value, str):
            raise _Malformed(f"expected {self.form}; got {_describe(value)} (write a number, not text: "
                             f"128_000_000 or 1.28e8, not '128M')")
        number = as_number(value)
        if number is None:
            raise _Malformed(f"expected {self.form}; got {_describe(value)}")
        if isinstance(number, float) and not math.isfinite(number):
            raise _Malformed(f"expected {self.form}; got {number!r}")
        if number < 0 or (number == 0 and not self.allow_zero):
            raise _Malformed(f"expected {self.form}; got {_safe_repr(number, 30)}")
        if isinstance(number, float) and not number.is_integer() and not self.floats:
            raise _Malformed(f"expected {self.form}; got {number!r}, which is not a whole number")
        if isinstance(number, int) and number.bit_length() > 200:
            raise _Malformed(f"expected {self.form}; got {_describe(number)}, far too large to be "
                             "a count in this assignment")
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
            return "This looks like millions: give the full number (e.g. 1.5e8, not 150)."
        if expected and given and self.same(given * 1e3, expected):
            return "This looks like thousands: give the full number (e.g. 1.5e5, not 150)."
        return None


class Decimal(Kind):
    """A real number, correct within ``atol`` (e.g. 0.05 for 'to one decimal')."""

    def __init__(self, atol: float, what: str = "a number"):
        self.atol = atol
        self.form = f"{what}: a number, correct to within ±{atol:g}"

    def parse(self, value):
        if isinstance(value, str):
            raise _Malformed(f"expected {self.form}; got {_describe(value)} (write a number, not text)")
        number = as_number(value)
        if number is None:
            raise _Malformed(f"expected {self.form}; got {_describe(value)}")
        try:
            number = float(number)
        except OverflowError:
            raise _Malformed(f"expected {self.form}; got {_describe(value)}, far too large") from None
        if not math.isfinite(number):
            raise _Malformed(f"expected {self.form}; got the number {number!r}")
        return number

    def same(self, given, expected):
        return abs(given - expected) <= self.atol + 1e-9


class Choice(Kind):
    """One letter from a fixed set of options (multiple choice)."""

    def __init__(self, options: dict[str, str]):
        self.options = options
        letters = ", ".join(repr(k) for k in options)
        self.form = f"one of the letters {letters}"

    def parse(self, value):
        if not isinstance(value, str):
            raise _Malformed(f"expected {self.form}; got {_describe(value)}")
        letter = value.strip().upper().strip("()").strip()
        if letter not in self.options:
            raise _Malformed(f"expected {self.form}; got {_describe(value)}")
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
    A comment is at most :data:`MAX_COMMENT_CHARS` characters.
    """

    def __init__(self, min_words: int = 2):
        self.min_words = min_words
        self.form = f"a comment: a string of at least {min_words} words"

    def parse(self, value):
        if not isinstance(value, str):
            raise _Malformed(f"expected {self.form}; got {_describe(value)}")
        text = value.strip().lstrip("#").strip()
        if len(text) > MAX_COMMENT_CHARS:
            raise _Malformed(f"a comment is at most {MAX_COMMENT_CHARS:,} characters; this one has "
                             f"{len(text):,} (say what the line does in a sentence or two)")
        return text

    def same(self, given, expected):
        words = content_words(given)
        return len(words) >= self.min_words and len({w.lower() for w in words}) >= min(2, self.min_words)


# ------------------------------------------------------------------------------ questions

@dataclass
class Question:
    """One checked item. ``expected`` is a callable computing the answer from the package."""

    path: tuple[str, ...]
    kind: Kind
    expected: Optional[Callable[[], Any]]
    hint: str
    optional: bool = False  # optional items count only when answered
    note: str = ""          # shown beside a correct answer (e.g. what the checker cannot check)

    @property
    def label(self) -> str:
        return self.path[0] + "".join(f"[{p!r}]" for p in self.path[1:])


@dataclass
class ItemResult:
    """The outcome for one item: ``status`` is 'correct', 'wrong', 'malformed' or 'not answered'."""

    item: str
    status: str
    message: str = ""

    @property
    def mark(self) -> str:
        return MARKS[self.status]

    @property
    def correct(self) -> bool:
        return self.status == CORRECT


@dataclass
class Report:
    """What a checker returns: one :class:`ItemResult` per item, plus problems with the
    answers' form that belong to no item (an unknown key, a section that is not a dict).

    ``results`` and ``problems`` are for programs (and tests); printing the report, or
    leaving it as the last expression of a notebook cell, shows the table.
    """

    title: str
    results: list[ItemResult]
    problems: list[ItemResult] = field(default_factory=list)

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
    def score(self) -> float:
        """Fraction of all items answered correctly (unanswered items count as not yet scored)."""
        return self.n_correct / self.n_total if self.n_total else 0.0

    @property
    def all_correct(self) -> bool:
        return self.n_correct == self.n_total and not self.problems

    def __getitem__(self, item: str) -> ItemResult:
        for r in self.results + self.problems:
            if r.item == item:
                return r
        raise KeyError(item)

    def summary(self) -> str:
        text = (f"{self.n_correct} correct / {self.n_answered} answered / "
                f"{plural(self.n_total, 'item')}")
        if self.problems:
            text += f"; {plural(len(self.problems), 'problem')} with the form"
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
                lines.append(f"{section}: all {len(names)}")
            else:
                lines.append(f"{section}: {', '.join(names)}")
        return lines

    def __str__(self) -> str:
        rows = [r for r in self.results if r.status != NOT_ANSWERED]
        width = max([len(r.item) for r in rows + self.problems] + [4])
        lines = [f"{self.title}: {self.summary()}"]
        for r in rows:
            text = f" {r.mark} {r.item:<{width}}  {r.status}"
            if r.message:
                text += f" — {r.message}"
            lines.append(text)
        unanswered = self._unanswered()
        if unanswered:
            lines.append(" · not answered (not counted as wrong): " + "; ".join(unanswered))
        for p in self.problems:
            lines.append(f" ! {p.item:<{width}}  {p.message}")
        return "\n".join(lines)

    __repr__ = __str__

    def _repr_html_(self) -> str:
        colors = {CORRECT: "#1a7f37", WRONG: "#cf222e", MALFORMED: "#cf222e"}
        cells = []
        for r in self.results:
            if r.status == NOT_ANSWERED:
                continue
            cells.append(
                f"<tr style='vertical-align:top'><td style='color:{colors[r.status]};font-weight:bold'>{r.mark}</td>"
                f"<td><code>{html.escape(r.item)}</code></td><td>{r.status}</td>"
                f"<td style='text-align:left'>{html.escape(r.message)}</td></tr>")
        for p in self.problems:
            cells.append(f"<tr style='vertical-align:top'><td style='color:#9a6700;font-weight:bold'>!</td>"
                         f"<td><code>{html.escape(p.item)}</code></td><td>problem</td>"
                         f"<td style='text-align:left'>{html.escape(p.message)}</td></tr>")
        unanswered = self._unanswered()
        if unanswered:
            cells.append("<tr><td>·</td><td colspan='3' style='text-align:left'>not answered (not "
                         "counted as wrong): " + html.escape("; ".join(unanswered)) + "</td></tr>")
        return (f"<p><b>{html.escape(self.title)}</b>: {html.escape(self.summary())}</p>"
                "<table><thead><tr><th></th><th>item</th><th>result</th>"
                "<th style='text-align:left'>hint / message</th></tr></thead>"
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
    return f"; did you mean {' or '.join(repr(m) for m in matches)}?" if matches else "."


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


def _form_problems(sections: dict[str, list], answers: dict) -> list[ItemResult]:
    """Unknown keys and sections that are not dicts: problems that belong to no item."""
    problems: list[ItemResult] = []
    unlisted = 0

    def add(item: str, message: Callable[[], str]) -> None:
        nonlocal unlisted
        if len(problems) < MAX_LISTED:
            problems.append(ItemResult(item, "problem", message()))
        else:
            unlisted += 1

    def unknown(key: Any, known: list, where: str = "") -> Callable[[], str]:
        def message() -> str:  # difflib only for the problems listed
            close = _close(key, known)
            if close != ".":
                return f"unknown key{where}{close}"
            if not where:
                return f"unknown key. The keys are: {', '.join(known)}."
            listed = ", ".join(_safe_repr(k) for k in known[:20]) + (", …" if len(known) > 20 else "")
            return f"unknown key{where}. Expected one of: {listed}."
        return message

    top = _typed(dict.fromkeys(sections))
    for key in answers:
        if not _known(key, top):
            add(f"answers[{_safe_repr(key, 40)}]", unknown(key, list(sections)))
        elif sections[key]:
            section = answers[key]
            if _blank(section):
                continue
            if not isinstance(section, dict):
                first = ", ".join(_safe_repr(k) for k in sections[key][:3])
                add(key, lambda: f"answers[{key!r}] must be a dict keyed by {first}, …; "
                                 f"got {_describe(section)}")
                continue
            allowed = _typed(dict.fromkeys(sections[key]))
            for sub in section:
                if not _known(sub, allowed):
                    add(f"{key}[{_safe_repr(sub, 40)}]",
                        unknown(sub, sections[key], f" in answers[{key!r}]"))
    if unlisted:
        problems.append(ItemResult("answers", "problem", f"… and {unlisted:,} more such problems "
                                   "(not listed one by one)"))
    return problems


def check_item(q: Question, value: Any) -> Optional[ItemResult]:
    """The result for one question given the student's ``value`` (None when it is optional
    and blank). Never raises: an unforeseen object becomes a 'malformed' line."""
    try:
        if _blank(value) or (isinstance(q.kind, Comment) and isinstance(value, str)
                             and not value.strip().lstrip("#").strip()):
            return None if q.optional else ItemResult(q.label, NOT_ANSWERED)
        try:
            given = q.kind.parse(value)
        except _Malformed as error:
            return ItemResult(q.label, MALFORMED, f"{q.label}: {error}")
        remark = q.kind.remark(value)
        expected = q.expected() if q.expected is not None else None
        if q.kind.same(given, expected):
            message = "; ".join(m for m in (q.note, remark) if m)
            return ItemResult(q.label, CORRECT, message)
        extra = q.kind.diagnose(given, expected)
        message = " ".join(m for m in (extra, q.hint) if m)
        if remark:
            message = f"{message} (Note: {remark}.)"
        return ItemResult(q.label, WRONG, message)
    except Exception:  # an object the checks did not foresee: still a message, not a traceback
        return ItemResult(q.label, MALFORMED, f"{q.label}: expected {q.kind.form}; got {_describe(value)}")


Normalise = Callable[[dict], "tuple[dict, list[ItemResult]]"]


def run_checks(title: str, questions: list[Question], answers: Any, example: str,
               normalise: Optional[Normalise] = None) -> Report:
    """Check ``answers`` against ``questions``. Never raises because of ``answers``.

    ``normalise`` (optional) rewrites the answer dict first (e.g. comments given as a list) and
    returns the problems it found doing so.
    """
    try:
        return _run_checks(title, questions, answers, example, normalise)
    except Exception as error:  # not foreseen: say so in the report rather than raise in a notebook
        return Report(title, [], [ItemResult("answers", "problem", (
            f"the checker could not read these answers ({type(error).__name__}); give a dict like "
            f"{example}, with plain numbers, strings, tuples and lists"))])


def _run_checks(title, questions, answers, example, normalise) -> Report:
    problems: list[ItemResult] = []
    answers = plain(answers)
    if not isinstance(answers, dict):
        problems.append(ItemResult("answers", "problem",
                                   f"the answers must be a dict, like {example}; got {_describe(answers)}"))
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
    problems += _form_problems(sections, answers)

    top = _typed(answers)
    inner = {s: _typed(v) for (kind, s), v in top.items() if kind is str and isinstance(v, dict)}
    results = []
    for q in questions:
        if len(q.path) == 1:
            value = top.get((str, q.path[0]))
        else:
            value = inner.get(q.path[0], {}).get((type(q.path[1]), q.path[1]))
        result = check_item(q, value)
        if result is not None:
            results.append(result)
    return Report(title, results, problems)
