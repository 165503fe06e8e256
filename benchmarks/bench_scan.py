"""minGRU on parallel hardware: the log-space scan against the loop over time. (A script.)

Times one training step (forward, ``mean(h**2)``, backward) of a minGRU layer
(Feng et al. 2024) computed by its loop over time (``mode="sequential"``) and by the
log-space parallel scan (``mode="scan"``), with a cuDNN/fused ``torch.nn.GRU`` of the
same width beside them for scale. The three take turns (A, B, C, A, B, C, ...) after a
warm-up round, and the medians are reported (``rnnkit.bench.training_step_rows``).

On a CPU thread the scan loses to the loop (chapter 12); this script is for a GPU,
where the scan's batch x time x hidden independent operations can run at once::

    python benchmarks/bench_scan.py --device cuda --lengths 512 4096 --json scan.json
"""

from __future__ import annotations

import argparse
import json

from rnnkit.bench import training_step_rows


def step_forms(features: int, hidden: int, device: str) -> dict:
    """The three forms, as functions of ``x`` of shape ``(B, T, features)``."""
    import torch

    from rnnkit.models.minrnn import MinGRU

    torch.manual_seed(0)
    mingru = MinGRU(features, hidden).to(device)
    gru = torch.nn.GRU(features, hidden, batch_first=True).to(device)
    return {
        "minGRU loop": lambda x: mingru(x, mode="sequential")[0],
        "minGRU scan": lambda x: mingru(x, mode="scan")[0],
        "nn.GRU": lambda x: gru(x)[0],
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
    name = torch.cuda.get_device_name() if device == "cuda" else "CPU"
    forms = step_forms(args.features, args.hidden, device)
    rows = training_step_rows(
        forms, tuple(args.lengths), args.batch, args.features, args.repeats, device
    )
    for row in rows:
        row["loop / scan"] = row["minGRU loop ms"] / row["minGRU scan ms"]

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
