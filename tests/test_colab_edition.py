"""The Colab edition (scripts/colab_edition.py) as Colab shows it, and the progress table.

Every Markdown cell of the edition is rendered by a CommonMark renderer (markdown-it-py, what Colab's
Markdown amounts to: CommonMark with HTML blocks and $...$ mathematics): no MyST may be left, every
exercise carries the book's number, every hint is closed, every solution is a form-hidden code cell,
every citation links to its paper and the chapter lists its references.
"""
import ast
import importlib.util
import json
import re
import sys
import types
from pathlib import Path

import nbformat
import pytest
from markdown_it import MarkdownIt
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from lecturelib.exercises import Exercise, ProgressTable, Wrong, chapter_exercises, progress_table, show_progress

ROOT = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location("colab_edition", ROOT / "scripts" / "colab_edition.py")
edition = importlib.util.module_from_spec(spec)
sys.modules["colab_edition"] = edition  # dataclasses look their module up there
spec.loader.exec_module(edition)

CHAPTERS = edition.toc_chapters()
MYST_LEFTOVERS = ["{exercise}", "{solution}", ":::", "{cite", "{ref}", "{numref}", "{glue", "{admonition}",
                  "{eq}", "{doc}", "{figure}", "{math}"]
ROLE = re.compile(r"\{[a-z][\w-]*(?::[\w-]+)?\}`")
RENDER = MarkdownIt("commonmark")


@pytest.fixture(scope="module")
def book():
    return edition.scan_book()


@pytest.fixture(scope="module")
def editions(book):
    return {c: edition.colab_notebook(ROOT / f"{c}.ipynb", book) for c in CHAPTERS}


def _source(chapter):
    return nbformat.read(ROOT / f"{chapter}.ipynb", as_version=4)


def _markdown_sources(chapter):
    return "\n".join(c.source for c in _source(chapter).cells if c.cell_type == "markdown")


def _html(nb):
    return [RENDER.render(c.source) for c in nb.cells if c.cell_type == "markdown"]


