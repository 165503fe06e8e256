"""How much training does chapter 07's LSTM need to beat the n-gram baseline?

Chapter 07 trains on the first 100 000 characters of the Python help pages for 9
epochs, and no network gets clearly ahead of the best Kneser-Ney n-gram. This script
asks what a larger budget buys: it cuts ``--chars`` characters (the whole corpus by default, about 465 000
on CPython 3.11), fits the n-gram baseline of chapter 07 (orders 1 to 8, best on
validation), then trains an LSTM language model (``rnnkit.models.charlm.torch_char_lm``) with
truncated BPTT until ``--seconds`` of training have passed, and prints the validation and
test bits per character after every epoch next to the n-gram's, and the level 10 % below
the best n-gram on test.

Usage: ``python benchmarks/charlm_budget.py [--chars N] [--hidden 256] [--seconds 150]
[--batch 64] [--time 64] [--lr 3e-3] [--threads 1]``
"""

from __future__ import annotations

import argparse
import math
import time

import torch

import rnnkit
from rnnkit.data.chars import bptt_windows, load_python_docs, ngram_baseline
from rnnkit.models.charlm import bits_per_char_torch, torch_char_lm
from rnnkit.train import fit_torch


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chars", type=int, default=None, help="keep this many characters")
    parser.add_argument("--hidden", type=int, default=256)
    parser.add_argument("--seconds", type=float, default=150.0, help="training time budget")
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--time", type=int, default=64, help="window length (TBPTT)")
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()

    setup = rnnkit.setup(7, threads=args.threads)
    corpus = load_python_docs(args.chars)
    began = time.perf_counter()
    ngram = ngram_baseline(corpus)
    ten_below = 0.9 * ngram.test_bpc
    print(f"{corpus}; device {setup.device}, {args.threads} thread(s)")
    print(
        f"Kneser-Ney {ngram.order}-gram: validation {ngram.val_bpc[ngram.order]:.3f} bpc, "
        f"test {ngram.test_bpc:.3f} bpc ({time.perf_counter() - began:.1f} s); 10 % below it: {ten_below:.3f}"
    )

    def windows(ids):
        x, y = bptt_windows(ids, args.batch, args.time)  # (K, B, T)
        return x.reshape(-1, args.time), y.reshape(-1, args.time)

    train, val = windows(corpus.train), windows(corpus.val)
    model = torch_char_lm(len(corpus.vocab), embed=32, hidden=args.hidden, cell="lstm")
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    history, trained, epoch = None, 0.0, 0
    print(f"{'epoch':>5} {'seconds':>8} {'val bpc':>8} {'test bpc':>9} {'vs n-gram':>10}")
    while trained < args.seconds:
        epoch += 1
        history = fit_torch(
            model, train, val, epochs=epoch, optimizer=optimizer, history=history,
            batch_size=args.batch, clip_norm=1.0, tbptt=True, metrics=(), progress=False,
            device=setup.device,
        )  # fmt: skip
        trained += history["seconds"][-1]
        test = bits_per_char_torch(model, corpus.test, context=corpus.val)
        val_bpc = history["val_loss"][-1] / math.log(2)  # nats to bits
        print(
            f"{epoch:>5} {trained:>8.0f} {val_bpc:>8.3f} {test:>9.3f} "
            f"{test / ngram.test_bpc - 1:>+10.1%}"
        )


if __name__ == "__main__":
    main()
