"""The built book as a reader meets it, in a real headless browser."""
import re
from urllib.parse import unquote

import pytest
import yaml

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text())
TOC = yaml.safe_load((ROOT / "_toc.yml").read_text())
CHAPTERS = [c["file"] for part in TOC["parts"] for c in part["chapters"]]
PAGES = ["intro.html"] + [f"{c}.html" for c in CHAPTERS]


def _wait_for_math(page):
    page.wait_for_function("() => !!(window.MathJax && MathJax.startup && MathJax.startup.promise)",
                           timeout=20000)
    page.evaluate("() => MathJax.startup.promise.then(() => true)")


@pytest.mark.parametrize("path", PAGES)
def test_page_loads_without_errors_and_typesets_math_offline(open_page, path):
    page, errors, outside = open_page(path)
    _wait_for_math(page)
    assert not errors, f"console errors on {path}: {errors}; requests to other hosts: {outside}"
    assert page.locator("mjx-container").count() > 0, "no typeset mathematics"
    body = page.inner_text("article")
    assert not re.search(r"\$\$|\\\(|\\\[", body), "raw TeX left on the page"
    # The book fetched nothing it needed from outside: MathJax typeset with other hosts blocked.
    assert not [u for u in outside if "mathjax" in u.lower()]


@pytest.mark.parametrize("path", PAGES)
def test_every_image_loads(open_page, path):
    page, _, _ = open_page(path)
    page.evaluate("() => Promise.all([...document.images].map(i => i.complete ? 0 : "
                  "new Promise(r => { i.onload = i.onerror = r; })))")
    broken = page.evaluate("() => [...document.querySelectorAll('article img')]"
                           ".filter(i => !(i.naturalWidth > 0)).map(i => i.src.slice(0, 80))")
    assert not broken, f"images that did not load: {broken}"
    if path != "intro.html":  # every chapter shows computed figures (none if MPLBACKEND leaks into the build)
        assert page.locator(".cell_output img").count() >= 1, "a chapter without a single figure"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_colab_button_opens_this_chapters_notebook(open_page, chapter):
    page, _, _ = open_page(f"{chapter}.html")
    repo = CONFIG["repository"]["url"].removeprefix("https://github.com/")
    # The button opens the chapter's Colab edition, which the publish workflow pushes to its own branch
    # (_config.yml: sphinx.config.colab_edition_branch; _ext/colab_links.py).
    branch = CONFIG["sphinx"]["config"].get("colab_edition_branch", CONFIG["repository"]["branch"])
    expected = f"https://colab.research.google.com/github/{repo}/blob/{branch}/{chapter}.ipynb"
    requested = []
    page.context.route("https://colab.research.google.com/**",
                       lambda r: (requested.append(r.request.url), r.fulfill(body="colab")))
    page.click("button:has(i.fa-rocket), .dropdown-launch-buttons button")
    link = page.locator("a[href*='colab.research.google.com']")
    assert unquote(link.get_attribute("href")) == expected
    with page.context.expect_page() as new_page:
        link.click()
    new_page.value.wait_for_load_state()
    assert requested and unquote(requested[0]) == expected


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_solutions_are_collapsed_and_open_on_click(open_page, chapter):
    page, _, _ = open_page(f"{chapter}.html")
    solutions = page.locator("div.solution.dropdown")
    assert solutions.count() >= 1
    first = solutions.first
    body = first.locator("div.solution-content, section, .highlight").first
    assert not body.is_visible(), "solution visible before the click"
    first.locator("button.toggle-button").click()
    page.wait_for_timeout(400)
    assert body.is_visible(), "solution still hidden after the click"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_offline_animations_change_frame_with_the_slider(open_page, chapter):
    page, _, _ = open_page(f"{chapter}.html")
    sliders = page.locator("input.anim-slider")
    for i in range(sliders.count()):
        slider = sliders.nth(i)
        image = page.locator("img[id^='_anim_img']").nth(i)
        before = image.get_attribute("src")
        last = slider.get_attribute("max")
        slider.evaluate("(s, v) => { s.value = v; s.dispatchEvent(new Event('input')); }", last)
        page.wait_for_timeout(200)
        assert image.get_attribute("src") != before, f"animation {i} did not change frame"


def test_search_finds_a_term_from_a_chapter(open_page):
    page, errors, _ = open_page("search.html?q=unrolled")
    page.wait_for_selector("#search-results ul.search li", timeout=20000)
    hits = page.locator("#search-results ul.search li a").evaluate_all("els => els.map(e => e.href)")
    assert any("01_vanilla_rnn" in h for h in hits), hits
    assert not errors
