"""Input checks shared by the PyTorch and Keras loops.

They work on plain values (lengths, shapes, dtype kinds, type names) so both
frameworks raise the same one-line messages before the framework's own, deeper
error would appear -- or, worse, before training ran silently on wrong data.
"""

from __future__ import annotations

from collections.abc import Sequence

from rnnkit.validation import dtype_name, require_ids


def require_model(model, expected: type, name: str) -> None:
    """The model must be a network of the loop's framework (not a plain function)."""
    if not isinstance(model, expected):
        raise TypeError(
            f"model must be a {name} (a network with weights to train), got {type(model).__name__}"
        )


def split_pair(data, name: str):
    """``(x, y)`` when ``data`` is a pair of arrays, ``None`` when it is something else
    (batches, a dataset). A pair holding a plain list is refused in both frameworks."""
    if not (isinstance(data, (tuple, list)) and len(data) == 2):
        return None
    if all(hasattr(a, "shape") for a in data):
        return tuple(data)
    if any(isinstance(a, (list, tuple)) and not _holds_arrays(a) for a in data):
        kinds = " and ".join(type(a).__name__ for a in data)
        raise TypeError(
            f"{name}: x and y must be arrays (NumPy arrays or tensors), got {kinds}; "
            "convert them with np.asarray"
        )
    return None


def _holds_arrays(items) -> bool:
    return len(items) > 0 and all(hasattr(a, "shape") for a in items)


def check_lengths(n_x: int, n_y: int, name: str) -> None:
    """``x`` and ``y`` must hold the same number of examples (first axis)."""
    if n_x != n_y:
        raise ValueError(
            f"{name}: x and y must have the same length on axis 0, got {n_x} inputs and {n_y} targets"
        )


def check_batch_size(batch_size: int, n: int, name: str) -> None:
    """A batch cannot be larger than the data set (it would silently be one short batch)."""
    if n == 0:
        raise ValueError(f"{name}: the data set is empty (0 examples)")
    if batch_size > n:
        raise ValueError(
            f"{name}: batch_size must be <= the number of examples ({n}), got {batch_size}"
        )


def check_labels(y_shape: Sequence[int], out_shape: Sequence[int], where: str) -> None:
    """Cross-entropy labels: one class id per output position, so ``y.shape`` must be
    the output's shape without its last (class) axis."""
    y_shape, out_shape = tuple(y_shape), tuple(out_shape)
    want = out_shape[:-1]
    if y_shape != want:
        hint = ""
        if y_shape == out_shape:
            hint = (
                "; targets shaped like the output are either regression targets (pass "
                'loss="mse") or one-hot labels (pass the class ids, y.argmax(-1))'
            )
        elif y_shape == (*want, 1):
            hint = "; drop the last axis: y[..., 0]"
        raise ValueError(
            f"{where}: cross_entropy needs labels of shape {want} (one class id per output "
            f"position; the model outputs {out_shape}), got {y_shape}{hint}"
        )


def check_label_ids(labels, num_classes: int, where: str) -> None:
    """Labels are integer class ids in ``[0, num_classes - 1]``; ``num_classes`` is the
    model's last axis (:func:`rnnkit.validation.require_ids`)."""
    require_ids(labels, f"{where}: labels for a model with {num_classes} outputs", size=num_classes)


def input_vocab_size(model) -> int | None:
    """How many token ids the model reads, where it says: its ``vocab_size`` attribute,
    else the ``input_dim``/``num_embeddings`` of its only embedding layer; else ``None``."""
    size = getattr(model, "vocab_size", None)
    if isinstance(size, int):
        return size
    try:
        layers = (
            list(model.modules()) if hasattr(model, "modules") else list(model._flatten_layers())
        )
    except Exception:  # a model that cannot list its layers: nothing to check against
        return None
    sizes = [
        getattr(layer, "num_embeddings", None) or getattr(layer, "input_dim", None)
        for layer in layers
        if type(layer).__name__ == "Embedding"
    ]
    return sizes[0] if len(sizes) == 1 and isinstance(sizes[0], int) else None


def check_token_ids(x, model, where: str) -> None:
    """Token ids for a model with a vocabulary: integers in ``[0, vocab_size - 1]``, the
    same check in :func:`~rnnkit.train.torch_fit.fit_torch` and
    :func:`~rnnkit.train.keras_fit.fit_keras` (Keras would otherwise cast floats to ints
    and turn an unknown id into a zero vector)."""
    size = input_vocab_size(model)
    if size is not None:
        require_ids(x, f"{where}: x for a model with {size} tokens", size=size, nonempty=True)


def check_targets(y_shape: Sequence[int], out_shape: Sequence[int], where: str) -> None:
    """Regression targets must have the output's shape (no silent broadcasting)."""
    if tuple(y_shape) != tuple(out_shape):
        raise ValueError(
            f"{where}: mse needs targets of the output's shape {tuple(out_shape)}, "
            f"got {tuple(y_shape)}"
        )


def unreadable_input(where: str, x_shape, x_dtype, detail: str) -> ValueError:
    """The error for inputs the model cannot read, with the usual cause named."""
    x_shape, x_dtype = tuple(x_shape), dtype_name(x_dtype)
    hint = ""
    if len(x_shape) == 2 and x_dtype.startswith("float"):
        hint = (
            "; recurrent layers read (batch, time, features): add the feature axis with "
            "x[..., None]"
        )
    return ValueError(
        f"{where}: the model cannot read x of shape {x_shape} ({x_dtype}): {detail}{hint}"
    )


def foreign_optimizer(example: str) -> ValueError:
    """The error for an optimizer that holds none of the model's weights."""
    return ValueError(
        "optimizer holds none of this model's trainable weights (was it built for another "
        f"model?): build it for this one, e.g. {example}"
    )
