"""SCimilarity's expression encoder, rebuilt for loading its model folder (model_v1.1 and kin).

The module tree reproduces the state-dict key layout of SCimilarity's ``Encoder``, so its ``encoder.ckpt``
(``{"state_dict": ...}``) loads with ``strict=True``:

    network.0 = Sequential(Dropout, Linear(n_genes -> h0), BatchNorm1d(h0), PReLU)   keys network.0.1.*, .2.*, .3.*
    network.i = Sequential(Dropout, Linear(h(i-1) -> hi), BatchNorm1d(hi), PReLU)    0 < i < len(hidden)
    network.L = Linear(h_last -> latent)                                             keys network.L.*
    output    = L2-normalised (torch.nn.functional.normalize, p=2, dim=1)

In the residual form the input of each hidden block after the first is added to its output. Sizes come from
``layer_sizes.json`` (state-dict key -> shape), never hard-coded: the 2-d ``weight`` entries in layer order
give the hidden sizes (all but the last) and the latent size (the last).
"""

import json
import os
import re
from typing import Dict, List, Sequence, Tuple

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

CHECKPOINT_FILE = "encoder.ckpt"
GENE_ORDER_FILE = "gene_order.tsv"
LAYER_SIZES_FILE = "layer_sizes.json"
# SCimilarity's lognorm_counts: sc.pp.normalize_total(target_sum=1e4) then sc.pp.log1p.
TARGET_SUM = 1e4


class ScimilarityEncoder(nn.Module):
    """Expression profile (log-normalised, in gene order) -> unit-norm latent embedding."""

    def __init__(self, n_genes: int, latent_dim: int, hidden_dims: Sequence[int], residual: bool = False,
                 dropout: float = 0.5, input_dropout: float = 0.4):
        super().__init__()
        if len(hidden_dims) == 0:
            raise ValueError("the encoder needs at least one hidden layer")
        if residual and len(set(hidden_dims)) != 1:
            raise ValueError(f"the residual form needs equal hidden sizes, got {list(hidden_dims)}")
        self.n_genes = n_genes
        self.latent_dim = latent_dim
        self.hidden_dims = list(hidden_dims)
        self.residual = residual
        self.network = nn.ModuleList()
        width = n_genes
        for i, h in enumerate(hidden_dims):
            self.network.append(nn.Sequential(
                nn.Dropout(p=input_dropout if i == 0 else dropout),
                nn.Linear(width, h),
                nn.BatchNorm1d(h),
                nn.PReLU(),
            ))
            width = h
        self.network.append(nn.Linear(width, latent_dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        last = len(self.network) - 1
        for i, layer in enumerate(self.network):
            y = layer(x)
            x = y + x if self.residual and 0 < i < last else y
        return F.normalize(x, p=2, dim=1)


class CountsEncoder(nn.Module):
    """Aligned raw counts -> embedding: per-cell total to TARGET_SUM over the aligned genes, log1p, encoder.

    This is what the exported ONNX graph computes, so the normalisation is part of every parity check. A cell
    without counts keeps zeros (as scanpy's normalize_total does), though the Node side refuses such cells.
    """

    def __init__(self, encoder: ScimilarityEncoder, target_sum: float = TARGET_SUM):
        super().__init__()
        self.encoder = encoder
        self.target_sum = float(target_sum)

    def forward(self, counts: torch.Tensor) -> torch.Tensor:
        total = counts.sum(dim=1, keepdim=True)
        total = torch.where(total > 0, total, torch.ones_like(total))
        return self.encoder(torch.log1p(counts / (total / self.target_sum)))


def lognorm_reference(counts: np.ndarray, target_sum: float = TARGET_SUM) -> np.ndarray:
    """scanpy's normalize_total + log1p in float32 numpy, as SCimilarity's lognorm_counts applies them."""
    x = counts.astype(np.float32, copy=True)
    per_cell = x.sum(axis=1)
    per_cell = per_cell + (per_cell == 0)
    per_cell = per_cell / np.float32(target_sum)
    np.divide(x, per_cell[:, None], out=x)
    return np.log1p(x)


def read_gene_order(path: str) -> List[str]:
    with open(path, "r", encoding="utf-8") as fh:
        genes = [line.strip() for line in fh]
    # A trailing newline gives no gene; an empty line inside the file would be a gene named "".
    while genes and genes[-1] == "":
        genes.pop()
    if not genes:
        raise ValueError(f"{path} lists no genes")
    blank = [i for i, g in enumerate(genes) if g == ""]
    if blank:
        raise ValueError(f"{path}: line {blank[0] + 1} is empty")
    return genes


def _layer_index(key: str) -> Tuple[int, ...]:
    return tuple(int(p) for p in re.findall(r"\d+", key))


def parse_layer_sizes(sizes: Dict[str, Sequence[int]]) -> Tuple[int, List[int], int]:
    """(n_genes, hidden_dims, latent_dim) from layer_sizes.json: its 2-d weights in layer order."""
    weights = sorted(((k, list(v)) for k, v in sizes.items() if "weight" in k and len(v) > 1), key=lambda kv: _layer_index(kv[0]))
    if len(weights) < 2:
        raise ValueError(f"{LAYER_SIZES_FILE} lists {len(weights)} 2-d weights; an encoder has at least 2 (hidden + output)")
    n_genes = weights[0][1][1]
    hidden = [v[0] for _, v in weights[:-1]]
    latent = weights[-1][1][0]
    for (k, v), prev in zip(weights[1:], [w[1][0] for w in weights[:-1]]):
        if v[1] != prev:
            raise ValueError(f"{LAYER_SIZES_FILE}: {k} takes {v[1]} inputs but the layer before gives {prev}")
    return n_genes, hidden, latent


def load_scimilarity_folder(folder: str, residual: bool = False):
    """Loads (encoder in eval mode, gene order, layer sizes) from a SCimilarity model folder."""
    for name in (CHECKPOINT_FILE, GENE_ORDER_FILE, LAYER_SIZES_FILE):
        if not os.path.isfile(os.path.join(folder, name)):
            raise ValueError(f"{folder} is not a SCimilarity model folder: {name} is missing")
    genes = read_gene_order(os.path.join(folder, GENE_ORDER_FILE))
    with open(os.path.join(folder, LAYER_SIZES_FILE), "r", encoding="utf-8") as fh:
        sizes = json.load(fh)
    if not isinstance(sizes, dict):
        raise ValueError(f"{LAYER_SIZES_FILE} must map state-dict keys to shapes")
    n_genes, hidden, latent = parse_layer_sizes(sizes)
    if n_genes != len(genes):
        raise ValueError(f"{LAYER_SIZES_FILE} says the first layer takes {n_genes} genes but {GENE_ORDER_FILE} lists {len(genes)}")
    ckpt = torch.load(os.path.join(folder, CHECKPOINT_FILE), map_location="cpu")
    if not isinstance(ckpt, dict) or "state_dict" not in ckpt:
        raise ValueError(f"{CHECKPOINT_FILE} does not hold a {{'state_dict': ...}} dictionary")
    encoder = ScimilarityEncoder(n_genes, latent, hidden, residual=residual)
    encoder.load_state_dict(ckpt["state_dict"], strict=True)
    encoder.eval()
    return encoder, genes, sizes
