"""The machinery behind every exercise check.

An exercise gives the learner a stub that raises ``NotImplementedError``. The chapter
passes the learner's function to a checker, which runs it on a few cases and compares
each answer with the reference. The checker returns a :class:`CheckResult`:

* ``not attempted`` -- the stub still raises ``NotImplementedError``; the chapter
  carries on with the reference implementation (``result.use``);
* ``incorrect`` -- specific feedback: which case, which shape or which entry is off and
  by how much, and, when the answer matches a known mistake, which one;
* ``correct`` -- ``result.use`` is the learner's own function.

Every check, whatever the exercise, works the same way (:func:`run_check`):

1. the reference runs first, on its own copy of the case;
2. the learner's function gets read-only deep copies (:func:`protect`), so an in-place
   update cannot change the reference's answer or the stored cases; a write is
   reported as "your function modified its input";
3. the comparison and the search for a known mistake run inside the checker's error
   handling: whatever the learner returns, the check gives feedback, never a traceback.

The result displays itself in a notebook, so a check cell ends with the check call.
"""

from __future__ import annotations

import copy
import html
import inspect
import re
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from rnnkit.checks import diagnose
from rnnkit.translation import shown
from rnnkit.validation import one_line

NOT_ATTEMPTED = "not attempted"
INCORRECT = "incorrect"
CORRECT = "correct"

# The icon is decoration (a font without emoji shows a box): the status word says it all.
_ICONS = {NOT_ATTEMPTED: "⏳", INCORRECT: "❌", CORRECT: "✅"}
# The box's colour: the book theme's variable (pydata-sphinx-theme, light and dark), and
# the colour to use where it is not defined (Jupyter, Colab) as (r, g, b).
_COLOURS = {
    NOT_ATTEMPTED: ("warning", (191, 96, 0)),
    INCORRECT: ("danger", (200, 40, 60)),
    CORRECT: ("success", (0, 132, 63)),
}
_TRY_AGAIN = (
    "Replace the `raise NotImplementedError` with your code, then run this cell again. "
    "Until then the chapter uses the reference implementation."
)


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
        lines = [f"{_ICONS[self.status]} {shown(f'{self.exercise}: {self.status}')}"]
        lines += [f"   {shown(message)}" for message in self.messages]
        return "\n".join(lines)

    __repr__ = __str__

    def _repr_markdown_(self) -> str:
        head = f"{_ICONS[self.status]} **{shown(f'{self.exercise}: {self.status}')}**"
        return "\n".join([head, ""] + [f"- {shown(message)}" for message in self.messages])

    def _repr_html_(self) -> str:
        """A self-contained box for Jupyter and the book: a left border in the status's
        colour, the title line, then the messages as a list (escaped; `code` as code).

        Classes ``rnnkit-check`` and ``rnnkit-check-<status>`` (``not-attempted``,
        ``incorrect``, ``correct``) let the book's stylesheet adjust it.
        """
        name, (r, g, b) = _COLOURS[self.status]
        border = f"var(--pst-color-{name}, rgb({r}, {g}, {b}))"
        tint = f"var(--pst-color-{name}-bg, rgba({r}, {g}, {b}, 0.1))"
        title = (
            f'<span aria-hidden="true">{_ICONS[self.status]} </span>'
            f"{html.escape(shown(f'{self.exercise}: {self.status}'))}"
        )
        items = "".join(f"<li>{_message_html(shown(m))}</li>" for m in self.messages)
        listing = (
            f'<ul style="margin: 0.4em 0 0; padding-left: 1.4em">{items}</ul>' if items else ""
        )
        return (
            f'<div class="rnnkit-check rnnkit-check-{self.status.replace(" ", "-")}" '
            f'style="border-left: 0.3em solid {border}; background: {tint}; '
            f'border-radius: 0.25em; padding: 0.5em 0.9em; margin: 0.5em 0">'
            f'<div style="font-weight: 600">{title}</div>{listing}</div>'
        )