def _without_code(html):
    return re.sub(r"<code>.*?</code>|<pre>.*?</pre>", "", html, flags=re.S)


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_no_myst_is_left_in_any_markdown_cell(editions, chapter):
    for html in _html(editions[chapter]):
        for token in MYST_LEFTOVERS:
            assert token not in html, f"{chapter}: {token!r} left in the Colab edition:\n{html[:600]}"
        assert not ROLE.search(_without_code(html)), f"{chapter}: a MyST role left:\n{html[:600]}"
    for cell in editions[chapter].cells:
        if cell.cell_type == "markdown":
            assert not re.search(r"^\([\w.:-]+\)=\s*$", cell.source, re.M), f"{chapter}: a MyST target left"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_exercises_are_numbered_headings_as_in_the_book(editions, book, chapter):
    n = CHAPTERS.index(chapter) + 1
    source = _source(chapter)
    directives = edition.exercises_of(source)
    headings = []
    for html in _html(editions[chapter]):
        headings += re.findall(r"<h[2-6]>Exercise (\d+)\.(\d+) · (.+?)</h[2-6]>", html)
    assert len(directives) >= 1, f"{chapter} has no exercise"
    assert [(int(a), int(b)) for a, b, _ in headings] == [(n, k) for k in range(1, len(directives) + 1)]
    for (_, _, shown), directive in zip(headings, directives):
        assert shown.startswith(directive["title"][:12].replace("$", "")[:1])  # the book's title, in order
    # nothing else in the edition claims to be an exercise without a number
    text = "\n".join(c.source for c in editions[chapter].cells if c.cell_type == "markdown")
    assert not re.search(r"^#+ Exercise(?! \d+\.\d+ · )", text, re.M)


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_every_solution_is_a_form_hidden_code_cell_and_nowhere_else(editions, chapter):
    _, exercises = chapter_exercises(f"ch{chapter[9:11]}")
    nb = editions[chapter]
    # what is in plain view: Markdown outside the closed <details> blocks (a hint may show a line of code)
    markdown = re.sub(r"<details>.*?</details>", "", "\n".join(c.source for c in nb.cells
                                                               if c.cell_type == "markdown"), flags=re.S)
    for ex in exercises:
        holders = [c for c in nb.cells if c.cell_type == "code" and ex.solution_text in c.source]
        assert len(holders) == 1, f"{ex.label}: its solution is in {len(holders)} code cells"
        cell = holders[0]
        first = cell.source.split("\n", 1)[0]
        assert re.fullmatch(r'# @title Solution to Exercise \d+\.\d+ · .+ \{ display-mode: "form" \}', first), first
        assert cell.metadata.get("cellView") == "form"
        for line in ex.solution_text.split("\n"):
            if len(line.strip()) > 25:  # a distinctive line of the solution never shows in plain view
                assert line.strip() not in markdown, f"{ex.label}: solution text visible in Markdown"
    forms = [c for c in nb.cells if c.cell_type == "code" and c.source.startswith("# @title Solution")]
    assert len(forms) == len(exercises)
    # a solution's explanation (prose beside its code) is closed as well
    for cell in _source(chapter).cells:
        for block in edition.parse_blocks(cell.source) if cell.cell_type == "markdown" else []:
            if isinstance(block, edition.Directive) and block.name == "solution":
                prose = re.sub(r"^```.*?^```\s*$", "", block.body, flags=re.M | re.S).strip()
                words = re.sub(r"[*$`{}\\]", "", prose)[:40]
                if words:
                    everything = re.sub(r"[*$`{}\\]", "", "\n".join(c.source for c in nb.cells))
                    assert words in everything and words not in re.sub(r"[*$`{}\\]", "", markdown)


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_hints_are_closed_until_asked_for(editions, chapter):
    hints = len(re.findall(r"^:::\{admonition\} Hint", _markdown_sources(chapter), re.M))
    html = "\n".join(_html(editions[chapter]))
    closed = re.findall(r"<details>\s*<summary><b>Hint</b></summary>", html)
    assert len(closed) == hints >= 1
    assert "<details open" not in html


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_citations_link_to_papers_and_the_chapter_lists_them(editions, chapter):
    keys = {k.strip() for group in re.findall(r"\{cite(?::\w+)?\}`([^`]+)`", _markdown_sources(chapter))
            for k in group.split(",")}
    nb = editions[chapter]
    html = "\n".join(_html(nb))
    bib = edition.bibliography()
    for key in keys:
        assert f'href="{bib[key]["url"].replace("&", "&amp;")}"' in html, f"{chapter}: {key} is not linked"
        assert re.match(r"https://(doi\.org|arxiv\.org/abs|scholar\.google\.com|\S)", bib[key]["url"])
    refs = [c for c in nb.cells if c.cell_type == "markdown" and c.source.startswith("## References")]
    if not keys:
        assert not refs
        return
    assert len(refs) == 1
    assert refs[0].source.count("\n- ") == len(keys)
    assert nb.cells.index(refs[0]) >= len(nb.cells) - 2, "the reference list is not at the chapter's end"
    # the citation text itself: "(Long et al., 2015)" style
    assert re.search(r"\(\[[A-Z][^\]]*, \d{4}\]\(", "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")) \
        or re.search(r"\[[A-Z][^\]]* \(\d{4}\)\]\(", "\n".join(c.source for c in nb.cells))


def test_cross_references_become_links_into_the_book(editions, book):
    refs = [(chapter, label) for chapter in CHAPTERS
            for label in re.findall(r"\{(?:ref|numref)\}`(?:[^`<]*<)?([\w.:-]+)>?`", _markdown_sources(chapter))]
    assert refs, "no chapter cross-references another: this test would check nothing"
    for chapter, label in refs:
        target = book.targets[label]
        url = f"{edition.book_url()}{target.chapter}.html#{label}"
        text = "\n".join(c.source for c in editions[chapter].cells if c.cell_type == "markdown")
        assert f"]({url})" in text
        assert target.title and target.number.startswith(str(CHAPTERS.index(target.chapter) + 1) + ".")


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_figures_keep_the_books_numbers_and_captions(editions, chapter):
    n = CHAPTERS.index(chapter) + 1
    figures = edition.figures_of(_source(chapter))
    cells = editions[chapter].cells
    captions = [i for i, c in enumerate(cells) if c.cell_type == "markdown" and c.source.startswith("**Figure ")]
    assert [cells[i].source.split("**")[1] for i in captions] == [f"Figure {n}.{k}." for k in range(1, len(figures) + 1)]
    for i, (name, caption) in zip(captions, figures):
        assert cells[i - 1].cell_type == "code", "a caption not right under its figure's cell"
        assert caption.split("$")[0][:20] in cells[i].source


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_what_the_book_hides_stays_out_and_hidden_code_is_a_form(editions, chapter):
    nb = editions[chapter]
    for cell in nb.cells:
        assert "tags" not in cell.metadata
        assert "NBVAL_" not in cell.source
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None
    first = nb.cells[0]
    assert "LECTURELIB_SOURCE" in first.source and first.metadata.get("cellView") == "form"
    hidden = sum(bool(set(c.metadata.get("tags", [])) & edition.HIDDEN_TAGS) for c in _source(chapter).cells)
    assert sum(c.metadata.get("cellView") == "form" for c in nb.cells if "@title Solution" not in c.source) == hidden
    assert nb.cells[1].source.startswith(f"# {CHAPTERS.index(chapter) + 1}. ")


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_every_chapter_ends_with_its_progress_table_in_the_book_order(editions, chapter):
    last = _source(chapter).cells[-1]
    labels = [d["label"] for d in edition.exercises_of(_source(chapter))]
    assert last.cell_type == "code"
    call = re.search(r"^show_progress\((.*)\)\s*$", last.source, re.M | re.S)
    assert call, f"{chapter}: the last cell does not call show_progress"
    args = ast.parse(f"f({call.group(1)})").body[0].value
    assert ast.literal_eval(args.args[0]) == f"ch{chapter[9:11]}"
    assert ast.literal_eval(args.keywords[0].value) == labels, \
        "the progress cell's order is not the book's: python scripts/colab_edition.py --progress-cell " + chapter
    assert editions[chapter].cells[-1].source == last.source
    number, exercises = chapter_exercises(f"ch{chapter[9:11]}")
    assert number == CHAPTERS.index(chapter) + 1
    assert sorted(ex.label for ex in exercises) == sorted(labels), "the module and the chapter differ"
    table = progress_table(f"ch{chapter[9:11]}", labels)
    assert [n for n, _, _ in table.rows] == [f"{number}.{k}" for k in range(1, len(labels) + 1)]


