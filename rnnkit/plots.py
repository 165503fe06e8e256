"""Figures the chapters share.

Every function returns the matplotlib ``Figure`` so the notebook decides whether to
show or save it. Figures are drawn on a white background so they stay readable when
the book is read in its dark theme.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import matplotlib.pyplot as plt
import numpy as np


@dataclass(frozen=True)
class Event:
    """One dated milestone of the timeline; ``cite`` is a key of references.bib."""

    year: float
    label: str
    cite: str
    era: str = ""


def timeline(events: Sequence[Event], title: str, eras: dict[str, str] | None = None):
    """Draw ``events`` on a horizontal time axis, labels alternating above and below.

    ``eras`` maps an event's ``era`` to a colour; events sharing an era share it,
    and the legend names each era once.
    """
    if not events:
        raise ValueError("timeline needs at least one event, got none")
    eras = eras or {}
    events = sorted(events, key=lambda e: e.year)
    years = [e.year for e in events]
    # A white figure rather than rc_context(): restoring rcParams after the figure is made
    # stops the inline backend from showing later figures of the notebook.
    fig, ax = plt.subplots(figsize=(11, 5), layout="constrained", facecolor="white")
    ax.set_facecolor("white")
    ax.axhline(0, color="0.35", linewidth=1.2, zorder=1)
    seen = set()
    # Labels alternate above and below the axis; on each side a label goes to the lowest
    # level whose previous label is at least `gap` years to the left, so none overlap.
    gap = (max(years) - min(years)) / 9 or 1.0
    last_on_level: dict[int, list[float]] = {1: [], -1: []}
    for i, event in enumerate(events):
        side = 1 if i % 2 == 0 else -1
        levels = last_on_level[side]
        level = next((k for k, x in enumerate(levels) if event.year - x >= gap), len(levels))
        if level == len(levels):
            levels.append(event.year)
        levels[level] = event.year
        height = side * (0.7 + 1.2 * level)
        colour = eras.get(event.era, "C0")
        label = event.era if event.era and event.era not in seen else None
        seen.add(event.era)
        ax.vlines(event.year, 0, height, color=colour, linewidth=1, zorder=1)
        ax.scatter([event.year], [0], color=colour, s=36, zorder=2, label=label)
        ax.annotate(
            f"{event.label}\n({int(event.year)})",
            (event.year, height),
            ha="center",
            va="bottom" if side > 0 else "top",
            fontsize=8.5,
            color="0.1",
        )
    ax.set_xlim(min(years) - 2, max(years) + 2)
    depth = 0.7 + 1.2 * max(len(v) for v in last_on_level.values()) + 0.4
    ax.set_ylim(-depth, depth + 0.4)
    ax.yaxis.set_visible(False)
    for spine in ("left", "right", "top"):
        ax.spines[spine].set_visible(False)
    ax.set_xlabel("year of publication")
    ax.set_title(title, loc="left", fontsize=11)
    if seen - {""}:
        ax.legend(loc="upper left", frameon=False, fontsize=8.5, ncols=len(seen))
    return fig


# --------------------------------------------------------------------------- cell diagrams


def _node(ax, xy, text, shape="circle", colour="white"):
    """A labelled operator (circle) or layer (rounded box) of a cell diagram."""
    from matplotlib.patches import Circle, FancyBboxPatch

    x, y = xy
    if shape == "circle":
        ax.add_patch(Circle(xy, 0.28, facecolor=colour, edgecolor="0.2", linewidth=1.2, zorder=3))
    else:
        ax.add_patch(
            FancyBboxPatch(
                (x - 0.42, y - 0.26),
                0.84,
                0.52,
                boxstyle="round,pad=0.02",
                facecolor=colour,
                edgecolor="0.2",
                linewidth=1.2,
                zorder=3,
            )
        )
    ax.text(x, y, text, ha="center", va="center", fontsize=11, zorder=4)


def _arrow(ax, start, end, label="", colour="0.25", width=1.3, label_at=0.5, offset=(0.12, 0.0)):
    ax.annotate(
        "",
        xy=end,
        xytext=start,
        arrowprops={
            "arrowstyle": "-|>",
            "color": colour,
            "linewidth": width,
            "shrinkA": 14,
            "shrinkB": 14,
        },
        zorder=2,
    )
    if label:
        x = start[0] + label_at * (end[0] - start[0]) + offset[0]
        y = start[1] + label_at * (end[1] - start[1]) + offset[1]
        ax.text(x, y, label, fontsize=10, color=colour, ha="left", va="center")


def lstm_diagram(title: str = "The LSTM cell: an additive path for c, gated at every step"):
    """Draw one LSTM step (Hochreiter & Schmidhuber 1997; forget gate: Gers et al. 2000).

    The cell path runs along the top: ``c_{t-1} -> x f_t -> + i_t * g_t -> c_t``; the
    output path takes ``tanh(c_t) -> x o_t -> h_t``. The four affine maps of
    ``[x_t, h_{t-1}]`` sit below, with their activations (sigmoid for the gates,
    tanh for the candidate ``g_t``). Returns the Figure.
    """
    cell = "#d62728"
    # No plt.rc_context here: leaving it stops later figures of a notebook from
    # displaying inline, so the white background is set on the figure itself.
    fig, ax = plt.subplots(figsize=(9.5, 4.6), layout="constrained", facecolor="white")
    ax.set_facecolor("white")
    top, mid, low = 3.2, 1.9, 0.45
    # the cell path
    ax.text(0.0, top, "$c_{t-1}$", ha="center", va="center", fontsize=13, color=cell)
    _node(ax, (2.0, top), r"$\times$")
    _node(ax, (4.4, top), "$+$")
    ax.text(8.6, top, "$c_t$", ha="center", va="center", fontsize=13, color=cell)
    _arrow(ax, (0.25, top), (2.0, top), colour=cell, width=2.4)
    _arrow(ax, (2.0, top), (4.4, top), colour=cell, width=2.4)
    _arrow(ax, (4.4, top), (8.4, top), colour=cell, width=2.4)
    # the gates and the candidate, from [x_t, h_{t-1}]
    boxes = {
        "f": (2.0, r"$\sigma$", "$f_t$"),
        "i": (3.5, r"$\sigma$", "$i_t$"),
        "g": (5.0, r"$\tanh$", "$g_t$"),
        "o": (6.5, r"$\sigma$", "$o_t$"),
    }
    for x, act, _ in boxes.values():
        _node(ax, (x, low), act, shape="box", colour="#e8f0fa")
    ax.plot([0.6, 6.5], [low - 0.62, low - 0.62], color="0.25", linewidth=1.3)
    ax.text(0.5, low - 0.62, r"$[x_t,\ h_{t-1}]$", ha="right", va="center", fontsize=12)
    for x, _, _ in boxes.values():
        _arrow(ax, (x, low - 0.62), (x, low - 0.02))
    # f_t gates the old cell; i_t gates the candidate g_t; o_t gates the output
    _arrow(ax, (2.0, low), (2.0, top), boxes["f"][2], label_at=0.55)
    _node(ax, (4.4, mid), r"$\times$")
    _arrow(ax, (3.5, low), (4.4, mid), boxes["i"][2], label_at=0.45, offset=(-0.45, 0.0))
    _arrow(ax, (5.0, low), (4.4, mid), boxes["g"][2], label_at=0.45, offset=(0.1, 0.0))
    _arrow(ax, (4.4, mid), (4.4, top))
    _node(ax, (7.2, mid + 0.55), r"$\tanh$", shape="box", colour="#fdecea")
    ax.plot([7.2], [top], "o", color=cell, markersize=5, zorder=3)  # c_t branches off
    _arrow(ax, (7.2, top), (7.2, mid + 0.55), colour=cell)
    _node(ax, (7.2, mid - 0.55), r"$\times$")
    _arrow(ax, (7.2, mid + 0.55), (7.2, mid - 0.55))
    _arrow(ax, (6.5, low), (7.2, mid - 0.55), boxes["o"][2], label_at=0.5, offset=(0.15, -0.1))
    ax.text(8.6, mid - 0.55, "$h_t$", ha="center", va="center", fontsize=13)
    _arrow(ax, (7.2, mid - 0.55), (8.4, mid - 0.55))
    ax.text(2.7, top + 0.45, r"$c_t = f_t \odot c_{t-1} + i_t \odot g_t$", fontsize=11, color=cell)
    ax.text(7.45, mid, r"$h_t = o_t \odot \tanh(c_t)$", fontsize=11)
    ax.set_xlim(-0.9, 9.6)
    ax.set_ylim(-0.5, 4.0)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(title, loc="left", fontsize=11)
    return fig


def coloured_text(
    rows: Sequence[Sequence[str]],
    values: Sequence[Sequence[float]],
    title: str,
    label: str,
    *,
    gap: float = 0.0,
    cmap: str = "RdBu_r",
    vmin: float | None = None,
    vmax: float | None = None,
    row_labels: Sequence[str] | None = None,
):
    """Pieces of text (characters or tokens) on cells coloured by a value, one line per row.

    ``rows[r]`` is a list of strings and ``values[r]`` one number per string; a piece
    is ``len(piece) + gap`` character widths wide. Newlines are drawn as ``⏎``. The
    colour bar is labelled ``label``; ``vmin``/``vmax`` default to a range symmetric
    about 0 for a diverging map. Returns the Figure (white background).
    """
    from matplotlib import colormaps
    from matplotlib.colors import Normalize

    if len(rows) != len(values) or any(
        len(a) != len(b) for a, b in zip(rows, values, strict=False)
    ):
        raise ValueError("rows and values must have the same lengths, row by row")
    flat = np.concatenate([np.asarray(v, dtype=float) for v in values])
    if vmin is None or vmax is None:
        bound = float(np.max(np.abs(flat))) or 1.0
        vmin, vmax = (-bound, bound) if flat.min() < 0 else (0.0, bound)
    norm, colours = Normalize(vmin, vmax), colormaps[cmap]
    widest = max(sum(len(p) + gap for p in row) for row in rows)
    fig, ax = plt.subplots(
        figsize=(min(0.11 * widest + 1.5, 15), 0.32 * len(rows) + 1.0),
        layout="constrained",
        facecolor="white",
    )
    for r, (row, vals) in enumerate(zip(rows, values, strict=True)):
        x = 0.0
        for piece, v in zip(row, vals, strict=True):
            w = len(piece) + gap
            ax.add_patch(plt.Rectangle((x, -r - 0.5), w, 1, color=colours(norm(v)), lw=0))
            shown = piece.replace("\n", "⏎")
            ax.text(x + w / 2, -r, shown, ha="center", va="center", family="monospace", fontsize=8)
            x += w
    ax.set_xlim(0, widest)
    ax.set_ylim(-len(rows) + 0.5, 0.5)
    ax.set_xticks([])
    if row_labels is not None:
        ax.set_yticks([-r for r in range(len(rows))], list(row_labels), fontsize=8)
    else:
        ax.set_yticks([])
    ax.set_title(title)
    fig.colorbar(plt.cm.ScalarMappable(norm, colours), ax=ax, label=label, shrink=0.8)
    return fig


def attention_heatmaps(
    weights: Sequence,
    sources: Sequence[str],
    outputs: Sequence[str],
    title: str,
):
    """One heat map per example: attention weight of each output character (rows) on
    each source character (columns), as in Bahdanau et al. (2015, fig. 3).

    ``weights[i]`` is ``(len(outputs[i]), >= len(sources[i]))``; columns past the source
    length (padding) are dropped. ``outputs[i]`` may end with ``"⏎"`` for ``<end>``.
    Raises ``ValueError`` when the lists differ in length or a map is too small.
    """
    import numpy as np

    if not (len(weights) == len(sources) == len(outputs)) or len(weights) == 0:
        raise ValueError(
            f"weights, sources and outputs must be non-empty and equally long, got "
            f"{len(weights)}, {len(sources)} and {len(outputs)}"
        )
    maps = []
    for i, (w, src, out) in enumerate(zip(weights, sources, outputs, strict=True)):
        w = np.asarray(w, dtype=float)
        if w.ndim != 2 or w.shape[0] < len(out) or w.shape[1] < len(src):
            raise ValueError(
                f"weights[{i}] must be at least ({len(out)}, {len(src)}) for its output and "
                f"source, got shape {w.shape}"
            )
        maps.append(w[: len(out), : len(src)])  # (output chars, source chars)
    widths = [len(s) for s in sources]
    fig, axes = plt.subplots(
        1,
        len(maps),
        figsize=(min(3.0 + 0.28 * sum(widths), 18), 4.2),
        layout="constrained",
        facecolor="white",
        gridspec_kw={"width_ratios": widths},
        squeeze=False,
    )
    for ax, w, src, out in zip(axes[0], maps, sources, outputs, strict=True):
        image = ax.imshow(w, cmap="viridis", vmin=0.0, vmax=1.0, aspect="auto")
        ax.set_xticks(range(len(src)), list(src), fontsize=8, family="monospace")
        ax.set_yticks(range(len(out)), list(out), fontsize=8, family="monospace")
        ax.set_xlabel("source character")
    axes[0][0].set_ylabel("output character")
    fig.colorbar(image, ax=list(axes[0]), label="attention weight", shrink=0.8)
    fig.suptitle(title, fontsize=11)
    return fig
