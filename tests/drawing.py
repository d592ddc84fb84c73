"""Rasterise stroke sets the way the page's canvas draws them, for tests without a browser.

A stroke is a polyline of [x, y] points in canvas pixels, drawn with round caps and joins: a pixel is
inked where its centre lies within line_width/2 of some segment, with a 1-px linear soft edge standing
in for the canvas's anti-aliasing. The result approximates the alpha channel of a 280x280 canvas that
the page hands to ``backprop.preprocess.mnist_like``.
"""

import json
from pathlib import Path

import numpy as np

DRAWN_DIGITS = Path(__file__).resolve().parent / "data" / "drawn_digits.json"


def load_drawn_digits(path=DRAWN_DIGITS):
    """The committed stroke sets: {"canvas", "line_width", "digits": {"0": [stroke, ...], ...}}."""
    return json.loads(Path(path).read_text(encoding="utf-8"))


def _segments(strokes):
    """(k, 2) starts and (k, 2) ends of every segment; a one-point stroke is a zero-length segment (a dot)."""
    starts, ends = [], []
    for stroke in strokes:
        pts = np.asarray(stroke, dtype=np.float64).reshape(-1, 2)  # (n, 2)
        if len(pts) == 1:
            pts = np.vstack([pts, pts])
        starts.append(pts[:-1])
        ends.append(pts[1:])
    return np.concatenate(starts), np.concatenate(ends)


def rasterise(strokes, canvas=280, line_width=22):
    """(canvas, canvas) float64 ink in [0, 1]: 1 inside the strokes, a 1-px ramp at their edge."""
    centres = np.arange(canvas) + 0.5
    x, y = np.meshgrid(centres, centres)  # (canvas, canvas) each: pixel centres
    dist = np.full((canvas, canvas), np.inf)  # distance to the nearest segment so far
    if strokes:
        # vectorised over pixels; the loop runs over the few dozen segments of a digit
        for (ax, ay), (bx, by) in zip(*_segments(strokes)):
            dx, dy = bx - ax, by - ay
            t = ((x - ax) * dx + (y - ay) * dy) / max(dx * dx + dy * dy, 1e-12)
            t = np.clip(t, 0.0, 1.0)  # nearest point of the segment, as a fraction
            np.minimum(dist, np.hypot(x - ax - t * dx, y - ay - t * dy), out=dist)
    return np.clip(line_width / 2 + 0.5 - dist, 0.0, 1.0)
