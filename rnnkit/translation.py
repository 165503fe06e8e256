"""What rnnkit shows a reader (figure text, table headers, checker feedback) in the
book's other language.

The pages of the Chinese edition are translated by Sphinx from one catalogue per page
(``locale/zh_CN/LC_MESSAGES``). What the *code* of a chapter shows is translated from
one more catalogue, which ships inside the package so that a learner's notebook can
use it too: ``rnnkit/locale/zh_CN.po``. A message is either a whole string
(``"training steps"``) or a template in which every number is written ``{}``
(``"Δ = {}"``, ``"accuracy at length {}"``): a string that is not in the catalogue
is looked up again with its numbers replaced, and the numbers go back into the
translation in the same order.

Figures are raster images, so their Chinese copy is drawn when the notebook runs:
:func:`translated_png` swaps every text of a figure for its translation, draws it
with a Chinese font, and puts the English text back. :func:`show_editions` makes
IPython add that copy to each figure's output under :data:`ZH_PNG`, which only the
Chinese edition of the book shows (``rnnkit.i18n``); Jupyter and Colab show the
English PNG beside which it is stored. Tables and checker feedback are text, so the
book translates them when it renders the Chinese edition (:func:`translate_html`).
"""

from __future__ import annotations

import base64
import functools
import html
import io
import logging
import os
import re
import shutil
import subprocess
from pathlib import Path

LANGUAGES = ("en", "zh_CN")
CATALOGUES = Path(__file__).resolve().parent / "locale"
EDITIONS_ENV = "RNNKIT_EDITIONS"
"""Set to ``zh_CN`` (``make book``, ``make test``) to store each figure's Chinese copy."""
ZH_PNG = "image/vnd.rnnkit.zh-cn+png"
"""The MIME type of a figure's Chinese copy in a notebook's outputs."""
CJK_FONT = "WenQuanYi Micro Hei"
"""The Chinese font of the figures (Debian's ``fonts-wqy-microhei``)."""
KEPT = frozenset(
    """RNN RNNs LSTM LSTMs GRU GRUs minGRU minLSTM PyTorch Keras NumPy TensorFlow CPU GPU
    CUDA SSM SSMs S4 S4D S6 Mamba RWKV Transformer BPTT AR ReLU tanh softmax Adam SGD
    ZOH FFT bpc BPC Seq2Seq seq2seq IMDB MSE LM LMs OK ms torch keras numpy""".split()
)
"""Words that stay as they are in the Chinese edition (names, acronyms, units)."""

_NUMBER = re.compile(r"(?<![\w.])[-+−]?\d+(?:[.,]\d+)*(?:e[-+]?\d+)?(?![\w])")
_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]+")
_MATH = re.compile(r"\$[^$]*\$")
_CODE_LIKE = re.compile(r"`[^`]*`|\S*\w[._]\w\S*|\S+\(\)")  # `x`, torch.nn.LSTM, f_t, fit()


_language = ["en"]


def use_language(language: str) -> None:
    """Show the checkers' feedback in ``language`` (``rnnkit.setup(language=...)``)."""
    if language not in LANGUAGES:
        raise ValueError(f"expected a language in {LANGUAGES}, got {language!r}")
    _language[0] = language


def shown(text: str) -> str:
    """``text`` (a checker's title or feedback message) in the language chosen with
    :func:`use_language`: whole where the catalogue has it, else piece by piece.

    The pieces are the units of :func:`pieces`: a message is split at its seams (line
    breaks, a vertical bar between spaces, sentence ends, semicolons, then colons),
    coarsest first, and a part is split further only when the catalogue lacks it
    whole. A seam next to a translated part takes Chinese punctuation (。；：); a part
    the catalogue lacks stays in English, so no text is lost and no number or code span
    is broken.
    """
    if _language[0] == "en":
        return text
    whole = translate(" ".join(text.split()), _language[0])
    if whole is not None:
        return whole
    protected, quoted = _protect(text)
    return _restore(_rendered(protected, 0, _language[0])[0], quoted)


def pieces(text: str) -> list[str]:
    """The smallest units of ``text`` that :func:`shown` translates: ``text``
    split at every seam, outside brackets and code spans."""
    parts = _split(text)
    if parts is None:
        return [text.strip()] if text.strip() else []
    return [piece for part in parts[1] for piece in pieces(part)]


