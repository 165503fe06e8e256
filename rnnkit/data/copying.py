"""Copying and selective copying (Gu and Dao 2023, section 3.1), at any length.

A sequence is a *context* of ``length`` tokens, then a marker, then ``tokens - 1``
blanks; the model must output the ``tokens`` data tokens of the context, in order, at
the last ``tokens`` positions (the marker's and the blanks'). Only those positions
are scored, so ``y`` holds just the answers::

    position   0 .. length-1               length     length+1 .. length+tokens-1
    x          noise and data tokens       MARKER     NOISE ...
    y                                      d_1        d_2 .. d_tokens

* **copying**: the data tokens form one block at a fixed distance ``lag`` before the
  marker (by default at the start of the context, ``lag = length``); every answer is
  the same number of steps after its token, so a fixed convolution kernel can fetch it.
* **selective copying**: the data tokens sit at random positions among the noise; the
  distance changes from one sequence to the next, so the layer must decide from each
  token whether to keep it.

Token ids: ``NOISE = 0``, ``MARKER = 1``, data tokens ``2 .. vocab_size - 1``, drawn
uniformly and independently, so a model that remembers nothing scores
:func:`chance_accuracy` ``= 1 / (vocab_size - 2)`` per answer.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rnnkit.validation import require_int

NOISE, MARKER = 0, 1
FIRST_DATA = 2  # the first data token id


@dataclass(frozen=True)
class CopyingTask:
    """``x`` ``(n, length + tokens)`` int64 inputs; ``y`` ``(n, tokens)`` int64 answers,
    the targets of the last ``tokens`` positions; ``positions`` ``(n, tokens)`` where the
    data tokens sit in the context."""

    x: np.ndarray
    y: np.ndarray
    positions: np.ndarray


def chance_accuracy(vocab_size: int) -> float:
    """Accuracy per answer of a model that remembers nothing: ``1 / (vocab_size - 2)``."""
    require_int(vocab_size, "vocab_size", minimum=FIRST_DATA + 1)
    return 1.0 / (vocab_size - FIRST_DATA)


def copying(
    n: int,
    length: int,
    tokens: int = 4,
    vocab_size: int = 10,
    *,
    lag: int | None = None,
    seed: int = 0,
) -> CopyingTask:
    """Copying: the data block starts ``lag`` steps before the marker (default ``length``,
    the start of the context), so every answer follows its token by ``lag + 1`` steps
    whatever ``length`` is. Raises ``ValueError`` if the block does not fit."""
    _check(n, length, tokens, vocab_size)
    lag = length if lag is None else require_int(lag, "lag", minimum=tokens, maximum=length)
    start = length - lag
    positions = np.broadcast_to(np.arange(start, start + tokens), (n, tokens))  # (n, K)
    return _fill(positions, length, vocab_size, np.random.default_rng(seed))


def selective_copying(
    n: int, length: int, tokens: int = 4, vocab_size: int = 10, *, seed: int = 0
) -> CopyingTask:
    """Selective copying: the data tokens at ``tokens`` distinct random positions of the
    context (uniform over subsets), in order of position."""
    _check(n, length, tokens, vocab_size)
    rng = np.random.default_rng(seed)
    keys = rng.random((n, length))  # (n, length): a random subset by the K smallest keys
    positions = np.sort(np.argpartition(keys, tokens - 1, axis=1)[:, :tokens], axis=1)  # (n, K)
    return _fill(positions, length, vocab_size, rng)


def _fill(positions: np.ndarray, length: int, vocab_size: int, rng) -> CopyingTask:
    n, tokens = positions.shape
    data = rng.integers(FIRST_DATA, vocab_size, size=(n, tokens))  # (n, K)
    x = np.full((n, length + tokens), NOISE, dtype=np.int64)  # (n, length + K)
    np.put_along_axis(x, positions, data, axis=1)
    x[:, length] = MARKER
    return CopyingTask(x=x, y=data.astype(np.int64), positions=np.array(positions))


def _check(n: int, length: int, tokens: int, vocab_size: int) -> None:
    require_int(n, "n", minimum=1)
    require_int(tokens, "tokens", minimum=1)
    require_int(length, "length (the context)", minimum=tokens)
    require_int(vocab_size, "vocab_size", minimum=FIRST_DATA + 1)
