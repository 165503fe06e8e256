"""Exercise of chapter 07 (character language model): sampling with a temperature.

The learner writes ``apply_temperature(logits, tau)`` that turns a model's logits into
next-character probabilities, ``softmax(logits / tau)`` (the book writes the temperature
τ). The reference is :func:`rnnkit.models.charlm.apply_temperature`. The cases include a
batch of rows, a row of very large logits (a softmax without subtracting the maximum
overflows to ``nan``), a small and a large temperature, so each known mistake fails one
of them.
"""

from __future__ import annotations

import numpy as np

from rnnkit.checks.core import Case, CheckResult, compare_arrays, run_check


def _reference():
    """The reference, imported on use: ``rnnkit.models.charlm`` imports torch."""
    from rnnkit.models.charlm import apply_temperature

    return apply_temperature


def _frozen(array) -> np.ndarray:
    array = np.array(array, dtype=np.float64)
    array.setflags(write=False)
    return array


def _cases() -> list[Case]:
    rng = np.random.default_rng(7)
    batch = _frozen(rng.normal(scale=2.0, size=(3, 6)))
    return [
        Case("one row of logits, τ = 1", (_frozen([2.0, 1.0, 0.1, -1.0, 0.5]), 1.0)),
        Case("a batch of 3 rows, τ = 0.5", (batch, 0.5)),
        Case("a batch of 3 rows, τ = 2", (batch, 2.0)),
        Case("large logits [1000, 999, 990], τ = 1", (_frozen([1000.0, 999.0, 990.0]), 1.0)),
        Case("τ = 0.01: nearly the argmax", (_frozen([1.0, 1.2, 0.9, -0.3]), 0.01)),
    ]


def _softmax_plain(z):
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def _times_t(logits, t):
    z = np.asarray(logits) * t
    return _softmax_plain(z - z.max(axis=-1, keepdims=True))


def _no_max(logits, t):
    with np.errstate(over="ignore", invalid="ignore"):
        return _softmax_plain(np.asarray(logits) / t)


def _not_normalised(logits, t):
    z = np.asarray(logits) / t
    return np.exp(z - z.max(axis=-1, keepdims=True))


def _ignores_t(logits, t):  # e.g. softmax(logits + tau), or softmax(logits) / tau renormalised
    return _reference()(logits, 1.0)


def _whole_array(logits, t):  # normalised over every entry, not per row
    z = np.asarray(logits) / t
    e = np.exp(z - z.max())
    return e / e.sum()


def _compare(got, expected) -> str | None:
    expected = np.asarray(expected, dtype=np.float64)
    if not np.all(np.isfinite(expected)):  # only a mistake's output: match NaN for NaN
        same = np.shape(got) == expected.shape and np.allclose(got, expected, equal_nan=True)
        return None if same else "differs from this mistake"
    return compare_arrays(got, expected, "probabilities", _axes(expected), rtol=1e-6, atol=1e-9)


def _axes(expected: np.ndarray) -> tuple[str, ...]:
    return ("character",) if expected.ndim == 1 else ("row", "character")


MISTAKES = [
    ("multiply the logits by τ instead of dividing by it", _times_t),
    ("exponentiate without subtracting the maximum logit first (exp overflows)", _no_max),
    ("forget to divide by the sum, so the probabilities do not add up to 1", _not_normalised),
    ("leave the temperature without effect (e.g. add τ to the logits)", _ignores_t),
    ("normalise over the whole array instead of over each row (axis=-1)", _whole_array),
]


def check_apply_temperature(fn) -> CheckResult:
    """Exercise 7.1: ``apply_temperature(logits, tau) -> softmax(logits / tau)`` over the last axis."""
    return run_check(
        "Exercise 7.1 (apply_temperature)",
        fn,
        _reference(),
        _cases(),
        _compare,
        MISTAKES,
    )
