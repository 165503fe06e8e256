"""The character language model of chapter 07 in PyTorch and Keras: shapes, carried
state, one-line errors, the two frameworks agreeing on the same weights, bits per
character against hand computations, temperature and sampling, and a few steps of
truncated-BPTT training in each framework."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import rnnkit
from rnnkit import convert
from rnnkit.data.chars import RESERVED, bptt_windows
from rnnkit.data.vocab import Vocab
from rnnkit.models.charlm import (
    apply_temperature,
    best_lambda,
    bits_per_char_keras,
    bits_per_char_torch,
    char_probs_keras,
    char_probs_torch,
    interpolate_bpc,
    keras_char_lm,
    keras_char_lm_like,
    sample_keras,
    sample_next,
    sample_torch,
    torch_char_lm,
)
from rnnkit.train import fit_keras, fit_torch

V, E, H = 7, 4, 6
VOCAB = Vocab.build("abcdef", RESERVED)  # 7 ids with <unk>


def ids(n: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, V, n).astype(np.int64)


# --------------------------------------------------------------------------- temperature


def test_apply_temperature_rows_sum_to_one_and_t1_is_the_softmax():
    z = np.random.default_rng(0).normal(size=(3, 5))
    p = apply_temperature(z, 1.0)
    np.testing.assert_allclose(p.sum(axis=-1), 1.0, atol=1e-15)
    np.testing.assert_allclose(p, np.exp(z) / np.exp(z).sum(axis=-1, keepdims=True), atol=1e-15)


def test_apply_temperature_tends_to_argmax_and_to_uniform():
    z = np.array([0.3, 1.0, -2.0, 0.9])
    np.testing.assert_allclose(apply_temperature(z, 1e-3), [0, 1, 0, 0], atol=1e-12)
    np.testing.assert_allclose(apply_temperature(z, 1e6), np.full(4, 0.25), atol=1e-5)


def test_apply_temperature_at_a_vanishing_temperature_is_the_argmax_not_nan():
    p = apply_temperature(np.array([[1.0, 2.0, 2.0, -1.0], [10.0, 9.0, 0.0, 0.0]]), 1e-308)
    np.testing.assert_array_equal(p, [[0.0, 0.5, 0.5, 0.0], [1.0, 0.0, 0.0, 0.0]])


def test_apply_temperature_does_not_overflow_on_large_logits():
    p = apply_temperature(np.array([1000.0, 999.0]), 1.0)
    np.testing.assert_allclose(p, [1 / (1 + np.exp(-1)), 1 - 1 / (1 + np.exp(-1))], atol=1e-15)


@pytest.mark.parametrize(
    ("logits", "temperature", "error", "message"),
    [
        ([1.0, 2.0], 0.0, ValueError, "temperature must be a finite number > 0, got 0.0"),
        ([1.0, 2.0], -1.0, ValueError, "temperature must be a finite number > 0, got -1.0"),
        ([1.0, 2.0], "hot", TypeError, "temperature must be a number > 0, got 'hot'"),
        ([1.0, np.nan], 1.0, ValueError, "logits must be finite"),
        (["a", "b"], 1.0, TypeError, "logits must be a real array"),
    ],
    ids=["zero", "negative", "string", "nan", "strings"],
)  # fmt: skip
def test_apply_temperature_bad_input_gives_a_one_line_error(logits, temperature, error, message):
    with pytest.raises(error, match=message):
        apply_temperature(np.array(logits), temperature)


def test_sample_next_is_deterministic_for_a_seed_and_greedy_at_low_temperature():
    z = np.array([0.1, 0.5, 0.2])
    draws = [sample_next(z, 1.0, np.random.default_rng(3)) for _ in range(2)]
    assert draws[0] == draws[1]
    rng = np.random.default_rng(0)
    assert all(sample_next(z, 1e-4, rng) == 1 for _ in range(20))


# --------------------------------------------------------------------------- PyTorch model


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
def test_charlm_carries_the_state_so_two_halves_equal_the_whole(cell):
    torch.manual_seed(0)
    model = torch_char_lm(V, E, H, cell).double()
    x = torch.as_tensor(ids(24).reshape(2, 12))
    whole, _ = model(x)  # (2, 12, V)
    first, state = model(x[:, :5])
    second, _ = model(x[:, 5:], state)
    assert whole.shape == (2, 12, V)
    torch.testing.assert_close(torch.cat([first, second], dim=1), whole, atol=1e-12, rtol=0)


@pytest.mark.parametrize(
    ("x", "message"),
    [
        (torch.zeros(3, 4), rf"x must be a torch tensor shaped \(batch, time\) of integer ids in \[0, {V - 1}\], got shape \(3, 4\) and dtype float32"),
        (torch.zeros(4, dtype=torch.int64), r"got shape \(4,\) and dtype int64"),
        (torch.full((1, 3), V), rf"got shape \(1, 3\) and dtype int64 with ids from {V} to {V}"),
        (np.zeros((1, 3), np.int64), r"got ndarray of shape \(1, 3\) and dtype int64; convert with torch.as_tensor\(x\)"),
    ],
    ids=["float", "1-D", "out-of-range", "numpy"],
)  # fmt: skip
def test_charlm_bad_ids_give_a_one_line_error(x, message):
    with pytest.raises(ValueError, match=message):
        torch_char_lm(V, E, H)(x)


def test_charlm_refuses_an_unknown_cell():
    with pytest.raises(
        ValueError, match="cell must be one of 'lstm', 'gru', 'rnn', got 'transformer'"
    ):
        torch_char_lm(V, E, H, "transformer")


def test_bits_per_char_of_a_uniform_model_is_log2_vocab():
    model = torch_char_lm(V, E, H)
    with torch.no_grad():
        model.head.weight.zero_()
        model.head.bias.zero_()
    assert bits_per_char_torch(model, ids(50)) == pytest.approx(np.log2(V), abs=1e-9)


def test_bits_per_char_torch_matches_a_hand_computation_and_ignores_the_chunk_size():
    torch.manual_seed(1)
    model = torch_char_lm(V, E, H).double()
    context, text = ids(9, 1), ids(30, 2)
    stream = torch.as_tensor(np.concatenate([context, text]))
    logits, _ = model(stream[None, :-1])  # (1, 38, V)
    logp = torch.log_softmax(logits[0], dim=-1)[-30:]  # the 30 predictions of `text`
    expected = -logp[torch.arange(30), torch.as_tensor(text)].mean().item() / np.log(2)
    for chunk in (4096, 7, 1):
        assert bits_per_char_torch(model, text, context, chunk=chunk) == pytest.approx(
            expected, abs=1e-12
        )


def test_bits_per_char_refuses_bad_ids():
    with pytest.raises(
        ValueError,
        match=r"ids must be a non-empty array shaped \(time,\) of integer ids >= 0, got shape \(2, 2\)",
    ):
        bits_per_char_torch(torch_char_lm(V, E, H), np.zeros((2, 2), np.int64))


def test_sample_torch_is_reproducible_and_greedy_at_low_temperature():
    torch.manual_seed(0)
    model = torch_char_lm(V, E, H)
    a = sample_torch(model, VOCAB, "abc", 15, temperature=0.8, seed=4)
    assert a == sample_torch(model, VOCAB, "abc", 15, temperature=0.8, seed=4)
    assert len(a) == 15
    greedy, state, x = [], None, torch.as_tensor(VOCAB.encode("abc"))[None]
    with torch.no_grad():
        for _ in range(10):  # argmax decoding, written out
            logits, state = model(x, state)
            greedy.append(int(logits[0, -1].argmax()))
            x = torch.tensor([[greedy[-1]]])
    assert sample_torch(model, VOCAB, "abc", 10, temperature=1e-6) == VOCAB.decode(np.array(greedy))


def test_sample_torch_uses_the_given_probability_function():
    model = torch_char_lm(V, E, H)
    always_b = lambda logits, t: np.eye(V)[2]  # noqa: E731  id 2 is "b"
    assert sample_torch(model, VOCAB, "a", 5, probs_fn=always_b) == "bbbbb"


def test_sample_refuses_an_empty_prime():
    with pytest.raises(ValueError, match="prime must be a non-empty string, got ''"):
        sample_torch(torch_char_lm(V, E, H), VOCAB, "", 5)


def test_char_probs_torch_are_the_softmax_of_each_target_and_give_the_bpc():
    torch.manual_seed(4)
    model = torch_char_lm(V, E, H).double()
    context, text = ids(6, 6), ids(25, 7)
    p = char_probs_torch(model, text, context, chunk=4)
    stream = torch.as_tensor(np.concatenate([context, text]))
    with torch.no_grad():
        probs = torch.softmax(model(stream[None, :-1])[0][0], dim=-1)[-25:]  # (25, V)
    assert p.shape == (25,) and p.dtype == np.float64
    np.testing.assert_allclose(p, probs[torch.arange(25), torch.as_tensor(text)], rtol=1e-12)
    assert bits_per_char_torch(model, text, context) == pytest.approx(-np.log2(p).mean())


def test_dropout_is_active_in_training_only_and_zero_dropout_changes_nothing():
    torch.manual_seed(5)
    plain = torch_char_lm(V, E, H)
    torch.manual_seed(5)
    dropped = torch_char_lm(V, E, H, dropout=0.5)
    x = torch.as_tensor(ids(16, 8).reshape(2, 8))
    assert isinstance(plain.drop, torch.nn.Identity) and plain.dropout == 0.0
    with torch.no_grad():
        torch.testing.assert_close(dropped.eval()(x)[0], plain.eval()(x)[0], atol=0, rtol=0)
        dropped.train()
        assert not torch.equal(dropped(x)[0], dropped(x)[0])  # a new mask per call


def test_tied_read_out_shares_the_embedding_table():
    model = torch_char_lm(V, H, H, tie=True)
    assert model.head.weight is model.embed.weight and model.tie
    untied = torch_char_lm(V, H, H)
    count = lambda m: sum(p.numel() for p in m.parameters())  # noqa: E731
    assert count(untied) - count(model) == V * H
    with torch.no_grad():
        model.embed.weight[3].fill_(0.25)
    assert torch.equal(model.head.weight[3], torch.full((H,), 0.25))


@pytest.mark.parametrize("factory", ["torch", "keras"])
@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"dropout": 1.0}, ValueError, r"dropout must be in \[0, 1\), got 1.0"),
        ({"dropout": -0.1}, ValueError, r"dropout must be in \[0, 1\), got -0.1"),
        ({"dropout": "0.2"}, TypeError, "dropout must be a number in"),
        ({"tie": 1}, TypeError, "tie must be True or False, got 1"),
        (
            {"tie": True},
            ValueError,
            f"embed_dim must equal hidden_size, got embed_dim={E}, hidden_size={H}",
        ),
    ],
)
def test_char_lm_factories_refuse_bad_regularisers_alike(factory, kwargs, error, message):
    build = torch_char_lm if factory == "torch" else keras_char_lm
    with pytest.raises(error, match=message):
        build(V, E, H, **kwargs)


# --------------------------------------------------------------------------- mixing two models


def test_mixture_at_lambda_one_and_zero_is_each_model():
    p_a, p_b = np.array([0.5, 0.25, 0.125]), np.array([0.25, 0.5, 1.0])
    assert interpolate_bpc(p_a, p_b, 1) == pytest.approx(2.0)  # mean of 1, 2, 3 bits
    assert interpolate_bpc(p_a, p_b, 0) == pytest.approx(1.0)  # mean of 2, 1, 0 bits


def test_mixture_bpc_is_convex_in_lambda_and_never_above_the_worse_model():
    rng = np.random.default_rng(0)
    p_a, p_b = rng.uniform(0.01, 1, 200), rng.uniform(0.01, 1, 200)
    lams = np.linspace(0, 1, 11)
    bpc = np.array([interpolate_bpc(p_a, p_b, lam) for lam in lams])
    assert np.all(bpc[:-2] - 2 * bpc[1:-1] + bpc[2:] >= -1e-12)  # second differences
    assert np.all(bpc <= max(bpc[0], bpc[-1]) + 1e-12)


def test_best_lambda_finds_the_known_optimum():
    # half the characters: a gives 0.8, b 0.2; the other half: a 0.2, b 0.6. The mean
    # log-probability log(0.2 + 0.6 lam) + log(0.6 - 0.4 lam) has zero derivative where
    # 0.6 (0.6 - 0.4 lam) = 0.4 (0.2 + 0.6 lam), at lam = 0.28 / 0.48 = 7 / 12
    p_a, p_b = np.array([0.8, 0.2] * 50), np.array([0.2, 0.6] * 50)
    lam, bpc = best_lambda(p_a, p_b, grid=np.linspace(0, 1, 121))  # holds 70 / 120
    assert lam == pytest.approx(7 / 12)
    expected = -(np.log2(0.2 + 0.6 * 7 / 12) + np.log2(0.6 - 0.4 * 7 / 12)) / 2
    assert bpc == pytest.approx(expected, abs=1e-12)
    assert bpc < min(interpolate_bpc(p_a, p_b, 0), interpolate_bpc(p_a, p_b, 1))


def test_best_lambda_adds_the_endpoints_so_the_mixture_never_loses_to_either_model():
    p_a, p_b = np.full(10, 0.9), np.full(10, 0.3)  # a is better everywhere: lam = 1
    lam, bpc = best_lambda(p_a, p_b, grid=[0.5])
    assert lam == 1.0 and bpc == pytest.approx(-np.log2(0.9))


@pytest.mark.parametrize(
    ("p_a", "p_b", "lam", "message"),
    [
        (np.ones(3), np.ones(4), 0.5, r"p_a and p_b must score the same characters, got shapes \(3,\) and \(4,\)"),
        (np.array([0.5, 0.0]), np.ones(2), 0.5, r"p_a must hold probabilities in \(0, 1\], got values from 0.0 to 0.5"),
        (np.ones(2), np.array([0.5, np.nan]), 0.5, r"p_b must hold probabilities .* and NaN"),
        (np.ones(2), np.array([1.5, 1.0]), 0.5, r"p_b must hold probabilities in \(0, 1\], got values from 1.0 to 1.5"),
        (np.array([1, 1]), np.ones(2), 0.5, r"p_a must be a non-empty 1-D float array .* dtype int64"),
        (np.ones((2, 2)), np.ones((2, 2)), 0.5, r"p_a must be a non-empty 1-D float array .* shape \(2, 2\)"),
        (np.ones(2), np.ones(2), 1.5, r"lam must be in \[0, 1\], got 1.5"),
    ],
    ids=["shapes", "zero", "nan", "above-one", "int", "2-D", "lam"],
)  # fmt: skip
def test_interpolate_bpc_refuses_bad_input_in_one_line(p_a, p_b, lam, message):
    with pytest.raises(ValueError, match=message):
        interpolate_bpc(p_a, p_b, lam)


def test_best_lambda_refuses_a_grid_outside_zero_one_or_empty():
    with pytest.raises(ValueError, match=r"lam must be in \[0, 1\], got -0.5"):
        best_lambda(np.ones(2), np.ones(2), grid=[-0.5, 0.5])
    with pytest.raises(ValueError, match=r"grid must be a non-empty 1-D list"):
        best_lambda(np.ones(2), np.ones(2), grid=[])


# --------------------------------------------------------------------------- Keras twin


def keras_copy_of(model, **kwargs):
    """A Keras char model holding ``model``'s weights (float32 both)."""
    k = keras_char_lm(V, E, H, model.cell, **kwargs)
    params = convert.params_from_torch(model.rnn)
    convert.params_to_keras(params, k.get_layer("rnn"))
    k.get_layer("embed").set_weights([model.embed.weight.detach().numpy()])
    k.get_layer("head").set_weights(
        [model.head.weight.detach().numpy().T, model.head.bias.detach().numpy()]
    )
    return k


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_keras_twin_computes_the_same_logits_with_the_same_weights(cell):
    torch.manual_seed(2)
    model = torch_char_lm(V, E, H, cell)
    x = ids(20, 3).reshape(2, 10)
    with torch.no_grad():
        expected = model(torch.as_tensor(x))[0].numpy()
    got = np.asarray(keras_copy_of(model)(x.astype(np.int32)))
    np.testing.assert_allclose(got, expected, atol=2e-5)


