"""The diagnosis engine: each kind of difference is named, on arrays of several shapes
(square ones included, where a transpose keeps the shape), a right answer gets no
feedback at all, and an unrelated wrong answer is never given a diagnosis it does not
have."""

import warnings

import numpy as np
import pytest

from rnnkit import checks
from rnnkit.checks import compare_arrays, compare_equal, compare_scalar

SHAPES = [(6,), (4, 4), (3, 5), (2, 4, 4), (3, 3, 3), (2, 5, 3)]
AXES = {1: ("time",), 2: ("batch", "time"), 3: ("batch", "time", "hidden")}


def _expected(shape, seed=0):
    return np.random.default_rng(seed).normal(size=shape) + 0.5


def _feedback(got, expected):
    return compare_arrays(got, expected, "h", AXES[expected.ndim])


@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_a_right_answer_gets_no_feedback_in_any_form(shape):
    e = _expected(shape)
    for got in (e, e.copy(), e.tolist(), e + 1e-9):
        assert _feedback(got, e) is None


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize(
    ("make", "says"),
    [
        (lambda e: 2 * e, "times 2"),
        (lambda e: -e, "sign is flipped"),
        (lambda e: 0.1 * e, "times 0.1"),
        (lambda e: e + 0.75, "plus 0.75"),
        (
            lambda e: np.roll(e, 1, axis=-1 if e.ndim == 1 else 1),
            "one step later along the time axis",
        ),
        (
            lambda e: np.roll(e, -1, axis=-1 if e.ndim == 1 else 1),
            "one step earlier along the time axis",
        ),
    ],
    ids=["x2", "sign", "x0.1", "offset", "late", "early"],
)
def test_each_kind_of_difference_is_named(shape, make, says):
    e = _expected(shape)
    feedback = _feedback(make(e), e)
    assert feedback is not None and says in feedback, feedback


@pytest.mark.parametrize("shape", [(4, 4), (2, 4, 4), (3, 3, 3)], ids=str)
def test_a_transpose_is_named_where_the_shape_hides_it(shape):
    e = _expected(shape)
    got = np.swapaxes(e, -1, -2)
    assert "transposed" in _feedback(got, e)


@pytest.mark.parametrize("shape", [(3, 5), (2, 5, 3)], ids=str)
def test_permuted_axes_are_named_from_the_shape(shape):
    e = _expected(shape)
    feedback = _feedback(np.swapaxes(e, -1, -2), e)
    assert "axes are in the order" in feedback and "transpose" in feedback


@pytest.mark.parametrize("shape", [(6,), (3, 5), (2, 5, 3)], ids=str)
def test_one_element_short_or_long_is_named(shape):
    e = _expected(shape)
    axis = e.ndim - 1 if e.ndim == 1 else 1
    short = np.take(e, range(e.shape[axis] - 1), axis=axis)
    assert "one element short" in _feedback(short, e)
    longer = np.concatenate([e, np.take(e, [0], axis=axis)], axis=axis)
    assert "one element too long" in _feedback(longer, e)


@pytest.mark.parametrize("shape", [(4, 4), (3, 5), (2, 4, 4)], ids=str)
def test_first_batch_row_only_is_named(shape):
    e = _expected(shape)
    copies = np.repeat(e[:1], e.shape[0], axis=0)
    assert "Only the first batch row is right, and every other repeats it" in _feedback(copies, e)
    other = e.copy()
    other[1:] += 0.3 * _expected(other[1:].shape, seed=1)
    assert "Only the first batch row is right" in _feedback(other, e)


@pytest.mark.parametrize("shape", [(4, 4), (3, 5), (2, 4, 4)], ids=str)
def test_a_factor_per_row_is_named_as_a_reduction_over_the_wrong_axis(shape):
    e = _expected(shape)
    factors = np.arange(2, 2 + e.shape[0]).reshape(-1, *([1] * (e.ndim - 1)))
    feedback = _feedback(e * factors, e)
    assert "right up to its own factor" in feedback and "wrong axis" in feedback


@pytest.mark.parametrize("shape", [(4, 4), (3, 6)], ids=str)
def test_a_softmax_over_the_wrong_axis_is_named(shape):
    z = _expected(shape)
    e = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    got = np.exp(z) / np.exp(z).sum(axis=0, keepdims=True)
    assert "sum to 1 along the batch axis" in _feedback(got, e)