def missing_pieces(text: str, language: str = "zh_CN") -> list[str]:
    """The pieces of ``text`` that stay in English in ``language``: the smallest units
    reached without a translation, where a Chinese reader would have to read English."""
    if language == "en" or translate(" ".join(text.split()), language) is not None:
        return []
    protected, quoted = _protect(text)
    return [_restore(piece, quoted) for piece in _missing(protected, 0, language)]


# What an exception says (after "ValueError: ") is Python's own text: kept as it is.
_EXCEPTION_TEXT = re.compile(
    r"(?:(?<=Error: )|(?<=Exception: )).*?(?=; the dict it was given has the keys|$)", re.S
)
_PLACEHOLDER = 0xE000  # private-use characters stand for the kept texts while splitting


def _protect(text: str) -> tuple[str, list[str]]:
    """``text`` with each exception's message replaced by one private-use character."""
    quoted: list[str] = []

    def hold(match: re.Match) -> str:
        quoted.append(match[0])
        return chr(_PLACEHOLDER + len(quoted) - 1)

    return _EXCEPTION_TEXT.sub(hold, text), quoted


def _restore(text: str, quoted: list[str]) -> str:
    for i, original in enumerate(quoted):
        text = text.replace(chr(_PLACEHOLDER + i), original)
    return text


def _missing(text: str, level: int, language: str) -> list[str]:
    if _piece(text, language) is not None:
        return []
    parts = _split(text, level)
    if parts is None:
        core = text.strip()
        words = re.sub(r"[\ue000-\uf8ff]", " ", value_template(core)[0].replace("{}", " "))
        return [core] if needs_translation(words) else []
    level, found = parts[0] + 1, []
    for part in parts[1]:
        found += _missing(part, level, language)
    return found


_SEAMS = ("\n", " | ", ". ", "; ", ": ")
_ZH_SEAMS = {"\n": "\n", " | ": " | ", ". ": "。", "; ": "；", ": ": "："}
_OPENING, _CLOSING = "([{", ")]}"


def _split(text: str, level: int = 0) -> tuple[int, list[str], str] | None:
    """(seam level, the parts, the seam) of ``text`` split at its coarsest seam from
    ``level`` on, outside brackets and `code` spans; ``None`` when it has none."""
    for index in range(level, len(_SEAMS)):
        seam = _SEAMS[index]
        cuts = _cuts(text, seam)
        if cuts:
            bounds = [0, *cuts, len(text)]
            parts = [
                text[a + (len(seam) if a else 0) : b]
                for a, b in zip(bounds, bounds[1:], strict=False)
            ]
            return index, parts, seam
    return None


def _cuts(text: str, seam: str) -> list[int]:
    """Where ``seam`` occurs at bracket depth 0 outside `code` (a sentence end only
    before a capital letter or a backquote)."""
    cuts, depth, in_code = [], 0, False
    for i, char in enumerate(text):
        if char == "`":
            in_code = not in_code
        elif in_code:
            continue
        elif char in _OPENING:
            depth += 1
        elif char in _CLOSING:
            depth = max(depth - 1, 0)
        elif depth == 0 and i and text.startswith(seam, i):
            after = text[i + len(seam) : i + len(seam) + 1]
            if seam != ". " or after.isupper() or after == "`":
                cuts.append(i)
    return cuts


def _rendered(text: str, level: int, language: str) -> tuple[str, bool]:
    """(``text`` in ``language`` as far as the catalogue goes, whether any of it is)."""
    new = _piece(text, language)
    if new is not None:
        return new, True
    split = _split(text, level)
    if split is None:
        return text, False
    index, parts, seam = split
    done = [_rendered(part, index + 1, language) for part in parts]
    out = done[0][0]
    for (_, left), (right, translated) in zip(done, done[1:], strict=False):
        chinese = left or translated
        out = (out.rstrip("。") if chinese and seam == ". " else out) + (
            _ZH_SEAMS[seam] if chinese else seam
        )
        out += right
    return out, any(translated for _, translated in done)


def _piece(text: str, language: str) -> str | None:
    """One piece in ``language``: whole, with its numbers as ``{}``, or with its values
    (numbers, tuples and lists of them) as ``{}``; a final full stop may differ."""
    core = text.strip()
    if not core:
        return None
    head, tail = text[: len(text) - len(text.lstrip())], text[len(text.rstrip()) :]
    variants = [(core, "")]
    if core.endswith(".") and not core.endswith(".."):
        variants.append((core[:-1], "。"))
    else:
        variants.append((core + ".", None))
    for variant, stop in variants:
        new = translate(variant, language) or _by_values(variant, language)
        if new is not None:
            if stop is None:
                new = new.removesuffix("。")
            elif stop:
                new = new.removesuffix("。") + stop
            return head + new + tail
    return None


