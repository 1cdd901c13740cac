"""A Transformer encoder over a short token sequence, read through a [class] token.

Seed 004 sec. 3.3: a learnable position embedding added to each slice feature, a
learnable [class] token in front (as BERT and ViT), ``torch.nn.TransformerEncoder``
layers (pre-norm, GELU), and the [class] token's output as the sequence's summary.
"""

import torch
from torch import nn

__all__ = ["ClassTokenEncoder"]


class ClassTokenEncoder(nn.Module):
    """Tokens ``(B, L, dim)`` -> the [class] token's output ``(B, dim)``.

    Parameters
    ----------
    dim : int
    n_tokens : int
        Sequence length ``L`` the position embedding is learned for (fixed).
    depth : int
        Encoder layers.
    heads : int, default=4
        Attention heads (``dim`` must be a multiple).
    mlp_ratio : float, default=4.0
    dropout : float, default=0.1

    Examples
    --------
    >>> import torch
    >>> from sklearn_har.nn.layers import ClassTokenEncoder
    >>> ClassTokenEncoder(32, n_tokens=6, depth=2)(torch.randn(3, 6, 32)).shape
    torch.Size([3, 32])
    """

    def __init__(self, dim, n_tokens, depth, heads=4, mlp_ratio=4.0, dropout=0.1):
        super().__init__()
        if dim % heads:
            raise ValueError(f"ClassTokenEncoder: dim ({dim}) must be a multiple of heads "
                             f"({heads}).")
        self.n_tokens = n_tokens
        self.cls_token = nn.Parameter(torch.zeros(1, 1, dim))
        self.pos_embed = nn.Parameter(torch.zeros(1, n_tokens + 1, dim))
        nn.init.trunc_normal_(self.pos_embed, std=0.02)
        nn.init.trunc_normal_(self.cls_token, std=0.02)
        layer = nn.TransformerEncoderLayer(dim, heads, int(dim * mlp_ratio), dropout,
                                           activation="gelu", batch_first=True,
                                           norm_first=True)
        # no nested tensors: every sequence has the same length, and export needs plain ones
        self.encoder = nn.TransformerEncoder(layer, depth, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(dim)

    def forward(self, tokens):
        if tokens.dim() != 3 or tokens.shape[1] != self.n_tokens:
            raise ValueError(f"ClassTokenEncoder expects tokens of shape (batch, "
                             f"{self.n_tokens}, dim). Got {tuple(tokens.shape)}.")
        cls = self.cls_token.expand(tokens.shape[0], -1, -1)
        x = torch.cat([cls, tokens], dim=1) + self.pos_embed
        return self.norm(self.encoder(x))[:, 0]