@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_float32_precision_is_named_as_precision_not_logic(shape):
    e = _expected(shape)
    feedback = compare_arrays(e.astype(np.float32), e, "h", rtol=1e-9, atol=1e-12)
    assert "float32" in feedback and "only precision differs" in feedback
    rounded = e.astype(np.float32).astype(np.float64)
    assert "float32 intermediate" in compare_arrays(rounded, e, "h", rtol=1e-9, atol=1e-12)


def test_complex_values_are_named_without_a_warning():
    e = _expected((3, 5))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        right_real = _feedback(e + 0.2j, e)
        zero_imag = _feedback(e + 0j, e)
    assert "complex" in right_real and "take `.real`" in right_real
    assert zero_imag is None  # a complex array whose imaginary part is 0 is a real answer


def test_a_nan_says_where_it_starts_and_what_makes_one():
    e = _expected((2, 5, 3))
    got = e.copy()
    got[:, 3:] = np.nan
    feedback = _feedback(got, e)
    assert "the first at batch 0, time 3" in feedback and "Steps before 3 are finite" in feedback
    got = e.copy()
    got[1, 2, 0] = np.inf
    assert "overflow" in _feedback(got, e)


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("seed", range(5))
def test_an_unrelated_wrong_answer_gets_no_diagnosis(shape, seed):
    e = _expected(shape)
    got = _expected(shape, seed=seed + 10)
    feedback = _feedback(got, e)
    assert feedback.startswith("h differs most at") and "." not in feedback.split(")")[-1], feedback


@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_one_wrong_entry_gets_no_diagnosis(shape):
    e = _expected(shape)
    got = e.copy()
    got.flat[-1] += 1.0
    assert _feedback(got, e).endswith("(off by 1)")


def test_constant_arrays_get_no_pattern_claimed():
    assert _feedback(np.zeros((4, 4)), np.ones((4, 4))).endswith("(off by 1)")
    assert compare_arrays(np.zeros((3, 2)), np.zeros((2, 3)), "h") == (
        "h should have shape (2, 3), got (3, 2)"
    )


def test_numbers_off_by_a_recognisable_factor_are_named():
    assert "sign is flipped" in compare_scalar(-2.0, 2.0)
    assert "log base 2" in compare_scalar(3 / np.log(2), 3.0)
    assert "twice" in compare_scalar(6.0, 3.0)
    assert compare_scalar(3.1, 3.0).endswith("(off by 0.1)")


def test_sizes_in_another_order_are_named():
    assert "another order" in compare_equal((5, 4, 7), (4, 7, 5))
    assert "swapped order" in compare_equal(((1, 4, 5), (4, 7, 5)), ((4, 7, 5), (1, 4, 5)))
    assert "Item 2" in compare_equal(((4, 7, 5), (4, 1, 5)), ((4, 7, 5), (1, 4, 5)))
    assert compare_equal((5, 4, 8), (4, 7, 5)) == "expected (4, 7, 5), got (5, 4, 8)"


@pytest.mark.parametrize("as_float32", [np.float32, lambda v: np.array(v, dtype=np.float32)])
def test_a_float32_number_right_to_its_precision_is_named_as_precision(as_float32):
    feedback = compare_scalar(as_float32(0.6931471805599453), 0.6931471805599453)
    assert "Your number is float32" in feedback and "only precision differs" in feedback


def test_a_none_answer_is_told_to_return_its_result():
    result = checks.check_make_windows(lambda series, window: None)
    assert "your function returned None" in result.messages[0]


def _softmax_rows(shape, seed=0):
    z = np.random.default_rng(seed).normal(size=shape)
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


@pytest.mark.parametrize("shape", [(5,), (3, 4), (4, 4)])
def test_log_probabilities_where_probabilities_are_expected_are_named(shape):
    p = _softmax_rows(shape)
    assert "look like log-probabilities" in compare_arrays(np.log(p), p, "p")


@pytest.mark.parametrize("shape", [(3, 4), (4, 4), (2, 3, 5)])
def test_rows_that_do_not_sum_to_one_are_named(shape):
    p = _softmax_rows(shape)
    squared = p**2  # softmax at half the temperature, not divided by its row sums
    right = squared / squared.sum(axis=-1, keepdims=True)
    feedback = compare_arrays(squared, right, "p")
    assert "sum to 1" in feedback and "the division by the" in feedback
    doubled = 2 * p + 0.01  # no single factor, no single offset per row
    assert "sum to 1 and yours sum to" in compare_arrays(doubled, p, "p")
