"""lecturelib.claims: the glue helper and the measurements behind the chapters' claims."""
import numpy as np
import pytest

from lecturelib import claims


def test_power_norms_equal_rho_powers_for_a_symmetric_matrix():
    rng = np.random.default_rng(0)
    A = rng.normal(size=(6, 6))
    S = (A + A.T) / 2
    rho = np.abs(np.linalg.eigvalsh(S)).max()
    np.testing.assert_allclose(claims.power_norms(S, 4), rho ** np.arange(1, 5), rtol=1e-10)


def test_power_norms_of_a_nilpotent_shear_exceed_rho():
    # [[0, 2], [0, 0]] has spectral radius 0 but stretches a vector by 2 in one step, 0 after two
    W = np.array([[0.0, 2.0], [0.0, 0.0]])
    np.testing.assert_allclose(claims.power_norms(W, 3), [2.0, 0.0, 0.0], atol=1e-12)


def test_power_norms_against_matrix_power():
    rng = np.random.default_rng(1)
    W = rng.normal(size=(5, 5))
    expected = [np.linalg.norm(np.linalg.matrix_power(W.T, p), 2) for p in range(1, 6)]
    np.testing.assert_allclose(claims.power_norms(W, 5), expected, rtol=1e-10)


@pytest.mark.parametrize("W, p, word", [(np.ones((2, 3)), 2, "square"), (np.eye(2), 0, "p_max"),
                                        (np.eye(2), 1.5, "p_max")])
def test_power_norms_rejects_bad_input(W, p, word):
    with pytest.raises(ValueError, match=word):
        claims.power_norms(W, p)


def test_range_between_finds_where_a_curve_leaves_the_band():
    y = np.array([0.05, 0.02, 0.09, 0.12, 0.03])
    out = claims.range_between(y, 0.01, 0.1)
    assert out == {"inside": False, "min": 0.02, "max": 0.12, "first_outside": 3}
    assert claims.range_between(y, 0.01, 0.1, stop=3)["inside"]
    assert claims.range_between(y, 0.01, 0.1, start=4)["first_outside"] is None
    with pytest.raises(ValueError, match="empty"):
        claims.range_between(y, 0, 1, start=9)
    with pytest.raises(ValueError, match="low"):
        claims.range_between(y, 1, 0)


def test_first_below():
    assert claims.first_below([3, 2, 1, 0.5], 1.5) == 2
    assert claims.first_below([3, 2], 1) is None


def test_comparison_word():
    assert claims.comparison_word(1, 2) == "lower"
    assert claims.comparison_word(2, 1) == "higher"
    assert claims.comparison_word(1.0, 1.02) == "equal"


def test_glue_prints_without_myst_nb(monkeypatch, capsys):
    import builtins
    real_import = builtins.__import__

    def no_myst(name, *args, **kwargs):
        if name == "myst_nb":
            raise ImportError("not here")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_myst)
    claims.glue("x", np.float64(0.25))
    claims.glue("n", np.int64(3))
    assert capsys.readouterr().out == "x = 0.25\nn = 3\n"


def test_glue_rejects_bad_names_and_values():
    with pytest.raises(ValueError, match="name"):
        claims.glue("not a name", 1)
    with pytest.raises(TypeError, match="number or a string"):
        claims.glue("x", [1, 2])


def test_gru_state_gradient_norms_against_finite_differences():
    from lecturelib.gru import gru_forward, random_gru_weights

    rng = np.random.default_rng(0)
    T, B, m, n = 6, 2, 3, 4
    w = random_gru_weights(m, n, seed=1, scale=1.0)
    xs = rng.normal(size=(T, B, m))
    distance, norms = claims.gru_state_gradient_norms(w, xs, seed=2)
    v = np.random.default_rng(2).normal(size=n)
    v /= np.linalg.norm(v)
    # dL/dh_1 by central differences: perturb h_1 and run the remaining T - 1 steps with gru_forward
    h1 = gru_forward(xs[:1], w)[0]
    eps, grads = 1e-6, np.zeros((B, n))
    for j in range(n):
        for s in (+1, -1):
            h = h1.copy()
            h[:, j] += s * eps
            hT = gru_forward(xs[1:], w, h0=h)[-1]
            grads[:, j] += s * (hT @ v) / (2 * eps)
    assert distance.tolist() == list(range(T))
    np.testing.assert_allclose(norms[T - 1], np.linalg.norm(grads, axis=1).mean(), rtol=1e-6)
    assert norms[0] == pytest.approx(1.0)   # dL/dh_T is the unit vector v


