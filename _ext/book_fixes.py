"""Small Sphinx fixes for the built book, loaded from _config.yml (sphinx: local_extensions).

1. sphinx-thebe 0.3 registers its configuration script twice per build under Jupyter Book 1.0,
   so every page declared ``const THEBE_JS_URL`` twice and logged a JavaScript error. We drop
   exact duplicates (same file, same attributes) from each page's script list.
2. A chapter that cites papers gets its own reference list at its end: a ``{bibliography}``
   filtered to the citations of that page is appended to the notebook as the build reads it
   (the notebook files are not changed; intro.md keeps the list of every reference).
3. The exercises' check cells print "Not attempted yet ..." when run with the stub answer, as
   the book build does. That message is for students running the notebook (Jupyter, Colab);
   in the static book it is noise under every exercise, so the build drops those outputs.
4. An explorer's offline animation (matplotlib's ``to_jshtml``) shows its frames in an ``<img>``
   without alt text; inside a captioned figure we give it the figure's caption as its alt text.
5. The download menu's ".pdf" opened the browser's print dialog; it now offers the PDFs of this
   page and of the whole book that scripts/make_pdfs.py prints after the HTML build (pdf/).
"""
from __future__ import annotations

import html
import json
import re

from docutils import nodes

NOT_ATTEMPTED = re.compile(r"^\[[^\]\n]*\] Not attempted yet", re.M)
REFERENCES_CELL = {
    "cell_type": "markdown",
    "metadata": {},
    "source": "```{rubric} References\n```\n\n```{bibliography}\n:filter: docname in docnames\n```",
}


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


def _append_chapter_references(app, docname, source):
    """source-read: add a reference list to a notebook chapter that cites anything."""
    if not app.env.doc2path(docname).endswith(".ipynb"):
        return
    nb = json.loads(source[0])
    markdown = "".join("".join(c["source"]) if isinstance(c["source"], list) else c["source"]
                       for c in nb["cells"] if c["cell_type"] == "markdown")
    if "{cite" not in markdown or "{bibliography}" in markdown:
        return
    cell = dict(REFERENCES_CELL, id="book-fixes-references") if nb.get("nbformat_minor", 0) >= 5 \
        else dict(REFERENCES_CELL)
    nb["cells"].append(cell)
    source[0] = json.dumps(nb)


def _drop_not_attempted_outputs(app, doctree):
    """doctree-read: remove stream outputs that say an exercise is not attempted yet."""
    for block in list(doctree.findall(nodes.literal_block)):
        if "output" in block.get("classes", []) and NOT_ATTEMPTED.search(block.astext()):
            parent = block.parent
            parent.remove(block)
            if isinstance(parent, nodes.container) and not parent.children:
                parent.parent.remove(parent)


def _alt_text_for_animations(app, doctree):
    """doctree-read: an animation inside a figure gets the caption as its frames' alt text."""
    for figure in doctree.findall(nodes.figure):
        captions = list(figure.findall(nodes.caption))
        if not captions:
            continue
        alt = html.escape("Animation: " + captions[0].astext(), quote=True)
        for raw in list(figure.findall(nodes.raw)):
            if "_anim_img" in raw.astext() and 'alt="' not in raw.astext():
                text = raw.astext().replace('<img id="_anim_img', f'<img alt="{alt}" id="_anim_img')
                raw.replace_self(nodes.raw(text, text, format="html", classes=raw.get("classes", [])))


def _pdf_download_links(app, pagename, templatename, context, doctree):
    """html-page-context (after the book theme's buttons): link the printed PDFs."""
    pathto = context.get("pathto")
    for group in context.get("header_buttons", []):
        if group.get("label") != "download-buttons":
            continue
        buttons = [b for b in group["buttons"] if b.get("label") != "download-pdf-button"]
        page_pdf = pagename.rsplit("/", 1)[-1] + ".pdf"
        buttons.append({"type": "link", "url": pathto(f"pdf/{page_pdf}", 1), "text": ".pdf",
                        "tooltip": "This page as a PDF", "icon": "fas fa-file-pdf",
                        "label": "download-pdf-button"})
        buttons.append({"type": "link", "url": pathto("pdf/book.pdf", 1), "text": "book .pdf",
                        "tooltip": "The whole book as one PDF", "icon": "fas fa-book",
                        "label": "download-book-pdf-button"})
        group["buttons"] = buttons


def _allow_chapter_reference_lists(app, config):
    # Each chapter's reference list repeats entries of the intro's list of every reference, which
    # sphinxcontrib-bibtex reports as duplicates; a citation links to the list on its own page
    # first (it resolves citations locally before globally), so the repeats are what we want.
    config.suppress_warnings = list(config.suppress_warnings or []) + ["bibtex.duplicate_citation"]


def setup(app):
    app.connect("html-page-context", _dedupe_scripts, priority=999)  # last: other handlers add scripts during this event
    app.connect("html-page-context", _pdf_download_links, priority=600)  # after sphinx-book-theme's (501)
    app.connect("source-read", _append_chapter_references)
    app.connect("doctree-read", _drop_not_attempted_outputs)
    app.connect("doctree-read", _alt_text_for_animations)
    app.connect("config-inited", _allow_chapter_reference_lists)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
