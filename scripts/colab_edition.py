"""The Colab edition of the book: every chapter notebook with its MyST turned into what Colab renders.

    python scripts/colab_edition.py OUT_DIR [chapters/NN_slug.ipynb ...]   # writes OUT_DIR/chapters/*.ipynb
    python scripts/colab_edition.py --branch                              # the branch Colab opens it from
    python scripts/colab_edition.py --book-url                            # where the book is published
    python scripts/colab_edition.py --repository                          # OWNER/REPO, from _config.yml
    python scripts/colab_edition.py --progress-cell chapters/NN.ipynb ... # (re)write a chapter's last cell

Colab renders CommonMark (with HTML and $...$ mathematics), not MyST. In the edition

* an ``{exercise}`` becomes a heading "Exercise 8.2 · Which unpooling?" (the book's number) and its statement;
* a hint (an admonition titled "Hint") becomes a ``<details>`` block, closed until the student opens it;
* a ``{solution}`` becomes a code cell hidden by Colab's form mode (``# @title ... { display-mode: "form" }``
  first line, ``cellView: form`` metadata): the student sees its title and opens it on purpose;
* ``{cite:p}``/``{cite:t}`` become "(Long et al., 2015)" / "Long et al. (2015)" linking to the paper (DOI,
  arXiv, URL, or failing those a search for the title), and the chapter ends with its own reference list;
* ``{ref}``/``{numref}`` become the text the book shows ("Section 4.3", a section's title), linking to the page
  of the published book (:func:`book_url`);
* other admonitions become block quotes; test marks (``# NBVAL_...``), cell tags and outputs stay out. Cells the
  book hides (tags ``remove-input``, ``remove-cell``, ...) are kept, hidden the Colab way (form mode).

Numbering follows the book: chapters are numbered in ``_toc.yml`` order across parts (Jupyter Book's
sphinx-multitoc-numbering), sections as the book numbers them, exercises per chapter ("8.2" is chapter 8's
second). ``_ext/colab_links.py`` writes the edition into the built site at build time and checks these numbers
against the ones Sphinx gave the book. Why a converter of our own: jupytext changes a notebook's file format
but passes Markdown through as it is, so the MyST would stay raw; QuantEcon's sphinx-tojupyter is a Sphinx
builder that rebuilds notebooks from the doctree, knows neither colon-fenced directives nor sphinx-exercise,
and has no notion of Colab's form cells. The constructs this book uses are few and regular; anything else
stops the generator with a message naming the chapter and the construct.
"""
from __future__ import annotations

import codecs
import html
import json
import re
import sys
import textwrap
import urllib.parse
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_BRANCH = "colab"
HIDDEN_TAGS = {"remove-input", "remove-cell", "hide-input", "hide-cell"}
DROPPED_LINE = re.compile(r"^\s*#\s*NBVAL_[A-Z_]+\s*$")
FENCE_OPEN = re.compile(r"^(?P<fence>:{3,}|`{3,})\{(?P<name>[a-zA-Z][\w:-]*)\}[ \t]*(?P<arg>.*?)\s*$")
ROLE = re.compile(r"\{(?P<role>[a-z][\w:-]*)\}`(?P<text>[^`]+)`")
TARGET = re.compile(r"^\(([\w.:-]+)\)=\s*$")
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")


class EditionError(ValueError):
    """A construct the Colab edition has no form for (the message names the chapter and the construct)."""


# ------------------------------------------------------------------ configuration (_config.yml, _toc.yml)

@lru_cache(maxsize=None)
def config() -> dict:
    return yaml.safe_load((ROOT / "_config.yml").read_text())


def repository() -> tuple[str, str]:
    """(owner, name) of the GitHub repository named in _config.yml, the one place it is written."""
    url = config()["repository"]["url"].rstrip("/")
    match = re.fullmatch(r"https://github\.com/([^/]+)/([^/]+?)(?:\.git)?", url)
    if not match:
        raise EditionError(f"_config.yml repository.url: expected https://github.com/OWNER/REPO, got {url!r}")
    return match.group(1), match.group(2)


