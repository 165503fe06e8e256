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
    assert len(ax.collections) == 3  # one point per event
    assert len(ax.get_lines()) == 3  # one leader line per event
    assert sorted(t.get_text() for t in fig.legends[0].get_texts()) == ["gated", "srn"]


def test_timeline_gives_each_label_its_own_row_in_year_order_without_overlaps():
    events = [Event(2014, f"two-line\nlabel {i}", "k") for i in range(4)] + [Event(1990, "a", "k")]
    fig = timeline(events, "t")
    ax = fig.axes[0]
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    labels = [t for t in ax.texts]
    assert [t.get_text() for t in labels][0] == "1990  a"  # sorted, one line each
    assert all("\n" not in t.get_text() for t in labels)
    boxes = [t.get_window_extent(renderer) for t in labels]
    for upper, lower in zip(boxes, boxes[1:], strict=False):
        assert upper.y0 >= lower.y1  # rows top to bottom, none overlapping
    left_edge = min(box.x0 for box in boxes)
    for line in ax.get_lines():  # leader lines stop before the labels' column
        xs = ax.transData.transform(line.get_xydata())[:, 0]
        assert xs.max() < left_edge


def test_timeline_sets_events_of_one_year_side_by_side_so_no_point_hides_another():
    events = [Event(1997, "LSTM", "k1", "gated"), Event(1997, "BRNN", "k2", "srn")]
    events += [Event(2014, f"event {i}", "k", "era") for i in range(3)]
    fig = timeline(events, "t")
    points = [tuple(p) for c in fig.axes[0].collections for p in c.get_offsets()]
    assert len(set(points)) == len(events)
    assert sorted(x for x, y in points if y == -2014) == pytest.approx([0.0, 0.3, 0.6])


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
    assert [t.get_text() for t in first.get_yticklabels()] == ["1", "-", "2", "end"]
    assert first.images[0].get_array().shape == (4, 5)  # padding columns dropped
    assert second.images[0].get_array().shape == (3, 3)
    assert first.get_xlabel() == "source character" and first.get_ylabel() == "output character"
    assert first.get_position().y0 > second.get_position().y0  # stacked, not side by side
    assert first.get_position().width == pytest.approx(second.get_position().width)


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
    assert ax.get_title(loc="left") == "the title" and bar.get_ylabel() == "value"


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


def test_coloured_text_puts_the_neutral_colour_at_center_and_refuses_one_outside_the_range():
    from matplotlib import colormaps

    from rnnkit.plots import coloured_text

    fig = coloured_text([["a", "b", "c"]], [[0.0, 3.0, 10.0]], "t", "v", center=3.0)
    cells = fig.axes[0].patches
    cmap = colormaps["RdBu_r"]
    assert tuple(cells[0].get_facecolor()) == cmap(0.0)  # the lowest value: the blue end
    assert tuple(cells[1].get_facecolor()) == cmap(0.5)  # center: white, not a pale red
    assert tuple(cells[2].get_facecolor()) == cmap(1.0)
    with pytest.raises(ValueError, match=r"center must lie inside \(vmin, vmax\) = \(0.0, 10.0\)"):
        coloured_text([["a", "b"]], [[0.0, 10.0]], "t", "v", center=12.0)


def test_coloured_text_refuses_values_that_do_not_match_the_pieces():
    from rnnkit.plots import coloured_text

    with pytest.raises(ValueError, match="rows and values must have the same lengths"):
        coloured_text([["a", "b"]], [[1.0]], "t", "v")


def drawn_texts(fig):
    """Every string the figure draws (text artists of the figure and of its axes)."""
    return [t.get_text() for t in fig.findobj(matplotlib.text.Text)]


def test_unrolled_rnn_diagram_draws_the_folded_cell_and_steps_1_to_T_sharing_W_and_U():
    from matplotlib.figure import Figure
    from matplotlib.patches import FancyBboxPatch

    from rnnkit.plots import unrolled_rnn_diagram

    fig = unrolled_rnn_diagram("the title")
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    texts = drawn_texts(fig)
    for t in ("t", "1", "2", "3", "T"):  # the folded cell, then the unrolled steps
        assert f"$x_{t}$" in texts and f"$h_{t}$" in texts, t
    assert "$h_0$" in texts
    assert texts.count("$W$") == 5 and texts.count("$U$") == 5  # the same weights everywhere
    assert len([p for p in ax.patches if isinstance(p, FancyBboxPatch)]) == 5
    assert ax.get_title(loc="left") == "the title" and not ax.axison


