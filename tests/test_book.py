"""The book builds strictly and every page carries what it should.

The build itself runs once per session in the ``built_book`` fixture (tests/conftest.py):
``jupyter-book build --warningiserror --nitpick --keep-going`` into a temporary folder.
"""
from __future__ import annotations

import html as html_lib
import re

import pytest

from conftest import REPO, numbered_toc_files, teacher_toc_files, toc_files
pytestmark = pytest.mark.repo  # the built book; `make compat` deselects it

# Distinctive strings each page must contain in its article body (matched case-insensitively,
# after the HTML tags are stripped).  Keep to what the chapter briefs guarantee; when a chapter
# changes, update its list here.
KEY_CONTENT = {
    "book/intro": ["Colab", "GoogleNet 주석 달기", "ResNet 논문 review", "H(x) - x"],
    "book/review": ["LeNet", "AlexNet", "VGG", "227", "groups=2", "vgg_block", "10-crop",
                    "top-5", "Fashion-MNIST"],
    "book/appendix/notes_review": ["340,908", "2048", "5e-4", "Table 2"],
    "book/googlenet": ["Inception", "보조 분류기", "480", "832×7×7",
                       "WithoutReductions", "1,582,671,872"],
    "book/appendix/notes_googlenet": ["Table 1", "12×", "1,502 M", "torchvision", "144"],
    "book/resnet": ["잔차", "H(x)", "bottleneck", "ResNet-32", "ResNeXt", "nested function classes"],
    "book/appendix/notes_resnet": ["ResNet 논문 노트", "v1.5", "4.1 G", "option C"],
    "book/summary": ["정리", "optimization", "14.6 %", "8.7 times"],
    "book/training": ["Fashion-MNIST", "plain-56", "Run all", "three seeds"],
    "book/appendix/experiments": ["--extend", "Google Drive", "torchrun", "ATEN_CPU_CAPABILITY"],
    "book/glossary": ["보조 분류기"],
    "book/references": ["Deep Residual Learning"],
    "book/assignments/googlenet_annotation": ["과제 안내", "input_size", "(f)", "hw.save", "hw.release",
                                              "코드 설명", "이유를 말한다", "Says why"],
    "book/assignments/resnet_review": ["과제 안내", "1,500–2,500", "own experiment", "r5. 실험",
                                       "8. Verdict", "hw.release"],
}
# The teacher's edition's pages, in the teacher's build only.
TEACHER_CONTENT = {
    "book/teacher/guide": ["--marks", "--release", "gln-vwdk-nscf-fcy6-aeyu", "rsn-ugbe-38jf-pvyd-thur",
                           "마감 (deadline)", "AI 도구 (AI use)", "byte-order mark"],
    "book/teacher/googlenet_answer_key": ["112 correct / 112 answered", "training: D", "51,079,168",
                                          "dimension reduction"],
    "book/teacher/resnet_answer_key": ["figure7: B", "12 correct / 12 answered", "points: 30.0 / 30"],
    "book/teacher/resnet_review_example": ["An experiment of my own", "How this review scores",
                                           "Total 100"],
}


def article_text(path) -> str:
    """The visible text of a page's article (without the sidebar, header and scripts)."""
    page = path.read_text(encoding="utf-8")
    match = re.search(r"<article[^>]*>(.*)</article>", page, flags=re.S)
    assert match, f"{path} has no <article>"
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", match.group(1), flags=re.S)
    return html_lib.unescape(re.sub(r"<[^>]+>", " ", body))


def test_build_log_has_no_warning(built_book):
    lines = [line for line in built_book.log.splitlines() if "WARNING" in line]
    assert not lines, "the book build warned:\n" + "\n".join(lines[:30])


@pytest.mark.parametrize("doc", toc_files())
def test_every_toc_file_has_a_page(built_book, doc):
    page = built_book.page(doc)
    assert page.exists(), f"{doc} is in _toc.yml but {page.name} was not built"
    assert article_text(page).strip(), f"{page} has an empty article"


