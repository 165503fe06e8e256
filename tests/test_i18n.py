"""The Chinese edition's machinery: the language switch, the term list, the catalogues'
terminology, the staleness check (.ci/i18n.py) and the notebook translation pin."""

import json
import re
import shutil
import unicodedata
from pathlib import Path

import pytest
from ci_scripts import load_ci_script

from rnnkit.i18n import (
    _ChineseSearch,
    counterpart_href,
    escape_list_marker,
    glossary_terms,
    rejected_terms,
    search_words,
)

ROOT = Path(__file__).resolve().parent.parent
CATALOGUES = ROOT / "locale" / "zh_CN" / "LC_MESSAGES"


def load_ci_i18n():
    return load_ci_script("i18n")


def catalogue_messages():
    """(page, English, Chinese) for every translated message of every catalogue."""
    from babel.messages.pofile import read_po

    for po in sorted(CATALOGUES.rglob("*.po")):
        page = po.relative_to(CATALOGUES).with_suffix("").as_posix()
        with po.open("rb") as handle:
            for message in read_po(handle):
                if message.id and message.string:
                    yield page, message.id, message.string


@pytest.mark.parametrize(
    ("page", "language", "other", "href"),
    [
        ("chapters/05_lstm", "en", "zh_CN", "../zh/chapters/05_lstm.html"),
        ("chapters/05_lstm", "zh_CN", "en", "../../chapters/05_lstm.html"),
        ("search", "en", "zh_CN", "zh/search.html"),
        ("search", "zh_CN", "en", "../search.html"),
    ],
)
def test_language_switch_links_to_the_same_page_relatively(page, language, other, href):
    assert counterpart_href(page, language, other) == href


def test_language_switch_rejects_an_unknown_edition():
    with pytest.raises(ValueError, match="expected an edition in .*got 'fr'"):
        counterpart_href("chapters/05_lstm", "en", "fr")


def test_glossary_is_the_term_list_with_the_textbook_terms():
    chinese = {term.english: term.chinese for term in glossary_terms()}
    assert len(chinese) >= 60
    assert chinese["recurrent neural network (RNN)"] == ("循环神经网络",)
    assert chinese["hidden state"] == ("隐状态",)
    assert chinese["backpropagation through time (BPTT)"] == ("通过时间反向传播",)
    assert chinese["batch"] == ("批量", "小批量")


def test_search_dictionary_holds_the_glossary_terms_without_spaces():
    words = search_words(glossary_terms())
    assert {"遗忘门", "长短期记忆网络", "随机失活", "n元语法模型"} <= set(words)
    assert not [w for w in words if " " in w or "(" in w]


def test_chinese_search_indexes_the_words_sphinx_does():
    """The set of Latin words changes how fast they are looked up, not what is indexed:
    a short word kept whole (LSTM, not "lstm" stemmed), a long one stemmed."""
    from sphinx.search.zh import SearchChinese

    text = "LSTM 的遗忘门 gates; GRU has fewer gates than LSTMs"
    ours, sphinx = _ChineseSearch({}), SearchChinese({})
    words = ours.split(text)
    assert words == sphinx.split(text)
    assert [ours.stem(w) for w in words] == [sphinx.stem(w) for w in words]
    assert isinstance(ours.latin_terms, set) and "GRU" in ours.latin_terms


def test_each_rejected_term_points_to_a_glossary_term():
    rejected = rejected_terms()
    accepted = {t for term in glossary_terms() for t in term.chinese}
    assert {"递归神经网络", "长短时记忆", "隐藏状态", "门限循环单元"} <= set(rejected)
    assert set(rejected.values()) <= accepted
    assert not set(rejected) & accepted


def test_catalogues_use_no_rejected_term():
    rejected = rejected_terms()
    found = [
        f"{page}: {bad} (use {rejected[bad]}) in {english[:60]!r}"
        for page, english, chinese in catalogue_messages()
        for bad in rejected
        if bad in chinese
    ]
    assert found == []


# What may hold English inside Chinese text: code, math, roles and their targets, URLs,
# and an English term given in full-width parentheses after its Chinese term.
NOT_PROSE = re.compile(r"`[^`]*`|\$\$.*?\$\$|\$[^$]*\$|\{[a-z:-]+\}|https?://\S+|（[^）]*）", re.S)


