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
def knn_accuracy_vs(ref: torch.Tensor, ref_labels: torch.Tensor, q: torch.Tensor, q_labels: torch.Tensor,
                    k: int = KNN_K, chunk: int = 1024) -> float:
    """Cosine k-NN majority vote of query cells among reference cells (as the index serves them)."""
    r = F.normalize(ref, dim=-1)
    hits = 0
    for s in range(0, q.shape[0], chunk):
        qq = F.normalize(q[s:s + chunk], dim=-1)
        nn_idx = (qq @ r.T).topk(min(k, r.shape[0]), dim=1).indices
        pred = torch.mode(ref_labels[nn_idx], dim=1).values
        hits += int((pred == q_labels[s:s + chunk]).sum())
    return hits / max(q.shape[0], 1)


@torch.no_grad()
def served_vs_reference(model: FractalHeadV5, x_ref: torch.Tensor, y_ref: torch.Tensor, x_q: torch.Tensor,
                        y_q: torch.Tensor) -> Dict[str, List[float]]:
    """Per level j: accuracy of query cells searched among reference cells, raw input vs prefix j."""
    ref, qry = embed_eval(model, x_ref), embed_eval(model, x_q)
    levels = y_q.shape[1]
    raw = [knn_accuracy_vs(x_ref, y_ref[:, l], x_q, y_q[:, l]) for l in range(levels)]
    served = [knn_accuracy_vs(model.get_prefix_embedding(ref["blocks"], l + 1), y_ref[:, l],
                              model.get_prefix_embedding(qry["blocks"], l + 1), y_q[:, l]) for l in range(levels)]
    return {"raw": raw, "served": served}


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