def edition_branch() -> str:
    """The branch the publish workflow pushes the Colab edition to (Colab opens notebooks from GitHub)."""
    sphinx_config = (config().get("sphinx") or {}).get("config") or {}
    return sphinx_config.get("colab_edition_branch", DEFAULT_BRANCH)


def book_url() -> str:
    """Where the book is read online, ending in "/": ``html.baseurl`` when _config.yml sets one, otherwise
    the repository's GitHub Pages address (what .github/workflows/publish.yml publishes to)."""
    base = ((config().get("html") or {}).get("baseurl") or "").strip()
    if base:
        return base.rstrip("/") + "/"
    owner, name = repository()
    return f"https://{owner.lower()}.github.io/{name}/"


def colab_launch_url(chapter: str) -> str:
    """The address that opens a chapter's Colab edition, e.g. for ``chapters/08_segmentation``."""
    owner, name = repository()
    return (f"https://colab.research.google.com/github/{owner}/{name}/blob/{edition_branch()}/"
            f"{chapter.removesuffix('.ipynb')}.ipynb")


def toc_chapters() -> list[str]:
    """The chapters in book order (``chapters/08_segmentation``), numbered 1, 2, ... across the parts."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    return [c["file"] for part in toc.get("parts", [{"chapters": toc.get("chapters", [])}])
            for c in part["chapters"]]


# ------------------------------------------------------------------ the book's numbers and labels

@dataclass
class Target:
    chapter: str        # "chapters/04_lstm"
    kind: str           # "section", "exercise" or "figure"
    number: str         # "4.3"
    title: str          # the text {ref} shows in the book
    anchor: str         # the HTML id on the book's page

    @property
    def url(self) -> str:
        return f"{book_url()}{self.chapter}.html#{self.anchor}"


@dataclass
class Book:
    chapters: list[str]
    targets: dict[str, Target] = field(default_factory=dict)
    titles: dict[str, str] = field(default_factory=dict)

    def number(self, chapter: str) -> int:
        return self.chapters.index(chapter) + 1


def _slug(text: str) -> str:
    """The id docutils gives a section heading (lowercase words joined by "-")."""
    text = re.sub(r"[`*_$\\{}]", "", text).lower()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


def _markdown_lines(nb):
    """Yield (cell index, line) of the notebook's Markdown cells, skipping fenced code."""
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "markdown":
            continue
        in_code = None
        for line in cell.source.split("\n"):
            stripped = line.strip()
            if in_code:
                if stripped.startswith(in_code):
                    in_code = None
                continue
            m = re.match(r"^(`{3,}|~{3,})(?!\{)", stripped)
            if m:
                in_code = m.group(1)
                continue
            yield i, line


def _read(path: Path):
    return nbformat.read(path, as_version=4)


def scan_book(root: Path = ROOT) -> Book:
    """Number every chapter, section, exercise and figure as the book does, and collect the labels."""
    book = Book(toc_chapters())
    for chapter in book.chapters:
        n = book.number(chapter)
        nb = _read(root / f"{chapter}.ipynb")
        for k, (name, caption) in enumerate(figures_of(nb), 1):
            book.targets[name] = Target(chapter, "figure", f"{n}.{k}", caption, name)
        for k, ex in enumerate(exercises_of(nb), 1):
            book.targets[ex["label"]] = Target(chapter, "exercise", f"{n}.{k}", ex["title"], ex["label"])
        counters, pending = [0] * 6, None
        for _, line in _markdown_lines(nb):
            target = TARGET.match(line.strip())
            if target:
                pending = target.group(1)
                continue
            heading = HEADING.match(line)
            if heading:
                level, title = len(heading.group(1)), heading.group(2)
                if level == 1:
                    book.titles[chapter] = title
                    number = str(n)
                else:
                    counters[level - 1] += 1
                    counters[level:] = [0] * (6 - level)
                    number = ".".join([str(n)] + [str(c) for c in counters[1:level]])
                if pending:
                    book.targets[pending] = Target(chapter, "section", number, title, pending)
            if line.strip():
                pending = None  # a target names the heading right under it, or nothing
    return book


