"""One-layer recurrent models for the long-dependency tasks of chapter 10.

Two heads on the same recurrent layer (a tanh RNN, an LSTM or a GRU):

* adding problem (regression): ``x (B, T, 2) -> RNN_H -> last output (B, H) -> Dense -> (B, 1)``;
* copy task (per-step classification): tokens ``(B, L)`` -> one-hot ``(B, L, 10)`` ->
  ``RNN_H -> (B, L, H) -> Dense -> logits (B, L, 10)``.

:func:`torch_longdeps` (a :class:`LongDepsModel`) and :func:`keras_longdeps` build the
same architecture from the same :class:`LongDepsConfig` in PyTorch and Keras 3, for
sequences of any length. Both start an LSTM's forget
gate bias at 1 (Keras' ``unit_forget_bias=True``; PyTorch draws it near 0 unless told),
as Jozefowicz, Zaremba and Sutskever (2015) recommend: the cell then keeps most of its
content from the first update on, instead of halving it at every step.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from rnnkit.convert import keras_layer, set_forget_bias, torch_layer
from rnnkit.data.synthetic import COPY_CLASSES
from rnnkit.reference import CELLS
from rnnkit.validation import require_choice, require_ids, require_int

TASKS = ("adding", "copy")


@dataclass(frozen=True)
class LongDepsConfig:
    """``cell`` in ``CELLS``, ``task`` in ``TASKS``, ``hidden_size`` units."""

    cell: str = "lstm"
    task: str = "adding"
    hidden_size: int = 64

    def __post_init__(self) -> None:
        require_choice(self.cell, "cell", CELLS)
        require_choice(self.task, "task", TASKS)
        require_int(self.hidden_size, "hidden_size", minimum=1)


class LongDepsModel(torch.nn.Module):
    """One recurrent layer and a dense head, for the task of ``config``.

    ``forward(x)``: adding, ``x (B, T, 2)`` float -> ``(B, 1)``; copy, ``x (B, L)``
    integer tokens -> logits ``(B, L, 10)``. Raises ``ValueError`` for other inputs.
    """

    def __init__(self, config: LongDepsConfig) -> None:
        super().__init__()
        self.config = config
        features = 2 if config.task == "adding" else COPY_CLASSES
        layer = torch_layer(config.cell)
        self.rnn = layer(features, config.hidden_size, batch_first=True)
        if config.cell == "lstm":
            set_forget_bias(self.rnn)
        self.head = torch.nn.Linear(
            config.hidden_size, 1 if config.task == "adding" else COPY_CLASSES
        )

    def forward(self, x):
        if self.config.task == "adding":
            if x.ndim != 3 or x.shape[-1] != 2:
                raise ValueError(f"adding: x must be (batch, time, 2), got {tuple(x.shape)}")
            out, _ = self.rnn(x)  # (B, T, H)
            return self.head(out[:, -1])  # (B, 1)
        require_ids(x, "copy: x", ("batch", "time"), COPY_CLASSES, tensor=True)
        onehot = torch.nn.functional.one_hot(x.long(), COPY_CLASSES).float()  # (B, L, 10)
        out, _ = self.rnn(onehot)  # (B, L, H)
        return self.head(out)  # (B, L, 10)


def torch_longdeps(config: LongDepsConfig) -> LongDepsModel:
    """The model of ``config`` as a :class:`LongDepsModel` (weights from the torch seed);
    twin of :func:`keras_longdeps`."""
    return LongDepsModel(config)


def keras_longdeps(config: LongDepsConfig):
    """The same model in Keras 3, for sequences of any length; layers ``rnn`` and ``head``."""
    import keras

    layer = keras_layer(config.cell)
    if config.task == "adding":
        return keras.Sequential(
            [
                keras.Input(shape=(None, 2)),  # (B, T, 2)
                layer(config.hidden_size, name="rnn"),  # (B, H)
                keras.layers.Dense(1, name="head"),  # (B, 1)
            ],
            name=f"adding_{config.cell}",
        )
    inputs = keras.Input(shape=(None,), dtype="int32")  # (B, L)
    onehot = keras.ops.one_hot(inputs, COPY_CLASSES)  # (B, L, 10)
    out = layer(config.hidden_size, return_sequences=True, name="rnn")(onehot)  # (B, L, H)
    logits = keras.layers.Dense(COPY_CLASSES, name="head")(out)  # (B, L, 10)
    return keras.Model(inputs, logits, name=f"copy_{config.cell}")
