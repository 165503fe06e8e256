"""Data-parallel training on two CPU processes ends at the weights of one process on the
same global batch. The processes meet through a file (gloo, init_method="file://"), so no
socket to another host is opened."""

import pytest
import torch

from rnnkit.distributed import DDPConfig, run_data_parallel, run_single


@pytest.mark.slow  # starts two processes: `make test` only
def test_two_process_ddp_matches_one_process_on_the_same_global_batch():
    cfg = DDPConfig(world_size=2, steps=4, batch=8, T=6, hidden_size=4)
    result = run_data_parallel(cfg)
    assert result.single.keys() == result.parallel.keys()
    assert result.max_abs_diff < 1e-12
    initial, _, _ = run_single(
        DDPConfig(world_size=2, steps=1, batch=8, T=6, hidden_size=4, lr=1e-12)
    )
    moved = max(float((initial[k] - result.single[k]).abs().max()) for k in initial)
    assert moved > 1e-4  # the weights did change, so the match is not trivial


def test_batch_not_divisible_by_world_size_is_refused():
    with pytest.raises(
        ValueError, match="batch must be divisible by world_size .* got batch 9 and world_size 2"
    ):
        DDPConfig(world_size=2, batch=9)


def test_bad_dtype_and_learning_rate_are_refused():
    with pytest.raises(
        ValueError, match="dtype must be one of 'float32', 'float64', got 'float16'"
    ):
        DDPConfig(dtype="float16")
    with pytest.raises(ValueError, match="lr must be > 0, got 0"):
        DDPConfig(lr=0)


def test_run_data_parallel_refuses_a_dict_config():
    with pytest.raises(TypeError, match="cfg must be a DDPConfig, got dict"):
        run_data_parallel({"world_size": 2})


@pytest.mark.slow  # trains twice
def test_single_run_is_deterministic():
    cfg = DDPConfig(steps=2, batch=4, T=4, hidden_size=3)
    a, _, loss_a = run_single(cfg)
    b, _, loss_b = run_single(cfg)
    assert loss_a == loss_b and all(torch.equal(a[k], b[k]) for k in a)