def figure_of(cell) -> tuple[str, str] | None:
    """(name, caption) of a code cell whose output the book shows as a numbered figure (myst-nb metadata)."""
    figure = (cell.metadata.get("mystnb") or {}).get("figure") if cell.cell_type == "code" else None
    if figure and figure.get("name"):
        return figure["name"], figure.get("caption", "")
    return None


def figures_of(nb) -> list[tuple[str, str]]:
    """The named figures of a notebook, in order (the book numbers them 8.1, 8.2, ...)."""
    return [f for f in map(figure_of, nb.cells) if f]


def exercises_of(nb) -> list[dict]:
    """The ``{exercise}`` directives of a notebook, in order: [{"label": ..., "title": ...}, ...]."""
    found = []
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        for block in parse_blocks(cell.source):
            if isinstance(block, Directive) and block.name == "exercise":
                found.append({"label": block.options.get("label", ""), "title": block.argument})
    return found


# ------------------------------------------------------------------ MyST directives: a small block parser

@dataclass
class Directive:
    name: str
    argument: str
    options: dict
    body: str


def parse_blocks(text: str) -> list:
    """Split Markdown into plain text (str) and top-level fenced directives (:class:`Directive`).

    Code fences without braces (```python) are text; a directive's body may nest other fences."""
    lines, blocks, plain, i = text.split("\n"), [], [], 0
    while i < len(lines):
        m = FENCE_OPEN.match(lines[i].strip()) if not lines[i].startswith("    ") else None
        if not m:
            code = re.match(r"^\s*(`{3,}|~{3,})", lines[i])
            if code:  # copy a plain code block whole, so that nothing inside it is read as a directive
                plain.append(lines[i])
                i += 1
                while i < len(lines) and not lines[i].strip().startswith(code.group(1)):
                    plain.append(lines[i])
                    i += 1
                if i < len(lines):
                    plain.append(lines[i])
                    i += 1
                continue
            plain.append(lines[i])
            i += 1
            continue
        fence, name, argument = m.group("fence"), m.group("name"), m.group("arg")
        j, depth, body = i + 1, 0, []
        while j < len(lines):
            stripped = lines[j].strip()
            if stripped == fence and depth == 0:
                break
            inner = FENCE_OPEN.match(stripped)
            if inner and inner.group("fence") == fence:
                depth += 1
            elif stripped == fence:
                depth -= 1
            body.append(lines[j])
            j += 1
        else:
            raise EditionError(f"the directive {{{name}}} opened with {fence} is never closed")
        options = {}
        while body and re.match(r"^:[\w-]+:", body[0].strip()):
            key, _, value = body.pop(0).strip()[1:].partition(":")
            options[key] = value.strip()
        if body and body[0].strip() == "---":
            raise EditionError(f"{{{name}}}: YAML options (---) are not supported; write :key: value lines")
        if plain:
            blocks.append("\n".join(plain))
            plain = []
        blocks.append(Directive(name, argument, options, "\n".join(body).strip("\n")))
        i = j + 1
    if plain:
        blocks.append("\n".join(plain))
    return blocks


# ------------------------------------------------------------------ citations

