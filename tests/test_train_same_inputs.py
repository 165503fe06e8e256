"""fit_torch and fit_keras accept and refuse the same inputs: one table of data, bad and
good, runs through both loops with the twin state-tracking models, and every refusal is
a one-line ValueError or TypeError naming what was wrong."""

from __future__ import annotations

import numpy as np
import pytest

import rnnkit
from rnnkit.models.state_tracking import (
    StateTrackingConfig,
    keras_state_tracking,
    torch_state_tracking,
)
from rnnkit.train import fit_keras, fit_torch

B, T = 8, 5
_IDS = np.random.default_rng(0).integers(0, 2, size=(B, T))
_LABELS = np.cumsum(_IDS, axis=1) % 2

# (name, x, y, what a refusal must name; None: both loops must accept)
TABLE = [
    ("right ids and labels", _IDS, _LABELS, None),
    ("token 2 for 2 tokens", np.where(_IDS == 1, 2, 0), _LABELS, r"x for a model with 2 tokens"),
    ("token -1", _IDS - 1, _LABELS, r"x for a model with 2 tokens"),
    ("float ids", _IDS.astype(np.float32), _LABELS, r"integer ids"),
    ("no time steps", _IDS[:, :0], _LABELS[:, :0], r"non-empty"),
    ("label 2 for 2 classes", _IDS, _LABELS + 1, r"labels"),
    ("one-hot labels", _IDS, np.eye(2)[_LABELS], r'loss="mse"'),
    ("labels one step short", _IDS, _LABELS[:, 1:], r"labels of shape"),
]


def _verdict(fit, model, x, y):
    try:
        fit(model, (x, y), epochs=1, batch_size=4, progress=False)
    except (ValueError, TypeError) as error:
        return str(error)
    return None


@pytest.mark.parametrize(("name", "x", "y", "says"), TABLE, ids=[row[0] for row in TABLE])
def test_fit_torch_and_fit_keras_accept_and_refuse_the_same_inputs(name, x, y, says):
    config = StateTrackingConfig("lstm", vocab_size=2, classes=2, hidden_size=4)
    rnnkit.setup(0)
    torch_error = _verdict(fit_torch, torch_state_tracking(config), x, y)
    keras_error = _verdict(fit_keras, keras_state_tracking(config), x, y)
    if says is None:
        assert torch_error is None and keras_error is None, (torch_error, keras_error)
        return
    for error in (torch_error, keras_error):
        assert error is not None and "\n" not in error, (name, torch_error, keras_error)
        assert pytest.importorskip("re").search(says, error), (name, error)


@pytest.mark.parametrize("factory", [torch_state_tracking, keras_state_tracking])
def test_a_cell_name_instead_of_a_config_is_a_type_error(factory):
    with pytest.raises(
        TypeError,
        match=r"config must be a StateTrackingConfig, got str .*StateTrackingConfig\('lstm'\)",
    ):
        factory("lstm")


@pytest.mark.parametrize(
    "x",
    [_IDS - 1, _IDS + 1, _IDS.astype(np.float64), _IDS[:, :0]],
    ids=["-1", "2", "floats", "T=0"],
)
def test_the_keras_model_refuses_bad_ids_in_predict_and_calls_as_the_torch_one_does(x):
    import torch

    config = StateTrackingConfig("lstm", vocab_size=2, classes=2, hidden_size=4)
    model = keras_state_tracking(config)
    for call in (lambda: model.predict(x, verbose=0), lambda: model(x)):
        with pytest.raises(ValueError, match=r"x must be a non-empty array shaped \(batch, time\)"):
            call()
    with pytest.raises(
        ValueError, match=r"x must be a non-empty torch tensor shaped \(batch, time\)"
    ):
        torch_state_tracking(config)(torch.as_tensor(x))