def test_gru_diagram_draws_the_gates_the_candidate_and_the_interpolation_of_chapter_06():
    from matplotlib.figure import Figure

    from rnnkit.plots import gru_diagram

    fig = gru_diagram("the title")
    assert isinstance(fig, Figure)
    texts = drawn_texts(fig)
    for label in ("$h_{t-1}$", "$h_t$", "$z_t$", "$r_t$", r"$\tilde h_t$", "$1 - z_t$", "$x_t$"):
        assert label in texts, label
    # z_t keeps the old state (Cho et al.), and the reset acts on h_{t-1} before U_h
    assert r"$h_t = z_t \odot h_{t-1} + (1 - z_t) \odot \tilde h_t$" in texts
    assert any(r"(r_t \odot h_{t-1})\, U_h" in t for t in texts)
    assert texts.count(r"$\sigma$") == 2 and texts.count(r"$\tanh$") == 1
    assert fig.axes[0].get_title(loc="left") == "the title"


def test_seq2seq_attention_diagram_draws_encoder_decoder_and_the_attention_step():
    from matplotlib.figure import Figure

    from rnnkit.plots import seq2seq_attention_diagram

    fig = seq2seq_attention_diagram("the title")
    assert isinstance(fig, Figure)
    texts = drawn_texts(fig)
    assert texts.count("GRU") == 6  # three encoder steps, three decoder steps
    for label in ("$k_1$", "$k_3$", "$s_2$", "<start>", "$c_2$", "attention", "query"):
        assert label in texts, label
    for j in "123":  # one weight per encoder state
        assert f"$a_{{2{j}}}$" in texts
    assert any(t.startswith("scores $e_{2j} = v^\\top") for t in texts)
    assert any(t.startswith("weights $a_{2j} = \\mathrm{softmax}_j") for t in texts)


def test_costs_against_length_draws_time_above_memory_on_log_log_axes_one_line_per_form():
    import pandas as pd
    from matplotlib.figure import Figure

    from rnnkit.plots import costs_against_length

    rows = pd.DataFrame({"T": [64, 128], "a ms": [1.0, 2.0], "b ms": [1.0, 4.0],
                         "a MiB": [3.0, 6.0], "b MiB": [5.0, 20.0]})  # fmt: skip
    fig = costs_against_length(rows, ["a", "b"], "the title")
    assert isinstance(fig, Figure)
    time, memory = fig.axes
    assert time.get_position().y0 > memory.get_position().y0  # stacked: time on top
    for ax, unit in ((time, "ms"), (memory, "MiB")):
        assert ax.get_xscale() == ax.get_yscale() == "log"
        assert [list(line.get_ydata()) for line in ax.get_lines()] == [
            list(rows[f"a {unit}"]),
            list(rows[f"b {unit}"]),
        ]
    assert [t.get_text() for t in time.get_legend().get_texts()] == ["a", "b"]
    assert "ms" in time.get_ylabel() and "MiB" in memory.get_ylabel()
    assert memory.get_xlabel() == "sequence length T (steps)"


def test_costs_against_length_names_the_missing_columns():
    import pandas as pd

    from rnnkit.plots import costs_against_length

    with pytest.raises(ValueError, match=r"missing \['scan MiB'\]"):
        costs_against_length(pd.DataFrame({"T": [1], "scan ms": [1.0]}), ["scan"], "the title")


def test_accuracy_against_length_draws_one_panel_per_model_and_marks_chance():
    import pandas as pd
    from matplotlib.figure import Figure

    from rnnkit.plots import accuracy_against_length

    rows = pd.DataFrame({"length": [20, 40, 400], "a": [1.0, 1.0, 0.9], "b": [1.0, 0.5, 0.5]})
    rows["c"] = rows["a"]  # a curve that coincides with another stays visible
    fig = accuracy_against_length(rows, ["a", "b", "c"], "the title", chance=0.5, train_length=20)
    assert isinstance(fig, Figure)
    panels = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_title() for ax in panels] == ["a", "b", "c"]
    for ax, name in zip(panels, ["a", "b", "c"], strict=True):
        assert ax.get_xscale() == "log"
        lines = ax.get_lines()
        assert list(lines[0].get_ydata()) == list(rows[name])
        assert list(lines[1].get_ydata()) == [0.5, 0.5]  # the chance line
    assert len(fig.axes) == 4 and not fig.axes[3].get_visible()  # two panels to a row
    legend = [t.get_text() for t in panels[0].get_legend().get_texts()]
    assert legend == ["chance", "longest training length"]
    assert fig._supxlabel.get_text() == "test length (tokens)"
    assert "accuracy" in fig._supylabel.get_text()


