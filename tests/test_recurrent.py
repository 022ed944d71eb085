"""The recurrent ground floor (lecturelib.recurrent) against outside truths: autograd for the backward
step, torch.nn.RNN for the step and the weight copy, and the modules built on it."""
import numpy as np
import pytest
import torch

from lecturelib._validate import check_positive_ints
from lecturelib.gru import GRU, MGU, random_gru_weights, random_mgu_weights
from lecturelib.lstm import LSTM, random_lstm_weights
from lecturelib.recurrent import (DERIVATIVES, NONLINEARITIES, TORCH_NONLINEARITIES, backward_step,
                                  initial_state, input_part, into_torch_module, rnn_step_from_input_part,
                                  stack_gates, time_major, unstack_gates)
from lecturelib.rnn import VanillaRNN, random_rnn_weights
from lecturelib.training import TrainingLog, smooth, train


@pytest.mark.parametrize("name", ["relu", "tanh"])
def test_one_step_works_on_numpy_and_torch_alike_and_matches_nn_rnn(name):
    rng = np.random.default_rng(0)
    W_in, W_rec, b = rng.normal(size=(4, 3)), rng.normal(size=(4, 4)), rng.normal(size=4)
    h, x = rng.normal(size=(2, 4)), rng.normal(size=(2, 3))
    a_np, h_np = rnn_step_from_input_part(h, input_part(x, W_in, b), W_rec, NONLINEARITIES[name])
    t = [torch.as_tensor(v) for v in (h, x, W_in, b, W_rec)]
    a_t, h_t = rnn_step_from_input_part(t[0], input_part(t[1], t[2], t[3]), t[4], TORCH_NONLINEARITIES[name])
    np.testing.assert_allclose(h_np, h_t.numpy(), rtol=0, atol=1e-15)
    rnn = into_torch_module(torch.nn.RNN(3, 4, nonlinearity=name, dtype=torch.float64), W_in, W_rec, b)
    ref = rnn(torch.as_tensor(x)[None], torch.as_tensor(h)[None])[0][0]
    np.testing.assert_allclose(h_np, ref.detach().numpy(), rtol=0, atol=1e-12)
    # the pre-activation entry by entry: a_i = sum_j W_rec[i, j] h_j + sum_k W_in[i, k] x_k + b_i
    a_loop = np.array([[sum(W_rec[i, j] * h[r, j] for j in range(4)) + sum(W_in[i, k] * x[r, k] for k in range(3))
                        + b[i] for i in range(4)] for r in range(2)])
    np.testing.assert_allclose(a_np, a_loop, rtol=0, atol=1e-13)
    np.testing.assert_allclose(a_t.numpy(), a_loop, rtol=0, atol=1e-13)


