"""The exercise checkers: each accepts the right answer, rejects plausible wrong
ones with specific feedback, and lets an untouched stub through as 'not attempted'."""

import re
from pathlib import Path

import numpy as np
import pytest

from rnnkit import checks
from rnnkit.checks import CORRECT, INCORRECT, NOT_ATTEMPTED
from rnnkit.checks.concepts import COUNT_MISTAKES, SHAPE_MISTAKES


def stub(*args, **kwargs):
    # YOUR CODE HERE
    raise NotImplementedError


# --- the package finds its checkers ------------------------------------------------

ROOT = Path(__file__).resolve().parent.parent


def test_every_module_of_the_package_but_the_machinery_is_a_checker_module_with_a_checker():
    files = {p.stem for p in (ROOT / "rnnkit" / "checks").glob("*.py")}
    files -= {"__init__", *checks.MACHINERY}
    assert set(checks.CHECKER_MODULES) == files
    modules = {check.__module__.rsplit(".", 1)[1] for check in checks.CHECKERS.values()}
    assert modules == files
    assert all(getattr(checks, name) is check for name, check in checks.CHECKERS.items())
    assert set(checks.CHECKERS) <= set(checks.__all__)


@pytest.mark.parametrize("name", sorted(checks.CHECKERS))
def test_every_checker_calls_an_untouched_stub_not_attempted_and_hands_back_a_function(name):
    result = checks.CHECKERS[name](stub)
    assert result.status == NOT_ATTEMPTED, str(result)
    assert callable(result.use) and result.use is not stub


def test_the_api_page_documents_every_checker_module():
    text = (ROOT / "chapters" / "api.md").read_text(encoding="utf-8")
    documented = set(
        re.findall(r"^\.\. automodule:: rnnkit\.checks\.(\w+)\n   :members:", text, re.M)
    )
    assert documented == set(checks.CHECKER_MODULES) | set(checks.MACHINERY)


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


def test_check_refuses_something_that_is_not_a_function_with_a_verdict():
    def reference():
        return 0

    result = checks.run_check("demo", 3, reference, [], checks.compare_equal)
    assert result.status == INCORRECT and result.use is reference
    assert "expected your function itself, got int" in result.messages[0]


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


@pytest.mark.parametrize(
    ("status", "css_class", "colour"),
    [
        (NOT_ATTEMPTED, "rnnkit-check-not-attempted", "--pst-color-warning"),
        (INCORRECT, "rnnkit-check-incorrect", "--pst-color-danger"),
        (CORRECT, "rnnkit-check-correct", "--pst-color-success"),
    ],
)
def test_result_renders_as_a_box_in_its_status_colour_with_the_status_in_words(
    status, css_class, colour
):
    import re

    page = checks.CheckResult("Exercise 9", status, ["first", "second"], None)._repr_html_()
    assert f'class="rnnkit-check {css_class}"' in page
    assert f"border-left: 0.3em solid var({colour}, rgb(" in page
    text = re.sub(r"<[^>]+>", "", page)  # what a reader sees without styles or emoji
    assert f"Exercise 9: {status}" in text
    assert page.count("<li>") == 2


def test_result_html_escapes_the_messages_and_shows_code_spans_as_code():
    result = checks.CheckResult("Exercise <9>", INCORRECT, ["h[0] < 0 with `x & y`"], None)
    page = result._repr_html_()
    assert "Exercise &lt;9&gt;: incorrect" in page
    assert "<li>h[0] &lt; 0 with <code>x &amp; y</code></li>" in page
    assert "<9>" not in page and "h[0] < 0" not in page


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


# --- the machinery: protected inputs, safe comparison, equivalent forms --------


def _double(x):
    return np.asarray(x) * 2.0


def test_the_reference_runs_first_and_an_in_place_update_cannot_change_its_answer():
    case = checks.Case("x", (np.arange(3.0),))
    seen = []

    def reference(x):
        seen.append(np.array(x))
        return x * 2.0

    def in_place(x):
        x *= 2.0  # what a learner may write
        return x

    result = checks.run_check("demo", in_place, reference, [case], checks.compare_arrays)
    assert result.status == INCORRECT
    assert "your function modified its input" in result.messages[0]
    np.testing.assert_array_equal(seen[0], [0.0, 1.0, 2.0])  # the reference saw the original
    np.testing.assert_array_equal(case.args[0], [0.0, 1.0, 2.0])  # the stored case is intact


def test_the_learner_cannot_make_its_read_only_copy_writable_again():
    def sneaky(x):
        x.setflags(write=True)
        x[0] = 100.0
        return x

    result = checks.run_check(
        "demo", sneaky, _double, [checks.Case("x", (np.arange(3.0),))], checks.compare_arrays
    )
    assert result.status == INCORRECT
    assert (
        "your function raised ValueError: cannot set WRITEABLE flag to True" in (result.messages[0])
    )


def test_a_changed_dict_or_list_argument_is_named():
    def pops(params, xs):
        params.pop("W")
        return 1

    case = checks.Case("dict", ({"W": np.ones(2), "b": 1.0}, [1, 2]))
    result = checks.run_check("demo", pops, lambda p, xs: 1, [case], checks.compare_equal)
    assert result.messages[0] == (
        "dict: your function modified its input `params`. Work on a copy (`x = x.copy()`) or "
        "build new arrays: the caller's data must stay as they were."
    )
    assert set(case.args[0]) == {"W", "b"}


