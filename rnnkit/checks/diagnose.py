"""How a wrong array differs from the right one, from the numbers alone.

:func:`~rnnkit.checks.core.compare_arrays` says *where* and *by how much* an answer is
off; the functions here say *how*: transposed, shifted one step, scaled, right for the
first row only, right to float32 precision, complex where a real result is expected, a
sum taken over the wrong axis. Each test asks that a simple transformation explain
every value of the answer (not one entry), so a diagnosis is a fact about the answer,
never a guess from a single number. Each returns one sentence, or ``None``.

The order of ``diagnose`` matters: the most specific explanation comes first
(a transpose before a "different factor per row", which a transpose can also look like).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np

Axes = Sequence[str] | None

_MIN_VALUES = 4  # fewer informative values than this cannot show a pattern


def _close(a: np.ndarray, b: np.ndarray, rtol: float, atol: float) -> bool:
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=rtol, atol=atol))


def _informative(expected: np.ndarray, atol: float) -> bool:
    """Whether ``expected`` has enough distinct values for a pattern to mean something."""
    values = np.unique(np.round(expected[np.abs(expected) > atol] / max(atol, 1e-12)))
    return values.size >= _MIN_VALUES


def _axis(i: int, axes: Axes) -> str:
    return f"the {axes[i]} axis" if axes and i < len(axes) else f"axis {i}"


_UNITS = {"batch": "batch row", "time": "time step"}


def _unit(i: int, axes: Axes) -> str:
    """What one index along axis ``i`` is called: "batch row", "time step", "channel"."""
    if axes and i < len(axes):
        return _UNITS.get(axes[i], axes[i])
    return f"index along axis {i}"


def _order(perm: Sequence[int], axes: Axes, shape: tuple) -> str:
    if axes and len(axes) == len(shape):
        return "(" + ", ".join(axes[i] for i in perm) + ")"
    return str(tuple(shape[i] for i in perm))


# --- shapes that differ ----------------------------------------------------------


def diagnose_shape(got: np.ndarray, expected: np.ndarray, axes: Axes, rtol, atol) -> str | None:
    """The right values with the axes in another order, or one element short or long."""
    if got.ndim == expected.ndim and sorted(got.shape) == sorted(expected.shape):
        if not _informative(expected, atol):
            return None
        for perm in itertools.permutations(range(got.ndim)):
            if got.transpose(perm).shape == expected.shape and _close(
                got.transpose(perm), expected, rtol, atol
            ):
                inverse = np.argsort(perm)
                return (
                    f"Your values are right but the axes are in the order "
                    f"{_order(inverse, axes, expected.shape)}: transpose them "
                    f"(`np.transpose(..., {tuple(int(i) for i in perm)})`)."
                )
        return None
    if got.ndim != expected.ndim:
        return _extra_or_missing_axis(got, expected, axes)
    differ = [i for i in range(got.ndim) if got.shape[i] != expected.shape[i]]
    if len(differ) != 1 or abs(got.shape[differ[0]] - expected.shape[differ[0]]) != 1:
        return None
    i = differ[0]
    short = got.shape[i] < expected.shape[i]
    small, large = (got, expected) if short else (expected, got)
    n = small.shape[i]
    for start, which in ((0, "last"), (1, "first")):
        window = np.take(large, range(start, start + n), axis=i)
        if _close(window, small, rtol, atol):
            if short:
                return (
                    f"Along {_axis(i, axes)} your answer is one element short: it matches "
                    f"the expected values without the {which} one (check a range's end)."
                )
            return (
                f"Along {_axis(i, axes)} your answer is one element too long: without its "
                f"{which} element it matches (check a range's end)."
            )
    if short:
        return f"Along {_axis(i, axes)} your answer is one element short (a range that stops one early?)."
    return f"Along {_axis(i, axes)} your answer is one element too long (a range that goes one too far?)."


def _extra_or_missing_axis(got: np.ndarray, expected: np.ndarray, axes: Axes) -> str | None:
    squeezed = tuple(s for s in expected.shape if s != 1)
    if tuple(s for s in got.shape if s != 1) == squeezed and got.size == expected.size:
        return (
            f"Your array has the right values but {got.ndim} axes instead of "
            f"{expected.ndim}: a length-1 axis is missing or extra "
            "(`[..., None]` adds one, `.squeeze(axis)` removes one)."
        )
    return None


# --- same shape, different values ------------------------------------------------


def diagnose_values(
    got: np.ndarray, expected: np.ndarray, axes: Axes, rtol: float, atol: float
) -> str | None:
    """One sentence on how two arrays of the same shape differ, or None."""
    for test in (_permuted, _shifted, _reversed, _scaled, _offset, _per_slice_factor):
        sentence = test(got, expected, axes, rtol, atol)
        if sentence:
            return sentence
    if expected.size >= 2 * _MIN_VALUES:
        sentence = _normalised_elsewhere(got, expected, axes)
        sentence = sentence or _first_only(got, expected, axes, rtol, atol)
        if sentence:
            return sentence
    return _not_normalised(got, expected, axes)


def _permuted(got, expected, axes, rtol, atol) -> str | None:
    if not _informative(expected, atol):
        return None
    for perm in itertools.permutations(range(got.ndim)):
        if perm == tuple(range(got.ndim)) or got.transpose(perm).shape != expected.shape:
            continue
        if _close(got.transpose(perm), expected, rtol, atol):
            swapped = [i for i in range(got.ndim) if perm[i] != i]
            names = " and ".join(_axis(i, axes) for i in swapped)
            return (
                f"Your values are right but transposed: {names} are swapped (the shape "
                "hides it because those sizes are equal here)."
            )
    return None


def _shifted(got, expected, axes, rtol, atol) -> str | None:
    for i in range(got.ndim):
        n = expected.shape[i]
        named_time = bool(axes and i < len(axes) and axes[i] == "time")
        if n < (2 if named_time else 3):
            continue
        g_first, g_rest = np.take(got, range(n - 1), axis=i), np.take(got, range(1, n), axis=i)
        e_first = np.take(expected, range(n - 1), axis=i)
        e_rest = np.take(expected, range(1, n), axis=i)
        if not _informative(e_first, atol) or _close(e_first, e_rest, rtol, atol):
            continue
        where = _axis(i, axes)
        if _close(g_rest, e_first, rtol, atol):
            return (
                f"Your values are shifted one step later along {where}: your entry k + 1 "
                "is the expected entry k (an index off by one, or the state before the "
                "update returned instead of after)."
            )
        if _close(g_first, e_rest, rtol, atol):
            return (
                f"Your values are shifted one step earlier along {where}: your entry k "
                "is the expected entry k + 1 (an index off by one)."
            )
    return None


def _reversed(got, expected, axes, rtol, atol) -> str | None:
    if not _informative(expected, atol):
        return None
    for i in range(got.ndim):
        if expected.shape[i] >= 3 and _close(np.flip(got, axis=i), expected, rtol, atol):
            return f"Your values are right but in reverse order along {_axis(i, axes)}."
    return None


def _scale(got: np.ndarray, expected: np.ndarray) -> float | None:
    denominator = float(np.vdot(expected, expected))
    return float(np.vdot(expected, got)) / denominator if denominator > 0 else None


def _scaled(got, expected, axes, rtol, atol) -> str | None:
    if not _informative(expected, atol):
        return None
    c = _scale(got, expected)
    if c is None or abs(c - 1) < 1e-9 or not _close(got, c * expected, rtol, atol):
        return None
    if np.isclose(c, -1, rtol=1e-6):
        return "Every value has the right size and the wrong sign: a sign is flipped (a minus too many or too few)."
    if np.isclose(c, 0, atol=1e-12):
        return None
    return (
        f"Every value is the expected one times {c:.6g}: a constant factor is wrong "
        "(a ×2, a step size, a 1/n or a log base left in or out)."
    )


def _offset(got, expected, axes, rtol, atol) -> str | None:
    if not _informative(expected, atol):
        return None
    d = float(np.mean(got - expected))
    if abs(d) <= atol or not _close(got, expected + d, rtol, atol):
        return None
    return (
        f"Every value is the expected one plus {d:.6g}: a constant offset (a bias or a "
        "constant added twice, or left out)."
    )


def _per_slice_factor(got, expected, axes, rtol, atol) -> str | None:
    """One factor per slice along an axis (not one for all): a sum, mean or count taken
    over the wrong axis or the wrong number of elements."""
    if got.ndim < 2:
        return None
    for i in range(got.ndim):
        if expected.shape[i] < 2:
            continue
        e, g = np.moveaxis(expected, i, 0), np.moveaxis(got, i, 0)
        factors = []
        for e_k, g_k in zip(e, g, strict=True):
            c = _scale(g_k.ravel(), e_k.ravel())
            if c is None or e_k.size < 2 or not _close(g_k, c * e_k, rtol, atol):
                break
            factors.append(c)
        else:
            if np.ptp(factors) > 1e-6 * max(1.0, np.max(np.abs(factors))):
                name = _unit(i, axes)
                listed = ", ".join(f"{f:.4g}" for f in factors[:4])
                more = ", ..." if len(factors) > 4 else ""
                if np.allclose(e.reshape(len(e), -1).sum(axis=1), 1, atol=1e-6):
                    return (
                        f"Each {name} is right up to its own factor ({listed}{more}), and "
                        f"each {name} should sum to 1: the division by the {name}'s own sum "
                        "is missing, or comes before a step that changes the values."
                    )
                return (
                    f"Each {name} is right up to its own factor ({listed}{more}): a sum, "
                    "mean or count taken over the wrong axis or the wrong number of "
                    "elements."
                )
    return None


def _normalised_elsewhere(got, expected, axes) -> str | None:
    """Both arrays sum to 1, but along different axes: normalised over the wrong axis."""
    if (expected < -1e-12).any() or (got < -1e-12).any():
        return None

    def unit_axes(a):
        return [
            i for i in range(a.ndim) if a.shape[i] > 1 and np.allclose(a.sum(axis=i), 1, atol=1e-6)
        ]

    right, yours = unit_axes(expected), unit_axes(got)
    if right and yours and not set(right) & set(yours):
        return (
            f"Your values sum to 1 along {_axis(yours[0], axes)} where they should sum to 1 "
            f"along {_axis(right[0], axes)}: the normalisation (softmax) runs over the wrong "
            "axis."
        )
    if right and not yours and np.isclose(got.sum(), 1, atol=1e-6) and got.ndim > 1:
        return (
            f"All your values together sum to 1, where each slice along "
            f"{_axis(right[0], axes)} should: the sum you divided by ran over every axis."
        )
    return None


def _not_normalised(got, expected, axes) -> str | None:
    """The expected values sum to 1 along an axis (probabilities) and yours do not."""
    if (expected < -1e-12).any():
        return None
    right = [
        i
        for i in range(expected.ndim)
        if expected.shape[i] > 1 and np.allclose(expected.sum(axis=i), 1, atol=1e-6)
    ]
    if not right or np.allclose(got.sum(axis=right[0]), 1, atol=1e-6):
        return None
    if (got <= 0).all():
        return (
            "Your values are all zero or negative where probabilities are expected: they "
            "look like log-probabilities (a log-softmax); the probabilities are their exp."
        )
    sums = got.sum(axis=right[0])
    low, high = float(sums.min()), float(sums.max())
    sums = f"{low:.3g}" if f"{low:.3g}" == f"{high:.3g}" else f"{low:.3g} to {high:.3g}"
    return (
        f"Along {_axis(right[0], axes)} the expected values sum to 1 and yours sum to "
        f"{sums}: the division by the sum is missing, or comes before a step that changes "
        "the values."
    )


def _first_only(got, expected, axes, rtol, atol) -> str | None:
    """Right for the first index along an axis (the first row, the first step) only."""
    for i in range(got.ndim):
        n = expected.shape[i]
        if n < 2:
            continue
        first = _close(np.take(got, [0], axis=i), np.take(expected, [0], axis=i), rtol, atol)
        rest_g, rest_e = np.take(got, range(1, n), axis=i), np.take(expected, range(1, n), axis=i)
        if not first or _close(rest_g, rest_e, rtol, atol):
            continue
        copies = _close(rest_g, np.repeat(np.take(got, [0], axis=i), n - 1, axis=i), rtol, atol)
        what = "first " + _unit(i, axes)
        if copies:
            return (
                f"Only the {what} is right, and every other repeats it: your code uses the "
                f"{what}'s values (or its length) for all of them."
            )
        wrong = ~np.isclose(got, expected, rtol=rtol, atol=atol)
        share = np.moveaxis(wrong, i, 0).reshape(n, -1).mean(axis=1)  # wrong share per index
        if (share[1:] >= 0.5).all():
            return (
                f"Only the {what} is right: check what your code does for the others "
                "(an index fixed at 0, or a length or value taken from the first one)."
            )
    return None


# --- whole-answer properties -----------------------------------------------------


def _lower_precision(got_raw) -> np.dtype | None:
    """The dtype of ``got_raw`` (an array, a NumPy scalar, a tensor) if it is a float or
    complex type less precise than float64, else None."""
    if hasattr(got_raw, "detach"):  # a torch tensor
        got_raw = got_raw.detach().cpu().numpy()
    dtype = getattr(got_raw, "dtype", None)
    if dtype is not None and dtype.kind in "fc" and np.finfo(dtype).eps > 1e-10:
        return dtype
    return None


def diagnose_precision(got_raw, got, expected, rtol, atol) -> str | None:
    """Right to the precision of a lower dtype (or to about float32 precision)."""
    dtype = _lower_precision(got_raw)
    if dtype is not None:
        eps = float(np.finfo(dtype).eps)
        scale = max(float(np.abs(expected).max()), 1.0)
        if np.allclose(got, expected, rtol=100 * eps, atol=100 * eps * scale):
            return (
                f"Your array is {dtype.name} and agrees to its precision: only precision "
                "differs, not logic. Compute in float64 (`np.float64`, the inputs' dtype)."
            )
    if np.allclose(got, expected, rtol=1e-4, atol=max(atol, 1e-6)):
        return (
            "Your values agree to 4 significant digits or more but not to float64 precision: "
            "somewhere a float32 intermediate (or a float32 copy of an input) rounded them, "
            "and the errors grew; the logic looks right."
        )
    return None


def diagnose_number_precision(got_raw, value: float, expected: float) -> str | None:
    """One number of a lower dtype (a NumPy scalar, a 0-d array or tensor) that is right to
    that dtype's precision."""
    dtype = _lower_precision(got_raw)
    if dtype is None or dtype.kind != "f":
        return None
    eps = float(np.finfo(dtype).eps)
    if abs(value - expected) > 100 * eps * max(abs(expected), 1.0):
        return None
    return (
        f"Your number is {dtype.name} and agrees to its precision: only precision differs, "
        "not logic. Compute in float64 (a Python float or `np.float64`)."
    )


