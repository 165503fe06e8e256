"""The Chinese notebooks the Chinese edition offers for download (.ci/i18n.py)."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / ".ci"))
_spec = importlib.util.spec_from_file_location("i18n_ci", ROOT / ".ci" / "i18n.py")
i18n_ci = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(i18n_ci)

CJK = re.compile(r"[\u4e00-\u9fff]")
ENTRIES = {
    "The equations": "公式",
    "At step $t$ the cell reads the input.": "在第 $t$ 步，单元读入输入。",
    "first item, which runs on": "第一项，接着写",
    "second item": "第二项",
    "Model": "模型",
    "Common mistake (article C)": "常见错误（原文 C）",
    "What the article says.": "原文的说法。",
}

CELL = """## The equations

At step $t$ the cell
reads the input.

$$
h_t = \\tanh(a_t) \\quad \\text{kept as written}
$$

- first item,
  which runs on
- second item

| Model | 0.97 |
|---|---|

:::{admonition} Common mistake (article C)
:class: common-mistake

What the article says.
:::

```python
print("code stays")
```"""


def test_translate_markdown_swaps_each_message_and_keeps_maths_and_code():
    out, missed = i18n_ci.translate_markdown(CELL, ENTRIES)
    assert missed == ["0.97"]
    assert out.startswith("## 公式\n\n在第 $t$ 步，单元读入输入。")
    assert "\\text{kept as written}" in out and 'print("code stays")' in out
    assert "- 第一项，接着写\n- 第二项" in out
    assert "| 模型 | 0.97 |\n|---|---|" in out
    assert ":::{admonition} 常见错误（原文 C）\n:class: common-mistake\n\n原文的说法。\n:::" in out


def test_translate_markdown_reports_what_it_could_not_translate():
    out, missed = i18n_ci.translate_markdown("A sentence nobody translated.", ENTRIES)
    assert out == "A sentence nobody translated." and missed == ["A sentence nobody translated."]


def test_the_chinese_notebook_asks_for_chinese_feedback(tmp_path):
    notebook, _ = i18n_ci.translated_notebook(
        ROOT / "chapters" / "03_bptt.ipynb",
        ROOT / "locale" / "zh_CN" / "LC_MESSAGES" / "chapters" / "03_bptt.po",
    )
    code = "\n".join(c.source for c in notebook.cells if c.cell_type == "code")
    assert 'language="zh_CN")' in code
    markdown = "\n".join(c.source for c in notebook.cells if c.cell_type == "markdown")
    assert len(CJK.findall(markdown)) > 1000


@pytest.mark.slow
@pytest.mark.enable_socket  # the kernel talks to its client over loopback TCP
def test_a_chinese_notebook_runs_top_to_bottom_in_chinese(tmp_path):
    """Chapter 03 in Chinese: every cell runs, and the checker answers in Chinese."""
    import nbformat
    from nbclient import NotebookClient

    notebook, _ = i18n_ci.translated_notebook(
        ROOT / "chapters" / "03_bptt.ipynb",
        ROOT / "locale" / "zh_CN" / "LC_MESSAGES" / "chapters" / "03_bptt.po",
    )
    for path in (ROOT / "chapters").iterdir():  # the files the chapter reads, if any
        if path.suffix not in {".ipynb", ".po"} and path.is_file():
            (tmp_path / path.name).write_bytes(path.read_bytes())
    NotebookClient(notebook, timeout=600, resources={"metadata": {"path": str(tmp_path)}}).execute()
    nbformat.validate(notebook)
    feedback = [
        output["data"]["text/html"]
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.get("outputs", [])
        if "rnnkit-check" in output.get("data", {}).get("text/html", "")
    ]
    assert feedback, "the chapter shows no checker result"
    assert all(CJK.search(re.sub(r"<[^>]+>", "", box)) for box in feedback)
