"""The Colab versions of the notebooks (colab/, written by `make colab` from book/).

Colab does not process MyST, so ``scripts/make_colab.py`` converts each notebook of _toc.yml
into plain Jupyter markdown.  These tests check that colab/ is current, that it holds no raw
MyST, no dead link and no solution in plain view, that the converter converts what it claims
(on a small synthetic book) and refuses what it does not know, and that the Colab versions run
on their own — in an empty folder, with only the installed package, as on Colab.
"""
from __future__ import annotations

import importlib.util
import json
import os
import re
import sys
import textwrap
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.repo   # needs book/, colab/ and scripts/ (not the installed wheel)

_spec = importlib.util.spec_from_file_location("make_colab", REPO / "scripts" / "make_colab.py")
make_colab = importlib.util.module_from_spec(_spec)
sys.modules["make_colab"] = make_colab
_spec.loader.exec_module(make_colab)


@pytest.fixture(scope="module")
def book():
    return make_colab.load_book(REPO)


@pytest.fixture(scope="module")
def colab_notebooks(book) -> dict[str, dict]:
    """colab/<doc>.ipynb as stored, keyed by doc ("review", "assignments/resnet_review")."""
    return {doc: json.loads((REPO / make_colab.COLAB_DIR / f"{doc}.ipynb").read_text("utf-8"))
            for doc in book.notebooks
            if (REPO / make_colab.COLAB_DIR / f"{doc}.ipynb").exists()}


def _markdown(nb: dict) -> list[tuple[str, str]]:
    return [(c["id"], "".join(c["source"])) for c in nb["cells"] if c["cell_type"] == "markdown"]


# --- colab/ is what `make colab` writes now ---------------------------------------------------

def test_colab_notebooks_are_up_to_date():
    wanted = make_colab.build_all(REPO)
    stale = [p for p, text in wanted.items()
             if not (REPO / p).exists() or (REPO / p).read_text(encoding="utf-8") != text]
    extra = [p.relative_to(REPO).as_posix() for p in (REPO / make_colab.COLAB_DIR).rglob("*.ipynb")
             if p.relative_to(REPO).as_posix() not in wanted]
    assert not stale and not extra, (
        f"colab/ is stale (out of date: {stale}; not in _toc.yml: {extra}): run `make colab` "
        "and commit colab/")


# --- what Colab shows: no raw MyST, no dead links, no solution in plain view -----------------

RAW_MYST = {
    "role": re.compile(r"\{[A-Za-z][\w:+-]*\}`"),
    "directive": re.compile(r"^\s*(?::{3,}|`{3,})\s*\{", re.M),
    "(label)= target": re.compile(r"^\([^()\s]+\)=\s*$", re.M),
    "directive option": re.compile(r"^\s*:(?:label|class|name|start-line|end-line|format):", re.M),
    "colon fence": re.compile(r"^\s*:::", re.M),
    "substitution": re.compile(r"\{\{"),
}


def test_colab_markdown_has_no_raw_myst(book, colab_notebooks):
    assert set(colab_notebooks) == set(book.notebooks), "run `make colab`"
    found = [f"{doc} cell {cid}: {what}: {m.group(0)!r}"
             for doc, nb in colab_notebooks.items() for cid, text in _markdown(nb)
             for what, pattern in RAW_MYST.items() for m in pattern.finditer(text)]
    assert not found, "raw MyST in colab/:\n" + "\n".join(found[:20])


LINK = re.compile(r"\]\((?P<url>[^)\s]+)\)")


