"""The numeric API against a careless student's arguments, one test per item of issue 17: each bad
argument gets a ValueError or TypeError naming it (never a silent wrong result, an obscure error from
deep inside numpy or torch, or a loop without end). Where a check could refuse too much, a valid
neighbour of the bad call is shown to still work."""

import numpy as np
import pytest
import torch

from lecturelib import bptt, gradients, gru, lstm, mrnn, rnn, second_order, segmentation, tasks, training
from lecturelib import transposed_conv as tc
from lecturelib import unpooling as up
from timeouts import alarm




def refused(name, fn, *args, **kwargs):
    with alarm(10), pytest.raises((ValueError, TypeError)) as err:
        fn(*args, **kwargs)
    assert str(err.value).startswith(name) or f"{name}:" in str(err.value), str(err.value)


W = rnn.random_rnn_weights(3, 4, 2, seed=1)
XS = np.random.default_rng(0).normal(size=(6, 2, 3))


# ------------------------------------------------------------------ gradients and training

@pytest.mark.parametrize("c", [True, 0, -1, float("nan"), float("inf"), "1", None])
def test_clip_by_norm_threshold(c):
    refused("c", gradients.clip_by_norm, np.array([3.0, 4.0]), c)


def test_clip_by_norm_still_clips():
    assert np.allclose(gradients.clip_by_norm(np.array([3.0, 4.0]), 1), [0.6, 0.8])


@pytest.mark.parametrize("rho", [-1, 0, float("nan"), True, "0.9"])
def test_scale_to_spectral_radius_refuses(rho):
    refused("rho", gradients.scale_to_spectral_radius, np.eye(3) * 2, rho)


def test_scale_to_spectral_radius_keeps_sign():
    W = np.array([[0.5, 0.2], [0.0, -1.0]])
    out = gradients.scale_to_spectral_radius(W, 2.0)
    assert np.allclose(out, 2 * W) and np.isclose(gradients.spectral_radius(out), 2.0)


@pytest.mark.parametrize("window", [0, -3, 2.5, True])
def test_smooth_window(window):
    refused("window", training.smooth, [1.0, 2.0, 3.0], window)


@pytest.mark.parametrize("values", ["abc", None, [[1.0, 2.0]], [1 + 1j, 2]])
def test_smooth_values(values):
    refused("values", training.smooth, values, 2)


@pytest.mark.parametrize("T", [10 ** 12, 0, -5, 2.5, True])
def test_cliff_loss_has_a_step_limit(T):
    refused("T", gradients.cliff_loss, 1.0, 0.0, T=T)
    refused("T", gradients.cliff_loss_and_grad, 1.0, 0.0, T=T)


def _model_loss(model, batch):
    return model(batch[0])[1].pow(2).mean()


@pytest.mark.parametrize("clip", [-1, 0, float("nan"), float("inf"), True])
def test_train_refuses_a_clip_that_is_not_positive(clip):
    model = rnn.VanillaRNN(3, 4, 2)
    before = [p.detach().clone() for p in model.parameters()]
    refused("clip", training.train, model, _model_loss, lambda s: (torch.ones(5, 2, 3),), 3, clip=clip, quiet=True)
    assert all(torch.equal(a, b) for a, b in zip(before, model.parameters()))   # refused before any step


def test_train_with_a_positive_clip_still_trains():
    # seeded: about 4 in 100 random starts have an output of exactly 0 (loss 0, nothing to decrease),
    # so unseeded the test failed or passed with the order tests ran in
    torch.manual_seed(0)
    model = rnn.VanillaRNN(3, 4, 2)
    log = training.train(model, _model_loss, lambda s: (torch.ones(5, 2, 3),), 5, clip=0.5, quiet=True, lr=1e-2)
    assert log.loss[-1] < log.loss[0]


# ------------------------------------------------------------------ BPTT and truncation

@pytest.mark.parametrize("ys_shape", [(5, 2, 2), (7, 2, 2), (6, 3, 2), (6, 2, 1), (6, 2)])
def test_tbptt_k1k2_targets_must_match(ys_shape):
    refused("ys", bptt.tbptt_k1k2, XS, np.zeros(ys_shape), **W, k1=2, k2=3)


@pytest.mark.parametrize("p", [-1, 0, 1.5, True, None])
def test_truncated_loss_torch_p(p):
    model = rnn.VanillaRNN(3, 4, 2)
    refused("p", bptt.truncated_loss_torch, model, torch.zeros(5, 2, 3), torch.zeros(5, 2, 2), p=p)


@pytest.mark.parametrize("xs,ys,name", [
    (torch.zeros(5, 2, 4), torch.zeros(5, 2, 2), "xs"), (torch.zeros(5, 3), torch.zeros(5, 2, 2), "xs"),
    (torch.zeros(5, 2, 3), torch.zeros(4, 2, 2), "ys"), (np.zeros((5, 2, 3)), torch.zeros(5, 2, 2), "xs"),
    (torch.zeros(5, 2, 3, dtype=torch.long), torch.zeros(5, 2, 2), "xs"),
    (torch.zeros(5, 2, 3, dtype=torch.complex64), torch.zeros(5, 2, 2), "xs")])