@lru_cache(maxsize=None)
def bibliography(path: Path = ROOT / "references.bib") -> dict:
    """key -> {"cite": "Long et al.", "year": "2015", "entry": Markdown reference, "url": link}."""
    import latexcodec  # noqa: F401  (registers the "ulatex" codec; installed with pybtex)
    from pybtex.database import parse_file

    def plain(text: str) -> str:
        text = codecs.decode(text, "ulatex") if "\\" in text else text
        return re.sub(r"[{}]", "", text).replace("--", "–").strip()

    out = {}
    for key, entry in parse_file(str(path)).entries.items():
        people = entry.persons.get("author") or entry.persons.get("editor") or []
        lasts = [plain(" ".join(p.prelast_names + p.last_names)) for p in people]
        if len(lasts) == 1:
            cite = lasts[0]
        elif len(lasts) == 2:
            cite = f"{lasts[0]} and {lasts[1]}"
        else:
            cite = f"{lasts[0]} et al."
        f = {k.lower(): plain(v) for k, v in entry.fields.items()}
        arxiv = re.search(r"(?:arXiv:\s*|arxiv\.org/abs/)(\d{4}\.\d{4,5})", " ".join(f.values()), re.I)
        if f.get("doi"):
            url, shown = f"https://doi.org/{f['doi']}", f"doi:{f['doi']}"
        elif arxiv or f.get("eprint"):
            number = arxiv.group(1) if arxiv else f["eprint"]
            url, shown = f"https://arxiv.org/abs/{number}", f"arXiv:{number}"
        elif f.get("url"):
            url, shown = f["url"], f["url"]
        else:
            url, shown = ("https://scholar.google.com/scholar?q=" + urllib.parse.quote_plus(f.get("title", key)),
                          "search for the title")
        names = []
        for p in people:
            first = " ".join(plain(n)[0] + "." for n in p.first_names + p.middle_names if plain(n))
            names.append(f"{plain(' '.join(p.prelast_names + p.last_names))}, {first}".strip(", "))
        authors = ", ".join(names[:-1]) + (" and " if len(names) > 1 else "") + names[-1] if names else ""
        venue = f.get("journal") or f.get("booktitle") or f.get("howpublished") or f.get("publisher") or ""
        if arxiv and venue.strip().lower() == f"arxiv:{arxiv.group(1)}".lower():
            venue = ""  # the link says it
        details = ", ".join(x for x in (venue and f"*{venue}*", f.get("volume") and (
            f["volume"] + (f"({f['number']})" if f.get("number") else "")), f.get("pages")) if x)
        entry_md = f"{authors} ({f.get('year', 'n.d.')}). {f.get('title', key)}."
        entry_md += f" {details}." if details else ""
        entry_md += f" [{shown}]({url})"
        out[key] = {"cite": cite, "year": f.get("year", "n.d."), "entry": entry_md, "url": url}
    return out


# ------------------------------------------------------------------ the conversion

@dataclass
class Context:
    book: Book
    chapter: str
    cited: list = field(default_factory=list)
    level: int = 2      # the heading level of the section we are in
    cell: int = 0
    glued: dict = field(default_factory=dict)   # values glued into the prose, when the build knows them
    sections: list = field(default_factory=lambda: [0] * 6)   # section counters, level 1 to 6

    def fail(self, what: str):
        raise EditionError(f"{self.chapter}.ipynb, cell {self.cell}: {what}; "
                           "teach scripts/colab_edition.py this construct")


def _plain_title(text: str) -> str:
    """A title for a form cell (plain text: no Markdown, no TeX)."""
    text = re.sub(r"\\text\{([^}]*)\}", r"\1", text)
    text = re.sub(r"\\([A-Za-z]+)", r"\1", text)
    return re.sub(r"[$`*{}]|_(?=\w)", "", text).replace('"', "'").strip()


def _cite(keys: str, style: str, ctx: Context) -> str:
    bib = bibliography()
    parts = []
    for key in [k.strip() for k in keys.split(",") if k.strip()]:
        if key not in bib:
            ctx.fail(f"{{cite}} of {key!r}, which references.bib lacks")
        if key not in ctx.cited:
            ctx.cited.append(key)
        b = bib[key]
        parts.append(f"[{b['cite']} ({b['year']})]({b['url']})" if style == "t"
                     else f"[{b['cite']}, {b['year']}]({b['url']})")
    return "; ".join(parts) if style == "t" else "(" + "; ".join(parts) + ")"


