import io
import math
import pickle

import pytest
import torch
from torch.nn import functional as F

from sklearn_har.nn import (
    CenterLoss,
    ClassBalancedLoss,
    CompositeLoss,
    FocalLoss,
    LabelSmoothingLoss,
    balanced_class_weights,
    center_loss_param_groups,
    class_balanced_weights,
)


def _batch(n=16, k=5, seed=0):
    gen = torch.Generator().manual_seed(seed)
    logits = torch.randn(n, k, generator=gen) * 2.0
    targets = torch.randint(0, k, (n,), generator=gen)
    return logits, targets


# --------------------------------------------------------------------------
# FocalLoss
# --------------------------------------------------------------------------
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_focal_with_gamma_zero_and_no_alpha_is_cross_entropy(reduction):
    logits, targets = _batch()
    got = FocalLoss(gamma=0.0, reduction=reduction)(logits, targets)
    expected = F.cross_entropy(logits, targets, reduction=reduction)
    torch.testing.assert_close(got, expected)


def test_focal_matches_hand_computed_value():
    logits = torch.tensor([[2.0, 0.0, -1.0]])
    targets = torch.tensor([1])
    p = math.exp(0.0) / (math.exp(2.0) + 1.0 + math.exp(-1.0))
    alpha = [0.2, 0.7, 0.1]
    expected = -0.7 * (1 - p) ** 1.5 * math.log(p)
    got = FocalLoss(gamma=1.5, alpha=alpha)(logits, targets)
    assert got.item() == pytest.approx(expected, rel=1e-5)


def test_focal_down_weights_easy_samples_relative_to_hard_ones():
    logits = torch.tensor([[4.0, 0.0], [0.0, 1.0]])  # easy-correct, hard-wrong
    targets = torch.tensor([0, 0])
    ce = F.cross_entropy(logits, targets, reduction="none")
    focal = FocalLoss(gamma=2.0, reduction="none")(logits, targets)
    ratio = focal / ce
    assert (ratio < 1).all()
    assert ratio[0] < 0.01 * ratio[1]


def test_focal_per_class_alpha_is_class_weighted_cross_entropy_at_gamma_zero():
    logits, targets = _batch()
    alpha = torch.tensor([0.5, 1.0, 2.0, 0.1, 3.0])
    got = FocalLoss(gamma=0.0, alpha=alpha, reduction="sum")(logits, targets)
    expected = F.cross_entropy(logits, targets, weight=alpha, reduction="sum")
    torch.testing.assert_close(got, expected)
    # "mean" is the plain batch mean, not divided by the sum of the weights
    mean = FocalLoss(gamma=0.0, alpha=alpha)(logits, targets)
    torch.testing.assert_close(mean, expected / len(targets))


def test_focal_scalar_alpha_scales_every_sample():
    logits, targets = _batch()
    plain = FocalLoss(gamma=2.0, reduction="none")(logits, targets)
    scaled = FocalLoss(gamma=2.0, alpha=0.25, reduction="none")(logits, targets)
    torch.testing.assert_close(scaled, 0.25 * plain)


def test_focal_gradient_is_finite_for_saturated_logits_and_small_gamma():
    logits = torch.tensor([[200.0, 0.0], [0.0, 1.0]], requires_grad=True)
    FocalLoss(gamma=0.5)(logits, torch.tensor([0, 0])).backward()
    assert torch.isfinite(logits.grad).all()


def test_focal_errors_say_what_was_expected():
    with pytest.raises(ValueError, match="'gamma' parameter of FocalLoss"):
        FocalLoss(gamma=-1.0)
    with pytest.raises(ValueError, match="'alpha' parameter of FocalLoss"):
        FocalLoss(alpha=[1.0, -1.0])
    with pytest.raises(ValueError, match="alpha' for 2 classes but the logits have 5"):
        FocalLoss(alpha=[1.0, 2.0])(*_batch())
    with pytest.raises(ValueError, match=r"logits of shape \(batch, n_classes\)"):
        FocalLoss()(torch.zeros(4), torch.zeros(4, dtype=torch.long))
    with pytest.raises(TypeError, match="integer class indices"):
        FocalLoss()(torch.zeros(4, 3), torch.zeros(4))


