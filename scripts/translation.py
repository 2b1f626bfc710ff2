"""The Korean edition's checks: what is left to translate, what drifted from the English, which
Korean terms are not the glossary's, and how much of each built page reads in Korean.

    .venv/bin/python scripts/translation.py                    # `make translation-status`
    .venv/bin/python scripts/translation.py --html _build/html/ko   # + Korean prose per page
    .venv/bin/python scripts/translation.py --html _build/html/ko --html _build/teacher/html/ko
    .venv/bin/python scripts/translation.py --check            # exit 1 on any problem

The English messages come from the current source (scripts/build_book.py gettext, ~15 s, or
--pot with folders it wrote); the translations from ``locale/<language>/LC_MESSAGES/**/*.po``
and the extensions' ``book/_ext/locales/``. ``locale/<language>/translation.yml`` holds the
data: which catalogs are complete, and the known variants of the glossary's terms.

Definitions (tests/test_i18n.py asserts them):
  * A catalog is a page (``book/intro``), ``config`` (the configured texts: title, search box)
    or an extension's texts (``colab_notebooks``).
  * A message *needs translation* when, without its code, maths, link targets, citations and
    roles' targets, it has an English word and does not read as Korean by the paragraph rule
    below; "[ResNet](resnet.ipynb)" or a Korean sentence of the source does not.
  * *Drift*, for every catalog: a fuzzy message (its English changed since it was translated),
    a translation whose English is gone from the source (``make locale`` not run since), a
    catalog whose page is gone. For a *complete* catalog also: a message that needs
    translation and has none.
  * *A non-glossary term*: a translation that uses a variant of a glossary concept (the
    glossary's own further Korean terms for it, and the variants of translation.yml) instead
    of its preferred term (the first Korean term of its glossary entry), unless the English
    source quotes that variant too (a slide's own word).
  * *Korean prose share* of a built page, by paragraph: the leaf text blocks of its article
    (paragraphs, list items, table cells, headings, captions, definitions), without code and
    its outputs, maths (Sphinx's ``notranslate``), citations, the bibliography's entries and
    the glossary's term lines. A block is prose if it has a Korean word (a run of Hangul) or
    an English word; it is Korean if its Korean words are at least as many as its English
    words. Share = Korean blocks / prose blocks.
  * An English word is a run of Latin letters that is not a name: a name has a capital after
    its first letter (LeNet, VGG, BN) or is one letter other than "a" (x, F, the A of D&A).
"""
from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "book" / "_ext"))
sys.path.insert(0, str(Path(__file__).parent))

from glossary_terms import GLOSSARY, read_glossary  # noqa: E402

LANGUAGE = "ko"
THRESHOLD = 0.9     # the bar: every Korean page >= 90 % Korean prose by paragraph
LOCALES = {REPO / "locale": "page or config", REPO / "book" / "_ext" / "locales": "extension"}
HANGUL_WORD = re.compile("[\uac00-\ud7a3]+")
LATIN_WORD = re.compile("[A-Za-z]+")


# --- words ------------------------------------------------------------------------------------

def is_name(word: str) -> bool:
    return any(c.isupper() for c in word[1:]) or (len(word) == 1 and word != "a")


def korean_words(text: str) -> int:
    return len(HANGUL_WORD.findall(text))


def english_words(text: str) -> int:
    return sum(not is_name(w) for w in LATIN_WORD.findall(text))


MARKUP = [   # (pattern, replacement): MyST source as the reader sees its words
    (re.compile(r"\{(?:cite|cite:[a-z]+|download|doc|eq|glue|glue:[a-z]+)\}`[^`]*`"), " "),
    (re.compile(r"\{[a-z:]+\}`([^`<]*?)\s*<[^`>]*>`"), r"\1"),     # {term}`text <target>`
    (re.compile(r"\{(?:ref|numref|label)\}`[^`]*`"), " "),         # a target only
    (re.compile(r"\{[a-z:]+\}`([^`]*)`"), r"\1"),                  # {term}`text`
    (re.compile(r"(`+)(?:(?!\1).)+\1", re.S), " "),                # code spans
    (re.compile(r"\$\$.*?\$\$|\$[^$]+\$", re.S), " "),             # maths
    (re.compile(r"\]\([^)]*\)"), "]"),                             # link targets
    (re.compile(r"<[^<>]+>"), " "),                                # HTML tags, autolinks
    (re.compile(r"https?://\S+"), " "),
]


def prose(text: str) -> str:
    for pattern, replacement in MARKUP:
        text = pattern.sub(replacement, text)
    return text


def is_korean(text: str) -> bool:
    return korean_words(text) >= max(english_words(text), 1)


