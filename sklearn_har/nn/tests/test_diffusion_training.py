"""train_denoiser on its own: plain PyTorch, deterministic for one generator state and seed."""

import pytest
import torch

from sklearn_har.datasets import make_har_windows
from sklearn_har.nn.diffusion import CosineSchedule, Denoiser1D, train_denoiser


def _data():
    X, y, _ = make_har_windows(n_windows=60, n_classes=3, n_timesteps=24, random_state=0)
    x = torch.from_numpy(X)
    x = (x - x.mean(dim=(0, 2), keepdim=True)) / x.std(dim=(0, 2), keepdim=True)
    return x, torch.from_numpy(y.astype("int64"))


def _train(x, y, seed=0, **kwargs):
    params = dict(width=8, depth=1, max_iter=60, batch_size=16)
    params.update(kwargs)
    return train_denoiser(x, y, 3, CosineSchedule(20), generator=torch.Generator().manual_seed(seed),
                          seed=seed, **params)


def test_train_denoiser_same_generator_and_seed_give_the_same_model():
    x, y = _data()
    torch.manual_seed(123)
    a = _train(x, y)
    torch.manual_seed(456)  # the global RNG plays no part
    b = _train(x, y)
    assert a.loss_curve == b.loss_curve
    for (name, p), q in zip(a.model.state_dict().items(), b.model.state_dict().values()):
        assert torch.equal(p, q), name
    assert torch.equal(a.prototypes, b.prototypes)
    c = _train(x, y, seed=1)
    assert c.loss_curve != a.loss_curve


def test_train_denoiser_leaves_the_global_rng_alone():
    x, y = _data()
    torch.manual_seed(7)
    expected = torch.rand(3)
    torch.manual_seed(7)
    _train(x, y, max_iter=5)
    assert torch.equal(torch.rand(3), expected)


def test_train_denoiser_returns_the_ema_model_in_eval_mode_and_the_class_prototypes():
    x, y = _data()
    out = _train(x, y, max_iter=51)
    assert isinstance(out.model, Denoiser1D) and not out.model.training
    assert not any(p.requires_grad for p in out.model.parameters())  # the EMA copy
    assert out.prototypes.shape == (3, x.shape[1], 3 + x.shape[2])
    assert [len(s) for s in out.train_stats] == torch.bincount(y).tolist()
    assert len(out.loss_curve) == 2  # 50 steps, then the last one
    raw = _train(x, y, max_iter=5, ema_decay=0.0)
    assert all(p.requires_grad for p in raw.model.parameters())


def test_train_denoiser_stops_on_a_non_finite_loss():
    x, y = _data()
    with pytest.raises(FloatingPointError, match="lower lr"):
        _train(x, y, max_iter=5, lr=float("inf"))
