"""The stopwatch of the book: honest timings and allocation counts.

:func:`interleaved_timings` is the one timing rule the book uses: one warm-up round
(first-call allocations, kernel selection), then ``repeats`` rounds in which the
variants take turns (A, B, A, B, ...), each call followed by ``sync``
(``torch.cuda.synchronize`` on a GPU, where calls return before the work is done).
Tables report medians, which a single slow repeat on a shared machine does not move.
:func:`allocated_mib` counts the memory a call allocates, a cost that, unlike a time,
is the same on every machine.

The code being timed belongs to the chapter that teaches it (chapter 12 writes its
loops itself); this module only times and counts: :func:`kernel_rows` for methods
that compute the same outputs, :func:`training_step_rows` for forms of one training
step at growing lengths, :func:`loop_overhead_rows` for ``fit_torch`` against a bare
loop; :func:`machine` says what they were measured on. The book build's own times are
in :mod:`rnnkit.build`.
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
    hidden_size: int = 128

    def __post_init__(self) -> None:
        for name in ("batch", "time", "features", "hidden_size"):
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
    """Median seconds per call of ``fn`` over ``repeats`` calls after one warm-up (see
    :func:`timings`)."""
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


@dataclass(frozen=True)
class SameLSTM:
    """One LSTM three ways, on the same float32 weights (see :func:`same_lstm`)."""

    x: np.ndarray  # (B, T, F) float32 input
    params: dict  # the NumPy reference's weights (rnnkit.reference names)
    lstm: object  # torch.nn.LSTM holding those weights
    cell: object  # torch.nn.LSTMCell holding the same weights


def same_lstm(sizes: LSTMSizes | None = None, device: str = "cpu") -> SameLSTM:
    """An input and one LSTM's weights, as NumPy parameters, an ``nn.LSTM`` and an ``nn.LSTMCell``.

    The weights come from :func:`rnnkit.reference.init_params` (seed 0) and the input
    from a seeded normal draw (seed 1), so every call returns the same numbers.
    ``nn.LSTMCell`` stores its weights in ``nn.LSTM``'s layout (gates i, f, g, o), so
    they are copied across unchanged.
    """
    import torch

    from rnnkit.convert import params_to_torch
    from rnnkit.reference import init_params

    sizes = sizes or LSTMSizes()
    if not isinstance(sizes, LSTMSizes):
        raise TypeError(f"sizes must be an LSTMSizes, got {type(sizes).__name__}")
    device = _require_device(device)
    B, T, F, H = sizes.batch, sizes.time, sizes.features, sizes.hidden_size
    params = init_params("lstm", F, H, rng=0, dtype=np.float32)
    x = np.random.default_rng(1).standard_normal((B, T, F)).astype(np.float32)  # (B, T, F)
    lstm = params_to_torch(params, torch.nn.LSTM(F, H, batch_first=True)).to(device)
    cell = torch.nn.LSTMCell(F, H).to(device)
    with torch.no_grad():
        for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            getattr(cell, name).copy_(getattr(lstm, f"{name}_l0"))
    return SameLSTM(x, params, lstm, cell)


def kernel_rows(
    methods: dict[str, Callable[[], object]],
    repeats: int = 5,
    device: str = "cpu",
    backward: tuple[str, ...] = (),
) -> list[dict]:
    """Time methods that compute the same outputs, forward and forward+backward.

    ``methods`` maps a name to a callable returning outputs (a NumPy array or a torch
    tensor); the first method is the baseline. Every method's outputs must lie within
    1e-4 of the baseline's before anything is timed (else ``RuntimeError``). Forward
    passes run under ``torch.no_grad()``, interleaved; the methods named in
    ``backward`` are then timed again for forward plus the backward pass of
    ``sum(outputs)``. Returns one dict per measurement: ``method``, ``pass``,
    ``median ms``, ``best ms`` and ``ratio`` (the median over the baseline's median
    for the same pass; the first method named in ``backward`` is that pass's baseline).
    """
    import torch

    repeats = require_int(repeats, "repeats", minimum=1)
    sync = torch.cuda.synchronize if _require_device(device) == "cuda" else None
    unknown = set(backward) - set(methods)
    if unknown:
        raise ValueError(f"backward names methods that are not given: {sorted(unknown)}")
    with torch.no_grad():
        _require_agreement(methods)
        forward = interleaved_timings(methods, repeats, sync)
    measured = {"forward": forward}
    if backward:
        both = {name: (lambda fn=methods[name]: fn().sum().backward()) for name in backward}
        measured["forward+backward"] = interleaved_timings(both, repeats, sync)
    rows = []
    for pass_, times in measured.items():
        base = statistics.median(next(iter(times.values())))
        rows += [
            {
                "method": name,
                "pass": pass_,
                "median ms": statistics.median(ts) * 1e3,
                "best ms": min(ts) * 1e3,
                "ratio": statistics.median(ts) / base,
            }
            for name, ts in times.items()
        ]
    return rows


def _require_device(device: str) -> str:
    import torch

    device = require_choice(device, "device", ("cpu", "cuda"))
    if device == "cuda" and not torch.cuda.is_available():
        raise ValueError("device 'cuda' was asked for, but torch sees no CUDA GPU")
    return device


def _require_agreement(methods: dict[str, Callable[[], object]]) -> None:
    """Raise ``RuntimeError`` unless every method's outputs lie within 1e-4 of the first's."""

    def as_numpy(out) -> np.ndarray:
        return out.detach().cpu().numpy() if hasattr(out, "detach") else np.asarray(out)

    (first, expected), *others = ((n, as_numpy(fn())) for n, fn in methods.items())
    for name, outputs in others:
        gap = float(np.abs(outputs - expected).max())
        if gap > 1e-4:
            raise RuntimeError(f"{name} disagrees with {first} by {gap:.2e} before timing")


def training_step_rows(
    forms: dict[str, Callable[[object], object]],
    lengths: tuple[int, ...],
    batch: int,
    features: int,
    repeats: int = 3,
    device: str = "cpu",
    memory: bool = False,
) -> list[dict]:
    """Time one training step of each form at each sequence length.

    ``forms`` maps a name to a function of ``x`` of shape ``(batch, T, features)``
    (float32, seeded) that returns a tensor; a step is that call, ``mean(out**2)`` and
    its backward pass. The forms take turns (:func:`interleaved_timings`). Returns one
    dict per length: ``T`` and ``<name> ms`` (medians) for every form, and with
    ``memory=True`` also ``<name> MiB``, what one step allocates on the device
    (:func:`allocated_mib`): a count that, unlike a time, is the same on every machine.
    """
    import torch

    repeats = require_int(repeats, "repeats", minimum=1)
    sync = torch.cuda.synchronize if _require_device(device) == "cuda" else None
    generator = torch.Generator().manual_seed(0)
    rows = []
    for T in lengths:
        T = require_int(T, "length", minimum=1)
        x = torch.randn(batch, T, features, generator=generator).to(device)  # (B, T, F)
        steps = {
            name: (lambda form=form, x=x: form(x).pow(2).mean().backward())
            for name, form in forms.items()
        }
        times = interleaved_timings(steps, repeats, sync)
        row = {"T": T, **{f"{name} ms": statistics.median(times[name]) * 1e3 for name in forms}}
        if memory:
            row.update({f"{name} MiB": allocated_mib(steps[name], device) for name in forms})
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
    variants = _training_loops(model, batches, device)
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

    batch, time_steps, features, hidden_size, classes = _TAGGER

    class Tagger(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.lstm = torch.nn.LSTM(features, hidden_size, batch_first=True)
            self.head = torch.nn.Linear(hidden_size, classes)

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


def _training_loops(model, batches, device: str) -> dict[str, Callable[[], None]]:
    """One epoch over ``batches`` with one Adam optimizer, four ways: a hand-written
    loop, and ``fit_torch`` without metrics, with the progress bar, with accuracy, all
    on ``device`` (``fit_torch`` would otherwise pick a GPU on its own)."""
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
                    model,
                    batches,
                    epochs=1,
                    optimizer=opt,
                    metrics=metrics,
                    progress=progress,
                    device=device,
                )

        return run

    return {
        "bare loop": bare,
        "fit_torch": rnnkit_loop(False, ()),
        "fit_torch + progress bar": rnnkit_loop(True, ()),
        "fit_torch + accuracy": rnnkit_loop(False, None),
    }


def machine_table():
    """:func:`machine` as a two-column table (a pandas Styler) whose names (processor,
    GPU, versions, system) every edition shows as they are."""
    import pandas as pd

    from rnnkit.translation import keep_as_is

    info = machine()
    table = pd.DataFrame(info.items(), columns=["", "value"])
    # names, not words: "none" (no GPU) is a word the Chinese edition translates
    names = [
        i for i, value in enumerate(info.values()) if isinstance(value, str) and value != "none"
    ]
    return keep_as_is(table.style.hide(), "value", names)


def machine() -> dict:
    """What the timings were measured on: processor, cores, threads, GPU, versions."""
    import os
    import platform

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
