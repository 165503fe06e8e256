"""The PyTorch training loop: :func:`~rnnkit.train.torch_fit.fit_torch`.

Mirrors :func:`~rnnkit.train.keras_fit.fit_keras` (same settings, same :class:`~rnnkit.train.history.History`), so the
two tabs of a chapter differ only where the frameworks do.
"""

from __future__ import annotations

import copy
import math
import time
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence

import numpy as np
import torch
import torch.nn.functional as F

from rnnkit.train.config import (
    LOSSES,
    EarlyStopper,
    FitConfig,
    lr_for_epoch,
    make_config,
    metric_names,
    nan_reason,
    progress_bar,
    require_val_if_needed,
    summary,
    target_reached,
)
from rnnkit.train.history import History
from rnnkit.train.inputs import check_batch_size, check_label_range, check_lengths
from rnnkit.validation import require_choice

Batch = tuple[torch.Tensor, torch.Tensor]


def fit_torch(
    model: torch.nn.Module,
    train,
    val=None,
    *,
    loss: str | Callable = "cross_entropy",
    optimizer: torch.optim.Optimizer | None = None,
    metrics: Sequence[str] | None = None,
    history: History | None = None,
    config: FitConfig | None = None,
    **settings,
) -> History:
    """Train ``model`` in place and return its per-epoch :class:`~rnnkit.train.history.History`.

    Data (``train`` and ``val``): a ``DataLoader``, any re-iterable of ``(x, y)``
    batches (a list, ...), or a pair of arrays/tensors ``(x, y)`` that is batched
    with ``batch_size`` (and reshuffled each epoch when ``shuffle``).

    Model contract: ``model(x) -> logits``; with ``tbptt=True``,
    ``model(x, state) -> (logits, state)`` where ``state`` is ``None`` at the start
    of each epoch (and of validation) and otherwise the state returned for the
    previous batch, detached from its graph (``h.detach()``; tuples such as an LSTM's
    ``(h, c)`` are detached element-wise). Batch row ``i`` must continue row ``i`` of
    the previous batch, and every batch must have the same size.

    Loss: ``"cross_entropy"`` (logits ``(..., C)``, integer labels ``(...)`` in
    ``[0, C-1]``), ``"mse"`` (targets shaped like the output), or a callable
    ``loss(output, y) -> scalar``. ``metrics``: ``("accuracy",)`` (the default for
    cross-entropy) or ``()``.

    Settings (keywords or ``config``): see :class:`~rnnkit.train.config.FitConfig` -- ``epochs``, ``lr``,
    ``batch_size``, ``shuffle``, ``clip_norm``, ``early_stopping``, ``lr_schedule``,
    ``tbptt``, ``progress``, ``device``. ``optimizer`` defaults to
    ``Adam(model.parameters(), lr)``; pass the same optimizer (and ``history``) to
    continue a run, e.g. after :func:`~rnnkit.train.checkpoint.load_torch_checkpoint`: training resumes at epoch
    ``history.epochs + 1`` and runs up to ``epochs``.

    How it ends (see :class:`~rnnkit.train.history.History`): normally; by early stopping (weights of the
    best ``val_loss`` epoch restored, ``history.best_epoch``; after a resume only
    epochs since the resume compete); by a non-finite loss (model and optimizer
    restored to the end of the last finished epoch, a ``RuntimeWarning``,
    ``history.stopped_reason`` names epoch and step); or by ``KeyboardInterrupt``
    (the model keeps the weights trained so far, ``history.interrupted`` is set and
    holds the finished epochs only).

    Raises ``ValueError``/``TypeError`` (one line) for bad settings, mismatched
    ``x``/``y`` lengths, a batch size larger than the data, labels out of range.
    """
    cfg = make_config(config, settings)
    device = _pick_device(cfg.device)
    loss_fn, classify = _loss_function(loss)
    tracked = metric_names(metrics, classify)
    require_val_if_needed(cfg, val)
    train_data = _Batches(train, cfg.batch_size, cfg.shuffle and not cfg.tbptt, cfg.tbptt, "train")
    val_data = None if val is None else _Batches(val, cfg.batch_size, False, cfg.tbptt, "val")

    model.to(device)
    if optimizer is None:
        optimizer = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    history = History() if history is None else history
    history.interrupted, history.stopped_reason = False, None
    start = history.epochs
    if start >= cfg.epochs:  # a finished run passed back in: nothing left to do
        return history
    stopper = None if cfg.early_stopping is None else EarlyStopper(cfg.early_stopping)
    best_state = None
    loop = _Loop(model, optimizer, loss_fn, classify, tracked, device, cfg)
    steps = len(train_data) if train_data.sized else None
    total = None if steps is None else steps * (cfg.epochs - start)
    bar = progress_bar(cfg.progress, total, f"epoch {start + 1}/{cfg.epochs}")
    try:
        for epoch in range(start, cfg.epochs):
            lr = lr_for_epoch(cfg, epoch, optimizer.param_groups[0]["lr"])
            for group in optimizer.param_groups:
                group["lr"] = lr
            good = (_clone(model.state_dict()), copy.deepcopy(optimizer.state_dict()))
            began = time.perf_counter()
            try:
                row = loop.train_epoch(train_data, epoch, check=epoch == start, bar=bar)
                if row is not None and val_data is not None:
                    row.update(loop.evaluate(val_data, check=epoch == start))
            except KeyboardInterrupt:
                history.interrupted = True
                history.stopped_reason = f"interrupted (KeyboardInterrupt) during epoch {epoch + 1}"
                break
            if row is None:  # non-finite loss
                model.load_state_dict(good[0])
                optimizer.load_state_dict(good[1])
                history.stopped_reason = nan_reason(epoch + 1, loop.bad_step, loop.bad_value)
                warnings.warn(history.stopped_reason, RuntimeWarning, stacklevel=2)
                break
            row["lr"], row["seconds"] = lr, time.perf_counter() - began
            history.append(row)
            if bar is not None:
                bar.set_postfix_str(summary(row), refresh=True)
            if stopper is not None:
                improved, stop = stopper.update(row["val_loss"], epoch + 1)
                if improved:
                    best_state = _clone(model.state_dict())
                if stop:
                    history.stopped_reason = stopper.reason()
                    break
            reached = target_reached(cfg, row.get("val_loss", math.nan), epoch + 1)
            if reached:
                history.stopped_reason = reached
                break
    finally:
        if bar is not None:
            bar.close()
    if best_state is not None and not history.interrupted and loop.bad_step is None:
        model.load_state_dict(best_state)
        history.best_epoch = stopper.best_epoch
    return history


