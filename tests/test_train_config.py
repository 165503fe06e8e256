"""rnnkit.train.config: the settings object and when progress bars are drawn."""

import io
import sys
import types

import pytest
import torch

from rnnkit.train import FitConfig, fit_torch
from rnnkit.train.config import PROGRESS_ENV, show_progress


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture
def unattended(monkeypatch):
    """No RNNKIT_PROGRESS, no IPython kernel, stderr not a terminal."""
    monkeypatch.delenv(PROGRESS_ENV, raising=False)
    monkeypatch.delitem(sys.modules, "IPython", raising=False)
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    return monkeypatch


def test_fit_config_leaves_progress_to_show_progress_by_default():
    assert FitConfig().progress is None
    with pytest.raises(TypeError, match="progress must be True, False or None"):
        FitConfig(progress="yes")


@pytest.mark.parametrize("setting", ["0", "1"])
def test_an_explicit_progress_setting_wins_over_the_environment(monkeypatch, setting):
    monkeypatch.setenv(PROGRESS_ENV, setting)
    assert show_progress(True) is True and show_progress(False) is False


def test_the_environment_variable_decides_the_automatic_setting(monkeypatch):
    monkeypatch.setattr(sys, "stderr", _Terminal())  # would be on without the variable
    monkeypatch.setenv(PROGRESS_ENV, "0")
    assert show_progress(None) is False
    monkeypatch.setenv(PROGRESS_ENV, "1")
    assert show_progress(None) is True
    monkeypatch.setenv(PROGRESS_ENV, "yes")
    with pytest.raises(ValueError, match="RNNKIT_PROGRESS must be '0' or '1', got 'yes'"):
        show_progress(None)


def test_without_the_variable_bars_show_only_when_someone_watches(unattended):
    assert show_progress(None) is False  # a log file or a pipe
    unattended.setattr(sys, "stderr", _Terminal())
    assert show_progress(None) is True  # a terminal
    unattended.setattr(sys, "stderr", io.StringIO())
    kernel = types.SimpleNamespace(kernel=object())  # what Jupyter and Colab run
    fake = types.SimpleNamespace(get_ipython=lambda: kernel)
    unattended.setitem(sys.modules, "IPython", fake)
    assert show_progress(None) is True
    plain = types.SimpleNamespace(get_ipython=lambda: None)  # IPython imported, no shell
    unattended.setitem(sys.modules, "IPython", plain)
    assert show_progress(None) is False


@pytest.mark.parametrize(("setting", "drawn"), [("0", False), ("1", True)])
def test_fit_with_default_settings_draws_a_bar_only_where_asked(monkeypatch, capfd, setting, drawn):
    monkeypatch.setenv(PROGRESS_ENV, setting)
    x = torch.zeros(8, 3)
    y = torch.zeros(8, dtype=torch.long)
    capfd.readouterr()
    fit_torch(torch.nn.Linear(3, 2), (x, y), epochs=1, batch_size=4)
    assert ("epoch 1/1" in capfd.readouterr().err) is drawn
