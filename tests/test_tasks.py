"""The sequence tasks: structure of every batch, the baselines measured by Monte Carlo."""
import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings, strategies as st

from lecturelib.tasks import (ADDING_BASELINE_MSE, adding_batch_fn, adding_problem, adding_problem_torch,
                              copy_baseline_cross_entropy, copy_batch_fn, copy_task, copy_task_torch)


@settings(max_examples=25, deadline=None)
@given(B=st.integers(1, 9), T=st.integers(2, 40), seed=st.integers(0, 10_000))
def test_adding_structure(B, T, seed):
    xs, ys = adding_problem(B, T, seed)
    assert xs.shape == (T, B, 2) and ys.shape == (B, 1)
    u, m = xs[..., 0], xs[..., 1]
    assert np.all((u >= 0) & (u <= 1))
    assert set(np.unique(m)) <= {0.0, 1.0}
    assert np.all(m.sum(0) == 2)
    half = T // 2
    assert np.all(m[:half].sum(0) == 1) and np.all(m[half:].sum(0) == 1)
    # target: the two marked values, found independently of the generator's arithmetic
    for b in range(B):
        idx = np.flatnonzero(m[:, b])
        assert ys[b, 0] == pytest.approx(u[idx[0], b] + u[idx[1], b])


def test_adding_baseline_is_one_sixth():
    # Monte Carlo estimate of the constant-1 predictor's MSE, and the best constant is 1.
    _, ys = adding_problem(200_000, 10, seed=1)
    assert np.mean((ys - 1.0) ** 2) == pytest.approx(1 / 6, abs=3e-3)
    assert np.mean(ys) == pytest.approx(1.0, abs=5e-3)
    assert ADDING_BASELINE_MSE == pytest.approx(1 / 6)


def test_adding_reproducible_layouts_and_torch():
    a = adding_problem(4, 12, seed=3)
    b = adding_problem(4, 12, seed=3)
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])
    bf = adding_problem(4, 12, seed=3, batch_first=True)
    assert np.array_equal(bf[0], a[0].transpose(1, 0, 2))
    xt, yt = adding_problem_torch(4, 12, seed=3)
    assert xt.dtype == torch.float32 and torch.allclose(xt, torch.as_tensor(a[0], dtype=torch.float32))
    fn = adding_batch_fn(4, 12, seed=5)
    x0, _ = fn(0)
    assert torch.equal(x0, fn(0)[0]) and not torch.equal(x0, fn(1)[0])
    assert not torch.equal(x0, adding_batch_fn(4, 12, seed=6)(0)[0])


@settings(max_examples=20, deadline=None)
@given(B=st.integers(1, 6), length=st.integers(1, 8), delay=st.integers(1, 15), K=st.integers(2, 9),
       seed=st.integers(0, 1000))
def test_copy_structure(B, length, delay, K, seed):
    xs, ys = copy_task(B, length, delay, K, seed)
    T = 2 * length + delay
    assert xs.shape == (T, B, K + 2) and ys.shape == (T, B) and ys.dtype == np.int64
    assert np.all(xs.sum(-1) == 1)
    inp = xs.argmax(-1)
    assert np.all(inp[:length] < K)                           # symbols first
    assert np.all(inp[length:length + delay - 1] == K)        # blanks
    assert np.all(inp[length + delay - 1] == K + 1)           # delimiter
    assert np.all(inp[length + delay:] == K)                  # blanks while recalling
    assert np.array_equal(ys[length + delay:], inp[:length])  # recall = the symbols shown
    assert np.all(ys[:length + delay] == K)


def test_copy_baseline_matches_memoryless_strategy():
    length, delay, K = 5, 7, 6
    xs, ys = copy_task_torch(3000, length, delay, K, seed=0)
    T = 2 * length + delay
    logits = torch.full((T, K + 2), -1e9)
    logits[: length + delay, K] = 0.0      # certain blank before recall
    logits[length + delay:, :K] = 0.0      # uniform over the symbols during recall
    ce = torch.nn.functional.cross_entropy(logits[:, None].expand(T, 3000, K + 2).reshape(-1, K + 2),
                                           ys.reshape(-1))
    assert ce.item() == pytest.approx(copy_baseline_cross_entropy(length, delay, K), rel=1e-6)
    assert copy_baseline_cross_entropy(length, delay, K) == pytest.approx(5 * math.log(6) / 17)
    fn = copy_batch_fn(2, length, delay, K, seed=1)
    assert torch.equal(fn(3)[1], fn(3)[1])


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="T:"):
        adding_problem(2, 1)
    with pytest.raises(ValueError, match="batch_size"):
        adding_problem(0, 10)
    with pytest.raises(ValueError, match="n_symbols"):
        copy_task(2, 3, 4, n_symbols=0)


def test_echo_task():
    from lecturelib.tasks import echo_batch_fn, echo_task
    xs, ys = echo_task(5, 12, 3, seed=0)
    assert xs.shape == ys.shape == (12, 5, 1)
    assert set(np.unique(xs)) <= {-1.0, 1.0}
    assert np.all(ys[:3] == 0) and np.array_equal(ys[3:], xs[:-3])
    fn = echo_batch_fn(5, 12, 3, seed=1)
    assert torch.equal(fn(2)[0], fn(2)[0])
    with pytest.raises(ValueError, match="delay"):
        echo_task(2, 5, 5)
