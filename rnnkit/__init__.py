"""rnnkit: the helper package of the course *Recurrent Neural Networks, from Equations
to Working Models*.

One module per responsibility, so a reader can guess the file from the chapter:

========================  ==========================================================
``rnnkit.repro``          :func:`~rnnkit.repro.setup`: seeds everything, picks the device
``rnnkit.checks``         exercise checkers with specific feedback
``rnnkit.reference``      NumPy RNN / LSTM / GRU cells, forward and backward
``rnnkit.reference_ssm``  NumPy state space models: discretisation, kernels, scans
``rnnkit.convert``        weights between NumPy, ``torch.nn`` and ``keras.layers``
``rnnkit.data``           offline corpora, tasks and their baselines
``rnnkit.train``          one training API in PyTorch and Keras, checkpoints
``rnnkit.models``         the practice chapters' models, in both frameworks
``rnnkit.metrics``        bits per character, and the mixture of two models
``rnnkit.plots``          figures the chapters share
``rnnkit.translation``    figure text, tables and feedback in the Chinese edition
``rnnkit.book``           Sphinx glue: framework tabs made of notebook cells
``rnnkit.build``          the built book on disk: its root, cache, notebook times
``rnnkit.validation``     the input checks every public function uses
========================  ==========================================================

``import rnnkit`` is cheap: the submodules that need PyTorch or TensorFlow are only
imported when first used (``rnnkit.reference`` needs neither). It sets the
environment variables Keras and TensorFlow read at their first import
(``rnnkit._keras_env``: Keras on TensorFlow, quietly, without oneDNN), unless the
environment already sets them.
"""

from __future__ import annotations

import importlib

import rnnkit._keras_env  # noqa: F401  (first: before anything can import Keras)
from rnnkit.repro import Setup, setup

__version__ = "0.1.0"
__all__ = ["Setup", "setup", "__version__"]

_SUBMODULES = {
    "bench",
    "build",
    "checks",
    "convert",
    "data",
    "distributed",
    "metrics",
    "models",
    "plots",
    "reference",
    "reference_ssm",
    "repro",
    "train",
    "translation",
    "validation",
}


def __getattr__(name: str):
    if name in _SUBMODULES:
        return importlib.import_module(f"rnnkit.{name}")
    raise AttributeError(f"module 'rnnkit' has no attribute {name!r}")
