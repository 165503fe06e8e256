"""Input checks shared by the PyTorch and Keras loops.

They work on plain numbers (lengths, label ranges) so both frameworks raise the same
one-line messages before the framework's own, deeper error would appear.
"""

from __future__ import annotations


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


def check_label_range(lo: int, hi: int, num_classes: int, where: str) -> None:
    """Class ids must lie in ``[0, num_classes - 1]``; ``num_classes`` is the model's last axis."""
    if lo < 0 or hi >= num_classes:
        raise ValueError(
            f"{where}: labels must be class ids in [0, {num_classes - 1}] for a model with "
            f"{num_classes} outputs, got labels in [{lo}, {hi}]"
        )
