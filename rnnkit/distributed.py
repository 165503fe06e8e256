"""Data-parallel training with ``torch.distributed``: two CPU processes, one result.

Data parallelism keeps a full copy of the model in each of ``world_size`` processes and
gives each process its own slice of every global batch. After ``backward()``,
``DistributedDataParallel`` averages the gradients of all processes (an *all-reduce*),
so every copy takes the same optimiser step. When each slice has the same size and the
loss is a mean over the slice, that average is exactly the gradient of the mean loss
over the whole global batch, so ``world_size`` processes follow the same trajectory as
one process on the whole batch, up to floating-point rounding:

    grad = (1 / P) * sum_p (1 / (B/P)) * sum_{i in slice p} grad l_i = (1 / B) * sum_i grad l_i.

:func:`run_data_parallel` checks this on a small LSTM regressor on the adding problem:
it trains once in one process on the global batch, once in ``world_size`` processes
(``torch.multiprocessing.spawn``, gloo backend, rendezvous through a file, so no network
is used), and returns both final weights, their largest difference and the time per step (the
median over the steps after the first, on one thread per process in both runs).

From a shell (or a notebook, through ``subprocess``)::

    python -m rnnkit.distributed --world-size 2 --steps 20 --json result.json
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
from torch import nn

from rnnkit.models.regressor import LSTMRegressor
from rnnkit.validation import require_choice, require_int


@dataclass(frozen=True)
class DDPConfig:
    """One data-parallel experiment. ``batch`` is the *global* batch, split evenly across ranks."""

    world_size: int = 2
    steps: int = 20
    batch: int = 32
    T: int = 20
    hidden_size: int = 16
    lr: float = 0.1
    seed: int = 0
    dtype: str = "float64"  # float64 makes the match exact to ~1e-12; float32 works to ~1e-5

    def __post_init__(self) -> None:
        require_int(self.world_size, "world_size", minimum=1, maximum=8)
        require_int(self.steps, "steps", minimum=1)
        require_int(self.batch, "batch", minimum=1)
        require_int(self.T, "T", minimum=2)
        require_int(self.hidden_size, "hidden_size", minimum=1)
        require_int(self.seed, "seed", minimum=0)
        require_choice(self.dtype, "dtype", ("float32", "float64"))
        if self.batch % self.world_size:
            raise ValueError(
                f"batch must be divisible by world_size to split evenly, got batch {self.batch} "
                f"and world_size {self.world_size}"
            )
        if not self.lr > 0:
            raise ValueError(f"lr must be > 0, got {self.lr}")


@dataclass(frozen=True)
class DDPResult:
    """Both runs' final weights, their largest absolute difference, and seconds per step."""

    single: dict[str, torch.Tensor]
    parallel: dict[str, torch.Tensor]
    max_abs_diff: float
    single_step_s: float
    parallel_step_s: float
    final_loss: float


def _model_and_data(cfg: DDPConfig):
    """The same initial model and the same global batches in every process."""
    from rnnkit.data.synthetic import adding_problem

    dtype = getattr(torch, cfg.dtype)
    torch.manual_seed(cfg.seed)
    model = LSTMRegressor(cfg.hidden_size).to(dtype)
    task = adding_problem(cfg.steps * cfg.batch, cfg.T, seed=cfg.seed)
    x = torch.from_numpy(task.x).to(dtype).view(cfg.steps, cfg.batch, cfg.T, 2)  # (steps, B, T, 2)
    y = torch.from_numpy(task.y).to(dtype).view(cfg.steps, cfg.batch, 1)  # (steps, B, 1)
    return model, x, y


