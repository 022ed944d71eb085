"""lecturelib.transposed_conv against PyTorch: conv_transpose2d, the gradient of conv2d with
respect to its input (autograd), conv2d, and the output-size formulas."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings, strategies as st

from lecturelib import transposed_conv as tc


def _t(a):
    return torch.tensor(a, dtype=torch.float64)


@st.composite
def transposed_configs(draw):
    """A random valid configuration of conv_transpose2d (every argument, both axes)."""
    groups = draw(st.integers(1, 3))
    c_in = groups * draw(st.integers(1, 3))
    c_out_g = draw(st.integers(1, 3))
    n = draw(st.integers(1, 3))
    H, W = draw(st.integers(1, 6)), draw(st.integers(1, 6))
    kh, kw = draw(st.integers(1, 5)), draw(st.integers(1, 5))
    sh, sw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    dh, dw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    oh = draw(st.integers(0, max(sh, dh) - 1))
    ow = draw(st.integers(0, max(sw, dw) - 1))
    full_h = (H - 1) * sh + dh * (kh - 1) + 1 + oh
    full_w = (W - 1) * sw + dw * (kw - 1) + 1 + ow
    ph = draw(st.integers(0, (full_h - 1) // 2))  # keep at least one output row
    pw = draw(st.integers(0, (full_w - 1) // 2))
    bias = draw(st.booleans())
    seed = draw(st.integers(0, 2 ** 31))
    return dict(groups=groups, c_in=c_in, c_out=c_out_g * groups, n=n, H=H, W=W, k=(kh, kw),
                stride=(sh, sw), padding=(ph, pw), output_padding=(oh, ow), dilation=(dh, dw), bias=bias,
                seed=seed)


@settings(max_examples=150, deadline=None)
@given(transposed_configs())
def test_conv_transpose2d_equals_torch(cfg):
    rng = np.random.default_rng(cfg["seed"])
    x = rng.normal(size=(cfg["n"], cfg["c_in"], cfg["H"], cfg["W"]))
    w = rng.normal(size=(cfg["c_in"], cfg["c_out"] // cfg["groups"], *cfg["k"]))
    b = rng.normal(size=cfg["c_out"]) if cfg["bias"] else None
    kw = dict(stride=cfg["stride"], padding=cfg["padding"], output_padding=cfg["output_padding"],
              dilation=cfg["dilation"], groups=cfg["groups"])
    got = tc.conv_transpose2d(x, w, b, **kw)
    want = F.conv_transpose2d(_t(x), _t(w), None if b is None else _t(b), **kw).numpy()
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-10)
    # the output-size formula, per axis, against torch's actual output
    for axis in range(2):
        n_in = (cfg["H"], cfg["W"])[axis]
        assert tc.transposed_output_size(n_in, cfg["k"][axis], cfg["stride"][axis], cfg["padding"][axis],
                                         cfg["output_padding"][axis], cfg["dilation"][axis]) == want.shape[2 + axis]


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 3), st.integers(1, 3), st.integers(1, 3), st.integers(2, 9), st.integers(2, 9),
       st.integers(1, 4), st.integers(1, 3), st.integers(0, 2), st.integers(1, 2), st.integers(0, 2 ** 31))
def test_conv_transpose2d_is_the_gradient_of_conv2d(groups, cig, cog, H, W, k, s, p, d, seed):
    """The transposed convolution of the output gradient is autograd's gradient of conv2d w.r.t. its input."""
    if d * (k - 1) + 1 > min(H, W) + 2 * p:
        return  # no valid convolution for this draw
    rng = np.random.default_rng(seed)
    x = _t(rng.normal(size=(2, cig * groups, H, W))).requires_grad_()
    w = _t(rng.normal(size=(cog * groups, cig, k, k)))
    y = F.conv2d(x, w, stride=s, padding=p, dilation=d, groups=groups)
    g_out = rng.normal(size=tuple(y.shape))
    (grad_x,) = torch.autograd.grad(y, x, _t(g_out))
    # output_padding recovers the rows the convolution's stride skipped at the end
    # (the size before output_padding can be 0 or less here, which transposed_output_size refuses)
    op = tuple(n - ((m - 1) * s - 2 * p + d * (k - 1) + 1) for n, m in zip((H, W), y.shape[2:]))
    got = tc.conv_transpose2d(g_out, w.numpy(), stride=s, padding=p, output_padding=op, dilation=d, groups=groups)
    np.testing.assert_allclose(got, grad_x.numpy(), rtol=1e-10, atol=1e-10)


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 3), st.integers(1, 3), st.integers(1, 7), st.integers(1, 7), st.integers(1, 4),
       st.integers(1, 3), st.integers(0, 2), st.integers(1, 2), st.integers(0, 2 ** 31))
