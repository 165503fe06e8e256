"""minGRU on parallel hardware: the log-space scan against the loop over time. (A script.)

Times one training step (forward, ``mean(h**2)``, backward) of a minGRU layer
(Feng et al. 2024) computed by its loop over time (``mode="sequential"``) and by the
log-space parallel scan (``mode="scan"``), with a cuDNN/fused ``torch.nn.GRU`` of the
same width beside them for scale. The three take turns (A, B, C, A, B, C, ...) after a
warm-up round, and the medians are reported (``rnnkit.bench.interleaved_timings``).

On a CPU thread the scan loses to the loop (chapter 12); this script is for a GPU,
where the scan's batch x time x hidden independent operations can run at once::

    python benchmarks/bench_scan.py --device cuda --lengths 512 4096 --json scan.json
"""

from __future__ import annotations

import argparse
import json
import statistics

from rnnkit.bench import interleaved_timings


def step_forms(batch: int, length: int, features: int, hidden: int, device: str) -> dict:
    """One training step of each form, as callables taking no arguments."""
    import torch

    from rnnkit.models.minrnn import MinGRU

    torch.manual_seed(0)
    mingru = MinGRU(features, hidden).to(device)
    gru = torch.nn.GRU(features, hidden, batch_first=True).to(device)
    x = torch.randn(batch, length, features, device=device)  # (B, T, F)

    def train_step(model, run):
        def step() -> None:
            model.zero_grad()
            run(x).pow(2).mean().backward()

        return step

    return {
        "minGRU loop": train_step(mingru, lambda v: mingru(v, mode="sequential")[0]),
        "minGRU scan": train_step(mingru, lambda v: mingru(v, mode="scan")[0]),
        "nn.GRU": train_step(gru, lambda v: gru(v)[0]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lengths", type=int, nargs="+", default=[512, 4096])
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--features", type=int, default=64)
    parser.add_argument("--hidden", type=int, default=128)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    parser.add_argument("--json", help="also write the rows and the machine to this file")
    args = parser.parse_args()

    import torch

    device = args.device
    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    elif device == "cuda" and not torch.cuda.is_available():
        parser.error("--device cuda was asked for, but torch sees no CUDA GPU")
    sync = torch.cuda.synchronize if device == "cuda" else None
    name = torch.cuda.get_device_name() if device == "cuda" else "CPU"

    rows = []
    for length in args.lengths:
        forms = step_forms(args.batch, length, args.features, args.hidden, device)
        times = interleaved_timings(forms, args.repeats, sync)
        row = {"T": length, **{f"{k} ms": statistics.median(v) * 1e3 for k, v in times.items()}}
        row["loop / scan"] = row["minGRU loop ms"] / row["minGRU scan ms"]
        rows.append(row)

    print(
        f"{name}, torch {torch.__version__}; minGRU and nn.GRU, batch {args.batch}, "
        f"{args.features} features, {args.hidden} units, float32; one training step, "
        f"median of {args.repeats} interleaved repeats"
    )
    print(
        "| T | minGRU loop ms | minGRU scan ms | nn.GRU ms | loop / scan |\n|---|---|---|---|---|"
    )
    for r in rows:
        print(
            f"| {r['T']} | {r['minGRU loop ms']:.2f} | {r['minGRU scan ms']:.2f} | "
            f"{r['nn.GRU ms']:.2f} | {r['loop / scan']:.1f} |"
        )
    if args.json:
        settings = {k: v for k, v in vars(args).items() if k != "json"}
        machine = {**settings, "hardware": name, "torch": torch.__version__}
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump({"machine": machine, "rows": rows}, f, indent=1)


if __name__ == "__main__":
    main()
