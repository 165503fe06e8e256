import math

import numpy as np
import pytest

from rnnkit.checks import check_copy_baseline


def test_stub_is_not_attempted():
    def stub(T):
        raise NotImplementedError

    assert check_copy_baseline(stub).status == "not attempted"


def test_correct_baseline_passes():
    result = check_copy_baseline(lambda T: 10 * math.log(8) / (T + 20))
    assert result.passed


def test_dividing_by_T_is_named():
    assert "instead of T + 20" in str(check_copy_baseline(lambda T: 10 * math.log(8) / T))


def test_bits_instead_of_nats_is_named():
    result = check_copy_baseline(lambda T: 10 * math.log2(8) / (T + 20))
    assert not result.passed and "log base 2" in str(result)


def test_forgetting_the_ten_symbols_is_named():
    assert "10 symbols to recall" in str(check_copy_baseline(lambda T: math.log(8) / (T + 20)))


def test_uniform_over_ten_classes_is_named():
    assert "all 10 classes" in str(check_copy_baseline(lambda T: 10 * math.log(10) / (T + 20)))


def test_non_number_is_reported():
    assert "return one number" in str(check_copy_baseline(lambda T: "0.5"))


def test_a_number_inside_a_list_is_not_a_number():
    result = check_copy_baseline(lambda T: [10 * math.log(8) / (T + 20)])
    assert result.status == "incorrect"
    assert "return one number (nats per step), not a list of 1" in result.messages[0]


def test_a_float32_number_is_told_that_only_precision_differs():
    result = check_copy_baseline(lambda T: np.float32(10 * math.log(8) / (T + 20)))
    assert "only precision differs" in result.messages[0]


@pytest.mark.parametrize(
    ("answer", "says"),
    [
        (lambda T: 10 * math.log(8), "exactly 30 times the expected one"),
        (lambda T: 10 * math.log(8) // (T + 20), "an integer division"),
        (lambda T: round(10 * math.log(8) / (T + 20), 4), "it looks rounded"),
        (lambda T: 10 * math.log(8) / 30, "same answer here as for an earlier case"),
    ],
    ids=["a sum, not a mean", "integer division", "rounded", "hard-coded for T = 10"],
)
def test_unlisted_mistakes_are_explained_from_the_numbers(answer, says):
    assert says in str(check_copy_baseline(answer))
