"""The chapter-12 Transformer encoder and its LSTM baseline: shapes, parameter count and
one-line errors for inputs they cannot read."""

import pytest
import torch

from rnnkit.models import count_parameters
from rnnkit.models.regressor import LSTMRegressor
from rnnkit.models.transformer import TransformerConfig, TransformerRegressor


def test_transformer_and_lstm_regressors_map_sequences_to_one_value():
    x = torch.rand(3, 10, 2)
    assert TransformerRegressor(TransformerConfig(max_len=10))(x).shape == (3, 1)
    assert LSTMRegressor(8)(x).shape == (3, 1)
    assert count_parameters(LSTMRegressor(8)) == 4 * 8 * (2 + 8 + 2) + 8 + 1


def test_transformer_refuses_sequences_longer_than_its_positions_and_bad_heads():
    with pytest.raises(
        ValueError, match=r"x must have shape \(batch, 1..10, 2\), got \(3, 11, 2\)"
    ):
        TransformerRegressor(TransformerConfig(max_len=10))(torch.rand(3, 11, 2))
    with pytest.raises(
        ValueError, match="d_model must be divisible by heads, got d_model 10 and heads 4"
    ):
        TransformerConfig(d_model=10)