def test_colab_links_resolve(book, colab_notebooks):
    """Every link is absolute (Colab has no folder around the notebook) and leads somewhere."""
    ids = {doc: {c["id"] for c in nb["cells"]} for doc, nb in colab_notebooks.items()}
    colab_base = book.colab_link("X").split(f"/{make_colab.COLAB_DIR}/X.ipynb")[0] + "/"
    github_base = book.github_link("")
    dead = []
    for doc, nb in colab_notebooks.items():
        for cid, text in _markdown(nb):
            for url in (m.group("url") for m in LINK.finditer(text)):
                path, _, fragment = url.partition("#")
                where = f"{doc} cell {cid}: {url[:120]}"
                if url.startswith("data:image/"):
                    continue
                if not path:
                    if fragment.removeprefix("scrollTo=") not in ids[doc]:
                        dead.append(f"{where} (no such cell)")
                elif path.startswith(colab_base):
                    target = path[len(colab_base):].removeprefix(f"{make_colab.COLAB_DIR}/")
                    target = target.removesuffix(".ipynb")
                    if target not in ids:
                        dead.append(f"{where} (no such Colab notebook)")
                    elif fragment and fragment.removeprefix("scrollTo=") not in ids[target]:
                        dead.append(f"{where} (no such cell)")
                elif path.startswith(github_base):
                    if not (REPO / path[len(github_base):].removesuffix("?raw=true")).exists():
                        dead.append(f"{where} (no such file)")
                elif path.startswith(book.baseurl):
                    page = path[len(book.baseurl):].removesuffix(".html")
                    if page not in book.pages:
                        dead.append(f"{where} (no such page of the book)")
                    elif page.endswith("glossary") and fragment not in book.glossary.values():
                        dead.append(f"{where} (no such glossary entry)")
                elif not re.match(r"https?://", url):
                    dead.append(f"{where} (relative link)")
    assert not dead, "dead links in colab/:\n" + "\n".join(dead[:20])


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
        if cell["cell_type"] != "markdown":
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
    # lines long enough to be recognisable, without MyST the converter rewrites
    return ([ln.strip() for ln in lines
             if len(ln.strip()) >= 30 and not re.search(r"[{}<>`\[\]$]|^:", ln)], code_ids)


def test_no_solution_in_plain_view(book, colab_notebooks):
    """Solutions are folded in <details>; gated solutions' code is in form view, output-free."""
    problems = []
    checked = 0
    for doc, nb in colab_notebooks.items():
        lines, code_ids = _source_solutions(book.notebooks[doc])
        markdown = "\n".join(text for _, text in _markdown(nb))
        visible = re.sub(r"<details>.*?</details>", "", markdown, flags=re.S)
        for line in lines:
            checked += 1
            if line in visible:
                problems.append(f"{doc}: solution text in plain view: {line[:70]!r}")
            elif line not in markdown:
                problems.append(f"{doc}: solution text lost: {line[:70]!r}")
        for cell in nb["cells"]:
            if cell["id"] in code_ids:
                checked += 1
                hidden = (cell["metadata"].get("cellView") == "form"
                          and "".join(cell["source"]).startswith("#@title Solution")
                          and cell["metadata"].get("jupyter", {}).get("source_hidden"))
                if not hidden or cell["outputs"]:
                    problems.append(f"{doc} cell {cell['id']}: solution code in plain view "
                                    f"(form view: {hidden}, outputs: {len(cell['outputs'])})")
    assert checked > 100, f"only {checked} solution lines and cells found: is the check broken?"
    assert not problems, "\n".join(problems[:20])


def test_every_exercise_and_figure_is_numbered_as_in_the_book(book, colab_notebooks):
    for doc, nb in colab_notebooks.items():
        markdown = "\n".join(text for _, text in _markdown(nb))
        for label, target in book.targets.items():
            if target.doc == doc and target.number and target.number.startswith("Exercise"):
                assert f"**{target.number}**" in markdown, f"{doc}: {label} lacks its header"
            if target.doc == doc and target.number and target.number.startswith("Fig"):
                assert f"**{target.number}.**" in markdown, f"{doc}: {label} lacks its caption"


# --- the converter, on a small synthetic book ---------------------------------------------

