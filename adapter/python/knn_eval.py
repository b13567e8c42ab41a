"""Held-out scoring of a fractal adapter, as the seed: leave-one-out cosine 5-NN majority vote per level."""

from typing import Dict, List

import torch
import torch.nn.functional as F

from fractal_head import FractalHeadV5

KNN_K = 5


def knn_accuracy(emb: torch.Tensor, labels: torch.Tensor, k: int = KNN_K) -> float:
    """Leave-one-out cosine k-NN majority vote (ties → smallest label code)."""
    e = F.normalize(emb, dim=-1)
    sims = e @ e.T
    sims.fill_diagonal_(-float("inf"))
    nn_idx = sims.topk(k, dim=1).indices
    pred = torch.mode(labels[nn_idx], dim=1).values
    return float((pred == labels).float().mean())


@torch.no_grad()
def embed_eval(model: FractalHeadV5, x: torch.Tensor) -> Dict:
    model.eval()
    out = model(x)
    return {"blocks": out["blocks"], "full": out["full_embedding"]}


def score_levels(emb: torch.Tensor, labels: torch.Tensor) -> List[float]:
    return [knn_accuracy(emb, labels[:, l]) for l in range(labels.shape[1])]


def held_out_table(model: FractalHeadV5, x: torch.Tensor, labels: torch.Tensor, columns: List[str]) -> Dict:
    """Raw input vs full vs every prefix, per level; steerability as in the seed's paper:
    (coarsest@prefix1 − coarsest@full) + (finest@full − finest@prefix1)."""
    out = embed_eval(model, x)
    rows = {"raw": score_levels(x, labels), "full": score_levels(out["full"], labels)}
    for j in range(1, model.num_scales + 1):
        rows[f"prefix{j}"] = score_levels(model.get_prefix_embedding(out["blocks"], j), labels)
    p1, full = rows["prefix1"], rows["full"]
    steer = (p1[0] - full[0]) + (full[-1] - p1[-1])
    return {"cells": int(x.shape[0]), "k": KNN_K, "levels": columns,
            "accuracy": {k: [round(v, 4) for v in vals] for k, vals in rows.items()},
            "steerability": round(steer, 4)}


def format_accs(columns: List[str], accs: List[float]) -> str:
    return " ".join(f"{c}={a:.4f}" for c, a in zip(columns, accs))
