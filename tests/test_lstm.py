"""The LSTM against outside truths: torch.nn.LSTM, finite differences, autograd."""
import numpy as np
import pytest
import torch
from hypothesis import given, settings, strategies as st

from lecturelib.gradcheck import check_gradients
from lecturelib.lstm import (LSTM, UnfusedLSTM, count_lstm_parameters, lstm_backward, lstm_forward,
                             lstm_from_torch, lstm_state_gradient_norms, lstm_step, lstm_to_torch,
                             memory_cell_weights, memory_task_inputs, random_lstm_weights, sigmoid,
                             unstack_gates)
from lecturelib.rnn import VanillaRNN, count_module_parameters, count_rnn_parameters

sizes = st.tuples(st.integers(1, 6), st.integers(1, 5), st.integers(1, 4), st.integers(1, 7))  # T, B, m, n


def _torch_reference(weights, xs, h0, c0, batch_first):
    lstm = lstm_to_torch(weights, batch_first=batch_first)
    out, (hT, cT) = lstm(torch.tensor(xs), (torch.tensor(h0)[None], torch.tensor(c0)[None]))
    return out.detach().numpy(), hT[0].detach().numpy(), cT[0].detach().numpy()


@settings(max_examples=30, deadline=None)
@given(sizes=sizes, batch_first=st.booleans(), seed=st.integers(0, 10_000))
def test_numpy_forward_equals_nn_lstm(sizes, batch_first, seed):
    T, B, m, n = sizes
    rng = np.random.default_rng(seed)
    w = random_lstm_weights(m, n, seed=seed, scale=1.0)
    xs = rng.normal(size=(B, T, m) if batch_first else (T, B, m))
    h0, c0 = rng.normal(size=(B, n)), rng.normal(size=(B, n))
    hs, cs, _ = lstm_forward(xs, w, h0, c0, batch_first=batch_first)
    out, hT, cT = _torch_reference(w, xs, h0, c0, batch_first)
    np.testing.assert_allclose(hs, out, rtol=0, atol=1e-13)
    last = (slice(None), -1) if batch_first else (-1,)
    np.testing.assert_allclose(hs[last], hT, rtol=0, atol=1e-13)
    np.testing.assert_allclose(cs[last], cT, rtol=0, atol=1e-13)


@settings(max_examples=30, deadline=None)
@given(sizes=sizes, batch_first=st.booleans(), seed=st.integers(0, 10_000))
def test_torch_module_equals_nn_lstm_values_and_gradients(sizes, batch_first, seed):
    T, B, m, n = sizes
    torch.manual_seed(seed)
    ref = torch.nn.LSTM(m, n, batch_first=batch_first, dtype=torch.float64)  # two independent biases
    ours = LSTM(m, n, batch_first=batch_first).double().load_lecture_weights(lstm_from_torch(ref))
    xs = torch.randn((B, T, m) if batch_first else (T, B, m), dtype=torch.float64)
    h0, c0 = torch.randn(B, n, dtype=torch.float64), torch.randn(B, n, dtype=torch.float64)
    G = torch.randn((B, T, n) if batch_first else (T, B, n), dtype=torch.float64)
    x1, x2 = xs.clone().requires_grad_(), xs.clone().requires_grad_()
    out_ref, (hT, cT) = ref(x1, (h0[None], c0[None]))
    out, _ = ours(x2, (h0, c0))
    torch.testing.assert_close(out, out_ref, rtol=0, atol=1e-13)
    torch.testing.assert_close(ours.last_state[1], cT[0], rtol=0, atol=1e-13)
    (out_ref * G).sum().backward()
    (out * G).sum().backward()
    torch.testing.assert_close(x2.grad, x1.grad, rtol=0, atol=1e-12)
    # Weight gradients, mapped back to the lecture's layout on both sides.
    grad_ref = lstm_from_torch_grads(ref)
    got = unstack_gates(ours.W_rec.grad.numpy(), ours.W_in.grad.numpy(), ours.b.grad.numpy())
    for k in got:
        np.testing.assert_allclose(got[k], grad_ref[k], rtol=0, atol=1e-11)


def lstm_from_torch_grads(ref):
    """nn.LSTM's parameter gradients in the lecture's layout (b gets bias_ih's gradient, which
    equals bias_hh's, since both enter the same sum)."""
    holder = torch.nn.LSTM(ref.input_size, ref.hidden_size, dtype=torch.float64)
    with torch.no_grad():
        holder.weight_ih_l0.copy_(ref.weight_ih_l0.grad)
        holder.weight_hh_l0.copy_(ref.weight_hh_l0.grad)
        holder.bias_ih_l0.copy_(ref.bias_ih_l0.grad)
        holder.bias_hh_l0.zero_()
    torch.testing.assert_close(ref.bias_ih_l0.grad, ref.bias_hh_l0.grad)
    return lstm_from_torch(holder)


