"""The built book as a reader gets it, in headless Chromium, offline."""

from pathlib import Path

import pytest

from . import conftest
from .conftest import HTML

# Both editions: the Chinese one is under zh/ (test_book_html_zh.py).
PAGES = sorted(
    str(p.relative_to(HTML))
    for p in HTML.rglob("*.html")
    if not any(part.startswith(("_", ".")) for part in p.relative_to(HTML).parts)
)
MATH_CHAPTER = "chapters/02_core_concepts.html"


def open_page(page, site, path):
    return conftest.open_page(page, f"{site}/{path}")


def test_the_book_has_pages():
    assert "chapters/intro.html" in PAGES and len(PAGES) >= 4


@pytest.mark.parametrize("path", PAGES)
def test_page_loads_with_no_failed_or_external_request(pages, path):
    page = pages.get(path, 1280)
    assert page.traffic.failed == [], f"{path}: failed requests"
    assert page.traffic.external == [], f"{path}: requests leaving the machine"


@pytest.mark.parametrize("path", PAGES)
def test_every_image_on_the_page_loads(pages, path):
    page = pages.get(path, 1280)
    broken = page.eval_on_selector_all(
        "img", "imgs => imgs.filter(i => !i.complete || i.naturalWidth === 0).map(i => i.src)"
    )
    assert broken == []


@pytest.mark.parametrize("path", [MATH_CHAPTER])
def test_math_is_typeset_with_no_raw_tex_left(pages, path):
    page = pages.get(path, 1280)
    page.wait_for_selector("mjx-container", timeout=15_000)
    assert page.locator("mjx-container").count() >= 5
    text = page.inner_text("main")
    assert "$$" not in text and "\\tanh" not in text


@pytest.mark.parametrize("path", ["chapters/01_history.html"])
def test_history_chapter_draws_its_figure(pages, path):
    page = pages.get(path, 1280)
    sizes = page.eval_on_selector_all(".cell_output img", "imgs => imgs.map(i => i.naturalWidth)")
    assert sizes and min(sizes) > 300


def test_framework_tabs_switch_and_stay_in_sync(page, site):
    open_page(page, site, MATH_CHAPTER)
    keras_code = page.locator(".sd-tab-content", has_text="keras.layers.SimpleRNN").first
    torch_code = page.locator(".sd-tab-content", has_text="torch.nn.RNN(").first
    assert not keras_code.is_visible()
    page.locator("label.sd-tab-label[data-sync-id='keras']").first.click()
    assert keras_code.is_visible() and not torch_code.is_visible()
    # every tab set on the page follows the choice
    stacked_keras = page.locator(".sd-tab-content", has_text="keras.layers.Bidirectional").first
    assert stacked_keras.is_visible()


def test_exercise_solutions_are_folded_until_clicked(page, site):
    open_page(page, site, MATH_CHAPTER)
    solution = page.locator("details.hide", has_text="Solution to exercise 2.1").first
    body = solution.locator(".cell_input")
    assert not body.is_visible()
    solution.locator("summary").click()
    assert body.is_visible()


def test_search_finds_forget_gate(page, site):
    open_page(page, site, "search.html?q=forget+gate")
    page.wait_for_selector("#search-results li", timeout=15_000)
    assert page.locator("#search-results li").count() >= 1


@pytest.mark.parametrize("path", ["chapters/01_history.html", MATH_CHAPTER])
def test_launch_and_download_buttons_are_present(pages, path):
    page = pages.get(path, 1280)
    launch = page.locator(".dropdown-launch-buttons a")
    hrefs = [launch.nth(i).get_attribute("href") for i in range(launch.count())]
    assert any("colab.research.google.com" in h for h in hrefs)
    assert any("mybinder.org" in h for h in hrefs)
    notebook = Path(path).with_suffix(".ipynb").name
    download = page.locator(f".dropdown-download-buttons a[href$='{notebook}']")
    assert download.count() == 1


def test_a_request_leaving_the_machine_is_recorded_and_fails(page, site):
    """The guard behind the two tests above: a page that asks for a script by host name
    and an image by address gets neither, and both are recorded as leaving."""
    open_page(page, site, "chapters/intro.html")
    outside = ["https://cdn.example.org/a.js", "http://192.0.2.1/b.png"]
    loaded = page.evaluate(
        """async ([script, image]) => {
            const load = (element, url) => new Promise(done => {
                element.onload = () => done(true);
                element.onerror = () => done(false);
                element.src = url;
                document.body.append(element);
            });
            return [await load(document.createElement('script'), script),
                    await load(document.createElement('img'), image)];
        }""",
        outside,
    )
    assert loaded == [False, False]
    assert sorted(page.traffic.external) == sorted(outside)
