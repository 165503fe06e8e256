"""Fixtures for the browser tests: the built book served on loopback, and headless
Chromium driven by Playwright with every request leaving the machine blocked."""

import functools
import http.server
import os
import shutil
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HTML = ROOT / "_build" / "html"
SHOTS = ROOT / "_build" / "screenshots"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str:
    path = (
        os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    )
    if not path:
        pytest.fail("Chromium not found: install Debian's 'chromium' package (make test does)")
    return path


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="session")
def site():
    if not (HTML / "index.html").exists():
        pytest.fail(f"no built book at {HTML}: run the book build first")
    handler = functools.partial(QuietHandler, directory=str(HTML))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


class Traffic:
    """What a page asked for: requests that failed and requests that left loopback."""

    def __init__(self, origin: str):
        self.origin = origin
        self.failed: list[str] = []
        self.external: list[str] = []

    def route(self, route):
        url = route.request.url
        if url.startswith(self.origin) or url.startswith("data:") or url.startswith("blob:"):
            route.continue_()
        else:
            self.external.append(url)
            route.abort()

    def on_failed(self, request):
        if request.url.startswith(self.origin):
            self.failed.append(f"{request.url} ({request.failure})")


@pytest.fixture
def page(browser, site):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    # The largest pages (the API reference, a chapter with many figures) take far longer
    # than Playwright's 30 s default to go idle while the other worker and a build share
    # two busy cores; a page that never loads still fails, after two minutes.
    page.set_default_timeout(120_000)
    traffic = Traffic(site)
    page.route("**/*", traffic.route)
    page.on("requestfailed", traffic.on_failed)
    page.traffic = traffic
    yield page
    context.close()


@pytest.fixture(scope="session")
def screenshots():
    SHOTS.mkdir(parents=True, exist_ok=True)
    return SHOTS


def pytest_collection_modifyitems(config, items):
    """With ``pytest -n N --dist loadgroup`` (as ``make test`` runs them) each worker
    drives its own Chromium; the checks of one page at the desktop width share one
    worker, so the page is loaded and typeset once (test_book_look.desktop_page)."""
    for item in items:
        spec = getattr(item, "callspec", None)
        if spec is not None and "desktop_page" in spec.params:
            item.add_marker(pytest.mark.xdist_group(f"desktop:{spec.params['desktop_page']}"))