def test_focal_alpha_is_a_buffer_that_follows_the_module():
    loss = FocalLoss(alpha=[1.0, 2.0]).double()
    assert loss.alpha.dtype == torch.float64
    assert "alpha" in loss.state_dict()


# --------------------------------------------------------------------------
# LabelSmoothingLoss
# --------------------------------------------------------------------------
@pytest.mark.parametrize("epsilon", [0.0, 0.1, 0.5])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("weighted", [False, True])
def test_label_smoothing_equals_torch_cross_entropy(epsilon, reduction, weighted):
    logits, targets = _batch()
    weight = torch.tensor([0.5, 1.0, 2.0, 0.1, 3.0]) if weighted else None
    got = LabelSmoothingLoss(epsilon, weight=weight, reduction=reduction)(
        logits, targets
    )
    expected = F.cross_entropy(
        logits, targets, weight=weight, label_smoothing=epsilon, reduction=reduction
    )
    torch.testing.assert_close(got, expected)


def test_label_smoothing_matches_equation_25_by_hand():
    logits = torch.tensor([[1.0, 0.0, 0.0]])
    z = math.e + 2.0
    log_p = [math.log(math.e / z), math.log(1 / z), math.log(1 / z)]
    eps, k = 0.3, 3
    expected = -sum(lp * ((1 - eps) * (i == 0) + eps / k) for i, lp in enumerate(log_p))
    got = LabelSmoothingLoss(eps)(logits, torch.tensor([0]))
    assert got.item() == pytest.approx(expected, rel=1e-6)


def test_label_smoothing_penalises_overconfidence():
    targets = torch.tensor([0])
    confident = torch.tensor([[30.0, 0.0, 0.0]])
    moderate = torch.tensor([[3.0, 0.0, 0.0]])
    loss = LabelSmoothingLoss(0.1)
    assert loss(confident, targets) > loss(moderate, targets)
    assert F.cross_entropy(confident, targets) < F.cross_entropy(moderate, targets)


def test_label_smoothing_rejects_epsilon_outside_unit_interval():
    with pytest.raises(ValueError, match=r"'epsilon' parameter .* range \[0.0, 1.0\]"):
        LabelSmoothingLoss(1.5)


# --------------------------------------------------------------------------
# class weights
# --------------------------------------------------------------------------
def test_class_balanced_weights_match_effective_number_formula():
    counts, beta = [1000, 100, 10], 0.99
    raw = [(1 - beta) / (1 - beta**n) for n in counts]
    expected = torch.tensor([3 * r / sum(raw) for r in raw])
    got = class_balanced_weights(counts, beta)
    torch.testing.assert_close(got, expected)
    assert got.sum().item() == pytest.approx(3.0)
    assert got[2] > got[1] > got[0]


def test_class_balanced_weights_limits():
    counts = [400, 100, 50]
    torch.testing.assert_close(class_balanced_weights(counts, 0.0), torch.ones(3))
    inverse = torch.tensor([1 / 400, 1 / 100, 1 / 50])
    inverse = 3 * inverse / inverse.sum()
    torch.testing.assert_close(
        class_balanced_weights(counts, 1 - 1e-9), inverse, rtol=1e-4, atol=1e-5
    )


def test_class_balanced_weights_stay_finite_for_an_absent_class():
    weights = class_balanced_weights([10, 0, 5], 0.999)
    assert torch.isfinite(weights).all()
    with pytest.raises(ValueError, match=r"'beta' parameter .* \[0.0, 1.0\)"):
        class_balanced_weights([10, 5], 1.0)


