"""Print how long each notebook took to execute in the last book build.

Reads the execution cache that the build keeps under ``_build/.jupyter_cache``
(through :func:`rnnkit.build.notebook_times`). The course aims at 120 s a notebook on
a 2-core CPU; a time says as much about the machine's load as about the notebook, so
a notebook over that is only flagged, and the step fails only past twice the aim
(``FAIL_S``), which no load of this machine has come near and a real regression
(a model trained ten times longer, a loop gone quadratic) does.
"""

import sys

from rnnkit.build import notebook_times

CACHE = "_build/.jupyter_cache"
AIM_S = 120
FAIL_S = 2 * AIM_S


def main() -> int:
    rows = notebook_times(CACHE)
    if not rows:
        print(f"no execution cache at {CACHE}: build the book first")
        return 1
    width = max(len(row["notebook"]) for row in rows)
    print(f"{'notebook':<{width}}  seconds")
    for row in rows:
        flag = "  over the aim" if row["seconds"] > AIM_S else ""
        flag = "  FAILED: past twice the aim" if row["seconds"] > FAIL_S else flag
        print(f"{row['notebook']:<{width}}  {row['seconds']:7.1f}{flag}")
    print(f"{'sum':<{width}}  {sum(row['seconds'] for row in rows):7.1f}")
    print(f"aim: {AIM_S} s a notebook; the step fails past {FAIL_S} s")
    return 1 if any(row["seconds"] > FAIL_S for row in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
