"""The ONNX contract of a fractal adapter, Python side.

The TypeScript twin is adapter/contract.ts: change both together. A model file has
  input  ``embedding`` float32 [N, input_dim] (N dynamic)
  output ``blocks``    float32 [N, num_scales*scale_dim]  concatenated raw scale blocks
  output ``full``      float32 [N, num_scales*scale_dim]  final LayerNorm, then L2-normalised
and these ONNX metadata_props (string → string; JSON where noted).
"""

CONTRACT_VERSION = "1"
OPSET = 14
INPUT_NAME = "embedding"
OUTPUT_BLOCKS = "blocks"
OUTPUT_FULL = "full"
BATCH_AXIS = "N"

META_CONTRACT = "fractal_atlas.contract"          # CONTRACT_VERSION
META_INPUT_DIM = "fractal_atlas.input_dim"        # decimal integer
META_NUM_SCALES = "fractal_atlas.num_scales"      # decimal integer
META_SCALE_DIM = "fractal_atlas.scale_dim"        # decimal integer
META_LEVEL_COLUMNS = "fractal_atlas.level_columns"  # JSON string[]; length num_scales, coarse to fine
META_VOCABULARIES = "fractal_atlas.vocabularies"  # JSON string[][]; label code i of level l = vocab[l][i]
META_FINGERPRINT = "fractal_atlas.training_fingerprint"  # string
META_RECIPE = "fractal_atlas.recipe"              # JSON object
META_VALIDATION = "fractal_atlas.validation"      # JSON object (optional): held-out kNN accuracies

# The level columns of the atlas, coarse to fine (ontology/levels.ts is the source of truth).
LEVEL_COLUMNS = ["level1_system", "level2_lineage", "level3_type", "level4_subtype"]
