"""Write the Colab versions of the book's notebooks: ``colab/<path>.ipynb`` from ``book/<path>.ipynb``.

Colab renders notebooks as plain Jupyter markdown: MyST roles (``{term}``, ``{cite}``, ``{ref}``,
``{numref}``, ``{download}``), ``(label)=`` targets and directives (exercises, solutions,
admonitions, ``{include}``, glue) would show as raw text, every solution would stand in plain
view under its exercise, and relative links would lead nowhere.  The notebooks under ``book/``
stay the one source; this script converts each notebook of ``_toc.yml`` into what Colab opens:

* roles become readable text with links into the published book (glossary, references) or into
  the Colab notebook that holds a target; ``{numref}`` gives the number the HTML book gives;
* exercises get a bold "Exercise N.M" header; every solution is folded into ``<details>``;
  the code cells of a gated solution (``solution-start`` … ``solution-end``) stay runnable but
  are shown in Colab's form view (code hidden) without their stored outputs;
* admonitions become block quotes with a bold title (folded when they are dropdowns),
  ``{include}`` is inlined, glued results are inlined from their stored outputs;
* cells tagged ``remove-cell`` are dropped, assert-only ``remove-input`` checks are dropped,
  other hidden code (figures, set-up, ``hide-input``) is kept in form view, and every figure
  gets a visible "**Fig. N.M.** caption" line under it;
* relative links point to the Colab URL of the generated notebook (``.ipynb``), to the
  published book (``.md`` pages) or to the file on GitHub (anything else).

A construct the converter does not know raises ``ConversionError`` naming the notebook, the
cell and the construct, so that a new MyST feature cannot slip through as raw text.

Usage: ``python scripts/make_colab.py`` (``make colab``) writes ``colab/``;
``--check`` only reports whether ``colab/`` is up to date.  The output is deterministic (cells
keep their ids, nbformat's JSON layout, no timestamps), so regenerating is a no-op when the
sources did not change.
"""
from __future__ import annotations

import argparse
import ast
import copy
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import nbformat
import yaml

REPO = Path(__file__).resolve().parents[1]
SOURCE_DIR = "book"    # the notebooks' folder in the repository (and in the book's page names)
COLAB_DIR = "colab"    # where the Colab versions go, with the same relative paths

# Sphinx admonitions with a fixed title (the generic ``admonition`` takes its title as argument).
ADMONITIONS = {"note", "tip", "hint", "important", "warning", "caution", "attention", "danger",
               "error", "seealso"}
# Cell tags that hide or remove something in the book; any other remove-/hide- tag is an error.
KNOWN_HIDING_TAGS = {"remove-cell", "remove-input", "remove-output", "hide-input", "hide-output",
                     "hide-cell"}


class ConversionError(Exception):
    """A construct the converter cannot turn into plain Jupyter markdown."""


# --- the book: configuration, table of contents, numbers and targets -------------------------

@dataclass
class Target:
    """Something a ``{ref}`` or ``{numref}`` can point at."""
    doc: str               # notebook path relative to book/, without suffix ("assignments/x")
    cell_id: str           # the id of the cell that holds it (Colab scrolls to it)
    title: str | None      # the text a bare {ref} shows (heading text, "Exercise 2.1", ...)
    number: str | None = None   # "Fig. 2.1" / "Exercise 2.1" for {numref}


@dataclass
class Book:
    repo: Path
    repo_url: str
    branch: str
    baseurl: str                      # the published book, ending in "/"
    colab_url: str
    notebooks: dict[str, dict]        # doc ("review", "assignments/resnet_review") -> notebook
    pages: set[str]                   # every toc document, as in the HTML ("book/glossary")
    chapter: dict[str, str]           # doc -> chapter number ("2"), numbered parts only
    glossary: dict[str, str]          # term (case-folded) -> anchor in glossary.html
    bib: dict[str, dict]              # bibtex key -> {"authors": [...], "year": ..., "title": ...}
    title: str = "the book"           # _config.yml's title
    targets: dict[str, Target] = field(default_factory=dict)
    exercises: dict[str, str] = field(default_factory=dict)   # exercise label -> "2.1"

    # URLs ------------------------------------------------------------------------------------
    def colab_link(self, doc: str, cell_id: str | None = None) -> str:
        org_repo = urlsplit(self.repo_url).path.strip("/")
        url = f"{self.colab_url}/github/{org_repo}/blob/{self.branch}/{COLAB_DIR}/{doc}.ipynb"
        return f"{url}#scrollTo={cell_id}" if cell_id else url

    def page_link(self, page: str, anchor: str | None = None) -> str:
        url = f"{self.baseurl}{page}.html"
        return f"{url}#{anchor}" if anchor else url

    def github_link(self, path: str) -> str:
        return f"{self.repo_url}/blob/{self.branch}/{path}"


def _toc_entries(entries) -> list[str]:
    files = []
    for entry in entries or []:
        if "file" in entry:
            files.append(entry["file"])
        files += _toc_entries(entry.get("sections"))
    return files


def _strip_suffix(path: str) -> str:
    return str(Path(path).with_suffix("")) if Path(path).suffix in {".md", ".ipynb"} else path