@pytest.mark.parametrize("name", ["relu", "tanh", "linear"])
def test_backward_step_is_the_chain_rule(name):
    """da_t = f'(a_t) g_t and g_{t-1} = W_rec^T da_t, compared with autograd through one step."""
    rng = np.random.default_rng(1)
    W_rec, h_prev, p, g = rng.normal(size=(5, 5)), rng.normal(size=(3, 5)), rng.normal(size=(3, 5)), rng.normal(size=(3, 5))
    a, _ = rnn_step_from_input_part(h_prev, p, W_rec, NONLINEARITIES[name])
    da, g_prev = backward_step(g, a, W_rec, DERIVATIVES[name])
    torch_f = {"relu": torch.relu, "tanh": torch.tanh, "linear": lambda v: v}[name]
    ht, pt = torch.tensor(h_prev, requires_grad=True), torch.tensor(p, requires_grad=True)
    out = torch_f(ht @ torch.as_tensor(W_rec).T + pt)
    (out * torch.as_tensor(g)).sum().backward()
    np.testing.assert_allclose(g_prev, ht.grad.numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(da, pt.grad.numpy(), rtol=1e-12, atol=1e-12)


def test_initial_state_and_input_checks_name_the_argument():
    np.testing.assert_array_equal(initial_state("h0", [1.0, 2.0], 3, 2), [[1.0, 2.0]] * 3)
    assert initial_state("h0", None, 2, 4).shape == (2, 4)
    with pytest.raises(ValueError, match=r"h0: expected shape \(3, 2\)"):
        initial_state("h0", np.zeros((2, 2)), 3, 2)
    with pytest.raises(ValueError, match=r"xs: expected shape \(B, T, n_in\) with n_in=3, got \(2, 5, 4\)"):
        time_major(torch.zeros(2, 5, 4), 3, batch_first=True)
    assert time_major(torch.zeros(2, 5, 3), 3, batch_first=True).shape == (5, 2, 3)


def test_stacking_round_trips_in_any_order():
    rng = np.random.default_rng(2)
    w = {f"{p}_{g}": rng.normal(size=(3, 5) if p == "W" else 3) for g in "fiov" for p in ("W", "b")}
    for gates in (("f", "i", "o", "v"), ("i", "f", "v", "o")):
        back = unstack_gates(*stack_gates(w, gates), gates=gates)
        assert all(np.array_equal(back[k], w[k]) for k in w)


def _sig(a):
    return 1 / (1 + torch.exp(-a))


def _lecture_steps(kind, w, xs, h, c=None):
    """h_1..h_T (and the last c for the LSTM) by the lecture's equations, written out here with torch
    ops from the weight dict (z = [h_{t-1}; x_t], W_g = [W_rec^g  W_in^g]): an independent implementation."""
    W = {k: torch.tensor(v) for k, v in w.items()}
    n, hs = h.shape[-1], []
    for x in xs.unbind(0):
        z = torch.cat([h, x], -1)
        if kind == "vanilla":
            h = torch.tanh(h @ W["W_rec"].T + x @ W["W_in"].T + W["b"])
        elif kind == "lstm":
            f, i, o = (_sig(z @ W[f"W_{g}"].T + W[f"b_{g}"]) for g in "fio")
            c = f * c + i * torch.tanh(z @ W["W_v"].T + W["b_v"])
            h = o * torch.tanh(c)
        elif kind == "mgu":
            f = _sig(z @ W["W_f"].T + W["b_f"])
            h = (1 - f) * h + f * torch.tanh(torch.cat([f * h, x], -1) @ W["W_h"].T + W["b_h"])
        else:
            r, u = (_sig(z @ W[f"W_{g}"].T + W[f"b_{g}"]) for g in "ru")
            if kind == "gru before":
                cand = torch.tanh(torch.cat([r * h, x], -1) @ W["W_h"].T + W["b_h"])
            else:   # reset after the recurrent matrix, with its own bias b_rh
                cand = torch.tanh(x @ W["W_h"][:, n:].T + W["b_h"] + r * (h @ W["W_h"][:, :n].T + W["b_rh"]))
            h = u * h + (1 - u) * cand
        hs.append(h)
    return hs, c


MODULES = {
    "vanilla": (lambda: VanillaRNN(3, 4, 2, "tanh"), lambda: random_rnn_weights(3, 4, 2, seed=1, scale=1.0)),
    "lstm": (lambda: LSTM(3, 4, 2), lambda: random_lstm_weights(3, 4, seed=2, scale=1.0)),
    "gru before": (lambda: GRU(3, 4, 2), lambda: random_gru_weights(3, 4, seed=3, scale=1.0)),
    "gru after": (lambda: GRU(3, 4, 2, batch_first=True, reset="after"),
                  lambda: random_gru_weights(3, 4, seed=4, scale=1.0, reset="after")),
    "mgu": (lambda: MGU(3, 4, 2), lambda: random_mgu_weights(3, 4, seed=5, scale=1.0)),
}


@pytest.mark.parametrize("kind", MODULES)
def test_every_module_on_the_base_class_equals_the_lecture_equations(kind):
    """forward() and run() against the equations stepped in the test: the states, the readout, the
    final state, and (autograd through both) dh_T/dh_1, which needs run()'s states to be one graph."""
    torch.manual_seed(0)
    make, weights = MODULES[kind]
    w = weights()
    model = make().double().load_lecture_weights(w)
    rng = np.random.default_rng(0)
    xs = torch.tensor(rng.normal(size=(6, 2, 3)))
    h0, c0 = torch.tensor(rng.normal(size=(2, 4))), torch.tensor(rng.normal(size=(2, 4)))
    state = (h0, c0) if kind == "lstm" else h0
    ref, c_last = _lecture_steps(kind, w, xs, h0.clone().requires_grad_(), c0)
    ref_hs = torch.stack(ref)
    hs, zs = model(xs.transpose(0, 1) if model.batch_first else xs, state)
    if model.batch_first:
        hs, zs = hs.transpose(0, 1), zs.transpose(0, 1)
    torch.testing.assert_close(hs, ref_hs, rtol=0, atol=1e-13)
    torch.testing.assert_close(zs, ref_hs @ model.W_out.T, rtol=0, atol=1e-13)
    states, last = model.run(xs.transpose(0, 1) if model.batch_first else xs, state)
    torch.testing.assert_close(torch.stack(states), ref_hs, rtol=0, atol=1e-13)
    torch.testing.assert_close(last[1] if kind == "lstm" else last, c_last if kind == "lstm" else ref[-1],
                               rtol=0, atol=1e-13)
    grad, = torch.autograd.grad(states[-1].sum(), states[0])
    grad_ref, = torch.autograd.grad(ref[-1].sum(), ref[0])
    assert grad_ref.abs().max() > 1e-3
    torch.testing.assert_close(grad, grad_ref, rtol=0, atol=1e-12)


def test_positive_integers_are_checked_once_for_all():
    check_positive_ints(n=3, m=np.int64(1))
    for bad in (0, -2, 1.0, True, "3", None):
        with pytest.raises(ValueError, match="n_hidden: expected a positive integer"):
            check_positive_ints(n_hidden=bad)


def test_smooth_is_the_trailing_mean():
    v = np.arange(10.0) ** 2
    want = [v[max(0, t + 1 - 3):t + 1].mean() for t in range(10)]
    np.testing.assert_allclose(smooth(v, 3), want)
    with pytest.raises(ValueError, match="window"):
        smooth(v, 0)


def test_train_records_numbers_from_the_loss_and_the_metrics_hook():
    torch.manual_seed(0)
    model = torch.nn.Linear(2, 1)
    x, y = torch.randn(16, 2), torch.randn(16, 1)

    def loss_fn(model, batch):
        loss = ((model(batch[0]) - batch[1]) ** 2).mean()
        return 2 * loss, {"half": loss.item()}

    log = train(model, loss_fn, lambda step: (x, y), 5, lr=0.1, quiet=True,
                metrics=lambda step, model: {"after": ((model(x) - y) ** 2).mean().item()})
    assert isinstance(log, TrainingLog) and len(log.loss) == 5
    np.testing.assert_allclose(log.loss, 2 * np.array(log.extra["half"]))
    # the metric is taken after the update: it is the next step's loss
    np.testing.assert_allclose(log.extra["after"][:-1], log.extra["half"][1:], rtol=1e-6)
