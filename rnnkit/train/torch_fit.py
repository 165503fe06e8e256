"""The PyTorch training loop: :func:`~rnnkit.train.torch_fit.fit_torch`.

Mirrors :func:`~rnnkit.train.keras_fit.fit_keras` (same settings, same
:class:`~rnnkit.train.history.History`), so the two tabs of a chapter differ only where the
frameworks do.

Truncated BPTT (``tbptt=True``): the model is ``model(x, state) -> (logits, state)``,
where ``state`` is ``None`` at the start of each epoch (and of validation) and
otherwise the state returned for the previous batch, detached from its graph
(``h.detach()``; tuples such as an LSTM's ``(h, c)`` are detached element-wise). Batch
row ``i`` must continue row ``i`` of the previous batch, and every batch must have the
same size.

How a run ends (see :class:`~rnnkit.train.history.History`): normally; by early
stopping (weights of the best ``val_loss`` epoch restored, ``history.best_epoch``;
after a resume only epochs since the resume compete); by reaching ``stop_at``; by a
non-finite loss (model and optimizer restored to the end of the last finished epoch, a
``RuntimeWarning``, ``history.stopped_reason`` names epoch and step); or by
``KeyboardInterrupt`` (Ctrl-C takes effect at the next safe point, see
:mod:`rnnkit.train.interrupt`; the model and optimizer keep every step taken,
``history.interrupted`` is set, and the History records exactly those steps: a
cut-short epoch as ``history.partial``).
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

from rnnkit.train.config import LOSSES, FitConfig, make_config
from rnnkit.train.history import History
from rnnkit.train.inputs import (
    check_batch_size,
    check_label_ids,
    check_labels,
    check_lengths,
    check_targets,
    check_token_ids,
    foreign_optimizer,
    require_model,
    split_pair,
    unreadable_input,
)
from rnnkit.train.interrupt import InterruptGuard
from rnnkit.train.loop import (
    EpochEnd,
    lr_for_epoch,
    metric_names,
    nan_reason,
    progress_bar,
    require_val_if_needed,
)
from rnnkit.validation import one_line, require_choice

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
    with ``batch_size`` (and reshuffled each epoch when ``shuffle``). As in Keras,
    floating inputs (and ``mse`` targets) are cast to the model's floating dtype
    and integer labels to int64. The model maps ``x`` to logits; with ``tbptt=True``
    it is ``model(x, state) -> (logits, state)`` (the module docstring has the contract).

    Loss: ``"cross_entropy"`` (logits ``(..., C)``, integer labels of shape ``(...)``
    in ``[0, C-1]``), ``"mse"`` (targets shaped like the output), or a callable
    ``loss(output, y) -> scalar``. ``metrics``: ``("accuracy",)`` (the default for
    cross-entropy) or ``()``.

    Settings: ``config`` (a :class:`~rnnkit.train.config.FitConfig`) and/or keywords
    that replace its fields. ``optimizer`` defaults to ``Adam(model.parameters(), lr)``;
    pass the same optimizer (and ``history``) to continue a run, e.g. after
    :func:`~rnnkit.train.checkpoint.load_torch_checkpoint`: training resumes at epoch
    ``history.epochs + 1`` and runs up to ``epochs``. How a run ends (early stopping,
    a non-finite loss, Ctrl-C) is in the module docstring.

    Raises ``ValueError``/``TypeError`` (one line) for bad settings, a model that is
    not a ``torch.nn.Module``, an optimizer built for another model, a CUDA device on
    a machine without one, mismatched ``x``/``y`` lengths, a batch size larger than
    the data, inputs the model cannot read, labels of the wrong shape, dtype or range.
    """
    cfg = make_config(config, settings)
    loop, train_data, val_data = _prepare(model, train, val, loss, optimizer, metrics, cfg)
    history = History.resume(history)
    if history.epochs >= cfg.epochs:  # a finished run passed back in: nothing left to do
        return history
    bar = progress_bar(cfg, history.epochs, len(train_data) if train_data.sized else None)
    try:
        with InterruptGuard() as guard:
            loop.run(train_data, val_data, history, bar, guard)
    finally:
        if bar is not None:
            bar.close()
    return history


