"""Exercise of chapter 10 (long-term dependencies): the copy task's memoryless baseline.

``copy_baseline(T)`` must return the cross-entropy, in nats per step averaged over all
``T + 20`` steps, of the best predictor that remembers nothing: certain blanks for the
first ``T + 10`` steps (loss 0), uniform over the 8 symbols for the last 10 (``ln 8``
each), i.e. ``10 ln 8 / (T + 20)`` (Arjovsky, Shah & Bengio 2016).
"""

from __future__ import annotations

import math

from rnnkit.checks.core import Case, CheckResult, as_scalar, compare_scalar, run_check
from rnnkit.data.synthetic import COPY_CLASSES, COPY_LENGTH, COPY_SYMBOLS, copy_baseline_xent

N, S = COPY_LENGTH, COPY_SYMBOLS  # 10 symbols to recall, each one of 8


def copy_baseline(T):
    """Reference: ``10 ln 8 / (T + 20)`` nats per step."""
    return copy_baseline_xent(T)


def _compare(got, expected) -> str | None:
    if isinstance(got, (list, tuple)):
        return f"return one number (nats per step), not a {type(got).__name__} of {len(got)}"
    if as_scalar(got) is None:
        return f"return one number (nats per step), got {type(got).__name__}"
    return compare_scalar(got, expected, "the baseline")


MISTAKES = [
    (
        "divide by T instead of T + 20 (the sequence has T + 20 steps: 10 symbols, T - 1 "
        "blanks, the delimiter and 10 answer steps)",
        lambda T: N * math.log(S) / T,
    ),
    (
        "measure in bits (log base 2): cross-entropy losses in PyTorch and Keras use the "
        "natural log, nats",
        lambda T: N * math.log2(S) / (T + 2 * N),
    ),
    (
        "count one uncertain step instead of the 10 symbols to recall",
        lambda T: math.log(S) / (T + 2 * N),
    ),
    (
        "spread the guess over all 10 classes (ln 10): blank and delimiter never appear in "
        "the answer, so the best guess is uniform over the 8 symbols",
        lambda T: N * math.log(COPY_CLASSES) / (T + 2 * N),
    ),
    (
        "average over the last 10 steps only (ln 8): the loss is averaged over every step",
        lambda T: math.log(S),
    ),
    (
        "divide by T + 10: the sequence has T + 20 steps (10 symbols, T - 1 blanks, the "
        "delimiter, 10 answer steps)",
        lambda T: N * math.log(S) / (T + N),
    ),
    (
        "return the log-probability instead of the loss: a cross-entropy -log q is "
        "positive, here +10 ln 8 / (T + 20)",
        lambda T: -N * math.log(S) / (T + 2 * N),
    ),
]

CASES = [Case("T = 10", (10,)), Case("T = 100", (100,)), Case("T = 1", (1,))]


def check_copy_baseline(fn) -> CheckResult:
    """Check ``fn(T) -> float``: the memoryless copy-task cross-entropy in nats per step."""
    return run_check(
        "Exercise 10.1 (copy-task baseline)", fn, copy_baseline, CASES, _compare, MISTAKES
    )