def diagnose_complex(got_raw, expected, rtol, atol) -> str:
    """A complex answer where a real one is expected."""
    arr = np.asarray(got_raw)
    imag = float(np.abs(arr.imag).max()) if arr.size else 0.0
    if arr.shape == expected.shape and np.allclose(arr.real, expected, rtol=rtol, atol=atol):
        return (
            f"Your values are complex (largest imaginary part {imag:.3g}) where a real "
            "result is expected; their real part is right: take `.real`."
        )
    return (
        f"Your values are complex (largest imaginary part {imag:.3g}) where a real result "
        "is expected."
    )


def diagnose_nonfinite(got: np.ndarray, axes: Axes) -> str:
    """Which kind of non-finite value, and from which step on along time."""
    kind = []
    if np.isnan(got).any():
        kind.append("NaN comes from 0/0, inf - inf, 0 * inf or a log or sqrt of a negative number")
    if np.isinf(got).any():
        kind.append("inf from an overflow (exp of a large number) or a division by zero")
    sentence = "; ".join(kind) + "."
    sentence = sentence[0].upper() + sentence[1:]
    if axes and "time" in axes and len(axes) == got.ndim:
        t = list(axes).index("time")
        bad = ~np.isfinite(got)
        steps = np.flatnonzero(bad.any(axis=tuple(a for a in range(got.ndim) if a != t)))
        if steps.size and steps[0] > 0:
            sentence += f" Steps before {steps[0]} are finite: look at what step {steps[0]} adds."
    return sentence