def load_book(repo: Path = REPO) -> Book:
    config = yaml.safe_load((repo / "_config.yml").read_text(encoding="utf-8"))
    toc = yaml.safe_load((repo / "_toc.yml").read_text(encoding="utf-8"))
    pages = [_strip_suffix(toc["root"])]
    chapter: dict[str, str] = {}
    number = 0   # Jupyter Book continues the numbering from one numbered part to the next
    for part in toc.get("parts") or []:
        for file in _toc_entries(part.get("chapters")):
            pages.append(_strip_suffix(file))
            if part.get("numbered"):
                number += 1
                chapter[_strip_suffix(file)] = str(number)
    pages += [_strip_suffix(f) for f in _toc_entries(toc.get("chapters"))]

    notebooks = {}
    for page in pages:
        path = repo / f"{page}.ipynb"
        if path.exists():
            if not page.startswith(SOURCE_DIR + "/"):
                raise ConversionError(f"{page}: notebooks must live under {SOURCE_DIR}/")
            notebooks[page[len(SOURCE_DIR) + 1:]] = json.loads(path.read_text(encoding="utf-8"))
    chapter = {p[len(SOURCE_DIR) + 1:]: n for p, n in chapter.items()
               if p[len(SOURCE_DIR) + 1:] in notebooks}

    repo_url = config["repository"]["url"].rstrip("/")
    book = Book(
        repo=repo, repo_url=repo_url, branch=config["repository"].get("branch", "main"),
        baseurl=config["html"]["baseurl"].rstrip("/") + "/",
        colab_url=config["launch_buttons"]["colab_url"].rstrip("/"),
        notebooks=notebooks, pages=set(pages), chapter=chapter,
        glossary=_read_glossary(repo / SOURCE_DIR / "glossary.md"),
        bib=_read_bib([repo / f for f in config.get("bibtex_bibfiles", [])]),
        title=config.get("title", "the book"),
    )
    for doc, nb in notebooks.items():
        _index_targets(book, doc, nb)
    return book


def _read_glossary(path: Path) -> dict[str, str]:
    """Map every glossary term to the anchor Sphinx gives its entry.

    An entry lists several terms (English, then Korean); Sphinx derives an ASCII id from each
    term ("term-He-initialization") and falls back to a serial number for Korean ones, so every
    term links to the id of its entry's first term ("term-auxiliary-classifier" for 보조 분류기).
    """
    from sphinx.util.nodes import _make_id as make_id   # Sphinx's own (keeps the case)

    if not path.exists():
        return {}
    text = path.read_text(encoding="utf-8")
    match = re.search(r"^```\{glossary\}[^\n]*\n(.*?)^```", text, flags=re.S | re.M)
    if not match:
        return {}
    terms: dict[str, str] = {}
    entry: list[str] = []
    for line in match.group(1).splitlines() + [""]:
        if line.strip() and not line.startswith((" ", "\t")):
            entry.append(line.strip())
            continue
        if entry:
            ids = [make_id(f"term-{t}") for t in entry]
            anchor = next((i for i in ids if i != "term"), "")
            for term in entry:
                terms[term.casefold()] = anchor
            entry = []
    return terms


def _read_bib(paths: list[Path]) -> dict[str, dict]:
    from pybtex.database import parse_file
    from pybtex.richtext import Text

    def plain(latex: str) -> str:
        return Text.from_latex(latex).render_as("text")

    entries = {}
    for path in paths:
        for key, entry in parse_file(str(path)).entries.items():
            persons = entry.persons.get("author") or entry.persons.get("editor") or []
            entries[key] = {
                "authors": [plain(" ".join(p.prelast_names + p.last_names)) for p in persons],
                "year": entry.fields.get("year", "n.d."),
                "title": plain(entry.fields.get("title", "")),
            }
    return entries


# --- parsing MyST blocks ---------------------------------------------------------------------

DIRECTIVE_OPEN = re.compile(
    r"^(?P<indent>[ ]{0,3})(?P<fence>`{3,}|:{3,})\{(?P<name>[^}\s]+)\}[ \t]*(?P<arg>.*?)\s*$")
CODE_FENCE = re.compile(r"^(?P<indent>[ ]{0,3})(?P<fence>`{3,}|~{3,})(?P<info>[^`]*)$")
LABEL_LINE = re.compile(r"^\((?P<label>[^()\s]+)\)=\s*$")
OPTION = re.compile(r"^:(?P<key>[\w-]+):[ \t]*(?P<value>.*?)\s*$")
HEADING = re.compile(r"^(?P<hashes>#{1,6})\s+(?P<text>.*?)\s*#*\s*$")


@dataclass
class Directive:
    name: str
    arg: str
    options: dict[str, str]
    body: str


def _close_index(lines: list[str], start: int, fence: str) -> int:
    """The index of the line that closes ``fence`` (opened on the line before ``start``)."""
    char, n = fence[0], len(fence)
    close = re.compile(r"^[ ]{0,3}" + re.escape(char) + "{" + str(n) + r",}\s*$")
    i = start
    while i < len(lines):
        if close.match(lines[i]):
            return i
        code = CODE_FENCE.match(lines[i]) if char == ":" else None
        if code and not DIRECTIVE_OPEN.match(lines[i]):
            # a code block inside a colon directive: its lines are literal, skip to its end
            i = _close_index(lines, i + 1, code.group("fence")) + 1
            continue
        i += 1
    raise ConversionError(f"unclosed fence {fence!r}")


def split_blocks(text: str) -> list[str | Directive]:
    """Split markdown into text chunks and directives (with their options and raw body)."""
    lines = text.split("\n")
    parts: list[str | Directive] = []
    chunk: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        directive = DIRECTIVE_OPEN.match(line)
        code = CODE_FENCE.match(line)
        if directive:
            end = _close_index(lines, i + 1, directive.group("fence"))
            body = [ln[len(directive.group("indent")):] for ln in lines[i + 1:end]]
            options = {}
            while body and (opt := OPTION.match(body[0])):
                options[opt.group("key")] = opt.group("value")
                body.pop(0)
            if body and body[0].strip() == "---":
                raise ConversionError(f"{{{directive.group('name')}}}: YAML options block")
            if chunk:
                parts.append("\n".join(chunk))
                chunk = []
            parts.append(Directive(directive.group("name"), directive.group("arg"), options,
                                   "\n".join(body).strip("\n")))
            i = end + 1
        elif code:
            end = _close_index(lines, i + 1, code.group("fence"))
            chunk += lines[i:end + 1]
            i = end + 1
        else:
            chunk.append(line)
            i += 1
    if chunk:
        parts.append("\n".join(chunk))
    return parts


