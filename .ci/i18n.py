"""The Chinese edition: update its catalogues, check them, build it.

The English pages are the only source; the Chinese edition is the same build with
``language = zh_CN``, reading one gettext catalogue per page from
``locale/zh_CN/LC_MESSAGES/`` (see ``rnnkit/i18n.py`` for how notebooks take part).

    python .ci/i18n.py update   # `make translations`: messages of the current English
                                # into the catalogues; changed ones come back fuzzy
    python .ci/i18n.py check    # `make test`: fail on every untranslated or fuzzy message
    python .ci/i18n.py build    # `make book`: _build/html/zh/, from the execution cache
    python .ci/i18n.py unfuzzy chapters/05_lstm   # after revising a page's fuzzy
                                # translations: drop their fuzzy flag, keep the others

What the code cells show (figure text, table headers, checker feedback) is translated
from one more catalogue, ``rnnkit/locale/zh_CN.po`` (``rnnkit/translation.py``).
``update`` adds to it every such string of the executed notebooks that needs
translating (numbers written ``{}``), and ``check`` fails on any it lacks; both read
the notebooks from the execution cache, so run them after ``make book``.

``update`` and ``check`` extract the messages with Sphinx's gettext builder and no
execution (``_build/gettext/*.pot``); ``check`` compares them with the catalogues, so
an English sentence edited since the last ``update`` fails it (its translation is
missing) until the catalogue is updated and the translation revised. ``build`` renders
the notebooks from ``_build/.jupyter_cache`` (filled by ``.ci/execute.py``) and prints
how many notebooks it executed, which should be 0. Its work files (doctrees, the
notebooks' output files) stay under ``_build/zh/``; the pages are then copied into
``_build/html/zh/``, beside the English edition.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
LANGUAGE = "zh_CN"
BUILD = ROOT / "_build"
ZH = BUILD / "zh"


def merged(base: dict, over: dict) -> dict:
    """``base`` with ``over`` laid on it, nested dictionaries merged key by key."""
    out = dict(base)
    for key, value in over.items():
        out[key] = merged(out[key], value) if isinstance(out.get(key), dict) else value
    return out


def sphinx(root: Path, builder: str, outdir: Path, config: Path, **overrides) -> tuple[int, str]:
    """Build ``root`` like ``jupyter-book build`` does, with Sphinx settings ``overrides``;
    return (exit status, the build's log)."""
    from jupyter_book.sphinx import build_sphinx

    overrides = {
        "external_toc_path": str(root / "_toc.yml"),
        "latex_individualpages": False,
        **overrides,
    }
    log = io.StringIO()
    with contextlib.redirect_stdout(log), contextlib.redirect_stderr(log):
        result = build_sphinx(
            root,
            outdir,
            noconfig=True,
            path_config=str(config),
            confoverrides=overrides,
            doctreedir=outdir.parent / f".doctrees-{builder}",
            builder=builder,
            warningiserror=builder == "html",
            keep_going=True,
        )
    return (result if isinstance(result, int) else 1), log.getvalue()


def extract(root: Path, pot_dir: Path) -> Path:
    """Write the English messages of ``root``'s pages as ``pot_dir/<page>.pot``."""
    shutil.rmtree(pot_dir, ignore_errors=True)
    status, log = sphinx(
        root, "gettext", pot_dir, root / "_config.yml", nb_execution_mode="off", language="en"
    )
    if status != 0:
        raise SystemExit(f"message extraction failed:\n{log[-3000:]}")
    return pot_dir


def update(root: Path = ROOT) -> None:
    """Merge the current English messages into the catalogues (sphinx-intl)."""
    from sphinx_intl.basic import update as intl_update

    pot_dir = extract(root, root / "_build" / "gettext")
    intl_update(str(root / "locale"), str(pot_dir), (LANGUAGE,), line_width=88)
    if not executed_notebooks(root):
        print("no executed notebooks (run `make book` first): figures and tables skipped")
        return
    added = update_outputs(root)
    print(f"{OUTPUTS_PO.relative_to(root)}: {added} new strings of figures and tables")


def executed_notebooks(root: Path = ROOT) -> dict[str, object]:
    """``{page: executed notebook}`` from the execution cache, for every notebook page
    the cache has (``make book`` fills it)."""
    import nbformat
    from jupyter_cache import get_cache

    cache_dir = root / "_build" / ".jupyter_cache"
    if not cache_dir.exists():
        return {}
    sys.path.insert(0, str(root / ".ci"))
    from execute import book_notebooks

    cache, found = get_cache(str(cache_dir)), {}
    for path in book_notebooks(root):
        if path.suffix != ".ipynb":
            continue
        try:
            _, executed = cache.merge_match_into_notebook(nbformat.read(path, as_version=4))
        except KeyError:
            continue
        found[path.relative_to(root).with_suffix("").as_posix()] = executed
    return found


def output_strings(root: Path = ROOT) -> dict[str, list[str]]:
    """``{message: [pages]}``: what the executed notebooks' figures, tables and checker
    boxes show that needs translating, each string with its numbers written ``{}``."""
    from rnnkit import translation

    found: dict[str, list[str]] = {}
    for page, notebook in executed_notebooks(root).items():
        for cell in notebook.cells:
            for output in cell.get("outputs", []):
                data, meta = output.get("data", {}), output.get("metadata", {})
                strings = list(meta.get(translation.ZH_PNG, {}).get("strings", []))
                strings += translation.html_strings(data.get("text/html", ""))
                for text in strings:
                    message = translation.template(text)[0]
                    pages = found.setdefault(message, [])
                    if page not in pages:
                        pages.append(page)
    return found


OUTPUTS_PO = ROOT / "rnnkit" / "locale" / f"{LANGUAGE}.po"


def update_outputs(root: Path = ROOT) -> int:
    """Add the executed notebooks' untranslated output strings to ``OUTPUTS_PO``;
    return how many were added."""
    from babel.messages.pofile import read_po, write_po

    found = output_strings(root)
    with OUTPUTS_PO.open("rb") as handle:
        catalog = read_po(handle)
    added = 0
    for message, pages in found.items():
        entry = catalog.get(message)
        if entry is None:
            catalog.add(message, "", locations=[(page, 0) for page in pages])
            added += 1
    with OUTPUTS_PO.open("wb") as handle:
        write_po(handle, catalog, width=88, omit_header=False, include_lineno=False)
    return added


def untranslated_outputs(root: Path = ROOT) -> dict[str, list[str]]:
    """``{page: [strings]}`` the executed notebooks show that ``OUTPUTS_PO`` does not
    translate (empty, fuzzy or missing)."""
    from rnnkit import translation

    translation.catalogue.cache_clear()
    missing: dict[str, list[str]] = {}
    for message, pages in output_strings(root).items():
        if translation.catalogue(LANGUAGE).get(message) is None:
            for page in pages:
                missing.setdefault(page, []).append(message)
    return missing


def catalogue_entries(po: Path) -> dict[str, str]:
    """``{msgid: msgstr}`` of a page's catalogue, translated and current entries only."""
    from babel.messages.pofile import read_po

    if not po.exists():
        return {}
    with po.open("rb") as handle:
        catalog = read_po(handle)
    return {m.id: m.string for m in catalog if m.id and m.string and not m.fuzzy}


_FENCE = re.compile(r"^(```+|~~~+|\$\$)")
_HEADING = re.compile(r"^(#{1,6})\s+(.*)$")
_ITEM = re.compile(r"^(\s*)([-*+]|\d{1,9}[.)])\s+(.*)$")
_DIRECTIVE = re.compile(r"^(:{3,}|`{3,})\{(\w[\w-]*)\}\s*(.*)$")


def _blocks(source: str) -> list[str]:
    """A Markdown cell split at blank lines, fenced code and displayed maths kept whole."""
    blocks, current, fence = [], [], None
    for line in source.split("\n"):
        if fence:
            current.append(line)
            if line.strip().startswith(fence):
                blocks.append("\n".join(current))
                current, fence = [], None
            continue
        match = _FENCE.match(line.strip())
        if match and not _DIRECTIVE.match(line.strip()):
            if current:
                blocks.append("\n".join(current))
            current, fence = [line], match[1]
            if (
                line.strip() != match[1]
                and line.strip().endswith(match[1])
                and len(line.strip()) > len(match[1])
            ):
                blocks.append(line)
                current, fence = [], None
            continue
        if not line.strip():
            if current:
                blocks.append("\n".join(current))
            current = []
            continue
        current.append(line)
    if current:
        blocks.append("\n".join(current))
    return blocks


def _lookup(text: str, entries: dict[str, str], missed: list[str]) -> str:
    message = " ".join(text.split())
    if not message:
        return text
    found = entries.get(message)
    if found is None:
        missed.append(message)
        return text
    return found


def translate_block(block: str, entries: dict[str, str], missed: list[str]) -> str:
    """One Markdown block in the catalogue's language (see :func:`translate_markdown`)."""
    lines = block.split("\n")
    first = lines[0].strip()
    if _FENCE.match(first) and not _DIRECTIVE.match(first):
        return block  # code or displayed maths: unchanged
    if directive := _DIRECTIVE.match(first):
        title = directive[3]
        head = f"{directive[1]}{{{directive[2]}}}" + (
            f" {_lookup(title, entries, missed)}" if title else ""
        )
        options = [
            line
            for line in lines[1:]
            if line.strip().startswith(":") and not line.strip().startswith(":::")
        ]
        rest = [line for line in lines[1:] if line not in options]
        body = translate_block("\n".join(rest), entries, missed) if rest else ""
        return "\n".join([head, *options, body] if body else [head, *options])
    if first.startswith(":::") or first.startswith("%") or first.startswith("<"):
        return block
    if len(lines) > 1 and lines[-1].strip().startswith(":::"):  # the end of an admonition
        return translate_block("\n".join(lines[:-1]), entries, missed) + "\n" + lines[-1]
    if heading := _HEADING.match(first):
        return f"{heading[1]} {_lookup(heading[2], entries, missed)}"
    if first.startswith("|"):
        out = []
        for line in lines:
            cells = line.strip().strip("|").split("|")
            if all(set(cell.strip()) <= set("-: ") for cell in cells):
                out.append(line)
                continue
            out.append("| " + " | ".join(_lookup(c.strip(), entries, missed) for c in cells) + " |")
        return "\n".join(out)
    if _ITEM.match(lines[0]):
        items: list[list[str]] = []
        for line in lines:
            if (item := _ITEM.match(line)) and len(item[1]) <= 1:
                items.append([f"{item[1]}{item[2]} ", item[3]])
            elif items:
                items[-1].append(line.strip())
            else:
                return block
        return "\n".join(
            marker + _lookup(" ".join(text), entries, missed) for marker, *text in items
        )
    return _lookup(block, entries, missed)


def translate_markdown(source: str, entries: dict[str, str]) -> tuple[str, list[str]]:
    """A notebook's Markdown cell with every heading, paragraph, list item, table cell
    and admonition title replaced by its translation from ``entries`` (the page's
    catalogue, whose messages are these texts with their lines joined); maths and code
    are kept. Returns the cell and the messages that had no translation."""
    missed: list[str] = []
    blocks = [translate_block(block, entries, missed) for block in _blocks(source)]
    return "\n\n".join(blocks), missed


SETUP_CALL = re.compile(r"rnnkit\.setup\(([^()]+)\)")


def translated_notebook(path: Path, po: Path):
    """The notebook at ``path`` with its Markdown in Chinese and its checkers' feedback
    asked for in Chinese (``rnnkit.setup(..., language="zh_CN")``), and the messages
    that had no translation."""
    import nbformat

    notebook = nbformat.read(path, as_version=4)
    entries = catalogue_entries(po)
    missed: list[str] = []
    setup_done = False
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            cell.source, lost = translate_markdown(cell.source, entries)
            missed += lost
        elif not setup_done and SETUP_CALL.search(cell.source):
            cell.source = SETUP_CALL.sub(r'rnnkit.setup(\1, language="zh_CN")', cell.source, 1)
            setup_done = True
    return notebook, missed


def notebook_gaps(root: Path = ROOT) -> dict[str, list[str]]:
    """``{page: messages}``: for each notebook page, the Markdown texts its Chinese
    notebook keeps in English because no catalogue message matches them: untranslated
    messages, or a Markdown construct that :func:`translate_block` splits differently
    from Sphinx."""
    gaps = {}
    for source in sorted((root / "chapters").glob("*.ipynb")):
        page = source.relative_to(root).with_suffix("").as_posix()
        po = root / "locale" / LANGUAGE / "LC_MESSAGES" / f"{page}.po"
        gaps[page] = translated_notebook(source, po)[1]
    return gaps


def write_chinese_notebooks(root: Path, html_dir: Path) -> dict[str, list[str]]:
    """Replace the English notebooks that the Chinese edition offers for download
    (``_sources/**/*.ipynb``) with their Chinese versions; return the messages each
    lacked."""
    import nbformat

    report = {}
    for target in sorted((html_dir / "_sources").rglob("*.ipynb")):
        page = target.relative_to(html_dir / "_sources").with_suffix("").as_posix()
        source = root / f"{page}.ipynb"
        po = root / "locale" / LANGUAGE / "LC_MESSAGES" / f"{page}.po"
        if not source.exists():
            continue
        notebook, missed = translated_notebook(source, po)
        nbformat.write(notebook, target)
        report[page] = missed
    return report


def short(text: str, width: int = 90) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def problems(pot_dir: Path, locale_dir: Path, pages: list[str] | None = None) -> dict[str, list]:
    """``{page: [(kind, English message), ...]}`` for every message of the English pages
    that its catalogue lacks ("untranslated": new, edited, or left empty) or marks
    "fuzzy" (an old translation of a sentence that has changed since)."""
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import read_po

    found: dict[str, list] = {}
    for pot in sorted(pot_dir.rglob("*.pot")):
        page = pot.relative_to(pot_dir).with_suffix("").as_posix()
        if pages is not None and page not in pages:
            continue
        po = locale_dir / LANGUAGE / "LC_MESSAGES" / f"{page}.po"
        catalog = Catalog()
        if po.exists():
            with po.open("rb") as handle:
                catalog = read_po(handle)
        with pot.open("rb") as handle:
            template = read_po(handle)
        for message in template:
            if not message.id:
                continue
            entry = catalog.get(message.id, message.context)
            if entry is None or not entry.string:
                found.setdefault(page, []).append(("untranslated", message.id))
            elif entry.fuzzy:
                found.setdefault(page, []).append(("fuzzy", message.id))
    return found


def counts(pot_dir: Path) -> dict[str, int]:
    """Messages per page."""
    from babel.messages.pofile import read_po

    out = {}
    for pot in sorted(pot_dir.rglob("*.pot")):
        with pot.open("rb") as handle:
            out[pot.relative_to(pot_dir).with_suffix("").as_posix()] = sum(
                1 for m in read_po(handle) if m.id
            )
    return out


def check(root: Path = ROOT, pages: list[str] | None = None, listed: int = 5) -> int:
    """Print every page's untranslated and fuzzy messages; 1 if there is any."""
    (root / "_build").mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(dir=root / "_build") as tmp:
        pot_dir = extract(root, Path(tmp) / "gettext")
        found = problems(pot_dir, root / "locale", pages)
        total = counts(pot_dir)
    for page, items in found.items():
        kinds = {kind: sum(1 for k, _ in items if k == kind) for kind in ("untranslated", "fuzzy")}
        print(
            f"{page}: {kinds['untranslated']} untranslated, {kinds['fuzzy']} fuzzy"
            f" (of {total[page]} messages)"
        )
        for kind, text in items[:listed]:
            print(f"    {kind}: {short(text)}")
        if len(items) > listed:
            print(f"    ... and {len(items) - listed} more")
    checked = [page for page in total if pages is None or page in pages]
    outputs = {
        page: items
        for page, items in untranslated_outputs(root).items()
        if pages is None or page in pages
    }
    for page, items in outputs.items():
        print(f"{page}: {len(items)} strings of its figures and tables untranslated")
        for text in items[:listed]:
            print(f"    untranslated: {short(text)}")
        if len(items) > listed:
            print(f"    ... and {len(items) - listed} more")
    notebooks = {
        page: missed
        for page, missed in notebook_gaps(root).items()
        if missed and (pages is None or page in pages) and page not in found
    }
    for page, items in notebooks.items():
        print(f"{page}: {len(items)} messages its Chinese notebook could not place")
        for text in items[:listed]:
            print(f"    not placed: {short(text)}")
    outputs.update({page: outputs.get(page, []) + items for page, items in notebooks.items()})
    done = [page for page in checked if page not in found and page not in outputs]
    print(f"{len(done)} of {len(checked)} pages fully translated into {LANGUAGE}")
    return 1 if found or outputs else 0


def unfuzzy_text(text: str) -> tuple[str, int]:
    """``text`` (a .po file) without the ``fuzzy`` flag on any message but the header,
    and how many flags went. Every other flag on the same ``#,`` line stays
    (``#, fuzzy, python-brace-format`` becomes ``#, python-brace-format``); a line left
    with no flag goes; nothing else changes, not even the wrapping."""
    out, removed, header = [], 0, True  # the header's comments come before any msgid
    for line in text.splitlines(keepends=True):
        header = header and not line.startswith("msgid ")
        if line.startswith("#,"):
            flags = [flag.strip() for flag in line[2:].split(",")]
            if "fuzzy" in flags and not header:
                flags.remove("fuzzy")
                removed += 1
                if not flags:
                    continue
                line = "#, " + ", ".join(flags) + "\n"
        out.append(line)
    return "".join(out), removed


def unfuzzy(pages: list[str], root: Path = ROOT) -> int:
    """Drop the fuzzy flag from every message of ``pages``' catalogues (run it once their
    fuzzy translations are revised); 1 if a page has no catalogue."""
    status = 0
    for page in pages:
        po = root / "locale" / LANGUAGE / "LC_MESSAGES" / f"{page}.po"
        if not po.exists():
            print(f"{page}: no catalogue at {po.relative_to(root)}")
            status = 1
            continue
        text, removed = unfuzzy_text(po.read_text(encoding="utf-8"))
        po.write_text(text, encoding="utf-8")
        print(f"{page}: {removed} fuzzy flags removed")
    return status


def build(root: Path = ROOT) -> int:
    """Build the Chinese edition from the execution cache into _build/html/zh."""
    base = yaml.safe_load((root / "_config.yml").read_text(encoding="utf-8"))
    over = yaml.safe_load((root / "locale" / LANGUAGE / "_config.yml").read_text(encoding="utf-8"))
    ZH.mkdir(parents=True, exist_ok=True)
    config = ZH / "_config.yml"
    config.write_text(yaml.safe_dump(merged(base, over), allow_unicode=True), encoding="utf-8")
    start = time.perf_counter()
    status, log = sphinx(
        root,
        "html",
        ZH / "html",
        config,
        nitpicky=True,
        nb_execution_cache_path=str(BUILD / ".jupyter_cache"),
    )
    seconds = time.perf_counter() - start
    (ZH / "build.log").write_text(log, encoding="utf-8")
    executed = sum("Executing notebook" in line for line in log.splitlines())
    cached = sum("Using cached notebook" in line for line in log.splitlines())
    if status != 0:
        print(log[-5000:])
    else:
        shutil.rmtree(BUILD / "html" / "zh", ignore_errors=True)
        shutil.copytree(ZH / "html", BUILD / "html" / "zh")
        notebooks = write_chinese_notebooks(root, BUILD / "html" / "zh")
        print(f"Chinese notebooks for download: {len(notebooks)}")
    print(
        f"Chinese edition: {seconds:.0f} s, notebooks executed: {executed}, "
        f"rendered from the cache: {cached}, "
        f"status {status} (log: {(ZH / 'build.log').relative_to(root)})"
    )
    return 1 if status != 0 or executed else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["update", "check", "build", "unfuzzy"])
    parser.add_argument(
        "pages", nargs="*", help="check or unfuzzy only these pages (e.g. chapters/05_lstm)"
    )
    args = parser.parse_args()
    if args.command == "update":
        update()
        return 0
    if args.command == "check":
        return check(pages=args.pages or None)
    if args.command == "unfuzzy":
        if not args.pages:
            parser.error("unfuzzy: name the pages whose fuzzy translations you revised")
        return unfuzzy(args.pages)
    return build()


if __name__ == "__main__":
    sys.exit(main())