@settings(max_examples=10, deadline=None)
@given(sizes=sizes, batch_first=st.booleans(), seed=st.integers(0, 10_000))
def test_numpy_backward_equals_finite_differences(sizes, batch_first, seed):
    T, B, m, n = sizes
    T, B = min(T, 4), min(B, 3)
    rng = np.random.default_rng(seed)
    w = random_lstm_weights(m, n, seed=seed, scale=1.0)
    xs = rng.normal(size=(B, T, m) if batch_first else (T, B, m))
    h0, c0 = rng.normal(size=(B, n)), rng.normal(size=(B, n))
    G = rng.normal(size=(B, T, n) if batch_first else (T, B, n))
    g_last_h, g_last_c = rng.normal(size=(B, n)), rng.normal(size=(B, n))

    def loss(p):
        hs, cs, _ = lstm_forward(p["xs"], {k: p[k] for k in w}, p["h0"], p["c0"], batch_first=batch_first)
        last = (slice(None), -1) if batch_first else (-1,)
        return float((G * hs).sum() + (g_last_h * hs[last]).sum() + (g_last_c * cs[last]).sum())

    _, _, cache = lstm_forward(xs, w, h0, c0, batch_first=batch_first)
    grads = lstm_backward(G, cache, dh_last=g_last_h, dc_last=g_last_c)
    params = {**w, "xs": xs, "h0": h0, "c0": c0}
    errors = check_gradients(loss, params, {k: grads[k] for k in params})
    assert max(errors.values()) < 1e-6, errors


def test_backward_matches_autograd_on_state_gradients():
    """dL/dh_t and dL/dc_t returned by lstm_backward equal autograd's (retain_grad on each state)."""
    rng = np.random.default_rng(3)
    T, B, m, n = 6, 2, 3, 4
    w = random_lstm_weights(m, n, seed=3, forget_bias=1.0)
    xs = rng.normal(size=(T, B, m))
    G = rng.normal(size=(T, B, n))
    _, _, cache = lstm_forward(xs, w)
    g = lstm_backward(G, cache, return_state_grads=True)
    # autograd over an explicit loop in the lecture's per-gate form (independent of lecturelib's code)
    W = {k: torch.tensor(v, requires_grad=True) for k, v in w.items()}
    h = c = torch.zeros(B, n, dtype=torch.float64)
    hs, cs = [], []
    for t in range(T):
        hx = torch.cat([h, torch.tensor(xs[t])], 1)
        f = torch.sigmoid(hx @ W["W_f"].T + W["b_f"])
        i = torch.sigmoid(hx @ W["W_i"].T + W["b_i"])
        v = torch.tanh(hx @ W["W_v"].T + W["b_v"])
        o = torch.sigmoid(hx @ W["W_o"].T + W["b_o"])
        c = f * c + i * v
        c.retain_grad()
        h = o * torch.tanh(c)
        h.retain_grad()
        hs.append(h), cs.append(c)
    (torch.stack(hs) * torch.tensor(G)).sum().backward()
    np.testing.assert_allclose(g["h"], np.stack([x.grad.numpy() for x in hs]), atol=1e-12)
    np.testing.assert_allclose(g["c"], np.stack([x.grad.numpy() for x in cs]), atol=1e-12)
    for k in w:
        np.testing.assert_allclose(g[k], W[k].grad.numpy(), atol=1e-12)


def _nn_lstm_cell(w, n):
    """A torch.nn.LSTMCell holding the lecture's weights, copied here by hand: torch's row blocks are
    (i, f, g, o) with g our v, each W_g = [W_rec^g  W_in^g]; bias_ih = b, bias_hh = 0."""
    cell = torch.nn.LSTMCell(w["W_f"].shape[1] - n, n, dtype=torch.float64)
    W = np.concatenate([w[f"W_{g}"] for g in "ifvo"])
    with torch.no_grad():
        cell.weight_hh.copy_(torch.tensor(W[:, :n]))
        cell.weight_ih.copy_(torch.tensor(W[:, n:]))
        cell.bias_ih.copy_(torch.tensor(np.concatenate([w[f"b_{g}"] for g in "ifvo"])))
        cell.bias_hh.zero_()
    return cell


def test_step_equals_nn_lstm_cell_and_single_sequence_layout():
    rng = np.random.default_rng(0)
    w = random_lstm_weights(3, 5, seed=1, scale=1.0)
    cell = _nn_lstm_cell(w, 5)
    h, c, x = rng.normal(size=(2, 5)), rng.normal(size=(2, 5)), rng.normal(size=(2, 3))
    h1, c1 = lstm_step(h, c, x, w)
    h_ref, c_ref = cell(torch.tensor(x), (torch.tensor(h), torch.tensor(c)))
    np.testing.assert_allclose(h1, h_ref.detach().numpy(), rtol=0, atol=1e-14)
    np.testing.assert_allclose(c1, c_ref.detach().numpy(), rtol=0, atol=1e-14)
    # one sequence (T, m) without a batch axis: states (T, n), each the cell's step from zeros
    xs = rng.normal(size=(4, 3))
    hs, cs, _ = lstm_forward(xs, w)
    assert hs.shape == cs.shape == (4, 5)
    h_t = c_t = torch.zeros(5, dtype=torch.float64)
    for t in range(4):
        h_t, c_t = cell(torch.tensor(xs[t]), (h_t, c_t))
        np.testing.assert_allclose(hs[t], h_t.detach().numpy(), rtol=0, atol=1e-14)
        np.testing.assert_allclose(cs[t], c_t.detach().numpy(), rtol=0, atol=1e-14)


