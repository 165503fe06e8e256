"""The checkers' feedback on wrong answers, and the pieces of it that have no Chinese.

A checker's title and messages reach a Chinese learner through
``rnnkit.translation.shown``: whole where ``rnnkit/locale/zh_CN.po`` has the
message, else piece by piece. This script runs every checker on the wrong answers we
know of and lists each piece that would stay in English, with the message it came from:

    python .ci/checker_messages.py                   # untranslated pieces; exit 1 if any
    python .ci/checker_messages.py --all             # every piece, translated or not
    python .ci/checker_messages.py --run SCRIPT ...  # also the results SCRIPT makes

The wrong answers: ``BATTERY`` of ``tests/test_checks_battery.py``, ``WRONG`` of
``tests/test_checks_unlisted.py``, and each checker's own list of known mistakes (the
``mistakes`` it passes to ``run_check``), each tried as an answer; plus every result
that the scripts given with ``--run`` produce. Add a translation of each listed piece
(numbers written ``{}``) to ``rnnkit/locale/zh_CN.po``, or one of the whole message.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import runpy
import sys
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from rnnkit import checks  # noqa: E402
from rnnkit.checks import core  # noqa: E402
from rnnkit.translation import missing_pieces, pieces, value_template  # noqa: E402

LANGUAGE = "zh_CN"


def _stub(*args, **kwargs):
    raise NotImplementedError


LESSONS: dict[str, list[str]] = {}
"""Each checker's case lessons (``Case(lesson=...)``), filled by :func:`known_mistakes`:
a lesson shows only when an answer fails on its case, so it is listed on its own."""


def known_mistakes() -> dict[str, list[Callable]]:
    """Each checker's own mistake functions, read from the ``mistakes`` it passes to
    ``run_check`` (its stub answer stops the check at once); its cases' lessons go to
    :data:`LESSONS`."""
    found: dict[str, list[Callable]] = {}
    for name, check in checks.CHECKERS.items():
        module = sys.modules[check.__module__]
        real = module.run_check

        def spy(*args, _name=name, _real=real, **kwargs):
            mistakes = kwargs.get("mistakes", args[5] if len(args) > 5 else ())
            cases = kwargs.get("cases", args[3] if len(args) > 3 else ())
            found[_name] = [wrong for _, wrong in mistakes]
            LESSONS[_name] = [case.lesson for case in cases if case.lesson]
            return _real(*args, **kwargs)

        module.run_check = spy
        try:
            check(_stub)
        finally:
            module.run_check = real
    return found


def wrong_answers() -> Iterator[tuple[str, Callable]]:
    """(checker name, wrong answer) for every wrong answer of the tests and the checkers."""
    import test_checks_battery
    import test_checks_unlisted

    for check, answers in test_checks_battery.BATTERY.values():
        for _, wrong, _ in answers:
            yield check.__name__, wrong
    for name, wrong, _ in test_checks_unlisted.WRONG:
        yield name, wrong
    for name, mistakes in known_mistakes().items():
        for wrong in mistakes:
            yield name, wrong


def results(scripts: list[str] = ()) -> list[core.CheckResult]:
    """The results of every checker on every wrong answer, then those of ``scripts``."""
    out = []
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        for name, wrong in wrong_answers():
            out.append(checks.CHECKERS[name](wrong))
        for script in scripts:
            out += _results_of(script)
    return out


def _results_of(script: str) -> list[core.CheckResult]:
    """Every :class:`CheckResult` made while ``script`` runs (its output is swallowed)."""
    made, init = [], core.CheckResult.__init__

    def recording(self, *args, **kwargs):
        init(self, *args, **kwargs)
        made.append(self)

    core.CheckResult.__init__ = recording
    sys.path.insert(0, str(Path(script).resolve().parent))
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            runpy.run_path(script, run_name="__main__")
    except (Exception, SystemExit) as error:
        print(f"{script}: stopped by {type(error).__name__}: {error}", file=sys.stderr)
    finally:
        core.CheckResult.__init__ = init
        sys.path.pop(0)
    return made


def texts(result: core.CheckResult) -> list[str]:
    """What a result shows: its title, then each message."""
    return [f"{result.exercise}: {result.status}", *result.messages]


def untranslated(found: list[core.CheckResult]) -> dict[str, str]:
    """``{piece: the first message it comes from}`` for every piece without a
    translation, each with its values (numbers, tuples of them) written ``{}``; the
    cases' lessons (:data:`LESSONS`) included."""
    missing: dict[str, str] = {}
    lessons = [lesson for listed in LESSONS.values() for lesson in listed]
    for text in [t for result in found for t in texts(result)] + lessons:
        for piece in missing_pieces(text, LANGUAGE):
            missing.setdefault(value_template(piece)[0], text)
    return missing


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--all", action="store_true", help="list every piece")
    parser.add_argument("--run", nargs="+", default=[], metavar="SCRIPT")
    args = parser.parse_args(argv)
    found = results(args.run)
    missing = untranslated(found)
    if args.all:
        every = dict.fromkeys(
            value_template(p)[0] for r in found for t in texts(r) for p in pieces(t)
        )
        for piece in every:
            print(("MISSING  " if piece in missing else "         ") + piece)
        return 0
    for piece, message in missing.items():
        print(f"{piece}\n    in: {message}")
    shown = sum(len(texts(r)) for r in found)
    print(f"{len(missing)} untranslated pieces in {shown} titles and messages", file=sys.stderr)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
