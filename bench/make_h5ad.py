#!/usr/bin/env python3
"""Writes AnnData .h5ad files for the README example and the import benchmark (Debian's anndata 0.8).

From a training bundle (`fractal-atlas export-training-set`) of demo cells, as a user's reference would look:
    /usr/bin/python3 bench/make_h5ad.py --bundle DIR --system Immune --types 9 --cells 700 --pca 50 --out example.h5ad
  keeps the --types most common subtypes of --system (all cells when omitted), then at most --cells cells
  (a seeded random subset); --basis FILE.npz saves the PCA (mean, components) when absent and reuses it
  when present, so held-out query cells land in the reference's PCA space; obsm X_pca = the first 50 principal components of the 128-d demo embeddings (numpy SVD), obs cell_type =
  the subtype name, donor_id (3 donors), tissue; obs index cell0, cell1, …
Synthetic, for throughput only:
    /usr/bin/python3 bench/make_h5ad.py --cells 1000000 --dim 128 --out big.h5ad
  obsm X_scimilarity = Gaussian float32 around 8 cell types' centres, obs cell_type categorical.
"""

import argparse
import json
import os
import sys
import time

import numpy as np

SYNTHETIC_TYPES = ["T cell", "B cell", "natural killer cell", "classical monocyte", "fibroblast",
                   "endothelial cell", "neuron", "keratinocyte"]


def write(path, emb, key, cell_type, extra):
    import anndata as ad
    import pandas as pd
    n = emb.shape[0]
    obs = pd.DataFrame({"cell_type": pd.Categorical(cell_type), **{k: pd.Categorical(v) for k, v in extra.items()}},
                       index=[f"cell{i}" for i in range(n)])
    a = ad.AnnData(X=None, obs=obs, obsm={key: emb})
    a.write_h5ad(path)


def from_bundle(args):
    with open(os.path.join(args.bundle, "bundle.json"), encoding="utf-8") as f:
        meta = json.load(f)
    emb = np.load(os.path.join(args.bundle, "embeddings.npy")).astype(np.float64)
    lab = np.load(os.path.join(args.bundle, "labels.npy"))
    leaf = meta["level_columns"].index("level4_subtype")
    keep = np.ones(len(lab), dtype=bool)
    if args.system:
        keep &= lab[:, 0] == meta["vocabularies"][0].index(args.system)
    if args.types:
        codes, counts = np.unique(lab[keep, leaf], return_counts=True)
        top = codes[np.argsort(-counts, kind="stable")[: args.types]]
        keep &= np.isin(lab[:, leaf], top)
    rows = np.flatnonzero(keep)
    if args.cells and len(rows) > args.cells:
        rows = np.sort(np.random.default_rng(args.seed + 1).choice(rows, args.cells, replace=False))
    emb, lab = emb[rows], lab[rows]
    names = [meta["vocabularies"][leaf][c] for c in lab[:, leaf]]
    if args.basis and os.path.exists(args.basis):
        # project held-out cells onto the reference's components, as scanpy's ingest would
        with np.load(args.basis) as b:
            mean, comps = b["mean"], b["components"]
    else:
        mean = emb.mean(axis=0)
        _, _, vt = np.linalg.svd(emb - mean, full_matrices=False)
        comps = vt[: args.pca]
        if args.basis:
            np.savez(args.basis, mean=mean, components=comps)
    pcs = ((emb - mean) @ comps.T).astype(np.float32)
    rng = np.random.default_rng(args.seed)
    n = len(names)
    extra = {"donor_id": [f"donor{d}" for d in rng.integers(0, 3, n)], "tissue": ["blood"] * n}
    write(args.out, pcs, "X_pca", names, extra)


def synthetic(args):
    rng = np.random.default_rng(0)
    centres = rng.normal(size=(len(SYNTHETIC_TYPES), args.dim)).astype(np.float32)
    codes = rng.integers(0, len(SYNTHETIC_TYPES), args.cells)
    emb = np.empty((args.cells, args.dim), dtype=np.float32)
    for s in range(0, args.cells, 100_000):
        e = min(args.cells, s + 100_000)
        emb[s:e] = centres[codes[s:e]] + 0.3 * rng.standard_normal((e - s, args.dim), dtype=np.float32)
    write(args.out, emb, "X_scimilarity", [SYNTHETIC_TYPES[c] for c in codes], {})


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--out", required=True)
    p.add_argument("--bundle")
    p.add_argument("--pca", type=int, default=50)
    p.add_argument("--basis", default=None, help="bundle: PCA basis .npz to save (absent) or reuse (present)")
    p.add_argument("--cells", type=int, default=None, help="synthetic: rows (default 1M); bundle: at most")
    p.add_argument("--seed", type=int, default=0, help="bundle: seed of the cell subset and the donors")
    p.add_argument("--system", default=None, help="bundle: keep this level-1 system only")
    p.add_argument("--types", type=int, default=None, help="bundle: keep the N most common subtypes")
    p.add_argument("--dim", type=int, default=128)
    args = p.parse_args()
    if not args.bundle and args.cells is None:
        args.cells = 1_000_000
    t0 = time.time()
    (from_bundle if args.bundle else synthetic)(args)
    print(f"wrote {args.out} ({os.path.getsize(args.out) / 1e6:.1f} MB) in {time.time() - t0:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
