"""Exercise checks, one module per chapter group; the machinery lives in ``core``.

Every checker takes the learner's function and returns a :class:`CheckResult`
whose ``use`` attribute is the function the chapter should continue with.
"""

from rnnkit.checks.bptt import check_rnn_step_backward
from rnnkit.checks.concepts import check_param_count, check_torch_gru_shapes
from rnnkit.checks.core import (
    CORRECT,
    INCORRECT,
    NOT_ATTEMPTED,
    Case,
    CheckResult,
    compare_arrays,
    compare_equal,
    run_check,
)
from rnnkit.checks.gates import check_gru_step, check_lstm_step
from rnnkit.checks.minrnn import check_linear_scan

__all__ = [
    "CORRECT",
    "INCORRECT",
    "NOT_ATTEMPTED",
    "Case",
    "CheckResult",
    "check_gru_step",
    "check_linear_scan",
    "check_lstm_step",
    "check_param_count",
    "check_rnn_step_backward",
    "check_torch_gru_shapes",
    "compare_arrays",
    "compare_equal",
    "run_check",
]
