"""FractalHeadV5, the fractal adapter network, with the reference's module names.

The attribute names and module nesting below are what make the state-dict keys
(``input_proj.*``, ``norm.*``, ``attn.*``, ``ffn.0.*``, ``ffn.3.*``, ``ffn_norm.*``,
``scale_projs.{i}.0/1.*``, ``head_top.0/1.*``, ``head_leaf.0/1.*``, ``final_norm.*``)
identical to the reference train.py, so its checkpoints load unchanged. Do not rename them.
"""

from typing import Dict, List, Optional

import torch
import torch.nn as nn
import torch.nn.functional as F


def injection_weight(scale_idx: int) -> float:
    """Weight of the residual re-injection of the projected input after scale ``scale_idx``."""
    return 0.1 / (1 + 0.3 * scale_idx)


class FractalHeadV5(nn.Module):
    """Input projection, one shared pre-norm attention + GELU FFN block applied ``num_scales`` times,
    one LayerNorm+Linear projection per scale, and two classification heads used only in training."""

    def __init__(self, input_dim: int, num_scales: int = 4, scale_dim: int = 64,
                 num_l0_classes: int = 10, num_l1_classes: int = 100,
                 num_heads: int = 8, dropout: float = 0.1):
        super().__init__()
        self.input_dim = input_dim
        self.num_scales = num_scales
        self.scale_dim = scale_dim
        self.total_dim = num_scales * scale_dim

        self.input_proj = nn.Linear(input_dim, input_dim)
        self.norm = nn.LayerNorm(input_dim)
        self.attn = nn.MultiheadAttention(input_dim, num_heads, dropout=dropout, batch_first=True)
        self.ffn = nn.Sequential(
            nn.Linear(input_dim, 4 * input_dim),
            nn.GELU(),
            nn.Dropout(dropout),
            nn.Linear(4 * input_dim, input_dim),
        )
        self.ffn_norm = nn.LayerNorm(input_dim)
        self.scale_projs = nn.ModuleList(
            [nn.Sequential(nn.LayerNorm(input_dim), nn.Linear(input_dim, scale_dim)) for _ in range(num_scales)]
        )
        # Both heads read a total_dim vector; shorter prefixes arrive zero-padded.
        self.head_top = nn.Sequential(nn.LayerNorm(self.total_dim), nn.Linear(self.total_dim, num_l0_classes))
        self.head_leaf = nn.Sequential(nn.LayerNorm(self.total_dim), nn.Linear(self.total_dim, num_l1_classes))
        self.final_norm = nn.LayerNorm(self.total_dim)

    def forward(self, x: torch.Tensor, block_dropout_mask: Optional[torch.Tensor] = None) -> Dict:
        """x: [batch, input_dim]. Returns ``blocks`` (list of [batch, scale_dim], raw) and
        ``full_embedding`` ([batch, total_dim], final LayerNorm then L2-normalised)."""
        h = self.input_proj(x.unsqueeze(1))  # one token per cell
        h0 = h
        blocks: List[torch.Tensor] = []
        for i in range(self.num_scales):
            q = self.norm(h)
            a, _ = self.attn(q, q, q)
            h = h + a
            h = h + self.ffn(self.ffn_norm(h))
            h = h + injection_weight(i) * h0
            blocks.append(self.scale_projs[i](h.squeeze(1)))
        if block_dropout_mask is not None:
            blocks = [b * block_dropout_mask[:, i:i + 1] for i, b in enumerate(blocks)]
        full = F.normalize(self.final_norm(torch.cat(blocks, dim=-1)), dim=-1)
        return {"blocks": blocks, "full_embedding": full}

    def get_prefix_embedding(self, blocks: List[torch.Tensor], prefix_len: int) -> torch.Tensor:
        """First ``prefix_len`` blocks, zero-padded to total_dim, L2-normalised (padding leaves the norm unchanged)."""
        p = torch.cat(blocks[:prefix_len], dim=-1)
        pad = self.total_dim - p.shape[-1]
        if pad > 0:
            p = torch.cat([p, p.new_zeros(p.shape[0], pad)], dim=-1)
        return F.normalize(p, dim=-1)

    def classify_top(self, embedding: torch.Tensor) -> torch.Tensor:
        return self.head_top(embedding)

    def classify_leaf(self, embedding: torch.Tensor) -> torch.Tensor:
        return self.head_leaf(embedding)


def build_from_config(config: Dict) -> FractalHeadV5:
    """Builds the head from a reference checkpoint's ``config`` dict."""
    return FractalHeadV5(
        input_dim=int(config["input_dim"]),
        num_scales=int(config["num_scales"]),
        scale_dim=int(config["scale_dim"]),
        num_l0_classes=int(config["num_l0_classes"]),
        num_l1_classes=int(config["num_l1_classes"]),
        num_heads=int(config.get("num_heads", 8)),
        dropout=0.1,
    )
