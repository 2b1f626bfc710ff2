"""Build the teacher's edition: the student edition's book with book/teacher/'s part (the teacher's
guide, the answer keys, the example review) added right after the assignments.

    .venv/bin/python scripts/build_teacher.py                # into _build/teacher/
    .venv/bin/python scripts/build_teacher.py --output /tmp/t  # into /tmp/t/_build/teacher/

Its table of contents is made from _toc.yml each time (``teacher_toc``), so that the two editions
never list different chapters; the chapters keep the student edition's numbers (the added part
is unnumbered). The build is strict (warnings are errors, nitpicky references), as `make book`'s.
The teacher's edition is English only: where _config.yml lists translated editions
(``book_editions``), this build's copy of it names just the first, so that no page links to a
Korean twin that the teacher's edition does not have. HTML goes to _build/teacher/html/, the Colab notebooks
to _build/teacher/colab/ (the students' pages) and _build/teacher/colab-teacher/ (the teacher's).
"""
from __future__ import annotations

import argparse
import io
import shutil
import sys
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from build_book import BuildError, _sphinx, logged  # noqa: E402  (the same strict Sphinx run)

REPO = Path(__file__).resolve().parents[1]
CONFIG = REPO / "_config.yml"
PART = REPO / "book" / "teacher" / "toc.yml"


def teacher_toc(student: dict, part: dict) -> dict:
    """``student`` (the parsed _toc.yml) with ``part`` inserted after the assignments' part."""
    parts = list(student["parts"])
    at = next((i for i, p in enumerate(parts)
               if p.get("caption", "").startswith("Assignments")), None)
    if at is None:
        raise SystemExit("_toc.yml has no part whose caption starts with 'Assignments'")
    return {**student, "parts": parts[:at + 1] + [part] + parts[at + 1:]}


def write_toc(path: Path) -> Path:
    student = yaml.safe_load((REPO / "_toc.yml").read_text(encoding="utf-8"))
    part = yaml.safe_load(PART.read_text(encoding="utf-8"))
    path.parent.mkdir(parents=True, exist_ok=True)
    toc = yaml.safe_dump(teacher_toc(student, part), sort_keys=False, allow_unicode=True)
    path.write_text("# made by scripts/build_teacher.py from _toc.yml and book/teacher/toc.yml\n"
                    + toc, encoding="utf-8")
    return path


def write_config(path: Path) -> Path:
    """_config.yml for this build: English only (``book_editions`` narrowed to its first entry;
    an override cannot do it, Jupyter Book merges dicts), the local extensions' folders made
    absolute (they are read relative to the config file)."""
    config = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))
    sphinx = config.setdefault("sphinx", {})
    editions = (sphinx.get("config") or {}).get("book_editions")
    if editions:
        first = next(iter(editions))
        sphinx["config"]["book_editions"] = {first: editions[first]}
    sphinx["local_extensions"] = {name: str((REPO / folder).resolve()) for name, folder
                                  in (sphinx.get("local_extensions") or {}).items()}
    path.write_text("# made by scripts/build_teacher.py from _config.yml\n"
                    + yaml.safe_dump(config, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def build(out: Path, log: io.StringIO) -> Path:
    """Build the teacher's edition strictly into ``out``; returns its HTML folder."""
    shutil.rmtree(out, ignore_errors=True)
    toc = write_toc(out / "_toc_teacher.yml")
    config = write_config(out / "_config_teacher.yml")
    try:
        _sphinx("html", out / "html", out / ".doctrees", {}, log, config=config, toc=toc)
    except BuildError as error:
        raise BuildError(f"the teacher's edition's build failed ({error})") from None
    return out / "html"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--output", type=Path, default=REPO,
                        help="the folder that gets _build/teacher/ (default: the repository)")
    parser.add_argument("--verbose", action="store_true", help="show Sphinx's output")
    args = parser.parse_args(argv)
    out = args.output.resolve() / "_build" / "teacher"

    def run(log: io.StringIO) -> str:
        return f"teacher's edition: {build(out, log) / 'index.html'}"

    return logged(run, out / "book-build.log", args.verbose)

if __name__ == "__main__":
    sys.exit(main())