def _reference(role: str, text: str, ctx: Context) -> str:
    explicit = re.fullmatch(r"(.*?)\s*<([^<>]+)>", text, re.S)
    shown, label = (explicit.group(1), explicit.group(2)) if explicit else (None, text.strip())
    target = ctx.book.targets.get(label)
    if target is None:
        ctx.fail(f"{{{role}}} to the label {label!r}, which no chapter defines")
    kind = target.kind.capitalize()
    if role == "numref":
        template = shown or f"{kind} %s"
        shown = template.replace("%s", target.number).replace("{number}", target.number)
    elif not shown:
        # what the book shows for {ref}: a section's title, "Exercise 8.2 (title)" for an exercise
        shown = (f"Exercise {target.number} ({target.title})" if target.kind == "exercise"
                 else target.title.split(". ")[0].rstrip(".") if target.kind == "figure" else target.title)
    return f"[{shown}]({target.url})"


def _glued(body: str, ctx: Context) -> str:
    """A number the chapter glued into its prose: the value from the book's executed notebook when the
    build hands one over, otherwise its name, which the chapter's glue() prints in Colab."""
    name, _, spec = body.strip().partition(":")
    if name in ctx.glued:
        value = ctx.glued[name]
        try:
            return format(value, spec) if spec else str(value)
        except (TypeError, ValueError):
            return str(value)
    return f"`{name}` (printed above)"


def glued_values(outputs) -> dict:
    """name -> value of myst-nb glue() outputs: ``outputs`` is an iterable of notebook outputs (the build
    stores a chapter's in ``_build/jupyter_execute/chapters/NN.glue.json``, name -> output)."""
    import ast

    values = {}
    for out in outputs:
        name = (out.get("metadata") or {}).get("scrapbook", {}).get("name")
        text = next((v for k, v in (out.get("data") or {}).items() if k.endswith("text/plain")), None)
        if name and text is not None:
            text = text if isinstance(text, str) else "".join(text)
            try:
                values[name] = ast.literal_eval(text)
            except (ValueError, SyntaxError):
                values[name] = text.strip("'\"")
    return values


def executed_glue(executed_dir: Path | None, chapter_file: str) -> dict:
    """The values a chapter glued when the book's build executed it (empty when there was no build)."""
    if executed_dir is None:
        return {}
    done = Path(executed_dir) / "chapters" / chapter_file
    outputs = []
    if done.with_suffix(".glue.json").exists():
        outputs += json.loads(done.with_suffix(".glue.json").read_text()).values()
    if done.exists():  # older myst-nb kept them in the executed notebook
        outputs += [out for cell in _read(done).cells for out in cell.get("outputs", [])]
    return glued_values(outputs)


def convert_roles(text: str, ctx: Context) -> str:
    def one(m):
        role, body = m.group("role"), m.group("text")
        if role in ("cite:p", "cite", "cite:ps", "cite:alp"):
            return _cite(body, "p", ctx)
        if role in ("cite:t", "cite:ts"):
            return _cite(body, "t", ctx)
        if role in ("ref", "numref"):
            return _reference(role, body, ctx)
        if role in ("glue", "glue:text", "glue:any"):
            return _glued(body, ctx)
        if role == "math":
            return f"${body}$"
        if role == "doc":
            explicit = re.fullmatch(r"(.*?)\s*<([^<>]+)>", body)
            page = (explicit.group(2) if explicit else body).lstrip("/")
            return f"[{explicit.group(1) if explicit else page}]({book_url()}{page}.html)"
        ctx.fail(f"the role {{{role}}}")

    # a role inside a code span is an example, not markup: match code spans too, and leave them as they are
    return re.sub(ROLE.pattern + r"|(?P<code>``.+?``|`[^`\n]+`)",
                  lambda m: m.group("code") if m.group("code") else one(m), text)


