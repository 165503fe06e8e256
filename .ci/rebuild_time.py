"""Rebuild the book with nothing changed and fail if it takes over 60 s.

The build caches executed notebooks (_build/.jupyter_cache), so a rebuild only
re-renders pages. Run after a full build.
"""

import subprocess
import sys
import time

LIMIT_S = 60


def main() -> int:
    start = time.perf_counter()
    build = subprocess.run(
        ["jupyter-book", "build", ".", "-W", "-n", "--keep-going"], capture_output=True, text=True
    )
    seconds = time.perf_counter() - start
    if build.returncode != 0:
        print(build.stdout[-3000:], build.stderr[-3000:])
        return 1
    log = build.stdout + build.stderr
    executed = [line for line in log.splitlines() if "Executing notebook" in line]
    print(
        f"cached rebuild: {seconds:.1f} s (limit {LIMIT_S} s), notebooks executed again: {len(executed)}"
    )
    return 0 if seconds <= LIMIT_S and not executed else 1


if __name__ == "__main__":
    sys.exit(main())