def _text_outside_code(text: str) -> list[tuple[bool, str]]:
    """Split a text chunk into (is_code_block, text) pieces, so that code stays literal."""
    pieces: list[tuple[bool, str]] = []
    lines = text.split("\n")
    buf: list[str] = []
    i = 0
    while i < len(lines):
        code = CODE_FENCE.match(lines[i])
        if code:
            if buf:
                pieces.append((False, "\n".join(buf)))
                buf = []
            end = _close_index(lines, i + 1, code.group("fence"))
            pieces.append((True, "\n".join(lines[i:end + 1])))
            i = end + 1
        else:
            buf.append(lines[i])
            i += 1
    if buf:
        pieces.append((False, "\n".join(buf)))
    return pieces


# --- indexing: labels, exercises and figures, numbered as the HTML book numbers them ---------

def _heading_text(markdown: str) -> str:
    """A heading's text as Sphinx shows it in a reference (markup stripped)."""
    text = re.sub(r"\{[\w:-]+\}`([^`<]*?)(?:\s*<[^>]*>)?`", r"\1", markdown)
    return re.sub(r"[*_`]", "", text).strip()


def _index_targets(book: Book, doc: str, nb: dict) -> None:
    chapter = book.chapter.get(doc)
    prefix = f"{chapter}." if chapter else ""
    figures = exercises = 0
    cells = nb["cells"]

    def add(label: str, target: Target) -> None:
        if label in book.targets:
            raise ConversionError(f"{doc}: label {label!r} is defined twice")
        book.targets[label] = target

    for index, cell in enumerate(cells):
        source = "".join(cell["source"])
        if cell["cell_type"] == "code":
            figure = cell.get("metadata", {}).get("mystnb", {}).get("figure")
            if figure:
                figures += 1
                if figure.get("name"):
                    number = f"Fig. {prefix}{figures}"
                    add(figure["name"], Target(doc, cell["id"], number, number))
            continue
        if cell["cell_type"] != "markdown":
            continue
        lines = source.split("\n")
        for n, line in enumerate(lines):
            label = LABEL_LINE.match(line)
            if label:
                rest = [ln for ln in lines[n + 1:] if ln.strip()]
                cell_id = cell["id"]
                if not rest and index + 1 < len(cells):   # the label ends the cell: next cell
                    cell_id = cells[index + 1]["id"]
                    rest = [ln for ln in "".join(cells[index + 1]["source"]).split("\n")
                            if ln.strip()]
                heading = HEADING.match(rest[0]) if rest else None
                add(label.group("label"),
                    Target(doc, cell_id, _heading_text(heading.group("text")) if heading else None))
                continue
            directive = DIRECTIVE_OPEN.match(line)
            if not directive:
                continue
            name = directive.group("name")
            options = {}
            for opt_line in lines[n + 1:]:
                opt = OPTION.match(opt_line)
                if not opt:
                    break
                options[opt.group("key")] = opt.group("value")
            if name == "exercise":
                exercises += 1
                number = f"{prefix}{exercises}"
                if options.get("label"):
                    book.exercises[options["label"]] = number
                    add(options["label"], Target(doc, cell["id"], f"Exercise {number}",
                                                 f"Exercise {number}"))
            elif name in {"glue:figure", "figure"}:
                figures += 1
                if options.get("name"):
                    number = f"Fig. {prefix}{figures}"
                    add(options["name"], Target(doc, cell["id"], number, number))
            elif options.get("name") or options.get("label"):
                add(options.get("name") or options["label"],
                    Target(doc, cell["id"], directive.group("arg") or None))


# --- converting markdown ---------------------------------------------------------------------

TOKEN = re.compile(r"\{(?P<role>[A-Za-z][\w:+-]*)\}`(?P<content>[^`]+)`"
                   r"|(?P<code>(?P<ticks>`+)(?!`).+?(?<!`)(?P=ticks)(?!`))", flags=re.S)
LINK = re.compile(r"(?P<bang>!?)\[(?P<text>(?:[^\[\]]|\[[^\[\]]*\])*)\]\((?P<url>[^)\s]+)(?P<title>\s+\"[^\"]*\")?\)")
TEXT_TARGET = re.compile(r"^(?P<text>.*?)\s*<(?P<target>[^<>]+)>$", flags=re.S)


@dataclass
class Context:
    """What the conversion of one notebook needs to know while it walks the cells."""
    book: Book
    doc: str
    cell: str = ""                       # the id of the cell being converted (for errors)
    solution: str | None = None          # the open gated solution's exercise label
    solution_parts: dict[str, int] = field(default_factory=dict)

    def error(self, what: str) -> ConversionError:
        return ConversionError(f"{SOURCE_DIR}/{self.doc}.ipynb, cell {self.cell}: {what}")

    @property
    def folder(self) -> Path:
        """The notebook's folder relative to the repository (book/ or book/assignments/)."""
        return Path(SOURCE_DIR, self.doc).parent


def _split_text_target(content: str) -> tuple[str | None, str]:
    match = TEXT_TARGET.match(content.strip())
    if match:
        return match.group("text").strip(), match.group("target").strip()
    return None, content.strip()


def _target_link(ctx: Context, target: Target) -> str:
    if target.doc == ctx.doc:
        return f"#scrollTo={target.cell_id}"
    return ctx.book.colab_link(target.doc, target.cell_id)


def role_term(ctx: Context, content: str) -> str:
    """{term}`X` / {term}`text <X>`: the text, linked to the term's entry in the glossary."""
    text, term = _split_text_target(content)
    anchor = ctx.book.glossary.get(term.casefold())
    if anchor is None:
        raise ctx.error(f"{{term}}`{content}`: no such glossary term")
    return f"[{text or term}]({ctx.book.page_link(f'{SOURCE_DIR}/glossary', anchor)})"


