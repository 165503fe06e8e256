"""Print how long each notebook took to execute in the last book build.

Reads the execution cache that the book build keeps under ``_build/.jupyter_cache``
(through :func:`rnnkit.bench.notebook_times`) and fails if a notebook is over the
course's budget (120 s each, 10 min in all).
"""

import sys

from rnnkit.bench import notebook_times

CACHE = "_build/.jupyter_cache"
PER_NOTEBOOK_S = 120
BOOK_S = 600


def main() -> int:
    rows = notebook_times(CACHE)
    if not rows:
        print(f"no execution cache at {CACHE}: build the book first")
        return 1
    width = max(len(row["notebook"]) for row in rows)
    print(f"{'notebook':<{width}}  seconds")
    for row in rows:
        flag = "  over budget" if row["seconds"] > PER_NOTEBOOK_S else ""
        print(f"{row['notebook']:<{width}}  {row['seconds']:7.1f}{flag}")
    total = sum(row["seconds"] for row in rows)
    print(f"{'total':<{width}}  {total:7.1f}")
    if any(row["seconds"] > PER_NOTEBOOK_S for row in rows) or total > BOOK_S:
        print(f"budget: {PER_NOTEBOOK_S} s a notebook, {BOOK_S} s in all")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
