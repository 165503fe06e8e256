"""rnnkit.translation: figure text, tables and feedback in the Chinese edition."""

from __future__ import annotations

import base64
import dataclasses
import re

import matplotlib
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from rnnkit import translation  # noqa: E402

ENTRIES = {
    "training steps": "训练步数",
    "measured $h_{{t}}$": "实测 $h_{{t}}$",
    "accuracy at length {}": "长度 {} 处的准确率",
    "{} of {} right": "{1} 个中对了 {0} 个",
    "Model": "模型",
}


@pytest.fixture
def catalogue(monkeypatch):
    monkeypatch.setattr(translation, "catalogue", lambda language="zh_CN": ENTRIES)
    return ENTRIES


def test_template_writes_every_number_as_braces():
    assert translation.template("Δ = 0.003 at T = 1,024") == (
        "Δ = {} at T = {}",
        ["0.003", "1,024"],
    )
    assert translation.template("S4D, layer 2") == ("S4D, layer {}", ["2"])
    assert translation.template("a {set}") == ("a {{set}}", [])


def test_translate_uses_whole_strings_then_templates(catalogue):
    assert translation.translate("training steps") == "训练步数"
    assert translation.translate("  training steps ") == "  训练步数 "
    assert translation.translate("accuracy at length 400") == "长度 400 处的准确率"
    assert translation.translate("3 of 4 right") == "4 个中对了 3 个"
    assert translation.translate("measured $h_{t}$") == "实测 $h_{t}$"  # braces, no numbers
    assert translation.translate("validation loss") is None
    assert translation.translate("validation loss", "en") == "validation loss"


def test_needs_translation_skips_names_numbers_and_maths():
    assert translation.needs_translation("training steps")
    assert not translation.needs_translation("LSTM")
    assert not translation.needs_translation("PyTorch, GRU")
    assert not translation.needs_translation("0.97 [0.95, 0.99]")
    assert not translation.needs_translation(r"$\Delta = 0.003$")
    assert translation.needs_translation(r"kernel at $\Delta = 0.003$")


def test_parse_po_keeps_translated_entries_and_drops_fuzzy_and_empty():
    po = (
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
        'msgid "training steps"\nmsgstr "训练步数"\n\n'
        '#, fuzzy\nmsgid "old label"\nmsgstr "旧"\n\n'
        'msgid "empty"\nmsgstr ""\n\n'
        'msgid ""\n"two "\n"lines"\nmsgstr "两行 \\"引号\\""\n'
    )
    assert translation.parse_po(po) == {"training steps": "训练步数", "two lines": '两行 "引号"'}


def test_every_shipped_translation_keeps_its_numbers():
    placeholder = re.compile(r"(?<!\{)\{\d*\}(?!\})")
    for message, text in translation.catalogue.__wrapped__("zh_CN").items():
        assert len(placeholder.findall(text)) == message.count("{}"), message


def test_translated_png_draws_chinese_and_restores_the_figure(catalogue):
    fig, ax = plt.subplots()
    ax.plot([0, 1], label="LSTM")
    ax.set_xlabel("training steps")
    ax.set_ylabel("accuracy at length 40")
    ax.set_title("validation loss")
    ax.legend()
    english = translation.figure_strings(fig)
    assert english == ["training steps", "accuracy at length 40", "validation loss"]
    png, missing = translation.translated_png(fig)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert missing == ["validation loss"]
    assert ax.get_xlabel() == "training steps"  # the figure is unchanged afterwards
    assert "WenQuanYi" not in " ".join(ax.xaxis.label.get_fontfamily())
    plt.close(fig)


def test_translate_html_translates_tables_and_leaves_other_html(catalogue):
    table = "<table><thead><tr><th>Model</th><th>accuracy at length 40</th></tr></thead></table>"
    out = translation.translate_html(table)
    assert "<th>模型</th>" in out and "<th>长度 40 处的准确率</th>" in out
    assert translation.html_strings(table) == ["Model", "accuracy at length 40"]
    listing = "<pre>training steps</pre>"
    assert translation.translate_html(listing) == listing
    assert translation.html_strings(listing) == []


def test_show_editions_is_off_outside_the_book(monkeypatch):
    monkeypatch.delenv(translation.EDITIONS_ENV, raising=False)
    assert translation.show_editions() is False
    assert translation.show_editions("zh_CN") is False  # no IPython shell here


def test_catalogue_rejects_an_unknown_language():
    with pytest.raises(ValueError, match="expected a language"):
        translation.catalogue.__wrapped__("fr")


@dataclasses.dataclass
class Mime:
    mime_type: str
    content: str
    output_metadata: dict


def test_edition_outputs_renders_the_chinese_copy_only_in_chinese(catalogue):
    from types import SimpleNamespace

    from docutils import nodes

    from rnnkit.i18n import EditionOutputs

    def renderer(language):
        env = SimpleNamespace(config=SimpleNamespace(language=language))
        document = SimpleNamespace(settings=SimpleNamespace(env=env))
        seen = []

        def render_image(data):
            seen.append(data.mime_type)
            return [nodes.image(uri="x.png")]

        return SimpleNamespace(
            renderer=SimpleNamespace(document=document), render_image=render_image
        ), seen

    data = Mime(
        translation.ZH_PNG,
        base64.b64encode(b"png").decode(),
        {translation.ZH_PNG: {"strings": ["training steps"]}},
    )
    zh, seen = renderer("zh_CN")
    [image] = EditionOutputs.handle_mime(zh, data, False)
    assert seen == ["image/png"] and image["alt"] == "训练步数"
    en, _ = renderer("en")
    assert EditionOutputs.handle_mime(en, data, False) is None


def test_cells_marked_to_stay_as_they_are_are_neither_asked_for_nor_translated(catalogue):
    import pandas as pd

    table = pd.DataFrame({"": ["GPU", "processor"], "value": ["none", "Some CPU Model 9"]})
    markup = translation.keep_as_is(table.style.hide(), "value", [1]).to_html()
    assert "Some CPU Model 9" not in translation.html_strings(markup)
    assert "none" in translation.html_strings(markup)  # the unmarked cell is still asked for
    assert "Some CPU Model 9" in translation.translate_html(markup)


def test_the_machine_table_asks_for_no_machine_name():
    from rnnkit import bench

    info = bench.machine()
    asked = translation.html_strings(bench.machine_table().to_html())
    names = [value for value in info.values() if isinstance(value, str) and value != "none"]
    assert names and not set(asked) & set(names)
