""".ci/execute.py: the notebooks that train longest start first, and they are the book's;
a record of the execution cache is executed again under ``--fresh`` exactly when it was
made from other sources."""

import shutil
import subprocess
from pathlib import Path

import nbformat
import pytest
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


@pytest.fixture
def checkout(tmp_path):
    """A small git checkout: a package file, a data file, a notebook, a test, a README,
    two build scripts."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    files = {
        "rnnkit/core.py": "X = 1\n",
        "benchmarks/results/run.json": "{}\n",
        "chapters/01.ipynb": "{}\n",
        "tests/test_core.py": "def test(): pass\n",
        "README.md": "# Book\n",
        ".ci/execute.py": "# executes\n",
        ".ci/test-all": "# tests\n",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    subprocess.run(["git", "add", "."], cwd=tmp_path, check=True)
    return tmp_path


@pytest.mark.parametrize(
    "name", ["rnnkit/core.py", "benchmarks/results/run.json", ".ci/execute.py"]
)
def test_an_edit_to_the_package_the_data_or_the_executor_changes_the_sources_digest(checkout, name):
    execute = load_execute()
    before = execute.sources_digest(checkout)
    (checkout / name).write_text("changed\n")
    assert execute.sources_digest(checkout) != before


def test_a_new_untracked_module_changes_the_sources_digest(checkout):
    execute = load_execute()
    before = execute.sources_digest(checkout)
    (checkout / "rnnkit" / "extra.py").write_text("Y = 2\n")
    assert execute.sources_digest(checkout) != before


@pytest.mark.parametrize(
    "name", ["chapters/01.ipynb", "tests/test_core.py", "README.md", ".ci/test-all"]
)
def test_a_notebook_a_test_a_build_script_or_the_readme_leaves_the_sources_digest(checkout, name):
    """A notebook's own code is what the cache keys its record on; the notebooks read
    no test, build script or README."""
    execute = load_execute()
    before = execute.sources_digest(checkout)
    (checkout / name).write_text("changed\n")
    assert execute.sources_digest(checkout) == before


def test_outside_a_git_checkout_there_is_no_digest(tmp_path):
    execute = load_execute()
    assert execute.sources_digest(tmp_path) is None


def test_fresh_executes_again_exactly_the_records_made_from_other_sources(tmp_path):
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn

    execute = load_execute()
    cache = get_cache(str(tmp_path / "cache"))
    paths = []
    for name, sources in (("same", "A"), ("other", "B"), ("unstamped", None), ("new", None)):
        notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(f"'{name}'")])
        path = tmp_path / f"{name}.ipynb"
        nbformat.write(notebook, path)
        paths.append(path)
        if name == "new":
            continue
        data = {} if sources is None else {"sources": sources}
        uri = str(cache.add_nb_to_project(str(path)).uri)
        cache.cache_notebook_bundle(
            CacheBundleIn(notebook, uri, data=data), check_validity=False, overwrite=True
        )

    def names(todo):
        return [path.stem for path in todo]

    made_from_a = execute.record_states(paths, cache, "A")
    assert names(execute.to_execute(made_from_a, fresh=False)) == ["new"]
    assert names(execute.to_execute(made_from_a, fresh=True)) == [
        "other",
        "unstamped",
        "new",
    ]
    no_sources = execute.record_states(paths, cache, None)
    assert names(execute.to_execute(no_sources, fresh=True)) == [p.stem for p in paths]
