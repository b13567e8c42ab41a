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
from types import SimpleNamespace

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
from losses import MARGIN, TEMPERATURE, PositiveSampler, info_nce, margin_loss  # noqa: E402

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


def prepare(args):
    """Reads the bundle, splits train / held-out cells (seeded) and scales the recipe to the cell count."""
    bundle = read_bundle(args.bundle, args.max_samples)
    S = args.num_levels
    if len(bundle.level_columns) < S:
        raise BundleError(f"the bundle has {len(bundle.level_columns)} levels, --num-levels {S} needs {S}")
    emb, labels = bundle.embeddings, bundle.labels[:, :S]
    n, dim = emb.shape
    perm = np.random.RandomState(args.seed).permutation(n)
    n_val = int(n * args.val_ratio)
    val_idx, train_idx = perm[:n_val], perm[n_val:]
    args.batch_size, args.lr, args.epochs, args.patience = scaled_recipe(
        len(train_idx), args.batch_size, args.lr, args.epochs, args.patience)
    if len(train_idx) < args.batch_size or n_val < KNN_K + 1:
        raise BundleError(f"{n} cells are too few for batch size {args.batch_size} and val ratio {args.val_ratio}")
    y_train = labels[train_idx]
    return SimpleNamespace(
        bundle=bundle, S=S, cols=bundle.level_columns[:S], vocabs=bundle.vocabularies[:S], n=n, dim=dim,
        num_heads=choose_num_heads(dim), n_train=len(train_idx), n_val=n_val,
        x_train=torch.from_numpy(emb[train_idx]), y_train=torch.from_numpy(y_train),
        x_val=torch.from_numpy(emb[val_idx]), y_val=torch.from_numpy(labels[val_idx]),
        samplers=[PositiveSampler(y_train[:, l]) for l in range(S)])


def batch_loss(model, d, idx, rng, prefix_probs, keep_probs, arange_s):
    """One step's loss: the full path (finest level's positive, per-block dropout) + the weighted prefix path."""
    S = d.S
    anchor, ylab, bs = d.x_train[idx], d.y_train[idx], len(idx)
    pos_leaf = d.x_train[d.samplers[S - 1].sample(idx, rng)]
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
    pos_lvl = model(d.x_train[d.samplers[j - 1].sample(idx, rng)])["full_embedding"]
    lvl = ylab[:, j - 1]
    loss_prefix = info_nce(prefix, pos_lvl) + MARGIN_WEIGHT * margin_loss(prefix, lvl)
    if j == 1:
        loss_prefix = loss_prefix + CLASS_WEIGHT * F.cross_entropy(model.classify_top(prefix), lvl)
    elif j == S:
        loss_prefix = loss_prefix + CLASS_WEIGHT * F.cross_entropy(model.classify_leaf(prefix), lvl)
    return loss_full + PREFIX_WEIGHT * loss_prefix


def run_epoch(model, d, args, opt, sched, rng):
    """One pass over the training cells; returns (mean loss, NaN steps skipped)."""
    prefix_probs, keep_probs, arange_s = torch.tensor(PREFIX_PROBS[d.S]), torch.tensor(BLOCK_KEEP_PROBS[d.S]), torch.arange(d.S)
    model.train()
    order = rng.permutation(d.n_train)
    total, steps, skipped = 0.0, 0, 0
    for b in range(d.n_train // args.batch_size):
        loss = batch_loss(model, d, order[b * args.batch_size:(b + 1) * args.batch_size], rng, prefix_probs, keep_probs, arange_s)
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
    return total / max(steps, 1), skipped


def fit(model, d, args, rng):
    """Trains with early stopping on the served held-out score; leaves the best epoch's weights in eval mode."""
    steps_per_epoch = d.n_train // args.batch_size
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=WEIGHT_DECAY)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=args.epochs * steps_per_epoch)
    log(f"train: {d.n} cells ({d.n_train} train, {d.n_val} held out), input {d.dim}, "
        f"{d.S} levels {d.cols}, {d.S}×{args.scale_dim} output, {sum(p.numel() for p in model.parameters()):,} "
        f"parameters, {steps_per_epoch} steps/epoch, {args.threads} threads")
    log(f"train: recipe batch {args.batch_size}, lr {args.lr:.2g}, up to {args.epochs} epochs, patience "
        f"{args.patience}, {d.num_heads} attention head{'s' if d.num_heads > 1 else ''}")
    log(f"train: classes per level {[len(v) for v in d.vocabs]}")
    x_eval, y_eval = d.x_val[:VAL_EVAL_CELLS], d.y_val[:VAL_EVAL_CELLS]
    log(f"raw input   held-out 5-NN: {format_accs(d.cols, score_levels(x_eval, y_eval))}")
    best_score, best_state, best_epoch, no_improve, history = -math.inf, None, 0, 0, []
    for epoch in range(1, args.epochs + 1):
        t0 = time.time()
        mean_loss, skipped = run_epoch(model, d, args, opt, sched, rng)
        accs = score_levels(embed_eval(model, x_eval)["full"], y_eval)
        # select on what serving sees: held-out cells searched among training cells, level j at prefix j
        served = served_vs_reference(model, d.x_train[:REF_CELLS], d.y_train[:REF_CELLS], x_eval, y_eval)["served"]
        history.append({"epoch": epoch, "loss": mean_loss, "val": accs, "val_served": served, "seconds": time.time() - t0})
        log(f"epoch {epoch}/{args.epochs} loss={mean_loss:.4f} held-out 5-NN: "
            f"{format_accs(d.cols, accs)} ({time.time() - t0:.1f}s{f', {skipped} NaN steps skipped' if skipped else ''})")
        if sum(served) > best_score:
            best_score, best_epoch, no_improve = sum(served), epoch, 0
            best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
        else:
            no_improve += 1
            if no_improve >= args.patience:
                log(f"early stopping after epoch {epoch} (best epoch {best_epoch})")
                break
    if best_state is not None:
        model.load_state_dict(best_state)
    model.eval()
    return best_epoch, history


