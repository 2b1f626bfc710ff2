"""The Korean edition: built from the same notebooks, linked page by page to the English one,
searchable in Korean, translated without drift and with the glossary's terms.

The Korean build (``scripts/build_book.py --edition ko``, what `make book` runs after the English
one) goes into the tree of the session's English build (``built_book``), so that
``book_server`` serves both editions; the teacher's edition (``built_teacher_book``,
scripts/build_teacher.py) builds both of its editions the same way, its Korean one at <html>/ko; the English messages are extracted afresh from the
current source (the gettext build) and compared with the catalogs of ``locale/ko``
(scripts/translation.py holds the checks and their definitions; locale/ko/translation.yml
the data: the complete catalogs and the variants of the glossary's terms).
"""
from __future__ import annotations

import html as html_lib
import json
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

from conftest import teacher_toc_files, toc_files

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / "scripts"), str(REPO / "book" / "_ext")]
import translation  # noqa: E402
from korean_search import SearchKorean, js_stemmer, strip_endings  # noqa: E402

pytestmark = pytest.mark.repo   # the book's source, its catalogs and the built book
WAIT_S = 15
NOTEBOOKS = [doc for doc in toc_files() if (REPO / f"{doc}.ipynb").exists()]
TEACHER_NOTEBOOKS = [doc for doc in teacher_toc_files() if (REPO / f"{doc}.ipynb").exists()]


def _build(args: list[str], timeout: int = 900) -> tuple[str, float]:
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, str(REPO / "scripts" / "build_book.py"), *args],
                          cwd=REPO, capture_output=True, text=True, timeout=timeout)
    if proc.returncode:
        pytest.fail(f"build_book.py {' '.join(args)} failed:\n{proc.stdout[-3000:]}"
                    f"\n{proc.stderr[-6000:]}", pytrace=False)
    return proc.stdout + proc.stderr, time.perf_counter() - start


@pytest.fixture(scope="session")
def korean_book(built_book) -> Path:
    """The Korean edition, strictly built next to the session's English one: <html>/ko."""
    output = built_book.html.parent.parent
    log, seconds = _build(["--edition", "ko", "--output", str(output), "--verbose"])
    print(f"\nKorean build: {seconds:.1f} s")
    (output / "_build" / "ko-build.log").write_text(log, encoding="utf-8")
    return built_book.html / "ko"


@pytest.fixture(scope="session")
def korean_teacher_book(built_teacher_book) -> Path:
    """The teacher's edition's Korean pages (built with its English ones: `make book-teacher`)."""
    return built_teacher_book.html / "ko"


def _editions(request, teacher: bool) -> tuple[Path, Path]:
    """(English HTML, Korean HTML) of the students' or the teacher's edition."""
    if teacher:
        return (request.getfixturevalue("built_teacher_book").html,
                request.getfixturevalue("korean_teacher_book"))
    return request.getfixturevalue("built_book").html, request.getfixturevalue("korean_book")


@pytest.fixture(scope="session")
def catalogs(tmp_path_factory) -> dict[str, translation.Catalog]:
    """The current English messages (extracted now) with the Korean catalogs' translations."""
    out = tmp_path_factory.mktemp("gettext")
    _log, seconds = _build(["gettext", "--output", str(out)])
    print(f"\ngettext extraction: {seconds:.1f} s")
    source = translation.read_source([out / "_build" / "gettext",
                                      out / "_build" / "gettext-extensions"])
    return translation.read_catalogs(source)


@pytest.fixture(scope="session")
def data() -> dict:
    return translation.settings()


def _article(path: Path) -> str:
    page = path.read_text(encoding="utf-8")
    return page[page.index("<article"):page.index("</article>")]


# --- one source: the Korean edition is the English one, translated --------------------------

