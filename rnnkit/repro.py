"""Reproducibility: one call that seeds everything and picks the device.

Every chapter starts with ``rnnkit.setup(seed)``. It seeds Python's ``random``,
NumPy, PyTorch and TensorFlow/Keras, asks both frameworks for deterministic kernels,
and chooses the device (a CUDA GPU when there is one, else the CPU). It also sets how
pandas prints tables (``PANDAS_DISPLAY``) and applies the book's matplotlib style
(``rnnkit.plots.STYLE``), so a chapter that draws with ``plt`` directly draws at the
width the book shows its figures. The frameworks are optional: a missing
one is reported in the returned :class:`Setup`, not raised.
"""

from __future__ import annotations

import functools
import importlib.abc
import importlib.metadata
import importlib.util
import os
import random
import sys
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from rnnkit.translation import use_language
from rnnkit.validation import require_choice, require_int

DEVICES = ("auto", "cpu", "cuda")
_MAX_SEED = 2**32 - 1  # NumPy's legacy seeding accepts at most 32 bits.
PANDAS_DISPLAY = {"display.max_colwidth": 120}
"""The pandas options :func:`setup` sets: a table cell is cut after 120 characters, not
pandas' 50, so the chapters' example sentences print whole."""


@dataclass(frozen=True)
class Setup:
    """What :func:`setup` chose; the chapter prints it so a reader can compare runs."""

    seed: int
    device: str
    threads: int | None = None
    torch: str | None = None
    tensorflow: str | None = None
    keras: str | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)

    def __str__(self) -> str:
        parts = [
            f"seed={self.seed}",
            f"device={self.device}",
            f"threads={self.threads or 'default'}",
        ]
        for lib in ("torch", "tensorflow", "keras"):
            version = getattr(self, lib)
            parts.append(f"{lib}={version or 'not installed'}")
        return "rnnkit.setup: " + ", ".join(parts)


