"""The exercise checkers: each accepts the right answer, rejects plausible wrong
ones with specific feedback, and lets an untouched stub through as 'not attempted'."""

import numpy as np
import pytest

from rnnkit import checks
from rnnkit.checks import CORRECT, INCORRECT, NOT_ATTEMPTED
from rnnkit.checks.concepts import COUNT_MISTAKES, SHAPE_MISTAKES


def stub(*args, **kwargs):
    # YOUR CODE HERE
    raise NotImplementedError


# --- the machinery -----------------------------------------------------------


def test_untouched_stub_is_not_attempted_and_hands_back_the_reference():
    reference = lambda x: x * 2  # noqa: E731
    result = checks.run_check(
        "demo", stub, reference, [checks.Case("x=1", (1,))], checks.compare_equal
    )
    assert result.status == NOT_ATTEMPTED
    assert not result
    assert result.use is reference
    assert "not attempted" in str(result)


def test_a_learner_exception_is_reported_not_raised():
    def broken(x):
        return x / 0

    result = checks.run_check(
        "demo", broken, lambda x: x, [checks.Case("x=1", (1,))], checks.compare_equal
    )
    assert result.status == INCORRECT
    assert "ZeroDivisionError" in result.messages[0]


def test_check_refuses_something_that_is_not_a_function():
    with pytest.raises(TypeError, match="expected your function, got int"):
        checks.run_check("demo", 3, lambda: 0, [], checks.compare_equal)


def test_compare_arrays_names_the_axis_and_the_size_of_the_error():
    expected = np.zeros((2, 3, 4))
    got = expected.copy()
    got[1, 2, 0] = 0.5
    message = checks.compare_arrays(got, expected, "h", ("batch", "time", "hidden"))
    assert "batch 1, time 2, hidden 0" in message
    assert "off by 0.5" in message


def test_compare_arrays_reports_wrong_shape_with_axis_names():
    message = checks.compare_arrays(np.zeros((3, 2)), np.zeros((2, 3)), "h", ("batch", "hidden"))
    assert message == "h should have shape (2, 3) = (batch, hidden), got (3, 2)"


def test_compare_arrays_recognises_an_off_by_one_in_time():
    expected = np.arange(10.0).reshape(1, 5, 2)
    late = np.roll(expected, 1, axis=1)
    message = checks.compare_arrays(late, expected, "h", ("batch", "time", "hidden"))
    assert "one step late" in message


def test_compare_arrays_accepts_values_within_tolerance():
    expected = np.linspace(0, 1, 6)
    assert checks.compare_arrays(expected + 1e-9, expected) is None


def test_result_renders_as_markdown_in_a_notebook():
    result = checks.CheckResult("Exercise 9", CORRECT, ["fine"], None)
    assert result._repr_markdown_().startswith("✅ **Exercise 9: correct**")


# --- exercise 2.1: torch.nn.GRU shapes ----------------------------------------


def right_shapes(batch, time, features, hidden, num_layers, bidirectional):
    directions = 2 if bidirectional else 1
    return (batch, time, directions * hidden), (directions * num_layers, batch, hidden)


def test_gru_shapes_accepts_the_right_answer():
    result = checks.check_torch_gru_shapes(right_shapes)
    assert result.status == CORRECT
    assert result.use is right_shapes


def test_gru_shapes_stub_is_not_attempted():
    assert checks.check_torch_gru_shapes(stub).status == NOT_ATTEMPTED


@pytest.mark.parametrize(("description", "wrong"), SHAPE_MISTAKES, ids=range(len(SHAPE_MISTAKES)))
def test_gru_shapes_rejects_each_known_mistake_and_names_it(description, wrong):
    result = checks.check_torch_gru_shapes(wrong)
    assert result.status == INCORRECT
    assert description in result.messages[-1]


def test_gru_shapes_rejects_output_in_time_major_layout():
    def time_major(batch, time, features, hidden, num_layers, bidirectional):
        (b, t, h), state = right_shapes(batch, time, features, hidden, num_layers, bidirectional)
        return (t, b, h), state

    result = checks.check_torch_gru_shapes(time_major)
    assert result.status == INCORRECT
    assert "expected ((4, 7, 5), (1, 4, 5)), got ((7, 4, 5), (1, 4, 5))" in result.messages[0]


# --- exercise 2.2: parameter counts -------------------------------------------


def right_count(cell, input_size, hidden_size, framework):
    gates = {"rnn": 1, "lstm": 4, "gru": 3}[cell]
    biases = 2 if framework == "torch" or cell == "gru" else 1
    return gates * (hidden_size * (input_size + hidden_size) + biases * hidden_size)


def test_param_count_accepts_the_right_answer():
    result = checks.check_param_count(right_count)
    assert result.status == CORRECT
    assert "All 8 cases agree" in result.messages[0]


def test_param_count_stub_is_not_attempted_and_reference_counts_real_layers():
    result = checks.check_param_count(stub)
    assert result.status == NOT_ATTEMPTED
    # torch.nn.LSTM(3, 5): 4 gates x (5 x 3 + 5 x 5 + 5 + 5)
    assert result.use("lstm", 3, 5, "torch") == 200
    # keras.layers.LSTM(5) on 3 features: one bias per gate
    assert result.use("lstm", 3, 5, "keras") == 180


@pytest.mark.parametrize(("description", "wrong"), COUNT_MISTAKES, ids=range(len(COUNT_MISTAKES)))
def test_param_count_rejects_each_known_mistake_and_names_it(description, wrong):
    result = checks.check_param_count(wrong)
    assert result.status == INCORRECT
    assert description in result.messages[-1]


def test_param_count_rejects_a_float_answer_type_it_cannot_equal():
    result = checks.check_param_count(lambda *a: "200")
    assert result.status == INCORRECT
