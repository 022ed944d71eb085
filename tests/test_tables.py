"""lecturelib.tables.Table: the HTML the book and Colab show for a stored Markdown table."""
from html.parser import HTMLParser

from lecturelib.tables import Table

MARKDOWN = "| recipe | MSE |\n|---|---:|\n| IRNN | 0.003 |\n| tanh <init> | 0.165 |"


class Tags(HTMLParser):
    """Every start tag with its attributes, and the text inside each kind of tag, in order."""

    def __init__(self, html):
        super().__init__()
        self.tags, self.stack, self.text = [], [], {}
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self.stack.append(tag)

    def handle_endtag(self, tag):
        assert self.stack.pop() == tag, f"</{tag}> closes another element"

    def handle_data(self, data):
        self.text.setdefault(self.stack[-1] if self.stack else None, []).append(data)


def test_html_holds_every_cell_aligned_as_the_markdown_says():
    tags = Tags(Table(MARKDOWN, "Produced by bench/x.py")._repr_html_())
    assert not tags.stack, "unclosed elements"
    assert tags.text["th"] == ["recipe", "MSE"]
    assert tags.text["td"] == ["IRNN", "0.003", "tanh <init>", "0.165"]  # escaped, then read back as text
    aligns = [a["style"] for t, a in tags.tags if t == "td"]
    assert aligns == ["text-align:left", "text-align:right"] * 2


def test_caption_sits_outside_the_scrolling_box():
    html = Table(MARKDOWN, "Produced by bench/x.py on a machine")._repr_html_()
    tags = Tags(html)
    assert [t for t, _ in tags.tags][:3] == ["figure", "div", "table"]
    assert "overflow-x: auto" in tags.tags[1][1]["style"]
    assert tags.text["figcaption"] == ["Produced by bench/x.py on a machine"]
    assert html.index("</table></div>") < html.index("<figcaption>")  # not inside the box that scrolls


def test_without_caption_or_table():
    assert "figcaption" not in Table(MARKDOWN)._repr_html_()
    assert Table("(No stored results.)")._repr_html_() == "<p>(No stored results.)</p>"
    assert str(Table(MARKDOWN, "cap")) == MARKDOWN + "\n\n*cap*"
