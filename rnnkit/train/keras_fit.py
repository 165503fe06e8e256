"""The Keras training loop: :func:`~rnnkit.train.keras_fit.fit_keras` (its checkpoints
are in :mod:`rnnkit.train.checkpoint`).

Mirrors :func:`~rnnkit.train.torch_fit.fit_torch`: same settings
(:class:`~rnnkit.train.config.FitConfig`), same
:class:`~rnnkit.train.history.History`, same endings (early stopping, non-finite loss,
KeyboardInterrupt). Underneath it is ``model.fit`` with rnnkit's callbacks, so Keras users see
nothing new.

Endings, as in ``fit_torch``: early stopping restores the best epoch's weights; a
non-finite loss restores the weights (and optimizer variables) of the last finished
epoch and warns; Ctrl-C takes effect at the next safe point (see
:mod:`rnnkit.train.interrupt`), keeps every step taken, sets ``history.interrupted``
and records exactly those steps (``history.partial``).

Truncated BPTT (``tbptt=True``): the model must hold at least one RNN layer built with
``stateful=True`` (and a fixed batch size, ``keras.Input(batch_shape=...)``). Keras
then carries the state from batch to batch inside the layer's variables, which
gradients never cross (the truncation); rnnkit keeps the batches in order, drops an
incomplete last batch of arrays, and calls ``reset_state()`` at each epoch start and
before validation.
"""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Callable, Sequence

import keras
import numpy as np
import tensorflow as tf

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
    """Compile and train ``model`` in place; return its per-epoch
    :class:`~rnnkit.train.history.History`.

    Data (``train`` and ``val``): a pair of NumPy arrays ``(x, y)`` batched with
    ``batch_size`` (reshuffled each epoch when ``shuffle``), or a batched
    ``tf.data.Dataset`` of ``(x, y)``. The model runs once on the first batch before
    training, so inputs it cannot read (a missing feature axis) and labels or targets
    of the wrong shape fail at once, with the messages of
    :func:`~rnnkit.train.torch_fit.fit_torch`; label ranges are checked over all of an
    array's labels, over the first batch of a dataset.

    The model outputs logits. ``loss`` and ``metrics`` as in
    :func:`~rnnkit.train.torch_fit.fit_torch` (``loss`` may also be a Keras loss).
    Settings too (``config`` and/or keywords); ``device`` is ignored (TensorFlow
    places ops itself), ``clip_norm`` sets the optimizer's ``global_clipnorm``.
    ``optimizer`` defaults to ``Adam(lr)``; pass the same optimizer (and ``history``)
    to continue a run. ``tbptt=True`` needs a stateful RNN layer (see the module
    docstring). The endings are those of ``fit_torch``. ``callbacks`` are passed on
    to ``model.fit``, after rnnkit's own.

    Raises ``ValueError``/``TypeError`` (one line, the same as ``fit_torch``'s) for
    bad settings, a model that is not a ``keras.Model``, an optimizer built for
    another model, mismatched ``x``/``y`` lengths, a batch size larger than the data,
    inputs the model cannot read, labels of the wrong shape, dtype or range.
    """
    cfg = make_config(config, settings)
    train_ds, val_ds, steps, tracked, stateful = _prepare(
        model, train, val, loss, optimizer, metrics, cfg
    )
    history = History.resume(history)
    if history.epochs >= cfg.epochs:
        return history
    bar = progress_bar(cfg, history.epochs, steps)
    with InterruptGuard() as guard:
        recorder = _Recorder(history, cfg, tracked, stateful if cfg.tbptt else [], bar, guard)
        recorder.steps_per_epoch = steps
        _run_fit(model, train_ds, val_ds, cfg, history.epochs, [recorder, *callbacks], bar)
        recorder.finish()
    return history


def _prepare(model, train, val, loss, optimizer, metrics, cfg: FitConfig):
    """Every check before the first step, in order, then ``model.compile``; returns
    ``(train dataset, val dataset or None, steps per epoch, metric names, stateful layers)``."""
    require_model(model, keras.Model, "keras.Model")
    loss_obj, classify = _loss_object(loss)
    tracked = metric_names(metrics, classify)
    require_val_if_needed(cfg, val)
    stateful = _stateful_layers(model)
    if cfg.tbptt and not stateful:
        raise ValueError(
            "tbptt=True needs a model with an RNN layer built with stateful=True "
            "(and keras.Input(batch_shape=...)), found none"
        )
    shuffle = cfg.shuffle and not cfg.tbptt
    train_ds, steps = _as_data(train, model, cfg, loss, "train", shuffle=shuffle)
    val_ds = None if val is None else _as_data(val, model, cfg, loss, "val", shuffle=False)[0]
    optimizer = _optimizer_for(model, optimizer, cfg)
    model.compile(optimizer=optimizer, loss=loss_obj, metrics=list(tracked))
    return train_ds, val_ds, steps, tracked, stateful


