"""The Colab versions of the book's notebooks, written by the book build from its resolved doctrees.

Colab shows plain Jupyter markdown: MyST roles would stay raw, solutions would stand in plain view
and relative links would lead nowhere. At the end of the HTML build this extension writes
``<build>/colab/<x>.ipynb`` for each ``book/<x>.ipynb`` from what the build resolved (myst-parser's
parse; Sphinx's references, section/figure/exercise numbers, citations, glossary anchors, glue),
so a translated build (``-D language=ko``) writes translated notebooks. Colab gets headings,
exercises and figures numbered as in the book; references as links into the Colab notebook and
cell that holds the target, into the published book (``html_baseurl``) or onto GitHub; solutions
folded in ``<details>`` (a gated solution's code in form view, without outputs); admonitions as
block quotes; code cells as they are, those the book hides in form view, ``remove-cell`` ones left
out unless tagged ``keep-in-colab``; a caption cell under each figure; and before the first code
cell the Colab-only cell that installs the package from ``_config.yml``'s repository.

A doctree node this writer does not know stops that notebook with a warning (an error under
``--warningiserror``) naming the notebook, the cell and the construct. ``colab_folder`` is the
notebooks' folder (``colab``; ``colab/ko`` for the Korean build; ``make colab`` copies
``_build/colab/`` there); the teacher's pages (``book/teacher/``) go to ``colab_teacher_folder``
(``colab-teacher``), so the students' Colab set holds no teacher notebook. The Colab-only texts
use the message catalog ``colab_notebooks`` (``book/_ext/locales/<language>/LC_MESSAGES``).
"""
from __future__ import annotations

import base64
import copy
import functools
import mimetypes
import posixpath
import re
from collections import Counter, defaultdict
from itertools import groupby
from pathlib import Path
from urllib.parse import urlsplit

import nbformat
from docutils import nodes
from sphinx.locale import admonitionlabels, get_translation
from sphinx.util import logging

LOGGER = logging.getLogger(__name__)
CATALOG = "colab_notebooks"
_ = get_translation(CATALOG)
SOURCE_DIR = "book"         # the book's notebooks; colab/<x>.ipynb is made from book/<x>.ipynb
TEACHER_DIR = "book/teacher"  # the teacher's edition's pages: colab-teacher/<x>.ipynb
CELL_LINES = 10000          # myst-nb numbers the lines of cell i from (i + 1) * 10000
KEEP_TAG = "keep-in-colab"  # a remove-cell cell that the Colab version needs
HIDING_TAGS = {"remove-cell", "remove-input", "remove-output", "hide-input", "hide-output",
               "hide-cell"}
ADMONITIONS = {"admonition", "note", "tip", "hint", "important", "warning", "caution",
               "attention", "danger", "error", "seealso"}
SILENT = nodes.Invisible    # targets, comments, index entries, substitution definitions


class ColabError(Exception):
    """A construct of the book that the Colab version cannot show."""


def setup(app):
    app.add_config_value("colab_folder", "colab", "html", types=[str])
    app.add_config_value("colab_teacher_folder", "colab-teacher", "html", types=[str])
    app.add_message_catalog(CATALOG, str(Path(__file__).parent / "locales"))  # .mo: build_book.py
    app.connect("build-finished", write_notebooks)
    # after sphinx-book-theme's add_launch_buttons (priority 501)
    app.connect("html-page-context", point_colab_button, priority=502)
    return {"parallel_read_safe": True, "parallel_write_safe": True}


# --- where things are: the repository, Colab, the published book ------------------------------

def notebook_docs(env) -> list[str]:
    """The documents whose source is a notebook under book/, in name order."""
    return sorted(doc for doc in env.found_docs if doc.startswith(SOURCE_DIR + "/")
                  and env.doc2path(doc, base=False).endswith(".ipynb"))


def repository(config) -> tuple[str, str, str]:
    """(repository URL, branch, Colab URL) from the theme options Jupyter Book fills."""
    options = config.html_theme_options
    url = options.get("repository_url", "").rstrip("/")
    colab = options.get("launch_buttons", {}).get("colab_url", "").rstrip("/")
    if not url or not colab:
        raise ColabError("_config.yml needs repository.url and launch_buttons.colab_url")
    return url, options.get("repository_branch") or "main", colab


