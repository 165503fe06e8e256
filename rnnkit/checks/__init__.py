"""Exercise checks, one module per chapter group; the machinery lives in ``core``.

Every checker takes the learner's function and returns a :class:`~rnnkit.checks.core.CheckResult`
whose ``use`` attribute is the function the chapter should continue with.
"""

from rnnkit.checks.attention import check_additive_attention
from rnnkit.checks.bptt import check_rnn_step_backward
from rnnkit.checks.charlm import check_apply_temperature
from rnnkit.checks.classify import check_last_valid_state, check_masked_mean
from rnnkit.checks.concepts import check_param_count, check_torch_gru_shapes
from rnnkit.checks.core import (
    CORRECT,
    INCORRECT,
    NOT_ATTEMPTED,
    Case,
    CheckResult,
    as_scalar,
    compare_arrays,
    compare_equal,
    compare_scalar,
    protect,
    run_check,
    same_answer,
)
from rnnkit.checks.forecast import check_make_windows
from rnnkit.checks.gates import check_gru_step, check_lstm_step
from rnnkit.checks.longdeps import check_copy_baseline
from rnnkit.checks.minrnn import check_linear_scan
from rnnkit.checks.selective import check_selective_step
from rnnkit.checks.ssm import check_s4d_kernel
from rnnkit.checks.statetrack import check_parity_step

__all__ = [
    "CORRECT",
    "INCORRECT",
    "NOT_ATTEMPTED",
    "Case",
    "check_apply_temperature",
    "check_additive_attention",
    "CheckResult",
    "check_copy_baseline",
    "check_gru_step",
    "check_last_valid_state",
    "check_linear_scan",
    "check_lstm_step",
    "check_masked_mean",
    "check_make_windows",
    "check_param_count",
    "check_parity_step",
    "check_s4d_kernel",
    "check_selective_step",
    "check_rnn_step_backward",
    "check_torch_gru_shapes",
    "as_scalar",
    "compare_arrays",
    "compare_equal",
    "compare_scalar",
    "protect",
    "run_check",
    "same_answer",
]
