"""Training loops for the course: one API in PyTorch and in Keras.

``fit_torch(model, train, val, epochs=..., ...)`` and ``fit_keras(...)`` take the same
settings (:class:`~rnnkit.train.config.FitConfig`) and return the same
:class:`~rnnkit.train.history.History`. ``save_torch_checkpoint`` and
``load_torch_checkpoint`` save and resume a PyTorch run; ``save_keras_checkpoint`` and
``load_keras_checkpoint`` a Keras one. PyTorch and TensorFlow are imported only when
the function that needs them is first used.
"""

from __future__ import annotations

import importlib

from rnnkit.train.config import FitConfig
from rnnkit.train.history import History

_LAZY = {
    "fit_torch": "rnnkit.train.torch_fit",
    "fit_keras": "rnnkit.train.keras_fit",
    "save_torch_checkpoint": "rnnkit.train.checkpoint",
    "load_torch_checkpoint": "rnnkit.train.checkpoint",
    "save_keras_checkpoint": "rnnkit.train.checkpoint",
    "load_keras_checkpoint": "rnnkit.train.checkpoint",
}

__all__ = ["FitConfig", "History", *_LAZY]


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'rnnkit.train' has no attribute {name!r}")
