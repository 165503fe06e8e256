"""The training settings shared by ``fit_torch`` and ``fit_keras``: :class:`FitConfig`,
stated once per chapter, and :func:`show_progress`, which decides its ``progress=None``.
The loop logic both frameworks share is in :mod:`rnnkit.train.loop`."""

from __future__ import annotations

import dataclasses
import math
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass

from rnnkit.validation import require_int

LOSSES = ("cross_entropy", "mse")
METRICS = ("accuracy",)
PROGRESS_ENV = "RNNKIT_PROGRESS"  # "0" or "1": progress bars off or on when progress=None


@dataclass(frozen=True)
class FitConfig:
    """How to train, stated once: pass it as ``config=`` to ``fit_torch`` and ``fit_keras``
    (keyword arguments of the same names replace single fields).

    ``epochs``
        Total number of epochs (a resumed run continues up to it), >= 1.
    ``lr``
        Learning rate of the default optimiser (Adam).
    ``batch_size``
        Batch size when the data are given as arrays ``(x, y)``.
    ``shuffle``
        Reshuffle array data every epoch (ignored when ``tbptt``).
    ``clip_norm``
        Clip the global gradient norm to this value:
        ``g <- g * min(1, clip_norm / ||g||_2)`` over all parameters.
    ``early_stopping``
        Patience in epochs: stop when ``val_loss`` has not improved for this many
        epochs, then restore the weights of the best epoch.
    ``stop_at``
        A target: stop after the first epoch whose ``val_loss`` is at or below it,
        keeping the weights as they are ("train until solved, at most ``epochs``").
    ``lr_schedule``
        ``epoch -> lr`` (epoch counted from 0), applied at each epoch start.
    ``tbptt``
        Truncated back-propagation through time: carry the recurrent state across
        consecutive batches, cut its gradient, reset it at each epoch start (see the
        module of the framework's loop, :mod:`rnnkit.train.torch_fit` or
        :mod:`rnnkit.train.keras_fit`, for the model contract).
    ``progress``
        Show a progress bar (``tqdm.auto``); ``False`` prints nothing; ``None`` (the
        default) decides with :func:`show_progress`: on when a person runs the code
        (Jupyter, Colab, a terminal), off in the book build and the tests.
    ``device``
        PyTorch only: ``"cpu"``, ``"cuda"``, ...; ``None`` picks CUDA if present.
    """

    epochs: int = 10
    lr: float = 1e-3
    batch_size: int = 32
    shuffle: bool = True
    clip_norm: float | None = None
    early_stopping: int | None = None
    stop_at: float | None = None
    lr_schedule: Callable[[int], float] | None = None
    tbptt: bool = False
    progress: bool | None = None
    device: str | None = None

    def __post_init__(self) -> None:
        require_int(self.epochs, "epochs", minimum=1)
        require_int(self.batch_size, "batch_size", minimum=1)
        require_positive(self.lr, "lr")
        if self.clip_norm is not None:
            require_positive(self.clip_norm, "clip_norm")
        if self.early_stopping is not None:
            require_int(self.early_stopping, "early_stopping (patience in epochs)", minimum=1)
        if self.stop_at is not None:
            require_positive(self.stop_at, "stop_at (a target val_loss)")
        if self.progress not in (True, False, None):
            raise TypeError(f"progress must be True, False or None (auto), got {self.progress!r}")
        if self.lr_schedule is not None and not callable(self.lr_schedule):
            raise TypeError(
                f"lr_schedule must be a callable epoch -> lr, got {type(self.lr_schedule).__name__}"
            )


def require_positive(value, name: str) -> float:
    """``value`` as a float, or a one-line error unless it is a finite number > 0."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise TypeError(f"{name} must be a finite number, got {value!r}")
    if value <= 0:
        raise ValueError(f"{name} must be > 0, got {value}")
    return float(value)


def make_config(config: FitConfig | None, settings: dict) -> FitConfig:
    """``config`` (or the defaults) with the keyword ``settings`` replacing its fields."""
    names = [f.name for f in dataclasses.fields(FitConfig)]
    unknown = sorted(set(settings) - set(names))
    if unknown:
        raise TypeError(f"unknown training setting(s) {unknown}; expected some of {names}")
    return dataclasses.replace(config or FitConfig(), **settings)


def show_progress(progress: bool | None) -> bool:
    """Whether to draw progress bars: ``progress`` itself when it is ``True`` or ``False``.

    ``None`` means "when someone is watching". The environment variable
    ``RNNKIT_PROGRESS`` decides first (``"0"`` off, ``"1"`` on): the book build,
    ``.ci/stress.py`` and the tests set ``"0"``, so no chapter has to say so and the
    executed notebooks print the same on every run. Without it, bars are on in an
    interactive session, an IPython kernel (Jupyter, Colab) or a terminal, and off
    otherwise (output piped to a file or a log). Raises ``ValueError`` for another
    value of ``RNNKIT_PROGRESS``.
    """
    if progress is not None:
        return bool(progress)
    setting = os.environ.get(PROGRESS_ENV)
    if setting is not None:
        if setting not in ("0", "1"):
            raise ValueError(f"{PROGRESS_ENV} must be '0' or '1', got {setting!r}")
        return setting == "1"
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    return hasattr(shell, "kernel") or sys.stderr.isatty()
