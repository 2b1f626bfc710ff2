"""The Colab versions of the notebooks (colab/: `make colab` copies what the book build writes).

Colab does not process MyST, so the book build (``book/_ext/colab_notebooks.py``) writes each
notebook of _toc.yml as plain Jupyter markdown from its resolved doctree. These tests check that
colab/ is what the build writes now; that it holds no raw MyST, no dead link, no solution in plain
view and the book's numbers; that each Colab notebook's code is the book notebook's code plus the
install cell, so that `pytest --nbval book` runs it; that the writer converts what it claims on a
small synthetic book and refuses what it does not know; and that one Colab notebook runs on its
own in an empty folder, with only the installed package, as on Colab.
"""
from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml

from conftest import teacher_toc_files, toc_files

REPO = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.repo   # needs book/, colab/ and the book build (not the installed wheel)
CONFIG = yaml.safe_load((REPO / "_config.yml").read_text(encoding="utf-8"))
REPO_URL = CONFIG["repository"]["url"]
BLOB = f"{REPO_URL}/blob/{CONFIG['repository'].get('branch', 'main')}/"
COLAB = f"{CONFIG['launch_buttons']['colab_url']}/github/{REPO_URL.split('github.com/')[1]}/"
BASEURL = CONFIG["html"]["baseurl"]
DOCS = [doc.removeprefix("book/") for doc in toc_files() if (REPO / f"{doc}.ipynb").exists()]
# the teacher's edition's notebooks: book/teacher/<x>.ipynb -> colab-teacher/<x>.ipynb
TEACHER_DOCS = [doc.removeprefix("book/teacher/") for doc in teacher_toc_files()
                if (REPO / f"{doc}.ipynb").exists()]


