"""Execute the book's notebooks several times, some under load, and report every failure.

A hidden check that passes on a quiet machine and fails on a busy one is a bug. This
script executes every notebook of the book ``--runs`` times (two at a time, as the
build does) and, during the last ``--busy`` of those runs, keeps a busy-loop process
pinned to the first core, so the notebooks share the machine with a job that never
sleeps. Each notebook runs to its end even after a failing cell, so one run reports
every failing check.

``--seed-shift K`` answers a different question: how much do the checked results move
with the random seed? It adds K to every ``rnnkit.setup(seed=N)`` and ``rnnkit.setup(N)``
in the notebooks before executing them, so a model starts from other weights and sees its batches in
another order. A tolerance that fails for some shift sits at the edge of one run;
margins are set from the spread over several shifts.

Usage::

    python .ci/stress.py                   # 5 runs, the last 2 with a busy core
    python .ci/stress.py --runs 1 --busy 0 --seed-shift 3 --only 07_char_lm

Prints a table (notebook x run: ok, or the failing cells) and exits 1 if any failed.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import time
from contextlib import contextmanager
from functools import partial
from pathlib import Path

import nbformat
from execute import TIMEOUT_S, book_notebooks, in_book_order
from jupyter_cache.executors.utils import single_nb_execution

SEED_CALL = re.compile(r"rnnkit\.setup\((?:seed=)?(\d+)")  # setup(7) and setup(seed=7)


def failing_cells(notebook) -> list[str]:
    """'cell i: ErrorName: message' for every code cell whose output is an error."""
    found = []
    for index, cell in enumerate(notebook.cells):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                message = f"{output['ename']}: {output['evalue']}".strip()[:160]
                found.append(f"cell {index}: {message}")
    return found


def run_once(path: Path, seed_shift: int) -> tuple[list[str], float]:
    notebook = nbformat.read(path, as_version=4)
    if seed_shift:
        for cell in notebook.cells:
            if cell.cell_type == "code":
                cell.source = SEED_CALL.sub(
                    lambda m: f"rnnkit.setup(seed={int(m.group(1)) + seed_shift}", cell.source
                )
    result = single_nb_execution(
        notebook, cwd=str(path.parent), allow_errors=True, timeout=TIMEOUT_S, meta_override=True
    )
    failures = failing_cells(notebook)
    if result.err is not None and not failures:  # a time-out or a dead kernel
        failures = [f"{type(result.err).__name__}: {str(result.err)[:160]}"]
    return failures, result.time


@contextmanager
def busy_core(enabled: bool):
    """A process that spins on core 0 (pinned with taskset when it exists) while inside."""
    if not enabled:
        yield
        return
    spin = [sys.executable, "-c", "while True: pass"]
    if shutil.which("taskset"):
        spin = ["taskset", "-c", "0", *spin]
    process = subprocess.Popen(spin)
    try:
        yield
    finally:
        process.kill()
        process.wait()


def one_run(paths: list[Path], workers: int, seed_shift: int) -> dict[str, list[str]]:
    results: dict[str, list[str]] = {}
    for path, (failures, seconds) in in_book_order(
        paths, workers, partial(run_once, seed_shift=seed_shift)
    ):
        results[path.stem] = failures
        print(f"  {path.stem}: {seconds:.0f} s, {len(failures)} failing", flush=True)
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--busy", type=int, default=2, help="how many of the last runs are loaded")
    parser.add_argument("--seed-shift", type=int, default=0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--only", nargs="*", help="notebook names (without .ipynb)")
    args = parser.parse_args()

    paths = [p for p in book_notebooks() if not args.only or p.stem in args.only]
    runs = []
    for run in range(args.runs):
        loaded = run >= args.runs - args.busy
        print(f"run {run + 1}/{args.runs}{' with a busy core' if loaded else ''}", flush=True)
        start = time.perf_counter()
        with busy_core(loaded):
            runs.append(one_run(paths, args.workers, args.seed_shift))
        print(f"  {time.perf_counter() - start:.0f} s", flush=True)

    header = ["notebook"] + [
        f"run {i + 1}{' (busy)' if i >= args.runs - args.busy else ''}" for i in range(args.runs)
    ]
    print("\n| " + " | ".join(header) + " |\n|" + "---|" * len(header))
    failed = 0
    for path in paths:
        cells = [run.get(path.stem, ["not run"]) for run in runs]
        failed += sum(bool(c) for c in cells)
        print(f"| {path.stem} | " + " | ".join("; ".join(c) or "ok" for c in cells) + " |")
    total = len(paths) * args.runs
    print(f"\nstress: {total - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