def test_float32_path_agrees_with_float64():
    rng = np.random.default_rng(0)
    w = random_lstm_weights(8, 16)
    xs = rng.normal(size=(10, 4, 8))
    h64, _, c64 = lstm_forward(xs, w)
    h32, _, c32 = lstm_forward(xs, w, dtype=np.float32)
    assert h32.dtype == np.float32
    np.testing.assert_allclose(h32, h64, atol=1e-5)
    G = rng.normal(size=h64.shape)
    g64, g32 = lstm_backward(G, c64), lstm_backward(G.astype(np.float32), c32)
    np.testing.assert_allclose(g32["W_f"], g64["W_f"], rtol=1e-3, atol=1e-4)


def test_unfused_lstm_computes_the_same_function():
    w = random_lstm_weights(3, 6, seed=5)
    xs = torch.randn(7, 2, 3, dtype=torch.float64)
    a = LSTM(3, 6).double().load_lecture_weights(w)(xs)[0]
    b = UnfusedLSTM(3, 6).double().load_lecture_weights(w)(xs)[0]
    torch.testing.assert_close(a, b, rtol=0, atol=1e-14)


@pytest.mark.parametrize("m,n", [(1, 1), (3, 5), (10, 32), (64, 256)])
def test_parameter_count_is_four_times_the_vanilla_rnn(m, n):
    vanilla_cell = count_module_parameters(VanillaRNN(m, n, 1)) - n  # drop W_out (1 x n)
    assert vanilla_cell == count_rnn_parameters(m, n, 1) - n
    ours = LSTM(m, n)
    assert count_module_parameters(ours) == count_lstm_parameters(m, n) == 4 * vanilla_cell
    assert count_module_parameters(LSTM(m, n, n_out=3)) == count_lstm_parameters(m, n, n_out=3)
    # nn.LSTM keeps a second bias of 4n entries
    assert count_module_parameters(torch.nn.LSTM(m, n)) == count_lstm_parameters(m, n) + 4 * n


def test_sigmoid_is_stable_and_right():
    a = np.array([-1000.0, -3.0, 0.0, 2.5, 1000.0])
    with np.errstate(over="raise"):
        s = sigmoid(a)
    np.testing.assert_allclose(s, torch.sigmoid(torch.tensor(a)).numpy(), atol=1e-15)


def test_hand_set_memory_cell_stores_a_bit_for_a_hundred_steps():
    w = memory_cell_weights()
    for bit in (0, 1):
        hs, cs, _ = lstm_forward(memory_task_inputs(bit, T=100), w)
        assert abs(hs[-1, 0]) > 0.5 and np.sign(hs[-1, 0]) == (1 if bit else -1)
        assert np.all(np.abs(hs[:-1, 0]) < 1e-3)  # nothing is read out before the cue
        assert abs(cs[-2, 0]) > 0.9  # the cell still holds (almost) the written value


def test_gradient_norms_decay_slower_with_forget_bias():
    rng = np.random.default_rng(0)
    xs = rng.normal(size=(60, 8, 4))
    _, low, _ = lstm_state_gradient_norms(random_lstm_weights(4, 16, seed=0, forget_bias=-2.0), xs)
    _, high, _ = lstm_state_gradient_norms(random_lstm_weights(4, 16, seed=0, forget_bias=3.0), xs)
    assert high[50] > 100 * low[50]


def test_bad_inputs_name_the_argument():
    w = random_lstm_weights(3, 4)
    with pytest.raises(ValueError, match="xs"):
        lstm_forward(np.zeros((5, 2, 2)), w)
    bad = dict(w, W_i=np.zeros((4, 6)))
    with pytest.raises(ValueError, match=r"W_i.*\(4, 7\)"):
        lstm_forward(np.zeros((5, 2, 3)), bad)
    with pytest.raises(ValueError, match="missing"):
        lstm_forward(np.zeros((5, 2, 3)), {"W_f": w["W_f"]})
    with pytest.raises(ValueError, match="h0"):
        lstm_forward(np.zeros((5, 2, 3)), w, h0=np.zeros((3, 4)))
    with pytest.raises(ValueError, match="xs"):
        LSTM(3, 4)(torch.zeros(5, 2, 2))
    with pytest.raises(ValueError, match="n_hidden"):
        count_lstm_parameters(3, 0)
