"""Fail if a committed notebook carries outputs or execution counts, or build plumbing
in the code a reader sees.

Notebooks are stored clean; the book build executes them. A cell whose output is a
measurement is tagged ``nbval-ignore-output`` and says why in its metadata
(``"nbval_ignore_reason": "..."``), not in a comment of its code: the reader sees the
code, and neither that comment nor a ``# noqa`` is written for the reader. Usage:
``python .ci/check_notebooks.py chapters``.
"""

import json
import sys
from pathlib import Path

IGNORE_TAG = "nbval-ignore-output"
REASON_KEY = "nbval_ignore_reason"
PLUMBING = (IGNORE_TAG, "# noqa")  # never in the source of a code cell the reader sees
HIDDEN = {"remove-cell", "remove-input"}  # tags of cells whose code the HTML does not show


def problems(path: Path) -> list[str]:
    found = []
    notebook = json.loads(path.read_text(encoding="utf-8"))
    for index, cell in enumerate(notebook.get("cells", [])):
        if cell.get("cell_type") != "code":
            continue
        if cell.get("outputs"):
            found.append(f"{path}: cell {index} has {len(cell['outputs'])} output(s)")
        if cell.get("execution_count") is not None:
            found.append(f"{path}: cell {index} has an execution count")
        found += [f"{path}: cell {index} {line}" for line in plumbing(cell)]
    return found


def plumbing(cell: dict) -> list[str]:
    """What a code cell says about the build where the reader would see it."""
    metadata = cell.get("metadata", {})
    source = "".join(cell.get("source", ""))
    tags = metadata.get("tags", [])
    shown = not HIDDEN.intersection(tags)
    found = [f"shows {word!r} in its code" for word in PLUMBING if shown and word in source]
    reason = metadata.get(REASON_KEY)
    if IGNORE_TAG in tags:
        if not (isinstance(reason, str) and reason.strip()):
            found.append(f"is tagged {IGNORE_TAG} without a {REASON_KEY!r} in its metadata")
    elif reason is not None:
        found.append(f"has a {REASON_KEY!r} but no {IGNORE_TAG} tag")
    return found


def main(root: str) -> int:
    paths = sorted(Path(root).rglob("*.ipynb"))
    paths = [p for p in paths if ".ipynb_checkpoints" not in p.parts]
    found = [line for path in paths for line in problems(path)]
    for line in found:
        print(line)
    if found:
        print(
            "Strip outputs with: python .ci/check_notebooks.py --strip chapters; "
            "CONTRIBUTING.md (cell tags) says where a measurement's reason goes"
        )
        return 1
    print(f"{len(paths)} notebooks, none with outputs or plumbing in their code")
    return 0


def strip(root: str) -> int:
    for path in sorted(Path(root).rglob("*.ipynb")):
        notebook = json.loads(path.read_text(encoding="utf-8"))
        for cell in notebook.get("cells", []):
            if cell.get("cell_type") == "code":
                cell["outputs"], cell["execution_count"] = [], None
        path.write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["--strip"]:
        sys.exit(strip(sys.argv[2]))
    sys.exit(main(sys.argv[1]))
