"""The Colab path, offline: a chapter's first cell installs rnnkit into an environment
that already has torch and TensorFlow (as Colab does) and leaves them untouched.

`.venv-colab` (made by `make test`) stands in for Colab: the frameworks and Jupyter,
no rnnkit. The chapter's own first cell runs there with the repository address
replaced by this checkout, and pip is held off the network (PIP_NO_INDEX), so anything
the cell tried to download or upgrade would fail the test.
"""

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COLAB_PYTHON = ROOT / ".venv-colab" / "bin" / "python"
CHAPTER = ROOT / "chapters" / "02_core_concepts.ipynb"
FRAMEWORKS = ("torch", "tensorflow", "keras", "numpy")

RUN_NOTEBOOK = """
import sys, nbformat, nbclient
path = sys.argv[1]
nb = nbformat.read(path, as_version=4)
nbclient.NotebookClient(nb, timeout=600, kernel_name="python3",
                        resources={"metadata": {"path": sys.argv[2]}}).execute()
nbformat.write(nb, path)
"""


def colab(*args, **kwargs):
    env = dict(
        os.environ, PIP_NO_INDEX="1", PIP_NO_BUILD_ISOLATION="0", PIP_DISABLE_PIP_VERSION_CHECK="1"
    )
    # Run outside the checkout, or `import rnnkit` would find ./rnnkit.
    return subprocess.run(
        [str(COLAB_PYTHON), *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=tempfile.gettempdir(),
        **kwargs,
    )


def versions() -> dict:
    code = "import importlib.metadata as m, json, sys; print(json.dumps({n: m.version(n) for n in sys.argv[1:]}))"
    out = colab("-c", code, "torch", "tensorflow-cpu", "keras", "numpy", check=True)
    return json.loads(out.stdout)


@pytest.fixture(scope="module")
def fresh_colab():
    if not COLAB_PYTHON.exists():
        pytest.fail(f"{COLAB_PYTHON} is missing: `make test` creates it")
    colab("-m", "pip", "uninstall", "--yes", "--quiet", "rnnkit")
    assert colab("-c", "import rnnkit").returncode != 0, "rnnkit must start out missing"
    return versions()


def test_first_cell_installs_rnnkit_and_leaves_the_frameworks_alone(fresh_colab, tmp_path):
    url = yaml.safe_load((ROOT / "_config.yml").read_text())["repository"]["url"]
    notebook = json.loads(CHAPTER.read_text(encoding="utf-8"))
    first = next(c for c in notebook["cells"] if c["cell_type"] == "code")
    source = "".join(first["source"])
    assert f"git+{url}" in source
    first["source"] = source.replace(f"git+{url}", ROOT.as_uri())
    path = tmp_path / CHAPTER.name
    path.write_text(json.dumps(notebook), encoding="utf-8")

    run = colab("-c", RUN_NOTEBOOK, str(path), str(tmp_path))
    assert run.returncode == 0, run.stderr[-3000:]

    assert versions() == fresh_colab, "installing rnnkit changed a preinstalled framework"
    assert colab("-c", "import rnnkit").returncode == 0
    executed = json.loads(path.read_text(encoding="utf-8"))
    first_cell = next(c for c in executed["cells"] if c["cell_type"] == "code")
    first_out = "".join("".join(o.get("text", "")) for o in first_cell["outputs"])
    assert "rnnkit.setup: seed=0" in first_out


def test_the_stand_in_for_colab_is_not_this_test_environment():
    assert Path(sys.prefix).resolve() != COLAB_PYTHON.parents[1].resolve()