def english_variants(english: str) -> list[str]:
    """'simple (Elman / vanilla) RNN' gives 'simple RNN'; 'a / b' gives 'a' and 'b'."""
    bare = " ".join(re.sub(r"\([^)]*\)", " ", english).split())
    return [part.strip() for part in bare.split(" / ") if part.strip()]


def english_leftovers(chinese: str, terms) -> list[str]:
    prose = NOT_PROSE.sub(" ", chinese)
    found = []
    for term in terms:
        if any(term.english.split(" (")[0].lower() in t.lower() for t in term.chinese):
            continue  # the Chinese term keeps the English word (Adam 优化器, softmax 函数)
        for variant in english_variants(term.english):
            if re.search(rf"(?<![\w-]){re.escape(variant)}s?(?![\w-])", prose, re.I):
                found.append(variant)
    return found


def test_leftover_finder_flags_english_prose_but_not_code_or_parentheses():
    terms = glossary_terms()
    assert english_leftovers("每一步都更新 hidden state。", terms) == ["hidden state"]
    assert "forget gate" in english_leftovers("门控 forget gates 的输出", terms)
    assert english_leftovers("调用 `forget_gate` 与 $h_t$", terms) == []
    assert english_leftovers("长短期记忆网络（long short-term memory，LSTM）", terms) == []
    assert english_leftovers("softmax 函数与 LSTM", terms) == []


def test_catalogues_leave_no_english_glossary_term_in_chinese_text():
    terms = glossary_terms()
    english_column = {term.english for term in terms}
    found = [
        f"{page}: {term!r} in {chinese[:60]!r}"
        for page, english, chinese in catalogue_messages()
        if not (chinese == english and (english in english_column or is_maths(english)))
        for term in english_leftovers(chinese, terms)
    ]
    assert found == []


def is_maths(message: str) -> bool:
    """A displayed equation's message (kept as written in every edition)."""
    return bool(re.match(r"\s*\\begin\{|\s*\$\$", message)) or "&=" in message


# CommonMark lets `*` or `**` close after punctuation only when whitespace or
# punctuation follows, and open before punctuation only when they follow it: in
# Chinese, "*这样？*我们" shows its asterisks, "*这样*？我们" is emphasis.
EMPHASIS = re.compile(r"(\*\*|\*)(?=\S)(.+?)(?<=\S)\1(?!\*)")


def _punctuation(char: str) -> bool:
    return unicodedata.category(char)[0] in "PS"


def unrendered_emphasis(text: str) -> list[str]:
    """The emphasis spans of ``text`` that CommonMark would print as plain asterisks."""
    text = re.sub(r"`[^`]*`|\$\$.*?\$\$|\$[^$]*\$", "x", text, flags=re.S)
    found = []
    for match in EMPHASIS.finditer(text):
        inner, start, end = match.group(2), match.start(), match.end()
        before = text[start - 1] if start else " "
        after = text[end] if end < len(text) else " "
        closes = not _punctuation(inner[-1]) or after.isspace() or _punctuation(after)
        opens = not _punctuation(inner[0]) or before.isspace() or _punctuation(before)
        if not (closes and opens):
            found.append(text[max(0, start - 6) : end + 6])
    return found


def test_emphasis_check_knows_which_side_of_the_punctuation_works():
    assert unrendered_emphasis("问题：*它能胜过基线吗？*我们") != []
    assert unrendered_emphasis("问题：*它能胜过基线吗*？我们") == []
    assert unrendered_emphasis("**说法（原文 A）**：词表") == []
    assert unrendered_emphasis("的**“门”**是") != []


def test_catalogues_emphasis_renders():
    found = [
        f"{page}: {span!r}"
        for page, _, chinese in catalogue_messages()
        for span in unrendered_emphasis(chinese)
    ]
    assert found == []


LESSON = ["# A fixture lesson", "The cell state keeps its value.", "The gate decides."]


