"""Chapter 16's training runs over several seeds: four mixers, two copying tasks. (A script.)

Trains the model of ``rnnkit.models.copying`` with each mixer (LSTM, S4D, selective SSM,
minGRU) on copying and on selective copying at context length ``--length``, with the
chapter's settings (``FIT`` below), one seed after another, and evaluates each at 1, 2
and 4 times that length; writes the JSON after every run, so a cut-short sweep keeps
the runs it finished::

    python benchmarks/copying_sweep.py --seeds 0 1 2 3 4 --json benchmarks/results/copying_cpu.json
"""

from __future__ import annotations

import argparse
import json
import time

LENGTH, TOKENS, VOCAB_SIZE = 32, 4, 10  # the chapter's task: 4 of 8 symbols among 32 steps
TASKS = ("selective copying", "copying")  # the one that separates the mixers first


def run(cell: str, task: str, seed: int, epochs: int, length: int) -> dict:
    """Train one model from ``seed`` and return its accuracies at ``length`` x 1, 2, 4."""
    import torch

    import rnnkit
    from rnnkit.data.copying import copying, selective_copying
    from rnnkit.models import count_parameters
    from rnnkit.models.copying import answer_accuracy, torch_copying
    from rnnkit.train import FitConfig, fit_torch

    make = copying if task == "copying" else selective_copying
    rnnkit.setup(seed=seed)
    train = make(8192, length, TOKENS, VOCAB_SIZE, seed=seed)
    model = torch_copying(cell, vocab_size=VOCAB_SIZE, answers=TOKENS)
    fit = FitConfig(epochs=epochs, lr=3e-3, batch_size=64)
    start = time.process_time()
    history = fit_torch(model, (torch.as_tensor(train.x), torch.as_tensor(train.y)), config=fit)
    cpu = time.process_time() - start
    row = {"cell": cell, "task": task, "seed": seed, "params": count_parameters(model),
           "cpu_s": cpu, "loss": history["loss"][-1]}  # fmt: skip
    for factor in (1, 2, 4):
        extra = {"lag": length} if task == "copying" else {}
        test = make(2048, factor * length, TOKENS, VOCAB_SIZE, seed=10_000 + seed, **extra)
        row[f"acc x{factor}"] = answer_accuracy(model, test.x, test.y)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--epochs", type=int, default=12)
    parser.add_argument("--length", type=int, default=LENGTH)
    parser.add_argument("--tasks", nargs="+", default=list(TASKS), choices=TASKS)
    parser.add_argument("--json", help="write the runs and the machine to this file")
    parser.add_argument("--note", default="", help="how the machine was loaded, for the JSON")
    args = parser.parse_args()

    from rnnkit.bench import machine
    from rnnkit.models.copying import MIXERS

    rows = []
    for seed in args.seeds:
        for task in args.tasks:
            for cell in MIXERS:
                rows.append(run(cell, task, seed, args.epochs, args.length))
                r = rows[-1]
                print(f"seed {seed} {task:17s} {cell:9s} {r['cpu_s']:5.0f} CPU s  "
                      f"x1 {r['acc x1']:.3f}  x2 {r['acc x2']:.3f}  x4 {r['acc x4']:.3f}", flush=True)  # fmt: skip
                if args.json:
                    settings = {k: v for k, v in vars(args).items() if k != "json"}
                    with open(args.json, "w", encoding="utf-8") as f:
                        json.dump({"machine": {**settings, **machine()}, "runs": rows}, f, indent=1)


if __name__ == "__main__":
    main()
