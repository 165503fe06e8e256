"""How every page of the book looks, in headless Chromium: a full-page screenshot at a
desktop and at a phone width (kept under _build/screenshots/ as build artefacts), and at
the desktop width nothing that scrolls sideways, padded result tables, figures shown
near their natural size, no dollar sign left over from unrendered maths, no display
equation wider than the column, and the course's diagrams on the pages that draw them.

Only what is visible is measured: the PyTorch tab of each tab set (the default) and
folded solutions closed. Each check reports every offender on the page, not the first.
"""

from pathlib import Path

import pytest
from playwright.sync_api import Error as PlaywrightError

from .test_book_html import PAGES

BOOK_PAGES = [path for path in PAGES if path.startswith("chapters/")]
DESKTOP, PHONE = 1280, 390
PAGE_IDS = [Path(path).stem for path in BOOK_PAGES]

# A page's diagram: the cell whose input calls this rnnkit.plots function must show an image.
DIAGRAMS = {
    "chapters/02_core_concepts.html": "unrolled_rnn_diagram(",
    "chapters/05_lstm.html": "lstm_diagram(",
    "chapters/06_gru.html": "gru_diagram(",
    "chapters/11_seq2seq_attention.html": "seq2seq_attention_diagram(",
    "chapters/12_efficient_models.html": "costs_against_length(",
}

VISIBLE = "e => e.offsetParent !== null && e.getClientRects().length > 0"
WHERE = """e => {
    const label = e.tagName.toLowerCase() + (e.className ? '.' + String(e.className).split(' ')[0] : '');
    const text = (e.innerText || '').trim().split('\\n')[0].slice(0, 60);
    return `${label} "${text}"`;
}"""


def on_each_page(test):
    """Run ``test`` once for each chapter page, at the desktop width (``desktop_page``)."""
    return pytest.mark.parametrize("path", BOOK_PAGES, ids=PAGE_IDS)(test)


@pytest.fixture
def desktop_page(pages, path):
    """The page at the desktop width, loaded and typeset once for all its checks."""
    return pages.get(path, DESKTOP)


# A screenshot keeps at most the top 32,000 px of a page: every chapter fits, and the
# API reference (about 160,000 px tall at 1280 px) would take seconds to encode into
# an image no viewer opens whole.
TALLEST_SHOT = 32_000


def screenshot(page, screenshots, width):
    target = screenshots / f"{Path(page.book_path).stem}-{width}.png"
    height = min(page.evaluate("document.documentElement.scrollHeight"), TALLEST_SHOT)
    for attempt in range(3):
        try:
            page.screenshot(
                path=str(target),
                full_page=True,
                clip={"x": 0, "y": 0, "width": width, "height": height},
            )
            break
        except PlaywrightError:  # a loaded machine sometimes fails one capture of a tall page
            if attempt == 2:
                raise
            page.wait_for_timeout(1000)
    assert target.stat().st_size > 10_000, f"{target.name} is nearly empty"


@on_each_page
def test_screenshot_at_desktop_width(desktop_page, screenshots):
    screenshot(desktop_page, screenshots, DESKTOP)


@on_each_page
def test_screenshot_at_phone_width(pages, screenshots, path):
    screenshot(pages.get(path, PHONE), screenshots, PHONE)


@on_each_page
def test_no_code_output_or_table_scrolls_sideways(desktop_page):
    overflowing = desktop_page.evaluate(
        f"""() => {{
        const visible = {VISIBLE}, where = {WHERE};
        const selector = ['div.highlight pre', '.output pre', 'table',
            '.pst-scrollable-table-container', '.table-wrapper', '.cell_output .output'].join(',');
        return [...document.querySelectorAll('main ' + selector.split(',').join(', main '))]
            .filter(visible)
            .filter(e => e.scrollWidth > e.clientWidth + 1)
            .map(e => `${{where(e)}}: ${{e.scrollWidth}} px in ${{e.clientWidth}} px`);
    }}"""
    )
    assert overflowing == [], "\n".join(overflowing)


