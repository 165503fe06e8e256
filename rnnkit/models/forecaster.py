"""Stacked recurrent regressors for one-step forecasting (chapter 09), and recursive forecasts.

The architecture is the one of article E's Keras example (the course's introduction
lists its source articles): a first recurrent layer of 64 units that returns its whole
output sequence, a second of 32 units that returns its last output, and a linear layer
to one value,

    x (B, window, 1) -> RNN_64 -> (B, window, 64) -> RNN_32 -> (B, 32) -> Dense -> (B, 1),

with ``RNN`` an LSTM or a GRU. :func:`torch_forecaster` (a :class:`TorchForecaster`) and
:func:`keras_forecaster` build it from the same :class:`ForecasterConfig`, for any number
of time steps. Parameter counts agree for the GRU (both keep two bias
vectors per gate); PyTorch's LSTM has 4 H more, its second bias ``b_hh`` (see the tests).
:func:`recursive_forecast` turns any one-step model into a multi-step forecast by
feeding each prediction back as the newest input.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch

from rnnkit.convert import keras_layer, torch_layer
from rnnkit.validation import as_float_array, require_choice, require_int

GATED_CELLS = ("lstm", "gru")  # the cells of rnnkit.reference.CELLS with gates


@dataclass(frozen=True)
class ForecasterConfig:
    """Sizes of the stacked regressor: ``cell`` in ``GATED_CELLS``, ``hidden_sizes`` per
    layer."""

    cell: str = "lstm"
    hidden_sizes: tuple[int, ...] = (64, 32)
    features: int = 1

    def __post_init__(self) -> None:
        require_choice(self.cell, "cell", GATED_CELLS)
        if not isinstance(self.hidden_sizes, (tuple, list)) or len(self.hidden_sizes) == 0:
            raise ValueError(
                f"hidden_sizes must be a non-empty tuple of layer sizes, got {self.hidden_sizes!r}"
            )
        for size in self.hidden_sizes:
            require_int(size, "each of hidden_sizes", minimum=1)
        require_int(self.features, "features", minimum=1)


class TorchForecaster(torch.nn.Module):
    """Stacked LSTM/GRU regressor: ``forward(x (B, T, F)) -> (B, 1)``."""

    def __init__(self, config: ForecasterConfig | None = None) -> None:
        super().__init__()
        self.config = config or ForecasterConfig()
        layer = torch_layer(self.config.cell)
        sizes = (self.config.features, *self.config.hidden_sizes)
        self.layers = torch.nn.ModuleList(
            layer(n_in, n_out, batch_first=True)
            for n_in, n_out in zip(sizes[:-1], sizes[1:], strict=True)
        )
        self.head = torch.nn.Linear(sizes[-1], 1)

    def forward(self, x):
        if x.ndim != 3 or x.shape[-1] != self.config.features:
            raise ValueError(
                f"x must have shape (batch, time, {self.config.features}), got {tuple(x.shape)}"
            )
        for layer in self.layers:
            x, _ = layer(x)  # (B, T, H_k)
        return self.head(x[:, -1])  # (B, H_last) -> (B, 1)


def torch_forecaster(config: ForecasterConfig | None = None) -> TorchForecaster:
    """A fresh :class:`TorchForecaster` (weights from the global torch seed); twin of
    :func:`keras_forecaster`."""
    return TorchForecaster(config)


def keras_forecaster(config: ForecasterConfig | None = None):
    """The same stacked regressor in Keras 3, for inputs ``(B, T, features)`` of any ``T``.

    Built with ``keras.Input(shape=...)`` as first layer (Keras 3 warns when a layer
    gets the old ``input_shape=`` argument instead). The dense layer is named ``head``,
    as the PyTorch twin's.
    """
    import keras

    config = config or ForecasterConfig()
    layer = keras_layer(config.cell)
    stack = [keras.Input(shape=(None, config.features))]  # (B, T, F), any T
    for k, units in enumerate(config.hidden_sizes):
        stack.append(layer(units, return_sequences=k < len(config.hidden_sizes) - 1))
    stack.append(keras.layers.Dense(1, name="head"))
    return keras.Sequential(stack, name=f"stacked_{config.cell}")


def recursive_forecast(
    predict: Callable[[np.ndarray], np.ndarray], history: Sequence[float], steps: int
) -> np.ndarray:
    """Forecast ``steps`` values ahead with a one-step model, feeding predictions back.

    ``history`` holds the last ``window`` observed values (1-D, oldest first).
    ``predict`` maps ``x (1, window, 1)`` float32 to one value: a number, or an array
    or tensor with one element, e.g. ``(1, 1)`` (a torch tensor that requires grad
    too: it is detached). Step ``k`` predicts ``y_hat_{k}`` from the newest ``window``
    values of ``[history, y_hat_1, ..., y_hat_{k-1}]``. Returns ``(steps,)`` float64.
    Raises ``TypeError`` when ``predict`` returns something that is not a number, and
    ``ValueError`` when it returns more than one value.
    """
    window = as_float_array(history, "history", ndim=1, dims="(window,)").astype(np.float64)
    steps = require_int(steps, "steps", minimum=1)
    out = np.empty(steps)
    for k in range(steps):
        x = window[None, :, None].astype(np.float32)  # (1, window, 1)
        out[k] = _one_value(predict(x))
        window = np.append(window[1:], out[k])  # drop the oldest, append the forecast
    return out


def _one_value(result) -> float:
    """The single number in what ``predict`` returned (detached if it is a tensor)."""
    if hasattr(result, "detach"):  # torch: a tensor that may require grad
        result = result.detach().cpu().numpy()
    try:
        value = np.asarray(result, dtype=np.float64).ravel()
    except (TypeError, ValueError):
        raise TypeError(
            f"predict must return a number, array or tensor, got {type(result).__name__}"
        ) from None
    if value.size != 1:
        raise ValueError(
            f"predict must return one value for x of shape (1, window, 1), got {value.size}"
        )
    return float(value[0])
