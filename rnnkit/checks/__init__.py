"""Exercise checks, one module per chapter group; the machinery lives in ``core`` and
``diagnose`` (how a wrong answer differs from the reference).

Every checker takes the learner's function and returns a :class:`~rnnkit.checks.core.CheckResult`
whose ``use`` attribute is the function the chapter should continue with.

The checkers are found, not listed: every other module of this package is a checker
module, and every function it defines whose name starts with ``check_`` is a checker, importable from here (``from rnnkit.checks import check_lstm_step``) and
listed in ``CHECKERS``. A new exercise's checker needs no registration.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable

from rnnkit.checks.core import (
    CORRECT,
    INCORRECT,
    NOT_ATTEMPTED,
    Case,
    CheckResult,
    as_scalar,
    compare_arrays,
    compare_equal,
    compare_scalar,
    protect,
    run_check,
    same_answer,
)

MACHINERY = ("core", "diagnose")
CHECKER_MODULES: tuple[str, ...] = tuple(
    sorted(info.name for info in pkgutil.iter_modules(__path__) if info.name not in MACHINERY)
)


def _checkers_of(name: str) -> dict[str, Callable]:
    module = importlib.import_module(f"{__name__}.{name}")
    return {
        attr: value
        for attr, value in vars(module).items()
        if attr.startswith("check_") and callable(value) and value.__module__ == module.__name__
    }


CHECKERS: dict[str, Callable] = {
    attr: value for name in CHECKER_MODULES for attr, value in _checkers_of(name).items()
}
globals().update(CHECKERS)

__all__ = [
    "CHECKERS",
    "CHECKER_MODULES",
    "CORRECT",
    "INCORRECT",
    "NOT_ATTEMPTED",
    "Case",
    "CheckResult",
    "as_scalar",
    "compare_arrays",
    "compare_equal",
    "compare_scalar",
    "protect",
    "run_check",
    "same_answer",
    *sorted(CHECKERS),
]
