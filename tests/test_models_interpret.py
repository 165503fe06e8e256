"""Chapter 13's inspection helpers: the replayed LSTM trace equals torch's own outputs,
saturation fractions and correlations equal hand counts, text features are right on
small strings, saliency is the embedding gradient and is zero on padding."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from rnnkit.models.charlm import torch_char_lm
from rnnkit.models.interpret import (
    LSTMClassifier,
    best_unit,
    gate_saturation,
    inside_parentheses,
    lstm_trace,
    position_in_line,
    saliency,
    unit_saturation,
)


def test_lstm_trace_reproduces_torch_hidden_states():
    torch.manual_seed(0)
    model = torch_char_lm(9, 4, 5)
    ids = np.random.default_rng(0).integers(0, 9, 30)
    trace = lstm_trace(model, ids)
    with torch.no_grad():
        out, _ = model.rnn(model.embed(torch.as_tensor(ids)[None]))  # (1, 30, 5)
    np.testing.assert_allclose(trace["h_t"], out[0].numpy(), atol=1e-5)
    assert set(trace) == {"i_t", "f_t", "g_t", "o_t", "c_t", "h_t"}
    assert all(v.shape == (30, 5) for v in trace.values())
    np.testing.assert_allclose(trace["h_t"], trace["o_t"] * np.tanh(trace["c_t"]), atol=1e-12)


def test_lstm_trace_refuses_a_gru_and_bad_ids():
    with pytest.raises(ValueError, match="cell='lstm', got CharLM"):
        lstm_trace(torch_char_lm(9, 4, 5, "gru"), np.arange(3))
    with pytest.raises(
        ValueError,
        match=r"text_ids must be a non-empty array shaped \(time,\) .* got shape \(2, 2\)",
    ):
        lstm_trace(torch_char_lm(9, 4, 5), np.zeros((2, 2), np.int64))


def test_gate_saturation_counts_values_beyond_the_thresholds():
    gates = np.array([[0.05, 0.5], [0.95, 0.92], [0.2, 0.01], [0.5, 0.5]])  # (T=4, H=2)
    trace = {"i_t": gates, "f_t": 1 - gates, "o_t": np.full((4, 2), 0.5)}
    sat = gate_saturation(trace)
    assert sat["i_t"] == {"left": 2 / 8, "right": 2 / 8}
    assert sat["f_t"] == {"left": 2 / 8, "right": 2 / 8}
    assert sat["o_t"] == {"left": 0.0, "right": 0.0}
    left, right = unit_saturation(trace, "i_t")
    np.testing.assert_array_equal(left, [0.25, 0.25])
    np.testing.assert_array_equal(right, [0.25, 0.25])
    with pytest.raises(ValueError, match="need 0 < low < high < 1, got low=0.9, high=0.1"):
        gate_saturation(trace, 0.9, 0.1)


def test_inside_parentheses_and_position_in_line_on_small_strings():
    np.testing.assert_array_equal(inside_parentheses("a(b)c"), [0, 0, 1, 1, 0])
    np.testing.assert_array_equal(inside_parentheses("(a(b))x)"), [0, 1, 1, 1, 1, 1, 0, 0])
    np.testing.assert_array_equal(position_in_line("ab\ncd"), [1, 2, 0, 1, 2])


def test_best_unit_finds_the_planted_unit_and_its_sign():
    rng = np.random.default_rng(0)
    feature = (rng.random(200) > 0.5).astype(float)
    acts = rng.normal(size=(200, 4))
    acts[:, 2] = -feature + 0.1 * rng.normal(size=200)
    acts[:, 3] = 1.0  # constant: r is nan and skipped
    match = best_unit(acts, feature)
    assert match.unit == 2 and match.r < -0.9
    assert np.isnan(match.all_r[3])
    assert match.r == pytest.approx(np.corrcoef(acts[:, 2], feature)[0, 1], abs=1e-12)
    with pytest.raises(ValueError, match="feature must vary"):
        best_unit(acts, np.ones(200))
    with pytest.raises(
        ValueError,
        match=r"activations must be \(T, H\) and feature \(T,\), got \(200, 4\) and \(5,\)",
    ):
        best_unit(acts, np.ones(5))


def test_saliency_is_the_norm_of_the_embedding_gradient_and_zero_on_padding():
    torch.manual_seed(0)
    model = LSTMClassifier(12, 4, 6)
    ids = np.array([[3, 5, 7, 0, 0], [1, 2, 3, 4, 11]])
    scores, predicted = saliency(model, ids)
    assert scores.shape == (2, 5) and (scores[0, 3:] == 0).all() and (scores[0, :3] > 0).all()
    assert all(p.grad is None for p in model.parameters())  # autograd.grad: no side effect
    e = model.embed(torch.as_tensor(ids[:1, :3])).detach().requires_grad_(True)  # (1, 3, 4)
    logits = model.from_embeddings(e, torch.tensor([3]))
    logits[0, predicted[0]].backward()
    np.testing.assert_allclose(scores[0, :3], e.grad[0].norm(dim=-1).numpy(), rtol=1e-6)
    assert predicted.tolist() == model(torch.as_tensor(ids)).argmax(-1).tolist()


def test_classifier_reads_the_last_real_token_not_the_padding():
    torch.manual_seed(1)
    model = LSTMClassifier(12, 4, 6)
    short = torch.tensor([[3, 5, 0, 0]])
    trimmed = torch.tensor([[3, 5]])
    torch.testing.assert_close(model(short), model(trimmed))
    with pytest.raises(
        ValueError,
        match=r"ids must be a torch tensor shaped \(batch, length\) of integer ids in \[0, 11\], got shape \(4,\)",
    ):
        model(torch.tensor([3, 5, 0, 0]))
