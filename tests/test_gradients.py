"""Clipping vs torch, Ω vs a direct Jacobian computation, the initializations' spectra,
and the measured backward flow vs the eigenvalue argument."""
import numpy as np
import pytest
import torch
from hypothesis import given, settings, strategies as st

from lecturelib import gradients as G
from lecturelib.rnn import VanillaRNN


# ------------------------------------------------------------------ clipping

@settings(max_examples=40, deadline=None)
@given(shapes=st.lists(st.tuples(st.integers(1, 4), st.integers(1, 4)), min_size=1, max_size=4),
       c=st.floats(0.05, 20.0), scale=st.floats(0.01, 30.0), seed=st.integers(0, 10_000))
def test_clip_by_norm_equals_torch(shapes, c, scale, seed):
    rng = np.random.default_rng(seed)
    grads = [rng.normal(size=s) * scale for s in shapes]
    ours = G.clip_by_norm(grads, c)
    params = [torch.nn.Parameter(torch.zeros(s, dtype=torch.float64)) for s in shapes]
    for p, g in zip(params, grads):
        p.grad = torch.tensor(g)
    norm = torch.nn.utils.clip_grad_norm_(params, c)
    assert float(norm) == pytest.approx(G.global_norm(grads), rel=1e-12)
    total = G.global_norm(grads)
    for a, p in zip(ours, params):   # torch divides by (norm + 1e-6): agreement to ~1e-6 / norm relative
        np.testing.assert_allclose(a, p.grad.numpy(), rtol=max(1e-9, 2e-6 / total), atol=1e-12)
    assert G.global_norm(ours) == pytest.approx(min(c, G.global_norm(grads)), rel=1e-12)
    # our in-place torch version, same rule
    params2 = [torch.nn.Parameter(torch.zeros(s, dtype=torch.float64)) for s in shapes]
    for p, g in zip(params2, grads):
        p.grad = torch.tensor(g)
    G.clip_grad_norm(params2, c)
    for a, p in zip(ours, params2):
        np.testing.assert_allclose(a, p.grad.numpy(), rtol=1e-12)


def test_clip_keeps_direction_and_containers():
    g = {"a": np.array([3.0, 4.0]), "b": np.array([0.0])}
    out = G.clip_by_norm(g, 1.0)
    np.testing.assert_allclose(out["a"], [0.6, 0.8])
    small = G.clip_by_norm(np.array([0.3, 0.4]), 1.0)
    np.testing.assert_allclose(small, [0.3, 0.4])
    assert isinstance(G.clip_by_norm((np.ones(2),), 1.0), tuple)
    with pytest.raises(ValueError, match="c:"):
        G.clip_by_norm(np.ones(2), 0.0)


# --------------------------------------------------------------------- Omega

def _direct_omega(model, xs, loss_fn):
    """Ω from the Jacobians ∂h_{t+1}/∂h_t computed by torch.autograd.functional.jacobian,
    one per step and sequence, with create_graph so Ω can be differentiated too."""
    states = G.rnn_states(model, xs)
    loss = loss_fn(states)
    deltas = torch.autograd.grad(loss, states, retain_graph=True)
    f = torch.relu if model.nonlinearity == "relu" else torch.tanh
    T, B = len(states), xs.shape[1]
    omega, ratios = 0.0, torch.ones(T - 1, B, dtype=xs.dtype)
    for t in range(T - 1):
        terms = []
        for b in range(B):
            step = lambda h: f(model.W_rec @ h + model.W_in @ xs[t + 1, b] + model.b)  # noqa: E731
            J = torch.autograd.functional.jacobian(step, states[t][b], create_graph=True)
            d = deltas[t + 1][b].detach()
            r = (J.T @ d).norm() / d.norm()
            ratios[t, b] = r.detach()
            terms.append((r - 1) ** 2)
        omega = omega + torch.stack(terms).mean()
    return omega, ratios


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_omega_matches_direct_jacobian(nonlinearity, seed):
    torch.manual_seed(seed)
    T, B, m, n = 5, 3, 2, 4
    model = VanillaRNN(m, n, 1, nonlinearity=nonlinearity).double()
    with torch.no_grad():
        model.W_rec.mul_(3.0)                    # away from the trivial regime
        model.b.add_(0.5)                        # keep some relu units alive
    xs = torch.randn(T, B, m, dtype=torch.float64)
    ys = torch.randn(T, B, 1, dtype=torch.float64)
    loss_fn = lambda states: sum(((h @ model.W_out.T - y) ** 2).sum() for h, y in zip(states, ys))  # noqa

    states = G.rnn_states(model, xs)
    omega, ratios = G.omega_for_loss(model, states, loss_fn(states), return_ratios=True)
    (g_ours,) = torch.autograd.grad(omega, model.W_rec)
    omega_d, ratios_d = _direct_omega(model, xs, loss_fn)
    (g_direct,) = torch.autograd.grad(omega_d, model.W_rec)
    assert omega.item() == pytest.approx(omega_d.item(), rel=1e-10)
    torch.testing.assert_close(ratios, ratios_d, rtol=1e-10, atol=1e-12)
    torch.testing.assert_close(g_ours, g_direct, rtol=1e-8, atol=1e-12)
    assert omega.item() > 1e-3                   # not trivially zero