def test_gru_state_gradient_norms_rejects_bad_input():
    from lecturelib.gru import random_gru_weights

    w = random_gru_weights(3, 4)
    with pytest.raises(ValueError, match="xs"):
        claims.gru_state_gradient_norms(w, np.zeros((5, 3)))
    with pytest.raises(ValueError, match="W_r"):
        claims.gru_state_gradient_norms(w, np.zeros((5, 2, 2)))
    with pytest.raises(ValueError, match="missing"):
        claims.gru_state_gradient_norms({"W_r": w["W_r"]}, np.zeros((5, 2, 3)))


def test_equal_budget_models_stay_within_the_budget():
    from lecturelib.recipes import count_recipe_parameters

    models = claims.equal_budget_models(1, 1, 2000)
    for kind, model in models.items():
        n = sum(p.numel() for p in model.parameters())
        assert n <= 2000
        assert n == count_recipe_parameters(kind, 1, model.core.W_rec.shape[1], 1)
    assert models["gru"].core.W_rec.shape[1] > models["lstm"].core.W_rec.shape[1]


def test_saved_activation_bytes_grow_linearly_with_the_sequence():
    import torch

    model = claims.equal_budget_models(1, 1, 1000)["gru"]
    b10 = claims.saved_activation_bytes(model, torch.zeros(10, 4, 1))
    b20 = claims.saved_activation_bytes(model, torch.zeros(20, 4, 1))
    b40 = claims.saved_activation_bytes(model, torch.zeros(40, 4, 1))
    assert b10 > 0
    assert b40 - b20 == pytest.approx(2 * (b20 - b10), rel=0.05)


def test_saved_activation_bytes_of_a_linear_layer():
    # y = x W^T: autograd saves x (for dW) and nothing else that is not a parameter
    import torch

    layer = torch.nn.Linear(7, 3, bias=False)
    x = torch.zeros(5, 7)
    assert claims.saved_activation_bytes(layer, x) == 5 * 7 * 4


def test_state_numbers():
    assert claims.state_numbers("lstm", 10) == 20
    assert claims.state_numbers("gru", 10) == 10
    with pytest.raises(ValueError, match="kind"):
        claims.state_numbers("transformer", 3)


def test_steps_to_target_stops_when_the_target_is_met():
    import torch

    w = torch.nn.Parameter(torch.tensor([3.0]))
    model = torch.nn.ParameterList([w])
    steps, losses = claims.steps_to_target(model, lambda m, b: (m[0] ** 2).sum(), lambda s: None,
                                           target=0.01, max_steps=2000, lr=0.1, window=5)
    assert steps is not None and steps == len(losses)
    assert np.mean(losses[-5:]) < 0.01 <= np.mean(losses[-6:-1])
    never, _ = claims.steps_to_target(model, lambda m, b: (m[0] ** 2).sum() + 1.0, lambda s: None,
                                      target=0.5, max_steps=30, lr=0.1, window=5)
    assert never is None


@pytest.mark.parametrize("kwargs, name", [
    (dict(kind="lstm", n_hidden=-1), "n_hidden"), (dict(kind="gru", n_hidden="a"), "n_hidden"),
    (dict(kind="gru", n_hidden=True), "n_hidden"), (dict(kind="cnn", n_hidden=3), "kind")])
def test_state_numbers_refuses_bad_sizes(kwargs, name):
    with pytest.raises(ValueError, match=f"^{name}:"):
        claims.state_numbers(**kwargs)


@pytest.mark.parametrize("kwargs, name", [
    (dict(window=0), "window"), (dict(window=-3), "window"), (dict(max_steps="x"), "max_steps"),
    (dict(max_steps=3, window=5), "max_steps"), (dict(target=float("nan")), "target"), (dict(lr=0), "lr")])
def test_steps_to_target_refuses_bad_settings(kwargs, name):
    # window=0 once averaged every loss (losses[-0:] is the whole list) instead of being refused
    import torch

    model = torch.nn.ParameterList([torch.nn.Parameter(torch.tensor([3.0]))])
    settings = dict(target=0.01, max_steps=50, lr=0.1, window=5) | kwargs
    with pytest.raises(ValueError, match=f"^{name}:"):
        claims.steps_to_target(model, lambda m, b: (m[0] ** 2).sum(), lambda s: None, **settings)
