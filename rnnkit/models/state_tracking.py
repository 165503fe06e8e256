"""Per-step classifiers for the state-tracking tasks of chapter 14.

Every model reads token ids ``x`` ``(B, T)``, one-hot encodes them, runs one sequence
layer and a linear head at every step: logits ``(B, T, classes)``, so that the label of
each prefix (:func:`rnnkit.data.state_tracking.state_task`) is a target. The layer is
one of ``LAYERS``:

* ``"rnn"``, ``"lstm"``, ``"gru"``: ``torch.nn.RNN`` (tanh), ``LSTM``, ``GRU``, whose
  gates and candidates read ``h_{t-1}`` (non-linear recurrences);
* ``"mingru"``: :class:`rnnkit.models.minrnn.MinGRU` (Feng et al., 2024), the linear
  recurrence ``h_t = a_t * h_{t-1} + b_t`` with ``a_t = 1 - z_t`` in ``(0, 1)``;
* ``"mingru_neg"``: :class:`SignedMinGRU`, the same with ``a_t = 1 - 2 z_t`` in
  ``(-1, 1)``, the change of range Grazzi et al. (2025) propose for linear RNNs;
* ``"transformer"``: a causal Transformer encoder (Vaswani et al., 2017) with fixed
  sinusoidal positions, so it runs at any length (position ``t`` attends to ``<= t``).

:func:`torch_state_tracking` builds any of them; :func:`keras_state_tracking`, its twin, builds
the three Keras layers (``"rnn"``, ``"lstm"``, ``"gru"``) with the same layer names
``rnn`` and ``head``. The minGRUs and the Transformer are PyTorch only: the chapter
trains them once, to compare architectures, not frameworks.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from rnnkit.convert import keras_layer, set_forget_bias, torch_layer
from rnnkit.models.minrnn import MinGRU, positive_candidate
from rnnkit.reference import CELLS
from rnnkit.validation import require_choice, require_ids, require_int

LAYERS = (*CELLS, "mingru", "mingru_neg", "transformer")  # Keras builds CELLS only


@dataclass(frozen=True)
class StateTrackingConfig:
    """``cell`` in ``LAYERS``; ``vocab_size`` and ``classes`` of the task; ``hidden_size`` units
    (the model width ``d_model`` of the Transformer, divisible by its 4 heads)."""

    cell: str = "lstm"
    vocab_size: int = 2
    classes: int = 2
    hidden_size: int = 32

    def __post_init__(self) -> None:
        require_choice(self.cell, "cell", LAYERS)
        for name in ("vocab_size", "classes", "hidden_size"):
            require_int(getattr(self, name), name, minimum=1)
        if self.cell == "transformer" and self.hidden_size % 4:
            raise ValueError(
                f"transformer: hidden_size must be divisible by 4 heads, got {self.hidden_size}"
            )


class SignedMinGRU(MinGRU):
    """minGRU whose recurrence coefficient may be negative:
    ``h_t = (1 - 2 z_t) * h_{t-1} + z_t * g(x_t W_h + b_h)``, ``z_t = sigmoid(x_t W_z + b_z)``.

    ``1 - 2 z_t`` spans ``(-1, 1)``: at ``z_t`` near 1 the state flips sign. The log-space
    scan needs positive coefficients, so this layer runs the loop (``mode="sequential"``);
    ``mode="scan"`` raises ``ValueError``. Same parameters as :class:`~rnnkit.models.minrnn.MinGRU`.
    """

    def coefficients(self, k):
        """``(a_t, b_t) = (1 - 2 z_t, z_t * h_tilde_t)`` from ``k = (k_z, k_h)``."""
        k_z, k_h = k
        z = torch.sigmoid(k_z)
        return 1 - 2 * z, z * positive_candidate(k_h)

    def forward(self, x, h0=None, mode: str = "sequential"):
        if mode != "sequential":
            raise ValueError(f"SignedMinGRU runs sequentially only (a_t can be < 0), got {mode!r}")
        return super().forward(x, h0, mode="sequential")


def sinusoidal_positions(T: int, d: int) -> torch.Tensor:
    """``(T, d)``: ``P[t, 2i] = sin(t / 10000^(2i/d))``, ``P[t, 2i+1] = cos(...)`` (Vaswani et al.).
    Raises ``ValueError`` unless ``T >= 1`` and ``d >= 1``."""
    T, d = require_int(T, "T", minimum=1), require_int(d, "d", minimum=1)
    t = torch.arange(T, dtype=torch.float32)[:, None]  # (T, 1)
    freq = torch.exp(-math.log(10000.0) * torch.arange(0, d, 2, dtype=torch.float32) / d)
    angles = t * freq  # (T, ceil(d/2))
    return torch.stack([angles.sin(), angles.cos()], dim=-1).flatten(1)[:, :d]  # (T, d)


class CausalTransformer(nn.Module):
    """Two pre-norm causal encoder blocks (4 heads, feed-forward ``2 * d``) over
    ``(B, T, d)`` inputs, with sinusoidal positions added: ``(B, T, d) -> (B, T, d)``."""

    def __init__(self, d: int) -> None:
        super().__init__()
        block = nn.TransformerEncoderLayer(
            d, 4, 2 * d, dropout=0.0, batch_first=True, norm_first=True
        )
        self.encoder = nn.TransformerEncoder(
            block, 2, norm=nn.LayerNorm(d), enable_nested_tensor=False
        )

    def forward(self, h: torch.Tensor) -> tuple[torch.Tensor, None]:
        T, d = h.shape[1], h.shape[2]
        h = h + sinusoidal_positions(T, d).to(h)  # (B, T, d)
        mask = nn.Transformer.generate_square_subsequent_mask(T, device=h.device, dtype=h.dtype)
        return self.encoder(h, mask=mask, is_causal=True), None  # (B, T, d)


class StateTrackingModel(nn.Module):
    """``x`` ``(B, T)`` token ids -> logits ``(B, T, classes)``; see the module docstring.
    Raises ``ValueError`` for ids that are not ``(B, T)`` integers in ``[0, vocab_size)``."""

    def __init__(self, config: StateTrackingConfig) -> None:
        super().__init__()
        self.config = cfg = config
        self.embed = (
            nn.Linear(cfg.vocab_size, cfg.hidden_size) if cfg.cell == "transformer" else None
        )
        if cfg.cell in CELLS:
            self.rnn = torch_layer(cfg.cell)(cfg.vocab_size, cfg.hidden_size, batch_first=True)
        elif cfg.cell == "transformer":
            self.rnn = CausalTransformer(cfg.hidden_size)
        else:
            self.rnn = (MinGRU if cfg.cell == "mingru" else SignedMinGRU)(
                cfg.vocab_size, cfg.hidden_size
            )
        if cfg.cell == "lstm":
            set_forget_bias(self.rnn)
        self.head = nn.Linear(cfg.hidden_size, cfg.classes)

    @property
    def vocab_size(self) -> int:
        """How many token ids the model reads (``config.vocab_size``)."""
        return self.config.vocab_size

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        require_ids(x, "x", ("batch", "time"), self.config.vocab_size, nonempty=True, tensor=True)
        h = nn.functional.one_hot(x.long(), self.config.vocab_size)  # (B, T, vocab_size)
        h = h.to(self.head.weight.dtype)
        if self.embed is not None:
            h = self.embed(h)  # (B, T, d)
        if isinstance(self.rnn, MinGRU):  # the loop: faster than the scan on a CPU at T = 20
            out, _ = self.rnn(h, mode="sequential")  # (B, T, H)
        else:
            out, _ = self.rnn(h)  # (B, T, H)
        return self.head(out)  # (B, T, classes)


def torch_state_tracking(config: StateTrackingConfig) -> StateTrackingModel:
    """The model of ``config`` (weights from the torch seed); twin of
    :func:`keras_state_tracking`."""
    _require_config(config, "torch_state_tracking")
    return StateTrackingModel(config)


def _require_config(config, factory: str) -> None:
    if not isinstance(config, StateTrackingConfig):
        hint = f" (build one: StateTrackingConfig({config!r}))" if isinstance(config, str) else ""
        raise TypeError(
            f"{factory}: config must be a StateTrackingConfig, got {type(config).__name__}{hint}"
        )


def keras_state_tracking(config: StateTrackingConfig):
    """The same model in Keras 3 for ``cell`` in ``rnnkit.reference.CELLS``, any length: token
    ids ``(B, T)`` -> one-hot -> layer ``rnn`` ``(B, T, H)`` -> layer ``head`` ``(B, T, classes)``.
    Raises ``ValueError`` for the PyTorch-only cells."""
    import keras

    _require_config(config, "keras_state_tracking")
    if config.cell not in CELLS:
        raise ValueError(
            f"keras_state_tracking builds cell in {CELLS}, got {config.cell!r} (PyTorch only)"
        )
    inputs = keras.Input(shape=(None,), dtype="int32")  # (B, T)
    onehot = keras.ops.one_hot(inputs, config.vocab_size)  # (B, T, vocab_size)
    rnn = keras_layer(config.cell)(config.hidden_size, return_sequences=True, name="rnn")
    out = rnn(onehot)  # (B, T, H)
    logits = keras.layers.Dense(config.classes, name="head")(out)  # (B, T, classes)
    model = _keras_token_model()(inputs, logits, name=f"state_tracking_{config.cell}")
    model.vocab_size = config.vocab_size  # fit_keras checks token ids against it, as fit_torch does
    return model


@functools.cache
def _keras_token_model():
    """A functional ``keras.Model`` whose ``predict`` and eager calls check the token ids
    as the torch twin's ``forward`` does (Keras itself casts floats to ints and turns an
    unknown id into a zero one-hot vector)."""
    import keras

    @keras.saving.register_keras_serializable(package="rnnkit")
    class TokenModel(keras.Model):
        def _check(self, x) -> None:
            if isinstance(x, (np.ndarray, list)) or hasattr(x, "numpy"):
                ids = np.asarray(x)
                require_ids(ids, "x", ("batch", "time"), self.vocab_size, nonempty=True)

        def predict(self, x, *args, **kwargs):
            self._check(x)
            return super().predict(x, *args, **kwargs)

        def __call__(self, x, *args, **kwargs):
            self._check(x)
            return super().__call__(x, *args, **kwargs)

    return TokenModel
