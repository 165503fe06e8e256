"""How much training does chapter 07's LSTM need to beat the n-gram baseline?

Chapter 07 trains on the first 100 000 characters of the Python help pages for 9
epochs, and no network gets clearly ahead of the best Kneser-Ney n-gram. This script
asks what a larger budget buys: it cuts ``--chars`` characters (the whole corpus by
default, about 465 000 on CPython 3.11), fits the n-gram baseline of chapter 07 (orders
1 to 8, best on validation), then trains an LSTM language model
(``rnnkit.models.charlm.torch_char_lm``, with ``--dropout`` and, unless ``--no-tie``,
the read-out tied to the embedding) with truncated BPTT, one epoch at a time, and after
every epoch prints the training seconds so far, the updates, the validation and test
bits per character and the gap to the best n-gram on test. It stops after the first
epoch that ends past ``--seconds`` of training (the epochs' wall time, their validation
pass included, the test evaluation not) or whose test
bpc is below the n-gram's.

The curve, the settings, the machine and its load (``os.getloadavg``, before and after)
are written to ``--out`` (JSON) after every epoch, so an interrupted run keeps what it
measured.

Usage: ``python benchmarks/charlm_budget.py [--chars N] [--hidden 256] [--seconds 600]
[--dropout 0.25] [--no-tie] [--batch 64] [--time 64] [--lr 3e-3] [--threads 1]
[--out benchmarks/results/charlm_budget.json]``
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import sys
import time
from pathlib import Path

import torch

import rnnkit
from rnnkit.data.chars import bptt_windows, load_python_docs, ngram_baseline
from rnnkit.models.charlm import bits_per_char_torch, torch_char_lm
from rnnkit.train import FitConfig, fit_torch

RESULTS = Path(__file__).parent / "results" / "charlm_budget.json"


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chars", type=int, default=None, help="keep this many characters")
    parser.add_argument("--hidden", type=int, default=256, help="LSTM units (and embedding size)")
    parser.add_argument("--seconds", type=float, default=600.0, help="training time budget")
    parser.add_argument("--dropout", type=float, default=0.25, help="on embeddings and read-out")
    parser.add_argument("--no-tie", action="store_true", help="separate read-out matrix")
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--time", type=int, default=64, help="window length (TBPTT)")
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", type=Path, default=RESULTS, help="JSON log of the curve")
    return parser.parse_args()


def machine() -> dict:
    """What the numbers were measured on: CPU model, cores, load, library versions."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if "model name" in line)
    except (OSError, StopIteration):
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "torch": torch.__version__,
        "load_before (1, 5, 15 min)": [round(x, 2) for x in os.getloadavg()],
    }


def main() -> None:
    args = arguments()
    setup = rnnkit.setup(7, threads=args.threads)
    corpus = load_python_docs(args.chars)
    log = {"corpus": str(corpus), "device": str(setup.device), "machine": machine()}
    log["command"] = " ".join(["python", *sys.argv])
    log["settings"] = {k: v for k, v in vars(args).items() if k != "out"}
    began = time.perf_counter()
    ngram = ngram_baseline(corpus)
    log["ngram"] = {
        "order": ngram.order,
        "val_bpc": ngram.val_bpc[ngram.order],
        "test_bpc": ngram.test_bpc,
        "seconds": time.perf_counter() - began,
    }
    print(f"{corpus}; device {setup.device}, {args.threads} thread(s)")
    print(f"{ngram} ({log['ngram']['seconds']:.1f} s)")

    def windows(ids):
        x, y = bptt_windows(ids, args.batch, args.time)  # (K, B, T)
        return x.reshape(-1, args.time), y.reshape(-1, args.time)  # (K*B, T)

    train, val = windows(corpus.train), windows(corpus.val)
    size = args.hidden  # tying needs embed == hidden; keep them equal either way
    model = torch_char_lm(
        len(corpus.vocab), size, size, "lstm", dropout=args.dropout, tie=not args.no_tie
    )
    print(
        f"{'epoch':>5} {'seconds':>8} {'updates':>8} {'val bpc':>8} {'test bpc':>9} {'vs n-gram':>10}"
    )
    train_until_budget(model, (train, val), corpus, ngram.test_bpc, args, log)


def train_until_budget(model, data, corpus, ngram_bpc: float, args, log: dict) -> None:
    """Train epoch by epoch; after each, log and print the curve; stop past the budget
    or below the n-gram's test bpc."""
    train, val = data
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    config = FitConfig(
        lr=args.lr, batch_size=args.batch, clip_norm=1.0, tbptt=True, progress=False,
        device=log["device"],
    )  # fmt: skip
    per_epoch = len(train[0]) // args.batch
    history, trained, log["curve"] = None, 0.0, []
    while True:
        epoch = len(log["curve"]) + 1
        history = fit_torch(
            model, train, val, optimizer=optimizer, history=history, metrics=(),
            config=config, epochs=epoch,
        )  # fmt: skip
        trained += history["seconds"][-1]
        row = {
            "epoch": epoch,
            "seconds": round(trained, 1),
            "updates": epoch * per_epoch,
            "val_bpc": history["val_loss"][-1] / math.log(2),  # nats to bits
            "test_bpc": bits_per_char_torch(model, corpus.test, context=corpus.val),
        }
        log["curve"].append(row)
        log["machine"]["load_after (1, 5, 15 min)"] = [round(x, 2) for x in os.getloadavg()]
        log["below_ngram_at"] = next((r for r in log["curve"] if r["test_bpc"] < ngram_bpc), None)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(log, indent=1) + "\n")
        print(
            f"{epoch:>5} {trained:>8.0f} {row['updates']:>8} {row['val_bpc']:>8.3f} "
            f"{row['test_bpc']:>9.3f} {row['test_bpc'] / ngram_bpc - 1:>+10.1%}"
        )
        if row["test_bpc"] < ngram_bpc or trained >= args.seconds:
            return


if __name__ == "__main__":
    main()
