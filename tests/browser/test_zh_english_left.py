"""How much English a reader of the Chinese edition still has to read, page by page.

What counts is the text a person reads in Chromium outside code, printed output,
maths, URLs, the bibliography and the data cells of tables (the sentences and dates a
model reads are English data): Latin words that are not names (capitalised), not the
terms the edition keeps (``rnnkit.translation.KEPT``: RNN, LSTM, PyTorch, ...), not an
English term given in full-width parentheses after its Chinese one, as the glossary's
rule allows (长短期记忆网络（long short-term memory，LSTM）), and not in the short list
below, each with its reason. Figures are images: their
text is checked through the Chinese copy's alt text (rnnkit.i18n.EditionOutputs).
"""

import re

import pytest

from rnnkit.translation import KEPT

from .conftest import HTML

ZH = HTML / "zh"
EXEMPT_PAGES = {
    "chapters/api": "the reference is generated from the docstrings, which stay in English",
    "chapters/bibliography": "references are cited in their own language",
    "chapters/glossary": "the term list pairs each English term with its Chinese one",
    "genindex": "the index lists code names",
    "search": "the search page holds no text of its own",
}
ALLOWED = {
    # word: why it stays in English on any page
    "et": "in 'et al.' of a paper's title quoted as written",
    "al": "in 'et al.' of a paper's title quoted as written",
    "rnnkit": "the package's name",
    "ppm": "a unit (parts per million)",
    "nat": "a unit of information",
    "max": "an operator's name, as in max |h|",
    "mod": "an operator's name, as in sum mod 3",
    "sigmoid": "the function's name, which the glossary keeps (sigmoid 函数)",
    "softplus": "the function's name",
    "logit": "the usual name of a pre-softmax score in Chinese texts too",
    "logits": "the usual name of pre-softmax scores in Chinese texts too",
    "statsmodels": "a package's name",
    "gloo": "a library's name (PyTorch's CPU communication back end)",
    "mkldnn": "a library's name (Intel's oneDNN, as PyTorch calls it)",
}
PAGE_WORDS = {
    # page: (why, the English words it quotes)
    "chapters/01_history": (
        "the word-order example is quoted in English, with its Chinese gloss",
        {"the", "dog", "bit", "man"},
    ),
    "chapters/08_text_classification": (
        "the data set's sentences are English: the words the models must read are quoted",
        {
            "the",
            "was",
            "not",
            "never",
            "plot",
            "very",
            "dull",
            "but",
            "although",
            "good",
            "bad",
            "acting",
            "great",
            "story",
            "boring",
            "movie",
            "quite",
            "brilliant",
        },
    ),
    "chapters/13_looking_inside": (
        "a sentence of the English data set is quoted",
        {"the", "plot", "was", "not", "bad", "but", "acting", "dull"},
    ),
}
LIMIT = 5  # English words a page may keep beyond the list, e.g. a quoted title

READ = """() => {
    const main = document.querySelector("main").cloneNode(true);
    const skipped = "pre, code, .highlight, mjx-container, .math, script, style, "
        + ".bibliography, .citation, dl.citation, .headerlink, a.reference.external, "
        + ".cell_output .output.text_plain, .cell_output .output.stream, img, svg, "
        + ".prev-next-area, nav, td";
    main.querySelectorAll(skipped).forEach(e => e.remove());
    return main.innerText;
}"""
_WORD = re.compile(r"(?<![\w.])[a-z][a-z'’-]{2,}(?![\w.])")
_KEPT = {word.lower() for word in KEPT}


def zh_pages() -> list[str]:
    found = []
    for path in sorted(ZH.rglob("*.html")):
        page = path.relative_to(ZH).with_suffix("").as_posix()
        if page.startswith(("_", ".")) or page in EXEMPT_PAGES:
            continue
        found.append(page)
    return found


_GLOSSED = re.compile(r"（[^（）]*）")  # an English term after its Chinese one


def english_words(text: str) -> list[str]:
    """Lower-case Latin words of three letters or more that are not kept terms, outside
    full-width parentheses and hyphenated slugs (a link's address)."""
    words = _WORD.findall(_GLOSSED.sub(" ", text))
    return [w for w in words if w not in _KEPT and w not in ALLOWED and w.count("-") < 3]


def test_english_words_are_counted_outside_names_and_kept_terms():
    text = "长短期记忆网络（long short-term memory，LSTM）由 Hochreiter 提出，the gradient vanishes 在 et al. 中"
    assert english_words(text) == ["the", "gradient", "vanishes"]


NAMES = zh_pages() if ZH.exists() else ["index"]


@pytest.mark.parametrize("path", [f"zh/{name}.html" for name in NAMES], ids=NAMES)
def test_a_chinese_page_leaves_at_most_a_handful_of_english_words(pages, path):
    page = pages.get(path, 1280)  # READ reads a copy of the page: the page is not changed
    name = path.removeprefix("zh/").removesuffix(".html")
    quoted = PAGE_WORDS.get(name, ("", set()))[1]
    words = [w for w in english_words(page.evaluate(READ)) if w not in quoted]
    assert len(words) <= LIMIT, f"{name}: {len(words)} English words: {words[:40]}"


CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.mark.parametrize(
    "chapter", ["05_lstm", "07_char_lm", "14_state_tracking", "15_state_space_models"]
)
def test_every_figure_with_words_is_drawn_in_chinese(chapter):
    """A figure whose text needs translating is the Chinese copy (its alt text holds the
    translated words); a figure with only numbers and names is the English image."""
    english = (HTML / "chapters" / f"{chapter}.html").read_text(encoding="utf-8")
    chinese = (ZH / "chapters" / f"{chapter}.html").read_text(encoding="utf-8")
    english_images = set(re.findall(r'<img[^>]*src="([^"]+)"', english))
    figures = re.findall(r'<div class="cell_output[^"]*".*?(?=<div class="cell )', chinese, re.S)
    images = [m for block in figures for m in re.findall(r"<img[^>]*>", block)]
    assert images, f"{chapter}: no figure found"
    drawn_in_chinese = 0
    for image in images:
        src = re.search(r'src="([^"]+)"', image)[1]
        alt = (re.search(r'alt="([^"]*)"', image) or [None, ""])[1]
        if CJK.search(alt):
            drawn_in_chinese += 1
        else:
            assert src in english_images, f"{chapter}: {src} is neither Chinese nor English"
    assert drawn_in_chinese >= 1, f"{chapter}: no figure drawn in Chinese"


_CHAPTER_REF = re.compile(r"第\s*([^第章。；，]{1,40}?)\s*章")
_CHAPTER_NUMBERS = re.compile(r"^(?:[1-9]\d?)(?:\s*(?:、|和|至|到|-|–)\s*(?:第\s*)?[1-9]\d?)*$")


def test_every_chapter_reference_of_the_chinese_edition_reads_as_a_number():
    """ "第 5 章", "第 5、6 和 10 章": never a page title inside 第…章, never "第 07 章"."""
    wrong = []
    for path in sorted(ZH.rglob("*.html")):
        page = path.relative_to(ZH).as_posix()
        if page.startswith(("_", ".")):
            continue
        text = re.sub(r"<[^>]+>", "", path.read_text(encoding="utf-8"))
        for match in _CHAPTER_REF.finditer(text):
            if re.search(r"\d", match[1]) and not _CHAPTER_NUMBERS.match(match[1].strip()):
                wrong.append(f"{page}: {match[0]}")
    assert wrong == []