def _markdown_text(text: str, ctx: Context) -> str:
    """Plain Markdown pieces: roles converted, MyST targets and comments dropped."""
    lines = []
    for line in text.split("\n"):
        stripped = line.strip()
        if TARGET.match(stripped) or stripped.startswith("% ") or stripped == "%" or stripped == "+++":
            continue
        heading = HEADING.match(line)
        if heading:  # numbered as the book numbers them: "# 8. Title", "## 8.3. Title"
            ctx.level = len(heading.group(1))
            if ctx.level > 1:
                ctx.sections[ctx.level - 1] += 1
                ctx.sections[ctx.level:] = [0] * (6 - ctx.level)
            number = ".".join([str(ctx.book.number(ctx.chapter))] + [str(c) for c in ctx.sections[1:ctx.level]])
            line = f"{heading.group(1)} {number}. {heading.group(2)}"
        lines.append(line)
    text = "\n".join(lines)
    text = re.sub(r"(\$\$)\s*\([\w.:-]+\)", r"\1", text)  # $$ ... $$ (label): the label is for the book
    spanning = re.search(r"\{[a-z][\w:-]*\}`[^`]*\n", text)
    if spanning:  # roles are converted line by line (below)
        ctx.fail(f"a role whose text runs onto the next line ({spanning.group(0).strip()!r}...)")
    return "\n".join(_line_roles_converted(line, ctx) for line in text.split("\n"))


# What makes a line a list item, heading or quote in Markdown when it starts with it.
BLOCK_MARKER = re.compile(r"^(\s*)(\d+)([.)])(?=\s|$)|^(\s*)([-+*>#])(?=\s|$)")


def _line_roles_converted(line: str, ctx: Context) -> str:
    """One line with its roles converted. A line of the book that starts with a role must not become a
    list item, heading or quote when the role's text does: a glued 1 followed by ". That is" would make
    a numbered list in Colab, so the marker is escaped ("1\\. That is")."""
    converted = convert_roles(line, ctx)
    if not ROLE.match(line.lstrip()):
        return converted
    return BLOCK_MARKER.sub(lambda m: (f"{m.group(1)}{m.group(2)}\\{m.group(3)}" if m.group(2)
                                       else f"{m.group(4)}\\{m.group(5)}"), converted, count=1)


def _quote(text: str) -> str:
    return "\n".join(("> " + line).rstrip() for line in text.split("\n"))


def _details(summary: str, body: str) -> str:
    # An HTML block ends at a blank line (CommonMark), so the body between the tags is Markdown again.
    return f"<details>\n<summary><b>{html.escape(summary)}</b></summary>\n\n{body}\n\n</details>"


def convert_markdown(source: str, ctx: Context) -> list:
    """One Markdown cell of the book -> the Colab edition's cells (Markdown, and code for solutions)."""
    cells, text = [], []

    def flush():
        joined = "\n\n".join(t for t in text if t.strip())
        if joined.strip():
            cells.append(nbformat.v4.new_markdown_cell(joined.strip("\n")))
        text.clear()

    for block in parse_blocks(source):
        if isinstance(block, str):
            text.append(_markdown_text(block, ctx))
            continue
        name, title = block.name, block.argument
        if name == "exercise":
            target = ctx.book.targets.get(block.options.get("label", ""))
            if target is None:
                ctx.fail(f"an exercise without a :label: ({title!r})")
            hashes = "#" * min(ctx.level + 1, 6)
            body = _inner_markdown(block.body, ctx)
            text.append(f"{hashes} Exercise {target.number} · {convert_roles(title, ctx)}\n\n{body}")
        elif name == "solution":
            flush()
            target = ctx.book.targets.get(block.argument.strip())
            if target is None:
                ctx.fail(f"a solution to {block.argument!r}, which is no exercise's label")
            cells.extend(_solution_cells(block.body, target, ctx))
        elif name in ("admonition", "note", "tip", "hint", "important", "warning", "caution", "attention",
                      "danger", "error", "seealso"):
            heading = title if name == "admonition" else (title or name.capitalize())
            body = _inner_markdown(block.body, ctx)
            classes = block.options.get("class", "").split()
            if heading.strip().lower().startswith("hint") or "dropdown" in classes:
                text.append(_details(_plain_title(convert_roles(heading, ctx)), body))
            else:
                text.append(_quote(f"**{convert_roles(heading, ctx)}.** {body}"))
        elif name == "math":
            text.append(f"$$\n{block.body.strip()}\n$$")
        else:
            ctx.fail(f"the directive {{{name}}}")
    flush()
    return cells


