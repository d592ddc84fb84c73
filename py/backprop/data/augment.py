"""Random small distortions of 28x28 digits, so a network trained on MNIST also reads digits drawn by hand.

``augment(x, rng)`` returns a new batch where every digit got its own random stroke-width change
(blending towards a 3x3 max filter for thicker, a 3x3 min filter for thinner) and then its own affine
map (rotation, scale, shear, shift about the centre of mass position (14, 14) that MNIST centres on),
resampled by inverse mapping with bilinear interpolation (zeros outside the frame). Everything is
vectorised over the batch (gathers on flat indices, no loop over examples) and every random number
comes from the ``numpy.random.Generator`` passed in, so a seed gives the same batch.

``affine``, ``dilate`` and ``erode`` are the building blocks, exposed for tests and for anyone who
wants a fixed distortion. What it leaves out: elastic distortions, noise, anything that needs scipy.
"""

import numbers

import numpy as np

SIDE = 28
CENTRE = 14.0  # the MNIST centre of mass, in pixel indices: rotations and scalings keep it in place


def _images(x):
    """A batch as floats (m, 28, 28) in [0, 1], from (m, 784) or (m, 28, 28); returns it and its shape."""
    x = np.asarray(x)
    if x.dtype == object or not (np.issubdtype(x.dtype, np.floating) or np.issubdtype(x.dtype, np.integer)):
        raise TypeError(f"images must be numbers in [0, 1], got an array of {x.dtype}")
    if x.ndim == 2 and x.shape[1] == SIDE * SIDE:
        images = x.reshape(-1, SIDE, SIDE)
    elif x.ndim == 3 and x.shape[1:] == (SIDE, SIDE):
        images = x
    else:
        raise ValueError(f"images must have shape (m, 784) or (m, 28, 28), got {x.shape}")
    images = images.astype(np.float64, copy=False)
    if images.size and not (np.all(np.isfinite(images)) and images.min() >= 0 and images.max() <= 1):
        raise ValueError("images must be finite values in [0, 1] (divide uint8 pixels by 255)")
    return images, x.shape


def _neighbourhood(images, reduce):
    """reduce (np.maximum or np.minimum) over each pixel's 3x3 neighbourhood, zeros beyond the frame.

    Separable: the 3x3 extreme is the 3-wide extreme along rows of the 3-tall extreme along columns.
    """
    padded = np.pad(images, ((0, 0), (1, 1), (1, 1)))  # (m, 30, 30)
    tall = reduce(reduce(padded[:, :-2], padded[:, 1:-1]), padded[:, 2:])  # (m, 28, 30)
    return reduce(reduce(tall[:, :, :-2], tall[:, :, 1:-1]), tall[:, :, 2:])  # (m, 28, 28)


def dilate(x):
    """3x3 max filter of each image: strokes one pixel thicker on every side. Same shape as x."""
    images, shape = _images(x)
    return _neighbourhood(images, np.maximum).reshape(shape)


def erode(x):
    """3x3 min filter of each image: strokes one pixel thinner on every side. Same shape as x."""
    images, shape = _images(x)
    return _neighbourhood(images, np.minimum).reshape(shape)


def affine(x, matrices, offsets):
    """Resample each image i at  source = matrices[i] @ (p - c) + c + offsets[i]  for every output pixel p.

    x: (m, 784) or (m, 28, 28); matrices (m, 2, 2) and offsets (m, 2) act on (row, column) pixel indices,
    c = (14, 14). This is the *inverse* map (output -> source), so each output pixel is one bilinear
    sample and no holes appear. Sources outside the frame read as 0. Same shape as x.
    """
    images, shape = _images(x)
    m = images.shape[0]
    matrices = np.asarray(matrices, dtype=np.float64)
    offsets = np.asarray(offsets, dtype=np.float64)
    if matrices.shape != (m, 2, 2) or offsets.shape != (m, 2):
        raise ValueError(
            f"expected matrices ({m}, 2, 2) and offsets ({m}, 2), got {matrices.shape} and {offsets.shape}"
        )
    if not (np.all(np.isfinite(matrices)) and np.all(np.isfinite(offsets))):
        raise ValueError("matrices and offsets must be finite")
    # float32 inside: coordinates below 32 keep ~1e-5 px, and half the memory traffic of float64
    matrices, offsets = matrices.astype(np.float32), offsets.astype(np.float32)
    rows, cols = (np.indices((SIDE, SIDE)).reshape(2, -1) - CENTRE).astype(np.float32)  # (784,) each
    src_r = matrices[:, 0, :1] * rows + matrices[:, 0, 1:] * cols + (CENTRE + offsets[:, :1])  # (m, 784)
    src_c = matrices[:, 1, :1] * rows + matrices[:, 1, 1:] * cols + (CENTRE + offsets[:, 1:])
    # two zero rows/columns of padding on each side; a source clipped to [-2, 28.5] off the frame then
    # reads only padding (rows -2, -1 or 28, 29), i.e. 0, and every corner stays inside the array
    src_r = np.clip(src_r, -2.0, SIDE + 0.5)
    src_c = np.clip(src_c, -2.0, SIDE + 0.5)
    r0, c0 = np.floor(src_r), np.floor(src_c)
    fr, fc = src_r - r0, src_c - c0  # (m, 784) bilinear weights
    width = SIDE + 4
    padded = np.pad(images.astype(np.float32), ((0, 0), (2, 2), (2, 2))).ravel()  # (m * 32 * 32,)
    # flat index of each top-left corner in the padded batch: image, row, column
    flat = (
        (np.arange(m) * width * width)[:, None] + (r0.astype(np.intp) + 2) * width + (c0.astype(np.intp) + 2)
    )  # (m, 784)
    top = (1 - fc) * padded.take(flat) + fc * padded.take(flat + 1)
    bottom = (1 - fc) * padded.take(flat + width) + fc * padded.take(flat + width + 1)
    out = (1 - fr) * top + fr * bottom  # (m, 784)
    return out.astype(np.float64).reshape(shape)