def test_korean_edition_builds_strictly(korean_book):
    log = (korean_book.parents[1] / "ko-build.log").read_text(encoding="utf-8")
    assert "WARNING" not in log, [ln for ln in log.splitlines() if "WARNING" in ln][:20]
    for doc in toc_files():
        page = korean_book / f"{doc}.html"
        assert page.exists(), f"{doc} has no Korean page"
        assert '<html lang="ko"' in page.read_text(encoding="utf-8")


@pytest.mark.parametrize("doc", NOTEBOOKS + TEACHER_NOTEBOOKS)
def test_code_and_outputs_are_the_english_editions(request, doc):
    """The Korean page shows the notebook's own code and outputs: nothing is copied by hand."""
    english_html, korean_html = _editions(request, doc in TEACHER_NOTEBOOKS)

    def cells(path):
        from bs4 import BeautifulSoup   # an output's HTML need not end with </pre>

        article = BeautifulSoup(_article(path), "html.parser")
        for caption in article.select("figcaption"):   # captions are messages: translated
            caption.decompose()
        code = [str(div) for div in article.select("div.cell_input")]
        outputs = [re.sub(r'src="(\.\./)+', 'src="', str(div))
                   for div in article.select("div.cell_output")]
        return code, outputs
    english, korean = cells(english_html / f"{doc}.html"), cells(korean_html / f"{doc}.html")
    assert english[0], f"{doc}: no code cells found: is the check broken?"
    assert korean == english


def test_toc_captions_and_configured_texts_are_translated(korean_book, catalogs):
    page = (korean_book / "book" / "resnet.html").read_text(encoding="utf-8")
    intro, config = catalogs["book/intro"].translated, catalogs["config"].translated
    captions = re.findall(r'caption-text">([^<]*)<', page)
    assert intro["Course"] in captions and "Course" not in captions, captions
    title = re.search(r"<title>(.*?)</title>", page, flags=re.S).group(1)
    assert config["cnncourse: the classic CNNs, paper by paper"] in title
    assert f'placeholder="{config["Search this book..."]}"' in page


@pytest.mark.parametrize("doc", NOTEBOOKS)
def test_figure_captions_are_messages(built_book, catalogs, doc):
    """Every caption of the English page is a message of its catalog (so it gets translated;
    the figures' own labels stay in the papers' notation: README, Korean edition)."""
    captions = [re.sub(r'<span class="caption-number">.*?</span>|<[^>]+>', " ", c) for c in
                re.findall(r"<figcaption>(.*?)</figcaption>", _article(built_book.page(doc)),
                           flags=re.S)]
    assert captions or doc not in ("book/review", "book/googlenet", "book/resnet")
    messages = [" ".join(re.findall("[A-Za-z]+", re.sub(r"\{[a-z:]+\}|<[^<>]*>", " ", m)))
                for m in catalogs[doc].source]
    for caption in captions:
        words = " ".join(re.findall("[A-Za-z]+", html_lib.unescape(caption))[:8])
        assert any(words in m for m in messages), f"{doc}: caption not extracted: {caption[:80]}"


def test_glossary_terms_stay_and_korean_references_resolve(korean_book, catalogs):
    """Term lines are not messages; {term}`보조 분류기 <auxiliary classifier>` in a translation
    links to the entry, whose anchors are the English edition's."""
    assert "auxiliary classifier" not in catalogs["book/glossary"].source
    glossary = (korean_book / "book" / "glossary.html").read_text(encoding="utf-8")
    assert 'id="term-auxiliary-classifier"' in glossary
    intro = _article(korean_book / "book" / "intro.html")
    link = re.search(r'<a class="reference internal" href="glossary.html#term-auxiliary-classifier"'
                     r'[^>]*>.*?<span class="xref std std-term">([^<]*)</span>', intro, re.S)
    assert link and link.group(1) == "보조 분류기", link and link.group(0)


# --- the language switch ----------------------------------------------------------------------

SWITCH = re.compile(r'<a class="btn btn-sm edition-switch-link" href="([^"]+)" hreflang="(\w+)"')


