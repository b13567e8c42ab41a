#!/usr/bin/env python3
"""Trains a fractal adapter (FractalHeadV5) on a training bundle with the seed's recipe, then exports ONNX.

    /usr/bin/python3 adapter/python/train.py --bundle DIR --num-levels 4 --scale-dim 32 --out adapter.onnx

Recipe (the reference train.py): loss = L_full + 0.6·L_prefix, where
  L_full   = InfoNCE(full, full(positive of the finest level)) + 0.5·margin + CE(head_leaf)
             on the full path with per-block dropout (keep probabilities per number of levels);
  L_prefix = InfoNCE(prefix_j, full(positive of level j)) + 0.5·margin (+ CE(head_top) if j = 1,
             CE(head_leaf) if j = S), j = the batch's mode of per-cell sampled prefix lengths;
InfoNCE τ = 0.07, in-batch margin 0.2; AdamW (wd 0.01), cosine schedule per step, grad clip 1.0; early
stopping on the sum over levels of the 5-NN accuracy of held-out cells searched among the training cells at
the prefix that serves each level (prefix j for level j, as the index does).

Scaled to the reference (see recipe.py's ``scaled_recipe``; each value only where its flag is not given): batch size
and learning rate from the number of training cells, epochs so that training runs about 2,000 optimizer
steps, patience a fifth of the epochs. 100k cells get the seed's 256 / 1e-4 / 20 epochs; 425 cells get
32 / 1e-3 / 154 epochs (13 steps per epoch). Any input width: the attention uses the largest head count ≤ 8
that divides it (one token per cell, so the head count does not change what the block computes).

At the end the trainer compares, per level, the held-out cells' 5-NN accuracy when searched among the training
cells (as an index serves them) with the raw input and with the fractal prefix that serves the level (the
held-out cells also pick the best epoch, which favours the adapter a little); a level where the adapter is worse gets one warning line suggesting the identity
adapter, and --require-gain makes that an error (exit 3, nothing exported).
"""

import argparse
import json
import math
import os
import random
import sys
import time

# Busy-waiting OpenMP workers crawl when the 2 cores are shared (measured ~5x slower per step): wait passively.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bundle import BundleError, read_bundle  # noqa: E402
from export import build_metadata, export_onnx  # noqa: E402
from fractal_head import FractalHeadV5  # noqa: E402
from recipe import choose_num_heads, losses_to_raw, scaled_recipe  # noqa: E402
from knn_eval import KNN_K, embed_eval, format_accs, held_out_table, score_levels, served_vs_reference  # noqa: E402

TEMPERATURE = 0.07
MARGIN = 0.2
MARGIN_WEIGHT = 0.5
CLASS_WEIGHT = 1.0
PREFIX_WEIGHT = 0.6
WEIGHT_DECAY = 0.01
GRAD_CLIP = 1.0
VAL_EVAL_CELLS = 2000  # cells scored after every epoch (as the seed)
REF_CELLS = 20000  # training cells the held-out cells are searched among, as the index would serve them

PREFIX_PROBS = {2: [0.6, 0.4], 3: [0.45, 0.35, 0.2], 4: [0.4, 0.3, 0.2, 0.1]}
BLOCK_KEEP_PROBS = {2: [0.95, 0.7], 3: [0.95, 0.85, 0.7], 4: [0.95, 0.9, 0.8, 0.7]}


def log(msg: str) -> None:
    print(msg, flush=True)


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


