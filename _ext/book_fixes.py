"""Small Sphinx fixes for the built book, loaded from _config.yml (sphinx: local_extensions).

sphinx-thebe 0.3 registers its configuration script twice per build under Jupyter Book 1.0,
so every page declared ``const THEBE_JS_URL`` twice and logged a JavaScript error. We drop
exact duplicates (same file, same attributes) from each page's script list.
"""


def _dedupe_scripts(app, pagename, templatename, context, doctree):
    seen, unique = set(), []
    for script in context.get("script_files", []):
        # A body-only script may carry filename None or '' depending on how it was added.
        key = (getattr(script, "filename", None) or "",
               tuple(sorted(getattr(script, "attributes", {}).items())))
        if key not in seen:
            seen.add(key)
            unique.append(script)
    context["script_files"] = unique


def setup(app):
    app.connect("html-page-context", _dedupe_scripts, priority=999)  # last: other handlers add scripts during this event
    return {"parallel_read_safe": True, "parallel_write_safe": True}
