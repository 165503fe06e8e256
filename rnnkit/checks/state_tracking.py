"""Exercise of chapter 14: a hand-set two-unit tanh RNN that computes parity at every length.

The learner writes ``parity_step(h, x) -> h_new`` in NumPy: ``h`` ``(B, 2)`` float64,
``x`` ``(B,)`` bits as float64, ``h_new`` ``(B, 2)``, one step of
``h_t = tanh(h_{t-1} W^T + x_t u + b)`` with weights of their choice. The chapter fixes
the rest: the state starts at ``h_0 = (-1, -1)`` and the parity of the prefix is read as
``1`` when ``h_t[0] - h_t[1] > 1``. The checker unrolls the step over strings of length
1000 (random ones, all ones, all zeros) and reports the first length at which any
prefix is misread, and why: a wrong output shape; wrong at length 1; right for a while,
then wrong because the state drifts away from ``±1`` (weights too small for ``tanh`` to
saturate); or wrong at once on some (parity so far, bit) pair (the logic).
"""

from __future__ import annotations

import numpy as np

from rnnkit.checks.core import CORRECT, INCORRECT, NOT_ATTEMPTED, CheckResult, protect

EXERCISE = "Exercise 14.1 (parity with a hand-set tanh RNN)"
H0 = (-1.0, -1.0)
LENGTH = 1000
_GAIN = 10.0  # large enough for tanh to pull every state back to within 1e-8 of ±1


def parity_step_reference(h: np.ndarray, x: np.ndarray) -> np.ndarray:
    """``tanh(K (p + x - 1/2))`` (OR) and ``tanh(K (p + x - 3/2))`` (AND), with the
    parity so far ``p = (h[0] - h[1]) / 2`` and ``K = 10``; their difference is XOR."""
    p = (h[:, 0] - h[:, 1]) / 2  # (B,)
    return np.tanh(_GAIN * np.stack([p + x - 0.5, p + x - 1.5], axis=1))  # (B, 2)


def read_parity(h: np.ndarray) -> np.ndarray:
    """The chapter's readout: ``1`` where ``h[:, 0] - h[:, 1] > 1``, else ``0`` (``(B,)``)."""
    return (h[:, 0] - h[:, 1] > 1).astype(np.int64)


def _strings() -> np.ndarray:
    rng = np.random.default_rng(14)
    random = rng.integers(0, 2, size=(30, LENGTH))
    return np.concatenate([random, np.ones((1, LENGTH)), np.zeros((1, LENGTH))]).astype(float)


def _unroll(step, bits: np.ndarray) -> tuple[np.ndarray | None, str | None, np.ndarray]:
    """(first misread length or None, a problem message or None, the states ``(B, T, 2)``)."""
    h = np.tile(np.array(H0), (bits.shape[0], 1))  # (B, 2)
    parity = np.cumsum(bits, axis=1) % 2  # (B, T)
    states = []
    for t in range(bits.shape[1]):
        new = step(protect(h), protect(bits[:, t]))
        shape = np.shape(new)
        if shape != h.shape:
            return (
                None,
                (
                    f"wrong output shape: for h of shape {h.shape} and x of shape "
                    f"{bits[:, t].shape}, parity_step must return {h.shape}, got {shape}"
                ),
                np.stack(states or [h], axis=1),
            )
        h = np.asarray(new, dtype=float)
        states.append(h)
        if not np.isfinite(h).all() or (read_parity(h) != parity[:, t]).any():
            return t + 1, None, np.stack(states, axis=1)
    return None, None, np.stack(states, axis=1)


def _diagnose(k: int, bits: np.ndarray, states: np.ndarray) -> list[str]:
    """Why the readout is wrong from length ``k`` on (``k >= 1``)."""
    parity = np.cumsum(bits, axis=1) % 2
    row = int(np.flatnonzero(read_parity(states[:, k - 1]) != parity[:, k - 1])[0])
    before = 0 if k == 1 else int(parity[row, k - 2])
    if k == 1:
        return [
            f"wrong at length 1: from h_0 = {H0}, the bit {int(bits[row, 0])} gives "
            f"h_1 = {np.round(states[row, 0], 3).tolist()}, read as parity "
            f"{int(read_parity(states[row, :1])[0])} instead of {int(parity[row, 0])}."
        ]
    distance = float(np.abs(np.abs(states[:, : k - 1]) - 1).max())
    message = f"right up to length {k - 1}, wrong from length {k} on (string {row})"
    if distance > 1e-3:
        return [
            message + ".",
            f"The state drifts: before length {k} its units were already {distance:.2g} away "
            "from ±1, and the error grows a little at every step until the readout flips. "
            "Make the weights larger, so that tanh saturates and pulls the state back to "
            "±1 at every step.",
        ]
    return [
        message + f": parity so far {before}, next bit {int(bits[row, k - 1])}.",
        "The state sits at ±1, so the logic is wrong for this pair: check each unit's "
        "weights and bias against the truth table of OR and AND.",
    ]


def check_parity_step(step) -> CheckResult:
    """Exercise 14.1: ``step(h, x)`` unrolled from ``h_0 = (-1, -1)`` gives the parity of
    every prefix of strings of length 1000 through :func:`read_parity`."""
    if not callable(step):
        raise TypeError(f"{EXERCISE}: expected your function, got {type(step).__name__}")
    bits = _strings()
    try:
        k, problem, states = _unroll(step, bits)
    except NotImplementedError:
        message = (
            "Replace the `raise NotImplementedError` with your code, then run this cell "
            "again. Until then the chapter uses the reference step."
        )
        return CheckResult(EXERCISE, NOT_ATTEMPTED, [message], parity_step_reference)
    except Exception as error:  # the learner's code: report it, never raise it
        message = f"your parity_step raised {type(error).__name__}: {error}"
        return CheckResult(EXERCISE, INCORRECT, [message], parity_step_reference)
    if problem is not None:
        return CheckResult(EXERCISE, INCORRECT, [problem], parity_step_reference)
    if k is not None:
        return CheckResult(EXERCISE, INCORRECT, _diagnose(k, bits, states), parity_step_reference)
    done = f"The parity of every prefix of {len(bits)} strings is right at lengths 1 to {LENGTH}."
    return CheckResult(EXERCISE, CORRECT, [done], step)