def test_accuracy_against_length_names_the_missing_columns():
    import pandas as pd

    from rnnkit.plots import accuracy_against_length

    with pytest.raises(ValueError, match=r"missing \['lstm'\]"):
        accuracy_against_length(pd.DataFrame({"length": [1]}), ["lstm"], "t", 0.5, 1)


def test_convolution_kernels_draws_one_titled_panel_per_kernel():
    import numpy as np

    from rnnkit.plots import convolution_kernels

    K = np.array([[1.0, 0.5, 0.25], [1.0, -1.0, 1.0]])
    fig = convolution_kernels(K, ["a", "b"], "title")
    assert [ax.get_title(loc="left") for ax in fig.axes] == ["a", "b"]
    for ax, row in zip(fig.axes, K, strict=True):
        assert list(ax.get_lines()[0].get_ydata()) == list(row)
        assert len(ax.get_lines()) == 2  # the kernel and the zero line
    assert "lag k" in fig.axes[-1].get_xlabel()


def test_convolution_kernels_draws_each_envelope_above_and_below_its_kernel():
    import numpy as np

    from rnnkit.plots import convolution_kernels

    K = np.array([[1.0, -0.5, 0.25]])
    envelope = np.array([[1.0, 0.6, 0.3]])
    fig = convolution_kernels(K, ["a"], "title", envelopes=envelope)
    (ax,) = fig.axes
    lines = [list(line.get_ydata()) for line in ax.get_lines()]
    assert lines[:3] == [list(K[0]), list(envelope[0]), list(-envelope[0])]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["kernel", "envelope"]
    with pytest.raises(
        ValueError, match=r"envelopes must have K's shape \(1, 3\), got shape \(3,\)"
    ):
        convolution_kernels(K, ["a"], "title", envelopes=envelope[0])


def test_convolution_kernels_refuses_labels_that_do_not_match_the_rows():
    import numpy as np

    from rnnkit.plots import convolution_kernels

    with pytest.raises(ValueError, match=r"got shape \(2, 5\) and 1 label"):
        convolution_kernels(np.ones((2, 5)), ["a"], "title")


# --------------------------------------------------------------------------- the book's style


def every_figure():
    """One call of each figure function, with small inputs."""
    import numpy as np
    import pandas as pd

    from rnnkit import plots

    rows = pd.DataFrame({"T": [64, 128], "a ms": [1.0, 2.0], "a MiB": [3.0, 6.0]})
    long_title = "a title long enough to need two lines at the column width " * 2
    return {
        "timeline": lambda: timeline([Event(1990, "an event", "k", "era")], long_title),
        "lstm_diagram": plots.lstm_diagram,
        "gru_diagram": plots.gru_diagram,
        "unrolled_rnn_diagram": plots.unrolled_rnn_diagram,
        "seq2seq_attention_diagram": plots.seq2seq_attention_diagram,
        "coloured_text": lambda: plots.coloured_text(
            [list("x" * 64)] * 5, [np.linspace(-1, 1, 64)] * 5, long_title, "v"
        ),
        "attention_heatmaps": lambda: plots.attention_heatmaps(
            [np.full((11, 30), 0.1)] * 3, ["s" * 30] * 3, ["o" * 11] * 3, long_title
        ),
        "costs_against_length": lambda: plots.costs_against_length(rows, ["a"], long_title),
        "accuracy_against_length": lambda: plots.accuracy_against_length(
            pd.DataFrame({"length": [20, 400], "a": [1.0, 0.5], "b": [0.5, 0.5]}),
            ["a", "b"],
            long_title,
            0.5,
            20,
        ),
        "convolution_kernels": lambda: plots.convolution_kernels(
            np.ones((2, 50)), ["a", "b"], long_title, envelopes=np.ones((2, 50))
        ),
        "bpc_against_training_size": lambda: plots.bpc_against_training_size(
            pd.DataFrame({"train chars": [25_000, 400_000], "a": [3.0, 2.0]}), ["a"], long_title
        ),
    }