def test_conv2d_equals_torch(c_in, c_out, H, W, k, s, p, d, seed):
    if d * (k - 1) + 1 > min(H, W) + 2 * p:
        with pytest.raises(ValueError, match="larger than the padded input"):
            tc.conv2d(np.zeros((1, c_in, H, W)), np.zeros((c_out, c_in, k, k)), padding=p, dilation=d)
        return
    rng = np.random.default_rng(seed)
    x, w, b = rng.normal(size=(2, c_in, H, W)), rng.normal(size=(c_out, c_in, k, k)), rng.normal(size=c_out)
    want = F.conv2d(_t(x), _t(w), _t(b), stride=s, padding=p, dilation=d).numpy()
    np.testing.assert_allclose(tc.conv2d(x, w, b, stride=s, padding=p, dilation=d), want, rtol=1e-10, atol=1e-10)
    assert tc.conv_output_size(H, k, s, p, d) == want.shape[2]


@settings(max_examples=40, deadline=None)
@given(st.integers(2, 6), st.integers(2, 6), st.integers(1, 3), st.integers(1, 3), st.integers(0, 1),
       st.integers(0, 2 ** 31))
def test_conv_matrix_and_its_transpose(H, W, k, s, p, seed):
    if k > min(H, W) + 2 * p:
        return
    rng = np.random.default_rng(seed)
    K, img = rng.normal(size=(k, k)), rng.normal(size=(H, W))
    C = tc.conv_matrix(K, (H, W), stride=s, padding=p)
    y = F.conv2d(_t(img)[None, None], _t(K)[None, None], stride=s, padding=p)[0, 0].numpy()
    assert C.shape == (y.size, H * W)
    np.testing.assert_allclose(C @ img.ravel(), y.ravel(), atol=1e-12)
    g = rng.normal(size=y.shape)
    op = tuple(n - ((m - 1) * s - 2 * p + k) for n, m in zip((H, W), y.shape))
    want = F.conv_transpose2d(_t(g)[None, None], _t(K)[None, None], stride=s, padding=p,
                              output_padding=op)[0, 0].numpy()
    np.testing.assert_allclose(tc.transposed_conv_matrix(K, (H, W), s, p) @ g.ravel(), want.ravel(), atol=1e-12)


@pytest.mark.parametrize("stride,padding", [(1, 0), (2, 0), (2, 1), (3, 2)])
def test_loop_version_equals_torch(stride, padding):
    rng = np.random.default_rng(stride * 10 + padding)
    x, w, b = rng.normal(size=(2, 3, 4, 5)), rng.normal(size=(3, 2, 4, 3)), rng.normal(size=2)
    want = F.conv_transpose2d(_t(x), _t(w), _t(b), stride=stride, padding=padding).numpy()
    np.testing.assert_allclose(tc.conv_transpose2d_loop(x, w, b, stride, padding), want, atol=1e-12)


def test_float32_stays_float32_and_matches_torch():
    rng = np.random.default_rng(0)
    x, w = rng.normal(size=(2, 4, 8, 8)).astype(np.float32), rng.normal(size=(4, 3, 4, 4)).astype(np.float32)
    got = tc.conv_transpose2d(x, w, stride=2, padding=1)
    assert got.dtype == np.float32
    want = F.conv_transpose2d(torch.tensor(x), torch.tensor(w), stride=2, padding=1).numpy()
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)


def test_two_d_images_and_the_lecture_example():
    # the notes: a 2x2 input, 3x3 kernel, stride 2, padding 1 gives 3x3
    assert tc.transposed_output_size_simple(2, 3, 2, 1) == 3
    y = tc.conv_transpose2d(np.ones((2, 2)), np.ones((3, 3)), stride=2, padding=1)
    want = F.conv_transpose2d(torch.ones(1, 1, 2, 2), torch.ones(1, 1, 3, 3), stride=2, padding=1)[0, 0].numpy()
    assert y.shape == (3, 3)
    np.testing.assert_array_equal(y, want)