def _run_fit(model, train_ds, val_ds, cfg: FitConfig, start: int, callbacks: list, bar) -> None:
    """``model.fit`` with an interrupt handed to the recorder (``callbacks[0]``)."""
    try:
        model.fit(
            train_ds,
            validation_data=val_ds,
            epochs=cfg.epochs,
            initial_epoch=start,
            verbose=0,
            shuffle=False,  # array data are shuffled in the tf.data pipeline above
            callbacks=callbacks,
        )
    except KeyboardInterrupt:
        callbacks[0].interrupted()
    finally:
        if bar is not None:
            bar.close()


class _Recorder(keras.callbacks.Callback):
    """Fills the History, applies the LR schedule, early stopping and the NaN guard,
    and marks the safe points where Ctrl-C takes effect."""

    def __init__(
        self, history: History, cfg: FitConfig, metric_names, stateful: list, bar, guard
    ) -> None:
        super().__init__()
        self.history_, self.cfg, self.stateful, self.bar = history, cfg, stateful, bar
        self.metric_names, self.guard = metric_names, guard
        self.end = EpochEnd(cfg, lambda: self._best_weights())
        self.good = None
        self.epoch, self.steps, self.steps_per_epoch = history.epochs, 0, None
        self.previous_lr, self.row, self.last_logs = None, None, {}
        self.lr, self.began = cfg.lr, time.perf_counter()
        self.bad: tuple[int, int, float] | None = None  # (epoch, step, value)

    def _reset_states(self) -> None:
        for layer in self.stateful:
            layer.reset_state()

    def on_epoch_begin(self, epoch, logs=None):
        self.guard.phase = "epoch start"
        self.epoch, self.steps, self.row, self.last_logs = epoch, 0, None, {}
        opt = self.model.optimizer
        self.previous_lr = float(opt.learning_rate)
        self.lr = lr_for_epoch(self.cfg, epoch, self.previous_lr)
        opt.learning_rate = self.lr
        self.good = self._good_state()
        self._reset_states()  # TBPTT: a fresh state at each epoch start
        self.began = time.perf_counter()
        if self.bar is not None:
            self.bar.set_description_str(f"epoch {epoch + 1}/{self.cfg.epochs}", refresh=False)
        self.guard.check()
        self.guard.phase = "training"

    def on_train_batch_end(self, batch, logs=None):
        value = float(logs["loss"])  # Keras's running mean: non-finite from the bad step on
        self.steps, self.last_logs = batch + 1, dict(logs)
        if not math.isfinite(value) and self.bad is None:
            self.bad = (self.epoch + 1, batch + 1, value)
            self.model.stop_training = True
        if self.bar is not None:
            self.bar.update(1)
            if batch % 10 == 0:
                self.bar.set_postfix_str(f"loss={value:.4f}", refresh=False)
        self.guard.check()  # a safe point: the step is applied and counted

    def on_test_begin(self, logs=None):
        if self.guard.phase == "training":  # validation inside fit, after the last step
            self.row = self._train_row()
            self.guard.phase = "validation"
        self._reset_states()  # validation starts from a fresh state too

    def on_test_batch_end(self, batch, logs=None):
        self.guard.check()

    def on_epoch_end(self, epoch, logs=None):
        if self.bad is not None:
            return
        self.guard.phase = "epoch end"
        keys = ["loss", *self.metric_names]
        row = {k: float(logs[k]) for k in keys + [f"val_{k}" for k in keys] if k in logs}
        row.update(lr=self._lr(), seconds=time.perf_counter() - self.began)
        self.history_.append(row)
        if self.end.should_stop(row, epoch, self.history_, self.bar):
            self.model.stop_training = True
        self.guard.check()

    def _lr(self) -> float:
        # the optimizer holds lr in float32; 7 digits give back the value asked for
        return float(f"{self.lr:.7g}")

    def _train_row(self) -> dict:
        keys = ["loss", *self.metric_names]
        row = {k: float(self.last_logs[k]) for k in keys if k in self.last_logs}
        return {**row, "lr": self._lr(), "seconds": time.perf_counter() - self.began}

    def _good_state(self) -> tuple:
        """Weights and optimizer variables at the epoch start, for the NaN ending."""
        return self.model.get_weights(), [v.numpy() for v in self.model.optimizer.variables]

    def _best_weights(self) -> list:
        """Early stopping's in-memory checkpoint of the best epoch's weights."""
        return self.model.get_weights()

    def interrupted(self) -> None:
        """Record what the weights went through before Ctrl-C (see History)."""
        history, phase = self.history_, self.guard.phase
        history.interrupted, self.end.best = True, None
        if phase == "training" and self.steps > 0:
            history.append(self._train_row())
            history.partial[self.epoch + 1] = self.steps
        elif phase == "validation":
            history.append(self.row)  # training finished; validation metrics stay NaN
        elif phase != "epoch end" and self.previous_lr is not None:
            self.model.optimizer.learning_rate = self.previous_lr  # no step: undo its lr
        history.stopped_reason = self.guard.reason(self.epoch + 1, self.steps, self.steps_per_epoch)

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
        elif not self.history_.interrupted:
            self.end.restore_best(self.history_, self.model.set_weights)


