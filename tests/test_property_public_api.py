"""Property: every public function of the numeric modules, given one wrong argument (a random wrong
shape, dtype, size or value), either raises a clear ValueError or TypeError that names an argument,
or returns a result; never another exception type, never a hang, and never NaN from finite input.

Each function has a valid call (small sizes). Hypothesis replaces one argument of it by junk: None,
text, booleans, complex numbers, NaN and infinity, negative, zero, fractional and astronomically large
sizes, arrays of a random shape (0 to 3 dimensions, sides 0 to 4) and dtype, and the valid array with
one side changed, one axis added or one removed. A result is accepted only if it is free of NaN
whenever every argument was finite (functions whose NaN is documented, such as the IoU of a class
that never occurs, are marked). The whole file runs in well under a minute.
"""
import inspect
import re
import signal

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings, strategies as st

from lecturelib import bptt, gradients, gru, lstm, mrnn, rnn, segmentation, tasks, training
from lecturelib import transposed_conv as tc
from lecturelib import unpooling as up
from lecturelib.datasets import boxes, coco, draw, stats, voc

RNG = np.random.default_rng(0)
W = rnn.random_rnn_weights(3, 4, 2, seed=1)
XS = RNG.normal(size=(5, 2, 3))
YS = RNG.normal(size=(5, 2, 2))
LW = lstm.random_lstm_weights(3, 4, seed=2)
GW = gru.random_gru_weights(3, 4, seed=3)
MW = gru.random_mgu_weights(3, 4, seed=4)
RW = mrnn.random_mrnn_weights(3, 4, 5, 2, seed=5)
IMG = RNG.normal(size=(5, 6))
KER = RNG.normal(size=(2, 3))
CM = np.array([[5, 1, 0], [2, 7, 1], [0, 3, 4]])
_, CACHE = bptt.bptt_forward(XS, **W)
POOLED, SWITCHES = up.max_pool_with_switches(RNG.normal(size=(4, 6)))