def _prepare(model, train, val, loss, optimizer, metrics, cfg: FitConfig):
    """Every check before the first step, in order; returns ``(loop, train, val)`` with
    the data as :class:`_Batches` and the model on its device."""
    require_model(model, torch.nn.Module, "torch.nn.Module")
    device = _pick_device(cfg.device)
    loss_fn, classify = _loss_function(loss)
    tracked = metric_names(metrics, classify)
    require_val_if_needed(cfg, val)
    train_data = _Batches(train, cfg.batch_size, cfg.shuffle and not cfg.tbptt, cfg.tbptt, "train")
    val_data = None if val is None else _Batches(val, cfg.batch_size, False, cfg.tbptt, "val")
    for data in (train_data, val_data):
        if data is not None and data.arrays is not None:  # every id, as fit_keras checks them
            check_token_ids(data.arrays[0], model, data.name)
    optimizer = _optimizer_for(model, optimizer, cfg.lr)
    model.to(device)
    return _Loop(model, optimizer, loss_fn, loss, tracked, device, cfg), train_data, val_data


class _Loop:
    """The epochs of one ``fit_torch`` call; holds what the steps share."""

    def __init__(self, model, optimizer, loss_fn, loss, metric_names, device, cfg) -> None:
        self.model, self.optimizer, self.loss_fn = model, optimizer, loss_fn
        self.loss, self.classify = loss, loss == "cross_entropy"
        self.metric_names, self.device, self.cfg = metric_names, device, cfg
        floating = [p.dtype for p in model.parameters() if p.is_floating_point()]
        self.float_dtype = floating[0] if floating else None
        self.bad_step: int | None = None
        self.bad_value = math.nan
        self.end = EpochEnd(cfg, lambda: _best_weights(model))
        # the epoch in progress: what an interrupt needs to record it
        self.steps, self.sums, self.row, self.good = 0, None, None, None
        self.previous_lrs = [group["lr"] for group in optimizer.param_groups]
        self.lr, self.began = self.previous_lrs[0], time.perf_counter()
        self.grad_max = torch.zeros((), device=device)

    def run(self, train: _Batches, val: _Batches | None, history: History, bar, guard) -> None:
        """All epochs; every ending (NaN, early stop, target, Ctrl-C) recorded in ``history``."""
        start = history.epochs
        for epoch in range(start, self.cfg.epochs):
            try:
                row = self._epoch(epoch, train, val, bar, guard, check=epoch == start)
                if row is None:  # non-finite loss
                    self._restore_good(history, epoch)
                    return
                guard.phase = "epoch end"
                history.append(row)
                stop = self.end.should_stop(row, epoch, history, bar)
                guard.check()
            except KeyboardInterrupt:
                self._interrupted(history, epoch, guard, len(train) if train.sized else None)
                return
            if stop:
                break
        self.end.restore_best(history, self.model.load_state_dict)

    def _epoch(self, epoch: int, train, val, bar, guard, check: bool) -> dict | None:
        """Bookkeeping, training and validation of one epoch; its row, or None after NaN."""
        guard.phase = "epoch start"
        self.steps, self.sums, self.row = 0, None, None
        self.previous_lrs = [group["lr"] for group in self.optimizer.param_groups]
        self.lr = lr_for_epoch(self.cfg, epoch, self.previous_lrs[0])
        for group in self.optimizer.param_groups:
            group["lr"] = self.lr
        self.good = _good_state(self.model, self.optimizer)
        self.began = time.perf_counter()
        guard.check()
        guard.phase = "training"
        row = self.train_epoch(train, epoch, check, bar, guard)
        if row is None:
            return None
        self.row = {**row, "lr": self.lr, "seconds": time.perf_counter() - self.began}
        guard.phase = "validation"
        if val is not None:
            row.update(self.evaluate(val, check, guard))
        row["lr"], row["seconds"] = self.lr, time.perf_counter() - self.began
        return row

    def _restore_good(self, history: History, epoch: int) -> None:
        self.model.load_state_dict(self.good[0])
        self.optimizer.load_state_dict(self.good[1])
        self.end.best = None
        history.stopped_reason = nan_reason(epoch + 1, self.bad_step, self.bad_value)
        warnings.warn(history.stopped_reason, RuntimeWarning, stacklevel=4)

    def _interrupted(self, history: History, epoch: int, guard, total: int | None) -> None:
        """Record what the weights went through before the interrupt (see History)."""
        history.interrupted, self.end.best = True, None
        if guard.phase == "training" and self.steps > 0:
            row = self.sums.means()
            row.update(self._grad_row(), lr=self.lr, seconds=time.perf_counter() - self.began)
            history.append(row)
            history.partial[epoch + 1] = self.steps
        elif guard.phase == "validation":
            history.append(self.row)  # training finished; validation metrics stay NaN
        elif guard.phase != "epoch end":  # no step taken in this epoch: undo its lr
            for group, lr in zip(self.optimizer.param_groups, self.previous_lrs, strict=True):
                group["lr"] = lr
        history.stopped_reason = guard.reason(epoch + 1, self.steps, total)

    def _grad_row(self) -> dict:
        return {} if self.cfg.clip_norm is None else {"grad_norm": self.grad_max.item()}

    def _forward(self, x, y, state, where: str, check: bool):
        if check:
            _check_batch(x, y, where)
            check_token_ids(x, self.model, where)
        x, y = self._to_device(x, y)
        try:
            out = self.model(x, state) if self.cfg.tbptt else self.model(x)
        except torch.cuda.OutOfMemoryError:
            raise
        except RuntimeError as error:  # a shape or dtype the model cannot take
            if not check:
                raise
            raise unreadable_input(
                where, x.shape, x.dtype, one_line(error) or type(error).__name__
            ) from None
        out, state = _split_output(out, self.cfg.tbptt)
        if check:
            self._check_targets(out, y, where)
        return out, y, state

    def _to_device(self, x: torch.Tensor, y: torch.Tensor) -> Batch:
        """On the device, inputs in the model's float dtype, integer labels as int64."""
        x = x.to(self.device, non_blocking=True)
        y = y.to(self.device, non_blocking=True)
        if self.float_dtype is not None and x.is_floating_point():
            x = x.to(self.float_dtype)
        if self.classify and _is_integer(y):
            y = y.long()
        elif self.loss == "mse" and self.float_dtype is not None and y.is_floating_point():
            y = y.to(self.float_dtype)
        return x, y

    def _check_targets(self, out: torch.Tensor, y: torch.Tensor, where: str) -> None:
        if self.classify:
            check_labels(y.shape, out.shape, where)
            check_label_ids(y, out.shape[-1], where)
        elif self.loss == "mse":
            check_targets(y.shape, out.shape, where)

    def train_epoch(self, data: _Batches, epoch: int, check: bool, bar, guard) -> dict | None:
        """Train one epoch; return its metrics, or ``None`` after a non-finite loss."""
        self.model.train()
        self.sums = _Sums(self.metric_names)
        state = None  # TBPTT: a fresh state at each epoch start
        self.grad_max = torch.zeros((), device=self.device)
        for step, (x, y) in enumerate(data, start=1):
            where = f"train batch {step}"
            if self.cfg.tbptt and state is not None:
                _check_same_batch(x, state, where)
            out, y, state = self._forward(x, y, state, where, check)
            value = self._step(self.loss_fn(out, y))
            if self.cfg.tbptt:
                state = _detach(state)  # truncate BPTT: no gradient into the previous batch
            if not math.isfinite(value):
                self.bad_step, self.bad_value = step, value
                return None
            self.sums.add(value, out.detach(), y)
            self.steps = step
            _show_step(bar, step, epoch, self.cfg.epochs, value)
            guard.check()  # a safe point: the step is complete and counted
        if self.sums.count == 0:
            raise ValueError("train: the data yielded no batches in this epoch")
        return {**self.sums.means(), **self._grad_row()}

    def _step(self, loss: torch.Tensor) -> float:
        """One optimizer step on ``loss`` (clipped if asked); the loss as a float."""
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        if self.cfg.clip_norm is not None:
            norm = torch.nn.utils.clip_grad_norm_(self.model.parameters(), self.cfg.clip_norm)
            self.grad_max = torch.maximum(self.grad_max, norm.detach())
        self.optimizer.step()
        return loss.item()

    @torch.no_grad()
    def evaluate(self, data: _Batches, check: bool, guard) -> dict:
        """Mean loss and metrics over ``data``, prefixed ``val_``."""
        self.model.eval()
        sums = _Sums(self.metric_names)
        state = None
        try:
            for step, (x, y) in enumerate(data, start=1):
                out, y, state = self._forward(x, y, state, f"val batch {step}", check)
                sums.add(self.loss_fn(out, y).item(), out, y)
                guard.check()
        finally:
            self.model.train()
        if sums.count == 0:
            raise ValueError("val: the data yielded no batches")
        return {f"val_{key}": value for key, value in sums.means().items()}


