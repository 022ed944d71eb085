"""The multiplicative RNN against outside truths: its defining equation, finite differences, autograd."""
import numpy as np
import pytest
import torch
from hypothesis import given, settings, strategies as st

from lecturelib.gradcheck import check_gradients
from lecturelib.mrnn import (NAMES, MultiplicativeRNN, count_mrnn_parameters, mrnn_forward, parity_task,
                             random_mrnn_weights, recurrent_matrix)
from lecturelib.rnn import count_module_parameters


@settings(max_examples=20, deadline=None)
@given(T=st.integers(1, 5), B=st.integers(1, 3), m=st.integers(1, 4), n=st.integers(1, 5), F=st.integers(1, 6),
       seed=st.integers(0, 1000))
def test_forward_uses_the_input_dependent_matrix(T, B, m, n, F, seed):
    """h_t = tanh(W_rec(x_t) h_{t-1} + W_in x_t + b), with W_rec(x) = W_hf diag(W_fx x) W_fh formed explicitly."""
    w = random_mrnn_weights(m, n, F, 2, seed=seed)
    w["b"] = np.random.default_rng(seed).normal(size=n)
    rng = np.random.default_rng(seed + 1)
    xs, h0 = rng.normal(size=(T, B, m)), rng.normal(size=(B, n))
    hs, zs = mrnn_forward(xs, w, h0)
    for b in range(B):
        h = h0[b]
        for t in range(T):
            h = np.tanh(recurrent_matrix(xs[t, b], w) @ h + w["W_in"] @ xs[t, b] + w["b"])
            np.testing.assert_allclose(hs[t, b], h, atol=1e-13)
    np.testing.assert_allclose(zs, hs @ w["W_out"].T, atol=1e-13)
    # the torch module computes the same
    mod = MultiplicativeRNN(m, n, F, 2).double()
    with torch.no_grad():
        for k in NAMES:
            getattr(mod, k).copy_(torch.tensor(w[k]))
    hs_t, zs_t = mod(torch.tensor(xs), torch.tensor(h0))
    np.testing.assert_allclose(hs_t.detach().numpy(), hs, atol=1e-13)
    np.testing.assert_allclose(mod.weights()["W_hf"], w["W_hf"])


def test_autograd_gradients_pass_a_finite_difference_check():
    rng = np.random.default_rng(0)
    T, B, m, n, F, k = 4, 2, 3, 4, 5, 2
    mod = MultiplicativeRNN(m, n, F, k).double()
    with torch.no_grad():
        mod.b.normal_()
    xs = rng.normal(size=(T, B, m))
    G = rng.normal(size=(T, B, k))
    (mod(torch.tensor(xs))[1] * torch.tensor(G)).sum().backward()
    grads = {name: getattr(mod, name).grad.numpy() for name in NAMES}

    def loss(p):
        return float((mrnn_forward(xs, p)[1] * G).sum())

    errors = check_gradients(loss, mod.weights(), grads)
    assert max(errors.values()) < 1e-7, errors


def test_one_hot_inputs_select_a_matrix_of_rank_at_most_F():
    w = random_mrnn_weights(4, 8, 3, 1, seed=2)
    for symbol in range(4):
        W = recurrent_matrix(np.eye(4)[symbol], w)
        assert W.shape == (8, 8) and np.linalg.matrix_rank(W) <= 3
    assert not np.allclose(recurrent_matrix(np.eye(4)[0], w), recurrent_matrix(np.eye(4)[1], w))


def test_parameter_count_and_parity_task():
    assert count_module_parameters(MultiplicativeRNN(2, 16, 8, 2)) == count_mrnn_parameters(2, 16, 8, 2)
    xs, ys = parity_task(5, 7, seed=0)
    assert xs.shape == (7, 5, 2) and ys.shape == (7, 5)
    np.testing.assert_array_equal(ys, np.cumsum(xs[..., 1], axis=0) % 2)
    xb, yb = parity_task(5, 7, seed=0, batch_first=True)
    np.testing.assert_array_equal(xb, xs.transpose(1, 0, 2))


def test_bad_inputs_name_the_argument():
    w = random_mrnn_weights(3, 4, 5, 2)
    with pytest.raises(ValueError, match="W_hf"):
        mrnn_forward(np.zeros((2, 1, 3)), dict(w, W_hf=np.zeros((4, 4))))
    with pytest.raises(ValueError, match="xs"):
        mrnn_forward(np.zeros((2, 1, 2)), w)
    with pytest.raises(ValueError, match="missing"):
        mrnn_forward(np.zeros((2, 1, 3)), {"W_in": w["W_in"]})
    with pytest.raises(ValueError, match="xs"):
        MultiplicativeRNN(3, 4, 5, 2)(torch.zeros(2, 1, 4))
