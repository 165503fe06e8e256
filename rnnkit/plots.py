"""Figures the chapters share, and the one style every figure of the book is drawn in.

Every function returns the matplotlib ``Figure`` so the notebook decides whether to
show or save it. The style is stated once, where it is defined: :data:`STYLE` and the
constants it is built from (:data:`COLUMN_PX`, :data:`DPI`, :data:`MIN_TEXT_PX`);
importing this module applies it, and so does ``rnnkit.setup`` (for a chapter that
calls ``plt`` directly). The figure functions leave sizes of text to it.
"""

from __future__ import annotations

import io
import struct
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
from cycler import cycler
from matplotlib.ticker import NullLocator

COLUMN_PX = 688
"""Width of the book's content column, in pixels, in a 1280 px wide window."""
DPI = 100
"""Pixels per inch of the book's figures (a figure ``w`` inches wide is ``w * DPI`` px)."""
COLUMN_IN = COLUMN_PX / DPI
MIN_TEXT_PX = 10.0
"""The smallest text the book draws, in screen pixels (7.2 points at :data:`DPI`)."""
PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
           "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf")  # fmt: skip
"""The line colours ``C0``, ``C1``, ... of every chapter, in order (matplotlib's tab10)."""
# the diagrams' colours: the recurrent state, attention, a layer's box
STATE, ATTEND, LAYER = "#d62728", "#1f5fa8", "#e8f0fa"

STYLE = {
    "figure.figsize": (COLUMN_IN, 4.0),  # the column's width; stacked panels set a height
    "figure.dpi": DPI,
    "savefig.dpi": "figure",
    "figure.constrained_layout.use": True,  # labels and titles inside the figure's width
    "figure.facecolor": "white",  # the dark theme shows a white card, not dark-on-dark
    "axes.facecolor": "white",
    "savefig.facecolor": "white",
    "font.size": 10.0,  # 14 px
    "axes.titlesize": 11.0,
    "figure.titlesize": 11.0,
    "axes.labelsize": 10.0,
    "xtick.labelsize": 9.0,  # 12.5 px, the smallest text the style sets
    "ytick.labelsize": 9.0,
    "legend.fontsize": 9.0,
    "legend.title_fontsize": 9.0,
    "legend.frameon": False,
    "axes.prop_cycle": cycler(color=list(PALETTE)),
    "grid.color": "0.9",
}
"""The rcParams of every figure of the book."""


def use_book_style() -> None:
    """Apply :data:`STYLE` to matplotlib's rcParams (idempotent).

    ``rnnkit.setup`` and ``import rnnkit.plots`` call it. It updates rcParams in
    place rather than entering ``plt.rc_context``: restoring rcParams after a figure
    is made stops the inline backend from showing later figures of a notebook.
    """
    mpl.rcParams.update(STYLE)


use_book_style()


def png_size(png: bytes) -> tuple[int, int]:
    """``(width, height)`` in pixels from a PNG's header; ``ValueError`` if not a PNG."""
    if len(png) < 24 or png[:8] != b"\x89PNG\r\n\x1a\n" or png[12:16] != b"IHDR":
        raise ValueError(f"expected the bytes of a PNG file, got {png[:8]!r}...")
    width, height = struct.unpack(">II", png[16:24])
    return int(width), int(height)


def rendered_size(fig) -> tuple[int, int]:
    """The figure's PNG size as a notebook shows it: at the figure's dpi, cropped to
    its contents (``bbox_inches="tight"``, matplotlib-inline's default)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=fig.dpi, bbox_inches="tight")
    return png_size(buffer.getvalue())


def smallest_text_px(fig, width: int | None = None) -> float:
    """Height in screen pixels of the smallest visible, non-empty text of ``fig``,
    as the book shows it: points at the figure's dpi, scaled down when the PNG is
    wider than the column (the browser shrinks it to fit). ``width`` is the PNG's
    width from ``rendered_size(fig)`` when the caller has it (saving a render)."""
    if width is None:
        width, _ = rendered_size(fig)
    shrink = min(1.0, COLUMN_PX / width)
    sizes = [
        text.get_fontsize()
        for text in fig.findobj(mpl.text.Text)
        if text.get_visible() and text.get_text().strip()
    ]
    if not sizes:
        raise ValueError("the figure draws no text")
    return min(sizes) * fig.dpi / 72 * shrink


def wrap(title: str, width: int = 80) -> str:
    """``title`` broken into lines of at most ``width`` characters (its own line
    breaks kept), so that it fits the column at the style's title size."""
    return "\n".join(textwrap.fill(line, width) for line in title.split("\n"))


@dataclass(frozen=True)
class Event:
    """One dated milestone of the timeline; ``cite`` is a key of references.bib."""

    year: float
    label: str
    cite: str
    era: str = ""