def _pages(html: Path) -> list[str]:
    return sorted(p.relative_to(html).with_suffix("").as_posix() for p in html.rglob("*.html")
                  if not p.relative_to(html).parts[0] in {"ko", "_static", "_sources"}
                  and p.name != "index.html")


@pytest.mark.parametrize("teacher", [False, True], ids=["students", "teacher"])
def test_every_page_links_to_its_twin(request, teacher):
    english_html, korean_html = _editions(request, teacher)
    english, korean = _pages(english_html), _pages(korean_html)
    assert english == korean
    assert set(toc_files() + (teacher_toc_files() if teacher else [])) <= set(english)
    for html, pages, other in ((english_html, english, "ko"), (korean_html, korean, "en")):
        for page in pages:
            path = html / f"{page}.html"
            text = path.read_text(encoding="utf-8")
            assert f'<html lang="{"en" if other == "ko" else "ko"}"' in text, path
            links = SWITCH.findall(text)
            assert [lang for _url, lang in links] == [other], f"{path}: {links}"
            twin = (path.parent / links[0][0]).resolve()
            assert twin == (korean_html if other == "ko" else english_html).joinpath(
                f"{page}.html").resolve(), f"{path} links to {twin}"


def test_the_korean_student_edition_holds_no_teachers_page(korean_book):
    """The teacher's pages are translated, but only the teacher's edition has them: no Korean
    student page holds their titles (the first message of each catalog) or the release keys."""
    from babel.messages.pofile import read_po

    assert not (korean_book / "book" / "teacher").exists()
    titles = []
    for po in sorted((REPO / "locale" / "ko" / "LC_MESSAGES" / "book" / "teacher").glob("*.po")):
        with po.open("rb") as stream:
            titles.append(next(m.string for m in read_po(stream) if m.id and m.string))
    assert len(titles) == len(teacher_toc_files()), titles
    found = [f"{page.relative_to(korean_book)}: {t}" for page in korean_book.rglob("*.html")
             for t in titles + ["gln-vwdk-nscf-fcy6-aeyu", "rsn-ugbe-38jf-pvyd-thur"]
             if t in page.read_text(encoding="utf-8")]
    assert not found, found


def test_switch_in_the_browser_both_ways(browser, book_server, korean_book, artifacts_dir):
    """The header's switch takes a reader to the same page in the other edition and back; on a
    390 px phone it stays in the header, Korean lines break at spaces, and no page is wider than
    the screen. Screenshots for the record: ko-<page>[-phone].png."""
    browser.get(f"{book_server}/book/resnet.html")
    browser.find_element(By.CSS_SELECTOR, "a.edition-switch-link[hreflang=ko]").click()
    WebDriverWait(browser, WAIT_S).until(EC.url_to_be(f"{book_server}/ko/book/resnet.html"))
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "ko"
    browser.find_element(By.CSS_SELECTOR, "a.edition-switch-link[hreflang=en]").click()
    WebDriverWait(browser, WAIT_S).until(EC.url_to_be(f"{book_server}/book/resnet.html"))
    size = browser.get_window_size()
    try:
        for width, suffix in ((size["width"], ""), (390, "-phone")):
            browser.set_window_size(width, 844 if suffix else size["height"])
            for page in ("intro", "glossary"):
                browser.get(f"{book_server}/ko/book/{page}.html")
                switch = browser.find_element(By.CSS_SELECTOR, "a.edition-switch-link")
                assert switch.is_displayed() and switch.text.strip() == "English"
                assert switch.rect["y"] < 80, f"the switch is not in the header: {switch.rect}"
                # Korean lines break between words (keep-all), and nothing widens the page
                assert browser.execute_script(
                    "return getComputedStyle(document.querySelector('article p')).wordBreak"
                ) == "keep-all"
                assert browser.execute_script("return document.documentElement.scrollWidth"
                                              " <= window.innerWidth"), f"{page} scrolls sideways"
                time.sleep(0.3)
                assert browser.save_screenshot(str(artifacts_dir / f"ko-{page}{suffix}.png"))
    finally:
        browser.set_window_size(size["width"], size["height"])


