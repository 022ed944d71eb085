"""Seeding and the shared training loop."""
import numpy as np
import pytest
import torch

from lecturelib.training import seed_everything, train


def _fit(seed, **kwargs):
    seed_everything(seed)
    model = torch.nn.Linear(3, 1)
    w_true = torch.tensor([[1.0, -2.0, 0.5]])

    def batch(step):
        x = torch.randn(32, 3)
        return x, x @ w_true.T

    def loss_fn(m, b):
        return torch.nn.functional.mse_loss(m(b[0]), b[1])

    return train(model, loss_fn, batch, steps=200, lr=0.05, quiet=True, **kwargs), model


def test_training_reduces_the_loss_and_is_reproducible():
    log1, model = _fit(0)
    log2, _ = _fit(0)
    assert log1.loss == log2.loss
    assert log1.final_loss < 1e-3 * log1.loss[0]
    np.testing.assert_allclose(model.weight.detach().numpy(), [[1.0, -2.0, 0.5]], atol=1e-2)
    assert len(log1.seconds) == 200 and all(np.diff(log1.seconds) >= 0)


def test_on_step_records_and_clip_bounds_the_update():
    norms = []

    def grad_norm(step, model):
        norm = torch.sqrt(sum((p.grad ** 2).sum() for p in model.parameters())).item()
        return {"grad_norm": norm}

    seed_everything(1)
    model = torch.nn.Linear(1, 1, bias=False)
    with torch.no_grad():
        model.weight.fill_(0.0)
    opt = torch.optim.SGD(model.parameters(), lr=1.0)
    log = train(model, lambda m, b: ((m(b) - 100.0) ** 2).mean(), lambda s: torch.ones(1, 1), steps=1,
                optimizer=opt, clip=0.5, on_step=grad_norm, quiet=True)
    assert log.extra["grad_norm"][0] == pytest.approx(200.0)  # before clipping: d/dw (w - 100)^2 at w = 0
    assert model.weight.item() == pytest.approx(0.5)          # after clipping to norm 0.5, lr 1


def test_seed_everything_returns_a_seeded_generator():
    a = seed_everything(5).normal(size=3)
    b = seed_everything(5).normal(size=3)
    np.testing.assert_array_equal(a, b)


def test_train_rejects_zero_steps():
    with pytest.raises(ValueError, match="steps: expected a positive number of steps, got 0"):
        train(torch.nn.Linear(1, 1), lambda m, b: m(b).sum(), lambda s: torch.ones(1, 1), steps=0)
