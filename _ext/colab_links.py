"""The book's Colab buttons open the Colab edition; the build writes that edition into the site.

Loaded from _config.yml (sphinx: local_extensions). The edition itself comes from
``scripts/colab_edition.py`` (the one converter, also used by the tests and the Colab simulation).

* Every chapter page: the launch menu's "Colab" entry opens the chapter's Colab edition on GitHub
  (``colab.research.google.com/github/OWNER/REPO/blob/<colab_edition_branch>/chapters/NN.ipynb``;
  Colab opens notebooks from GitHub, and the publish workflow pushes the edition to that branch), and
  the download menu's ".ipynb" entry downloads the same file from the site (``colab/chapters/NN.ipynb``).
* At the end of an HTML build, the edition is written to ``<html>/colab/chapters/`` with the numbers
  glued into the prose taken from the executed chapters, and every exercise, figure and section number
  the edition prints is compared with the number Sphinx gave it in the book: a difference is a warning
  (an error in the strict build).
"""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

from sphinx.util import logging

ROOT = Path(__file__).resolve().parent.parent
logger = logging.getLogger(__name__)


def _edition():
    """scripts/colab_edition.py as a module (it is a script, not part of lecturelib)."""
    if "colab_edition" not in sys.modules:
        spec = importlib.util.spec_from_file_location("colab_edition", ROOT / "scripts" / "colab_edition.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules["colab_edition"] = module
        spec.loader.exec_module(module)
    return sys.modules["colab_edition"]


def _point_buttons_at_the_edition(app, pagename, templatename, context, doctree):
    edition = _edition()
    if pagename not in edition.toc_chapters():
        return
    for group in context.get("header_buttons", []):
        for button in group.get("buttons", []):
            if group.get("label") == "launch-buttons" and button.get("text") == "Colab":
                button["url"] = edition.colab_launch_url(pagename)
                button["tooltip"] = "Open this chapter in Colab (the Colab edition)"
            elif button.get("label") in ("download-notebook-button", "download-source-button") \
                    and str(button.get("url", "")).endswith(".ipynb"):
                button["url"] = context["pathto"](f"colab/{pagename}.ipynb", 1)
                button["tooltip"] = "Download this chapter's notebook (the Colab edition)"


def _sphinx_number(env, target, slug) -> str | None:
    if target.kind in ("exercise", "figure"):
        number = env.toc_fignumbers.get(target.chapter, {}).get(target.kind, {}).get(target.anchor)
    else:
        numbers = env.toc_secnumbers.get(target.chapter, {})
        number = numbers.get(f"#{target.anchor}") or numbers.get(f"#{slug(target.title)}")
    return ".".join(map(str, number)) if number else None


def _write_and_check(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    edition = _edition()
    out = Path(app.outdir) / "colab"
    try:
        written = edition.write_edition(out, executed_dir=Path(app.outdir).parent / "jupyter_execute")
    except edition.EditionError as err:
        logger.warning(f"Colab edition not written: {err}", type="colab", subtype="edition")
        return
    book = edition.scan_book()
    labels = app.env.domaindata["std"]["labels"]
    for label, target in book.targets.items():
        in_book = _sphinx_number(app.env, target, edition._slug)
        if in_book != target.number:
            logger.warning(f"Colab edition: {label} is numbered {target.number} in the edition but "
                           f"{in_book} in the book", type="colab", subtype="numbers")
        if labels.get(label, (None,))[0] != target.chapter:
            logger.warning(f"Colab edition: links to {target.chapter}.html#{label}, but the book puts "
                           f"{label!r} on {labels.get(label, ('no page',))[0]}", type="colab", subtype="links")
    logger.info(f"Colab edition: {len(written)} chapters written to {out}")


def setup(app):
    app.add_config_value("colab_edition_branch", "colab", "html")
    # after the theme's own handlers (priority 501), which build the buttons
    app.connect("html-page-context", _point_buttons_at_the_edition, priority=600)
    app.connect("build-finished", _write_and_check)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