_TYPES = r"(?:NoneType|float|int|str|dict|list|tuple|bool|complex|ndarray|Tensor)\b"
_ITEM = r"(?:'[^'\n]*'|inf|nan|[-+−\d\s,.e])"
_VALUE = re.compile(
    r"`[^`]+`|"
    rf"(?<![\w.])[(\[](?:{_ITEM}|[(\[]{_ITEM}*[)\]])*[)\]]|"
    r"\b[A-Z]\w*(?:Error|Exception)\b|(?<![\w'])'[^'\s]*'(?![\w'])|"
    rf"(?:(?<=got )|(?<=got a )){_TYPES}|" + _NUMBER.pattern
)


def value_template(text: str) -> tuple[str, list[str]]:
    """``text`` with each value written ``{}``, and the values in order: a `code` span, a
    number, a tuple or list of numbers or quoted strings (``(4, 7, 5)``, ``['W', 'U']``,
    ``()``), a quoted string (``'torch'``), the name of an exception (``ValueError``),
    or a type after "got" (``got NoneType``)."""
    kinds = rf"\d|'|inf|nan|Err|Exc|^\(\)$|^`|^{_TYPES}"
    found = [m for m in _VALUE.finditer(text) if re.search(kinds, m[0])]
    pattern, last = [], 0
    for m in found:
        pattern += [text[last : m.start()].replace("{", "{{").replace("}", "}}"), "{}"]
        last = m.end()
    pattern.append(text[last:].replace("{", "{{").replace("}", "}}"))
    return "".join(pattern), [m[0] for m in found]


def _by_values(text: str, language: str) -> str | None:
    """``text`` translated from its :func:`value_template`, or ``None``."""
    pattern, values = value_template(text)
    entry = catalogue(language).get(pattern) if values else None
    try:
        return entry.format(*values) if entry else None
    except (IndexError, KeyError, ValueError):
        return None


def template(text: str) -> tuple[str, list[str]]:
    """``text`` with every number written ``{}``, and the numbers in order."""
    numbers = _NUMBER.findall(text)
    return _NUMBER.sub("{}", text.replace("{", "{{").replace("}", "}}")), numbers


def needs_translation(text: str) -> bool:
    """Whether ``text`` has a word a Chinese reader would have to read in English: a
    Latin word of two letters or more, outside ``$...$`` maths, not in :data:`KEPT`."""
    words = _WORD.findall(_CODE_LIKE.sub(" ", _MATH.sub(" ", text)))
    return any(word not in KEPT for word in words)


def parse_po(text: str) -> dict[str, str]:
    """``{msgid: msgstr}`` of a gettext catalogue's translated, non-fuzzy entries."""
    entries: dict[str, str] = {}
    for block in re.split(r"\n\s*\n", text):
        lines = [line.strip() for line in block.strip().splitlines()]
        if any(line.startswith("#,") and "fuzzy" in line for line in lines):
            continue
        fields: dict[str, str] = {}
        key = None
        for line in lines:
            if line.startswith(("msgid ", "msgstr ")):
                key, _, rest = line.partition(" ")
                fields[key] = _po_string(rest)
            elif line.startswith('"') and key:
                fields[key] += _po_string(line)
        if fields.get("msgid") and fields.get("msgstr"):
            entries[fields["msgid"]] = fields["msgstr"]
    return entries


def _po_string(quoted: str) -> str:
    body = quoted.strip()[1:-1]
    return re.sub(r'\\(["\\nt])', lambda m: {"n": "\n", "t": "\t"}.get(m[1], m[1]), body)


@functools.cache
def catalogue(language: str = "zh_CN") -> dict[str, str]:
    """The translations of ``language``, from ``rnnkit/locale/<language>.po``."""
    if language not in LANGUAGES:
        raise ValueError(f"expected a language in {LANGUAGES}, got {language!r}")
    path = CATALOGUES / f"{language}.po"
    return parse_po(path.read_text(encoding="utf-8")) if path.exists() else {}