def small_book(tmp_path: Path) -> Path:
    """A book of two fixture pages (``index.md`` and the notebook ``lesson.ipynb``) with
    the project's _config.yml, and a Chinese catalogue for each page that translates
    every message: the live chapters and their catalogues play no part."""
    from babel.messages.pofile import read_po, write_po

    root = tmp_path / "book"
    (root / "chapters").mkdir(parents=True)
    shutil.copy(ROOT / "_config.yml", root / "_config.yml")
    shutil.copy(ROOT / "chapters" / "references.bib", root / "chapters" / "references.bib")
    (root / "index.md").write_text("# Fixture\n\nA page to start from.\n", encoding="utf-8")
    write_lesson(root, LESSON)
    toc = "format: jb-book\nroot: index\nchapters:\n  - file: lesson\n"
    (root / "_toc.yml").write_text(toc, encoding="utf-8")
    pot_dir = load_ci_i18n().extract(root, tmp_path / "pot")
    for pot in pot_dir.rglob("*.pot"):
        with pot.open("rb") as handle:
            catalog = read_po(handle)
        for message in catalog:
            if message.id:
                message.string = "译文：" + message.id
        po = root / "locale" / "zh_CN" / "LC_MESSAGES" / pot.relative_to(pot_dir).with_suffix(".po")
        po.parent.mkdir(parents=True, exist_ok=True)
        with po.open("wb") as handle:
            write_po(handle, catalog)
    return root