def test_korean_pages_load_cleanly(browser, book_server, korean_book):
    """The translated pages, a notebook page and the search page log no error and fetch
    nothing from another host (as test_browser.py asks of the English pages)."""
    browser.get_log("browser")
    problems = []
    for page in ("book/intro", "book/glossary", "book/resnet", "search"):
        browser.get(f"{book_server}/ko/{page}.html")
        WebDriverWait(browser, WAIT_S).until(
            lambda d: d.execute_script("return document.readyState") == "complete")
        time.sleep(0.4)
        problems += [f"{page}: {e['message']}" for e in browser.get_log("browser")
                     if e["level"] == "SEVERE"]
        problems += [f"{page}: fetched {url}" for url in browser.execute_script(
            "return performance.getEntriesByType('resource').map(e => e.name)"
            ".filter(u => !u.startsWith(location.origin))")]
    assert not problems, "\n".join(problems)


# --- Korean search ----------------------------------------------------------------------------

@pytest.mark.parametrize("word, stem", [
    ("잔차를", "잔차"), ("잔차에서도", "잔차"), ("잔차", "잔차"), ("모델들은", "모델"),
    ("정규화한다", "정규화"), ("깊이가", "깊이"), ("깊이", "깊이"), ("정의", "정의"),
    ("결과는", "결과"), ("ResNet의", "resnet"), ("networks", "network"), ("층을", "층"),
    ("특징", "특징"), ("3×3", "3×3")])
def test_stemmer(word, stem):
    assert SearchKorean({}).stem(word) == stem


def _hangul_words(html: Path, pages) -> list[str]:
    text = " ".join(_article(html / f"{p}.html") for p in pages)
    return sorted(set(re.findall(r"[\w]*[\uac00-\ud7a3][\w]*", re.sub(r"<[^>]+>", " ", text))))


def test_js_stemmer_is_the_python_stemmer(browser, book_server, korean_book):
    """The browser stems queries as the index was stemmed: the same rules, every word of the
    translated pages and the English words beside them."""
    browser.get(f"{book_server}/ko/search.html")
    words = _hangul_words(korean_book, ["book/intro", "book/glossary"])
    words += ["networks", "ResNet의", "training", "bottleneck", "잔차에서는", "모델들이", "ws", "as"]
    assert len(words) > 300, "too few words: is the check broken?"
    js = browser.execute_script(
        "const s = new Stemmer(); return arguments[0].map(w => s.stemWord(w));", words)
    python = [SearchKorean({}).stem(w) for w in words]
    assert [(w, j) for w, j, p in zip(words, js, python) if j != p] == []
    assert "KOREAN_ENDINGS" in js_stemmer(SearchKorean.nouns)


def _search(browser, book_server, query: str) -> list[str]:
    browser.get(f"{book_server}/ko/search.html?q={query}")
    WebDriverWait(browser, WAIT_S).until(lambda d: d.execute_script(
        "const s = document.querySelector('#search-results p.search-summary');"
        "return s !== null && s.innerText.trim() !== '';"))
    return [a.get_attribute("href") for a in browser.find_elements(By.CSS_SELECTOR,
                                                                      "ul.search li a")]


def test_korean_search_finds_a_word_written_only_with_particles(browser, book_server,
                                                                 korean_book):
    """A word that the translated pages write only with an ending (잔차를, never 잔차) is found by
    its stem, and by another ending; Sphinx's own search (words as written) would miss it."""
    words = _hangul_words(korean_book, ["book/intro", "book/glossary"])
    bare = set(words)
    stems = sorted({strip_endings(w) for w in words if strip_endings(w) != w
                    and strip_endings(w) not in bare and len(strip_endings(w)) == 2
                    and re.fullmatch("[\uac00-\ud7a3]+", w)})
    assert len(stems) >= 3, stems
    raw = (korean_book / "searchindex.js").read_text(encoding="utf-8")
    index = json.loads(raw[raw.index("(") + 1:raw.rindex(")")])
    for stem in stems[:3]:
        assert stem in index["terms"], stem
        for query in (stem, stem + "는"):
            found = _search(browser, book_server, query)
            assert any(h.endswith(("book/intro.html", "book/glossary.html")) for h in found), (
                query, found)
    found = _search(browser, book_server, "병목")
    assert any("glossary.html" in h for h in found), found


