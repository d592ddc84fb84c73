"""Chapter 6's layers: a 2-D convolution and max-pooling, each forward pass beside its backward pass.

Rows stay rows: a layer sees a batch as (m, c·h·w), each row an image in (channel, row, column) order,
and reshapes it itself; what it hands on is flattened the same way, so a Dense layer after reads it as
numpy's reshape of (c, h, w). No Python loop runs over examples or pixels: the convolution is im2col
(every k×k patch of every example a row) and then one matrix product through ``backend``, as a Dense
layer's is, so the page's kernel serves it too; the loops that remain run over the k² kernel offsets or
the s² window offsets.

    Conv2D, valid, stride 1:  z[o, i, j] = Σ_c Σ_p Σ_q w[o, c, p, q] · x[c, i + p, j + q] + b[o]
        BP2 (the error for the layer below): ∂C/∂x = the full convolution of δ with the flipped kernel,
            computed here as col2im(δ · w): each patch's share added back where the patch came from
        BP3 ∂C/∂b[o] = Σ δ[o, i, j]         BP4 ∂C/∂w[o, c, p, q] = Σ δ[o, i, j] · x[c, i + p, j + q]
            (the correlation of the layer's input with δ: im2colᵀ · δ)
    MaxPool2D(s): the maximum of each s×s window (non-overlapping); δ goes back to the window's maximum
        only, the first one in row-major order on a tie; nothing else gets any.

What it leaves out: padding and strides other than 1 (network3 has neither), pooling windows that do
not tile the image (refused, naming the layer, rather than silently cropped).
"""

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ..activations import get_activation
from . import backend, validate


def im2col(x, k):
    """(m, c, h, w) -> (m·oh·ow, c·k·k): every k×k patch of every image a row, in (c, p, q) order (the
    order of a (c_out, c, k, k) kernel flattened); rows in (example, i, j) order. One copy, no loop."""
    m, c, h, w = x.shape
    oh, ow = h - k + 1, w - k + 1
    windows = sliding_window_view(x, (k, k), axis=(2, 3))  # (m, c, oh, ow, k, k), a view
    return windows.transpose(0, 2, 3, 1, 4, 5).reshape(m * oh * ow, c * k * k)


def col2im(cols, shape, k):
    """The adjoint of ``im2col``: each row's k×k·c values added back at its patch's place; (m, c, h, w).
    The loop runs over the k² offsets of a kernel, each one a whole-batch slice addition."""
    m, c, h, w = shape
    oh, ow = h - k + 1, w - k + 1
    patches = cols.reshape(m, oh, ow, c, k, k)
    out = np.zeros(shape, dtype=cols.dtype)
    for p in range(k):
        for q in range(k):
            out[:, :, p : p + oh, q : q + ow] += patches[:, :, :, :, p, q].transpose(0, 3, 1, 2)
    return out


