"""rnnkit.listing: a chapter's listing is the package's code, minus docstrings and input
checks only, and it fits the book's 80 columns."""

import ast
import inspect
import json
import re
import textwrap
from pathlib import Path

import numpy as np
import pytest

from rnnkit import listing, metrics
from rnnkit import reference as R

torch = pytest.importorskip("torch")

from rnnkit import reference_ssm  # noqa: E402
from rnnkit.models import (  # noqa: E402
    charlm,
    classifier,
    forecaster,
    interpret,
    longdeps,
    minrnn,
    selective,
    seq2seq,
    state_tracking,
)
from rnnkit.models import ssm as models_ssm  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
# Every object a chapter shows with show_code (test_chapters_show_code_through_listing
# keeps this list complete).
SHOWN = [
    R.rnn_cell,
    R.rnn_cell_backward,
    R.rnn_backward,
    R._backward,
    R.lstm_cell,
    R.gru_cell,
    charlm.CharLM,
    metrics.interpolate_bpc,
    classifier.TextClassifier,
    classifier.keras_classifier,
    forecaster.TorchForecaster,
    longdeps.LongDepsModel,
    seq2seq.Seq2Seq.attend,
    interpret.lstm_trace,
    interpret.LSTMClassifier,
    interpret.saliency,
    minrnn.log_scan,
    minrnn.MinGRU._sequential,
    minrnn.MinGRU.coefficients,
    state_tracking.SignedMinGRU.coefficients,
    reference_ssm.lti_kernel,
    reference_ssm.associative_scan,
    reference_ssm.ssd_chunked,
    models_ssm.DiagonalLTI.kernel,
    models_ssm.DiagonalLTI._chunked,
    models_ssm._carry,
    selective.SelectiveSSM.coefficients,
    selective.SelectiveSSM._chunked,
]
IDS = [obj.__qualname__ for obj in SHOWN]


def is_docstring(node, position, statement) -> bool:
    return (
        position == 0
        and isinstance(node, (ast.FunctionDef, ast.ClassDef))
        and isinstance(statement, ast.Expr)
        and isinstance(statement.value, ast.Constant)
    )


def statements_without_docstrings_or_checks(source: str) -> str:
    """The package's AST with docstrings and checks removed node by node: what the
    listing (made by removing lines, then reformatting) must parse to."""
    tree = ast.parse(textwrap.dedent(source))
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list):
            node.body = [
                s
                for i, s in enumerate(body)
                if not is_docstring(node, i, s) and not listing.is_validation(s)
            ]
    return ast.dump(tree)


@pytest.mark.parametrize("obj", SHOWN, ids=IDS)
def test_listing_parses_to_the_package_code_without_docstrings_and_checks(obj):
    shown = listing.show_code(obj).code
    assert ast.dump(ast.parse(shown)) == statements_without_docstrings_or_checks(
        inspect.getsource(obj)
    )


@pytest.mark.parametrize("obj", SHOWN, ids=IDS)
def test_every_line_of_a_listing_is_a_package_line_in_order(obj):
    package = iter(textwrap.dedent(inspect.getsource(obj)).splitlines())
    for line in listing.taught_source(obj).splitlines():
        assert line in package, f"{line!r} is not the package's next line"


@pytest.mark.parametrize("obj", SHOWN, ids=IDS)
def test_listing_has_no_docstring_no_check_and_fits_80_columns(obj):
    shown = listing.show_code(obj).code
    assert '"""' not in shown
    assert not re.search(r"\b_*(check|require)_\w*\(|\._check\(|if check:", shown)
    assert max(len(line) for line in shown.splitlines()) <= listing.WIDTH


def test_shown_rnn_cell_computes_what_the_package_computes():
    namespace = dict(vars(R))
    exec(listing.taught_source(R.rnn_cell), namespace)  # the listing, run as code
    rng = np.random.default_rng(0)
    params = R.init_params("rnn", 3, 4, rng=rng)
    x_t, h_prev = rng.normal(size=(2, 3)), rng.normal(size=(2, 4))
    expected = R.rnn_cell(x_t, h_prev, params)
    assert np.array_equal(namespace["rnn_cell"](x_t, h_prev, params), expected)


def test_validation_is_a_checker_call_an_if_check_block_or_an_if_that_only_raises():
    def statement(code):
        return ast.parse(code).body[0]

    assert listing.is_validation(statement("x = _check_input(x, 'x')"))
    assert listing.is_validation(statement("self._check(x, h0)"))
    assert listing.is_validation(statement("if check:\n    y = 1"))
    assert listing.is_validation(statement("if x < 0:\n    raise ValueError('x')"))
    # the result lands in a new name that the code reads: kept
    assert not listing.is_validation(statement("self.n = require_int(n, 'n')"))
    assert not listing.is_validation(statement("checkpoint(model)"))
    assert not listing.is_validation(statement("if x < 0:\n    raise ValueError\nelse:\n    y = 1"))
    assert not listing.is_validation(statement("h = np.tanh(a)"))


def test_long_trailing_comments_move_above_their_line():
    code = "def f(x):\n    return x  # " + "why " * 20
    lifted = listing.lift_long_comments(code, width=40)
    assert lifted.splitlines()[1:] == ["    # " + "why " * 20, "    return x"]
    assert listing.lift_long_comments("y = 1  # short", width=40) == "y = 1  # short"


def test_listing_renders_as_a_fenced_python_block():
    shown = listing.show_code(R.rnn_cell)
    assert shown._repr_markdown_().startswith("```python\ndef rnn_cell(")
    assert repr(shown) == shown.code


def test_show_code_rejects_what_has_no_python_source():
    with pytest.raises(ValueError, match="expected a function, method or class.*got int"):
        listing.show_code(3)
    with pytest.raises(ValueError, match="at least one"):
        listing.show_code()


def test_chapters_show_code_through_listing_and_never_print_raw_source():
    shown_names = {obj.__name__ for obj in SHOWN}
    for path in sorted((ROOT / "chapters").glob("*.ipynb")):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        code = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
        assert "getsource" not in code and "help(" not in code, path.name
        for call in re.findall(r"show_code\(([^)]*)\)", code):
            for name in re.findall(r"[\w.]+", call):
                assert name.rsplit(".", 1)[-1] in shown_names, f"{path.name}: add {name} to SHOWN"


def test_long_comment_blocks_are_refilled_at_the_width():
    code = "    # " + "word " * 12 + "\n    # end\nx = 1"
    refilled = listing.refill_comment_blocks(code, width=30)
    lines = refilled.splitlines()
    assert all(len(line) <= 30 and line.startswith("    # ") for line in lines[:-1])
    assert " ".join(line[6:] for line in lines[:-1]).split() == ["word"] * 12 + ["end"]
    assert lines[-1] == "x = 1"
    assert listing.refill_comment_blocks("# short\nx = 1", width=30) == "# short\nx = 1"


def test_reflow_ignores_the_ruff_configuration_of_the_working_directory(tmp_path, monkeypatch):
    code = "def f(first_argument, second_argument, third_argument, fourth_one=1): pass"
    expected = listing.reflow(code, width=40)
    assert expected.startswith("def f(\n")  # ruff is installed here and wrapped it
    (tmp_path / "ruff.toml").write_text('extend = "../no-such.toml"\nline-length = 200\n')
    monkeypatch.chdir(tmp_path)  # a kernel's folder, as nbval's copy of chapters/ is
    assert listing.reflow(code, width=40) == expected
