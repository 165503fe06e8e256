"""Tests of rnnkit.train.fit_torch on tiny synthetic problems (CPU, a few seconds)."""

from __future__ import annotations

import math

import pytest
import torch

import rnnkit
from rnnkit.train import FitConfig, History, fit_torch
from rnnkit.train.torch_fit import _pick_device

VOCAB, T = 6, 8
EPOCHS = 4


class TinyLM(torch.nn.Module):
    """Embedding -> LSTM -> Linear; ``model(x) -> logits`` or, if ``stateful``,
    ``model(x, state) -> (logits, state)``."""

    def __init__(self, stateful: bool = False, hidden: int = 16) -> None:
        super().__init__()
        self.stateful = stateful
        self.embed = torch.nn.Embedding(VOCAB, 8)
        self.lstm = torch.nn.LSTM(8, hidden, batch_first=True)
        self.head = torch.nn.Linear(hidden, VOCAB)

    def forward(self, x, state=None):
        h, state = self.lstm(self.embed(x), state)  # (B, T, H)
        logits = self.head(h)  # (B, T, V)
        return (logits, state) if self.stateful else logits


def copy_task(n: int = 64, seed: int = 0, shift: int = 0):
    """Tokens x and targets (x + shift) mod V: learnable from the current input."""
    g = torch.Generator().manual_seed(seed)
    x = torch.randint(0, VOCAB, (n, T), generator=g)
    return x, (x + shift) % VOCAB


def params(model) -> dict[str, torch.Tensor]:
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


