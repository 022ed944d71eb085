"""Bad input to the recurrent modules is refused with an error that names the argument
(review R1, section 5), and good input is still accepted."""
import numpy as np
import pytest
import torch

from lecturelib.bptt import tbptt_k1k2_torch, truncated_loss_torch
from lecturelib.gru import GRU, MGU, random_gru_weights, random_mgu_weights
from lecturelib.lstm import LSTM, UnfusedLSTM, random_lstm_weights
from lecturelib.mrnn import MultiplicativeRNN
from lecturelib.recipes import run_recipe, task_setup, train_adding
from lecturelib.recurrent import random_gate_weights
from lecturelib.rnn import VanillaRNN, random_rnn_weights

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


# ------------------------------------------------- the torch modules' input

MODULES = {
    "vanilla": lambda: VanillaRNN(3, 4, 2, "tanh"),
    "lstm": lambda: LSTM(3, 4, 2),
    "gru": lambda: GRU(3, 4, 2),
    "gru after, batch first": lambda: GRU(3, 4, 2, batch_first=True, reset="after"),
    "mgu": lambda: MGU(3, 4, 2),
    "mrnn": lambda: MultiplicativeRNN(3, 4, 2, 2),
    "unfused lstm": lambda: UnfusedLSTM(3, 4),
}


def _inputs(model, T=5, B=2, dtype=torch.float32):
    return torch.zeros((B, T, 3) if model.batch_first else (T, B, 3), dtype=dtype)


@pytest.mark.parametrize("kind", MODULES)
def test_a_module_refuses_an_input_that_is_not_a_tensor(kind):
    model = MODULES[kind]()
    with pytest.raises(TypeError, match=r"^xs: expected a torch tensor of shape .* got ndarray"):
        model(_inputs(model).numpy())


@pytest.mark.parametrize("kind", MODULES)
def test_a_module_refuses_a_sequence_of_no_steps(kind):
    model = MODULES[kind]()
    with pytest.raises(ValueError, match=r"^xs: expected at least one time step \(T >= 1\)"):
        model(_inputs(model, T=0))


@pytest.mark.parametrize("kind", MODULES)
def test_a_module_refuses_an_input_of_another_dtype_and_says_how_to_convert(kind):
    model = MODULES[kind]()
    with pytest.raises(TypeError, match=r"^xs: expected dtype torch.float32, the module's parameters' type, "
                                        r"got torch.float64 \(convert"):
        model(_inputs(model, dtype=torch.float64))
    hs, _ = model.double()(_inputs(model, dtype=torch.float64))  # converted, it runs
    assert hs.dtype == torch.float64


@pytest.mark.parametrize("kind", ["vanilla", "gru", "gru after, batch first", "mgu", "mrnn"])
def test_a_wrong_h0_is_refused_with_its_name(kind):
    torch.manual_seed(0)
    model = MODULES[kind]()
    xs = torch.randn(_inputs(model, B=2).shape)  # not zeros: the multiplicative RNN's transition needs an input
    with pytest.raises(ValueError, match=r"^h0: expected shape \(B=2, n_hidden=4\), got \(3, 4\)"):
        model(xs, torch.zeros(3, 4))
    with pytest.raises(ValueError, match=r"^h0: expected shape \(B=2, n_hidden=4\), got \(4,\)"):
        model(xs, torch.zeros(4))
    with pytest.raises(TypeError, match=r"^h0: expected a torch tensor of shape \(B=2, n_hidden=4\), got ndarray"):
        model(xs, np.zeros((2, 4)))
    with pytest.raises(TypeError, match=r"^h0: expected dtype torch.float32, the module's parameters' type, "
                                        r"got torch.float64"):
        model(xs, torch.zeros(2, 4, dtype=torch.float64))
    h0 = torch.randn(2, 4)
    hs, _ = model(xs, h0)  # the right h0 is used: the first state depends on it
    hs_zero, _ = model(xs)
    first = (slice(None), 0) if model.batch_first else (0,)
    assert (hs[first] - hs_zero[first]).abs().max() > 0


def test_a_wrong_lstm_state_is_refused_with_its_name():
    model = LSTM(3, 4, 2)
    xs = torch.zeros(5, 2, 3)
    with pytest.raises(TypeError, match=r"^state: expected a pair \(h0, c0\) of tensors of shape \(B=2, n_hidden=4\), "
                                        r"got Tensor"):
        model(xs, torch.zeros(2, 4))
    with pytest.raises(TypeError, match=r"^state: expected a pair \(h0, c0\)"):
        model(xs, (torch.zeros(2, 4),))
    with pytest.raises(ValueError, match=r"^state\[1\] \(c0\): expected shape \(B=2, n_hidden=4\), got \(2, 5\)"):
        model(xs, (torch.zeros(2, 4), torch.zeros(2, 5)))
    with pytest.raises(TypeError, match=r"^state\[0\] \(h0\): expected dtype torch.float32"):
        model.run(xs, [torch.zeros(2, 4, dtype=torch.float64), torch.zeros(2, 4)])
    hs, _ = model(xs, [torch.zeros(2, 4), torch.ones(2, 4)])  # a list is a pair too, and c0 counts
    assert hs[0].abs().max() > 0 and model(xs)[0][0].abs().max() < hs[0].abs().max()


