"""The chapter-08 sentence classifier: padding never changes the logits (packing in
PyTorch, masking in Keras), the two frameworks compute the same function once the
weights are copied, and bad ids or settings get one-line errors."""

import numpy as np
import pytest
import torch

import rnnkit
from rnnkit.models.classifier import (
    ClassifierConfig,
    copy_torch_to_keras,
    keras_classifier,
    torch_classifier,
)

VOCAB = 12
VARIANTS = [(False, "last"), (False, "mean"), (True, "last"), (True, "mean")]
IDS = ["last", "mean", "bi-last", "bi-mean"]


def small_config(bidirectional=False, readout="last") -> ClassifierConfig:
    return ClassifierConfig(
        VOCAB, n_classes=3, embed_dim=5, hidden_size=4, bidirectional=bidirectional, readout=readout
    )


def batch() -> np.ndarray:
    """Three right-padded sentences of lengths 4, 2 and 5, width 5."""
    return np.array(
        [[3, 4, 5, 6, 0], [7, 2, 0, 0, 0], [2, 3, 9, 11, 8]],
        dtype=np.int64,
    )


def with_extra_padding(ids: np.ndarray, extra: int) -> np.ndarray:
    return np.concatenate([ids, np.zeros((ids.shape[0], extra), dtype=ids.dtype)], axis=1)


def torch_logits(model, ids) -> np.ndarray:
    with torch.no_grad():
        return model(torch.as_tensor(ids)).numpy()


@pytest.mark.parametrize(("bidirectional", "readout"), VARIANTS, ids=IDS)
def test_torch_logits_do_not_change_with_extra_padding_or_batch_neighbours(bidirectional, readout):
    rnnkit.setup(0)
    model = torch_classifier(small_config(bidirectional, readout)).eval()
    ids = batch()
    base = torch_logits(model, ids)
    assert base.shape == (3, 3)
    np.testing.assert_allclose(torch_logits(model, with_extra_padding(ids, 6)), base, atol=1e-6)
    alone = torch_logits(model, ids[1:2, :2])  # the short sentence by itself, no padding
    np.testing.assert_allclose(alone[0], base[1], atol=1e-6)


@pytest.mark.parametrize(("bidirectional", "readout"), VARIANTS, ids=IDS)
def test_keras_logits_do_not_change_with_extra_padding_or_batch_neighbours(bidirectional, readout):
    rnnkit.setup(0)
    model = keras_classifier(small_config(bidirectional, readout))
    ids = batch().astype(np.int32)
    base = np.asarray(model(ids))
    np.testing.assert_allclose(np.asarray(model(with_extra_padding(ids, 6))), base, atol=1e-6)
    alone = np.asarray(model(ids[1:2, :2]))
    np.testing.assert_allclose(alone[0], base[1], atol=1e-6)


@pytest.mark.parametrize(("bidirectional", "readout"), VARIANTS, ids=IDS)
def test_keras_with_copied_torch_weights_gives_the_same_logits(bidirectional, readout):
    rnnkit.setup(1)
    cfg = small_config(bidirectional, readout)
    source, target = torch_classifier(cfg), keras_classifier(cfg)
    copy_torch_to_keras(source, target)
    ids = batch()
    np.testing.assert_allclose(
        np.asarray(target(ids.astype(np.int32))), torch_logits(source, ids), atol=1e-5
    )


def test_without_packing_the_padding_changes_the_final_state():
    # Why the model packs: a plain nn.LSTM reads the pad embeddings as words.
    rnnkit.setup(2)
    model = torch_classifier(small_config()).eval()
    ids = torch.as_tensor(batch())
    with torch.no_grad():
        _, (h_plain, _) = model.lstm(model.embedding(ids))  # (1, B, H)
        packed = model.features(ids)  # (B, H)
    np.testing.assert_allclose(h_plain[0, 2].numpy(), packed[2].numpy(), atol=1e-6)  # full row
    assert np.abs(h_plain[0, 1].numpy() - packed[1].numpy()).max() > 1e-3  # padded row


def test_parameter_counts_differ_only_by_torchs_second_lstm_bias():
    for bidirectional in (False, True):
        cfg = small_config(bidirectional)
        torch_count = sum(p.numel() for p in torch_classifier(cfg).parameters())
        keras_count = keras_classifier(cfg).count_params()
        assert torch_count - keras_count == 4 * cfg.hidden_size * cfg.directions


def test_padding_embedding_row_is_zero_and_gets_no_gradient():
    rnnkit.setup(3)
    model = torch_classifier(small_config())
    model(torch.as_tensor(batch())).sum().backward()
    assert torch.all(model.embedding.weight[0] == 0)
    assert torch.all(model.embedding.weight.grad[0] == 0)


@pytest.mark.parametrize(
    ("ids", "error", "message"),
    [
        (
            np.array([1, 2, 3]),
            ValueError,
            r"ids must be a torch tensor shaped \(batch, time\) of integer ids in \[0, 11\], "
            r"got shape \(3,\)",
        ),
        (np.array([[1.0, 2.0]]), ValueError, r"got shape \(1, 2\) and dtype float"),
        (
            np.array([[1, 12]]),
            ValueError,
            r"ids in \[0, 11\], got shape \(1, 2\) and dtype int64 with ids from 1 to 12",
        ),
        (
            np.array([[3, 2], [0, 4]]),
            ValueError,
            "every sentence needs at least one word first, got row 1",
        ),
        (np.array([[3, 2, 0], [3, 0, 4]]), ValueError, "ids must be right-padded .* in row 1"),
    ],
    ids=["1-D", "float", "out of vocabulary", "empty or left-padded", "word after padding"],
)
def test_bad_ids_get_a_one_line_error(ids, error, message):
    model = torch_classifier(small_config())
    with pytest.raises(error, match=message):
        model(torch.as_tensor(ids))


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"readout": "max"}, ValueError, "readout must be one of 'last', 'mean', got 'max'"),
        ({"hidden_size": 0}, ValueError, "hidden_size must be >= 1, got 0"),
        ({"bidirectional": 1}, TypeError, "bidirectional must be True or False, got int"),
        ({"vocab_size": 1}, ValueError, "vocab_size must be >= 2, got 1"),
    ],
)
def test_bad_config_gets_a_one_line_error(kwargs, error, message):
    with pytest.raises(error, match=message):
        ClassifierConfig(**({"vocab_size": VOCAB} | kwargs))


def test_builders_refuse_a_plain_dict_config():
    with pytest.raises(TypeError, match="config must be a ClassifierConfig, got dict"):
        torch_classifier({"vocab_size": VOCAB})
    with pytest.raises(TypeError, match="config must be a ClassifierConfig, got dict"):
        keras_classifier({"vocab_size": VOCAB})


def test_copy_refuses_models_built_from_different_configs():
    source = torch_classifier(small_config(readout="mean"))
    target = keras_classifier(small_config(readout="last"))
    with pytest.raises(ValueError, match="both models must share one ClassifierConfig"):
        copy_torch_to_keras(source, target)


def test_torch_classifier_refuses_a_numpy_array_with_the_conversion_to_use():
    model = torch_classifier(ClassifierConfig(vocab_size=10))
    with pytest.raises(ValueError, match=r"got ndarray of .*; convert with torch.as_tensor\(ids\)"):
        model(np.ones((2, 3), dtype=np.int64))
