"""The gradient checker against functions whose gradients are known in closed form."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from lecturelib.gradcheck import check_gradients, numerical_gradient, relative_error


@settings(max_examples=20, deadline=None)
@given(n=st.integers(1, 6), m=st.integers(1, 6), seed=st.integers(0, 10_000))
def test_quadratic_form_gradient(n, m, seed):
    # f(X) = sum(A * X^2) + c . X v has gradient 2 A X + c v^T, derived by hand.
    rng = np.random.default_rng(seed)
    A, X = rng.normal(size=(n, m)), rng.normal(size=(n, m))
    c, v = rng.normal(size=n), rng.normal(size=m)
    f = lambda X: np.sum(A * X ** 2) + c @ X @ v  # noqa: E731
    exact = 2 * A * X + np.outer(c, v)
    assert relative_error(numerical_gradient(f, X), exact) < 1e-7


def test_transcendental_gradient_and_input_untouched():
    x = np.array([0.3, -1.2, 2.0])
    before = x.copy()
    g = numerical_gradient(lambda x: np.sum(np.sin(x) * np.exp(x)), x)
    assert relative_error(g, (np.cos(x) + np.sin(x)) * np.exp(x)) < 1e-8
    assert np.array_equal(x, before)


def test_check_gradients_accepts_right_and_flags_wrong():
    rng = np.random.default_rng(0)
    params = {"W": rng.normal(size=(3, 2)), "b": rng.normal(size=3)}
    x = rng.normal(size=2)
    f = lambda p: float(np.sum(np.tanh(p["W"] @ x + p["b"])))  # noqa: E731
    s = 1 - np.tanh(params["W"] @ x + params["b"]) ** 2
    right = check_gradients(f, params, {"W": np.outer(s, x), "b": s})
    assert max(right.values()) < 1e-8
    wrong = check_gradients(f, params, {"W": np.outer(x, s).T * 0 + np.outer(s, x) * 1.01, "b": s * 0})
    assert wrong["W"] > 1e-3 and wrong["b"] > 0.5


def test_relative_error_basics():
    assert relative_error(np.zeros(3), np.zeros(3)) == 0.0
    assert relative_error([1.0, 2.0], [1.0, 2.0]) == 0.0
    assert relative_error([1.0, 0.0], [0.0, 0.0]) == pytest.approx(1.0)
    assert relative_error([2.0], [1.0]) == pytest.approx(0.5)


def test_errors_name_the_argument():
    with pytest.raises(ValueError, match="b: expected shape"):
        relative_error(np.zeros(3), np.zeros(4))
    with pytest.raises(ValueError, match="eps"):
        numerical_gradient(lambda x: 0.0, np.zeros(2), eps=0)
    with pytest.raises(ValueError, match=r"grads\['W'\]"):
        check_gradients(lambda p: 0.0, {"W": np.zeros((2, 2))}, {"W": np.zeros(3)})
    with pytest.raises(ValueError, match="grads"):
        check_gradients(lambda p: 0.0, {"W": np.zeros((2, 2))}, {"V": np.zeros(3)})
