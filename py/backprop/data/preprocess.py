"""A drawn digit -> an MNIST-like input vector, made the way the MNIST digits were made.

LeCun et al. normalised each NIST digit to fit a 20x20 box keeping its aspect ratio, anti-aliased to
grey levels, and placed it in a 28x28 field with its centre of mass at the centre (row, column 14 in
pixel indices: measured on the MNIST training set, the mean is 14.0 and the spread that of rounding).
``mnist_like`` does the same to a picture of ink (e.g. the alpha channel of the page's canvas):

1. crop to the bounding box of the ink, ignoring faint anti-alias noise below ``threshold``;
2. resample the box by area averaging (each output pixel is the mean of the ink it covers, fractional
   pixels weighted by their overlap) to fit 20x20 with the aspect ratio kept — two small matrix products,
   so it works for shrinking and enlarging alike and stays fast in Pyodide (numpy only, no scipy/PIL);
3. stretch the grey levels so the darkest pixel is 1 (MNIST digits peak at 254-255 whatever the pen);
4. paste into 28x28, shifted by whole pixels so the centre of mass lands nearest (14, 14), clipped so
   the box stays inside the frame.

What it leaves out: deskewing, stroke-width normalisation, and any guess at which digit it is.
"""

import numbers

import numpy as np

SIDE = 28  # MNIST images are 28x28
BOX = 20  # ...with the digit scaled to fit 20x20
CENTRE = 14.0  # where the centre of mass goes, in pixel indices (row, column)
INK_THRESHOLD = 0.1  # ink below this (in [0, 1]) is anti-alias fringe or noise: not part of the box


def _ink(ink):
    """The picture as floats (H, W) in [0, 1], from uint8 0..255 (or other ints), floats 0..1 or bools."""
    if not isinstance(ink, np.ndarray):
        try:
            ink = np.asarray(ink)
        except Exception as e:  # ragged nested lists and the like
            raise TypeError(f"ink must be a 2-D array of numbers, got {type(ink).__name__}: {e}") from None
    if ink.dtype == bool:
        ink = ink.astype(np.float64)
    elif np.issubdtype(ink.dtype, np.integer):
        if ink.size and (ink.min() < 0 or ink.max() > 255):
            raise ValueError(f"integer ink must be 0..255, got values from {ink.min()} to {ink.max()}")
        ink = ink.astype(np.float64) / 255.0
    elif np.issubdtype(ink.dtype, np.floating):
        ink = ink.astype(np.float64, copy=False)
        lo, hi = (float(ink.min()), float(ink.max())) if ink.size else (0.0, 0.0)
        if not (np.isfinite(lo) and np.isfinite(hi)):
            raise ValueError("ink contains NaN or infinity")
        if lo < 0.0 or hi > 1.0:
            raise ValueError(f"float ink must be in [0, 1], got values from {lo} to {hi}")
    else:
        raise TypeError(f"ink must be uint8 0..255 or floats 0..1, got an array of {ink.dtype}")
    if ink.ndim != 2:
        raise ValueError(f"ink must be a 2-D picture (height, width), got shape {ink.shape}")
    return ink


def _area_weights(n_in, n_out):
    """(n_out, n_in) matrix whose row j averages the input pixels under output pixel j.

    Output pixel j covers [j, j+1) * n_in/n_out in input coordinates; input pixel i covers [i, i+1).
    The weight is their overlap divided by the output pixel's length, so each row sums to 1.
    """
    step = n_in / n_out
    start = np.arange(n_out)[:, None] * step  # (n_out, 1)
    i = np.arange(n_in)[None, :]  # (1, n_in)
    overlap = np.minimum(i + 1, start + step) - np.maximum(i, start)  # (n_out, n_in)
    return np.clip(overlap, 0.0, None) / step


def fit_box(ink, box=BOX):
    """The ink's bounding box resampled by area averaging to fit box x box, aspect kept: (h, w) floats.

    ``ink`` is already cropped; the longer side becomes ``box`` pixels, the shorter one in proportion
    (at least 1).
    """
    h, w = ink.shape
    scale = box / max(h, w)
    out_h, out_w = max(1, round(h * scale)), max(1, round(w * scale))
    return _area_weights(h, out_h) @ ink @ _area_weights(w, out_w).T  # (out_h, out_w)


def mnist_like(ink, threshold=INK_THRESHOLD):
    """A drawing (H, W) -> (784,) float64 in [0, 1] laid out like an MNIST digit (see the module doc).

    ink: uint8 0..255 or floats 0..1 (or bools), higher = more ink. Raises ValueError("the drawing is
    empty") when no pixel reaches ``threshold``.
    """
    ink = _ink(ink)
    if isinstance(threshold, bool) or not isinstance(threshold, numbers.Real) or not 0 < threshold <= 1:
        raise ValueError(f"threshold must be a number in (0, 1], got {threshold!r}")
    inked = ink >= threshold  # (H, W)
    rows = np.flatnonzero(inked.any(axis=1))
    cols = np.flatnonzero(inked.any(axis=0))
    if rows.size == 0:
        raise ValueError("the drawing is empty")
    crop = ink[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]  # (h, w)
    small = fit_box(crop)  # (<=20, <=20)
    small /= small.max()  # > 0: the box's edge rows hold ink >= threshold, and each output row averages some
    h, w = small.shape
    mass = small.sum()
    cy = (small.sum(axis=1) @ np.arange(h)) / mass
    cx = (small.sum(axis=0) @ np.arange(w)) / mass
    top = min(max(int(np.floor(CENTRE - cy + 0.5)), 0), SIDE - h)
    left = min(max(int(np.floor(CENTRE - cx + 0.5)), 0), SIDE - w)
    out = np.zeros((SIDE, SIDE))
    out[top : top + h, left : left + w] = small
    return out.reshape(SIDE * SIDE)
