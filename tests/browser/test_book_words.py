"""No page of either edition talks about how the book is built, except the one page that
explains it (chapters/checks, "How this book checks itself").

Reads the built HTML (no browser needed, but it needs the built book): the text of each
page's article, code cells included, since a reader sees the code too.
"""

import html
import re
from html.parser import HTMLParser

import pytest

from .conftest import HTML

EXPLAINS = "chapters/checks.html"
PAGES = sorted(
    str(p.relative_to(HTML))
    for p in HTML.rglob("*.html")
    if p.relative_to(HTML).parts[0] in ("chapters", "zh")
    and "chapters" in p.relative_to(HTML).parts
    and not str(p.relative_to(HTML)).endswith(EXPLAINS)
)
# Words about the build, case-sensitive where a word is an acronym (CI).
BUILD_WORDS = [
    r"\(checked:",
    r"(?i)hidden check",
    r"(?i)this build",
    r"(?i)timed in this build",
    r"(?i)outside this page's time budget",
    r"(?i)the machine that builds",
    r"(?i)the book's machines",
    r"(?i)the tests use",
    r"tests/test_",
    r"nbval",
    r"# noqa",
    r"\bCI\b",
]


class ArticleText(HTMLParser):
    """The text inside <article>, without scripts and styles."""

    def __init__(self):
        super().__init__()
        self.depth, self.skip, self.parts = 0, 0, []

    def handle_starttag(self, tag, attrs):
        if tag == "article":
            self.depth += 1
        elif tag in ("script", "style"):
            self.skip += 1

    def handle_endtag(self, tag):
        if tag == "article":
            self.depth -= 1
        elif tag in ("script", "style"):
            self.skip -= 1

    def handle_data(self, data):
        if self.depth > 0 and not self.skip:
            self.parts.append(data)


def article_text(source: str) -> str:
    parser = ArticleText()
    parser.feed(source)
    return html.unescape("".join(parser.parts))


def build_words(text: str) -> list[str]:
    """Each build word found, with a few words around it."""
    found = []
    for pattern in BUILD_WORDS:
        for match in re.finditer(pattern, text):
            start, end = max(0, match.start() - 40), match.end() + 40
            found.append(" ".join(text[start:end].split()))
    return found


def test_the_word_finder_finds_build_talk_and_passes_a_textbook_sentence():
    assert build_words("The loss is 0.12 (checked: below 0.2).")
    assert build_words("as timed in this build on a busy core")
    assert build_words("see tests/test_ssm.py") and build_words("re-run by CI each night")
    assert build_words("# nbval-ignore-output: times move")
    assert build_words("The LSTM keeps a cell state; ICI and CIFAR are not words of CI.") != []
    assert build_words("The LSTM keeps a cell state c_t; its loss fell to 0.12.") == []
    assert build_words("CIFAR-10 and the CIA are other acronyms.") == []


def test_both_editions_are_read():
    assert "chapters/05_lstm.html" in PAGES and "zh/chapters/05_lstm.html" in PAGES
    assert not any(p.endswith(EXPLAINS) for p in PAGES)


@pytest.mark.parametrize("path", PAGES)
def test_no_page_talks_about_the_build(path):
    text = article_text((HTML / path).read_text(encoding="utf-8"))
    assert text.strip(), f"{path}: no article text found"
    found = build_words(text)
    assert found == [], f"{path}: {len(found)} build word(s):\n" + "\n".join(found)
