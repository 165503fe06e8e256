"""The additive-attention checker (chapter 11): it accepts the equations written out
independently, rejects each known mistake naming it, points at the output, row and
position that differ, and reports an untouched stub as 'not attempted'."""

import numpy as np
import pytest

from rnnkit import checks
from rnnkit.checks import CORRECT, INCORRECT, NOT_ATTEMPTED
from rnnkit.checks.attention import MISTAKES, additive_attention


def stub(query, keys, mask, W_q, W_k, v):
    # YOUR CODE HERE
    raise NotImplementedError


def right_attention(query, keys, mask, W_q, W_k, v):
    """One row at a time, with a large negative number instead of -inf for padding."""
    contexts, weights = [], []
    for q, K, m in zip(query, keys, mask, strict=True):
        e = np.array([v @ np.tanh(q @ W_q + k @ W_k) for k in K])
        e = np.where(m, e, -1e30)
        a = np.exp(e - e.max())
        a /= a.sum()
        weights.append(a)
        contexts.append(a @ K)
    return np.stack(contexts), np.stack(weights)


def test_attention_accepts_a_row_by_row_version():
    result = checks.check_additive_attention(right_attention)
    assert result.status == CORRECT
    assert result.use is right_attention
    assert "All 3 cases agree" in result.messages[0]


def test_attention_stub_is_not_attempted_and_hands_back_the_reference():
    result = checks.check_additive_attention(stub)
    assert result.status == NOT_ATTEMPTED
    assert result.use is additive_attention


@pytest.mark.parametrize(("description", "wrong"), MISTAKES, ids=range(len(MISTAKES)))
def test_attention_rejects_each_known_mistake_and_names_it(description, wrong):
    result = checks.check_additive_attention(wrong)
    assert result.status == INCORRECT
    assert result.messages[-1] == f"This is what you get if you {description}."


def test_attention_mistakes_include_the_four_the_chapter_warns_about():
    described = " | ".join(d for d, _ in MISTAKES)
    for phrase in ("batch axis", "leave out the mask", "after the softmax", "tanh", "dot product"):
        assert phrase in described


def test_attention_reference_weights_sum_to_one_and_vanish_on_padding():
    for case in checks.attention.CASES:
        _, weights = additive_attention(*case.args)
        mask = case.args[2]
        np.testing.assert_allclose(weights.sum(axis=1), 1.0, atol=1e-12)
        assert np.all(weights[~mask] == 0.0)


def test_attention_feedback_names_output_row_and_position():
    def off_by_a_bit(*args):
        context, weights = right_attention(*args)
        weights = weights.copy()
        weights[1, 2] += 0.3
        return context, weights

    result = checks.check_additive_attention(off_by_a_bit)
    assert result.status == INCORRECT
    assert len(result.messages) == 1
    assert "weights differs most at batch 1, source position 2" in result.messages[0]
    assert "off by 0.3" in result.messages[0]
    assert "context" not in result.messages[0]


def test_attention_reports_a_single_array_instead_of_a_pair():
    result = checks.check_additive_attention(lambda *args: right_attention(*args)[0])
    assert result.status == INCORRECT
    assert "return a tuple (context, weights), got ndarray" in result.messages[0]


def test_attention_reports_swapped_outputs_as_a_shape_error():
    result = checks.check_additive_attention(lambda *args: right_attention(*args)[::-1])
    assert result.status == INCORRECT
    assert "context should have shape (3, 3) = (batch, key unit)" in result.messages[0]


def test_a_fully_masked_row_is_named_as_the_source_of_its_nan():
    def inverted_mask(query, keys, mask, W_q, W_k, v):
        e = np.tanh((query @ W_q)[:, None, :] + keys @ W_k) @ v  # (B, T)
        e = np.where(mask, -np.inf, e)  # masks the words, keeps the padding
        a = np.exp(e - e.max(axis=1, keepdims=True))  # a row of -inf: -inf - -inf = nan
        a = a / a.sum(axis=1, keepdims=True)
        return np.einsum("bt,bth->bh", a, keys), a

    with np.errstate(invalid="ignore"):
        result = checks.check_additive_attention(inverted_mask)
    assert result.status == INCORRECT
    assert (
        "every weight of batch row 1 is NaN: that is a softmax over a row whose scores "
        in (result.messages[0])
    )
    assert "invert the mask" in result.messages[-1]


@pytest.mark.parametrize("fill", [-10.0, -20.0, -100.0])
def test_a_finite_fill_for_the_masked_scores_is_named(fill):
    def finite_fill(query, keys, mask, W_q, W_k, v):
        e = np.where(mask, np.tanh((query @ W_q)[:, None, :] + keys @ W_k) @ v, fill)
        a = np.exp(e - e.max(axis=1, keepdims=True))
        a = a / a.sum(axis=1, keepdims=True)
        return np.einsum("bt,bth->bh", a, keys), a

    result = checks.check_additive_attention(finite_fill)
    assert result.status == INCORRECT
    assert "weights should be exactly 0 on padding" in result.messages[0]
    assert "-np.inf" in result.messages[0]


def test_a_fill_that_underflows_to_exactly_zero_passes():
    def huge_fill(query, keys, mask, W_q, W_k, v):
        e = np.where(mask, np.tanh((query @ W_q)[:, None, :] + keys @ W_k) @ v, -1e9)
        a = np.exp(e - e.max(axis=1, keepdims=True))
        a = a / a.sum(axis=1, keepdims=True)
        return np.einsum("bt,bth->bh", a, keys), a

    assert checks.check_additive_attention(huge_fill).status == CORRECT
