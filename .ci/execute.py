"""Execute the book's notebooks once, two at a time, into the build's execution cache.

The book build (``jupyter-book build``) executes a notebook only when the cache under
``_build/.jupyter_cache`` has no record for its current code; it runs them one after
the other. Every notebook pins PyTorch and TensorFlow to one thread
(``rnnkit.setup``), so on a machine with two cores two notebooks can run side by
side. This script does that and stores each result exactly where the build looks for
it, so the build that follows renders pages and executes nothing.

The performance appendix runs last and alone: it reads the other notebooks' times from
the cache (so it runs again whenever another notebook has run, and fails when one has
no record), and its own timings should not share a core with a training run.

The cache keys a record on the notebook's code alone, not on the ``rnnkit`` it imports
or the files it reads, so an edit to the package leaves records it has made stale.
Each record therefore keeps the digest of everything else a notebook's outputs can
depend on (``sources_digest``), and ``--fresh`` (``make test``) executes again every
notebook whose record was made from other sources: a record it keeps is one that the
current code would have produced, executed by ``make book`` or an earlier test run.

Usage: ``python .ci/execute.py [--workers N] [--fresh]``. Exit status 1 if a notebook
fails.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.metadata
import os
import platform
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

import nbformat
from jupyter_cache import get_cache
from jupyter_cache.base import CacheBundleIn
from jupyter_cache.executors.utils import single_nb_execution

from rnnkit.build import book_notebooks as toc_notebooks

# The kernels that execute the book (here, and in stress.py and nbval_executed.py, which
# import this module) draw no progress bars: rnnkit.train.config.show_progress.
os.environ["RNNKIT_PROGRESS"] = "0"
# ... and store each figure's Chinese copy for the Chinese edition (rnnkit.translation).
os.environ["RNNKIT_EDITIONS"] = "zh_CN"

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "_build" / ".jupyter_cache"
LAST = ("performance.ipynb",)  # run after every other notebook, alone
# The notebooks that train longest (about 65 to 100 s of kernel CPU each, against 12 to
# 50 s for the others) start first, so that the two workers finish close together
# instead of one running a long chapter alone at the end. Only the order changes.
LONGEST = (
    "11_seq2seq_attention.ipynb",
    "10_long_dependencies.ipynb",
    "07_char_lm.ipynb",
    "16_selectivity.ipynb",
    "14_state_tracking.ipynb",
)
TIMEOUT_S = 300  # the same limit as _config.yml's execute.timeout


def read_by_notebooks(name: str) -> bool:
    """Whether the repository file ``name`` (relative, with ``/``) may change what a
    notebook prints: everything but the notebooks themselves (the cache keys each record
    on its own notebook's code), the tests, the build's scripts other than this one, and
    the top-level Markdown pages."""
    if name.startswith("tests/") or name.endswith(".ipynb"):
        return False
    if name.startswith(".ci/"):
        return name == ".ci/execute.py"
    return "/" in name or not name.endswith(".md")


def sources_digest(root: Path = ROOT) -> str | None:
    """A digest of what a notebook's outputs can depend on besides its own code: every
    file git lists (tracked, or new and not ignored) that ``read_by_notebooks`` keeps;
    the installed packages and their versions; Python, the machine's architecture and
    ``PYTHONHASHSEED``. ``None`` outside a git checkout (then ``--fresh`` executes every
    notebook)."""
    try:
        listed = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=root,
            capture_output=True,
            check=True,
        ).stdout.decode()
    except (OSError, subprocess.CalledProcessError):
        return None
    digest = hashlib.sha256()
    for name in sorted(set(listed.split("\0")) - {""}):
        path = root / name
        if not read_by_notebooks(name) or not path.is_file():  # or deleted, still tracked
            continue
        digest.update(name.encode() + b"\0" + path.read_bytes() + b"\0")
    packages = sorted(
        f"{d.metadata['Name']}=={d.version}" for d in importlib.metadata.distributions()
    )
    machine = [sys.version, platform.machine(), os.environ.get("PYTHONHASHSEED", "")]
    digest.update("\n".join(packages + machine).encode())
    return digest.hexdigest()


def book_notebooks(root: Path = ROOT) -> list[Path]:
    """The notebooks that _toc.yml lists, in reading order."""
    return toc_notebooks(root)


def longest_first(paths: list[Path]) -> list[Path]:
    """``paths`` with the ``LONGEST`` notebooks first (in that order), the rest after
    them in their own order."""
    rank = {name: index for index, name in enumerate(LONGEST)}
    return sorted(paths, key=lambda path: rank.get(path.name, len(LONGEST)))


def children_cpu_seconds() -> float:
    """User + system CPU seconds of this process's finished children (the kernels)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_notebook(path: Path, cwd: Path | None = None, allow_errors: bool = False):
    """Execute one notebook; return (executed notebook, wall seconds, kernel CPU seconds,
    error text or None). The kernel is a child of this process, reaped when the
    execution ends, so its CPU time (user + system, with its own reaped children) is
    what the children's total grew by: unlike the wall time, it hardly depends on how
    busy the machine is."""
    notebook = nbformat.read(path, as_version=4)
    cpu_before = children_cpu_seconds()
    result = single_nb_execution(
        notebook,
        cwd=str(cwd or path.parent),
        allow_errors=allow_errors,
        timeout=TIMEOUT_S,
        meta_override=True,
    )
    error = result.exc_string if result.err is not None else None
    return notebook, result.time, children_cpu_seconds() - cpu_before, error


def in_book_order(paths: list[Path], workers: int, run: Callable[[Path], object]):
    """Yield ``(path, run(path))`` for each notebook, ``workers`` at a time (the longest
    first), in the order they finish; the notebooks named in ``LAST`` run after all the
    others, alone."""
    with ProcessPoolExecutor(max_workers=workers) as pool:
        futures = {
            pool.submit(run, path): path for path in longest_first(paths) if path.name not in LAST
        }
        for future in as_completed(futures):
            yield futures[future], future.result()
    for path in paths:
        if path.name in LAST:
            yield path, run(path)


def record_states(paths: list[Path], cache, sources: str | None) -> dict[Path, str]:
    """Each notebook's record in ``cache``: "missing", "current" (made from ``sources``)
    or "stale" (made from other sources, or unstamped; every record when ``sources`` is
    ``None``)."""
    states = {}
    for path in paths:
        try:
            record = cache.match_cache_notebook(nbformat.read(path, as_version=4))
        except KeyError:
            states[path] = "missing"
            continue
        current = sources is not None and (record.data or {}).get("sources") == sources
        states[path] = "current" if current else "stale"
    return states


def to_execute(states: dict[Path, str], fresh: bool) -> list[Path]:
    """The notebooks whose record is missing; with ``fresh``, also the stale ones."""
    return [
        path for path, state in states.items() if state == "missing" or fresh and state == "stale"
    ]


def execute_all(paths: list[Path], workers: int, fresh: bool = False) -> dict[str, str]:
    """Execute the notebooks ``to_execute`` names; return {notebook name: error} for
    failures."""
    cache = get_cache(str(CACHE))
    sources = sources_digest()
    states = record_states(paths, cache, sources)
    todo = to_execute(states, fresh)
    stale = 0 if fresh else list(states.values()).count("stale")
    # The notebooks in LAST read the others' records (the performance appendix tabulates
    # each chapter's time): when any other notebook runs, they run again after it.
    if any(path.name not in LAST for path in todo):
        todo += [path for path in paths if path.name in LAST and path not in todo]
    print(f"{len(paths) - len(todo)} notebooks cached, {len(todo)} to execute, {workers} at a time")
    if stale:
        print(
            f"{stale} cached notebooks were executed from other sources (rnnkit, the data or "
            "the packages changed since): the book shows their old outputs, which "
            "`make test` and `python .ci/execute.py --fresh` execute again"
        )
    failures: dict[str, str] = {}

    def store(path: Path, outcome) -> None:
        notebook, seconds, cpu_seconds, error = outcome
        if error:
            failures[path.name] = error
            print(f"FAILED   {path.name} after {seconds:.1f} s", flush=True)
            return
        uri = str(cache.add_nb_to_project(str(path)).uri)
        data = {"execution_seconds": seconds, "cpu_seconds": cpu_seconds, "sources": sources}
        bundle = CacheBundleIn(notebook, uri, data=data)
        cache.cache_notebook_bundle(bundle, check_validity=False, overwrite=True)
        print(f"executed {path.name} in {seconds:.1f} s ({cpu_seconds:.1f} s CPU)", flush=True)

    for path, outcome in in_book_order(todo, workers, run_notebook):
        store(path, outcome)
    return failures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2, help="notebooks at a time (default 2)")
    parser.add_argument(
        "--fresh",
        action="store_true",
        help="also execute every notebook whose record was made from other sources",
    )
    args = parser.parse_args()
    start = time.perf_counter()
    failures = execute_all(book_notebooks(), args.workers, args.fresh)
    print(f"execution: {time.perf_counter() - start:.0f} s wall")
    for name, error in failures.items():
        print(f"\n===== {name}\n{error}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
