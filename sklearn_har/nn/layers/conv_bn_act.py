"""``Conv1d -> norm -> activation``: the basic block of the convolutional networks."""

import inspect

from torch import nn

__all__ = ["ConvBnAct", "create_act"]


def create_act(act_layer, inplace=False):
    """An activation module from a type (``None`` gives ``nn.Identity``).

    ``inplace`` is passed only to activations whose constructor takes it.
    """
    if act_layer is None:
        return nn.Identity()
    try:
        accepts_inplace = "inplace" in inspect.signature(act_layer).parameters
    except (TypeError, ValueError):  # builtins without a signature
        accepts_inplace = False
    return act_layer(inplace=inplace) if accepts_inplace else act_layer()


class ConvBnAct(nn.Sequential):
    """``Conv1d -> norm_layer -> act_layer`` on ``(B, C_in, T)``, giving ``(B, C_out, T')``.

    A :class:`~torch.nn.Sequential` with children ``0`` (conv), ``1`` (norm) and
    ``2`` (activation), so a state dict reads ``0.weight``, ``1.running_mean``, ...
    (the parameter names of :class:`~sklearn_har.nn.CNN1D` since its first
    release). The three are also reachable as ``.conv``, ``.norm`` and ``.act``.

    Parameters
    ----------
    in_channels, out_channels : int
    kernel_size : int
    stride : int, default=1
    padding : int or None, default=None
        ``None`` pads by ``kernel_size // 2`` (``T' == T`` for odd kernels at stride 1).
    dilation, groups : int, default=1
    bias : bool, default=False
        The convolution's bias (redundant in front of a batch norm).
    norm_layer : type or None, default=nn.BatchNorm1d
        Called as ``norm_layer(out_channels)``; ``None`` for no normalisation.
    act_layer : type or None, default=nn.ReLU
        Called with no argument (``inplace=act_inplace`` where it takes one);
        ``None`` for no activation.
    act_inplace : bool, default=True

    Examples
    --------
    >>> import torch
    >>> from sklearn_har.nn.layers import ConvBnAct
    >>> ConvBnAct(9, 16, 5)(torch.zeros(2, 9, 128)).shape
    torch.Size([2, 16, 128])
    """

    def __init__(
        self,
        in_channels,
        out_channels,
        kernel_size,
        *,
        stride=1,
        padding=None,
        dilation=1,
        groups=1,
        bias=False,
        norm_layer=nn.BatchNorm1d,
        act_layer=nn.ReLU,
        act_inplace=True,
    ):
        if padding is None:
            padding = kernel_size // 2
        super().__init__(
            nn.Conv1d(
                in_channels,
                out_channels,
                kernel_size,
                stride=stride,
                padding=padding,
                dilation=dilation,
                groups=groups,
                bias=bias,
            ),
            norm_layer(out_channels) if norm_layer is not None else nn.Identity(),
            create_act(act_layer, inplace=act_inplace),
        )

    @property
    def conv(self):
        return self[0]

    @property
    def norm(self):
        return self[1]

    @property
    def act(self):
        return self[2]
