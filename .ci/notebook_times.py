"""Print how long each notebook took to execute in the last book build.

Reads the execution cache that the build keeps under ``_build/.jupyter_cache``
(through :func:`rnnkit.build.notebook_times`): the kernel's CPU time (user + system),
which ``.ci/execute.py`` records, and the wall time. The course aims at 120 s of CPU a
notebook. The step judges the CPU time only: the wall time says as much about the
machine's load as about the notebook (chapter 11 took 76 s quiet and 201 s on an
oversubscribed machine), so it is printed for information. A notebook over the aim is
flagged; the step fails past twice the aim (``FAIL_S``), which a real regression (a
model trained ten times longer, a loop gone quadratic) reaches and a busy machine does
not. Every notebook runs on one thread (``rnnkit.setup``), so its CPU time is close
to its wall time on a quiet machine.
"""

import math
import sys

from rnnkit.build import notebook_times

CACHE = "_build/.jupyter_cache"
AIM_S = 120
FAIL_S = 2 * AIM_S


def verdict(cpu_seconds: float) -> str:
    """The flag printed after a notebook's row: empty, over the aim, or FAILED."""
    if math.isnan(cpu_seconds):
        return "  FAILED: no CPU time recorded (execute it with .ci/execute.py)"
    if cpu_seconds > FAIL_S:
        return "  FAILED: past twice the aim"
    return "  over the aim" if cpu_seconds > AIM_S else ""


def main() -> int:
    rows = notebook_times(CACHE, cpu=True)
    if not rows:
        print(f"no execution cache at {CACHE}: build the book first")
        return 1
    width = max(len(row["notebook"]) for row in rows)
    print(f"{'notebook':<{width}}  CPU s  wall s")
    flags = []
    for row in rows:
        flags.append(verdict(row["cpu_seconds"]))
        print(
            f"{row['notebook']:<{width}}  {row['cpu_seconds']:5.1f}  {row['seconds']:6.1f}{flags[-1]}"
        )
    cpu = sum(row["cpu_seconds"] for row in rows)
    wall = sum(row["seconds"] for row in rows)
    print(f"{'sum':<{width}}  {cpu:5.1f}  {wall:6.1f}")
    print(f"aim: {AIM_S} s of kernel CPU a notebook; the step fails past {FAIL_S} s of CPU")
    print("(wall time is for information: it grows with the machine's load)")
    return 1 if any("FAILED" in flag for flag in flags) else 0


if __name__ == "__main__":
    sys.exit(main())
