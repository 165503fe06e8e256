"""How much does rnnkit's training loop cost over a bare hand-written one?

Default mode: :func:`rnnkit.bench.loop_overhead_rows` -- the same 1-layer LSTM (128
units) on synthetic (batch 64, time 50) data, trained for the same number of steps by
a hand-written loop and by ``fit_torch`` (without metrics, with the progress bar, with
its default accuracy metric), interleaved so that a busy CPU slows them alike; prints
the median samples/s and the ratio to the bare loop (target: >= 0.90).

``--char-epoch``: time one epoch over 1 M characters of a char model (embedding 64,
LSTM 128, linear to 100 classes; batch 64, sequence length 100) in both frameworks,
by timing ``--steps`` steps in the second epoch of ``fit_torch`` / ``fit_keras`` (the
first carries tracing and warm-up) and extrapolating to 1e6 / (64 * 100) steps.

Usage: ``python benchmarks/bench_train_loop.py [--steps 10] [--repeats 5] [--device cpu|cuda|auto] [--char-epoch]``
"""

from __future__ import annotations

import argparse

import numpy as np
import torch

import rnnkit  # also sets Keras's environment (rnnkit._keras_env)
from rnnkit.bench import loop_overhead_rows
from rnnkit.train import fit_torch


def overhead(steps: int, repeats: int, device: str) -> None:
    device = rnnkit.setup(0, device=device).device if device == "auto" else device
    rnnkit.setup(0, device=device)
    rows = loop_overhead_rows(steps, repeats, device)
    print(f"torch {torch.__version__} on {device}, {torch.get_num_threads()} threads; {steps} steps of "
          f"batch 64 x time 50; median of {repeats} repeats")  # fmt: skip
    for row in rows:
        print(
            f"{row['loop']:<26} {row['samples/s']:9.1f} samples/s   ratio to bare {row['ratio to bare']:5.3f}"
        )


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