def _cite_label(ctx: Context, key: str) -> tuple[tuple, str, str]:
    entry = ctx.book.bib.get(key)
    if entry is None:
        raise ctx.error(f"{{cite}}`{key}`: no such key in the bibliography")
    authors = entry["authors"]
    if len(authors) == 1:
        names = authors[0]
    elif len(authors) == 2:
        names = f"{authors[0]} and {authors[1]}"
    else:
        names = f"{authors[0]} et al."
    # sphinxcontrib-bibtex lists the keys of one citation in the bibliography's order
    # (author, year, title), so "[Krizhevsky et al., 2012, LeCun et al., 1998]"
    sort_key = (authors[0].casefold() if authors else "", entry["year"], entry["title"].casefold())
    return sort_key, names, entry["year"]


def role_cite(ctx: Context, content: str, variant: str = "p") -> str:
    """{cite}`a,b` as the book's author_year style shows it: [Author et al., 2015, ...].

    {cite:t} gives the textual form "Author et al. [2015]".  Each citation links to the book's
    references page.
    """
    labels = sorted(_cite_label(ctx, key.strip()) for key in content.split(",") if key.strip())
    references = ctx.book.page_link(f"{SOURCE_DIR}/references")
    if variant == "t":
        return ", ".join(f"[{names} \\[{year}\\]]({references})" for _, names, year in labels)
    inner = ", ".join(f"{names}, {year}" for _, names, year in labels)
    return f"\\[[{inner}]({references})\\]"


def role_ref(ctx: Context, content: str) -> str:
    """{ref}`label` / {ref}`text <label>`: the text (or the target's title), linked to the cell."""
    text, label = _split_text_target(content)
    target = ctx.book.targets.get(label)
    if target is None:
        raise ctx.error(f"{{ref}}`{content}`: no such label in the book's notebooks")
    text = text or target.title
    if not text:
        raise ctx.error(f"{{ref}}`{content}`: the target has no title; give the link a text")
    return f"[{text}]({_target_link(ctx, target)})"


def role_numref(ctx: Context, content: str) -> str:
    """{numref}`fig-x` → "Fig. 2.1" (the HTML book's number), linked to the figure's cell."""
    text, label = _split_text_target(content)
    target = ctx.book.targets.get(label)
    if target is None or target.number is None:
        raise ctx.error(f"{{numref}}`{content}`: no numbered figure or exercise with that label")
    number = target.number.split(" ", 1)[1]
    shown = (text.replace("%s", number).replace("{number}", number) if text else target.number)
    return f"[{shown}]({_target_link(ctx, target)})"


def role_download(ctx: Context, content: str) -> str:
    """{download}`text <file>`: a link to the file on GitHub (Colab has no copy of it)."""
    text, path = _split_text_target(content)
    repo_path = _normpath((ctx.folder / path).as_posix())
    if not (ctx.book.repo / repo_path).exists():
        raise ctx.error(f"{{download}}`{content}`: {repo_path} does not exist")
    return f"[{text or Path(path).name}]({ctx.book.github_link(repo_path)})"


def role_doc(ctx: Context, content: str) -> str:
    text, path = _split_text_target(content)
    return _rewrite_url(ctx, path, text or path, f"{{doc}}`{content}`")


def role_math(ctx: Context, content: str) -> str:
    return f"${content}$"


ROLES = {
    "term": role_term,
    "cite": role_cite, "cite:p": role_cite, "cite:ps": role_cite,
    "cite:t": lambda ctx, c: role_cite(ctx, c, "t"), "cite:ts": lambda ctx, c: role_cite(ctx, c, "t"),
    "ref": role_ref, "numref": role_numref, "download": role_download, "doc": role_doc,
    "math": role_math,
}


def convert_role(ctx: Context, match: re.Match) -> str:
    handler = ROLES.get(match.group("role"))
    if handler is None:
        raise ctx.error(f"unknown role {{{match.group('role')}}}`{match.group('content')}`")
    return handler(ctx, match.group("content"))


def _rewrite_url(ctx: Context, url: str, text: str, what: str) -> str:
    """A relative link as a link that works from Colab (see the module docstring)."""
    target = _resolve_url(ctx, url, what)
    return f"[{text}]({target})"


def _resolve_url(ctx: Context, url: str, what: str) -> str:
    parts = urlsplit(url)
    if parts.scheme or url.startswith("//") or url.startswith("#scrollTo="):
        return url
    if not parts.path:                       # "#label": a MyST target in this notebook
        target = ctx.book.targets.get(parts.fragment)
        if target is None:
            raise ctx.error(f"{what}: no such label {parts.fragment!r}")
        return _target_link(ctx, target)
    norm = Path(_normpath((ctx.folder / parts.path).as_posix()))   # "book/assignments/../x"
    page = _strip_suffix(norm.as_posix())
    fragment = parts.fragment
    if norm.suffix == ".ipynb" and page.startswith(SOURCE_DIR + "/"):
        doc = page[len(SOURCE_DIR) + 1:]
        if doc not in ctx.book.notebooks:
            raise ctx.error(f"{what}: {norm} is not a notebook of the book")
        cell = None
        if fragment:
            target = ctx.book.targets.get(fragment)
            if target is None or target.doc != doc:
                raise ctx.error(f"{what}: no label {fragment!r} in {norm}")
            cell = target.cell_id
        return ctx.book.colab_link(doc, cell)
    if norm.suffix == ".md" and page in ctx.book.pages:
        return ctx.book.page_link(page, fragment or None)
    if not (ctx.book.repo / norm).exists():
        raise ctx.error(f"{what}: {norm} does not exist")
    return ctx.book.github_link(norm.as_posix()) + (f"#{fragment}" if fragment else "")


