"""BPTT against finite differences and PyTorch autograd; truncations against their definitions."""
import numpy as np
import pytest
import torch
from hypothesis import given, settings, strategies as st

from lecturelib.bptt import (bptt, bptt_backward, bptt_forward, mse_loss, tbptt_k1k2, tbptt_k1k2_torch,
                             truncated_grads, truncated_loss_torch, wrec_contributions)
from lecturelib.gradcheck import check_gradients
from lecturelib.rnn import VanillaRNN, random_rnn_weights, rnn_forward


def _problem(seed, T, B, m, n, k, scale=0.8):
    rng = np.random.default_rng(seed)
    w = random_rnn_weights(m, n, k, seed=seed, scale=scale)
    return w, rng.normal(size=(T, B, m)), rng.normal(size=(T, B, k)), rng.normal(size=(B, n))


def _autograd(w, xs, ys, h0, nonlinearity, loss):
    """The same network written directly with torch operations, differentiated by autograd."""
    p = {k: torch.tensor(v, requires_grad=True) for k, v in {**w, "h0": h0}.items()}
    f = torch.relu if nonlinearity == "relu" else torch.tanh
    h, L = p["h0"], 0.0
    x, y = torch.tensor(xs), torch.tensor(ys)
    B = xs.shape[1]
    for t in range(xs.shape[0]):
        h = f(p["W_rec"] @ h.T + p["W_in"] @ x[t].T + p["b"][:, None]).T
        if loss == "every" or t == xs.shape[0] - 1:
            L = L + ((h @ p["W_out"].T - y[t]) ** 2).sum() / (2 * B)
    L.backward()
    return L.item(), {k: v.grad.numpy() for k, v in p.items()}


sizes = dict(T=st.integers(1, 7), B=st.integers(1, 3), m=st.integers(1, 4), n=st.integers(1, 5),
             k=st.integers(1, 3), seed=st.integers(0, 10_000),
             nonlinearity=st.sampled_from(["relu", "tanh"]), loss=st.sampled_from(["every", "last"]))


@settings(max_examples=40, deadline=None)
@given(**sizes)
def test_bptt_matches_finite_differences(T, B, m, n, k, seed, nonlinearity, loss):
    w, xs, ys, h0 = _problem(seed, T, B, m, n, k)
    y = ys if loss == "every" else ys[-1]
    L, grads = bptt(xs, y, **w, h0=h0, nonlinearity=nonlinearity, loss=loss)
    params = {**w, "h0": h0}
    errors = check_gradients(lambda p: bptt(xs, y, **p, nonlinearity=nonlinearity, loss=loss)[0],
                             params, grads)
    if nonlinearity == "relu":
        # a pre-activation within eps of the kink makes the central difference itself wrong
        _, cache = bptt_forward(xs, **w, h0=h0, nonlinearity="relu")
        if np.min(np.abs(cache["a"])) < 1e-4:
            return
    # A parameter whose gradient is tiny next to the others (e.g. h0 far from the last loss) is
    # dominated by round-off of the difference quotient; measure it against the largest gradient.
    scale = max(np.max(np.abs(g)) for g in grads.values())
    for name, err in errors.items():
        own = max(np.max(np.abs(grads[name])), 1e-300)
        assert err < 1e-6 or err * own / scale < 1e-7, (name, err, own, scale)


@settings(max_examples=40, deadline=None)
@given(**sizes)
def test_bptt_matches_autograd(T, B, m, n, k, seed, nonlinearity, loss):
    w, xs, ys, h0 = _problem(seed, T, B, m, n, k)
    y = ys if loss == "every" else ys[-1]
    L, grads = bptt(xs, y, **w, h0=h0, nonlinearity=nonlinearity, loss=loss)
    L_t, grads_t = _autograd(w, xs, ys, h0, nonlinearity, loss)
    assert L == pytest.approx(L_t, rel=1e-12)
    for name in ("W_in", "W_rec", "b", "W_out", "h0"):
        np.testing.assert_allclose(grads[name], grads_t[name], rtol=1e-9, atol=1e-12)