def test_korean_search_measured(korean_book):
    """Every page that has a glossary term's word, with or without an ending, is found."""
    results = translation.measure_search(korean_book, translation.glossary_words())
    print("\n" + "\n".join(translation.search_report(results)))
    missed = {r.word: sorted(r.pages - r.stemmed) for r in results if r.pages - r.stemmed}
    # a longer compound written without a space is a different word (병렬구조 is not 병렬)
    compounds = {w: p for w, p in missed.items()
                 if all(re.search(f"{w}[\uac00-\ud7a3]{{2}}", _article(korean_book / f"{d}.html"))
                        for d in p)}
    assert missed == compounds
    inflected = [r for r in results if r.pages - r.bare]
    assert inflected, "no word written only with an ending: is the check broken?"


# --- drift: the catalogs follow the English source ------------------------------------------

def test_no_drift(catalogs, data):
    """Complete catalogs are fully translated; no translation anywhere is fuzzy or stale."""
    complete = translation.complete_catalogs(catalogs, data)
    assert "book/intro" in complete or data["complete"] == "all"
    problems = translation.drift(catalogs, complete)
    assert not problems, "the Korean edition drifted from the English source (`make locale`, " \
        "then translate; README, Korean edition):\n" + "\n".join(problems[:40])


def test_drift_check_sees_a_changed_english_message(catalogs, data):
    """Change one English message of a complete page: it is untranslated and its old
    translation is stale; a fuzzy one is drift too."""
    complete = translation.complete_catalogs(catalogs, data)
    page = next(name for name in complete if catalogs[name].needed)
    catalog = catalogs[page]
    old = catalog.needed[0]
    changed = translation.Catalog(page, [m if m != old else old + " Changed."
                                         for m in catalog.source], dict(catalog.translated), {},
                                  catalog.po)
    problems = translation.drift({page: changed}, complete)
    assert any("untranslated" in p for p in problems)
    assert any("no longer in the source" in p for p in problems)
    fuzzy = translation.Catalog(page, catalog.source, {}, {old: "옛 번역"}, catalog.po)
    assert any("fuzzy" in p for p in translation.drift({page: fuzzy}, []))


def test_glossary_terms_only(catalogs, data):
    problems = translation.term_problems(catalogs, translation.term_rules(data))
    assert not problems, "non-glossary terms in the Korean catalogs:\n" + "\n".join(problems)


def test_term_check_sees_a_variant(data):
    rules = translation.term_rules(data)
    assert rules["feature map"][0] == "특징 맵" and "특성맵" in rules["feature map"][1]
    assert rules["projection shortcut"][0] == "투영 숏컷" and "사영" in rules["projection shortcut"][1]
    bad = translation.Catalog("book/x", ["A feature map."], {"A feature map.": "특성 맵입니다."})
    quoted = translation.Catalog("book/y", ["the slides' 특성맵"], {"the slides' 특성맵": "특성맵"})
    assert translation.term_problems({"x": bad, "y": quoted}, rules) == [
        f"book/x: '특성 맵' for 'feature map': the glossary's term is '특징 맵': '특성 맵입니다.'"]


# --- how Korean each page reads -----------------------------------------------------------

@pytest.mark.parametrize("block, korean", [
    ("배치 정규화(batch normalization)는 각 채널을 정규화합니다.", True),
    ("The slides have four parts and two assignments (과제).", False),
    ("Review(복습): LeNet, AlexNet, VGG", True),
    ("2.ResNet 논문 review", True),
    ("LeNet-5, VGG-16", False)])
