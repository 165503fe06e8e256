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


def notebook_times(cache: str | Path | None = None, cpu: bool = False) -> list[dict]:
    """Execution seconds of each notebook from a Jupyter Book execution cache.

    ``cache`` is the build's ``_build/.jupyter_cache`` (by default the one that
    :func:`book_cache` finds); the newest record of each notebook that still exists
    counts. Returns dicts with ``notebook`` (file name) and ``seconds`` (wall time),
    and with ``cpu=True`` also ``cpu_seconds`` (the kernel's user + system time, which
    ``.ci/execute.py`` records; NaN for a notebook the plain book build executed),
    sorted by name; empty when there is no cache yet.
    """
    cache = book_cache() if cache is None else cache
    if cache is None or not Path(cache).exists():
        return []
    from jupyter_cache import get_cache

    latest = {}
    for record in get_cache(str(cache)).list_cache_records():
        uri = Path(record.uri)
        if uri.exists() and (uri not in latest or record.created > latest[uri].created):
            latest[uri] = record
    rows = []
    for uri, rec in latest.items():
        row = {"notebook": uri.name, "seconds": float(rec.data.get("execution_seconds", "nan"))}
        if cpu:
            row["cpu_seconds"] = float(rec.data.get("cpu_seconds", "nan"))
        rows.append(row)
    return sorted(rows, key=lambda row: row["notebook"])
