"""Synthetic long-dependency tasks of any length ``T``: the adding problem and the copy task.

Both come with the closed-form loss of the best model that remembers nothing, the line
a recurrent network must get below to show it carries information across ``T`` steps.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from rnnkit.validation import require_int

COPY_SYMBOLS = 8  # data symbols 1..8
COPY_LENGTH = 10  # how many symbols to remember
COPY_BLANK, COPY_DELIMITER = 0, COPY_SYMBOLS + 1
COPY_CLASSES = COPY_SYMBOLS + 2  # blank, the symbols, delimiter


@dataclass(frozen=True)
class SequenceTask:
    """Inputs ``x`` and targets ``y`` of one synthetic task (shapes in each task's docstring)."""

    x: np.ndarray
    y: np.ndarray
    baseline: float  # the closed-form loss of the memoryless predictor


def adding_problem(n: int, T: int, seed: int = 0) -> SequenceTask:
    """The adding problem (Hochreiter & Schmidhuber 1997; the form of Le et al. 2015).

    Layout: ``x`` is ``(n, T, 2)`` float32. Channel 0 holds values drawn uniformly from
    ``[0, 1)``; channel 1 is a marker with exactly two ones, one at a position drawn
    uniformly from the first half ``[0, T // 2)`` and one from the second half
    ``[T // 2, T)``. The target ``y`` is ``(n, 1)`` float32, the sum of the two marked
    values. ``baseline`` is :func:`adding_baseline_mse` = 1/6.
    """
    n = require_int(n, "n", minimum=1)
    T = require_int(T, "T", minimum=2)
    rng = np.random.default_rng(require_int(seed, "seed", minimum=0))
    values = rng.random((n, T))  # (n, T)
    first = rng.integers(0, T // 2, size=n)
    second = rng.integers(T // 2, T, size=n)
    marker = np.zeros((n, T))
    rows = np.arange(n)
    marker[rows, first] = 1.0
    marker[rows, second] = 1.0
    x = np.stack([values, marker], axis=-1).astype(np.float32)  # (n, T, 2)
    y = (values[rows, first] + values[rows, second])[:, None].astype(np.float32)  # (n, 1)
    return SequenceTask(x, y, adding_baseline_mse())


def adding_baseline_mse() -> float:
    """MSE of always predicting 1: the target is ``u1 + u2`` with ``u_i ~ U(0, 1)``, so
    ``E[(u1 + u2 - 1)^2] = Var(u1) + Var(u2) = 2 / 12 = 1/6``."""
    return 1.0 / 6.0


def copy_task(n: int, T: int, seed: int = 0) -> SequenceTask:
    """The copy task in the form of Arjovsky, Shah & Bengio (2016), length ``T + 20``.

    Tokens: 0 is the blank, 1..8 the data symbols, 9 the delimiter. Input ``x`` is
    ``(n, T + 20)`` int64: 10 symbols drawn uniformly from 1..8, then ``T - 1`` blanks,
    the delimiter, and 10 more blanks. Target ``y`` (same shape): ``T + 10`` blanks, then
    the 10 symbols of the input, in order. Loss is the per-step cross-entropy over the
    10 classes averaged over all ``T + 20`` steps; ``baseline`` is
    :func:`copy_baseline_xent`.
    """
    n = require_int(n, "n", minimum=1)
    T = require_int(T, "T", minimum=1)
    rng = np.random.default_rng(require_int(seed, "seed", minimum=0))
    symbols = rng.integers(1, COPY_SYMBOLS + 1, size=(n, COPY_LENGTH))  # (n, 10)
    length = T + 2 * COPY_LENGTH
    x = np.full((n, length), COPY_BLANK, dtype=np.int64)  # (n, T + 20)
    x[:, :COPY_LENGTH] = symbols
    x[:, COPY_LENGTH + T - 1] = COPY_DELIMITER
    y = np.full((n, length), COPY_BLANK, dtype=np.int64)  # (n, T + 20)
    y[:, -COPY_LENGTH:] = symbols
    return SequenceTask(x, y, copy_baseline_xent(T))


def copy_baseline_xent(T: int) -> float:
    """Cross-entropy (nats per step) of the best memoryless predictor on the copy task.

    It predicts a blank with certainty for the first ``T + 10`` steps (loss 0) and the
    uniform distribution over the 8 symbols for the last 10 (loss ``ln 8`` each), so
    the average over ``T + 20`` steps is ``10 ln 8 / (T + 20)`` (Arjovsky et al. 2016).
    """
    T = require_int(T, "T", minimum=1)
    return COPY_LENGTH * math.log(COPY_SYMBOLS) / (T + 2 * COPY_LENGTH)
