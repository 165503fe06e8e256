"""The package's code as a chapter shows it: the lines that teach, not the plumbing.

A chapter that teaches a function of ``rnnkit`` displays that function's source from
the package itself, so the listing can never drift from the code the chapter runs. It
does not display all of it: the docstring repeats the prose around the listing, and
the input checks at the public boundary (``if check: ...``, ``_check_step(...)``,
``require_int(...)``, an ``if`` whose body only raises) are plumbing, not the lesson.
:func:`taught_source` leaves out exactly those statements, whole lines at a time;
every line it keeps is the package's own line, in the package's order (a test checks
it). :func:`show_code` reflows the result to the 80 columns of the book's code cells
with ruff when ruff is installed (it is in the book's environment; in Colab the lines
keep the package's 100 columns) and wraps it so that Jupyter and the book render it
as highlighted Python.
"""

from __future__ import annotations

import ast
import inspect
import re
import subprocess
import sys
import textwrap
import tokenize
from dataclasses import dataclass
from io import StringIO

# Names of the validation helpers: check_params, _check_step, self._check, require_int, ...
VALIDATOR = re.compile(r"_*(check|require)(_|$)")
WIDTH = 80  # the book's code column (chapters/ruff.toml)


def _validator_call(statement: ast.stmt) -> bool:
    """``check(x, ...)`` alone, or re-binding its own arguments: ``x = check(x, ...)``.

    A call whose result lands in a new name (``self.size = require_int(size)``) is kept:
    the code below it reads that name.
    """
    if not isinstance(statement, (ast.Expr, ast.Assign)):
        return False
    call = statement.value
    if not isinstance(call, ast.Call):
        return False
    func = call.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    if not VALIDATOR.match(name):
        return False
    if isinstance(statement, ast.Expr):
        return True
    arguments = {a.id for a in call.args if isinstance(a, ast.Name)}
    targets = [t for target in statement.targets for t in getattr(target, "elts", [target])]
    return all(isinstance(t, ast.Name) and t.id in arguments for t in targets)


def is_validation(statement: ast.stmt) -> bool:
    """Whether ``statement`` only checks inputs: a call to a validator (a name such as
    ``check_params``, ``_check_step`` or ``require_int``) alone or re-binding its own
    arguments, ``if check:``, or an ``if`` without ``else`` whose body only raises or
    validates."""
    if _validator_call(statement):
        return True
    if not isinstance(statement, ast.If) or statement.orelse:
        return False
    if isinstance(statement.test, ast.Name) and statement.test.id == "check":
        return True
    return all(isinstance(s, ast.Raise) or is_validation(s) for s in statement.body)


def _is_docstring(statement: ast.stmt) -> bool:
    return (
        isinstance(statement, ast.Expr)
        and isinstance(statement.value, ast.Constant)
        and isinstance(statement.value.value, str)
    )


def _dropped_lines(tree: ast.AST) -> set[int]:
    """0-based numbers of the lines that hold docstrings and validation statements."""
    dropped: set[int] = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if not isinstance(body, list):
            continue
        for position, statement in enumerate(body):
            docstring = position == 0 and _is_docstring(statement)
            if docstring and isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                dropped.update(range(statement.lineno - 1, statement.end_lineno))
            elif is_validation(statement):
                dropped.update(range(statement.lineno - 1, statement.end_lineno))
    return dropped


def taught_source(obj) -> str:
    """The source of a function, method or class without docstrings or input checks.

    Returns the dedented source text minus whole lines: the docstrings, the validation
    statements (see :func:`is_validation`) and a blank line left right after a removed
    docstring. Raises ``ValueError`` when ``obj`` has no Python source (a built-in, an
    instance, a lambda defined in a string).
    """
    try:
        source = textwrap.dedent(inspect.getsource(obj))
    except (TypeError, OSError) as error:
        raise ValueError(
            "expected a function, method or class defined in a Python file, "
            f"got {type(obj).__name__} {obj!r:.60}"
        ) from error
    lines = source.splitlines()
    dropped = _dropped_lines(ast.parse(source))
    kept: list[str] = []
    for number, line in enumerate(lines):
        if number in dropped:
            continue
        if not line.strip() and number - 1 in dropped and kept and kept[-1].endswith(":"):
            continue  # the blank line under a removed docstring
        kept.append(line)
    return "\n".join(kept)


@dataclass(frozen=True)
class Listing:
    """Python code to display: Markdown (a fenced block, highlighted by Jupyter and by
    the book like any code cell) and plain text (the code itself)."""

    code: str

    def _repr_markdown_(self) -> str:
        return f"```python\n{self.code}\n```"

    def __repr__(self) -> str:
        return self.code


def lift_long_comments(code: str, width: int = WIDTH) -> str:
    """Move the trailing comment of each line longer than ``width`` onto its own line
    above, at the line's indentation (the formatter would split the code instead)."""
    lines = code.split("\n")
    for token in tokenize.generate_tokens(StringIO(code).readline):
        if token.type != tokenize.COMMENT:
            continue
        row, column = token.start
        line = lines[row - 1]
        if not line[:column].strip() or len(line) <= width:
            continue
        indent = line[: len(line) - len(line.lstrip())]
        lines[row - 1] = f"{indent}{token.string}\n{line[:column].rstrip()}"
    return "\n".join(lines)


def refill_comment_blocks(code: str, width: int = WIDTH) -> str:
    """Refill each run of whole-line comments that has a line longer than ``width``,
    as one paragraph at that width (the formatter leaves comments alone)."""
    lines, out, block = code.split("\n"), [], []

    def flush():
        if block and max(len(line) for line in block) > width:
            indent = block[0][: len(block[0]) - len(block[0].lstrip())]
            text = " ".join(line.strip()[1:].strip() for line in block)
            prefix = f"{indent}# "
            block[:] = textwrap.wrap(text, width, initial_indent=prefix, subsequent_indent=prefix)
        out.extend(block)
        block.clear()

    for line in lines:
        if line.lstrip().startswith("#"):
            block.append(line)
            continue
        flush()
        out.append(line)
    flush()
    return "\n".join(out)


def reflow(code: str, width: int = WIDTH) -> str:
    """``code`` formatted by ``ruff format`` at ``width`` columns, long trailing comments
    lifted (:func:`lift_long_comments`) and long comment blocks refilled
    (:func:`refill_comment_blocks`); only the comments change when ruff is not installed."""
    code = refill_comment_blocks(lift_long_comments(code, width), width)
    try:
        done = subprocess.run(
            # --isolated: the same listing from any folder, whatever ruff configuration
            # (or broken `extend` path) the working directory has
            [
                sys.executable,
                "-m",
                "ruff",
                "format",
                "--isolated",
                "--target-version=py310",
                f"--line-length={width}",
                "-",
            ],
            input=code,
            capture_output=True,
            text=True,
            check=True,
        )
    except (OSError, subprocess.CalledProcessError):
        return code
    return done.stdout.rstrip("\n")


def show_code(*objs) -> Listing:
    """A :class:`Listing` of :func:`taught_source` of each object, a blank line apart,
    reflowed to the book's width (:func:`reflow`).

    Raises ``ValueError`` when no object is given or one has no Python source.
    """
    if not objs:
        raise ValueError("show_code expects at least one function, method or class, got none")
    return Listing(reflow("\n\n\n".join(taught_source(obj) for obj in objs)))