def train(args) -> int:
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    np.random.seed(args.seed)
    random.seed(args.seed)
    rng = np.random.default_rng(args.seed)

    t_start = time.time()
    bundle = read_bundle(args.bundle, args.max_samples)
    S = args.num_levels
    if len(bundle.level_columns) < S:
        raise BundleError(f"the bundle has {len(bundle.level_columns)} levels, --num-levels {S} needs {S}")
    cols = bundle.level_columns[:S]
    vocabs = bundle.vocabularies[:S]
    emb = bundle.embeddings
    labels = bundle.labels[:, :S]
    n, dim = emb.shape
    num_heads = choose_num_heads(dim)

    perm = np.random.RandomState(args.seed).permutation(n)
    n_val = int(n * args.val_ratio)
    val_idx, train_idx = perm[:n_val], perm[n_val:]
    args.batch_size, args.lr, args.epochs, args.patience = scaled_recipe(
        len(train_idx), args.batch_size, args.lr, args.epochs, args.patience)
    if len(train_idx) < args.batch_size or n_val < KNN_K + 1:
        raise BundleError(f"{n} cells are too few for batch size {args.batch_size} and val ratio {args.val_ratio}")
    x_train = torch.from_numpy(emb[train_idx])
    y_train = labels[train_idx]
    x_val = torch.from_numpy(emb[val_idx])
    y_val = torch.from_numpy(labels[val_idx])
    samplers = [PositiveSampler(y_train[:, l]) for l in range(S)]
    y_train_t = torch.from_numpy(y_train)

    model = FractalHeadV5(dim, S, args.scale_dim, len(vocabs[0]), len(vocabs[-1]), num_heads=num_heads, dropout=0.1)
    prefix_probs = torch.tensor(PREFIX_PROBS[S])
    keep_probs = torch.tensor(BLOCK_KEEP_PROBS[S])
    steps_per_epoch = len(train_idx) // args.batch_size
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=WEIGHT_DECAY)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=args.epochs * steps_per_epoch)
    log(f"train: {n} cells ({len(train_idx)} train, {n_val} held out), input {dim}, "
        f"{S} levels {cols}, {S}×{args.scale_dim} output, {sum(p.numel() for p in model.parameters()):,} "
        f"parameters, {steps_per_epoch} steps/epoch, {args.threads} threads")
    log(f"train: recipe batch {args.batch_size}, lr {args.lr:.2g}, up to {args.epochs} epochs, patience "
        f"{args.patience}, {num_heads} attention head{'s' if num_heads > 1 else ''}")
    log(f"train: classes per level {[len(v) for v in vocabs]}")

    x_eval, y_eval = x_val[:VAL_EVAL_CELLS], y_val[:VAL_EVAL_CELLS]
    x_ref, y_ref = x_train[:REF_CELLS], y_train_t[:REF_CELLS]
    raw_acc = score_levels(x_eval, y_eval)
    log(f"raw input   held-out 5-NN: {format_accs(cols, raw_acc)}")

    best_score, best_state, best_epoch, no_improve, history = -math.inf, None, 0, 0, []
    arange_s = torch.arange(S)
    for epoch in range(1, args.epochs + 1):
        t0 = time.time()
        model.train()
        order = rng.permutation(len(train_idx))
        total, steps, skipped = 0.0, 0, 0
        for b in range(steps_per_epoch):
            idx = order[b * args.batch_size:(b + 1) * args.batch_size]
            anchor = x_train[idx]
            ylab = y_train_t[idx]
            bs = len(idx)

            # full path: the finest level's positive, per-block dropout
            pos_leaf = x_train[samplers[S - 1].sample(idx, rng)]
            full_mask = (torch.rand(bs, S) <= keep_probs).float()
            full = model(anchor, block_dropout_mask=full_mask)["full_embedding"]
            pos_full = model(pos_leaf)["full_embedding"]
            leaf = ylab[:, S - 1]
            loss_full = (info_nce(full, pos_full) + MARGIN_WEIGHT * margin_loss(full, leaf)
                         + CLASS_WEIGHT * F.cross_entropy(model.classify_leaf(full), leaf))

            # prefix path: per-cell prefix lengths mask later blocks; the batch mode picks the level
            lengths = torch.multinomial(prefix_probs.expand(bs, -1), 1).squeeze(-1) + 1
            prefix_mask = (arange_s.unsqueeze(0) < lengths.unsqueeze(1)).float()
            j = int(lengths.mode().values)
            blocks = model(anchor, block_dropout_mask=prefix_mask)["blocks"]
            prefix = model.get_prefix_embedding(blocks, j)
            pos_lvl = model(x_train[samplers[j - 1].sample(idx, rng)])["full_embedding"]
            lvl = ylab[:, j - 1]
            loss_prefix = info_nce(prefix, pos_lvl) + MARGIN_WEIGHT * margin_loss(prefix, lvl)
            if j == 1:
                loss_prefix = loss_prefix + CLASS_WEIGHT * F.cross_entropy(model.classify_top(prefix), lvl)
            elif j == S:
                loss_prefix = loss_prefix + CLASS_WEIGHT * F.cross_entropy(model.classify_leaf(prefix), lvl)

            loss = loss_full + PREFIX_WEIGHT * loss_prefix
            opt.zero_grad()
            if torch.isnan(loss):
                skipped += 1
                continue
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), GRAD_CLIP)
            opt.step()
            sched.step()
            total += float(loss)
            steps += 1

        accs = score_levels(embed_eval(model, x_eval)["full"], y_eval)
        # select on what serving sees: held-out cells searched among training cells, level j at prefix j
        served = served_vs_reference(model, x_ref, y_ref, x_eval, y_eval)["served"]
        score = sum(served)
        history.append({"epoch": epoch, "loss": total / max(steps, 1), "val": accs, "val_served": served,
                        "seconds": time.time() - t0})
        log(f"epoch {epoch}/{args.epochs} loss={total / max(steps, 1):.4f} held-out 5-NN: "
            f"{format_accs(cols, accs)} ({time.time() - t0:.1f}s{f', {skipped} NaN steps skipped' if skipped else ''})")
        if score > best_score:
            best_score, best_epoch, no_improve = score, epoch, 0
            best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
        else:
            no_improve += 1
            if no_improve >= args.patience:
                log(f"early stopping after epoch {epoch} (best epoch {best_epoch})")
                break
    if best_state is not None:
        model.load_state_dict(best_state)
    model.eval()
    train_seconds = time.time() - t_start

    table = held_out_table(model, x_val[:args.eval_cells], y_val[:args.eval_cells], cols)
    log(f"held-out 5-NN on {table['cells']} cells (best epoch {best_epoch}):")
    for name, accs in table["accuracy"].items():
        log(f"  {name:<8} {format_accs(cols, accs)}")
    log(f"  steerability {table['steerability']:+.4f}")
    vs = served_vs_reference(model, x_ref, y_ref, x_val[:args.eval_cells], y_val[:args.eval_cells])
    table["served_vs_train"] = {"reference_cells": int(x_ref.shape[0]), "raw": [round(v, 4) for v in vs["raw"]],
                                "fractal": [round(v, 4) for v in vs["served"]]}
    log(f"held-out cells searched among {x_ref.shape[0]} training cells (as served), 5-NN per level, raw input vs "
        f"the prefix that serves the level:")
    for j, c in enumerate(cols):
        r, f = vs["raw"][j], vs["served"][j]
        log(f"  {c:<16} raw {r:.4f}  fractal {f:.4f} (prefix {j + 1})  {f - r:+.4f}")
    worse = losses_to_raw(vs["raw"], vs["served"], cols)
    if worse:
        what = ", ".join(f"{c} ({f:.4f} < {r:.4f})" for c, f, r in worse)
        log(f"warning: the adapter is worse than the raw embeddings at {what}; the identity adapter may serve "
            f"this reference better (fractal-atlas build --adapter identity)")

    recipe = {
        "trainer": "adapter/python/train.py", "architecture": "FractalHeadV5",
        "num_levels": S, "scale_dim": args.scale_dim, "num_heads": num_heads, "dropout": 0.1,
        "temperature": TEMPERATURE, "margin": MARGIN, "margin_weight": MARGIN_WEIGHT,
        "class_weight": CLASS_WEIGHT, "prefix_weight": PREFIX_WEIGHT,
        "prefix_probs": PREFIX_PROBS[S], "block_keep_probs": BLOCK_KEEP_PROBS[S],
        "optimizer": "AdamW", "lr": args.lr, "weight_decay": WEIGHT_DECAY, "schedule": "cosine per step",
        "grad_clip": GRAD_CLIP, "epochs": args.epochs, "epochs_run": len(history), "best_epoch": best_epoch,
        "batch_size": args.batch_size, "max_samples": args.max_samples, "val_ratio": args.val_ratio,
        "patience": args.patience, "seed": args.seed, "threads": args.threads,
        "train_cells": int(len(train_idx)), "val_cells": int(n_val), "train_seconds": round(train_seconds, 1),
        "torch": torch.__version__, "source": bundle.source,
    }
    if args.checkpoint:
        # the reference layout, plus extra keys that export.py also understands
        torch.save({
            "model_state_dict": model.state_dict(),
            "config": {"input_dim": dim, "num_scales": S, "scale_dim": args.scale_dim, "num_heads": num_heads,
                       "num_l0_classes": len(vocabs[0]), "num_l1_classes": len(vocabs[-1]), "num_levels": S},
            "level_names": vocabs,
            "level_columns": cols, "fingerprint": bundle.fingerprint, "recipe": recipe, "validation": table,
        }, args.checkpoint)
        log(f"saved checkpoint {args.checkpoint}")
    if worse and args.require_gain:
        print(f"train: the adapter is worse than the raw embeddings at {', '.join(c for c, _, _ in worse)}; "
              f"nothing exported (--require-gain)", file=sys.stderr)
        return 3
    meta = build_metadata(model, cols, vocabs, bundle.fingerprint, recipe, table)
    export_onnx(model, args.out, meta)
    log(f"exported {args.out} ({os.path.getsize(args.out) / 1e6:.2f} MB) after {train_seconds:.0f}s of training")
    if args.metrics_out:
        with open(args.metrics_out, "w", encoding="utf-8") as f:
            json.dump({"recipe": recipe, "history": history, "held_out": table}, f, indent=2)
    return 0


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description="Train a fractal adapter on a fractal-atlas training bundle")
    p.add_argument("--bundle", required=True, help="folder written by `fractal-atlas export-training-set`")
    p.add_argument("--out", required=True, help="ONNX file to write")
    p.add_argument("--num-levels", type=int, default=2, choices=[2, 3, 4])
    p.add_argument("--scale-dim", type=int, default=64)
    p.add_argument("--epochs", type=int, default=None, help="default: scaled to the number of cells")
    p.add_argument("--batch-size", type=int, default=None, help="default: scaled to the number of cells")
    p.add_argument("--lr", type=float, default=None, help="default: scaled to the number of cells")
    p.add_argument("--max-samples", type=int, default=100_000)
    p.add_argument("--val-ratio", type=float, default=0.15)
    p.add_argument("--patience", type=int, default=None, help="default: a fifth of the epochs, 5..30")
    p.add_argument("--require-gain", action="store_true",
                   help="fail (exit 3, nothing exported) when the adapter is worse than the raw input at a level")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--threads", type=int, default=2, help="torch intra-op threads")
    p.add_argument("--eval-cells", type=int, default=5000, help="held-out cells in the final table")
    p.add_argument("--checkpoint", default=None, help="also save a reference-layout .pt checkpoint")
    p.add_argument("--metrics-out", default=None, help="write recipe, history and held-out table as JSON")
    args = p.parse_args(argv)
    for name in ("scale_dim", "epochs", "batch_size", "threads", "eval_cells", "patience"):
        if getattr(args, name) is not None and getattr(args, name) < 1:
            p.error(f"--{name.replace('_', '-')} must be ≥ 1")
    if not (0 < args.val_ratio < 1) or (args.lr is not None and not args.lr > 0) or args.max_samples < 0:
        p.error("--val-ratio must be in (0, 1), --lr > 0, --patience ≥ 1, --max-samples ≥ 0")
    try:
        return train(args)
    except BundleError as e:
        print(f"train: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
