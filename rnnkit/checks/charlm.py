"""Exercise of chapter 07 (character language model): sampling with a temperature.

The learner writes ``apply_temperature(logits, tau)`` that turns a model's logits into
next-character probabilities, ``softmax(logits / tau)`` (the book writes the temperature
τ). The reference is
:func:`rnnkit.models.charlm.apply_temperature`. The cases include a batch of rows and
three stress cases, one per way a softmax overflows or underflows:

* large logits at ``τ = 1`` (no maximum subtracted: ``exp(1000)`` is inf);
* ``[10, 9]`` at ``τ = 0.01`` (the maximum of the raw logits subtracted from
  ``logits / τ``: ``exp(1000 - 10)`` is still inf);
* two rows a thousand apart (one maximum for the whole array: the lower row
  underflows to ``0 / 0``);
* ``[0, 800, -800]`` at ``τ = 1`` (a shift by anything but the row's maximum, such as the
  minimum, the mean or the first logit, leaves ``exp(800)``, which is inf).

A batch of shape (2, 2, 4) checks that the softmax runs over the last axis whatever the
number of axes.
"""

from __future__ import annotations

import numpy as np

from rnnkit.checks.core import Case, CheckResult, compare_arrays, run_check


def _reference():
    """The reference, imported on use: ``rnnkit.models.charlm`` imports torch."""
    from rnnkit.models.charlm import apply_temperature

    return apply_temperature


_SMALL_T = (
    "At a small temperature logits / τ is huge (here 1000 and 900): subtract the maximum "
    "of logits / τ itself, so that the largest exponent is exp(0) = 1."
)
_ROW_MAX = (
    "Each row needs its own maximum, z.max(axis=-1, keepdims=True): one maximum for the "
    "whole array leaves the lower row at exp(-2000) = 0, and 0 / 0 is NaN."
)
_ONLY_MAX = (
    "Only the row's maximum is a safe shift: after subtracting it every exponent is at "
    "most 0. Subtracting the minimum, the mean or the first logit leaves exp(800) here, "
    "which is inf."
)


def _cases() -> list[Case]:
    rng = np.random.default_rng(7)
    batch = rng.normal(scale=2.0, size=(3, 6))
    far_apart = np.array([[1000.0, 999.0, 998.0], [-1000.0, -1001.0, -1002.5]])
    return [
        Case("one row of logits, τ = 1", (np.array([2.0, 1.0, 0.1, -1.0, 0.5]), 1.0)),
        Case("a batch of 3 rows, τ = 0.5", (batch, 0.5)),
        Case("a batch of 3 rows, τ = 2", (batch, 2.0)),
        Case("large logits [1000, 999, 990], τ = 1", (np.array([1000.0, 999.0, 990.0]), 1.0)),
        Case("τ = 0.01: nearly the argmax", (np.array([1.0, 1.2, 0.9, -0.3]), 0.01)),
        Case("logits [10, 9], τ = 0.01", (np.array([10.0, 9.0]), 0.01), lesson=_SMALL_T),
        Case("two rows 2000 apart, τ = 1", (far_apart, 1.0), lesson=_ROW_MAX),
        Case(
            "logits [0, 800, -800], τ = 1", (np.array([0.0, 800.0, -800.0]), 1.0), lesson=_ONLY_MAX
        ),
        Case("a (2, 2, 4) array of logits, τ = 1.5", (rng.normal(size=(2, 2, 4)), 1.5)),
    ]


def _softmax_plain(z):
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def _times_t(logits, t):
    z = np.asarray(logits) * t
    return _softmax_plain(z - z.max(axis=-1, keepdims=True))


def _no_max(logits, t):
    return _softmax_plain(np.asarray(logits) / t)


def _raw_max(logits, t):  # exp(logits / τ - max(logits)): the wrong maximum
    z = np.asarray(logits)
    return _softmax_plain(z / t - z.max(axis=-1, keepdims=True))


def _global_max(logits, t):
    z = np.asarray(logits) / t
    return _softmax_plain(z - z.max())


def _sum_without_keepdims(logits, t):  # (3, 6) / (3,): fails to broadcast on a batch
    z = np.asarray(logits) / t
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1)


def _not_normalised(logits, t):
    z = np.asarray(logits) / t
    return np.exp(z - z.max(axis=-1, keepdims=True))


def _ignores_t(logits, t):  # e.g. softmax(logits + τ), or softmax(logits) / τ renormalised
    return _reference()(logits, 1.0)


def _whole_array(logits, t):  # normalised over every entry, not per row
    z = np.asarray(logits) / t
    e = np.exp(z - z.max())
    return e / e.sum()


def _first_axis(logits, t):  # normalised down the columns of a batch
    z = np.asarray(logits) / t
    e = np.exp(z - z.max(axis=0, keepdims=True))
    return e / e.sum(axis=0, keepdims=True)


def _compare(got, expected) -> str | None:
    axes = {1: ("character",), 2: ("row", "character")}.get(np.ndim(expected))
    return compare_arrays(got, expected, "probabilities", axes, rtol=1e-6, atol=1e-9)


# Order matters where two mistakes give the same NaNs on a stress case: the one that
# fails only there comes first (subtracting the raw maximum is right at τ = 1).
MISTAKES = [
    ("multiply the logits by τ instead of dividing by it", _times_t),
    (
        "subtract the maximum of the raw logits from logits / τ (subtract the maximum of "
        "logits / τ, or subtract before dividing)",
        _raw_max,
    ),
    ("exponentiate without subtracting the maximum logit first (exp overflows)", _no_max),
    ("forget to divide by the sum, so the probabilities do not add up to 1", _not_normalised),
    (
        "reduce over axis=-1 without keepdims=True: a batch (rows, V) then meets a (rows,) "
        "array, which NumPy cannot broadcast",
        _sum_without_keepdims,
    ),
    ("leave the temperature without effect (e.g. add τ to the logits)", _ignores_t),
    ("normalise over the whole array instead of over each row (axis=-1)", _whole_array),
    ("normalise over axis 0, down the batch, instead of over each row (axis=-1)", _first_axis),
    (
        "subtract one maximum for the whole array instead of each row's (axis=-1, keepdims=True)",
        _global_max,
    ),
]


def check_apply_temperature(fn) -> CheckResult:
    """Exercise 7.1: ``apply_temperature(logits, tau) -> softmax(logits / tau)`` over the last
    axis."""
    return run_check(
        "Exercise 7.1 (apply_temperature)",
        fn,
        _reference(),
        _cases(),
        _compare,
        MISTAKES,
    )
