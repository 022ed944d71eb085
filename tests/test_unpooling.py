"""lecturelib.unpooling against torch: MaxPool2d(return_indices=True), MaxUnpool2d, and the
nearest-neighbour upsampling of F.interpolate; the lecture's 1 1 2 2 pattern."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings, strategies as st

from lecturelib import unpooling as up


def test_nearest_gives_the_lecture_pattern():
    got = up.nearest_unpool(np.array([[1, 2], [3, 4]]))
    assert got.tolist() == [[1, 1, 2, 2], [1, 1, 2, 2], [3, 3, 4, 4], [3, 3, 4, 4]]


def test_bed_of_nails_pattern():
    got = up.bed_of_nails(np.array([[1, 2], [3, 4]]))
    assert got.tolist() == [[1, 0, 2, 0], [0, 0, 0, 0], [3, 0, 4, 0], [0, 0, 0, 0]]


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 4), st.integers(1, 5), st.integers(1, 5), st.integers(0, 2 ** 31))
def test_nearest_and_bed_of_nails_equal_torch(f, H, W, seed):
    x = np.random.default_rng(seed).normal(size=(2, 3, H, W))
    want = F.interpolate(torch.tensor(x), scale_factor=f, mode="nearest").numpy()
    np.testing.assert_array_equal(up.nearest_unpool(x, f), want)
    # bed of nails is a transposed convolution with a one-hot kernel: torch computes it that way
    k = torch.zeros(3, 1, f, f, dtype=torch.float64)
    k[:, :, 0, 0] = 1
    want_nails = F.conv_transpose2d(torch.tensor(x), k, stride=f, groups=3).numpy()
    np.testing.assert_array_equal(up.bed_of_nails(x, f), want_nails)


@settings(max_examples=80, deadline=None)
@given(st.integers(1, 3), st.integers(1, 3), st.integers(1, 3), st.integers(1, 3), st.integers(0, 3),
       st.integers(0, 3), st.integers(0, 2 ** 31))
def test_max_pool_and_unpool_equal_torch(kh, kw, sh, sw, extra_h, extra_w, seed):
    H, W = kh + extra_h, kw + extra_w
    x = np.random.default_rng(seed).permutation(2 * 3 * H * W).reshape(2, 3, H, W) * 0.5  # distinct values
    pooled, switches = up.max_pool_with_switches(x, (kh, kw), (sh, sw))
    t_pooled, t_idx = F.max_pool2d(torch.tensor(x), (kh, kw), (sh, sw), return_indices=True)
    np.testing.assert_array_equal(pooled, t_pooled.numpy())
    np.testing.assert_array_equal(switches, t_idx.numpy())
    values = np.random.default_rng(seed + 1).normal(size=pooled.shape)
    unpool = torch.nn.MaxUnpool2d((kh, kw), (sh, sw))
    want = unpool(torch.tensor(values), t_idx, output_size=(H, W)).numpy()
    if len(np.unique(switches[0, 0])) == switches[0, 0].size:  # torch leaves duplicate writes unspecified
        np.testing.assert_array_equal(up.max_unpool(values, switches, (H, W)), want)
    # whatever the switches, the pooled values go back exactly where they came from
    back = up.max_unpool(pooled, switches, (H, W))
    assert np.all((back == 0) | (back == x))


def test_unpool_accepts_torch_indices_and_keeps_leading_axes():
    x = torch.randn(4, 2, 6, 8, dtype=torch.float64)
    pooled, idx = F.max_pool2d(x, 2, return_indices=True)
    want = F.max_unpool2d(pooled, idx, 2).numpy()
    np.testing.assert_array_equal(up.max_unpool(pooled, idx, (6, 8)), want)
    assert up.max_unpool(pooled[0, 0].numpy(), idx[0, 0], (6, 8)).shape == (6, 8)


def test_bad_arguments():
    with pytest.raises(ValueError, match="factor: expected a positive integer, got 0"):
        up.nearest_unpool(np.zeros((2, 2)), 0)
    with pytest.raises(ValueError, match=r"x: expected an array \(..., H, W\) with at least 2 dimensions, got shape \(3,\)"):
        up.bed_of_nails(np.zeros(3))
    with pytest.raises(ValueError, match=r"kernel_size: \(3, 3\) is larger than the input's"):
        up.max_pool_with_switches(np.zeros((2, 2)), 3)
    with pytest.raises(ValueError, match=r"switches: expected shape \(2, 2\)"):
        up.max_unpool(np.zeros((2, 2)), np.zeros((3, 3), dtype=int), (4, 4))
    with pytest.raises(ValueError, match=r"switches: expected flat indices in \[0, 16\)"):
        up.max_unpool(np.zeros((2, 2)), np.full((2, 2), 16), (4, 4))
    with pytest.raises(ValueError, match=r"switches: expected integer flat indices"):
        up.max_unpool(np.zeros((2, 2)), np.zeros((2, 2)), (4, 4))
    with pytest.raises(ValueError, match=r"stride: expected values >= 1"):
        up.max_pool_with_switches(np.zeros((4, 4)), 2, -1)
