import math

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
