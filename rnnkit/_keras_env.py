"""The environment Keras and TensorFlow read when first imported, set in one place.

``import rnnkit`` imports this module first, so every Keras import in rnnkit, in the
chapters (after their set-up cell) and in the tests comes after it. Each variable is
set with ``setdefault``: a value already in the environment wins.
"""

import os

KERAS_ENV = {
    "KERAS_BACKEND": "tensorflow",  # rnnkit's Keras code runs on TensorFlow
    "TF_CPP_MIN_LOG_LEVEL": "2",  # keep TensorFlow's C++ info and warning lines off stderr
    # oneDNN's fused CPU kernels change results with the thread layout, and announce
    # themselves on stderr in every notebook; plain kernels do neither
    "TF_ENABLE_ONEDNN_OPTS": "0",
}

for _name, _value in KERAS_ENV.items():
    os.environ.setdefault(_name, _value)
