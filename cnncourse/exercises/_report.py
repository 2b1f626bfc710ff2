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

import difflib
import html
import math
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

# Status of one item, and the mark printed for it.
CORRECT, WRONG, MALFORMED, NOT_ANSWERED = "correct", "wrong", "malformed", "not answered"
MARKS = {CORRECT: "✓", WRONG: "✗", MALFORMED: "✗", NOT_ANSWERED: "·"}


def _blank(value: Any) -> bool:
    """Whether a value means "not answered yet" (the blank templates use None; ``...`` too)."""
    return value is None or value is Ellipsis


class _Malformed(Exception):
    """Raised by a Kind's ``parse`` when an answer does not have the expected form."""


def _describe(value: Any) -> str:
    """A short description of what the student gave, for 'got ...' messages."""
    if isinstance(value, bool):
        return f"the bool {value!r}"
    if isinstance(value, str):
        text = value if len(value) <= 40 else value[:37] + "..."
        return f"the string {text!r}"
    if isinstance(value, (int, float)):
        return f"the number {value!r}"
    if isinstance(value, (tuple, list)):
        text = repr(value)
        text = text if len(text) <= 50 else text[:47] + "..."
        return f"a {type(value).__name__} of length {len(value)}: {text}"
    if isinstance(value, dict):
        return f"a dict with {len(value)} keys"
    return f"a {type(value).__name__}"


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


# ------------------------------------------------------------------------------ kinds of answer

class Kind:
    """A kind of answer: ``form`` says in words what is expected; ``parse`` validates
    (raising :class:`_Malformed` with a message) and normalises; ``same`` compares."""

    form = "a value"

    def parse(self, value):
        return value

    def same(self, given, expected) -> bool:
        return given == expected

    def diagnose(self, given, expected) -> Optional[str]:
        """An extra, answer-free remark about a wrong answer (e.g. 'the order looks swapped')."""
        return None