# name -> (function, valid keyword arguments, NaN documented)
CASES = {
    "rnn.rnn_step": (rnn.rnn_step, dict(h_prev=np.zeros(4), x=np.ones(3), W_rec=W["W_rec"], W_in=W["W_in"],
                                        b=W["b"]), False),
    "rnn.rnn_forward": (rnn.rnn_forward, dict(xs=XS, **W), False),
    "rnn.random_rnn_weights": (rnn.random_rnn_weights, dict(n_in=3, n_hidden=4, n_out=2), False),
    "rnn.count_rnn_parameters": (rnn.count_rnn_parameters, dict(n_in=3, n_hidden=4, n_out=2), False),
    "bptt.bptt_forward": (bptt.bptt_forward, dict(xs=XS, **W), False),
    "bptt.bptt": (bptt.bptt, dict(xs=XS, ys=YS, **W), False),
    "bptt.mse_loss": (bptt.mse_loss, dict(zs=YS, ys=YS * 0.5), False),
    "bptt.truncated_grads": (bptt.truncated_grads, dict(cache=CACHE, dzs=YS, p=2), False),
    "bptt.tbptt_k1k2": (bptt.tbptt_k1k2, dict(xs=XS, ys=YS, k1=2, k2=3, **W), False),
    "lstm.lstm_step": (lstm.lstm_step, dict(h_prev=np.zeros(4), c_prev=np.zeros(4), x=np.ones(3), weights=LW), False),
    "lstm.lstm_forward": (lstm.lstm_forward, dict(xs=XS, weights=LW), False),
    "lstm.random_lstm_weights": (lstm.random_lstm_weights, dict(n_in=3, n_hidden=4), False),
    "lstm.count_lstm_parameters": (lstm.count_lstm_parameters, dict(n_in=3, n_hidden=4), False),
    "gru.gru_step": (gru.gru_step, dict(h_prev=np.zeros(4), x=np.ones(3), weights=GW), False),
    "gru.gru_forward": (gru.gru_forward, dict(xs=XS, weights=GW), False),
    "gru.mgu_forward": (gru.mgu_forward, dict(xs=XS, weights=MW), False),
    "gru.random_gru_weights": (gru.random_gru_weights, dict(n_in=3, n_hidden=4), False),
    "mrnn.recurrent_matrix": (mrnn.recurrent_matrix, dict(x=np.ones(3), weights=RW), False),
    "mrnn.mrnn_forward": (mrnn.mrnn_forward, dict(xs=XS, weights=RW), False),
    "mrnn.random_mrnn_weights": (mrnn.random_mrnn_weights, dict(n_in=3, n_hidden=4, n_factors=5, n_out=2), False),
    "gradients.clip_by_norm": (gradients.clip_by_norm, dict(grads=np.array([3.0, 4.0]), c=1.0), False),
    "gradients.spectral_radius": (gradients.spectral_radius, dict(W=W["W_rec"]), False),
    "gradients.scale_to_spectral_radius": (gradients.scale_to_spectral_radius, dict(W=W["W_rec"], rho=0.9), False),
    "gradients.identity_init": (gradients.identity_init, dict(n=4), False),
    "gradients.talathi_vartak_init": (gradients.talathi_vartak_init, dict(n=4, seed=0), False),
    "gradients.cliff_loss": (gradients.cliff_loss, dict(w=np.linspace(-3, 3, 4), b=0.1, T=5), False),
    "training.smooth": (training.smooth, dict(values=np.arange(6.0), window=3), False),
    "tasks.adding_problem": (tasks.adding_problem, dict(batch_size=2, T=5, seed=0), False),
    "tasks.copy_task": (tasks.copy_task, dict(batch_size=2, length=3, delay=2, n_symbols=4, seed=0), False),
    "tasks.echo_task": (tasks.echo_task, dict(batch_size=2, T=6, delay=2, seed=0), False),
    "transposed_conv.transposed_output_size": (tc.transposed_output_size,
                                               dict(n_in=4, kernel=3, stride=2, padding=1), False),
    "transposed_conv.conv_output_size": (tc.conv_output_size, dict(n_in=6, kernel=3, stride=2, padding=1), False),
    "transposed_conv.conv_transpose2d": (tc.conv_transpose2d, dict(x=IMG, w=KER, stride=2, padding=1), False),
    "transposed_conv.conv2d": (tc.conv2d, dict(x=IMG, w=KER, stride=1, padding=1), False),
    "transposed_conv.conv_matrix": (tc.conv_matrix, dict(kernel=KER, input_shape=(4, 5), stride=1), False),
    "unpooling.nearest_unpool": (up.nearest_unpool, dict(x=IMG, factor=2), False),
    "unpooling.bed_of_nails": (up.bed_of_nails, dict(x=IMG, factor=2), False),
    "unpooling.max_pool_with_switches": (up.max_pool_with_switches, dict(x=IMG, kernel_size=2), False),
    "unpooling.max_unpool": (up.max_unpool, dict(x=POOLED, switches=SWITCHES, output_size=(4, 6)), False),
    "boxes.box_iou": (boxes.box_iou, dict(a=np.array([0, 0, 2, 2.0]), b=np.array([[1, 1, 3, 3.0]])), False),
    "boxes.xywh_to_xyxy": (boxes.xywh_to_xyxy, dict(b=np.array([1, 2, 3, 4.0])), False),
    "boxes.voc_to_coco": (boxes.voc_to_coco, dict(b=np.array([1, 2, 3, 4.0])), False),
    "stats.size_bucket": (stats.size_bucket, dict(area=500.0), False),
    "voc.mask_to_rgb": (voc.mask_to_rgb, dict(mask=np.array([[0, 15], [255, 3]])), False),
    "voc.voc_palette": (voc.voc_palette, dict(n=21), False),
    "coco.mask_to_rle": (coco.mask_to_rle, dict(mask=np.array([[0, 1], [1, 1]], bool)), False),
    "coco.ann_to_mask": (coco.ann_to_mask, dict(ann={"segmentation": [[0, 0, 3, 0, 3, 2]]}, height=4, width=5),
                         False),
    "coco.rgb_to_panoptic_id": (coco.rgb_to_panoptic_id, dict(rgb=np.zeros((2, 3, 3), np.uint8)), False),
    "coco.panoptic_id_to_rgb": (coco.panoptic_id_to_rgb, dict(ids=np.array([[0, 300], [70000, 5]])), False),
    "draw.overlay_mask": (draw.overlay_mask, dict(image=np.full((2, 3, 3), 90, np.uint8),
                                                  mask=np.array([[0, 1, 2], [15, 0, 255]]), alpha=0.5), False),
    "draw.outline": (draw.outline, dict(mask=np.eye(4, dtype=bool), width=1), False),
    "draw.distinct_colours": (draw.distinct_colours, dict(n=3), False),
    "gradients.backprop_norms": (gradients.backprop_norms, dict(W_rec=W["W_rec"], T=6, nonlinearity="tanh"), False),
    "gradients.default_rnn_init": (gradients.default_rnn_init, dict(n=4, seed=0), False),
    "lstm.memory_task_inputs": (lstm.memory_task_inputs, dict(bit=1, T=8, write_at=1), False),
    "mrnn.parity_task": (mrnn.parity_task, dict(batch_size=2, T=5, seed=0), False),
    "gru.count_gru_parameters": (gru.count_gru_parameters, dict(n_in=3, n_hidden=4), False),
    "mrnn.count_mrnn_parameters": (mrnn.count_mrnn_parameters, dict(n_in=3, n_hidden=4, n_factors=5, n_out=2), False),
    "tasks.copy_baseline_cross_entropy": (tasks.copy_baseline_cross_entropy, dict(length=3, delay=4, n_symbols=5),
                                          False),
    "transposed_conv.transposed_conv_matrix": (tc.transposed_conv_matrix, dict(kernel=KER, input_shape=(4, 5)), False),
    "transposed_conv.contribution_labels": (tc.contribution_labels, dict(input_shape=(2, 2), kernel_shape=(2, 2),
                                                                        stride=1), False),
    "transposed_conv.resize_then_conv": (tc.resize_then_conv, dict(x=IMG[None, None], w=np.ones((1, 1, 3, 3)),
                                                                   factor=2), False),
    "segmentation.sliding_window_cost": (segmentation.sliding_window_cost, dict(height=8, width=9, window=3), False),
    "segmentation.output_memory_bytes": (segmentation.output_memory_bytes, dict(n_classes=3, height=4, width=5),
                                         False),
    "segmentation.remap_labels": (segmentation.remap_labels, dict(mask=np.array([[0, 5], [255, 5]]), labels=(0, 5)),
                                  False),
    "segmentation.pixel_accuracy": (segmentation.pixel_accuracy, dict(cm=CM), True),      # 0/0 of an empty cm
    "segmentation.iou_per_class": (segmentation.iou_per_class, dict(cm=CM), True),        # a class never seen
    "segmentation.mean_iou": (segmentation.mean_iou, dict(cm=CM), True),
    "segmentation.confusion_matrix": (segmentation.confusion_matrix,
                                      dict(pred=np.array([[0, 1], [2, 2]]), target=np.array([[0, 1], [1, 2]]),
                                           n_classes=3), False),
}