def timeline(events: Sequence[Event], title: str, eras: dict[str, str] | None = None):
    """Draw ``events`` down a vertical time axis, one label per row beside it.

    The axis is to scale (year ``y`` at height ``-y``); the labels sit in a column to
    its right, in year order, one row each, and a leader line joins each label to its
    year, so no label overlaps another and no line crosses a label. Events of the same
    year sit side by side, the last of them on the axis, so no point hides another.
    ``eras`` maps an event's ``era`` to a colour; events sharing an era share it, and the
    legend names each era once. Raises ``ValueError`` for an empty list.
    """
    if not events:
        raise ValueError("timeline needs at least one event, got none")
    eras = eras or {}
    events = sorted(events, key=lambda e: e.year)
    first, last = events[0].year, events[-1].year
    span = max(last - first, 1.0)
    fig, ax = plt.subplots(figsize=(COLUMN_IN, 0.8 + 0.27 * len(events)))
    rows = np.linspace(first, last, len(events)) if len(events) > 1 else np.array([first])
    later = [sum(e.year == event.year for e in events[i + 1 :]) for i, event in enumerate(events)]
    seen: set[str] = set()
    for event, row, shift in zip(events, rows, later, strict=True):
        colour = eras.get(event.era, PALETTE[0])
        label = event.era if event.era and event.era not in seen else None
        seen.add(event.era)
        x = 0.3 * shift  # the year's earlier events to the right of its last one
        ax.scatter([x], [-event.year], color=colour, s=30, zorder=3, label=label)
        ax.plot([x, 0.9, 1.3], [-event.year, -row, -row], color=colour, lw=0.9, zorder=2)
        text = " ".join(event.label.split())  # one line per event
        ax.text(1.4, -row, f"{int(event.year)}  {text}", va="center", color="0.1")
    ax.set_xlim(-0.6, 12)
    ax.set_ylim(-last - 0.05 * span, -first + 0.05 * span)
    ticks = np.arange(np.ceil(first / 10) * 10, last + 1, 10)
    ax.set_yticks(-ticks, [str(int(t)) for t in ticks])
    ax.set_ylabel("year of publication")
    ax.xaxis.set_visible(False)
    for spine in ("bottom", "right", "top"):
        ax.spines[spine].set_visible(False)
    ax.spines["left"].set_position(("data", 0))  # the time axis runs through the points
    ax.set_title(wrap(title), loc="left")
    if seen - {""}:
        fig.legend(loc="outside lower center", ncols=3, handletextpad=0.3, columnspacing=1.2)
    return fig


# --------------------------------------------------------------------------- cell diagrams


_RADIUS, _HALF = 0.28, 0.42  # an operator's circle; half the width of a layer's box
_BOX = 0.28  # half the height of a layer's box, with its rounded edge


def _node(ax, xy, text, shape="circle", colour="white", width=2 * _HALF):
    """A labelled operator (circle) or layer (rounded box, ``width`` wide) of a cell diagram."""
    from matplotlib.patches import Circle, FancyBboxPatch

    x, y = xy
    if shape == "circle":
        ax.add_patch(
            Circle(xy, _RADIUS, facecolor=colour, edgecolor="0.2", linewidth=1.2, zorder=3)
        )
    else:
        ax.add_patch(
            FancyBboxPatch(
                (x - width / 2, y - 0.26),
                width,
                0.52,
                boxstyle="round,pad=0.02",
                facecolor=colour,
                edgecolor="0.2",
                linewidth=1.2,
                zorder=3,
            )
        )
    ax.text(x, y, text, ha="center", va="center", fontsize=11, zorder=4)


