"""The GRU (both reset placements) and the minimal gated unit against outside truths."""
import numpy as np
import pytest
import torch
from hypothesis import given, settings, strategies as st

from lecturelib.gru import (GRU, MGU, count_gru_parameters, count_mgu_parameters, gru_forward, gru_from_torch,
                            gru_step, gru_to_torch, mgu_forward, random_gru_weights, random_mgu_weights)
from lecturelib.rnn import VanillaRNN, count_module_parameters

sizes = st.tuples(st.integers(1, 6), st.integers(1, 5), st.integers(1, 4), st.integers(1, 7))  # T, B, m, n


@settings(max_examples=30, deadline=None)
@given(sizes=sizes, batch_first=st.booleans(), seed=st.integers(0, 10_000))
def test_after_form_equals_nn_gru_numpy_and_torch(sizes, batch_first, seed):
    T, B, m, n = sizes
    torch.manual_seed(seed)
    ref = torch.nn.GRU(m, n, batch_first=batch_first, dtype=torch.float64)  # two random biases
    w = gru_from_torch(ref)
    xs = torch.randn((B, T, m) if batch_first else (T, B, m), dtype=torch.float64)
    h0 = torch.randn(B, n, dtype=torch.float64)
    out_ref, _ = ref(xs, h0[None])
    hs_np = gru_forward(xs.numpy(), w, h0.numpy(), reset="after", batch_first=batch_first)
    np.testing.assert_allclose(hs_np, out_ref.detach().numpy(), rtol=0, atol=1e-13)
    ours = GRU(m, n, batch_first=batch_first, reset="after").double().load_lecture_weights(w)
    x1, x2 = xs.clone().requires_grad_(), xs.clone().requires_grad_()
    G = torch.randn_like(out_ref)
    out_ref, _ = ref(x1, h0[None])
    out, _ = ours(x2, h0)
    torch.testing.assert_close(out, out_ref, rtol=0, atol=1e-13)
    (out_ref * G).sum().backward()
    (out * G).sum().backward()
    torch.testing.assert_close(x2.grad, x1.grad, rtol=0, atol=1e-12)
    # the candidate's recurrent bias gradient is bias_hh's third block
    torch.testing.assert_close(ours.b_rh.grad, ref.bias_hh_l0.grad[2 * n:], rtol=0, atol=1e-12)
    torch.testing.assert_close(ours.W_rec.grad, ref.weight_hh_l0.grad, rtol=0, atol=1e-12)


@settings(max_examples=20, deadline=None)
@given(sizes=sizes, reset=st.sampled_from(["before", "after"]), seed=st.integers(0, 10_000))
def test_torch_module_equals_numpy_both_forms(sizes, reset, seed):
    T, B, m, n = sizes
    w = random_gru_weights(m, n, seed=seed, scale=1.0, reset=reset)
    rng = np.random.default_rng(seed)
    xs, h0 = rng.normal(size=(T, B, m)), rng.normal(size=(B, n))
    ours = GRU(m, n, reset=reset).double().load_lecture_weights(w)
    out, _ = ours(torch.tensor(xs), torch.tensor(h0))
    np.testing.assert_allclose(out.detach().numpy(), gru_forward(xs, w, h0, reset=reset), rtol=0, atol=1e-13)
    back = ours.lecture_weights()
    for k in w:
        np.testing.assert_array_equal(back[k], w[k])


def _lecture_gru_autograd(w, xs, h0):
    """The lecture's four equations, written out literally with torch ops (an independent implementation)."""
    W = {k: torch.tensor(v) for k, v in w.items()}
    h = torch.tensor(h0)
    out = []
    for x in torch.tensor(xs):
        r = torch.sigmoid(torch.cat([h, x], -1) @ W["W_r"].T + W["b_r"])
        u = torch.sigmoid(torch.cat([h, x], -1) @ W["W_u"].T + W["b_u"])
        cand = torch.tanh(torch.cat([r * h, x], -1) @ W["W_h"].T + W["b_h"])
        h = u * h + (1 - u) * cand
        out.append(h)
    return torch.stack(out).numpy()


def test_before_form_is_the_lecture_equations():
    w = random_gru_weights(3, 5, seed=2, scale=1.0)
    rng = np.random.default_rng(2)
    xs, h0 = rng.normal(size=(6, 2, 3)), rng.normal(size=(2, 5))
    np.testing.assert_allclose(gru_forward(xs, w, h0), _lecture_gru_autograd(w, xs, h0), atol=1e-14)
    np.testing.assert_allclose(gru_step(h0, xs[0], w), _lecture_gru_autograd(w, xs[:1], h0)[0], atol=1e-14)


def test_after_form_step_equals_nn_gru_cell():
    """gru_step(reset='after') against torch.nn.GRUCell, the weights copied here by hand: torch's row
    blocks (r, z, n) are our (r, u, h), each W_g = [W_rec^g  W_in^g]; the candidate's b_rh is bias_hh's
    third block."""
    w = random_gru_weights(3, 5, seed=3, scale=1.0, reset="after")
    cell = torch.nn.GRUCell(3, 5, dtype=torch.float64)
    W = np.concatenate([w[f"W_{g}"] for g in "ruh"])
    with torch.no_grad():
        cell.weight_hh.copy_(torch.tensor(W[:, :5]))
        cell.weight_ih.copy_(torch.tensor(W[:, 5:]))
        cell.bias_ih.copy_(torch.tensor(np.concatenate([w[f"b_{g}"] for g in "ruh"])))
        cell.bias_hh.copy_(torch.tensor(np.concatenate([np.zeros(10), w["b_rh"]])))
    rng = np.random.default_rng(3)
    h, x = rng.normal(size=(4, 5)), rng.normal(size=(4, 3))
    ref = cell(torch.tensor(x), torch.tensor(h)).detach().numpy()
    np.testing.assert_allclose(gru_step(h, x, w, "after"), ref, rtol=0, atol=1e-14)