# ------------------------------------------------ VanillaRNN.load_lecture_weights

def _bad_vanilla_weights():
    w = random_rnn_weights(2, 3, 1, seed=0)
    return {
        "a list": ([w["W_in"], w["W_rec"]],
                   r"^weights: expected a dict with keys \['W_in', 'W_rec', 'b', 'W_out'\], got list"),
        "no W_rec": ({k: v for k, v in w.items() if k != "W_rec"}, r"^weights: missing \(or None\) \['W_rec'\]"),
        "W_out None": (dict(w, W_out=None), r"^weights: missing \(or None\) \['W_out'\]"),
        "W_rec not square": (dict(w, W_rec=np.zeros((3, 4))), r"^weights: W_rec: expected shape \(3, 3\)"),
        "b too long": (dict(w, b=np.zeros(4)), r"^weights: b: expected shape \(3,\)"),
        "b text": (dict(w, b="x"), r"^weights: b: expected a numeric array, got str"),
        "other n_in": (random_rnn_weights(5, 3, 1), r"^weights: expected n_in=2, n_hidden=3, n_out=1, got n_in=5"),
        "other n_out": (random_rnn_weights(2, 3, 2), r"^weights: expected .* got n_in=2, n_hidden=3, n_out=2"),
    }


@pytest.mark.parametrize("case", _bad_vanilla_weights())
def test_vanilla_load_lecture_weights_refuses_bad_weights(case):
    weights, message = _bad_vanilla_weights()[case]
    model = VanillaRNN(2, 3, 1)
    before = [p.detach().clone() for p in model.parameters()]
    with pytest.raises(ValueError, match=message):
        model.load_lecture_weights(weights)
    assert all(torch.equal(a, p) for a, p in zip(before, model.parameters()))  # nothing half-copied


def test_vanilla_load_lecture_weights_round_trips():
    w = random_rnn_weights(2, 3, 1, seed=5)
    back = VanillaRNN(2, 3, 1).double().load_lecture_weights(w).lecture_weights()
    assert all(np.array_equal(back[k], w[k]) for k in w)


# ---------------------------------------------------- truncated BPTT in torch

TRUNCATED = {
    "truncated_loss_torch": lambda model, xs, ys: truncated_loss_torch(model, xs, ys, 2),
    "tbptt_k1k2_torch": lambda model, xs, ys: tbptt_k1k2_torch(model, xs, ys, 1, 2),
}


@pytest.mark.parametrize("fn", TRUNCATED)
@pytest.mark.parametrize("model", [LSTM(1, 3, 1), GRU(1, 3, 1), torch.nn.RNN(1, 3)], ids=["LSTM", "GRU", "nn.RNN"])
def test_truncation_refuses_a_model_that_is_not_a_vanilla_rnn(fn, model):
    with pytest.raises(TypeError, match=rf"^model: expected a lecturelib.rnn.VanillaRNN .*got {type(model).__name__}"):
        TRUNCATED[fn](model, torch.zeros(4, 2, 1), torch.zeros(4, 2, 1))


@pytest.mark.parametrize("fn", TRUNCATED)
def test_truncation_refuses_data_of_another_dtype_than_the_model(fn):
    model, xs, ys = VanillaRNN(1, 3, 1), torch.zeros(4, 2, 1), torch.zeros(4, 2, 1)
    for name, args in (("xs", (xs.double(), ys)), ("ys", (xs, ys.double()))):
        with pytest.raises(TypeError, match=rf"^{name}: expected dtype torch.float32, the model's parameters' type, "
                                            r"got torch.float64 \(convert"):
            TRUNCATED[fn](model, *args)
    TRUNCATED[fn](model.double(), xs.double(), ys.double())  # converted, it runs


# ------------------------------------------------------------------- recipes

@pytest.mark.parametrize("every", [0, -3, 2.5, "25", True])
def test_train_adding_refuses_a_bad_ratio_every(every):
    with pytest.raises(ValueError, match=r"^ratio_every: expected a positive integer, got "):
        train_adding("ReLU IRNN (W_rec = I)", T=5, n_hidden=4, steps=2, batch_size=4, ratio_every=every)


@pytest.mark.parametrize("weight", [float("nan"), float("inf"), -0.5, "1", None])
def test_omega_weight_must_be_a_finite_number_at_least_zero(weight):
    with pytest.raises(ValueError, match=r"^omega_weight: expected a finite number >= 0, got "):
        train_adding("ReLU RNN, clipping + Ω", T=5, n_hidden=4, steps=2, batch_size=4, omega_weight=weight)
    with pytest.raises(ValueError, match=r"^omega_weight: expected a finite number >= 0, got "):
        run_recipe("rnn", task_setup("adding", T=5, batch_size=4), steps=2, budget=60, omega_weight=weight)


def test_train_adding_records_the_ratio_every_ratio_every_steps():
    out = train_adding("ReLU RNN, clipping + Ω", T=5, n_hidden=4, steps=7, batch_size=4, ratio_every=3,
                       omega_weight=0)
    assert list(out["ratio_steps"]) == [0, 3, 6] and np.all(np.isfinite(out["mse"]))