class _Loop:
    """One epoch of training or evaluation; holds what the steps share."""

    def __init__(self, model, optimizer, loss_fn, classify, metric_names, device, cfg) -> None:
        self.model, self.optimizer, self.loss_fn = model, optimizer, loss_fn
        self.classify, self.metric_names, self.device, self.cfg = (
            classify,
            metric_names,
            device,
            cfg,
        )
        self.bad_step: int | None = None
        self.bad_value = math.nan

    def _forward(self, x, y, state, where: str, check: bool):
        if check:
            _check_batch(x, y, self.classify, where)
        x = x.to(self.device, non_blocking=True)
        y = y.to(self.device, non_blocking=True)
        if self.cfg.tbptt:
            out = self.model(x, state)
            if not (isinstance(out, (tuple, list)) and len(out) == 2):
                raise TypeError(
                    f"with tbptt=True the model must return (logits, state), got {type(out).__name__}"
                )
            out, state = out
        else:
            out = self.model(x)
            if isinstance(out, (tuple, list)):
                raise TypeError(
                    "the model returned a tuple; return the logits only, or use tbptt=True "
                    "for a model(x, state) -> (logits, state)"
                )
        if check and self.classify:
            check_label_range(int(y.min()), int(y.max()), out.shape[-1], where)
        return out, y, state

    def train_epoch(self, data: _Batches, epoch: int, check: bool, bar) -> dict | None:
        """Train one epoch; return its metrics, or ``None`` after a non-finite loss."""
        self.model.train()
        sums = _Sums(self.metric_names)
        state = None  # TBPTT: a fresh state at each epoch start
        grad_max = torch.zeros((), device=self.device)
        for step, (x, y) in enumerate(data, start=1):
            where = f"train batch {step}"
            if self.cfg.tbptt and state is not None:
                _check_same_batch(x, state, where)
            out, y, state = self._forward(x, y, state, where, check)
            loss = self.loss_fn(out, y)
            self.optimizer.zero_grad(set_to_none=True)
            loss.backward()
            if self.cfg.clip_norm is not None:
                norm = torch.nn.utils.clip_grad_norm_(self.model.parameters(), self.cfg.clip_norm)
                grad_max = torch.maximum(grad_max, norm.detach())
            self.optimizer.step()
            if self.cfg.tbptt:
                state = _detach(state)  # truncate BPTT: no gradient into the previous batch
            value = loss.item()
            if not math.isfinite(value):
                self.bad_step, self.bad_value = step, value
                return None
            sums.add(value, out.detach(), y)
            if bar is not None:
                bar.update(1)
                if step % 10 == 1:
                    bar.set_description_str(f"epoch {epoch + 1}/{self.cfg.epochs}", refresh=False)
                    bar.set_postfix_str(f"loss={value:.4f}", refresh=False)
        if sums.count == 0:
            raise ValueError("train: the data yielded no batches in this epoch")
        row = sums.means()
        if self.cfg.clip_norm is not None:
            row["grad_norm"] = grad_max.item()
        return row

    @torch.no_grad()
    def evaluate(self, data: _Batches, check: bool) -> dict:
        """Mean loss and metrics over ``data``, prefixed ``val_``."""
        self.model.eval()
        sums = _Sums(self.metric_names)
        state = None
        for step, (x, y) in enumerate(data, start=1):
            out, y, state = self._forward(x, y, state, f"val batch {step}", check)
            sums.add(self.loss_fn(out, y).item(), out, y)
        self.model.train()
        if sums.count == 0:
            raise ValueError("val: the data yielded no batches")
        return {f"val_{key}": value for key, value in sums.means().items()}


