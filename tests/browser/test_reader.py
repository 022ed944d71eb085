"""The book as a reader meets it on a laptop (1280 px), a tablet (900 px) and a phone (390 px):
navigation that opens, nothing cut off, no test plumbing on show, figures with numbers,
captions and alt text, reference lists, the PDFs, the licence."""
import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
TOC = yaml.safe_load((ROOT / "_toc.yml").read_text())
CHAPTERS = [c["file"] for part in TOC["parts"] for c in part["chapters"]]
PAGES = ["intro.html"] + [f"{c}.html" for c in CHAPTERS]
LAPTOP, TABLET, PHONE = 1280, 900, 390


@pytest.fixture
def open_at(browser, base_url):
    """open_at(path, width) -> page, in a fresh browser context of that viewport width;
    requests to other hosts are aborted, as in conftest's open_page."""
    contexts = []

    def _open(path, width):
        context = browser.new_context(viewport={"width": width, "height": 900})
        contexts.append(context)
        page = context.new_page()
        page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(base_url) else r.abort())
        page.goto(f"{base_url}/{path}", wait_until="load")
        page.wait_for_function("() => !window.MathJax || !MathJax.startup || !!MathJax.startup.promise",
                               timeout=20000)
        page.evaluate("() => window.MathJax && MathJax.startup ? MathJax.startup.promise.then(() => 1) : 1")
        page.evaluate("() => Promise.all([...document.images].map(i => i.complete ? 0 : "
                      "new Promise(r => { i.onload = i.onerror = r; })))")
        page.wait_for_timeout(300)
        return page

    yield _open
    for context in contexts:
        context.close()


def _visible(locator):
    return [locator.nth(i) for i in range(locator.count()) if locator.nth(i).is_visible()]


# ------------------------------------------------------------------ navigation on small screens

@pytest.mark.parametrize("width", [PHONE, TABLET])
def test_chapter_list_opens_and_a_link_in_it_navigates(open_at, width):
    page = open_at("chapters/01_vanilla_rnn.html", width)
    toggles = _visible(page.locator(".primary-toggle"))
    assert len(toggles) == 1, f"{len(toggles)} visible chapter-list (☰) buttons at {width} px"
    # On small screens the theme shows the chapter list in a modal dialog the ☰ button opens.
    link = page.locator("dialog#pst-primary-sidebar-modal a[href*='02_bptt']").first
    assert not link.is_visible(), "chapter list already open"
    toggles[0].click()
    link.wait_for(state="visible", timeout=3000)  # raises when the ☰ button does nothing
    link.click()
    page.wait_for_url(re.compile(r".*02_bptt\.html.*"), timeout=5000)


@pytest.mark.parametrize("width", [PHONE, TABLET])
def test_page_contents_open_and_close(open_at, width):
    page = open_at("chapters/03_vanishing_exploding.html", width)
    toggles = _visible(page.locator(".secondary-toggle"))
    assert len(toggles) == 1, f"{len(toggles)} visible 'Contents' buttons at {width} px"
    contents = page.locator("dialog#pst-secondary-sidebar-modal a.nav-link").first
    assert not contents.is_visible()
    toggles[0].click()
    contents.wait_for(state="visible", timeout=3000)
    page.keyboard.press("Escape")
    contents.wait_for(state="hidden", timeout=3000)


def test_one_search_box_on_a_laptop(open_at):
    page = open_at("intro.html", LAPTOP)
    boxes = _visible(page.locator(".search-button-field, form.bd-search input[type='search']"))
    assert len(boxes) == 1, f"{len(boxes)} search boxes visible on the intro page at 1280 px"


# ------------------------------------------------------------------ nothing cut off

CUT_OFF = """() => [...document.querySelectorAll(
    'div.cell_input pre, div.cell_output pre, div.cell_output .output, div.cell_output div.highlight')]
  .filter(e => e.offsetParent !== null && e.scrollWidth > e.clientWidth + 1)
  .map(e => `${e.scrollWidth}>${e.clientWidth}: ${e.textContent.trim().split('\\n')[0].slice(0, 70)}`)"""


@pytest.mark.parametrize("path", PAGES)
def test_every_code_cell_and_output_fits_the_column_on_a_laptop(open_at, path):
    page = open_at(path, LAPTOP)
    assert page.locator("div.cell_input").count() > 0 or path == "intro.html"
    cut = page.evaluate(CUT_OFF)
    assert not cut, f"{len(cut)} code cells or outputs scroll sideways at 1280 px: {cut[:5]}"


