"""The S4D-kernel checker (chapter 15): accepts the zero-order-hold kernel, reports the
stub as not attempted, and rejects each plausible wrong kernel naming the mistake."""

import numpy as np
import pytest

from rnnkit import checks
from rnnkit.checks import CORRECT, INCORRECT, NOT_ATTEMPTED
from rnnkit.checks.ssm import S4D_KERNEL_MISTAKES, s4d_kernel_reference


def stub(A, B, C, delta, length):
    # YOUR CODE HERE
    raise NotImplementedError


def kernel_by_loop(A, B, C, delta, length):
    """A right answer written differently: powers by repeated multiplication."""
    A_bar = np.exp(delta[:, None] * A)
    B_bar = (A_bar - 1) / A * B
    power, taps = np.ones_like(A_bar), []
    for _ in range(length):
        taps.append((C * power * B_bar).sum(-1).real)
        power = power * A_bar
    return np.stack(taps, axis=-1)


def test_s4d_kernel_accepts_a_right_kernel_written_another_way():
    result = checks.check_s4d_kernel(kernel_by_loop)
    assert result.status == CORRECT and result.use is kernel_by_loop


def test_s4d_kernel_stub_is_not_attempted_and_hands_back_the_reference():
    result = checks.check_s4d_kernel(stub)
    assert result.status == NOT_ATTEMPTED and result.use is s4d_kernel_reference


@pytest.mark.parametrize(
    ("description", "wrong"), S4D_KERNEL_MISTAKES, ids=range(len(S4D_KERNEL_MISTAKES))
)
def test_s4d_kernel_rejects_each_known_mistake_and_names_it(description, wrong):
    result = checks.check_s4d_kernel(wrong)
    assert result.status == INCORRECT
    assert result.messages[-1] == f"This is what you get if you {description}."


def test_s4d_kernel_rejects_a_complex_kernel_saying_take_the_real_part():
    def complex_kernel(A, B, C, delta, length):
        A_bar = np.exp(delta[:, None] * A)
        B_bar = (A_bar - 1) / A * B
        return np.einsum("hn,hnk->hk", C * B_bar, A_bar[..., None] ** np.arange(length))

    result = checks.check_s4d_kernel(complex_kernel)
    assert result.status == INCORRECT and "take `.real`" in result.messages[0]


def test_s4d_kernel_rejects_a_transposed_kernel_naming_the_shape():
    result = checks.check_s4d_kernel(lambda *args: s4d_kernel_reference(*args).T)
    assert result.status == INCORRECT and "should have shape (2, 8)" in result.messages[0]


def _kernel_in(dtype, real):
    def s4d_kernel(A, B, C, delta, length):
        A, B, C = (np.asarray(v, dtype) for v in (A, B, C))
        delta = np.asarray(delta, real)
        A_bar = np.exp(delta[:, None] * A)  # (H, N)
        B_bar = (A_bar - 1) / A * B
        powers = A_bar[..., None] ** np.arange(length, dtype=real)  # (H, N, L)
        return np.einsum("hn,hnk->hk", C * B_bar, powers).real

    return s4d_kernel


def test_s4d_kernel_accepts_a_right_answer_in_complex64_without_a_warning():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = checks.check_s4d_kernel(_kernel_in(np.complex64, np.float32))
    assert result.status == CORRECT


def test_s4d_kernel_names_the_conjugate_pair_convention():
    right = _kernel_in(np.complex128, np.float64)
    result = checks.check_s4d_kernel(lambda *args: 2 * right(*args))
    assert result.status == INCORRECT
    assert "times 2" in result.messages[0]
    assert "conjugate-pair convention, K = 2·Re" in result.messages[-1]


def test_s4d_kernel_still_rejects_a_wrong_answer_in_complex64():
    right = _kernel_in(np.complex64, np.float32)
    result = checks.check_s4d_kernel(lambda *args: right(*args) * np.float32(1.001))
    assert result.status == INCORRECT
