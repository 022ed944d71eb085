"""Second-order machinery against outside truths: explicit Hessians, numpy's solver, quadratics."""
import numpy as np
import pytest
import torch

from lecturelib.rnn import VanillaRNN
from lecturelib.second_order import (conjugate_gradient, flat_grad, gauss_newton_vector_product,
                                     hessian_free_step, hessian_vector_product, train_first_order,
                                     train_hessian_free, train_lbfgs)
from lecturelib.tasks import adding_problem_torch


def _small_problem(seed=0):
    torch.manual_seed(seed)
    model = VanillaRNN(2, 3, 1, nonlinearity="tanh").double()
    xs, ys = adding_problem_torch(8, 5, seed=seed, dtype=torch.float64)
    outputs = lambda: model(xs)[1][-1]  # noqa: E731
    loss = lambda z: ((z - ys) ** 2).mean()  # noqa: E731
    return model, outputs, loss


def test_hessian_vector_product_equals_the_explicit_hessian():
    model, outputs, loss = _small_problem()
    params = list(model.parameters())
    theta = torch.cat([p.detach().reshape(-1) for p in params])
    names = [n for n, _ in model.named_parameters()]
    xs = adding_problem_torch(8, 5, seed=0, dtype=torch.float64)[0]

    def f(flat):
        split, offset = {}, 0
        for name, p in zip(names, params):
            split[name] = flat[offset:offset + p.numel()].view_as(p)
            offset += p.numel()
        return loss(torch.func.functional_call(model, split, (xs,))[1][-1])

    H = torch.autograd.functional.hessian(f, theta)
    v = torch.randn(theta.numel(), dtype=torch.float64)
    Hv = hessian_vector_product(lambda: loss(outputs()), model, v)
    torch.testing.assert_close(Hv, H @ v, rtol=1e-10, atol=1e-12)
    # Gauss-Newton: J^T H_L J v with the explicit Jacobian; H_L = 2/B I for the mean squared error
    J = torch.autograd.functional.jacobian(
        lambda flat: torch.func.functional_call(model, _split(flat, names, params), (xs,))[1][-1].reshape(-1), theta)
    Gv = gauss_newton_vector_product(outputs, loss, model.parameters(), v)
    torch.testing.assert_close(Gv, J.T @ ((2.0 / J.shape[0]) * (J @ v)),
                               rtol=1e-10, atol=1e-12)
    with pytest.raises(ValueError, match="v"):
        hessian_vector_product(lambda: loss(outputs()), model, v[:-1])


def _split(flat, names, params):
    out, offset = {}, 0
    for name, p in zip(names, params):
        out[name] = flat[offset:offset + p.numel()].view_as(p)
        offset += p.numel()
    return out


def test_hessian_vector_product_matches_finite_differences_of_the_gradient():
    model, outputs, loss = _small_problem(1)
    params = list(model.parameters())
    v = torch.randn(sum(p.numel() for p in params), dtype=torch.float64)
    Hv = hessian_vector_product(lambda: loss(outputs()), params, v)
    eps = 1e-6
    from lecturelib.second_order import add_to_params
    add_to_params(params, v, eps)
    g_plus = flat_grad(loss(outputs()), params)
    add_to_params(params, v, -2 * eps)
    g_minus = flat_grad(loss(outputs()), params)
    torch.testing.assert_close(Hv, (g_plus - g_minus) / (2 * eps), rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("backend", ["numpy", "torch"])
def test_conjugate_gradient_solves_spd_systems(backend):
    rng = np.random.default_rng(0)
    M = rng.normal(size=(12, 12))
    A = M @ M.T + 0.5 * np.eye(12)
    b = rng.normal(size=12)
    exact = np.linalg.solve(A, b)
    if backend == "torch":
        At, bt = torch.tensor(A), torch.tensor(b)
        x, info = conjugate_gradient(lambda v: At @ v, bt, iters=100, tol=1e-14)
        x = x.numpy()
    else:
        x, info = conjugate_gradient(lambda v: A @ v, b, iters=100, tol=1e-14)
    np.testing.assert_allclose(x, exact, rtol=1e-8, atol=1e-10)
    assert info["iterations"] <= 30 and not info["negative_curvature"]
    # in exact arithmetic CG ends in at most n iterations; with few distinct eigenvalues, in as many
    D = np.diag([1.0, 1.0, 2.0, 2.0, 5.0, 5.0])
    _, info = conjugate_gradient(lambda v: D @ v, np.ones(6), iters=50, tol=1e-12)
    assert info["iterations"] == 3


def test_conjugate_gradient_stops_on_negative_curvature():
    A = np.diag([1.0, -1.0])
    x, info = conjugate_gradient(lambda v: A @ v, np.array([1.0, 1.0]), iters=10)
    assert info["negative_curvature"]
    assert np.all(np.isfinite(x))


def test_hessian_free_step_minimizes_a_quadratic_in_one_step():
    """For a convex quadratic, Gauss-Newton = Hessian, and a (lightly damped) CG solve lands on the minimum."""
    torch.manual_seed(0)
    A = torch.randn(6, 4, dtype=torch.float64)
    y = torch.randn(6, dtype=torch.float64)
    w = torch.zeros(4, dtype=torch.float64, requires_grad=True)
    info = hessian_free_step(lambda: A @ w, lambda z: ((z - y) ** 2).sum(), [w], damping=1e-9, cg_iters=10)
    exact = torch.linalg.lstsq(A, y[:, None]).solution[:, 0]
    torch.testing.assert_close(w.detach(), exact, rtol=1e-6, atol=1e-7)
    assert info["new_loss"] < info["loss"]


def test_training_loops_reduce_the_loss_and_count_evaluations():
    results = {}
    for name in ("adam", "lbfgs", "hf"):
        model, outputs, loss = _small_problem(2)
        start = float(loss(outputs()).detach())
        if name == "adam":
            log = train_first_order(model, lambda m: loss(outputs()), 30, lr=1e-2)
        elif name == "lbfgs":
            log = train_lbfgs(model, lambda m: loss(outputs()), 5)
        else:
            log = train_hessian_free(model, lambda m: outputs(), loss, 5, damping=0.1)
        assert log.loss[-1] < start
        assert np.all(np.diff(log.extra["evaluations"]) > 0)
        results[name] = log.loss[-1]
    # the curvature methods reach a lower loss than 30 Adam steps on this tiny full-batch problem
    assert results["lbfgs"] < results["adam"] and results["hf"] < results["adam"]


def test_bad_arguments():
    model, outputs, loss = _small_problem()
    with pytest.raises(ValueError, match="curvature"):
        hessian_free_step(outputs, loss, model, curvature="newton")
    with pytest.raises(ValueError, match="damping"):
        hessian_free_step(outputs, loss, model, damping=0)
    with pytest.raises(ValueError, match="iters"):
        conjugate_gradient(lambda v: v, np.ones(2), iters=0)
    with pytest.raises(ValueError, match="optimizer"):
        train_first_order(model, lambda m: loss(outputs()), 1, optimizer="rmsprop")