@pytest.mark.parametrize("path", PAGES[1:])
def test_80_columns_of_code_fit_on_one_line_on_a_laptop(open_at, path):
    # The chapters keep code within 80 columns (tests/test_code_width.py); every code cell,
    # those behind "Show code cell source" opened, must show 80 of its characters on one line.
    page = open_at(path, LAPTOP)
    page.evaluate("() => document.querySelectorAll('details').forEach(d => { d.open = true; })")
    narrow = page.evaluate("""() => [...document.querySelectorAll('div.cell_input pre')].map(p => {
        const cs = getComputedStyle(p), ctx = document.createElement('canvas').getContext('2d');
        ctx.font = `${cs.fontSize} ${cs.fontFamily}`;
        const room = p.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight);
        return [room, ctx.measureText('x'.repeat(80)).width, p.textContent.slice(0, 40)];
      }).filter(([room, need]) => room < need)""")
    assert not narrow, f"code cells with room for fewer than 80 columns: {narrow[:5]}"


@pytest.mark.parametrize("path", PAGES)
def test_no_page_scrolls_sideways_on_a_phone(open_at, path):
    page = open_at(path, PHONE)
    widths = page.evaluate("() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert widths[0] <= widths[1], f"the page is {widths[0]} px wide in a {widths[1]} px screen"
    # A display equation wider than the screen keeps to its own box, which scrolls.
    wide = page.evaluate("""() => [...document.querySelectorAll('div.math')].filter(m => {
        const r = m.getBoundingClientRect();
        return r.right > document.documentElement.clientWidth + 1 ||
               (m.scrollWidth > m.clientWidth + 1 && !['auto', 'scroll'].includes(getComputedStyle(m).overflowX));
      }).map(m => m.textContent.slice(0, 60))""")
    assert not wide, f"display equations running off the screen: {wide}"


STORED_TABLES = [c for c in CHAPTERS if c.split("/")[-1][:2] in ("03", "04", "05", "06", "08", "09")]


@pytest.mark.parametrize("chapter", STORED_TABLES)
def test_stored_tables_scroll_in_their_box_and_keep_the_caption_readable_on_a_phone(open_at, chapter):
    # lecturelib.tables.Table: the table may be wider than a phone and then scrolls in its own box;
    # the caption (which script, when, on what machine) wraps within the screen instead of scrolling away.
    page = open_at(f"{chapter}.html", PHONE)
    tables = page.evaluate("""() => [...document.querySelectorAll('figure.lecturelib-table')].map(f => {
        const box = f.querySelector('div'), cap = f.querySelector('figcaption');
        return {box: box.getBoundingClientRect().right, scrolls: getComputedStyle(box).overflowX,
                caption: cap ? cap.getBoundingClientRect().right : null,
                text: cap ? cap.textContent.slice(0, 50) : ''};
      })""")
    width = page.evaluate("() => document.documentElement.clientWidth")
    assert any(t["caption"] is not None for t in tables), "no stored table (a captioned one) on this page"
    bad = [t for t in tables if t["box"] > width + 1 or t["scrolls"] != "auto"
           or (t["caption"] is not None and t["caption"] > width + 1)]
    assert not bad, f"tables or captions running off a {width} px screen: {bad}"


# ------------------------------------------------------------------ no test plumbing on show

@pytest.mark.parametrize("path", PAGES)
def test_no_test_plumbing_in_the_page(open_at, path):
    page = open_at(path, LAPTOP)
    text = page.evaluate("""() => { const c = document.body.cloneNode(true);
        c.querySelectorAll('script, style').forEach(e => e.remove()); return c.textContent; }""")
    for mark in ("NBVAL", "Not attempted"):
        found = [m.start() for m in re.finditer(mark, text)]
        assert not found, f"{len(found)} × {mark!r} on {path}, e.g. …{text[found[0] - 60:found[0] + 60]}…"


# ------------------------------------------------------------------ figures

@pytest.mark.parametrize("chapter", CHAPTERS)
def test_every_figure_is_numbered_with_a_caption_and_alt_text(open_at, chapter):
    page = open_at(f"{chapter}.html", LAPTOP)
    images = page.evaluate("""() => [...document.querySelectorAll('article div.cell_output img')].map(i => {
        const f = i.closest('figure');
        const number = f && f.querySelector('figcaption .caption-number');
        const caption = f && f.querySelector('figcaption .caption-text');
        return {src: (i.getAttribute('src') || '').slice(-40), alt: (i.getAttribute('alt') || '').trim(),
                number: number ? number.textContent.trim() : '', caption: caption ? caption.textContent.trim() : ''};
      })""")
    assert images, "a chapter without figures"
    bad = [i for i in images if not re.match(r"Fig(ure|\.)\s*\d+\.\d+", i["number"])
           or len(i["caption"]) < 20 or len(i["alt"]) < 15
           or re.search(r"\.(png|svg|jpe?g)$|^_|/", i["alt"]) or i["alt"].startswith("<")]
    assert not bad, f"{len(bad)} of {len(images)} figure images lack a number, a caption or alt text: {bad[:4]}"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_figures_are_sharp_on_high_density_screens(open_at, chapter):
    page = open_at(f"{chapter}.html", LAPTOP)
    # A figure is sharp at 2 device pixels per CSS pixel when it is vector (SVG) or holds at least
    # twice as many pixels as it is shown across; animation frames included (explorers.PIXEL_RATIO).
    blurry = page.evaluate("""() => [...document.querySelectorAll('article div.cell_output img')]
        .filter(i => !/\\.svg(\\?|$)/.test(i.currentSrc || i.src) && i.naturalWidth < 1.9 * i.clientWidth)
        .map(i => `${(i.getAttribute('src') || '').slice(-30)}: ${i.naturalWidth} px shown at ${i.clientWidth}`)""")
    assert not blurry, f"figures blurry on a 2x screen: {blurry}"
    squeezed = page.evaluate("""() => [...document.querySelectorAll('article div.cell_output img')]
        .filter(i => i.naturalWidth > 0 && Math.abs((i.clientWidth / i.clientHeight) /
                                                     (i.naturalWidth / i.naturalHeight) - 1) > 0.02)
        .map(i => `${(i.getAttribute('src') || '').slice(-30)}: ${i.clientWidth}x${i.clientHeight}`)""")
    assert not squeezed, f"figures shown out of proportion: {squeezed}"


# ------------------------------------------------------------------ references, licence, PDFs

@pytest.mark.parametrize("chapter", CHAPTERS)
def test_citations_link_to_the_chapters_own_reference_list(open_at, chapter):
    page = open_at(f"{chapter}.html", LAPTOP)
    targets = page.locator("article span.bibtex-citation a").evaluate_all("els => els.map(a => a.getAttribute('href'))")
    if not targets:
        pytest.skip("this chapter cites nothing")
    elsewhere = [h for h in targets if not h.startswith("#")]
    assert not elsewhere, f"citations that leave the page for a reference list elsewhere: {elsewhere[:5]}"
    entries = page.locator("article div.citation[role='doc-biblioentry']")
    ids = set(entries.evaluate_all("els => els.map(e => e.id)"))
    assert {h[1:] for h in targets} <= ids, "a citation without its entry in this page's list"
    assert entries.count() == len(ids) <= len(set(targets)), "the list holds references this chapter does not cite"


def test_footer_names_the_licences_and_the_authors(open_at):
    page = open_at("chapters/01_vanilla_rnn.html", LAPTOP)
    footer = page.inner_text("footer.bd-footer-content")
    assert "CC BY-SA 4.0" in footer and "MIT" in footer, footer
    assert "The course team" in footer, footer
    assert (ROOT / "LICENSE").exists()


def _pdf_pages(path: Path) -> int:
    from pypdf import PdfReader

    return len(PdfReader(str(path)).pages)


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_pdf_is_linked_from_the_download_menu_and_has_pages(open_at, book_dir, chapter):
    page = open_at(f"{chapter}.html", LAPTOP)
    page.click("button:has(i.fa-download), .dropdown-download-buttons button")
    hrefs = page.locator(".dropdown-download-buttons a").evaluate_all("els => els.map(a => a.href)")
    pdf = [h for h in hrefs if h.endswith(Path(chapter).name + ".pdf")]
    assert pdf, f"no link to this chapter's PDF in the download menu: {hrefs}"
    assert any(h.endswith("/pdf/book.pdf") for h in hrefs), hrefs
    response = page.request.get(pdf[0])
    assert response.ok and response.body()[:5] == b"%PDF-", f"{pdf[0]} did not serve a PDF"
    assert _pdf_pages(book_dir / "pdf" / (Path(chapter).name + ".pdf")) > 1


def test_book_pdf_is_linked_from_the_intro_and_holds_every_chapter(open_at, book_dir):
    page = open_at("intro.html", LAPTOP)
    link = page.locator("article a[href$='pdf/book.pdf']")
    assert link.count() >= 1, "the intro page does not link the book's PDF"
    response = page.request.get(link.first.evaluate("a => a.href"))
    assert response.ok and response.body()[:5] == b"%PDF-"
    chapters = sum(_pdf_pages(book_dir / "pdf" / (Path(c).name + ".pdf")) for c in CHAPTERS)
    assert _pdf_pages(book_dir / "pdf" / "book.pdf") > chapters, "the book's PDF lacks pages of its chapters"


def test_printed_page_hides_navigation_and_animation_controls(open_at):
    page = open_at("chapters/01_vanilla_rnn.html", LAPTOP)
    page.emulate_media(media="print")
    shown = page.evaluate("""() => ['.bd-sidebar-primary', '.bd-header-article', '.prev-next-area',
        '.anim-buttons', 'input.anim-slider'].filter(s => [...document.querySelectorAll(s)]
        .some(e => e.offsetParent !== null || getComputedStyle(e).display !== 'none'))""")
    assert not shown, f"shown in print: {shown}"
    frames = page.locator("img[id^='_anim_img']")
    assert frames.count() >= 1 and frames.first.is_visible(), "the animation's frame is not printed"