# --- numbers and sizes -------------------------------------------------------------

_FACTORS = (
    (-1.0, "the sign is flipped"),
    (2.0, "it is twice the expected value: a factor of 2 too many"),
    (0.5, "it is half the expected value: a factor of 2 missing"),
    (
        1 / np.log(2),
        "it is the expected value divided by ln 2: a log base 2 where the natural log is meant",
    ),
    (np.log(2), "it is the expected value times ln 2: the natural log where log base 2 is meant"),
    (
        1 / np.log(10),
        "it is the expected value divided by ln 10: a log base 10 where the natural log is meant",
    ),
)


def diagnose_number(value: float, expected: float) -> str | None:
    """A number off by a recognisable factor (sign, 2, a log base, a whole number), a whole
    number where the answer is not one, or a rounded number; else None."""
    if expected == 0:
        return None
    ratio = value / expected
    for factor, sentence in _FACTORS:
        if np.isclose(ratio, factor, rtol=1e-6):
            return f"Your number is exactly right but for one factor: {sentence}."
    return _whole_factor(ratio) or _whole_or_rounded(value, expected)


def _whole_factor(ratio: float) -> str | None:
    if ratio == 0 or not np.isfinite(ratio):
        return None
    for n, times in ((ratio, True), (1 / ratio, False)):
        whole = round(n)
        if 3 <= whole <= 100_000 and np.isclose(n, whole, rtol=1e-9):
            if times:
                return (
                    f"Your number is exactly {whole} times the expected one: a sum of {whole} "
                    "terms where their mean is meant, or a factor counted too many."
                )
            return (
                f"Your number is the expected one divided by exactly {whole}: a mean where "
                "a sum is meant, or one division too many."
            )
    return None


