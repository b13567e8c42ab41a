"""Reads a training bundle written by `fractal-atlas export-training-set` (writer: adapter/training-set.ts).

DIR/bundle.json    {"format": "fractal-atlas-training-set", "version": 1, "num_rows", "dim",
                    "level_columns": [...], "vocabularies": [[...], ...], "fingerprint", "source"}
DIR/embeddings.npy float32 [num_rows, dim]
DIR/labels.npy     int32   [num_rows, len(level_columns)]; labels[i, l] indexes vocabularies[l]
Only numpy is needed (no pyarrow).
"""

import json
import os
from dataclasses import dataclass
from typing import List

import numpy as np

BUNDLE_FORMAT = "fractal-atlas-training-set"
BUNDLE_VERSION = 1


class BundleError(ValueError):
    pass


@dataclass
class Bundle:
    embeddings: np.ndarray  # float32 [N, D]
    labels: np.ndarray      # int64 [N, L]
    level_columns: List[str]
    vocabularies: List[List[str]]
    fingerprint: str
    source: str


def read_bundle(path: str, max_rows: int = 0) -> Bundle:
    try:
        with open(os.path.join(path, "bundle.json"), encoding="utf-8") as f:
            meta = json.load(f)
    except (OSError, ValueError) as e:
        raise BundleError(f"{path}: no readable bundle.json ({e})")
    if meta.get("format") != BUNDLE_FORMAT or meta.get("version") != BUNDLE_VERSION:
        raise BundleError(f"{path}: not a fractal-atlas training bundle (version {BUNDLE_VERSION})")
    try:
        emb = np.load(os.path.join(path, "embeddings.npy"), mmap_mode="r")
        lab = np.load(os.path.join(path, "labels.npy"), mmap_mode="r")
    except (OSError, ValueError) as e:
        raise BundleError(f"{path}: cannot read the .npy files ({e})")
    cols, vocabs = meta["level_columns"], meta["vocabularies"]
    n = int(meta["num_rows"])
    if emb.dtype != np.float32 or emb.ndim != 2 or emb.shape != (n, int(meta["dim"])):
        raise BundleError(f"{path}: embeddings.npy is {emb.dtype} {emb.shape}, expected float32 ({n}, {meta['dim']})")
    if lab.ndim != 2 or lab.shape != (n, len(cols)) or len(vocabs) != len(cols):
        raise BundleError(f"{path}: labels.npy is {lab.shape}, expected ({n}, {len(cols)})")
    if max_rows and max_rows < n:
        n = max_rows  # a stratified atlas is a fair sample at every prefix of rows
    emb = np.ascontiguousarray(emb[:n])
    lab = np.ascontiguousarray(lab[:n]).astype(np.int64)
    if not np.isfinite(emb).all():
        raise BundleError(f"{path}: embeddings contain NaN or Infinity")
    for l, v in enumerate(vocabs):
        if n and (lab[:, l].min() < 0 or lab[:, l].max() >= len(v)):
            raise BundleError(f"{path}: label codes of {cols[l]} fall outside its vocabulary")
    return Bundle(emb, lab, list(cols), [list(v) for v in vocabs], str(meta.get("fingerprint", "")),
                  str(meta.get("source", "")))