def _changed(value, draw):
    """The valid array with one side changed, one axis added or one removed."""
    a = np.asarray(value)
    how = draw(st.sampled_from(["side", "add", "drop"]))
    if how == "add" or a.ndim == 0:
        return a[None]
    if how == "drop":
        return a[0]
    axis = draw(st.integers(0, a.ndim - 1))
    shape = list(a.shape)
    shape[axis] = draw(st.sampled_from([0, 1, shape[axis] + 1]))
    return np.resize(a, shape) if all(shape) else np.zeros(shape)


@st.composite
def changed(draw, value):
    return _changed(value, draw)


finite = st.floats(-1e6, 1e6, allow_nan=False)
scalars = st.one_of(st.none(), st.just("abc"), st.booleans(), st.just(1 + 2j), st.just(float("nan")),
                    st.just(float("inf")), st.just(-float("inf")), st.sampled_from([-1, 0, 2.5, 10 ** 12, -(10 ** 12)]),
                    finite, st.just([]), st.just([[1, 2], [3]]))
dtypes = st.sampled_from([np.float64, np.float32, np.int64, np.bool_, np.complex128, object])


@st.composite
def arrays(draw):
    shape = tuple(draw(st.lists(st.integers(0, 4), max_size=3)))
    dtype = draw(dtypes)
    values = draw(st.lists(st.one_of(finite, st.sampled_from([np.nan, np.inf])), min_size=1, max_size=4))
    a = np.resize(np.array(values), shape) if all(shape) else np.zeros(shape)
    if dtype is object:
        return a.astype(object)
    with np.errstate(invalid="ignore"):
        return a.astype(dtype) if dtype in (np.float64, np.float32, np.complex128) else \
            np.nan_to_num(a, nan=0, posinf=0, neginf=0).astype(dtype)


