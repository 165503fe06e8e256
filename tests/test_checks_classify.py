"""The chapter-08 checkers (mean over valid steps, last valid state): each accepts a
correct answer written independently, rejects the plausible wrong ones naming the
mistake, says where an unnamed error is, and reports an untouched stub as 'not
attempted'."""

import numpy as np
import pytest

from rnnkit import checks
from rnnkit.checks import CORRECT, INCORRECT, NOT_ATTEMPTED
from rnnkit.checks.classify import (
    LAST_STATE_MISTAKES,
    MASKED_MEAN_MISTAKES,
    last_valid_state_reference,
    masked_mean_reference,
)


def stub(outputs, lengths):
    # YOUR CODE HERE
    raise NotImplementedError


def loop_mean(outputs, lengths):
    return np.stack([outputs[b, :n].mean(axis=0) for b, n in enumerate(lengths)])


def loop_last(outputs, lengths):
    return np.stack([outputs[b, n - 1] for b, n in enumerate(lengths)])


def test_references_agree_with_plain_loops_on_a_small_example():
    outputs = np.arange(24, dtype=float).reshape(2, 4, 3)
    lengths = np.array([2, 4])
    np.testing.assert_array_equal(
        masked_mean_reference(outputs, lengths), loop_mean(outputs, lengths)
    )
    np.testing.assert_array_equal(
        last_valid_state_reference(outputs, lengths), [[3, 4, 5], [21, 22, 23]]
    )


@pytest.mark.parametrize(
    ("check", "right"),
    [(checks.check_masked_mean, loop_mean), (checks.check_last_valid_state, loop_last)],
    ids=["mean", "last"],
)
def test_checker_accepts_a_correct_loop(check, right):
    result = check(right)
    assert result.status == CORRECT
    assert result.use is right
    assert "All 3 cases agree" in result.messages[0]


@pytest.mark.parametrize(
    ("check", "reference"),
    [
        (checks.check_masked_mean, masked_mean_reference),
        (checks.check_last_valid_state, last_valid_state_reference),
    ],
    ids=["mean", "last"],
)
def test_stub_is_not_attempted_and_hands_back_the_reference(check, reference):
    result = check(stub)
    assert result.status == NOT_ATTEMPTED
    assert result.use is reference


@pytest.mark.parametrize(
    ("description", "wrong"), MASKED_MEAN_MISTAKES, ids=range(len(MASKED_MEAN_MISTAKES))
)
def test_masked_mean_rejects_each_known_mistake_and_names_it(description, wrong):
    result = checks.check_masked_mean(wrong)
    assert result.status == INCORRECT
    assert result.messages[-1] == f"This is what you get if you {description}."


@pytest.mark.parametrize(
    ("description", "wrong"), LAST_STATE_MISTAKES, ids=range(len(LAST_STATE_MISTAKES))
)
def test_last_valid_state_rejects_each_known_mistake_and_names_it(description, wrong):
    result = checks.check_last_valid_state(wrong)
    assert result.status == INCORRECT
    assert result.messages[-1] == f"This is what you get if you {description}."


def test_masked_mean_names_padding_and_wrong_divisor_in_plain_words():
    result = checks.check_masked_mean(lambda outputs, lengths: outputs.mean(axis=1))
    assert result.messages[-1].startswith("This is what you get if you average over all time steps")
    result = checks.check_masked_mean(
        lambda o, n: (o * (np.arange(o.shape[1]) < n[:, None])[..., None]).sum(1) / o.shape[1]
    )
    assert "divide by the padded length T" in result.messages[-1]


def test_masked_mean_feedback_names_case_row_and_unit_of_an_unnamed_error():
    def off_in_one_place(outputs, lengths):
        mean = loop_mean(outputs, lengths)
        mean[1, 2] += 0.5
        return mean

    result = checks.check_masked_mean(off_in_one_place)
    assert len(result.messages) == 1  # no known mistake matches
    assert result.messages[0].startswith(
        "batch=3, time=6, hidden=4, lengths=[2, 5, 3]: the mean differs most at batch 1, hidden 2"
    )
    assert "off by 0.5" in result.messages[0]


def test_last_valid_state_reports_an_index_error_instead_of_raising():
    def out_of_range(outputs, lengths):
        return outputs[np.arange(len(lengths)), lengths]  # lengths == T overflows in case 2

    result = checks.check_last_valid_state(out_of_range)
    assert result.status == INCORRECT
    # case 1 has no full-length row, so the off-by-one is named before it can overflow
    assert "index with lengths instead of lengths - 1" in result.messages[-1]


def test_last_valid_state_reports_a_wrong_shape():
    result = checks.check_last_valid_state(lambda outputs, lengths: outputs[:, lengths - 1])
    assert "should have shape (3, 4) = (batch, hidden), got (3, 3, 4)" in result.messages[0]


def test_inputs_are_read_only_so_in_place_edits_are_reported():
    def in_place(outputs, lengths):
        outputs[:, 0] = 0.0
        return loop_last(outputs, lengths)

    result = checks.check_last_valid_state(in_place)
    assert result.status == INCORRECT
    assert "read-only" in result.messages[0]
