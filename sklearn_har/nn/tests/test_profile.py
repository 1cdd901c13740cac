"""Parameters, MACs and peak activation memory, checked against counts by hand."""

import pytest
import torch
from torch import nn

from sklearn_har.nn import CNN1D, create_model, get_model_info, list_models
from sklearn_har.nn.profile import count_macs, count_params, peak_activation_bytes


def test_cnn1d_params_and_macs_by_hand():
    C, T, K, k, blocks = 9, 128, 6, 5, (64, 32, 16)
    net = CNN1D(n_channels=C, n_classes=K, channels=blocks, kernel_size=k)
    params, macs, c_in, t = 0, 0, C, T
    for c_out in blocks:
        params += c_in * c_out * k + 2 * c_out  # conv (no bias) + BatchNorm affine
        macs += c_in * c_out * k * t  # padding k // 2 keeps the length (odd k)
        c_in, t = c_out, t // 2  # max-pool of 2 after each block
    params += c_in * K + K
    macs += c_in * K  # the head
    assert count_params(net) == params
    assert count_macs(net, torch.zeros(1, C, T)) == macs
    assert count_macs(net, torch.zeros(3, C, T)) == 3 * macs


def test_count_params_trainable_only():
    net = CNN1D(3, 2, channels=(4,))
    net.head.requires_grad_(False)
    assert count_params(net) - count_params(net, trainable_only=True) == 4 * 2 + 2


