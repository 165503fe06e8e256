"""rnnkit._keras_env: `import rnnkit` sets what Keras and TensorFlow read at import,
and leaves alone what the environment already says."""

import json
import os
import subprocess
import sys

from rnnkit._keras_env import KERAS_ENV

SHOW = "import json, os, rnnkit; print(json.dumps({k: os.environ.get(k) for k in %r}))"


def _environment_after_import(**preset) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in KERAS_ENV} | preset
    code = SHOW % sorted(KERAS_ENV)
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    return json.loads(out.stdout)


def test_import_rnnkit_sets_the_keras_environment():
    assert _environment_after_import() == KERAS_ENV
    assert KERAS_ENV["KERAS_BACKEND"] == "tensorflow"


def test_a_value_already_in_the_environment_wins():
    got = _environment_after_import(KERAS_BACKEND="jax")
    assert got["KERAS_BACKEND"] == "jax" and got["TF_CPP_MIN_LOG_LEVEL"] == "2"