@pytest.mark.parametrize("name", list(every_figure()))
def test_every_figure_is_drawn_at_the_column_width_with_text_of_at_least_10_px(name):
    from rnnkit.plots import COLUMN_PX, MIN_TEXT_PX, rendered_size, smallest_text_px

    fig = every_figure()[name]()
    width, _ = rendered_size(fig)  # as the notebook's inline backend saves it
    assert 0.9 * COLUMN_PX <= width <= 1.1 * COLUMN_PX, width
    assert smallest_text_px(fig, width) >= MIN_TEXT_PX


def test_the_style_draws_a_plain_figure_white_at_the_column_width():
    from rnnkit.plots import COLUMN_PX, DPI, rendered_size, use_book_style

    plt.rcdefaults()
    use_book_style()
    fig, ax = plt.subplots()
    ax.plot([1, 2], [3, 4])
    ax.set(xlabel="x (units)", ylabel="y (units)", title="a title")
    assert fig.dpi == DPI and fig.get_facecolor() == (1.0, 1.0, 1.0, 1.0)
    assert ax.get_facecolor() == (1.0, 1.0, 1.0, 1.0)
    assert 0.9 * COLUMN_PX <= rendered_size(fig)[0] <= 1.1 * COLUMN_PX


def test_smallest_text_px_counts_the_browser_shrinking_a_figure_wider_than_the_column():
    from rnnkit.plots import COLUMN_PX, rendered_size, smallest_text_px

    fig, ax = plt.subplots(figsize=(2 * COLUMN_PX / 100, 3), dpi=100)
    ax.set_title("shown at half size", fontsize=10)
    ax.set_xticks([]), ax.set_yticks([])
    width, _ = rendered_size(fig)
    expected = 10 * 100 / 72 * COLUMN_PX / width
    assert smallest_text_px(fig) == smallest_text_px(fig, width) == pytest.approx(expected)


def test_smallest_text_px_and_png_size_refuse_what_they_cannot_measure():
    from rnnkit.plots import png_size, smallest_text_px

    fig, ax = plt.subplots()
    ax.axis("off")
    with pytest.raises(ValueError, match="draws no text"):
        smallest_text_px(fig)
    with pytest.raises(ValueError, match="expected the bytes of a PNG file"):
        png_size(b"GIF89a" + bytes(30))


def test_wrap_breaks_long_titles_and_keeps_their_own_line_breaks():
    from rnnkit.plots import wrap

    assert wrap("short\nlines") == "short\nlines"
    lines = wrap("word " * 40).split("\n")
    assert len(lines) > 1 and max(len(line) for line in lines) <= 80


def test_coloured_text_shrinks_a_long_row_to_fit_its_cells_but_not_below_10_px():
    from rnnkit.plots import DPI, MIN_TEXT_PX, coloured_text

    short = coloured_text([list("x" * 20)], [[0.0] * 20], "t", "v")
    long = coloured_text([list("x" * 90)], [[0.0] * 90], "t", "v")
    longest = coloured_text([list("x" * 400)], [[0.0] * 400], "t", "v")
    size = [fig.axes[0].texts[0].get_fontsize() for fig in (short, long, longest)]
    assert size[0] == 9.0 and MIN_TEXT_PX * 72 / DPI < size[1] < 9.0
    assert size[2] == pytest.approx(MIN_TEXT_PX * 72 / DPI)


def test_bpc_against_training_size_draws_one_line_per_model_on_a_log_x_axis():
    import pandas as pd
    from matplotlib.figure import Figure

    from rnnkit.plots import bpc_against_training_size

    rows = pd.DataFrame({"train chars": [25_000, 418_543], "n-gram": [3.0, 2.8],
                         "LSTM": [3.2, 2.7]})  # fmt: skip
    fig = bpc_against_training_size(rows, ["n-gram", "LSTM"], "the title")
    assert isinstance(fig, Figure)
    (ax,) = fig.axes
    assert ax.get_xscale() == "log" and ax.get_yscale() == "linear"
    assert [list(line.get_ydata()) for line in ax.get_lines()] == [[3.0, 2.8], [3.2, 2.7]]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["n-gram", "LSTM"]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["25k", "419k"]
    assert "characters" in ax.get_xlabel() and "bits per character" in ax.get_ylabel()
    assert ax.get_title(loc="left") == "the title"


def test_bpc_against_training_size_names_the_missing_columns():
    import pandas as pd

    from rnnkit.plots import bpc_against_training_size

    with pytest.raises(ValueError, match=r"missing \['LSTM'\]"):
        bpc_against_training_size(
            pd.DataFrame({"train chars": [1], "n": [1.0]}), ["n", "LSTM"], "t"
        )