def _arrow(
    ax,
    start,
    end,
    label="",
    colour="0.25",
    width=1.3,
    label_at=0.5,
    offset=(0.12, 0.0),
    shrink=14,
):
    """An arrow from ``start`` to ``end``, stopping ``shrink`` points short of each."""
    ax.annotate(
        "",
        xy=end,
        xytext=start,
        arrowprops={
            "arrowstyle": "-|>",
            "color": colour,
            "linewidth": width,
            "shrinkA": shrink,
            "shrinkB": shrink,
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
    cell = STATE
    fig, ax = _diagram_axes((COLUMN_IN, 3.4), (-0.9, 9.6), (-0.5, 4.0), title)
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
        _node(ax, (x, low), act, shape="box", colour=LAYER)
    ax.plot([0.6, 6.5], [low - 0.62, low - 0.62], color="0.25", linewidth=1.3)
    ax.text(0.5, low - 0.62, r"$[x_t,\ h_{t-1}]$", ha="right", va="center", fontsize=12)
    for x, _, _ in boxes.values():
        _arrow(ax, (x, low - 0.62), (x, low - _BOX), shrink=1)  # bus to the box's edge
    # f_t gates the old cell; i_t gates the candidate g_t; o_t gates the output
    _arrow(ax, (2.0, low), (2.0, top), boxes["f"][2], label_at=0.55)
    _node(ax, (4.4, mid), r"$\times$")
    _arrow(ax, (3.5, low), (4.4, mid), boxes["i"][2], label_at=0.45, offset=(-0.45, 0.0))
    _arrow(ax, (5.0, low), (4.4, mid), boxes["g"][2], label_at=0.45, offset=(0.1, 0.0))
    _arrow(ax, (4.4, mid), (4.4, top))
    _node(ax, (7.2, mid + 0.55), r"$\tanh$", shape="box", colour="#fdecea")
    ax.plot([7.2], [top], "o", color=cell, markersize=5, zorder=3)  # c_t branches off
    _arrow(ax, (7.2, top), (7.2, mid + 0.55 + _BOX), colour=cell, shrink=1)
    _node(ax, (7.2, mid - 0.55), r"$\times$")
    _arrow(ax, (7.2, mid + 0.55), (7.2, mid - 0.55))
    _arrow(ax, (6.5, low), (7.2, mid - 0.55), boxes["o"][2], label_at=0.5, offset=(0.15, -0.1))
    ax.text(8.6, mid - 0.55, "$h_t$", ha="center", va="center", fontsize=13)
    _arrow(ax, (7.2, mid - 0.55), (8.4, mid - 0.55))
    ax.text(2.7, top + 0.45, r"$c_t = f_t \odot c_{t-1} + i_t \odot g_t$", fontsize=11, color=cell)
    ax.text(7.45, mid, r"$h_t = o_t \odot \tanh(c_t)$", fontsize=11)
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
    center: float | None = None,
    row_labels: Sequence[str] | None = None,
):
    """Pieces of text (characters or tokens) on cells coloured by a value, one line per row.

    ``rows[r]`` is a list of strings and ``values[r]`` one number per string; a piece
    is ``len(piece) + gap`` character widths wide. Newlines are drawn as ``⏎``. The
    colour bar is labelled ``label``; ``vmin``/``vmax`` default to a range symmetric
    about 0 for a diverging map. With ``center``, a diverging map puts its neutral
    (white) colour at ``center`` and its ends at ``vmin`` and ``vmax`` (default: the
    values' extremes), so values above and below a typical level stand apart. The
    figure is the column's width; the pieces' font is fitted to their cells (9 pt at
    most, never under :data:`MIN_TEXT_PX`). Raises ``ValueError`` for mismatched lengths or a
    ``center`` outside ``(vmin, vmax)``. Returns the Figure.
    """
    from matplotlib import colormaps

    if len(rows) != len(values) or any(
        len(a) != len(b) for a, b in zip(rows, values, strict=False)
    ):
        raise ValueError("rows and values must have the same lengths, row by row")
    norm, colours = _text_norm(values, vmin, vmax, center), colormaps[cmap]
    widest = max(sum(len(p) + gap for p in row) for row in rows)
    fig, ax = plt.subplots(figsize=(COLUMN_IN, 0.26 * len(rows) + 1.0))
    for r, (row, vals) in enumerate(zip(rows, values, strict=True)):
        x = 0.0
        for piece, v in zip(row, vals, strict=True):
            w = len(piece) + gap
            fill = colours(norm(v))
            ax.add_patch(plt.Rectangle((x, -r - 0.5), w, 1, color=fill, lw=0))
            shown = piece.replace("\n", "⏎")
            ink = "white" if np.dot(fill[:3], (0.30, 0.59, 0.11)) < 0.45 else "black"
            ax.text(x + w / 2, -r, shown, ha="center", va="center", family="monospace", color=ink)
            x += w
    ax.set_xlim(0, widest)
    ax.set_ylim(-len(rows) + 0.5, 0.5)
    ax.set_xticks([])
    if row_labels is not None:
        ax.set_yticks([-r for r in range(len(rows))], list(row_labels))
    else:
        ax.set_yticks([])
    ax.set_title(wrap(title), loc="left")
    fig.colorbar(plt.cm.ScalarMappable(norm, colours), ax=ax, label=label, aspect=10)
    _fit_characters(fig, ax, widest)
    return fig


def _fit_characters(fig, ax, widest: float, largest: float = 9.0) -> None:
    """Set the pieces' font size so one monospace character (0.6 em wide) fits one
    character width of the axes, at most ``largest`` points and at least the
    style's :data:`MIN_TEXT_PX` (text then overlaps rather than becomes unreadable)."""
    fig.draw_without_rendering()  # lays out the figure, so the axes has its width
    cell_px = ax.get_window_extent().width / widest
    smallest = MIN_TEXT_PX * 72 / fig.dpi
    size = max(smallest, min(largest, cell_px / 0.6 * 72 / fig.dpi))
    for text in ax.texts:
        text.set_fontsize(size)


def _text_norm(values, vmin, vmax, center):
    """coloured_text's colour scale: linear from vmin to vmax, or two slopes about center."""
    from matplotlib.colors import Normalize, TwoSlopeNorm

    flat = np.concatenate([np.asarray(v, dtype=float) for v in values])
    if center is not None:
        low = float(flat.min()) if vmin is None else vmin
        high = float(flat.max()) if vmax is None else vmax
        if not low < center < high:
            raise ValueError(f"center must lie inside (vmin, vmax) = ({low}, {high}), got {center}")
        return TwoSlopeNorm(center, low, high)
    if vmin is None or vmax is None:
        bound = float(np.max(np.abs(flat))) or 1.0
        vmin, vmax = (-bound, bound) if flat.min() < 0 else (0.0, bound)
    return Normalize(vmin, vmax)


def attention_heatmaps(
    weights: Sequence,
    sources: Sequence[str],
    outputs: Sequence[str],
    title: str,
):
    """One heat map per example: attention weight of each output character (rows) on
    each source character (columns), as in Bahdanau et al. (2015, fig. 3).

    ``weights[i]`` is ``(len(outputs[i]), >= len(sources[i]))``; columns past the source
    length (padding) are dropped. ``outputs[i]`` may end with ``"⏎"`` for ``<end>``,
    labelled ``end``. The maps are stacked, each the column's width.
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
    heights = [w.shape[0] for w in maps]
    fig, axes = plt.subplots(
        len(maps),
        1,
        figsize=(COLUMN_IN, 0.5 + 0.19 * sum(heights) + 0.7 * len(maps)),
        gridspec_kw={"height_ratios": heights},
        squeeze=False,
    )
    for ax, w, src, out in zip(axes[:, 0], maps, sources, outputs, strict=True):
        image = ax.imshow(w, cmap="viridis", vmin=0.0, vmax=1.0, aspect="auto")
        ax.set_xticks(range(len(src)), list(src), family="monospace")
        rows = ["end" if c == "⏎" else c for c in out]  # ⏎ is drawn too small to read
        ax.set_yticks(range(len(out)), rows, family="monospace")
        ax.tick_params(length=2, pad=2)
        ax.set(xlabel="source character", ylabel="output character")
    fig.colorbar(image, ax=list(axes[:, 0]), label="attention weight", shrink=0.8)
    fig.suptitle(wrap(title), x=0.01, ha="left")
    return fig


def _label(ax, xy, text, colour="0.1", size=12, **kwargs):
    """A symbol of a cell diagram (an input, a state), centred on ``xy``."""
    ax.text(*xy, text, ha="center", va="center", fontsize=size, color=colour, **kwargs)


def _diagram_axes(figsize, xlim, ylim, title):
    """A white figure with one frameless axes in data units of equal aspect."""
    fig, ax = plt.subplots(figsize=figsize)
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(wrap(title), loc="left")
    return fig, ax


def unrolled_rnn_diagram(
    title: str = "One recurrent layer, folded and unrolled: the same W and U at every step",
):
    """Draw a recurrent layer folded (one cell with a loop) and unrolled over time.

    The update is chapter 02's ``h_t = tanh(x_t W + h_{t-1} U + b)`` (Elman 1990);
    unrolling it turns the loop into a deep feed-forward network with one layer per
    step and the same weights in every layer, which is how backpropagation through
    time trains it (Rumelhart, Hinton & Williams 1986; Werbos 1990). The unrolled part
    shows steps 1, 2, 3 and T, ``h_0`` entering from the left. Returns the Figure.
    """
    from matplotlib.patches import FancyArrowPatch

    state = STATE
    fig, ax = _diagram_axes((COLUMN_IN, 3.2), (-0.6, 9.5), (-0.6, 3.35), title)
    low, mid, top = 0.0, 1.45, 2.9
    steps = [(0.5, "t"), (3.7, "1"), (5.1, "2"), (6.5, "3"), (8.9, "T")]  # folded, unrolled
    # folded: one cell whose output comes back as its next input
    loop = FancyArrowPatch(
        (0.5 + _HALF, mid + 0.14),
        (0.5 + _HALF, mid - 0.14),
        connectionstyle="arc,angleA=0,angleB=0,armA=28,armB=28,rad=8",
        arrowstyle="-|>",
        mutation_scale=14,
        color=state,
        linewidth=2.0,
        zorder=2,
    )
    ax.add_patch(loop)
    _label(ax, (1.6, mid), "$U$", colour=state, size=11)
    _label(ax, (0.5, low - 0.45), "folded", colour="0.35", size=10)
    _label(ax, (2.15, mid), "=", size=16)
    # unrolled: the same cell, once per step, h_{t-1} arriving from the left
    _label(ax, (2.65, mid), "$h_0$", colour=state)
    for x, t in steps:
        _node(ax, (x, mid), r"$\tanh$", shape="box", colour=LAYER)
        _label(ax, (x, low), f"$x_{t}$")
        _label(ax, (x, top), f"$h_{t}$")
        _arrow(ax, (x, low), (x, mid), "$W$", label_at=0.45)
        _arrow(ax, (x, mid), (x, top))
    _label(ax, (7.7, mid), r"$\cdots$", colour=state)
    ax.plot([6.5 + _HALF, 7.45], [mid, mid], color=state, linewidth=2.0, zorder=2)
    for left, right in [(2.9, 3.7 - _HALF), (3.7 + _HALF, 5.1 - _HALF), (5.1 + _HALF, 6.5 - _HALF),
                        (7.95, 8.9 - _HALF)]:  # fmt: skip
        _arrow(ax, (left, mid), (right, mid), colour=state, width=2.0, shrink=1)
        _label(ax, ((left + right) / 2, mid + 0.2), "$U$", colour=state, size=10)
    _label(
        ax, (6.3, low - 0.45), "unrolled over T steps: one layer per step", colour="0.35", size=10
    )
    return fig


def gru_diagram(
    title: str = r"The GRU cell: $z_t$ keeps the old state, $1 - z_t$ lets the candidate in",
):
    """Draw one GRU step in the form of Cho et al. (2014), as chapter 06 writes it.

    The state path runs along the top: ``h_{t-1} -> x z_t -> + (1 - z_t) * h_tilde_t
    -> h_t``, i.e. ``h_t = z_t * h_{t-1} + (1 - z_t) * h_tilde_t``. Below, the update
    gate ``z_t`` and the reset gate ``r_t`` (sigmoids of ``[x_t, h_{t-1}]``), the reset
    applied to ``h_{t-1}`` *before* ``U_h``, and the candidate
    ``h_tilde_t = tanh(x_t W_h + (r_t * h_{t-1}) U_h + b_h)``. Returns the Figure.
    """
    state = STATE
    fig, ax = _diagram_axes((COLUMN_IN, 3.9), (-1.35, 8.95), (-1.15, 4.0), title)
    top, mid, low = 3.2, 1.9, 0.45
    bus = low - 0.62
    # the state path: keep z_t of the old state, add (1 - z_t) of the candidate
    _label(ax, (0.0, top), "$h_{t-1}$", colour=state, size=13)
    _node(ax, (2.0, top), r"$\times$")
    _node(ax, (6.0, top), "$+$")
    _label(ax, (8.0, top), "$h_t$", colour=state, size=13)
    _arrow(ax, (0.3, top), (2.0, top), colour=state, width=2.4)
    _arrow(ax, (2.0, top), (6.0, top), colour=state, width=2.4)
    _arrow(ax, (6.0, top), (7.8, top), colour=state, width=2.4)
    ax.text(
        2.3, top + 0.45, r"$h_t = z_t \odot h_{t-1} + (1 - z_t) \odot \tilde h_t$",
        fontsize=11, color=state,
    )  # fmt: skip
    # the gates, from [x_t, h_{t-1}]
    for x, act in ((2.0, r"$\sigma$"), (3.4, r"$\sigma$"), (6.0, r"$\tanh$")):
        _node(ax, (x, low), act, shape="box", colour=LAYER)
    ax.plot([0.6, 6.0], [bus, bus], color="0.25", linewidth=1.3)
    ax.text(0.5, bus, r"$[x_t,\ h_{t-1}]$", ha="right", va="center", fontsize=12)
    for x in (2.0, 3.4):
        _arrow(ax, (x, bus), (x, low - _BOX), shrink=1)
    _arrow(ax, (6.0, bus), (6.0, low - _BOX), shrink=1)
    _label(ax, (6.25, bus + 0.12), "$x_t$", size=10, colour="0.25")
    _arrow(ax, (2.0, low), (2.0, top), "$z_t$", label_at=0.62)
    _node(ax, (3.2, mid), "")
    _label(ax, (3.2, mid), "$1-$", size=10, zorder=4)
    _arrow(ax, (2.0, low), (3.2, mid))
    # the reset gate acts on h_{t-1} before U_h; the candidate goes in through 1 - z_t
    _node(ax, (4.8, low), r"$\times$")
    _arrow(ax, (3.4 + _HALF, low), (4.8 - _RADIUS, low), shrink=1)
    _label(ax, (4.17, low + 0.2), "$r_t$", size=10, colour="0.25")
    _label(ax, (4.8, low + 1.0), "$h_{t-1}$", colour=state, size=11)
    _arrow(ax, (4.8, low + 1.0), (4.8, low), shrink=9)
    _arrow(ax, (4.8 + _RADIUS, low), (6.0 - _HALF, low), shrink=1)
    _node(ax, (6.0, mid), r"$\times$")
    _arrow(ax, (6.0, low), (6.0, mid), r"$\tilde h_t$", label_at=0.5)
    _arrow(ax, (3.2, mid), (6.0, mid), "$1 - z_t$", label_at=0.42, offset=(-0.3, 0.22))
    _arrow(ax, (6.0, mid), (6.0, top))
    ax.text(
        0.6, bus - 0.55,
        r"candidate: $\tilde h_t = \tanh(x_t W_h + (r_t \odot h_{t-1})\, U_h + b_h)$",
        fontsize=11, va="center",
    )  # fmt: skip
    return fig


def _attention_at_step_2(ax, encoder, labels) -> None:
    """The attention of :func:`seq2seq_attention_diagram`: ``s_2`` scores every ``k_j``
    and the weights ``a_2j`` average the ``k_j`` into ``c_2``, which joins ``s_2``."""
    attend = ATTEND
    hub = (4.5, 3.45)
    _node(ax, hub, "attention", shape="box", colour="#e3ecf7", width=1.5)
    edge = hub[1] - 0.26  # the attention box's lower edge
    weights = (0.15, 0.7, 0.15)  # an example: most of the weight on k_2
    for x, weight, end, j in zip(encoder, weights, (-0.5, -0.25, 0.0), "123", strict=True):
        start, stop = (x, labels + 0.22), (hub[0] + end, edge)
        _arrow(ax, start, stop, colour=attend, width=0.8 + 5 * weight, shrink=1)
        _label(ax, (x + 0.45, labels), f"$a_{{2{j}}}$", colour=attend, size=10)
    _arrow(ax, (7.0 - 0.1, labels + 0.22), (hub[0] + 0.5, edge), colour=attend, shrink=1)
    _label(ax, (6.15, 2.95), "query", colour=attend, size=10)
    _node(ax, (7.0, hub[1]), "linear", shape="box", colour=LAYER)
    _arrow(ax, (hub[0] + 0.75, hub[1]), (7.0 - _HALF, hub[1]), colour=attend, shrink=1)
    _label(ax, (6.0, hub[1] + 0.22), "$c_2$", colour=attend, size=11)
    _arrow(ax, (7.0, labels), (7.0, hub[1]))
    _arrow(ax, (7.0 + _HALF, hub[1]), (8.15, hub[1]), shrink=1)
    _label(ax, (8.75, hub[1]), "logits\nfor $y_2$", size=10)
    for y, line in zip(
        (4.75, 4.3, 3.85),
        (r"scores $e_{2j} = v^\top \tanh(s_2 W_q + k_j W_k)$",
         r"weights $a_{2j} = \mathrm{softmax}_j\ e_{2j}$",
         r"context $c_2 = \sum_j a_{2j}\, k_j$"),
        strict=True,
    ):  # fmt: skip
        ax.text(-0.45, y, line, fontsize=10.5, color=attend, va="center")


def seq2seq_attention_diagram(
    title: str = "Encoder, decoder and attention: each output step averages the encoder states",
):
    """Draw chapter 11's encoder-decoder with additive attention, at decoder step 2.

    The encoder, a GRU over the source (Sutskever, Vinyals & Le 2014; Cho et al. 2014),
    keeps its outputs ``k_1 ... k_L`` and hands its last state to the decoder, a GRU
    over ``<start>`` and the target. At step ``t`` the decoder's output ``s_t`` scores
    every ``k_j`` (``e_tj = v^T tanh(s_t W_q + k_j W_k)``, Bahdanau, Cho & Bengio
    2015), a softmax turns the scores into weights ``a_tj`` (drawn as line widths),
    and the context ``c_t = sum_j a_tj k_j`` joins ``s_t`` in the output layer, where
    Luong, Pham & Manning (2015) place it: it does not feed back into the GRU.
    Returns the Figure.
    """
    state = STATE
    fig, ax = _diagram_axes((COLUMN_IN, 4.6), (-0.55, 9.3), (-1.0, 5.05), title)
    boxes, labels = 1.0, 2.05
    encoder, decoder = (0.7, 2.0, 3.3), (5.7, 7.0, 8.3)
    inputs = ("$x_1$", "$x_2$", "$x_3$", "<start>", "$y_1$", "$y_2$")
    outputs = ("$k_1$", "$k_2$", "$k_3$", "$s_1$", "$s_2$", "$s_3$")
    for x, below, above in zip(encoder + decoder, inputs, outputs, strict=True):
        _node(ax, (x, boxes), "GRU", shape="box", colour=LAYER)
        _label(ax, (x, -0.05), below, size=11 if below.startswith("$") else 10)
        _label(ax, (x, labels), above)
        _arrow(ax, (x, -0.05), (x, boxes))
        _arrow(ax, (x, boxes), (x, labels))
    for row in (encoder, decoder):
        for left, right in zip(row, row[1:], strict=False):
            _arrow(
                ax, (left + _HALF, boxes), (right - _HALF, boxes), colour=state, width=2.0, shrink=1
            )
    _arrow(ax, (3.3 + _HALF, boxes), (5.7 - _HALF, boxes), colour=state, width=2.0, shrink=1)
    _label(ax, (4.5, boxes + 0.25), "last state", colour=state, size=10)
    _label(ax, (2.0, -0.6), "encoder: a GRU over the source", colour="0.35", size=10)
    _label(ax, (7.0, -0.6), "decoder: a GRU over <start> + target", colour="0.35", size=10)
    _attention_at_step_2(ax, encoder, labels)
    return fig


def _two_and_five(value, _position=None) -> str:
    """A minor tick's label on a log axis: only 2 and 5 times a power of ten."""
    mantissa = value / 10 ** np.floor(np.log10(value))
    return f"{value:g}" if round(mantissa) in (2, 5) else ""


def _require_columns(rows, needed: list[str], lines, kind: str, detail: str = "") -> None:
    """Raise ``ValueError`` unless the DataFrame ``rows`` has every column of ``needed``
    and ``lines`` (the curves to draw, named ``kind``) is not empty."""
    missing = [column for column in needed if column not in rows.columns]
    if missing or not lines:
        raise ValueError(
            f"rows must have the columns {needed}{detail}, missing {missing or 'the ' + kind}"
        )


def costs_against_length(rows, forms: Sequence[str], title: str):
    """Time and memory of one training step against the sequence length, log-log.

    ``rows`` is a DataFrame with a column ``"T"`` and, for each name in ``forms``, the
    columns ``"<name> ms"`` and ``"<name> MiB"``, as chapter 12 builds it from
    ``rnnkit.bench.training_step_rows``. The top panel draws the times, the bottom one
    the memory allocated; on log-log axes a cost that grows like ``T**k`` is a line of
    slope ``k``. Raises ``ValueError`` naming the missing columns. Returns the Figure.
    """
    needed = ["T"] + [f"{form} {unit}" for unit in ("ms", "MiB") for form in forms]
    _require_columns(rows, needed, forms, "forms", f" for forms {list(forms)}")
    fig, axes = plt.subplots(2, 1, figsize=(COLUMN_IN, 6.0), sharex=True)
    for ax, unit, label in zip(
        axes,
        ("ms", "MiB"),
        ("time per training step (ms)", "memory allocated per step (MiB)"),
        strict=True,
    ):
        for form, marker in zip(forms, "osD^v", strict=False):
            ax.loglog(rows["T"], rows[f"{form} {unit}"], marker=marker, label=form)
        ax.set_ylabel(label)
        ax.yaxis.set_major_formatter(lambda value, _position: f"{value:g}")
        ax.yaxis.set_minor_formatter(_two_and_five)
        ax.grid(True, which="both", linewidth=0.6)
    axes[0].legend()
    axes[1].set_xlabel("sequence length T (steps)")
    axes[1].set_xticks(list(rows["T"]), [str(int(t)) for t in rows["T"]])
    axes[1].xaxis.set_minor_locator(NullLocator())  # T is labelled at each measured length
    fig.suptitle(wrap(title), x=0.01, ha="left")
    return fig


def accuracy_against_length(
    rows,
    models: Sequence[str],
    title: str,
    chance: float,
    train_length: int,
    ylabel: str = "accuracy on the last token",
):
    """Test accuracy against the test length, one small panel per model, log-scaled length.

    ``rows`` is a DataFrame with a column ``"length"`` and one column of accuracies in
    ``[0, 1]`` per name in ``models``. Each panel, titled with the model's name, draws
    that model's accuracies (its first line), a dashed line at ``chance`` (the accuracy
    of the best constant guess) and a dotted one at ``train_length``, the longest length
    seen in training; ``ylabel`` says what the accuracy counts. Panels share their axes,
    two to a row, so curves that coincide stay visible. Raises ``ValueError`` naming the
    missing columns. Returns the Figure.
    """
    _require_columns(rows, ["length", *models], models, "models")
    n_rows = (len(models) + 1) // 2
    fig, axes = plt.subplots(
        n_rows,
        2,
        figsize=(COLUMN_IN, 1.0 + 1.75 * n_rows),
        sharex=True,
        sharey=True,
        squeeze=False,
    )
    lengths = list(rows["length"])
    for i, ax in enumerate(axes.flat):
        if i >= len(models):
            ax.set_visible(False)
            continue
        ax.semilogx(lengths, rows[models[i]], marker="o", color=f"C{i}")
        ax.axhline(chance, color="0.4", linestyle="--", linewidth=1, label="chance")
        ax.axvline(
            train_length, color="0.4", linestyle=":", linewidth=1, label="longest training length"
        )
        ax.set_xticks(lengths, [str(int(t)) for t in lengths])
        ax.xaxis.set_minor_locator(NullLocator())  # each measured length is labelled
        ax.set_ylim(min(0.0, chance - 0.05), 1.05)
        ax.set_title(models[i], fontsize=10)
        ax.grid(True, color="0.9", linewidth=0.6)
        ax.tick_params(labelsize=9)
    fig.supxlabel("test length (tokens)", fontsize=10)
    fig.supylabel(ylabel, fontsize=10)
    axes[0, 0].legend(fontsize=9, loc="lower left")
    fig.suptitle(wrap(title), x=0.01, ha="left")
    return fig


def convolution_kernels(
    K,
    labels: Sequence[str],
    title: str,
    ylabel: str = "kernel value $K_k$",
    envelopes=None,
):
    """Convolution kernels ``K_k`` against the lag ``k``, one stacked panel per row of ``K``.

    ``K`` is ``(n, length)`` real (chapter 15 builds it with ``rnnkit.reference_ssm.lti_kernel``);
    ``labels`` titles each panel, ``ylabel`` names the vertical axis. ``envelopes``,
    optional, ``(n, length)`` and non-negative, is drawn dashed at plus and minus its
    value around each kernel (a bound on ``|K_k|``). Each panel's first line is its
    kernel. Raises ``ValueError`` when ``K`` is not 2-D, the labels do not match its
    rows, or ``envelopes`` does not have ``K``'s shape. Returns the Figure.
    """
    K = np.asarray(K, dtype=float)
    if K.ndim != 2 or K.shape[0] != len(labels):
        raise ValueError(
            f"K must be (n, length) with one label per row, got shape {K.shape} "
            f"and {len(labels)} label(s)"
        )
    if envelopes is not None:
        envelopes = np.asarray(envelopes, dtype=float)
        if envelopes.shape != K.shape:
            raise ValueError(
                f"envelopes must have K's shape {K.shape}, got shape {envelopes.shape}"
            )
    n = K.shape[0]
    fig, axes = plt.subplots(n, 1, figsize=(COLUMN_IN, 1.0 + 1.6 * n), sharex=True, squeeze=False)
    lags = np.arange(K.shape[1])
    for i, ax in enumerate(axes[:, 0]):
        ax.plot(lags, K[i], color=f"C{i}", label="kernel")
        if envelopes is not None:
            ax.plot(lags, envelopes[i], color="0.35", linestyle="--", linewidth=1, label="envelope")
            ax.plot(lags, -envelopes[i], color="0.35", linestyle="--", linewidth=1)
        ax.axhline(0, color="0.6", linewidth=0.6)
        ax.set_title(labels[i], fontsize=10, loc="left")
        ax.grid(True, color="0.9", linewidth=0.6)
        ax.tick_params(labelsize=9)
    axes[-1, 0].set_xlabel("lag k (time steps)", fontsize=10)
    fig.supylabel(ylabel, fontsize=10)
    if envelopes is not None:
        axes[0, 0].legend(fontsize=9, loc="lower left")
    fig.suptitle(wrap(title), x=0.01, ha="left")
    return fig


def bpc_against_training_size(rows, models: Sequence[str], title: str):
    """Test bits per character against the number of training characters, log x axis.

    ``rows`` is a DataFrame with a column ``"train chars"`` and one column of test bpc
    per name in ``models`` (chapter 07 draws the n-gram and the LSTM). One line with
    markers per model; the x axis is logarithmic, so each doubling of the text is the
    same step. Raises ``ValueError`` naming the missing columns. Returns the Figure.
    """
    _require_columns(rows, ["train chars", *models], models, "models")
    fig, ax = plt.subplots()  # the book style: the column's width
    for model, marker in zip(models, "osD^v", strict=False):
        ax.semilogx(rows["train chars"], rows[model], marker=marker, label=model)
    ticks = [f"{round(n / 1000):,}k" for n in rows["train chars"]]  # 418 543 -> "419k"
    ax.set_xticks(list(rows["train chars"]), ticks)
    ax.xaxis.set_minor_locator(NullLocator())  # labelled at each measured size
    ax.set_xlabel("training text (characters, log scale)")
    ax.set_ylabel("test bits per character")
    ax.grid(True, color="0.9", linewidth=0.6)
    ax.legend(fontsize=10, frameon=False)
    ax.set_title(wrap(title), loc="left")
    return fig