def _write_book(root: Path, cells: list[dict]) -> None:
    (root / "book").mkdir(parents=True)
    (root / "_config.yml").write_text(textwrap.dedent("""\
        title: Test book
        repository: {url: "https://github.com/o/r", branch: main}
        launch_buttons: {colab_url: "https://colab.research.google.com"}
        html: {baseurl: "https://o.github.io/r/"}
        bibtex_bibfiles: [refs.bib]
        """))
    (root / "_toc.yml").write_text(textwrap.dedent("""\
        format: jb-book
        root: book/intro
        parts:
          - caption: Course
            numbered: true
            chapters:
              - file: book/ch
              - file: book/other
          - caption: Reference
            chapters:
              - file: book/glossary
        """))
    (root / "book" / "intro.md").write_text("# Intro\n")
    (root / "book" / "glossary.md").write_text(
        "# Glossary\n\n```{glossary}\nresidual learning\n잔차 학습\n  Learning F(x) = H(x) - x.\n```\n")
    (root / "book" / "inc.md").write_text("# skipped title\n\nIncluded {term}`잔차 학습` text.\n")
    (root / "book" / "data.txt").write_text("x\n")
    (root / "refs.bib").write_text(
        "@article{he2015,\n title={Deep},\n author={He, K. and Zhang, X. and Ren, S.},\n year={2015}\n}\n"
        "@article{lecun1998,\n title={Gradient},\n author={LeCun, Yann and Bottou, L{\\'e}on},\n year={1998}\n}\n")

    def notebook(cells):
        return {"cells": cells, "metadata": {"kernelspec": {"name": "python3", "language": "python",
                                                            "display_name": "Python 3"}},
                "nbformat": 4, "nbformat_minor": 5}
    other = [_md("o1", "# Other\n\n(sec-target)=\n## Target heading\n\nText.")]
    (root / "book" / "ch.ipynb").write_text(json.dumps(notebook(cells)))
    (root / "book" / "other.ipynb").write_text(json.dumps(notebook(other)))


def _md(cid: str, text: str) -> dict:
    return {"cell_type": "markdown", "id": cid, "metadata": {}, "source": text}


def _code(cid: str, text: str, tags=(), outputs=(), **metadata) -> dict:
    return {"cell_type": "code", "id": cid, "metadata": {"tags": list(tags), **metadata},
            "source": text, "outputs": list(outputs), "execution_count": 1 if outputs else None}


PNG = {"output_type": "display_data", "metadata": {},
       "data": {"image/png": "iVBORw0KGgo=", "text/plain": "<Figure>"}}


def _convert(tmp_path, cells) -> list[dict]:
    _write_book(tmp_path, cells)
    out = make_colab.build_all(tmp_path)
    assert set(out) == {"colab/ch.ipynb", "colab/other.ipynb"}
    assert make_colab.build_all(tmp_path) == out    # deterministic
    return json.loads(out["colab/ch.ipynb"])["cells"]