def _normpath(path: str) -> str:
    out: list[str] = []
    for part in path.split("/"):
        if part == "..":
            if not out:
                raise ConversionError(f"{path} leaves the repository")
            out.pop()
        elif part not in ("", "."):
            out.append(part)
    return "/".join(out)


def convert_links(ctx: Context, text: str) -> str:
    def replace(match: re.Match) -> str:
        url = match.group("url")
        if match.group("bang"):                      # an image: relative → raw file on GitHub
            parts = urlsplit(url)
            if parts.scheme or url.startswith("data:"):
                return match.group(0)
            path = _normpath((ctx.folder / url).as_posix())
            if not (ctx.book.repo / path).exists():
                raise ctx.error(f"image {url} does not exist")
            return f"![{match.group('text')}]({ctx.book.github_link(path)}?raw=true)"
        return _rewrite_url(ctx, url, match.group("text"), f"link ({url})")
    return LINK.sub(replace, text)


def convert_inline(ctx: Context, text: str) -> str:
    """Roles and links in running text; code blocks and `code spans` stay as they are."""
    out = []
    for is_code, piece in _text_outside_code(text):
        if is_code:
            out.append(piece)
            continue
        # `code spans` are literal in MyST too: scanning roles and code spans left to right
        # (one pattern) keeps a role's backticks from being taken for a code span's
        spans: list[str] = []

        def token(match: re.Match) -> str:
            if match.group("code"):
                spans.append(match.group("code"))
                return f"\x00{len(spans) - 1}\x00"
            return convert_role(ctx, match)
        piece = TOKEN.sub(token, piece)
        piece = convert_links(ctx, piece)
        piece = re.sub(r"\x00(\d+)\x00", lambda m: spans[int(m.group(1))], piece)
        out.append(piece)
    return "\n".join(out)


def remove_labels(text: str) -> str:
    """Drop the lines MyST does not show: ``(label)=`` targets (in Colab a link scrolls to the
    cell instead), ``% comments`` and ``+++`` block breaks."""
    out = []
    for is_code, piece in _text_outside_code(text):
        if not is_code:
            piece = "\n".join(line for line in piece.split("\n")
                              if not (LABEL_LINE.match(line) or line.startswith("%")
                                      or line.rstrip() == "+++"))
        out.append(piece)
    return "\n".join(out)


def check_plain(ctx: Context, text: str) -> None:
    """MyST syntax this converter does not translate must not reach Colab as raw text."""
    for is_code, piece in _text_outside_code(text):
        if is_code:
            continue
        piece = re.sub(r"(`+)(?!`).+?(?<!`)\1(?!`)", "", piece, flags=re.S)   # code spans
        if "{{" in piece:
            raise ctx.error("a {{ substitution }} (not converted)")
        if re.search(r"^:[ \t]", piece, flags=re.M):
            raise ctx.error("a definition list (': definition' line, not converted)")
        if (m := re.search(r"^[ ]{0,3}:{3,}.*$", piece, flags=re.M)):
            raise ctx.error(f"a stray colon fence {m.group(0)!r}")


def _quote(text: str) -> str:
    return "\n".join(f"> {line}" if line.strip() else ">" for line in text.split("\n"))


def _details(summary: str, body: str) -> str:
    # a blank line after </summary> lets Jupyter and Colab render the body as markdown
    return f"<details>\n<summary><b>{summary}</b></summary>\n\n{body.strip()}\n\n</details>"


def directive_admonition(ctx: Context, d: Directive) -> str:
    """Admonitions: a block quote with a bold title; dropdown ones are folded instead."""
    title = d.arg if d.name == "admonition" else d.name.capitalize()
    if d.name == "seealso":
        title = "See also"
    if d.name == "admonition" and not title:
        raise ctx.error("{admonition} without a title")
    body = convert_markdown_text(ctx, d.body, nested=True)
    _check_options(ctx, d, {"class", "name"})
    if "dropdown" in d.options.get("class", "").split():
        return _details(convert_inline(ctx, title), body)
    return _quote(f"**{convert_inline(ctx, title)}**\n\n{body}")


def directive_dropdown(ctx: Context, d: Directive) -> str:
    _check_options(ctx, d, {"class", "name", "open", "icon", "color"})
    return _details(convert_inline(ctx, d.arg or "Details"),
                    convert_markdown_text(ctx, d.body, nested=True))


def directive_exercise(ctx: Context, d: Directive) -> str:
    """An exercise: a bold "Exercise N.M" header (the HTML book's number) above its text."""
    _check_options(ctx, d, {"label", "class", "nonumber", "hidden"})
    label = d.options.get("label")
    number = ctx.book.exercises.get(label) if label else None
    header = f"**Exercise {number}**" if number else "**Exercise**"
    if d.arg:
        header += f" ({convert_inline(ctx, d.arg)})"
    return f"{header}\n\n{convert_markdown_text(ctx, d.body, nested=True)}"


def _solution_summary(ctx: Context, label: str) -> str:
    number = ctx.book.exercises.get(label)
    if number is None:
        raise ctx.error(f"solution for unknown exercise {label!r}")
    return f"Solution to Exercise {number}"


def directive_solution(ctx: Context, d: Directive) -> str:
    """A solution is always folded: no solution stands in plain view under its exercise."""
    _check_options(ctx, d, {"class", "label", "hidden"})
    return _details(_solution_summary(ctx, d.arg.strip()),
                    convert_markdown_text(ctx, d.body, nested=True))


def directive_include(ctx: Context, d: Directive) -> str:
    """{include} file: the file's text inlined (honouring :start-line: / :end-line:)."""
    _check_options(ctx, d, {"start-line", "end-line"})
    path = ctx.book.repo / ctx.folder / d.arg.strip()
    if not path.exists():
        raise ctx.error(f"{{include}} {d.arg}: no such file")
    lines = path.read_text(encoding="utf-8").split("\n")
    start = int(d.options.get("start-line", 0))
    end = int(d.options["end-line"]) if "end-line" in d.options else None
    return convert_markdown_text(ctx, "\n".join(lines[start:end]).strip("\n"), nested=True)


