"""backprop.preprocess.mnist_like on synthetic strokes, against block means, MNIST itself and geometry."""

import numpy as np
import pytest

from backprop.data import mnist
from backprop.data.preprocess import mnist_like
from ci_support import ROOT
from drawing import rasterise

SUBSET = ROOT / "web" / "data" / "mnist-subset.npz"

SEVEN = [[[70, 60], [200, 60], [120, 230]]]  # a '7': mass high and to the right
ELL = [[[100, 40], [100, 220], [170, 220]]]  # an 'L': 180 tall, 70 wide (+ the pen)
CURL = [[[90, 80], [150, 50], [190, 100], [110, 180], [200, 200]]]  # a '2'-like curl


def picture(v):
    assert v.shape == (784,)
    return v.reshape(28, 28)


def box_of(img, level=0.0):
    rows = np.flatnonzero((img > level).any(axis=1))
    cols = np.flatnonzero((img > level).any(axis=0))
    return rows[-1] - rows[0] + 1, cols[-1] - cols[0] + 1


def centre_of_mass(img):
    rows, cols = np.indices(img.shape)
    return (rows * img).sum() / img.sum(), (cols * img).sum() / img.sum()


def scaled(strokes, k, dx=0, dy=0):
    return [[[x * k + dx, y * k + dy] for x, y in s] for s in strokes]


@pytest.mark.parametrize("strokes", [SEVEN, ELL, CURL, scaled(SEVEN, 0.4, 150, 10)])
def test_output_is_an_mnist_like_picture(strokes):
    img = picture(mnist_like(rasterise(strokes)))
    assert img.dtype == np.float64
    assert img.min() >= 0.0 and img.max() == pytest.approx(1.0)
    h, w = box_of(img)
    assert max(h, w) == 20
    cy, cx = centre_of_mass(img)
    assert abs(cy - 14) <= 0.5 and abs(cx - 14) <= 0.5, (cy, cx)


def test_aspect_ratio_is_kept():
    ink = rasterise(ELL, line_width=10)  # box 190 x 80 in canvas pixels
    img = picture(mnist_like(ink))
    rows = np.flatnonzero((ink >= 0.1).any(axis=1))
    cols = np.flatnonzero((ink >= 0.1).any(axis=0))
    want_w = 20 * len(cols) / len(rows)
    h, w = box_of(img)
    assert h == 20 and abs(w - want_w) <= 1, (w, want_w)


def test_a_rectangle_becomes_its_block_means():
    """A 200x100 box shrinks by exactly 10: each output pixel is the mean of a 10x10 block (the oracle)."""
    rng = np.random.default_rng(0)
    blob = rng.random((200, 100)) * 0.8 + 0.2  # every pixel is ink, grey levels vary
    ink = np.zeros((280, 280))
    ink[30:230, 50:150] = blob
    img = picture(mnist_like(ink))
    means = blob.reshape(20, 10, 10, 10).mean(axis=(1, 3))  # (20, 10)
    top, left = np.flatnonzero(img.any(axis=1))[0], np.flatnonzero(img.any(axis=0))[0]
    np.testing.assert_allclose(img[top : top + 20, left : left + 10], means / means.max(), atol=1e-12)


def test_a_small_drawing_is_enlarged_by_pixel_areas():
    """A 10x5 drawing doubles: each pixel becomes a 2x2 block (area averaging enlarges exactly)."""
    rng = np.random.default_rng(1)
    blob = rng.random((10, 5)) * 0.5 + 0.5
    ink = np.zeros((280, 280))
    ink[200:210, 3:8] = blob
    img = picture(mnist_like(ink))
    top, left = np.flatnonzero(img.any(axis=1))[0], np.flatnonzero(img.any(axis=0))[0]
    np.testing.assert_allclose(img[top : top + 20, left : left + 10], np.kron(blob, np.ones((2, 2))) / blob.max())


def test_a_thin_vertical_line_stays_a_thin_vertical_line():
    img = picture(mnist_like(rasterise([[[140, 30], [140, 250]]], line_width=3)))
    h, w = box_of(img, level=0.05)
    assert h == 20 and w == 1
    assert img.sum(axis=0).max() == pytest.approx(img.sum())  # all the ink in one column