def test_balanced_class_weights_follow_the_labels_of_each_fit():
    fold_a = [0, 0, 0, 1]
    fold_b = [0, 1, 1, 1, 2, 2]
    torch.testing.assert_close(
        balanced_class_weights(fold_a), torch.tensor([4 / 6, 4 / 2])
    )
    torch.testing.assert_close(
        balanced_class_weights(fold_b), torch.tensor([6 / 3, 6 / 9, 6 / 6])
    )
    # recomputed, not cached: fold a again gives fold a's weights
    torch.testing.assert_close(
        balanced_class_weights(fold_a), torch.tensor([4 / 6, 4 / 2])
    )
    # average sample weight is one (scikit-learn's "balanced")
    y = torch.tensor(fold_b)
    assert balanced_class_weights(y)[y].mean().item() == pytest.approx(1.0)


def test_balanced_class_weights_with_beta_and_missing_classes():
    y = [0, 0, 0, 1]
    torch.testing.assert_close(
        balanced_class_weights(y, 2, beta=0.9), class_balanced_weights([3, 1], 0.9)
    )
    weights = balanced_class_weights(y, n_classes=4)
    assert weights.shape == (4,) and torch.isfinite(weights).all()
    with pytest.raises(ValueError, match="n_classes=1 but the labels reach 1"):
        balanced_class_weights(y, n_classes=1)
    with pytest.raises(ValueError, match="negative label"):
        balanced_class_weights([0, -1])


# --------------------------------------------------------------------------
# ClassBalancedLoss
# --------------------------------------------------------------------------
def test_class_balanced_ce_is_weighted_cross_entropy():
    logits, targets = _batch()
    counts = [500, 200, 50, 20, 5]
    loss = ClassBalancedLoss(counts, beta=0.99, reduction="sum")
    weights = class_balanced_weights(counts, 0.99)
    torch.testing.assert_close(loss.weight, weights)
    expected = F.cross_entropy(logits, targets, weight=weights, reduction="sum")
    torch.testing.assert_close(loss(logits, targets), expected)
    mean = ClassBalancedLoss(counts, beta=0.99)(logits, targets)
    torch.testing.assert_close(mean, expected / len(targets))


def test_class_balanced_focal_is_focal_with_class_balanced_alpha():
    logits, targets = _batch()
    counts = [500, 200, 50, 20, 5]
    got = ClassBalancedLoss(counts, beta=0.99, base="focal", gamma=1.0)(logits, targets)
    alpha = class_balanced_weights(counts, 0.99)
    expected = FocalLoss(gamma=1.0, alpha=alpha)(logits, targets)
    torch.testing.assert_close(got, expected)


def test_class_balanced_loss_counts_rare_class_errors_more():
    logits = torch.tensor([[0.0, 1.0], [1.0, 0.0]])  # both samples wrong
    loss = ClassBalancedLoss([1000, 10], beta=0.999, reduction="none")
    values = loss(logits, torch.tensor([0, 1]))
    assert values[1] > 5 * values[0]


def test_class_balanced_loss_validates_parameters():
    with pytest.raises(ValueError, match="'base' parameter of ClassBalancedLoss"):
        ClassBalancedLoss([3, 4], base="hinge")
    with pytest.raises(ValueError, match="samples_per_class' for 2 classes"):
        ClassBalancedLoss([3, 4])(*_batch())


# --------------------------------------------------------------------------
# CenterLoss
# --------------------------------------------------------------------------
def _center(lambda_=0.5, reduction="mean"):
    torch.manual_seed(0)
    loss = CenterLoss(n_classes=3, n_features=4, lambda_=lambda_, reduction=reduction)
    return loss


