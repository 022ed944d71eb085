"""Tables the chapters display: Markdown that notebooks show as HTML."""
from __future__ import annotations

import html


class Table:
    """A Markdown table that notebooks show as HTML (``_repr_html_``: the static book's renderer does
    not read Markdown tables) and as Markdown elsewhere; ``str()`` gives the Markdown.

    The HTML is a ``<figure>``: the table in a box that scrolls sideways when the screen is narrower
    than the table, then the caption in a ``<figcaption>`` as wide as the column."""

    def __init__(self, markdown: str, caption: str = ""):
        self.markdown, self.caption = markdown, caption

    def __str__(self):
        return self.markdown + (f"\n\n*{self.caption}*" if self.caption else "")

    def _repr_markdown_(self):
        return str(self)

    def _repr_html_(self):
        lines = [l.strip() for l in self.markdown.strip().splitlines() if l.strip().startswith("|")]
        cells = [[html.escape(c.strip()) for c in l.strip("|").split("|")] for l in lines]
        if len(cells) < 2:
            return f"<p>{html.escape(self.markdown)}</p>"
        align = ["right" if a.strip().endswith(":") else "left" for a in lines[1].strip("|").split("|")]
        head = "".join(f'<th style="text-align:{a}">{c}</th>' for c, a in zip(cells[0], align))
        body = "".join("<tr>" + "".join(f'<td style="text-align:{a}">{c}</td>' for c, a in zip(row, align))
                       + "</tr>" for row in cells[2:])
        table = f'<table class="table"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'
        # The table scrolls sideways in its own box on a narrow screen; the caption sits outside that
        # box (a <caption> would be as wide as the table and scroll out of sight on a phone).
        cap = f"<figcaption>{html.escape(self.caption)}</figcaption>" if self.caption else ""
        return (f'<figure class="lecturelib-table"><div style="overflow-x: auto">{table}</div>{cap}'
                f'</figure>')

