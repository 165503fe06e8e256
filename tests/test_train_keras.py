"""Tests of rnnkit.train.fit_keras on tiny synthetic problems (CPU)."""

from __future__ import annotations

import keras
import numpy as np
import pytest

import rnnkit
from rnnkit.train import (
    History,
    fit_keras,
    load_keras_checkpoint,
    save_keras_checkpoint,
)

pytestmark = pytest.mark.slow  # every test trains a Keras model: `make test` only

VOCAB, T = 6, 8


def tiny_lm(stateful: bool = False, batch: int | None = None) -> keras.Model:
    """Embedding -> LSTM -> Dense logits, ``(B, T) -> (B, T, V)``."""
    inputs = keras.Input(batch_shape=(batch, None if stateful else T), dtype="int32")
    h = keras.layers.Embedding(VOCAB, 8)(inputs)  # (B, T, 8)
    h = keras.layers.LSTM(16, return_sequences=True, stateful=stateful, name="lstm")(
        h
    )  # (B, T, 16)
    return keras.Model(inputs, keras.layers.Dense(VOCAB)(h))  # (B, T, V)


def copy_task(n: int = 64, seed: int = 0, shift: int = 0):
    x = np.random.default_rng(seed).integers(0, VOCAB, (n, T)).astype("int32")
    return x, (x + shift) % VOCAB


def without_seconds(history: History) -> dict:
    return {k: v for k, v in history.items() if k != "seconds"}


class AtBatch(keras.callbacks.Callback):
    """Calls ``action(self)`` at the start of batch ``step`` (1-based) of ``epoch``."""

    def __init__(self, epoch: int, step: int, action) -> None:
        super().__init__()
        self.at, self.action, self.epoch = (epoch, step), action, 0

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch + 1

    def on_train_batch_begin(self, batch, logs=None):
        if (self.epoch, batch + 1) == self.at:
            self.action(self)


def test_loss_goes_down_and_history_has_the_torch_keys():
    rnnkit.setup(0)
    history = fit_keras(
        tiny_lm(), copy_task(), copy_task(seed=1), epochs=5, lr=0.02, batch_size=16, progress=False
    )
    assert isinstance(history, History) and history.epochs == 5
    assert history["loss"][-1] < 0.6 * history["loss"][0]
    assert set(history) == {"loss", "accuracy", "val_loss", "val_accuracy", "lr", "seconds"}
    assert history["lr"] == [0.02] * 5 and min(history["seconds"]) > 0


def test_same_seed_gives_identical_history():
    runs = []
    for _ in range(2):
        rnnkit.setup(1)
        h = fit_keras(
            tiny_lm(), copy_task(), copy_task(seed=1), epochs=2, batch_size=16, progress=False
        )
        runs.append(without_seconds(h))
    assert runs[0] == runs[1]


def test_keyboard_interrupt_keeps_the_steps_taken_and_records_the_partial_epoch():
    rnnkit.setup(0)
    model = tiny_lm()
    snapshots = {}

    def interrupt(cb):
        snapshots["at"] = model.get_weights()
        raise KeyboardInterrupt

    stop = AtBatch(2, 3, interrupt)
    history = fit_keras(
        model, copy_task(), epochs=4, batch_size=16, callbacks=[stop], progress=False
    )
    # two steps of epoch 2 ran: the weights keep them and the History records them
    assert history.interrupted and history.epochs == 2 and history.partial == {2: 2}
    assert "epoch 2, after 2 of 4 training steps" in history.stopped_reason
    assert all(
        np.array_equal(a, b) for a, b in zip(model.get_weights(), snapshots["at"], strict=True)
    )
    history = fit_keras(
        model, copy_task(), epochs=3, history=history, batch_size=16, progress=False
    )
    assert history.epochs == 3 and not history.interrupted