def translate(text: str, language: str = "zh_CN") -> str | None:
    """``text`` in ``language``, or ``None`` when the catalogue has no translation.

    Leading and trailing spaces are kept; a string in English is its own translation.
    """
    if language == "en" or not text.strip():
        return text
    entries = catalogue(language)
    core = text.strip()
    head, tail = text[: len(text) - len(text.lstrip())], text[len(text.rstrip()) :]
    if core in entries:
        return head + entries[core] + tail
    pattern, numbers = template(core)
    if pattern != core and pattern in entries:  # numbers as {}, or braces doubled
        try:
            return head + entries[pattern].format(*numbers) + tail
        except (IndexError, KeyError, ValueError):
            return None
    return None


# --- figures ---------------------------------------------------------------------------


def figure_strings(fig) -> list[str]:
    """The texts of ``fig`` (titles, labels, legends, annotations, tick labels) that a
    Chinese reader would have to read in English, in drawing order, without repeats."""
    from matplotlib.text import Text

    seen: dict[str, None] = {}
    for artist in fig.findobj(Text):
        text = artist.get_text().strip()
        if artist.get_visible() and text and needs_translation(text):
            seen.setdefault(text, None)
    return list(seen)


@functools.cache
def cjk_font() -> str:
    """The name of the Chinese font, added to matplotlib from the system's fonts.

    Raises ``RuntimeError`` naming the Debian package when the font is not installed.
    """
    from matplotlib import font_manager

    files = []
    if shutil.which("fc-list"):
        listing = subprocess.run(
            ["fc-list", f"{CJK_FONT}:", "file"], capture_output=True, text=True, check=False
        ).stdout
        files = [line.split(":")[0].strip() for line in listing.splitlines() if line.strip()]
    for path in files:
        font_manager.fontManager.addfont(path)
    try:
        font_manager.findfont(CJK_FONT, fallback_to_default=False)
    except ValueError as error:
        raise RuntimeError(
            f"the Chinese figures need the font {CJK_FONT!r}: on Debian or Ubuntu, "
            "`apt-get install fonts-wqy-microhei` (`make fonts` does it)"
        ) from error
    return CJK_FONT


def translated_png(fig, language: str = "zh_CN") -> tuple[bytes, list[str]]:
    """``fig`` drawn as a PNG with its texts in ``language``; and the texts that the
    catalogue does not translate yet (they stay in English). ``fig`` is unchanged."""
    import matplotlib as mpl
    from matplotlib.text import Text

    font = cjk_font()
    saved, missing = [], []
    for artist in fig.findobj(Text):
        text = artist.get_text()
        if not text.strip() or not needs_translation(text):
            continue
        new = translate(text, language)
        if new is None:
            missing.append(text.strip())
            continue
        saved.append((artist, text, artist.get_fontfamily()))
        artist.set_text(new)
        family = artist.get_fontfamily()
        # mathtext draws the words around $...$ in the first family: Chinese goes first there
        artist.set_fontfamily([font, *family] if "$" in new else [*family, font])
    # Words around $...$ are typeset by mathtext, in its own fonts: the Chinese font
    # there too. Its log says nothing a reader of the English figure needs to see.
    mathtext = {f"mathtext.{style}": font for style in ("rm", "it", "bf", "sf")}
    quiet = logging.getLogger("matplotlib.mathtext")
    level = quiet.level
    try:
        quiet.setLevel(logging.ERROR)
        buffer = io.BytesIO()
        with mpl.rc_context({"mathtext.fontset": "custom", **mathtext}):
            fig.savefig(buffer, format="png")
    finally:
        quiet.setLevel(level)
        for artist, text, family in saved:
            artist.set_text(text)
            artist.set_fontfamily(family)
    return buffer.getvalue(), list(dict.fromkeys(missing))


def _zh_png(fig):
    """IPython formatter: the Chinese copy of a figure, with the strings it shows."""
    strings = figure_strings(fig)
    if not strings:
        return None
    png, missing = translated_png(fig)
    data = base64.b64encode(png).decode("ascii")
    return data, {"strings": strings, "untranslated": missing}


