"""How fast is the NumPy reference LSTM next to PyTorch? (A script, not a test.)

Times one forward pass over a whole sequence, three ways, on the same weights:

* ``rnnkit.reference.lstm_forward``: the NumPy reference, one ``lstm_cell`` per step;
* ``torch.nn.LSTM``: the whole sequence in one call (fused kernels);
* a Python loop over ``torch.nn.LSTMCell``: one call per time step.

Prints the median and the best of several repeats (after one warm-up), and each
method's median as a multiple of ``nn.LSTM``'s. On a shared machine the torch
timings swing with the load; the best time varies less. Runs in a few seconds on
two CPU cores::

    python benchmarks/bench_reference.py            # batch 32, time 100, features 32, hidden 128
    python benchmarks/bench_reference.py --repeats 3 --device cpu
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from rnnkit.convert import params_to_torch
from rnnkit.reference import init_params, lstm_forward


@dataclass(frozen=True)
class Sizes:
    batch: int = 32
    time: int = 100
    features: int = 32
    hidden: int = 128


def timings(fn: Callable[[], object], repeats: int, sync: Callable[[], None]) -> list[float]:
    """Seconds per call, ``repeats`` times after one warm-up call."""
    fn()  # warm-up: first-call allocations and kernel selection
    sync()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        sync()
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
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
    sizes = Sizes()
    params = init_params("lstm", sizes.features, sizes.hidden, rng=0, dtype=np.float32)
    x = np.random.default_rng(1).standard_normal((sizes.batch, sizes.time, sizes.features))
    x = x.astype(np.float32)  # (B, T, F)

    lstm = params_to_torch(params, torch.nn.LSTM(sizes.features, sizes.hidden, batch_first=True))
    cell = torch.nn.LSTMCell(sizes.features, sizes.hidden)
    with torch.no_grad():  # the same weights; LSTMCell uses nn.LSTM's layout (i, f, g, o)
        for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            getattr(cell, name).copy_(getattr(lstm, f"{name}_l0"))
    lstm, cell = lstm.to(device), cell.to(device)
    tx = torch.from_numpy(x).to(device)

    def torch_cell_loop() -> torch.Tensor:
        h = c = torch.zeros(sizes.batch, sizes.hidden, device=device)
        outputs = []
        for t in range(sizes.time):
            h, c = cell(tx[:, t], (h, c))
            outputs.append(h)
        return torch.stack(outputs, dim=1)  # (B, T, H)

    # The three agree before we time them.
    with torch.no_grad():
        reference = lstm_forward(x, params)[0]
        for other in (lstm(tx)[0], torch_cell_loop()):
            gap = float(np.abs(other.cpu().numpy() - reference).max())
            assert gap < 1e-4, f"outputs differ by {gap:.2e}"

    sync = torch.cuda.synchronize if device == "cuda" else (lambda: None)
    with torch.no_grad():
        rows = [
            (
                "NumPy reference lstm_forward",
                timings(lambda: lstm_forward(x, params), args.repeats, lambda: None),
            ),
            (f"torch nn.LSTM ({device})", timings(lambda: lstm(tx), args.repeats, sync)),
            (
                f"torch nn.LSTMCell loop ({device})",
                timings(torch_cell_loop, args.repeats, sync),
            ),
        ]

    print(
        f"LSTM forward, float32, batch {sizes.batch}, time {sizes.time}, features "
        f"{sizes.features}, hidden {sizes.hidden}; median of {args.repeats} repeats; "
        f"torch {torch.__version__} with {torch.get_num_threads()} CPU threads, numpy {np.__version__}"
    )
    # The best time is shown too: on a shared machine it varies less than the median.
    baseline = statistics.median(rows[1][1])
    width = max(len(name) for name, _ in rows)
    print(f"{'method':<{width}}  {'median ms':>9}  {'best ms':>7}  {'x nn.LSTM':>9}")
    for name, times in rows:
        median = statistics.median(times)
        print(
            f"{name:<{width}}  {median * 1e3:9.2f}  {min(times) * 1e3:7.2f}  {median / baseline:9.2f}"
        )


if __name__ == "__main__":
    main()
