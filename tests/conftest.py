"""Settings every test shares (Keras runs on TensorFlow, quietly) and shared fixtures."""

import hashlib
import os
import sys

import numpy as np
import pytest

import rnnkit  # noqa: F401  (sets Keras's environment before any test imports Keras)

os.environ.setdefault("RNNKIT_PROGRESS", "0")  # no progress bars unless a test asks for one

# jsonschema (which nbformat and Jupyter Book use) checks the "iri" string format with
# rfc3987_syntax when it is installed, and that module builds a grammar as it is
# imported: 2.5 s in each pytest process. No test checks that format; with the module
# marked missing, jsonschema leaves the format unchecked.
sys.modules.setdefault("rfc3987_syntax", None)


@pytest.fixture
def parameter_digest():
    """A function: the first 16 hex digits of the sha256 of a torch module's parameters
    (names, shapes and bytes, in registration order). Equal digests, identical weights."""

    def digest(module) -> str:
        h = hashlib.sha256()
        for name, p in module.named_parameters():
            h.update(f"{name}{tuple(p.shape)}".encode())
            h.update(p.detach().cpu().numpy().tobytes())
        return h.hexdigest()[:16]

    return digest


@pytest.fixture
def ids_digest():
    """A function: the first 16 hex digits of the sha256 of integer arrays (each as
    int64, shape and bytes, in order). Equal digests, identical ids."""

    def digest(*arrays) -> str:
        h = hashlib.sha256()
        for a in arrays:
            a = np.ascontiguousarray(np.asarray(a, dtype=np.int64))
            h.update(str(a.shape).encode())
            h.update(a.tobytes())
        return h.hexdigest()[:16]

    return digest


# `make check` deselects the slow tests (-m "not slow"). A test file marked slow as a
# whole (a line `pytestmark = pytest.mark.slow ...`) is then not even imported, so
# collecting it starts no TensorFlow.
SLOW_FILE = "\npytestmark = pytest.mark.slow"


def pytest_ignore_collect(collection_path, config):
    if config.getoption("markexpr", "") != "not slow" or collection_path.suffix != ".py":
        return None
    if collection_path.name.startswith("test_") and SLOW_FILE in collection_path.read_text(
        encoding="utf-8"
    ):
        return True
    return None
