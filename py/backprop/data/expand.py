"""network3's expanded training data: each digit as it is and moved one pixel up, down, left and right.

Chapter 6 trains its best networks on "the expanded data": the 50,000 training digits and four copies
of each shifted by one pixel (250,000 digits; the pixel that moves in at an edge is blank), which is
what ``expand_mnist.py`` beside network3 writes. ``shifts(x, y)`` makes the same set from any batch,
in any pixel type (uint8 stays uint8, so 250,000 digits are 196 MB, not 1.6 GB in float64), with
whole-array slicing: no loop over digits. The order is blockwise — all originals, then all moved
down, up, right, left — which SGD's shuffle makes irrelevant.

What it leaves out: network3's own file (a pickle, which this package never reads), and distortions
beyond a shift: those are ``augment``'s.
"""

import numpy as np

SIDE = 28
# (rows, columns) each copy moves by: down, up, right, left, as expand_mnist.py's four
MOVES = ((1, 0), (-1, 0), (0, 1), (0, -1))
FACTOR = 1 + len(MOVES)  # the expanded set is five times the digits it came from


def move(images, dr, dc):
    """(m, 28, 28) images moved dr rows down and dc columns right (negative: up, left), blank edges."""
    out = np.zeros_like(images)
    rows_to = slice(max(dr, 0), SIDE + min(dr, 0))
    rows_from = slice(max(-dr, 0), SIDE + min(-dr, 0))
    cols_to = slice(max(dc, 0), SIDE + min(dc, 0))
    cols_from = slice(max(-dc, 0), SIDE + min(-dc, 0))
    out[:, rows_to, cols_to] = images[:, rows_from, cols_from]
    return out


def shifts(x, y):
    """(x, y) and four copies of every digit moved one pixel: returns (5m, 784) pixels of x's type and
    (5m,) labels. x: (m, 784) pixels; y: (m,) labels (or (m, 10) one-hot rows, repeated alike)."""
    x = np.asarray(x)
    y = np.asarray(y)
    if x.ndim != 2 or x.shape[1] != SIDE * SIDE:
        raise ValueError(f"digits to expand must have shape (m, 784), got {x.shape}")
    if len(y) != len(x):
        raise ValueError(f"expected one label per digit: {len(x)} digits, {len(y)} labels")
    images = x.reshape(-1, SIDE, SIDE)
    copies = [x] + [move(images, dr, dc).reshape(x.shape) for dr, dc in MOVES]
    return np.concatenate(copies), np.concatenate([y] * FACTOR)
