"""Shared fixtures for the book tests: the built book (built once per session) and a browser.

``built_book`` runs ``jupyter-book build`` once per pytest session into a temporary folder;
``tests/test_book.py`` checks the HTML it produced and ``tests/test_browser.py`` serves it over
http and drives headless Chromium through it.  The browser comes from Debian (``chromium`` and
``chromium-driver``, installed by `make test`'s ``system`` step); ``chromium_paths`` fails with a
clear message when they are missing.
"""
from __future__ import annotations

import functools
import http.server
import os
import shutil
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
ARTIFACTS = REPO / "_build" / "test-artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")


def pytest_configure(config):
    # `make compat` runs the unit tests from a copy of tests/ against the installed wheel, where
    # the book, the built HTML and the browser are not there: it deselects these with -m "not repo".
    config.addinivalue_line("markers", "repo: needs the repository checkout (book/, _toc.yml, the built book)")


# --- the table of contents ----------------------------------------------------------------

def _files_in(entries) -> list[str]:
    """Every ``file:`` in a list of toc entries, depth first (chapters, then their sections)."""
    files = []
    for entry in entries or []:
        if "file" in entry:
            files.append(entry["file"])
        files += _files_in(entry.get("sections"))
    return files


def toc_files() -> list[str]:
    """The documents of ``_toc.yml`` in reading order, e.g. ``["book/intro", "book/review", ...]``."""
    toc = yaml.safe_load((REPO / "_toc.yml").read_text(encoding="utf-8"))
    files = [toc["root"]]
    files += _files_in(toc.get("chapters"))
    for part in toc.get("parts") or []:
        files += _files_in(part.get("chapters"))
    return [str(Path(f).with_suffix("")) if Path(f).suffix in {".md", ".ipynb"} else f
            for f in files]


def numbered_toc_files() -> list[str]:
    """The chapters of the parts marked ``numbered: true`` (not their sections, numbered N.M)."""
    toc = yaml.safe_load((REPO / "_toc.yml").read_text(encoding="utf-8"))
    return [entry["file"] for part in toc.get("parts") or [] if part.get("numbered")
            for entry in part.get("chapters") or [] if "file" in entry]


# --- the built book ---------------------------------------------------------------------------

@dataclass
class BuiltBook:
    html: Path       # <tmp>/_build/html
    log: str         # stdout + stderr of jupyter-book build
    seconds: float   # how long the build took

    def page(self, doc: str) -> Path:
        return self.html / f"{doc}.html"


def _tail(text: str, lines: int = 60) -> str:
    return "\n".join(text.splitlines()[-lines:])


@pytest.fixture(scope="session")
def built_book(tmp_path_factory) -> BuiltBook:
    """Build the book once per session, strictly (warnings are errors, nitpicky references)."""
    import time

    jupyter_book = Path(sys.executable).parent / "jupyter-book"
    if not jupyter_book.exists():
        pytest.fail(f"jupyter-book not found next to {sys.executable}; run `make venv`")
    out = tmp_path_factory.mktemp("book")
    cmd = [str(jupyter_book), "build", str(REPO), "--path-output", str(out),
           "--warningiserror", "--nitpick", "--keep-going"]
    start = time.perf_counter()
    try:
        proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=900)
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"book build timed out after {exc.timeout} s")
    seconds = time.perf_counter() - start
    log = proc.stdout + proc.stderr
    (out / "build.log").write_text(log, encoding="utf-8")
    if proc.returncode != 0:
        pytest.fail(f"jupyter-book build failed (exit {proc.returncode}); log tail:\n{_tail(log)}",
                    pytrace=False)
    html = out / "_build" / "html"
    if not (html / "index.html").exists():
        pytest.fail(f"the build produced no {html / 'index.html'}; log tail:\n{_tail(log)}",
                    pytrace=False)
    return BuiltBook(html=html, log=log, seconds=seconds)


# --- the browser ------------------------------------------------------------------------------

def _has_korean_font() -> bool:
    """Whether fontconfig knows a font with Hangul (else Korean text renders as boxes)."""
    if shutil.which("fc-list") is None:
        return False
    out = subprocess.run(["fc-list", ":lang=ko", "family"], capture_output=True, text=True)
    return bool(out.stdout.strip())


def check_browser_packages() -> None:
    """Fail with a clear message when the Debian packages of the browser test are missing.

    `make test` installs them first (its `system` step: chromium, chromium-driver and fonts-nanum,
    the Hangul font without which the screenshots show the slides' Korean as empty boxes).
    """
    missing = [p for p, ok in (("chromium", CHROMIUM.exists()), ("chromium-driver", CHROMEDRIVER.exists()),
                               ("fonts-nanum", _has_korean_font())) if not ok]
    if missing:
        pytest.fail(f"the browser test needs the Debian packages {', '.join(missing)}: run `make system` "
                    f"(as root; `make test` does it) or `apt-get install {' '.join(missing)}`",
                    pytrace=False)


@pytest.fixture(scope="session")
def chromium_paths() -> tuple[Path, Path]:
    check_browser_packages()
    return CHROMIUM, CHROMEDRIVER


class _BookHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep the test output clean
        pass

    def do_GET(self):
        # Chromium asks every new site for /favicon.ico by itself when a page declares no icon.
        # The book declares none, so this request is the browser's, not the book's: answer it
        # with "no content" instead of a 404 that would show up as a console error.
        if self.path == "/favicon.ico" and not (Path(self.directory) / "favicon.ico").exists():
            self.send_response(204)
            self.end_headers()
            return
        super().do_GET()


@pytest.fixture(scope="session")
def book_server(built_book):
    """Serve the built HTML at http://127.0.0.1:<free port>/ (search needs http, not file://)."""
    handler = functools.partial(_BookHandler, directory=str(built_book.html))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def browser(chromium_paths, tmp_path_factory):
    """Headless Chromium through selenium, fully offline (no selenium-manager downloads)."""
    os.environ["SE_OFFLINE"] = "true"
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    chromium, chromedriver = chromium_paths
    options = webdriver.ChromeOptions()
    options.binary_location = str(chromium)
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
                "--window-size=1280,1400",
                f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=str(chromedriver)), options=options)
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
