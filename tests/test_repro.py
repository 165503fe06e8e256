import random

import numpy as np
import pytest

import rnnkit


def _draws():
    import tensorflow as tf
    import torch

    return (
        random.random(),
        float(np.random.rand()),  # noqa: NPY002 -- the global RNG setup() seeds
        float(torch.rand(1)),
        float(tf.random.uniform(())),
    )


def test_setup_same_seed_gives_same_draws_in_every_library():
    rnnkit.setup(7)
    first = _draws()
    rnnkit.setup(7)
    assert _draws() == first


def test_setup_different_seed_gives_different_draws():
    rnnkit.setup(7)
    first = _draws()
    rnnkit.setup(8)
    second = _draws()
    assert all(a != b for a, b in zip(first, second, strict=True))


def test_setup_reports_what_it_chose():
    chosen = rnnkit.setup(3, device="cpu")
    assert chosen.seed == 3
    assert chosen.device == "cpu"
    assert chosen.torch and chosen.tensorflow and chosen.keras.startswith("3.")
    assert "seed=3" in str(chosen) and "device=cpu" in str(chosen)


def test_setup_auto_device_matches_torch():
    import torch

    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert rnnkit.setup(0).device == expected


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"seed": -1}, ValueError, "seed must be >= 0, got -1"),
        ({"seed": 2**32}, ValueError, "seed must be <= 4294967295"),
        ({"seed": 1.5}, TypeError, "seed must be an integer, got float 1.5"),
        ({"seed": "42"}, TypeError, "seed must be an integer, got str '42'"),
        ({"seed": True}, TypeError, "seed must be an integer, got bool"),
        ({"device": "gpu"}, ValueError, "device must be one of 'auto', 'cpu', 'cuda', got 'gpu'"),
        ({"threads": 0}, ValueError, "threads must be >= 1, got 0"),
        ({"threads": 1.0}, TypeError, "threads must be an integer, got float 1.0"),
    ],
)
def test_setup_rejects_bad_input_with_one_line_error(kwargs, error, message):
    with pytest.raises(error) as caught:
        rnnkit.setup(**kwargs)
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_setup_refuses_cuda_without_a_gpu():
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    with pytest.raises(ValueError, match="no CUDA GPU"):
        rnnkit.setup(0, device="cuda")


def test_import_rnnkit_does_not_import_the_frameworks():
    import subprocess
    import sys

    code = "import sys, rnnkit; print('torch' in sys.modules, 'tensorflow' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_setup_uses_one_cpu_thread_by_default_and_none_keeps_the_default():
    import torch

    default = torch.get_num_threads()
    try:
        assert rnnkit.setup(0).threads == 1 and torch.get_num_threads() == 1
        rnnkit.setup(0, threads=2)
        assert torch.get_num_threads() == 2
        torch.set_num_threads(default)
        assert rnnkit.setup(0, threads=None).threads is None
        assert torch.get_num_threads() == default
    finally:
        torch.set_num_threads(default)


def test_setup_lets_pandas_print_a_sentence_of_a_hundred_characters_whole():
    import pandas as pd

    sentence = "word " * 20  # 100 characters
    with pd.option_context("display.max_colwidth", 50):  # pandas' default cuts it
        assert "..." in pd.DataFrame({"sentence": [sentence]})._repr_html_()
        rnnkit.setup(0)
        assert sentence.strip() in pd.DataFrame({"sentence": [sentence]})._repr_html_()


def test_setup_applies_the_books_figure_style_for_chapters_that_call_plt_directly():
    import matplotlib as mpl

    from rnnkit.plots import STYLE

    with mpl.rc_context():
        mpl.rcdefaults()  # as in a fresh kernel: matplotlib's figures, 6.4 in wide
        assert mpl.rcParams["figure.figsize"] != list(STYLE["figure.figsize"])
        rnnkit.setup(0)
        assert mpl.rcParams["figure.figsize"] == list(STYLE["figure.figsize"])
        assert mpl.rcParams["figure.dpi"] == STYLE["figure.dpi"]
        assert mpl.rcParams["axes.facecolor"] == mpl.rcParams["savefig.facecolor"] == "white"


DRAWS_AFTER_SETUP = """
import random, sys
import numpy as np
{before}
import rnnkit
rnnkit.setup(5)
print("tensorflow" in sys.modules)
import keras, tensorflow as tf
print(random.random(), np.random.rand(), float(tf.random.uniform(())),
      float(keras.initializers.GlorotUniform()((2, 2))[0, 0]))
"""


@pytest.mark.slow
def test_setup_imports_tensorflow_only_when_a_chapter_does_and_seeds_it_the_same():
    import subprocess
    import sys

    def run(before: str) -> list[str]:
        code = DRAWS_AFTER_SETUP.format(before=before)
        result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
        assert result.returncode == 0, result.stderr[-2000:]
        return result.stdout.split("\n")

    lazy = run("")
    eager = run("import keras, tensorflow")
    assert lazy[0] == "False" and eager[0] == "True"
    assert lazy[1] == eager[1]  # Python, NumPy, TensorFlow and Keras draws alike