def _glue_output(ctx: Context, key: str) -> dict:
    """The stored output a ``glue(key, ...)`` call left in its (usually removed) cell."""
    for cell in ctx.book.notebooks[ctx.doc]["cells"]:
        for output in cell.get("outputs", []):
            if output.get("metadata", {}).get("scrapbook", {}).get("name") == key:
                prefix = output["metadata"]["scrapbook"].get("mime_prefix", "")
                return {mime[len(prefix):]: value for mime, value in output["data"].items()}
    raise ctx.error(f"no glued output {key!r} (has the notebook been executed?)")


def directive_glue_md(ctx: Context, d: Directive) -> str:
    _check_options(ctx, d, {"format"})
    data = _glue_output(ctx, d.arg.strip())
    text = data.get("text/markdown")
    if text is None:
        raise ctx.error(f"{{glue:md}} {d.arg}: the glued value is not markdown")
    return convert_markdown_text(ctx, "".join(text), nested=True)


def directive_glue_figure(ctx: Context, d: Directive) -> str:
    """A glued figure: the stored image inline (Colab shows data: URIs, not attachments)."""
    _check_options(ctx, d, {"name", "figwidth", "align", "alt"})
    data = _glue_output(ctx, d.arg.strip())
    png = data.get("image/png")
    if png is None:
        raise ctx.error(f"{{glue:figure}} {d.arg}: the glued value is not a PNG image")
    png = "".join(png).replace("\n", "")
    name = d.options.get("name")
    number = ctx.book.targets[name].number if name else None
    image = f"![{number or 'figure'}](data:image/png;base64,{png})"
    return image + "\n\n" + _caption(ctx, number, d.body)


def directive_figure(ctx: Context, d: Directive) -> str:
    _check_options(ctx, d, {"name", "width", "height", "scale", "align", "alt", "figwidth",
                            "class"})
    name = d.options.get("name")
    number = ctx.book.targets[name].number if name else None
    image = convert_links(ctx, f"![{d.options.get('alt', number or 'figure')}]({d.arg.strip()})")
    return image + "\n\n" + _caption(ctx, number, d.body)


def _caption(ctx: Context, number: str | None, caption: str) -> str:
    caption = convert_inline(ctx, " ".join(caption.split()))
    return f"**{number}.** {caption}" if number else f"*{caption}*"


def directive_math(ctx: Context, d: Directive) -> str:
    _check_options(ctx, d, {"label", "name", "nowrap", "class"})
    return f"$$\n{d.body.strip()}\n$$"


def directive_code(ctx: Context, d: Directive) -> str:
    _check_options(ctx, d, {"linenos", "emphasize-lines", "caption", "name", "class", "dedent",
                            "lineno-start"})
    return f"```{d.arg.strip()}\n{d.body}\n```"


def _check_options(ctx: Context, d: Directive, allowed: set[str]) -> None:
    unknown = set(d.options) - allowed
    if unknown:
        raise ctx.error(f"{{{d.name}}}: option(s) {sorted(unknown)} are not converted")


DIRECTIVES = {
    **{name: directive_admonition for name in ADMONITIONS | {"admonition"}},
    "dropdown": directive_dropdown,
    "exercise": directive_exercise,
    "solution": directive_solution,
    "include": directive_include,
    "glue:md": directive_glue_md,
    "glue:figure": directive_glue_figure,
    "figure": directive_figure,
    "math": directive_math,
    "code-block": directive_code, "code": directive_code, "sourcecode": directive_code,
}


def convert_markdown_text(ctx: Context, text: str, nested: bool = False) -> str:
    """Markdown with MyST → plain Jupyter markdown (directives must not open a solution here)."""
    segments = convert_markdown(ctx, text, nested=nested)
    if any(label is not None for label, _ in segments):
        raise ctx.error("solution-start/solution-end inside another directive")
    return "\n\n".join(s for _, s in segments if s.strip())


def convert_markdown(ctx: Context, text: str, nested: bool = False) -> list[tuple[str | None, str]]:
    """Convert one markdown cell: a list of (open gated solution's label or None, markdown).

    ``solution-start`` / ``solution-end`` open and close a solution that can span several
    cells (markdown and code); ``ctx.solution`` carries the state from cell to cell.
    """
    segments: list[tuple[str | None, str]] = []

    def emit(markdown: str) -> None:
        if markdown.strip():
            segments.append((ctx.solution, markdown.strip("\n")))

    for part in split_blocks(text):
        if isinstance(part, str):
            part = remove_labels(part)
            check_plain(ctx, part)
            emit(convert_inline(ctx, part))
        elif part.name == "solution-start":
            _check_options(ctx, part, {"class", "label", "hidden"})
            if nested or ctx.solution is not None:
                raise ctx.error("solution-start inside another solution or directive")
            ctx.solution = part.arg.strip()
            _solution_summary(ctx, ctx.solution)         # the exercise must exist
            if part.body.strip():
                emit(convert_markdown_text(ctx, part.body, nested=True))
        elif part.name == "solution-end":
            if nested or ctx.solution is None:
                raise ctx.error("solution-end without solution-start")
            ctx.solution = None
        elif part.name in DIRECTIVES:
            emit(DIRECTIVES[part.name](ctx, part))
        else:
            raise ctx.error(f"unknown directive {{{part.name}}} {part.arg}".rstrip())
    return segments


# --- converting code cells -------------------------------------------------------------------

