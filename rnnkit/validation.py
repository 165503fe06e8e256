"""Input checks that rnnkit's public functions share.

A public function that takes data from a learner checks it at the boundary, with
these helpers (the training loops add theirs in :mod:`rnnkit.train.inputs`), and
raises a one-line ``ValueError`` or ``TypeError`` that names what was expected and
what arrived. Code past the boundary trusts its data. Each function's docstring says
what it refuses; the tests hold it to that. Token ids and class ids, wherever they
arrive (a model's input, a vocabulary's ``decode``, a loop's labels), go through
:func:`require_ids`.
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


def require_ids(
    ids,
    name: str,
    dims: Sequence[str] | None = None,
    size: int | None = None,
    *,
    nonempty: bool = False,
    tensor: bool = False,
) -> None:
    """Refuse anything but integer ids in ``[0, size - 1]``: the one check of token ids
    and class ids, with one exception type and one sentence.

    ``dims`` names the axes and so fixes the rank (``("batch", "time")``; ``None``
    accepts any rank); ``size`` is the number of ids (``None``: any id ``>= 0``);
    ``nonempty`` refuses an array holding no id; ``tensor`` asks for a ``torch.Tensor``
    rather than any array. Only ``shape``, ``dtype``, ``min()`` and ``max()`` are read,
    so NumPy arrays and torch tensors (on any device) are checked as they are. Raises
    ``ValueError``: "``name`` must be <what was expected>, got <what arrived>".
    """
    shape = getattr(ids, "shape", None)
    dtype = dtype_name(getattr(ids, "dtype", ""))
    is_tensor = type(ids).__module__.split(".")[0] == "torch"
    count = None if shape is None else int(np.prod(tuple(shape), dtype=np.int64))
    ok = shape is not None and integer_dtype(dtype) and (is_tensor or not tensor)
    ok = ok and (dims is None or len(shape) == len(dims)) and (count > 0 or not nonempty)
    low = high = None
    if ok and count:
        low, high = int(ids.min()), int(ids.max())
        ok = low >= 0 and (size is None or high < size)
    if ok:
        return
    layout = "" if dims is None else f" shaped ({', '.join(dims)}{',' * (len(dims) == 1)})"
    bound = ">= 0" if size is None else f"in [0, {size - 1}]"
    article = "a non-empty" if nonempty else "a" if tensor else "an"
    wanted = f"{article} {'torch tensor' if tensor else 'array'}"
    foreign = tensor and not is_tensor  # e.g. a NumPy array given to a torch model
    got = type(ids).__name__ if shape is None else f"shape {tuple(shape)} and dtype {dtype}"
    if shape is not None and foreign:
        got = f"{type(ids).__name__} of {got}"
    if low is not None:
        got += f" with ids from {low} to {high}"
    hint = f"; convert with torch.as_tensor({name})" if foreign else ""
    raise ValueError(f"{name} must be {wanted}{layout} of integer ids {bound}, got {got}{hint}")


def dtype_name(dtype) -> str:
    """``"float32"`` for NumPy's float32 and for ``torch.float32`` alike."""
    return str(dtype).replace("torch.", "")


def integer_dtype(dtype) -> bool:
    """True for the signed and unsigned integer dtypes of NumPy and torch (not ``bool``)."""
    return dtype_name(dtype).startswith(("int", "uint"))


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


def one_line(error: BaseException, limit: int = 200, *, first: bool = True) -> str:
    """``error``'s message on one line of at most ``limit`` characters, for a message of ours.

    ``first=True`` keeps the first line only (Keras and TensorFlow messages run on for a
    page); ``first=False`` keeps every line, its runs of white space folded to one
    space (a learner's error, torch's list of mismatched weights). ``""`` for an empty
    message.
    """
    text = str(error).strip()
    if first:
        return (text.splitlines() or [""])[0][:limit]
    return " ".join(text.split())[:limit]
