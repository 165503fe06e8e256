"""The temperature checker (chapter 07): it accepts a correct softmax(logits / T) written
independently, rejects the plausible wrong versions naming each mistake, and reports an
untouched stub as 'not attempted' while handing back the reference."""

import numpy as np
import pytest

from rnnkit import checks
from rnnkit.checks import CORRECT, INCORRECT, NOT_ATTEMPTED
from rnnkit.checks.charlm import MISTAKES
from rnnkit.models.charlm import apply_temperature


def stub(logits, temperature):
    # YOUR CODE HERE
    raise NotImplementedError


def right(logits, temperature):
    z = np.asarray(logits, dtype=np.float64) / temperature
    w = np.exp(z - np.max(z, axis=-1, keepdims=True))
    return w / np.sum(w, axis=-1, keepdims=True)


def test_apply_temperature_accepts_a_stable_softmax_written_out():
    result = checks.check_apply_temperature(right)
    assert result.status == CORRECT
    assert result.use is right
    assert "All 9 cases agree" in result.messages[0]


def test_apply_temperature_stub_is_not_attempted_and_hands_back_the_reference():
    result = checks.check_apply_temperature(stub)
    assert result.status == NOT_ATTEMPTED
    assert result.use is apply_temperature


@pytest.mark.parametrize(("description", "wrong"), MISTAKES, ids=range(len(MISTAKES)))
def test_apply_temperature_rejects_each_known_mistake_and_names_it(description, wrong):
    result = checks.check_apply_temperature(wrong)
    assert result.status == INCORRECT
    assert result.messages[-1] == f"This is what you get if you {description}."
    assert result.use is apply_temperature


def test_multiplying_by_t_is_caught_on_the_first_temperature_below_one():
    result = checks.check_apply_temperature(MISTAKES[0][1])
    assert result.messages[0].startswith(
        "a batch of 3 rows, τ = 0.5: probabilities differs most at row"
    )


def test_softmax_without_the_max_is_caught_on_large_logits_as_nan():
    no_max = next(wrong for text, wrong in MISTAKES if text.startswith("exponentiate without"))
    result = checks.check_apply_temperature(no_max)
    assert result.messages[0].startswith("large logits [1000, 999, 990], τ = 1:")
    assert "NaN or inf" in result.messages[0]


def test_argmax_instead_of_a_distribution_is_rejected_at_t_1():
    def one_hot(logits, temperature):
        z = np.asarray(logits)
        return (z == z.max(axis=-1, keepdims=True)).astype(float)

    result = checks.check_apply_temperature(one_hot)
    assert result.status == INCORRECT
    assert result.messages[0].startswith(
        "one row of logits, τ = 1: probabilities differs most at character 0"
    )


def test_a_function_that_raises_is_reported_not_raised():
    def broken(logits, temperature):
        return np.exp(logits) / temperature.sum()

    result = checks.check_apply_temperature(broken)
    assert result.status == INCORRECT
    assert "your function raised AttributeError" in result.messages[0]


def _shifted_by(shift):
    def apply_temperature(logits, temperature):
        z = np.asarray(logits, dtype=np.float64) / temperature
        w = np.exp(z - shift(z))
        return w / np.sum(w, axis=-1, keepdims=True)

    return apply_temperature


@pytest.mark.parametrize(
    "shift",
    [
        lambda z: z.min(axis=-1, keepdims=True),
        lambda z: z.mean(axis=-1, keepdims=True),
        lambda z: z[..., :1],
    ],
    ids=["minimum", "mean", "first logit"],
)
def test_a_shift_other_than_the_row_maximum_is_rejected_with_the_reason(shift):
    result = checks.check_apply_temperature(_shifted_by(shift))
    assert result.status == INCORRECT
    assert result.messages[0].startswith("logits [0, 800, -800], τ = 1:")
    assert "Only the row's maximum is a safe shift" in result.messages[1]


def test_a_softmax_whose_axis_depends_on_the_number_of_axes_is_rejected():
    def by_ndim(logits, temperature):
        z = np.asarray(logits, dtype=np.float64) / temperature
        axis = 0 if z.ndim == 1 else 1
        w = np.exp(z - z.max(axis=axis, keepdims=True))
        return w / w.sum(axis=axis, keepdims=True)

    result = checks.check_apply_temperature(by_ndim)
    assert result.status == INCORRECT
    assert result.messages[0].startswith("a (2, 2, 4) array of logits")
    assert "wrong axis" in result.messages[0]
