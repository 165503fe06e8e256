"""How much does rnnkit's training loop cost over a bare hand-written one?

Default mode: the same 1-layer LSTM (128 units) on synthetic (batch 64, time 50)
data, trained for the same number of steps by

* ``bare``          a hand-written loop: forward, loss, zero_grad, backward, step, loss.item()
* ``rnnkit``        ``fit_torch(..., metrics=(), progress=False)``
* ``rnnkit+bar``    the same with the progress bar on (tqdm writes into a buffer here)
* ``rnnkit+acc``    ``fit_torch`` defaults: accuracy metric on, progress bar off

Each variant runs once to warm up, then ``--repeats`` times (on ``--device``; on a GPU the data sit on it already), interleaved so that a
busy shared CPU slows them alike; the script prints the median samples/s and the ratio
to ``bare`` (target: >= 0.90).

``--char-epoch``: time one epoch over 1 M characters of a char model (embedding 64,
LSTM 128, linear to 100 classes; batch 64, sequence length 100) in both frameworks,
by timing ``--steps`` steps in the second epoch of ``fit_torch`` / ``fit_keras`` (the
first carries tracing and warm-up) and extrapolating to 1e6 / (64 * 100) steps.

Usage: ``python benchmarks/bench_train_loop.py [--steps 10] [--repeats 5] [--device cpu|cuda|auto] [--char-epoch]``
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import statistics
import time

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import torch  # noqa: E402

import rnnkit  # noqa: E402
from rnnkit.train import fit_torch  # noqa: E402

BATCH, TIME, FEATURES, HIDDEN, CLASSES = 64, 50, 32, 128, 10


class Tagger(torch.nn.Module):
    """(B, T, F) -> LSTM 128 -> (B, T, classes) logits."""

    def __init__(self) -> None:
        super().__init__()
        self.lstm = torch.nn.LSTM(FEATURES, HIDDEN, batch_first=True)
        self.head = torch.nn.Linear(HIDDEN, CLASSES)

    def forward(self, x):
        h, _ = self.lstm(x)  # (B, T, H)
        return self.head(h)  # (B, T, C)


def make_batches(steps: int) -> list[tuple[torch.Tensor, torch.Tensor]]:
    g = torch.Generator().manual_seed(0)
    return [
        (
            torch.randn(BATCH, TIME, FEATURES, generator=g),
            torch.randint(0, CLASSES, (BATCH, TIME), generator=g),
        )
        for _ in range(steps)
    ]


def bare(model, opt, batches) -> None:
    total = 0.0
    for x, y in batches:
        logits = model(x)
        loss = torch.nn.functional.cross_entropy(logits.reshape(-1, CLASSES), y.reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        total += loss.item()


def with_rnnkit(progress: bool, metrics):
    def run(model, opt, batches) -> None:
        with contextlib.redirect_stderr(io.StringIO()):
            fit_torch(model, batches, epochs=1, optimizer=opt, metrics=metrics, progress=progress)

    return run


def overhead(steps: int, repeats: int, device: str) -> None:
    device = rnnkit.setup(0, device=device).device
    batches = [(x.to(device), y.to(device)) for x, y in make_batches(steps)]
    variants = {
        "bare": bare,
        "rnnkit": with_rnnkit(False, ()),
        "rnnkit+bar": with_rnnkit(True, ()),
        "rnnkit+acc": with_rnnkit(False, None),
    }
    model = Tagger().to(device)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    times = {name: [] for name in variants}
    for repeat in range(repeats + 1):  # repeat 0 is the warm-up, not counted
        for name, run in variants.items():
            start = time.perf_counter()
            run(model, opt, batches)
            if repeat:
                times[name].append(time.perf_counter() - start)
    print(f"torch {torch.__version__} on {device}, {torch.get_num_threads()} threads; {steps} steps of "
          f"batch {BATCH} x time {TIME}; median of {repeats} repeats")  # fmt: skip
    base = steps * BATCH / statistics.median(times["bare"])
    for name, ts in times.items():
        rate = steps * BATCH / statistics.median(ts)
        print(f"{name:<11} {rate:9.1f} samples/s   ratio to bare {rate / base:5.3f}")


def char_epoch(steps: int) -> None:
    import keras

    from rnnkit.train import fit_keras

    vocab, emb, hidden, batch, seq, chars = 100, 64, 128, 64, 100, 1_000_000
    per_epoch = chars / (batch * seq)
    rnnkit.setup(0)
    rng = np.random.default_rng(0)
    x = rng.integers(0, vocab, (steps * batch, seq)).astype("int64")
    y = rng.integers(0, vocab, (steps * batch, seq)).astype("int64")

    class CharLM(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.embed = torch.nn.Embedding(vocab, emb)
            self.lstm = torch.nn.LSTM(emb, hidden, batch_first=True)
            self.head = torch.nn.Linear(hidden, vocab)

        def forward(self, x):
            h, _ = self.lstm(self.embed(x))  # (B, T, H)
            return self.head(h)  # (B, T, V)

    h = fit_torch(
        CharLM(),
        (torch.from_numpy(x), torch.from_numpy(y)),
        epochs=2,
        batch_size=batch,
        progress=False,
    )
    t_torch = h["seconds"][1] / steps

    inputs = keras.Input((seq,), dtype="int32")
    z = keras.layers.Embedding(vocab, emb)(inputs)  # (B, T, E)
    z = keras.layers.LSTM(hidden, return_sequences=True)(z)  # (B, T, H)
    model = keras.Model(inputs, keras.layers.Dense(vocab)(z))  # (B, T, V)
    h = fit_keras(
        model, (x.astype("int32"), y.astype("int32")), epochs=2, batch_size=batch, progress=False
    )
    t_keras = h["seconds"][1] / steps

    print(f"char model, {steps} steps timed (2nd epoch), {per_epoch:.0f} steps per 1 M-char epoch")
    for name, t in (("torch", t_torch), ("keras", t_keras)):
        print(
            f"{name:<6} {1000 * t:7.1f} ms/step  ->  ~{t * per_epoch:6.1f} s per epoch (extrapolated)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=None, help="steps per timed run")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--device", default="cpu", choices=("cpu", "cuda", "auto"))
    parser.add_argument("--char-epoch", action="store_true")
    args = parser.parse_args()
    if args.char_epoch:
        char_epoch(args.steps or 50)
    else:
        overhead(args.steps or 10, args.repeats, args.device)


if __name__ == "__main__":
    main()
