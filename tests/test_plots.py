import matplotlib
import pytest

from rnnkit.plots import Event, timeline

matplotlib.use("Agg")


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
