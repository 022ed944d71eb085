"""The vanilla RNN against torch.nn.RNN, and its argument checks."""
import numpy as np
import pytest
import torch
from hypothesis import given, settings, strategies as st

from lecturelib.rnn import (LECTURE_W_REC, VanillaRNN, count_module_parameters, count_rnn_parameters,
                            random_rnn_weights, rnn_forward, rnn_step, torch_rnn_from_weights)


@settings(max_examples=25, deadline=None)
@given(T=st.integers(1, 7), B=st.integers(1, 4), m=st.integers(1, 6), n=st.integers(1, 8),
       k=st.integers(1, 3), nonlinearity=st.sampled_from(["relu", "tanh"]), batch_first=st.booleans(),
       seed=st.integers(0, 10_000), with_h0=st.booleans())
def test_rnn_forward_equals_torch_rnn(T, B, m, n, k, nonlinearity, batch_first, seed, with_h0):
    w = random_rnn_weights(m, n, k, seed=seed, scale=1.0)
    rng = np.random.default_rng(seed)
    xs = rng.normal(size=(B, T, m) if batch_first else (T, B, m))
    h0 = rng.normal(size=(B, n)) if with_h0 else None
    hs, zs = rnn_forward(xs, **w, h0=h0, nonlinearity=nonlinearity, batch_first=batch_first)

    net = torch_rnn_from_weights(w["W_in"], w["W_rec"], w["b"], nonlinearity, batch_first)
    h0_t = None if h0 is None else torch.as_tensor(h0)[None]
    expected, h_last = net(torch.as_tensor(xs), h0_t)
    expected = expected.detach().numpy()
    np.testing.assert_allclose(hs, expected, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(zs, expected @ w["W_out"].T, rtol=1e-12, atol=1e-12)
    last = hs[:, -1] if batch_first else hs[-1]
    np.testing.assert_allclose(last, h_last[0].detach().numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("nonlinearity", ["relu", "tanh"])
@pytest.mark.parametrize("batch_first", [False, True])
def test_torch_module_equals_torch_rnn(nonlinearity, batch_first):
    torch.manual_seed(0)
    ours = VanillaRNN(3, 6, 2, nonlinearity, batch_first).double()
    theirs = torch_rnn_from_weights(ours.W_in.detach(), ours.W_rec.detach(), ours.b.detach(),
                                    nonlinearity, batch_first)
    xs = torch.randn((4, 9, 3) if batch_first else (9, 4, 3), dtype=torch.float64)
    hs, zs = ours(xs)
    expected, _ = theirs(xs)
    torch.testing.assert_close(hs, expected, rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(zs, expected @ ours.W_out.T, rtol=1e-12, atol=1e-12)


def test_step_is_one_step_of_forward_for_single_and_batched_inputs():
    w = random_rnn_weights(2, 4, 1, seed=3)
    rng = np.random.default_rng(3)
    h, x = rng.normal(size=(5, 4)), rng.normal(size=(5, 2))
    hs, _ = rnn_forward(x[None], **w, h0=h)
    np.testing.assert_allclose(rnn_step(h, x, w["W_rec"], w["W_in"], w["b"]), hs[0])
    np.testing.assert_allclose(rnn_step(h[0], x[0], w["W_rec"], w["W_in"], w["b"]), hs[0, 0])


def test_single_sequence_without_batch_axis():
    w = random_rnn_weights(2, 3, 2, seed=4)
    xs = np.random.default_rng(4).normal(size=(6, 2))
    hs, zs = rnn_forward(xs, **w)
    hs_b, zs_b = rnn_forward(xs[:, None], **w)
    assert hs.shape == (6, 3) and zs.shape == (6, 2)
    np.testing.assert_allclose(hs, hs_b[:, 0])


def test_lecture_example_by_hand():
    # h_1 = relu(W e_1) is W's first column; h_2 = W h_1, computed by hand from the printed matrix.
    h1 = rnn_step([1, 0, 0, 0], [0], LECTURE_W_REC, [[0]] * 4, [0] * 4)
    np.testing.assert_allclose(h1, [1.0, 0.9, 0.0, 0.0])
    h2 = rnn_step(h1, [0], LECTURE_W_REC, [[0]] * 4, [0] * 4)
    np.testing.assert_allclose(h2, [1.0, 0.9, 0.0, 0.72])


@pytest.mark.parametrize("m,n,k", [(1, 1, 1), (3, 5, 2), (10, 32, 5), (64, 128, 10)])
def test_parameter_count_matches_modules(m, n, k):
    assert count_rnn_parameters(m, n, k) == count_module_parameters(VanillaRNN(m, n, k))
    # torch's RNN: the recurrent part with two biases, no readout.
    assert count_module_parameters(torch.nn.RNN(m, n)) == count_rnn_parameters(m, n, k) - k * n + n


def _weights():
    return random_rnn_weights(3, 4, 2, seed=0)


@pytest.mark.parametrize("change, words", [
    (dict(W_rec=np.zeros((4, 3))), ["W_rec", "(4, 3)", "square"]),
    (dict(W_in=np.zeros((5, 3))), ["W_in", "(5, 3)", "(4, 'any')"]),
    (dict(b=np.zeros(3)), ["b", "(3,)", "(4,)"]),
    (dict(b=np.zeros((4, 1))), ["b", "(4, 1)", "1-D"]),
    (dict(W_out=np.zeros((2, 5))), ["W_out", "(2, 5)", "('any', 4)"]),
])
def test_bad_weights_name_argument_and_shapes(change, words):
    w = {**_weights(), **change}
    with pytest.raises(ValueError) as err:
        rnn_forward(np.zeros((5, 2, 3)), **w)
    for word in words:
        assert word in str(err.value)


def test_bad_inputs_name_argument_and_shapes():
    w = _weights()
    with pytest.raises(ValueError, match=r"xs: expected shape \(5, 2, 3\).*got \(5, 2, 7\)"):
        rnn_forward(np.zeros((5, 2, 7)), **w)
    with pytest.raises(ValueError, match=r"xs: expected a 2-D or 3-D array, got shape \(5,\)"):
        rnn_forward(np.zeros(5), **w)
    with pytest.raises(ValueError, match=r"h0: expected shape \(2, 4\).*got \(3, 4\)"):
        rnn_forward(np.zeros((5, 2, 3)), **w, h0=np.zeros((3, 4)))
    with pytest.raises(ValueError, match=r"x: expected shape \(3,\).*got \(2,\)"):
        rnn_step(np.zeros(4), np.zeros(2), w["W_rec"], w["W_in"], w["b"])
    with pytest.raises(ValueError, match=r"h_prev: expected shape \(2, 4\).*got \(2, 5\)"):
        rnn_step(np.zeros((2, 5)), np.zeros((2, 3)), w["W_rec"], w["W_in"], w["b"])


def test_unknown_nonlinearity_is_named():
    w = _weights()
    with pytest.raises(ValueError, match=r"nonlinearity: expected one of \['relu', 'tanh'\], got 'sigmoid'"):
        rnn_forward(np.zeros((5, 2, 3)), **w, nonlinearity="sigmoid")
    with pytest.raises(ValueError, match="nonlinearity"):
        VanillaRNN(3, 4, 2, nonlinearity="elu")


def test_torch_module_rejects_wrong_input_width():
    with pytest.raises(ValueError, match=r"xs: expected shape \(T, B, n_in\) with n_in=3, got \(5, 2, 4\)"):
        VanillaRNN(3, 4, 2)(torch.zeros(5, 2, 4))


@pytest.mark.parametrize("bad", [0, -3, 2.5, "8"])
def test_parameter_count_rejects_nonsense_sizes(bad):
    with pytest.raises(ValueError, match="n_hidden: expected a positive integer"):
        count_rnn_parameters(3, bad, 2)
