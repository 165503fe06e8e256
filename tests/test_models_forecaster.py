import numpy as np
import pytest
import torch

from rnnkit.models.forecaster import (
    ForecasterConfig,
    keras_forecaster,
    recursive_forecast,
    torch_forecaster,
)


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_forecaster_twins_map_any_window_to_one_value_and_differ_only_in_torch_lstm_biases(cell):
    config = ForecasterConfig(cell=cell)
    t_model = torch_forecaster(config)
    k_model = keras_forecaster(config)
    for window in (12, 5):  # both read windows of any length
        x = np.zeros((3, window, 1), np.float32)
        assert tuple(t_model(torch.from_numpy(x)).shape) == (3, 1)
        assert k_model(x).shape == (3, 1)
    n_torch = sum(p.numel() for p in t_model.parameters())
    extra_biases = 4 * (64 + 32) if cell == "lstm" else 0  # torch: b_ih and b_hh per LSTM gate
    assert n_torch == k_model.count_params() + extra_biases


def test_forecaster_learns_a_sine_one_step_ahead():
    from rnnkit.train import fit_torch

    torch.manual_seed(0)
    v = np.sin(np.arange(200) * 2 * np.pi / 12).astype(np.float32)
    x = np.stack([v[i : i + 12] for i in range(180)])[..., None]
    y = v[12:192, None]
    model = torch_forecaster(ForecasterConfig(cell="gru", hidden_sizes=(16, 8)))
    h = fit_torch(model, (x, y), loss="mse", metrics=(), epochs=30, lr=1e-2, progress=False)
    assert h["loss"][-1] < 0.05 * h["loss"][0]


def test_recursive_forecast_feeds_predictions_back():
    # "predict" = sum of the window: with history [1, 1] the forecasts are 2, 3, 5, 8.
    out = recursive_forecast(lambda x: x.sum(axis=1), [1.0, 1.0], 4)
    assert np.array_equal(out, [2.0, 3.0, 5.0, 8.0])


def test_recursive_forecast_rejects_2d_history():
    with pytest.raises(ValueError, match=r"history must be 1-D \(window,\), got shape \(2, 2\)"):
        recursive_forecast(lambda x: x[:, -1], np.ones((2, 2)), 3)


def test_recursive_forecast_rejects_predict_with_many_outputs():
    with pytest.raises(ValueError, match="predict must return one value"):
        recursive_forecast(lambda x: x, [1.0, 2.0], 3)


def test_forecaster_config_rejects_unknown_cell_and_empty_hidden():
    with pytest.raises(ValueError, match="cell"):
        ForecasterConfig(cell="rnn")
    with pytest.raises(ValueError, match="hidden_sizes must be a non-empty tuple"):
        ForecasterConfig(hidden_sizes=())


def test_torch_forecaster_rejects_missing_feature_axis():
    model = torch_forecaster()
    with pytest.raises(ValueError, match=r"x must have shape \(batch, time, 1\), got \(2, 5\)"):
        model(torch.zeros(2, 5))


@pytest.mark.parametrize(
    "cell, expected", [("lstm", "cde9a4740f2342d3"), ("gru", "23ab2be65e782def")]
)
def test_seeded_torch_forecaster_keeps_its_weights(cell, expected, parameter_digest):
    # The digests were computed with torch 2.13.0 before the class moved out of the
    # factory function: the same seed must still give the same layers and weights.
    torch.manual_seed(0)
    model = torch_forecaster(ForecasterConfig(cell=cell, hidden_sizes=(4, 3)))
    assert parameter_digest(model) == expected


def test_recursive_forecast_detaches_a_torch_prediction_that_requires_grad():
    weight = torch.ones(1, requires_grad=True)
    out = recursive_forecast(lambda x: weight * torch.as_tensor(x).sum(), [1.0, 1.0], 3)
    assert np.array_equal(out, [2.0, 3.0, 5.0])


def test_recursive_forecast_refuses_a_prediction_that_is_not_a_number():
    with pytest.raises(TypeError, match="predict must return a number, array or tensor, got str"):
        recursive_forecast(lambda x: "up", [1.0, 2.0], 2)
