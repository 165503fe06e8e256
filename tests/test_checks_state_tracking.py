"""The hand-set parity RNN checker (chapter 14): accepts a right step, reports the stub
as not attempted, and rejects wrong steps naming what went wrong."""

import numpy as np

from rnnkit import checks
from rnnkit.checks import CORRECT, INCORRECT, NOT_ATTEMPTED
from rnnkit.checks.state_tracking import parity_step_reference


def stub(h, x):
    # YOUR CODE HERE
    raise NotImplementedError


def step_with_gain(K):
    def step(h, x):
        W = K * np.array([[0.5, -0.5], [0.5, -0.5]])
        u, b = K * np.ones(2), K * np.array([-0.5, -1.5])
        return np.tanh(h @ W.T + x[:, None] * u + b)

    return step


def test_accepts_a_right_step_and_hands_it_back():
    right = step_with_gain(5.0)
    result = checks.check_parity_step(right)
    assert result.status == CORRECT
    assert result.use is right
    assert "lengths 1 to 1000" in result.messages[0]


def test_stub_is_not_attempted_and_hands_back_the_reference():
    result = checks.check_parity_step(stub)
    assert result.status == NOT_ATTEMPTED
    assert result.use is parity_step_reference


def test_small_weights_fail_later_and_are_named_as_a_drifting_state():
    result = checks.check_parity_step(step_with_gain(1.9))
    assert result.status == INCORRECT
    assert result.messages[0].startswith("right up to length")
    assert "wrong from length" in result.messages[0]
    assert "The state drifts" in result.messages[1]


def test_a_step_wrong_on_the_first_bit_is_named_wrong_at_length_1():
    result = checks.check_parity_step(lambda h, x: -parity_step_reference(h, x))
    assert result.status == INCORRECT
    assert result.messages[0].startswith("wrong at length 1")


def test_a_step_that_ignores_the_state_is_named_as_wrong_logic():
    def no_memory(h, x):
        return np.tanh(10 * np.stack([x - 0.5, x - 1.5], axis=1))

    result = checks.check_parity_step(no_memory)
    assert result.status == INCORRECT
    assert "right up to length 1, wrong from length 2" in result.messages[0]
    assert "parity so far 1, next bit" in result.messages[0]
    assert "logic is wrong" in result.messages[1]


def test_a_wrong_output_shape_is_named():
    result = checks.check_parity_step(lambda h, x: parity_step_reference(h, x)[:, 0])
    assert result.status == INCORRECT
    assert result.messages[0].startswith("wrong output shape")
    assert "must return (32, 2), got (32,)" in result.messages[0]


def test_a_step_that_raises_is_reported_not_raised():
    result = checks.check_parity_step(lambda h, x: h @ x)
    assert result.status == INCORRECT
    assert "raised ValueError" in result.messages[0]


def test_a_step_that_writes_into_its_input_is_reported():
    def in_place(h, x):
        h[:] = parity_step_reference(h, x)
        return h

    result = checks.check_parity_step(in_place)
    assert result.status == INCORRECT and "raised" in result.messages[0]
