"""The book's editions: the English source at the site's root, each translation in a folder
named by its language (``_build/html/ko/``), built from the same notebooks by scripts/build_book.py
with ``language`` set and the catalogs of ``locale/``.

In every edition
  * each page's header links to the same page in the other editions (``book_editions``: the
    labels, the source's language first), and its ``<head>`` names them
    (``<link rel="alternate" hreflang=...>``);
  * the terms of the glossary are not translatable: they are the vocabulary itself, listed in
    both languages, and ``{term}`` references and anchors find them by their text.
In the gettext build (``scripts/build_book.py gettext``)
  * the configured texts a reader sees (``CONFIG_TEXTS``: the book's title, the search box's
    placeholder, myst-nb's code prompts) go into the catalog ``config``.
In a translated edition
  * those texts come from ``locale/<language>/LC_MESSAGES/config.po``;
  * the captions of ``_toc.yml``'s parts come from the root page's catalog: sphinx-external-toc
    inserts its toctrees after Sphinx's own translation step, so that step never sees them.
"""
from __future__ import annotations

from pathlib import Path

from docutils import nodes
from sphinx import addnodes
from sphinx.locale import init as init_locale
from sphinx.transforms import SphinxTransform
from sphinx.util import logging
from sphinx.util.i18n import docname_to_domain

LOGGER = logging.getLogger(__name__)
TEMPLATE = "edition-switch.html"
CONFIG_CATALOG = "config"
# (config value, key inside it): the configured texts a reader sees on every page
CONFIG_TEXTS = (("html_title", None), ("html_theme_options", "search_bar_text"),
                ("nb_code_prompt_show", None), ("nb_code_prompt_hide", None))


def setup(app):
    app.add_config_value("book_editions", {"en": "English"}, "html", types=[dict])
    app.connect("config-inited", check_editions, priority=100)
    app.connect("config-inited", translate_config_texts, priority=100)
    app.connect("config-inited", add_switch_template, priority=100)
    app.connect("builder-inited", extract_config_texts)
    app.connect("html-page-context", add_edition_links)
    app.add_transform(GlossaryTermsStay)
    app.add_transform(OutputsStay)
    app.add_transform(TranslateTocCaptions)
    return {"parallel_read_safe": True, "parallel_write_safe": True}


# --- which edition this is, and where the others are -----------------------------------------

def source_language(config) -> str:
    return next(iter(config.book_editions))


def check_editions(app, config) -> None:
    editions = config.book_editions
    if not editions or not all(isinstance(k, str) and isinstance(v, str)
                               for k, v in editions.items()):
        raise ValueError("book_editions must map each language to its label, e.g. "
                         "{'en': 'English', 'ko': '한국어'} (the source's language first)")
    if config.language not in editions:
        raise ValueError(f"language {config.language!r} is not one of book_editions "
                         f"({', '.join(editions)})")


def edition_root(config, language: str) -> str:
    """The folder of an edition under the site's root: '' for the source, 'ko/' for Korean."""
    return "" if language == source_language(config) else f"{language}/"


def twin_url(config, pagename: str, language: str) -> str:
    """The relative URL, from this edition's page, of the same page in another edition."""
    up = "../" * (pagename.count("/") + (config.language != source_language(config)))
    return f"{up}{edition_root(config, language)}{pagename}.html"


def site_root(config) -> str:
    """The published site's root URL ('' when html_baseurl is not set)."""
    base = (config.html_baseurl or "").rstrip("/") + "/"
    if base == "/":
        return ""
    own = edition_root(config, config.language)
    return base[:-len(own)] if own and base.endswith("/" + own) else base


def add_edition_links(app, pagename, templatename, context, doctree) -> None:
    config, links, alternates = app.config, [], []
    root = site_root(config)
    for language, label in config.book_editions.items():
        page = f"{edition_root(config, language)}{pagename}.html"
        if root:
            alternates.append(f'<link rel="alternate" hreflang="{language}" href="{root}{page}">')
        if language != config.language:
            links.append({"language": language, "label": label,
                          "url": twin_url(config, pagename, language)})
    context["edition_links"] = links
    context["metatags"] = context.get("metatags", "") + "\n".join(alternates)


