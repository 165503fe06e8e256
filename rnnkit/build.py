"""The built book on disk: where its root and its execution cache are, and how long
each notebook took to execute in the last build (the ``times`` step of the tests and
the performance page read them)."""

from __future__ import annotations

from pathlib import Path


def book_root(start: str | Path = ".") -> Path | None:
    """The book's root: the nearest folder at or above ``start`` that holds ``_config.yml``.

    A notebook finds the repository from ``chapters/`` as well as from a copy of it
    elsewhere in the repository. ``None`` when no folder above holds a ``_config.yml``.
    """
    for folder in (Path(start).resolve(), *Path(start).resolve().parents):
        if (folder / "_config.yml").exists():
            return folder
    return None


def book_cache(start: str | Path = ".") -> Path | None:
    """The book's execution cache, ``_build/.jupyter_cache`` under :func:`book_root`."""
    root = book_root(start)
    return None if root is None else root / "_build" / ".jupyter_cache"


def book_notebooks(root: str | Path) -> list[Path]:
    """The notebooks that the ``_toc.yml`` under ``root`` lists, in reading order (pages
    written in Markdown are left out); empty when ``root`` has no ``_toc.yml``."""
    import yaml

    toc_file = Path(root) / "_toc.yml"
    if not toc_file.exists():
        return []
    toc = yaml.safe_load(toc_file.read_text(encoding="utf-8"))
    files = [toc["root"]]
    for part in toc.get("parts", []):
        files += [entry["file"] for entry in part.get("chapters", [])]
    paths = [Path(root) / f"{name}.ipynb" for name in files]
    return [path for path in paths if path.exists()]


def notebook_times(cache: str | Path | None = None, cpu: bool = False) -> list[dict]:
    """Execution seconds of each notebook of the book from its execution cache.

    ``cache`` is the build's ``_build/.jupyter_cache`` (by default the one that
    :func:`book_cache` finds); the book is the folder two levels above it, and its
    notebooks are those of its ``_toc.yml`` (:func:`book_notebooks`). A notebook counts
    through the cache record of its current code, the one the build renders, so an older
    version's time never stands in for it. Returns dicts with ``notebook`` (file name)
    and ``seconds`` (wall time), and with ``cpu=True`` also ``cpu_seconds`` (the
    kernel's user + system time, which ``.ci/execute.py`` records; NaN for a notebook
    the plain book build executed), sorted by name. A notebook the cache holds no record
    of has no row (:func:`unrecorded_notebooks` names them); empty when there is no
    cache yet.
    """
    cache = book_cache() if cache is None else cache
    if cache is None or not Path(cache).exists():
        return []
    import nbformat
    from jupyter_cache import get_cache

    store = get_cache(str(cache))
    rows = []
    for path in book_notebooks(Path(cache).resolve().parent.parent):
        try:
            rec = store.match_cache_notebook(nbformat.read(path, as_version=4))
        except KeyError:  # not executed since its code last changed
            continue
        row = {"notebook": path.name, "seconds": float(rec.data.get("execution_seconds", "nan"))}
        if cpu:
            row["cpu_seconds"] = float(rec.data.get("cpu_seconds", "nan"))
        rows.append(row)
    return sorted(rows, key=lambda row: row["notebook"])


def unrecorded_notebooks(rows: list[dict], cache: str | Path | None = None) -> list[str]:
    """The book's notebooks (file names) that have no row in ``rows``, the output of
    :func:`notebook_times` for the same ``cache``."""
    cache = book_cache() if cache is None else cache
    if cache is None:
        return []
    listed = {row["notebook"] for row in rows}
    names = [path.name for path in book_notebooks(Path(cache).resolve().parent.parent)]
    return [name for name in names if name not in listed]