@pytest.mark.parametrize("batch_first", [True, False])
def test_transformer_encoder_layer_macs_by_hand(batch_first):
    # d_model, heads, feed-forward, sequence length, batch
    d, h, ff, L, B = 32, 4, 64, 10, 2
    layer = nn.TransformerEncoderLayer(d, h, ff, batch_first=batch_first)
    x = torch.randn(B, L, d) if batch_first else torch.randn(L, B, d)
    projections = B * L * (3 * d * d + d * d)  # Q, K, V in; output projection
    attention = B * h * (L * L * (d // h)) * 2  # Q K^T and A V per head
    feed_forward = B * L * (d * ff + ff * d)
    expected = projections + attention + feed_forward
    # in training mode and in eval mode (where PyTorch's fused fast path would hide it all)
    assert count_macs(layer.train(), x) == expected
    assert count_macs(layer.eval(), x) == expected
    assert not layer.training  # the mode is restored


def test_multihead_attention_macs_by_hand_with_and_without_weights():
    d, h, Lq, Lk, B = 24, 3, 7, 11, 2
    mha = nn.MultiheadAttention(d, h, batch_first=True)
    q, kv = torch.randn(B, Lq, d), torch.randn(B, Lk, d)
    expected = B * Lq * d * d + 2 * B * Lk * d * d + B * Lq * d * d + 2 * B * Lq * Lk * d
    assert count_macs(mha, (q, kv, kv)) == expected  # need_weights=True: explicit bmm
    wrapped = _NoWeights(mha)
    assert count_macs(wrapped, (q, kv, kv)) == expected  # fused scaled_dot_product_attention


class _NoWeights(nn.Module):
    def __init__(self, mha):
        super().__init__()
        self.mha = mha

    def forward(self, q, k, v):
        return self.mha(q, k, v, need_weights=False)[0]


def test_scaled_dot_product_attention_macs():
    B, H, L, S, E, Ev = 2, 4, 5, 6, 8, 3

    class Attention(nn.Module):
        def forward(self, q, k, v):
            return nn.functional.scaled_dot_product_attention(q, k, v)

    q, k, v = torch.randn(B, H, L, E), torch.randn(B, H, S, E), torch.randn(B, H, S, Ev)
    assert count_macs(Attention(), (q, k, v)) == B * H * (L * S * E + L * S * Ev)


@pytest.mark.parametrize("kind, gates", [(nn.LSTM, 4), (nn.GRU, 3), (nn.RNN, 1)])
def test_recurrent_macs_by_hand(kind, gates):
    n_in, hidden, T, B = 8, 16, 10, 3
    rnn = kind(n_in, hidden, batch_first=True)
    per_step = gates * (n_in * hidden + hidden * hidden)
    assert count_macs(rnn, torch.randn(B, T, n_in)) == B * T * per_step
    # two layers, both directions: the second layer reads 2 * hidden
    deep = kind(n_in, hidden, num_layers=2, bidirectional=True)
    first = 2 * gates * (n_in * hidden + hidden * hidden)
    second = 2 * gates * (2 * hidden * hidden + hidden * hidden)
    per_step = first + second
    assert count_macs(deep, torch.randn(T, B, n_in)) == B * T * per_step


def test_lstm_with_projection_and_cells_by_hand():
    n_in, hidden, proj, T, B = 6, 12, 4, 5, 2
    lstm = nn.LSTM(n_in, hidden, proj_size=proj, batch_first=True)
    per_step = 4 * hidden * (n_in + proj) + hidden * proj
    assert count_macs(lstm, torch.randn(B, T, n_in)) == B * T * per_step
    x = torch.randn(B, n_in)
    assert count_macs(nn.LSTMCell(n_in, hidden), x) == B * 4 * hidden * (n_in + hidden)
    assert count_macs(nn.GRUCell(n_in, hidden), x) == B * 3 * hidden * (n_in + hidden)


def test_recurrent_layer_inside_a_network_is_counted_once():
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.gru = nn.GRU(4, 8, batch_first=True)
            self.head = nn.Linear(8, 3)

        def forward(self, x):
            return self.head(self.gru(x)[0][:, -1])

    B, T = 2, 6
    assert count_macs(Net(), torch.randn(B, T, 4)) == B * T * 3 * (4 * 8 + 8 * 8) + B * 8 * 3


def test_peak_activation_of_one_block_by_hand():
    # x (3 x 16) -> conv (8 x 16) -> batch norm (8 x 16) -> relu_ (in place) -> pool (8 x 8)
    # -> mean (8) -> dropout (eval: returns its input) -> linear (4); float32, batch 2.
    net = CNN1D(3, 4, channels=(8,))
    f32, B = 4, 2
    conv = bn = B * 8 * 16 * f32
    assert peak_activation_bytes(net, torch.zeros(B, 3, 16)) == conv + bn  # while batch norm runs
    assert net.training  # the mode is restored


def test_peak_activation_views_add_nothing_and_keep_their_base_alive():
    class Views(nn.Module):
        def forward(self, x):
            y = x * 2  # a buffer
            v = y.view(-1)  # a view of y: no bytes, and y lives as long as v
            u = x + 1  # a buffer while x and y are alive: 3 buffers, the peak
            return v + u.view(-1)  # x is freed by now: y, u and the output

    x = torch.zeros(2, 3, 5)
    n = x.numel() * 4
    assert peak_activation_bytes(Views(), x) == 3 * n  # 4 * n if views took bytes


def test_peak_activation_counts_the_attention_scores():
    B, H, L, E = 1, 2, 16, 4

    class Attention(nn.Module):
        def forward(self, q):
            return nn.functional.scaled_dot_product_attention(q, q, q)

    q = torch.zeros(B, H, L, E)
    # the input and the output, plus the (B, H, L, L) scores while the node runs
    assert peak_activation_bytes(Attention(), q) == 2 * q.numel() * 4 + B * H * L * L * 4


@pytest.mark.parametrize("name", list_models())
def test_every_registered_model_can_be_profiled(name):
    fixed = {"n_timesteps": 64} if get_model_info(name).fixed_length else {}
    net = create_model(name, n_channels=3, n_classes=4, **fixed)
    x = torch.zeros(1, 3, 64)
    assert count_params(net) > 0
    assert count_macs(net, x) > 0
    assert peak_activation_bytes(net, x) >= x.numel() * 4