def test_an_unknown_construct_stops_the_generator_with_its_name(book):
    ctx = edition.Context(book, CHAPTERS[0])
    with pytest.raises(edition.EditionError, match=r"01_vanilla_rnn.*\{figure\}"):
        edition.convert_markdown(":::{figure} a.png\nA caption\n:::", ctx)
    with pytest.raises(edition.EditionError, match=r"\{term\}"):
        edition.convert_markdown("A {term}`word` here", ctx)
    with pytest.raises(edition.EditionError, match="never closed"):
        edition.convert_markdown(":::{note}\nno end", ctx)


def test_roles_inside_code_spans_are_left_as_examples(book):
    ctx = edition.Context(book, CHAPTERS[0])
    [cell] = edition.convert_markdown("Write `{cite:p}` then {cite:p}`elman1990`.", ctx)
    assert "`{cite:p}`" in cell.source and "(Elman, 1990)" not in cell.source
    assert re.search(r"\(\[Elman, 1990\]\(https://", cell.source)


def test_urls_come_from_the_one_repository_entry():
    owner, name = edition.repository()
    assert edition.config()["repository"]["url"].endswith(f"{owner}/{name}")
    assert edition.colab_launch_url("chapters/08_segmentation") == (
        f"https://colab.research.google.com/github/{owner}/{name}/blob/{edition.edition_branch()}/"
        "chapters/08_segmentation.ipynb")
    assert edition.book_url() in (f"https://{owner.lower()}.github.io/{name}/",
                                  (edition.config().get("html") or {}).get("baseurl", "").rstrip("/") + "/")


# ------------------------------------------------------------------ the progress table

def _chapter_module(n=42):
    module = types.ModuleType(f"lecturelib.exercises.ch{n}")
    def judge(answer):
        if answer == 1:
            return "one."
        raise Wrong("not one.")
    module.first = Exercise("ex-a", "first thing", judge, ["it is one"], "answer = 1", handle="chx.first")
    module.second = Exercise("ex-b", "second thing", judge, [], "answer = 1", handle="chx.second")
    module.alias = module.first  # listed once
    return module


def test_progress_table_follows_the_checks_run_in_this_kernel(capsys):
    module = _chapter_module()
    table = progress_table(module)
    assert [(n, s) for n, _, s in table.rows] == [("42.1", None), ("42.2", None)]
    module.first.check(1)
    module.second.check(2)
    table = progress_table(module)
    assert [s for _, _, s in table.rows] == ["correct", "incorrect"]
    assert table.done == 1 and "1 of 2" in repr(table)
    html = table._repr_html_()
    assert html.count("<tr>") == 3 and "First thing" in html and "not yet (last check: not right)" in html
    module.second.check(...)
    assert progress_table(module).rows[1][2] == "not attempted"
    assert "not yet" in repr(progress_table(module)).split("\n")[2]


