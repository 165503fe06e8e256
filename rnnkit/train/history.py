"""The training history that :func:`~rnnkit.train.torch_fit.fit_torch` and
:func:`~rnnkit.train.keras_fit.fit_keras` both return.

A :class:`~rnnkit.train.history.History` is a ``dict`` from a metric name to one float per recorded
epoch, so ``history["val_loss"][-1]`` and ``pandas.DataFrame(history)`` work the same for both
frameworks. Keys: ``loss`` and ``seconds`` (wall time of the epoch, validation included) always;
``lr`` (the learning rate used in the epoch); ``val_loss`` when there is validation data; one key
per metric (``accuracy``, ``val_accuracy``); and, in PyTorch when clipping is on, ``grad_norm``
(largest pre-clip gradient norm). Every list has one entry per recorded epoch: a value that was not
measured is NaN.

Four attributes say how training ended, and what the model went through:

* ``interrupted``: a KeyboardInterrupt (Ctrl-C) stopped the run;
* ``partial``: ``{epoch: steps}`` for an epoch whose training an interrupt cut short
  (1-based epoch, number of optimizer steps it ran). Its row holds the means over
  those steps, and NaN for the validation it never reached. An interrupt during
  validation records the finished training epoch with NaN validation metrics; one
  at an epoch's start (before its first step) records nothing for it. So the rows
  always describe exactly the updates the weights went through;
* ``stopped_reason``: a sentence, or ``None`` when all epochs ran;
* ``best_epoch``: the 1-based epoch whose weights early stopping restored.
"""

from __future__ import annotations

import math


class History(dict):
    """Per-epoch metrics, ``{name: [value of epoch 1, value of epoch 2, ...]}``."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.interrupted = False
        self.stopped_reason: str | None = None
        self.best_epoch: int | None = None
        self.partial: dict[int, int] = {}

    @property
    def epochs(self) -> int:
        """Number of recorded epochs, a partial one (see ``partial``) included."""
        return len(self.get("loss", []))

    def append(self, row: dict[str, float]) -> None:
        """Add one epoch; ``row`` maps metric names to numbers. A name new to the
        history gets NaN for the earlier epochs, a name missing from ``row`` NaN for
        this one, so that every list keeps one entry per epoch."""
        done = self.epochs
        for key in [*self, *(key for key in row if key not in self)]:
            values = self.setdefault(key, [math.nan] * done)
            values.append(float(row.get(key, math.nan)))

    def to_state(self) -> dict:
        """Plain types only (dicts, lists, floats, str, bool, None): safe for
        ``torch.load(weights_only=True)`` and for JSON."""
        return {
            "metrics": {key: list(values) for key, values in self.items()},
            "interrupted": bool(self.interrupted),
            "stopped_reason": self.stopped_reason,
            "best_epoch": self.best_epoch,
            "partial": [[epoch, steps] for epoch, steps in sorted(self.partial.items())],
        }

    @classmethod
    def from_state(cls, state: dict) -> History:
        """Inverse of :meth:`to_state`."""
        history = cls({key: [float(v) for v in values] for key, values in state["metrics"].items()})
        history.interrupted = bool(state.get("interrupted", False))
        history.stopped_reason = state.get("stopped_reason")
        history.best_epoch = state.get("best_epoch")
        history.partial = {int(epoch): int(steps) for epoch, steps in state.get("partial", [])}
        return history

    @classmethod
    def resume(cls, history: History | None) -> History:
        """The History a ``fit_*`` call records into: a new one, or ``history`` (a run
        passed back in to continue) with the ending of its last call cleared."""
        history = cls() if history is None else history
        history.interrupted, history.stopped_reason = False, None
        return history

    def __repr__(self) -> str:
        shown = ", ".join(f"{k}={v[-1]:.4g}" for k, v in self.items() if v and math.isfinite(v[-1]))
        extra = ""
        if self.interrupted:
            extra += ", interrupted"
        if self.partial:
            extra += f", partial epochs {self.partial}"
        if self.stopped_reason:
            extra += f", stopped: {self.stopped_reason}"
        return f"History({self.epochs} epochs, last: {shown}{extra})"
