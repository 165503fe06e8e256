"""State-tracking tasks of any length: parity, sum modulo m, majority, and the S3 word problem.

Each task reads a string of tokens ``x_1 .. x_T`` and asks, after every prefix, for a
quantity that summarises the whole prefix (its *state*):

=========================  ======================  ============================  ==========
task                       tokens                  label after ``x_1 .. x_t``     classes
=========================  ======================  ============================  ==========
``"parity"``               bits 0, 1               number of ones mod 2           2
``"mod3"``                 0, 1, 2                 sum mod 3                      3
``"majority"``             bits 0, 1               1 if ones > zeros, else 0      2
``"s3"``                   the 6 permutations      their composition, a           6
                           of three objects        permutation of three objects
=========================  ======================  ============================  ==========

The targets are dense: ``y[:, t]`` is the label of the prefix of length ``t + 1``, so
one string of length ``T`` teaches every length from 1 to ``T``. Parity and the sum mod
3 are modular-counting tasks as in Delétang et al. (2023); S3 composition is the
smallest non-commutative case of the group "word problems" that Merrill, Petty and
Sabharwal (2024) use to study state tracking. Tokens are drawn
uniformly, so the label of parity, mod 3 and S3 is uniform at every length (the
chance accuracy is ``1 / classes``); majority's is not (ties count as 0), and
:func:`chance_accuracy` gives the best constant guess exactly.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np

from rnnkit.validation import require_choice, require_int

# The 6 permutations of (0, 1, 2) in lexicographic order; token k is PERMUTATIONS[k].
PERMUTATIONS = tuple(itertools.permutations(range(3)))
_INDEX = {p: k for k, p in enumerate(PERMUTATIONS)}
# COMPOSE[i, j]: the index of "apply PERMUTATIONS[i], then PERMUTATIONS[j]".
COMPOSE = np.array(
    [[_INDEX[tuple(q[p[e]] for e in range(3))] for q in PERMUTATIONS] for p in PERMUTATIONS]
)
IDENTITY = _INDEX[(0, 1, 2)]

TASKS = {
    "parity": (2, 2),
    "mod3": (3, 3),
    "majority": (2, 2),
    "s3": (6, 6),
}  # (vocab_size, classes)


@dataclass(frozen=True)
class StateTask:
    """Tokens ``x`` ``(n, T)`` int64, dense labels ``y`` ``(n, T)`` int64 (``y[:, t]`` is
    the label of the prefix ``x[:, :t + 1]``), and the task's sizes."""

    name: str
    x: np.ndarray
    y: np.ndarray
    vocab_size: int  # size of the input alphabet
    classes: int  # number of labels


def state_task(name: str, n: int, T: int, seed: int = 0) -> StateTask:
    """``n`` strings of length ``T`` of task ``name`` (a key of ``TASKS``), drawn with
    ``numpy.random.default_rng(seed)``, with the labels of every prefix.

    Same ``(name, n, T, seed)``, same arrays. Raises ``ValueError`` for an unknown task,
    ``n < 1``, ``T < 1`` or a negative seed.
    """
    require_choice(name, "name", tuple(TASKS))
    n = require_int(n, "n", minimum=1)
    T = require_int(T, "T", minimum=1)
    rng = np.random.default_rng(require_int(seed, "seed", minimum=0))
    vocab_size, classes = TASKS[name]
    x = rng.integers(0, vocab_size, size=(n, T), dtype=np.int64)  # (n, T)
    return StateTask(name, x, prefix_labels(name, x), vocab_size, classes)


def prefix_labels(name: str, x: np.ndarray) -> np.ndarray:
    """The label of every prefix of the token strings ``x`` ``(n, T)``: ``(n, T)`` int64."""
    require_choice(name, "name", tuple(TASKS))
    x = np.asarray(x)
    if x.ndim != 2 or not np.issubdtype(x.dtype, np.integer):
        raise ValueError(f"x must be an integer array (n, T), got {x.dtype} {x.shape}")
    vocab_size = TASKS[name][0]
    if x.size and (x.min() < 0 or x.max() >= vocab_size):
        raise ValueError(
            f"{name}: tokens must be in [0, {vocab_size - 1}], got [{x.min()}, {x.max()}]"
        )
    if name in ("parity", "mod3"):
        return np.cumsum(x, axis=1) % vocab_size  # (n, T)
    if name == "majority":
        ones = np.cumsum(x, axis=1)  # (n, T)
        lengths = np.arange(1, x.shape[1] + 1)  # (T,)
        return (2 * ones > lengths).astype(np.int64)  # (n, T)
    state = np.full(x.shape[0], IDENTITY)  # (n,)
    labels = np.empty_like(x)
    for t in range(x.shape[1]):
        state = COMPOSE[state, x[:, t]]
        labels[:, t] = state
    return labels


def chance_accuracy(name: str, T: int) -> float:
    """Accuracy at length ``T`` of the best guess that ignores the input (the most
    frequent label): ``1 / classes`` for parity, mod 3 and S3; for majority,
    ``P(ones <= T / 2)`` under a fair coin, ``1/2 + C(T, T/2) / 2^(T+1)`` for even ``T``
    and ``1/2`` for odd ``T``."""
    require_choice(name, "name", tuple(TASKS))
    T = require_int(T, "T", minimum=1)
    if name != "majority":
        return 1.0 / TASKS[name][1]
    if T % 2:
        return 0.5
    return 0.5 + math.exp(math.lgamma(T + 1) - 2 * math.lgamma(T / 2 + 1) - T * math.log(2)) / 2
