"""Sentence classifiers for chapter 08: embedding → LSTM → dense, in PyTorch and Keras.

:func:`torch_classifier` (a :class:`TextClassifier`) and :func:`keras_classifier` build
the same network from one :class:`ClassifierConfig`:

    ids (B, T) ─ Embedding(V, E) ─ LSTM(H) [two directions if bidirectional] ─ readout ─ Dense(C)

The input is a batch of token ids right-padded with ``0`` (``rnnkit.data`` pads this
way). Padding must not change the answer, so neither framework lets the LSTM read it:

* PyTorch packs the batch (``pack_padded_sequence``) with lengths counted from the
  non-zero ids, so the LSTM stops at each sentence's last word;
* Keras uses ``Embedding(mask_zero=True)``: the mask makes the LSTM carry its state
  unchanged over padded steps and ``GlobalAveragePooling1D`` skip them.

Readout, the vector the dense layer sees (``D = 2`` directions when bidirectional, else 1):

* ``"last"``: the final state ``h_T`` of each sentence, at its last real word (the
  backward direction's final state is the one at the first word). Size ``D*H``.
* ``"mean"``: the mean of the outputs over the real steps only,
  ``(1/len) Σ_{t < len} h_t``. Size ``D*H``.

The dense layer outputs logits (no softmax): both training loops apply the
cross-entropy to logits. :func:`copy_torch_to_keras` moves trained weights across, so
the two frameworks can be shown to compute the same logits. Keras is imported only
inside the functions that need it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from rnnkit.validation import require_choice, require_ids, require_int

READOUTS = ("last", "mean")


@dataclass(frozen=True)
class ClassifierConfig:
    """Sizes and options of the sentence classifier (same meaning in both frameworks).

    vocab_size:    number of token ids ``V``, including ``0`` (padding) and ``1`` (unknown).
    n_classes:     number of labels ``C``.
    embed_dim:     size ``E`` of a word vector.
    hidden_size:        LSTM units ``H`` per direction.
    bidirectional: also read each sentence right to left and concatenate both.
    readout:       ``"last"`` (final state) or ``"mean"`` (mean over real steps).
    """

    vocab_size: int
    n_classes: int = 2
    embed_dim: int = 16
    hidden_size: int = 32
    bidirectional: bool = False
    readout: str = "last"

    def __post_init__(self) -> None:
        require_int(self.vocab_size, "vocab_size", minimum=2)
        require_int(self.n_classes, "n_classes", minimum=2)
        require_int(self.embed_dim, "embed_dim", minimum=1)
        require_int(self.hidden_size, "hidden_size", minimum=1)
        if not isinstance(self.bidirectional, bool):
            raise TypeError(
                f"bidirectional must be True or False, got {type(self.bidirectional).__name__}"
            )
        require_choice(self.readout, "readout", READOUTS)

    @property
    def directions(self) -> int:
        return 2 if self.bidirectional else 1


def _check_ids(ids: torch.Tensor, vocab_size: int) -> None:
    """Token ids: a 2-D integer tensor in ``[0, V)``, every row with at least one word,
    and right-padded (no word after a ``0``)."""
    require_ids(ids, "ids", ("batch", "time"), vocab_size, tensor=True)
    ids = ids.detach().cpu().numpy()
    real = ids != 0
    if not real[:, 0].all():
        row = int(np.argmin(real[:, 0]))
        raise ValueError(
            f"every sentence needs at least one word first, got row {row} starting with 0"
        )
    lengths = real.sum(axis=1)
    if (real != (np.arange(ids.shape[1])[None, :] < lengths[:, None])).any():
        row = int(np.argmax((real != (np.arange(ids.shape[1]) < lengths[:, None])).any(axis=1)))
        raise ValueError(
            f"ids must be right-padded (all 0s after the last word), got a word after a 0 in row {row}"
        )


# --------------------------------------------------------------------------- PyTorch


class TextClassifier(nn.Module):
    """Embedding → (bi)LSTM over the packed batch → readout → Linear (module docstring).

    ``forward(ids)`` takes ``(B, T)`` int64 ids right-padded with 0 and returns ``(B, C)``
    logits. Weights use PyTorch's default initialisation (seed with ``rnnkit.setup``
    first); the embedding row of the padding id ``0`` is zero and gets no gradient.
    Raises ``ValueError`` (one line) for ids that are not a tensor of 2-D integers in
    ``[0, V)``, a row without a first word, or a word after the padding.
    """

    def __init__(self, config: ClassifierConfig) -> None:
        super().__init__()
        if not isinstance(config, ClassifierConfig):
            raise TypeError(f"config must be a ClassifierConfig, got {type(config).__name__}")
        self.config = config
        self.embedding = nn.Embedding(config.vocab_size, config.embed_dim, padding_idx=0)
        self.lstm = nn.LSTM(
            config.embed_dim,
            config.hidden_size,
            batch_first=True,
            bidirectional=config.bidirectional,
        )
        self.head = nn.Linear(config.directions * config.hidden_size, config.n_classes)

    def features(self, ids: torch.Tensor) -> torch.Tensor:
        """The readout vector ``(B, D*H)`` that the dense layer sees."""
        _check_ids(ids, self.config.vocab_size)
        lengths = (ids != 0).sum(dim=1).cpu()  # (B,) on the CPU, as packing wants
        emb = self.embedding(ids)  # (B, T, E)
        packed = pack_padded_sequence(emb, lengths, batch_first=True, enforce_sorted=False)
        out, (h_n, _) = self.lstm(packed)  # h_n (D, B, H): the state at each sentence's end
        if self.config.readout == "last":
            return torch.cat(list(h_n), dim=1)  # (B, D*H): forward, then backward
        out, _ = pad_packed_sequence(out, batch_first=True)  # (B, T_max, D*H), 0 on padding
        return out.sum(dim=1) / lengths.to(out.device, out.dtype)[:, None]  # (B, D*H)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(ids))  # (B, C)


def torch_classifier(config: ClassifierConfig) -> TextClassifier:
    """A fresh :class:`TextClassifier` (weights from the global torch seed); twin of
    :func:`keras_classifier`."""
    return TextClassifier(config)


# --------------------------------------------------------------------------- Keras


def keras_classifier(config: ClassifierConfig):
    """A ``keras.Model`` mapping ``(B, T)`` int ids right-padded with 0 to ``(B, C)`` logits.

    Layers are named ``embedding``, ``lstm`` (a ``Bidirectional`` wrapper when
    bidirectional), ``pool`` (``"mean"`` readout only) and ``head``, as the PyTorch
    twin's modules ``embedding``, ``lstm`` and ``head``. Keras' default
    initialisers differ from PyTorch's (Glorot/orthogonal, forget bias 1), which is the
    only difference between the two networks.
    """
    if not isinstance(config, ClassifierConfig):
        raise TypeError(f"config must be a ClassifierConfig, got {type(config).__name__}")
    import keras

    ids = keras.Input(shape=(None,), dtype="int32", name="ids")
    x = keras.layers.Embedding(
        config.vocab_size, config.embed_dim, mask_zero=True, name="embedding"
    )(ids)  # (B, T, E), mask (B, T)
    mean = config.readout == "mean"
    lstm = keras.layers.LSTM(config.hidden_size, return_sequences=mean, name="lstm")
    if config.bidirectional:
        lstm = keras.layers.Bidirectional(lstm, merge_mode="concat", name="lstm")
    x = lstm(x)  # (B, T, D*H) if mean else (B, D*H)
    if mean:
        x = keras.layers.GlobalAveragePooling1D(name="pool")(x)  # masked mean: (B, D*H)
    logits = keras.layers.Dense(config.n_classes, name="head")(x)  # (B, C)
    return keras.Model(ids, logits, name="text_classifier")


def copy_torch_to_keras(torch_model, keras_model) -> None:
    """Copy every weight of a :func:`torch_classifier` into a :func:`keras_classifier`
    built from the same config, in place.

    Both frameworks order the LSTM gates ``i, f, g, o``; torch stores ``x W^T`` with two
    biases, Keras ``x W`` with one, so each kernel is transposed and the biases summed.
    Raises ``ValueError`` when the two models were built from different configs.
    """
    cfg = torch_model.config
    got = _keras_config(keras_model)
    if got != cfg:
        raise ValueError(
            f"both models must share one ClassifierConfig: torch has {cfg}, keras has {got}"
        )

    def numpy(t) -> np.ndarray:
        return t.detach().cpu().numpy()

    keras_model.get_layer("embedding").set_weights([numpy(torch_model.embedding.weight)])
    lstm = keras_model.get_layer("lstm")
    layers = [lstm.forward_layer, lstm.backward_layer] if cfg.bidirectional else [lstm]
    for layer, suffix in zip(layers, ["", "_reverse"], strict=False):
        p = {
            n: numpy(getattr(torch_model.lstm, f"{n}_l0{suffix}"))
            for n in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
        }
        layer.set_weights([p["weight_ih"].T, p["weight_hh"].T, p["bias_ih"] + p["bias_hh"]])
    head = keras_model.get_layer("head")
    head.set_weights([numpy(torch_model.head.weight).T, numpy(torch_model.head.bias)])


def _keras_config(model) -> ClassifierConfig:
    """Read the config a :func:`keras_classifier` was built from off its layers."""
    emb = model.get_layer("embedding")
    lstm = model.get_layer("lstm")
    bidirectional = hasattr(lstm, "forward_layer")
    units = lstm.forward_layer.units if bidirectional else lstm.units
    readout = "mean" if any(layer.name == "pool" for layer in model.layers) else "last"
    return ClassifierConfig(
        vocab_size=emb.input_dim,
        n_classes=model.get_layer("head").units,
        embed_dim=emb.output_dim,
        hidden_size=units,
        bidirectional=bidirectional,
        readout=readout,
    )