def test_omega_is_zero_for_an_orthogonal_linear_like_step():
    # tanh near 0 with an orthogonal W_rec: the back-propagated norm is kept, Ω ≈ 0
    n = 6
    Q, _ = torch.linalg.qr(torch.randn(n, n, dtype=torch.float64, generator=torch.Generator().manual_seed(0)))
    hs = torch.zeros(4, 2, n, dtype=torch.float64)     # f'(0) = 1 exactly
    deltas = torch.randn(4, 2, n, dtype=torch.float64)
    omega = G.pascanu_omega(hs, deltas, Q, "tanh")
    assert omega.item() == pytest.approx(0.0, abs=1e-20)
    omega2, r = G.pascanu_omega(hs, deltas, 2 * Q, "tanh", return_ratios=True)
    torch.testing.assert_close(r, torch.full((3, 2), 2.0, dtype=torch.float64))
    assert omega2.item() == pytest.approx(3.0)          # three terms of (2 - 1)²
    with pytest.raises(ValueError, match="deltas"):
        G.pascanu_omega(hs, deltas[:3], Q)


# ------------------------------------------------------------ initializations

@settings(max_examples=25, deadline=None)
@given(n=st.integers(2, 60), seed=st.integers(0, 10_000))
def test_talathi_vartak_eigenvalues(n, seed):
    W = G.talathi_vartak_init(n, seed)
    np.testing.assert_allclose(W, W.T)                     # symmetric: real eigenvalues
    ev = np.linalg.eigvalsh(W)
    assert ev[-1] == pytest.approx(1.0, abs=1e-12)          # the largest is exactly 1
    # recompute λ_max of A + I independently: the smallest eigenvalue is 1/λ_max (at least)
    R = np.random.default_rng(seed).normal(size=(n, n))
    lam_max = np.max(np.linalg.eigvalsh(R.T @ R / n + np.eye(n)))
    assert np.all(ev >= 1 / lam_max - 1e-12)
    assert np.all(ev[:-1] < 1)


def test_notes_version_has_every_eigenvalue_at_least_one():
    ev = np.linalg.eigvalsh(G.talathi_as_printed(400, seed=0))
    assert ev.min() >= 1 - 1e-12
    assert 1.7 < ev.max() < 1.85


def test_identity_default_and_spectral_scaling():
    assert G.spectral_radius(G.identity_init(5)) == 1.0
    W = G.default_rnn_init(120, seed=0)
    assert 0.5 < G.spectral_radius(W) < 0.65               # ≈ 1/sqrt(3) (circular law)
    for rho in (0.5, 1.0, 1.7):
        V = G.scale_to_spectral_radius(W, rho)
        assert G.spectral_radius(V) == pytest.approx(rho)
    model = VanillaRNN(2, 5, 1)
    G.init_recurrent(model, "identity")
    assert torch.equal(model.W_rec.detach(), torch.eye(5)) and torch.all(model.b == 0)
    G.init_recurrent(model, "talathi", seed=3)
    np.testing.assert_allclose(model.W_rec.detach().numpy(), G.talathi_vartak_init(5, 3), rtol=1e-6)
    rnn = torch.nn.RNN(2, 5)
    G.init_recurrent(rnn, "identity")
    assert torch.equal(rnn.weight_hh_l0.detach(), torch.eye(5)) and torch.all(rnn.bias_hh_l0 == 0)


# ------------------------------------------------- backward flow through time

