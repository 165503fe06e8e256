"""A selective state-space layer on one CPU thread: its chunked form against its loop. (A script.)

Times one training step (forward, a scalar loss, backward to the parameters) of
``rnnkit.models.selective.SelectiveSSM`` (batch 8, 32 channels in 4 heads, state 16,
float32) computed step by step (``"loop"``) and in Mamba-2's chunked form
(``"chunked"``, chunk 32). The two take turns after a warm-up round
(``rnnkit.bench.interleaved_timings``); a sweep reports medians, ``--sweeps`` repeats
it so that the spread between sweeps shows how much the machine's load moved them::

    python benchmarks/bench_selective.py --json benchmarks/results/selective_cpu.json
"""

from __future__ import annotations

import argparse
import json
import statistics


def sweep(lengths: list[int], batch: int, repeats: int, chunk: int) -> list[dict]:
    """One sweep: a row per T with each form's median ms and ``loop / chunked``."""
    import torch

    from rnnkit.bench import interleaved_timings
    from rnnkit.models.selective import SelectiveConfig, SelectiveSSM

    torch.manual_seed(0)
    layer = SelectiveSSM(SelectiveConfig(chunk=chunk))
    rows = []
    for T in lengths:
        x = torch.randn(batch, T, 32, generator=torch.Generator().manual_seed(T))  # (B, T, H)
        steps = {
            mode: (lambda mode=mode, x=x: layer(x, mode).sum().backward())
            for mode in ("loop", "chunked")
        }
        ms = {
            n: statistics.median(ts) * 1e3 for n, ts in interleaved_timings(steps, repeats).items()
        }
        rows.append({"T": T, "loop ms": ms["loop"], "chunked ms": ms["chunked"],
                     "loop / chunked": ms["loop"] / ms["chunked"]})  # fmt: skip
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lengths", type=int, nargs="+", default=[1024, 4096])
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--chunk", type=int, default=32)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--sweeps", type=int, default=3)
    parser.add_argument("--json", help="also write the sweeps and the machine to this file")
    parser.add_argument("--note", default="", help="how the machine was loaded, for the JSON")
    args = parser.parse_args()

    import torch

    from rnnkit.bench import machine

    torch.set_num_threads(1)
    sweeps = [sweep(args.lengths, args.batch, args.repeats, args.chunk) for _ in range(args.sweeps)]
    hardware = machine()
    print(
        f"{hardware['processor']}, 1 torch thread, torch {torch.__version__}; batch {args.batch}, "
        f"32 channels, 4 heads, state 16, chunk {args.chunk}, float32; one training step, "
        f"medians of {args.repeats} interleaved repeats; over {args.sweeps} sweeps: median [min, max]"
    )
    print("| T | loop ms | chunked ms | loop / chunked |")
    print("|---|---|---|---|")
    for i, row in enumerate(sweeps[0]):
        cells = []
        for key in ("loop ms", "chunked ms", "loop / chunked"):
            values = [s[i][key] for s in sweeps]
            cells.append(f"{statistics.median(values):.1f} [{min(values):.1f}, {max(values):.1f}]")
        print(f"| {row['T']} | " + " | ".join(cells) + " |")
    if args.json:
        settings = {k: v for k, v in vars(args).items() if k != "json"}  # note included
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump({"machine": {**settings, **hardware}, "sweeps": sweeps}, f, indent=1)


if __name__ == "__main__":
    main()