def _train(model: nn.Module, x: torch.Tensor, y: torch.Tensor, lr: float) -> tuple[float, float]:
    """Plain SGD on the mean squared error, one batch per step; returns (seconds per step, last
    loss). The time per step is the median over the steps after the first: the first step
    pays for setting up the kernels and the autograd graph (a warm-up that changes no
    weight beyond the training itself, so the trajectory stays the one being compared)."""
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    seconds = []
    for step in range(x.shape[0]):
        start = time.perf_counter()
        optimizer.zero_grad()
        loss = nn.functional.mse_loss(model(x[step]), y[step])
        loss.backward()
        optimizer.step()
        seconds.append(time.perf_counter() - start)
    timed = sorted(seconds[1:] or seconds)
    return timed[len(timed) // 2], float(loss.detach())


def _worker(rank: int, cfg: DDPConfig, rendezvous: str, out: str) -> None:
    """One process of the data-parallel run: train on this rank's slice of every batch."""
    import torch.distributed as dist

    torch.set_num_threads(1)  # one core per process; more would oversubscribe the CPU
    dist.init_process_group(
        "gloo", init_method=f"file://{rendezvous}", rank=rank, world_size=cfg.world_size
    )
    try:
        model, x, y = _model_and_data(cfg)
        part = cfg.batch // cfg.world_size
        mine = slice(rank * part, (rank + 1) * part)
        ddp = nn.parallel.DistributedDataParallel(
            model
        )  # broadcasts rank 0's weights, averages grads
        dist.barrier()  # start the clock together
        seconds, loss = _train(ddp, x[:, mine], y[:, mine], cfg.lr)  # (steps, B/P, T, 2)
        if rank == 0:
            torch.save({"state": model.state_dict(), "seconds": seconds, "loss": loss}, out)
    finally:
        dist.destroy_process_group()


def run_single(cfg: DDPConfig) -> tuple[dict[str, torch.Tensor], float, float]:
    """Train in this process on the whole global batch, on one thread like each process of
    :func:`run_parallel`; returns (weights, median seconds per step after the first, last
    loss)."""
    model, x, y = _model_and_data(cfg)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # one thread, as each data-parallel process has
    try:
        seconds, loss = _train(model, x, y, cfg.lr)
    finally:
        torch.set_num_threads(threads)
    return {k: v.detach().clone() for k, v in model.state_dict().items()}, seconds, loss


def run_parallel(cfg: DDPConfig) -> tuple[dict[str, torch.Tensor], float, float]:
    """Train in ``cfg.world_size`` spawned processes (gloo, file rendezvous); returns rank 0's
    (weights, seconds per step, last loss on its slice)."""
    import torch.multiprocessing as mp

    with tempfile.TemporaryDirectory() as tmp:
        rendezvous, out = os.path.join(tmp, "rendezvous"), os.path.join(tmp, "rank0.pt")
        mp.spawn(_worker, args=(cfg, rendezvous, out), nprocs=cfg.world_size, join=True)
        saved = torch.load(out)
    return saved["state"], saved["seconds"], saved["loss"]


def run_data_parallel(cfg: DDPConfig | None = None) -> DDPResult:
    """Train the same model on the same global batches in one process and in ``world_size``
    processes, and compare the final weights (see the module docstring for why they match)."""
    cfg = cfg or DDPConfig()
    if not isinstance(cfg, DDPConfig):
        raise TypeError(f"cfg must be a DDPConfig, got {type(cfg).__name__}")
    single, single_s, loss = run_single(cfg)
    parallel, parallel_s, _ = run_parallel(cfg)
    gap = max(float((single[k] - parallel[k]).abs().max()) for k in single)
    return DDPResult(single, parallel, gap, single_s, parallel_s, loss)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description="Data-parallel training vs one process, same global batch."
    )
    defaults = DDPConfig()
    for field, value in asdict(defaults).items():
        parser.add_argument(f"--{field.replace('_', '-')}", type=type(value), default=value)
    parser.add_argument("--json", type=Path, help="also write the summary as JSON to this file")
    args = vars(parser.parse_args(argv))
    path = args.pop("json")
    cfg = DDPConfig(**args)
    result = run_data_parallel(cfg)
    summary = {
        "config": asdict(cfg),
        "max_abs_weight_diff": result.max_abs_diff,
        "single_ms_per_step": result.single_step_s * 1e3,
        "parallel_ms_per_step": result.parallel_step_s * 1e3,
        "final_loss": result.final_loss,
    }
    if path is not None:
        path.write_text(json.dumps(summary, indent=1), encoding="utf-8")
    print(json.dumps(summary, indent=1))


if __name__ == "__main__":
    main()