def _inner_markdown(body: str, ctx: Context) -> str:
    """A directive's body, which must stay one Markdown block (no solutions inside)."""
    inner = convert_markdown(body, ctx)
    if any(c.cell_type != "markdown" for c in inner):
        ctx.fail("a solution inside another directive")
    return "\n\n".join(c.source for c in inner)


def _solution_cells(body: str, target: Target, ctx: Context) -> list:
    title = f"Solution to Exercise {target.number} · {_plain_title(target.title)}"
    codes = re.findall(r"^```(?:python|ipython3?|py)?\s*\n(.*?)^```\s*$", body, re.M | re.S)
    prose = re.sub(r"^```.*?^```\s*$", "", body, flags=re.M | re.S).strip()
    if len(codes) != 1:
        # no code, or several pieces: one closed <details> block, still hidden until asked for
        return [nbformat.v4.new_markdown_cell(_details(title, _inner_markdown(body, ctx)))]
    code = f'# @title {title} {{ display-mode: "form" }}\n' + codes[0].rstrip("\n")
    cells = [nbformat.v4.new_code_cell(code, metadata={"cellView": "form"})]
    if prose:  # the explanation that goes with the code: closed too, right under it
        cells.append(nbformat.v4.new_markdown_cell(
            _details(f"Explanation of the solution to Exercise {target.number}", _inner_markdown(prose, ctx))))
    return cells


def convert_code(cell, ctx: Context):
    source = "\n".join(line for line in cell.source.split("\n") if not DROPPED_LINE.match(line)).strip("\n")
    tags = set(cell.metadata.get("tags", []))
    new = nbformat.v4.new_code_cell(source)
    if tags & HIDDEN_TAGS:
        if ctx.cell == 0 or "LECTURELIB_SOURCE" in source:
            title = "Set-up: installs lecturelib when this runtime lacks it (run me first)"
        else:
            first, figure = source.split("\n", 1)[0], figure_of(cell)
            if figure:
                title = f"Code of Figure {ctx.book.targets[figure[0]].number} (hidden, as in the book)"
            elif first.startswith("#"):
                title = first.lstrip("# ").strip()
            else:
                title = "Code the book hides: open to read it"
            title = _plain_title(title)[:90]
        new.source = f'# @title {title} {{ display-mode: "form" }}\n' + source
        new.metadata["cellView"] = "form"
    return new


def references_cell(ctx: Context):
    bib = bibliography()
    keys = sorted(ctx.cited, key=lambda k: (bib[k]["cite"].lower(), bib[k]["year"]))
    lines = [f"- {bib[k]['entry']}" for k in keys]
    return nbformat.v4.new_markdown_cell("## References\n\n" + "\n".join(lines))


def is_progress_cell(cell) -> bool:
    return cell.cell_type == "code" and "show_progress" in cell.source