class IntTuple(Kind):
    """A tuple of ``length`` positive ints, e.g. a shape (C, H, W) or four branch widths."""

    def __init__(self, length: int, form: str, example: tuple):
        self.length, self.example = length, example
        self.form = f"{form}: a tuple of {length} positive ints, e.g. {example!r}"

    def parse(self, value):
        if isinstance(value, str):
            raise _Malformed(f"expected {self.form}; got {_describe(value)} (write the numbers, "
                             f"not text)")
        if not isinstance(value, (tuple, list)):
            raise _Malformed(f"expected {self.form}; got {_describe(value)}")
        if len(value) != self.length:
            raise _Malformed(f"expected {self.form}; got {len(value)} numbers instead of {self.length}")
        for v in value:
            if isinstance(v, bool) or not isinstance(v, int):
                if isinstance(v, float) and v.is_integer() and v > 0:
                    continue
                raise _Malformed(f"expected {self.form}; the entry {v!r} is not a positive int")
            if v <= 0:
                raise _Malformed(f"expected {self.form}; the entry {v!r} is not positive")
        return tuple(int(v) for v in value)


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
    """A positive count (multiply-adds, parameters): an int, or a float such as 1.2e8.

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
        if not _is_number(value):
            raise _Malformed(f"expected {self.form}; got {_describe(value)}")
        if not math.isfinite(value):
            raise _Malformed(f"expected {self.form}; got {value!r}")
        if value < 0 or (value == 0 and not self.allow_zero):
            raise _Malformed(f"expected {self.form}; got {value!r}")
        if not self.floats and isinstance(value, float) and not value.is_integer():
            raise _Malformed(f"expected {self.form}; got {value!r}")
        return value

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
        if not _is_number(value) or not math.isfinite(value):
            raise _Malformed(f"expected {self.form}; got {_describe(value)}")
        return float(value)

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
        letter = value.strip().upper().strip("()")
        if letter not in self.options:
            raise _Malformed(f"expected {self.form}; got {_describe(value)}")
        return letter


class Comment(Kind):
    """Free text: only checked to be there and at least ``min_chars`` long (no ``expected``)."""

    def __init__(self, min_chars: int = 15):
        self.min_chars = min_chars
        self.form = f"a comment: a string of at least {min_chars} characters"

    def parse(self, value):
        if not isinstance(value, str):
            raise _Malformed(f"expected {self.form}; got {_describe(value)}")
        return value.strip().lstrip("#").strip()

    def same(self, given, expected):
        return len(given) >= self.min_chars


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
        text = f"{self.n_correct} correct / {self.n_answered} answered / {self.n_total} items"
        if self.problems:
            text += f"; {len(self.problems)} problem{'s' if len(self.problems) > 1 else ''} with the form"
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

def _close(key: Any, known: list[str]) -> str:
    if not isinstance(key, str):
        return "."
    matches = difflib.get_close_matches(key, known, n=3, cutoff=0.6)
    if not matches:
        matches = difflib.get_close_matches(key.lower().replace(" ", "").replace("-", "_"),
                                            known, n=3, cutoff=0.6)
    return f"; did you mean {' or '.join(repr(m) for m in matches)}?" if matches else "."


def _key_text(path: tuple) -> str:
    return path[0] + "".join(f"[{p!r}]" for p in path[1:]) if path else "answers"


def run_checks(title: str, questions: list[Question], answers: Any, example: str) -> Report:
    """Check ``answers`` against ``questions``. Never raises because of ``answers``."""
    problems: list[ItemResult] = []
    if not isinstance(answers, dict):
        problems.append(ItemResult("answers", "problem",
                                   f"the answers must be a dict, like {example}; got {_describe(answers)}"))
        answers = {}

    # Which sections and keys exist, to report unknown keys with close matches.
    sections: dict[str, list[str]] = {}
    for q in questions:
        sections.setdefault(q.path[0], [])
        if len(q.path) == 2:
            sections[q.path[0]].append(q.path[1])
    nested = {s for s, keys in sections.items() if keys}

    for key in answers:
        if key not in sections:
            close = _close(key, list(sections))
            known = "" if close != "." else f" The keys are: {', '.join(sections)}."
            problems.append(ItemResult(f"answers[{key!r}]", "problem", f"unknown key{close}{known}"))
        elif key in nested:
            section = answers[key]
            if _blank(section):
                continue
            if not isinstance(section, dict):
                problems.append(ItemResult(
                    key, "problem", f"answers[{key!r}] must be a dict keyed by "
                    f"{', '.join(repr(k) for k in sections[key][:3])}, …; got {_describe(section)}"))
                continue
            for sub in section:
                if sub not in sections[key]:
                    close = _close(sub, sections[key])
                    known = "" if close != "." else f" Expected one of: {', '.join(map(repr, sections[key]))}."
                    problems.append(ItemResult(f"{key}[{sub!r}]", "problem",
                                               f"unknown key in answers[{key!r}]{close}{known}"))

    results = []
    for q in questions:
        value: Any = answers
        for part in q.path:
            value = value.get(part) if isinstance(value, dict) else None
        if _blank(value) or (isinstance(q.kind, Comment) and isinstance(value, str)
                             and not value.strip().lstrip("#").strip()):
            if not q.optional:
                results.append(ItemResult(q.label, NOT_ANSWERED))
            continue
        try:
            given = q.kind.parse(value)
        except _Malformed as error:
            results.append(ItemResult(q.label, MALFORMED, f"{q.label}: {error}"))
            continue
        except Exception:  # an object the checks did not foresee: still a message, not a traceback
            results.append(ItemResult(q.label, MALFORMED,
                                      f"{q.label}: expected {q.kind.form}; got {_describe(value)}"))
            continue
        expected = q.expected() if q.expected is not None else None
        if q.kind.same(given, expected):
            results.append(ItemResult(q.label, CORRECT, q.note))
        else:
            extra = q.kind.diagnose(given, expected)
            results.append(ItemResult(q.label, WRONG, f"{extra} {q.hint}" if extra else q.hint))
    return Report(title, results, problems)
