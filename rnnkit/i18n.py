"""Sphinx glue for the book's translated editions, and the Chinese term list.

One source, two editions. The English pages (notebooks and Markdown) are the only
source; a translation is a set of gettext message catalogues, one per page, under
``locale/zh_CN/LC_MESSAGES/`` (``chapters/05_lstm.po`` translates
``chapters/05_lstm.ipynb``). Sphinx swaps each paragraph, heading, list item and table
cell for its translation while it reads the page; code cells, their outputs and the
figures are never copied, so both editions show the same executed cells from the one
execution cache (``_build/.jupyter_cache``).

Why notebooks translate at all. Sphinx parses every translated message again with the
page's own source parser (``sphinx.transforms.i18n.publish_msgstr``); for a notebook
that parser is myst-nb's, which expects a whole notebook and failed with
``NotJSONError`` on a bare sentence (sphinx-doc/sphinx#11357, MyST-NB#587). The
re-parsed message's source name ends in ``<translated>``, and the pinned myst-nb
(1.4.0) parses such a source as MyST Markdown, which is what a notebook's Markdown cell
is. One gap remains, for displayed equations (messages like any other, though their
translation keeps the maths as written): Sphinx hands such a message to the parser
marked up as a reST literal block (``::``), which MyST does not read;
:func:`fenced_literals` marks it up as a fenced block instead, for Markdown and
notebook pages only. A unit test
builds a small notebook in Chinese to keep both honest.

What this extension adds, enabled in ``_config.yml`` (``extra_extensions``):

* a language switch in each page's header that links to the same page in the other
  edition, with a relative link, so it works from ``file://`` and over HTTP;
* the part captions of ``_toc.yml`` in the translated editions (:class:`TranslateTocCaptions`),
  and the theme's strings from ``sphinx.po`` and ``booktheme.po`` (:func:`theme_strings`);
* the API reference's docstrings stay in English (:class:`KeepReferenceInEnglish`);
* Chinese search: Sphinx splits Chinese text into words with jieba, and the glossary's
  Chinese terms are added to jieba's dictionary, so "遗忘门" is indexed as one word.

The term list is ``chapters/glossary.md`` (English | 中文 | definition); the Chinese
terms we decided against are listed in its header comment (``% rejected:`` lines).
:func:`glossary_terms` and :func:`rejected_terms` read both, for the search dictionary
here and for the terminology tests.
"""

from __future__ import annotations

import gettext
import io
import os
import re
import textwrap
from dataclasses import dataclass
from pathlib import Path

from docutils import nodes
from sphinx import addnodes, locale
from sphinx.locale import init as init_locale
from sphinx.search.zh import SearchChinese
from sphinx.transforms import SphinxTransform
from sphinx.transforms import i18n as sphinx_i18n
from sphinx.util.i18n import docname_to_domain

# Each edition's folder, relative to the English edition's root (_build/html).
EDITIONS = {"en": "", "zh_CN": "zh"}
SWITCH_LABEL = {"en": "English", "zh_CN": "中文"}
SWITCH_TITLE = {"en": "Read this page in English", "zh_CN": "阅读本页的中文版"}
GLOSSARY = Path(__file__).resolve().parent.parent / "chapters" / "glossary.md"
TEMPLATES = Path(__file__).resolve().parent / "_templates"
STATIC = Path(__file__).resolve().parent / "_static"
_ROW = re.compile(r"^\|(?P<en>[^|]+)\|(?P<zh>[^|]+)\|.*\|\s*$")
_REJECTED = re.compile(r"^%\s*rejected:\s*(?P<bad>\S.*?)\s*->\s*(?P<good>\S.*?)\s*$")


@dataclass(frozen=True)
class Term:
    """One row of the glossary: the English term and its Chinese renderings."""

    english: str
    chinese: tuple[str, ...]


def glossary_terms(path: Path = GLOSSARY) -> list[Term]:
    """The glossary table's rows, header excluded.

    A cell ``批量 / 小批量`` gives two accepted Chinese terms. Raises ``ValueError``
    when the file has no table of at least two columns.
    """
    terms = []
    for line in path.read_text(encoding="utf-8").splitlines():
        match = _ROW.match(line.strip())
        if not match or set(match["en"].strip()) <= {"-", ":"}:
            continue
        english, chinese = match["en"].strip(), match["zh"].strip()
        if english == "English":
            continue
        terms.append(Term(english, tuple(t.strip() for t in chinese.split(" / "))))
    if not terms:
        raise ValueError(f"expected a table 'English | 中文 | ...' in {path}, found none")
    return terms


