"""The LSTM and GRU step checkers (chapters 05 and 06): each accepts the reference
equations written out independently, rejects plausible wrong steps naming the
mistake, points at the output, row and unit that differ, and reports an untouched
stub as 'not attempted'."""

import numpy as np
import pytest

from rnnkit import checks
from rnnkit.checks import CORRECT, INCORRECT, NOT_ATTEMPTED
from rnnkit.checks.gates import GRU_MISTAKES, LSTM_MISTAKES
from rnnkit.reference import gru_cell, lstm_cell


def stub(*args, **kwargs):
    # YOUR CODE HERE
    raise NotImplementedError


def sigmoid(a):
    return 1.0 / (1.0 + np.exp(-a))


# --- exercise 5.1: the LSTM step ------------------------------------------------


def right_lstm_step(x_t, h_prev, c_prev, params):
    def affine(k):
        return x_t @ params[f"W_{k}"] + h_prev @ params[f"U_{k}"] + params[f"b_{k}"]

    i_t, f_t, o_t = sigmoid(affine("i")), sigmoid(affine("f")), sigmoid(affine("o"))
    g_t = np.tanh(affine("g"))
    c_t = f_t * c_prev + i_t * g_t
    return o_t * np.tanh(c_t), c_t


def test_lstm_step_accepts_the_equations_written_out():
    result = checks.check_lstm_step(right_lstm_step)
    assert result.status == CORRECT
    assert result.use is right_lstm_step
    assert "All 3 cases agree" in result.messages[0]


def test_lstm_step_stub_is_not_attempted_and_hands_back_the_reference():
    result = checks.check_lstm_step(stub)
    assert result.status == NOT_ATTEMPTED
    x, h, c = np.ones((1, 2)), np.zeros((1, 3)), np.zeros((1, 3))
    params = {
        k: np.full((2, 3) if k[0] == "W" else (3, 3) if k[0] == "U" else 3, 0.1)
        for k in checks.gates.LSTM_NAMES
    }
    for ours, theirs in zip(result.use(x, h, c, params), lstm_cell(x, h, c, params), strict=True):
        np.testing.assert_array_equal(ours, theirs)


@pytest.mark.parametrize(("description", "wrong"), LSTM_MISTAKES, ids=range(len(LSTM_MISTAKES)))
def test_lstm_step_rejects_each_known_mistake_and_names_it(description, wrong):
    result = checks.check_lstm_step(wrong)
    assert result.status == INCORRECT
    assert result.messages[-1] == f"This is what you get if you {description}."


def test_lstm_step_feedback_names_output_row_unit_and_size_of_the_error():
    def off_by_a_bit(x_t, h_prev, c_prev, params):
        h_t, c_t = right_lstm_step(x_t, h_prev, c_prev, params)
        h_t = h_t.copy()
        h_t[2, 1] += 0.25
        return h_t, c_t

    result = checks.check_lstm_step(off_by_a_bit)
    assert result.status == INCORRECT
    assert len(result.messages) == 1  # no known mistake matches
    message = result.messages[0]
    assert message.startswith(
        "batch=3, features=2, hidden=4: h_t differs most at batch 2, hidden 1"
    )
    assert "off by 0.25" in message
    assert "c_t" not in message


def test_lstm_step_without_forget_gate_reports_both_outputs():
    result = checks.check_lstm_step(LSTM_MISTAKES[4][1])
    assert "h_t differs most at" in result.messages[0]
    assert "; c_t differs most at" in result.messages[0]
    assert "forget the forget gate" in result.messages[1]


def test_lstm_step_that_returns_one_array_is_told_to_return_a_tuple():
    result = checks.check_lstm_step(lambda x, h, c, p: right_lstm_step(x, h, c, p)[0])
    assert result.status == INCORRECT
    assert "return a tuple (h_t, c_t), got ndarray" in result.messages[0]


def test_lstm_step_that_updates_its_input_in_place_is_reported():
    def in_place(x_t, h_prev, c_prev, params):
        h_t, c_t = right_lstm_step(x_t, h_prev, c_prev, params)
        c_prev *= 0.0
        return h_t, c_t

    result = checks.check_lstm_step(in_place)
    assert result.status == INCORRECT
    assert "your function modified its input" in result.messages[0]
    assert "read-only" in result.messages[0]


# --- exercise 6.1: the GRU step -------------------------------------------------


def right_gru_step(x_t, h_prev, params, reset_after):
    p = params
    z_t = sigmoid(x_t @ p["W_z"] + h_prev @ p["U_z"] + p["b_z"])
    r_t = sigmoid(x_t @ p["W_r"] + h_prev @ p["U_r"] + p["b_r"])
    if reset_after:
        h_tilde = np.tanh(x_t @ p["W_h"] + p["b_h"] + r_t * (h_prev @ p["U_h"] + p["b_Uh"]))
    else:
        h_tilde = np.tanh(x_t @ p["W_h"] + (r_t * h_prev) @ p["U_h"] + p["b_h"])
    return z_t * h_prev + (1 - z_t) * h_tilde


def test_gru_step_accepts_both_forms_written_out():
    result = checks.check_gru_step(right_gru_step)
    assert result.status == CORRECT
    assert "All 4 cases agree" in result.messages[0]


def test_gru_step_cases_cover_both_forms():
    forms = {case.args[3] for case in checks.gates.GRU_CASES}
    assert forms == {True, False}
    for case in checks.gates.GRU_CASES:
        assert ("b_Uh" in case.args[2]) == case.args[3]


def test_gru_step_stub_is_not_attempted_and_hands_back_the_reference():
    result = checks.check_gru_step(stub)
    assert result.status == NOT_ATTEMPTED
    case = checks.gates.GRU_CASES[1]
    np.testing.assert_array_equal(result.use(*case.args), gru_cell(*case.args))


@pytest.mark.parametrize(("description", "wrong"), GRU_MISTAKES, ids=range(len(GRU_MISTAKES)))
def test_gru_step_rejects_each_known_mistake_and_names_it(description, wrong):
    result = checks.check_gru_step(wrong)
    assert result.status == INCORRECT
    assert result.messages[-1] == f"This is what you get if you {description}."


def test_gru_step_that_ignores_reset_after_fails_on_the_other_form():
    def always_reset_after(x_t, h_prev, params, reset_after):
        params = dict(params)
        params.setdefault("b_Uh", np.zeros_like(params["b_h"]))
        return right_gru_step(x_t, h_prev, params, True)

    result = checks.check_gru_step(always_reset_after)
    assert result.status == INCORRECT
    assert result.messages[0].startswith("reset_after=False, batch=3, features=2, hidden=4: h_t")
    # the listed mistake swaps both forms; this answer is right where reset_after=True,
    # so naming it would mislead
    assert not any("wrong side of U_h" in m for m in result.messages)


def test_gru_step_feedback_names_row_unit_and_size_of_the_error():
    def off_by_a_bit(x_t, h_prev, params, reset_after):
        h_t = right_gru_step(x_t, h_prev, params, reset_after).copy()
        h_t[0, 3] -= 0.5
        return h_t

    result = checks.check_gru_step(off_by_a_bit)
    assert (
        result.messages == [result.messages[0]]
        and "h_t differs most at batch 0, hidden 3" in result.messages[0]
    )
    assert "off by 0.5" in result.messages[0]


def test_gru_step_with_wrong_shape_says_the_expected_one():
    result = checks.check_gru_step(lambda x, h, p, r: right_gru_step(x, h, p, r).T)
    assert "h_t should have shape (3, 4) = (batch, hidden), got (4, 3)" in result.messages[0]
