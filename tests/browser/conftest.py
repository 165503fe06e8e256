"""Fixtures for the browser tests: the built book served on loopback, and headless
Chromium driven by Playwright with every request leaving the machine blocked.

A page is ready when it has loaded, MathJax has typeset it, and none of the requests
it made is still pending (``open_page``). Playwright's "networkidle" is not used: on
a quiet machine it sometimes never came for a page whose every request had finished,
and a test then waited minutes to say nothing about why."""

import functools
import http.server
import os
import shutil
import threading
import time
from pathlib import Path

import pytest
from playwright.sync_api import Error as PlaywrightError

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
    # Every request that would leave the machine goes to a closed local port and fails
    # (Chromium never sends loopback requests through a proxy): blocked in the browser,
    # not by intercepting each request in Python, which made every page load slower.
    "--proxy-server=127.0.0.1:9",
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


class Server(http.server.ThreadingHTTPServer):
    # Chromium opens several connections at once; the default backlog of 5 lets the
    # kernel drop a connection when the accepting thread is slow to get a core.
    request_queue_size = 128


@pytest.fixture(scope="session")
def site():
    if not (HTML / "index.html").exists():
        pytest.fail(f"no built book at {HTML}: run the book build first")
    handler = functools.partial(QuietHandler, directory=str(HTML))
    server = Server(("127.0.0.1", 0), handler)
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
    """What a page asked for: requests that failed, requests that would have left
    loopback (``CHROMIUM_FLAGS`` makes them fail), and requests not yet answered."""

    def __init__(self, origin: str):
        self.origin = origin
        self.failed: list[str] = []
        self.external: list[str] = []
        self.pending: set = set()

    def watch(self, page):
        page.on("request", self.on_request)
        page.on("requestfinished", self.on_finished)
        page.on("requestfailed", self.on_failed)

    def on_request(self, request):
        self.pending.add(request)
        url = request.url
        if not url.startswith((self.origin, "data:", "blob:")):
            self.external.append(url)

    def on_finished(self, request):
        self.pending.discard(request)

    def on_failed(self, request):
        self.pending.discard(request)
        if request.url.startswith(self.origin):
            self.failed.append(f"{request.url} ({request.failure})")


TYPESET = (
    "() => window.MathJax && MathJax.startup && MathJax.startup.promise"
    " ? MathJax.startup.promise.then(() => true) : true"
)


def settle(page, quiet_ms: int = 300, timeout_s: float = 60.0):
    """Return once no request of the page has been pending for ``quiet_ms``; fail,
    naming them, if some are still pending after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while True:
        if not page.traffic.pending:
            page.wait_for_timeout(quiet_ms)  # lets Playwright deliver late request events
            if not page.traffic.pending:
                return
        if time.monotonic() > deadline:
            urls = sorted(request.url for request in page.traffic.pending)
            pytest.fail(f"{page.url}: requests unanswered after {timeout_s:.0f} s: {urls}")
        page.wait_for_timeout(100)


def open_page(page, url: str):
    """Load ``url`` and wait until the page is ready (loaded, typeset, quiet). A page
    that sends the reader on (the book's index.html opens the introduction) is
    followed: the page it opens is the one made ready."""
    page.goto(url, wait_until="load")
    for attempt in range(3):
        try:
            page.evaluate(TYPESET)
            break
        except PlaywrightError as error:
            if "context was destroyed" not in str(error) or attempt == 2:
                raise
            page.wait_for_load_state("load")
    settle(page)
    return page


def new_page(browser, site, width: int = 1280, height: int = 900):
    """A page in a context of its own, its traffic watched (``page.traffic``)."""
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    # The largest pages (the API reference, a chapter with many figures) load slowly
    # while the other worker and a build share two busy cores.
    page.set_default_timeout(120_000)
    page.traffic = Traffic(site)
    page.traffic.watch(page)
    return context, page


@pytest.fixture
def page(browser, site):
    """A fresh page for a test that clicks or changes what it shows."""
    context, page = new_page(browser, site)
    yield page
    context.close()


class Pages:
    """Book pages loaded once for every check that only reads them: the last page
    loaded at each width stays open, and the tests of one page run one after the
    other on one worker (``pytest_collection_modifyitems``). A test that clicks or
    edits the page uses the ``page`` fixture instead."""

    def __init__(self, browser, site):
        self.browser, self.site = browser, site
        self.open: dict[int, tuple] = {}

    def get(self, path: str, width: int):
        held = self.open.get(width)
        if held and held[0] == path:
            return held[2]
        if held:
            held[1].close()
        height = 900 if width >= 800 else 844
        context, page = new_page(self.browser, self.site, width, height)
        self.open[width] = (path, context, page)
        open_page(page, f"{self.site}/{path}")
        page.book_path = path
        return page

    def close(self):
        for _, context, _ in self.open.values():
            context.close()


@pytest.fixture(scope="session")
def pages(browser, site):
    shelf = Pages(browser, site)
    yield shelf
    shelf.close()


@pytest.fixture(scope="session")
def screenshots():
    SHOTS.mkdir(parents=True, exist_ok=True)
    return SHOTS


def book_path(item) -> str:
    """The page a test checks (its ``path`` parameter), or "" for any other test."""
    spec = getattr(item, "callspec", None)
    return spec.params.get("path", "") if spec is not None else ""


def pytest_addoption(parser):
    parser.addoption(
        "--shard",
        default="0/1",
        help="K/N: run the K-th of N equal shares of the pages (0 <= K < N); "
        "`make test` runs two shares side by side, one per core",
    )


def pytest_collection_modifyitems(config, items):
    """The checks of one page run one after the other, so ``pages`` loads and typesets
    it once at each width; with ``--shard K/N`` this process keeps every N-th page
    (and every N-th other test). Pages are dealt out whole, so no page is loaded by
    two processes. (pytest-xdist's ``--dist loadgroup`` would do this, but its groups
    are lost with pytest 9, which no longer reads the test id it rewrites.)"""
    items.sort(key=book_path)  # stable: a page's checks keep their order
    k, n = (int(part) for part in config.getoption("shard").split("/"))
    if not 0 <= k < n:
        raise pytest.UsageError(f"--shard K/N needs 0 <= K < N, got {k}/{n}")
    keys = list(dict.fromkeys(book_path(item) or item.nodeid for item in items))
    share = {key for index, key in enumerate(keys) if index % n == k}
    kept = [item for item in items if (book_path(item) or item.nodeid) in share]
    config.hook.pytest_deselected(items=[item for item in items if item not in kept])
    items[:] = kept
