"""The selective-step checker (chapter 16): accepts right answers written two ways,
reports the stub as not attempted, and rejects each plausible wrong answer, naming it."""

import numpy as np
import pytest

from rnnkit import checks
from rnnkit.checks import CORRECT, INCORRECT, NOT_ATTEMPTED
from rnnkit.checks.selective import SELECTIVE_STEP_MISTAKES, selective_step_reference


def stub(x, W_delta, b_delta, A, W_B):
    # YOUR CODE HERE
    raise NotImplementedError


def step_by_loops(x, W_delta, b_delta, A, W_B):
    """A right answer written differently: one example and one channel at a time."""
    batch, H = x.shape
    delta, A_bar = np.empty((batch, H)), np.empty((batch, H))
    B_bar = np.empty((batch, H, W_B.shape[1]))
    for i in range(batch):
        B_t = W_B.T @ x[i]
        for h in range(H):
            k = float(x[i] @ W_delta[:, h] + b_delta[h])
            delta[i, h] = np.log1p(np.exp(-abs(k))) + max(k, 0.0)
            A_bar[i, h] = np.exp(delta[i, h] * A[h])
            B_bar[i, h] = np.expm1(delta[i, h] * A[h]) / A[h] * B_t
    return delta, A_bar, B_bar


def test_selective_step_accepts_a_right_answer_written_another_way():
    result = checks.check_selective_step(step_by_loops)
    assert result.status == CORRECT and result.use is step_by_loops


def test_selective_step_stub_is_not_attempted_and_hands_back_the_reference():
    result = checks.check_selective_step(stub)
    assert result.status == NOT_ATTEMPTED and result.use is selective_step_reference


@pytest.mark.parametrize(
    ("description", "wrong"), SELECTIVE_STEP_MISTAKES, ids=range(len(SELECTIVE_STEP_MISTAKES))
)
def test_selective_step_rejects_each_known_mistake_and_names_it(description, wrong):
    with np.errstate(all="ignore"):
        result = checks.check_selective_step(wrong)
    assert result.status == INCORRECT
    assert result.messages[-1] == f"This is what you get if you {description}."


def test_selective_step_asks_for_a_tuple_of_three():
    result = checks.check_selective_step(lambda *args: selective_step_reference(*args)[0])
    assert result.status == INCORRECT and "(delta, A_bar, B_bar)" in result.messages[0]


def test_selective_step_rejects_b_bar_with_state_and_channel_swapped_naming_the_shape():
    def swapped(*args):
        delta, A_bar, B_bar = selective_step_reference(*args)
        return delta, A_bar, B_bar.transpose(0, 2, 1)

    result = checks.check_selective_step(swapped)
    assert result.status == INCORRECT and "B_bar should have shape (2, 3, 4)" in result.messages[0]


def test_a_softplus_written_as_log_one_plus_exp_is_rejected_with_the_stable_form():
    def naive(x, W_delta, b_delta, A, W_B):
        with np.errstate(over="ignore"):
            delta = np.log1p(np.exp(x @ W_delta + b_delta))
        A_bar = np.exp(delta * A)
        return delta, A_bar, ((A_bar - 1) / A)[..., None] * (x @ W_B)[:, None, :]

    result = checks.check_selective_step(naive)
    assert result.status == INCORRECT
    assert result.messages[0].startswith("pre-activations x W_delta + b_delta up to 800")
    assert "np.logaddexp(0, z)" in result.messages[1]