def _only_asserts(source: str) -> bool:
    """A check cell: nothing but ``assert`` statements (it defines nothing later cells use)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return False
    return bool(tree.body) and all(isinstance(node, ast.Assert) for node in tree.body)


def _bound_names(source: str) -> set[str]:
    """The names a cell defines for the cells after it: what its top-level statements assign,
    import, def or class. A ``for`` loop's variable and the locals of functions and
    comprehensions are not definitions a later cell relies on (``for r in rows`` would otherwise
    make every later ``r`` look like a use)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    names: set[str] = set()

    def targets(node) -> None:
        for sub in ast.walk(node):
            if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Store):
                names.add(sub.id)

    def visit(statements) -> None:
        for node in statements:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names.add(node.name)
            elif isinstance(node, (ast.Import, ast.ImportFrom)):
                names.update((a.asname or a.name).split(".")[0] for a in node.names)
            elif isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
                for target in getattr(node, "targets", None) or [node.target]:
                    targets(target)
            elif isinstance(node, (ast.With, ast.AsyncWith)):
                for item in node.items:
                    if item.optional_vars is not None:
                        targets(item.optional_vars)
                visit(node.body)
            elif isinstance(node, (ast.For, ast.AsyncFor, ast.While, ast.If)):
                visit(node.body)        # the loop variable itself is left out
                visit(node.orelse)
            elif isinstance(node, ast.Try):
                for block in (node.body, node.orelse, node.finalbody,
                              *(h.body for h in node.handlers)):
                    visit(block)
            elif isinstance(node, ast.Expr) and isinstance(node.value, ast.NamedExpr):
                targets(node.value.target)

    visit(tree.body)
    return names


def _used_later(ctx: Context, names: set[str]) -> set[str]:
    """Those of ``names`` that a later code cell of the notebook mentions."""
    cells = ctx.book.notebooks[ctx.doc]["cells"]
    index = next(i for i, c in enumerate(cells) if c["id"] == ctx.cell)
    later = "\n".join("".join(c["source"]) for c in cells[index + 1:] if c["cell_type"] == "code")
    words = set(re.findall(r"[A-Za-z_]\w*", later))
    return names & words


# The book's glue() (myst_nb) puts a cell's results into the text; the Colab version has them
# inlined already, and Colab has no myst_nb, so a kept set-up cell gets a glue() that does nothing.
GLUE_IMPORT = re.compile(r"^from myst_nb import glue[ \t]*$", flags=re.M)
GLUE_STUB = "glue = lambda *args, **kwargs: None  # the book's myst_nb.glue, not on Colab"


def _form_view(cell: dict, title: str) -> dict:
    """Colab's form view: the cell shows its title and a run button, the code is folded.

    ``cellView: form`` is Colab's switch, ``#@title`` the title it shows;
    ``jupyter.source_hidden`` folds the code in JupyterLab too.
    """
    cell = copy.deepcopy(cell)
    source = "".join(cell["source"])
    cell["source"] = f"#@title {title}\n{source}"
    cell["metadata"]["cellView"] = "form"
    cell["metadata"]["jupyter"] = {"source_hidden": True}
    return cell


def _strip_outputs(cell: dict) -> dict:
    cell = copy.deepcopy(cell)
    cell["outputs"] = []
    cell["execution_count"] = None
    return cell


def convert_code_cell(ctx: Context, cell: dict) -> list[dict]:
    """One code cell → zero, one or two cells (a figure gets a caption cell under it)."""
    tags = set(cell["metadata"].get("tags", []))
    for tag in tags:
        if tag.startswith(("remove", "hide")) and tag not in KNOWN_HIDING_TAGS:
            raise ctx.error(f"unknown cell tag {tag!r}")
    if "remove-cell" in tags:
        # dropped, unless a later cell needs what it defines: then it runs, folded
        needed = _used_later(ctx, _bound_names("".join(cell["source"])) - {"glue"})
        if not needed:
            return []
        cell = _strip_outputs(cell)
        cell["source"] = GLUE_IMPORT.sub(GLUE_STUB, "".join(cell["source"]))
        return [_form_view(cell, "Set-up hidden in the book (double-click to show the code)")]
    source = "".join(cell["source"])
    figure = cell["metadata"].get("mystnb", {}).get("figure")
    number = ctx.book.targets[figure["name"]].number if figure and figure.get("name") else None
    if ctx.solution is not None:
        if "remove-input" in tags and _only_asserts(source):
            return []
        ctx.solution_parts[ctx.solution] = ctx.solution_parts.get(ctx.solution, 0) + 1
        summary = _solution_summary(ctx, ctx.solution)
        return [_strip_outputs(_form_view(
            cell, f"{summary}: run it to see the answer; double-click to show the code"))]
    named = [label for label in ctx.book.exercises
             if re.search(rf"(?<![\w-]){re.escape(label)}(?![\w-])", source)]
    if named:
        # a cell that computes exercises' answers outside a gated solution (its code names
        # them): its output is the answers, so it is folded and runs on demand like a solution
        numbers = ", ".join(ctx.book.exercises[label] for label in named)
        which = f"Solutions to Exercises {numbers}" if len(named) > 1 else f"Solution to Exercise {numbers}"
        return [_strip_outputs(_form_view(
            cell, f"{which}: run it to see the answers; double-click to show the code"))]
    if "remove-input" in tags and not figure and _only_asserts(source) and not cell["outputs"]:
        return []      # the book's own assert-only checks: `pytest --nbval book` runs them
    if "remove-output" in tags or "hide-output" in tags:
        cell = _strip_outputs(cell)
    if "hide-cell" in tags:
        cell = _form_view(_strip_outputs(cell),
                          "Hidden in the book: run it to see the output; double-click to show the code")
    elif "remove-input" in tags or "hide-input" in tags:
        if figure:
            title = f"Code that draws {number or 'the figure'} (double-click to show it)"
        elif "remove-input" in tags and cell["outputs"]:
            title = "Code of the output below, hidden in the book (double-click to show it)"
        elif "remove-input" in tags:
            title = "Checks and set-up, hidden in the book (double-click to show the code)"
        else:
            title = "Code (double-click to show it)"
        cell = _form_view(cell, title)
    cells = [cell]
    if figure:
        cells.append(nbformat.v4.new_markdown_cell(
            _caption(ctx, number, figure.get("caption", "")), id=f"{cell['id']}-caption"))
    return cells


