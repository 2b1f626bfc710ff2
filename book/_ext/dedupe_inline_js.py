"""Drop duplicated inline <script> blocks from every page.

Sphinx 7.x registers an inline script (``app.add_js_file(None, body=...)``) added after the
builder started twice: once as filename ``None`` and once as ``''`` (fixed upstream in Sphinx
8.2, sphinx-doc/sphinx#13402; jupyter-book 1 needs Sphinx 7). sphinx-thebe's
``const THEBE_JS_URL = ...`` then raises "Identifier 'THEBE_JS_URL' has already been declared"
in the browser console on every page.
"""


def _dedupe_scripts(app, pagename, templatename, context, doctree):
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, kept = set(), []
    for script in scripts:
        key = (getattr(script, "filename", script) or "",
               tuple(sorted(getattr(script, "attributes", {}).items())))
        if key not in seen:
            seen.add(key)
            kept.append(script)
    context["script_files"] = kept


def setup(app):
    app.connect("html-page-context", _dedupe_scripts)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
