"""Small, honest timings: the median of repeated calls, and the LSTM kernel comparison.

:func:`time_call` is the one timing rule the book uses: one warm-up call (first-call
allocations, kernel selection), then ``repeats`` timed calls, each followed by ``sync``
(``torch.cuda.synchronize`` on a GPU, where calls return before the work is done), and
the median, which a single slow repeat on a shared machine does not move.

:func:`lstm_kernel_rows` times one LSTM three ways on the same weights: the NumPy
reference (:func:`rnnkit.reference.lstm_forward`), ``torch.nn.LSTM`` (the whole sequence
in one call, fused kernels) and a Python loop over ``torch.nn.LSTMCell`` (one call per
step). ``benchmarks/bench_reference.py`` is a command-line front end to it.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rnnkit.validation import require_choice, require_int


@dataclass(frozen=True)
class LSTMSizes:
    """Sizes of the LSTM benchmark: ``x`` is ``(batch, time, features)`` float32."""

    batch: int = 32
    time: int = 100
    features: int = 32
    hidden: int = 128

    def __post_init__(self) -> None:
        for name in ("batch", "time", "features", "hidden"):
            require_int(getattr(self, name), f"LSTMSizes.{name}", minimum=1)


def interleaved_timings(
    fns: dict[str, Callable[[], object]], repeats: int, sync: Callable[[], None] | None = None
) -> dict[str, list[float]]:
    """Seconds per call of each function in ``fns``, measured round-robin.

    One untimed warm-up round (first-call allocations, kernel selection), then
    ``repeats`` rounds that call every function once in turn (A, B, C, A, B, C, ...),
    so that a change in the machine's load falls on all of them alike. ``sync`` runs
    after each call, inside the timed span (pass ``torch.cuda.synchronize`` on a GPU).
    Raises ``ValueError`` if ``repeats < 1`` and ``TypeError`` if a value of ``fns``
    is not callable.
    """
    repeats = require_int(repeats, "repeats", minimum=1)
    for name, fn in fns.items():
        if not callable(fn):
            raise TypeError(
                f"{name!r} must be a callable taking no arguments, got {type(fn).__name__}"
            )
    sync = sync or (lambda: None)
    times: dict[str, list[float]] = {name: [] for name in fns}
    for round_ in range(repeats + 1):  # round 0 warms up and is dropped
        for name, fn in fns.items():
            start = time.perf_counter()
            fn()
            sync()
            if round_:
                times[name].append(time.perf_counter() - start)
    return times


def timings(
    fn: Callable[[], object], repeats: int, sync: Callable[[], None] | None = None
) -> list[float]:
    """Seconds per call of ``fn``, ``repeats`` times, after one untimed warm-up call.

    ``sync`` runs after each call, inside the timed span (pass ``torch.cuda.synchronize``
    on a GPU). Raises ``ValueError`` if ``repeats < 1`` and ``TypeError`` if ``fn`` is
    not callable.
    """
    if not callable(fn):
        raise TypeError(f"fn must be a callable taking no arguments, got {type(fn).__name__}")
    return interleaved_timings({"fn": fn}, repeats, sync)["fn"]


def time_call(
    fn: Callable[[], object], repeats: int, sync: Callable[[], None] | None = None
) -> float:
    """Median seconds per call of ``fn`` over ``repeats`` calls after one warm-up (see :func:`timings`)."""
    return statistics.median(timings(fn, repeats, sync))


def allocated_mib(fn: Callable[[], object], device: str = "cpu") -> float:
    """Memory that one call of ``fn`` allocates on ``device``, in MiB, summed over allocations.

    Counted with ``torch.profiler`` (``profile_memory=True``): every allocation made
    while ``fn`` runs, forward and backward, adds its size; freeing subtracts nothing.
    Unlike a time, the count does not depend on the machine or its load: the same code
    on the same shapes allocates the same bytes.
    """
    from torch.profiler import ProfilerActivity, profile

    if not callable(fn):
        raise TypeError(f"fn must be a callable taking no arguments, got {type(fn).__name__}")
    device = require_choice(device, "device", ("cpu", "cuda"))
    activities = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if device == "cuda" else [])
    usage = "cpu_memory_usage" if device == "cpu" else "device_memory_usage"
    with profile(activities=activities, profile_memory=True) as prof:
        fn()
    return sum(max(getattr(e, usage), 0) for e in prof.events()) / 2**20


def lstm_kernel_rows(
    sizes: LSTMSizes | None = None,
    repeats: int = 5,
    device: str = "cpu",
    backward: bool = True,
) -> list[dict]:
    """Time one LSTM as the NumPy reference, ``nn.LSTM`` and an ``nn.LSTMCell`` loop.

    All three use the same float32 weights (from :func:`rnnkit.reference.init_params`)
    and are checked to agree (max output gap below 1e-4) before anything is timed.
    Returns one dict per measurement with keys ``method``, ``pass`` (``"forward"`` or
    ``"forward+backward"``), ``median_ms``, ``best_ms`` and ``x_nn_lstm`` (the median
    as a multiple of ``nn.LSTM``'s for the same pass). Forward passes run under
    ``torch.no_grad()``; ``backward=True`` adds forward+backward of ``sum(outputs)`` for
    the two torch methods (the reference has no autograd). ``device`` is ``"cpu"`` or
    ``"cuda"``; the NumPy reference always runs on the CPU.
    """
    import torch

    sizes = sizes or LSTMSizes()
    if not isinstance(sizes, LSTMSizes):
        raise TypeError(f"sizes must be an LSTMSizes, got {type(sizes).__name__}")
    repeats = require_int(repeats, "repeats", minimum=1)
    device = require_choice(device, "device", ("cpu", "cuda"))
    if device == "cuda" and not torch.cuda.is_available():
        raise ValueError("device 'cuda' was asked for, but torch sees no CUDA GPU")

    reference, torch_methods = _lstm_three_ways(sizes, device)
    _require_agreement(reference, torch_methods)
    sync = torch.cuda.synchronize if device == "cuda" else None
    with torch.no_grad():
        forward = interleaved_timings({**reference, **torch_methods}, repeats, sync)
    measured = [(name, "forward", times) for name, times in forward.items()]
    if backward:
        both = interleaved_timings(
            {name: (lambda fn=fn: fn().sum().backward()) for name, fn in torch_methods.items()},
            repeats,
            sync,
        )
        measured += [(name, "forward+backward", times) for name, times in both.items()]
    return _rows_against_nn_lstm(measured)


def _lstm_three_ways(sizes: LSTMSizes, device: str) -> tuple[dict, dict]:
    """One LSTM on the same float32 weights: ``({name: NumPy reference}, {name: nn.LSTM,
    name: LSTMCell loop})``; each callable returns the outputs ``(B, T, H)``."""
    import torch

    from rnnkit.convert import params_to_torch
    from rnnkit.reference import init_params, lstm_forward

    B, T, F, H = sizes.batch, sizes.time, sizes.features, sizes.hidden
    params = init_params("lstm", F, H, rng=0, dtype=np.float32)
    x = np.random.default_rng(1).standard_normal((B, T, F)).astype(np.float32)  # (B, T, F)
    lstm = params_to_torch(params, torch.nn.LSTM(F, H, batch_first=True)).to(device)
    cell = torch.nn.LSTMCell(F, H).to(device)
    with torch.no_grad():  # LSTMCell stores its weights in nn.LSTM's layout (i, f, g, o)
        for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            getattr(cell, name).copy_(getattr(lstm, f"{name}_l0"))
    tx = torch.from_numpy(x).to(device)

    def fused() -> torch.Tensor:
        return lstm(tx)[0]  # (B, T, H)

    def cell_loop() -> torch.Tensor:
        h = c = torch.zeros(B, H, device=device)
        outputs = []
        for x_t in tx.unbind(1):  # not tx[:, t], whose backward is O(T) per step
            h, c = cell(x_t, (h, c))
            outputs.append(h)
        return torch.stack(outputs, dim=1)  # (B, T, H)

    reference = {"NumPy lstm_forward (cpu)": lambda: lstm_forward(x, params)[0]}
    return reference, {
        f"torch nn.LSTM ({device})": fused,
        f"torch LSTMCell loop ({device})": cell_loop,
    }


def _require_agreement(reference: dict, torch_methods: dict) -> None:
    """Raise ``RuntimeError`` unless every torch method's outputs are within 1e-4 of the
    reference's: the methods must agree before they are timed."""
    import torch

    (reference_fn,) = reference.values()
    with torch.no_grad():
        expected = reference_fn()
        for fn in torch_methods.values():
            gap = float(np.abs(fn().cpu().numpy() - expected).max())
            if gap > 1e-4:
                raise RuntimeError(f"LSTM implementations disagree by {gap:.2e} before timing")


def _rows_against_nn_lstm(measured: list[tuple[str, str, list[float]]]) -> list[dict]:
    """One row per ``(method, pass, times)``, the median also as a multiple of nn.LSTM's."""
    fused_median = {
        p: statistics.median(t) for name, p, t in measured if name.startswith("torch nn.LSTM")
    }
    return [
        {
            "method": name,
            "pass": pass_,
            "median_ms": statistics.median(times) * 1e3,
            "best_ms": min(times) * 1e3,
            "x_nn_lstm": statistics.median(times) / fused_median[pass_],
        }
        for name, pass_, times in measured
    ]


def scan_speedup_rows(
    lengths: tuple[int, ...] = (64, 128, 256, 512),
    batch: int = 16,
    features: int = 32,
    hidden: int = 64,
    repeats: int = 3,
    device: str = "cpu",
    memory: bool = False,
) -> list[dict]:
    """Training-step time of a minGRU layer: a loop over time against the log-space scan.

    One step is forward, ``mean(h**2)`` and backward, on ``(batch, T, features)``
    float32 input, for each ``T`` in ``lengths``. Three forms of the same layer run:
    ``mode="sequential"`` (a loop that takes step ``t`` with ``unbind``), the same loop
    written with ``a[:, t]`` indexing (whose backward pass grows like ``T**2``), and
    ``mode="scan"``. Returns dicts with keys ``T``, ``loop ms``, ``indexed loop ms``,
    ``scan ms`` and ``speedup`` (loop over scan; medians of interleaved repeats; below 1
    when the scan is slower). ``memory=True`` adds ``loop MiB``, ``indexed loop MiB`` and
    ``scan MiB``: what one step allocates on the device (:func:`allocated_mib`), a count
    that, unlike the times, is the same on every machine.
    """
    import torch

    from rnnkit.models.minrnn import MinGRU

    repeats = require_int(repeats, "repeats", minimum=1)
    device = require_choice(device, "device", ("cpu", "cuda"))
    layer = MinGRU(features, hidden).to(device)
    sync = torch.cuda.synchronize if device == "cuda" else None

    def indexed_loop(x: torch.Tensor) -> torch.Tensor:
        a, b = layer.coefficients(layer.linear(x).chunk(layer.n_maps, dim=-1))  # (B, T, H)
        h, states = torch.zeros_like(a[:, 0]), []
        for t in range(a.shape[1]):
            h = a[:, t] * h + b[:, t]
            states.append(h)
        return torch.stack(states, dim=1)  # (B, T, H)

    forms = {
        "loop": lambda x: layer(x, mode="sequential")[0],
        "indexed loop": indexed_loop,
        "scan": lambda x: layer(x, mode="scan")[0],
    }

    def step(form, x) -> None:
        layer.zero_grad()
        form(x).pow(2).mean().backward()

    rows = []
    for T in lengths:
        x = torch.randn(batch, require_int(T, "length", minimum=1), features, device=device)
        steps = {key: (lambda form=form, x=x: step(form, x)) for key, form in forms.items()}
        times = interleaved_timings(steps, repeats, sync)
        row = {"T": T}
        row.update({f"{key} ms": statistics.median(times[key]) * 1e3 for key in forms})
        if memory:
            row.update({f"{key} MiB": allocated_mib(steps[key], device) for key in forms})
        row["speedup"] = row["loop ms"] / row["scan ms"]
        rows.append(row)
    return rows


def loop_overhead_rows(steps: int = 10, repeats: int = 5, device: str = "cpu") -> list[dict]:
    """Throughput of :func:`~rnnkit.train.torch_fit.fit_torch` against a bare loop.

    The same 1-layer LSTM tagger (32 features, 128 units, 10 classes) trains on the
    same ``steps`` batches of ``(64, 50)`` in four ways: a hand-written loop, and
    ``fit_torch`` without metrics, with the progress bar, and with its default
    accuracy metric. The variants run interleaved, one warm-up round first, so a busy
    machine slows them alike. Returns dicts with ``loop``, ``samples/s`` (median) and
    ``ratio to bare``.
    """
    import torch

    steps = require_int(steps, "steps", minimum=1)
    repeats = require_int(repeats, "repeats", minimum=1)
    device = require_choice(device, "device", ("cpu", "cuda"))
    model, batches = _tagger_task(steps, device)
    variants = _training_loops(model, batches)
    sync = torch.cuda.synchronize if device == "cuda" else None
    times = interleaved_timings(variants, repeats, sync)
    samples = steps * _TAGGER[0]
    base = samples / statistics.median(times["bare loop"])
    return [
        {
            "loop": name,
            "samples/s": (rate := samples / statistics.median(ts)),
            "ratio to bare": rate / base,
        }
        for name, ts in times.items()
    ]


# The tagger of loop_overhead_rows: batch, time steps, features, hidden units, classes.
_TAGGER = (64, 50, 32, 128, 10)


def _tagger_task(steps: int, device: str):
    """A 1-layer LSTM tagger on ``device`` and ``steps`` fixed random batches for it."""
    import torch

    batch, time_steps, features, hidden, classes = _TAGGER

    class Tagger(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.lstm = torch.nn.LSTM(features, hidden, batch_first=True)
            self.head = torch.nn.Linear(hidden, classes)

        def forward(self, x):
            return self.head(self.lstm(x)[0])  # (B, T, C)

    g = torch.Generator().manual_seed(0)
    batches = [
        (
            torch.randn(batch, time_steps, features, generator=g).to(device),
            torch.randint(0, classes, (batch, time_steps), generator=g).to(device),
        )
        for _ in range(steps)
    ]
    return Tagger().to(device), batches


def _training_loops(model, batches) -> dict[str, Callable[[], None]]:
    """One epoch over ``batches`` with one Adam optimizer, four ways: a hand-written
    loop, and ``fit_torch`` without metrics, with the progress bar, with accuracy."""
    import contextlib
    import io

    import torch

    from rnnkit.train import fit_torch

    classes = _TAGGER[-1]
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)

    def bare() -> None:
        for x, y in batches:
            loss = torch.nn.functional.cross_entropy(model(x).reshape(-1, classes), y.reshape(-1))
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            loss.item()

    def rnnkit_loop(progress: bool, metrics):
        def run() -> None:
            with contextlib.redirect_stderr(io.StringIO()):  # the bar writes here
                fit_torch(
                    model, batches, epochs=1, optimizer=opt, metrics=metrics, progress=progress
                )

        return run

    return {
        "bare loop": bare,
        "fit_torch": rnnkit_loop(False, ()),
        "fit_torch + progress bar": rnnkit_loop(True, ()),
        "fit_torch + accuracy": rnnkit_loop(False, None),
    }


def book_root(start: str | Path = ".") -> Path | None:
    """The book's root: the nearest folder at or above ``start`` that holds ``_config.yml``.

    A notebook finds the repository from ``chapters/`` as well as from a copy of it
    elsewhere in the repository. ``None`` when no folder above holds a ``_config.yml``.
    """
    for folder in (Path(start).resolve(), *Path(start).resolve().parents):
        if (folder / "_config.yml").exists():
            return folder
    return None


def book_cache(start: str | Path = ".") -> Path | None:
    """The book's execution cache, ``_build/.jupyter_cache`` under :func:`book_root`."""
    root = book_root(start)
    return None if root is None else root / "_build" / ".jupyter_cache"


def notebook_times(cache: str | Path | None = None) -> list[dict]:
    """Execution seconds of each notebook from a Jupyter Book execution cache.

    ``cache`` is the build's ``_build/.jupyter_cache`` (by default the one that
    :func:`book_cache` finds); the newest record of each notebook that still exists
    counts. Returns dicts with ``notebook`` (file name) and ``seconds``, sorted by
    name; empty when there is no cache yet.
    """
    cache = book_cache() if cache is None else cache
    if cache is None or not Path(cache).exists():
        return []
    from jupyter_cache import get_cache

    latest = {}
    for record in get_cache(str(cache)).list_cache_records():
        uri = Path(record.uri)
        if uri.exists() and (uri not in latest or record.created > latest[uri].created):
            latest[uri] = record
    rows = [
        {"notebook": uri.name, "seconds": float(rec.data.get("execution_seconds", float("nan")))}
        for uri, rec in latest.items()
    ]
    return sorted(rows, key=lambda row: row["notebook"])


def machine() -> dict:
    """What the timings were measured on: processor, cores, threads, GPU, versions."""
    import os
    import platform
    from pathlib import Path

    import torch

    cpuinfo = Path("/proc/cpuinfo")
    model = platform.processor() or platform.machine()
    if cpuinfo.exists():
        names = [
            line.split(":", 1)[1].strip()
            for line in cpuinfo.read_text().splitlines()
            if line.startswith("model name")
        ]
        model = names[0] if names else model
    return {
        "processor": model,
        "cores": os.cpu_count(),
        "torch threads": torch.get_num_threads(),
        "GPU": torch.cuda.get_device_name(0) if torch.cuda.is_available() else "none",
        "python": platform.python_version(),
        "torch": torch.__version__,
        "system": f"{platform.system()} {platform.release()}",
    }
