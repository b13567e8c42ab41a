"""The training recipe scaled to what users bring: head count for any input width, batch size, learning rate,
epochs and patience from the number of training cells, and the per-level check against the raw input."""

import math

TARGET_STEPS = 2000  # optimizer steps the scaled recipe aims for
MAX_HEADS = 8


def choose_num_heads(dim: int) -> int:
    """The largest attention head count ≤ 8 that divides the input width."""
    return max(h for h in range(1, MAX_HEADS + 1) if dim % h == 0)


def scaled_recipe(n_train: int, batch_size=None, lr=None, epochs=None, patience=None):
    """Batch size, learning rate, epochs and patience for ``n_train`` training cells; given values win."""
    if batch_size is None:
        batch_size = int(min(256, max(32, 2 ** math.floor(math.log2(max(n_train / 16, 1))))))
    if lr is None:
        lr = float(min(1e-3, max(1e-4, 1e-4 * math.sqrt(50_000 / max(n_train, 1)))))
    if epochs is None:
        steps = max(n_train // batch_size, 1)
        epochs = int(min(200, max(20, math.ceil(TARGET_STEPS / steps))))
    if patience is None:
        patience = int(min(30, max(5, epochs // 5)))
    return batch_size, lr, epochs, patience


def losses_to_raw(raw, served, columns):
    """Levels where the served prefix is worse than the raw input: [(column, fractal, raw)]."""
    return [(c, f, r) for c, f, r in zip(columns, served, raw) if f < r]
