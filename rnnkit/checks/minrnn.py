"""Exercise of chapter 12: solve the linear recurrence ``h_t = a_t * h_{t-1} + b_t`` at once.

The learner writes ``linear_scan(a, b, h0)`` in NumPy, ideally without a loop over time
(with ``np.cumsum`` of ``log a`` and ``np.logaddexp.accumulate``, Heinsen 2023). The
checker compares with a plain loop on float64 cases where ``features != hidden``-style
confusions show: ``batch=2``, ``time=5``, ``hidden=3``, and coefficients away from 0 and 1.
A last case runs 2000 steps: there the product ``a_1 ... a_t`` underflows to 0, so the
closed form with ``np.cumprod`` (or ``exp(cumsum(log a))`` outside log space) divides
by zero; only the log-space scan (or a loop) stays finite.
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


def _a_and_b_swapped(a, b, h0):
    return linear_scan_reference(b, a, h0)  # h_t = b_t * h_{t-1} + a_t


def _one_step_late(a, b, h0):
    h = linear_scan_reference(a, b, h0)
    return np.concatenate([h0[:, None], h[:, :-1]], axis=1)  # [h_0, ..., h_{T-1}]


def _sum_not_log(a, b, h0):
    a_star = np.cumsum(a, axis=1)  # cumulative sum of a instead of log a
    return np.exp(a_star) * (h0[:, None] + np.cumsum(b * np.exp(-a_star), axis=1))


def _cumprod(a, b, h0):
    a_star = np.cumprod(a, axis=1)  # underflows to 0 on long sequences
    return a_star * (h0[:, None] + np.cumsum(b / a_star, axis=1))


_LONG = (
    "This case has 2000 steps: the product a_1 ... a_t underflows to 0 (0.6**2000 is "
    "below 1e-300), so b_t / prod gives inf and prod * inf NaN. Work in log space: "
    "a* = cumsum(log a), then np.logaddexp.accumulate over log b - a*."
)

LINEAR_SCAN_MISTAKES = [
    ("leave out h_0 (start the recurrence from zero)", _without_h0),
    ("multiply b_t by a_t too: h_t = a_t * (h_{t-1} + b_t)", _gate_after_adding),
    ("swap a and b: a_t multiplies h_{t-1}, b_t is added", _a_and_b_swapped),
    ("return [h_0, ..., h_{T-1}] instead of [h_1, ..., h_T] (one step late)", _one_step_late),
    ("take the cumulative sum of a_t instead of log a_t (a* must be sum_s log a_s)", _sum_not_log),
    (
        "use the closed form with np.cumprod(a) outside log space, which underflows on "
        "long sequences",
        _cumprod,
    ),
]


def _cases() -> list[Case]:
    rng = np.random.default_rng(12)
    cases = []
    sizes = (("a 2 x 5 x 3 case", (2, 5, 3)), ("a one-step case", (1, 1, 4)))
    for label, (B, T, H) in (*sizes, ("a long case: 2000 steps", (1, 2000, 2))):
        a = rng.uniform(0.2, 0.9, size=(B, T, H))  # (B, T, H)
        b = rng.uniform(0.1, 1.0, size=(B, T, H))  # (B, T, H)
        h0 = rng.uniform(0.5, 2.0, size=(B, H))  # (B, H)
        cases.append(Case(label, (a, b, h0), lesson=_LONG if T > 100 else ""))
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
