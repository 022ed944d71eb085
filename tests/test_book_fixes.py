"""The build-time fixes of _ext/book_fixes.py on their own (the browser tests check the built pages)."""
import contextlib
import io
import json
import sys
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "_ext"))
import book_fixes  # noqa: E402

from lecturelib.exercises import Exercise, Wrong  # noqa: E402


def _printed(exercise, answer=...):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exercise.check(answer) if answer is not ... else exercise.check()
    return out.getvalue()


def _judge(answer):
    if answer != 3:
        raise Wrong("count again")
    return "three it is"


def test_not_attempted_pattern_matches_the_checkers_own_message_and_nothing_else():
    ex = Exercise("ex-x", "A title", _judge, hints=["h"], solution="answer = 3", handle="ch00.x")
    assert book_fixes.NOT_ATTEMPTED.search(_printed(ex))
    assert not book_fixes.NOT_ATTEMPTED.search(_printed(ex, 2))  # "Not yet: count again"
    assert not book_fixes.NOT_ATTEMPTED.search(_printed(ex, 3))  # "Correct! ..."


def _notebook(*markdown):
    return json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {},
                       "cells": [{"cell_type": "markdown", "id": f"c{i}", "metadata": {}, "source": m}
                                 for i, m in enumerate(markdown)]})


def _app(suffix=".ipynb"):
    return SimpleNamespace(env=SimpleNamespace(doc2path=lambda docname: f"/book/{docname}{suffix}"))


def test_a_chapter_that_cites_gets_a_reference_list_of_its_own_citations():
    source = [_notebook("# Title", "As shown by {cite:p}`elman1990`.")]
    book_fixes._append_chapter_references(_app(), "chapters/01", source)
    cells = json.loads(source[0])["cells"]
    assert len(cells) == 3
    assert "```{bibliography}\n:filter: docname in docnames\n```" in cells[-1]["source"]


def test_no_reference_list_without_citations_twice_or_outside_notebooks():
    for source, app in (([_notebook("# Title", "No citation here.")], _app()),
                        ([_notebook("{cite:p}`a`", "```{bibliography}\n```")], _app()),
                        (["# intro {cite:p}`a`"], _app(".md"))):
        before = source[0]
        book_fixes._append_chapter_references(app, "page", source)
        assert source[0] == before


def test_download_menu_links_this_pages_pdf_and_the_books_instead_of_the_print_dialog():
    group = {"label": "download-buttons", "buttons": [
        {"label": "download-notebook-button", "url": "x.ipynb"},
        {"label": "download-pdf-button", "type": "javascript", "javascript": "window.print()"}]}
    context = {"header_buttons": [group], "pathto": lambda target, resource: f"../{target}"}
    book_fixes._pdf_download_links(None, "chapters/02_bptt", "page.html", context, None)
    buttons = context["header_buttons"][0]["buttons"]
    assert [b["label"] for b in buttons] == ["download-notebook-button", "download-pdf-button",
                                            "download-book-pdf-button"]
    assert buttons[1]["url"] == "../pdf/02_bptt.pdf" and buttons[1]["type"] == "link"
    assert buttons[2]["url"] == "../pdf/book.pdf"
    assert not any(b.get("type") == "javascript" for b in buttons)
