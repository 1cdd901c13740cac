"""SFTNAS's searchable first stage: the search space, its costs, the derived network."""

import numpy as np
import pytest
import torch

from sklearn_har.nn.models.sftnas import SensorSelect, SFTSearchStage, n_downsampling
from sklearn_har.nn.profile import count_macs, count_params


def _fix(stage, choices, sensors, filters):
    """One-hot alphas (``choices``: candidate index per layer), hard masks."""
    with torch.no_grad():
        for layer, j in zip(stage.layers, choices):
            layer.alpha.fill_(-10.0)
            layer.alpha[j] = 10.0
            for op in layer.ops:
                if hasattr(op, "mask"):
                    op.mask.scores.fill_(0.0)
                    op.mask.scores[:filters] = 1.0
        stage.input_mask.scores.fill_(0.0)
        stage.input_mask.scores[sensors] = 1.0


def test_search_space_shape():
    assert [n_downsampling(t) for t in (4, 8, 24, 128, 130)] == [0, 1, 2, 5, 5]
    stage = SFTSearchStage(9, 128, filters=8)
    assert stage.strides == [1, 2] * 5
    assert stage.layers[0].names == ["conv1", "conv3", "conv5", "conv7"]  # 1 -> 8 filters
    assert stage.layers[2].names[-1] == "identity" and "identity" not in stage.layers[1].names
    out = stage(torch.randn(2, 9, 128))
    assert out.shape == (2, 8, 9, 4)  # 128 / 2^5 = 4 (the paper's floor)


def test_expected_macs_equal_the_derived_stage_macs():
    stage = SFTSearchStage(4, 16, filters=6)  # strides 1, 2, 1, 2
    _fix(stage, [1, 2, 4, 0], sensors=[0, 2, 3], filters=5)  # conv3, conv5, identity, conv1
    stage.eval()
    derived, report = stage.derive()
    assert [r["op"] for r in report] == ["conv3", "conv5", "identity", "conv1"]
    # by hand: 3 sensors; layer 1: 1->5, T 16, k3; layer 2: 5->5, T 8, k5; layer 4: 5->5, T 4, k1
    hand = 1 * 5 * 3 * 16 * 3 + 5 * 5 * 3 * 8 * 5 + 5 * 5 * 3 * 4 * 1
    assert float(stage.expected_macs().detach()) == hand
    assert count_macs(derived, torch.zeros(1, 4, 16)) == hand


def test_derived_stage_equals_the_masked_supernet_and_is_smaller():
    torch.manual_seed(0)
    stage = SFTSearchStage(5, 32, filters=8)
    stage.train()
    for _ in range(3):  # BatchNorm statistics that are not the defaults
        stage(torch.randn(16, 5, 32))
    choices = [0, 3, 4, 1, 2, 2]
    _fix(stage, choices, sensors=[1, 2, 4], filters=6)
    stage.eval()
    derived, _ = stage.derive()
    derived.eval()
    x = torch.randn(3, 5, 32)
    with torch.no_grad():
        full, small = stage(x), derived(x)
    kept_f, kept_s = derived.filters_out, [1, 2, 4]
    torch.testing.assert_close(full[:, kept_f][:, :, kept_s], small)
    assert full[:, :, [0, 3]].abs().max() == 0  # pruned sensors: zero rows
    assert full[:, [6, 7]].abs().max() == 0  # pruned filters
    assert count_params(derived) < count_params(stage)


def test_peak_memory_and_gradients_reach_masks_and_alphas():
    stage = SFTSearchStage(3, 16, filters=4)
    stage.train()
    stage(torch.randn(2, 3, 16)).sum()
    mem = stage.layer_memory()
    # layer 0: input 1 x 3 x 16, output 4 x 3 x 16 (int8 bytes)
    assert float(mem[0].detach()) == 1 * 3 * 16 + 4 * 3 * 16
    loss = stage.expected_macs() + stage.peak_memory()
    loss.backward()
    assert stage.input_mask.scores.grad is not None and stage.input_mask.scores.grad.abs().sum() > 0
    assert all(layer.alpha.grad is not None for layer in stage.layers)


def test_sensor_select_uses_slices():
    sel = SensorSelect(9, [0, 1, 2, 6, 7])
    assert sel.runs == [(0, 3), (6, 8)]
    x = torch.arange(9.0).reshape(1, 9, 1)
    assert sel(x).flatten().tolist() == [0, 1, 2, 6, 7]
    with pytest.raises(ValueError, match="out of range"):
        SensorSelect(3, [3])


def test_complexity_loss_is_eq11_with_one_hot_choices():
    stage = SFTSearchStage(4, 16, filters=6)  # strides 1, 2, 1, 2
    _fix(stage, [1, 2, 4, 0], sensors=[0, 2, 3], filters=5)
    stage.eval()
    per_layer = [1 * 5 * 3 * 16 * 3, 5 * 5 * 3 * 8 * 5, 0, 5 * 5 * 3 * 4 * 1]  # identity: 0
    unit = 1 * 6 * 4 * 16 * 7 + 6 * 6 * 4 * 8 * 7 + 6 * 6 * 4 * 8 * 7 + 6 * 6 * 4 * 4 * 7
    assert stage.max_macs() == unit
    expected = sum((m / unit) ** 2 for m in per_layer)
    assert float(stage.complexity_loss().detach()) == pytest.approx(expected, rel=1e-6)


def test_memory_penalty_is_zero_under_the_limit_and_log_ratio_above():
    stage = SFTSearchStage(3, 16, filters=4)
    stage.eval()
    peak = float(stage.peak_memory().detach())
    assert peak == max(1 * 3 * 16 + 4 * 3 * 16, 4 * 3 * 16 + 4 * 3 * 8, 4 * 3 * 8 * 2)
    assert float(stage.memory_loss(peak + 1).detach()) == 0.0
    assert float(stage.memory_loss(peak / 2).detach()) == pytest.approx(np.log(2.0))
    # gradient only above the limit, and finite when everything is pruned
    stage.train()
    stage(torch.randn(2, 3, 16))
    stage.memory_loss(peak + 1).backward()
    assert all(p.grad is None or not p.grad.any() for p in stage.parameters())
    with torch.no_grad():
        stage.input_mask.scores.fill_(0.0)
    stage.zero_grad()
    stage(torch.randn(2, 3, 16))
    (stage.memory_loss(10.0) + stage.complexity_loss()).backward()
    assert all(p.grad is None or torch.isfinite(p.grad).all() for p in stage.parameters())


def test_tinyhar_and_deepconvlstm_match_the_counts_of_table_ii():
    from sklearn_har.nn.models import DeepConvLSTM, TinyHAR

    # seed 003 Table II on UCI-HAR (9 channels, 6 classes): 298.18 k and 424.26 k
    assert count_params(TinyHAR(9, 6)) == 298_185
    assert count_params(DeepConvLSTM(9, 6)) == 424_262
    x = torch.zeros(1, 9, 128)
    # unpadded convolutions as the originals: 35.4 and 104.9 MMACs (Table II: 36.27, 105.95)
    assert count_macs(TinyHAR(9, 6, padding="valid").eval(), x) == 35_430_400
    assert count_macs(DeepConvLSTM(9, 6, padding="valid").eval(), x) == 104_871_424
