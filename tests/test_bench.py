"""rnnkit.bench: the median-of-repeats timer and the LSTM kernel table."""

import pytest

from rnnkit.bench import LSTMSizes, kernel_rows, same_lstm, time_call, timings


def test_timings_warm_up_once_then_time_each_repeat():
    calls = []
    times = timings(lambda: calls.append(1), 4)
    assert len(times) == 4 and len(calls) == 5
    assert all(t >= 0 for t in times)


def test_time_call_returns_the_median():
    import time

    assert 0.004 <= time_call(lambda: time.sleep(0.005), 3) < 0.5


def test_bad_repeats_and_function_are_refused():
    with pytest.raises(ValueError, match="repeats must be >= 1, got 0"):
        time_call(lambda: None, 0)
    with pytest.raises(TypeError, match="fn must be a callable taking no arguments, got int"):
        time_call(3, 2)


def test_interleaved_timings_take_turns_after_one_warm_up_round():
    from rnnkit.bench import interleaved_timings

    calls = []
    times = interleaved_timings({"a": lambda: calls.append("a"), "b": lambda: calls.append("b")}, 2)
    assert calls == ["a", "b"] * 3  # the warm-up round, then two timed rounds
    assert [len(times["a"]), len(times["b"])] == [2, 2]


def test_interleaved_timings_name_the_entry_that_is_not_callable():
    from rnnkit.bench import interleaved_timings

    with pytest.raises(TypeError, match="'b' must be a callable taking no arguments, got int"):
        interleaved_timings({"a": lambda: None, "b": 3}, 1)


def test_allocated_mib_counts_what_a_call_allocates():
    import torch

    from rnnkit.bench import allocated_mib

    mib = allocated_mib(lambda: torch.empty(2**20, dtype=torch.float32))  # 4 MiB
    assert 4.0 <= mib < 4.1
    assert allocated_mib(lambda: None) == 0.0


def test_same_lstm_holds_one_set_of_weights_three_ways():
    import torch

    from rnnkit.reference import lstm_forward

    same = same_lstm(LSTMSizes(batch=2, time=5, features=3, hidden_size=4))
    x = torch.from_numpy(same.x)
    expected = lstm_forward(same.x, same.params)[0]  # (B, T, H)
    with torch.no_grad():
        assert abs(same.lstm(x)[0].numpy() - expected).max() < 1e-6
        h = c = torch.zeros(2, 4)
        h, c = same.cell(x[:, 0], (h, c))
        assert abs(h.numpy() - expected[:, 0]).max() < 1e-6


def test_kernel_rows_time_each_method_and_pass_against_the_first():
    import torch

    same = same_lstm(LSTMSizes(batch=2, time=5, features=3, hidden_size=4))
    x = torch.from_numpy(same.x)
    methods = {"fused": lambda: same.lstm(x)[0], "again": lambda: same.lstm(x)[0] + 0}
    rows = kernel_rows(methods, repeats=1, backward=("fused", "again"))
    assert [(r["method"], r["pass"]) for r in rows] == [
        ("fused", "forward"),
        ("again", "forward"),
        ("fused", "forward+backward"),
        ("again", "forward+backward"),
    ]
    assert all(r["median ms"] > 0 and r["best ms"] <= r["median ms"] for r in rows)
    assert [r["ratio"] for r in rows if r["method"] == "fused"] == [1.0, 1.0]


def test_kernel_rows_refuse_methods_that_disagree_or_are_unknown():
    import numpy as np

    with pytest.raises(RuntimeError, match="b disagrees with a by 1.00e\\+00 before timing"):
        kernel_rows({"a": lambda: np.zeros(3), "b": lambda: np.ones(3)}, repeats=1)
    with pytest.raises(ValueError, match=r"backward names methods that are not given: \['c'\]"):
        kernel_rows({"a": lambda: np.zeros(3)}, repeats=1, backward=("c",))


def test_bad_sizes_and_device_are_refused():
    with pytest.raises(ValueError, match="LSTMSizes.hidden_size must be >= 1, got 0"):
        LSTMSizes(hidden_size=0)
    with pytest.raises(ValueError, match="device must be one of 'cpu', 'cuda', got 'tpu'"):
        same_lstm(LSTMSizes(2, 3, 2, 2), device="tpu")


def test_notebook_times_is_empty_without_a_cache(tmp_path, monkeypatch):
    from rnnkit.bench import notebook_times

    assert notebook_times(str(tmp_path / "missing")) == []
    monkeypatch.chdir(tmp_path)  # no _config.yml above: no book, no cache
    assert notebook_times() == []


def test_book_root_is_the_nearest_folder_with_a_config(tmp_path):
    from rnnkit.bench import book_cache, book_root

    (tmp_path / "_config.yml").write_text("title: t\n")
    inner = tmp_path / "_build" / "nbval" / "chapters"
    inner.mkdir(parents=True)
    assert book_root(inner) == tmp_path.resolve()
    assert book_cache(inner) == tmp_path.resolve() / "_build" / ".jupyter_cache"


def _mingru_forms():
    import torch

    from rnnkit.models.minrnn import MinGRU

    layer = MinGRU(3, 16)

    def indexed_loop(x):
        a, b = layer.coefficients(layer.linear(x).chunk(2, dim=-1))  # (B, T, H)
        h, states = torch.zeros_like(a[:, 0]), []
        for t in range(a.shape[1]):
            h = a[:, t] * h + b[:, t]
            states.append(h)
        return torch.stack(states, dim=1)

    return {
        "loop": lambda x: layer(x, mode="sequential")[0],
        "indexed loop": indexed_loop,
        "scan": lambda x: layer(x, mode="scan")[0],
    }


def test_training_step_rows_report_each_form_at_each_length():
    from rnnkit.bench import training_step_rows

    rows = training_step_rows(_mingru_forms(), (4, 8), batch=2, features=3, repeats=1)
    assert [row["T"] for row in rows] == [4, 8]
    for row in rows:
        assert set(row) == {"T", "loop ms", "indexed loop ms", "scan ms"}
        assert min(row["loop ms"], row["indexed loop ms"], row["scan ms"]) > 0


def test_training_step_memory_shows_the_indexed_loop_growing_like_t_squared():
    from rnnkit.bench import training_step_rows

    short, long = training_step_rows(
        _mingru_forms(), (64, 256), batch=4, features=3, repeats=1, memory=True
    )
    assert long["indexed loop MiB"] / short["indexed loop MiB"] > 12  # 16 for T**2
    assert long["loop MiB"] / short["loop MiB"] < 5  # 4 for T
    assert long["scan MiB"] / short["scan MiB"] < 5


def test_loop_overhead_rows_compares_every_variant_with_the_bare_loop():
    from rnnkit.bench import loop_overhead_rows

    rows = loop_overhead_rows(steps=1, repeats=1)
    assert rows[0]["loop"] == "bare loop" and rows[0]["ratio to bare"] == 1.0
    assert {row["loop"] for row in rows} >= {"fit_torch", "fit_torch + progress bar"}


def test_bench_helpers_refuse_bad_counts():
    from rnnkit.bench import loop_overhead_rows, training_step_rows

    with pytest.raises(ValueError, match="repeats must be >= 1"):
        loop_overhead_rows(steps=1, repeats=0)
    with pytest.raises(ValueError, match="length must be >= 1"):
        training_step_rows(_mingru_forms(), (0,), batch=1, features=3, repeats=1)


def test_machine_names_the_processor_and_threads():
    from rnnkit.bench import machine

    info = machine()
    assert info["cores"] >= 1 and info["torch threads"] >= 1 and info["processor"]