def is_finite(value):
    if isinstance(value, dict):
        return all(is_finite(v) for v in value.values())
    if isinstance(value, torch.Tensor):
        return bool(torch.isfinite(value).all()) if value.is_floating_point() else True
    if isinstance(value, (float, np.floating, complex, np.complexfloating)):
        return bool(np.isfinite(value))
    if isinstance(value, np.ndarray) and value.dtype.kind in "fc":
        return bool(np.all(np.isfinite(value)))
    if isinstance(value, np.ndarray) and value.dtype == object:
        try:
            return bool(np.all(np.isfinite(value.astype(complex))))
        except (TypeError, ValueError):
            return True
    if isinstance(value, (list, tuple)):
        try:
            return is_finite(np.asarray(value, dtype=complex))
        except (TypeError, ValueError):
            return True
    return True


def has_nan(result):
    if isinstance(result, dict):
        return any(has_nan(v) for v in result.values())
    if isinstance(result, (list, tuple)):
        return any(has_nan(v) for v in result)
    if isinstance(result, torch.Tensor):
        return bool(torch.isnan(result).any()) if result.is_floating_point() else False
    if isinstance(result, (float, np.floating)):
        return bool(np.isnan(result))
    if isinstance(result, np.ndarray) and result.dtype.kind in "fc":
        return bool(np.isnan(result).any())
    return False


class Hang(Exception):
    pass


def _ring(*_):
    raise Hang()


@pytest.mark.filterwarnings("ignore::RuntimeWarning", "ignore::DeprecationWarning")
@pytest.mark.parametrize("name", list(CASES))
@settings(max_examples=30, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_one_wrong_argument_gets_a_clear_error_or_a_sound_result(name, data):
    fn, valid, nan_documented = CASES[name]
    kwargs = dict(valid)
    arg = data.draw(st.sampled_from(sorted(kwargs)), label="argument")
    original = kwargs[arg]
    if isinstance(original, np.ndarray):
        junk = data.draw(st.one_of(scalars, arrays(), changed(original)), label="junk")
    elif isinstance(original, dict) and arg != "cache":     # bptt's cache is opaque: replaced whole, below
        key = data.draw(st.sampled_from(sorted(original)), label="key")
        junk = dict(original)
        junk[key] = data.draw(st.one_of(scalars, arrays(), changed(original[key])), label="junk entry")
    else:
        junk = data.draw(st.one_of(scalars, arrays(), st.just({})), label="junk")
    kwargs[arg] = junk
    old = signal.signal(signal.SIGALRM, _ring)
    signal.setitimer(signal.ITIMER_REAL, 10)
    try:
        result = fn(**kwargs)
    except (ValueError, TypeError) as err:
        message = str(err)
        # The argument that was changed (or, for a dict of weights, the entry) must be named as a
        # word of its own: a bare substring test passed any message containing 'a', 'b' or 'x'.
        # A mismatch between two arguments may name the other one, if its name is not a single
        # letter (a one-letter word such as 'a' is also English).
        names = [arg] + ([key] if isinstance(original, dict) and arg != "cache" else [])
        names += [n for n in inspect.signature(fn).parameters if len(n) > 1]
        assert any(re.search(rf"(?<![A-Za-z0-9_]){re.escape(n)}(?![A-Za-z0-9_])", message) for n in names), \
            f"{name}({arg}=...): the message names no argument ({', '.join(names)}): {message}"
        return
    except Hang:
        pytest.fail(f"{name}({arg}={junk!r:.80}) ran for more than 10 s")
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
    if not nan_documented and all(is_finite(v) for v in kwargs.values()):
        assert not has_nan(result), f"{name}({arg}={junk!r:.80}) gave NaN from finite input"


@pytest.mark.parametrize("name", list(CASES))
def test_the_valid_calls_work(name):
    """The base of each property: the unchanged call succeeds (so a refusal is due to the junk)."""
    fn, valid, _ = CASES[name]
    assert not has_nan(fn(**valid))