def _whole_or_rounded(value: float, expected: float) -> str | None:
    if value == int(value) and expected != int(expected) and abs(value) < 1e15:
        return (
            f"Your number is a whole number ({value:g}) where the answer is not one: an "
            "integer division (`//`) or an `int(...)` has dropped the fraction."
        )
    for digits in range(1, 7):
        if round(value, digits) == value and abs(value - expected) <= 0.5 * 10**-digits:
            return (
                f"Your number agrees to {digits} decimal places and stops there: it looks "
                "rounded. Return the full value and round only when you print it."
            )
    return None


def diagnose_sizes(got, expected) -> str | None:
    """Tuples of sizes (shapes): the right sizes in another order, or two items swapped."""
    if not (isinstance(got, tuple) and isinstance(expected, tuple)) or len(got) != len(expected):
        return None
    if all(isinstance(v, int) for v in (*got, *expected)):
        if sorted(got) == sorted(expected):
            return "The sizes are right but in another order: an axis is in the wrong place."
        return None
    if len(got) == 2 and got == expected[::-1]:
        return "Your two results are right but in swapped order."
    notes = []
    for i, (g, e) in enumerate(zip(got, expected, strict=True)):
        if g != e and (sentence := diagnose_sizes(g, e)):
            notes.append(f"item {i + 1}: {sentence[0].lower()}{sentence[1:]}")
    return (notes[0][0].upper() + " ".join(notes)[1:]) if notes else None
