"""Exercise of chapter 14: a hand-set two-unit tanh RNN that computes parity at every length.

The learner writes ``parity_weights() -> (W, u, b)``: the weights of a two-unit tanh RNN,
``W`` ``(2, 2)``, ``u`` and ``b`` ``(2,)``. The checker itself runs them as
``h_t = tanh(h_{t-1} W^T + x_t u + b)``, so only a real tanh RNN can pass (a function
that computes the parity some other way has nothing to hand in). The chapter fixes the
rest: the state starts at ``h_0 = (-1, -1)`` and the parity of the prefix is read as
``1`` when ``h_t[0] - h_t[1] > 1``. The checker unrolls the RNN over strings of length
1000 (random ones, all ones, all zeros) and reports the first length at which any
prefix is misread, and why: weights of the wrong shape or not finite; or the logic
against the gain. To tell them apart it runs the same weights scaled up until ``tanh``
saturates (every pre-activation keeps its sign): if those pass, the logic is right and
the gain too small (the state drifts away from ``±1``, or is not yet near it at length
1); if not, it names the (parity so far, bit) pair the logic gets wrong.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable

import numpy as np

from rnnkit.checks.core import INCORRECT, Case, CheckResult, run_check

EXERCISE = "Exercise 14.1 (parity with a hand-set tanh RNN)"
H0 = (-1.0, -1.0)
LENGTH = 1000
_GAIN = 10.0  # large enough for tanh to pull every state back to within 1e-8 of ±1
_SHAPES = {"W": (2, 2), "u": (2,), "b": (2,)}


def parity_weights_reference() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(W, u, b)`` with gain ``K = 10``: unit 0 computes ``tanh(K (p + x - 1/2))`` (OR)
    and unit 1 ``tanh(K (p + x - 3/2))`` (AND), with the parity so far
    ``p = (h[0] - h[1]) / 2``; their difference is XOR."""
    W = _GAIN * np.array([[0.5, -0.5], [0.5, -0.5]])  # both units read p
    u = _GAIN * np.ones(2)  # and the new bit
    b = _GAIN * np.array([-0.5, -1.5])  # OR: p + x > 1/2; AND: p + x > 3/2
    return W, u, b


def tanh_rnn_step(W: np.ndarray, u: np.ndarray, b: np.ndarray, h: np.ndarray, x: np.ndarray):
    """One step ``h_t = tanh(h_{t-1} W^T + x_t u + b)``: ``h`` ``(B, 2)``, ``x`` ``(B,)``."""
    return np.tanh(h @ W.T + x[:, None] * u + b)  # (B, 2)


def read_parity(h: np.ndarray) -> np.ndarray:
    """The chapter's readout: ``1`` where ``h[:, 0] - h[:, 1] > 1``, else ``0`` (``(B,)``)."""
    return (h[:, 0] - h[:, 1] > 1).astype(np.int64)


def _strings() -> np.ndarray:
    rng = np.random.default_rng(14)
    random = rng.integers(0, 2, size=(30, LENGTH))
    return np.concatenate([random, np.ones((1, LENGTH)), np.zeros((1, LENGTH))]).astype(float)


def _as_weights(got) -> tuple[tuple[np.ndarray, ...] | None, str | None]:
    """The learner's ``(W, u, b)`` as float arrays, or what is wrong with them."""
    expected = "parity_weights() should return the tuple (W, u, b)"
    if callable(got):
        return None, f"{expected}, the weights themselves, not a function"
    if not isinstance(got, (tuple, list)) or len(got) != 3:
        return None, f"{expected}, got {type(got).__name__}"
    weights = []
    for name, value in zip(_SHAPES, got, strict=True):
        try:
            array = np.asarray(value, dtype=float)
        except (TypeError, ValueError):
            return None, f"{name} should be an array of numbers, got {type(value).__name__}"
        if array.shape != _SHAPES[name]:
            return None, f"{name} should have shape {_SHAPES[name]}, got {array.shape}"
        if not np.isfinite(array).all():
            return None, (
                f"{name} has entries that are not finite ({array.tolist()}): the RNN then "
                "computes inf - inf = NaN. A large finite gain (8 or 10) saturates tanh "
                "just as well."
            )
        weights.append(array)
    return tuple(weights), None


def _unroll(weights, bits: np.ndarray) -> tuple[int | None, np.ndarray]:
    """(first misread length or None, the states ``(B, T, 2)``)."""
    h = np.tile(np.array(H0), (bits.shape[0], 1))  # (B, 2)
    parity = np.cumsum(bits, axis=1) % 2  # (B, T)
    states = []
    with np.errstate(all="ignore"):
        for t in range(bits.shape[1]):
            h = tanh_rnn_step(*weights, h, bits[:, t])  # (B, 2)
            states.append(h)
            if not np.isfinite(h).all() or (read_parity(h) != parity[:, t]).any():
                return t + 1, np.stack(states, axis=1)
    return None, np.stack(states, axis=1)