def report_held_out(model, d, args, best_epoch):
    """The held-out table (raw / full / prefixes, steerability) and raw vs served per level; returns (table, worse)."""
    x, y = d.x_val[:args.eval_cells], d.y_val[:args.eval_cells]
    table = held_out_table(model, x, y, d.cols)
    log(f"held-out 5-NN on {table['cells']} cells (best epoch {best_epoch}):")
    for name, accs in table["accuracy"].items():
        log(f"  {name:<8} {format_accs(d.cols, accs)}")
    log(f"  steerability {table['steerability']:+.4f}")
    x_ref = d.x_train[:REF_CELLS]
    vs = served_vs_reference(model, x_ref, d.y_train[:REF_CELLS], x, y)
    table["served_vs_train"] = {"reference_cells": int(x_ref.shape[0]), "raw": [round(v, 4) for v in vs["raw"]],
                                "fractal": [round(v, 4) for v in vs["served"]]}
    log(f"held-out cells searched among {x_ref.shape[0]} training cells (as served), 5-NN per level, raw input vs "
        f"the prefix that serves the level:")
    for j, c in enumerate(d.cols):
        r, f = vs["raw"][j], vs["served"][j]
        log(f"  {c:<16} raw {r:.4f}  fractal {f:.4f} (prefix {j + 1})  {f - r:+.4f}")
    worse = losses_to_raw(vs["raw"], vs["served"], d.cols)
    if worse:
        what = ", ".join(f"{c} ({f:.4f} < {r:.4f})" for c, f, r in worse)
        log(f"warning: the adapter is worse than the raw embeddings at {what}; the identity adapter may serve "
            f"this reference better (fractal-atlas build --adapter identity)")
    return table, worse


def recipe_of(args, d, history, best_epoch, train_seconds):
    """The recipe recorded in the ONNX metadata, the checkpoint and --metrics-out."""
    return {
        "trainer": "adapter/python/train.py", "architecture": "FractalHeadV5",
        "num_levels": d.S, "scale_dim": args.scale_dim, "num_heads": d.num_heads, "dropout": 0.1,
        "temperature": TEMPERATURE, "margin": MARGIN, "margin_weight": MARGIN_WEIGHT,
        "class_weight": CLASS_WEIGHT, "prefix_weight": PREFIX_WEIGHT,
        "prefix_probs": PREFIX_PROBS[d.S], "block_keep_probs": BLOCK_KEEP_PROBS[d.S],
        "optimizer": "AdamW", "lr": args.lr, "weight_decay": WEIGHT_DECAY, "schedule": "cosine per step",
        "grad_clip": GRAD_CLIP, "epochs": args.epochs, "epochs_run": len(history), "best_epoch": best_epoch,
        "batch_size": args.batch_size, "max_samples": args.max_samples, "val_ratio": args.val_ratio,
        "patience": args.patience, "seed": args.seed, "threads": args.threads,
        "train_cells": int(d.n_train), "val_cells": int(d.n_val), "train_seconds": round(train_seconds, 1),
        "torch": torch.__version__, "source": d.bundle.source,
    }


def save_checkpoint(model, d, args, recipe, table):
    """The reference train.py layout, plus extra keys that export.py also understands."""
    torch.save({
        "model_state_dict": model.state_dict(),
        "config": {"input_dim": d.dim, "num_scales": d.S, "scale_dim": args.scale_dim, "num_heads": d.num_heads,
                   "num_l0_classes": len(d.vocabs[0]), "num_l1_classes": len(d.vocabs[-1]), "num_levels": d.S},
        "level_names": d.vocabs,
        "level_columns": d.cols, "fingerprint": d.bundle.fingerprint, "recipe": recipe, "validation": table,
    }, args.checkpoint)
    log(f"saved checkpoint {args.checkpoint}")


def train(args) -> int:
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    np.random.seed(args.seed)
    random.seed(args.seed)
    rng = np.random.default_rng(args.seed)
    t_start = time.time()
    d = prepare(args)
    model = FractalHeadV5(d.dim, d.S, args.scale_dim, len(d.vocabs[0]), len(d.vocabs[-1]), num_heads=d.num_heads, dropout=0.1)
    best_epoch, history = fit(model, d, args, rng)
    train_seconds = time.time() - t_start
    table, worse = report_held_out(model, d, args, best_epoch)
    recipe = recipe_of(args, d, history, best_epoch, train_seconds)
    if args.checkpoint:
        save_checkpoint(model, d, args, recipe, table)
    if worse and args.require_gain:
        print(f"train: the adapter is worse than the raw embeddings at {', '.join(c for c, _, _ in worse)}; "
              f"nothing exported (--require-gain)", file=sys.stderr)
        return 3
    export_onnx(model, args.out, build_metadata(model, d.cols, d.vocabs, d.bundle.fingerprint, recipe, table))
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
