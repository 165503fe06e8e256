"""The recurrent regressor: one ``torch.nn.LSTM`` and a linear head on its last output
``h_T``, ``x`` ``(B, T, features)`` to ``(B, out_size)``. Chapter 12 compares it with a
Transformer of about the same size (:mod:`rnnkit.models.transformer`);
:mod:`rnnkit.distributed` trains it on several processes.
"""

from __future__ import annotations

import torch
from torch import nn

from rnnkit.validation import require_int


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
