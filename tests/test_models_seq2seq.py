"""Encoder-decoder GRUs with additive attention (chapter 11), PyTorch and Keras:
shapes, attention weights (sum to 1 on the source, 0 on padding, the NumPy reference
equations), greedy decoding stops at <end>, a tiny task is learned, same parameter
counts in both frameworks, one-line errors for bad input."""

import numpy as np
import pytest
import torch

import rnnkit
from rnnkit.checks.attention import additive_attention
from rnnkit.data.dates import END_ID, START_ID
from rnnkit.models.seq2seq import (
    Seq2Seq,
    TeacherForced,
    exact_match,
    join_inputs,
    keras_seq2seq,
    torch_seq2seq,
)
from rnnkit.train import fit_keras, fit_torch

V, L, T = 9, 6, 4


def batch(seed=0, lengths=(6, 3, 1, 4)):
    rng = np.random.default_rng(seed)
    src = rng.integers(4, V, size=(len(lengths), L))
    src[np.arange(L)[None, :] >= np.array(lengths)[:, None]] = 0  # pad after each length
    tgt_in = np.concatenate(
        [np.full((len(lengths), 1), START_ID), rng.integers(4, V, (len(lengths), T - 1))], 1
    )
    return src, np.array(lengths), tgt_in


def torch_batch(**kw):
    src, lengths, tgt_in = batch(**kw)
    return torch.as_tensor(src), torch.as_tensor(lengths), torch.as_tensor(tgt_in)


@pytest.mark.parametrize("attention", [True, False])
def test_torch_teacher_forced_logits_have_shape_batch_steps_vocab(attention):
    rnnkit.setup(0)
    model = torch_seq2seq(V, L, embed_dim=5, hidden_size=7, attention=attention)
    src, lengths, tgt_in = torch_batch()
    assert model(src, lengths, tgt_in).shape == (4, T, V)
    x = torch.as_tensor(join_inputs(src.numpy(), tgt_in.numpy()))
    torch.testing.assert_close(TeacherForced(model)(x), model(src, lengths, tgt_in))


def test_torch_attention_weights_sum_to_one_and_are_zero_on_padding():
    rnnkit.setup(0)
    model = torch_seq2seq(V, L, embed_dim=5, hidden_size=7)
    src, lengths, _ = torch_batch()
    keys, mask, _ = model.encode(src, lengths)
    _, weights = model.attend(torch.randn(4, 3, 7), keys, mask)  # (B, T, L)
    assert weights.shape == (4, 3, L)
    torch.testing.assert_close(weights.sum(-1), torch.ones(4, 3))
    assert torch.all(weights[~mask[:, None, :].expand_as(weights)] == 0)
    assert torch.all(weights[mask[:, None, :].expand_as(weights)] > 0)


def test_torch_attention_matches_the_numpy_reference_float64():
    rnnkit.setup(0)
    model = torch_seq2seq(V, L, embed_dim=5, hidden_size=7).double()
    src, lengths, _ = torch_batch()
    keys, mask, _ = model.encode(src, lengths)
    query = torch.randn(4, 1, 7, dtype=torch.float64)
    context, weights = model.attend(query, keys, mask)
    ref_context, ref_weights = additive_attention(
        query[:, 0].numpy(),
        keys.detach().numpy(),
        mask.numpy(),
        model.W_q.weight.detach().numpy().T,
        model.W_k.weight.detach().numpy().T,
        model.v.detach().numpy(),
    )
    np.testing.assert_allclose(weights[:, 0].detach().numpy(), ref_weights, atol=1e-12)
    np.testing.assert_allclose(context[:, 0].detach().numpy(), ref_context, atol=1e-12)


def test_torch_encoder_ignores_what_lies_in_the_padding():
    rnnkit.setup(0)
    model = torch_seq2seq(V, L, embed_dim=5, hidden_size=7)
    src, lengths, tgt_in = torch_batch()
    noisy = src.clone()
    noisy[src == 0] = 5  # garbage where the lengths say padding
    torch.testing.assert_close(model(noisy, lengths, tgt_in), model(src, lengths, tgt_in))


