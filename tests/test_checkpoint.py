"""Tests of rnnkit.train.save_torch_checkpoint / load_torch_checkpoint (PyTorch)."""

# The checkpoint saves the legacy global NumPy generator (the one rnnkit.setup seeds).
# ruff: noqa: NPY002

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest
import torch

import rnnkit
from rnnkit.train import History, fit_torch, load_torch_checkpoint, save_torch_checkpoint


def make_model() -> torch.nn.Module:
    return torch.nn.Sequential(
        torch.nn.Linear(4, 16), torch.nn.Tanh(), torch.nn.Dropout(0.2), torch.nn.Linear(16, 3)
    )


def data(n: int = 96, seed: int = 0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 4, generator=g)
    return x, (x[:, 0] > 0).long() + (x[:, 1] > 0.5).long()


def loader(x, y):  # shuffles with torch's global generator: resume must restore it
    return torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(x, y), batch_size=16, shuffle=True
    )


def without_seconds(history: History) -> dict:
    return {k: v for k, v in history.items() if k != "seconds"}


def test_resume_gives_the_same_weights_and_history_as_an_uninterrupted_run(tmp_path):
    # On the CPU: bit-for-bit equality is the claim, and GPU kernels need not give it.
    train, val = loader(*data()), data(32, seed=1)
    rnnkit.setup(0)
    straight = make_model()
    opt = torch.optim.Adam(straight.parameters(), lr=0.01)
    full = fit_torch(straight, train, val, epochs=4, optimizer=opt, progress=False, device="cpu")

    rnnkit.setup(0)
    first = make_model()
    opt = torch.optim.Adam(first.parameters(), lr=0.01)
    half = fit_torch(first, train, val, epochs=2, optimizer=opt, progress=False, device="cpu")
    path = save_torch_checkpoint(tmp_path / "run.pt", first, opt, half)

    rnnkit.setup(123)  # a new session: other seed, other weights, used generators
    random.random(), np.random.rand(), torch.rand(5)
    resumed = make_model()
    opt = torch.optim.Adam(resumed.parameters(), lr=0.01)
    history = load_torch_checkpoint(path, resumed, opt)
    assert history.epochs == 2
    history = fit_torch(
        resumed, train, val, epochs=4, optimizer=opt, history=history, progress=False,
        device="cpu",
    )  # fmt: skip

    assert without_seconds(history) == without_seconds(full)
    for a, b in zip(straight.state_dict().values(), resumed.state_dict().values(), strict=True):
        assert torch.equal(a, b)


def test_load_restores_python_numpy_and_torch_generators(tmp_path):
    rnnkit.setup(5)
    model = make_model()
    path = save_torch_checkpoint(tmp_path / "c.pt", model, None, History())
    expected = (random.random(), np.random.rand(), torch.rand(3))
    load_torch_checkpoint(path, make_model())
    got = (random.random(), np.random.rand(), torch.rand(3))
    assert got[:2] == expected[:2] and torch.equal(got[2], expected[2])


def test_checkpoint_is_plain_enough_for_weights_only_load(tmp_path):
    rnnkit.setup(0)
    model = make_model()
    opt = torch.optim.Adam(model.parameters())
    history = fit_torch(model, data(), epochs=1, optimizer=opt, batch_size=16, progress=False)
    path = save_torch_checkpoint(tmp_path / "c.pt", model, opt, history)
    payload = torch.load(path, weights_only=True)
    assert payload["epoch"] == 1 and payload["format"] == "rnnkit.train.checkpoint"


def test_save_is_atomic_and_a_failed_save_keeps_the_old_file(tmp_path, monkeypatch):
    rnnkit.setup(0)
    model = make_model()
    path = save_torch_checkpoint(tmp_path / "c.pt", model, None, History())
    before = path.read_bytes()

    def broken_save(obj, f):  # f: the temporary file's path
        Path(f).write_bytes(b"half a file")
        raise OSError("disk full")

    monkeypatch.setattr(torch, "save", broken_save)
    with pytest.raises(OSError, match="disk full"):
        save_torch_checkpoint(path, make_model(), None, History())
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["c.pt"]  # no temporary left behind


@pytest.fixture
def good_checkpoint(tmp_path):
    rnnkit.setup(0)
    return save_torch_checkpoint(tmp_path / "good.pt", make_model(), None, History())


@pytest.mark.parametrize(
    ("make_file", "message"),
    [
        (lambda p, good: p.write_bytes(good.read_bytes()[:200]), "not a readable checkpoint"),
        (lambda p, good: p.write_text("epoch 3, loss 0.5\n"), "not a readable checkpoint"),
        (lambda p, good: p.write_bytes(bytes(range(256)) * 4), "not a readable checkpoint"),
        (lambda p, good: torch.save({"weights": torch.zeros(3)}, p), "not an rnnkit checkpoint"),
        (lambda p, good: torch.save(torch.zeros(3), p), "not an rnnkit checkpoint"),
    ],
    ids=["truncated", "text-file", "garbage", "foreign-dict", "bare-tensor"],
)
def test_bad_checkpoint_file_gives_a_one_line_error(tmp_path, good_checkpoint, make_file, message):
    path = tmp_path / "bad.pt"
    make_file(path, good_checkpoint)
    with pytest.raises(ValueError, match=message) as info:
        load_torch_checkpoint(path, make_model())
    assert "\n" not in str(info.value) and str(path) in str(info.value)


def test_checkpoint_of_another_model_gives_a_one_line_error(good_checkpoint):
    with pytest.raises(ValueError, match="do not fit this model") as info:
        load_torch_checkpoint(good_checkpoint, torch.nn.Linear(4, 3))
    assert "\n" not in str(info.value)


def test_missing_checkpoint_names_the_path(tmp_path):
    with pytest.raises(FileNotFoundError, match="no checkpoint at .*nope.pt"):
        load_torch_checkpoint(tmp_path / "nope.pt", make_model())
