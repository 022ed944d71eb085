"""The chapter-9 checkers accept the reference solutions, reject plausible mistakes with their own
messages, report the untouched stubs as not attempted, and never raise on junk."""
import numpy as np
import pytest
import torch

from exercise_utils import JUNK as SHARED_JUNK, solution_answer
from lecturelib.exercises import ch09


def verdict(ex, answer):
    return ex.evaluate(answer)


@pytest.mark.parametrize("ex", ch09.ALL, ids=lambda e: e.label)
def test_reference_solution_is_accepted(ex):
    v = verdict(ex, solution_answer(ex))
    assert v.correct, v.message


@pytest.mark.parametrize("ex", ch09.ALL, ids=lambda e: e.label)
def test_stub_is_not_attempted(ex):
    assert verdict(ex, ...).status == "not attempted"
    def stub(*args):
        raise NotImplementedError
    if ex is ch09.conv_transpose1d:
        assert verdict(ex, stub).status == "not attempted"


JUNK = SHARED_JUNK + ["seven", torch.tensor([1.0, 2.0]), np.zeros((3, 3)),
        lambda *a: 1 / 0, lambda *a: None, lambda *a: "text", lambda *a: torch.zeros(5),
        lambda *a: np.full(7, np.nan)]


@pytest.mark.parametrize("ex", ch09.ALL, ids=lambda e: e.label)
@pytest.mark.parametrize("junk", JUNK, ids=range(len(JUNK)))
def test_junk_never_raises(ex, junk):
    v = verdict(ex, junk)
    assert v.status == "incorrect", v.message


def test_output_size_mistakes():
    msgs = {}
    # n = 5, k = 7, s = 3, p = 1: right (n - 1) s + k - 2p = 17, computed here without the library
    assert (5 - 1) * 3 + 7 - 2 * 1 == 17
    # no padding, p once, padding added, n*s + k - 2p, conv formula, k-1, n*s - 2p, plain n*s
    for wrong in [19, 18, 21, 20, 1, 16, 13, 15]:
        v = verdict(ch09.output_size, wrong)
        assert not v.correct
        msgs[wrong] = v.message
    assert "padding is missing" in msgs[19]
    assert "*each* side" in msgs[18]
    assert "padding was added" in msgs[21]
    assert "n * stride" in msgs[20]
    assert "ordinary convolution" in msgs[1]
    assert "add k, not k - 1" in msgs[16]
    assert "kernel size is missing" in msgs[13]
    assert "multiplies the input size by the stride" in msgs[15]
    assert len(set(msgs.values())) == len(msgs)
    assert verdict(ch09.output_size, 17).correct
    assert "whole number" in verdict(ch09.output_size, 17.5).message


def test_conv_transpose1d_mistakes():
    def overwrite(x, k, s):
        y = np.zeros((len(x) - 1) * s + len(k))
        for i in range(len(x)):
            y[i * s:i * s + len(k)] = x[i] * k
        return y

    def flipped(x, k, s):
        y = np.zeros((len(x) - 1) * s + len(k))
        for i in range(len(x)):
            y[i * s:i * s + len(k)] += x[i] * k[::-1]
        return y

    def no_stride(x, k, s):
        return np.convolve(x, k)  # the stride-1 transposed convolution, whatever s is

    def too_long(x, k, s):
        y = np.zeros(len(x) * s + len(k))
        for i in range(len(x)):
            y[i * s:i * s + len(k)] += x[i] * k
        return y

    assert "assigned with `=`" in verdict(ch09.conv_transpose1d, overwrite).message
    assert "kernel is flipped" in verdict(ch09.conv_transpose1d, flipped).message
    assert "stride-1 size" in verdict(ch09.conv_transpose1d, no_stride).message
    assert "one stride too long" in verdict(ch09.conv_transpose1d, too_long).message

    def mutates(x, k, s):  # writes into its inputs: the checker's cases must survive
        x *= 0
        return np.zeros((len(x) - 1) * s + len(k))
    assert not verdict(ch09.conv_transpose1d, mutates).correct
    assert ch09.CASES_1D[0][0].tolist() == [1.0, 2.0, -1.0]


def test_layer_shape_mistakes():
    cases = {(2, 16, 20, 20): "out_channels", (2, 8, 22, 22): "padding is missing", (2, 8, 21, 21): "*each* side",
             (2, 8, 5, 5): "ordinary convolution", (8, 20, 20): "batch axis", (2, 20, 20, 8): "channels first"}
    for shape, words in cases.items():
        v = verdict(ch09.layer_shape, shape)
        assert not v.correct and words in v.message, (shape, v.message)
    assert verdict(ch09.layer_shape, torch.Size([2, 8, 20, 20])).correct


def test_not_inverse_against_torch_and_named_mistakes():
    import torch

    ex = ch09.not_inverse
    x = torch.tensor([[[1.0, 2.0, 3.0]]])
    k = torch.tensor([[[1.0, 1.0]]])
    y = torch.nn.functional.conv1d(x, k)
    back = torch.nn.functional.conv_transpose1d(y, k)[0, 0].numpy()
    assert ex.evaluate(back).correct
    assert "deconvolution" in ex.evaluate(np.array([1.0, 2.0, 3.0])).message
    assert "reverses" in ex.evaluate(back[::-1].copy()).message
    assert ex.evaluate(np.array([1.0, 2.0])).status == "incorrect"