class _Scripted(Seq2Seq):
    """Emits a fixed sequence of tokens per row, to test the decoding loop alone."""

    def __init__(self, script):
        super().__init__(V, L, embed_dim=3, hidden_size=4)
        self.script, self.step = torch.as_tensor(script), 0

    def decode(self, tgt_in, state, keys, mask):
        logits = torch.nn.functional.one_hot(self.script[:, self.step], V).float()[:, None, :]
        self.step += 1
        _, weights = self.attend(torch.zeros(len(keys), 1, 4), keys, mask)
        return logits, state, weights


def test_torch_greedy_decode_pads_after_end_and_stops_when_all_rows_ended():
    script = [
        [5, END_ID, 6, 7, 8],
        [5, 6, 7, END_ID, 8],
        [5, 6, END_ID, 8, 8],
        [END_ID, 5, 5, 5, 5],
    ]
    model = _Scripted(script)
    src, lengths, _ = torch_batch()
    tokens, weights = model.greedy_decode(src, lengths, max_len=10)
    assert tokens.tolist() == [
        [5, END_ID, 0, 0],
        [5, 6, 7, END_ID],
        [5, 6, END_ID, 0],
        [END_ID, 0, 0, 0],
    ]
    assert model.step == 4  # stopped once every row had ended, not at max_len
    assert weights.shape == (4, 4, L)
    assert torch.all(weights[0, 2:] == 0) and torch.all(weights[3, 1:] == 0)
    torch.testing.assert_close(weights[1].sum(-1), torch.ones(4))


def test_torch_greedy_decode_stops_at_max_len_without_end():
    rnnkit.setup(0)
    model = torch_seq2seq(V, L, embed_dim=5, hidden_size=7, attention=False)
    src, lengths, _ = torch_batch()
    with torch.no_grad():
        model.out.bias[END_ID] = -1e4  # never emits <end>
    tokens, weights = model.greedy_decode(src, lengths, max_len=3)
    assert tokens.shape == (4, 3) and weights is None


def tiny_task(n=32, seed=0):
    """Reverse 3 ids: target = source reversed, then <end>."""
    rng = np.random.default_rng(seed)
    src = rng.integers(4, V, size=(n, 3))
    tgt = src[:, ::-1]
    tgt_in = np.concatenate([np.full((n, 1), START_ID), tgt], 1)
    y_out = np.concatenate([tgt, np.full((n, 1), END_ID)], 1)
    return src, tgt_in, y_out


def test_torch_overfits_a_tiny_reversal_task_and_decodes_it_greedily():
    rnnkit.setup(0)
    src, tgt_in, y_out = tiny_task()
    model = torch_seq2seq(V, 3, embed_dim=8, hidden_size=32)
    history = fit_torch(
        TeacherForced(model),
        (join_inputs(src, tgt_in), y_out),
        epochs=40,
        lr=2e-2,
        batch_size=32,
        progress=False,
        device="cpu",
    )
    assert history["accuracy"][-1] == 1.0
    model.eval()
    tokens, _ = model.greedy_decode(torch.as_tensor(src), torch.full((len(src),), 3), max_len=6)
    assert np.array_equal(tokens.numpy(), y_out)


def test_keras_overfits_a_tiny_reversal_task_and_decodes_it_greedily():
    rnnkit.setup(0)
    src, tgt_in, y_out = tiny_task()
    model = keras_seq2seq(V, 3, embed_dim=8, hidden_size=32)
    history = fit_keras(
        model,
        (join_inputs(src, tgt_in), y_out),
        epochs=40,
        lr=2e-2,
        batch_size=32,
        progress=False,
    )
    assert history["accuracy"][-1] == 1.0
    tokens, _ = model.greedy_decode(src, max_len=6)
    assert np.array_equal(tokens, y_out)


@pytest.mark.parametrize("attention", [True, False])
def test_keras_shapes_weights_and_parameter_count_match_torch(attention):
    rnnkit.setup(0)
    src, lengths, tgt_in = batch()
    model = keras_seq2seq(V, L, embed_dim=5, hidden_size=7, attention=attention)
    logits = model(join_inputs(src, tgt_in))
    assert tuple(logits.shape) == (4, T, V)
    twin = torch_seq2seq(V, L, embed_dim=5, hidden_size=7, attention=attention)
    assert model.count_params() == sum(p.numel() for p in twin.parameters())
    keys, mask, state = model.encode(src)
    _, _, weights = model.decode(tgt_in, state, keys, mask)
    if not attention:
        assert weights is None
        return
    weights = np.asarray(weights)  # (B, T, L)
    np.testing.assert_allclose(weights.sum(-1), 1.0, rtol=1e-5)
    pad = np.broadcast_to((src == 0)[:, None, :], weights.shape)
    assert np.all(weights[pad] == 0) and np.all(weights[~pad] > 0)