def test_the_two_forms_differ_in_general_and_agree_where_they_must():
    rng = np.random.default_rng(0)
    w = random_gru_weights(3, 5, seed=0, scale=1.0)  # no b_rh: both forms are defined
    x, h = rng.normal(size=(4, 3)), rng.normal(size=(4, 5))
    before, after = gru_step(h, x, w, "before"), gru_step(h, x, w, "after")
    assert np.abs(before - after).max() > 1e-2  # different functions
    zero = np.zeros((4, 5))
    np.testing.assert_allclose(gru_step(zero, x, w, "before"), gru_step(zero, x, w, "after"), atol=1e-15)
    open_reset = dict(w, b_r=np.full(5, 60.0))  # sigma(60) = 1 to double precision: r_t = 1
    np.testing.assert_allclose(gru_step(h, x, open_reset, "before"), gru_step(h, x, open_reset, "after"),
                               atol=1e-15)
    # ... and with a recurrent candidate bias even h_{t-1} = 0 no longer makes them agree
    w_after = dict(w, b_rh=np.full(5, 0.5))
    assert np.abs(gru_step(zero, x, w_after, "after") - gru_step(zero, x, w, "before")).max() > 1e-2


def test_mgu_numpy_equals_torch_and_passes_gradcheck():
    w = random_mgu_weights(3, 4, seed=1, scale=1.0)
    rng = np.random.default_rng(1)
    xs, h0 = rng.normal(size=(5, 2, 3)), rng.normal(size=(2, 4))
    mgu = MGU(3, 4, n_out=2).double()
    mgu.load_lecture_weights(w)
    out, _ = mgu(torch.tensor(xs), torch.tensor(h0))
    np.testing.assert_allclose(out.detach().numpy(), mgu_forward(xs, w, h0), atol=1e-14)
    # the MGU's equations, independently: f gates both the reset and the update
    W = {k: torch.tensor(v) for k, v in w.items()}
    h = torch.tensor(h0)
    for x in torch.tensor(xs):
        f = torch.sigmoid(torch.cat([h, x], -1) @ W["W_f"].T + W["b_f"])
        h = (1 - f) * h + f * torch.tanh(torch.cat([f * h, x], -1) @ W["W_h"].T + W["b_h"])
    np.testing.assert_allclose(out[-1].detach().numpy(), h.numpy(), atol=1e-14)
    params = tuple(mgu.parameters())
    xs_t = torch.tensor(xs, requires_grad=True)

    assert torch.autograd.gradcheck(lambda x: mgu(x, torch.tensor(h0))[1], (xs_t,))
    assert torch.autograd.gradcheck(lambda *ps: torch.func.functional_call(
        mgu, dict(zip([n for n, _ in mgu.named_parameters()], ps)), (torch.tensor(xs),))[1],
        tuple(p.detach().clone().requires_grad_() for p in params))


@pytest.mark.parametrize("m,n", [(1, 1), (3, 5), (10, 32)])
def test_parameter_counts(m, n):
    vanilla_cell = count_module_parameters(VanillaRNN(m, n, 1)) - n
    assert count_module_parameters(GRU(m, n)) == count_gru_parameters(m, n) == 3 * vanilla_cell
    assert count_module_parameters(GRU(m, n, reset="after")) == count_gru_parameters(m, n, "after") == 3 * vanilla_cell + n
    assert count_module_parameters(MGU(m, n)) == count_mgu_parameters(m, n) == 2 * vanilla_cell
    assert count_module_parameters(torch.nn.GRU(m, n)) == 3 * vanilla_cell + 3 * n


def test_gates_are_returned_and_bounded():
    w = random_gru_weights(2, 3, seed=0)
    hs, g = gru_forward(np.random.default_rng(0).normal(size=(2, 7, 2)), w, batch_first=True, return_gates=True)
    assert hs.shape == g["r"].shape == g["u"].shape == g["cand"].shape == (2, 7, 3)
    assert np.all((g["u"] > 0) & (g["u"] < 1)) and np.all(np.abs(g["cand"]) < 1)


def test_bad_inputs_name_the_argument():
    w = random_gru_weights(3, 4)
    with pytest.raises(ValueError, match="reset"):
        gru_forward(np.zeros((2, 1, 3)), w, reset="middle")
    with pytest.raises(ValueError, match="b_rh"):
        gru_forward(np.zeros((2, 1, 3)), dict(w, b_rh=np.ones(4)), reset="before")
    with pytest.raises(ValueError, match=r"W_u.*\(4, 7\)"):
        gru_forward(np.zeros((2, 1, 3)), dict(w, W_u=np.zeros((4, 4))))
    with pytest.raises(ValueError, match="xs"):
        GRU(3, 4)(torch.zeros(2, 1, 5))
    with pytest.raises(ValueError, match="gru"):
        gru_from_torch(torch.nn.LSTM(3, 4))
    assert gru_to_torch(w).hidden_size == 4