def test_show_progress_never_raises(capsys):
    for bad in ("ch99", None, "../x", 3.5, object()):
        show_progress(bad)
        assert "No progress table" in capsys.readouterr().out
    show_progress(_chapter_module(42), order=["ex-a", "ex-zz"])
    assert "No progress table: ValueError: order: ['ex-zz']" in capsys.readouterr().out
    show_progress(_chapter_module(17))
    assert "Chapter 17: 0 of 2" in capsys.readouterr().out


def test_progress_table_in_a_real_chapter_counts_its_exercises():
    for chapter in CHAPTERS:
        table = progress_table(f"ch{chapter[9:11]}", [d["label"] for d in edition.exercises_of(_source(chapter))])
        assert isinstance(table, ProgressTable) and len(table.rows) == len(edition.exercises_of(_source(chapter)))


# ------------------------------------------------------------------ Colab's versions

FREEZE = ROOT / "scripts" / "colab-pip-freeze.txt"


def _freeze(path):
    pins = {}
    for line in path.read_text().splitlines():
        m = re.match(r"^([A-Za-z0-9_.-]+)==(\S+)$", line) or re.match(
            r"^([A-Za-z0-9_.-]+) @ \S*/[A-Za-z0-9_]+-(\d[\d.]*)(?:%2B\w+)?-", line)
        if m:
            pins[canonicalize_name(m.group(1))] = m.group(2)
    return pins


def test_the_freeze_copy_is_colabs_list():
    shared = ROOT.parent / "shared" / "colab" / "pip-freeze.txt"
    if not shared.exists():
        pytest.skip("no ../shared/colab/pip-freeze.txt beside this checkout")
    ours = [line for line in FREEZE.read_text().splitlines()]
    assert ours[3:] == shared.read_text().splitlines()


def test_lecturelib_admits_every_package_colab_preinstalls():
    import tomllib

    pins = _freeze(FREEZE)
    for requirement in tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]:
        req = Requirement(requirement)
        name = canonicalize_name(req.name)
        assert name in pins, f"Colab does not preinstall {req.name}: installing lecturelib would add it"
        assert req.specifier.contains(pins[name], prereleases=True), \
            f"pyproject.toml asks for {requirement}; Colab has {req.name} {pins[name]}, which pip would replace"
    assert pins["ipywidgets"] == "7.7.1" and pins["torch"] == "2.11.0"


# ------------------------------------------------------------------ live widgets under this ipywidgets (8.x)