def _split_output(out, tbptt: bool):
    """``(logits, state)`` from what the model returned, or a one-line TypeError."""
    if tbptt:
        if not (isinstance(out, (tuple, list)) and len(out) == 2):
            raise TypeError(
                f"with tbptt=True the model must return (logits, state), got {type(out).__name__}"
            )
        return out[0], out[1]
    if isinstance(out, (tuple, list)):
        raise TypeError(
            "the model returned a tuple; return the logits only, or use tbptt=True "
            "for a model(x, state) -> (logits, state)"
        )
    return out, None


def _show_step(bar, step: int, epoch: int, epochs: int, value: float) -> None:
    if bar is None:
        return
    bar.update(1)
    if step % 10 == 1:
        bar.set_description_str(f"epoch {epoch + 1}/{epochs}", refresh=False)
        bar.set_postfix_str(f"loss={value:.4f}", refresh=False)


def _is_integer(t: torch.Tensor) -> bool:
    return not (t.is_floating_point() or t.is_complex() or t.dtype == torch.bool)


def _good_state(model: torch.nn.Module, optimizer: torch.optim.Optimizer) -> tuple:
    """Model and optimizer at the start of an epoch, for the non-finite-loss ending."""
    return _clone(model.state_dict()), copy.deepcopy(optimizer.state_dict())


