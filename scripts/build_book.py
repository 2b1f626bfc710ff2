"""Build the book's editions from one source: English at _build/html/, each translation at
_build/html/<language>/ (Korean: _build/html/ko/), and the message catalogs translators fill in.

    .venv/bin/python scripts/build_book.py               # every edition (`make book`)
    .venv/bin/python scripts/build_book.py --edition ko  # one edition
    .venv/bin/python scripts/build_book.py gettext       # English messages: _build/gettext/**/*.pot
    .venv/bin/python scripts/build_book.py locale        # gettext, then locale/<lang>/**/*.po updated
    .venv/bin/python scripts/build_book.py --output /tmp/b   # build under /tmp/b/_build instead

Jupyter Book 1's CLI passes no Sphinx option (``-D``), so this calls the function it calls,
``jupyter_book.sphinx.build_sphinx``, with the CLI's own settings (``_config.yml``, ``_toc.yml``,
``--warningiserror --nitpick --keep-going``) and, for a translation, ``language``,
``html_baseurl`` and ``colab_folder`` on top. No conf.py is generated or committed: every
edition reads the same ``_config.yml`` and the same notebooks, so code, outputs and numbers are
the English edition's.

A translation is built into ``_build/<language>/`` (its doctrees, myst-nb's output images and
its Colab notebooks stay out of the published folder) and then moved: HTML to
``_build/html/<language>/``, Colab notebooks to ``_build/colab/<language>/``.
"""
from __future__ import annotations

import argparse
import contextlib
import io
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import yaml
from sphinx.util.i18n import CatalogInfo

REPO = Path(__file__).resolve().parents[1]
CONFIG = REPO / "_config.yml"
TOC = REPO / "_toc.yml"
TEACHER_PART = REPO / "book" / "teacher" / "toc.yml"   # the part the teacher's edition adds
LOCALE = "locale"   # the pages' catalogs, relative to the repository (_config.yml's locale_dirs)
# the catalogs of the extensions' own texts (``_ = get_translation(name)``): name -> source
EXTENSION_CATALOGS = {"colab_notebooks": REPO / "book" / "_ext" / "colab_notebooks.py"}
EXTENSION_LOCALE = REPO / "book" / "_ext" / "locales"
ANSI = re.compile(r"\x1b\[[0-9;]*m")


class BuildError(Exception):
    """A build that failed or warned (warnings are errors)."""


def editions() -> dict[str, str]:
    """{language: label} from _config.yml's ``book_editions``; the first is the source's."""
    config = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))
    found = (config.get("sphinx", {}).get("config", {}) or {}).get("book_editions")
    if not found or not isinstance(found, dict):
        raise BuildError(f"{CONFIG.name} needs sphinx.config.book_editions "
                         "({language: label}, the source's language first)")
    return dict(found)


def translations() -> list[str]:
    return list(editions())[1:]


def _sphinx(builder: str, outdir: Path, doctrees: Path, overrides: dict,
            log: io.StringIO, config: Path = CONFIG, toc: Path = TOC) -> None:
    """One Sphinx run as `jupyter-book build . --warningiserror --nitpick --keep-going` does it
    (with `--config config --toc toc`; scripts/build_teacher.py passes its own)."""
    from jupyter_book.sphinx import build_sphinx
    from sphinx import locale

    locale.translators.clear()   # one process, several languages: no catalog carries over
    overrides = {"external_toc_path": toc.as_posix(), "latex_individualpages": False,
                 "nitpicky": True, **overrides}
    with contextlib.redirect_stdout(log), contextlib.redirect_stderr(log):
        result = build_sphinx(REPO, outdir, noconfig=True, path_config=str(config),
                              confoverrides=overrides, doctreedir=doctrees, builder=builder,
                              warningiserror=True, keep_going=True, freshenv=True)
    if result:   # a status code or the exception Sphinx raised
        raise BuildError(f"the {builder} build of {outdir} failed ({result!r})")


# --- the teacher's edition: the students' table of contents with one part added -----------