def test_center_loss_value_is_half_lambda_mean_squared_distance():
    loss = _center(lambda_=0.5)
    features = torch.randn(6, 4, generator=torch.Generator().manual_seed(1))
    targets = torch.tensor([0, 1, 2, 0, 1, 2])
    sq = ((features - loss.centers[targets]) ** 2).sum(dim=1)
    torch.testing.assert_close(loss(features, targets), 0.5 / 2 * sq.mean())
    torch.testing.assert_close(
        _center(0.5, "sum")(features, targets), 0.5 / 2 * sq.sum()
    )
    torch.testing.assert_close(_center(0.5, "none")(features, targets), 0.5 / 2 * sq)


def test_center_loss_gradient_reaches_centres_and_features():
    loss = _center(lambda_=2.0)
    features = torch.randn(
        5, 4, generator=torch.Generator().manual_seed(2), requires_grad=True
    )
    targets = torch.tensor([0, 0, 1, 1, 1])
    loss(features, targets).backward()
    centers = loss.centers.detach()
    expected = torch.zeros_like(centers)
    for k in range(3):
        diff = features.detach()[targets == k] - centers[k]
        expected[k] = -2.0 / 5 * diff.sum(dim=0)
    torch.testing.assert_close(loss.centers.grad, expected)
    assert torch.equal(loss.centers.grad[2], torch.zeros(4))  # class 2 absent
    torch.testing.assert_close(
        features.grad, 2.0 / 5 * (features.detach() - centers[targets])
    )


def test_center_loss_training_moves_centres_to_class_means():
    loss = _center(lambda_=1.0)
    gen = torch.Generator().manual_seed(3)
    features = (
        torch.randn(30, 4, generator=gen)
        + torch.arange(3.0).repeat_interleave(10)[:, None] * 3
    )
    targets = torch.arange(3).repeat_interleave(10)
    opt = torch.optim.SGD(loss.parameters(), lr=1.0)
    for _ in range(100):
        opt.zero_grad()
        loss(features, targets).backward()
        opt.step()
    means = torch.stack([features[targets == k].mean(dim=0) for k in range(3)])
    torch.testing.assert_close(loss.centers.detach(), means, atol=1e-4, rtol=0)


def test_center_loss_rejects_wrong_shapes_and_targets():
    loss = _center()
    with pytest.raises(
        ValueError, match=r"features of shape \(batch, 4\). Received \(2, 5\)"
    ):
        loss(torch.zeros(2, 5), torch.tensor([0, 1]))
    with pytest.raises(ValueError, match="3 centres but the targets range over"):
        loss(torch.zeros(2, 4), torch.tensor([0, 3]))


def test_center_loss_param_groups_give_centres_their_own_learning_rate():
    model = torch.nn.Linear(4, 3)
    center = _center()
    opt = torch.optim.SGD(
        center_loss_param_groups(model.parameters(), center, lr_centers=0.5),
        lr=0.01,
        weight_decay=0.1,
    )
    assert [g["lr"] for g in opt.param_groups] == [0.01, 0.5]
    assert opt.param_groups[1]["weight_decay"] == 0.0
    before = center.centers.detach().clone()
    x = torch.randn(6, 4, generator=torch.Generator().manual_seed(4))
    center(x, torch.tensor([0, 1, 2, 0, 1, 2])).backward()
    grad = center.centers.grad.clone()
    opt.step()
    torch.testing.assert_close(center.centers.detach(), before - 0.5 * grad)
    with pytest.raises(ValueError, match="centres among model_params"):
        center_loss_param_groups(center.parameters(), center, lr_centers=0.5)


# --------------------------------------------------------------------------
# CompositeLoss
# --------------------------------------------------------------------------
def _composite(weights=None):
    torch.manual_seed(0)
    return CompositeLoss(
        {
            "sl": LabelSmoothingLoss(0.1),
            "fl": FocalLoss(gamma=1.0, alpha=0.5),
            "ce": torch.nn.CrossEntropyLoss(),
            "center": CenterLoss(n_classes=5, n_features=3, lambda_=0.1),
        },
        weights=weights,
    )