def test_forward_agrees_with_chapter_1_and_shared_h0():
    w, xs, ys, h0 = _problem(3, 5, 2, 3, 4, 2)
    for nl in ("relu", "tanh"):
        zs, cache = bptt_forward(xs, **w, h0=h0, nonlinearity=nl)
        hs, zs1 = rnn_forward(xs, **w, h0=h0, nonlinearity=nl)
        np.testing.assert_allclose(zs, zs1)
        np.testing.assert_allclose(cache["hs"][1:], hs)
    # one h0 shared by the batch: its gradient sums the batch's; unbatched (T, m) input works
    shared = h0[0]
    L, g = bptt(xs, ys, **w, h0=shared, nonlinearity="tanh")
    err = check_gradients(lambda p: bptt(xs, ys, **p, nonlinearity="tanh")[0], {**w, "h0": shared},
                          {"h0": g["h0"]})
    assert err["h0"] < 1e-7 and g["h0"].shape == shared.shape
    L1, g1 = bptt(xs[:, 0], ys[:, 0], **w, h0=h0[0], nonlinearity="tanh")
    L2, g2 = bptt(xs[:, :1], ys[:, :1], **w, h0=h0[:1], nonlinearity="tanh")
    assert L1 == pytest.approx(L2) and np.allclose(g1["W_rec"], g2["W_rec"]) and g1["h0"].shape == (4,)


def test_state_gradients_follow_the_lecture_recursion():
    # relu, loss on the last step: dL/dh_{t-1} = W_rec^T (1[a_t > 0] ⊙ dL/dh_t), checked by autograd
    w, xs, ys, h0 = _problem(7, 6, 1, 2, 4, 1)
    zs, cache = bptt_forward(xs, **w, h0=h0)
    L, dz = mse_loss(zs, ys[-1], "last")
    _, dh = bptt_backward(cache, dz, return_state_grads=True)
    for t in range(6, 0, -1):
        np.testing.assert_allclose(dh[t - 1], (w["W_rec"].T @ ((cache["a"][t - 1] > 0) * dh[t]).T).T)
    h = torch.tensor(h0, requires_grad=True)
    hs = [h]
    for t in range(6):
        hs.append(torch.relu(hs[-1] @ torch.tensor(w["W_rec"]).T + torch.tensor(xs[t] @ w["W_in"].T + w["b"])))
        hs[-1].retain_grad()
    ((hs[-1] @ torch.tensor(w["W_out"]).T - torch.tensor(ys[-1])) ** 2).sum().div(2).backward()
    for t in range(1, 7):
        np.testing.assert_allclose(dh[t], hs[t].grad.numpy(), atol=1e-12)


@settings(max_examples=20, deadline=None)
@given(**sizes)
def test_contributions_sum_to_the_gradient(T, B, m, n, k, seed, nonlinearity, loss):
    w, xs, ys, h0 = _problem(seed, T, B, m, n, k)
    zs, cache = bptt_forward(xs, **w, h0=h0, nonlinearity=nonlinearity)
    L, dz = mse_loss(zs, ys if loss == "every" else ys[-1], loss)
    C = wrec_contributions(cache, dz)
    np.testing.assert_allclose(C.sum((0, 1)), bptt_backward(cache, dz)["W_rec"], atol=1e-12)
    assert np.all(C[np.triu_indices(T, 1)] == 0)       # L_s does not depend on steps t > s
    if loss == "last":
        assert np.all(C[:-1] == 0)                       # only L_T contributes
    # the contribution of L_s alone equals the gradient of the loss L_s alone (autograd)
    s = T - 1
    dz_s = np.zeros_like(dz)
    dz_s[s] = dz[s]
    np.testing.assert_allclose(C[s].sum(0), bptt_backward(cache, dz_s)["W_rec"], atol=1e-12)


@settings(max_examples=25, deadline=None)
@given(**sizes, p=st.integers(1, 8))
def test_truncated_grads(T, B, m, n, k, seed, nonlinearity, loss, p):
    w, xs, ys, _ = _problem(seed, T, B, m, n, k)
    zs, cache = bptt_forward(xs, **w, nonlinearity=nonlinearity)
    L, dz = mse_loss(zs, ys if loss == "every" else ys[-1], loss)
    full = bptt_backward(cache, dz)
    trunc = truncated_grads(cache, dz, p)
    # definition: the contributions C[s, t] with s - t < p
    C = wrec_contributions(cache, dz)
    s_idx, t_idx = np.meshgrid(np.arange(T), np.arange(T), indexing="ij")
    np.testing.assert_allclose(trunc["W_rec"], C[(s_idx - t_idx < p) & (t_idx <= s_idx)].sum(0), atol=1e-12)
    if p >= T:
        for name in trunc:
            np.testing.assert_allclose(trunc[name], full[name], atol=1e-12)
    # PyTorch with detach gives the same truncated gradient
    model = VanillaRNN(m, n, k, nonlinearity=nonlinearity).double()
    with torch.no_grad():
        for name in ("W_in", "W_rec", "b", "W_out"):
            getattr(model, name).copy_(torch.tensor(w[name]))
    y = torch.tensor(ys if loss == "every" else ys[-1])
    Lt = truncated_loss_torch(model, torch.tensor(xs), y, p, loss)
    Lt.backward()
    assert Lt.item() == pytest.approx(L, rel=1e-12)
    for name in trunc:
        np.testing.assert_allclose(getattr(model, name).grad.numpy(), trunc[name], atol=1e-12)