def test_simple_formula_is_the_general_one_without_dilation_or_output_padding():
    for n in range(1, 6):
        for k in range(1, 5):
            for s in range(1, 4):
                for p in range(0, (k + 1) // 2):
                    assert tc.transposed_output_size_simple(n, k, s, p) == tc.transposed_output_size(n, k, s, p)


def test_contribution_labels_stride_1_and_2():
    lab1 = tc.contribution_labels((2, 2), (2, 2), stride=1)
    assert lab1.tolist() == [["a", "a+b", "b"], ["a+c", "a+b+c+d", "b+d"], ["c", "c+d", "d"]]
    lab2 = tc.contribution_labels((2, 2), (2, 2), stride=2)
    assert lab2.tolist() == [["a", "a", "b", "b"], ["a", "a", "b", "b"], ["c", "c", "d", "d"], ["c", "c", "d", "d"]]


def test_resize_then_conv_equals_torch():
    rng = np.random.default_rng(1)
    x, w = rng.normal(size=(1, 2, 3, 4)), rng.normal(size=(3, 2, 3, 3))
    up = F.interpolate(_t(x), scale_factor=2, mode="nearest")
    want = F.conv2d(up, _t(w), padding=1).numpy()
    np.testing.assert_allclose(tc.resize_then_conv(x, w, 2), want, atol=1e-12)


# ---------------------------------------------------------------- bad arguments

def test_bad_arguments_get_clear_errors():
    x, w = np.zeros((1, 4, 5, 5)), np.zeros((4, 2, 3, 3))
    with pytest.raises(ValueError, match=r"stride: expected values >= 1, got -2"):
        tc.conv_transpose2d(x, w, stride=-2)
    with pytest.raises(ValueError, match=r"stride: expected values >= 1"):
        tc.conv_transpose2d(x, w, stride=0)
    with pytest.raises(ValueError, match=r"padding: expected values >= 0"):
        tc.conv_transpose2d(x, w, padding=-1)
    with pytest.raises(ValueError, match=r"w: expected shape \(4, C_out / groups, k_h, k_w\).*got \(3, 2, 3, 3\)"):
        tc.conv_transpose2d(x, np.zeros((3, 2, 3, 3)))
    with pytest.raises(ValueError, match=r"groups: the 4 input channels must split evenly.*groups=3"):
        tc.conv_transpose2d(x, w, groups=3)
    with pytest.raises(ValueError, match=r"groups: expected a positive integer"):
        tc.conv_transpose2d(x, w, groups=0)
    with pytest.raises(ValueError, match=r"output_padding: expected less than stride or dilation"):
        tc.conv_transpose2d(x, w, stride=2, output_padding=2)
    with pytest.raises(ValueError, match=r"padding: \(5, 5\) removes more than the output holds"):
        tc.conv_transpose2d(np.zeros((1, 4, 2, 2)), w, padding=5)
    with pytest.raises(ValueError, match=r"b: expected shape \(2,\)"):
        tc.conv_transpose2d(x, w, b=np.zeros(3))
    with pytest.raises(ValueError, match=r"x: expected a 2-D or 4-D array, got shape \(4, 5\)|x: expected a 2-D or 4-D"):
        tc.conv_transpose2d(np.zeros((4, 5, 5)), w)
    with pytest.raises(ValueError, match=r"w: x is a 2-D image"):
        tc.conv_transpose2d(np.zeros((5, 5)), w)
    with pytest.raises(ValueError, match=r"stride: expected an int or a pair of ints"):
        tc.conv_transpose2d(x, w, stride=1.5)
    # the forward convolution: a kernel larger than the padded input allows
    with pytest.raises(ValueError, match=r"kernel spans \(7, 7\).*larger than the padded input \(6, 6\)"):
        tc.conv2d(np.zeros((1, 1, 4, 4)), np.zeros((1, 1, 7, 7)), padding=1)
    with pytest.raises(ValueError, match=r"kernel: shape \(5, 5\) is larger than the padded input \(4, 4\)"):
        tc.conv_matrix(np.zeros((5, 5)), (4, 4))
    with pytest.raises(ValueError, match=r"w: expected shape \(2, 3, k_h, k_w\) to match the 3 input channels"):
        tc.conv2d(np.zeros((1, 3, 4, 4)), np.zeros((2, 4, 3, 3)))
    with pytest.raises(ValueError, match=r"stride: expected an integer >= 1, got -1"):
        tc.transposed_output_size(3, 3, -1)
