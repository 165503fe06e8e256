"""Two adjustments to nbval, loaded by .ci/nbval_executed.py with ``-p nbval_plugin``.

1. nbval sends each cell with ``store_history=False``. IPython then cannot see a
   cell's trailing semicolon (it looks for it in the history), so a cell ending in
   ``ax.legend(...);`` shows a result that the book build, which stores history, does
   not. We send cells as Jupyter does.
2. A cell tagged ``remove-stderr`` hides its stderr from the reader because it holds
   only library noise (time-stamped log lines of TensorFlow or torch, some printed
   once per process); such stderr is not compared either.
3. A figure's Chinese copy (``rnnkit.translation.ZH_PNG``) is an image, and nbval
   compares no image: it is skipped like the English PNG.
"""

import nbval.kernel
import nbval.plugin


def _execute_cell_input(self, cell_input, allow_stdin=None):
    return self.kc.execute(
        cell_input, store_history=True, allow_stdin=allow_stdin, stop_on_error=False
    )


def _without_stderr(outputs):
    return [
        o for o in outputs if not (o.get("output_type") == "stream" and o.get("name") == "stderr")
    ]


_compare_outputs = nbval.plugin.IPyNbCell.compare_outputs


def _compare(self, test, ref, skip_compare=None):
    skip_compare = (*(skip_compare or self.parent.skip_compare), "image/vnd.rnnkit.zh-cn+png")
    if "remove-stderr" in self.cell.get("metadata", {}).get("tags", []):
        test, ref = _without_stderr(test), _without_stderr(ref)
    return _compare_outputs(self, test, ref, skip_compare)


nbval.kernel.RunningKernel.execute_cell_input = _execute_cell_input
nbval.plugin.IPyNbCell.compare_outputs = _compare