def colab_path(config, doc: str) -> str:
    """Where ``doc``'s Colab notebook lives in the repository: ``colab/<x>.ipynb`` for
    ``book/<x>``, ``colab-teacher/<x>.ipynb`` for ``book/teacher/<x>``."""
    if doc.startswith(TEACHER_DIR + "/"):
        return f"{config.colab_teacher_folder}/{doc[len(TEACHER_DIR) + 1:]}.ipynb"
    return f"{config.colab_folder}/{doc[len(SOURCE_DIR) + 1:]}.ipynb"


def colab_link(config, doc: str, cell_id: str | None = None) -> str:
    url, branch, colab = repository(config)
    link = f"{colab}/github/{urlsplit(url).path.strip('/')}/blob/{branch}/{colab_path(config, doc)}"
    return f"{link}#scrollTo={cell_id}" if cell_id else link


def point_colab_button(app, pagename, templatename, context, doctree):
    """The page's Colab button opens the Colab version, not the MyST source."""
    if pagename not in notebook_docs(app.env):
        return
    for group in context.get("header_buttons") or []:
        for button in group.get("buttons", []) if group.get("label") == "launch-buttons" else []:
            if button.get("text") == "Colab":
                button["url"] = colab_link(app.config, pagename)


# --- the build's notebooks, their doctrees and targets ----------------------------------------

class Book:
    """Every notebook of the build with its resolved doctree and the cell of each target id."""

    def __init__(self, app):
        self.app, self.env, self.config = app, app.env, app.config
        self.repo_url, self.branch, _colab = repository(app.config)
        self.baseurl = (app.config.html_baseurl or "").rstrip("/") + "/"
        self.build = Path(app.outdir).parent.resolve()
        self.notebooks, self.trees, self.anchors = {}, {}, {}
        for doc in notebook_docs(app.env):
            nb = nbformat.read(app.env.doc2path(doc), as_version=4)
            if "source_map" in nb.metadata:
                raise ColabError(f"{doc}: notebooks with a source_map are not supported")
            self.notebooks[doc] = nb
            self.trees[doc] = tree = app.env.get_and_resolve_doctree(doc, app.builder)
            self.anchors[doc] = anchors = {}
            for cell in tree.findall(is_code_cell):
                anchors.update({a: cell["cell_index"] for n in cell.findall(nodes.Element)
                                for a in n["ids"]})
            for node in tree.findall(nodes.Element):
                index = cell_index(node, tree["source"])
                for anchor in node["ids"] if index is not None else []:
                    anchors.setdefault(anchor, index)

    def source(self, doc: str) -> str:   # "book/review.ipynb"
        return self.env.doc2path(doc, base=False)

    def cell_link(self, doc: str, anchor: str, here: str) -> str:
        index = self.anchors[doc].get(anchor)
        if index is None:
            raise ColabError(f"no target {anchor!r} in {self.source(doc)}")
        cell_id = self.notebooks[doc].cells[index].id
        return f"#scrollTo={cell_id}" if doc == here else colab_link(self.config, doc, cell_id)

    def page_link(self, doc: str, fragment: str = "") -> str:
        """A page of the book that is not a notebook: on the published book, or, for a teacher's
        page (not published with the student edition), its source on GitHub."""
        if doc.startswith(TEACHER_DIR + "/"):
            return self.github_link(Path(self.app.srcdir) / self.source(doc))
        return f"{self.baseurl}{doc}.html" + (f"#{fragment}" if fragment else "")

    def github_link(self, path: Path, raw: bool = False) -> str:
        relative = path.resolve().relative_to(Path(self.app.srcdir).resolve()).as_posix()
        return f"{self.repo_url}/blob/{self.branch}/{relative}" + ("?raw=true" if raw else "")


def is_code_cell(node) -> bool:
    return isinstance(node, nodes.container) and node.get("nb_element") == "cell_code"


def cell_index(node, source: str) -> int | None:
    """The notebook cell a node comes from (myst-nb's line numbers), None if not known."""
    for element in node.findall(nodes.Element):
        if element.line and element.source == source:
            return element.line // CELL_LINES - 1
    return None


# --- text ------------------------------------------------------------------------------------

def escape(text: str) -> str:
    """Text as markdown shows it. Brackets stay as they are: a ``\\[`` would start display math
    in Colab's renderer, in any cell that has ``$`` math."""
    text = re.sub(r"([\\`*_$])", r"\\\1", text)
    return re.sub(r"<(?=[A-Za-z/!?])", "&lt;", text)