def test_a_namedtuple_argument_stays_a_namedtuple():
    from rnnkit.reference import rnn_cell

    params = {"W": np.ones((2, 3)), "U": np.eye(3), "b": np.zeros(3)}
    _, cache = rnn_cell(np.ones((1, 2)), np.zeros((1, 3)), params, return_cache=True)
    result = checks.run_check(
        "demo",
        lambda c: c.h_t,
        lambda c: c.h_t,
        [checks.Case("c", (cache,))],
        checks.compare_arrays,
    )
    assert result.status == CORRECT


def test_a_comparer_that_raises_gives_feedback_not_a_traceback():
    def fussy(got, expected):
        return None if got[0] == expected[0] else "no"  # breaks on answers of another form

    result = checks.run_check("demo", lambda: 3, lambda: (1, 2), [checks.Case("c")], fussy)
    assert result.status == INCORRECT
    assert (
        "your answer (a int) could not be compared with the expected tuple of 2 items"
        in (result.messages[0])
    )


def test_a_mistake_that_returns_nan_is_named_when_the_answer_has_the_same_nan():
    def nan_mistake(x):
        return np.array([np.nan, 1.0])

    result = checks.run_check(
        "demo",
        nan_mistake,
        lambda x: np.array([0.5, 1.0]),
        [checks.Case("c", (0,))],
        checks.compare_arrays,
        [("divide 0 by 0", nan_mistake), ("never", lambda x: np.zeros(2))],
    )
    assert result.messages[-1] == "This is what you get if you divide 0 by 0."
    assert (
        "1 NaN or inf value(s), the first at index (0,): got nan, expected 0.5"
        in (result.messages[0])
    )


def test_a_mistake_function_that_raises_is_skipped():
    def boom(x):
        raise RuntimeError("the mistake cannot run here")

    result = checks.run_check(
        "demo", lambda x: 2, lambda x: 1, [checks.Case("c", (0,))], checks.compare_equal,
        [("explode", boom), ("add one", lambda x: 2)],
    )  # fmt: skip
    assert result.messages == ["c: expected 1, got 2", "This is what you get if you add one."]


def test_a_stress_case_adds_its_lesson_when_it_fails():
    cases = [checks.Case("easy", (1,)), checks.Case("hard", (10,), lesson="Big x breaks it.")]
    result = checks.run_check("demo", lambda x: min(x, 5), lambda x: x, cases, checks.compare_equal)
    assert result.messages == ["hard: expected 10, got 5", "Big x breaks it."]


@pytest.mark.parametrize(
    "got",
    [(2, 3), [2, 3], np.array([2, 3]), np.array([2, 3], dtype=np.int32)],
    ids=["tuple", "list", "array", "int32-array"],
)
def test_compare_equal_accepts_equivalent_forms_of_a_shape(got):
    assert checks.compare_equal(got, (2, 3)) is None
    assert checks.compare_equal(got, (3, 2)).startswith("expected (3, 2), got (2, 3)")


def test_compare_equal_accepts_a_torch_size():
    import torch

    assert checks.compare_equal((torch.Size([4, 7]), torch.Size([1, 4])), ((4, 7), (1, 4))) is None


@pytest.mark.parametrize(
    "got",
    [0.25, np.float32(0.25), np.array(0.25), np.array([0.25]), [0.25]],
    ids=["float", "np-float32", "0-d", "one-element", "list"],
)
def test_compare_scalar_accepts_equivalent_forms_of_one_number(got):
    assert checks.compare_scalar(got, 0.25, rtol=1e-6) is None
    assert checks.compare_scalar(got, 0.5, "x").startswith(
        "x: expected 0.5, got 0.25 (off by 0.25)"
    )


def test_compare_scalar_refuses_several_numbers_and_text():
    assert checks.compare_scalar(np.array([1.0, 2.0]), 1.0) == (
        "the answer should be one number, got a ndarray of shape (2,)"
    )
    assert checks.compare_scalar("1.0", 1.0) == "the answer should be one number, got a str"
    assert checks.compare_scalar(True, 1.0) == "the answer should be one number, got a bool"


def test_compare_arrays_reports_a_0d_expected_value_as_expected_x_got_y():
    assert checks.compare_arrays(np.array(2.0), np.array(3.0), "loss") == (
        "loss: expected 3, got 2 (off by 1)"
    )


def test_compare_arrays_says_where_the_first_nan_is():
    got = np.zeros((2, 3))
    got[1, 2] = np.nan
    message = checks.compare_arrays(got, np.zeros((2, 3)), "w", ("batch", "position"))
    assert message.startswith(
        "w has 1 NaN or inf value(s), the first at batch 1, position 2: got nan, expected 0"
    )


def test_same_answer_matches_nan_to_nan_and_nothing_else():
    assert checks.same_answer(np.array([np.nan, 1.0]), [np.nan, 1.0])
    assert not checks.same_answer(np.array([np.nan, 1.0]), [0.0, 1.0])
    assert checks.same_answer({"a": (1, np.ones(2))}, {"a": (1, np.ones(2))})
    assert not checks.same_answer({"a": 1}, {"b": 1})
    assert checks.same_answer(np.array([0.5]), 0.5)
