"""SFTNAS (seed 003): a searchable first stage that prunes sensors, filters and time.

The first stage of a HAR network (TinyHAR, DeepConvLSTM: per-sensor temporal
convolutions) becomes a supernet (sec. IV, Figures 3-4):

- a DCS mask on the input selects sensor channels (eq. 1);
- ``N = floor(log2(T / 4))`` stride-2 layers interleaved with stride-1 layers
  (stride 1, then 2, ``N`` times), each a :class:`~sklearn_har.nn.layers.MixedOp`
  over convolutions of kernel 1, 3, 5, 7 (along time, per sensor) and, where
  shapes allow, an identity (eq. 5-7); every convolution candidate ends in its
  own DCS mask over its filters (eq. 2);
- the stage works on ``(B, filters, sensors, time)``, as TinyHAR's first stage.

Design choices where the paper is silent (documented in the docs):

- the identity is a candidate only in stride-1 layers (a stride-2 layer always
  halves the time axis, which is what the search space is built around) and
  only where input and output filter counts match (not the first layer);
- the input mask is applied again to the stage's output, so that a pruned
  sensor's row is exactly zero downstream (a zero input row would otherwise
  become a constant row after BatchNorm and ReLU), which makes the masked
  supernet and the derived network with the sensor physically dropped agree.

``expected_macs`` (the quantity inside eq. 11) and ``peak_memory`` (eq. 12) are
differentiable in the masks (straight-through) and the operator choice (Gumbel);
:meth:`SFTSearchStage.derive` returns the discrete stage with pruned sensors and
filters removed from the tensors.
"""

from __future__ import annotations

import math
import warnings

import torch
from torch import nn

from ..layers import ChannelMask, MixedOp
from ._base import WindowNet, check_positive_int
from ._registry import register_model

__all__ = [
    "BACKENDS",
    "ConvBackend",
    "DeepConvLSTM",
    "DeepConvLSTMBackend",
    "DerivedStage",
    "IndividualConvStage",
    "SFTNASNet",
    "SFTNet",
    "SFTSearchStage",
    "SensorSelect",
    "TinyHAR",
    "TinyHARBackend",
    "n_downsampling",
]


def n_downsampling(n_timesteps):
    """The paper's ``N = floor(log2(T / 4))`` stride-2 layers (at least 0)."""
    return max(0, int(math.floor(math.log2(n_timesteps / 4)))) if n_timesteps >= 4 else 0


def _at_least_one(mask, what):
    """Indices a DCS mask keeps; its best-scoring one (with a warning) when it keeps none."""
    kept = torch.nonzero(mask.kept()).flatten()
    if kept.numel():
        return kept
    warnings.warn(f"SFTNAS: the search pruned every channel of {what}; the highest-scoring "
                  "one is kept. A smaller beta1 / beta2 or a larger max_memory_kb prunes less.",
                  UserWarning, stacklevel=3)
    return mask.scores.detach().argmax().reshape(1)