def _optimizer_for(model, optimizer, cfg: FitConfig):
    """``Adam(lr)`` by default; a given optimizer already built must hold some of the
    model's trainable weights (Keras would stop at its first step otherwise)."""
    if optimizer is None:
        optimizer = keras.optimizers.Adam(learning_rate=cfg.lr)
    elif not isinstance(optimizer, keras.optimizers.Optimizer):
        raise TypeError(
            f"optimizer must be a keras.optimizers.Optimizer, got {type(optimizer).__name__}"
        )
    elif optimizer.built:
        held = {id(v) for v in getattr(optimizer, "_trainable_variables", [])}
        mine = {id(v) for v in model.trainable_variables}
        if mine and held and not mine & held:
            raise foreign_optimizer("keras.optimizers.Adam()")
    if cfg.clip_norm is not None:
        optimizer.global_clipnorm = cfg.clip_norm  # g <- g * min(1, clip_norm / ||g||)
    return optimizer


def _as_data(data, model, cfg: FitConfig, loss, name: str, shuffle: bool):
    """``(dataset, steps_per_epoch or None)`` after the one-line checks."""
    if isinstance(data, tf.data.Dataset):
        n = int(data.cardinality())
        for batch in data.take(1):  # the first batch, for the checks
            if isinstance(batch, (tuple, list)) and len(batch) == 2:
                check_token_ids(np.asarray(batch[0]), model, f"{name} batch 1")
                _probe(model, np.asarray(batch[0]), np.asarray(batch[1]), loss, name)
        return data, (n if n >= 0 else None)
    pair = split_pair(data, name)
    if pair is None:
        raise TypeError(
            f"{name} must be a pair (x, y) of NumPy arrays or a tf.data.Dataset, got {type(data).__name__}"
        )
    x, y = (np.asarray(a) for a in pair)
    check_lengths(len(x), len(y), name)
    check_batch_size(cfg.batch_size, len(x), name)
    check_token_ids(x, model, name)
    _probe(model, x[: cfg.batch_size], y[: cfg.batch_size], loss, name, labels=y)
    dataset = tf.data.Dataset.from_tensor_slices((x, y))
    if shuffle:
        dataset = dataset.shuffle(len(x), reshuffle_each_iteration=True)
    dataset = dataset.batch(cfg.batch_size, drop_remainder=cfg.tbptt)
    return dataset, len(dataset)


def _probe(model, x: np.ndarray, y: np.ndarray, loss, name: str, labels=None) -> None:
    """Run the model on the first batch: unreadable inputs and labels or targets of the
    wrong shape, dtype or range fail here, with the messages ``fit_torch`` gives."""
    where = f"{name} batch 1"
    expected = _input_shape(model)
    if expected is not None and not _fits(x.shape, expected):
        layout = "(" + ", ".join("any" if d is None else str(d) for d in expected) + ")"
        raise unreadable_input(where, x.shape, x.dtype, f"its input is {layout}")
    try:
        out_shape = tuple(model(x, training=False).shape)
    except Exception as error:  # Keras raises several types for inputs it cannot take
        raise unreadable_input(
            where, x.shape, x.dtype, one_line(error) or type(error).__name__
        ) from None
    if loss == "cross_entropy":
        check_labels(y.shape, out_shape, where)
        check_label_ids(y, out_shape[-1], where)
        if labels is not None:  # all of an array's labels, not only the first batch's
            check_label_ids(labels, out_shape[-1], name)
    elif loss == "mse":
        check_targets(y.shape, out_shape, where)


def _input_shape(model) -> tuple | None:
    """The shape of a functional model's single input, ``None`` where unknown."""
    try:
        inputs = model.inputs
    except (AttributeError, ValueError):  # a subclassed model
        return None
    if not inputs or len(inputs) != 1:
        return None
    return tuple(inputs[0].shape)


def _fits(shape: tuple, expected: tuple) -> bool:
    return len(shape) == len(expected) and all(
        e is None or e == s for e, s in zip(expected[1:], shape[1:], strict=True)
    )


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
