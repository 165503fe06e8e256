"""Save and resume a PyTorch training run (the Keras twins, :func:`~rnnkit.train.keras_fit.save_keras_checkpoint`
and :func:`~rnnkit.train.keras_fit.load_keras_checkpoint`, live beside ``fit_keras``).

A checkpoint is one ``torch.save`` file holding a dict of plain types and tensors
only, so it loads with ``torch.load(..., weights_only=True)`` (no code runs when a
file is opened)::

    {"format": "rnnkit.train.checkpoint", "version": 1,
     "model": state_dict, "optimizer": state_dict, "epoch": int,
     "history": History.to_state(), "rng": {"python", "numpy", "torch", "cuda"}}

Writing is atomic: the file is written next to its destination and moved over it
with ``os.replace``, so an interrupted save leaves the previous checkpoint intact.
Restoring the random-number generators makes a resumed run continue exactly as an
uninterrupted one would (same shuffles, same dropout masks).
"""

from __future__ import annotations

import os
import random
import tempfile
from pathlib import Path

import numpy as np
import torch

from rnnkit.train.history import History
from rnnkit.train.inputs import one_line

FORMAT = "rnnkit.train.checkpoint"
VERSION = 1
_KEYS = ("format", "version", "model", "optimizer", "epoch", "history", "rng")


def save_torch_checkpoint(
    path: str | os.PathLike,
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer | None,
    history: History,
) -> Path:
    """Write model, optimizer, history and RNG states to ``path`` atomically; return it."""
    if not isinstance(history, History):
        raise TypeError(f"history must be an rnnkit History, got {type(history).__name__}")
    path = Path(path)
    payload = {
        "format": FORMAT,
        "version": VERSION,
        "model": model.state_dict(),
        "optimizer": None if optimizer is None else optimizer.state_dict(),
        "epoch": history.epochs,
        "history": history.to_state(),
        "rng": _rng_state(),
    }
    atomic_write(path, lambda f: torch.save(payload, f))
    return path


def load_torch_checkpoint(
    path: str | os.PathLike,
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer | None = None,
    restore_rng: bool = True,
) -> History:
    """Load a checkpoint from :func:`~rnnkit.train.checkpoint.save_torch_checkpoint` into ``model`` (and ``optimizer``).

    Returns the saved :class:`~rnnkit.train.history.History`; pass it, with the same optimizer, to
    ``fit_torch(..., history=history)`` to continue. With ``restore_rng`` the Python,
    NumPy and torch generators are put back as they were at the save.

    Raises ``FileNotFoundError`` for a missing file, ``ValueError`` (one line) for a
    truncated or garbage file, a torch file that is not an rnnkit checkpoint, or
    weights that do not fit ``model``.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no checkpoint at {path}")
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:  # torch raises several types for bad files
        raise ValueError(
            f"{path} is not a readable checkpoint (truncated, corrupted or not a torch file): "
            f"{type(error).__name__}: {one_line(error)}"
        ) from None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        found = (
            sorted(map(str, payload))[:6] if isinstance(payload, dict) else type(payload).__name__
        )
        raise ValueError(
            f"{path} is a torch file but not an rnnkit checkpoint: expected a dict with "
            f"format={FORMAT!r} and keys {list(_KEYS)}, got {found}"
        )
    missing = [key for key in _KEYS if key not in payload]
    if missing or payload["version"] != VERSION:
        raise ValueError(
            f"{path}: unsupported rnnkit checkpoint (version {payload.get('version')}, "
            f"missing keys {missing}); expected version {VERSION}"
        )
    try:
        model.load_state_dict(payload["model"])
    except RuntimeError as error:
        raise ValueError(
            f"{path}: the saved weights do not fit this model: {_one_line(error)}"
        ) from None
    if optimizer is not None:
        if payload["optimizer"] is None:
            raise ValueError(f"{path} holds no optimizer state (saved with optimizer=None)")
        try:
            optimizer.load_state_dict(payload["optimizer"])
        except (ValueError, KeyError) as error:
            raise ValueError(
                f"{path}: the saved optimizer state does not fit this optimizer: {_one_line(error)}"
            ) from None
    if restore_rng:
        _set_rng_state(payload["rng"])
    return History.from_state(payload["history"])


def atomic_write(path: Path, write) -> None:
    """Call ``write(file)`` on a temporary file in ``path``'s folder, then move it over ``path``."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def _rng_state() -> dict:
    version, internal, gauss = random.getstate()
    # the legacy global generator is the one rnnkit.setup seeds
    _, keys, pos, has_gauss, cached = np.random.get_state()  # noqa: NPY002
    return {
        "python": {
            "version": version,
            "state": torch.tensor(internal, dtype=torch.int64),
            "gauss": gauss,
        },
        "numpy": {
            "keys": torch.from_numpy(keys.astype(np.int64)),
            "pos": int(pos),
            "has_gauss": int(has_gauss),
            "cached": float(cached),
        },
        "torch": torch.get_rng_state(),
        "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
    }


def _set_rng_state(rng: dict) -> None:
    py = rng["python"]
    random.setstate((py["version"], tuple(int(v) for v in py["state"].tolist()), py["gauss"]))
    npy = rng["numpy"]
    keys = npy["keys"].numpy().astype(np.uint32)
    np.random.set_state(("MT19937", keys, npy["pos"], npy["has_gauss"], npy["cached"]))  # noqa: NPY002
    torch.set_rng_state(rng["torch"])
    if rng["cuda"] and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(rng["cuda"])


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).split())[:300]
