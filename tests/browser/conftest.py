"""Browser tests of the built book (headless Chromium driven by Playwright).

Run after a build:  pytest tests/browser --book-html _build/html
Without --book-html they are skipped (``pytest tests`` runs before the book exists).
The pages are served on localhost; every request to another host is aborted, so the
tests also prove the book works with no network.
"""
import functools
import http.server
import os
import shutil
import threading
from pathlib import Path

import pytest


def _browser_path():
    for name in (os.environ.get("CHROMIUM", ""), "chromium", "chromium-browser", "google-chrome"):
        if name and shutil.which(name):
            return shutil.which(name)
    return None


@pytest.fixture(scope="session")
def book_dir(request):
    folder = request.config.getoption("--book-html")
    if not folder:
        pytest.skip("browser tests need --book-html (run by scripts/test.sh after the build)")
    path = Path(folder).resolve()
    assert (path / "index.html").exists(), f"{path} holds no built book"
    return path


@pytest.fixture(scope="session")
def base_url(book_dir):
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    handler = functools.partial(Quiet, directory=str(book_dir))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture(scope="session")
def browser(book_dir):
    # book_dir first: without --book-html every browser test skips before Chromium is looked
    # for, whatever order pytest sets the fixtures up in (a machine with no Chromium and no
    # built book must pass `pytest tests`).
    from playwright.sync_api import sync_playwright

    executable = _browser_path()
    assert executable, "no Chromium found: install Debian's chromium (scripts/test.sh does) or set CHROMIUM"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run", "--disable-quic"])
        yield browser
        browser.close()


@pytest.fixture
def open_page(browser, base_url):
    """open_page(path) -> (page, console_errors, outside_requests); other hosts are blocked."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    pages = []

    def _open(path):
        page = context.new_page()
        errors, outside = [], []
        page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
        page.on("pageerror", lambda exc: errors.append(str(exc)))

        def route(r):
            if r.request.url.startswith(base_url):
                r.continue_()
            else:
                outside.append(r.request.url)
                r.abort()

        page.route("**/*", route)
        page.goto(f"{base_url}/{path}", wait_until="load")
        page.wait_for_timeout(300)
        pages.append(page)
        return page, errors, outside

    yield _open
    context.close()