def add_switch_template(app, config) -> None:
    """The switch sits in the article's header, before the theme's buttons."""
    here = Path(__file__).parent
    config.templates_path = [*config.templates_path, str(here / "templates")]
    if len(config.book_editions) < 2:
        return
    config.html_static_path = [*config.html_static_path, str(here / "static")]
    app.add_css_file("editions.css")
    options = config.html_theme_options
    end = list(options.get("article_header_end") or ["article-header-buttons.html"])
    if TEMPLATE not in end:
        end.insert(0, TEMPLATE)
    options["article_header_end"] = end


# --- the configured texts --------------------------------------------------------------------

def config_texts(config):
    """(name, text) of each configured text that is set."""
    for name, key in CONFIG_TEXTS:
        value = getattr(config, name, None) if name in config else None
        if key is not None:
            value = value.get(key) if isinstance(value, dict) else None
        if isinstance(value, str) and value.strip():
            yield (name if key is None else f"{name}.{key}"), value


def extract_config_texts(app) -> None:
    if app.builder.name != "gettext":
        return
    from sphinx.builders.gettext import MsgOrigin

    for name, text in config_texts(app.config):
        app.builder.catalogs[CONFIG_CATALOG].add(text, MsgOrigin(f"_config.yml:{name}", 0))


def read_catalog(app, domain: str) -> dict[str, str]:
    """{msgid: msgstr} of the translated, not fuzzy messages of a catalog of locale_dirs (read
    from the .po: Sphinx compiles the .mo files only later, when the build starts)."""
    from babel.messages.pofile import read_po

    found: dict[str, str] = {}
    for directory in app.config.locale_dirs:
        po = Path(app.srcdir, directory, app.config.language, "LC_MESSAGES", f"{domain}.po")
        if po.is_file():
            with po.open("rb") as stream:
                catalog = read_po(stream, locale=app.config.language)
            found.update({m.id: m.string for m in catalog if m.id and m.string
                          and not m.fuzzy and isinstance(m.id, str)})
    return found


def translate_config_texts(app, config) -> None:
    if config.language == source_language(config):
        return
    catalog = read_catalog(app, CONFIG_CATALOG)
    for name, text in list(config_texts(config)):
        translated = catalog.get(text)
        if not translated:
            continue
        if "." in name:
            value, key = name.split(".")
            config[value][key] = translated
        else:
            config[name] = translated


# --- transforms ------------------------------------------------------------------------------

class GlossaryTermsStay(SphinxTransform):
    """Glossary terms are neither extracted nor translated (before Sphinx's Locale, 20)."""
    default_priority = 10

    def apply(self, **kwargs) -> None:
        for glossary in self.document.findall(addnodes.glossary):
            for term in glossary.findall(nodes.term):
                term["translatable"] = False


class OutputsStay(SphinxTransform):
    """A cell's outputs are the notebook's, shared by every edition: the Markdown a cell shows
    (a rubric's table, a template) is neither extracted nor translated (before Locale, 20).
    A figure's caption is the page's text and stays a message."""
    default_priority = 10

    def apply(self, **kwargs) -> None:
        for output in self.document.findall(nodes.container):
            if "cell_output" not in output.get("classes", []):
                continue
            for text in output.findall(nodes.TextElement):
                if not isinstance(text, nodes.caption):
                    text["translatable"] = False


class TranslateTocCaptions(SphinxTransform):
    """The captions of the toctrees sphinx-external-toc inserts (at 100), from the page's
    catalog, as Sphinx's Locale transform translates every other message."""
    default_priority = 101

    def apply(self, **kwargs) -> None:
        config = self.config
        if config.language == source_language(config):
            return
        toctrees = [t for t in self.document.findall(addnodes.toctree) if t.get("rawcaption")]
        if not toctrees:
            return
        domain = docname_to_domain(self.env.docname, config.gettext_compact)
        dirs = [str(Path(self.env.srcdir, d)) for d in config.locale_dirs]
        catalog, found = init_locale(dirs, config.language, domain)
        if not found:
            return
        for toctree in toctrees:
            caption = toctree["rawcaption"]
            translated = catalog.gettext(caption)
            if translated and translated != caption:
                toctree.apply_translated_message(caption, translated)
