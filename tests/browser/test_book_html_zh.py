"""The Chinese edition (_build/html/zh) as a reader gets it, in headless Chromium, offline.

Every page of both editions is loaded by test_book_html.py (its PAGES include zh/);
these tests check what is particular to the Chinese one.
"""

import re
from pathlib import Path

import pytest

from .conftest import HTML, open_page

ZH = HTML / "zh"
LSTM = "chapters/05_lstm.html"


def pages(root: Path) -> set[str]:
    return {
        str(p.relative_to(root))
        for p in root.rglob("*.html")
        if not any(part.startswith(("_", ".")) for part in p.relative_to(root).parts)
    }


def test_the_chinese_edition_has_every_page_of_the_english_one():
    english = {p for p in pages(HTML) if not p.startswith("zh/")}
    assert len(english) >= 4 and pages(ZH) == english


def test_every_chapter_heading_of_the_chinese_edition_is_in_chinese():
    """Numbered headings ("## 1. Four tasks") included: their messages start like a
    list item, which rnnkit.i18n escapes so that Sphinx keeps the translation."""
    cjk = re.compile(r"[\u4e00-\u9fff]")
    english = []
    for path in sorted((ZH / "chapters").glob("*.html")):
        if path.stem in ("api", "bibliography"):  # docstrings and references stay English
            continue
        html = path.read_text(encoding="utf-8")
        for heading in re.findall(r"<h[1-3][^>]*>(.*?)</h[1-3]>", html, re.S):
            text = re.sub(r"<[^>]+>|\s+", " ", heading).strip()
            # a name alone ("RWKV", "PyTorch") is a fine heading in either edition
            if len(re.findall(r"[A-Za-z]{4,}", text)) >= 2 and not cjk.search(text):
                english.append(f"{path.stem}: {text[:60]}")
    assert english == []


# The read-only checks of the Chinese LSTM chapter share its page with every other
# check of it (``pages``; the ``path`` parameter keeps them on one worker).
on_the_chinese_lstm_page = pytest.mark.parametrize("path", [f"zh/{LSTM}"])


@on_the_chinese_lstm_page
def test_the_pilot_chapter_and_the_navigation_are_in_chinese(pages, path):
    page = pages.get(path, 1280)
    assert page.get_attribute("html", "lang").lower().startswith("zh")
    assert "带门的记忆单元" in page.inner_text("h1")
    assert "遗忘门" in page.inner_text("main")
    assert "第二部分：数学" in page.inner_text("nav.bd-docs-nav")


@on_the_chinese_lstm_page
def test_math_is_typeset_in_the_chinese_chapter(pages, path):
    page = pages.get(path, 1280)
    page.wait_for_selector("mjx-container", timeout=15_000)
    assert page.locator("mjx-container").count() >= 5
    text = page.inner_text("main")
    assert "$$" not in text and "\\tanh" not in text


def test_framework_tabs_switch_in_the_chinese_chapter(page, site):
    open_page(page, f"{site}/zh/{LSTM}")
    keras_code = page.locator(".sd-tab-content", has_text="keras.layers.LSTM(").first
    torch_code = page.locator(".sd-tab-content", has_text="torch.nn.LSTM(").first
    assert not keras_code.is_visible()
    page.locator("label.sd-tab-label[data-sync-id='keras']").first.click()
    assert keras_code.is_visible() and not torch_code.is_visible()


# Draws one character on a canvas in the font of the chapter's text; returns the pixels.
DRAW = """(ch) => {
    const font = getComputedStyle(document.querySelector("main p")).fontFamily;
    const canvas = document.createElement("canvas");
    canvas.width = canvas.height = 64;
    const context = canvas.getContext("2d");
    context.font = `48px ${font}`;
    context.fillText(ch, 4, 52);
    return [canvas.toDataURL(), context.measureText(ch).width];
}"""


@on_the_chinese_lstm_page
def test_chinese_glyphs_are_drawn_not_missing_glyph_boxes(pages, path):
    """Without a CJK font every Chinese character is drawn as the same box (or blank);
    with one, two characters draw differently, both unlike a code point no font has."""
    page = pages.get(path, 1280)
    forget, forget_width = page.evaluate(DRAW, "遗")
    gate, _ = page.evaluate(DRAW, "门")
    missing, _ = page.evaluate(DRAW, "\U0010fffd")
    assert forget != gate, "the two Chinese characters draw alike: no Chinese font"
    assert missing not in (forget, gate)
    assert 40 <= forget_width <= 56  # a full-width glyph, one em of the 48 px font


def switch(page):
    page.locator("a.language-switch").first.click()
    page.wait_for_load_state("load")
    return page.url


def test_language_switch_goes_to_the_same_page_and_back(page, site):
    open_page(page, f"{site}/{LSTM}")
    assert switch(page) == f"{site}/zh/{LSTM}"
    assert "带门的记忆单元" in page.inner_text("h1")
    assert switch(page) == f"{site}/{LSTM}"
    assert page.traffic.failed == [] and page.traffic.external == []


def test_language_switch_works_from_files_on_disk(browser):
    context = browser.new_context()
    page = context.new_page()
    english = (HTML / LSTM).resolve().as_uri()
    page.goto(english)
    assert switch(page) == (ZH / LSTM).resolve().as_uri()
    assert switch(page) == english
    context.close()


def test_search_for_forget_gate_in_chinese_finds_the_lstm_chapter(page, site):
    open_page(page, f"{site}/zh/search.html?q=遗忘门")
    page.wait_for_selector("#search-results li", timeout=15_000)
    links = page.eval_on_selector_all("#search-results li a", "as => as.map(a => a.href)")
    assert any(link.split("#")[0].endswith(LSTM) for link in links), links


@pytest.mark.parametrize(
    "path",
    [
        f"zh/{LSTM}",
        "zh/chapters/07_char_lm.html",
        "zh/chapters/14_state_tracking.html",
        "zh/chapters/15_state_space_models.html",
    ],
)
def test_screenshot_of_the_chinese_chapter(pages, screenshots, path):
    """The page as loaded for every page's checks (test_book_html.py), not again."""
    page = pages.get(path, 1280)
    target = screenshots / f"zh-{Path(path).stem}.png"
    page.screenshot(path=str(target), full_page=True)
    assert target.stat().st_size > 10_000
