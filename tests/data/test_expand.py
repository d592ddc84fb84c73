"""network3's expanded data (backprop.data.expand): the four one-pixel moves against a per-pixel oracle."""

import numpy as np
import pytest

from backprop.data import expand


def moved_by_loops(image, dr, dc):
    """One 28×28 image moved dr rows down and dc columns right, pixel by pixel: the slow reference."""
    out = np.zeros_like(image)
    for r in range(28):
        for c in range(28):
            if 0 <= r - dr < 28 and 0 <= c - dc < 28:
                out[r, c] = image[r - dr, c - dc]
    return out


def test_shifts_are_the_digits_and_their_four_one_pixel_moves():
    rng = np.random.default_rng(3)
    x = rng.integers(0, 256, size=(4, 784), dtype=np.uint8)
    y = np.array([7, 1, 0, 9])
    big, labels = expand.shifts(x, y)
    assert big.shape == (20, 784) and big.dtype == np.uint8
    assert labels.tolist() == y.tolist() * 5
    np.testing.assert_array_equal(big[:4], x)
    for k, (dr, dc) in enumerate([(1, 0), (-1, 0), (0, 1), (0, -1)], start=1):
        for i in range(4):
            want = moved_by_loops(x[i].reshape(28, 28), dr, dc).ravel()
            np.testing.assert_array_equal(big[4 * k + i], want)


def test_a_moved_digit_loses_only_the_edge_it_leaves():
    x = np.zeros((1, 784))
    x[0, 14 * 28 + 14] = 1.0  # one lit pixel in the middle
    big, _ = expand.shifts(x, np.array([3]))
    lit = [np.flatnonzero(row).tolist() for row in big]
    assert lit == [[14 * 28 + 14], [15 * 28 + 14], [13 * 28 + 14], [14 * 28 + 15], [14 * 28 + 13]]
    edge = np.zeros((1, 784))
    edge[0, 27 * 28 + 5] = 1.0  # the bottom row: moving it down drops it
    assert expand.shifts(edge, np.array([0]))[0][1].sum() == 0


def test_bad_shapes_are_named():
    with pytest.raises(ValueError, match=r"\(m, 784\).*\(3, 28, 28\)"):
        expand.shifts(np.zeros((3, 28, 28)), np.zeros(3))
    with pytest.raises(ValueError, match="3 digits, 2 labels"):
        expand.shifts(np.zeros((3, 784)), np.zeros(2))
