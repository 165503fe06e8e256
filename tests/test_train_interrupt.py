"""Ctrl-C at every phase of both training loops: batch, epoch start (learning-rate
schedule, state copy), validation, and the early-stopping checkpoint. Each interrupt
is simulated deterministically, either as a ``KeyboardInterrupt`` raised by code the
loop calls or as a real SIGINT sent from inside (``signal.raise_signal``), which the
loop defers to its next safe point. Afterwards the model, the optimizer and the
History must agree on how many steps were taken."""

from __future__ import annotations

import math
import signal

import keras
import numpy as np
import pytest
import torch

import rnnkit
from rnnkit.train import History, fit_keras, fit_torch, keras_fit, torch_fit
from rnnkit.train.interrupt import InterruptGuard

pytestmark = pytest.mark.slow  # trains both loops, interrupted at every phase: `make test` only

VOCAB, T, N, BATCH = 5, 6, 64, 16
STEPS = N // BATCH  # per epoch


@pytest.fixture(autouse=True)
def python_sigint_handler():
    """Start each test with Python's own Ctrl-C handler. A process started in the
    background by a non-interactive shell (``make test &``) inherits SIGINT ignored,
    and a real SIGINT would then never reach the loop under test."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


SETTINGS = {
    "epochs": 3,
    "batch_size": BATCH,
    "shuffle": False,
    "early_stopping": 5,  # its snapshot of the best weights is the 'checkpoint' phase
    "lr_schedule": lambda epoch: 0.02 * 0.5**epoch,
    "progress": False,
}


def interrupt(how: str) -> None:
    if how == "exception":
        raise KeyboardInterrupt
    signal.raise_signal(signal.SIGINT)  # deferred by the loop to its next safe point


def data(seed: int = 0):
    x = np.random.default_rng(seed).integers(0, VOCAB, (N, T))
    return x, (x + 1) % VOCAB


def steps_in(history: History) -> int:
    """How many optimizer steps the History says the weights went through."""
    return sum(history.partial.get(epoch, STEPS) for epoch in range(1, history.epochs + 1))


# --- the PyTorch loop --------------------------------------------------------------


class TorchLM(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.embed = torch.nn.Embedding(VOCAB, 4)
        self.rnn = torch.nn.GRU(4, 8, batch_first=True)
        self.head = torch.nn.Linear(8, VOCAB)

    def forward(self, x):
        return self.head(self.rnn(self.embed(x))[0])  # (B, T, V)


class TorchBatches:
    """``(x, y)`` batches that call ``at(epoch, batch)`` before yielding each one."""

    def __init__(self, x, y, at) -> None:
        self.x, self.y = torch.as_tensor(x), torch.as_tensor(y)
        self.at, self.epoch = at, 0

    def __len__(self) -> int:
        return len(self.x) // BATCH

    def __iter__(self):
        self.epoch += 1
        for k in range(len(self)):
            self.at(self.epoch, k + 1)
            yield self.x[k * BATCH : (k + 1) * BATCH], self.y[k * BATCH : (k + 1) * BATCH]


def run_torch(phase: str, how: str, monkeypatch):
    rnnkit.setup(0)
    model = TorchLM()
    optimizer = torch.optim.Adam(model.parameters())
    snapshots = [[p.detach().clone() for p in model.parameters()]]  # after 0, 1, 2, ... steps
    real_step = optimizer.step

    def step(*args, **kwargs):
        out = real_step(*args, **kwargs)
        snapshots.append([p.detach().clone() for p in model.parameters()])
        return out

    optimizer.step = step
    train_at = val_at = lambda epoch, batch: None  # noqa: E731
    settings = dict(SETTINGS)
    if phase == "batch":
        train_at = lambda epoch, batch: (epoch, batch) == (2, 3) and interrupt(how)  # noqa: E731
    elif phase == "validation":
        val_at = lambda epoch, batch: (epoch, batch) == (2, 1) and interrupt(how)  # noqa: E731
    elif phase == "epoch start (lr schedule)":
        settings["lr_schedule"] = lambda e: (e == 1 and interrupt(how)) or 0.02 * 0.5**e
    else:
        name = "_good_state" if phase == "epoch start (state copy)" else "_best_weights"
        patch_nth_call(monkeypatch, torch_fit, name, 2 if "state" in phase else 1, how)
    history = fit_torch(
        model,
        TorchBatches(*data(), train_at),
        TorchBatches(*data(1), val_at),
        optimizer=optimizer,
        **settings,
    )
    steps = int(next(iter(optimizer.state.values()))["step"])
    weights_agree = all(
        torch.equal(p, q) for p, q in zip(model.parameters(), snapshots[steps], strict=True)
    )
    return history, steps, weights_agree, optimizer.param_groups[0]["lr"]


def patch_nth_call(monkeypatch, owner, name: str, n: int, how: str) -> None:
    real, calls = getattr(owner, name), []

    def patched(*args, **kwargs):
        calls.append(1)
        if len(calls) == n:
            interrupt(how)
        return real(*args, **kwargs)

    monkeypatch.setattr(owner, name, patched)


# --- the Keras loop ----------------------------------------------------------------


def keras_lm() -> keras.Model:
    inputs = keras.Input((T,), dtype="int32")
    h = keras.layers.Embedding(VOCAB, 4)(inputs)
    h = keras.layers.GRU(8, return_sequences=True)(h)
    return keras.Model(inputs, keras.layers.Dense(VOCAB)(h))


class At(keras.callbacks.Callback):
    """Calls ``interrupt`` at the start of training or validation batch (epoch, batch)."""

    def __init__(self, kind: str, when: tuple[int, int], how: str) -> None:
        super().__init__()
        self.kind, self.when, self.how, self.epoch = kind, when, how, 0

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch + 1

    def on_train_batch_begin(self, batch, logs=None):
        if self.kind == "train" and (self.epoch, batch + 1) == self.when:
            interrupt(self.how)

    def on_test_batch_begin(self, batch, logs=None):
        if self.kind == "val" and (self.epoch, batch + 1) == self.when:
            interrupt(self.how)


def run_keras(phase: str, how: str, monkeypatch):
    rnnkit.setup(0)
    model = keras_lm()
    snapshots = [model.get_weights()]
    real_end = keras_fit._Recorder.on_train_batch_end

    def on_train_batch_end(self, batch, logs=None):  # the step is applied: record it first
        snapshots.append(self.model.get_weights())
        return real_end(self, batch, logs)

    monkeypatch.setattr(keras_fit._Recorder, "on_train_batch_end", on_train_batch_end)
    callbacks, settings = [], dict(SETTINGS)
    if phase == "batch":
        callbacks = [At("train", (2, 3), how)]
    elif phase == "validation":
        callbacks = [At("val", (2, 1), how)]
    elif phase == "epoch start (lr schedule)":
        settings["lr_schedule"] = lambda e: (e == 1 and interrupt(how)) or 0.02 * 0.5**e
    else:
        name = "_good_state" if phase == "epoch start (state copy)" else "_best_weights"
        patch_nth_call(monkeypatch, keras_fit._Recorder, name, 2 if "state" in phase else 1, how)
    optimizer = keras.optimizers.Adam()
    history = fit_keras(
        model, data(), data(1), optimizer=optimizer, callbacks=callbacks, **settings
    )
    steps = int(optimizer.iterations)
    weights_agree = all(
        np.array_equal(a, b) for a, b in zip(model.get_weights(), snapshots[steps], strict=True)
    )
    return history, steps, weights_agree, float(optimizer.learning_rate)


# --- the test: one per framework, phase and way of interrupting ------------------------

PHASES = {  # phase: (interrupted epoch, recorded epochs, steps after an exception / a signal)
    "batch": (2, 2, 6, 7),
    "epoch start (lr schedule)": (2, 1, 4, 4),
    "epoch start (state copy)": (2, 1, 4, 4),
    "validation": (2, 2, 8, 8),
    "checkpoint": (1, 1, 4, 4),
}


# Every phase with a real SIGINT in both loops, and with a raised KeyboardInterrupt in
# PyTorch; Keras runs are slow (a graph each), so there the raised interrupt is tried
# at the phases test_train_keras.py does not already cover.
RUNS = [
    *[("torch", phase, how) for phase in PHASES for how in ("exception", "signal")],
    *[("keras", phase, "signal") for phase in PHASES],
    ("keras", "validation", "exception"),
    ("keras", "epoch start (lr schedule)", "exception"),
]


@pytest.mark.parametrize(("framework", "phase", "how"), RUNS)
def test_an_interrupt_leaves_model_optimizer_and_history_in_agreement(
    framework, phase, how, monkeypatch
):
    run = run_torch if framework == "torch" else run_keras
    history, steps, weights_agree, lr = run(phase, how, monkeypatch)
    interrupted, epochs, after_exception, after_signal = PHASES[phase]
    steps_expected = after_exception if how == "exception" else after_signal
    partial = {2: steps_expected - STEPS} if phase == "batch" else {}
    assert history.interrupted and history.epochs == epochs and history.partial == partial
    assert steps == steps_expected == steps_in(history)  # optimizer == History
    assert weights_agree  # the weights are those after exactly that many steps
    assert lr == pytest.approx(history["lr"][-1], rel=1e-6)  # an unstarted epoch's lr undone
    assert all(len(values) == history.epochs for values in history.values())
    assert f"during epoch {interrupted}" in history.stopped_reason
    assert history.best_epoch is None  # an interrupted run keeps its weights as they are
    if phase == "validation":  # training finished and recorded; validation did not
        assert math.isfinite(history["loss"][-1]) and math.isnan(history["val_loss"][-1])
    else:
        assert all(math.isfinite(v) for v in history["val_loss"][: epochs - bool(partial)])
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # handler put back


def test_the_guard_defers_the_first_sigint_and_lets_a_second_one_through():
    with InterruptGuard() as guard:
        signal.raise_signal(signal.SIGINT)
        assert guard.requested  # recorded, not raised
        with pytest.raises(KeyboardInterrupt):
            signal.raise_signal(signal.SIGINT)
        with pytest.raises(KeyboardInterrupt):
            guard.check()
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_a_partial_epoch_survives_a_checkpoint_and_training_continues_after_it(tmp_path):
    from rnnkit.train import load_torch_checkpoint, save_torch_checkpoint

    rnnkit.setup(0)
    model = TorchLM()
    history = fit_torch(
        model,
        TorchBatches(*data(), lambda e, b: (e, b) == (1, 2) and interrupt("exception")),
        epochs=2,
        batch_size=BATCH,
        progress=False,
    )
    assert history.partial == {1: 1} and history.epochs == 1
    save_torch_checkpoint(tmp_path / "c.pt", model, None, history)
    restored = load_torch_checkpoint(tmp_path / "c.pt", TorchLM())
    assert restored.partial == {1: 1} and restored["loss"] == history["loss"]
    history = fit_torch(model, data(), epochs=2, history=restored, batch_size=BATCH, progress=False)
    assert history.epochs == 2 and history.partial == {1: 1} and not history.interrupted
