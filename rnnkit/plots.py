"""Figures the chapters share.

Every function returns the matplotlib ``Figure`` so the notebook decides whether to
show or save it. Figures are drawn on a white background so they stay readable when
the book is read in its dark theme.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import matplotlib.pyplot as plt


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