@pytest.mark.parametrize("attention", [True, False])
def test_twins_hold_their_settings_under_the_same_names(attention):
    twins = [
        factory(V, L, embed_dim=5, hidden_size=7, attention=attention)
        for factory in (torch_seq2seq, keras_seq2seq)
    ]
    for name in ("vocab_size", "src_width", "attention"):
        assert getattr(twins[0], name) == getattr(twins[1], name), name
    assert twins[0].attention is attention


def test_keras_greedy_decode_shapes_and_padding_after_end():
    rnnkit.setup(0)
    src, _, _ = batch()
    model = keras_seq2seq(V, L, embed_dim=5, hidden_size=7)
    tokens, weights = model.greedy_decode(src, max_len=5)
    assert tokens.shape[0] == 4 and 1 <= tokens.shape[1] <= 5
    assert weights.shape == (*tokens.shape, L)
    for row, w in zip(tokens, weights, strict=True):
        ended = np.flatnonzero(row == END_ID)
        if ended.size:
            assert np.all(row[ended[0] + 1 :] == 0) and np.all(w[ended[0] + 1 :] == 0)


def test_exact_match_counts_whole_strings_up_to_end():
    task = rnnkit.data.dates.make_dates(20, seed=1)
    split = task.test
    assert exact_match(split.y_out, split.targets, task.vocab) == 1.0
    wrong = split.y_out.copy()
    wrong[0, 3] = wrong[0, 4] if wrong[0, 3] != wrong[0, 4] else 4
    assert exact_match(wrong, split.targets, task.vocab) == 1 - 1 / len(split.targets)


def test_bad_inputs_raise_one_line_errors():
    model = torch_seq2seq(V, L, embed_dim=5, hidden_size=7)
    src, lengths, tgt_in = torch_batch()
    cases = [
        (
            lambda: model(src.float(), lengths, tgt_in),
            ValueError,
            "src must be a torch tensor shaped (batch, time) of integer ids in [0, 8], "
            "got shape (4, 6) and dtype float32",
        ),
        (
            lambda: model(src[0], lengths, tgt_in),
            ValueError,
            "src must be a torch tensor shaped (batch, time) of integer ids in [0, 8], "
            "got shape (6,) and dtype int64",
        ),
        (
            lambda: model(src, lengths + 3, tgt_in),
            ValueError,
            "src_lengths must lie in [1, 6], got values in [4, 9]",
        ),
        (
            lambda: model(src, lengths, tgt_in + V),
            ValueError,
            "tgt_in must be a torch tensor shaped (batch, time) of integer ids in [0, 8], got shape",
        ),
        (lambda: model(src, lengths, tgt_in[:2]), ValueError, "tgt_in must have 4 rows like src"),
        (
            lambda: torch_seq2seq(V, L, attention="yes"),
            TypeError,
            "attention must be True or False, got 'yes'",
        ),
        (
            lambda: TeacherForced(model)(src),
            ValueError,
            "x must be (batch, 6 + target steps) joined ids",
        ),
        (
            lambda: join_inputs(src.numpy(), tgt_in.numpy()[:2]),
            ValueError,
            "same number of rows, got 4 and 2",
        ),
        (
            lambda: join_inputs(src.numpy() * 1.0, tgt_in.numpy()),
            ValueError,
            "src must be an array shaped (batch, time) of integer ids >= 0, got shape (4, 6) and "
            "dtype float64",
        ),
        (
            lambda: keras_seq2seq(V, L).greedy_decode(src.numpy()[:, :3]),
            ValueError,
            "src must be (batch, 6), got shape (4, 3)",
        ),
        (
            lambda: model(src[:, :3], lengths.clamp(max=3), tgt_in),
            ValueError,
            "src must be (batch, 6), got shape (4, 3)",
        ),
        (
            lambda: model.greedy_decode(src, lengths, max_len=0),
            ValueError,
            "max_len must be >= 1, got 0",
        ),
    ]
    for call, kind, text in cases:
        with pytest.raises(kind) as info:
            call()
        assert text in str(info.value) and "\n" not in str(info.value)
