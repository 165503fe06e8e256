"""rnnkit.bench: the median-of-repeats timer and the LSTM kernel table."""

import pytest

from rnnkit.bench import LSTMSizes, lstm_kernel_rows, time_call, timings


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


def test_lstm_kernel_rows_cover_three_methods_and_two_passes():
    rows = lstm_kernel_rows(LSTMSizes(batch=2, time=5, features=3, hidden=4), repeats=1)
    assert [(r["method"].split(" (")[0], r["pass"]) for r in rows] == [
        ("NumPy lstm_forward", "forward"),
        ("torch nn.LSTM", "forward"),
        ("torch LSTMCell loop", "forward"),
        ("torch nn.LSTM", "forward+backward"),
        ("torch LSTMCell loop", "forward+backward"),
    ]
    assert all(r["median_ms"] > 0 and r["best_ms"] <= r["median_ms"] for r in rows)
    assert [r["x_nn_lstm"] for r in rows if r["method"].startswith("torch nn.LSTM")] == [1.0, 1.0]


def test_bad_sizes_and_device_are_refused():
    with pytest.raises(ValueError, match="LSTMSizes.hidden must be >= 1, got 0"):
        LSTMSizes(hidden=0)
    with pytest.raises(ValueError, match="device must be one of 'cpu', 'cuda', got 'tpu'"):
        lstm_kernel_rows(LSTMSizes(2, 3, 2, 2), 1, device="tpu")


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


def test_scan_speedup_rows_reports_each_length():
    from rnnkit.bench import scan_speedup_rows

    rows = scan_speedup_rows((4, 8), batch=2, features=3, hidden=4, repeats=1)
    assert [row["T"] for row in rows] == [4, 8]
    for row in rows:
        assert set(row) == {"T", "loop ms", "indexed loop ms", "scan ms", "speedup"}
        assert min(row["loop ms"], row["indexed loop ms"], row["scan ms"]) > 0
        assert row["speedup"] == pytest.approx(row["loop ms"] / row["scan ms"])


def test_scan_memory_shows_the_indexed_loop_growing_like_t_squared():
    from rnnkit.bench import scan_speedup_rows

    short, long = scan_speedup_rows(
        (64, 256), batch=4, features=3, hidden=16, repeats=1, memory=True
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
    from rnnkit.bench import loop_overhead_rows, scan_speedup_rows

    with pytest.raises(ValueError, match="repeats must be >= 1"):
        loop_overhead_rows(steps=1, repeats=0)
    with pytest.raises(ValueError, match="length must be >= 1"):
        scan_speedup_rows((0,), repeats=1)


def test_machine_names_the_processor_and_threads():
    from rnnkit.bench import machine

    info = machine()
    assert info["cores"] >= 1 and info["torch threads"] >= 1 and info["processor"]