def needs_translation(msgid: str) -> bool:
    text = prose(msgid)
    return english_words(text) > 0 and not is_korean(text)


# --- catalogs ---------------------------------------------------------------------------------

@dataclass
class Catalog:
    """One catalog: the current English messages and the translations of its .po."""
    name: str
    source: list[str] = field(default_factory=list)      # msgids of the current source
    translated: dict[str, str] = field(default_factory=dict)   # msgid -> msgstr, not fuzzy
    fuzzy: dict[str, str] = field(default_factory=dict)
    po: Path | None = None

    @property
    def needed(self) -> list[str]:
        return [m for m in self.source if needs_translation(m)]

    @property
    def missing(self) -> list[str]:
        return [m for m in self.needed if m not in self.translated and m not in self.fuzzy]

    @property
    def fuzzy_now(self) -> list[str]:
        return [m for m in self.source if m in self.fuzzy]

    @property
    def stale(self) -> list[str]:
        current = set(self.source)
        return [m for m in self.translated if m not in current]

    @property
    def done(self) -> int:
        return sum(m in self.translated for m in self.needed)


def _read_po(path: Path):
    from babel.messages.pofile import read_po

    with path.open("rb") as stream:
        return read_po(stream)


def read_source(pot_dirs: list[Path]) -> dict[str, list[str]]:
    """{catalog: msgids} of every .pot under the folders, in the source's order."""
    found = {}
    for folder in pot_dirs:
        for pot in sorted(folder.rglob("*.pot")):
            found[pot.relative_to(folder).with_suffix("").as_posix()] = [
                m.id for m in _read_po(pot) if m.id and isinstance(m.id, str)]
    return found


def read_catalogs(source: dict[str, list[str]], language: str = LANGUAGE) -> dict[str, Catalog]:
    catalogs = {name: Catalog(name, list(ids)) for name, ids in source.items()}
    for locale in LOCALES:
        folder = locale / language / "LC_MESSAGES"
        for po in sorted(folder.rglob("*.po")) if folder.is_dir() else []:
            name = po.relative_to(folder).with_suffix("").as_posix()
            catalog = catalogs.setdefault(name, Catalog(name))
            catalog.po = po
            for m in _read_po(po):
                if m.id and isinstance(m.id, str) and m.string:
                    (catalog.fuzzy if m.fuzzy else catalog.translated)[m.id] = m.string
    return catalogs


def extract_source(build: Path) -> dict[str, list[str]]:
    """The current English messages, extracted as `make locale` does (into <build>/_build)."""
    import contextlib
    import io

    import build_book

    log = io.StringIO()
    target = build / "_build"
    try:
        pots = [build_book.extract(target, log), build_book.extract_extensions(target)]
    except build_book.BuildError as error:
        raise RuntimeError(f"{error}\n{log.getvalue()[-5000:]}") from None
    with contextlib.suppress(OSError):
        (target / "gettext.log").write_text(log.getvalue(), encoding="utf-8")
    return read_source(pots)


# --- what is translated, what drifted -------------------------------------------------------

def settings(language: str = LANGUAGE) -> dict:
    path = REPO / "locale" / language / "translation.yml"
    data = yaml.safe_load(path.read_text(encoding="utf-8")) if path.is_file() else None
    if not isinstance(data, dict):
        raise ValueError(f"{path} must hold `complete:` (a list of catalogs, or all) and "
                         "`variants:` ({glossary concept: [Korean variants]})")
    return data


def complete_catalogs(catalogs: dict[str, Catalog], data: dict) -> list[str]:
    """The catalogs translation.yml marks complete; ``all``: every catalog of the source."""
    complete = data.get("complete") or []
    if complete == "all":
        return sorted(name for name, c in catalogs.items() if c.source)
    unknown = [name for name in complete if name not in catalogs or not catalogs[name].source]
    if unknown:
        raise ValueError(f"translation.yml marks complete what the source has no catalog for: "
                         f"{unknown} (known: {sorted(n for n, c in catalogs.items() if c.source)})")
    return list(complete)


def drift(catalogs: dict[str, Catalog], complete: list[str]) -> list[str]:
    """The problems that make the Korean edition differ from the English source."""
    problems = []
    for name, catalog in sorted(catalogs.items()):
        where = catalog.po.relative_to(REPO) if catalog.po else name
        if catalog.po and not catalog.source:
            problems.append(f"{where}: no such page or catalog in the source any more "
                            "(delete it, or move its translations to the page's new name)")
            continue
        for msgid in catalog.fuzzy_now:
            problems.append(f"{where}: fuzzy (its English changed; update the translation "
                            f"and remove the fuzzy flag): {msgid[:80]!r}")
        for msgid in catalog.stale:
            problems.append(f"{where}: translated text whose English is no longer in the "
                            f"source (run `make locale`): {msgid[:80]!r}")
        if name in complete:
            for msgid in catalog.missing:
                problems.append(f"{where}: untranslated: {msgid[:80]!r}")
    return problems


