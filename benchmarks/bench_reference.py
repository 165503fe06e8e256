"""How fast is the NumPy reference LSTM next to PyTorch? (A script, not a test.)

A command-line front end to :func:`rnnkit.bench.lstm_kernel_rows`, which times one LSTM
three ways on the same weights: the NumPy reference ``rnnkit.reference.lstm_forward``
(one ``lstm_cell`` per step), ``torch.nn.LSTM`` (the whole sequence in one call, fused
kernels) and a Python loop over ``torch.nn.LSTMCell`` (one call per time step); forward,
and forward+backward for the two torch ones.

Prints the median and the best of several repeats (after one warm-up), and each
method's median as a multiple of ``nn.LSTM``'s. On a shared machine the torch
timings swing with the load; the best time varies less. Runs in a few seconds on
two CPU cores::

    python benchmarks/bench_reference.py            # batch 32, time 100, features 32, hidden 128
    python benchmarks/bench_reference.py --repeats 3 --device cpu --forward-only
"""

from __future__ import annotations

import argparse

import numpy as np

from rnnkit.bench import LSTMSizes, lstm_kernel_rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    parser.add_argument("--forward-only", action="store_true", help="skip forward+backward")
    args = parser.parse_args()

    import torch

    # Not rnnkit.setup(): it also imports TensorFlow, whose thread pools compete with
    # torch's for the same cores and make the torch timings slower and noisier.
    torch.manual_seed(0)
    device = args.device
    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    elif device == "cuda" and not torch.cuda.is_available():
        parser.error("--device cuda was asked for, but torch sees no CUDA GPU")
    sizes = LSTMSizes()
    rows = lstm_kernel_rows(sizes, args.repeats, device, backward=not args.forward_only)

    print(
        f"LSTM, float32, batch {sizes.batch}, time {sizes.time}, features {sizes.features}, "
        f"hidden {sizes.hidden}; median of {args.repeats} repeats; torch {torch.__version__} "
        f"with {torch.get_num_threads()} CPU threads, numpy {np.__version__}"
    )
    width = max(len(row["method"]) for row in rows)
    print(f"{'method':<{width}}  {'pass':<16}  {'median ms':>9}  {'best ms':>7}  {'x nn.LSTM':>9}")
    for row in rows:
        print(
            f"{row['method']:<{width}}  {row['pass']:<16}  {row['median_ms']:9.2f}  "
            f"{row['best_ms']:7.2f}  {row['x_nn_lstm']:9.2f}"
        )


if __name__ == "__main__":
    main()