def _best_weights(model: torch.nn.Module) -> dict:
    """Early stopping's in-memory checkpoint of the best epoch's weights."""
    return _clone(model.state_dict())


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
            hits = (out.argmax(dim=-1) == y).sum()  # (labels of out's shape less one axis)
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
        pair = split_pair(data, name)
        if pair is not None:
            x, y = (
                a if isinstance(a, torch.Tensor) else torch.as_tensor(np.asarray(a)) for a in pair
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


def _check_loader(loader: torch.utils.data.DataLoader, name: str) -> None:
    try:
        n = len(loader.dataset)
    except TypeError:  # an IterableDataset without a length
        return
    if loader.batch_size is not None:
        check_batch_size(loader.batch_size, n, name)


def _check_batch(x, y, where: str) -> None:
    if not (isinstance(x, torch.Tensor) and isinstance(y, torch.Tensor)):
        raise TypeError(
            f"{where}: x and y must be torch tensors, got {type(x).__name__} and {type(y).__name__}"
        )
    check_lengths(x.shape[0], y.shape[0], where)


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
        picked = torch.device(device)
    except (RuntimeError, TypeError):
        raise ValueError(f"device must be like 'cpu', 'cuda' or 'cuda:0', got {device!r}") from None
    if picked.type == "cuda":
        count = torch.cuda.device_count() if torch.cuda.is_available() else 0
        if count == 0:
            raise ValueError(
                f"device={device!r}, but CUDA is not available on this machine; use "
                "device='cpu', or device=None to use CUDA when there is one"
            )
        if picked.index is not None and picked.index >= count:
            raise ValueError(
                f"device={device!r}, but this machine has {count} CUDA device(s), "
                f"cuda:0 to cuda:{count - 1}"
            )
    return picked


def _optimizer_for(model: torch.nn.Module, optimizer, lr: float) -> torch.optim.Optimizer:
    """``Adam(model.parameters(), lr)`` by default; a given optimizer must hold some of
    the model's trainable weights (one built for another model would train nothing)."""
    if optimizer is None:
        return torch.optim.Adam(model.parameters(), lr=lr)
    if not isinstance(optimizer, torch.optim.Optimizer):
        raise TypeError(
            f"optimizer must be a torch.optim.Optimizer, got {type(optimizer).__name__}"
        )
    mine = {id(p) for p in model.parameters() if p.requires_grad}
    held = {id(p) for group in optimizer.param_groups for p in group["params"]}
    if mine and not mine & held:
        raise foreign_optimizer("torch.optim.Adam(model.parameters())")
    return optimizer


def _cross_entropy(out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    return F.cross_entropy(out.reshape(-1, out.shape[-1]), y.reshape(-1))  # (B*T, C), (B*T,)


def _mse(out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    check_targets(y.shape, out.shape, "mse")
    return F.mse_loss(out, y)


def _loss_function(loss) -> tuple[Callable, bool]:
    if callable(loss):
        return loss, False
    require_choice(loss, "loss", LOSSES)
    return (_cross_entropy, True) if loss == "cross_entropy" else (_mse, False)