def test_converter_on_a_synthetic_notebook(tmp_path):
    cells = _convert(tmp_path, [
        _md("m1", "# Chapter\n\n:::{admonition} 요약\n:class: tip\nShort {cite}`he2015,lecun1998`.\n:::\n\n"
                  ":::{note}\nA note.\n:::\n\n% a MyST comment, not shown\n"
                  "Terms: {term}`잔차 학습`, {term}`the idea <residual learning>`; "
                  "{cite:t}`he2015`; `{term}` in code stays.\n\n"
                  "(sec-local)=\n## Local heading\n\nSee {ref}`sec-local`, {ref}`there <sec-target>`, "
                  "{numref}`fig-a`, {numref}`Figure %s <fig-a>`, [other](other.ipynb), "
                  "[intro](intro.md), [data](data.txt), {download}`the data <data.txt>`."),
        _code("c1", "x = 1", tags=["remove-input"],
              outputs=[PNG], mystnb={"figure": {"caption": "A {term}`residual learning` plot.",
                                                "name": "fig-a"}}),
        _code("c2", "assert x == 1", tags=["remove-input"]),
        _code("c3", "y = x + 1\nassert y == 2", tags=["remove-input"]),
        _code("c4", "z = 3", tags=["remove-cell"]),
        _code("c5", "print(x)", tags=["hide-input"], outputs=[PNG]),
        _code("c8", "from myst_nb import glue\nw = 5\nglue('w', w)", tags=["remove-cell"]),
        _code("c9", "print(w)  # needs the removed cell's w"),
        _code("c10", "# ex-1: its answer\nprint(42)", outputs=[PNG]),
        _md("m2", ":::{exercise}\n:label: ex-1\nDo it.\n:::\n\n:::{solution} ex-1\n:class: dropdown\n"
                  "The answer is 42.\n:::\n\n:::{exercise}\n:label: ex-2\nAnd this.\n:::\n\n"
                  ":::{solution-start} ex-2\n:class: dropdown\n:::\n\nFirst part of the answer."),
        _code("c6", "answer = 6 * 7\nprint(answer)", outputs=[PNG]),
        _code("c7", "assert answer == 42", tags=["remove-input"]),
        _md("m3", "Second part.\n\n:::{solution-end}\n:::\n\nAfter the solution.\n\n"
                  ":::{admonition} Errata\n:class: dropdown\nFolded.\n:::\n\n"
                  "```{include} inc.md\n:start-line: 2\n```"),
    ])
    by_id = {c["id"]: c for c in cells}
    text = {c["id"]: "".join(c["source"]) for c in cells}
    m1 = text["m1"]
    assert m1.startswith("# 1. Chapter\n")                                     # numbered title
    assert "> **요약**\n>\n> Short \\[[He et al., 2015, LeCun and Bottou, 1998](" in m1  # sorted, quoted
    assert "> **Note**\n>\n> A note." in m1
    assert "[잔차 학습](https://o.github.io/r/book/glossary.html#term-residual-learning)" in m1
    assert "[the idea](https://o.github.io/r/book/glossary.html#term-residual-learning)" in m1
    assert "[He et al. \\[2015\\]](https://o.github.io/r/book/references.html)" in m1
    assert "`{term}` in code stays" in m1
    assert "(sec-local)=" not in m1 and "MyST comment" not in m1
    assert "[Local heading](#scrollTo=m1)" in m1
    assert ("[there](https://colab.research.google.com/github/o/r/blob/main/colab/other.ipynb"
            "#scrollTo=o1)") in m1
    assert "[Fig. 1.1](#scrollTo=c1)" in m1 and "[Figure 1.1](#scrollTo=c1)" in m1
    assert "[other](https://colab.research.google.com/github/o/r/blob/main/colab/other.ipynb)" in m1
    assert "[intro](https://o.github.io/r/book/intro.html)" in m1
    assert "[data](https://github.com/o/r/blob/main/book/data.txt)" in m1
    assert "[the data](https://github.com/o/r/blob/main/book/data.txt)" in m1
    # a figure drawn by hidden code: form view, output kept, caption under it
    assert by_id["c1"]["metadata"]["cellView"] == "form" and by_id["c1"]["outputs"]
    assert text["c1"].startswith("#@title Code that draws Fig. 1.1")
    assert text["c1-caption"].startswith("**Fig. 1.1.** A [residual learning](")
    # an assert-only hidden check is dropped; one that defines names stays, folded
    assert "c2" not in by_id and "c4" not in by_id
    assert by_id["c3"]["metadata"]["cellView"] == "form" and text["c3"].endswith("assert y == 2")
    assert by_id["c5"]["metadata"]["jupyter"] == {"source_hidden": True} and by_id["c5"]["outputs"]
    # a removed cell that later cells need runs, folded, without the book's myst_nb glue
    assert by_id["c8"]["metadata"]["cellView"] == "form" and "from myst_nb" not in text["c8"]
    assert "glue = lambda" in text["c8"]
    # a cell that computes an exercise's answer (its code names the exercise) is a solution
    assert text["c10"].startswith("#@title Solution to Exercise 1.1") and not by_id["c10"]["outputs"]
    # exercises and solutions
    m2 = text["m2"]
    assert "**Exercise 1.1**\n\nDo it." in m2 and "**Exercise 1.2**\n\nAnd this." in m2
    assert "<details>\n<summary><b>Solution to Exercise 1.1</b></summary>\n\nThe answer is 42." in m2
    assert m2.endswith("<summary><b>Solution to Exercise 1.2</b></summary>\n\n"
                       "First part of the answer.\n\n</details>")
    assert by_id["c6"]["metadata"]["cellView"] == "form" and not by_id["c6"]["outputs"]
    assert text["c6"].startswith("#@title Solution to Exercise 1.2")
    assert "c7" not in by_id
    m3 = text["m3"]
    assert m3.startswith("<details>\n<summary><b>Solution to Exercise 1.2 (continued)</b>"
                         "</summary>\n\nSecond part.\n\n</details>\n\nAfter the solution.")
    assert "<details>\n<summary><b>Errata</b></summary>\n\nFolded.\n\n</details>" in m3
    assert m3.endswith("Included [잔차 학습](https://o.github.io/r/book/glossary.html"
                       "#term-residual-learning) text.")
    assert "skipped title" not in m3
    for cell in cells:
        assert cell["metadata"]["id"] == cell["id"]
        assert "execution" not in cell["metadata"] and "mystnb" not in cell["metadata"]