def test_index_redirects_to_the_introduction(built_book):
    assert "book/intro.html" in (built_book.html / "index.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("doc", sorted(KEY_CONTENT))
def test_page_key_content(built_book, doc):
    text = article_text(built_book.page(doc)).casefold()
    missing = [s for s in KEY_CONTENT[doc] if s.casefold() not in text]
    assert not missing, f"{doc}.html lacks {missing}"


@pytest.mark.parametrize("doc", ["book/googlenet", "book/resnet", "book/assignments/resnet_review"])
def test_notebook_pages_have_a_colab_launch_button(built_book, doc):
    """The Colab button opens the Colab version (colab/, `make colab`), not the MyST source."""
    page = built_book.page(doc).read_text(encoding="utf-8")
    colab = "https://colab.research.google.com/github/cnncourse/cnncourse/blob/main/"
    link = colab + "colab/" + doc.removeprefix("book/") + ".ipynb"
    assert link in page, f"{doc}.html has no Colab launch link {link}"
    assert colab + "book/" not in page, f"{doc}.html opens the MyST source in Colab"


def test_search_index_knows_bottleneck(built_book):
    index = (built_book.html / "searchindex.js").read_text(encoding="utf-8")
    assert '"bottleneck"' in index


def test_chapters_are_numbered(built_book):
    """The parts marked ``numbered: true`` in _toc.yml number their chapters 1, 2, 3, ...

    (Jupyter Book continues the numbering from one numbered part to the next.) A chapter's
    sections (the appendix's paper notes) are numbered under it: 10.1, 10.2, ...
    """
    numbers = []  # a chapter's title reads "N." and a section's under it "N.k."
    for doc in numbered_toc_files():
        page = built_book.page(doc).read_text(encoding="utf-8")
        number = re.search(r'<h1[^>]*>\s*<span class="section-number">(\d+)\.(?:(\d+)\.)?\s*</span>',
                           page)
        assert number, f"{doc}.html's title is not numbered"
        numbers.append((int(number.group(1)), int(number.group(2) or 0)))
    chapters = [n for n, k in numbers if k == 0]
    assert chapters == list(range(1, len(chapters) + 1))
    for (n, k), (n_before, k_before) in zip(numbers[1:], numbers):
        if k:  # a section follows its chapter or the section before it
            assert (n, k) == (n_before, k_before + 1), numbers


def test_intro_exercise_has_a_hidden_solution(built_book):
    page = built_book.page("book/intro").read_text(encoding="utf-8")
    assert 'id="ex-intro-1"' in page
    assert re.search(r'class="[^"]*solution[^"]*dropdown|class="[^"]*dropdown[^"]*solution', page)


# --- the course reads as a course: captioned figures, checks out of the reading path ---------

COURSE_CHAPTERS = ["book/review", "book/googlenet", "book/resnet"]


def _cells(page_html: str) -> list[str]:
    """The HTML of each code cell's visible input (MyST-NB: div.cell > div.cell_input)."""
    return re.findall(r'<div class="cell_input[^"]*"[^>]*>(.*?)</div>\s*</div>', page_html, flags=re.S)


@pytest.mark.parametrize("doc", COURSE_CHAPTERS + ["book/training"])
def test_course_chapters_have_numbered_captioned_figures(built_book, doc):
    page = built_book.page(doc).read_text(encoding="utf-8")
    figures = re.findall(r"<figure[^>]*>(.*?)</figure>", page, flags=re.S)
    captioned = [f for f in figures if "<figcaption" in f and re.search(r"Fig\. \d+\.\d+", f)]
    assert len(captioned) >= (3 if doc in COURSE_CHAPTERS else 2), \
        f"{doc}: {len(captioned)} numbered, captioned figures"


@pytest.mark.parametrize("doc", COURSE_CHAPTERS + ["book/summary", "book/training"])
def test_at_most_two_visible_assert_only_cells(built_book, doc):
    page = built_book.page(doc).read_text(encoding="utf-8")
    only_asserts = []
    for cell in _cells(page):
        text = html_lib.unescape(re.sub(r"<[^>]+>", "", cell))
        lines = [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.strip().startswith("#")]
        if lines and all(ln.startswith(("assert", ")", "]", "}")) or ln.endswith(("(", ",")) for ln in lines) \
                and any(ln.startswith("assert") for ln in lines):
            only_asserts.append(lines[0])
    assert len(only_asserts) <= 2, f"{doc} shows {len(only_asserts)} assert-only cells: {only_asserts}"


# --- the two editions ------------------------------------------------------------------------

# What only the teacher's edition may show: the release keys, the answer keys' and the example
# review's headings, and comments of the answer key.
ANSWERS = ["gln-vwdk-nscf-fcy6-aeyu", "rsn-ugbe-38jf-pvyd-thur", "Answer key", "Example answer",
           "How this review scores", "the finest scale, and cheap", "Teacher's edition"]


def test_the_student_edition_holds_no_answer_key_and_no_example(built_book):
    """Issue 20: the answer key and the example review sat in the students' table of contents."""
    assert not (built_book.html / "book" / "teacher").exists()
    found = []
    for page in built_book.html.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        found += [f"{page.relative_to(built_book.html)}: {a}" for a in ANSWERS if a in text]
    index = (built_book.html / "searchindex.js").read_text(encoding="utf-8")
    found += [f"searchindex.js: {a}" for a in ANSWERS if a.lower() in index.lower()]
    assert not found, found
    colab = built_book.html.parent / "colab-teacher"
    assert not colab.exists() and not (REPO / "colab" / "teacher").exists()
    # the students' Colab notebooks, as built and as committed (every language's)
    notebooks = list((built_book.html.parent / "colab").rglob("*.ipynb"))
    notebooks += list((REPO / "colab").rglob("*.ipynb"))
    found = [f"{p}: {a}" for p in notebooks for a in ANSWERS if a in p.read_text(encoding="utf-8")]
    assert notebooks and not found, ("answers in the students' Colab notebooks (a stale colab/: "
                                     f"run `make colab`): {found}")


def test_the_teachers_edition_builds_strictly_and_adds_its_pages(built_teacher_book, built_book):
    lines = [line for line in built_teacher_book.log.splitlines() if "WARNING" in line]
    assert not lines, "the teacher's build warned:\n" + "\n".join(lines[:30])
    for doc in toc_files() + teacher_toc_files():
        assert built_teacher_book.page(doc).exists(), doc
    for doc, strings in TEACHER_CONTENT.items():
        text = article_text(built_teacher_book.page(doc)).casefold()
        missing = [x for x in strings if x.casefold() not in text]
        assert not missing, f"{doc}.html lacks {missing}"
    # the chapters keep the student edition's numbers
    for doc in numbered_toc_files():
        number = lambda book: re.search(r'<span class="section-number">([\d.]+) ', book.page(doc).read_text(
            encoding="utf-8")).group(1)
        assert number(built_teacher_book) == number(built_book), doc


def _example_review() -> tuple[str, str]:
    """The example review's markdown (code blocks removed) and its stored outputs' figure names."""
    import json

    nb = json.loads((REPO / "book" / "teacher" / "resnet_review_example.ipynb").read_text(encoding="utf-8"))
    text = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
    figures = [c for c in nb["cells"] if c["cell_type"] == "code"
               and any("image/png" in o.get("data", {}) for o in c.get("outputs", []))]
    return re.sub(r"```.*?```", " ", text, flags=re.S), figures


def test_the_example_review_meets_its_own_specification():
    """Issue 20: the example had ~1,300 words against 1,500–2,500 and no experiment of its own;
    it is scored with the rubric on its page, every criterion (r1–r9) given a level."""
    text, figures = _example_review()
    review = text[text.index("## 1. Problem"):text.index("## References")]
    words = len(re.findall(r"\w+", review))
    assert 1500 <= words <= 2500, words
    headings = re.findall(r"^## (\d)\. (\w[\w -]*\w)", review, flags=re.M)
    assert [int(n) for n, _ in headings] == list(range(1, 9)), headings
    assert [h.strip() for _, h in headings][:8] == ["Problem", "Key idea", "Method", "Architecture",
                                                    "Experiments", "Limitations", "Follow-ups", "Verdict"]
    experiment = review[review.index("An experiment of my own"):]
    assert "CPU" in experiment[:1500] and figures, "an experiment of its own, sized for a CPU, with its figure"
    scoring = text[text.index("How this review scores"):]
    rows = re.findall(r"^\| (\d)\. [^|]+\| (full|half|none) \| (\d+) \|", scoring, flags=re.M)
    assert [int(n) for n, _, _ in rows] == list(range(1, 10)), rows
    from cnncourse.exercises import resnet
    points = [int(re.search(r"\| r%d\. [^|]+\| (\d+) \|" % i, resnet.rubric()).group(1)) for i in range(1, 10)]
    given = [int(p) for _, _, p in rows]
    assert given == [{"full": p, "half": p / 2, "none": 0}[lvl] for p, (_, lvl, _) in zip(points, rows)]
    assert f"Total {sum(given)}" in scoring
