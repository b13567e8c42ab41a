#!/usr/bin/env python3
"""Exports a fractal adapter to ONNX under the contract of onnx_contract.py (TS twin: adapter/contract.ts).

Convert a checkpoint saved by the reference train.py ({model_state_dict, config, level_names}):
    /usr/bin/python3 adapter/python/export.py --checkpoint seed.pt --out adapter.onnx
train.py calls :func:`export_onnx` the same way after training.
"""

import argparse
import io
import json
import os
import sys
import warnings
from typing import Dict, List, Optional

import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import onnx_contract as C  # noqa: E402
from fractal_head import FractalHeadV5, build_from_config  # noqa: E402
from onnx_metadata import append_metadata_props, file_sha256 as _sha256  # noqa: E402


class _ContractModule(nn.Module):
    """The head seen through the contract: embedding → (blocks, full)."""

    def __init__(self, head: FractalHeadV5):
        super().__init__()
        self.head = head

    def forward(self, embedding: torch.Tensor):
        out = self.head(embedding)
        return torch.cat(out["blocks"], dim=-1), out["full_embedding"]


def contract_outputs(head: FractalHeadV5, x: torch.Tensor):
    """What the exported model must return for x (eval mode, no grad): (blocks, full)."""
    head.eval()
    with torch.no_grad():
        return _ContractModule(head)(x)


def build_metadata(head: FractalHeadV5, level_columns: List[str], vocabularies: List[List[str]],
                   fingerprint: str, recipe: Dict, validation: Optional[Dict] = None) -> Dict[str, str]:
    if len(level_columns) != head.num_scales or len(vocabularies) != head.num_scales:
        raise ValueError(f"need {head.num_scales} level columns and vocabularies, got "
                         f"{len(level_columns)} and {len(vocabularies)}")
    props = {
        C.META_CONTRACT: C.CONTRACT_VERSION,
        C.META_INPUT_DIM: str(head.input_dim),
        C.META_NUM_SCALES: str(head.num_scales),
        C.META_SCALE_DIM: str(head.scale_dim),
        C.META_LEVEL_COLUMNS: json.dumps(list(level_columns)),
        C.META_VOCABULARIES: json.dumps([list(v) for v in vocabularies], ensure_ascii=False),
        C.META_FINGERPRINT: fingerprint,
        C.META_RECIPE: json.dumps(recipe, sort_keys=True),
    }
    if validation is not None:
        props[C.META_VALIDATION] = json.dumps(validation, sort_keys=True)
    return props


def export_onnx(head: FractalHeadV5, out_path: str, metadata: Dict[str, str]) -> None:
    """Writes one self-contained ONNX file: contract graph plus metadata_props."""
    head = head.cpu().eval()
    module = _ContractModule(head).eval()
    dummy = torch.randn(2, head.input_dim)
    buf = io.BytesIO()
    axes = {0: C.BATCH_AXIS}
    # Grad stays enabled so nn.MultiheadAttention takes its regular (exportable) path, not the fused fast path.
    with warnings.catch_warnings():
        # torch 1.13 warns about shape inference of constants; the contract dims are checked on load instead
        warnings.simplefilter("ignore", UserWarning)
        torch.onnx.export(
            module, (dummy,), buf,
            input_names=[C.INPUT_NAME], output_names=[C.OUTPUT_BLOCKS, C.OUTPUT_FULL],
            dynamic_axes={C.INPUT_NAME: axes, C.OUTPUT_BLOCKS: axes, C.OUTPUT_FULL: axes},
            opset_version=C.OPSET, do_constant_folding=True,
        )
    data = append_metadata_props(buf.getvalue(), metadata)
    tmp = out_path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, out_path)


def load_reference_checkpoint(path: str):
    """Loads {model_state_dict, config, level_names} as saved by the reference train.py."""
    ckpt = torch.load(path, map_location="cpu")
    for key in ("model_state_dict", "config", "level_names"):
        if key not in ckpt:
            raise ValueError(f"{path}: not a reference checkpoint (missing '{key}')")
    head = build_from_config(ckpt["config"])
    head.load_state_dict(ckpt["model_state_dict"], strict=True)
    head.eval()
    return head, ckpt


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description="Convert a reference fractal-adapter checkpoint to ONNX")
    p.add_argument("--checkpoint", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--level-columns", default=None,
                   help="JSON list of level column names (default: the first num_scales atlas levels)")
    p.add_argument("--fingerprint", default=None,
                   help="training data fingerprint (default: sha256 of the checkpoint file)")
    args = p.parse_args(argv)
    try:
        head, ckpt = load_reference_checkpoint(args.checkpoint)
    except (OSError, ValueError, RuntimeError, KeyError) as e:
        print(f"export: {e}", file=sys.stderr)
        return 1
    # Checkpoints from train.py carry these extra keys; the reference's have only the three standard ones.
    vocabs = [list(map(str, v)) for v in ckpt["level_names"]]
    recipe = ckpt.get("recipe") or {"source": "reference checkpoint", "config": ckpt["config"]}
    fingerprint = args.fingerprint or ckpt.get("fingerprint") or f"checkpoint-sha256:{_sha256(args.checkpoint)}"
    try:
        cols = json.loads(args.level_columns) if args.level_columns else ckpt.get("level_columns", C.LEVEL_COLUMNS[: head.num_scales])
        meta = build_metadata(head, cols, vocabs, fingerprint, recipe, ckpt.get("validation"))
    except ValueError as e:
        print(f"export: {e}", file=sys.stderr)
        return 1
    export_onnx(head, args.out, meta)
    print(f"exported {args.checkpoint} → {args.out} (input {head.input_dim}, {head.num_scales}×{head.scale_dim})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