def teacher_toc(student: dict, part: dict) -> dict:
    """``student`` (the parsed _toc.yml) with ``part`` inserted after the assignments' part."""
    parts = list(student["parts"])
    at = next((i for i, p in enumerate(parts)
               if p.get("caption", "").startswith("Assignments")), None)
    if at is None:
        raise BuildError("_toc.yml has no part whose caption starts with 'Assignments': the "
                         "teacher's part (book/teacher/toc.yml) goes right after it")
    return {**student, "parts": parts[:at + 1] + [part] + parts[at + 1:]}


def write_toc(path: Path) -> Path:
    """The teacher's edition's table of contents: _toc.yml with book/teacher/toc.yml's part."""
    student = yaml.safe_load(TOC.read_text(encoding="utf-8"))
    part = yaml.safe_load(TEACHER_PART.read_text(encoding="utf-8"))
    path.parent.mkdir(parents=True, exist_ok=True)
    toc = yaml.safe_dump(teacher_toc(student, part), sort_keys=False, allow_unicode=True)
    path.write_text("# made by scripts/build_book.py from _toc.yml and book/teacher/toc.yml\n"
                    + toc, encoding="utf-8")
    return path


def write_config(path: Path) -> Path:
    """_config.yml for a build from another folder (the teacher's edition, the gettext run): the
    local extensions' folders made absolute (they are read relative to the config file)."""
    config = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))
    sphinx = config.setdefault("sphinx", {})
    sphinx["local_extensions"] = {name: str((REPO / folder).resolve()) for name, folder
                                  in (sphinx.get("local_extensions") or {}).items()}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("# made by scripts/build_book.py from _config.yml\n"
                    + yaml.safe_dump(config, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def build_edition(language: str, build: Path, log: io.StringIO, config: Path = CONFIG,
                  toc: Path = TOC) -> Path:
    """Build one edition strictly; returns its HTML folder. ``config`` and ``toc``: the
    teacher's edition passes its own (scripts/build_teacher.py)."""
    first = list(editions())[0]
    if language == first:
        html = build / "html"
        _sphinx("html", html, build / ".doctrees", {}, log, config=config, toc=toc)
        return html
    if language not in editions():
        raise BuildError(f"no edition {language!r}: _config.yml's book_editions has "
                         f"{', '.join(editions())}")
    # compiled catalogs are rebuilt from the .po files: a stale .mo must not outlive its .po.
    # Sphinx compiles locale_dirs' catalogs itself; the extensions' own are compiled here.
    for folder in (REPO / LOCALE / language, EXTENSION_LOCALE / language):
        for mo in folder.rglob("*.mo"):
            mo.unlink()
    for name in EXTENSION_CATALOGS:
        messages = EXTENSION_LOCALE / language / "LC_MESSAGES"
        if (messages / f"{name}.po").is_file():
            CatalogInfo(str(messages), name, "utf-8").write_mo(language)
    settings = yaml.safe_load(config.read_text(encoding="utf-8"))
    baseurl = settings["html"]["baseurl"].rstrip("/") + f"/{language}/"
    work = build / language
    shutil.rmtree(work, ignore_errors=True)
    # the Colab notebooks of the students' pages and of the teacher's (book/_ext/colab_notebooks.py)
    colab = {"colab_folder": f"colab/{language}", "colab_teacher_folder": f"colab-teacher/{language}"}
    _sphinx("html", work / "html", work / ".doctrees",
            {"language": language, "html_baseurl": baseurl, **colab}, log, config=config, toc=toc)
    # into the published folders
    html = build / "html" / language
    moves = [(html, work / "html")] + [(build / f, work / f) for f in colab.values()]
    for target, source in moves:   # the student edition writes no teacher's notebook
        shutil.rmtree(target, ignore_errors=True)
        if source.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(source, target)
    return html


def extract(build: Path, log: io.StringIO) -> Path:
    """The English messages of every page of both editions, the students' and the teacher's:
    <build>/gettext/<doc>.pot (one catalog a page). One run over the teacher's edition, whose
    table of contents is the students' with the teacher's part added (its caption is a message
    of the root page's catalog, as the other parts' captions are)."""
    out = build / "gettext"
    shutil.rmtree(out, ignore_errors=True)
    _sphinx("gettext", out, out / ".doctrees", {}, log,
            config=write_config(build / "gettext-config" / "_config.yml"),
            toc=write_toc(build / "gettext-config" / "_toc.yml"))
    shutil.rmtree(out / ".doctrees", ignore_errors=True)
    return out


def extract_extensions(build: Path) -> Path:
    """The extensions' own texts: <build>/gettext-extensions/<catalog>.pot (babel)."""
    from babel.messages.catalog import Catalog
    from babel.messages.extract import extract_from_file
    from babel.messages.pofile import write_po

    out = build / "gettext-extensions"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    for name, source in EXTENSION_CATALOGS.items():
        catalog = Catalog(project=name, charset="utf-8")
        for _line, message, _comments, _context in extract_from_file(
                "python", str(source), keywords={"_": None}):
            catalog.add(message)
        with (out / f"{name}.pot").open("wb") as stream:
            write_po(stream, catalog, width=0, no_location=True)
    return out


def update_catalogs(pots: dict[Path, Path], languages: list[str]) -> None:
    """<locale>/<language>/LC_MESSAGES/**/*.po from each folder of .pot catalogs: new messages
    added untranslated, changed ones marked fuzzy, removed ones kept as obsolete (sphinx-intl)."""
    intl = Path(sys.executable).parent / "sphinx-intl"
    if not intl.exists():
        raise BuildError(f"sphinx-intl is not installed next to {sys.executable} "
                         "(requirements.txt lists it: `make venv`)")
    for pot, locale in pots.items():
        for language in languages:
            done = subprocess.run([str(intl), "update", "-p", str(pot), "-d", str(locale),
                                   "-l", language, "--line-width", "-1"])
            if done.returncode:
                raise BuildError(f"sphinx-intl update of {locale} from {pot} failed "
                                 f"(exit {done.returncode}; its message is above)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("command", nargs="?", default="html", choices=["html", "gettext", "locale"])
    parser.add_argument("--edition", action="append", metavar="LANGUAGE",
                        help="build only this edition (repeatable); default: all of them")
    parser.add_argument("--output", type=Path, default=REPO,
                        help="the folder that gets _build/ (default: the repository)")
    parser.add_argument("--verbose", action="store_true", help="show Sphinx's output")
    args = parser.parse_args(argv)
    build = args.output.resolve() / "_build"

    def run(log: io.StringIO) -> str:
        if args.command == "html":
            for language in args.edition or list(editions()):
                t0 = time.perf_counter()
                html = build_edition(language, build, log)
                print(f"{language}: {html / 'index.html'} ({time.perf_counter() - t0:.0f} s)")
        else:
            pots = {extract(build, log): REPO / LOCALE, extract_extensions(build): EXTENSION_LOCALE}
            print("messages: " + ", ".join(f"{pot}/**/*.pot" for pot in pots))
            if args.command == "locale":
                update_catalogs(pots, args.edition or translations())
        return "done"

    return logged(run, build / "book-build.log", args.verbose)


def logged(run, log_file: Path, verbose: bool) -> int:
    """``run(log)`` with Sphinx's log kept in ``log_file``: its tail and the error on failure
    (exit 1), the whole of it with ``verbose``; prints what ``run`` returns and the time."""
    log, start = io.StringIO(), time.perf_counter()
    try:
        done = run(log)
    except BuildError as error:
        print(ANSI.sub("", log.getvalue())[-20000:], file=sys.stderr)
        print(f"error: {error}", file=sys.stderr)
        return 1
    finally:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        log_file.write_text(ANSI.sub("", log.getvalue()), encoding="utf-8")
    if verbose:
        print(ANSI.sub("", log.getvalue()))
    print(f"{done} in {time.perf_counter() - start:.0f} s; Sphinx's log: {log_file}")
    return 0

if __name__ == "__main__":
    sys.exit(main())
