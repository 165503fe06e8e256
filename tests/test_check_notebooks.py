""".ci/check_notebooks.py: clean notebooks, and no build plumbing in the code a reader sees."""

from ci_scripts import load_ci_script


def load_check():
    return load_ci_script("check_notebooks")


def code(source: str, **metadata) -> dict:
    return {"cell_type": "code", "source": source, "metadata": metadata, "outputs": []}


def test_a_measurement_cell_with_its_reason_in_metadata_passes():
    check = load_check()
    cell = code(
        "times = measure()",
        tags=["nbval-ignore-output"],
        nbval_ignore_reason="wall-clock times change from run to run",
    )
    assert check.plumbing(cell) == []
    assert check.plumbing(code("x = 1")) == []


def test_a_measurement_cell_without_a_reason_or_with_it_in_the_code_fails():
    check = load_check()
    no_reason = check.plumbing(code("times = measure()", tags=["nbval-ignore-output"]))
    assert no_reason == [
        "is tagged nbval-ignore-output without a 'nbval_ignore_reason' in its metadata"
    ]
    blank = code("t = 1", tags=["nbval-ignore-output"], nbval_ignore_reason="  ")
    assert len(check.plumbing(blank)) == 1
    comment = code(
        "# nbval-ignore-output: times move\nt = 1",
        tags=["nbval-ignore-output"],
        nbval_ignore_reason="times move",
    )
    assert check.plumbing(comment) == ["shows 'nbval-ignore-output' in its code"]
    stray = check.plumbing(code("t = 1", nbval_ignore_reason="times move"))
    assert stray == ["has a 'nbval_ignore_reason' but no nbval-ignore-output tag"]


def test_noqa_is_refused_in_shown_code_and_allowed_in_a_hidden_check():
    check = load_check()
    assert check.plumbing(code("f(x)  # noqa: F821")) == ["shows '# noqa' in its code"]
    assert check.plumbing(code("f(x)  # noqa: F821", tags=["remove-cell"])) == []
