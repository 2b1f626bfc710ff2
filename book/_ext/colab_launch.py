"""Point the "Colab" launch button at the Colab version of each notebook (colab/<path>.ipynb).

sphinx-book-theme builds the launch buttons in an ``html-page-context`` handler
(``header_buttons/launch.py``, priority 501) from the page's source path, so its Colab button
opens ``book/<path>.ipynb`` — the MyST source, in which Colab shows every directive as raw text
and every solution in plain view.  ``make colab`` (scripts/make_colab.py) writes the versions
Colab should open under ``colab/``, with the same relative paths; this handler runs after the
theme's and rewrites the Colab URL to them.  A page whose Colab version is missing keeps no
Colab button pointing at the raw source: the build warns (an error under --warningiserror).
"""
from pathlib import Path

from sphinx.util import logging

LOGGER = logging.getLogger(__name__)
SOURCE_DIR = "book"
COLAB_DIR = "colab"


def _colab_button(context):
    for group in context.get("header_buttons") or []:
        if group.get("label") != "launch-buttons":
            continue
        for button in group.get("buttons", []):
            if button.get("text") == "Colab":
                return group, button
    return None, None


def _point_colab_at_colab_dir(app, pagename, templatename, context, doctree):
    group, button = _colab_button(context)
    if button is None:
        return
    source = f"/{pagename}.ipynb"
    if not pagename.startswith(SOURCE_DIR + "/") or not button["url"].endswith(source):
        LOGGER.warning(f"{pagename}: unexpected Colab launch URL {button['url']}")
        return
    relative = pagename[len(SOURCE_DIR) + 1:] + ".ipynb"
    repo_root = Path(app.srcdir)
    if not (repo_root / COLAB_DIR / relative).exists():
        LOGGER.warning(f"{pagename}: {COLAB_DIR}/{relative} is missing; run `make colab`")
        group["buttons"].remove(button)
        return
    button["url"] = button["url"][: -len(source)] + f"/{COLAB_DIR}/{relative}"


def setup(app):
    # after sphinx-book-theme's add_launch_buttons (priority 501)
    app.connect("html-page-context", _point_colab_at_colab_dir, priority=502)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