def show_editions(language: str | None = None) -> bool:
    """Store a Chinese copy of every figure a notebook shows (under :data:`ZH_PNG`),
    when ``language`` (default: the environment variable ``RNNKIT_EDITIONS``) is
    ``"zh_CN"`` and the code runs in IPython. Returns whether it did."""
    language = language if language is not None else os.environ.get(EDITIONS_ENV, "")
    if language != "zh_CN":
        return False
    try:
        from IPython import get_ipython
        from IPython.core.formatters import BaseFormatter
    except ImportError:
        return False
    shell = get_ipython()
    if shell is None:
        return False
    from matplotlib.figure import Figure
    from traitlets import ObjectName, Unicode

    class ZhPNGFormatter(BaseFormatter):
        format_type = Unicode(ZH_PNG)
        print_method = ObjectName("_repr_zh_png_")

    display = shell.display_formatter
    if ZH_PNG not in display.formatters:
        display.formatters[ZH_PNG] = ZhPNGFormatter(parent=display)
    if ZH_PNG not in display.active_types:  # the types display() computes
        display.active_types = [*display.active_types, ZH_PNG]
    # Through a method of Figure, not for_type(Figure): the inline backend, set up at
    # the first figure, removes every formatter's entry for Figure.
    Figure._repr_zh_png_ = _zh_png
    return True


# --- tables and feedback (HTML) ---------------------------------------------------------

_TRANSLATED_HTML = re.compile(r'<table|class="rnnkit-check')
_SKIPPED = re.compile(r"<(style|script)\b.*?</\1>", re.S)
_BLOCK = re.compile(r"(</?(?:table|thead|tbody|tr|th|td|ul|ol|li|div|p|caption)\b[^>]*>)")
_ICON = re.compile(r'^\s*(<span aria-hidden="true">[^<]*</span>)')
_CODE = re.compile(r"<code>(.*?)</code>", re.S)
_TAG = re.compile(r"<[^>]+>")


def _message(run: str) -> str:
    """The message of a run of inline HTML: `code` spans as backticks, tags dropped."""
    text = _CODE.sub(lambda m: f"`{m[1]}`", _ICON.sub("", run))
    return " ".join(html.unescape(_TAG.sub("", text)).split())


def _markup(message: str) -> str:
    """A translated message back to HTML, its backticks as <code> spans."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", html.escape(message, quote=False))


_KEEP = re.compile(r"""<(?:td|th)\b[^>]*(?:\bclass="[^"]*\bnotranslate\b|\btranslate="no")""")
"""A table cell whose text stays as it is: a name (a processor, a kernel version), marked
with the class ``notranslate`` or ``translate="no"`` (:func:`keep_as_is`)."""


def _runs(markup: str) -> list[str]:
    """``markup`` split at block-level tags; styles and scripts removed."""
    return _BLOCK.split(_SKIPPED.sub("", markup))


def _kept_runs(runs: list[str]) -> set[int]:
    """The indices of the text runs inside table cells marked to stay as they are."""
    kept, inside = set(), False
    for i, run in enumerate(runs):
        if _BLOCK.fullmatch(run):
            inside = bool(_KEEP.match(run)) or (inside and not run.startswith("</"))
        elif inside:
            kept.add(i)
    return kept


def keep_as_is(styler, column: str, rows) -> object:
    """``styler`` (a pandas Styler) with the cells of ``column`` in ``rows`` (index labels)
    marked ``notranslate``: the Chinese edition shows them as they are, and the catalogue
    does not ask for them (machine names differ from one reader's machine to the next)."""
    import pandas as pd

    data = styler.data
    classes = pd.DataFrame("", index=data.index, columns=data.columns)
    classes.loc[list(rows), column] = "notranslate"
    return styler.set_td_classes(classes)


def html_strings(markup: str) -> list[str]:
    """The messages of a table or checker box (``markup``) that need translating."""
    if not _TRANSLATED_HTML.search(markup):
        return []
    runs = _runs(markup)
    kept = _kept_runs(runs)
    messages = (
        _message(run) for i, run in enumerate(runs) if not _BLOCK.fullmatch(run) and i not in kept
    )
    return list(dict.fromkeys(m for m in messages if m and needs_translation(m)))


def translate_html(markup: str, language: str = "zh_CN") -> str:
    """``markup`` (a table, a checker box) with each run of text between block-level
    tags translated where the catalogue has it; other HTML is returned unchanged."""
    if language == "en" or not _TRANSLATED_HTML.search(markup):
        return markup
    styles = "".join(m[0] for m in _SKIPPED.finditer(markup))
    out, runs = [], _runs(markup)
    kept = _kept_runs(runs)
    for i, run in enumerate(runs):
        message = "" if _BLOCK.fullmatch(run) or i in kept else _message(run)
        new = translate(message, language) if message and needs_translation(message) else None
        if new is None:
            out.append(run)
            continue
        icon = _ICON.match(run)
        out.append((icon[1] if icon else "") + _markup(new))
    return styles + "".join(out)