def same_params(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


class RecordingSGD(torch.optim.SGD):
    """SGD that records, at each step, the gradient norm it sees and its lr."""

    def __init__(self, params, lr):
        super().__init__(params, lr=lr)
        self.norms: list[float] = []
        self.lrs: list[float] = []

    def step(self, closure=None):
        grads = [p.grad for g in self.param_groups for p in g["params"] if p.grad is not None]
        self.norms.append(
            torch.linalg.vector_norm(
                torch.stack([torch.linalg.vector_norm(g) for g in grads])
            ).item()
        )
        self.lrs.append(self.param_groups[0]["lr"])
        return super().step(closure)


class Batches:
    """A re-iterable list of batches that can raise or poison a batch in one epoch."""

    def __init__(self, x, y, batch_size, raise_at=None, nan_at=None):
        self.batches = [
            (x[i : i + batch_size], y[i : i + batch_size]) for i in range(0, len(x), batch_size)
        ]
        self.raise_at, self.nan_at, self.epoch = raise_at, nan_at, 0

    def __len__(self):
        return len(self.batches)

    def __iter__(self):
        self.epoch += 1
        for step, (x, y) in enumerate(self.batches, start=1):
            if self.raise_at == (self.epoch, step):
                raise KeyboardInterrupt
            if self.nan_at == (self.epoch, step):
                x = torch.full_like(x, math.nan)
            yield x, y


def test_loss_goes_down_and_history_has_one_row_per_epoch():
    rnnkit.setup(0)
    model = TinyLM()
    history = fit_torch(
        model, copy_task(), copy_task(seed=1), epochs=5, lr=0.02, batch_size=16, progress=False
    )
    assert isinstance(history, History) and history.epochs == 5
    assert history["loss"][-1] < 0.6 * history["loss"][0]
    assert history["val_accuracy"][-1] > 0.8
    assert set(history) == {"loss", "accuracy", "val_loss", "val_accuracy", "lr", "seconds"}
    assert all(len(v) == 5 for v in history.values()) and min(history["seconds"]) > 0
    assert history.stopped_reason is None and not history.interrupted


def test_same_seed_gives_identical_history_and_weights():
    runs = []
    for _ in range(2):
        rnnkit.setup(3)
        model = TinyLM()
        h = fit_torch(
            model, copy_task(), copy_task(seed=1), epochs=2, batch_size=16, progress=False
        )
        runs.append(({k: v for k, v in h.items() if k != "seconds"}, params(model)))
    assert runs[0][0] == runs[1][0]
    assert same_params(runs[0][1], runs[1][1])


def test_keyboard_interrupt_keeps_the_steps_taken_and_records_the_partial_epoch():
    rnnkit.setup(0)
    model = TinyLM()
    x, y = copy_task()
    data = Batches(x, y, 16, raise_at=(2, 3))
    snapshots = []

    def schedule(epoch):  # runs at each epoch start: snapshot the weights there
        snapshots.append(params(model))
        return 0.01

    history = fit_torch(model, data, epochs=4, lr_schedule=schedule, progress=False)
    # two steps of epoch 2 ran before the interrupt: the model keeps them, the History
    # records epoch 2 as partial, with the mean over those two steps
    assert history.interrupted and history.epochs == 2 and history.partial == {2: 2}
    assert "epoch 2, after 2 of 4 training steps" in history.stopped_reason
    assert not same_params(params(model), snapshots[1])
    # the notebook can go on from there
    history = fit_torch(model, data, epochs=3, history=history, progress=False)
    assert history.epochs == 3 and not history.interrupted


def test_clip_norm_bounds_the_gradient_norm_the_optimizer_sees():
    rnnkit.setup(0)
    model = TinyLM()
    opt = RecordingSGD(model.parameters(), lr=0.5)
    history = fit_torch(
        model, copy_task(), epochs=2, batch_size=16, optimizer=opt, clip_norm=0.05, progress=False
    )
    assert max(history["grad_norm"]) > 0.05  # pre-clip norms exceed the bound ...
    assert max(opt.norms) <= 0.05 + 1e-5  # ... post-clip ones do not
    assert min(opt.norms) > 0.04  # and clipping rescales, it does not zero


def test_without_clip_norm_the_gradient_is_untouched():
    rnnkit.setup(0)
    model = TinyLM()
    opt = RecordingSGD(model.parameters(), lr=0.5)
    history = fit_torch(model, copy_task(), epochs=1, batch_size=16, optimizer=opt, progress=False)
    assert "grad_norm" not in history and max(opt.norms) > 0.05


def test_early_stopping_stops_and_restores_the_best_epoch():
    rnnkit.setup(0)
    model = TinyLM()
    val = copy_task(seed=1, shift=1)  # val wants x+1, train teaches x: val_loss rises
    history = fit_torch(
        model, copy_task(), val, epochs=20, lr=0.02, batch_size=16, early_stopping=2,
        progress=False, device="cpu",  # the check below evaluates on the CPU
    )  # fmt: skip
    best = min(range(history.epochs), key=lambda e: history["val_loss"][e]) + 1
    assert history.best_epoch == best and history.epochs == best + 2 < 20
    assert "early stopping" in history.stopped_reason
    with torch.no_grad():
        x, y = val
        restored = torch.nn.functional.cross_entropy(
            model(x).reshape(-1, VOCAB), y.reshape(-1)
        ).item()
    assert restored == pytest.approx(history["val_loss"][best - 1], rel=1e-5)
    assert restored < history["val_loss"][-1]


def test_stop_at_stops_after_the_first_epoch_that_meets_the_target():
    def run(**settings):
        rnnkit.setup(0)
        model = TinyLM()
        history = fit_torch(
            model, copy_task(), copy_task(seed=1), epochs=12, lr=0.02, batch_size=16,
            progress=False, **settings,
        )  # fmt: skip
        return history

    full = run()
    assert full.stopped_reason is None and full.epochs == 12
    target = full["val_loss"][4]  # met at epoch 5 at the latest
    first = next(e for e, v in enumerate(full["val_loss"]) if v <= target) + 1
    stopped = run(stop_at=target)
    assert stopped.epochs == first < 12
    assert stopped["val_loss"] == full["val_loss"][:first]
    assert stopped.stopped_reason.startswith("target reached: val_loss")
    unreachable = run(stop_at=min(full["val_loss"]) / 2)
    assert unreachable.epochs == 12 and unreachable.stopped_reason is None


def test_stop_at_needs_validation_data_and_a_positive_target():
    with pytest.raises(ValueError, match="stop_at needs validation data"):
        fit_torch(TinyLM(), copy_task(), epochs=2, stop_at=0.1, progress=False)
    with pytest.raises(ValueError, match="stop_at"):
        fit_torch(TinyLM(), copy_task(), copy_task(), epochs=2, stop_at=-1.0, progress=False)


def test_lr_schedule_sets_the_optimizer_lr_each_epoch():
    rnnkit.setup(0)
    model = TinyLM()
    opt = RecordingSGD(model.parameters(), lr=1.0)
    history = fit_torch(
        model, copy_task(32), epochs=3, batch_size=16, optimizer=opt,
        lr_schedule=lambda epoch: 0.1 * 0.5**epoch, progress=False,
    )  # fmt: skip
    assert history["lr"] == [0.1, 0.05, 0.025]
    assert opt.lrs == [0.1, 0.1, 0.05, 0.05, 0.025, 0.025]  # 2 steps per epoch


def test_nan_loss_stops_naming_epoch_and_step_and_keeps_last_good_weights():
    x = torch.randn(48, T, 1)
    y = x.sum(dim=1)
    make = lambda: torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(T, 1))  # noqa: E731
    rnnkit.setup(0)
    reference = make()
    fit_torch(reference, Batches(x, y, 16), epochs=1, loss="mse", progress=False)
    rnnkit.setup(0)
    model = make()
    with pytest.warns(RuntimeWarning, match="epoch 2, step 3"):
        history = fit_torch(
            model, Batches(x, y, 16, nan_at=(2, 3)), epochs=4, loss="mse", progress=False
        )
    assert history.epochs == 1 and "non-finite loss" in history.stopped_reason
    assert same_params(params(model), params(reference))


