"""The book builds strictly and every page carries what it should.

The build itself runs once per session in the ``built_book`` fixture (tests/conftest.py):
``jupyter-book build --warningiserror --nitpick --keep-going`` into a temporary folder.
"""
from __future__ import annotations

import html as html_lib
import re

import pytest

from conftest import numbered_toc_files, toc_files
pytestmark = pytest.mark.repo  # the built book; `make compat` deselects it

# Distinctive strings each page must contain in its article body (matched case-insensitively,
# after the HTML tags are stripped).  Keep to what the chapter briefs guarantee; when a chapter
# changes, update its list here.
KEY_CONTENT = {
    "book/intro": ["Colab", "GoogleNet 주석 달기", "ResNet 논문 review", "H(x) - x"],
    "book/review": ["LeNet", "AlexNet", "VGG", "227", "groups=2", "vgg_block", "10-crop",
                    "top-5", "Fashion-MNIST"],
    "book/appendix/notes_review": ["340,908", "2048", "5e-4", "Table 2"],
    "book/googlenet": ["Inception", "보조 분류기", "480"],
    "book/resnet": ["잔차", "H(x)", "bottleneck"],
    "book/summary": ["정리"],
    "book/training": ["Fashion-MNIST", "plain-56", "--extend"],
    "book/glossary": ["보조 분류기"],
    "book/references": ["Deep Residual Learning"],
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

    (Jupyter Book continues the numbering from one numbered part to the next.)
    """
    numbers = []
    for doc in numbered_toc_files():
        page = built_book.page(doc).read_text(encoding="utf-8")
        number = re.search(r'<h1[^>]*>\s*<span class="section-number">(\d+)\.\s*</span>', page)
        assert number, f"{doc}.html's title is not numbered"
        numbers.append(int(number.group(1)))
    assert numbers == list(range(1, len(numbers) + 1))


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
