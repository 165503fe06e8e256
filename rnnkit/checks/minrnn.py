"""Exercise of chapter 12: solve the linear recurrence ``h_t = a_t * h_{t-1} + b_t`` at once.

The learner writes ``linear_scan(a, b, h0)`` in NumPy, ideally without a loop over time
(with ``np.cumsum`` of ``log a`` and ``np.logaddexp.accumulate``, Heinsen 2023). The
checker compares with a plain loop on float64 cases where ``features != hidden``-style
confusions show: ``batch=2``, ``time=5``, ``hidden=3``, and coefficients away from 0 and 1.
"""

from __future__ import annotations

import numpy as np

from rnnkit.checks.core import Case, CheckResult, compare_arrays, run_check

_AXES = ("batch", "time", "hidden")


def linear_scan_reference(a: np.ndarray, b: np.ndarray, h0: np.ndarray) -> np.ndarray:
    """``h`` ``(B, T, H)`` with ``h_t = a_t * h_{t-1} + b_t`` from ``h0`` ``(B, H)``, by a loop."""
    h, states = h0, []
    for t in range(a.shape[1]):
        h = a[:, t] * h + b[:, t]
        states.append(h)
    return np.stack(states, axis=1)  # (B, T, H)


def _without_h0(a, b, h0):
    return linear_scan_reference(a, b, np.zeros_like(h0))


def _gate_after_adding(a, b, h0):
    h, states = h0, []
    for t in range(a.shape[1]):
        h = a[:, t] * (h + b[:, t])
        states.append(h)
    return np.stack(states, axis=1)


def _one_step_late(a, b, h0):
    h = linear_scan_reference(a, b, h0)
    return np.concatenate([h0[:, None], h[:, :-1]], axis=1)  # [h_0, ..., h_{T-1}]


def _sum_not_log(a, b, h0):
    a_star = np.cumsum(a, axis=1)  # cumulative sum of a instead of log a
    return np.exp(a_star) * (h0[:, None] + np.cumsum(b * np.exp(-a_star), axis=1))


LINEAR_SCAN_MISTAKES = [
    ("leave out h_0 (start the recurrence from zero)", _without_h0),
    ("multiply b_t by a_t too: h_t = a_t * (h_{t-1} + b_t)", _gate_after_adding),
    ("return [h_0, ..., h_{T-1}] instead of [h_1, ..., h_T] (one step late)", _one_step_late),
    ("take the cumulative sum of a_t instead of log a_t (a* must be sum_s log a_s)", _sum_not_log),
]


def _cases() -> list[Case]:
    rng = np.random.default_rng(12)
    cases = []
    for label, (B, T, H) in (("a 2 x 5 x 3 case", (2, 5, 3)), ("a one-step case", (1, 1, 4))):
        a = rng.uniform(0.2, 0.9, size=(B, T, H))  # (B, T, H)
        b = rng.uniform(0.1, 1.0, size=(B, T, H))  # (B, T, H)
        h0 = rng.uniform(0.5, 2.0, size=(B, H))  # (B, H)
        for array in (a, b, h0):
            array.setflags(write=False)
        cases.append(Case(label, (a, b, h0)))
    return cases


def _compare(got, expected) -> str | None:
    return compare_arrays(got, expected, "h", _AXES)


def check_linear_scan(fn) -> CheckResult:
    """Exercise 12.1: ``fn(a, b, h0) -> h`` solves ``h_t = a_t * h_{t-1} + b_t`` for all ``t``."""
    return run_check(
        "Exercise 12.1 (linear scan)",
        fn,
        linear_scan_reference,
        _cases(),
        _compare,
        LINEAR_SCAN_MISTAKES,
    )