class _Sums:
    """Running sums for batch-size-weighted means (as Keras weights them)."""

    def __init__(self, metric_names: Sequence[str]) -> None:
        self.metric_names = metric_names
        self.loss = 0.0
        self.count = 0
        self.correct = None
        self.labels = 0

    def add(self, loss: float, out: torch.Tensor, y: torch.Tensor) -> None:
        n = y.shape[0]
        self.loss += loss * n
        self.count += n
        if "accuracy" in self.metric_names:
            hits = (out.argmax(dim=-1) == y).sum()  # stays on the device: no sync per step
            self.correct = hits if self.correct is None else self.correct + hits
            self.labels += y.numel()

    def means(self) -> dict[str, float]:
        row = {"loss": self.loss / self.count}
        if "accuracy" in self.metric_names:
            row["accuracy"] = self.correct.item() / self.labels
        return row


class _Batches:
    """Re-iterable ``(x, y)`` batches from a DataLoader, a list of batches or arrays."""

    def __init__(self, data, batch_size: int, shuffle: bool, drop_last: bool, name: str) -> None:
        self.name = name
        self.arrays = None
        if _is_array_pair(data):
            x, y = (
                torch.as_tensor(np.asarray(a)) if isinstance(a, np.ndarray) else a for a in data
            )
            check_lengths(len(x), len(y), name)
            check_batch_size(batch_size, len(x), name)
            self.arrays, self.batch_size = (x, y), batch_size
            self.shuffle, self.drop_last = shuffle, drop_last
        elif isinstance(data, Iterable) and not isinstance(data, (str, bytes)):
            if isinstance(data, Iterator):  # not iter(data): a DataLoader would draw a seed
                raise TypeError(
                    f"{name} must be re-iterable (a DataLoader, a list of (x, y) batches or a pair "
                    f"of arrays), got a one-shot {type(data).__name__}"
                )
            if isinstance(data, torch.utils.data.DataLoader):
                _check_loader(data, name)
            self.data = data
        else:
            raise TypeError(
                f"{name} must be a DataLoader, a list of (x, y) batches or a pair (x, y) of "
                f"arrays, got {type(data).__name__}"
            )

    @property
    def sized(self) -> bool:
        return self.arrays is not None or hasattr(self.data, "__len__")

    def __len__(self) -> int:
        if self.arrays is None:
            return len(self.data)
        n = len(self.arrays[0])
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    def __iter__(self) -> Iterator[Batch]:
        if self.arrays is None:
            for batch in self.data:
                if not (isinstance(batch, (tuple, list)) and len(batch) == 2):
                    raise TypeError(
                        f"{self.name}: each batch must be a pair (x, y), got {type(batch).__name__}"
                    )
                yield batch
            return
        x, y = self.arrays
        order = torch.randperm(len(x)) if self.shuffle else torch.arange(len(x))
        for k in range(len(self)):
            idx = order[k * self.batch_size : (k + 1) * self.batch_size]
            yield x[idx], y[idx]


