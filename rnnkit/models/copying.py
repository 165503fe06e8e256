"""One small model around four sequence mixers, for the copying tasks of chapter 16.

The same block for every mixer, so that only the mixer differs::

    embedding -> 2 x [ x + W_out gelu(mixer(LayerNorm(x))) ] -> LayerNorm -> head,

with the logits of the last ``answers`` positions only (the loss is on the answers).

===============  ====================================================================
``cell``         mixer ``(batch, T, d) -> (batch, T, d)``
===============  ====================================================================
``"lstm"``       ``torch.nn.LSTM(d, d)``: gates read ``h_{t-1}``, no parallel form
``"s4d"``        :class:`~rnnkit.models.ssm.DiagonalLTI` (chapter 15), FFT form:
                 time-invariant
``"selective"``  :class:`~rnnkit.models.selective.SelectiveSSM`, chunked form:
                 ``Delta_t``, ``B_t``, ``C_t`` from ``x_t``
``"mingru"``     :class:`~rnnkit.models.minrnn.MinGRU` (chapter 12), log-space scan
===============  ====================================================================
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from rnnkit.models.minrnn import MinGRU
from rnnkit.models.selective import SelectiveConfig, SelectiveSSM
from rnnkit.models.ssm import DiagonalLTI, LTIConfig
from rnnkit.validation import require_choice, require_int

MIXERS = ("lstm", "s4d", "selective", "mingru")  # what `cell` may name: the mixer of every layer


@dataclass(frozen=True)
class CopyingConfig:
    """The model's sizes, one per mixer family."""

    cell: str = "selective"
    vocab_size: int = 10  # noise, marker and 8 data tokens
    embed_dim: int = 32  # d: the width of every layer
    state: int = 16  # N of the SSM mixers (ignored by the LSTM and minGRU)
    layers: int = 2  # residual layers
    answers: int = 4  # logits for the last `answers` positions

    def __post_init__(self) -> None:
        require_choice(self.cell, "cell", MIXERS)
        for name in ("vocab_size", "embed_dim", "state", "layers", "answers"):
            require_int(getattr(self, name), f"CopyingConfig.{name}", minimum=1)


class _Mixer(nn.Module):
    """The mixer of one cell behind one signature, ``(batch, T, d) -> (batch, T, d)``."""

    def __init__(self, config: CopyingConfig) -> None:
        super().__init__()
        d, cell = config.embed_dim, config.cell
        self.cell = cell
        if cell == "lstm":
            self.layer = nn.LSTM(d, d, batch_first=True)
        elif cell == "s4d":
            self.layer = DiagonalLTI(LTIConfig(channels=d, state=config.state))
        elif cell == "selective":
            self.layer = SelectiveSSM(SelectiveConfig(channels=d, state=config.state))
        else:
            self.layer = MinGRU(d, d)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.cell == "s4d":
            return self.layer(x, "fft")
        if self.cell == "selective":
            return self.layer(x, "chunked")
        return self.layer(x)[0]  # LSTM and minGRU return (outputs, state)


class _Residual(nn.Module):
    def __init__(self, config: CopyingConfig) -> None:
        super().__init__()
        d = config.embed_dim
        self.norm = nn.LayerNorm(d)
        self.mixer = _Mixer(config)
        self.out = nn.Linear(d, d)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.out(nn.functional.gelu(self.mixer(self.norm(x))))  # (b, T, d)


class CopyingModel(nn.Module):
    """Token ids ``(batch, T)`` -> logits ``(batch, answers, vocab_size)`` of the last
    ``answers`` positions."""

    def __init__(self, config: CopyingConfig) -> None:
        super().__init__()
        self.config = c = config
        self.embed = nn.Embedding(c.vocab_size, c.embed_dim)
        self.layers = nn.ModuleList(_Residual(c) for _ in range(c.layers))
        self.norm = nn.LayerNorm(c.embed_dim)
        self.head = nn.Linear(c.embed_dim, c.vocab_size)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        K = self.config.answers
        if x.ndim != 2 or x.shape[1] < K:
            raise ValueError(
                f"x must have shape (batch, T >= {K}) of token ids, got {tuple(x.shape)}"
            )
        h = self.embed(x)  # (b, T, d)
        for layer in self.layers:
            h = layer(h)  # (b, T, d)
        return self.head(self.norm(h[:, -K:]))  # (b, K, vocab_size)


def torch_copying(cell: str = "selective", **sizes) -> CopyingModel:
    """The copying model with mixer ``cell`` (one of ``MIXERS``) and the other fields
    of :class:`CopyingConfig` as keywords."""
    return CopyingModel(CopyingConfig(cell=cell, **sizes))


def answer_accuracy(model: nn.Module, x, y, batch_size: int = 256) -> float:
    """Share of answers ``y`` ``(n, answers)`` the model gets right on inputs ``x``
    ``(n, T)`` (arrays or tensors of token ids), in evaluation mode without gradients."""
    x, y = torch.as_tensor(x), torch.as_tensor(y)
    if x.ndim != 2 or y.ndim != 2 or len(x) != len(y):
        raise ValueError(
            f"x must be (n, T) and y (n, answers), got {tuple(x.shape)} and {tuple(y.shape)}"
        )
    model.eval()
    right = 0
    with torch.no_grad():
        for i in range(0, len(x), batch_size):
            right += int((model(x[i : i + batch_size]).argmax(-1) == y[i : i + batch_size]).sum())
    model.train()
    return right / y.numel()