def test_diverging_lr_stops_with_finite_weights():
    x = torch.randn(64, T)
    y = 100 * x.sum(dim=1, keepdim=True)
    rnnkit.setup(0)
    model = torch.nn.Linear(T, 1)
    opt = torch.optim.SGD(model.parameters(), lr=10.0)  # far past 2 / curvature: diverges
    with pytest.warns(RuntimeWarning, match="non-finite loss"):
        history = fit_torch(
            model, (x, y), epochs=50, loss="mse", optimizer=opt, batch_size=16, progress=False
        )
    assert history.epochs < 50 and "non-finite" in history.stopped_reason
    assert all(torch.isfinite(p).all() for p in model.parameters())


def test_tbptt_passes_each_batch_the_previous_state_detached_and_resets_each_epoch():
    seen = []  # (state going in, state coming out) per call

    class Recorder(TinyLM):
        def forward(self, x, state=None):
            logits, new = super().forward(x, state)
            seen.append((state, new))
            return logits, new

    rnnkit.setup(0)
    x, y = copy_task(48)
    fit_torch(Recorder(stateful=True), (x, y), epochs=2, batch_size=16, tbptt=True, progress=False)
    assert len(seen) == 6
    for epoch_start in (0, 3):
        assert seen[epoch_start][0] is None  # reset at each epoch start
        for k in (epoch_start + 1, epoch_start + 2):
            state_in, previous_out = seen[k][0], seen[k - 1][1]
            for got, want in zip(state_in, previous_out, strict=True):  # LSTM: (h, c)
                assert torch.equal(got, want)  # carried, not reset
                assert got.grad_fn is None and not got.requires_grad  # detached
                assert want.grad_fn is not None  # (the output itself had a graph)


def test_tbptt_learns_a_target_that_depends_on_the_previous_batch():
    # One long stream cut into consecutive chunks of 4 steps; the target is the
    # previous token, which for a chunk's first step lies in the previous batch.
    # With the state reset every batch that step is a coin flip: accuracy <= 7/8.
    g = torch.Generator().manual_seed(0)
    stream = torch.randint(0, 2, (8, 129), generator=g)  # (B, N+1)
    batches = [(stream[:, t + 1 : t + 5], stream[:, t : t + 4]) for t in range(0, 128, 4)]
    rnnkit.setup(0)
    model = TinyLM(stateful=True)
    history = fit_torch(model, batches, epochs=EPOCHS, lr=0.02, tbptt=True, progress=False)
    assert history["accuracy"][-1] > 0.95