def _non_negative(name, value):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not np.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be a non-negative number, got {value!r}")
    return float(value)


def augment(x, rng, *, max_shift=1.5, max_rotation=10.0, scale=(0.9, 1.1), max_shear=0.15, width=0.4, chunk=2000):
    """Each digit of x with its own random distortion; returns float64 in [0, 1] shaped like x.

    Per image, drawn from ``rng`` (a numpy.random.Generator), uniformly: a stroke-width blend w in
    [-width, width] (w > 0 moves w of the way to the 3x3 max filter, w < 0 |w| of the way to the min
    filter); a rotation in ±max_rotation degrees; a scale in ``scale`` (one per axis); a shear in
    ±max_shear; a shift in ±max_shift pixels per axis. ``chunk`` bounds the memory of one gather pass
    and does not change the result.
    """
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy.random.Generator (np.random.default_rng(seed)), got {rng!r}")
    images, shape = _images(x)
    max_shift, max_rotation, max_shear, width = (
        _non_negative(n, v)
        for n, v in (
            ("max_shift", max_shift),
            ("max_rotation", max_rotation),
            ("max_shear", max_shear),
            ("width", width),
        )
    )
    try:
        lo, hi = (float(s) for s in scale)
    except (TypeError, ValueError):
        raise ValueError(f"scale must be a pair (low, high), got {scale!r}") from None
    if not 0 < lo <= hi or not np.isfinite(hi):
        raise ValueError(f"scale must be a pair 0 < low <= high, got {scale!r}")
    chunk = int(chunk) if isinstance(chunk, numbers.Integral) and chunk >= 1 else None
    if chunk is None:
        raise ValueError(f"chunk must be a positive integer, got {chunk!r}")
    m = images.shape[0]
    # every random number first, so the chunking cannot change what each image gets
    w = rng.uniform(-width, width, size=m)  # (m,)
    theta = np.radians(rng.uniform(-max_rotation, max_rotation, size=m))
    scales = rng.uniform(lo, hi, size=(m, 2))  # (m, 2): rows, columns
    shear = rng.uniform(-max_shear, max_shear, size=m)
    shift = rng.uniform(-max_shift, max_shift, size=(m, 2))

    # forward map: rotate . shear . scale, about the centre; its inverse is what affine samples with
    cos, sin = np.cos(theta), np.sin(theta)
    rotate = np.stack([np.stack([cos, -sin], -1), np.stack([sin, cos], -1)], -2)  # (m, 2, 2)
    shear_m = np.zeros((m, 2, 2))
    shear_m[:, 0, 0] = shear_m[:, 1, 1] = 1.0
    shear_m[:, 1, 0] = shear  # columns move in proportion to the row: slant
    forward = rotate @ shear_m @ (scales[:, :, None] * np.eye(2))  # (m, 2, 2)
    inverse = np.linalg.inv(forward)
    offsets = -np.einsum("mij,mj->mi", inverse, shift)  # shift after the map, seen from the output

    out = np.empty((m, SIDE, SIDE))
    for start in range(0, m, chunk):  # bounded memory; vectorised inside
        part = slice(start, start + chunk)
        img = images[part].copy()
        wp = w[part, None, None]  # (k, 1, 1)
        for grow, reduce in ((wp[:, 0, 0] > 0, np.maximum), (wp[:, 0, 0] < 0, np.minimum)):
            # each image moves |w| of the way to its dilation (w > 0) or erosion (w < 0)
            img[grow] += np.abs(wp[grow]) * (_neighbourhood(img[grow], reduce) - img[grow])
        out[part] = affine(img, inverse[part], offsets[part])
    return np.clip(out, 0.0, 1.0).reshape(shape)