@pytest.mark.parametrize("rho", [0.9, 1.0, 1.1])
def test_linear_norms_follow_the_eigenvalue_argument(rho):
    # a symmetric W_rec = U diag(λ) U^T: ||(W^T)^k u|| computed from the eigen-decomposition
    rng = np.random.default_rng(0)
    U, _ = np.linalg.qr(rng.normal(size=(4, 4)))
    lam = np.array([rho, 0.5, -0.3, 0.1])
    W = U @ np.diag(lam) @ U.T
    norms = G.backprop_norms(W, 100, "linear", seed=1)
    g = np.random.default_rng(1)
    g.normal(size=(4, 1)); g.normal(size=(100, 1)); g.normal(size=4)   # same draws as backprop_norms
    u = g.normal(size=4)
    u /= np.linalg.norm(u)
    c = U.T @ u
    expected = [np.linalg.norm(U @ (lam ** k * c)) for k in range(101)]
    np.testing.assert_allclose(norms, expected, rtol=1e-9)
    assert norms[100] == pytest.approx(rho ** 100 * abs(c[0]), rel=1e-6)


def test_relu_norms_vanish_faster_and_errors():
    W = G.scale_to_spectral_radius(G.default_rnn_init(32, seed=0), 0.9)
    lin = G.backprop_norms(W, 60, "linear")
    relu = G.backprop_norms(W, 60, "relu")
    assert relu[-1] < 1e-2 and lin[-1] < 1e-1
    with pytest.raises(ValueError, match="nonlinearity"):
        G.backprop_norms(W, 5, "sigmoid")
    with pytest.raises(ValueError, match="W_rec"):
        G.backprop_norms(np.ones((3, 4)), 5)


# ------------------------------------------------ the cliff and the experiments

@pytest.mark.parametrize("w, b", [(2.5, -0.3), (1.8, 0.0), (1.5, -0.2), (0.5, 0.4)])
def test_cliff_gradient_matches_finite_differences_and_surface(w, b):
    from lecturelib.gradcheck import numerical_gradient, relative_error
    L, g = G.cliff_loss_and_grad(w, b)
    assert L == pytest.approx(float(G.cliff_loss(w, b)), rel=1e-12)
    num = numerical_gradient(lambda p: float(G.cliff_loss(p[0], p[1])), np.array([w, b]))
    assert relative_error(g, num) < 1e-6


def test_descend_clipping_bounds_every_step():
    path, losses, norms = G.descend((2.5, -0.3), lr=0.5, steps=40, clip=0.5)
    steps = np.linalg.norm(np.diff(path, axis=0), axis=1)
    assert np.all(steps <= 0.5 * 0.5 + 1e-12)
    free, _, free_norms = G.descend((2.5, -0.3), lr=0.5, steps=40)
    assert free_norms.max() > 100 * free_norms[0]              # the wall: an exploding gradient
    assert np.linalg.norm(np.diff(free, axis=0), axis=1).max() > 1.0   # ... throws the unclipped step far


def test_train_adding_and_echo_smoke():
    out = G.train_adding("ReLU RNN, clipping + Ω", T=6, n_hidden=4, steps=3, batch_size=4, ratio_every=1)
    assert out["mse"].shape == (3,) and out["ratio"].shape == (3,) and np.all(np.isfinite(out["mse"]))
    with pytest.raises(ValueError, match="recipe"):
        G.train_adding("LSTM", steps=1)
    mse = G.train_echo_truncated(2, delay=2, T=6, n_hidden=4, steps=3, batch_size=4)
    assert mse.shape == (3,) and np.all(np.isfinite(mse))


def test_last_step_rnn_matches_vanilla_rnn():
    torch.manual_seed(0)
    model = G.LastStepRNN(2, 5, 1, "tanh")
    with torch.no_grad():
        model.c.fill_(0.3)
    xs = torch.randn(7, 3, 2)
    _, zs = VanillaRNN.forward(model, xs)
    torch.testing.assert_close(model(xs), zs[-1] + 0.3)


def test_smooth_is_a_running_mean():
    v = np.arange(10.0)
    s = G.smooth(v, 3)
    np.testing.assert_allclose(s, [0, 0.5, 1, 2, 3, 4, 5, 6, 7, 8])


def test_plots_draw_and_label():
    import matplotlib
    matplotlib.use("agg")
    import matplotlib.pyplot as plt
    fig = plt.figure()
    G.plot_backprop_norms(fig, rho=1.1, T=10, n=4)
    assert fig._suptitle.get_text().startswith("spectral radius") and len(fig.axes[0].lines) == 4
    fig, axes = plt.subplots(1, 2)
    G.plot_spectra(axes, {"I": np.eye(3), "T": G.talathi_vartak_init(3, 0)})
    assert "radius 1.000" in axes[1].get_title()
    fig, ax = plt.subplots()
    G.plot_cliff(ax, starts=((2.5, -0.3),), steps=3)
    assert len(ax.lines) == 3
    plt.close("all")