@on_each_page
def test_result_tables_have_cell_padding(desktop_page):
    cramped = desktop_page.evaluate(
        f"""() => {{
        const visible = {VISIBLE}, where = {WHERE};
        const cells = [...document.querySelectorAll('main .cell_output table :is(td, th)')];
        return cells.filter(visible).filter(c => {{
            const style = getComputedStyle(c);
            return Math.min(parseFloat(style.paddingLeft), parseFloat(style.paddingRight)) < 4;
        }}).map(c => `${{where(c.closest('table'))}} cell "${{c.innerText.slice(0, 20)}}"`);
    }}"""
    )
    assert cramped == [], f"{len(cramped)} cells with < 4 px padding:\n" + "\n".join(cramped[:10])


@on_each_page
def test_figures_are_shown_near_their_natural_width(desktop_page):
    resized = desktop_page.evaluate(
        f"""() => {{
        const visible = {VISIBLE};
        return [...document.querySelectorAll('main .cell_output img')]
            .filter(visible)
            .map(i => ({{src: i.src.split('/').pop(), natural: i.naturalWidth,
                         shown: i.getBoundingClientRect().width}}))
            .filter(i => Math.abs(i.natural - i.shown) > 0.1 * i.shown)
            .map(i => `${{i.src}}: ${{i.natural}} px drawn at ${{Math.round(i.shown)}} px`
                      + ` (${{Math.round(100 * i.natural / i.shown)}} %)`);
    }}"""
    )
    assert resized == [], "\n".join(resized)


@on_each_page
def test_no_dollar_sign_outside_code_maths_and_signatures(desktop_page):
    """A `$` left in the text is maths that did not render (an API signature is code)."""
    dollars = desktop_page.evaluate(
        """() => {
        const skip = 'code, pre, mjx-container, .math, script, style, kbd, samp, .highlight, .sig';
        const walker = document.createTreeWalker(document.querySelector('main'), NodeFilter.SHOW_TEXT);
        const found = [];
        while (walker.nextNode()) {
            const node = walker.currentNode;
            if (node.textContent.includes('$') && !node.parentElement.closest(skip)) {
                found.push(node.textContent.trim().slice(0, 80));
            }
        }
        return found;
    }"""
    )
    assert dollars == [], "\n".join(dollars)


@on_each_page
def test_display_equations_fit_the_column(desktop_page):
    clipped = desktop_page.evaluate(
        f"""() => {{
        const visible = {VISIBLE};
        return [...document.querySelectorAll('main mjx-container[display="true"]')]
            .filter(visible)
            .map(m => {{
                const box = m.parentElement.getBoundingClientRect();
                const maths = m.querySelector('mjx-math') || m;
                const wide = maths.getBoundingClientRect().width;
                return {{text: (m.getAttribute('aria-label') || m.textContent).slice(0, 60),
                         wide: Math.round(wide), column: Math.round(box.width)}};
            }})
            .filter(m => m.wide > m.column + 1)
            .map(m => `${{m.wide}} px in a ${{m.column}} px column: ${{m.text}}`);
    }}"""
    )
    assert clipped == [], "\n".join(clipped)


@pytest.mark.parametrize(("path", "call"), sorted(DIAGRAMS.items()))
def test_the_diagram_is_drawn_on_its_page(pages, path, call):
    widths = pages.get(path, DESKTOP).evaluate(
        """call => [...document.querySelectorAll('main .cell')]
            .filter(c => (c.querySelector('.cell_input') || {}).textContent?.includes(call))
            .flatMap(c => [...c.querySelectorAll('.cell_output img')])
            .map(i => i.naturalWidth)""",
        call,
    )
    assert widths, f"no cell calling {call} shows an image on {path}"
    assert min(widths) > 300, f"{call} drew an image {min(widths)} px wide"
