"""Shared plumbing for token sequences: stacking, padding, masks and torch tensors.

Every text loader in :mod:`rnnkit.data` stores its examples as padded integer arrays
with the pad id ``0``, so the same arrays feed both frameworks:

* PyTorch: ``ids`` plus ``lengths`` for ``torch.nn.utils.rnn.pack_padded_sequence``
  (see :func:`to_torch`);
* Keras: ``ids`` directly, with ``keras.layers.Embedding(..., mask_zero=True)``
  deriving the mask from the zeros.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from rnnkit.validation import as_int_array, require_ids, require_int

PAD_ID = 0


def stack_sequences(
    seqs: Sequence[Sequence[int]],
    pad: bool = False,
    pad_id: int = PAD_ID,
    maxlen: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Stack integer sequences into one ``(n, L)`` int64 array and their ``(n,)`` lengths.

    Without ``pad`` every sequence must have the same length (a ragged list is refused,
    so a learner who forgot to pad hears about it). With ``pad=True`` shorter sequences
    are right-padded with ``pad_id`` up to ``L = maxlen`` (default: the longest one);
    a sequence longer than ``maxlen`` is refused rather than silently cut.

    Raises ``TypeError`` when ``seqs`` is not a list (or tuple, or array) of sequences;
    ``ValueError`` on an empty list, ragged input without ``pad``, a sequence that is
    not a non-empty 1-D run of integer ids ``>= 0``, or one longer than ``maxlen``.
    """
    if isinstance(seqs, (str, bytes)) or not hasattr(seqs, "__len__"):
        raise TypeError(f"seqs must be a list of id sequences, got {type(seqs).__name__}")
    if len(seqs) == 0:
        raise ValueError("seqs must hold at least one sequence, got an empty list")
    pad_id = require_int(pad_id, "pad_id", minimum=0)
    arrays = [np.asarray(s) for s in seqs]
    for i, a in enumerate(arrays):
        require_ids(a, f"seqs[{i}]", ("time",), nonempty=True)
    lengths = np.array([a.size for a in arrays], dtype=np.int64)
    if not pad and np.any(lengths != lengths[0]):
        raise ValueError(
            f"seqs must all have the same length unless pad=True, got lengths from "
            f"{int(lengths.min())} to {int(lengths.max())}"
        )
    width = int(lengths.max()) if maxlen is None else require_int(maxlen, "maxlen", minimum=1)
    if lengths.max() > width:
        raise ValueError(
            f"seqs must be at most maxlen={width} long, got one of length {int(lengths.max())}"
        )
    out = np.full((len(arrays), width), pad_id, dtype=np.int64)  # (n, L)
    for i, a in enumerate(arrays):
        out[i, : a.size] = a
    return out, lengths


def mask_from_lengths(lengths: np.ndarray, maxlen: int) -> np.ndarray:
    """Boolean ``(n, maxlen)`` mask, ``True`` on the first ``lengths[i]`` steps of row ``i``.

    ``lengths`` is 1-D, integers in ``[0, maxlen]`` (a length 0 gives a row of
    ``False``). Raises ``TypeError`` for float lengths and ``ValueError`` for a length
    below 0 or above ``maxlen``: a mask cannot be longer than its row.
    """
    maxlen = require_int(maxlen, "maxlen", minimum=1)
    lengths = as_int_array(lengths, "lengths", ndim=1, minimum=0, maximum=maxlen)  # (n,)
    return np.arange(maxlen)[None, :] < lengths[:, None]  # (n, L)


def to_torch(*arrays: np.ndarray, device: str = "cpu"):
    """Return the arrays as torch tensors (integer arrays become ``int64``, floats ``float32``).

    A thin helper so chapters do not repeat ``torch.as_tensor``; torch is imported here,
    not when :mod:`rnnkit.data` is. Pass the lengths of a padded batch as a separate
    array and keep it on the CPU: ``pack_padded_sequence`` wants CPU lengths.
    """
    import torch

    out = []
    for a in arrays:
        a = np.asarray(a)
        dtype = torch.float32 if a.dtype.kind == "f" else torch.int64
        if a.dtype.kind == "b":
            dtype = torch.bool
        out.append(torch.as_tensor(a, dtype=dtype, device=device))
    return tuple(out) if len(out) > 1 else out[0]


def to_dataloader(*arrays: np.ndarray, batch_size: int, shuffle: bool = True, seed: int = 0):
    """A ``torch.utils.data.DataLoader`` over the arrays (converted by :func:`to_torch`).

    Shuffling uses its own generator seeded with ``seed``, so the batch order is the
    same on every run. Raises ``ValueError`` when the arrays differ in length or
    ``batch_size`` exceeds it.
    """
    import torch

    sizes = {len(a) for a in arrays}
    if len(sizes) != 1:
        raise ValueError(f"arrays must all have the same first dimension, got {sorted(sizes)}")
    n = sizes.pop()
    batch_size = require_int(batch_size, "batch_size", minimum=1, maximum=n)
    tensors = [to_torch(a) for a in arrays]
    generator = torch.Generator().manual_seed(require_int(seed, "seed", minimum=0))
    dataset = torch.utils.data.TensorDataset(*tensors)
    return torch.utils.data.DataLoader(
        dataset, batch_size=batch_size, shuffle=shuffle, generator=generator
    )
