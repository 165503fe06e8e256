"""A small Transformer encoder and an LSTM of about the same size, for sequence regression.

Both map ``x`` ``(B, T, features)`` to ``(B, out_size)`` and are what chapter 12 compares
on the adding problem.

:class:`TransformerRegressor` (Vaswani et al., 2017, encoder only): a linear embedding of
each step plus a learned position embedding, ``layers`` pre-norm encoder blocks
(``torch.nn.TransformerEncoderLayer``: multi-head self-attention, then a two-layer ReLU
feed-forward block, each wrapped in a residual connection), a final layer norm, the mean
over time, and a linear head. Every step attends to every other in one matrix product,
so the work per layer is ``O(T^2 d)`` but has no sequential dependence on ``T``.

:class:`LSTMRegressor`: ``torch.nn.LSTM`` and a linear head on the last output ``h_T``.

No Keras twins: the chapter compares architectures, not frameworks, and does it once.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from rnnkit.validation import require_int


@dataclass(frozen=True)
class TransformerConfig:
    """Sizes of :class:`TransformerRegressor`; ``d_model`` must be divisible by ``heads``."""

    features: int = 2
    max_len: int = 64
    d_model: int = 24
    heads: int = 4
    ff: int = 48
    layers: int = 1
    out_size: int = 1

    def __post_init__(self) -> None:
        for name in ("features", "max_len", "d_model", "heads", "ff", "layers", "out_size"):
            require_int(getattr(self, name), f"TransformerConfig.{name}", minimum=1)
        if self.d_model % self.heads:
            raise ValueError(
                f"TransformerConfig.d_model must be divisible by heads, got d_model {self.d_model} "
                f"and heads {self.heads}"
            )


class TransformerRegressor(nn.Module):
    """Encoder-only Transformer: ``(B, T, features) -> (B, out_size)``, with ``T <= max_len``."""

    def __init__(self, config: TransformerConfig | None = None) -> None:
        super().__init__()
        self.config = cfg = config or TransformerConfig()
        self.embed = nn.Linear(cfg.features, cfg.d_model)
        self.position = nn.Parameter(torch.zeros(cfg.max_len, cfg.d_model))
        nn.init.normal_(self.position, std=0.02)
        block = nn.TransformerEncoderLayer(
            cfg.d_model, cfg.heads, cfg.ff, dropout=0.0, batch_first=True, norm_first=True
        )
        self.encoder = nn.TransformerEncoder(
            block, cfg.layers, norm=nn.LayerNorm(cfg.d_model), enable_nested_tensor=False
        )
        self.head = nn.Linear(cfg.d_model, cfg.out_size)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        cfg = self.config
        if x.ndim != 3 or x.shape[-1] != cfg.features or not 1 <= x.shape[1] <= cfg.max_len:
            raise ValueError(
                f"x must have shape (batch, 1..{cfg.max_len}, {cfg.features}), got {tuple(x.shape)}"
            )
        h = self.embed(x) + self.position[: x.shape[1]]  # (B, T, d)
        h = self.encoder(h)  # (B, T, d)
        return self.head(h.mean(dim=1))  # (B, out_size)


class LSTMRegressor(nn.Module):
    """``nn.LSTM`` then a linear head on ``h_T``: ``(B, T, features) -> (B, out_size)``."""

    def __init__(self, hidden_size: int, features: int = 2, out_size: int = 1) -> None:
        super().__init__()
        hidden_size = require_int(hidden_size, "hidden_size", minimum=1)
        self.lstm = nn.LSTM(
            require_int(features, "features", minimum=1), hidden_size, batch_first=True
        )
        self.head = nn.Linear(hidden_size, require_int(out_size, "out_size", minimum=1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out, _ = self.lstm(x)  # (B, T, H)
        return self.head(out[:, -1])  # (B, out_size)


def count_parameters(model: nn.Module) -> int:
    """The number of trainable scalars in ``model``."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)
