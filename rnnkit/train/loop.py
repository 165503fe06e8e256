"""The loop logic ``fit_torch`` and ``fit_keras`` share, written once: the learning
rate of each epoch, what happens after each finished epoch (:class:`EpochEnd`: the
progress bar, early stopping with its snapshot of the best weights, the ``stop_at``
target), the reasons a run records when it stops early, and the progress bar."""

from __future__ import annotations

import math
from collections.abc import Callable

from rnnkit.train.config import METRICS, FitConfig, require_positive, show_progress
from rnnkit.train.history import History
from rnnkit.validation import require_choice


def lr_for_epoch(config: FitConfig, epoch: int, current: float) -> float:
    """The learning rate for ``epoch`` (0-based): the schedule's value, else ``current``."""
    if config.lr_schedule is None:
        return current
    value = config.lr_schedule(epoch)
    try:
        return require_positive(value, f"lr_schedule({epoch})")
    except TypeError:
        raise TypeError(
            f"lr_schedule({epoch}) must return a finite number, got {value!r}"
        ) from None


def require_val_if_needed(cfg: FitConfig, val) -> None:
    """Refuse settings that watch ``val_loss`` (``early_stopping``, ``stop_at``) when ``val`` is
    ``None``."""
    if val is not None:
        return
    for name in ("early_stopping", "stop_at"):
        if getattr(cfg, name) is not None:
            raise ValueError(f"{name} needs validation data: pass val=...")


def target_reached(cfg: FitConfig, val_loss: float, epoch: int) -> str | None:
    """The stop reason if ``val_loss`` of epoch ``epoch`` (1-based) meets ``cfg.stop_at``."""
    if cfg.stop_at is None or not val_loss <= cfg.stop_at:
        return None
    return f"target reached: val_loss {val_loss:.4g} <= stop_at {cfg.stop_at:g} after epoch {epoch}"


class EarlyStopper:
    """Patience on the validation loss; the caller snapshots weights when it improves."""

    def __init__(self, patience: int) -> None:
        self.patience = patience
        self.best = math.inf
        self.best_epoch: int | None = None  # 1-based
        self.wait = 0

    def update(self, val_loss: float, epoch: int) -> tuple[bool, bool]:
        """Record epoch ``epoch`` (1-based); return ``(improved, should_stop)``."""
        if val_loss < self.best:  # False for NaN: a NaN epoch never counts as best
            self.best, self.best_epoch, self.wait = val_loss, epoch, 0
            return True, False
        self.wait += 1
        return False, self.wait >= self.patience

    def reason(self) -> str:
        return (
            f"early stopping: val_loss did not improve for {self.patience} epoch(s); "
            f"restored the weights of epoch {self.best_epoch}"
        )


class EpochEnd:
    """What both loops do after each finished epoch: show its numbers on the progress
    bar, apply early stopping (keeping a snapshot of the best epoch's weights) and stop
    at the ``stop_at`` target. ``snapshot()`` copies the model's weights in the
    framework's own form; :meth:`restore_best` puts them back after the last epoch."""

    def __init__(self, cfg: FitConfig, snapshot: Callable[[], object]) -> None:
        self.cfg, self.snapshot = cfg, snapshot
        self.stopper = None if cfg.early_stopping is None else EarlyStopper(cfg.early_stopping)
        self.best = None  # the best epoch's weights, while early stopping watches

    def should_stop(self, row: dict, epoch: int, history: History, bar) -> bool:
        """Record finished epoch ``epoch`` (0-based, its numbers in ``row``); True when
        training should stop, with the reason in ``history.stopped_reason``."""
        if bar is not None:
            bar.set_postfix_str(summary(row), refresh=True)
        if self.stopper is not None:
            improved, stop = self.stopper.update(row["val_loss"], epoch + 1)
            if improved:
                self.best = self.snapshot()
            if stop:
                history.stopped_reason = self.stopper.reason()
                return True
        reached = target_reached(self.cfg, row.get("val_loss", math.nan), epoch + 1)
        if reached:
            history.stopped_reason = reached
        return reached is not None

    def restore_best(self, history: History, load: Callable[[object], object]) -> None:
        """``load`` the best epoch's weights, if early stopping kept some, and record it."""
        if self.best is not None:
            load(self.best)
            history.best_epoch = self.stopper.best_epoch


def progress_bar(cfg: FitConfig, done: int, steps: int | None):
    """The bar of a run that has ``done`` epochs behind it and ``steps`` batches per
    epoch (``None``: unknown): a ``tqdm.auto`` bar (a widget in Jupyter, text
    elsewhere) over the remaining steps, or ``None`` when :func:`~rnnkit.train.config.show_progress` says no."""
    if not show_progress(cfg.progress):
        return None
    from tqdm.auto import tqdm

    total = None if steps is None else steps * (cfg.epochs - done)
    desc = f"epoch {done + 1}/{cfg.epochs}"
    try:
        return tqdm(total=total, desc=desc, unit="batch", dynamic_ncols=True)
    except ImportError:  # a notebook without working ipywidgets: fall back to text
        from tqdm.std import tqdm as text_tqdm

        return text_tqdm(total=total, desc=desc, unit="batch", dynamic_ncols=True)


def nan_reason(epoch: int, step: int, value: float) -> str:
    """Why training stopped on a non-finite loss at ``epoch`` (1-based), ``step`` (1-based)."""
    kept = "the initial weights" if epoch == 1 else f"the weights from the end of epoch {epoch - 1}"
    return f"non-finite loss ({value}) at epoch {epoch}, step {step}; restored {kept}"


def metric_names(metrics, classify: bool) -> tuple[str, ...]:
    """The metrics to track: ``("accuracy",)`` by default for a classification loss."""
    if metrics is None:
        return ("accuracy",) if classify else ()
    for name in metrics:
        require_choice(name, "metric", METRICS)
    return tuple(metrics)


def summary(row: dict) -> str:
    """One epoch's main numbers for the progress bar."""
    keys = [k for k in ("loss", "val_loss", "accuracy", "val_accuracy") if k in row]
    return ", ".join(f"{k}={row[k]:.4f}" for k in keys)
