from dataclasses import replace

import numpy as np
import pytest

from rnnkit.data.series import (
    SERIES,
    Scaler,
    forecast_baselines,
    load_series,
    make_forecast_data,
    make_windows,
)


@pytest.fixture(scope="module")
def co2():
    return load_series("co2")


@pytest.mark.parametrize("name", SERIES)
def test_packaged_series_load_finite_and_dated(name):
    s = load_series(name)
    assert s.values.ndim == 1 and s.values.size == s.dates.size > 100
    assert np.all(np.isfinite(s.values)) and s.season > 1


def test_co2_is_monthly_1965_to_2001_without_gaps(co2):
    assert co2.values.size == 444 and co2.dates[0] == "1965-01" and co2.dates[-1] == "2001-12"


def test_make_windows_inputs_precede_targets_by_horizon():
    v = np.arange(20, dtype=np.float64)
    x, y, t = make_windows(v, window=5, horizon=3)
    assert x.shape == (13, 5, 1) and y.shape == (13, 1)
    assert np.array_equal(y[:, 0], t) and np.array_equal(x[:, -1, 0], t - 3)
    assert np.array_equal(x[:, 0, 0], t - 3 - 4)


def test_make_windows_refuses_window_longer_than_series():
    with pytest.raises(ValueError, match=r"longer than window \+ horizon - 1 = 10 .* length 8"):
        make_windows(np.zeros(8), window=10)


def test_make_windows_refuses_2d_series():
    with pytest.raises(ValueError, match=r"values must be 1-D \(time,\)"):
        make_windows(np.zeros((8, 2)), window=3)


def test_forecast_splits_are_time_ordered_and_targets_disjoint(co2):
    data = make_forecast_data(co2, window=24)
    b1, b2 = data.boundaries
    assert (
        data.train.t.max() < b1 <= data.val.t.min() and data.val.t.max() < b2 <= data.test.t.min()
    )
    all_t = np.concatenate([data.train.t, data.val.t, data.test.t])
    assert np.array_equal(all_t, np.arange(24, co2.values.size))  # every target exactly once
    assert data.train.x.shape == (len(data.train.t), 24, 1) and data.test.y.shape == (
        len(data.test.t),
        1,
    )
    # no window sees its own target: the scaled inputs equal the values before t
    z = data.scaler.transform(co2.values)
    np.testing.assert_allclose(data.test.x[:, -1, 0], z[data.test.t - 1], rtol=1e-5)


def test_scaler_is_fitted_on_training_period_only(co2):
    data = make_forecast_data(co2, window=12)
    b1 = data.boundaries[0]
    assert data.scaler.mean == pytest.approx(co2.values[:b1].mean())
    changed = co2.values.copy()
    changed[b1:] = 1e6  # anything in val and test
    other = make_forecast_data(replace(co2, values=changed), window=12)
    assert other.scaler == data.scaler
    np.testing.assert_array_equal(other.train.x, data.train.x)


def test_scaler_inverse_transform_round_trips():
    sc = Scaler.fit(np.array([1.0, 2.0, 4.0]))
    x = np.array([0.5, 3.0])
    np.testing.assert_allclose(sc.inverse_transform(sc.transform(x)), x)


def test_forecast_baselines_match_hand_computation(co2):
    data = make_forecast_data(co2, window=24)
    scores = forecast_baselines(data)
    truth, t = co2.values[data.test.t], data.test.t
    assert scores["naive"].mae == pytest.approx(np.mean(np.abs(truth - co2.values[t - 1])))
    seasonal = truth - co2.values[t - 12]
    assert scores["seasonal_naive"].rmse == pytest.approx(np.sqrt(np.mean(seasonal**2)))
    # on CO2 the AR(24) fit beats both naive forecasts
    assert scores["linear"].mae < scores["naive"].mae < scores["seasonal_naive"].mae


def test_make_forecast_data_refuses_window_longer_than_training_period(co2):
    with pytest.raises(ValueError, match="window \\+ horizon must be at most the training period"):
        make_forecast_data(co2, window=400)


def test_load_series_refuses_unknown_name():
    with pytest.raises(ValueError, match="name must be one of 'co2', 'sunspots', 'elnino'"):
        load_series("airline")
