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
