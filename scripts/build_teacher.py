"""Build the teacher's edition: the student edition's book with book/teacher/'s part (the teacher's
guide, the answer keys, the example review) added right after the assignments.

    .venv/bin/python scripts/build_teacher.py                # into _build/teacher/
    .venv/bin/python scripts/build_teacher.py --edition ko   # one edition
    .venv/bin/python scripts/build_teacher.py --output /tmp/t  # into /tmp/t/_build/teacher/

Its table of contents is made from _toc.yml each time (build_book's ``write_toc``), so that the two editions
never list different chapters; the chapters keep the student edition's numbers (the added part
is unnumbered). The build is strict (warnings are errors, nitpicky references), as `make book`'s,
and makes the same editions from the same catalogs (scripts/build_book.py ``build_edition``;
`make locale` extracts the teacher's pages' messages with the students'): English at
_build/teacher/html/, Korean at _build/teacher/html/ko/, each page linked to its twin. The Colab
notebooks go to _build/teacher/colab-teacher/[ko/] (the teacher's pages) and
_build/teacher/colab/ (the students' pages, as `make book` writes them).
"""
from __future__ import annotations

import argparse
import io
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from build_book import (BuildError, build_edition, editions, logged,  # noqa: E402
                        write_config, write_toc)

REPO = Path(__file__).resolve().parents[1]


def build(out: Path, log: io.StringIO, languages: list[str] | None = None) -> Path:
    """Build the teacher's edition strictly into ``out`` (each of ``languages``, default all);
    returns its HTML folder."""
    shutil.rmtree(out, ignore_errors=True)
    toc = write_toc(out / "_toc_teacher.yml")
    config = write_config(out / "_config_teacher.yml")
    for language in languages or list(editions()):
        try:
            build_edition(language, out, log, config=config, toc=toc)
        except BuildError as error:
            raise BuildError(f"the teacher's edition's build ({language}) failed ({error})") from None
    return out / "html"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--output", type=Path, default=REPO,
                        help="the folder that gets _build/teacher/ (default: the repository)")
    parser.add_argument("--edition", action="append", metavar="LANGUAGE",
                        help="build only this edition (repeatable); default: all of them")
    parser.add_argument("--verbose", action="store_true", help="show Sphinx's output")
    args = parser.parse_args(argv)
    out = args.output.resolve() / "_build" / "teacher"

    def run(log: io.StringIO) -> str:
        return f"teacher's edition: {build(out, log, args.edition) / 'index.html'}"

    return logged(run, out / "book-build.log", args.verbose)

if __name__ == "__main__":
    sys.exit(main())
