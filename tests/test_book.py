"""The book's own conventions: the first cell of every chapter, the tab grouping
extension, the configuration."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from docutils import nodes

from rnnkit.book import group_tab_cells

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))
CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))


def code_cells(path):
    notebook = json.loads(path.read_text(encoding="utf-8"))
    return ["".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "code"]


def test_there_are_chapters():
    assert len(CHAPTERS) >= 2


# Every notebook's first code cell, word for word; only the seed is the chapter's own.
# A new chapter copies it (CONTRIBUTING.md: Add a chapter).
SETUP_CELL = """\
# Set-up: make this notebook self-sufficient (locally, in Colab or on Binder).
# In Colab, install rnnkit alone: its torch and TensorFlow stay as they are.
try:
    import rnnkit
except ImportError:
    %pip install --quiet "rnnkit @ git+{url}"
    import rnnkit

print(rnnkit.setup(seed={seed}))"""


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_first_code_cell_is_the_shared_set_up_cell_with_the_chapter_seed(path):
    first = code_cells(path)[0]
    seed = re.search(r"rnnkit\.setup\(seed=(\d+)\)", first)
    assert seed, f"{path.name}: the first code cell does not call rnnkit.setup(seed=N)"
    url = CONFIG["repository"]["url"]
    expected = SETUP_CELL.format(url=url, seed=seed.group(1))
    assert first == expected, f"{path.name}: copy the set-up cell from tests/test_book.py"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_first_code_cell_installs_rnnkit_from_this_repository_then_seeds(path):
    first = code_cells(path)[0]
    url = CONFIG["repository"]["url"]
    assert f'%pip install --quiet "rnnkit @ git+{url}"' in first
    assert "except ImportError" in first
    assert re.search(r"rnnkit\.setup\(seed=\d+\)", first)
    assert "torch" not in first.replace("torch and TensorFlow", "")  # never reinstalls a framework


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_no_chapter_seeds_a_library_by_hand(path):
    source = "\n".join(code_cells(path))
    for call in ("np.random.seed(", "torch.manual_seed(", "tf.random.set_seed(", "random.seed("):
        assert call not in source, f"{path.name} calls {call}: use rnnkit.setup(seed)"


def test_every_chapter_is_in_the_table_of_contents():
    toc = (ROOT / "_toc.yml").read_text(encoding="utf-8")
    for path in CHAPTERS:
        assert f"chapters/{path.stem}" in toc


def cell(label=None):
    tags = [f"tab-{label}"] if label else []
    return nodes.container(nb_element="cell_code", cell_metadata={"tags": tags})


def test_tab_cells_group_by_label_and_split_when_a_label_repeats():
    torch1, keras1, keras2, plain, torch2, keras3, torch3 = (
        cell("PyTorch"),
        cell("Keras"),
        cell("Keras"),
        cell(),
        cell("PyTorch"),
        cell("Keras"),
        cell("PyTorch"),
    )
    groups = group_tab_cells([torch1, keras1, keras2, plain, torch2, keras3, torch3])
    assert [[(label, len(cells)) for label, cells in g] for g in groups] == [
        [("PyTorch", 1), ("Keras", 2)],
        [("PyTorch", 1), ("Keras", 1)],
        [("PyTorch", 1)],
    ]


def test_untagged_cells_make_no_tabs():
    assert group_tab_cells([cell(), nodes.paragraph(), cell()]) == []


def test_bibliography_parses_and_has_no_duplicate_keys():
    from pybtex.database import parse_file

    text = (ROOT / "chapters" / "references.bib").read_text(encoding="utf-8")
    keys = re.findall(r"^@\w+\{([^,]+),", text, flags=re.M)
    assert len(keys) == len(set(keys)), "duplicate BibTeX keys"
    database = parse_file(str(ROOT / "chapters" / "references.bib"))
    assert sorted(database.entries) == sorted(keys)


def test_every_citation_in_the_chapters_is_in_the_bibliography():
    text = (ROOT / "chapters" / "references.bib").read_text(encoding="utf-8")
    keys = set(re.findall(r"^@\w+\{([^,]+),", text, flags=re.M))
    cited = set()
    for path in sorted((ROOT / "chapters").glob("*.*")):
        if path.suffix in {".md", ".ipynb"}:
            text = re.sub(r"``.*?``", "", path.read_text(encoding="utf-8"))  # drop examples
            for group in re.findall(r"\{cite(?::\w+)?\}`([^`]+)`", text):
                cited.update(k.strip() for k in group.split(","))
    assert cited - keys == set()


def test_jupyter_book_links_the_output_stylesheet_into_every_page_once():
    from jupyter_book.config import get_final_config

    config, *_ = get_final_config(
        user_yaml=ROOT / "_config.yml", cli_config={"latex_individualpages": False}, sourcedir=ROOT
    )
    assert "_static" in config["html_static_path"]
    assert config["html_css_files"].count("outputs.css") == 1


# --- maths that Markdown would break ---------------------------------------------------

# What starts a list item, a quote or a heading when it begins a line (after indentation).
BLOCK_START = re.compile(r"[ \t]*(?:[-+*]|1[.)])(?:[ \t]|$)|[ \t]*>|[ \t]*#{1,6}[ \t]")


def lines_that_break_a_formula(markdown: str) -> list[str]:
    """The lines of ``markdown`` that begin inside a ``$...$`` or ``$$...$$`` formula and
    that Markdown reads as the start of a list item, a quote or a heading.

    Fenced code and inline code are skipped, and so is ``\\$``; an inline formula ends at
    a blank line, as a paragraph does.
    """
    broken, maths, fence = [], None, None
    for line in markdown.split("\n"):
        opening = re.match(r"[ \t]*(`{3,}|~{3,})", line)
        if fence:
            if opening and opening.group(1).startswith(fence):
                fence = None
            continue
        if opening and not maths:
            fence = opening.group(1)
            continue
        if maths and BLOCK_START.match(line):
            broken.append(line)
        if maths == "$" and not line.strip():
            maths = None
        text = re.sub(r"`+[^`]*`+", "", line.replace(r"\$", ""))  # drop inline code
        for dollar in re.findall(r"\$\$|\$", text):
            if maths is None:
                maths = dollar
            elif dollar == maths:
                maths = None
    return broken


def markdown_sources():
    for path in sorted((ROOT / "chapters").glob("*.md")):
        yield path.name, path.read_text(encoding="utf-8")
    for path in CHAPTERS:
        notebook = json.loads(path.read_text(encoding="utf-8"))
        for i, cell in enumerate(notebook["cells"]):
            if cell["cell_type"] == "markdown":
                yield f"{path.name} cell {i}", "".join(cell["source"])


def test_lines_that_break_a_formula_finds_a_plus_that_starts_a_line_inside_maths():
    broken = "the candidate, $\\tanh(x_t W_h\n+ b_h)$, and a list:\n\n- item\n"
    assert lines_that_break_a_formula(broken) == ["+ b_h)$, and a list:"]
    display = "$$\na\n- b\n$$\n"
    assert lines_that_break_a_formula(display) == ["- b"]
    fixed = "the candidate, $\\tanh(x_t W_h +\nb_h)$, and a list:\n\n- item\n"
    assert lines_that_break_a_formula(fixed) == []
    code = "`$` alone\n- item\n```\n$x\n```\n- item\n"
    assert lines_that_break_a_formula(code) == []


def test_no_line_inside_a_formula_starts_a_list_item_quote_or_heading():
    broken = {
        name: lines
        for name, text in markdown_sources()
        if (lines := lines_that_break_a_formula(text))
    }
    assert broken == {}, "join these lines to the one before, or move the operator there"


# --- the source articles: one short name each, defined in the introduction ---------------

# Earlier names of the articles ("seed 002", "source article 000"): a number next to
# rnnkit.setup(seed=2) reads as a random seed.
OLD_ARTICLE_NAME = re.compile(
    r"\b(seeds? 00\d|articles? 00\d|source article 0|\(00\d[,)]|(?<!\d )(?<![\d.,])\b00[0-4]\b(?! ?\d))",
    re.I,
)
SHORT_NAME = re.compile(r"\b[Aa]rticles? ([A-E])\b")


def all_cells_and_package_sources():
    yield from markdown_sources()
    for path in CHAPTERS:
        yield path.name, "\n".join(code_cells(path))
    for path in sorted((ROOT / "rnnkit").rglob("*.py")):
        yield str(path.relative_to(ROOT)), path.read_text(encoding="utf-8")


def test_no_page_cell_or_rnnkit_string_uses_the_old_article_numbers():
    old = {
        name: OLD_ARTICLE_NAME.findall(text)
        for name, text in all_cells_and_package_sources()
        if OLD_ARTICLE_NAME.search(text)
    }
    assert old == {}, "name the articles 'article A' to 'article E' (chapters/intro.md)"


def test_the_introduction_defines_every_article_short_name_the_book_uses():
    intro = (ROOT / "chapters" / "intro.md").read_text(encoding="utf-8")
    assert "(source-articles)=" in intro
    defined = set(re.findall(r"^\| article ([A-E]) \|", intro, re.M))
    used = {
        letter for _, text in all_cells_and_package_sources() for letter in SHORT_NAME.findall(text)
    }
    assert used and used <= defined == set("ABCDE")


def test_every_common_mistake_box_carries_the_class_the_stylesheet_styles():
    css = (ROOT / "_static" / "outputs.css").read_text(encoding="utf-8")
    assert ".admonition.common-mistake" in css
    boxes = 0
    for name, text in markdown_sources():
        for match in re.finditer(r"^:::\{admonition\} Common mistake.*\n(.*)", text, re.M):
            boxes += 1
            assert match.group(1) == ":class: common-mistake", name
    assert boxes >= 10
    assert "colon_fence" in CONFIG["parse"]["myst_enable_extensions"]


CHECKED_CONF = "extensions = ['myst_parser', 'rnnkit.book']\nexclude_patterns = ['_build']\n"


def build_with_checked_mark(tmp_path: Path, language: str) -> Path:
    """Build a two-page book with the mark, in a Sphinx process of its own: a build
    with myst_parser alone, in the test process, left a later myst-nb build there
    without a parser for Markdown."""
    src = tmp_path / "src"
    (src / "chapters").mkdir(parents=True)
    (src / "conf.py").write_text(CHECKED_CONF, encoding="utf-8")
    toctree = "```{toctree}\nchapters/05_lstm\nchapters/checks\n```\n"
    (src / "index.md").write_text(f"# Book\n\nTop {{checked}}`1.5`.\n\n{toctree}", "utf-8")
    (src / "chapters" / "05_lstm.md").write_text("# LSTM\n\nLoss {checked}`0.97`.\n", "utf-8")
    (src / "chapters" / "checks.md").write_text("# How this book checks itself\n", "utf-8")
    out = tmp_path / "html"
    command = [sys.executable, "-m", "sphinx", "-q", "-b", "html", "-D", f"language={language}"]
    built = subprocess.run([*command, str(src), str(out)], capture_output=True, text=True)
    assert built.returncode == 0, built.stderr[-2000:]
    return out


@pytest.mark.slow  # Sphinx builds
@pytest.mark.parametrize("language", ["en", "zh_CN"])
def test_checked_mark_keeps_the_number_and_links_to_the_checks_page(tmp_path, language):
    from rnnkit.book import CHECKED_TITLE

    out = build_with_checked_mark(tmp_path, language)
    title = CHECKED_TITLE[language]
    chapter = (out / "chapters" / "05_lstm.html").read_text(encoding="utf-8")
    mark = f'<a class="checked-mark" href="checks.html" title="{title}"'
    assert f"Loss 0.97{mark}" in chapter and chapter.count("checked-mark") == 1
    root = (out / "index.html").read_text(encoding="utf-8")
    assert f'Top 1.5<a class="checked-mark" href="chapters/checks.html" title="{title}"' in root
    assert (out / "chapters" / "checks.html").exists()


def test_the_checks_page_is_in_the_table_of_contents_the_mark_links_to():
    from rnnkit.book import CHECKS_PAGE

    toc = (ROOT / "_toc.yml").read_text(encoding="utf-8")
    assert f"file: {CHECKS_PAGE}\n" in toc and (ROOT / f"{CHECKS_PAGE}.md").exists()


def public_modules() -> list[str]:
    """Every module of rnnkit whose dotted name has no part that starts with ``_``."""
    import pkgutil

    import rnnkit

    names = [m.name for m in pkgutil.walk_packages(rnnkit.__path__, "rnnkit.")]
    return ["rnnkit"] + [n for n in names if not any(p.startswith("_") for p in n.split("."))]


def test_every_public_module_is_on_the_api_page():
    page = (ROOT / "chapters" / "api.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\.\. automodule:: (\S+)$", page, flags=re.M))
    modules = public_modules()
    assert {"rnnkit.models.charlm", "rnnkit.checks.ssm", "rnnkit.bench"} <= set(modules)
    assert sorted(set(modules) - documented) == []
    assert sorted(documented - set(modules)) == []  # nothing stale after a rename


def test_every_top_level_module_is_an_attribute_of_the_package():
    import rnnkit

    top = {n.split(".")[1] for n in public_modules() if n.count(".") >= 1}
    missing = [n for n in sorted(top - {"book", "i18n", "listing"}) if n not in rnnkit._SUBMODULES]
    assert missing == []
    assert rnnkit.reference_ssm.__name__ == "rnnkit.reference_ssm"


def test_no_cell_sets_its_own_fold_label():
    """The label of every solution fold comes from rnnkit.book.SOLUTION_PROMPTS."""
    own = [
        f"{path.name} cell {i}"
        for path in CHAPTERS
        for i, cell in enumerate(json.loads(path.read_text(encoding="utf-8"))["cells"])
        if {"code_prompt_show", "code_prompt_hide"} & set(cell["metadata"].get("mystnb", {}))
    ]
    assert own == []


FOLD_CONF = "extensions = ['myst_nb', 'rnnkit.book']\nnb_execution_mode = 'off'\n"


@pytest.mark.slow  # Sphinx builds
@pytest.mark.parametrize("language", ["en", "zh_CN"])
def test_a_solution_folds_under_the_editions_label(tmp_path, language):
    from sphinx.application import Sphinx
    from sphinx.util.docutils import docutils_namespace

    from rnnkit.book import SOLUTION_PROMPTS

    src = tmp_path / "src"
    src.mkdir()
    (src / "conf.py").write_text(FOLD_CONF, encoding="utf-8")
    solution = {"cell_type": "code", "id": "s", "metadata": {"tags": ["hide-cell"]}}
    solution |= {"source": "answer = 42", "execution_count": None, "outputs": []}
    title = {"cell_type": "markdown", "id": "t", "metadata": {}, "source": "# Exercise"}
    notebook = {"cells": [title, solution], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    (src / "index.ipynb").write_text(json.dumps(notebook), encoding="utf-8")
    out = tmp_path / "html"
    with docutils_namespace():  # the directives Sphinx registers go when it is done
        Sphinx(src, src, out, tmp_path / "doctrees", "html", {"language": language}).build()
    page = (out / "index.html").read_text(encoding="utf-8")
    show, hide = SOLUTION_PROMPTS[language]
    assert show in page and hide in page and "Show code cell" not in page
