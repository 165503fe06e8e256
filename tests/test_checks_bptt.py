"""Exercise 3.1 (the vanilla RNN's backward step): the checker accepts the right step,
rejects each known mistake and names it, reports malformed answers precisely, and lets
an untouched stub through as 'not attempted' with the reference to carry on."""

import numpy as np
import pytest

from rnnkit import checks
from rnnkit.checks import CORRECT, INCORRECT, NOT_ATTEMPTED
from rnnkit.checks.bptt import CASES, MISTAKES
from rnnkit.reference import rnn_cell, rnn_cell_backward


def stub(dh_t, cache, params):
    # YOUR CODE HERE
    raise NotImplementedError


def right_step(dh_t, cache, params):
    """Written out from the chapter's equations, independently of the reference."""
    x_t, h_prev, h_t = cache
    da_t = dh_t * (1.0 - h_t**2)
    grads = {"W": x_t.T @ da_t, "U": h_prev.T @ da_t, "b": da_t.sum(axis=0)}
    return da_t @ params["W"].T, da_t @ params["U"].T, grads


def test_right_step_is_accepted_and_used():
    result = checks.check_rnn_step_backward(right_step)
    assert result.status == CORRECT
    assert result.use is right_step
    assert "All 3 cases agree" in result.messages[0]


def test_stub_is_not_attempted_and_hands_back_the_reference():
    result = checks.check_rnn_step_backward(stub)
    assert result.status == NOT_ATTEMPTED
    dh_t, cache, params = CASES[0].args
    for ours, theirs in zip(
        result.use(dh_t, cache, params)[:2], rnn_cell_backward(dh_t, cache, params)[:2], strict=True
    ):
        np.testing.assert_array_equal(ours, theirs)


@pytest.mark.parametrize(("description", "wrong"), MISTAKES, ids=range(len(MISTAKES)))
def test_each_known_mistake_is_rejected_and_named(description, wrong):
    result = checks.check_rnn_step_backward(wrong)
    assert result.status == INCORRECT
    assert result.messages[-1] == f"This is what you get if you {description}."


def test_missing_tanh_derivative_feedback_points_at_dx():
    def no_derivative(dh_t, cache, params):
        x_t, h_prev, _ = cache
        grads = {"W": x_t.T @ dh_t, "U": h_prev.T @ dh_t, "b": dh_t.sum(axis=0)}
        return dh_t @ params["W"].T, dh_t @ params["U"].T, grads

    result = checks.check_rnn_step_backward(no_derivative)
    assert result.status == INCORRECT
    assert result.messages[0].startswith(
        "batch=4, features=3, hidden=5: dx_t differs most at batch"
    )
    assert "forget the tanh derivative" in result.messages[1]


def test_untransposed_u_is_reported_on_dh_prev_with_axis_names():
    def untransposed(dh_t, cache, params):
        dx_t, _, grads = right_step(dh_t, cache, params)
        x_t, h_prev, h_t = cache
        return dx_t, (dh_t * (1.0 - h_t**2)) @ params["U"], grads

    result = checks.check_rnn_step_backward(untransposed)
    assert result.status == INCORRECT
    assert "dh_prev differs most at batch" in result.messages[0]
    assert "hidden" in result.messages[0]
    assert "forget to transpose U" in result.messages[1]


def test_per_example_bias_gradient_is_reported_as_a_shape_error():
    def per_example_bias(dh_t, cache, params):
        dx_t, dh_prev, grads = right_step(dh_t, cache, params)
        return dx_t, dh_prev, grads | {"b": dh_t * (1.0 - cache[2] ** 2)}

    result = checks.check_rnn_step_backward(per_example_bias)
    assert result.status == INCORRECT
    assert "grads['b'] should have shape (5,) = (hidden), got (4, 5)" in result.messages[0]


def test_swapped_dw_and_du_are_caught_even_when_features_equal_hidden():
    def swapped_values_only(dh_t, cache, params):
        # Same shapes as the right answer only when features == hidden: the second case.
        x_t, h_prev, h_t = cache
        dx_t, dh_prev, grads = right_step(dh_t, cache, params)
        if x_t.shape[1] != h_t.shape[1]:
            return dx_t, dh_prev, grads
        return dx_t, dh_prev, grads | {"W": grads["U"], "U": grads["W"]}

    result = checks.check_rnn_step_backward(swapped_values_only)
    assert result.status == INCORRECT
    assert result.messages[0].startswith("batch=3, features=4, hidden=4")
    assert "grads['W'] differs" in result.messages[0]


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (lambda *a: 0.0, "return a tuple (dx_t, dh_prev, grads), got float"),
        (lambda *a: (1, 2), "return a tuple (dx_t, dh_prev, grads), got a tuple of length 2"),
        (
            lambda dh, c, p: (*right_step(dh, c, p)[:2], {"dW": 0}),
            "grads should be a dict with keys 'W', 'U', 'b', got ['dW']",
        ),
        (
            lambda dh, c, p: (*right_step(dh, c, p)[:2], list(right_step(dh, c, p)[2].values())),
            "grads should be a dict with keys 'W', 'U', 'b', got list",
        ),
    ],
    ids=["not-a-tuple", "two-items", "wrong-keys", "grads-as-list"],
)
def test_malformed_answers_get_a_precise_message(answer, message):
    result = checks.check_rnn_step_backward(answer)
    assert result.status == INCORRECT
    assert message in result.messages[0]


def test_a_learner_exception_is_reported_with_the_case():
    result = checks.check_rnn_step_backward(lambda dh, cache, params: params["V"])
    assert result.status == INCORRECT
    assert result.messages[0].startswith(
        "batch=4, features=3, hidden=5: your function raised KeyError: 'V'"
    )
    assert result.messages[0].endswith("the dict it was given has the keys ['U', 'W', 'b']")


def test_cases_are_consistent_steps_with_saturated_units_and_asymmetric_u():
    for case in CASES:
        dh_t, cache, params = case.args
        np.testing.assert_array_equal(cache.h_t, rnn_cell(cache.x_t, cache.h_prev, params))
        assert np.abs(cache.h_t).max() > 0.5  # the tanh derivative is far from 1
        assert not np.allclose(params["U"], params["U"].T)