# --- converting a notebook -------------------------------------------------------------------

def _clean(cell: dict) -> dict:
    """Keep what Colab and Jupyter use; drop execution timestamps and MyST-NB metadata."""
    cell = copy.deepcopy(cell)
    metadata = {k: v for k, v in cell.get("metadata", {}).items()
                if k not in {"execution", "mystnb", "tags"}}
    tags = [t for t in cell.get("metadata", {}).get("tags", []) if t not in KNOWN_HIDING_TAGS]
    if tags:
        metadata["tags"] = tags
    metadata["id"] = cell["id"]   # Colab's #scrollTo=<id> links find cells by metadata.id
    cell["metadata"] = metadata
    return cell


def _title_note(book: Book, doc: str) -> str:
    page = book.page_link(f"{SOURCE_DIR}/{doc}")
    chapter = book.chapter.get(doc)
    where = f"chapter {chapter}" if chapter else "a page"
    return (f"> This is the Colab version of {where} of the book "
            f"[{book.title}]({page}) (generated from `{SOURCE_DIR}/{doc}.ipynb`). "
            "Solutions are folded: try an exercise before you open its solution. Solution code "
            "cells show only their title; run them like any other cell.")


def convert_notebook(book: Book, doc: str) -> dict:
    source = book.notebooks[doc]
    ctx = Context(book, doc)
    cells: list[dict] = []
    titled = False
    for cell in source["cells"]:
        ctx.cell = cell["id"]
        if cell["cell_type"] == "markdown":
            text = _assemble_cell(ctx, convert_markdown(ctx, "".join(cell["source"])))
            if not text.strip():
                continue
            if not titled:
                text = _number_title(book, doc, text)
                titled = True
            new = _clean(cell)
            new["source"] = text
            cells.append(new)
        elif cell["cell_type"] == "code":
            cells += [_clean(c) for c in convert_code_cell(ctx, cell)]
        else:
            cells.append(_clean(cell))
    if ctx.solution is not None:
        raise ctx.error(f"solution-start {ctx.solution} is never closed")
    nb = {
        "cells": cells,
        "metadata": {
            "kernelspec": source["metadata"].get("kernelspec", {}),
            "language_info": {"name": "python"},
            "colab": {"provenance": [], "toc_visible": True},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    return nb


def _assemble_cell(ctx: Context, segments: list[tuple[str | None, str]]) -> str:
    """Join a cell's segments; each run of one gated solution's segments goes into <details>.

    A solution spans cells (markdown, code, markdown): its first part is summarised
    "Solution to Exercise N", the parts after a code cell "(continued)".
    """
    out: list[str] = []
    i = 0
    while i < len(segments):
        label, markdown = segments[i]
        if label is None:
            out.append(markdown)
            i += 1
            continue
        group = []
        while i < len(segments) and segments[i][0] == label:
            group.append(segments[i][1])
            i += 1
        part = ctx.solution_parts.get(label, 0)
        ctx.solution_parts[label] = part + 1
        summary = _solution_summary(ctx, label) + (" (continued)" if part else "")
        out.append(_details(summary, "\n\n".join(group)))
    return "\n\n".join(out)


def _number_title(book: Book, doc: str, text: str) -> str:
    """Number the title as the book does ("2. GoogLeNet") and add the Colab note under it."""
    lines = text.split("\n")
    for i, line in enumerate(lines):
        heading = HEADING.match(line)
        if heading and len(heading.group("hashes")) == 1:
            chapter = book.chapter.get(doc)
            if chapter:
                lines[i] = f"# {chapter}. {heading.group('text')}"
            lines.insert(i + 1, "\n" + _title_note(book, doc))
            return "\n".join(lines)
    raise ConversionError(f"{SOURCE_DIR}/{doc}.ipynb: the first markdown cell has no # title")


def render(nb: dict) -> str:
    """nbformat's own JSON layout (sorted keys, one-space indent), validated."""
    node = nbformat.from_dict(nb)
    nbformat.validate(node)
    return nbformat.writes(node, version=4)


def build_all(repo: Path = REPO) -> dict[str, str]:
    """Every Colab notebook as text, keyed by its path relative to the repository."""
    book = load_book(repo)
    return {f"{COLAB_DIR}/{doc}.ipynb": render(convert_notebook(book, doc))
            for doc in book.notebooks}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true",
                        help="only report whether colab/ is up to date (exit 1 when it is not)")
    args = parser.parse_args(argv)
    try:
        wanted = build_all(REPO)
    except ConversionError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    existing = {p.relative_to(REPO).as_posix() for p in (REPO / COLAB_DIR).rglob("*.ipynb")}
    stale = sorted(p for p, text in wanted.items()
                   if not (REPO / p).exists() or (REPO / p).read_text(encoding="utf-8") != text)
    extra = sorted(existing - set(wanted))
    if args.check:
        for path in stale + extra:
            print(f"stale: {path}")
        return 1 if stale or extra else 0
    for path in stale:
        (REPO / path).parent.mkdir(parents=True, exist_ok=True)
        (REPO / path).write_text(wanted[path], encoding="utf-8")
        print(f"wrote {path}")
    for path in extra:
        (REPO / path).unlink()
        print(f"removed {path} (not in _toc.yml)")
    if not stale and not extra:
        print(f"{COLAB_DIR}/ is up to date ({len(wanted)} notebooks)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