class Conv2D:
    """``c_out`` feature maps from k×k kernels over every input channel: w (c_out, c_in, k, k), b (c_out, 1)."""

    kind = "conv2d"

    def __init__(self, filters, kernel, activation="sigmoid"):
        self.filters = validate.positive_int("filters", filters)
        self.kernel = validate.positive_int("kernel", kernel)
        self.activation = get_activation(activation)
        if not getattr(self.activation, "elementwise", True):
            raise ValueError(f"a convolution's activation must be element-wise, got {self.activation.name}")
        self.in_shape = None

    def build(self, in_shape):
        if len(in_shape) != 3:
            raise ValueError(f"a convolution needs images (channels, height, width) in, got shape {tuple(in_shape)}")
        c, h, w = in_shape
        if self.kernel > min(h, w):
            raise ValueError(f"a {self.kernel}×{self.kernel} kernel does not fit in a {h}×{w} image")
        self.in_shape = (c, h, w)
        self.out_shape = (self.filters, h - self.kernel + 1, w - self.kernel + 1)
        return self.out_shape

    @property
    def shapes(self):
        return (self.filters, self.in_shape[0], self.kernel, self.kernel), (self.filters, 1)

    @property
    def fan_in(self):
        return self.in_shape[0] * self.kernel * self.kernel

    def _cols(self, a):
        return im2col(a.reshape(-1, *self.in_shape), self.kernel)  # (m·oh·ow, c·k·k)

    def _maps(self, rows, m):
        """(m·oh·ow, c_out) -> (m, c_out·oh·ow): back to images in (channel, row, column) order."""
        _, oh, ow = self.out_shape
        return rows.reshape(m, oh * ow, self.filters).transpose(0, 2, 1).reshape(m, -1)

    def _rows(self, maps):
        """(m, c_out·oh·ow) -> (m·oh·ow, c_out): the other way (δ, for the products)."""
        _, oh, ow = self.out_shape
        return maps.reshape(-1, self.filters, oh * ow).transpose(0, 2, 1).reshape(-1, self.filters)

    def forward(self, a, w, b):
        z = self._maps(backend.forward(self._cols(a), w.reshape(self.filters, -1), b), a.shape[0])
        return z, self.activation.fn(z)

    def f_prime(self, z, a_out):
        return self.activation.f_prime(z, a_out)

    def backward(self, delta, a, w):
        # BP2 before f′: the full convolution of δ with the flipped kernel, as col2im of δ·w
        cols = backend.backward(self._rows(delta), w.reshape(self.filters, -1))  # (m·oh·ow, c·k·k)
        return col2im(cols, (a.shape[0], *self.in_shape), self.kernel).reshape(a.shape[0], -1)

    def bias_gradient(self, delta):
        return self._rows(delta).sum(axis=0)[:, None]  # BP3: δ summed over examples and positions

    def gradients(self, delta, a):
        d = self._rows(delta)
        return d.sum(axis=0)[:, None], (d.T @ self._cols(a)).reshape(self.shapes[0])  # BP3, BP4

    def apply_gradient(self, target, delta, a, decay):
        # BP4 fused with the step, as Dense's: target ← decay·target − δᵀ·im2col(a), on a 2-D view
        backend.update(target.reshape(self.filters, -1), self._rows(delta), self._cols(a), decay)

    def to_dict(self):
        return {"kind": self.kind, "filters": self.filters, "kernel": self.kernel, "activation": self.activation.name}

    def __repr__(self):
        return f"Conv2D({self.filters}, {self.kernel}, activation={self.activation.name!r})"


class MaxPool2D:
    """The maximum of each non-overlapping size×size window of every feature map; no parameters."""

    kind = "maxpool2d"
    shapes = None  # nothing to learn
    activation = None

    def __init__(self, size=2):
        self.size = validate.positive_int("size", size)
        self.in_shape = None

    def build(self, in_shape):
        if len(in_shape) != 3:
            raise ValueError(f"max-pooling needs feature maps (channels, height, width) in, got {tuple(in_shape)}")
        c, h, w = in_shape
        if h % self.size or w % self.size:
            raise ValueError(f"{self.size}×{self.size} windows do not tile {h}×{w} maps")
        self.in_shape = (c, h, w)
        self.out_shape = (c, h // self.size, w // self.size)
        return self.out_shape

    def _windows(self, a):
        """(m, c·h·w) -> (m, c, oh, ow, s·s): each window's values in row-major order."""
        c, h, w = self.in_shape
        s = self.size
        x = a.reshape(-1, c, h // s, s, w // s, s)
        return x.transpose(0, 1, 2, 4, 3, 5).reshape(*x.shape[:3], w // s, s * s)

    def forward(self, a, w=None, b=None):
        z = self._windows(a).max(axis=-1).reshape(a.shape[0], -1)
        return z, z

    def f_prime(self, z, a_out):
        return 1.0  # no activation: the error passes through as it is

    def backward(self, delta, a, w=None):
        # δ to each window's maximum (argmax: the first one on a tie), 0 to the rest
        windows = self._windows(a)
        first = windows.argmax(axis=-1)[..., None]
        routed = np.zeros_like(windows)
        np.put_along_axis(routed, first, delta.reshape(first.shape), axis=-1)
        c, h, w = self.in_shape
        s = self.size
        routed = routed.reshape(*windows.shape[:4], s, s).transpose(0, 1, 2, 4, 3, 5)
        return routed.reshape(a.shape[0], c * h * w)

    def to_dict(self):
        return {"kind": self.kind, "size": self.size}

    def __repr__(self):
        return f"MaxPool2D({self.size})"