def rejected_terms(path: Path = GLOSSARY) -> dict[str, str]:
    """``{rejected Chinese term: the glossary's term}`` from ``% rejected: A -> B`` lines."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return {m["bad"]: m["good"] for m in map(_REJECTED.match, lines) if m}


def counterpart_href(pagename: str, language: str, other: str) -> str:
    """Relative link from ``pagename`` in edition ``language`` to the same page in
    edition ``other`` (``EDITIONS`` keys), e.g. ``chapters/05_lstm`` in ``en`` gives
    ``../zh/chapters/05_lstm.html``."""
    for code in (language, other):
        if code not in EDITIONS:
            raise ValueError(f"expected an edition in {sorted(EDITIONS)}, got {code!r}")
    depth = pagename.count("/") + (EDITIONS[language].count("/") + 1 if EDITIONS[language] else 0)
    prefix = f"{EDITIONS[other]}/" if EDITIONS[other] else ""
    return "../" * depth + prefix + pagename + ".html"


def _edition(config) -> str:
    return "zh_CN" if (config.language or "en").startswith("zh") else "en"


def add_language_switch(app, pagename, templatename, context, doctree) -> None:
    """``html-page-context``: the link the header's ``language-switch.html`` shows."""
    language = _edition(app.config)
    other = "en" if language == "zh_CN" else "zh_CN"
    context["language_switch"] = {
        "href": counterpart_href(pagename, language, other),
        "lang": "zh-CN" if other == "zh_CN" else "en",
        "label": SWITCH_LABEL[other],
        "title": SWITCH_TITLE[other],
    }


def search_words(terms: list[Term]) -> list[str]:
    """The glossary's Chinese terms as jieba dictionary words, which hold no spaces:
    "随机失活 (dropout)" gives 随机失活 and "n 元语法模型" gives n元语法模型."""
    words = set()
    for term in terms:
        for chinese in term.chinese:
            word = re.sub(r"\s+", "", re.sub(r"[（(][^）)]*[）)]", "", chinese))
            if re.search(r"[\u4e00-\u9fff]", word):
                words.add(word)
    return sorted(words)


def configure(app, config) -> None:
    """``config-inited``: the header template, and jieba's dictionary for a zh build."""
    config.templates_path.append(str(TEMPLATES))
    config.html_static_path.append(str(STATIC))
    app.add_css_file("language-switch.css")
    header = config.html_theme_options.get("article_header_end", ["article-header-buttons.html"])
    config.html_theme_options["article_header_end"] = ["language-switch.html", *header]
    if _edition(config) != "zh_CN":
        return
    dictionary = Path(app.outdir).parent / "jieba_terms.txt"
    dictionary.parent.mkdir(parents=True, exist_ok=True)
    words = search_words(glossary_terms())
    dictionary.write_text("".join(f"{w} 100000\n" for w in words), encoding="utf-8")
    config.html_search_language = "zh"
    config.html_search_options = {"dict": str(dictionary)}
    try:  # jieba caches its dictionary in the build folder, not in the shared /tmp
        import jieba

        jieba.dt.tmp_dir = str(dictionary.parent)
    except ImportError:  # search then indexes only the Latin words of the Chinese pages
        pass


class _LatinTerms(set):
    """The Latin words the Chinese search indexer has met, as a set. Sphinx 7 keeps them
    in a list and looks each indexed word up in it, so the lookups grew with the book:
    a third of the Chinese edition's build time (67 s of CPU with the list, 45 s with
    the set). ``extend`` is the one list method the indexer calls."""

    def extend(self, words) -> None:
        self.update(words)


class _ChineseSearch(SearchChinese):
    """Sphinx's Chinese search language, indexing the same words, with ``_LatinTerms``."""

    def init(self, options: dict[str, str]) -> None:
        super().init(options)
        self.latin_terms = _LatinTerms()


class TranslateTocCaptions(SphinxTransform):
    """The part captions of ``_toc.yml``, from the root page's catalogue.

    sphinx-external-toc inserts the root page's toctrees (priority 100) after Sphinx
    has translated the page (priority 20), so their captions are translated here.
    """

    default_priority = 101

    def apply(self, **kwargs) -> None:
        if _edition(self.config) == "en":
            return
        domain = docname_to_domain(self.env.docname, self.config.gettext_compact)
        dirs = [os.path.join(self.env.srcdir, d) for d in self.config.locale_dirs]
        catalog, found = init_locale(dirs, self.config.language, domain)
        if not found:
            return
        for node in self.document.findall(addnodes.toctree):
            caption = node.get("caption")
            if caption and (text := catalog.gettext(caption)) != caption:
                node["caption"] = text


