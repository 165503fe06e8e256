"""The linear-scan checker (chapter 12): accepts a loop-free log-space scan, rejects
plausible wrong scans naming the mistake, and reports an untouched stub as not attempted."""

import numpy as np
import pytest

from rnnkit import checks
from rnnkit.checks import CORRECT, INCORRECT, NOT_ATTEMPTED
from rnnkit.checks.minrnn import LINEAR_SCAN_MISTAKES, linear_scan_reference


def stub(a, b, h0):
    # YOUR CODE HERE
    raise NotImplementedError


def log_space_scan(a, b, h0):
    log_a = np.concatenate([np.zeros_like(h0)[:, None], np.log(a)], axis=1)
    log_b = np.concatenate([np.log(h0)[:, None], np.log(b)], axis=1)
    a_star = np.cumsum(log_a, axis=1)
    return np.exp(a_star + np.logaddexp.accumulate(log_b - a_star, axis=1))[:, 1:]


def test_linear_scan_accepts_a_log_space_scan():
    result = checks.check_linear_scan(log_space_scan)
    assert result.status == CORRECT
    assert result.use is log_space_scan


def test_linear_scan_stub_is_not_attempted_and_hands_back_the_loop():
    result = checks.check_linear_scan(stub)
    assert result.status == NOT_ATTEMPTED
    assert result.use is linear_scan_reference


@pytest.mark.parametrize(
    ("description", "wrong"), LINEAR_SCAN_MISTAKES, ids=range(len(LINEAR_SCAN_MISTAKES))
)
def test_linear_scan_rejects_each_known_mistake_and_names_it(description, wrong):
    result = checks.check_linear_scan(wrong)
    assert result.status == INCORRECT
    assert result.messages[-1] == f"This is what you get if you {description}."


def test_linear_scan_feedback_points_at_the_first_case_and_the_array():
    result = checks.check_linear_scan(lambda a, b, h0: linear_scan_reference(a, b, h0) * 1.01)
    assert result.status == INCORRECT
    assert result.messages[0].startswith("a 2 x 5 x 3 case:") and " h" in result.messages[0]


def test_linear_scan_that_raises_is_reported_not_raised():
    result = checks.check_linear_scan(lambda a, b, h0: a @ b)
    assert result.status == INCORRECT and "raised" in result.messages[0]
