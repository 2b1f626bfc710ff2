"""Headless Chromium through the built book: pages load cleanly, search works, solutions toggle.

Uses the session's built book (``built_book``, tests/conftest.py) served over http on
127.0.0.1, and Debian's chromium + chromedriver driven by selenium without network access.
What the browser logged is written to _build/test-artifacts/console.json, and screenshots of the
GoogLeNet and ResNet chapters (top of the page, and at their first architecture figure) to
_build/test-artifacts/<chapter>.png and <chapter>-figure.png.
"""
from __future__ import annotations

import json
import time

import pytest

from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

from conftest import toc_files
pytestmark = pytest.mark.repo  # the built book; `make compat` deselects it

WAIT_S = 15
SETTLE_S = 0.4  # after "complete": let deferred/async scripts run and log before reading


def load(browser, url: str) -> None:
    browser.get(url)
    WebDriverWait(browser, WAIT_S).until(
        lambda d: d.execute_script("return document.readyState") == "complete")


def test_every_page_loads_without_console_errors(browser, book_server, artifacts_dir):
    """Each page in the toc loads, has a title, logs no error and fetches nothing external.

    Nothing is ignored: any SEVERE console entry (a failed request, a JavaScript exception,
    a theme's console.error) is a fault a reader would see too. Readers may be offline, and
    this machine is, so a page must not fetch anything (MathJax, fonts, ...) from another host.
    """
    browser.get_log("browser")  # drop anything logged before the first page
    seen, problems = {}, []
    for doc in toc_files():
        load(browser, f"{book_server}/{doc}.html")
        time.sleep(SETTLE_S)
        title = browser.title.strip()
        logs = browser.get_log("browser")
        external = browser.execute_script(
            "return performance.getEntriesByType('resource').map(e => e.name)"
            ".filter(u => !u.startsWith(location.origin))")
        seen[doc] = {"title": title, "console": logs, "external_requests": external}
        if not title:
            problems.append(f"{doc}: empty <title>")
        problems += [f"{doc}: {entry['message']}" for entry in logs if entry["level"] == "SEVERE"]
        problems += [f"{doc}: fetched an external resource {url}" for url in external]
    (artifacts_dir / "console.json").write_text(json.dumps(seen, indent=1, ensure_ascii=False),
                                                encoding="utf-8")
    assert not problems, "browser problems:\n" + "\n".join(problems)


def test_search_finds_bottleneck(browser, book_server):
    load(browser, f"{book_server}/search.html?q=bottleneck")
    # Sphinx's searchtools.js fills <ul class="search"> asynchronously.
    results = WebDriverWait(browser, WAIT_S).until(
        EC.presence_of_all_elements_located((By.CSS_SELECTOR, "ul.search li a")))
    hrefs = [a.get_attribute("href") for a in results]
    assert hrefs, "no search results for 'bottleneck'"
    assert any("glossary.html" in h for h in hrefs), hrefs


def test_hidden_solution_opens_on_click(browser, book_server):
    load(browser, f"{book_server}/book/intro.html")
    # sphinx-exercise renders {solution} with :class: dropdown as an admonition; the
    # togglebutton script hides everything but its title behind a button.
    solution = browser.find_element(By.CSS_SELECTOR, ".solution.dropdown")
    body = solution.find_element(By.XPATH, "./*[not(contains(@class, 'admonition-title'))]")
    button = WebDriverWait(browser, WAIT_S).until(
        lambda d: solution.find_element(By.CSS_SELECTOR, "button.toggle-button"))
    assert "toggle-hidden" in solution.get_attribute("class")
    assert not body.is_displayed(), "the solution is visible before the click"
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'});", button)
    button.click()
    WebDriverWait(browser, WAIT_S).until(lambda d: body.is_displayed())
    assert "toggle-hidden" not in solution.get_attribute("class")
    assert "count_params" in body.text


def test_math_is_typeset_offline(browser, book_server):
    """MathJax comes with the book (no CDN), so the introduction's formula gets typeset."""
    load(browser, f"{book_server}/book/intro.html")
    sources = browser.execute_script(
        "return [...document.querySelectorAll('script[src*=\"mathjax\" i]')].map(s => s.src)")
    assert sources, "the introduction loads no MathJax"
    assert all(src.startswith(book_server) for src in sources), \
        f"MathJax comes from another host: {sources}"
    WebDriverWait(browser, WAIT_S).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, "mjx-container"),
        "MathJax did not typeset the introduction's math (is MathJax loaded from a CDN?)")


@pytest.mark.parametrize("chapter", ["googlenet", "resnet"])
def test_screenshot_of_a_chapter(browser, book_server, artifacts_dir, chapter):
    load(browser, f"{book_server}/book/{chapter}.html")
    time.sleep(SETTLE_S)  # fonts and MathJax
    path = artifacts_dir / f"{chapter}.png"
    assert browser.save_screenshot(str(path))
    size = path.stat().st_size
    assert size > 10_000, f"{path} is only {size} bytes"
    # the first captioned figure: its image has loaded and has a size, its caption is numbered
    figure = browser.find_element(By.CSS_SELECTOR, "figure img")
    browser.execute_script("arguments[0].scrollIntoView({block: 'start'});", figure)
    WebDriverWait(browser, WAIT_S).until(
        lambda d: d.execute_script("return arguments[0].complete && arguments[0].naturalWidth > 0", figure),
        f"the first figure of {chapter} did not load")
    caption = browser.find_element(By.CSS_SELECTOR, "figure figcaption").text
    assert caption.startswith("Fig."), caption
    time.sleep(SETTLE_S)
    assert browser.save_screenshot(str(artifacts_dir / f"{chapter}-figure.png"))