def colab_notebook(path: Path, book: Book | None = None, glued: dict | None = None):
    """The Colab edition of the chapter notebook at ``path``; ``glued``: the values the chapter glued into
    its prose when the book's build executed it (see :func:`executed_glue`), pasted in where given."""
    book = book or scan_book()
    chapter = Path(path).resolve().relative_to(ROOT).with_suffix("").as_posix() \
        if Path(path).resolve().is_relative_to(ROOT) else f"chapters/{Path(path).stem}"
    if chapter not in book.chapters:
        raise EditionError(f"{path}: not a chapter listed in _toc.yml")
    nb = _read(Path(path))
    ctx = Context(book, chapter, glued=glued or {})
    cells = []
    for i, cell in enumerate(nb.cells):
        ctx.cell = i
        if cell.cell_type == "markdown":
            cells.extend(convert_markdown(cell.source, ctx))
        elif cell.cell_type == "code":
            cells.append(convert_code(cell, ctx))
            figure = figure_of(cell)
            if figure:  # the book prints the caption under the figure; so does the edition
                number = book.targets[figure[0]].number
                cells.append(nbformat.v4.new_markdown_cell(
                    f"**Figure {number}.** {convert_roles(figure[1], ctx)}"))
        # raw cells are for other outputs (LaTeX); Colab shows none
    # a line under the title: what this is, and where the book is
    for cell in cells:
        if cell.cell_type == "markdown" and cell.source.startswith("# "):
            head, _, rest = cell.source.partition("\n")
            note = (f"*The Colab edition of chapter {book.number(chapter)} of the course book; "
                    f"[read it in the book]({book_url()}{chapter}.html). Run the set-up cell first; "
                    "then each exercise's check cell tells you how your answer does.*")
            cell.source = f"{head}\n\n{note}\n{rest}"
            break
    if ctx.cited:
        at = len(cells) - 1 if cells and is_progress_cell(cells[-1]) else len(cells)
        cells.insert(at, references_cell(ctx))
    out = nbformat.v4.new_notebook(cells=cells)
    out.metadata = {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
                    "language_info": {"name": "python"},
                    "colab": {"provenance": [], "toc_visible": True, "name": Path(path).name}}
    for i, cell in enumerate(out.cells):  # stable ids: the same chapter gives the same file
        cell.id = f"colab-{i:03d}"
    nbformat.validate(out)
    return out


def write_edition(out_dir: Path, paths: list[Path] | None = None, executed_dir: Path | None = None) -> list[Path]:
    """Write the Colab edition of ``paths`` (default: every chapter) under ``out_dir/chapters/``;
    ``executed_dir``: where the build keeps the executed chapters (``_build/jupyter_execute``), if any."""
    book = scan_book()
    paths = paths or [ROOT / f"{c}.ipynb" for c in book.chapters]
    written = []
    for path in paths:
        nb = colab_notebook(Path(path), book, executed_glue(executed_dir, Path(path).name))
        target = Path(out_dir) / "chapters" / Path(path).name
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, target)
        written.append(target)
    return written


def progress_cell_source(chapter: str, nb) -> str:
    """The last cell of a chapter: the progress table of its exercises, in the book's order."""
    labels = ", ".join(f'"{d["label"]}"' for d in exercises_of(nb))
    head = f'show_progress("ch{Path(chapter).name[:2]}", order=['
    wrapped = textwrap.wrap(labels, width=max(40, 79 - len(head)), break_on_hyphens=False) or [""]
    return ("# Your progress: this chapter's exercises, done or not yet, in this session.\n"
            "from lecturelib.exercises import show_progress\n\n"
            + head + ("\n" + " " * len(head)).join(wrapped) + "])")


def refresh_progress_cell(path: Path) -> None:
    """Append the progress cell to a chapter, or rewrite it (after an exercise was added or moved)."""
    nb = _read(path)  # read, change, write at once: others may be editing the same notebook
    source = progress_cell_source(Path(path).stem, nb)
    if is_progress_cell(nb.cells[-1]):
        nb.cells[-1].source = source
    else:
        nb.cells.append(nbformat.v4.new_code_cell(source))
    nbformat.write(nb, path)


def main(argv: list[str]) -> None:
    if argv == ["--branch"]:
        print(edition_branch())
    elif argv == ["--book-url"]:
        print(book_url())
    elif argv == ["--repository"]:
        print("/".join(repository()))
    elif argv[:1] == ["--progress-cell"] and len(argv) > 1:
        for path in argv[1:]:
            refresh_progress_cell(Path(path))
            print(f"progress cell of {path} written")
    elif argv and not argv[0].startswith("-"):
        for path in write_edition(Path(argv[0]), [Path(p) for p in argv[1:]] or None):
            print(f"wrote {path}")
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
