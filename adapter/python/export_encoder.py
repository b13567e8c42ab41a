#!/usr/bin/env python3
"""Exports SCimilarity's expression encoder (a model folder such as model_v1.1) to ONNX.

    /usr/bin/python3 adapter/python/export_encoder.py --scimilarity-dir DIR --out encoder.onnx [--parity-dir D]

The graph takes aligned raw counts and does the whole of SCimilarity's preprocessing itself:
  input  ``counts``    float32 [N, n_genes], N dynamic, columns in gene_order.tsv order
  output ``embedding`` float32 [N, latent]  = encoder(log1p(counts / total * 1e4)), unit L2 norm
with the gene order and the preprocessing in ONNX metadata_props (keys below; the TypeScript twin is
adapter/encoder-contract.ts: change both together). With --parity-dir it also writes counts.npy and
expected.npy: seeded counts and the embeddings PyTorch gives for them along SCimilarity's own path (numpy
lognorm as scanpy does it, then the eager encoder), for `fractal-atlas export-encoder` to check onnxruntime
against.
"""

import argparse
import hashlib
import io
import json
import os
import sys
import warnings

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from onnx_metadata import append_metadata_props, file_sha256  # noqa: E402
from scimilarity_encoder import (CHECKPOINT_FILE, GENE_ORDER_FILE, TARGET_SUM, CountsEncoder,  # noqa: E402
                                 lognorm_reference, load_scimilarity_folder)

CONTRACT_VERSION = "1"
OPSET = 14
INPUT_NAME = "counts"
OUTPUT_NAME = "embedding"
META_CONTRACT = "fractal_atlas.encoder_contract"
META_N_GENES = "fractal_atlas.encoder.n_genes"
META_LATENT_DIM = "fractal_atlas.encoder.latent_dim"
META_GENE_ORDER = "fractal_atlas.encoder.gene_order"            # JSON string[], the input column order
META_GENE_ORDER_SHA256 = "fractal_atlas.encoder.gene_order_sha256"  # sha256 of the genes joined by "\n"
META_PREPROCESSING = "fractal_atlas.encoder.preprocessing"      # JSON object
META_ARCHITECTURE = "fractal_atlas.encoder.architecture"        # JSON object
META_SOURCE = "fractal_atlas.encoder.source"                    # JSON object
META_GENE_RANK = "fractal_atlas.encoder.gene_rank"  # JSON int[]: gene positions by first-layer weight norm, largest first
GENE_RANK_LENGTH = 1000

PARITY_CELLS = 48


def gene_order_sha256(genes) -> str:
    return hashlib.sha256("\n".join(genes).encode("utf-8")).hexdigest()


def parity_counts(n_genes: int, seed: int = 7) -> np.ndarray:
    """Seeded, sparse, over-dispersed counts (~10% of genes expressed), a shallow and a deep cell included."""
    rng = np.random.default_rng(seed)
    rate = rng.gamma(0.3, 4.0, size=(PARITY_CELLS, n_genes)) * (rng.random((PARITY_CELLS, n_genes)) < 0.1)
    counts = rng.poisson(rate).astype(np.float32)
    counts[0] = 0
    counts[0, rng.integers(n_genes)] = 1  # one count in one gene
    counts[1] *= 50  # a deep cell
    empty = counts.sum(axis=1) == 0
    counts[empty, 0] = 1  # every cell has counts: Node refuses empty cells
    return counts


def write_parity(encoder, counts: np.ndarray, out_dir: str) -> float:
    """Writes counts.npy and expected.npy; returns |graph module - numpy path| (both PyTorch) as a sanity check."""
    with torch.inference_mode():
        expected = encoder(torch.from_numpy(lognorm_reference(counts))).numpy()
        fused = CountsEncoder(encoder)(torch.from_numpy(counts)).numpy()
    os.makedirs(out_dir, exist_ok=True)
    np.save(os.path.join(out_dir, "counts.npy"), counts)
    np.save(os.path.join(out_dir, "expected.npy"), expected.astype(np.float32))
    return float(np.abs(expected - fused).max())


def export(encoder, genes, folder: str, out_path: str, residual: bool) -> None:
    module = CountsEncoder(encoder).eval()
    buf = io.BytesIO()
    axes = {0: "N"}
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore", UserWarning)
        torch.onnx.export(
            module, (torch.ones(2, encoder.n_genes),), buf,
            input_names=[INPUT_NAME], output_names=[OUTPUT_NAME],
            dynamic_axes={INPUT_NAME: axes, OUTPUT_NAME: axes},
            opset_version=OPSET, do_constant_folding=True,
        )
    props = {
        META_CONTRACT: CONTRACT_VERSION,
        META_N_GENES: str(encoder.n_genes),
        META_LATENT_DIM: str(encoder.latent_dim),
        META_GENE_ORDER: json.dumps(genes, ensure_ascii=False),
        META_GENE_ORDER_SHA256: gene_order_sha256(genes),
        META_PREPROCESSING: json.dumps({"in_graph": True, "normalize_total": {"target_sum": TARGET_SUM, "over": "aligned genes"}, "log1p": True}, sort_keys=True),
        META_ARCHITECTURE: json.dumps({"kind": "scimilarity.Encoder", "hidden_dims": encoder.hidden_dims, "residual": residual,
                                       "output": "l2-normalised"}, sort_keys=True),
        META_SOURCE: json.dumps({"folder": os.path.basename(os.path.normpath(folder)),
                                 "checkpoint_sha256": file_sha256(os.path.join(folder, CHECKPOINT_FILE)),
                                 "gene_order_file_sha256": file_sha256(os.path.join(folder, GENE_ORDER_FILE)),
                                 "torch": torch.__version__}, sort_keys=True),
    }
    # The genes the encoder leans on most: L2 norm of each gene's column of the first Linear layer (inputs
    # are log1p-normalised counts, so the norms compare). Node lists missing genes in this order.
    norms = encoder.network[0][1].weight.detach().norm(dim=0)
    props[META_GENE_RANK] = json.dumps(torch.argsort(norms, descending=True)[:GENE_RANK_LENGTH].tolist())
    tmp = out_path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(append_metadata_props(buf.getvalue(), props))
    os.replace(tmp, out_path)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description="Export a SCimilarity encoder (model folder) to ONNX")
    p.add_argument("--scimilarity-dir", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--residual", action="store_true", help="the encoder was trained with residual=True")
    p.add_argument("--parity-dir", default=None, help="write counts.npy + expected.npy (PyTorch reference) here")
    p.add_argument("--threads", type=int, default=2)
    args = p.parse_args(argv)
    torch.set_num_threads(max(1, args.threads))
    try:
        encoder, genes, _ = load_scimilarity_folder(args.scimilarity_dir, residual=args.residual)
    except (OSError, ValueError, RuntimeError, KeyError) as e:
        print(f"export-encoder: {str(e).splitlines()[0]}", file=sys.stderr)
        return 1
    print(f"loaded {args.scimilarity_dir}: {encoder.n_genes} genes -> {encoder.hidden_dims} -> {encoder.latent_dim}"
          f"{' (residual)' if args.residual else ''}")
    if args.parity_dir:
        gap = write_parity(encoder, parity_counts(encoder.n_genes), args.parity_dir)
        print(f"pytorch: in-graph normalisation vs numpy lognorm path, max |diff| {gap:.3g}")
    export(encoder, genes, args.scimilarity_dir, args.out, args.residual)
    print(f"exported {args.out} ({os.path.getsize(args.out) / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
