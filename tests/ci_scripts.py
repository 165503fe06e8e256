"""Load a script of ``.ci/`` as a module, for the tests of the build's own tools."""

import importlib.util
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent


def load_ci_script(name: str) -> ModuleType:
    """``.ci/<name>.py``, imported under the name ``ci_<name>``."""
    spec = importlib.util.spec_from_file_location(f"ci_{name}", ROOT / ".ci" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
