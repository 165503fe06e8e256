""".ci/execute.py: the notebooks that train longest start first, and they are the book's."""

from pathlib import Path

from ci_scripts import load_ci_script


def load_execute():
    return load_ci_script("execute")


def test_every_notebook_named_longest_is_in_the_book():
    execute = load_execute()
    names = {path.name for path in execute.book_notebooks()}
    assert set(execute.LONGEST) <= names


def test_the_longest_start_first_and_the_others_keep_their_order():
    execute = load_execute()
    paths = [Path(name) for name in ("a.ipynb", *reversed(execute.LONGEST), "b.ipynb")]
    ordered = [path.name for path in execute.longest_first(paths)]
    assert ordered == [*execute.LONGEST, "a.ipynb", "b.ipynb"]
