"""The adapter's training losses and positive sampling (train.py's recipe: InfoNCE, in-batch margin)."""

import numpy as np
import torch
import torch.nn.functional as F

TEMPERATURE = 0.07
MARGIN = 0.2


def info_nce(anchor: torch.Tensor, positive: torch.Tensor) -> torch.Tensor:
    logits = anchor @ positive.T / TEMPERATURE
    return F.cross_entropy(logits, torch.arange(anchor.shape[0]))


def margin_loss(emb: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """relu(mean negative similarity − mean positive similarity + margin), over rows that have both."""
    sims = emb @ emb.T
    same = labels.unsqueeze(1) == labels.unsqueeze(0)
    eye = torch.eye(len(labels), dtype=torch.bool)
    pos = (same & ~eye).float()
    neg = (~same).float()
    n_pos, n_neg = pos.sum(1), neg.sum(1)
    valid = (n_pos > 0) & (n_neg > 0)
    if not bool(valid.any()):
        return emb.new_zeros(())
    mean_pos = (sims * pos).sum(1) / n_pos.clamp(min=1)
    mean_neg = (sims * neg).sum(1) / n_neg.clamp(min=1)
    return F.relu(mean_neg[valid] - mean_pos[valid] + MARGIN).mean()


class PositiveSampler:
    """Draws, for each anchor, a uniformly random other cell with the same label at one level."""

    def __init__(self, labels: np.ndarray):
        order = np.argsort(labels, kind="stable")
        sorted_labels = labels[order]
        self.order = order
        self.counts = np.bincount(labels)
        self.starts = np.concatenate([[0], np.cumsum(self.counts)[:-1]])
        self.rank = np.empty(len(labels), dtype=np.int64)
        self.rank[order] = np.arange(len(labels)) - self.starts[sorted_labels]
        self.labels = labels

    def sample(self, idx: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        lab = self.labels[idx]
        cnt = self.counts[lab]
        others = np.maximum(cnt - 1, 1)
        off = (rng.random(len(idx)) * others).astype(np.int64)
        # skip the anchor itself when its label has another cell
        off = np.where((cnt > 1) & (off >= self.rank[idx]), off + 1, off)
        off = np.where(cnt > 1, off, 0)
        return self.order[self.starts[lab] + off]