class _Conv(nn.Module):
    """A convolution candidate: Conv (1, k) along time, BatchNorm, ReLU, its filter mask."""

    def __init__(self, f_in, f_out, kernel, stride, threshold, mask_init=1.0):
        super().__init__()
        self.kernel, self.stride = kernel, stride
        self.conv = nn.Conv2d(f_in, f_out, (1, kernel), stride=(1, stride),
                              padding=(0, kernel // 2), bias=False)
        self.bn = nn.BatchNorm2d(f_out)
        self.act = nn.ReLU()
        self.mask = ChannelMask(f_out, threshold, init=mask_init)

    def forward(self, x):
        return self.mask(self.act(self.bn(self.conv(x))))


class SFTSearchStage(nn.Module):
    """The searchable first stage: windows ``(B, C, T)`` in, maps ``(B, F, C, T')`` out.

    Parameters
    ----------
    n_channels, n_timesteps : int
        Sensor channels ``C`` and window length ``T``.
    filters : int, default=64
        Filters of every searchable layer before pruning.
    kernels : tuple of int, default=(1, 3, 5, 7)
        Odd kernel sizes of the convolution candidates.
    identity : bool, default=True
        Offer an identity candidate in stride-1 layers (where shapes allow).
    threshold : float, default=0.5
        Of every DCS mask.
    mask_init : float, default=1.0
        Initial score of every DCS mask (kept while above ``threshold``).
    """

    def __init__(self, n_channels, n_timesteps, filters=64, kernels=(1, 3, 5, 7),
                 identity=True, threshold=0.5, mask_init=1.0):
        super().__init__()
        if any(k < 1 or k % 2 == 0 for k in kernels):
            raise ValueError(f"SFTSearchStage: kernels must be odd ints >= 1; got {kernels}.")
        self.n_channels, self.n_timesteps, self.filters = n_channels, n_timesteps, filters
        self.input_mask = ChannelMask(n_channels, threshold, init=mask_init)
        strides = [1, 2] * n_downsampling(n_timesteps) or [1]
        self.strides = strides
        layers, f_in = [], 1
        for stride in strides:
            ops = [_Conv(f_in, filters, k, stride, threshold, mask_init) for k in kernels]
            names = [f"conv{k}" for k in kernels]
            if identity and stride == 1 and f_in == filters:
                ops.append(nn.Identity())
                names.append("identity")
            layers.append(MixedOp(ops, names))
            f_in = filters
        self.layers = nn.ModuleList(layers)

    def set_tau(self, tau):
        for layer in self.layers:
            layer.tau = float(tau)

    def arch_parameters(self):
        """The architecture logits (``alpha``) of every layer."""
        return [layer.alpha for layer in self.layers]

    def forward(self, x):
        x = self.input_mask(x).unsqueeze(1)  # (B, 1, C, T)
        for layer in self.layers:
            x = layer(x)
        return x * self.input_mask.mask().reshape(1, 1, -1, 1)  # pruned sensors: zero rows

    # -- costs -------------------------------------------------------------
    def _walk(self):
        """Per layer: (choice p, [(kernel, kept filters or None for identity)], T_in, T_out)."""
        t = self.n_timesteps
        for layer, stride in zip(self.layers, self.strides):
            p = layer.last_choice if (layer.training and layer.last_choice is not None) \
                else layer.choice()
            t_out = -(-t // stride)
            cands = [(op.kernel, op.mask.n_kept()) if isinstance(op, _Conv) else (0, None)
                     for op in layer.ops]
            yield p, cands, t, t_out
            t = t_out

    def _candidate_macs(self):
        """Per layer: the choice ``p`` and each candidate's MACs per window (0-d tensors),
        with the expected filter count of the layer before as its input width."""
        c0 = self.input_mask.n_kept()
        n_in = torch.ones((), device=c0.device)
        for p, cands, _, t_out in self._walk():
            n_out = torch.zeros((), device=c0.device)
            macs = []
            for j, (k, kept) in enumerate(cands):
                out_j = n_in if kept is None else kept
                macs.append(n_in * out_j * c0 * t_out * k)
                n_out = n_out + p[j] * out_j
            yield p, macs
            n_in = n_out

    def expected_macs(self):
        """``sum_i sum_j p_ij * b_(i-1) * b_ij * c0 * (s_(i-1) / t_i) * k_j`` (the terms of
        eq. 11, unsquared): the stage's multiply-accumulates per window for the current
        choice and masks, differentiable in both.

        With one-hot choices and hard masks it is the MAC count of :meth:`derive`'s stage.
        """
        total = torch.zeros((), device=self.input_mask.scores.device)
        for p, macs in self._candidate_macs():
            total = total + sum(p[j] * m for j, m in enumerate(macs))
        return total

    def max_macs(self):
        """MACs of the largest stage of the space (every sensor and filter kept, the
        largest kernel in every layer): the unit :meth:`complexity_loss` counts in."""
        kmax, t, f_in, total = max(op.kernel for op in self.layers[0].ops), self.n_timesteps, 1, 0
        for stride in self.strides:
            t = -(-t // stride)
            total += f_in * self.filters * self.n_channels * t * kmax
            f_in = self.filters
        return float(total)

    def complexity_loss(self):
        """Eq. 11: ``sum_i sum_j p_ij * |MACs_ij|^2``, with MACs in units of :meth:`max_macs`
        (a constant factor, which ``beta1`` absorbs, keeping the loss of order one)."""
        unit = self.max_macs()
        total = torch.zeros((), device=self.input_mask.scores.device)
        for p, macs in self._candidate_macs():
            total = total + sum(p[j] * (m / unit) ** 2 for j, m in enumerate(macs))
        return total

    def layer_memory(self, bytes_per_value=1):
        """Eq. 12 per layer: input + output activations (int8 by default), a list of 0-d tensors."""
        c0 = self.input_mask.n_kept()
        n_in = torch.ones((), device=c0.device)
        out = []
        for p, cands, t_in, t_out in self._walk():
            n_out = sum(p[j] * (n_in if kept is None else kept) for j, (_, kept) in
                        enumerate(cands))
            out.append((n_in * c0 * t_in + n_out * c0 * t_out) * bytes_per_value)
            n_in = n_out
        return out

    def peak_memory(self, bytes_per_value=1):
        """``PMem``: the largest :meth:`layer_memory` (bytes)."""
        return torch.stack(self.layer_memory(bytes_per_value)).max()

    def memory_loss(self, limit_bytes, bytes_per_value=1):
        """Eq. 13: ``log(PMem / L_Mem)`` above the limit, 0 below (and no gradient there)."""
        limit = float(limit_bytes)
        return torch.log(self.peak_memory(bytes_per_value).clamp(min=limit) / limit)

    # -- the discrete network ----------------------------------------------
    def derive(self):
        """The discrete stage: chosen operators, pruned sensors and filters removed.

        A mask that keeps nothing would leave no network: its highest-scoring
        channel is kept, with a :class:`UserWarning` naming the mask.
        """
        sensors = _at_least_one(self.input_mask, "the input mask (sensor channels)").tolist()
        layers, kept_in, report = [], torch.tensor([0]), []
        for layer, stride in zip(self.layers, self.strides):
            j = layer.chosen()
            op = layer.ops[j]
            if not isinstance(op, _Conv):
                report.append({"stride": stride, "op": layer.names[j],
                               "filters": int(kept_in.numel())})
                continue
            kept = _at_least_one(op.mask,
                                 f"the filter mask of layer {len(report)} ({layer.names[j]})")
            conv = nn.Conv2d(int(kept_in.numel()), int(kept.numel()), (1, op.kernel),
                             stride=(1, op.stride), padding=(0, op.kernel // 2), bias=False)
            bn = nn.BatchNorm2d(int(kept.numel()))
            with torch.no_grad():
                conv.weight.copy_(op.conv.weight[kept][:, kept_in])
                for name in ("weight", "bias", "running_mean", "running_var"):
                    getattr(bn, name).copy_(getattr(op.bn, name)[kept])
                bn.num_batches_tracked.copy_(op.bn.num_batches_tracked)
            bn.eps, bn.momentum = op.bn.eps, op.bn.momentum
            layers += [conv, bn, nn.ReLU()]
            report.append({"stride": stride, "op": layer.names[j], "filters": int(kept.numel())})
            kept_in = kept
        return DerivedStage(self.n_channels, sensors, nn.Sequential(*layers),
                            kept_in.tolist()), report


class SensorSelect(nn.Module):
    """Keep the given channels of ``(B, C, T)``, as slices of consecutive channels
    concatenated (export-friendly: no int64 gather, few concatenated pieces)."""

    def __init__(self, n_channels, keep):
        super().__init__()
        keep = sorted(int(c) for c in keep)
        if not keep or keep[0] < 0 or keep[-1] >= n_channels:
            raise ValueError(f"SensorSelect: channels {keep} out of range for {n_channels}.")
        runs, start = [], keep[0]
        for a, b in zip(keep, keep[1:] + [None]):
            if b != a + 1:
                runs.append((start, a + 1))
                start = b
        self.n_channels, self.keep, self.runs = n_channels, keep, runs

    def forward(self, x):
        if len(self.runs) == 1:
            a, b = self.runs[0]
            return x if (a, b) == (0, self.n_channels) else x[:, a:b]
        return torch.cat([x[:, a:b] for a, b in self.runs], dim=1)

    def extra_repr(self):
        return f"keep={self.keep} of {self.n_channels}"


class DerivedStage(nn.Module):
    """A derived first stage: kept sensors selected, then plain convolutions on
    ``(B, F, C_kept, T')``."""

    def __init__(self, n_channels, sensors, body, filters_out):
        super().__init__()
        self.select = SensorSelect(n_channels, sensors)
        self.body = body
        self.sensors = list(sensors)
        self.filters_out = list(filters_out)

    def forward(self, x):
        return self.body(self.select(x).unsqueeze(1))


# ---------------------------------------------------------------------------
# the fixed first stage of TinyHAR / DeepConvLSTM (the baselines of Table II)
# ---------------------------------------------------------------------------
class IndividualConvStage(nn.Module):
    """The individual convolution block: per-sensor temporal convolutions, ``(B, C, T)`` in,
    ``(B, F, C, T')`` out.

    Each layer is ``Conv (1, kernel)`` along time (shared over sensors, with a bias),
    ReLU and, with ``norm``, BatchNorm after the ReLU (TinyHAR's order).

    Parameters
    ----------
    n_channels : int
    filters : int, default=64
    strides : tuple of int, default=(1, 2, 1, 2)
        One per layer (TinyHAR: 1, 2, 1, 2; DeepConvLSTM: 1, 1, 1, 1).
    kernel : int, default=5
    norm : bool, default=True
    padding : {"same", "valid"}, default="same"
        ``"valid"`` is the original networks' (no padding: 128 steps become 26 in
        TinyHAR, so windows shorter than about 30 steps do not run); ``"same"`` pads
        ``kernel // 2`` on each side and runs on any length.
    """

    def __init__(self, n_channels, filters=64, strides=(1, 2, 1, 2), kernel=5, norm=True,
                 padding="same"):
        super().__init__()
        if padding not in ("same", "valid"):
            raise ValueError(f"IndividualConvStage: padding must be 'same' or 'valid'; "
                             f"got {padding!r}.")
        layers, f_in = [], 1
        pad = kernel // 2 if padding == "same" else 0
        for stride in strides:
            layers += [nn.Conv2d(f_in, filters, (1, kernel), stride=(1, stride),
                                 padding=(0, pad)), nn.ReLU()]
            if norm:
                layers.append(nn.BatchNorm2d(filters))
            f_in = filters
        self.body = nn.Sequential(*layers)
        self.sensors = list(range(n_channels))
        self.filters_out = list(range(filters))

    def forward(self, x):
        return self.body(x.unsqueeze(1))


# ---------------------------------------------------------------------------
# later stages (the part SFTNAS keeps, sized by the first stage's output)
# ---------------------------------------------------------------------------
class TinyHARBackend(nn.Module):
    """TinyHAR's stages after the convolutions (Zhou et al., ISWC 2022), on ``(B, F, C, T)``.

    Cross-channel interaction (self-attention over the ``C`` sensor tokens of each
    time step, query / key / value without bias, added back with a learned
    ``gamma``), cross-channel fusion (the ``C * F`` values of a step through a linear
    layer to ``2F``, ReLU), an LSTM of ``2F`` units over time, and temporal
    attention aggregation (``tanh`` scores, softmax over time, the weighted sum
    added with a learned ``gamma`` to the last step). With ``F = 64`` on 9 channels
    and 6 classes (head included) this is 298,185 parameters, as the 298.18 k of
    seed 003 Table II.
    """

    def __init__(self, filters, n_sensors, hidden=None):
        super().__init__()
        hidden = 2 * filters if hidden is None else hidden
        self.query = nn.Linear(filters, filters, bias=False)
        self.key = nn.Linear(filters, filters, bias=False)
        self.value = nn.Linear(filters, filters, bias=False)
        # TinyHAR starts both gammas at 0; 0.1 lets query, key and the temporal
        # scores learn from the first step
        self.gamma_interaction = nn.Parameter(torch.full((1,), 0.1))
        self.fusion = nn.Linear(n_sensors * filters, hidden)
        self.lstm = nn.LSTM(hidden, hidden, batch_first=True)
        self.score_hidden = nn.Linear(hidden, hidden)
        self.score = nn.Linear(hidden, 1)
        self.gamma_temporal = nn.Parameter(torch.full((1,), 0.1))
        self.n_features = hidden

    def features(self, x):
        b, f, c, t = x.shape
        tokens = x.permute(0, 3, 2, 1).reshape(b * t, c, f)
        q, k, v = self.query(tokens), self.key(tokens), self.value(tokens)
        attn = torch.softmax(q @ k.transpose(1, 2) / math.sqrt(f), dim=-1)
        tokens = tokens + self.gamma_interaction * (attn @ v)
        fused = torch.relu(self.fusion(tokens.reshape(b, t, c * f)))
        out, _ = self.lstm(fused)
        return out.transpose(1, 2)  # (B, 2F, T)

    def pool(self, h):
        seq = h.transpose(1, 2)  # (B, T, 2F)
        weights = torch.softmax(self.score(torch.tanh(self.score_hidden(seq))), dim=1)
        context = (weights * seq).sum(dim=1)
        return seq[:, -1] + self.gamma_temporal * context


class DeepConvLSTMBackend(nn.Module):
    """DeepConvLSTM's recurrent stage (Ordóñez and Roggen, 2016), on ``(B, F, C, T)``: the
    ``C * F`` values of each step into an LSTM, its last step as the features.

    ``hidden`` defaults to ``2F`` (128 at 64 filters) and ``lstm_layers`` to 1, which
    gives the 424.26 k parameters of seed 003 Table II on UCI-HAR (the original paper
    stacks two layers: ``lstm_layers=2``).
    """

    def __init__(self, filters, n_sensors, hidden=None, lstm_layers=1):
        super().__init__()
        hidden = 2 * filters if hidden is None else hidden
        self.lstm = nn.LSTM(n_sensors * filters, hidden, num_layers=lstm_layers,
                            batch_first=True)
        self.n_features = hidden

    def features(self, x):
        b, f, c, t = x.shape
        out, _ = self.lstm(x.permute(0, 3, 2, 1).reshape(b, t, c * f))
        return out.transpose(1, 2)

    def pool(self, h):
        return h[:, :, -1]


class ConvBackend(nn.Module):
    """A pure-convolution later stage a microcontroller runs under TFLite Micro.

    Sensor fusion as one convolution whose kernel spans every kept sensor
    (``Conv (C, 1)``: TinyHAR's fusion layer, applied at every step), BatchNorm,
    ReLU, then a temporal convolution (kernel 3) with BatchNorm and ReLU, and the
    mean over time. ``2F`` channels throughout. No LSTM, no attention: only
    CONV_2D, MEAN and FULLY_CONNECTED after int8 conversion.
    """

    def __init__(self, filters, n_sensors, hidden=None):
        super().__init__()
        hidden = 2 * filters if hidden is None else hidden
        self.fusion = nn.Sequential(
            nn.Conv2d(filters, hidden, (n_sensors, 1), bias=False),
            nn.BatchNorm2d(hidden), nn.ReLU())
        self.temporal = nn.Sequential(
            nn.Conv2d(hidden, hidden, (1, 3), padding=(0, 1), bias=False),
            nn.BatchNorm2d(hidden), nn.ReLU())
        self.n_features = hidden

    def features(self, x):
        return self.temporal(self.fusion(x)).flatten(1, 2)  # (B, 2F, T)

    def pool(self, h):
        return h.mean(dim=-1)


#: the later stages SFTNAS searches a first stage for
BACKENDS = {"tinyhar": TinyHARBackend, "deepconvlstm": DeepConvLSTMBackend, "conv": ConvBackend}
#: dropout before the head, per backend (DeepConvLSTM: 0.5 as Ordóñez and Roggen)
_DROPOUT = {"tinyhar": 0.1, "deepconvlstm": 0.5, "conv": 0.1}


def _backend(name, filters, n_sensors):
    if name not in BACKENDS:
        raise ValueError(f"The 'backend' parameter must be one of {sorted(BACKENDS)}. "
                         f"Got {name!r} instead.")
    return BACKENDS[name](filters, n_sensors)


# ---------------------------------------------------------------------------
# networks
# ---------------------------------------------------------------------------
class _StagedNet(WindowNet):
    """``stage`` (windows to ``(B, F, C', T')`` maps), ``backend`` (to ``(B, D, T'')``, then
    pooled to ``(B, D)``), the linear head."""

    def forward_features(self, x):
        self.check_input(x)
        return self.backend.features(self.stage(x))

    def forward_head(self, x, pre_logits=False):
        features = self.backend.pool(x)
        return features if pre_logits else self.head(self.dropout(features))


class SFTNet(_StagedNet):
    """A first stage (``(B, C, T)`` to ``(B, F, C', T')``) followed by a later stage
    (:data:`BACKENDS`) and a linear head: TinyHAR, DeepConvLSTM, and every network
    SFTNAS derives.

    Parameters
    ----------
    n_channels, n_classes : int
    stage : nn.Module
        Has ``sensors`` (the input channels it keeps) and ``filters_out``.
    backend : nn.Module
        Has ``features(maps) -> (B, D, T')``, ``pool(h) -> (B, D)`` and ``n_features``.
    dropout : float, default=0.1
    """

    def __init__(self, n_channels, n_classes, stage, backend, dropout=0.1):
        super().__init__()
        self.n_channels = check_positive_int(n_channels, "n_channels", type(self).__name__)
        self.stage = stage
        self.backend = backend
        self.init_head(backend.n_features, n_classes, dropout)

    @property
    def sensors(self):
        """Input channels the network reads (all others are ignored)."""
        return list(self.stage.sensors)

    def architecture(self):
        """The shape of a derived network as data (:meth:`from_architecture` rebuilds it)."""
        if not isinstance(self.stage, DerivedStage):
            raise TypeError(f"{type(self).__name__}.architecture: only a derived network "
                            "(SFTNASNet.derive) has one; this one is built from its "
                            "parameters.")
        names = {cls: name for name, cls in BACKENDS.items()}
        convs = [m for m in self.stage.body if isinstance(m, nn.Conv2d)]
        return {"n_channels": self.n_channels, "n_classes": self.head.out_features,
                "sensors": list(self.stage.sensors), "filters_out": self.stage.filters_out,
                "convs": [[c.in_channels, c.out_channels, c.kernel_size[1], c.stride[1]]
                          for c in convs],
                "backend": names[type(self.backend)], "dropout": self.dropout.p}

    @classmethod
    def from_architecture(cls, arch):
        """A network of the shape :meth:`architecture` describes (fresh weights)."""
        layers = []
        for f_in, f_out, kernel, stride in arch["convs"]:
            layers += [nn.Conv2d(f_in, f_out, (1, kernel), stride=(1, stride),
                                 padding=(0, kernel // 2), bias=False),
                       nn.BatchNorm2d(f_out), nn.ReLU()]
        stage = DerivedStage(arch["n_channels"], arch["sensors"], nn.Sequential(*layers),
                             arch["filters_out"])
        backend = _backend(arch["backend"], len(arch["filters_out"]), len(arch["sensors"]))
        return cls(arch["n_channels"], arch["n_classes"], stage, backend, arch["dropout"])



class TinyHAR(SFTNet):
    """TinyHAR (Zhou et al., ISWC 2022), the network of seed 003 Table II.

    Four convolutions (kernel 5, strides 1, 2, 1, 2, ReLU then BatchNorm) per
    sensor, then :class:`TinyHARBackend`. ``filters=64``: 298,185 parameters on
    9 channels and 6 classes (Table II: 298.18 k).
    """

    def __init__(self, n_channels, n_classes, filters=64, dropout=0.1, padding="same"):
        super().__init__(n_channels, n_classes,
                         IndividualConvStage(n_channels, filters, (1, 2, 1, 2), 5, True, padding),
                         TinyHARBackend(filters, n_channels), dropout)


class DeepConvLSTM(SFTNet):
    """DeepConvLSTM (Ordóñez and Roggen, 2016) as counted in seed 003 Table II.

    Four convolutions (kernel 5, stride 1, ReLU, no normalisation) per sensor,
    then :class:`DeepConvLSTMBackend` (one LSTM of ``2 * filters`` units: 424,262
    parameters on 9 channels and 6 classes, Table II's 424.26 k).
    """

    def __init__(self, n_channels, n_classes, filters=64, lstm_layers=1, dropout=0.5,
                 padding="same"):
        super().__init__(n_channels, n_classes,
                         IndividualConvStage(n_channels, filters, (1, 1, 1, 1), 5, False, padding),
                         DeepConvLSTMBackend(filters, n_channels, lstm_layers=lstm_layers),
                         dropout)


class SFTNASNet(_StagedNet):
    """The SFTNAS supernet: :class:`SFTSearchStage` then a later stage (``backend``) sized
    for every sensor and ``filters`` filters, and a linear head.

    Training it is the search (``SFTNASClassifier`` does it); :meth:`derive` then
    returns the discrete :class:`SFTNet` whose later stage is rebuilt at the width
    the search found (``F`` = filters the last searched layer keeps, ``C'`` = kept
    sensors), as TinyHAR's and DeepConvLSTM's widths follow their filter count; it
    starts from fresh weights there and is trained again (the fine-tuning).

    Parameters
    ----------
    n_channels, n_classes, n_timesteps : int
    backend : {"tinyhar", "deepconvlstm", "conv"}, default="tinyhar"
    filters : int, default=64
        Of every searchable layer before pruning (TinyHAR's 64).
    kernels : tuple of int, default=(1, 3, 5, 7)
    identity : bool, default=True
    threshold : float, default=0.5
    mask_init : float, default=1.0
    dropout : float, optional
        Before the head; default 0.5 for DeepConvLSTM, else 0.1.
    """

    def __init__(self, n_channels, n_classes, n_timesteps, backend="tinyhar", filters=64,
                 kernels=(1, 3, 5, 7), identity=True, threshold=0.5, mask_init=1.0,
                 dropout=None):
        super().__init__()
        owner = type(self).__name__
        self.n_channels = check_positive_int(n_channels, "n_channels", owner)
        self.n_classes = check_positive_int(n_classes, "n_classes", owner)
        check_positive_int(filters, "filters", owner)
        self.backend_name = backend
        self.stage = SFTSearchStage(n_channels, check_positive_int(n_timesteps, "n_timesteps",
                                                                   owner),
                                    filters, tuple(kernels), identity, threshold, mask_init)
        self.backend = _backend(backend, filters, n_channels)
        self.init_head(self.backend.n_features, n_classes,
                       _DROPOUT[backend] if dropout is None else dropout)


    def arch_parameters(self):
        """The architecture logits ``alpha`` (the upper level of the bi-level problem)."""
        return self.stage.arch_parameters()

    def weight_parameters(self):
        """Weights and mask scores (the lower level): every parameter but ``alpha``."""
        arch = {id(p) for p in self.arch_parameters()}
        return [p for p in self.parameters() if id(p) not in arch]

    def set_tau(self, tau):
        self.stage.set_tau(tau)

    def complexity_loss(self):
        return self.stage.complexity_loss()

    def memory_loss(self, limit_bytes):
        return self.stage.memory_loss(limit_bytes)

    def derive(self):
        """``(net, report)``: the discrete :class:`SFTNet` (pruned sensors and filters
        removed, later stage rebuilt at the found width) and, per searched layer, the
        chosen operator and its filter count."""
        stage, report = self.stage.derive()
        backend = _backend(self.backend_name, len(stage.filters_out), len(stage.sensors))
        net = SFTNet(self.n_channels, self.n_classes, stage, backend, self.dropout.p)
        return net, report


_RNN = ("an LSTM (TFLite Micro's int8 path has no recurrent kernel the export accepts); "
        "SFTNASClassifier(backend='conv') gives a pure-convolution network that goes")


@register_model(module=TinyHAR, family="tinyhar", default=True, mcu=False, mcu_notes=_RNN)
def tinyhar(n_channels, n_classes, **kwargs):
    """TinyHAR: per-sensor convolutions, sensor self-attention, fusion, LSTM, temporal attention."""
    return TinyHAR(n_channels, n_classes, **kwargs)


@register_model(module=DeepConvLSTM, family="deepconvlstm", default=True, mcu=False,
                mcu_notes=_RNN)
def deepconvlstm(n_channels, n_classes, **kwargs):
    """DeepConvLSTM: four per-sensor convolutions and an LSTM."""
    return DeepConvLSTM(n_channels, n_classes, **kwargs)
