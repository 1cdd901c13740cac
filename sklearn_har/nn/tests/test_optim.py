import numpy as np
import pytest
import torch

from sklearn_har.nn import Lion


def _step(opt, param, grad):
    param.grad = torch.as_tensor(grad, dtype=param.dtype).clone()
    opt.step()


def test_lion_two_steps_match_the_equation_by_hand():
    theta = torch.nn.Parameter(torch.tensor([1.0, -2.0, 0.5]))
    lr, (b1, b2), wd = 0.1, (0.9, 0.99), 0.2
    opt = Lion([theta], lr=lr, betas=(b1, b2), weight_decay=wd)
    g1 = np.array([1.0, -3.0, 0.0])
    g2 = np.array([-0.05, 1.0, 2.0])
    th, m = np.array([1.0, -2.0, 0.5]), np.zeros(3)
    for g in (g1, g2):
        u = np.sign(b1 * m + (1 - b1) * g) + wd * th
        th = th - lr * u
        m = b2 * m + (1 - b2) * g
        _step(opt, theta, g)
        np.testing.assert_allclose(theta.detach().numpy(), th, rtol=1e-6)
        np.testing.assert_allclose(opt.state[theta]["exp_avg"].numpy(), m, rtol=1e-6)
    # step 2, coordinate 0: the gradient is negative but the interpolated
    # momentum is positive, so Lion still moves against the gradient sign
    assert 0.9 * 0.01 + 0.1 * -0.05 > 0
    assert th[0] == pytest.approx((1.0 - 0.1 * (1 + 0.2)) - 0.1 * (1 + 0.2 * 0.88))


def test_lion_minimises_a_quadratic_to_within_the_step_size():
    torch.manual_seed(0)
    target = torch.randn(10)
    w = torch.nn.Parameter(torch.zeros(10))
    opt = Lion([w], lr=0.05)
    # sign updates hover around the optimum at the step size: decay it to zero
    schedule = torch.optim.lr_scheduler.LambdaLR(opt, lambda t: 1 - t / 400)
    losses = []
    for _ in range(400):
        opt.zero_grad()
        loss = ((w - target) ** 2).sum()
        loss.backward()
        opt.step()
        schedule.step()
        losses.append(loss.item())
    assert losses[-1] < 1e-4 * losses[0]
    assert (w.detach() - target).abs().max() < 0.01


def test_lion_weight_decay_is_decoupled_from_the_momentum():
    theta = torch.nn.Parameter(torch.tensor([2.0, -4.0]))
    opt = Lion([theta], lr=0.1, weight_decay=0.5)
    for _ in range(3):
        _step(opt, theta, [0.0, 0.0])  # sign(0) = 0: only the decay acts
    torch.testing.assert_close(
        theta.detach(), torch.tensor([2.0, -4.0]) * (1 - 0.05) ** 3
    )
    # the decay never enters the momentum (coupled L2 would put wd * theta there)
    assert torch.equal(opt.state[theta]["exp_avg"], torch.zeros(2))


def test_lion_every_coordinate_moves_by_the_learning_rate():
    theta = torch.nn.Parameter(torch.zeros(4))
    opt = Lion([theta], lr=0.3)
    _step(opt, theta, [1e-6, -1e3, 5.0, -0.2])
    torch.testing.assert_close(theta.detach(), torch.tensor([-0.3, 0.3, -0.3, 0.3]))


def test_lion_param_groups_maximize_and_missing_grads():
    a = torch.nn.Parameter(torch.zeros(2))
    b = torch.nn.Parameter(torch.zeros(2))
    c = torch.nn.Parameter(torch.ones(2))  # no grad: untouched
    opt = Lion([{"params": [a]}, {"params": [b], "lr": 1.0}, {"params": [c]}], lr=0.1)
    a.grad = torch.ones(2)
    b.grad = torch.ones(2)
    opt.step()
    torch.testing.assert_close(a.detach(), torch.full((2,), -0.1))
    torch.testing.assert_close(b.detach(), torch.full((2,), -1.0))
    assert torch.equal(c.detach(), torch.ones(2)) and c not in opt.state
    d = torch.nn.Parameter(torch.zeros(2))
    up = Lion([d], lr=0.1, maximize=True)
    d.grad = torch.ones(2)
    up.step()
    torch.testing.assert_close(d.detach(), torch.full((2,), 0.1))


def test_lion_state_dict_round_trip_continues_the_same_trajectory():
    torch.manual_seed(0)
    grads = [torch.randn(3) for _ in range(6)]
    w1 = torch.nn.Parameter(torch.ones(3))
    opt1 = Lion([w1], lr=0.05, weight_decay=0.1)
    for g in grads[:3]:
        _step(opt1, w1, g)
    w2 = torch.nn.Parameter(w1.detach().clone())
    opt2 = Lion([w2], lr=0.05, weight_decay=0.1)
    opt2.load_state_dict(opt1.state_dict())
    for g in grads[3:]:
        _step(opt1, w1, g)
        _step(opt2, w2, g)
    assert torch.equal(w1.detach(), w2.detach())


def test_lion_closure_returns_the_loss():
    w = torch.nn.Parameter(torch.tensor([1.0]))
    opt = Lion([w], lr=0.1)

    def closure():
        opt.zero_grad()
        loss = (w**2).sum()
        loss.backward()
        return loss

    assert opt.step(closure).item() == pytest.approx(1.0)
    assert w.item() == pytest.approx(0.9)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (
            {"lr": -1.0},
            r"'lr' parameter of Lion must be a float in the range \[0.0, inf\)",
        ),
        ({"betas": (1.1, 0.99)}, r"'betas\[0\]' parameter"),
        ({"betas": (0.9,)}, "pair of floats"),
        ({"weight_decay": -0.1}, "'weight_decay' parameter"),
    ],
)
def test_lion_rejects_invalid_hyper_parameters(kwargs, match):
    with pytest.raises(ValueError, match=match):
        Lion([torch.nn.Parameter(torch.zeros(1))], **kwargs)


def test_lion_works_as_a_skorch_optimizer():
    skorch = pytest.importorskip("skorch")
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(64, 4)).astype(np.float32)
    y = (X[:, 0] + X[:, 1] > 0).astype(np.int64)
    net = skorch.NeuralNetClassifier(
        torch.nn.Linear,
        module__in_features=4,
        module__out_features=2,
        criterion=torch.nn.CrossEntropyLoss,
        optimizer=Lion,
        optimizer__weight_decay=0.01,
        optimizer__betas=(0.9, 0.99),
        lr=0.01,
        max_epochs=15,
        batch_size=16,
        train_split=None,
        verbose=0,
    )
    net.fit(X, y)
    assert isinstance(net.optimizer_, Lion)
    assert net.optimizer_.param_groups[0]["weight_decay"] == 0.01
    losses = net.history[:, "train_loss"]
    assert losses[-1] < losses[0]
    assert (net.predict(X) == y).mean() > 0.9