def _is_array_pair(data) -> bool:
    return (
        isinstance(data, (tuple, list))
        and len(data) == 2
        and all(isinstance(a, (np.ndarray, torch.Tensor)) for a in data)
    )


def _check_loader(loader: torch.utils.data.DataLoader, name: str) -> None:
    try:
        n = len(loader.dataset)
    except TypeError:  # an IterableDataset without a length
        return
    if loader.batch_size is not None:
        check_batch_size(loader.batch_size, n, name)


def _check_batch(x, y, classify: bool, where: str) -> None:
    if not (isinstance(x, torch.Tensor) and isinstance(y, torch.Tensor)):
        raise TypeError(
            f"{where}: x and y must be torch tensors, got {type(x).__name__} and {type(y).__name__}"
        )
    check_lengths(x.shape[0], y.shape[0], where)
    if classify and (y.dtype.is_floating_point or y.dtype.is_complex or y.dtype == torch.bool):
        raise TypeError(
            f"{where}: cross_entropy needs integer class ids as labels, got dtype {y.dtype}"
        )


def _check_same_batch(x: torch.Tensor, state, where: str) -> None:
    first = state[0] if isinstance(state, (tuple, list)) else state
    if isinstance(first, torch.Tensor) and first.dim() >= 2 and x.shape[0] not in first.shape[:2]:
        raise ValueError(
            f"{where}: with tbptt=True every batch must have the carried state's batch size "
            f"{tuple(first.shape)}, got x of shape {tuple(x.shape)} (use drop_last=True)"
        )


def _detach(state):
    """Cut the graph behind the state (tensors inside tuples/lists too)."""
    if isinstance(state, torch.Tensor):
        return state.detach()
    if isinstance(state, (tuple, list)):
        return type(state)(_detach(s) for s in state)
    return state


def _clone(state_dict: dict) -> dict:
    return {key: value.detach().clone() for key, value in state_dict.items()}


def _pick_device(device) -> torch.device:
    if device is None:
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        return torch.device(device)
    except RuntimeError:
        raise ValueError(f"device must be like 'cpu', 'cuda' or 'cuda:0', got {device!r}") from None


def _cross_entropy(out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    return F.cross_entropy(out.reshape(-1, out.shape[-1]), y.reshape(-1))  # (B*T, C), (B*T,)


def _mse(out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    if out.shape != y.shape:
        raise ValueError(
            f"mse: targets must have the output's shape {tuple(out.shape)}, got {tuple(y.shape)}"
        )
    return F.mse_loss(out, y)


def _loss_function(loss) -> tuple[Callable, bool]:
    if callable(loss):
        return loss, False
    require_choice(loss, "loss", LOSSES)
    return (_cross_entropy, True) if loss == "cross_entropy" else (_mse, False)