class KeepReferenceInEnglish(SphinxTransform):
    """The API reference's docstrings (autodoc's entries and module docstrings) are not
    translated.

    The docstrings are code documentation, written and tested in English beside the
    code; translating them would make every docstring change a translation task. The
    API page's own introduction is translated like any other page. Runs before
    Sphinx's translation (priority 20), and marks the same nodes for the gettext
    builder, so they never reach a catalogue.

    Only block-level text (paragraphs, list items, field bodies) is marked: Sphinx never
    extracts an inline node that carries no mark, and it *removes* every ``inline``
    node that carries one (``RemoveTranslatableInline``, in every edition), moving its
    text to the end of its parent. Marking a signature's parameter name
    (``desc_sig_name``, an ``inline``) turned ``setup(seed=0)`` into ``setup(=seed0)``.
    """

    default_priority = 15

    def apply(self, **kwargs) -> None:
        for entry in self.document.findall(addnodes.desc):
            for node in entry.findall(nodes.TextElement):
                if not isinstance(node, nodes.Inline):
                    node["translatable"] = False
        for node in self.document.findall(nodes.TextElement):  # module docstrings
            if ":docstring of " in (node.source or "") and not isinstance(node, nodes.Inline):
                node["translatable"] = False


_LIST_MARKER = re.compile(r"^(\d{1,9})([.)])(?=\s|$)|^([-+*])(?=\s|$)")


def escape_list_marker(message: str) -> str:
    """``message`` with a leading list marker escaped: "1. Tasks" gives "1\\. Tasks".

    A message is the text of one node (a heading, a paragraph, a list item's text), so
    it never holds a list marker of the page's structure; a heading such as
    "## 1. Four tasks" gives the message "1. Four tasks", which MyST would parse as a
    list, and Sphinx would then keep the English heading.
    """
    return _LIST_MARKER.sub(lambda m: f"{m[1]}\\{m[2]}" if m[1] else f"\\{m[3]}", message)


def fenced_literals(publish):
    """Wrap Sphinx's ``publish_msgstr`` so that a displayed equation of a MyST page
    (Markdown or notebook) can be translated, and a message that starts like a list
    item (a numbered heading) is read as text (:func:`escape_list_marker`).

    Sphinx marks a translated literal-type message (``math_block``, ``literal_block``)
    as a reST literal block (``::``, a blank line, then the indented text) before parsing
    it with the page's parser; MyST reads that as a paragraph "::" and the equation is lost. For a
    ``.md`` or ``.ipynb`` page the wrapper turns it into a fenced block, which MyST
    parses to the literal block Sphinx expects.
    """
    if getattr(publish, "fenced_literals", False):
        return publish

    def publish_msgstr(app, source, source_path, source_line, config, settings):
        myst = str(source_path).endswith((".md", ".ipynb"))
        if myst and source.startswith("::\n\n"):
            body = textwrap.dedent(source[4:]).strip("\n")
            ticks = max((len(run) for run in re.findall(r"`+", body)), default=0)
            fence = "`" * max(3, ticks + 1)
            source = f"{fence}\n{body}\n{fence}\n"
        elif myst:
            source = escape_list_marker(source)
        return publish(app, source, source_path, source_line, config, settings)

    publish_msgstr.fenced_literals = True
    return publish_msgstr


def po_translations(path: Path) -> gettext.GNUTranslations:
    """A gettext translation read straight from a ``.po`` file (no ``.mo`` needed)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with path.open("rb") as handle:
        catalog = read_po(handle)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def theme_strings(app) -> None:
    """``builder-inited``: the theme's own strings from the edition's catalogues.

    ``sphinx.po`` beside the pages' catalogues overrides Sphinx's and
    pydata-sphinx-theme's strings by itself (Sphinx reads the project's catalogues
    first); sphinx-book-theme reads only its own ("booktheme"), so ``booktheme.po`` is
    put in front of it here. The search field's text, a theme option, goes through
    ``sphinx.po`` too.
    """
    if _edition(app.config) == "en":
        return
    for directory in app.config.locale_dirs:
        po = Path(app.srcdir, directory, app.config.language, "LC_MESSAGES", "booktheme.po")
        if po.exists():
            ours = po_translations(po)
            theirs = locale.translators.get(("general", "booktheme"))
            if theirs is not None:
                ours.add_fallback(theirs)
            locale.translators["general", "booktheme"] = ours
    options = app.config.html_theme_options
    if "search_bar_text" in options:
        options["search_bar_text"] = str(
            locale.get_translation("sphinx")(options["search_bar_text"])
        )


class EditionOutputs:
    """A myst-nb mime renderer: what the code cells show, in the edition's language.

    ``setup`` adds it to myst-nb's list of renderer plugins (the list its entry
    point group ``myst_nb.mime_renderers`` fills), so that it needs no package
    metadata: the book works from an editable install and from a plain checkout.

    A figure's Chinese copy (:data:`rnnkit.translation.ZH_PNG`, drawn when the notebook
    ran) is rendered as the figure's image in the Chinese edition, where
    ``locale/zh_CN/_config.yml`` puts that type first; the texts it was drawn with become
    the image's alt text. A table or a checker's feedback box (``text/html``) has its texts
    translated from ``rnnkit/locale/zh_CN.po``. The English edition never selects the
    Chinese copy, and gets its HTML unchanged.
    """

    mime_priority_overrides = ()

    @staticmethod
    def handle_mime(renderer, data, inline: bool):
        from rnnkit import translation

        try:
            language = renderer.renderer.document.settings.env.config.language or "en"
        except AttributeError:
            return None
        if not language.startswith("zh") or inline:
            return None
        if data.mime_type == translation.ZH_PNG:
            import dataclasses

            image = dataclasses.replace(data, mime_type="image/png")
            found = renderer.render_image(image)
            drawn = data.output_metadata.get(translation.ZH_PNG, {})
            kept = set(drawn.get("untranslated", []))  # drawn in English when the cell ran
            alt = [
                text if text in kept else translation.translate(text) or text
                for text in drawn.get("strings", [])
            ]
            for node in found:
                if isinstance(node, nodes.image) and alt:
                    node["alt"] = "；".join(alt)
            return found
        if data.mime_type == "text/html" and translation.html_strings(data.string):
            markup = translation.translate_html(data.string, "zh_CN")
            return [nodes.raw(text=markup, format="html", classes=["output", "text_html"])]
        return None


class TranslatePrompts(SphinxTransform):
    """The labels of folded cells ("Show the solution", "Show code cell content") in
    the edition's language, from ``rnnkit/locale/zh_CN.po`` (myst-nb takes them from
    the cell's metadata or its ``code_prompt_show`` setting, untranslated)."""

    default_priority = 500

    def apply(self, **kwargs) -> None:
        if _edition(self.config) == "en":
            return
        from rnnkit.translation import translate

        for node in self.document.findall(nodes.container):
            for key in ("prompt_show", "prompt_hide"):
                if key in node.attributes:
                    node[key] = translate(node[key], "zh_CN") or node[key]


