"""The hand-set parity RNN checker (chapter 14): the learner hands in weights, which the
checker runs as a two-unit tanh RNN. Right weights pass, the stub is "not attempted",
and wrong weights, weights of the wrong form and functions that are not weights get a
verdict naming what went wrong, never an exception."""

import numpy as np
import pytest

from rnnkit import checks
from rnnkit.checks import CORRECT, INCORRECT, NOT_ATTEMPTED
from rnnkit.checks.state_tracking import parity_weights_reference


def stub():
    # YOUR CODE HERE
    raise NotImplementedError


def weights_with_gain(K, W=None, u=None, b=None):
    def parity_weights():
        return (
            K * np.array([[0.5, -0.5], [0.5, -0.5]]) if W is None else W,
            K * np.ones(2) if u is None else u,
            K * np.array([-0.5, -1.5]) if b is None else b,
        )

    return parity_weights


def test_accepts_right_weights_in_any_array_form_and_hands_them_back():
    right = weights_with_gain(5.0)
    result = checks.check_parity_weights(right)
    assert result.status == CORRECT and result.use is right
    assert "lengths 1 to 1000" in result.messages[0]
    as_lists = checks.check_parity_weights(lambda: tuple(w.tolist() for w in right()))
    assert as_lists.status == CORRECT


def test_stub_is_not_attempted_and_hands_back_the_reference():
    result = checks.check_parity_weights(stub)
    assert result.status == NOT_ATTEMPTED
    assert result.use is parity_weights_reference


def test_small_weights_fail_later_and_are_named_as_a_drifting_state():
    result = checks.check_parity_weights(weights_with_gain(1.9))
    assert result.status == INCORRECT
    assert "right up to length" in result.messages[0] and "wrong from length" in result.messages[0]
    assert "The state drifts" in result.messages[0]
    assert "The logic is right but the gain is too small" in result.messages[0]


def test_right_logic_with_too_small_a_gain_is_named_as_gain_even_at_length_1():
    result = checks.check_parity_weights(weights_with_gain(1.0))
    assert result.messages[0].startswith("your weights: wrong at length 1")
    assert "The logic is right but the gain is too small" in result.messages[0]
    assert "logic is wrong" not in result.messages[0]


def test_a_wrong_threshold_that_looks_like_drift_is_named_as_logic():
    # W at gain 12, u and b at gain 6: the AND unit fires on parity 1 and bit 0.
    W, u, b = np.array([[6.0, -6.0], [6.0, -6.0]]), np.full(2, 6.0), np.array([-3.0, -9.0])
    result = checks.check_parity_weights(lambda: (W, u, b))
    assert result.status == INCORRECT
    assert "logic is wrong for parity so far 1 and the bit 0" in result.messages[0]
    assert "gain is too small" not in result.messages[0]


def test_weights_wrong_on_the_first_bit_are_named_wrong_at_length_1():
    result = checks.check_parity_weights(weights_with_gain(-8.0))
    assert result.status == INCORRECT
    assert result.messages[0].startswith("your weights: wrong at length 1")


def test_weights_that_ignore_the_state_are_named_as_wrong_logic():
    result = checks.check_parity_weights(weights_with_gain(10.0, W=np.zeros((2, 2))))
    assert result.status == INCORRECT
    assert "right up to length 1, wrong from length 2" in result.messages[0]
    assert "logic is wrong" in result.messages[0]


@pytest.mark.parametrize("gain", [np.inf, -np.inf, np.nan])
def test_an_infinite_or_nan_gain_gets_a_verdict_not_an_exception(gain):
    result = checks.check_parity_weights(weights_with_gain(gain))
    assert result.status == INCORRECT
    assert "not finite" in result.messages[0]


@pytest.mark.parametrize(
    ("answer", "says"),
    [
        (lambda: (np.zeros(2), np.zeros(2), np.zeros(2)), "W should have shape (2, 2), got (2,)"),
        (
            lambda: (np.zeros((2, 2)), np.zeros(3), np.zeros(2)),
            "u should have shape (2,), got (3,)",
        ),
        (lambda: (np.zeros((2, 2)), np.zeros(2)), "should return the tuple (W, u, b)"),
        (lambda: np.zeros((2, 2)), "should return the tuple (W, u, b), got ndarray"),
        (lambda: (np.zeros((2, 2)), "u", np.zeros(2)), "u should be an array of numbers, got str"),
        (lambda: np.tanh, "not a function"),
    ],
)
def test_weights_of_the_wrong_form_are_named(answer, says):
    result = checks.check_parity_weights(answer)
    assert result.status == INCORRECT and says in result.messages[0], result.messages


def test_a_step_function_instead_of_weights_is_told_what_to_hand_in():
    def parity_step(h, x):  # parity computed directly: not a tanh RNN
        p = (h[:, 0] - h[:, 1]) / 2
        return np.stack([p + x, p * x], axis=1)

    result = checks.check_parity_weights(parity_step)
    assert result.status == INCORRECT
    assert "takes no arguments and returns the weights (W, u, b)" in result.messages[0]


def test_weights_that_raise_are_reported_not_raised():
    def broken():
        return np.zeros((2, 2)) @ np.zeros(3), np.zeros(2), np.zeros(2)

    result = checks.check_parity_weights(broken)
    assert result.status == INCORRECT and "raised ValueError" in result.messages[0]


def test_the_weights_handed_in_instead_of_the_function_get_a_verdict():
    result = checks.check_parity_weights(parity_weights_reference())
    assert result.status == INCORRECT
    assert "expected your function itself, got tuple" in result.messages[0]