@settings(max_examples=20, deadline=None)
@given(T=st.integers(2, 12), k1=st.integers(1, 4), extra=st.integers(0, 4), seed=st.integers(0, 1000),
       nonlinearity=st.sampled_from(["relu", "tanh"]))
def test_k1k2_numpy_equals_torch_detach(T, k1, extra, seed, nonlinearity):
    k2 = k1 + extra
    w, xs, ys, _ = _problem(seed, T, 2, 2, 3, 1)
    ours = tbptt_k1k2(xs, ys, **w, k1=k1, k2=k2, nonlinearity=nonlinearity)
    model = VanillaRNN(2, 3, 1, nonlinearity=nonlinearity).double()
    with torch.no_grad():
        for name in ("W_in", "W_rec", "b", "W_out"):
            getattr(model, name).copy_(torch.tensor(w[name]))
    theirs = tbptt_k1k2_torch(model, torch.tensor(xs), torch.tensor(ys), k1, k2)
    assert len(ours) == len(theirs) == T // k1
    for a, b in zip(ours, theirs):
        for name in a:
            np.testing.assert_allclose(a[name], b[name], atol=1e-12)


def test_k1k2_covering_the_sequence_is_full_bptt():
    w, xs, ys, _ = _problem(1, 9, 3, 2, 4, 2)
    L, full = bptt(xs, ys, **w, nonlinearity="tanh")
    (only,) = tbptt_k1k2(xs, ys, **w, k1=9, k2=9, nonlinearity="tanh")
    for name in only:
        np.testing.assert_allclose(only[name], full[name], atol=1e-12)
    # chunks with k1 = k2 = 3: the three updates' W_out gradients sum to the full one
    parts = tbptt_k1k2(xs, ys, **w, k1=3, k2=3, nonlinearity="tanh")
    np.testing.assert_allclose(sum(p["W_out"] for p in parts), full["W_out"], atol=1e-12)
    assert not np.allclose(sum(p["W_rec"] for p in parts), full["W_rec"])


def test_k1k2_training_with_optimizer_runs_and_lowers_loss():
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    xs = torch.tensor(rng.normal(size=(60, 4, 1)))
    ys = torch.roll(xs, 1, 0)                      # echo the previous input
    model = VanillaRNN(1, 8, 1, nonlinearity="tanh").double()
    opt = torch.optim.Adam(model.parameters(), lr=0.05)
    first = None
    for epoch in range(15):
        tbptt_k1k2_torch(model, xs, ys, 5, 10, optimizer=opt)
        with torch.no_grad():
            loss = ((model(xs)[1][1:] - ys[1:]) ** 2).mean().item()
        first = first if first is not None else loss
    assert loss < 0.5 * first


def test_errors_name_the_argument():
    w, xs, ys, _ = _problem(0, 4, 2, 3, 5, 2)
    with pytest.raises(ValueError, match="W_in"):
        bptt_forward(xs, w["W_in"].T, w["W_rec"], w["b"], w["W_out"])
    with pytest.raises(ValueError, match="nonlinearity"):
        bptt_forward(xs, **w, nonlinearity="sigmoid")
    with pytest.raises(ValueError, match="ys"):
        mse_loss(np.zeros((4, 2, 2)), np.zeros((4, 2, 2)), "last")
    with pytest.raises(ValueError, match="p:"):
        truncated_grads(bptt_forward(xs, **w)[1], np.zeros((4, 2, 2)), 0)
    with pytest.raises(ValueError, match="k2"):
        tbptt_k1k2(xs, ys, **w, k1=3, k2=2)


def test_plot_contributions_marks_missing_terms():
    import matplotlib
    matplotlib.use("agg")
    import matplotlib.pyplot as plt
    from lecturelib.bptt import plot_contributions
    w, xs, ys, h0 = _problem(0, 4, 2, 2, 3, 1)
    zs, cache = bptt_forward(xs, **w, h0=h0)
    fig, ax = plt.subplots()
    im = plot_contributions(ax, wrec_contributions(cache, mse_loss(zs, ys[-1], "last")[1]))
    data = im.get_array()
    assert data.mask[:-1].all() and not data.mask[-1].any()     # only the last loss has terms
    with pytest.raises(ValueError, match="C:"):
        plot_contributions(ax, np.zeros((3, 3)))
    plt.close(fig)