def test_explorers_and_progress_bars_are_live_widgets_in_a_kernel(tmp_path, monkeypatch):
    """What scripts/colab_run.py checks under Colab's ipywidgets 7.7.1, here under the book's (8.x):
    an explorer shows selection sliders and an output holding a figure, a progress bar is a widget."""
    import ipywidgets
    from nbclient import NotebookClient

    spec = importlib.util.spec_from_file_location("colab_run", ROOT / "scripts" / "colab_run.py")
    colab_run = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(colab_run)
    monkeypatch.delenv("LECTURELIB_STATIC", raising=False)
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("from lecturelib.explorers import explore\n"
                                  "def plot(fig, a):\n    fig.add_subplot().plot([0, 1], [0, a])\n"
                                  "explore(plot, {'a': [1, 2, 3]})"),
        nbformat.v4.new_code_cell("from lecturelib.training import progress\nfor _ in progress(range(3)):\n    pass"),
    ])
    NotebookClient(nb, timeout=120, kernel_name="python3", store_widget_state=True,
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    models = nb.metadata["widgets"][colab_run.STATE]["state"]
    explorer = colab_run.widget_outputs(nb.cells[0], models)
    names = [m["model_name"] for m in explorer]
    assert names.count("SelectionSliderModel") == 1, names
    figures = [o for m in explorer if m["model_name"] == "OutputModel" for o in m["state"]["outputs"]
               if "image/png" in o.get("data", {})]
    assert len(figures) == 1
    bar = [m["model_name"] for m in colab_run.widget_outputs(nb.cells[1], models)]
    assert "HBoxModel" in bar and "FloatProgressModel" in bar, bar
    assert not any("IProgress" in o.get("text", "") for c in nb.cells for o in c.outputs)
    assert int(ipywidgets.__version__.split(".")[0]) >= 8  # the 7.x side is the Colab simulation's


def test_glued_numbers_are_pasted_from_the_build_and_named_without_it(tmp_path, book):
    uses = [(c, m) for c in CHAPTERS for m in re.findall(r"\{glue(?::text)?\}`([^`]+)`", _markdown_sources(c))]
    if not uses:
        pytest.skip("no chapter glues a number into its prose")
    chapter, role = uses[0]
    name, _, spec = role.partition(":")
    executed = tmp_path / "chapters"
    executed.mkdir()
    (executed / f"{Path(chapter).name}.glue.json").write_text(json.dumps({name: {
        "output_type": "display_data", "metadata": {"scrapbook": {"name": name}},
        "data": {"text/plain": "1.234567"}}}))
    glued = edition.executed_glue(tmp_path, f"{Path(chapter).name}.ipynb")
    assert glued == {name: 1.234567}
    with_build = edition.colab_notebook(ROOT / f"{chapter}.ipynb", book, glued)
    text = "\n".join(c.source for c in with_build.cells if c.cell_type == "markdown")
    assert format(1.234567, spec) in text
    without = "\n".join(c.source for c in edition.colab_notebook(ROOT / f"{chapter}.ipynb", book).cells)
    assert f"`{name}` (printed above)" in without


def test_a_glued_number_starting_a_line_does_not_become_a_list_in_colab(book):
    # In the book the line starts with a role; pasted in, "1. That is ..." would be a numbered list item
    # in Colab's Markdown, and "- 2 units" a bullet.
    ctx = edition.Context(book, CHAPTERS[2], glued={"solved": 1, "drop": "- 2", "lost": 3})
    source = ("Talathi-Vartak solves\n{glue:text}`solved`. That is not what they report;\n"
              "{glue:text}`drop` units\nand {glue:text}`lost`. stays inline.")
    cells = edition.convert_markdown(source, ctx)
    assert len(cells) == 1
    text = cells[0].source
    html = MarkdownIt("commonmark").render(text)
    assert "<ol" not in html and "<ul" not in html, html
    assert "1. That is not" in html and "- 2 units" in html and "3. stays inline" in html
    with pytest.raises(edition.EditionError, match="runs onto the next line"):
        edition.convert_markdown("{cite:t}`le2015,\ntalathi2016` write", ctx)


# ------------------------------------------------------------------ the Sphinx hook (_ext/colab_links.py)

def _hook():
    spec = importlib.util.spec_from_file_location("colab_links", ROOT / "_ext" / "colab_links.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_chapter_buttons_open_and_download_the_colab_edition():
    hook = _hook()
    chapter = CHAPTERS[7]
    context = {"pathto": lambda name, resource: f"../{name}", "header_buttons": [
        {"label": "launch-buttons", "buttons": [
            {"text": "Binder", "url": "https://mybinder.org/x"},
            {"text": "Colab", "url": f"https://colab.research.google.com/github/o/r/blob/main/{chapter}.ipynb"}]},
        {"label": "download-buttons", "buttons": [
            {"label": "download-source-button", "url": f"../_sources/{chapter}.ipynb"},
            {"label": "download-pdf-button", "url": ""}]}]}
    hook._point_buttons_at_the_edition(None, chapter, "page.html", context, None)
    launch, download = (g["buttons"] for g in context["header_buttons"])
    assert launch[1]["url"] == edition.colab_launch_url(chapter) and "/blob/colab/" in launch[1]["url"]
    assert launch[0]["url"] == "https://mybinder.org/x"
    assert download[0]["url"] == f"../colab/{chapter}.ipynb" and download[1]["url"] == ""
    untouched = {"pathto": context["pathto"], "header_buttons": [{"label": "launch-buttons", "buttons": [
        {"text": "Colab", "url": "u"}]}]}
    hook._point_buttons_at_the_edition(None, "intro", "page.html", untouched, None)
    assert untouched["header_buttons"][0]["buttons"][0]["url"] == "u"


def test_the_number_check_reads_sphinx_numbers(book):
    hook = _hook()
    exercise = next(t for t in book.targets.values() if t.kind == "exercise")
    section = next(t for t in book.targets.values() if t.kind == "section")
    chapter_n, k = map(int, exercise.number.split("."))
    env = types.SimpleNamespace(
        toc_fignumbers={exercise.chapter: {"exercise": {exercise.anchor: (chapter_n, k)}}},
        toc_secnumbers={section.chapter: {f"#{edition._slug(section.title)}": tuple(map(int, section.number.split(".")))}})
    assert hook._sphinx_number(env, exercise, edition._slug) == exercise.number
    assert hook._sphinx_number(env, section, edition._slug) == section.number
    env.toc_fignumbers[exercise.chapter]["exercise"][exercise.anchor] = (chapter_n, k + 1)
    assert hook._sphinx_number(env, exercise, edition._slug) != exercise.number