def test_truncated_loss_and_tbptt_torch_check_their_tensors(xs, ys, name):
    model = rnn.VanillaRNN(3, 4, 2)
    refused(name, bptt.truncated_loss_torch, model, xs, ys, p=2)
    refused(name, bptt.tbptt_k1k2_torch, model, xs, ys, 2, 3)


def test_bptt_forward_needs_w_out_and_backward_needs_its_cache():
    refused("W_out", bptt.bptt_forward, XS, W["W_in"], W["W_rec"], W["b"], None)
    refused("cache", bptt.bptt_backward, {"a": 1}, np.zeros((6, 2, 2)))


# ------------------------------------------------------------------ second order

def _net():
    torch.manual_seed(0)
    net = torch.nn.Linear(3, 2)
    x = torch.randn(8, 3)
    return net, (lambda: net(x)), (lambda z: (z ** 2).mean())


@pytest.mark.parametrize("v", [torch.zeros(3), torch.zeros(2, 4), torch.zeros(9), np.zeros(8),
                               torch.zeros(8, dtype=torch.long)])
def test_curvature_products_check_v(v):
    net, outputs, loss = _net()
    refused("v", second_order.gauss_newton_vector_product, outputs, loss, list(net.parameters()), v)
    refused("v", second_order.hessian_vector_product, lambda: loss(outputs()), list(net.parameters()), v)


@pytest.mark.parametrize("kw,name", [(dict(max_tries=0), "max_tries"), (dict(max_tries=-2), "max_tries"),
                                     (dict(cg_iters=0), "cg_iters"), (dict(damping=0), "damping"),
                                     (dict(damping=float("inf")), "damping"), (dict(damping=float("nan")), "damping")])
def test_hessian_free_step_arguments(kw, name):
    net, outputs, loss = _net()
    refused(name, second_order.hessian_free_step, outputs, loss, list(net.parameters()), **kw)


def test_hessian_free_step_with_one_try_runs():
    net, outputs, loss = _net()
    out = second_order.hessian_free_step(outputs, loss, list(net.parameters()), max_tries=1)
    assert out["new_loss"] <= out["loss"]


# ------------------------------------------------------------------ sizes and dtypes of the recurrent nets

@pytest.mark.parametrize("fn,args,name", [
    (rnn.VanillaRNN, (3, 0, 2), "n_hidden"), (rnn.random_rnn_weights, (3, 0, 2), "n_hidden"),
    (rnn.random_rnn_weights, (0, 4, 2), "n_in"), (rnn.random_rnn_weights, (3, 10 ** 6, 2), "n_hidden"),
    (lstm.random_lstm_weights, (3, 0), "n_hidden"), (lstm.random_lstm_weights, (3, 10 ** 6), "n_hidden"),
    (gru.random_gru_weights, (3, 10 ** 6), "n_hidden"), (gru.random_mgu_weights, (3, 0), "n_hidden"),
    (mrnn.random_mrnn_weights, (3, 4, 10 ** 8, 2), "n_factors"),
    (tasks.adding_problem, (10 ** 9, 50), "batch_size"), (tasks.echo_task, (10 ** 9, 10, 2), "batch_size"),
    (tasks.copy_task, (10 ** 8,), "batch_size"),
])
def test_sizes_have_a_stated_limit(fn, args, name):
    refused(name, fn, *args)


@pytest.mark.parametrize("seed", ["abc", -1, 2.5, True])
def test_seeds_are_checked(seed):
    refused("seed", tasks.adding_problem, 2, 5, seed=seed)
    refused("seed", rnn.random_rnn_weights, 3, 4, 2, seed=seed)


def test_hidden_size_zero_weights_are_refused_not_run():
    refused("W_rec", rnn.rnn_forward, XS, np.zeros((0, 3)), np.zeros((0, 0)), np.zeros(0), np.zeros((2, 0)))
    empty = {k: v[:0] for k, v in lstm.random_lstm_weights(3, 4).items()}
    refused("weights['W_f']", lstm.lstm_forward, XS, empty)


@pytest.mark.parametrize("fn,kwargs,name", [
    (rnn.rnn_forward, dict(xs=XS + 1j, **W), "xs"),
    (rnn.rnn_forward, dict(xs=XS, **dict(W, W_rec=W["W_rec"] * 1j)), "W_rec"),
    (lstm.lstm_forward, dict(xs=XS * 1j, weights=lstm.random_lstm_weights(3, 4)), "xs"),
    (tc.conv2d, dict(x=np.ones((4, 4)) * 1j, w=np.ones((2, 2))), "x"),
    (up.nearest_unpool, dict(x=np.ones((2, 2)) * 1j), "x"),
])
def test_complex_input_is_refused_not_truncated(fn, kwargs, name):
    refused(name, fn, **kwargs)


