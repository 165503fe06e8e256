"""Fail if a committed notebook carries outputs or execution counts.

Notebooks are stored clean; the book build executes them. Usage:
``python .ci/check_notebooks.py chapters``.
"""

import json
import sys
from pathlib import Path


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
    return found


def main(root: str) -> int:
    paths = sorted(Path(root).rglob("*.ipynb"))
    paths = [p for p in paths if ".ipynb_checkpoints" not in p.parts]
    found = [line for path in paths for line in problems(path)]
    for line in found:
        print(line)
    if found:
        print("Strip them with: python .ci/check_notebooks.py --strip chapters")
        return 1
    print(f"{len(paths)} notebooks, none with outputs")
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