def test_keras_bits_per_char_and_sampling_match_torch_on_the_same_weights():
    torch.manual_seed(3)
    model = torch_char_lm(V, E, H)
    k = keras_copy_of(model, batch_size=2, stateful=True)
    context, text = ids(5, 4), ids(40, 5)
    assert bits_per_char_keras(k, text, context) == pytest.approx(
        bits_per_char_torch(model, text, context), abs=1e-4
    )
    assert sample_keras(k, VOCAB, "abc", 12, 0.7, seed=1) == sample_torch(
        model, VOCAB, "abc", 12, 0.7, seed=1
    )


def test_keras_char_probs_match_torch_with_dropout_and_tied_weights():
    torch.manual_seed(6)
    model = torch_char_lm(V, H, H, dropout=0.3, tie=True)
    k = keras_char_lm(V, H, H, dropout=0.3, tie=True, batch_size=2, stateful=True)
    assert [layer.name for layer in k.layers][1:] == ["embed", "drop", "rnn", "head"]
    convert.params_to_keras(convert.params_from_torch(model.rnn), k.get_layer("rnn"))
    k.get_layer("embed").set_weights([model.embed.weight.detach().numpy()])
    k.get_layer("head").set_weights([model.head.bias.detach().numpy()])
    assert k.count_params() == V * H + 4 * (H * H + H * H + H) + V
    context, text = ids(5, 9), ids(30, 10)
    np.testing.assert_allclose(
        char_probs_keras(k, text, context), char_probs_torch(model, text, context), rtol=1e-4
    )


