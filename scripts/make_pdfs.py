"""PDFs of the built book: one per chapter and one of the whole book, printed by Chromium.

    python scripts/make_pdfs.py [_build/html]

Each page of the table of contents (intro first) is opened from a local web server in the
headless Chromium the browser tests use (Playwright; ``CHROMIUM`` or chromium on PATH), with
every other host blocked; once MathJax has typeset, the page is printed with the book's print
style (_static/book.css: no navigation, no animation controls, each animation at its first
frame). The pages go to ``_build/html/pdf/<chapter>.pdf``; ``pdf/book.pdf`` joins them in
the order of the table of contents. The chapters' download menus and the intro page link them.
"""
from __future__ import annotations

import functools
import http.server
import os
import shutil
import sys
import threading
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
BOOK_PDF = "book.pdf"


def pages() -> list[str]:
    """The book's pages in reading order, as paths without suffix: intro, then each chapter."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    return [toc["root"]] + [c["file"] for part in toc["parts"] for c in part["chapters"]]


def pdf_name(page: str) -> str:
    """The PDF file name of a page: ``chapters/01_vanilla_rnn`` -> ``01_vanilla_rnn.pdf``."""
    return Path(page).name + ".pdf"


def chromium() -> str:
    for name in (os.environ.get("CHROMIUM", ""), "chromium", "chromium-browser", "google-chrome"):
        if name and shutil.which(name):
            return shutil.which(name)
    raise SystemExit("make_pdfs: no Chromium found (run scripts/ensure_chromium.sh or set CHROMIUM)")


def serve(folder: Path):
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def print_page(browser, url: str, base: str, out: Path) -> None:
    page = browser.new_page(viewport={"width": 1000, "height": 1400})
    page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(base) else r.abort())
    page.goto(url, wait_until="load")
    page.wait_for_function("() => !!(window.MathJax && MathJax.startup && MathJax.startup.promise)",
                           timeout=30000)
    page.evaluate("() => MathJax.startup.promise.then(() => true)")
    page.emulate_media(media="print")
    page.pdf(path=str(out), format="A4", print_background=True, display_header_footer=True,
             header_template="<span></span>",
             footer_template='<div style="font-size:8px;width:100%;text-align:center;">'
                             '<span class="title"></span> · <span class="pageNumber"></span>'
                             '/<span class="totalPages"></span></div>',
             margin={"top": "14mm", "bottom": "16mm", "left": "14mm", "right": "14mm"})
    page.close()


def main(argv) -> int:
    from playwright.sync_api import sync_playwright
    from pypdf import PdfWriter

    html = Path(argv[0] if argv else ROOT / "_build" / "html").resolve()
    if not (html / "index.html").exists():
        raise SystemExit(f"make_pdfs: {html} holds no built book; build it first")
    out = html / "pdf"
    out.mkdir(exist_ok=True)
    server, base = serve(html)
    written = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium(), args=[
                "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run"])
            for page in pages():
                target = out / pdf_name(page)
                print_page(browser, f"{base}/{page}.html", base, target)
                written.append(target)
                print(f"make_pdfs: {target.relative_to(html)}")
            browser.close()
    finally:
        server.shutdown()
    writer = PdfWriter()
    for path, page in zip(written, pages()):
        writer.append(str(path), outline_item=_title(html / f"{page}.html"))
    with open(out / BOOK_PDF, "wb") as f:
        writer.write(f)
    print(f"make_pdfs: {(out / BOOK_PDF).relative_to(html)} ({len(writer.pages)} pages)")
    return 0


def _title(page: Path) -> str:
    """The page's own title, for the whole book's PDF outline: "1. The vanilla recurrent network"
    (the HTML title adds " — <book title>", except on the intro, whose title is the book's)."""
    import html
    import re

    match = re.search(r"<title>(.*?)</title>", page.read_text(encoding="utf-8"), re.S)
    title = html.unescape(match.group(1).strip()) if match else page.stem
    head, sep, _ = title.rpartition(" \u2014 ")
    return head if sep else title


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
