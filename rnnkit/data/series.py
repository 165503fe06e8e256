"""Univariate time series that ship inside installed packages, windowed for forecasting.

Default: the Mauna Loa CO2 record shipped with statsmodels (``statsmodels.datasets.co2``;
Keeling & Whorf 2004, Scripps Institution of Oceanography, public domain). It is weekly
with 59 missing weeks; we take calendar-month means and keep January 1965 to December
2001, the stretch where every month has readings (five earlier months have none), so
every value is a measurement, never an imputation: 444 monthly values with a rising
trend and a clear 12-month season. Also available: ``"sunspots"`` (yearly Wolf numbers 1700-2008,
public domain, NOAA; an irregular ~11-year cycle, ``season=11``) and ``"elnino"`` (monthly Nino 1+2
sea-surface temperature 1950-2010, public domain, NOAA; ``season=12``).

Pipeline: :func:`load_series` → :func:`make_forecast_data` (contiguous train/val/test by
target time, a :class:`Scaler` fitted on the training period only, windows of shape
``(n, window, 1)``) → :func:`forecast_baselines` (naive, seasonal naive and a linear
AR(window) model, scored in original units).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rnnkit.validation import as_float_array, require_choice, require_int

SERIES = ("co2", "sunspots", "elnino")
FRACTIONS = (0.70, 0.15, 0.15)


@dataclass(frozen=True)
class Series:
    """One univariate series: float64 ``values`` (N,), ISO ``dates`` (N,), season length."""

    name: str
    values: np.ndarray
    dates: np.ndarray
    season: int
    units: str
    source: str


def load_series(name: str = "co2") -> Series:
    """Load one of :data:`SERIES` from the package that ships it (nothing is downloaded)."""
    name = require_choice(name, "name", SERIES)
    import statsmodels.api as sm

    if name == "co2":
        weekly = sm.datasets.co2.load_pandas().data["co2"]
        monthly = weekly.resample("MS").mean()  # the 59 missing weeks are skipped by mean()
        monthly = monthly.loc["1965-01-01":]  # 1958-06, 1958-10 and 1964-02..04 have no data
        values, dates = monthly.to_numpy(float), monthly.index.strftime("%Y-%m").to_numpy()
        return Series(
            name, values, dates, 12, "ppm", "statsmodels co2 (Keeling & Whorf 2004), monthly means"
        )
    if name == "sunspots":
        df = sm.datasets.sunspots.load_pandas().data
        dates = df["YEAR"].astype(int).astype(str).to_numpy()
        return Series(
            name,
            df["SUNACTIVITY"].to_numpy(float),
            dates,
            11,
            "sunspot number",
            "statsmodels sunspots (NOAA)",
        )
    df = sm.datasets.elnino.load_pandas().data
    months = df.columns[1:]
    values = df[months].to_numpy(float).ravel()  # (years * 12,) row-major: Jan..Dec per year
    dates = np.array([f"{int(y)}-{m:02d}" for y in df["YEAR"] for m in range(1, 13)])
    return Series(name, values, dates, 12, "deg C", "statsmodels elnino (NOAA ERSST Nino 1+2)")


@dataclass(frozen=True)
class Scaler:
    """Standardisation ``z = (x - mean) / std`` with ``mean`` and ``std`` from training data."""

    mean: float
    std: float

    @classmethod
    def fit(cls, x) -> Scaler:
        x = as_float_array(x, "x")
        if x.size < 2:
            raise ValueError(f"x must hold at least 2 values to fit a Scaler, got {x.size}")
        std = float(x.std())
        return cls(float(x.mean()), std if std > 0 else 1.0)

    def transform(self, x):
        return (np.asarray(x) - self.mean) / self.std

    def inverse_transform(self, z):
        return np.asarray(z) * self.std + self.mean


def make_windows(
    values, window: int, horizon: int = 1, dtype=np.float32
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """All windows of a 1-D series with the value ``horizon`` steps after each.

    For every target index ``t`` in ``[window + horizon - 1, N)``, the input is
    ``values[t - horizon - window + 1 : t - horizon + 1]``, so the last input is
    ``horizon`` steps before the target. Returns ``x (n, window, 1)``, ``y (n, 1)``
    (in ``dtype``: float32 for training, float64 for exercise 9.1's reference) and the
    target indices ``t (n,)``.

    Raises ``ValueError`` if the series is not 1-D or too short for one window.
    """
    values = as_float_array(values, "values", ndim=1, dims="(time,)")
    window = require_int(window, "window", minimum=1)
    horizon = require_int(horizon, "horizon", minimum=1)
    if values.size < window + horizon:
        raise ValueError(
            f"values must be longer than window + horizon - 1 = {window + horizon - 1} for one "
            f"window, got a series of length {values.size}"
        )
    t = np.arange(window + horizon - 1, values.size)  # (n,)
    starts = t - horizon - window + 1
    x = values[starts[:, None] + np.arange(window)[None, :]]  # (n, window)
    return x[..., None].astype(dtype), values[t][:, None].astype(dtype), t


@dataclass(frozen=True)
class WindowSplit:
    """Scaled windows ``x (n, window, 1)``, scaled targets ``y (n, 1)``, target indices
    ``t (n,)``."""

    x: np.ndarray
    y: np.ndarray
    t: np.ndarray


@dataclass(frozen=True)
class ForecastData:
    """A series, its train-fitted scaler, and train/val/test windows split by target time."""

    series: Series
    window: int
    horizon: int
    scaler: Scaler
    train: WindowSplit
    val: WindowSplit
    test: WindowSplit
    boundaries: tuple[int, int]  # first target index of val and of test


def make_forecast_data(series: Series, window: int = 24, horizon: int = 1) -> ForecastData:
    """Window a series and split the windows by the time of their target, 70/15/15.

    Targets with index ``t < b1`` are training targets, ``b1 <= t < b2`` validation and
    ``t >= b2`` test (``b1 = 0.70 N``, ``b2 = 0.85 N``), so no target appears in two
    splits. Validation and test inputs may reach back into earlier periods, as they
    would at forecast time. The scaler sees only ``values[:b1]``, the training period.
    """
    values = as_float_array(series.values, "series.values", ndim=1, dims="(time,)")
    n = values.size
    b1, b2 = int(n * FRACTIONS[0]), int(n * (FRACTIONS[0] + FRACTIONS[1]))
    window = require_int(window, "window", minimum=1)
    horizon = require_int(horizon, "horizon", minimum=1)
    if window + horizon > b1:
        raise ValueError(
            f"window + horizon must be at most the training period ({b1} of {n} steps) so that "
            f"training has a target, got window={window}, horizon={horizon}"
        )
    scaler = Scaler.fit(values[:b1])
    x, y, t = make_windows(scaler.transform(values), window, horizon)
    parts = [(t < b1), (t >= b1) & (t < b2), (t >= b2)]
    splits = [WindowSplit(x[m], y[m], t[m]) for m in parts]
    return ForecastData(series, window, horizon, scaler, *splits, (b1, b2))


@dataclass(frozen=True)
class Scores:
    """Mean absolute and root-mean-square error, in the series' own units."""

    mae: float
    rmse: float

    @classmethod
    def of(cls, truth: np.ndarray, pred: np.ndarray) -> Scores:
        err = np.asarray(pred, float).ravel() - np.asarray(truth, float).ravel()
        return cls(float(np.mean(np.abs(err))), float(np.sqrt(np.mean(err**2))))


def forecast_baselines(data: ForecastData, split: str = "test") -> dict[str, Scores]:
    """MAE and RMSE of three baselines on one split, in original units.

    * ``naive``: the last observed value, ``y_hat_t = v[t - h]``;
    * ``seasonal_naive``: the value one season before the target, ``y_hat_t = v[t - s]``
      (needs ``s >= h``, otherwise that value is not yet observed);
    * ``linear``: least squares ``y_hat = w . window + b`` fitted on the training windows,
      an AR(window) model.
    """
    require_choice(split, "split", ("train", "val", "test"))
    part = getattr(data, split)
    values, s, h = data.series.values, data.series.season, data.horizon
    truth = values[part.t]
    out = {"naive": Scores.of(truth, values[part.t - h])}
    if s >= h and np.all(part.t - s >= 0):
        out["seasonal_naive"] = Scores.of(truth, values[part.t - s])
    design = np.concatenate([data.train.x[..., 0], np.ones((len(data.train.t), 1))], axis=1)
    coef, *_ = np.linalg.lstsq(design.astype(np.float64), data.train.y[:, 0].astype(np.float64))
    pred = np.concatenate([part.x[..., 0], np.ones((len(part.t), 1))], axis=1) @ coef
    out["linear"] = Scores.of(truth, data.scaler.inverse_transform(pred))
    return out