def test_keras_builder_counts_and_errors():
    lstm = keras_char_lm(V, E, H)
    assert lstm.count_params() == V * E + 4 * (E * H + H * H + H) + H * V + V
    torch_count = sum(p.numel() for p in torch_char_lm(V, E, H).parameters())
    assert torch_count - lstm.count_params() == 4 * H  # torch: two bias vectors per gate block
    with pytest.raises(ValueError, match="stateful=True needs a fixed batch_size"):
        keras_char_lm(V, E, H, stateful=True)
    with pytest.raises(ValueError, match="model must come from keras_char_lm"):
        import keras

        keras_char_lm_like(keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)]))


# --------------------------------------------------------------------------- training


def lm_batches(n: int = 600, batch: int = 4, time: int = 8):
    text = np.tile(np.arange(1, V), n // (V - 1) + 1)[:n].astype(np.int64)  # 1 2 3 4 5 6 1 2 ...
    x, y = bptt_windows(text, batch, time)  # (K, B, T)
    return x.reshape(-1, time), y.reshape(-1, time), text


def test_fit_torch_with_tbptt_learns_a_cycle():
    rnnkit.setup(0)
    x, y, text = lm_batches()
    model = torch_char_lm(V, E, 16)
    history = fit_torch(model, (x, y), epochs=6, lr=0.03, batch_size=4, tbptt=True, progress=False)
    assert history["loss"][-1] < 0.5 * history["loss"][0]
    assert bits_per_char_torch(model, text[:60]) < 1.0


def test_fit_keras_with_a_stateful_layer_learns_a_cycle():
    rnnkit.setup(0)
    x, y, text = lm_batches()
    model = keras_char_lm(V, E, 16, batch_size=4, stateful=True)
    history = fit_keras(model, (x, y), epochs=6, lr=0.03, batch_size=4, tbptt=True, progress=False)
    assert history["loss"][-1] < 0.5 * history["loss"][0]
    assert bits_per_char_keras(model, text[:60]) < 1.0


@pytest.mark.parametrize("sample", [sample_torch, sample_keras], ids=["torch", "keras"])
@pytest.mark.parametrize(
    ("args", "error", "message"),
    [
        (("abc", "ten"), TypeError, "length must be an integer, got str 'ten'"),
        (("abc", 5, 1.0, "seed"), TypeError, "seed must be an integer, got str 'seed'"),
        ((5, "abc"), ValueError, "prime must be a non-empty string, got 5"),
        (("abc", 5, 1.0, 0, "softmax"), TypeError, "probs_fn must be a function"),
    ],
    ids=["string-length", "string-seed", "length-and-prime-swapped", "probs-fn-string"],
)  # fmt: skip
def test_samplers_refuse_arguments_of_the_wrong_kind_with_the_same_line(
    sample, args, error, message
):
    with pytest.raises(error, match=message) as info:
        sample(None, VOCAB, *args)  # refused before the model is touched
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("sample", [sample_torch, sample_keras], ids=["torch", "keras"])
def test_samplers_refuse_a_string_where_the_vocabulary_belongs(sample):
    with pytest.raises(TypeError, match="vocab must be a Vocab, got str"):
        sample(None, "abc", "ab", 10)
