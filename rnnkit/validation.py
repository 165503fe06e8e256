"""Input checks that rnnkit's public functions share.

A public function that takes data from a learner checks it at the boundary, with
these helpers (the training loops add theirs in :mod:`rnnkit.train.inputs`), and
raises a one-line ``ValueError`` or ``TypeError`` that names what was expected and
what arrived. Code past the boundary trusts its data. Each function's docstring says
what it refuses; the tests hold it to that.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def as_float_array(x, name: str, ndim: int | None = None, dims: str | None = None) -> np.ndarray:
    """Return ``x`` as a real floating NumPy array, or raise a clear error.

    ``ndim`` fixes the rank; ``dims`` names the axes for the message, e.g.
    ``"(batch, time, features)"``. Integer, boolean and complex inputs are refused
    rather than silently cast: a learner who passes token ids where embeddings were
    expected should hear about it. NaN and inf are refused too.
    """
    arr = np.asarray(x)
    if arr.dtype.kind not in "f":
        raise TypeError(
            f"{name} must be a real floating-point array (float32 or float64), got dtype {arr.dtype}"
        )
    if ndim is not None and arr.ndim != ndim:
        layout = f" {dims}" if dims else ""
        raise ValueError(
            f"{name} must be {ndim}-D{layout}, got shape {tuple(arr.shape)} ({arr.ndim}-D)"
        )
    if not np.all(np.isfinite(arr)):
        bad = int(np.size(arr) - np.count_nonzero(np.isfinite(arr)))
        raise ValueError(f"{name} must be finite, got {bad} NaN or inf value(s)")
    return arr


def as_int_array(
    x, name: str, ndim: int | None = None, minimum: int | None = None, maximum: int | None = None
) -> np.ndarray:
    """Return ``x`` as an integer NumPy array in ``[minimum, maximum]``, or raise.

    Floats (even whole ones), booleans and strings are refused with a ``TypeError``;
    a wrong rank or a value out of range with a ``ValueError`` naming the range and
    the values that arrived.
    """
    arr = np.asarray(x)
    if arr.dtype.kind not in "iu":
        raise TypeError(f"{name} must hold integers, got dtype {arr.dtype}")
    if ndim is not None and arr.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-D, got shape {tuple(arr.shape)} ({arr.ndim}-D)")
    if arr.size:
        lo, hi = int(arr.min()), int(arr.max())
        if (minimum is not None and lo < minimum) or (maximum is not None and hi > maximum):
            low = "-inf" if minimum is None else minimum
            high = "inf" if maximum is None else maximum
            raise ValueError(f"{name} must lie in [{low}, {high}], got values from {lo} to {hi}")
    return arr


def require_shape(arr: np.ndarray, expected: Sequence[int | None], name: str) -> None:
    """Raise if ``arr.shape`` differs from ``expected`` (``None`` matches any size)."""
    shape = tuple(arr.shape)
    ok = len(shape) == len(expected) and all(
        e is None or e == s for e, s in zip(expected, shape, strict=False)
    )
    if not ok:
        want = "(" + ", ".join("any" if e is None else str(e) for e in expected) + ")"
        raise ValueError(f"{name} must have shape {want}, got {shape}")


def require_int(value, name: str, minimum: int | None = None, maximum: int | None = None) -> int:
    """Return ``value`` as an ``int`` if it is an integer in range, else raise."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__} {value!r}")
    value = int(value)
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name} must be <= {maximum}, got {value}")
    return value


def require_choice(value, name: str, choices: Sequence[str]) -> str:
    """Return ``value`` if it is one of ``choices``, else raise naming them all."""
    if value not in choices:
        listed = ", ".join(repr(c) for c in choices)
        raise ValueError(f"{name} must be one of {listed}, got {value!r}")
    return value
