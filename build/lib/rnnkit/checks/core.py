"""The machinery behind every exercise check.

An exercise gives the learner a stub that raises ``NotImplementedError``. The chapter
passes the learner's function to a checker, which runs it on a few cases and compares
each answer with the reference. The checker returns a :class:`CheckResult`:

* ``not attempted`` -- the stub still raises ``NotImplementedError``; the chapter
  carries on with the reference implementation (``result.use``);
* ``incorrect`` -- specific feedback: which case, which shape or which entry is off and
  by how much, and, when the answer matches a known mistake, which one;
* ``correct`` -- ``result.use`` is the learner's own function.

The result displays itself in a notebook, so a check cell ends with the check call.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

NOT_ATTEMPTED = "not attempted"
INCORRECT = "incorrect"
CORRECT = "correct"

_ICONS = {NOT_ATTEMPTED: "⏳", INCORRECT: "❌", CORRECT: "✅"}


@dataclass
class CheckResult:
    """The outcome of one exercise check.

    ``use`` is the function the chapter should continue with: the learner's when it
    is correct, the reference otherwise, so that later cells always run.
    """

    exercise: str
    status: str
    messages: list[str] = field(default_factory=list)
    use: Callable | None = None

    @property
    def passed(self) -> bool:
        return self.status == CORRECT

    def __bool__(self) -> bool:
        return self.passed

    def __str__(self) -> str:
        lines = [f"{_ICONS[self.status]} {self.exercise}: {self.status}"]
        lines += [f"   {message}" for message in self.messages]
        return "\n".join(lines)

    __repr__ = __str__

    def _repr_markdown_(self) -> str:
        head = f"{_ICONS[self.status]} **{self.exercise}: {self.status}**"
        return "\n".join([head, ""] + [f"- {message}" for message in self.messages])


@dataclass(frozen=True)
class Case:
    """One call of the learner's function: its arguments and a label for feedback."""

    label: str
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)


Comparer = Callable[[Any, Any], "str | None"]
"""Compares (got, expected); returns None when they agree, else what is wrong."""


def run_check(
    exercise: str,
    learner: Callable,
    reference: Callable,
    cases: Sequence[Case],
    compare: Comparer,
    mistakes: Sequence[tuple[str, Callable]] = (),
) -> CheckResult:
    """Run ``learner`` on every case and judge it against ``reference``.

    ``mistakes`` pairs a description of a common error with a function that makes
    it; when the learner's answer equals that function's answer, the feedback names
    the mistake. The first failing case stops the check: one clear message beats ten.
    """
    if not callable(learner):
        raise TypeError(f"{exercise}: expected your function, got {type(learner).__name__}")
    for case in cases:
        try:
            got = learner(*case.args, **case.kwargs)
        except NotImplementedError:
            return CheckResult(
                exercise,
                NOT_ATTEMPTED,
                [
                    "Replace the `raise NotImplementedError` with your code, then run this cell "
                    "again. Until then the chapter uses the reference implementation."
                ],
                reference,
            )
        except Exception as error:  # the learner's bug, reported rather than raised
            message = f"{case.label}: your function raised {type(error).__name__}: {error}"
            return CheckResult(exercise, INCORRECT, [message], reference)
        expected = reference(*case.args, **case.kwargs)
        problem = compare(got, expected)
        if problem is None:
            continue
        messages = [f"{case.label}: {problem}"]
        for description, wrong in mistakes:
            if compare(got, wrong(*case.args, **case.kwargs)) is None:
                messages.append(f"This is what you get if you {description}.")
                break
        return CheckResult(exercise, INCORRECT, messages, reference)
    checked = f"All {len(cases)} cases agree with the reference." if len(cases) > 1 else ""
    return CheckResult(exercise, CORRECT, [checked] if checked else [], learner)


def compare_equal(got: Any, expected: Any) -> str | None:
    """Exact comparison for ints, strings and tuples of them (shapes, counts)."""
    if _normalise(got) == _normalise(expected):
        return None
    return f"expected {expected!r}, got {got!r}"


def _normalise(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return tuple(_normalise(v) for v in value)
    if isinstance(value, np.integer):
        return int(value)
    return value


def compare_arrays(
    got: Any,
    expected: np.ndarray,
    name: str = "output",
    axes: Sequence[str] | None = None,
    rtol: float = 1e-5,
    atol: float = 1e-6,
) -> str | None:
    """Compare a learner's array with the expected one and say precisely what differs.

    ``axes`` names the dimensions (e.g. ``("batch", "time", "hidden")``) so that the
    feedback can say *where* the largest difference is. When a ``"time"`` axis is
    named, an answer shifted by one step is recognised and reported as such.
    """
    try:
        got_arr = np.asarray(got, dtype=float)
    except (TypeError, ValueError):
        return f"{name} should be a NumPy array, got {type(got).__name__}"
    expected = np.asarray(expected, dtype=float)
    layout = f" = ({', '.join(axes)})" if axes and len(axes) == expected.ndim else ""
    if got_arr.shape != expected.shape:
        return f"{name} should have shape {expected.shape}{layout}, got {got_arr.shape}"
    if not np.all(np.isfinite(got_arr)):
        return f"{name} contains NaN or inf"
    if np.allclose(got_arr, expected, rtol=rtol, atol=atol):
        return None
    diff = np.abs(got_arr - expected)
    where = np.unravel_index(int(np.argmax(diff)), diff.shape)
    if axes and len(axes) == expected.ndim:
        place = ", ".join(f"{axis} {i}" for axis, i in zip(axes, where, strict=True))
    else:
        place = f"index {tuple(int(i) for i in where)}"
    message = (
        f"{name} differs most at {place}: expected {expected[where]:.6g}, "
        f"got {got_arr[where]:.6g} (off by {diff[where]:.3g})"
    )
    shift = _time_shift(got_arr, expected, axes, rtol, atol)
    if shift:
        message += f"; your values look shifted {shift} in time"
    return message


def _time_shift(got, expected, axes, rtol, atol) -> str | None:
    if not axes or "time" not in axes or len(axes) != expected.ndim:
        return None
    t = list(axes).index("time")
    if expected.shape[t] < 2:
        return None
    early = [slice(None)] * expected.ndim
    late = [slice(None)] * expected.ndim
    early[t], late[t] = slice(0, -1), slice(1, None)
    early, late = tuple(early), tuple(late)
    if np.allclose(got[late], expected[early], rtol=rtol, atol=atol):
        return "one step late"
    if np.allclose(got[early], expected[late], rtol=rtol, atol=atol):
        return "one step early"
    return None
