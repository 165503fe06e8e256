"""Fail if any built HTML page loads a script, style sheet or font from the network.

Links a reader clicks (Colab, Binder, papers) are fine; what the browser fetches by
itself to render the page is not. Usage: ``python .ci/check_offline.py _build/html``.
"""

import re
import sys
from pathlib import Path

# src= and href= of elements the browser loads on its own, and url(...) in CSS.
LOADED = re.compile(
    r"<(?:script|img|iframe|source)\b[^>]*\bsrc=[\"']?(?P<src>[^\"' >]+)"
    r"|<link\b[^>]*\bhref=[\"']?(?P<href>[^\"' >]+)[^>]*>"
    r"|url\(\s*[\"']?(?P<url>[^\"')]+)",
    re.IGNORECASE,
)
REMOTE = re.compile(r"^(?:https?:)?//", re.IGNORECASE)
# Any remote script, style sheet or font named anywhere, inline scripts included.
REMOTE_ASSET = re.compile(
    r"(?:https?:)?//[^\s\"'<>()]+\.(?:m?js|css|woff2?|ttf|otf|eot)\b", re.IGNORECASE
)
# <link> elements that are plain references, not resources the page loads.
REFERENCE_RELS = re.compile(r"\brel=[\"']?(?:canonical|search|index|next|prev|author|license)")


def remote_loads(text: str) -> list[str]:
    found = []
    for match in LOADED.finditer(text):
        target = match.group("src") or match.group("href") or match.group("url")
        if match.group("href") and REFERENCE_RELS.search(match.group(0)):
            continue
        if REMOTE.match(target):
            found.append(target)
    found += [m.group(0) for m in REMOTE_ASSET.finditer(text) if m.group(0) not in found]
    return found


def main(root: str) -> int:
    files = [p for p in Path(root).rglob("*") if p.suffix in {".html", ".css", ".js"}]
    if not any(p.suffix == ".html" for p in files):
        print(f"no HTML pages under {root}: build the book first")
        return 1
    bad = 0
    for path in sorted(files):
        if path.suffix == ".js":
            continue  # scripts hold URLs in strings; what counts is what pages load
        for target in remote_loads(path.read_text(encoding="utf-8", errors="replace")):
            print(f"{path}: loads {target}")
            bad += 1
    pages = sum(p.suffix == ".html" for p in files)
    print(f"{pages} pages checked, {bad} remote load(s)")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