def test_clip_norm_bounds_the_update_of_one_sgd_step():
    # One SGD step (lr 1, no momentum) moves the weights by exactly the clipped gradient.
    # Dense inputs, not an Embedding: Keras measures a sparse embedding gradient before
    # summing repeated tokens, so there the dense update can exceed clip_norm a little.
    x = np.random.default_rng(0).normal(size=(16, T, 3)).astype("float32")
    y = (x.sum(axis=2) > 0).astype("int32")
    moves = {}
    for clip in (None, 1e-3):
        rnnkit.setup(0)
        model = keras.Sequential([keras.Input((T, 3)), keras.layers.LSTM(8, return_sequences=True), keras.layers.Dense(2)])  # fmt: skip
        before = model.get_weights()
        fit_keras(model, (x, y), epochs=1, batch_size=16, optimizer=keras.optimizers.SGD(1.0), clip_norm=clip, progress=False)  # fmt: skip
        moves[clip] = np.sqrt(
            sum(np.sum((a - b) ** 2) for a, b in zip(model.get_weights(), before, strict=True))
        )
    assert moves[None] > 1e-2  # the raw gradient norm is far above the bound ...
    assert moves[1e-3] <= 1e-3 * (1 + 1e-4)  # ... the clipped one is not
    assert moves[1e-3] == pytest.approx(1e-3, rel=1e-3)  # (rescaled onto it, not zeroed)


def test_early_stopping_stops_and_restores_the_best_epoch():
    rnnkit.setup(0)
    model = tiny_lm()
    x_val, y_val = copy_task(seed=1, shift=1)
    history = fit_keras(model, copy_task(), (x_val, y_val), epochs=20, lr=0.02, batch_size=16, early_stopping=2, progress=False)  # fmt: skip
    best = int(np.argmin(history["val_loss"])) + 1
    assert history.best_epoch == best and history.epochs == best + 2 < 20
    restored = model.evaluate(x_val, y_val, batch_size=16, verbose=0, return_dict=True)["loss"]
    assert restored == pytest.approx(history["val_loss"][best - 1], rel=1e-5)


def test_stop_at_stops_after_the_first_epoch_that_meets_the_target():
    def run(**settings):
        rnnkit.setup(0)
        return fit_keras(tiny_lm(), copy_task(), copy_task(seed=1), epochs=10, lr=0.02, batch_size=16, progress=False, **settings)  # fmt: skip

    full = run()
    assert full.stopped_reason is None and full.epochs == 10
    target = full["val_loss"][3]
    first = next(e for e, v in enumerate(full["val_loss"]) if v <= target) + 1
    stopped = run(stop_at=target)
    assert stopped.epochs == first < 10
    assert stopped["val_loss"] == pytest.approx(full["val_loss"][:first], rel=1e-6)
    assert stopped.stopped_reason.startswith("target reached: val_loss")
    unreachable = run(stop_at=min(full["val_loss"]) / 2)
    assert unreachable.epochs == 10 and unreachable.stopped_reason is None


def test_lr_schedule_sets_the_optimizer_lr_each_epoch():
    seen = []

    class Spy(keras.callbacks.Callback):
        def on_train_batch_begin(self, batch, logs=None):
            seen.append(round(float(self.model.optimizer.learning_rate), 7))

    rnnkit.setup(0)
    history = fit_keras(tiny_lm(), copy_task(32), epochs=3, batch_size=16, lr_schedule=lambda e: 0.1 * 0.5**e, callbacks=[Spy()], progress=False)  # fmt: skip
    assert history["lr"] == [0.1, 0.05, 0.025]
    assert seen == [0.1, 0.1, 0.05, 0.05, 0.025, 0.025]


def test_nan_loss_stops_naming_epoch_and_step_and_keeps_last_good_weights():
    rnnkit.setup(0)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    x = np.random.default_rng(0).normal(size=(64, 4)).astype("float32")
    y = x.sum(axis=1, keepdims=True)
    x[32:48] = np.nan  # the third batch of 16
    initial = model.get_weights()
    with pytest.warns(RuntimeWarning, match="epoch 1, step 3"):
        history = fit_keras(
            model, (x, y), epochs=3, loss="mse", batch_size=16, shuffle=False, progress=False
        )
    assert history.epochs == 0 and "restored the initial weights" in history.stopped_reason
    assert all(np.array_equal(a, b) for a, b in zip(model.get_weights(), initial, strict=True))


