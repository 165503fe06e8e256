"""The checkers' feedback in Chinese: titles and messages translated whole or piece by
piece (rnnkit.translation.shown), English unchanged by default."""

from __future__ import annotations

import re

import numpy as np
import pytest
from test_checks_battery import BATTERY

from rnnkit import checks, translation
from rnnkit.checks import CORRECT, INCORRECT, NOT_ATTEMPTED, CheckResult
from rnnkit.i18n import rejected_terms

LISTING = "python .ci/checker_messages.py"
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture
def chinese():
    translation.use_language("zh_CN")
    yield
    translation.use_language("en")


@pytest.fixture
def english():
    translation.use_language("en")
    yield


def _stub(*args, **kwargs):
    raise NotImplementedError


MESSAGES = [
    "batch=3, time=6, hidden=4, lengths=[2, 5, 3]: the last state differs most at batch 2, "
    "hidden 1: expected -0.81844, got 4.6874 (off by 5.51)",
    "grads['W'] should have shape (3, 5) = (features, hidden), got (5, 3). Your values are "
    "right but the axes are in the order (hidden, features): transpose them "
    "(`np.transpose(..., (1, 0))`).",
    "an untranslated label 7: your function raised ValueError: matmul: Input operand 1 has "
    "a mismatch (size 3 is different from 4); the dict it was given has the keys ['W', 'b']",
    "right up to length 9, wrong from length 10 on (string 3).\nThe state drifts: a "
    "sentence no catalogue has, with 1e-300 and `code: x. Y`",
]


def _numbers_and_code(text: str) -> list[str]:
    return re.findall(r"`[^`]*`|-?\d+(?:\.\d+)?(?:e-?\d+)?", text)


@pytest.mark.parametrize("message", MESSAGES)
def test_piecewise_translation_keeps_every_number_and_code_span(chinese, message):
    shown = translation.shown(message)
    assert shown != message
    for token in _numbers_and_code(message):
        assert token in shown, token


@pytest.mark.parametrize("message", MESSAGES)
def test_the_pieces_of_a_message_are_all_of_its_text(message):
    joined = " ".join(translation.pieces(message))
    assert re.sub(r"[.:;|\s]", "", joined) == re.sub(r"[.:;|\s]", "", message)


def test_an_untranslated_piece_stays_in_english_and_the_exception_text_whole(chinese):
    shown = translation.shown(MESSAGES[2])
    assert "an untranslated label 7：" in shown
    assert "matmul: Input operand 1 has a mismatch (size 3 is different from 4)" in shown
    assert translation.missing_pieces(MESSAGES[2]) == ["an untranslated label 7"]


def _battery_texts():
    for check, answers in BATTERY.values():
        for _, wrong, _ in answers:
            with np.errstate(all="ignore"):
                result = check(wrong)
            yield f"{result.exercise}: {result.status}"
            yield from result.messages


def test_every_piece_the_battery_shows_is_translated():
    missing = {
        piece: text
        for text in _battery_texts()
        for piece in translation.missing_pieces(text, "zh_CN")
    }
    listed = "\n".join(f"{piece!r} (in {text!r})" for piece, text in missing.items())
    assert not missing, f"no Chinese for these pieces ({LISTING} lists them all):\n{listed}"


def test_every_lesson_of_every_checker_is_translated():
    # A lesson shows only when an answer fails on its case, which no battery may do.
    from ci_scripts import load_ci_script

    lister = load_ci_script("checker_messages")
    lister.known_mistakes()
    lessons = [lesson for listed in lister.LESSONS.values() for lesson in listed]
    missing = [p for lesson in lessons for p in translation.missing_pieces(lesson, "zh_CN")]
    assert lessons and not missing, f"no Chinese for these pieces ({LISTING}): {missing}"


@pytest.mark.parametrize("status", [NOT_ATTEMPTED, INCORRECT, CORRECT])
@pytest.mark.parametrize("name", sorted(checks.CHECKERS))
def test_each_title_is_chinese_for_each_status(chinese, name, status):
    exercise = checks.CHECKERS[name](_stub).exercise
    title = str(CheckResult(exercise, status)).splitlines()[0]
    assert CJK.search(title) and not translation.needs_translation(title[2:]), title


def test_english_is_the_default_and_use_language_en_restores_it(english):
    wrong = checks.check_last_valid_state(lambda outputs, lengths: outputs[:, -1])
    before = (str(wrong), wrong._repr_markdown_(), wrong._repr_html_())
    assert before[0].startswith("❌ Exercise 8.2 (the last valid state): incorrect")
    translation.use_language("zh_CN")
    try:
        assert str(wrong).startswith("❌ 练习 8.2（最后一个有效状态）：不正确")
        assert "你的结果与这一错误一致" in wrong._repr_html_()
    finally:
        translation.use_language("en")
    assert (str(wrong), wrong._repr_markdown_(), wrong._repr_html_()) == before


def test_translate_still_looks_up_whole_strings_only():
    assert translation.translate("expected 1, got 2 (off by 1)") == "期望 1，得到 2（相差 1）"
    assert translation.translate("batch=3, time=6, hidden=4: expected 1, got 2") is None


def test_the_checker_entries_use_no_rejected_term():
    rejected = rejected_terms()
    catalogue = translation.catalogue("zh_CN")
    found = [(english, bad) for english, zh in catalogue.items() for bad in rejected if bad in zh]
    assert found == []
