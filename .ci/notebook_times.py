"""Print how long each notebook took to execute in the last book build.

Reads the execution cache that the book build keeps under ``_build/.jupyter_cache``
and fails if a notebook is over the course's budget (120 s each, 10 min in all).
"""

import sys
from pathlib import Path

from jupyter_cache import get_cache

CACHE = Path("_build/.jupyter_cache")
PER_NOTEBOOK_S = 120
BOOK_S = 600


def main() -> int:
    if not CACHE.exists():
        print(f"no execution cache at {CACHE}: build the book first")
        return 1
    latest = {}
    for record in get_cache(str(CACHE)).list_cache_records():
        uri = Path(record.uri).resolve()
        if uri.exists() and (uri not in latest or record.created > latest[uri].created):
            latest[uri] = record
    rows = sorted(
        (
            str(uri.relative_to(Path.cwd().resolve())),
            rec.data.get("execution_seconds", float("nan")),
        )
        for uri, rec in latest.items()
    )
    width = max((len(name) for name, _ in rows), default=8)
    print(f"{'notebook':<{width}}  seconds")
    for name, secs in rows:
        flag = "  over budget" if secs > PER_NOTEBOOK_S else ""
        print(f"{name:<{width}}  {secs:7.1f}{flag}")
    total = sum(secs for _, secs in rows)
    print(f"{'total':<{width}}  {total:7.1f}")
    over = [name for name, secs in rows if secs > PER_NOTEBOOK_S]
    if over or total > BOOK_S:
        print(f"budget: {PER_NOTEBOOK_S} s a notebook, {BOOK_S} s in all")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