def test_tbptt_carries_the_state_between_batches_and_resets_it_each_epoch():
    rnnkit.setup(0)
    model = tiny_lm(stateful=True, batch=8)
    layer = model.get_layer("lstm")
    log = []  # (epoch, "begin"/"end", states)

    class Spy(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.epoch = epoch

        def on_train_batch_begin(self, batch, logs=None):
            log.append((self.epoch, "begin", [s.numpy() for s in layer.states]))

        def on_train_batch_end(self, batch, logs=None):
            log.append((self.epoch, "end", [s.numpy() for s in layer.states]))

    x, y = copy_task(32)
    fit_keras(model, (x, y), copy_task(16), epochs=2, batch_size=8, tbptt=True, callbacks=[Spy()], progress=False)  # fmt: skip
    assert len(log) == 16  # 2 epochs x 4 batches x (begin, end)
    for epoch in (0, 1):
        events = [states for e, _, states in log if e == epoch]
        assert all(not s.any() for s in events[0])  # fresh (zero) state at epoch start
        for k in range(1, 4):
            end_previous, begin_next = events[2 * k - 1], events[2 * k]
            assert any(s.any() for s in end_previous)
            for a, b in zip(end_previous, begin_next, strict=True):
                np.testing.assert_array_equal(a, b)  # carried over unchanged


def test_tbptt_without_a_stateful_layer_is_refused():
    with pytest.raises(ValueError, match="stateful=True"):
        fit_keras(tiny_lm(), copy_task(), epochs=1, tbptt=True, progress=False)


def test_progress_false_prints_nothing(capsys):
    rnnkit.setup(0)
    fit_keras(tiny_lm(), copy_task(32), copy_task(16), epochs=2, batch_size=16, progress=False)
    out, err = capsys.readouterr()
    assert out == "" and err == ""


def test_progress_bar_runs_and_shows_the_epoch(capsys):
    rnnkit.setup(0)
    fit_keras(tiny_lm(), copy_task(32), copy_task(16), epochs=2, batch_size=16, progress=True)
    err = capsys.readouterr().err
    assert "epoch 2/2" in err and "val_loss=" in err


@pytest.mark.parametrize(
    ("train", "settings", "error", "message"),
    [
        (copy_task(8), {"batch_size": 16}, ValueError, r"batch_size must be <= the number of examples \(8\), got 16"),
        ((copy_task()[0], copy_task()[1] + 3), {}, ValueError, r"labels for a model with 6 outputs must be .* in \[0, 5\], got .* with ids from 3 to 8"),
        ((copy_task()[0], copy_task()[1].astype("float32")), {}, ValueError, "integer ids in .* dtype float32"),
        ((copy_task(10)[0], copy_task(12)[1]), {}, ValueError, "got 10 inputs and 12 targets"),
        (copy_task(), {"epochs": 0}, ValueError, "epochs must be >= 1, got 0"),
        (copy_task()[0], {}, TypeError, "must be a pair"),
    ],
    ids=["batch-too-big", "labels-out-of-range", "float-labels", "xy-lengths", "epochs-0", "x-only"],
)  # fmt: skip
def test_bad_input_gives_a_one_line_error(train, settings, error, message):
    settings = {"epochs": 1, "progress": False, **settings}
    with pytest.raises(error, match=message) as info:
        fit_keras(tiny_lm(), train, **settings)
    assert "\n" not in str(info.value)


def test_keras_checkpoint_resume_equals_an_uninterrupted_run(tmp_path):
    settings = {"batch_size": 16, "shuffle": False, "progress": False}
    rnnkit.setup(0)
    straight = tiny_lm()
    full = fit_keras(straight, copy_task(), copy_task(16, seed=1), epochs=4, **settings)

    rnnkit.setup(0)
    first = tiny_lm()
    half = fit_keras(first, copy_task(), copy_task(16, seed=1), epochs=2, **settings)
    path = save_keras_checkpoint(tmp_path / "run.keras", first, half)
    assert [p.name for p in tmp_path.iterdir()] == ["run.keras"]  # no temporary left

    model, history = load_keras_checkpoint(path)
    history = fit_keras(model, copy_task(), copy_task(16, seed=1), epochs=4, optimizer=model.optimizer, history=history, **settings)  # fmt: skip
    assert without_seconds(history) == without_seconds(full)
    for a, b in zip(model.get_weights(), straight.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize(
    "content", [b"not a zip at all", b"PK\x03\x04truncated"], ids=["text", "truncated-zip"]
)
def test_bad_keras_checkpoint_gives_a_one_line_error(tmp_path, content):
    path = tmp_path / "bad.keras"
    path.write_bytes(content)
    with pytest.raises(ValueError, match="not a readable Keras checkpoint") as info:
        load_keras_checkpoint(path)
    assert "\n" not in str(info.value)


def test_a_tf_data_dataset_trains_like_arrays():
    import tensorflow as tf

    rnnkit.setup(0)
    x, y = copy_task()
    train = tf.data.Dataset.from_tensor_slices((x, y)).batch(16)
    history = fit_keras(tiny_lm(), train, epochs=3, lr=0.02, progress=False)
    assert history.epochs == 3 and history["loss"][-1] < history["loss"][0]