def escape_line_starts(text: str) -> str:
    """A paragraph's line that would start a heading, list, quote or table is escaped."""
    return re.sub(r"(?m)^(\s*)(#|>|[-+=|](?=\s|$)|\d+(?=[.)](?:\s|$)))",
                  lambda m: m.group(1) + ("\\" + m.group(2) if not m.group(2)[0].isdigit()
                                          else m.group(2) + "\\"), text)


def indent(text: str, prefix: str, first: str) -> str:
    lines = text.split("\n")
    return "\n".join([first + lines[0]] + [prefix + ln if ln.strip() else "" for ln in lines[1:]])


def quote(text: str) -> str:
    return "\n".join(f"> {line}" if line.strip() else ">" for line in text.split("\n"))


def details(summary: str, body: str) -> str:
    # a blank line after </summary> lets Jupyter and Colab render the body as markdown
    return f"<details>\n<summary><b>{summary}</b></summary>\n\n{body.strip()}\n\n</details>"


def code_span(text: str) -> str:
    ticks = "`" * (max((len(run) for run in re.findall("`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"


def fence(text: str, language: str = "") -> str:
    ticks = "`" * max(3, max((len(run) + 1 for run in re.findall("`{3,}", text)), default=3))
    return f"{ticks}{language}\n{text}\n{ticks}"


# --- one notebook ----------------------------------------------------------------------------

class Page:
    """The Colab version of one notebook: markdown from its doctree, code from the notebook."""

    def __init__(self, book: Book, doc: str):
        self.book, self.doc = book, doc
        self.nb, self.tree = book.notebooks[doc], book.trees[doc]
        self.pieces: dict[int, list[tuple[str | None, str]]] = defaultdict(list)
        self.code: dict[int, tuple] = {}   # cell -> (solution, figure number, caption)
        self.cell = 0        # the cell being converted, for errors
        self.titled = False
        self.parts: Counter = Counter()   # parts of each solution so far ("(continued)")

    def error(self, what: str) -> ColabError:
        cell = self.nb.cells[self.cell].get("id", self.cell)
        return ColabError(f"{self.book.source(self.doc)}, cell {cell}: {what}")

    def number(self, node, kind: str) -> str | None:
        """"Fig. 2.1", "Exercise 2.1": the number the build gave the node, in its format."""
        numbers = self.book.env.toc_fignumbers.get(self.doc, {}).get(kind, {})
        found = next((numbers[i] for i in node["ids"] if i in numbers), None)
        if found is None:
            return None
        return self.book.config.numfig_format[kind] % ".".join(map(str, found))

    # the walk: sections and solutions are unfolded, so that each block lands in its cell
    def walk(self, parent, solution: str | None = None, depth: int = 0) -> None:
        for node in parent.children:
            index = cell_index(node, self.tree["source"])
            self.cell = self.cell if index is None else index
            if isinstance(node, nodes.section):
                self.walk(node, solution, depth + 1)
            elif isinstance(node, nodes.title):
                if isinstance(parent, nodes.section):    # a solution's title is its summary
                    self.add(solution, self.heading(parent, node, depth))
            elif node.tagname == "solution_node":
                self.walk(node, " ".join(node[0].astext().split()), depth - 1)
            elif is_code_cell(node):
                figure = next(node.findall(nodes.figure), None)
                number = figure and self.number(figure, "figure")
                self.code[node["cell_index"]] = (
                    solution, number, figure and self.caption(figure, number))
            elif isinstance(node, SILENT) or (isinstance(node, nodes.raw) and index is None):
                continue        # targets, comments; scripts that extensions append (no line)
            else:
                self.add(solution, self.block(node))

    def add(self, solution: str | None, markdown: str) -> None:
        cell = self.nb.cells[self.cell]
        if cell.cell_type != "markdown":
            raise self.error(f"text from a {cell.cell_type} cell (myst-nb's line numbers?)")
        if markdown.strip():
            self.pieces[self.cell].append((solution, markdown))

    def heading(self, section, title, depth: int) -> str:
        numbers = self.book.env.toc_secnumbers.get(self.doc, {})
        found = numbers.get("#" + section["ids"][0]) if section["ids"] else None
        found = found or (numbers.get("") if depth == 1 else None)
        number = ".".join(map(str, found)) + self.book.config.html_secnumber_suffix if found else ""
        text = "#" * depth + " " + number + self.inlines(title)
        if depth == 1 and not self.titled:
            self.titled = True
            text += "\n\n" + self.note()
        return text

    def note(self) -> str:
        config, numbers = self.book.config, self.book.env.toc_secnumbers.get(self.doc, {})
        where = (_("chapter {number}").format(number=".".join(map(str, numbers[""])))
                 if numbers.get("") else _("a page"))
        page = self.book.page_link(self.doc)
        return quote(_("This is the Colab version of {where} of the book [{title}]({page}), "
                       "generated from `{source}`. Solutions are folded: try an exercise before "
                       "you open its solution. Solution code cells show only their title; run "
                       "them like any other cell.").format(
            where=where, title=config.html_title, page=page, source=self.book.source(self.doc)))

    # blocks
    def blocks(self, children) -> str:
        out = [self.block(c) for c in children if not isinstance(c, SILENT)]
        return "\n\n".join(b for b in out if b.strip())

    def block(self, node) -> str:
        return self.admonition(node) if node.tagname in ADMONITIONS else self.convert_node(
            "block_", node)

    def convert_node(self, kind: str, node) -> str:
        method = getattr(self, kind + node.tagname, None)
        if method is None:
            raise self.error(f"{describe(node)} is not converted for Colab")
        return method(node)

    def block_paragraph(self, node) -> str:
        return escape_line_starts(self.inlines(node))

    def block_bullet_list(self, node) -> str:
        return "\n".join(indent(self.blocks(item.children), "  ", "- ") for item in node.children)

    def block_enumerated_list(self, node) -> str:
        start = node.get("start", 1)
        return "\n".join(indent(self.blocks(item.children), " " * len(f"{n}. "), f"{n}. ")
                         for n, item in enumerate(node.children, start))

    def block_literal_block(self, node) -> str:
        language = node.get("language", "")
        return fence(node.astext().rstrip("\n"), "" if language in ("default", "none")
                     else language)

    def block_math_block(self, node) -> str:
        return f"$$\n{node.astext().strip()}\n$$"

    def block_block_quote(self, node) -> str:
        return quote(self.blocks(node.children))

    def block_container(self, node) -> str:
        if is_code_cell(node):
            raise self.error(f"a code cell inside {describe(node.parent)}")
        return self.blocks(node.children)

    def block_table(self, node) -> str:
        group = next(node.findall(nodes.tgroup))
        head = [r for part in group.children if part.tagname == "thead" for r in part.children]
        body = [r for part in group.children if part.tagname == "tbody" for r in part.children]
        if not head:
            head, body = body[:1], body[1:]
        rows = [[self.table_cell(entry) for entry in row.children] for row in head + body]
        width = group["cols"]
        lines = ["| " + " | ".join(row + [""] * (width - len(row))) + " |" for row in rows]
        lines.insert(1, "|" + "---|" * width)
        return "\n".join(lines)

    def table_cell(self, entry) -> str:
        if entry.get("morerows") or entry.get("morecols"):
            raise self.error("a table cell spanning rows or columns")
        text = "<br>".join(self.block(c) for c in entry.children)
        return text.replace("\n", " ").replace("|", "\\|")

    def admonition(self, node) -> str:
        children = list(node.children)
        titled = children and isinstance(children[0], nodes.title)
        title = (self.inlines(children.pop(0)) if titled
                 else str(admonitionlabels.get(node.tagname, node.tagname.capitalize())))
        body = self.blocks(children)
        if "dropdown" in node["classes"]:
            return details(title, body)
        return quote(f"**{title}**\n\n{body}")

    def block_exercise_enumerable_node(self, node) -> str:
        # the title holds only the exercise's own title, "(...)", when it is numbered
        head = f"**{self.number(node, 'exercise')}**{self.inlines(node[0])}"
        return head + "\n\n" + self.blocks(unwrap(node.children[1:]))

    def block_solution_node(self, node) -> str:
        return details(" ".join(node[0].astext().split()), self.blocks(unwrap(node.children[1:])))

    def block_figure(self, node) -> str:
        image = next(node.findall(nodes.image))
        number = self.number(node, "figure")
        alt = image.get("alt") or number or "figure"
        return f"![{alt}]({self.image_url(image)})\n\n" + self.caption(node, number)

    def caption(self, figure, number: str | None) -> str:
        caption = next(figure.findall(nodes.caption), None)
        text = " ".join(self.inlines(caption).split()) if caption else ""
        return f"**{number}.** {text}" if number else f"*{text}*"

    def image_url(self, image) -> str:
        uri = image["uri"]
        if urlsplit(uri).scheme or uri.startswith("data:"):
            return uri
        path = (Path(self.book.app.srcdir) / uri).resolve()
        if not path.is_file():
            raise self.error(f"image {uri} not found")
        if path.is_relative_to(self.book.build):     # written by the build (glued figures)
            mime = mimetypes.guess_type(path.name)[0] or "image/png"
            return f"data:{mime};base64,{base64.b64encode(path.read_bytes()).decode()}"
        return self.book.github_link(path, raw=True)

    # inline
    def inlines(self, node) -> str:
        return "".join(self.inline(child) for child in node.children)

    def inline(self, node) -> str:
        if isinstance(node, nodes.Text):
            return escape(str(node))
        return "" if isinstance(node, SILENT) else self.convert_node("inline_", node)

    def inline_emphasis(self, node, mark: str = "*") -> str:
        inner = self.inlines(node)
        return f"{mark}{inner}{mark}" if inner.strip() else inner

    inline_strong = functools.partialmethod(inline_emphasis, mark="**")

    def inline_literal(self, node) -> str:
        if "xref" in node["classes"]:             # a reference's text, e.g. {download}
            return escape(node.astext())
        return code_span(node.astext())

    def inline_math(self, node) -> str:
        return f"${node.astext()}$"

    inline_inline = inlines

    def inline_raw(self, node) -> str:
        if node.get("format") != "html":
            raise self.error(f"raw {node.get('format')} is not converted for Colab")
        return node.astext()

    block_raw = inline_raw

    def inline_image(self, node) -> str:
        return f"![{node.get('alt', '')}]({self.image_url(node)})"

    def inline_reference(self, node) -> str:
        return f"[{self.inlines(node)}]({self.url(node)})"

    inline_number_reference = inline_reference

    def inline_download_reference(self, node) -> str:
        base = Path(self.book.app.srcdir)
        target = node["reftarget"]
        path = (base / target.lstrip("/") if target.startswith("/")
                else base / Path(self.book.source(self.doc)).parent / target)
        if not path.exists():
            raise self.error(f"{target}: no such file")
        return f"[{self.inlines(node)}]({self.book.github_link(path)})"

    def url(self, node) -> str:
        """A resolved reference as a link that works from Colab."""
        if "refuri" not in node:
            return self.book.cell_link(self.doc, node["refid"], self.doc)
        uri = node["refuri"]
        parts = urlsplit(uri)
        if parts.scheme or uri.startswith("//"):
            return uri
        if not parts.path:
            return self.book.cell_link(self.doc, parts.fragment, self.doc)
        path = posixpath.normpath(posixpath.join(posixpath.dirname(self.doc), parts.path))
        page = path.removesuffix(self.book.app.builder.out_suffix)
        if page in self.book.notebooks:
            if parts.fragment:
                return self.book.cell_link(page, parts.fragment, self.doc)
            return colab_link(self.book.config, page)
        if page in self.book.env.all_docs:
            return self.book.page_link(page, parts.fragment)
        raise self.error(f"a link to {uri}, which is not a page of the book")

    # cells
    def convert(self) -> dict:
        self.walk(self.tree)
        cells, installed = [], False
        for self.cell, cell in enumerate(self.nb.cells):
            if cell.cell_type == "markdown":
                text = self.assemble(self.pieces[self.cell])
                if text:
                    cells.append(clean(cell, source=text))
            elif cell.cell_type == "code":
                code = self.code_cells(cell)
                if code and not installed:
                    cells.append(self.install_cell())
                    installed = True
                cells += code
        return {"cells": cells,
                "metadata": {"kernelspec": dict(self.nb.metadata.get("kernelspec", {})),
                             "language_info": {"name": "python"},
                             "colab": {"provenance": [], "toc_visible": True}},
                "nbformat": 4, "nbformat_minor": 5}

    def assemble(self, pieces) -> str:
        """A cell's blocks; each run of one solution's blocks goes into <details> ("Solution to
        Exercise 2.1", then "... (continued)" for its parts after a code cell)."""
        out: list[str] = []
        for solution, run in groupby(pieces, key=lambda piece: piece[0]):
            markdown = "\n\n".join(text for _solution, text in run)
            if solution is None:
                out.append(markdown)
                continue
            self.parts[solution] += 1
            summary = solution if self.parts[solution] == 1 else _("{solution} (continued)").format(
                solution=solution)
            out.append(details(summary, markdown))
        return "\n\n".join(out)

    def code_cells(self, cell) -> list[dict]:
        tags = set(cell.metadata.get("tags", []))
        unknown = {t for t in tags if t.startswith(("remove", "hide")) and t not in HIDING_TAGS}
        if unknown:
            raise self.error(f"unknown cell tag(s) {sorted(unknown)}")
        if not cell.source.strip() or ("remove-cell" in tags and KEEP_TAG not in tags):
            return []
        solution, number, caption = self.code.get(self.cell, (None, None, None))
        new = clean(cell)
        if tags & {"remove-output", "hide-output", "hide-cell"} or solution:
            new.outputs, new.execution_count = [], None
        if "remove-cell" in tags:
            title = _("Set-up hidden in the book (double-click to show the code)")
        elif solution:
            self.parts[solution] += 1
            title = _("{solution}: run it to see the answer; double-click to show the code"
                      ).format(solution=solution)
        elif "hide-cell" in tags:
            title = _("Hidden in the book: run it to see the output; double-click to show the code")
        elif caption and tags & {"remove-input", "hide-input"}:
            title = _("Code that draws {figure} (double-click to show it)").format(
                figure=number or _("the figure"))
        elif tags & {"remove-input", "hide-input"}:
            title = (_("Code of the output below, hidden in the book (double-click to show it)")
                     if new.outputs else
                     _("Checks and set-up hidden in the book (double-click to show the code)"))
        else:
            title = None
        if title:
            form_view(new, title)
        if not caption:
            return [new]
        return [new, nbformat.v4.new_markdown_cell(caption, id=f"{cell.id}-caption",
                                                   metadata={"id": f"{cell.id}-caption"})]

    def install_cell(self) -> dict:
        """The Colab-only set-up: install the package from the repository when it is missing."""
        url, branch, _colab = repository(self.book.config)
        package = urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1]
        source = (
            "import importlib.util, subprocess, sys\n\n"
            f"if importlib.util.find_spec({package!r}) is None:\n"
            f"    requirement = {package + ' @ git+' + url + '@' + branch!r}\n"
            '    subprocess.run([sys.executable, "-m", "pip", "install", "-q", requirement],\n'
            "                   check=True)")
        cell = nbformat.v4.new_code_cell(source, id="colab-install",
                                         metadata={"id": "colab-install"})
        form_view(cell, _("Install {package} (on Colab; skipped where it is installed)").format(
            package=package))
        return cell


def unwrap(children) -> list:
    """An exercise's or solution's content: sphinx-exercise wraps it in a section."""
    return [c for child in children
            for c in (child.children if isinstance(child, nodes.section) else [child])]


def describe(node) -> str:
    text = " ".join(node.astext().split())
    return f"<{node.tagname}> ({text[:60]!r})" if text else f"<{node.tagname}>"


def clean(cell, source: str | None = None):
    """The cell for Colab: book-only metadata and hiding tags dropped, its id also in metadata
    (Colab's ``#scrollTo=<id>`` finds cells by ``metadata.id``)."""
    cell = copy.deepcopy(cell)
    metadata = {k: v for k, v in cell.metadata.items() if k not in {"execution", "mystnb", "tags"}}
    tags = [t for t in cell.metadata.get("tags", []) if t not in HIDING_TAGS | {KEEP_TAG}]
    if tags:
        metadata["tags"] = tags
    metadata["id"] = cell.id
    cell.metadata = nbformat.from_dict(metadata)
    if source is not None:
        cell.source = source
    return cell


def form_view(cell, title: str) -> None:
    """Colab's form view: the title and a run button, the code folded (``#@title`` and
    ``cellView: form`` for Colab, ``jupyter.source_hidden`` for JupyterLab)."""
    cell.source = f"#@title {title}\n{cell.source}"
    cell.metadata["cellView"] = "form"
    cell.metadata["jupyter"] = {"source_hidden": True}


def render(nb: dict) -> str:
    """nbformat's own JSON layout, validated: the same notebook gives the same bytes."""
    node = nbformat.from_dict(nb)
    nbformat.validate(node)
    return nbformat.writes(node, version=4)


def write_notebooks(app, exception) -> None:
    """Write every Colab notebook of the build (after a successful HTML build)."""
    if exception is not None or app.builder.format != "html":
        return
    folder = Path(app.doctreedir).parent
    try:
        book = Book(app)
    except ColabError as error:
        LOGGER.warning(f"Colab versions not written: {error}", type="colab")
        return
    for doc in book.notebooks:
        path = folder / colab_path(app.config, doc)
        try:
            text = render(Page(book, doc).convert())
        except ColabError as error:
            LOGGER.warning(f"Colab version not written: {error}", type="colab", location=doc)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    LOGGER.info(f"colab: {len(book.notebooks)} notebooks written under {folder}")