def test_composite_total_is_weighted_sum_and_exposes_components():
    logits, targets = _batch()
    features = torch.randn(16, 3, generator=torch.Generator().manual_seed(5))
    weights = {"sl": 0.3, "fl": 0.2, "ce": 0.5, "center": 0.05}
    loss = _composite(weights)
    total = loss(logits, targets, features=features)
    parts = {
        "sl": LabelSmoothingLoss(0.1)(logits, targets),
        "fl": FocalLoss(gamma=1.0, alpha=0.5)(logits, targets),
        "ce": F.cross_entropy(logits, targets),
        "center": loss.components["center"](features, targets),
    }
    torch.testing.assert_close(total, sum(weights[k] * v for k, v in parts.items()))
    assert list(loss.last_values) == ["sl", "fl", "ce", "center"]
    for name, value in parts.items():
        assert isinstance(loss.last_values[name], float)
        assert loss.last_values[name] == pytest.approx(value.item(), rel=1e-6)


def test_composite_weights_default_to_one_and_can_change_between_calls():
    logits, targets = _batch()
    features = torch.zeros(16, 3)
    loss = _composite()
    assert loss.weights == {"sl": 1.0, "fl": 1.0, "ce": 1.0, "center": 1.0}
    first = loss(logits, targets, features=features)
    assert first.item() == pytest.approx(sum(loss.last_values.values()), rel=1e-6)
    loss.set_weights({"sl": 0.0, "fl": 0.0, "center": 0.0})
    second = loss(logits, targets, features=features)
    torch.testing.assert_close(second, F.cross_entropy(logits, targets))
    loss.set_weights({"ce": -0.5})  # eq. 27 can go negative; allowed
    assert loss(logits, targets, features=features).item() < 0


def test_composite_errors_name_the_component_and_the_fix():
    logits, targets = _batch()
    loss = _composite()
    assert loss.requires_features
    assert not CompositeLoss({"ce": torch.nn.CrossEntropyLoss()}).requires_features
    with pytest.raises(
        ValueError, match="'center' \\(CenterLoss\\) needs the penultimate features"
    ):
        loss(logits, targets)
    with pytest.raises(
        KeyError, match="no component named 'focal'; its components are"
    ):
        loss.set_weights({"focal": 0.3})
    with pytest.raises(ValueError, match=r"weights\['ce'\]"):
        loss.set_weights({"ce": float("nan")})
    with pytest.raises(TypeError, match="not the class FocalLoss"):
        CompositeLoss({"fl": FocalLoss})


def test_composite_gradient_reaches_centres_and_param_names_match_skorch_pattern():
    logits, targets = _batch()
    logits.requires_grad_(True)
    features = torch.randn(16, 3, requires_grad=True)
    loss = _composite({"center": 0.5})
    loss(logits, targets, features=features).backward()
    names = [n for n, _ in loss.named_parameters()]
    assert names == ["components.center.centers"]
    assert loss.components["center"].centers.grad.abs().sum() > 0
    assert logits.grad.abs().sum() > 0 and features.grad.abs().sum() > 0


def test_composite_moves_with_to_and_keeps_weights_in_state_dict_and_pickle():
    loss = _composite({"ce": 0.25}).double()
    assert loss.components["center"].centers.dtype == torch.float64
    buffer = io.BytesIO()
    torch.save(loss.state_dict(), buffer)
    buffer.seek(0)
    fresh = _composite().double()
    fresh.load_state_dict(torch.load(buffer))
    assert fresh.weights["ce"] == 0.25
    torch.testing.assert_close(
        fresh.components["center"].centers, loss.components["center"].centers
    )
    clone = pickle.loads(pickle.dumps(loss))
    assert clone.weights == loss.weights and clone.last_values == {}
    other = CompositeLoss({"ce": torch.nn.CrossEntropyLoss()})
    with pytest.raises(ValueError, match="state has weights for"):
        other.load_state_dict(loss.state_dict(), strict=False)
