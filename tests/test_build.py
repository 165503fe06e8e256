"""rnnkit.build: the book's root, its execution cache and the notebooks' times."""


def test_notebook_times_is_empty_without_a_cache(tmp_path, monkeypatch):
    from rnnkit.build import notebook_times

    assert notebook_times(str(tmp_path / "missing")) == []
    monkeypatch.chdir(tmp_path)  # no _config.yml above: no book, no cache
    assert notebook_times() == []


def test_book_root_is_the_nearest_folder_with_a_config(tmp_path):
    from rnnkit.build import book_cache, book_root

    (tmp_path / "_config.yml").write_text("title: t\n")
    inner = tmp_path / "_build" / "nbval" / "chapters"
    inner.mkdir(parents=True)
    assert book_root(inner) == tmp_path.resolve()
    assert book_cache(inner) == tmp_path.resolve() / "_build" / ".jupyter_cache"


def test_notebook_times_lists_the_toc_notebooks_the_cache_holds_for_their_current_code(tmp_path):
    import nbformat
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn

    from rnnkit.build import book_notebooks, notebook_times, unrecorded_notebooks

    (tmp_path / "_config.yml").write_text("title: t\n")
    (tmp_path / "_toc.yml").write_text(
        "format: jb-book\nroot: intro\nparts:\n  - chapters:\n      - file: a\n      - file: b\n"
    )
    (tmp_path / "intro.md").write_text("# intro\n")  # a Markdown page: not a notebook
    for name in ("a", "b"):
        notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(f"x = '{name}'")])
        nbformat.write(notebook, tmp_path / f"{name}.ipynb")
    assert [p.name for p in book_notebooks(tmp_path)] == ["a.ipynb", "b.ipynb"]
    cache_dir = tmp_path / "_build" / ".jupyter_cache"
    cache = get_cache(str(cache_dir))
    path = tmp_path / "a.ipynb"
    uri = str(cache.add_nb_to_project(str(path)).uri)
    bundle = CacheBundleIn(nbformat.read(path, as_version=4), uri, data={"execution_seconds": 2.5})
    cache.cache_notebook_bundle(bundle, check_validity=False)
    rows = notebook_times(cache_dir)
    assert rows == [{"notebook": "a.ipynb", "seconds": 2.5}]
    assert unrecorded_notebooks(rows, cache_dir) == ["b.ipynb"]
    # a.ipynb's code changes: its old record no longer stands for it
    nbformat.write(
        nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 'changed'")]), path
    )
    assert notebook_times(cache_dir) == []
    assert unrecorded_notebooks([], cache_dir) == ["a.ipynb", "b.ipynb"]
