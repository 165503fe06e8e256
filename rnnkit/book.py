"""Sphinx glue for the book: framework tabs made of executed notebook cells.

A chapter shows the same step in NumPy, PyTorch and Keras as consecutive code cells
tagged ``tab-NumPy``, ``tab-PyTorch`` and ``tab-Keras``. In Jupyter or Colab they run
one after the other; in the HTML book this extension gathers each run of tagged cells
into one sphinx-design tab set, inputs and outputs included, so the reader picks a
framework once and every tab set on every page follows (sync group ``framework``).

A tab set ends at the first node that is not a tagged cell, or when a label comes
round again (``PyTorch, Keras, PyTorch`` makes two sets). Several consecutive cells
with the same label share one tab.

It also defines the role ``{checked}`0.97```: the number as written, followed by a
small mark that links to the page *How this book checks itself* (``chapters/checks``).
A chapter puts it after a number that it asserts in a cell the reader does not see,
and says nothing else about how the book verifies it.

Every exercise solution (a cell tagged ``hide-cell``) folds under the same label,
``SOLUTION_PROMPTS`` in the edition's language; a cell sets no label of its own.

Enabled in ``_config.yml`` with ``sphinx: extra_extensions: [rnnkit.book]``.
"""

from __future__ import annotations

import html

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.transforms import SphinxTransform
from sphinx.util.osutil import relative_uri

TAG_PREFIX = "tab-"
SYNC_GROUP = "framework"


def tab_label(node: nodes.Node) -> str | None:
    """The tab label of a notebook code cell (``tab-PyTorch`` gives ``PyTorch``), if any."""
    if not isinstance(node, nodes.container) or node.get("nb_element") != "cell_code":
        return None
    tags = node.get("cell_metadata", {}).get("tags", [])
    labels = [tag[len(TAG_PREFIX) :] for tag in tags if tag.startswith(TAG_PREFIX)]
    return labels[0] if labels else None


def group_tab_cells(children: list[nodes.Node]) -> list[list[tuple[str, list[nodes.Node]]]]:
    """Split ``children`` into runs of tagged cells, each a list of (label, cells) tabs.

    Returned in document order; untagged nodes are not included.
    """
    groups: list[list[tuple[str, list[nodes.Node]]]] = []
    current: list[tuple[str, list[nodes.Node]]] = []
    for child in children:
        label = tab_label(child)
        if label is None:
            if current:
                groups.append(current)
            current = []
            continue
        if current and current[-1][0] == label:
            current[-1][1].append(child)
        elif any(existing == label for existing, _ in current):
            groups.append(current)
            current = [(label, [child])]
        else:
            current.append((label, [child]))
    if current:
        groups.append(current)
    return groups


def _tab_set(tabs: list[tuple[str, list[nodes.Node]]]) -> nodes.container:
    tab_set = nodes.container("", is_div=True, design_component="tab-set", classes=["sd-tab-set"])
    for label, cells in tabs:
        item = nodes.container(
            "", is_div=True, design_component="tab-item", classes=["sd-tab-item"], selected=False
        )
        title = nodes.rubric(label, label, classes=["sd-tab-label"])
        title["sync_id"], title["sync_group"] = label.lower(), SYNC_GROUP
        content = nodes.container(
            "", is_div=True, design_component="tab-content", classes=["sd-tab-content"]
        )
        for cell in cells:
            cell.parent.remove(cell)
            content += cell
        item += [title, content]
        tab_set += item
    return tab_set


class CellTabs(SphinxTransform):
    """Wrap runs of ``tab-*`` tagged cells into sphinx-design tab sets."""

    default_priority = 500

    def apply(self, **kwargs) -> None:
        parents = {
            cell.parent for cell in self.document.findall(nodes.container) if tab_label(cell)
        }
        for parent in parents:
            for tabs in group_tab_cells(list(parent.children)):
                first = tabs[0][1][0]
                position = parent.index(first)
                parent.insert(position, _tab_set(tabs))


def drop_remote_scripts(app: Sphinx, pagename, templatename, context, doctree) -> None:
    """Keep pages free of remote script URLs.

    sphinx-thebe (always loaded by Jupyter Book) writes an inline script naming a CDN
    copy of thebe, fetched only when live code is switched on. Live code is off in
    this book, and the book must work offline, so that script and its loader go.
    """
    context["script_files"] = [
        script
        for script in context.get("script_files", [])
        if "unpkg.com" not in (script.attributes.get("body") or "")
        and "sphinx-thebe" not in str(script.filename or "")
    ]


CHECKS_PAGE = "chapters/checks"
CHECKED_TITLE = {
    "en": "Computed when the book is built, and checked: how this book checks itself",
    "zh_CN": "构建本书时计算并核验：本书如何自我核验",
}


def checked_role(name, rawtext, text, lineno, inliner, options=None, content=None):
    """``{checked}`0.97```: the text, then a quiet mark linking to the checks page."""
    env = inliner.document.settings.env
    builder = env.app.builder
    href = relative_uri(builder.get_target_uri(env.docname), builder.get_target_uri(CHECKS_PAGE))
    title = CHECKED_TITLE.get(env.config.language, CHECKED_TITLE["en"])
    mark = (
        f'<a class="checked-mark" href="{html.escape(href)}" title="{html.escape(title)}"'
        f' aria-label="{html.escape(title)}">\u2713</a>'
    )
    return [nodes.Text(text), nodes.raw("", mark, format="html")], []


SOLUTION_PROMPTS = {
    "en": ("Show the solution", "Hide the solution"),
    "zh_CN": ("显示答案", "隐藏答案"),
}


def solution_prompts(app: Sphinx, config) -> None:
    """``config-inited``: the fold label of ``hide-cell`` solutions, in the edition's language
    (myst-nb reads it when the builder starts)."""
    language = "zh_CN" if (config.language or "en").startswith("zh") else "en"
    config.nb_code_prompt_show, config.nb_code_prompt_hide = SOLUTION_PROMPTS[language]


def setup(app: Sphinx) -> dict:
    app.add_role("checked", checked_role)
    app.connect("config-inited", solution_prompts)
    app.setup_extension("sphinx_design")
    app.add_transform(CellTabs)
    app.connect("html-page-context", drop_remote_scripts)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
