"""An LTI state-space layer on one CPU thread: the loop against its parallel forms. (A script.)

Times the S4D-style layer of ``rnnkit.models.ssm`` (real diagonal ``A``, batch 8,
32 channels, state 16, float32) computed step by step (``"loop"``), as an FFT
convolution with the kernel built by one ``exp`` per entry (``"fft, vandermonde
kernel"``) or by block powers (``"fft, block kernel"``), and in Mamba-2's chunked form
(``"chunked"``), forward (no grad) and forward+backward (to the layer's parameters).
The forms take turns after a warm-up round (``rnnkit.bench.interleaved_timings``); a
sweep reports medians, and ``--sweeps`` repeats the whole sweep so the spread between
sweeps shows how much the machine's load moved the ratios::

    python benchmarks/bench_lti.py --sweeps 3 --json benchmarks/results/lti_cpu.json

The committed ``benchmarks/results/lti_cpu.json`` pools two such runs (six sweeps);
its ``note`` says when and under what load.
"""

from __future__ import annotations

import argparse
import json
import statistics

FORMS = {  # name: (LTIConfig changes, forward mode)
    "loop": ({}, "loop"),
    "fft, vandermonde kernel": ({"kernel": "vandermonde"}, "fft"),
    "fft, block kernel": ({"kernel": "blocks"}, "fft"),
    "chunked": ({}, "chunked"),
}


def sweep(lengths: list[int], batch: int, repeats: int, chunk: int) -> list[dict]:
    """One sweep: a row per (T, pass) with each form's median ms and ``loop / form``."""
    import torch

    from rnnkit.bench import interleaved_timings
    from rnnkit.models.ssm import DiagonalLTI, LTIConfig

    rows = []
    for T in lengths:
        x = torch.randn(batch, T, 32, generator=torch.Generator().manual_seed(T))  # (B, T, H)
        layers = {}
        for name, (changes, mode) in FORMS.items():
            torch.manual_seed(0)  # the same parameters in every form
            layers[name] = (DiagonalLTI(LTIConfig(chunk=chunk, **changes)), mode)
        passes = {
            "forward": {n: _forward(layer, mode, x) for n, (layer, mode) in layers.items()},
            "forward+backward": {n: _step(layer, mode, x) for n, (layer, mode) in layers.items()},
        }
        for pass_, fns in passes.items():
            times = interleaved_timings(fns, repeats)
            ms = {n: statistics.median(ts) * 1e3 for n, ts in times.items()}
            row = {"T": T, "pass": pass_, **{f"{n} ms": v for n, v in ms.items()}}
            row.update({f"loop / {n}": ms["loop"] / v for n, v in ms.items() if n != "loop"})
            rows.append(row)
    return rows


def _forward(layer, mode, x):
    import torch

    def run():
        with torch.no_grad():
            layer(x, mode)

    return run


def _step(layer, mode, x):
    return lambda: layer(x, mode).sum().backward()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lengths", type=int, nargs="+", default=[1024, 4096, 16384])
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--chunk", type=int, default=64)
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
        f"32 channels, state 16, chunk {args.chunk}, float32; medians of {args.repeats} "
        f"interleaved repeats; loop / form over {args.sweeps} sweeps: median [min, max]"
    )
    ratios = [k for k in sweeps[0][0] if k.startswith("loop / ")]
    print("| T | pass | loop ms | " + " | ".join(ratios) + " |")
    print("|---" * (3 + len(ratios)) + "|")
    for i, row in enumerate(sweeps[0]):
        loop = statistics.median(s[i]["loop ms"] for s in sweeps)
        cells = []
        for key in ratios:
            values = [s[i][key] for s in sweeps]
            cells.append(f"{statistics.median(values):.1f} [{min(values):.1f}, {max(values):.1f}]")
        print(f"| {row['T']} | {row['pass']} | {loop:.0f} | " + " | ".join(cells) + " |")
    if args.json:
        settings = {k: v for k, v in vars(args).items() if k != "json"}  # note included
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump({"machine": {**settings, **hardware}, "sweeps": sweeps}, f, indent=1)


if __name__ == "__main__":
    main()
