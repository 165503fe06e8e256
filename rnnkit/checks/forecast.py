"""Exercise of chapter 09 (forecasting): cut a series into (window, next value) pairs.

``make_windows(series, window)`` must return ``x (n, window, 1)`` and ``y (n, 1)`` with
``n = len(series) - window``: row ``i`` holds ``series[i : i + window]`` as input and
``series[i + window]``, the value right after the window, as target.
"""

from __future__ import annotations

import numpy as np

from rnnkit.checks.core import Case, CheckResult, compare_arrays, run_check
from rnnkit.data.series import make_windows


def reference_windows(series, window):
    """Reference: :func:`rnnkit.data.series.make_windows` with ``horizon=1`` in float64,
    without the target indices the exercise does not ask for."""
    x, y, _ = make_windows(series, window, dtype=np.float64)
    return x, y


def _compare_pair(got, expected) -> str | None:
    if not (isinstance(got, (tuple, list)) and len(got) == 2):
        return f"return a pair (x, y), got {type(got).__name__}"
    problem = compare_arrays(got[0], expected[0], "x", ("window row", "time", "feature"))
    if problem is None:
        problem = compare_arrays(got[1], expected[1], "y", ("window row", "target"))
    return problem


def _target_inside(series, window):
    x, _ = reference_windows(series, window)
    return x, x[:, -1, :]  # the last input value, not the next one


def _flat_x(series, window):
    x, y = reference_windows(series, window)
    return x[..., 0], y


def _one_window_too_many(series, window):  # fails as the learner's loop does
    series = np.asarray(series, dtype=float)
    pairs = [(series[i : i + window], series[i + window]) for i in range(len(series) - window + 1)]
    x, y = (np.array(column) for column in zip(*pairs, strict=True))
    return x[..., None], y[:, None]


def _one_window_too_few(series, window):
    x, y = reference_windows(series, window)
    return x[:-1], y[:-1]


def _flat_y(series, window):
    x, y = reference_windows(series, window)
    return x, y[:, 0]


def _window_holds_target(series, window):
    x, y = reference_windows(series, window)
    return np.concatenate([x[:, 1:], y[:, :, None]], axis=1), y  # series[i + 1 : i + window + 1]


def _window_on_features(series, window):
    x, y = reference_windows(series, window)
    return x.transpose(0, 2, 1), y  # (n, 1, window)


MISTAKES = [
    (
        "take the target from inside the window (series[i + window - 1]): the model would "
        "only have to copy its last input",
        _target_inside,
    ),
    ("return x as (n, window): recurrent layers need a feature axis, (n, window, 1)", _flat_x),
    ("return y as (n,): keep it (n, 1), the shape of the model's output", _flat_y),
    (
        "stop one window early (range(len(series) - window - 1)): the last pair is lost",
        _one_window_too_few,
    ),
    (
        "make len(series) - window + 1 windows: the last one has no next value to predict",
        _one_window_too_many,
    ),
    (
        "start each window one step late, series[i + 1 : i + window + 1]: the window then "
        "ends with the value it should predict",
        _window_holds_target,
    ),
    (
        "put the window on the feature axis, (n, 1, window): recurrent layers read "
        "(batch, time, features), so x is (n, window, 1)",
        _window_on_features,
    ),
]

CASES = [
    Case("series 0..9, window 3", (np.arange(10.0), 3)),
    Case("a random series of 30 values, window 12", (np.random.default_rng(9).normal(size=30), 12)),
    Case("series of 5 values, window 4 (one pair)", (np.array([3.0, 1.0, 4.0, 1.0, 5.0]), 4)),
]


def check_make_windows(fn) -> CheckResult:
    """Check ``fn(series, window) -> (x (n, window, 1), y (n, 1))``, ``n = len - window``."""
    return run_check(
        "Exercise 9.1 (make_windows)", fn, reference_windows, CASES, _compare_pair, MISTAKES
    )