# --- one term per concept ---------------------------------------------------------------------

def term_rules(data: dict, glossary: Path = REPO / GLOSSARY) -> dict[str, tuple[str, list[str]]]:
    """{concept: (preferred Korean term, variants)}; the data is checked against the glossary."""
    concepts = {c.name: c for c in read_glossary(glossary)}
    variants = data.get("variants") or {}
    unknown = sorted(set(variants) - set(concepts))
    if unknown:
        raise ValueError(f"translation.yml lists variants of {unknown}, which are not concepts "
                         f"of {GLOSSARY} (its entries' first terms: {sorted(concepts)})")
    rules = {}
    for name, concept in concepts.items():
        if concept.preferred is None:
            continue
        found = list(dict.fromkeys([*concept.korean[1:], *(variants.get(name) or [])]))
        rules[name] = (concept.preferred, found)
    preferred = {p for p, _v in rules.values()}
    for name, (_p, found) in rules.items():
        clash = [v for v in found if any(v in p for p in preferred)]
        if clash:
            raise ValueError(f"variants of {name!r} that are part of a preferred term: {clash}")
    return rules


def term_problems(catalogs: dict[str, Catalog], rules) -> list[str]:
    """Translations that name a glossary concept with a variant instead of its term."""
    problems = []
    for catalog in catalogs.values():
        where = catalog.po.relative_to(REPO) if catalog.po else catalog.name
        for msgid, msgstr in {**catalog.translated, **catalog.fuzzy}.items():
            text, original = prose(msgstr), msgid
            for name, (preferred, variants) in rules.items():
                for variant in variants:
                    if variant in text and variant not in original:
                        problems.append(f"{where}: {variant!r} for {name!r}: the glossary's "
                                        f"term is {preferred!r}: {msgstr[:70]!r}")
    return problems


# --- Korean prose per page --------------------------------------------------------------------

BLOCKS = {"p", "li", "dt", "dd", "th", "td", "figcaption", "caption", "h1", "h2", "h3", "h4",
          "h5", "h6", "summary"}


def prose_blocks(page_html: str) -> list[str]:
    """The text of the leaf prose blocks of a built page's article (see the definitions)."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(page_html, "html.parser")
    article = soup.find("article")
    if article is None:
        return []
    for output in article.select(".cell_output"):   # the notebook's, shared by the editions
        captions = output.select("figcaption")       # a figure's caption is the page's text
        output.clear()
        for caption in captions:
            output.append(caption)
    drop = [*article.select(".notranslate, .cell_input, script, style, "
                            "a.headerlink"),
            *article.select("dl.glossary > dt, div.citation"),
            *[a for a in article.select("a.reference.internal")
              if a.get("href", "").split("#")[0].endswith("references.html")]]
    for element in drop:
        element.decompose()
    blocks = []
    for element in article.find_all(BLOCKS):
        if element.find(BLOCKS) is None:
            text = " ".join(element.get_text(" ").split())
            if korean_words(text) + english_words(text):
                blocks.append(text)
    return blocks


@dataclass
class Share:
    page: str
    korean: int
    blocks: int
    english_blocks: list[str]

    @property
    def share(self) -> float:
        return self.korean / self.blocks if self.blocks else 1.0


def korean_share(html: Path, page: str) -> Share:
    blocks = prose_blocks((html / f"{page}.html").read_text(encoding="utf-8"))
    english = [b for b in blocks if not is_korean(b)]
    return Share(page, len(blocks) - len(english), len(blocks), english)


# --- the Korean search, measured -------------------------------------------------------------

@dataclass
class SearchResult:
    word: str
    pages: set[str]      # the pages with a word that starts with it (잔차를, 잔차는, 잔차)
    bare: set[str]       # the pages that also write it bare (잔차)
    stemmed: set[str]    # what the Korean search finds (korean_search.SearchKorean)
    plain: set[str]      # what Sphinx's fallback would find (its English search: words as written)


def measure_search(html: Path, words) -> list[SearchResult]:
    """For each Korean word, the pages that have it (with any ending) against the pages each
    search finds. The fallback's lookup is searchtools.js's: the word as written, or, for words
    of three letters or more that no page writes bare, every indexed word that contains it."""
    import json

    from korean_search import SearchKorean

    raw = (html / "searchindex.js").read_text(encoding="utf-8")
    index = json.loads(raw[raw.index("(") + 1:raw.rindex(")")])
    docs = index["docnames"]

    def pages(entry) -> set[str]:
        return {docs[i] for i in ([entry] if isinstance(entry, int) else entry or [])}

    from bs4 import BeautifulSoup

    written: dict[str, set[str]] = {}      # Hangul word as written -> pages
    for doc in docs:
        path = html / f"{doc}.html"
        article = BeautifulSoup(path.read_text("utf-8"), "html.parser").find("article")
        for token in set(re.findall(r"\w+", article.get_text(" ") if article else "")):
            if HANGUL_WORD.search(token):
                written.setdefault(token.lower(), set()).add(doc)
    stemmer, results = SearchKorean({}), []
    for word in words:
        stem = stemmer.stem(word)
        have = set().union(*(p for w, p in written.items() if w.startswith(word)))
        found = pages(index["terms"].get(stem)) | pages(index["titleterms"].get(stem))
        if word in written:
            plain = written[word]
        elif len(word) > 2:
            plain = set().union(*(p for w, p in written.items() if word in w))
        else:
            plain = set()
        results.append(SearchResult(word, have, written.get(word, set()), found, plain))
    return results


def glossary_words() -> list[str]:
    """The Hangul words of the glossary's preferred Korean terms."""
    return sorted({w for c in read_glossary(REPO / GLOSSARY) if c.preferred
                   for w in HANGUL_WORD.findall(c.preferred)})