def test_korean_paragraph(block, korean):
    assert (translation.english_words(block) + translation.korean_words(block) > 0
            and translation.is_korean(block)) is korean


def test_complete_pages_read_in_korean(built_book, korean_book, korean_teacher_book, catalogs,
                                      data):
    """The issue's bar (>= 90 % Korean prose by paragraph) for the complete pages, the teacher's
    included; the same measure on the English edition stays low, so it tells the two apart."""
    pages = [p for p in translation.complete_catalogs(catalogs, data) if p.startswith("book/")]
    teacher = set(teacher_toc_files())
    assert teacher <= set(pages), "the teacher's pages are not measured"
    shares = {p: translation.korean_share(korean_teacher_book if p in teacher else korean_book, p)
              for p in pages}
    print("\n" + "\n".join(f"{p}: {s.korean}/{s.blocks} = {s.share:.1%} Korean"
                           for p, s in shares.items()))
    low = {p: (f"{s.share:.1%}", s.english_blocks[:3]) for p, s in shares.items()
           if s.share < translation.THRESHOLD}
    assert not low
    assert translation.korean_share(built_book.html, "book/intro").share < 0.5


# --- Colab ------------------------------------------------------------------------------------

def _notebook(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def test_korean_colab_notebooks_are_current(korean_book):
    built = korean_book.parents[1] / "colab" / "ko"
    wanted = {p.relative_to(built).as_posix(): p.read_text("utf-8") for p in built.rglob("*.ipynb")}
    assert sorted(wanted) == sorted(f"{d.removeprefix('book/')}.ipynb" for d in NOTEBOOKS)
    have = {p.relative_to(REPO / "colab" / "ko").as_posix(): p.read_text("utf-8")
            for p in (REPO / "colab" / "ko").rglob("*.ipynb")}
    stale = sorted(p for p in wanted.keys() | have.keys() if wanted.get(p) != have.get(p))
    assert not stale, f"colab/ko/ is stale ({stale}): run `make colab` and commit colab/"


COLAB = [("colab", d.removeprefix("book/")) for d in NOTEBOOKS] + [
    ("colab-teacher", d.removeprefix("book/teacher/")) for d in TEACHER_NOTEBOOKS]


@pytest.mark.parametrize("folder, doc", COLAB, ids=[f"{f}/{d}" for f, d in COLAB])
def test_korean_colab_notebook_is_the_english_one_translated(folder, doc):
    """The same code cells, ids and outputs as colab[-teacher]/<doc>.ipynb (so it runs
    standalone as the English one does), a Korean opening note and Korean form-view titles.
    (colab-teacher/ko/ is kept current by tests/test_colab.py, with the rest of colab-teacher/.)"""
    english, korean = (_notebook(REPO / folder / f"{doc}.ipynb"),
                       _notebook(REPO / folder / "ko" / f"{doc}.ipynb"))

    def code(nb):
        return [(c["id"], "".join(c["source"]).split("\n", 1)[-1] if "".join(
            c["source"]).startswith("#@title") else "".join(c["source"]), c["outputs"])
            for c in nb["cells"] if c["cell_type"] == "code"]
    assert code(korean) == code(english)
    first = "".join(korean["cells"][0]["source"])
    # a student page's note links to its Korean page; a teacher's page is not published
    assert "Colab 버전" in first and ("ko/book/" in first or folder == "colab-teacher"), first[:300]
    titles = [c["source"][0] for c in korean["cells"] if c["cell_type"] == "code"
              and "".join(c["source"]).startswith("#@title")]
    assert titles and all(translation.korean_words(t) for t in titles), titles


@pytest.mark.parametrize("doc", NOTEBOOKS[:3])
def test_korean_colab_button_opens_the_korean_notebook(korean_book, doc):
    page = (korean_book / f"{doc}.html").read_text(encoding="utf-8")
    link = ("https://colab.research.google.com/github/cnncourse/cnncourse/blob/main/colab/ko/"
            f"{doc.removeprefix('book/')}.ipynb")
    assert link in page
