"""Every function and method of rnnkit fits a screen: at most 60 lines from its ``def``
to its last line, docstring included (CONTRIBUTING.md, Code style). Read from the
source, without importing anything."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "rnnkit"
SCREEN = 60


def too_long(source: str) -> list[str]:
    """``name (N lines)`` for each function of ``source`` longer than ``SCREEN`` lines."""
    return [
        f"{node.name} ({node.end_lineno - node.lineno + 1} lines)"
        for node in ast.walk(ast.parse(source))
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
        and node.end_lineno - node.lineno + 1 > SCREEN
    ]


@pytest.mark.parametrize(
    "path", sorted(PACKAGE.rglob("*.py")), ids=lambda p: str(p.relative_to(PACKAGE))
)
def test_every_function_fits_a_screen(path):
    assert too_long(path.read_text(encoding="utf-8")) == []


def test_the_check_counts_a_method_and_its_docstring():
    body = "".join(f"        x{i} = {i}\n" for i in range(SCREEN - 2))
    fits = f'class A:\n    def f(self):\n        """One line."""\n{body}'
    assert too_long(fits) == []
    assert too_long(fits + "        return x0\n") == [f"f ({SCREEN + 1} lines)"]