def _saturated(weights) -> tuple[tuple[np.ndarray, ...], float]:
    """The weights scaled so that the largest is 50 (never scaled down), and the factor.
    Every pre-activation keeps its sign and grows, so ``tanh`` saturates to ±1: what the
    scaled RNN computes is the weights' logic alone, whatever their gain."""
    largest = max(float(np.abs(w).max()) for w in weights)
    factor = max(50.0 / largest, 1.0) if largest > 0 else 1.0
    return tuple(w * factor for w in weights), factor


def _where(k: int, bits: np.ndarray, states: np.ndarray) -> tuple[str, int]:
    """Where the readout first fails, in words, and the string it fails on."""
    parity = np.cumsum(bits, axis=1) % 2
    row = int(np.flatnonzero(read_parity(states[:, k - 1]) != parity[:, k - 1])[0])
    if k == 1:
        return (
            f"wrong at length 1: from h_0 = {H0}, the bit {int(bits[row, 0])} gives "
            f"h_1 = {np.round(states[row, 0], 3).tolist()}, read as parity "
            f"{int(read_parity(states[row, :1])[0])} instead of {int(parity[row, 0])}"
        ), row
    return f"right up to length {k - 1}, wrong from length {k} on (string {row})", row


def _too_small(k: int, bits: np.ndarray, states: np.ndarray, factor: float) -> str:
    where, _ = _where(k, bits, states)
    drift = ""
    if k > 1:
        distance = float(np.abs(np.abs(states[:, : k - 1]) - 1).max())
        drift = (
            f" The state drifts: before length {k} its units were already {distance:.2g} "
            "away from ±1, and the error grows a little at every step until the readout flips."
        )
    return (
        f"{where}.\nThe logic is right but the gain is too small: the same weights "
        f"multiplied by {factor:.3g} give the parity of every prefix.{drift} Make the "
        "weights larger, so that tanh saturates and pulls the state back to ±1 at every step."
    )


def _wrong_logic(k: int, bits: np.ndarray, states: np.ndarray, k_sat: int, sat_states) -> str:
    """``k``, ``states``: the weights' own run; ``k_sat``, ``sat_states``: the saturated
    run, which shows the (parity so far, bit) pair the logic gets wrong."""
    where, _ = _where(k, bits, states)
    _, row = _where(k_sat, bits, sat_states)
    before = 0 if k_sat == 1 else int(np.sum(bits[row, : k_sat - 1]) % 2)
    return (
        f"{where}.\nThe logic is wrong for parity so far {before} and the bit "
        f"{int(bits[row, k_sat - 1])}: even with tanh saturated (the weights scaled up) the "
        "readout is wrong there. Check each unit's weights and bias against the truth "
        "table of OR and AND."
    )


def _compare(got, expected) -> str | None:
    weights, problem = _as_weights(got)
    if problem is not None:
        return problem
    bits = _strings()
    k, states = _unroll(weights, bits)
    if k is None:
        return None
    saturated, factor = _saturated(weights)
    k_sat, sat_states = _unroll(saturated, bits) if factor > 1 else (k, states)
    if k_sat is None:
        return _too_small(k, bits, states, factor)
    return _wrong_logic(k, bits, states, k_sat, sat_states)


def check_parity_weights(parity_weights: Callable) -> CheckResult:
    """Exercise 14.1: the weights ``parity_weights()`` returns, run as a two-unit tanh RNN
    from ``h_0 = (-1, -1)``, give the parity of every prefix of strings of length 1000
    through :func:`read_parity`."""
    if callable(parity_weights):
        try:
            required = [
                p
                for p in inspect.signature(parity_weights).parameters.values()
                if p.default is p.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
            ]
        except (TypeError, ValueError):
            required = []
        if required:
            message = (
                "parity_weights takes no arguments and returns the weights (W, u, b); the "
                f"checker runs them as a tanh RNN. Yours asks for {[p.name for p in required]}."
            )
            return CheckResult(EXERCISE, INCORRECT, [message], parity_weights_reference)
    result = run_check(
        EXERCISE,
        parity_weights,
        parity_weights_reference,
        [Case("your weights")],
        _compare,
    )
    if result.passed:
        result.messages = [
            f"Run as a tanh RNN, your weights give the parity of every prefix of "
            f"{len(_strings())} strings at lengths 1 to {LENGTH}."
        ]
    return result
