"""Print the pixel size of every image output of executed notebooks (executes nothing).

The book shows a figure at its natural width when it fits the content column (688 px
in a 1280 px window) and shrinks it to fit when it does not, so a figure drawn wider
than the column shows its text smaller than it was drawn. This script reads the
executed notebooks in the folders or files given, takes each PNG output's width and
height from its header, and prints one row per image: notebook, cell id, width x
height, and the ratio of the width to the column.

Usage::

    python .ci/figure_sizes.py _build/.jupyter_cache/executed   # or any folder of .ipynb
    python .ci/figure_sizes.py executed/04_vanishing_gradients.ipynb --column 688

Exits 1 when an image is more than ``--tolerance`` (default 10 %) wider than the
column, 0 otherwise.
"""

from __future__ import annotations

import argparse
import base64
import json
import sys
from pathlib import Path

from rnnkit.plots import COLUMN_PX, png_size


def images(path: Path):
    """Yield (cell id, width, height) for each PNG output of the notebook at ``path``."""
    notebook = json.loads(path.read_text(encoding="utf-8"))
    for index, cell in enumerate(notebook.get("cells", [])):
        for output in cell.get("outputs", []):
            data = output.get("data", {}).get("image/png")
            if data:
                png = base64.b64decode("".join(data) if isinstance(data, list) else data)
                yield cell.get("id", f"#{index}"), *png_size(png)


def notebooks(paths: list[str]) -> list[Path]:
    found: list[Path] = []
    for name in paths:
        path = Path(name)
        found += sorted(path.rglob("*.ipynb")) if path.is_dir() else [path]
    return [p for p in found if ".ipynb_checkpoints" not in p.parts]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="+", help="executed notebooks, or folders of them")
    parser.add_argument("--column", type=int, default=COLUMN_PX, help="content column (px)")
    parser.add_argument("--tolerance", type=float, default=0.10, help="allowed excess")
    args = parser.parse_args()
    too_wide = 0
    print(f"{'notebook':<32} {'cell':<16} {'width x height':>15} {'/ column':>9}")
    for path in notebooks(args.paths):
        for cell, width, height in images(path):
            ratio = width / args.column
            flag = "  TOO WIDE" if ratio > 1 + args.tolerance else ""
            too_wide += bool(flag)
            size = f"{width} x {height}"
            print(f"{path.stem:<32} {cell:<16} {size:>15} {ratio:>9.2f}{flag}")
    print(f"{too_wide} image(s) wider than {args.column} px + {args.tolerance:.0%}")
    return 1 if too_wide else 0


if __name__ == "__main__":
    sys.exit(main())
