"""backprop.augment against per-pixel loops: bilinear inverse mapping, 3x3 max/min filters, the random batch."""

import math

import numpy as np
import pytest

from backprop.data import augment, mnist
from ci_support import ROOT

SUBSET = ROOT / "web" / "data" / "mnist-subset.npz"


@pytest.fixture(scope="module")
def digits():
    return mnist.read_subset(SUBSET)["x_train"][:64] / 255.0  # (64, 784)


def loop_sample(img, r, c):
    """Bilinear value of a 28x28 image at (r, c), zero outside, by plain arithmetic."""

    def px(i, j):
        return float(img[i, j]) if 0 <= i < 28 and 0 <= j < 28 else 0.0

    i, j = math.floor(r), math.floor(c)
    fr, fc = r - i, c - j
    return (1 - fr) * ((1 - fc) * px(i, j) + fc * px(i, j + 1)) + fr * ((1 - fc) * px(i + 1, j) + fc * px(i + 1, j + 1))


def loop_affine(img, a, t):
    out = np.zeros((28, 28))
    for r in range(28):
        for c in range(28):
            sr = a[0][0] * (r - 14) + a[0][1] * (c - 14) + 14 + t[0]
            sc = a[1][0] * (r - 14) + a[1][1] * (c - 14) + 14 + t[1]
            out[r, c] = loop_sample(img, sr, sc)
    return out


def test_affine_matches_a_per_pixel_loop(digits):
    rng = np.random.default_rng(0)
    x = np.vstack([digits[:4], rng.random((1, 784))])  # noise fills the frame: edges matter
    matrices = np.eye(2) + rng.uniform(-0.4, 0.4, size=(5, 2, 2))
    offsets = rng.uniform(-3, 3, size=(5, 2))
    offsets[3] = [20.0, -31.0]  # mostly off the frame: zeros come in
    out = augment.affine(x, matrices, offsets)
    assert out.shape == (5, 784)
    for i in range(5):
        want = loop_affine(x[i].reshape(28, 28), matrices[i], offsets[i])
        np.testing.assert_allclose(out[i].reshape(28, 28), want, atol=1e-5)


def test_identity_and_whole_pixel_shifts_are_exact(digits):
    x = digits[:8].reshape(8, 28, 28)
    eye = np.tile(np.eye(2), (8, 1, 1))
    np.testing.assert_allclose(augment.affine(x, eye, np.zeros((8, 2))), x, atol=1e-6)
    shifted = augment.affine(x, eye, np.tile([2.0, -3.0], (8, 1)))  # reads 2 rows down, 3 columns left
    want = np.zeros_like(x)
    want[:, :-2, 3:] = x[:, 2:, :-3]
    np.testing.assert_allclose(shifted, want, atol=1e-6)


def loop_filter(img, reduce):
    out = np.zeros((28, 28))
    for r in range(28):
        for c in range(28):
            out[r, c] = reduce(
                img[i, j] if 0 <= i < 28 and 0 <= j < 28 else 0.0 for i in (r - 1, r, r + 1) for j in (c - 1, c, c + 1)
            )
    return out


def test_dilate_and_erode_match_loops(digits):
    x = digits[:3]
    for i in range(3):
        img = x[i].reshape(28, 28)
        np.testing.assert_array_equal(augment.dilate(x)[i].reshape(28, 28), loop_filter(img, max))
        np.testing.assert_array_equal(augment.erode(x)[i].reshape(28, 28), loop_filter(img, min))
    assert augment.dilate(x).sum() > x.sum() > augment.erode(x).sum()


def test_augment_is_seeded_chunk_free_and_per_image(digits):
    a = augment.augment(digits, np.random.default_rng(7))
    b = augment.augment(digits, np.random.default_rng(7), chunk=5)
    np.testing.assert_array_equal(a, b)  # chunking does not change the result
    assert a.shape == digits.shape and a.dtype == np.float64 and 0 <= a.min() and a.max() <= 1
    c = augment.augment(digits, np.random.default_rng(8))
    assert np.abs(a - c).mean() > 0.01  # another seed, another batch
    same = augment.augment(np.repeat(digits[:1], 6, axis=0), np.random.default_rng(9))
    assert len({round(float(v), 6) for v in np.abs(same - digits[0]).sum(axis=1)}) == 6  # each its own
    assert not np.array_equal(a, digits)


def test_augment_with_everything_off_changes_nothing(digits):
    out = augment.augment(
        digits, np.random.default_rng(0), max_shift=0, max_rotation=0, scale=(1, 1), max_shear=0, width=0
    )
    np.testing.assert_allclose(out, digits, atol=1e-6)


def test_stroke_width_moves_each_image_its_own_way_between_erosion_and_dilation(digits):
    x = np.repeat(digits[:2], 20, axis=0)  # (40, 784)
    out = augment.augment(
        x, np.random.default_rng(2), max_shift=0, max_rotation=0, scale=(1, 1), max_shear=0, width=1.0
    )
    dil, ero = augment.dilate(x), augment.erode(x)
    ws = []
    for o, xi, d, e in zip(out, x, dil, ero):
        grow = o.sum() >= xi.sum()
        target = d if grow else e
        w = (o - xi).sum() / (target - xi).sum()  # how far along it went
        np.testing.assert_allclose(o, xi + w * (target - xi), atol=1e-5)  # a blend, nothing else
        ws.append(w if grow else -w)
    assert min(ws) < -0.3 and max(ws) > 0.3 and len({round(w, 6) for w in ws}) == 40


def test_augment_keeps_digits_recognisably_in_place(digits):
    """Small distortions: the ink stays about as much and its centre of mass near (14, 14)."""
    x = np.repeat(digits[:16], 8, axis=0)
    out = augment.augment(x, np.random.default_rng(1)).reshape(-1, 28, 28)
    mass = out.sum(axis=(1, 2))
    ratio = mass / x.sum(axis=1)
    assert 0.3 < ratio.min() and ratio.max() < 2.5 and abs(np.median(ratio) - 1) < 0.15  # thinning bites thin digits
    rows = np.arange(28)
    cy = (out.sum(axis=2) @ rows) / mass
    cx = (out.sum(axis=1) @ rows) / mass
    assert np.all(np.abs(cy - 14) < 4) and np.all(np.abs(cx - 14) < 4)
    assert np.std(cy) > 0.5  # ...but it did move


@pytest.mark.parametrize(
    "call, error, words",
    [
        (lambda d: augment.augment(d, 1), TypeError, "Generator"),
        (lambda d: augment.augment(d[:, :700], np.random.default_rng(0)), ValueError, "(m, 784)"),
        (lambda d: augment.augment(d * 255, np.random.default_rng(0)), ValueError, "[0, 1]"),
        (lambda d: augment.augment(d, np.random.default_rng(0), max_rotation=-1), ValueError, "max_rotation"),
        (lambda d: augment.augment(d, np.random.default_rng(0), scale=(1.1, 0.9)), ValueError, "scale"),
        (lambda d: augment.augment(d, np.random.default_rng(0), scale=2), ValueError, "scale"),
        (lambda d: augment.augment(d, np.random.default_rng(0), chunk=0), ValueError, "chunk"),
        (lambda d: augment.affine(d[:2], np.zeros((3, 2, 2)), np.zeros((2, 2))), ValueError, "(2, 2, 2)"),
        (lambda d: augment.dilate(np.full((1, 784), "a")), TypeError, "<U1"),
    ],
)
def test_bad_input_is_named(digits, call, error, words):
    with pytest.raises(error) as info:
        call(digits)
    assert words in str(info.value)