def _read(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def colab() -> dict[str, dict]:
    """colab/<doc>.ipynb as committed, keyed by doc ("review", "assignments/resnet_review")."""
    return {doc: _read(REPO / "colab" / f"{doc}.ipynb") for doc in DOCS
            if (REPO / "colab" / f"{doc}.ipynb").exists()}


def _markdown(nb: dict) -> list[tuple[str, str]]:
    return [(c["id"], "".join(c["source"])) for c in nb["cells"] if c["cell_type"] == "markdown"]


def _code(nb: dict) -> list[dict]:
    return [c for c in nb["cells"] if c["cell_type"] == "code"]


# --- colab/ is what the book build writes now ------------------------------------------------

def test_colab_notebooks_are_current(built_book):
    built = built_book.html.parent / "colab"
    wanted = {p.relative_to(built).as_posix(): p.read_text("utf-8") for p in built.rglob("*.ipynb")
              if p.relative_to(built).parts[0] != "ko"}   # the Korean build's, if it ran first
    assert sorted(wanted) == sorted(f"{doc}.ipynb" for doc in DOCS), "a notebook was not written"
    have = {p.relative_to(REPO / "colab").as_posix(): p.read_text("utf-8")
            for p in (REPO / "colab").rglob("*.ipynb")
            if p.relative_to(REPO / "colab").parts[0] != "ko"}   # colab/ko: tests/test_i18n.py
    stale = sorted(p for p in wanted.keys() | have.keys() if wanted.get(p) != have.get(p))
    assert not stale, f"colab/ is stale ({stale}): run `make colab` and commit colab/"


# --- what Colab shows: no raw MyST, no dead links, no solution in plain view -----------------

RAW_MYST = {
    "role": re.compile(r"\{[A-Za-z][\w:+-]*\}`"),
    "directive": re.compile(r"^\s*(?::{3,}|`{3,})\s*\{", re.M),
    "(label)= target": re.compile(r"^\([^()\s]+\)=\s*$", re.M),
    "directive option": re.compile(r"^\s*:(?:label|class|name|start-line|end-line|format):", re.M),
    "colon fence": re.compile(r"^\s*:::", re.M),
    "substitution": re.compile(r"\{\{"),
    # Colab reads \[ as display math in a cell with $ math, so citations must not use it
    "\\[ (display math in Colab)": re.compile(r"\\\["),
}


def test_colab_markdown_has_no_raw_myst(colab):
    assert sorted(colab) == sorted(DOCS), "run `make colab`"
    found = [f"{doc} cell {cid}: {what}: {m.group(0)!r}"
             for doc, nb in colab.items() for cid, text in _markdown(nb)
             for what, pattern in RAW_MYST.items() for m in pattern.finditer(text)]
    assert not found, "raw MyST in colab/:\n" + "\n".join(found[:20])


def test_colab_links_resolve(colab, built_book):
    """Every link is absolute (Colab has no folder around the notebook) and leads somewhere:
    a cell of a Colab notebook, a file in the repository, or a page and anchor of the book."""
    ids = {doc: {c["id"] for c in nb["cells"]} for doc, nb in colab.items()}
    dead, checked = [], 0
    for doc, nb in colab.items():
        for cid, text in _markdown(nb):
            for url in re.findall(r"\]\(([^)\s]+)\)", text):
                path, _, fragment = url.partition("#")
                where, checked = f"{doc} cell {cid}: {url[:120]}", checked + 1
                if url.startswith("data:image/"):
                    continue
                if not path or path.startswith(COLAB):
                    target = path.removeprefix(COLAB).partition("/colab/")[2].removesuffix(
                        ".ipynb") if path else doc
                    if target not in ids:
                        dead.append(f"{where} (no such Colab notebook)")
                    elif fragment and fragment.removeprefix("scrollTo=") not in ids[target]:
                        dead.append(f"{where} (no such cell)")
                elif path.startswith(BLOB):
                    if not (REPO / path[len(BLOB):].removesuffix("?raw=true")).exists():
                        dead.append(f"{where} (no such file)")
                elif path.startswith(BASEURL):
                    page = built_book.html / path[len(BASEURL):]
                    if not page.exists():
                        dead.append(f"{where} (no such page of the book)")
                    elif fragment and f'id="{fragment}"' not in page.read_text("utf-8"):
                        dead.append(f"{where} (no such anchor on the page)")
                elif not re.match(r"https?://", url):
                    dead.append(f"{where} (relative link)")
    assert checked > 250, f"only {checked} links found: is the check broken?"
    assert not dead, "dead links in colab/:\n" + "\n".join(dead[:20])


def _words(text: str) -> str:
    """Text as a run of words, without link targets, markup, escapes or typographic quotes."""
    text = re.sub(r"\]\([^)]*\)", "]", text)
    return " " + " ".join(re.findall(r"[^\W_]+", text.lower())) + " "


def _source_solutions(nb: dict) -> tuple[list[str], set[str]]:
    """Lines of every solution's text, and the ids of gated solutions' code cells (source)."""
    lines: list[str] = []
    code_ids: set[str] = set()
    inside = False
    for cell in nb["cells"]:
        text = "".join(cell["source"])
        if cell["cell_type"] == "code":
            if inside:
                code_ids.add(cell["id"])
            continue
        for body in re.findall(r"^:::\{solution\}[^\n]*\n(.*?)^:::\s*$", text, re.S | re.M):
            lines += body.split("\n")
        for line in text.split("\n"):
            if re.match(r"^(?::::|```)\{solution-start\}", line):
                inside = True
            elif re.match(r"^(?::::|```)\{solution-end\}", line):
                inside = False
            elif inside:
                lines.append(line)
    # lines long enough to be recognisable, without the MyST the build resolves
    return [ln for ln in lines if len(ln) >= 30 and not re.search(r"[{}<>`\[\]$]|^:", ln)], code_ids


def test_no_solution_in_plain_view(colab):
    """Solutions are folded in <details>; gated solutions' code is in form view, output-free."""
    problems, checked = [], 0
    for doc, nb in colab.items():
        lines, code_ids = _source_solutions(_read(REPO / "book" / f"{doc}.ipynb"))
        markdown = "\n".join(text for _, text in _markdown(nb))
        hidden = _words(" ".join(re.findall(r"<details>.*?</details>", markdown, flags=re.S)))
        visible = _words(re.sub(r"<details>.*?</details>", "", markdown, flags=re.S))
        for line in lines:
            checked += 1
            if _words(line) in visible:
                problems.append(f"{doc}: solution text in plain view: {line[:70]!r}")
            elif _words(line) not in hidden:
                problems.append(f"{doc}: solution text lost: {line[:70]!r}")
        for cell in _code(nb):
            if cell["id"] in code_ids:
                checked += 1
                hidden_code = (cell["metadata"].get("cellView") == "form"
                               and "".join(cell["source"]).startswith("#@title Solution")
                               and cell["metadata"].get("jupyter", {}).get("source_hidden"))
                if not hidden_code or cell["outputs"]:
                    problems.append(f"{doc} cell {cell['id']}: solution code in plain view")
    assert checked > 100, f"only {checked} solution lines and cells found: is the check broken?"
    assert not problems, "\n".join(problems[:20])


def test_numbers_are_the_books(colab, built_book):
    """Sections, exercises and figures carry the numbers the HTML book shows."""
    for doc, nb in colab.items():
        html = built_book.page(f"book/{doc}").read_text("utf-8")
        html = html[html.index("<article"):html.index("</article>")]   # not the page's links
        markdown = "\n".join(text for _, text in _markdown(nb))
        shown = {
            "sections": set(re.findall(r'class="section-number">([\d.]+) <', html)),
            "exercises": set(re.findall(r'class="caption-number">(Exercise [\d.]+) <', html)),
            "figures": set(re.findall(r'class="caption-number">(Fig\. [\d.]+) <', html)),
        }
        colab_numbers = {
            "sections": set(re.findall(r"^#+ ([\d.]+) ", markdown, flags=re.M)),
            "exercises": set(re.findall(r"^\*\*(Exercise [\d.]+)\*\*", markdown, flags=re.M)),
            "figures": set(re.findall(r"^\*\*(Fig\. [\d.]+)\.\*\*", markdown, flags=re.M)),
        }
        assert shown["sections"], f"{doc}: no section numbers in the HTML: is the check broken?"
        assert colab_numbers == shown, f"{doc}: numbers differ from the book's"


# --- the code: the book's, plus the install cell ----------------------------------------------

def _names(source: str) -> tuple[set[str], set[str]]:
    """(the names a cell defines: imports, def, class, assignments, loop variables;
    the names it reads)."""
    tree = ast.parse(source)
    bound = {(a.asname or a.name).split(".")[0] for n in ast.walk(tree)
             if isinstance(n, (ast.Import, ast.ImportFrom)) for a in n.names}
    bound |= {n.name for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
    names = [n for n in ast.walk(tree) if isinstance(n, ast.Name)]
    bound |= {n.id for n in names if isinstance(n.ctx, ast.Store)}
    return bound, {n.id for n in names if isinstance(n.ctx, ast.Load)}


def test_teacher_colab_notebooks_are_current_and_apart(built_teacher_book):
    """The teacher's pages have Colab notebooks of their own, in colab-teacher/[ko/], never in
    the students' colab/; the teacher's build writes the students' notebooks as the student build
    does, in both languages."""
    built = built_teacher_book.html.parent
    both = lambda docs: sorted(f"{lang}{doc}.ipynb" for doc in docs for lang in ("", "ko/"))
    wanted = {p.relative_to(built / "colab-teacher").as_posix(): p.read_text("utf-8")
              for p in (built / "colab-teacher").rglob("*.ipynb")}
    assert sorted(wanted) == both(TEACHER_DOCS)
    have = {p.relative_to(REPO / "colab-teacher").as_posix(): p.read_text("utf-8")
            for p in (REPO / "colab-teacher").rglob("*.ipynb")}
    stale = sorted(p for p in wanted.keys() | have.keys() if wanted.get(p) != have.get(p))
    assert not stale, f"colab-teacher/ is stale ({stale}): run `make colab` and commit it"
    students = {p.relative_to(built / "colab").as_posix(): p.read_text("utf-8")
                for p in (built / "colab").rglob("*.ipynb")}
    assert students == {name: (REPO / "colab" / name).read_text("utf-8") for name in students
                        if (REPO / "colab" / name).exists()}
    assert sorted(students) == both(DOCS)
    assert not any("teacher" in name for name in students)


@pytest.mark.parametrize("doc", TEACHER_DOCS)
@pytest.mark.parametrize("language", ["", "ko/"], ids=["en", "ko"])
def test_teacher_colab_notebooks_are_the_books_code_without_raw_myst(doc, language):
    nb = _read(REPO / "colab-teacher" / f"{language}{doc}.ipynb")
    found = [f"{what}: {m.group(0)!r}" for _, text in _markdown(nb)
             for what, pattern in RAW_MYST.items() for m in pattern.finditer(text)]
    assert not found, found
    book = [c for c in _code(_read(REPO / "book" / "teacher" / f"{doc}.ipynb")) if "".join(c["source"]).strip()
            and "remove-cell" not in c["metadata"].get("tags", [])]
    cells = _code(nb)
    assert cells[0]["id"] == "colab-install"
    assert [c["id"] for c in cells[1:]] == [c["id"] for c in book]
    # the published book is the student edition: a teacher's page is linked on GitHub or Colab
    unpublished = [url for _, text in _markdown(nb) for url in re.findall(r"\]\(([^)\s]+)\)", text)
                   if url.startswith(BASEURL + "book/teacher/")]
    assert not unpublished, unpublished


@pytest.mark.parametrize("doc", DOCS)
def test_colab_code_is_the_books_code_plus_the_install_cell(doc, colab):
    """So `pytest --nbval book` runs every Colab code cell but the install cell, in order."""
    book = _code(_read(REPO / "book" / f"{doc}.ipynb"))
    kept = [c for c in book if "".join(c["source"]).strip() and (
        "remove-cell" not in c["metadata"].get("tags", [])
        or "keep-in-colab" in c["metadata"]["tags"])]
    cells = _code(colab[doc])
    install, cells = cells[0], cells[1:]
    assert install["id"] == "colab-install" and f"git+{REPO_URL}@" in "".join(install["source"])
    assert [c["id"] for c in cells] == [c["id"] for c in kept]
    for mine, theirs in zip(cells, kept):
        source = "".join(mine["source"])
        if source.startswith("#@title "):
            source = source.split("\n", 1)[1]
        assert source == "".join(theirs["source"]), f"{doc} cell {mine['id']}: code differs"
        assert mine["outputs"] in ([], theirs["outputs"]), f"{doc} cell {mine['id']}: outputs"
    # a cell the book removes and Colab leaves out defines nothing that a later Colab cell
    # reads before defining it again (crudely: a cell's own definitions count from its start)
    for cell in (c for c in book if c not in kept):
        missing, _reads = _names("".join(cell["source"]))
        for later in kept[sum(book.index(c) < book.index(cell) for c in kept):]:
            bound, reads = _names("".join(later["source"]))
            assert not missing & reads - bound, (
                f"{doc} cell {cell['id']} is left out of Colab, but cell {later['id']} reads "
                f"{sorted(missing & reads - bound)} from it: tag it keep-in-colab")
            missing -= bound


def test_book_notebooks_open_with_at_most_one_line_of_setup():
    """The install cell is Colab's alone; a book notebook only picks its device, once."""
    for doc in DOCS:
        code = "\n".join("".join(c["source"]) for c in _code(_read(REPO / "book" / f"{doc}.ipynb")))
        assert not re.search(r"\bpip\b|git\+|find_spec", code), doc
        assert re.findall(r"^.*pick_device\(.*$", code, flags=re.M) in (
            [], ["device = pick_device()"]), doc


@pytest.mark.parametrize("notebook", ["colab/assignments/resnet_review.ipynb",
                                      "colab/ko/assignments/resnet_review.ipynb",
                                      "colab-teacher/ko/resnet_answer_key.ipynb"])
def test_a_colab_notebook_runs_standalone(tmp_path, notebook):
    """The smallest Colab notebook, install cell included, in an empty folder with the installed
    package (no PYTHONPATH), as on Colab: it needs nothing from the repository's layout. The
    Korean edition's twin too (its code is the English one's, its text translated), and the
    smallest of the teacher's Korean notebooks."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(REPO / notebook, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell("import os; print(os.getcwd())", id="probe"))
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    NotebookClient(nb, timeout=300, kernel_name="python3").execute(env=env, cwd=str(tmp_path))
    assert Path(nb.cells[-1].outputs[0]["text"].strip()).resolve() == tmp_path.resolve()


# --- the writer, on a small synthetic book --------------------------------------------------

PNG = ("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5E"
       "rkJggg==")
FIGURE = {"output_type": "display_data", "metadata": {},
          "data": {"image/png": PNG, "text/plain": "<Figure>"}}
GLUE = {"output_type": "display_data",
        "metadata": {"scrapbook": {"name": "w", "mime_prefix": "application/papermill.record/"}},
        "data": {"application/papermill.record/text/plain": "5"}}


def _md(cid: str, text: str) -> dict:
    return {"cell_type": "markdown", "id": cid, "metadata": {}, "source": text}


def _cell(cid: str, text: str, tags=(), outputs=(), **metadata) -> dict:
    return {"cell_type": "code", "id": cid, "metadata": {"tags": list(tags), **metadata},
            "source": text, "outputs": list(outputs), "execution_count": 1 if outputs else None}


CHAPTER = [
    _md("m1", "# Chapter\n\n:::{admonition} 요약\n:class: tip\nShort {cite}`he2015,lecun1998`.\n"
              ":::\n\n:::{note}\nA note.\n:::\n\n% a MyST comment, not shown\n"
              "Terms: {term}`잔차 학습`, {term}`the idea <residual learning>`; {cite:t}`he2015`; "
              "$a_1$ math, a \\* star, `{term}` in code; glued: {glue}`w`.\n\n"
              "(sec-local)=\n## Local heading\n\nSee {ref}`sec-local`, {ref}`there <sec-target>`, "
              "{numref}`fig-a`, {numref}`Figure %s <fig-a>`, [other](other.ipynb), "
              "[intro](intro.md), {download}`the data <data.txt>`."),
    _cell("c1", "x = 1", tags=["remove-input"], outputs=[FIGURE],
          mystnb={"figure": {"caption": "A {term}`residual learning` plot.", "name": "fig-a"}}),
    _cell("c2", "assert x == 1", tags=["remove-input"]),
    _cell("c3", "z = 3", tags=["remove-cell"]),
    _cell("c4", "k = 4", tags=["remove-cell", "keep-in-colab"]),
    _cell("c5", "print(x)", tags=["hide-input"], outputs=[FIGURE]),
    _cell("c6", "from myst_nb import glue\nglue('w', 5)", tags=["remove-cell"], outputs=[GLUE]),
    _cell("c7", "print(k)", tags=["hide-cell"], outputs=[FIGURE]),
    _md("m2", ":::{exercise}\n:label: ex-1\nDo it.\n:::\n\n:::{solution} ex-1\n:class: dropdown\n"
              "The answer is 42.\n:::\n\n:::{exercise} Named\n:label: ex-2\nAnd this.\n:::\n\n"
              ":::{solution-start} ex-2\n:class: dropdown\n:::\n\nFirst part of the answer."),
    _cell("c8", "answer = 6 * 7\nprint(answer)", outputs=[FIGURE]),
    _md("m3", "Second part.\n\n:::{solution-end}\n:::\n\nAfter the solution.\n\n"
              ":::{admonition} Errata\n:class: dropdown\nFolded.\n:::\n\n"
              "```{include} inc.md\n:start-line: 2\n```\n\n"
              ":::{figure} pic.png\n:name: fig-b\n\nA picture.\n:::"),
]
BAD = {  # notebook -> (its second cell, what the warning names)
    "bad_footnote": (_md("bad", "Text[^1].\n\n[^1]: A footnote."), "<footnote_reference>"),
    "bad_sidebar": (_md("bad", ":::{sidebar} Aside\nText.\n:::"), "<sidebar>"),
    "bad_directive": (_md("bad", ":::{mystery}\nbody\n:::"), "mystery"),
    "bad_tag": (_cell("bad", "y = 2", tags=["remove-everything"]), "remove-everything"),
}


def _notebook(cells: list[dict]) -> str:
    return json.dumps({"cells": cells, "metadata": {"kernelspec": {
        "name": "python3", "language": "python", "display_name": "Python 3"}},
        "nbformat": 4, "nbformat_minor": 5})


def _build_synthetic(root: Path, config: str = "") -> tuple[Path, str]:
    """A small book built with the real Jupyter Book and the writer: (its colab/, build log)."""
    (root / "book").mkdir()
    (root / "_config.yml").write_text(textwrap.dedent(f"""\
        title: Test book
        only_build_toc_files: true
        execute: {{execute_notebooks: "off"}}
        parse: {{myst_enable_extensions: [colon_fence, dollarmath]}}
        repository: {{url: "https://github.com/o/r", branch: main}}
        launch_buttons: {{colab_url: "https://colab.research.google.com"}}
        html: {{baseurl: "https://o.github.io/r/"}}
        bibtex_bibfiles: [refs.bib]
        sphinx:
          local_extensions: {{colab_notebooks: "{REPO / 'book' / '_ext'}"}}
          extra_extensions: [sphinx_exercise]
          config: {{bibtex_reference_style: author_year, numfig: true{config}}}
        """))
    (root / "_toc.yml").write_text(textwrap.dedent("""\
        format: jb-book
        root: book/intro
        parts:
          - caption: Course
            numbered: true
            chapters: [{file: book/ch}, {file: book/other}]
          - caption: Reference
            chapters: [{file: book/glossary}, {file: book/refs}, {file: book/bad_footnote},
                       {file: book/bad_sidebar}, {file: book/bad_directive}, {file: book/bad_tag}]
        """))
    (root / "book" / "intro.md").write_text("# Intro\n")
    (root / "book" / "refs.md").write_text("# References\n\n```{bibliography}\n```\n")
    (root / "book" / "glossary.md").write_text(
        "# Glossary\n\n```{glossary}\nresidual learning\n잔차 학습\n"
        "  Learning F(x) = H(x) - x.\n```\n")
    (root / "book" / "inc.md").write_text("# skipped title\n\nIncluded {term}`잔차 학습` text.\n")
    (root / "book" / "data.txt").write_text("x\n")
    (root / "book" / "pic.png").write_bytes(__import__("base64").b64decode(PNG))
    (root / "refs.bib").write_text(
        "@article{he2015,\n title={Deep},\n author={He, K. and Zhang, X. and Ren, S.},\n"
        " journal={J},\n year={2015}\n}\n@article{lecun1998,\n title={Gradient},\n"
        " author={LeCun, Yann and Bottou, L{\\'e}on},\n journal={J},\n year={1998}\n}\n")
    (root / "book" / "ch.ipynb").write_text(_notebook(CHAPTER))
    (root / "book" / "other.ipynb").write_text(_notebook(
        [_md("o1", "# Other\n\n(sec-target)=\n## Target heading\n\nText.")]))
    for name, (cell, _construct) in BAD.items():
        (root / "book" / f"{name}.ipynb").write_text(_notebook([_md("t", "# Bad"), cell]))
    jupyter_book = Path(sys.executable).parent / "jupyter-book"
    proc = subprocess.run([str(jupyter_book), "build", str(root), "--path-output", str(root),
                           "--keep-going"], capture_output=True, text=True, timeout=600)
    log = re.sub(r"\x1b\[[0-9;]*m", "", proc.stdout + proc.stderr)
    return root / "_build" / "colab", log


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory) -> tuple[Path, str]:
    return _build_synthetic(tmp_path_factory.mktemp("synthetic"))


def test_writer_on_a_synthetic_notebook(synthetic):
    out, log = synthetic
    assert (out / "other.ipynb").exists(), log[-3000:]
    cells = _read(out / "ch.ipynb")["cells"]
    by_id = {c["id"]: c for c in cells}
    text = {c["id"]: "".join(c["source"]) for c in cells}
    m1 = text["m1"]
    glossary = "https://o.github.io/r/book/glossary.html#term-"
    other = "https://colab.research.google.com/github/o/r/blob/main/colab/other.ipynb"
    assert m1.startswith("# 1. Chapter\n\n> This is the Colab version of chapter 1")
    assert "> **요약**\n>\n> Short [[He *et al.*, 2015](https://o.github.io/r/book/refs.html#id" \
        in m1
    assert "> **Note**\n>\n> A note." in m1
    assert f"[잔차 학습]({glossary}" in m1 and f"[the idea]({glossary}residual-learning)" in m1
    assert "$a_1$ math, a \\* star, `{term}` in code; glued: 5." in m1
    assert "MyST comment" not in m1 and "(sec-local)=" not in m1
    assert "## 1.1. Local heading" in m1 and "[Local heading](#scrollTo=m1)" in m1
    assert f"[there]({other}#scrollTo=o1)" in m1
    assert "[Fig. 1.1](#scrollTo=c1)" in m1 and "[Figure 1.1](#scrollTo=c1)" in m1
    assert f"[other]({other})" in m1 and "[intro](https://o.github.io/r/book/intro.html)" in m1
    assert "[the data](https://github.com/o/r/blob/main/book/data.txt)" in m1
    # the install cell comes first; hidden code is in form view, a figure gets its caption
    assert cells[1]["id"] == "colab-install" and "git+https://github.com/o/r@main" in text[
        "colab-install"]
    assert by_id["c1"]["metadata"]["cellView"] == "form" and by_id["c1"]["outputs"]
    assert text["c1"].startswith("#@title Code that draws Fig. 1.1")
    assert text["c1-caption"].startswith("**Fig. 1.1.** A [residual learning](")
    assert text["c2"].startswith("#@title Checks and set-up hidden in the book")
    assert "c3" not in by_id and "c6" not in by_id
    assert text["c4"].startswith("#@title Set-up hidden in the book") and "tags" not in by_id[
        "c4"]["metadata"]
    assert by_id["c5"]["metadata"]["jupyter"] == {"source_hidden": True} and by_id["c5"]["outputs"]
    assert text["c7"].startswith("#@title Hidden in the book") and not by_id["c7"]["outputs"]
    # exercises and solutions
    m2 = text["m2"]
    assert "**Exercise 1.1**\n\nDo it." in m2 and "**Exercise 1.2** (Named)\n\nAnd this." in m2
    assert ("<details>\n<summary><b>Solution to Exercise 1.1</b></summary>\n\n"
            "The answer is 42.") in m2
    assert m2.endswith("<summary><b>Solution to Exercise 1.2 (Named)</b></summary>\n\n"
                       "First part of the answer.\n\n</details>")
    assert text["c8"].startswith("#@title Solution to Exercise 1.2 (Named): run it")
    assert by_id["c8"]["metadata"]["cellView"] == "form" and not by_id["c8"]["outputs"]
    m3 = text["m3"]
    assert m3.startswith("<details>\n<summary><b>Solution to Exercise 1.2 (Named) (continued)</b>"
                         "</summary>\n\nSecond part.\n\n</details>\n\nAfter the solution.")
    assert "<details>\n<summary><b>Errata</b></summary>\n\nFolded.\n\n</details>" in m3
    assert f"Included [잔차 학습]({glossary}0) text." in m3 and "skipped" not in m3
    assert m3.endswith("![Fig. 1.2](https://github.com/o/r/blob/main/book/pic.png?raw=true)\n\n"
                       "**Fig. 1.2.** A picture.")
    for cell in cells:
        assert cell["metadata"]["id"] == cell["id"]
        assert not {"execution", "mystnb", "tags"} & set(cell["metadata"])


@pytest.mark.parametrize("name", BAD)
def test_writer_refuses_what_it_cannot_convert(synthetic, name):
    out, log = synthetic
    cell, construct = BAD[name]
    warnings = [line for line in log.splitlines() if f"book/{name}" in line and "WARNING" in line]
    assert any(construct in w for w in warnings), f"{name}: {warnings or log[-2000:]}"
    if name != "bad_directive":   # Sphinx refuses that one itself: its warning names the line
        assert any(f"book/{name}.ipynb, cell bad: " in w for w in warnings), warnings
        assert not (out / f"{name}.ipynb").exists()


def test_a_translated_build_writes_translated_notebooks(tmp_path):
    """The Korean edition's path: gettext catalogs and language=ko give Korean Colab notebooks."""
    catalog = tmp_path / "locale" / "ko" / "LC_MESSAGES" / "book.po"   # gettext_compact
    catalog.parent.mkdir(parents=True)
    catalog.write_text('msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
                       'msgid "Do it."\nmsgstr "해 보세요."\n\n'
                       'msgid "Local heading"\nmsgstr "이 절의 제목"\n', encoding="utf-8")
    out, log = _build_synthetic(tmp_path, ", language: ko, locale_dirs: [locale]")
    text = "".join(c for cell in _read(out / "ch.ipynb")["cells"] for c in cell["source"])
    assert "해 보세요." in text and "Do it." not in text, log[-2000:]
    assert "## 1.1. 이 절의 제목" in text and "[이 절의 제목](#scrollTo=m1)" in text
