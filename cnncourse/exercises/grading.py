"""Grading a class: ``python -m cnncourse grade googlenet|resnet SUBMISSIONS... --csv scores.csv --feedback DIR``.

Each submission is a JSON file written by ``hw.save(answers, path, student=...)``. It is read
as data and checked with the assignment's ``check``; no student code is ever run. Every file
gives one CSV row: a graded one its score and its counts per part, a file that cannot be graded
(broken JSON, empty, too large, not a submission, the other assignment's) the reason in one
line. One bad file never stops the batch. ``--feedback DIR`` writes one text file per
submission: the report the student would have seen, under a name made from the student id.
"""
from __future__ import annotations

import csv
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from . import googlenet, resnet
from ._report import CORRECT, Report, plural
from ._submission import MAX_BYTES, SubmissionError, load

CHECKERS = {"googlenet": googlenet, "resnet": resnet}


@dataclass
class Graded:
    """The outcome for one file: a report, or the reason it could not be graded."""

    path: Path
    student: str = ""
    report: Optional[Report] = None
    error: str = ""
    checker_version: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.report is not None


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
    """Grade one submission file; never raises because of the file's contents."""
    checker = CHECKERS[assignment]
    graded = Graded(Path(path))
    try:
        record = load(path, assignment, max_bytes=max_bytes)
    except SubmissionError as error:
        graded.error = str(error)
        return graded
    graded.student = record["student"].strip()
    graded.checker_version = str(record.get("checker_version", ""))
    if graded.checker_version != checker.CHECKER_VERSION:
        graded.notes.append(f"saved with checker {graded.checker_version or '(unknown)'}, graded with "
                            f"{checker.CHECKER_VERSION}")
    try:
        graded.report = checker.check(record["answers"])
    except Exception as error:  # the checkers promise not to raise; if one does, say so and go on
        graded.error = f"the checker failed on this file ({type(error).__name__}); please report it"
    return graded


def _safe_name(student: str) -> str:
    """A file name from a student id: letters (any script), digits, '-', '_' and '.' only."""
    name = re.sub(r"[^\w.-]+", "_", student, flags=re.UNICODE).strip("._") or "student"
    return name[:60]


def feedback_text(graded: Graded) -> str:
    """The feedback file's text for one submission."""
    head = f"Student: {graded.student or '(unknown)'}\nFile: {graded.path.name}\n"
    if not graded.ok:
        return head + f"Not graded: {graded.error}\n"
    notes = "".join(f"Note: {n}\n" for n in graded.notes)
    return head + notes + "\n" + str(graded.report) + "\n"


def grade(assignment: str, paths: list, csv_path=None, feedback_dir=None, out=None,
          max_bytes: int = MAX_BYTES) -> list[Graded]:
    """Grade every file in ``paths``; write the CSV and the feedback files when asked."""
    if assignment not in CHECKERS:
        raise ValueError(f"assignment must be one of {', '.join(CHECKERS)}; got {assignment!r}")
    out = sys.stdout if out is None else out
    results = [grade_file(assignment, p, max_bytes=max_bytes) for p in paths]
    sections: list[str] = []
    for g in results:
        for s in (_sections(g.report) if g.ok else {}):
            if s not in sections:
                sections.append(s)

    if csv_path is not None:
        columns = (["file", "student", "status", "score_percent", "correct", "answered", "items"]
                   + [f"{s}_correct" for s in sections] + ["checker_version", "message"])
        with open(csv_path, "w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f)
            writer.writerow(columns)
            for g in results:
                if g.ok:
                    r = g.report
                    per = _sections(r)
                    row = [g.path.name, g.student, "graded", f"{100 * r.score:.1f}", r.n_correct,
                           r.n_answered, r.n_total]
                    row += [per.get(s, (0, 0))[0] for s in sections]
                    message = "; ".join(g.notes + ([f"{len(r.problems)} problem(s) with the form"]
                                                   if r.problems else []))
                    row += [g.checker_version, message]
                else:
                    row = [g.path.name, g.student, "error", "", "", "", ""] + [""] * len(sections)
                    row += [g.checker_version, g.error]
                writer.writerow(row)

    if feedback_dir is not None:
        folder = Path(feedback_dir)
        folder.mkdir(parents=True, exist_ok=True)
        used: set[str] = set()
        for g in results:
            base = _safe_name(g.student) if g.student else _safe_name(g.path.stem) + ".not-graded"
            name, i = base, 2
            while name in used:
                name, i = f"{base}-{i}", i + 1
            used.add(name)
            (folder / f"{name}.txt").write_text(feedback_text(g), encoding="utf-8")

    good = [g for g in results if g.ok]
    print(f"{assignment}: {plural(len(results), 'file')}, {len(good)} graded, "
          f"{len(results) - len(good)} not graded", file=out)
    if good:
        scores = sorted(100 * g.report.score for g in good)
        print(f"  score: mean {sum(scores) / len(scores):.1f}%, median {scores[len(scores) // 2]:.1f}%, "
              f"min {scores[0]:.1f}%, max {scores[-1]:.1f}%", file=out)
    for g in results:
        if not g.ok:
            print(f"  not graded: {g.path} — {g.error}", file=out)
    return results


def _cmd_grade(args) -> int:
    paths = [Path(p) for p in args.submissions]
    files: list[Path] = []
    for p in paths:
        files.extend(sorted(q for q in p.iterdir() if q.suffix == ".json") if p.is_dir() else [p])
    grade(args.assignment, files, csv_path=args.csv, feedback_dir=args.feedback)
    return 0


def add_parser(subparsers) -> None:
    """Add the ``grade`` subcommand to the CLI's subparsers."""
    p = subparsers.add_parser(
        "grade", help="grade a class's submission files (JSON from hw.save); runs no student code",
        description="Grade submission files written by hw.save(answers, path, student=...). Each file "
                    "is read as data, never executed. A file that cannot be graded is reported by name "
                    "and the batch goes on.")
    p.add_argument("assignment", choices=sorted(CHECKERS), help="googlenet (assignment 1) or resnet (2)")
    p.add_argument("submissions", nargs="+", help="submission files, or folders of *.json files")
    p.add_argument("--csv", help="write one row per file to this CSV file")
    p.add_argument("--feedback", metavar="DIR", help="write one feedback text file per student into DIR")
    p.set_defaults(func=_cmd_grade)
