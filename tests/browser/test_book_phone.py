"""Every page of both editions on a 390 px phone, in headless Chromium: a figure opens
at full size with one tap, a wide table scrolls inside its box with its first column in
view, display maths scrolls inside its box instead of being cut, and nothing makes the
page itself scroll sideways. Also, at any width: every solution folds under its
edition's one label, and the API page's signatures read ``name=default``.

Each page is loaded once at 390 px for all its checks (conftest.Pages). Each check
reports every offender on the page.
"""

import pytest

from rnnkit.book import SOLUTION_PROMPTS

from .test_book_html import PAGES
from .test_book_look import VISIBLE, WHERE

PHONE = 390
BOOK_PAGES = [p for p in PAGES if p.startswith(("chapters/", "zh/chapters/"))]
PAGE_IDS = [p.replace("/", "-").removesuffix(".html") for p in BOOK_PAGES]


def on_each_page(test):
    """Run ``test`` once for each chapter page of both editions, at 390 px."""
    return pytest.mark.parametrize("path", BOOK_PAGES, ids=PAGE_IDS)(test)


@pytest.fixture
def phone_page(pages, path):
    """The page at 390 px, loaded and typeset once for all its checks."""
    return pages.get(path, PHONE)


@on_each_page
def test_every_figure_is_a_link_to_its_full_size_image(phone_page):
    unlinked = phone_page.evaluate(
        f"""() => {{
        const visible = {VISIBLE};
        return [...document.querySelectorAll('main .cell_output img, main figure img')]
            .filter(visible)
            .filter(i => {{
                const a = i.closest('a');
                return !a || new URL(a.href, location.href).href !== i.src;
            }})
            .map(i => i.src.split('/').pop());
    }}"""
    )
    assert unlinked == [], f"figures without a full-size link: {unlinked}"


@on_each_page
def test_the_page_never_scrolls_sideways(phone_page):
    widths = phone_page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert widths[0] <= widths[1] + 1, f"page {widths[0]} px wide in a {widths[1]} px window"


SCROLLS = """e => {
    for (let box = e; box && box.tagName !== 'MAIN'; box = box.parentElement) {
        const style = getComputedStyle(box);
        if (['auto', 'scroll'].includes(style.overflowX) && box.clientWidth < window.innerWidth)
            return box;
    }
    return null;
}"""


@on_each_page
def test_wide_tables_scroll_in_their_box_with_the_first_column_in_view(phone_page):
    wrong = phone_page.evaluate(
        f"""() => {{
        const visible = {VISIBLE}, where = {WHERE}, scrolls = {SCROLLS};
        const found = [];
        for (const table of [...document.querySelectorAll('main table')].filter(visible)) {{
            const box = scrolls(table);
            const wide = table.getBoundingClientRect().width;
            if (!box) {{
                if (wide > document.querySelector('main').clientWidth + 1)
                    found.push(`${{where(table)}}: ${{Math.round(wide)}} px, in no scrolling box`);
                continue;
            }}
            if (box.scrollWidth <= box.clientWidth + 1) continue;
            const first = table.querySelector('tbody tr > :first-child');
            if (first && getComputedStyle(first).position !== 'sticky')
                found.push(`${{where(table)}}: scrolls, but its first column is not kept in view`);
        }}
        return found;
    }}"""
    )
    assert wrong == [], "\n".join(wrong)


@on_each_page
def test_display_maths_is_never_cut(phone_page):
    """Maths wider than its box must sit in a box that scrolls, so every part is reachable."""
    cut = phone_page.evaluate(
        f"""() => {{
        const visible = {VISIBLE}, scrolls = {SCROLLS};
        return [...document.querySelectorAll('main mjx-container[display="true"]')]
            .filter(visible)
            .filter(m => {{
                const maths = (m.querySelector('mjx-math') || m).getBoundingClientRect();
                const column = m.getBoundingClientRect();
                const wider = maths.width > column.width + 1;
                return wider && !(scrolls(m) && scrolls(m).scrollWidth >= maths.width - 1);
            }})
            .map(m => (m.getAttribute('aria-label') || m.textContent).slice(0, 60));
    }}"""
    )
    assert cut == [], "display maths cut at 390 px:\n" + "\n".join(cut)


@on_each_page
def test_every_solution_folds_under_the_editions_label(phone_page):
    language = "zh_CN" if phone_page.book_path.startswith("zh/") else "en"
    show = SOLUTION_PROMPTS[language][0]
    labels = phone_page.evaluate(
        """() => [...document.querySelectorAll('main details.hide summary')]
            .map(s => s.innerText.trim())"""
    )
    assert [label for label in labels if label != show] == []


@pytest.mark.parametrize("path", ["chapters/api.html", "zh/chapters/api.html"])
def test_an_api_signature_reads_each_name_before_its_default(pages, path):
    page = pages.get(path, 1280)
    signature = page.inner_text('[id="rnnkit.repro.setup"]')
    assert "setup(seed=0, device='auto', deterministic=True, threads=1, language='en')" in signature
