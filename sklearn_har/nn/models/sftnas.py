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

import torch
from torch import nn

from ..layers import ChannelMask, MixedOp

__all__ = ["SFTSearchStage", "DerivedStage", "SensorSelect", "n_downsampling"]


def n_downsampling(n_timesteps):
    """The paper's ``N = floor(log2(T / 4))`` stride-2 layers (at least 0)."""
    return max(0, int(math.floor(math.log2(n_timesteps / 4)))) if n_timesteps >= 4 else 0


class _Conv(nn.Module):
    """A convolution candidate: Conv (1, k) along time, BatchNorm, ReLU, its filter mask."""

    def __init__(self, f_in, f_out, kernel, stride, threshold):
        super().__init__()
        self.kernel, self.stride = kernel, stride
        self.conv = nn.Conv2d(f_in, f_out, (1, kernel), stride=(1, stride),
                              padding=(0, kernel // 2), bias=False)
        self.bn = nn.BatchNorm2d(f_out)
        self.act = nn.ReLU()
        self.mask = ChannelMask(f_out, threshold)

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
    """

    def __init__(self, n_channels, n_timesteps, filters=64, kernels=(1, 3, 5, 7),
                 identity=True, threshold=0.5):
        super().__init__()
        if any(k < 1 or k % 2 == 0 for k in kernels):
            raise ValueError(f"SFTSearchStage: kernels must be odd ints >= 1; got {kernels}.")
        self.n_channels, self.n_timesteps, self.filters = n_channels, n_timesteps, filters
        self.input_mask = ChannelMask(n_channels, threshold)
        strides = [1, 2] * n_downsampling(n_timesteps) or [1]
        self.strides = strides
        layers, f_in = [], 1
        for stride in strides:
            ops = [_Conv(f_in, filters, k, stride, threshold) for k in kernels]
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

    def expected_macs(self):
        """``sum_i sum_j p_ij * b_(i-1) * b_ij * c0 * T_i * k_j`` (eq. 11 without the square):
        the multiply-accumulates of the stage the current choice and masks give, per window.

        With one-hot choices and hard masks it is the MAC count of :meth:`derive`'s stage.
        """
        c0 = self.input_mask.n_kept()
        n_in = torch.ones((), device=c0.device)
        total = torch.zeros((), device=c0.device)
        for p, cands, _, t_out in self._walk():
            n_out = torch.zeros((), device=c0.device)
            for j, (k, kept) in enumerate(cands):
                out_j = n_in if kept is None else kept
                total = total + p[j] * n_in * out_j * c0 * t_out * k
                n_out = n_out + p[j] * out_j
            n_in = n_out
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

    # -- the discrete network ----------------------------------------------
    def derive(self):
        """The discrete stage: chosen operators, pruned sensors and filters removed."""
        sensors = torch.nonzero(self.input_mask.kept()).flatten().tolist()
        if not sensors:
            raise ValueError("SFTSearchStage.derive: the input mask keeps no sensor channel.")
        layers, kept_in, report = [], torch.tensor([0]), []
        for layer in self.layers:
            j = layer.chosen()
            op = layer.ops[j]
            if not isinstance(op, _Conv):
                report.append({"op": layer.names[j], "filters": int(kept_in.numel())})
                continue
            kept = torch.nonzero(op.mask.kept()).flatten()
            if kept.numel() == 0:
                raise ValueError(f"SFTSearchStage.derive: layer {len(report)} keeps no filter.")
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
            report.append({"op": layer.names[j], "filters": int(kept.numel())})
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