def write_lesson(root: Path, paragraphs: list[str]) -> None:
    cells = [
        {"cell_type": "markdown", "id": "prose", "metadata": {}, "source": "\n\n".join(paragraphs)}
    ]
    notebook = {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    (root / "lesson.ipynb").write_text(json.dumps(notebook), encoding="utf-8")


@pytest.mark.slow  # Sphinx builds
@pytest.mark.filterwarnings("ignore::PendingDeprecationWarning")  # jupyter-book's latex glue
def test_staleness_check_names_an_edited_sentence_and_a_fuzzy_one_and_passes_before(
    tmp_path, capsys
):
    ci_i18n = load_ci_i18n()
    root = small_book(tmp_path)
    assert ci_i18n.check(root) == 0, capsys.readouterr().out
    capsys.readouterr()

    write_lesson(root, [LESSON[0], "The cell state keeps its old value.", LESSON[2]])
    assert ci_i18n.check(root) == 1
    out = capsys.readouterr().out
    assert "lesson: 1 untranslated, 0 fuzzy (of 3 messages)" in out
    assert "untranslated: The cell state keeps its old value." in out
    assert "1 of 2 pages fully translated" in out

    write_lesson(root, LESSON)
    po = root / "locale" / "zh_CN" / "LC_MESSAGES" / "lesson.po"
    text = po.read_text(encoding="utf-8")
    po.write_text(text.replace('msgid "The gate decides."', '#, fuzzy\nmsgid "The gate decides."'))
    assert ci_i18n.check(root) == 1
    assert "lesson: 0 untranslated, 1 fuzzy" in capsys.readouterr().out
    assert ci_i18n.unfuzzy(["lesson"], root) == 0
    assert po.read_text(encoding="utf-8") == text
    assert ci_i18n.check(root) == 0


def test_unfuzzy_drops_only_the_fuzzy_flag_and_leaves_the_header_alone():
    unfuzzy_text = load_ci_i18n().unfuzzy_text
    po = (
        '# header comment\n#, fuzzy\nmsgid ""\nmsgstr ""\n"Language: zh_CN\\n"\n\n'
        "#: ../../chapters/05_lstm.ipynb:12\n#, fuzzy, python-brace-format\n"
        'msgid "{n} steps"\nmsgstr "{n} 步"\n\n'
        '#, fuzzy\nmsgid "Gate."\nmsgstr "门。"\n\n'
        '#, python-format\nmsgid "%d left"\nmsgstr "剩 %d"\n'
    )
    text, removed = unfuzzy_text(po)
    assert removed == 2
    assert text == po.replace("#, fuzzy, python-brace-format", "#, python-brace-format").replace(
        '#, fuzzy\nmsgid "Gate."', 'msgid "Gate."'
    )
    assert text.startswith("# header comment\n#, fuzzy\nmsgid")


NOTEBOOK_CONF = (
    "extensions = ['myst_nb', 'rnnkit.i18n']\nnb_execution_mode = 'off'\n"
    "locale_dirs = ['locale']\ngettext_compact = False\n"
    "myst_enable_extensions = ['dollarmath', 'amsmath']\n"
)
MARKDOWN = "# Title\n\nThe *forget gate*.\n\n$$\nf_t = 1 \\quad \\text{keep all}\n$$"
CHINESE = {
    "Title": "标题",
    "The *forget gate*.": "*遗忘门*。",
    "f_t = 1 \\quad \\text{keep all}": "f_t = 1 \\quad \\text{全部保留}",
}


def build_notebook(src: Path, out: Path, builder: str, language: str) -> Path:
    from sphinx.application import Sphinx
    from sphinx.util.docutils import docutils_namespace

    doctrees = out.parent / f"doctrees-{builder}"
    overrides = {"language": language}
    with docutils_namespace():  # the directives Sphinx registers go when it is done
        app = Sphinx(src, src, out, doctrees, builder, overrides, status=None, warning=None)
        app.build()
    return out


@pytest.mark.slow  # Sphinx builds
def test_a_translated_notebook_renders_its_markdown_and_equations_in_chinese_code_once(
    tmp_path,
):
    """The pinned myst-nb parses a notebook's translated messages as MyST Markdown;
    rnnkit.i18n.fenced_literals lets a displayed equation be translated too."""
    from babel.messages.pofile import read_po, write_po

    src = tmp_path / "src"
    src.mkdir()
    (src / "conf.py").write_text(NOTEBOOK_CONF, encoding="utf-8")
    cells = [
        {"cell_type": "markdown", "id": "prose", "metadata": {}, "source": MARKDOWN},
        {
            "cell_type": "code",
            "id": "code",
            "metadata": {},
            "source": "print(41 + 1)",
            "execution_count": None,
            "outputs": [],
        },
    ]
    notebook = {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    (src / "index.ipynb").write_text(json.dumps(notebook), encoding="utf-8")

    pot = build_notebook(src, tmp_path / "gettext", "gettext", "en") / "index.pot"
    with pot.open("rb") as handle:
        catalog = read_po(handle)
    for message in catalog:
        if message.id:
            message.string = CHINESE[message.id.strip()]
    po = src / "locale" / "zh_CN" / "LC_MESSAGES" / "index.po"
    po.parent.mkdir(parents=True)
    with po.open("wb") as handle:
        write_po(handle, catalog)

    html = build_notebook(src, tmp_path / "html", "html", "zh_CN") / "index.html"
    text = html.read_text(encoding="utf-8")
    assert "<h1>标题" in text and "<em>遗忘门</em>。" in text
    assert "\\text{全部保留}" in text and "keep all" not in text and "::" not in text
    assert "forget gate" not in text and text.count("41") == 1


def test_a_message_that_starts_like_a_list_item_is_escaped_and_nothing_else():
    assert escape_list_marker("1. 需要状态的四个任务") == "1\\. 需要状态的四个任务"
    assert escape_list_marker("12) 项") == "12\\) 项"
    assert escape_list_marker("- 项") == "\\- 项"
    for text in ("1.5 倍", "-1 是", "*强调* 文本", "3.x 版", "普通文本"):
        assert escape_list_marker(text) == text


API_CONF = (
    "extensions = ['myst_nb', 'sphinx.ext.autodoc', 'rnnkit.i18n']\n"
    "nb_execution_mode = 'off'\nautodoc_typehints = 'description'\n"
)
API_PAGE = "# API\n\n```{eval-rst}\n.. autofunction:: rnnkit.repro.setup\n```\n"


@pytest.mark.parametrize("language", ["en", "zh_CN"])
def test_a_documented_signature_keeps_each_name_before_its_default(tmp_path, language):
    """KeepReferenceInEnglish once marked the signature's inline nodes, and Sphinx then
    unwrapped them to the end of each parameter: ``setup(=seed0, =device'auto', ...)``."""
    src = tmp_path / "src"
    src.mkdir()
    (src / "conf.py").write_text(API_CONF, encoding="utf-8")
    (src / "index.md").write_text(API_PAGE, encoding="utf-8")
    html = build_notebook(src, tmp_path / "html", "html", language) / "index.html"
    text = html.read_text(encoding="utf-8")
    params = re.findall(r'<em class="sig-param">(.*?)</em>', text)
    shown = [re.sub(r"<[^>]+>", "", p) for p in params]
    assert shown == [
        "seed=0",
        "device='auto'",
        "deterministic=True",
        "threads=1",
        "language='en'",
    ]
    assert all('<span class="n">' in p and 'class="default_value"' in p for p in params)
    assert "Seed Python, NumPy, PyTorch and TensorFlow" in text  # docstrings stay English