def test_the_same_shape_at_two_sizes_gives_nearly_the_same_input():
    big = mnist_like(rasterise(CURL, line_width=22))
    small = mnist_like(rasterise(scaled(CURL, 0.5, 130, 120), line_width=11))
    assert np.abs(big - small).mean() < 0.02 and np.abs(big - small).max() < 0.25
    other = mnist_like(rasterise(SEVEN, line_width=22))  # and a different shape does not
    assert np.abs(big - other).mean() > 0.1


def test_moving_the_drawing_changes_nothing_and_faint_noise_is_ignored():
    ink = rasterise(SEVEN)
    moved = np.roll(ink, (30, -40), axis=(0, 1))
    np.testing.assert_array_equal(mnist_like(ink), mnist_like(moved))
    noisy = ink.copy()
    noisy[5:10, 260:270] = 0.05  # anti-alias specks far from the digit
    np.testing.assert_array_equal(mnist_like(ink), mnist_like(noisy))


def test_uint8_and_float_ink_agree():
    ink = rasterise(CURL)
    as_bytes = np.round(ink * 255).astype(np.uint8)
    np.testing.assert_allclose(mnist_like(as_bytes), mnist_like(as_bytes / 255.0), atol=1e-12)


def test_an_mnist_digit_enlarged_tenfold_comes_back_as_itself():
    """MNIST was made this way: blown up 10x (each pixel a 10x10 block), a test digit returns to itself,
    exactly unless a faint edge row (below the ink threshold) is cropped or the centring rounds the
    other way (one in a few hundred moves by a pixel)."""
    x = mnist.read_subset(SUBSET)["x_test"][:200]  # (200, 784) uint8
    diffs = np.array(
        [np.abs(mnist_like(np.kron(v.reshape(28, 28), np.ones((10, 10), np.uint8))) - v / 255).max() for v in x]
    )
    assert np.mean(diffs < 0.01) >= 0.7 and np.percentile(diffs, 95) < 0.15


@pytest.mark.parametrize(
    "ink", [np.zeros((280, 280)), np.zeros((280, 280), np.uint8), np.full((280, 280), 0.05), np.zeros((0, 0))]
)
def test_an_empty_drawing_is_refused(ink):
    with pytest.raises(ValueError, match="the drawing is empty"):
        mnist_like(ink)


@pytest.mark.parametrize(
    "ink, error, words",
    [
        (np.zeros((28, 28, 4)), ValueError, "2-D picture"),
        (np.zeros(784), ValueError, "(784,)"),
        (np.full((10, 10), 1.5), ValueError, "[0, 1]"),
        (np.full((10, 10), -0.1), ValueError, "[0, 1]"),
        (np.full((10, 10), np.nan), ValueError, "NaN"),
        (np.full((10, 10), 300, dtype=np.int32), ValueError, "0..255"),
        (np.full((10, 10), "a"), TypeError, "<U1"),
        (np.zeros((10, 10), dtype=object), TypeError, "object"),
        ([[0, 1], [1]], TypeError, "2-D array"),
    ],
)
def test_bad_input_is_named(ink, error, words):
    with pytest.raises(error) as info:
        mnist_like(ink)
    assert words in str(info.value)


def test_bad_threshold_is_named():
    with pytest.raises(ValueError, match="threshold"):
        mnist_like(np.ones((5, 5)), threshold=0)


@pytest.mark.parametrize("heavy", ["top", "bottom", "left", "right"])
def test_a_lopsided_drawing_is_shifted_only_as_far_as_the_frame_allows(heavy):
    ink = np.zeros((280, 280))
    ink[20:80, 20:260] = 1.0  # a heavy bar...
    ink[80:260, 139:141] = 1.0  # ...on a thin stem: mass far from the middle
    ink = {"top": ink, "bottom": ink[::-1], "left": ink.T, "right": ink.T[:, ::-1]}[heavy]
    img = picture(mnist_like(ink))
    assert box_of(img) == (20, 20)  # nothing cut off
    rows = np.flatnonzero(img.any(axis=1))
    cols = np.flatnonzero(img.any(axis=0))
    # the centre of mass would need more than the 8 px of slack: the box is pressed against the far edge
    first = {"top": rows[0], "bottom": rows[0], "left": cols[0], "right": cols[0]}[heavy]
    assert first == {"top": 8, "bottom": 0, "left": 8, "right": 0}[heavy]
