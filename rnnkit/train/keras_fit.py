"""The Keras training loop: :func:`~rnnkit.train.keras_fit.fit_keras`, and a simple Keras checkpoint.

Mirrors :func:`~rnnkit.train.torch_fit.fit_torch`: same settings (:class:`~rnnkit.train.config.FitConfig`), same
:class:`~rnnkit.train.history.History`, same endings (early stopping, non-finite loss, KeyboardInterrupt).
Underneath it is ``model.fit`` with rnnkit's callbacks, so Keras users see nothing new.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
import time
import warnings
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from rnnkit.train.config import (  # noqa: E402
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
from rnnkit.train.history import History  # noqa: E402
from rnnkit.train.inputs import check_batch_size, check_label_range, check_lengths  # noqa: E402
from rnnkit.validation import require_choice  # noqa: E402

_HISTORY_ENTRY = "rnnkit_history.json"


def fit_keras(
    model: keras.Model,
    train,
    val=None,
    *,
    loss: str | Callable = "cross_entropy",
    optimizer: keras.optimizers.Optimizer | None = None,
    metrics: Sequence[str] | None = None,
    history: History | None = None,
    callbacks: Sequence[keras.callbacks.Callback] = (),
    config: FitConfig | None = None,
    **settings,
) -> History:
    """Compile and train ``model`` in place; return its per-epoch :class:`~rnnkit.train.history.History`.

    Data (``train`` and ``val``): a pair of NumPy arrays ``(x, y)`` batched with
    ``batch_size`` (reshuffled each epoch when ``shuffle``), or a batched
    ``tf.data.Dataset`` of ``(x, y)``. Labels are range-checked for arrays only.

    The model outputs logits. Loss: ``"cross_entropy"`` (sparse integer labels in
    ``[0, C-1]``, logits ``(..., C)``), ``"mse"``, or a Keras loss. ``metrics``:
    ``("accuracy",)`` (the default for cross-entropy) or ``()``.

    Settings (keywords or ``config``, see :class:`~rnnkit.train.config.FitConfig`): as in
    :func:`~rnnkit.train.torch_fit.fit_torch`; ``device`` is ignored (TensorFlow places ops itself).
    ``clip_norm`` sets the optimizer's ``global_clipnorm``. ``optimizer`` defaults to
    ``Adam(lr)``; pass the same optimizer (and ``history``) to continue a run.

    ``tbptt=True``: the model must hold at least one RNN layer built with
    ``stateful=True`` (and a fixed batch size, ``keras.Input(batch_shape=...)``).
    Keras then carries the state from batch to batch inside the layer's variables,
    which gradients never cross (the truncation); rnnkit keeps the batches in order,
    drops an incomplete last batch of arrays, and calls ``reset_state()`` at each
    epoch start and before validation.

    Endings as in :func:`~rnnkit.train.torch_fit.fit_torch`: early stopping restores the best epoch's
    weights; a non-finite loss restores the weights (and optimizer variables) of the
    last finished epoch and warns; ``KeyboardInterrupt`` keeps the weights trained so
    far and sets ``history.interrupted``. ``callbacks`` are passed on to ``model.fit``.
    """
    cfg = make_config(config, settings)
    loss_obj, classify = _loss_object(loss)
    tracked = metric_names(metrics, classify)
    require_val_if_needed(cfg, val)
    stateful = _stateful_layers(model)
    if cfg.tbptt and not stateful:
        raise ValueError(
            "tbptt=True needs a model with an RNN layer built with stateful=True "
            "(and keras.Input(batch_shape=...)), found none"
        )
    train_ds, steps = _as_data(
        train, model, cfg, classify, "train", shuffle=cfg.shuffle and not cfg.tbptt
    )
    val_ds = None if val is None else _as_data(val, model, cfg, classify, "val", shuffle=False)[0]

    if optimizer is None:
        optimizer = keras.optimizers.Adam(learning_rate=cfg.lr)
    if cfg.clip_norm is not None:
        optimizer.global_clipnorm = cfg.clip_norm  # g <- g * min(1, clip_norm / ||g||)
    model.compile(optimizer=optimizer, loss=loss_obj, metrics=list(tracked))

    history = History() if history is None else history
    history.interrupted, history.stopped_reason = False, None
    start = history.epochs
    if start >= cfg.epochs:
        return history
    total = None if steps is None else steps * (cfg.epochs - start)
    bar = progress_bar(cfg.progress, total, f"epoch {start + 1}/{cfg.epochs}")
    recorder = _Recorder(history, cfg, tracked, stateful if cfg.tbptt else [], bar)
    try:
        model.fit(
            train_ds,
            validation_data=val_ds,
            epochs=cfg.epochs,
            initial_epoch=start,
            verbose=0,
            shuffle=False,  # array data are shuffled in the tf.data pipeline above
            callbacks=[recorder, *callbacks],
        )
    except KeyboardInterrupt:
        history.interrupted = True
        history.stopped_reason = (
            f"interrupted (KeyboardInterrupt) during epoch {recorder.epoch + 1}"
        )
    finally:
        if bar is not None:
            bar.close()
    recorder.finish()
    return history


class _Recorder(keras.callbacks.Callback):
    """Fills the History, applies the LR schedule, early stopping and the NaN guard."""

    def __init__(self, history: History, cfg: FitConfig, metric_names, stateful: list, bar) -> None:
        super().__init__()
        self.history_, self.cfg, self.stateful, self.bar = history, cfg, stateful, bar
        self.metric_names = metric_names
        self.stopper = None if cfg.early_stopping is None else EarlyStopper(cfg.early_stopping)
        self.best_weights = None
        self.good = None
        self.epoch = 0
        self.bad: tuple[int, int, float] | None = None  # (epoch, step, value)

    def _reset_states(self) -> None:
        for layer in self.stateful:
            layer.reset_state()

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch
        opt = self.model.optimizer
        self.lr = lr_for_epoch(self.cfg, epoch, float(opt.learning_rate))
        opt.learning_rate = self.lr
        self.good = (self.model.get_weights(), [v.numpy() for v in opt.variables])
        self._reset_states()  # TBPTT: a fresh state at each epoch start
        self.began = time.perf_counter()
        if self.bar is not None:
            self.bar.set_description_str(f"epoch {epoch + 1}/{self.cfg.epochs}", refresh=False)

    def on_train_batch_end(self, batch, logs=None):
        value = float(logs["loss"])  # Keras's running mean: non-finite from the bad step on
        if not math.isfinite(value) and self.bad is None:
            self.bad = (self.epoch + 1, batch + 1, value)
            self.model.stop_training = True
        if self.bar is not None:
            self.bar.update(1)
            if batch % 10 == 0:
                self.bar.set_postfix_str(f"loss={value:.4f}", refresh=False)

    def on_test_begin(self, logs=None):
        self._reset_states()  # validation starts from a fresh state too

    def on_epoch_end(self, epoch, logs=None):
        if self.bad is not None:
            return
        keys = ["loss", *self.metric_names]
        row = {k: float(logs[k]) for k in keys + [f"val_{k}" for k in keys] if k in logs}
        # the optimizer holds lr in float32; 7 digits give back the value asked for
        row["lr"], row["seconds"] = float(f"{self.lr:.7g}"), time.perf_counter() - self.began
        self.history_.append(row)
        if self.bar is not None:
            self.bar.set_postfix_str(summary(row), refresh=True)
        if self.stopper is not None:
            improved, stop = self.stopper.update(row["val_loss"], epoch + 1)
            if improved:
                self.best_weights = self.model.get_weights()
            if stop:
                self.history_.stopped_reason = self.stopper.reason()
                self.model.stop_training = True
        reached = target_reached(self.cfg, row.get("val_loss", math.nan), epoch + 1)
        if reached:
            self.history_.stopped_reason = reached
            self.model.stop_training = True

    def finish(self) -> None:
        """After ``model.fit``: restore weights for the NaN and early-stopping endings."""
        if self.bad is not None:
            weights, opt_values = self.good
            self.model.set_weights(weights)
            variables = self.model.optimizer.variables
            if len(variables) == len(opt_values):
                for variable, value in zip(variables, opt_values, strict=True):
                    variable.assign(value)
            self.history_.stopped_reason = nan_reason(*self.bad)
            warnings.warn(self.history_.stopped_reason, RuntimeWarning, stacklevel=3)
        elif self.best_weights is not None and not self.history_.interrupted:
            self.model.set_weights(self.best_weights)
            self.history_.best_epoch = self.stopper.best_epoch


def _as_data(data, model, cfg: FitConfig, classify: bool, name: str, shuffle: bool):
    """``(dataset_or_pair, steps_per_epoch or None)`` after the one-line checks."""
    if isinstance(data, tf.data.Dataset):
        n = int(data.cardinality())
        return data, (n if n >= 0 else None)
    if not (isinstance(data, (tuple, list)) and len(data) == 2):
        raise TypeError(
            f"{name} must be a pair (x, y) of NumPy arrays or a tf.data.Dataset, got {type(data).__name__}"
        )
    x, y = (np.asarray(a) for a in data)
    check_lengths(len(x), len(y), name)
    check_batch_size(cfg.batch_size, len(x), name)
    if classify:
        if y.dtype.kind not in "iu":
            raise TypeError(
                f"{name}: cross_entropy needs integer class ids as labels, got dtype {y.dtype}"
            )
        check_label_range(
            int(y.min()), int(y.max()), _num_classes(model, x[: cfg.batch_size]), name
        )
    dataset = tf.data.Dataset.from_tensor_slices((x, y))
    if shuffle:
        dataset = dataset.shuffle(len(x), reshuffle_each_iteration=True)
    dataset = dataset.batch(cfg.batch_size, drop_remainder=cfg.tbptt)
    return dataset, len(dataset)


def _num_classes(model, x_batch) -> int:
    try:
        return int(model.output_shape[-1])
    except (AttributeError, ValueError, TypeError):  # a subclassed model, not built yet
        return int(model(x_batch, training=False).shape[-1])


def _stateful_layers(model) -> list:
    found, todo = [], [model]
    while todo:
        layer = todo.pop()
        if getattr(layer, "stateful", False) and hasattr(layer, "reset_state"):
            found.append(layer)
        todo.extend(
            getattr(layer, "layers", []) if layer is model or isinstance(layer, keras.Model) else []
        )
    return found


def _loss_object(loss):
    if not isinstance(loss, str):
        return loss, False
    require_choice(loss, "loss", LOSSES)
    if loss == "cross_entropy":
        return keras.losses.SparseCategoricalCrossentropy(from_logits=True), True
    return keras.losses.MeanSquaredError(), False


def save_keras_checkpoint(path: str | os.PathLike, model: keras.Model, history: History) -> Path:
    """Save model, optimizer state and ``history`` to one ``.keras`` file, atomically.

    Keras's own format holds the architecture, the weights and the optimizer's
    variables; rnnkit adds the history as a JSON entry inside the same zip file.
    The file is written next to ``path`` and moved over it with ``os.replace``.
    Random-number generators are not saved: resume with ``shuffle=False`` (or accept
    a different shuffle order) for a run equal to an uninterrupted one.
    """
    path = Path(path)
    if path.suffix != ".keras":
        raise ValueError(f"a Keras checkpoint path must end in '.keras', got {path.name!r}")
    if not isinstance(history, History):
        raise TypeError(f"history must be an rnnkit History, got {type(history).__name__}")
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=".keras")
    os.close(fd)
    try:
        model.save(tmp)
        with zipfile.ZipFile(tmp, "a") as archive:
            archive.writestr(_HISTORY_ENTRY, json.dumps(history.to_state()))
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise
    return path


def load_keras_checkpoint(path: str | os.PathLike) -> tuple[keras.Model, History]:
    """Load ``(model, history)`` saved by :func:`~rnnkit.train.keras_fit.save_keras_checkpoint`.

    The model comes back compiled, with its optimizer's state; continue with
    ``fit_keras(model, ..., optimizer=model.optimizer, history=history)``. Raises
    ``FileNotFoundError`` or a one-line ``ValueError`` for a corrupted or foreign file.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no checkpoint at {path}")
    try:
        with zipfile.ZipFile(path) as archive:
            state = json.loads(archive.read(_HISTORY_ENTRY))
    except KeyError:
        raise ValueError(
            f"{path} is not an rnnkit Keras checkpoint: it has no {_HISTORY_ENTRY}"
        ) from None
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise ValueError(
            f"{path} is not a readable Keras checkpoint (truncated, corrupted or not a .keras file): "
            f"{type(error).__name__}"
        ) from None
    try:
        model = keras.models.load_model(path)
    except Exception as error:  # Keras raises several types for a damaged archive
        first = (str(error).strip().splitlines() or [""])[0][:200]
        raise ValueError(
            f"{path}: Keras could not rebuild the model: {type(error).__name__}: {first}"
        ) from None
    return model, History.from_state(state)