# ------------------------------------------------------------------ output sizes

@pytest.mark.parametrize("fn,args,name", [
    (tc.transposed_output_size, (1, 1, 1, 1), "padding"), (tc.transposed_output_size_simple, (2, 3, 1, 5), "padding"),
    (tc.transposed_output_size, (0, 3), "n_in"), (tc.transposed_output_size, (4, 3, 0), "stride"),
    (tc.conv_output_size, (3, 7), "kernel"), (tc.conv_output_size, (5, 3, 1, -1), "padding"),
    (tc.conv_output_size, (5, 3, 2.0), "stride"), (tc.conv_output_size, (5, 2, 1, 0, 5), "kernel"),
])
def test_output_sizes_are_never_negative(fn, args, name):
    refused(name, fn, *args)


def test_output_sizes_agree_with_torch():
    for n, k, s, p in [(4, 5, 3, 1), (5, 3, 2, 1), (2, 2, 1, 0), (7, 3, 3, 0)]:
        y = torch.nn.functional.conv_transpose1d(torch.ones(1, 1, n), torch.ones(1, 1, k), stride=s, padding=p)
        assert tc.transposed_output_size(n, k, s, p) == y.shape[-1] == tc.transposed_output_size_simple(n, k, s, p)
        c = torch.nn.functional.conv1d(torch.ones(1, 1, n + k), torch.ones(1, 1, k), stride=s, padding=p)
        assert tc.conv_output_size(n + k, k, s, p) == c.shape[-1]


@pytest.mark.parametrize("fn,kwargs,name", [
    (tc.conv_transpose2d, dict(x=np.ones((3, 3)), w=np.ones((2, 2)), stride=10 ** 5), "x"),
    (tc.conv_matrix, dict(kernel=np.ones((1, 1)), input_shape=(200, 200)), "input_shape"),
    (up.nearest_unpool, dict(x=np.ones((4, 4)), factor=10 ** 4), "factor"),
    (up.bed_of_nails, dict(x=np.ones((4, 4)), factor=10 ** 4), "factor"),
    (up.max_unpool, dict(x=np.ones((2, 2)), switches=np.zeros((2, 2), int), output_size=(10 ** 5, 10 ** 5)),
     "output_size"),
])
def test_conv_and_unpool_arrays_have_a_stated_limit(fn, kwargs, name):
    refused(name, fn, **kwargs)


def test_max_unpool_output_size_may_be_an_int():
    pooled, switches = up.max_pool_with_switches(np.arange(16.0).reshape(4, 4))
    assert up.max_unpool(pooled, switches, 4).shape == (4, 4)


# ------------------------------------------------------------------ segmentation

X = torch.rand(2, 3, 4, 4)
Y = torch.randint(0, 3, (2, 4, 4))


@pytest.mark.parametrize("y,kw,name", [
    (torch.full((2, 4, 4), 7), {}, "y"), (torch.full((2, 4, 4), -1), {}, "y"), (Y.float() + 0.5, {}, "y"),
    (Y, dict(bins=0), "bins"), (Y, dict(bins=-2), "bins"), (Y, dict(bins=1000), "bins"),
    (Y, dict(n_classes=0), "n_classes"), (Y, dict(bins=256, n_classes=64), "bins"),
])
def test_fit_pixel_lookup_refuses(y, kw, name):
    args = dict(n_classes=3) | kw
    refused(name, segmentation.fit_pixel_lookup, X, y, **args)


def test_fit_pixel_lookup_keeps_void():
    y = Y.clone()
    y[0, 0, 0] = segmentation.IGNORE
    table = segmentation.fit_pixel_lookup(X, y, 3, bins=4)
    assert table.shape == (4 ** 3,) and int(table.max()) < 3


@pytest.mark.parametrize("cm", [[[1, -1], [0, 2]], [[1, np.nan], [0, 2]], [[1, np.inf], [0, 2]]])
def test_confusion_matrices_with_impossible_counts(cm):
    for fn in (segmentation.pixel_accuracy, segmentation.iou_per_class, segmentation.mean_iou):
        refused("cm", fn, np.array(cm))


@pytest.mark.parametrize("kw,name", [(dict(batch_size=0), "batch_size"), (dict(batch_size=-4), "batch_size"),
                                     (dict(batch_size=2.5), "batch_size"), (dict(lr=0), "lr"),
                                     (dict(lr=float("nan")), "lr"), (dict(steps=0), "steps")])
def test_train_segmenter_refuses(kw, name):
    net = torch.nn.Conv2d(3, 3, 1)
    args = dict(steps=2) | kw
    refused(name, segmentation.train_segmenter, net, X, Y, **args)
