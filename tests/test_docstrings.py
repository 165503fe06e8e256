"""Every docstring of rnnkit is valid reStructuredText, so the API page (chapters/api.md,
built with warnings as errors) renders it: checked here in the fast tests by docutils,
read from the source without importing anything."""

import ast
import io
import re
from pathlib import Path

import docutils.core
import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "rnnkit"
# Sphinx's roles (:func:`x`) are unknown to plain docutils: read them as literals.
ROLE = re.compile(r":[\w:]+:`([^`]*)`")


def docstrings(path: Path):
    """(where, docstring) for the module, and every class, function and method in it."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            text = ast.get_docstring(node)
            if text:
                yield f"{path.name}:{getattr(node, 'name', 'module')}", text


def rst_warnings(text: str) -> str:
    stream = io.StringIO()
    docutils.core.publish_doctree(
        ROLE.sub(r"``\1``", text),
        settings_overrides={"warning_stream": stream, "report_level": 2, "halt_level": 5},
    )
    return stream.getvalue().strip()


@pytest.mark.parametrize(
    "path", sorted(PACKAGE.rglob("*.py")), ids=lambda p: str(p.relative_to(PACKAGE))
)
def test_every_docstring_is_valid_restructured_text(path):
    problems = [f"{where}: {w}" for where, text in docstrings(path) if (w := rst_warnings(text))]
    assert not problems, "\n".join(problems)


def test_the_check_catches_an_inline_literal_that_starts_with_a_space():
    assert "Inline literal" in rst_warnings("split at `` | `` and ``; ``")
    assert rst_warnings("split at a bar and a semicolon, see :func:`pieces`") == ""
