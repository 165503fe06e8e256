"""Save and resume a training run, in PyTorch or in Keras: one file per checkpoint,
written atomically (:func:`atomic_write`: the file is written next to its destination
and moved over it with ``os.replace``, so an interrupted save leaves the previous
checkpoint intact). Each framework is imported only by its own functions.

A PyTorch checkpoint is one ``torch.save`` file holding a dict of plain types and
tensors only, so it loads with ``torch.load(..., weights_only=True)`` (no code runs
when a file is opened)::

    {"format": "rnnkit.train.checkpoint", "version": 1,
     "model": state_dict, "optimizer": state_dict, "epoch": int,
     "history": History.to_state(), "rng": {"python", "numpy", "torch", "cuda"}}

Restoring the random-number generators makes a resumed run continue exactly as an
uninterrupted one would (same shuffles, same dropout masks). A Keras checkpoint is
Keras's own ``.keras`` file (architecture, weights, optimizer variables) with the
history added as one JSON entry of the zip archive.
"""

from __future__ import annotations

import json
import os
import random
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from rnnkit.train.history import History
from rnnkit.validation import one_line

if TYPE_CHECKING:
    import keras
    import torch

FORMAT = "rnnkit.train.checkpoint"
VERSION = 1
_HISTORY_ENTRY = "rnnkit_history.json"  # the history inside a .keras archive
_KEYS = ("format", "version", "model", "optimizer", "epoch", "history", "rng")


def save_torch_checkpoint(
    path: str | os.PathLike,
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer | None,
    history: History,
) -> Path:
    """Write model, optimizer, history and RNG states to ``path`` atomically; return it."""
    import torch

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
    atomic_write(path, lambda tmp: torch.save(payload, tmp))
    return path


def load_torch_checkpoint(
    path: str | os.PathLike,
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer | None = None,
    restore_rng: bool = True,
) -> History:
    """Load a checkpoint from :func:`~rnnkit.train.checkpoint.save_torch_checkpoint` into ``model``
    (and ``optimizer``).

    Returns the saved :class:`~rnnkit.train.history.History`; pass it, with the same optimizer, to
    ``fit_torch(..., history=history)`` to continue. With ``restore_rng`` the Python,
    NumPy and torch generators are put back as they were at the save.

    Raises ``FileNotFoundError`` for a missing file, ``ValueError`` (one line) for a
    truncated or garbage file, a torch file that is not an rnnkit checkpoint, or
    weights that do not fit ``model``.
    """
    path = Path(path)
    payload = _read_torch_payload(path)
    try:
        model.load_state_dict(payload["model"])
    except RuntimeError as error:
        raise ValueError(
            f"{path}: the saved weights do not fit this model: {one_line(error, 300, first=False)}"
        ) from None
    if optimizer is not None:
        if payload["optimizer"] is None:
            raise ValueError(f"{path} holds no optimizer state (saved with optimizer=None)")
        try:
            optimizer.load_state_dict(payload["optimizer"])
        except (ValueError, KeyError) as error:
            raise ValueError(
                f"{path}: the saved optimizer state does not fit this optimizer: {one_line(error, 300, first=False)}"
            ) from None
    if restore_rng:
        _set_rng_state(payload["rng"])
    return History.from_state(payload["history"])


def _read_torch_payload(path: Path) -> dict:
    """The dict of an rnnkit PyTorch checkpoint at ``path``, or a one-line error."""
    import torch

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
    return payload


def atomic_write(path: Path, write: Callable[[Path], object]) -> None:
    """Call ``write(tmp)`` to write a temporary file beside ``path`` (same suffix), flush
    it to disk, then move it over ``path``; on any error remove it and re-raise."""
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=path.suffix)
    os.close(fd)
    tmp = Path(name)
    try:
        write(tmp)
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _rng_state() -> dict:
    import torch

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
    import torch

    py = rng["python"]
    random.setstate((py["version"], tuple(int(v) for v in py["state"].tolist()), py["gauss"]))
    npy = rng["numpy"]
    keys = npy["keys"].numpy().astype(np.uint32)
    np.random.set_state(("MT19937", keys, npy["pos"], npy["has_gauss"], npy["cached"]))  # noqa: NPY002
    torch.set_rng_state(rng["torch"])
    if rng["cuda"] and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(rng["cuda"])


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

    def write(tmp: Path) -> None:
        model.save(tmp)
        with zipfile.ZipFile(tmp, "a") as archive:
            archive.writestr(_HISTORY_ENTRY, json.dumps(history.to_state()))

    atomic_write(path, write)
    return path


def load_keras_checkpoint(path: str | os.PathLike) -> tuple[keras.Model, History]:
    """Load ``(model, history)`` saved by :func:`save_keras_checkpoint`.

    The model comes back compiled, with its optimizer's state; continue with
    ``fit_keras(model, ..., optimizer=model.optimizer, history=history)``. Raises
    ``FileNotFoundError`` or a one-line ``ValueError`` for a corrupted or foreign file.
    """
    import keras

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
        raise ValueError(
            f"{path}: Keras could not rebuild the model: {type(error).__name__}: {one_line(error)}"
        ) from None
    return model, History.from_state(state)