def test_tbptt_model_must_return_logits_and_state():
    rnnkit.setup(0)
    with pytest.raises(TypeError, match=r"must return \(logits, state\)"):
        fit_torch(TinyLM(), copy_task(), epochs=1, batch_size=16, tbptt=True, progress=False)


def test_progress_false_prints_nothing(capfd):
    rnnkit.setup(0)
    capfd.readouterr()
    fit_torch(TinyLM(), copy_task(32), copy_task(16), epochs=2, batch_size=16, progress=False)
    out, err = capfd.readouterr()
    assert out == "" and err == ""


def test_progress_bar_runs_and_shows_the_epoch(capfd):
    rnnkit.setup(0)
    fit_torch(TinyLM(), copy_task(32), copy_task(16), epochs=2, batch_size=16, progress=True)
    err = capfd.readouterr().err
    assert "epoch 2/2" in err and "val_loss=" in err


def test_device_defaults_to_cuda_when_available(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert _pick_device(None).type == "cuda"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert _pick_device(None).type == "cpu"


@pytest.mark.parametrize(
    ("train", "settings", "error", "message"),
    [
        (copy_task(8), {"batch_size": 16}, ValueError, r"batch_size must be <= the number of examples \(8\), got 16"),
        (torch.utils.data.DataLoader(torch.utils.data.TensorDataset(*copy_task(8)), batch_size=9), {}, ValueError, "batch_size must be <="),
        ((copy_task()[0], copy_task()[1] + 3), {}, ValueError, r"labels for a model with 6 outputs must be .* in \[0, 5\], got .* with ids from 3 to 8"),
        ((copy_task()[0], copy_task()[1] - 1), {}, ValueError, "with ids from -1 to 4"),
        ((copy_task()[0], copy_task()[1].float()), {}, ValueError, "integer ids in .* dtype float32"),
        ((copy_task(10)[0], copy_task(12)[1]), {}, ValueError, "same length on axis 0, got 10 inputs and 12 targets"),
        ([(copy_task(4)[0], copy_task(5)[1])], {}, ValueError, "train batch 1: .* got 4 inputs and 5 targets"),
        (copy_task(), {"epochs": 0}, ValueError, "epochs must be >= 1, got 0"),
        (copy_task(), {"epochs": 2.5}, TypeError, "epochs must be an integer"),
        (copy_task(), {"epoch": 3}, TypeError, r"unknown training setting\(s\) \['epoch'\]"),
        (copy_task(), {"clip_norm": -1.0}, ValueError, "clip_norm must be > 0"),
        (iter(copy_task()), {}, TypeError, "must be re-iterable"),
    ],
    ids=["batch-too-big", "loader-batch-too-big", "labels-too-high", "labels-negative", "float-labels",
         "xy-lengths", "batch-xy-lengths", "epochs-0", "epochs-float", "unknown-setting", "clip-negative",
         "one-shot-iterator"],
)  # fmt: skip
def test_bad_input_gives_a_one_line_error(train, settings, error, message):
    rnnkit.setup(0)
    settings = {"epochs": 1, "progress": False, **settings}
    with pytest.raises(error, match=message) as info:
        fit_torch(TinyLM(), train, **settings)
    assert "\n" not in str(info.value)


def test_early_stopping_without_validation_data_is_refused():
    with pytest.raises(ValueError, match="early_stopping needs validation data"):
        fit_torch(TinyLM(), copy_task(), epochs=2, early_stopping=1, progress=False)


def test_a_fit_config_can_be_shared_and_overridden_by_keywords():
    config = FitConfig(epochs=3, lr=0.02, batch_size=16, progress=False)
    rnnkit.setup(0)
    history = fit_torch(TinyLM(), copy_task(), config=config, epochs=2)
    assert history.epochs == 2 and history["lr"] == [0.02, 0.02]
