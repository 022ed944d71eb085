"""Bad input to the recurrent modules is refused with an error that names the argument
(review R1, section 5), and good input is still accepted."""
import numpy as np
import pytest

from lecturelib.gru import random_gru_weights, random_mgu_weights
from lecturelib.lstm import LSTM, random_lstm_weights
from lecturelib.recurrent import random_gate_weights
from lecturelib.rnn import random_rnn_weights

BAD_SCALES = [-1.0, 0, float("nan"), float("inf"), "a", True, [0.5]]

GENERATORS = {
    "rnn": lambda scale: random_rnn_weights(2, 3, 1, scale=scale),
    "lstm": lambda scale: random_lstm_weights(2, 3, scale=scale),
    "gru": lambda scale: random_gru_weights(2, 3, scale=scale),
    "gru after": lambda scale: random_gru_weights(2, 3, scale=scale, reset="after"),
    "mgu": lambda scale: random_mgu_weights(2, 3, scale=scale),
    "gates": lambda scale: random_gate_weights(np.random.default_rng(0), 2, 3, ("f", "h"), scale),
}


@pytest.mark.parametrize("kind", GENERATORS)
@pytest.mark.parametrize("scale", BAD_SCALES)
def test_every_weight_generator_refuses_a_bad_scale(kind, scale):
    with pytest.raises(ValueError, match=r"^scale: expected None or a finite number > 0, got "):
        GENERATORS[kind](scale)


@pytest.mark.parametrize("kind", GENERATORS)
def test_a_good_scale_bounds_the_weights(kind):
    for w in (GENERATORS[kind](0.25), GENERATORS[kind](np.float32(0.25))):
        assert max(np.abs(v).max() for v in w.values()) <= 0.25
    assert max(np.abs(v).max() for v in GENERATORS[kind](None).values()) <= 1 / np.sqrt(3)


@pytest.mark.parametrize("bias", ["x", float("nan"), -float("inf"), None, [1.0], True])
def test_forget_bias_must_be_a_finite_number(bias):
    with pytest.raises(ValueError, match=r"^forget_bias: expected a finite number, got "):
        random_lstm_weights(2, 3, forget_bias=bias)


def test_forget_bias_is_added_to_b_f_only():
    plain, shifted = random_lstm_weights(2, 3, seed=4), random_lstm_weights(2, 3, seed=4, forget_bias=-1.5)
    np.testing.assert_array_equal(shifted["b_f"], plain["b_f"] - 1.5)
    assert all(np.array_equal(plain[k], shifted[k]) for k in plain if k != "b_f")


@pytest.mark.parametrize("bias", ["x", float("nan"), None])
def test_the_torch_lstm_refuses_a_bad_forget_bias(bias):
    with pytest.raises(ValueError, match=r"^forget_bias: expected a finite number, got "):
        LSTM(2, 3, forget_bias=bias)
