"""Re-execute the notebooks the book build executed and compare every output (nbval, strict).

The build (``.ci/execute.py``, then ``jupyter-book build``) executes each notebook once
and keeps the result in ``_build/.jupyter_cache``. This script writes those executed
notebooks to ``_build/nbval/chapters/`` (beside links to the other files of
``chapters/``, which the notebooks read), then runs nbval on them in strict mode:
each notebook runs again in a fresh kernel and every output must equal the build's.
That turns "what a notebook prints is the same on every run" into a test.

Outputs that legitimately differ from run to run are handled in two ways:
``.ci/nbval-sanitize.cfg`` rewrites the parts that move (random ids of styled tables,
memory addresses, log lines of the frameworks) before comparing; the stderr of a cell
tagged ``remove-stderr`` (library noise, hidden from the reader) is not compared
(``.ci/nbval_plugin.py``); a cell whose output is a measurement carries the tag
``nbval-ignore-output`` and says why in its metadata (``nbval_ignore_reason``).

Usage: ``python .ci/nbval_executed.py [pytest options]``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
from execute import CACHE, ROOT, book_notebooks, longest_first
from jupyter_cache import get_cache

MIRROR = ROOT / "_build" / "nbval" / "chapters"
SANITIZE = ROOT / ".ci" / "nbval-sanitize.cfg"


def write_executed(paths: list[Path]) -> list[Path]:
    """Write the cached executed version of each notebook into MIRROR; return the copies."""
    cache = get_cache(str(CACHE))
    shutil.rmtree(MIRROR.parent, ignore_errors=True)
    MIRROR.mkdir(parents=True)
    for source in (ROOT / "chapters").iterdir():
        if source.suffix != ".ipynb":
            (MIRROR / source.name).symlink_to(source)
    copies = []
    for path in paths:
        try:
            _, executed = cache.merge_match_into_notebook(nbformat.read(path, as_version=4))
        except KeyError:
            sys.exit(f"{path.name} has no executed version in {CACHE}: build the book first")
        copy = MIRROR / path.name
        nbformat.write(executed, copy)
        copies.append(copy)
    return copies


def main() -> int:
    copies = write_executed(longest_first(book_notebooks()))  # the longest start first
    command = [
        sys.executable,
        "-m",
        "pytest",
        *map(str, copies),
        "-q",
        "--nbval",
        "--nbval-current-env",
        f"--nbval-sanitize-with={SANITIZE}",
        "-p",
        "no:cacheprovider",
        "-p",
        "nbval_plugin",  # .ci/nbval_plugin.py: history on, remove-stderr cells' stderr skipped
        "-n",
        "2",
        "--dist",
        "loadfile",  # a notebook's cells run in order, in one kernel
        *sys.argv[1:],
    ]
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT / ".ci"), os.environ.get("PYTHONPATH", "")]),
    }
    return subprocess.run(command, cwd=ROOT, env=env).returncode


if __name__ == "__main__":
    sys.exit(main())