def _message_html(message: str) -> str:
    """A feedback message as HTML: escaped, with `code` spans as <code>, line breaks kept."""
    escaped = html.escape(message)
    coded = re.sub(r"`([^`]+)`", r"<code>\1</code>", escaped)
    return coded.replace("\n", "<br>")


@dataclass(frozen=True)
class Case:
    """One call of the learner's function: its arguments and a label for feedback.

    ``lesson`` is what the case is there to expose (a stress case: huge logits, a long
    sequence); it is added to the feedback when an answer fails on this case.
    """

    label: str
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)
    lesson: str = ""


Comparer = Callable[[Any, Any], "str | None"]
"""Compares (got, expected); returns None when they agree, else what is wrong."""


@dataclass
class _Attempt:
    """The learner's answer on one case, or why there is none."""

    answer: Any = None
    problem: str | None = None
    error: Exception | None = None  # what the learner's function raised, if anything
    not_attempted: bool = False


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
    it; when the learner's answer equals that function's answer (NaN matching NaN),
    or the learner's function fails exactly as that function does (same exception,
    same message), the feedback names the mistake. The first failing case stops the
    check: one clear message beats ten. Something that is not a function (its result,
    say) gets an "incorrect" verdict that says what to pass, not an exception.
    """
    if not callable(learner):  # e.g. the function's result handed in instead of the function
        message = (
            f"expected your function itself, got {type(learner).__name__}: pass the name "
            "without calling it (`check(my_function)`, not `check(my_function())`)"
        )
        return CheckResult(exercise, INCORRECT, [message], reference)
    passed: list[tuple[Any, Any]] = []  # (expected, answer) of the cases passed so far
    for case in cases:
        expected = _call(reference, case)  # first, on its own copy of the case
        attempt = _attempt(learner, case)
        if attempt.not_attempted:
            return CheckResult(exercise, NOT_ATTEMPTED, [_TRY_AGAIN], reference)
        problem = attempt.problem or _returned_nothing(attempt.answer, expected)
        problem = problem or _compare_safely(compare, attempt.answer, expected)
        if problem is None:
            passed.append((expected, attempt.answer))
            continue
        messages = [f"{case.label}: {problem}"]
        if case.lesson:
            messages.append(case.lesson)
        messages += _same_as_before(attempt, expected, passed)
        messages += _known_mistake(attempt, learner, case, cases, mistakes)
        return CheckResult(exercise, INCORRECT, messages, reference)
    checked = f"All {len(cases)} cases agree with the reference." if len(cases) > 1 else ""
    return CheckResult(exercise, CORRECT, [checked] if checked else [], learner)


def _same_as_before(attempt: _Attempt, expected: Any, passed) -> list[str]:
    """The answer a passed case got, given again where the right answer differs: the
    result does not depend on the inputs (hard-coded, or an input ignored)."""
    if attempt.problem is not None or attempt.answer is None:
        return []
    for their_expected, answer in passed:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            same = same_answer(attempt.answer, answer) and not same_answer(expected, their_expected)
        if same:
            return [
                "Your function gives the same answer here as for an earlier case whose right "
                "answer is different: its result does not follow its inputs (a value written "
                "in by hand, or an input it ignores)."
            ]
    return []


def _returned_nothing(answer: Any, expected: Any) -> str | None:
    if answer is None and expected is not None:
        return "your function returned None: end it with `return` and the result"
    return None


def protect(value: Any) -> Any:
    """A deep copy of ``value`` whose NumPy arrays are read-only (and cannot be made
    writable again: each is a view of a read-only copy)."""
    if isinstance(value, np.ndarray):
        base = np.array(value, copy=True)
        base.setflags(write=False)
        return base.view()
    if isinstance(value, Mapping):
        return {key: protect(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        items = [protect(item) for item in value]
        if isinstance(value, list):
            return items
        return type(value)(*items) if hasattr(value, "_fields") else tuple(items)  # namedtuples
    return copy.deepcopy(value)


def _call(fn: Callable, case: Case) -> Any:
    return fn(*protect(case.args), **protect(case.kwargs))


def _attempt(learner: Callable, case: Case) -> _Attempt:
    args, kwargs = protect(case.args), protect(case.kwargs)
    try:
        answer = learner(*args, **kwargs)
    except NotImplementedError:
        return _Attempt(not_attempted=True)
    except Exception as error:  # the learner's bug, reported rather than raised
        if isinstance(error, ValueError) and "read-only" in str(error):
            return _Attempt(problem=_modified(f"(it wrote into a read-only argument: {error})"))
        return _Attempt(problem=_describe_error(error, case), error=error)
    changed = _changed_argument(learner, case, args, kwargs)
    if changed is not None:
        return _Attempt(problem=_modified(f"`{changed}`"))
    return _Attempt(answer=answer)


def _modified(which: str) -> str:
    return (
        f"your function modified its input {which}. Work on a copy (`x = x.copy()`) or "
        "build new arrays: the caller's data must stay as they were."
    )


def _describe_error(error: Exception, case: Case) -> str:
    message = f"your function raised {type(error).__name__}: {one_line(error, 300, first=False)}"
    if isinstance(error, KeyError):
        for item in (*case.args, *case.kwargs.values()):
            if isinstance(item, Mapping):
                message += f"; the dict it was given has the keys {sorted(map(str, item))}"
                break
    return message


def _changed_argument(learner: Callable, case: Case, args: tuple, kwargs: dict) -> str | None:
    """The name of the first argument the learner changed (lists and dicts included)."""
    try:
        names = list(inspect.signature(learner).parameters)
    except (TypeError, ValueError):
        names = []
    for i, (given, original) in enumerate(zip(args, case.args, strict=True)):
        if not _identical(given, original):
            return names[i] if i < len(names) else f"argument {i + 1}"
    for key, given in kwargs.items():
        if not _identical(given, case.kwargs[key]):
            return key
    return None


def _identical(a: Any, b: Any) -> bool:
    if isinstance(b, np.ndarray):
        return (
            isinstance(a, np.ndarray)
            and a.shape == b.shape
            and a.dtype == b.dtype
            and np.array_equal(a, b, equal_nan=a.dtype.kind in "fc")
        )
    if isinstance(b, Mapping):
        return (
            isinstance(a, Mapping)
            and a.keys() == b.keys()
            and all(_identical(a[k], b[k]) for k in b)
        )
    if isinstance(b, (list, tuple)):
        return isinstance(a, (list, tuple)) and len(a) == len(b) and all(map(_identical, a, b))
    try:
        return bool(a == b)
    except Exception:  # an object without a usable ==
        return True


def _compare_safely(compare: Comparer, got: Any, expected: Any) -> str | None:
    try:
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter(
                "ignore"
            )  # comparing is the checker's business, not the learner's
            return compare(got, expected)
    except Exception as error:  # an answer of a form the comparer did not foresee
        return (
            f"your answer (a {type(got).__name__}) could not be compared with the expected "
            f"{_kind(expected)}: {type(error).__name__}: {one_line(error, first=False)}"
        )


def _kind(value: Any) -> str:
    if isinstance(value, np.ndarray):
        return f"array of shape {value.shape}"
    if isinstance(value, (tuple, list)):
        return f"{type(value).__name__} of {len(value)} items"
    return type(value).__name__


def _known_mistake(
    attempt: _Attempt,
    learner: Callable,
    case: Case,
    cases: Sequence[Case],
    mistakes: Sequence[tuple[str, Callable]],
) -> list[str]:
    """``["This is what you get if you ..."]`` for the mistake the attempt repeats, else ``[]``.

    Only a mistake that behaves like the learner's function on every case is named: two
    mistakes can coincide on the failing case, and naming the wrong one misleads.
    """
    if attempt.problem is not None and attempt.error is None:
        return []  # no answer to compare: the input was modified
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return _named_mistake(attempt, learner, case, cases, mistakes)


def _named_mistake(attempt, learner, case, cases, mistakes) -> list[str]:
    matching = [(d, w) for d, w in mistakes if _same_outcome(attempt, _outcome(w, case))]
    others = [other for other in cases if other is not case]
    for description, wrong in matching:
        if all(_consistent(_attempt(learner, o), _outcome(wrong, o)) for o in others):
            return [f"This is what you get if you {description}."]
    return []  # a mistake that matches this case only may be another one: say nothing


def _consistent(ours: _Attempt, theirs: _Attempt) -> bool:
    """Whether a mistake explains the learner's outcome on another case: the same
    outcome, or the learner's function broke there (raised, or returned NaN or inf)
    where the mistake, written not to crash, gave an answer."""
    if _same_outcome(ours, theirs):
        return True
    if ours.error is not None:
        return True
    try:
        return not bool(np.all(np.isfinite(np.asarray(ours.answer, dtype=complex))))
    except Exception:  # tuples of arrays, dicts: no simple finiteness
        return False


def _outcome(wrong: Callable, case: Case) -> _Attempt:
    """What a mistake function gives on ``case``: its answer, or the error it raises."""
    try:
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return _Attempt(answer=_call(wrong, case))
    except Exception as error:
        return _Attempt(problem="raised", error=error)


def _same_outcome(ours: _Attempt, theirs: _Attempt) -> bool:
    """Same answer (within tolerance, NaN matching NaN), or the same exception and message."""
    if ours.not_attempted or (ours.problem is not None and ours.error is None):
        return False
    if ours.error is not None or theirs.error is not None:
        return type(ours.error) is type(theirs.error) and str(ours.error) == str(theirs.error)
    return same_answer(ours.answer, theirs.answer)


def same_answer(a: Any, b: Any, rtol: float = 1e-5, atol: float = 1e-6) -> bool:
    """Whether two answers agree: arrays, numbers, tuples and dicts of them, within
    tolerance, NaN matching NaN, a one-element array matching a number."""
    try:
        if isinstance(a, Mapping) or isinstance(b, Mapping):
            return (
                isinstance(a, Mapping)
                and isinstance(b, Mapping)
                and a.keys() == b.keys()
                and all(same_answer(a[k], b[k], rtol, atol) for k in a)
            )
        try:
            dtype = complex if np.iscomplexobj(a) or np.iscomplexobj(b) else float
            x, y = np.asarray(a, dtype=dtype), np.asarray(b, dtype=dtype)
        except (TypeError, ValueError):  # ragged tuples, strings, objects
            if isinstance(a, (tuple, list)) and isinstance(b, (tuple, list)):
                pairs = zip(a, b, strict=False)
                return len(a) == len(b) and all(same_answer(p, q, rtol, atol) for p, q in pairs)
            return bool(a == b)
        if x.size == y.size == 1:
            x, y = x.reshape(1), y.reshape(1)
        return x.shape == y.shape and np.allclose(x, y, rtol=rtol, atol=atol, equal_nan=True)
    except Exception:  # whatever the learner returned, no match rather than a crash
        return False


def compare_equal(got: Any, expected: Any) -> str | None:
    """Exact comparison for ints, strings and tuples of them (shapes, counts).

    Equivalent forms agree: a list or a NumPy array of ints equals the tuple,
    ``torch.Size`` equals the tuple, ``np.int64(3)`` equals ``3``.
    """
    if _normalise(got) == _normalise(expected):
        return None
    message = f"expected {_normalise(expected)!r}, got {_normalise(got)!r}"
    how = diagnose.diagnose_sizes(_normalise(got), _normalise(expected))
    return f"{message}. {how}" if how else message


def _normalise(value: Any) -> Any:
    if hasattr(value, "tolist") and not isinstance(value, (str, bytes)):
        value = value.tolist()  # NumPy arrays and scalars, torch tensors
    if isinstance(value, (list, tuple)):
        return tuple(_normalise(v) for v in value)
    return value


def as_scalar(value: Any) -> float | None:
    """``value`` as a float if it is one number (a Python or NumPy number, a 0-d or
    one-element array or tensor, a one-element list), else ``None``."""
    if isinstance(value, (bool, np.bool_, str, bytes)):
        return None
    try:
        if hasattr(value, "detach"):  # a torch tensor, maybe requiring grad
            value = value.detach().cpu().numpy()
        arr = np.asarray(value, dtype=float)
    except Exception:
        return None
    return float(arr.reshape(-1)[0]) if arr.size == 1 else None


def compare_scalar(
    got: Any, expected: float, name: str = "the answer", rtol: float = 1e-9, atol: float = 1e-12
) -> str | None:
    """Compare one number, in whatever equivalent form it comes; say "expected X, got Y"."""
    value = as_scalar(got)
    if value is None:
        shape = f" of shape {tuple(np.shape(got))}" if hasattr(got, "shape") else ""
        return f"{name} should be one number, got a {type(got).__name__}{shape}"
    if not np.isfinite(value):
        return f"{name} should be a finite number: expected {expected:.6g}, got {value}"
    if np.isclose(value, expected, rtol=rtol, atol=atol):
        return None
    message = (
        f"{name}: expected {expected:.6g}, got {value:.6g} (off by {abs(value - expected):.3g})"
    )
    how = diagnose.diagnose_number(value, expected)
    how = how or diagnose.diagnose_number_precision(got, value, expected)
    return f"{message}. {how}" if how else message


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
    feedback can say *where* the largest difference is, or where the first NaN is.
    Then :mod:`rnnkit.checks.diagnose` says *how* the answer differs when the numbers
    show it (transposed, shifted one step, scaled, right for the first row only, right
    to float32 precision, complex, normalised over the wrong axis). A 0-d ``expected``
    is compared as a number ("expected X, got Y").
    """
    expected = np.asarray(expected, dtype=float)
    if expected.ndim == 0:
        return compare_scalar(got, float(expected), name, rtol, atol)
    if hasattr(got, "detach"):  # a torch tensor, maybe requiring grad
        got = got.detach().cpu().numpy()
    try:
        raw = np.asarray(got)
        if np.iscomplexobj(raw) and not np.iscomplexobj(expected):
            if raw.shape == expected.shape and not np.any(raw.imag):
                raw = raw.real
            else:
                return f"{name}: {diagnose.diagnose_complex(raw, expected, rtol, atol)}"
        got_arr = np.asarray(raw, dtype=float)
    except Exception:  # ragged lists, strings, objects
        return f"{name} should be a NumPy array, got {type(got).__name__}"
    layout = f" = ({', '.join(axes)})" if axes and len(axes) == expected.ndim else ""
    if got_arr.shape != expected.shape:
        message = f"{name} should have shape {expected.shape}{layout}, got {got_arr.shape}"
        how = diagnose.diagnose_shape(got_arr, expected, axes, rtol, atol)
        return f"{message}. {how}" if how else message
    finite = np.isfinite(got_arr)
    if not finite.all():
        where = np.unravel_index(int(np.argmin(finite)), finite.shape)
        count = int(finite.size - finite.sum())
        return (
            f"{name} has {count} NaN or inf value(s), the first at {_place(where, axes)}: "
            f"got {got_arr[where]}, expected {expected[where]:.6g}. "
            f"{diagnose.diagnose_nonfinite(got_arr, axes)}"
        )
    if np.allclose(got_arr, expected, rtol=rtol, atol=atol):
        return None
    diff = np.abs(got_arr - expected)
    where = np.unravel_index(int(np.argmax(diff)), diff.shape)
    message = (
        f"{name} differs most at {_place(where, axes)}: expected {expected[where]:.6g}, "
        f"got {got_arr[where]:.6g} (off by {diff[where]:.3g})"
    )
    how = diagnose.diagnose_precision(raw, got_arr, expected, rtol, atol)
    how = how or diagnose.diagnose_values(got_arr, expected, axes, rtol, atol)
    return f"{message}. {how}" if how else message


def _place(where: tuple, axes: Sequence[str] | None) -> str:
    if axes and len(axes) == len(where):
        return ", ".join(f"{axis} {i}" for axis, i in zip(axes, where, strict=True))
    return f"index {tuple(int(i) for i in where)}"