def _installed(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def setup(
    seed: int = 0,
    device: str = "auto",
    deterministic: bool = True,
    threads: int | None = 1,
    language: str = "en",
) -> Setup:
    """Seed Python, NumPy, PyTorch and TensorFlow with ``seed`` and pick a device.

    Also applies ``PANDAS_DISPLAY`` when pandas is installed and
    ``rnnkit.plots.STYLE`` when matplotlib is, so that every chapter prints its tables
    and draws its figures the same way.

    Parameters
    ----------
    seed:
        A whole number in ``[0, 2**32 - 1]``.
    device:
        ``"auto"`` (CUDA when available, else CPU), ``"cpu"`` or ``"cuda"``.
        Asking for ``"cuda"`` on a machine without a GPU raises.
    deterministic:
        Ask PyTorch and TensorFlow for deterministic kernels (slower on a GPU,
        nearly free on the CPU).
    threads:
        CPU threads for PyTorch and TensorFlow; ``None`` keeps the libraries'
        defaults. One by default: the course's recurrent steps are too small to
        split across cores, and on a busy machine a second thread waiting for a
        core costs far more than it brings (an LSTM step here: 8.5 ms on one
        thread, 56-183 ms on two while another job ran).
    language:
        ``"en"`` or ``"zh_CN"``: the language of the exercise checkers' feedback (the
        Chinese notebooks of the book's Chinese edition pass ``"zh_CN"``).

    Returns
    -------
    Setup
        The seed, the device string to pass to ``torch.device`` and the versions
        of the frameworks that were found.
    """
    seed = require_int(seed, "seed", minimum=0, maximum=_MAX_SEED)
    device = require_choice(device, "device", DEVICES)
    use_language(language)
    if threads is not None:
        threads = require_int(threads, "threads", minimum=1)

    random.seed(seed)
    np.random.seed(seed)  # noqa: NPY002 -- the global RNG that np.random.* and libraries use
    notes: list[str] = []
    torch_version, chosen = _setup_torch(seed, device, deterministic, threads, notes)
    tf_version, keras_version = _setup_tensorflow(seed, deterministic, threads, notes)
    _setup_pandas()
    _setup_matplotlib()
    return Setup(seed, chosen, threads, torch_version, tf_version, keras_version, tuple(notes))


def _setup_pandas() -> None:
    """Apply ``PANDAS_DISPLAY``; nothing to do when pandas is not installed."""
    if not _installed("pandas"):
        return
    import pandas as pd

    for option, value in PANDAS_DISPLAY.items():
        pd.set_option(option, value)


def _setup_matplotlib() -> None:
    """Apply the book's figure style, and store each figure's Chinese copy when the
    book's build asks for it (``rnnkit.translation.show_editions``); nothing to do when
    matplotlib is not installed."""
    if not _installed("matplotlib"):
        return
    from rnnkit.plots import use_book_style
    from rnnkit.translation import show_editions

    use_book_style()
    show_editions()


def _setup_torch(
    seed: int, device: str, deterministic: bool, threads: int | None, notes: list[str]
) -> tuple[str | None, str]:
    """Seed PyTorch, set its threads and determinism, and pick the device.

    Returns ``(torch version or None, "cuda" or "cpu")``; appends to ``notes`` when
    PyTorch is missing.
    """
    if not _installed("torch"):
        if device == "cuda":
            raise ValueError("device='cuda' was asked for, but PyTorch is not installed")
        notes.append("PyTorch is not installed: the PyTorch tabs will not run")
        return None, "cpu"
    import torch

    torch.manual_seed(seed)  # seeds the CPU and every CUDA device
    if threads is not None:
        torch.set_num_threads(threads)
    if deterministic:
        # warn_only: a few kernels have no deterministic version; we would
        # rather warn than stop a learner's notebook.
        torch.use_deterministic_algorithms(True, warn_only=True)
        # Deterministic mode also fills every new tensor with NaN-like values, a
        # debugging aid that cost a fifth of a char-model step here; results stay
        # deterministic without it.
        torch.utils.deterministic.fill_uninitialized_memory = False
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    has_cuda = torch.cuda.is_available()
    if device == "cuda" and not has_cuda:
        raise ValueError(
            "device='cuda' was asked for, but torch sees no CUDA GPU; use 'auto' or 'cpu'"
        )
    return torch.__version__, "cuda" if device in ("auto", "cuda") and has_cuda else "cpu"


def _setup_tensorflow(
    seed: int, deterministic: bool, threads: int | None, notes: list[str]
) -> tuple[str | None, str | None]:
    """Seed TensorFlow and Keras and set their threads and determinism.

    Importing TensorFlow costs about eight CPU seconds, which a chapter with no Keras
    tab should not pay. So when neither is imported yet, each is set up the moment it
    is (``_AFTER_IMPORT``), exactly as it would have been here.

    Returns ``(tensorflow version, keras version)``, both ``None`` (and a note in
    ``notes``) when TensorFlow is missing.
    """
    if not _installed("tensorflow"):
        notes.append("TensorFlow is not installed: the Keras tabs will not run")
        return None, None
    configure = functools.partial(_configure_tensorflow, seed, deterministic, threads, notes)
    seed_keras = functools.partial(_seed_keras, seed)
    if "tensorflow" in sys.modules:
        configure()
        seed_keras()
    else:
        _AFTER_IMPORT.pending.update(tensorflow=configure, keras=seed_keras)
    return _version("tensorflow", "tensorflow-cpu", "tf-nightly"), _version("keras")


def _configure_tensorflow(
    seed: int, deterministic: bool, threads: int | None, notes: list[str]
) -> None:
    import tensorflow as tf

    if threads is not None:
        try:
            tf.config.threading.set_intra_op_parallelism_threads(threads)
            tf.config.threading.set_inter_op_parallelism_threads(threads)
        except RuntimeError:  # TensorFlow has started its thread pools: they stay
            notes.append("TensorFlow was already running: its thread count is unchanged")
    tf.random.set_seed(seed)
    if deterministic:
        tf.config.experimental.enable_op_determinism()


def _seed_keras(seed: int) -> None:
    """Keras's global seed (its initialisers' and ``keras.random``'s), leaving Python's
    and NumPy's generators where they are: setup() seeded them, and a chapter may have
    drawn from them since."""
    import keras

    python_state, numpy_state = random.getstate(), np.random.get_state()  # noqa: NPY002
    keras.utils.set_random_seed(seed)
    random.setstate(python_state)
    np.random.set_state(numpy_state)  # noqa: NPY002


def _version(*distributions: str) -> str:
    """The installed version of the first of ``distributions`` that is installed."""
    for name in distributions:
        try:
            return importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
    return "installed"


class _AfterImport(importlib.abc.MetaPathFinder):
    """Runs ``pending[name]()`` once, right after module ``name`` has first been
    imported (its code has run, before the import statement returns). The import
    leaves Python's and NumPy's global generators as it found them (importing
    TensorFlow draws from Python's), so a chapter draws the same numbers whether
    TensorFlow was imported by setup() or later."""

    def __init__(self):
        self.pending: dict[str, Callable[[], None]] = {}

    def find_spec(self, name, path=None, target=None):
        callback = self.pending.pop(name, None)
        if callback is None:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(name, path, target)
            if spec is not None:
                break
        else:
            return None
        if spec.loader is not None and hasattr(spec.loader, "exec_module"):
            run = spec.loader.exec_module

            def exec_module(module):
                python_state, numpy_state = random.getstate(), np.random.get_state()  # noqa: NPY002
                try:
                    run(module)
                finally:
                    random.setstate(python_state)
                    np.random.set_state(numpy_state)  # noqa: NPY002
                callback()

            spec.loader.exec_module = exec_module
        return spec


_AFTER_IMPORT = _AfterImport()
sys.meta_path.insert(0, _AFTER_IMPORT)