def chinese_citation_style():
    """sphinxcontrib-bibtex's author-year style with Chinese joins: "Paszke 等, 2019",
    "Cho 和 Bengio, 2014"; registered as ``author_year_zh`` (``locale/zh_CN/_config.yml``)."""
    from dataclasses import dataclass, field

    from pybtex.richtext import Text
    from pybtex.style.template import field as field_of
    from pybtex.style.template import first_of, node, optional, tag
    from sphinxcontrib.bibtex.style.referencing import PersonStyle
    from sphinxcontrib.bibtex.style.referencing.author_year import AuthorYearReferenceStyle

    @node
    def chinese_names(children, data, role, full):
        persons = data["entry"].persons[role]
        style = data["style"]
        others = bool(persons) and str(persons[-1]) == "others"
        named = [
            style.person.style_plugin.format(person, style.person.abbreviate).format_data(data)
            for person in (persons[:-1] if others else persons)
        ]
        if others or (len(named) > 2 and not full):
            return Text(named[0], " 等")
        if len(named) == 2:
            return Text(named[0], " 和 ", named[1])
        return Text("、").join(named)

    @node
    def chinese_author(children, data, full):
        return first_of[
            optional[chinese_names(role="author", full=full)],
            optional[chinese_names(role="editor", full=full)],
            tag("em")[field_of("title")],
        ].format_data(data)

    @dataclass
    class ChinesePersonStyle(PersonStyle):
        def names(self, role: str, full: bool):
            return chinese_names(role=role, full=full)

        def author_or_editor_or_title(self, full: bool):
            return chinese_author(full=full)

    @dataclass
    class ChineseAuthorYearStyle(AuthorYearReferenceStyle):
        person: PersonStyle = field(default_factory=ChinesePersonStyle)

    return ChineseAuthorYearStyle


def register_citation_style() -> None:
    """Make ``author_year_zh`` known to sphinxcontrib-bibtex (once)."""
    from sphinxcontrib.bibtex.plugin import register_plugin

    register_plugin(
        "sphinxcontrib.bibtex.style.referencing", "author_year_zh", chinese_citation_style()
    )


def add_output_renderer() -> None:
    """Put :class:`EditionOutputs` among myst-nb's mime renderer plugins (once)."""
    from myst_nb.core import render

    plugins = render.load_mime_renders()
    if EditionOutputs not in plugins:
        plugins.append(EditionOutputs)


def setup(app):
    add_output_renderer()
    register_citation_style()
    app.add_transform(TranslatePrompts)
    app.connect("builder-inited", theme_strings)
    sphinx_i18n.publish_msgstr = fenced_literals(sphinx_i18n.publish_msgstr)
    app.add_transform(TranslateTocCaptions)
    app.add_transform(KeepReferenceInEnglish)
    app.connect("config-inited", configure)
    app.connect("html-page-context", add_language_switch)
    app.add_search_language(_ChineseSearch)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
