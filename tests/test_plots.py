"""Every figure of rnnkit.plots: what it returns and what it draws (Agg backend)."""

import matplotlib
import matplotlib.pyplot as plt
import pytest

from rnnkit.plots import Event, timeline

matplotlib.use("Agg")


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_timeline_draws_one_point_per_event_and_names_each_era_once():
    events = [
        Event(1997, "LSTM", "k1", "gated"),
        Event(2014, "GRU", "k2", "gated"),
        Event(1990, "SRN", "k3", "srn"),
    ]
    fig = timeline(events, "title", {"gated": "green", "srn": "blue"})
    ax = fig.axes[0]
    assert len(ax.collections) >= 3  # the points (the stems are collections too)
    assert sorted(t.get_text() for t in ax.get_legend().get_texts()) == ["gated", "srn"]


def test_timeline_stacks_labels_of_the_same_year_a_full_label_apart():
    fig = timeline([Event(2014, f"two-line\nlabel {i}", "k") for i in range(6)], "t")
    heights = sorted(text.xyann[1] for text in fig.axes[0].texts)
    above = [h for h in heights if h > 0]
    below = [h for h in heights if h < 0]
    assert len(above) == len(below) == 3
    for side in (above, below):
        assert min(b - a for a, b in zip(side, side[1:], strict=False)) >= 1.0


def test_timeline_refuses_an_empty_list():
    with pytest.raises(ValueError, match="at least one event"):
        timeline([], "t")


def test_attention_heatmaps_label_source_columns_and_output_rows_dropping_padding():
    import numpy as np

    from rnnkit.plots import attention_heatmaps

    weights = [np.full((4, 7), 0.2), np.eye(3, 5)]
    fig = attention_heatmaps(weights, ["abcde", "xyz"], ["1-2⏎", "ab⏎"], "t")
    first, second = fig.axes[0], fig.axes[1]
    assert [t.get_text() for t in first.get_xticklabels()] == list("abcde")
    assert [t.get_text() for t in first.get_yticklabels()] == list("1-2⏎")
    assert first.images[0].get_array().shape == (4, 5)  # padding columns dropped
    assert second.images[0].get_array().shape == (3, 3)
    assert first.get_xlabel() == "source character" and first.get_ylabel() == "output character"


def test_attention_heatmaps_refuse_a_map_smaller_than_its_strings():
    import numpy as np

    from rnnkit.plots import attention_heatmaps

    with pytest.raises(
        ValueError, match=r"weights\[0\] must be at least \(3, 5\).*got shape \(3, 4\)"
    ):
        attention_heatmaps([np.zeros((3, 4))], ["abcde"], ["xyz"], "t")
    with pytest.raises(ValueError, match="equally long, got 1, 2 and 1"):
        attention_heatmaps([np.zeros((3, 4))], ["a", "b"], ["x"], "t")


def test_lstm_diagram_draws_the_cell_path_four_gate_layers_and_their_labels():
    from matplotlib.patches import Circle, FancyBboxPatch

    from rnnkit.plots import lstm_diagram

    fig = lstm_diagram("the title")
    ax = fig.axes[0]
    circles = [p for p in ax.patches if isinstance(p, Circle)]
    boxes = [p for p in ax.patches if isinstance(p, FancyBboxPatch)]
    assert len(circles) == 4  # x f_t, + (cell path), x i_t g_t, x o_t
    assert len(boxes) == 5  # sigma, sigma, tanh, sigma under the gates; tanh(c_t)
    texts = [t.get_text() for t in ax.texts]
    for label in ("$c_{t-1}$", "$c_t$", "$h_t$", "$f_t$", "$i_t$", "$g_t$", "$o_t$"):
        assert label in texts, label
    assert texts.count(r"$\sigma$") == 3 and texts.count(r"$\tanh$") == 2
    assert ax.get_title(loc="left") == "the title" and not ax.axison


def test_coloured_text_returns_its_figure_with_one_cell_per_piece_coloured_by_value():
    from matplotlib import colormaps
    from matplotlib.figure import Figure

    from rnnkit.plots import coloured_text

    fig = coloured_text([["a", "bc"], ["\n"]], [[-2.0, 2.0], [0.0]], "the title", "value")
    assert isinstance(fig, Figure)
    ax, bar = fig.axes
    cells = ax.patches
    assert [c.get_width() for c in cells] == [1, 2, 1]  # one character width per character
    assert [c.get_x() for c in cells] == [0, 1, 0]  # the second row starts again at 0
    cmap = colormaps["RdBu_r"]  # the range is symmetric about 0: -2 and 2 sit at its ends
    assert tuple(cells[0].get_facecolor()) == cmap(0.0)
    assert tuple(cells[1].get_facecolor()) == cmap(1.0)
    assert tuple(cells[2].get_facecolor()) == cmap(0.5)
    assert [t.get_text() for t in ax.texts] == ["a", "bc", "⏎"]  # newlines drawn as ⏎
    assert ax.get_title() == "the title" and bar.get_ylabel() == "value"


def test_coloured_text_widens_pieces_by_gap_and_labels_rows():
    from rnnkit.plots import coloured_text

    fig = coloured_text(
        [["ab", "c"], ["d"]],
        [[0.1, 0.2], [0.3]],
        "t",
        "v",
        gap=1,
        vmin=0,
        vmax=1,
        row_labels=["first", "second"],
    )
    ax = fig.axes[0]
    assert [c.get_width() for c in ax.patches] == [3, 2, 2]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["first", "second"]
    assert fig.axes[1].get_ylim() == (0.0, 1.0)  # the colour bar spans vmin..vmax


def test_coloured_text_refuses_values_that_do_not_match_the_pieces():
    from rnnkit.plots import coloured_text

    with pytest.raises(ValueError, match="rows and values must have the same lengths"):
        coloured_text([["a", "b"]], [[1.0]], "t", "v")