@pytest.mark.parametrize("source, construct", [
    (":::{mystery} arg\nbody\n:::", "unknown directive {mystery}"),
    ("Some {wat}`thing`.", "unknown role {wat}"),
    ("See {ref}`no-such-label`.", "no such label"),
    ("A {term}`no such term`.", "no such glossary term"),
    ("[gone](missing.ipynb)", "not a notebook of the book"),
    (":::{exercise}\n:label: ex-x\n:weird: 1\nq\n:::", "option(s) ['weird']"),
    (":::{solution-start} ex-none\n:::", "unknown exercise"),
    ("Hello {{ name }}.", "substitution"),
    ("Term\n: its definition", "definition list"),
])
def test_converter_refuses_what_it_cannot_convert(tmp_path, source, construct):
    with pytest.raises(make_colab.ConversionError) as error:
        _convert(tmp_path, [_md("m1", "# Chapter"), _md("bad-cell", source)])
    assert "book/ch.ipynb" in str(error.value) and "bad-cell" in str(error.value)
    assert construct in str(error.value)


# --- the Colab versions run on their own ----------------------------------------------------

# The notebooks run here, each in an empty folder with the installed package (as on Colab), and
# their measured times on the 2-core CI machine.  training (~150 s) and resnet are left to
# `COLAB_RUN_ALL=1 pytest tests/test_colab.py -k standalone`: `make test` runs every notebook
# under nbval anyway, and these runs only catch a notebook that needs the repository's layout.
STANDALONE = ["review", "googlenet", "summary", "assignments/googlenet_annotation",
              "assignments/googlenet_reference", "assignments/resnet_review",
              "assignments/resnet_review_example"]
SLOW = ["resnet", "training"]


@pytest.mark.parametrize("doc", STANDALONE + (SLOW if os.environ.get("COLAB_RUN_ALL") else []))
def test_colab_notebook_runs_standalone(doc, tmp_path):
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    nb = nbformat.read(REPO / make_colab.COLAB_DIR / f"{doc}.ipynb", as_version=4)
    # a last cell reports the kernel's interpreter and folder: this venv's python, the empty folder
    nb.cells.append(nbformat.v4.new_code_cell("import os, sys; print(sys.executable); print(os.getcwd())",
                                              id="standalone-probe"))
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"
    client = NotebookClient(nb, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}})
    start = time.perf_counter()
    failure = None
    try:
        client.execute(env=env, cwd=str(tmp_path))
    except CellExecutionError as error:
        cell = next((c for c in nb.cells if c.cell_type == "code"
                     and any(o.get("output_type") == "error" for o in c.get("outputs", []))), None)
        failure = (f"colab/{doc}.ipynb, cell {cell.id if cell else '?'}, run in an empty folder "
                   f"with the installed package:\n{str(error)[-3000:]}")
    if failure:
        pytest.fail(failure)
    executable, cwd = nb.cells[-1].outputs[0]["text"].split()
    assert Path(executable).resolve() == Path(sys.executable).resolve(), executable
    assert Path(cwd).resolve() == tmp_path.resolve(), cwd
    print(f"colab/{doc}.ipynb ran standalone in {time.perf_counter() - start:.0f} s")
