"""The committed drawn digits and the test rasteriser that stands in for the page's canvas."""

import math

import numpy as np

from drawing import load_drawn_digits, rasterise


def test_drawn_digits_are_ten_stroke_sets_on_the_canvas():
    doc = load_drawn_digits()
    assert doc["canvas"] == 280 and doc["line_width"] == 22
    assert sorted(doc["digits"]) == [str(d) for d in range(10)]
    for digit, strokes in doc["digits"].items():
        assert strokes, digit
        for stroke in strokes:
            assert len(stroke) >= 2, digit
            for x, y in stroke:
                assert isinstance(x, int) and isinstance(y, int) and 0 <= x < 280 and 0 <= y < 280, digit


def ink_at(strokes, px, py, width):
    """The rasteriser's rule for one pixel, by plain arithmetic: distance to the nearest segment."""
    best = math.inf
    for stroke in strokes:
        pts = stroke if len(stroke) > 1 else stroke * 2
        for (ax, ay), (bx, by) in zip(pts, pts[1:]):
            dx, dy = bx - ax, by - ay
            t = 0.0 if dx == dy == 0 else max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)))
            best = min(best, math.hypot(px - ax - t * dx, py - ay - t * dy))
    return max(0.0, min(1.0, width / 2 + 0.5 - best))


def test_rasterise_matches_the_distance_rule_pixel_by_pixel():
    strokes = load_drawn_digits()["digits"]["4"] + [[[30, 30]]]  # two strokes and a dot
    ink = rasterise(strokes, line_width=22)
    assert ink.shape == (280, 280) and ink.min() == 0.0 and ink.max() == 1.0
    rng = np.random.default_rng(0)
    for r, c in rng.integers(0, 280, size=(300, 2)).tolist() + [[30, 30], [30, 41], [100, 100]]:
        assert abs(ink[r, c] - ink_at(strokes, c + 0.5, r + 0.5, 22)) < 1e-9, (r, c)


def test_a_segment_is_as_thick_as_the_pen_with_round_caps():
    ink = rasterise([[[50, 100], [150, 100]]], line_width=22)
    column = ink[:, 100]
    assert np.flatnonzero(column == 1.0).tolist() == list(range(89, 111))  # centres 89.5..110.5
    assert column.sum() == 22
    half = rasterise([[[50, 100.5], [150, 100.5]]], line_width=22)[:, 100]  # edges between pixels
    assert np.flatnonzero(half == 1.0).tolist() == list(range(90, 111))
    assert half[89] == half[111] == 0.5 and half.sum() == 22  # the 1-px soft edge
    assert ink[100, 39] > 0 and ink[100, 38] == 0 and ink[100, 160] > 0 and ink[100, 161] == 0  # caps
    assert ink[89, 39] == 0  # ...round, not square
    assert not rasterise([]).any()