def search_report(results: list[SearchResult]) -> list[str]:
    lines = [f"Korean search, {len(results)} words of the glossary's terms: pages found / pages "
             "with the word (recall), and found pages without it (false hits)"]
    for what, pages in (("all pages with the word", lambda r: r.pages),
                        ("pages that write it only with an ending", lambda r: r.pages - r.bare)):
        have = sum(len(pages(r)) for r in results)
        cells = []
        for name, found in (("stemmed", lambda r: r.stemmed), ("Sphinx's fallback",
                                                               lambda r: r.plain)):
            hit = sum(len(found(r) & pages(r)) for r in results)
            false = sum(len(found(r) - r.pages) for r in results)
            cells.append(f"{name} {hit}/{have} ({hit / max(have, 1):.0%}), {false} false")
        lines.append(f"  {what}: " + "; ".join(cells))
    return lines


# --- report -----------------------------------------------------------------------------------

def built_page(htmls: list[Path], name: str) -> Path | None:
    """The first of the built Korean editions (students', teacher's) that has the page."""
    return next((html for html in htmls if (html / f"{name}.html").is_file()), None)


def report(catalogs, complete, htmls: list[Path]) -> list[str]:
    lines = [f"{'catalog':45} {'needed':>6} {'done':>5} {'fuzzy':>5} {'left':>5}"
             + ("  Korean prose by paragraph" if htmls else "")]
    for name, c in sorted(catalogs.items()):
        if not c.source:
            continue
        line = (f"{name + (' *' if name in complete else ''):45} {len(c.needed):6} {c.done:5} "
                f"{len(c.fuzzy_now):5} {len(c.missing):5}")
        html = built_page(htmls, name)
        if html:
            s = korean_share(html, name)
            line += f"  {s.korean:4}/{s.blocks:<4} {s.share:6.1%}"
        lines.append(line)
    lines.append("(* complete: locale/ko/translation.yml; fuzzy: English changed since translated)")
    return lines


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pot", type=Path, action="append",
                        help="a folder of .pot catalogs (default: extract them now)")
    parser.add_argument("--html", type=Path, action="append", default=[],
                        help="a built Korean edition (_build/html/ko, _build/teacher/html/ko)")
    parser.add_argument("--check", action="store_true", help="exit 1 on drift or term problems")
    args = parser.parse_args(argv)
    source = read_source(args.pot) if args.pot else extract_source(REPO)
    catalogs = read_catalogs(source)
    data = settings()
    complete = complete_catalogs(catalogs, data)
    print("\n".join(report(catalogs, complete, args.html)))
    for html in args.html:
        print(f"{html}: " + "\n".join(search_report(measure_search(html, glossary_words()))))
    problems = drift(catalogs, complete) + term_problems(catalogs, term_rules(data))
    for name in complete:
        html = built_page(args.html, name)
        share = korean_share(html, name) if html else None
        if share and share.share < THRESHOLD:
            problems.append(f"{name}: {share.share:.1%} Korean prose < {THRESHOLD:.0%}; "
                            f"English blocks: {share.english_blocks[:5]}")
    print("\n".join(problems) if problems else "no drift, no non-glossary term")
    return 1 if problems and args.check else 0


if __name__ == "__main__":
    sys.exit(main())
