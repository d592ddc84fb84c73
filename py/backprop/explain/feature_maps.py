"""What a convolutional network sees in one digit: the feature maps after each convolution and each pooling.

A Conv2D layer slides each of its c_out kernels over the image and writes one map per kernel, its
activation f(z) at every position: z[o, i, j] = Σ_c Σ_p Σ_q w[o, c, p, q] · x[c, i + p, j + q] + b[o]. A
MaxPool2D layer keeps each window's largest value. Here each such layer's output for one input, as
(channels, height, width), read off the network's own forward pass (nothing recomputed).
The kernels themselves are the conv layers' weights (c_out, c_in, k, k) as they are.
What it leaves out: the dense layers after the maps (the hidden-units and BP views show those) and any
drawing — the page colours the numbers returned here.
"""

from dataclasses import dataclass

import numpy as np

from ..nn.conv import Conv2D, MaxPool2D


@dataclass
class Stage:
    """One layer's output on one input: ``layer`` is its index in ``net.layers`` (0 = the first)."""

    layer: int
    kind: str  # "conv2d" or "maxpool2d"
    activation: str | None  # the convolution's f (None for pooling)
    maps: np.ndarray  # (c, h, w)


def is_convolutional(net):
    """Does the network have a convolution (or pooling) anywhere?"""
    return any(isinstance(layer, (Conv2D, MaxPool2D)) for layer in net.layers)


def conv_kernels(net):
    """[(layer index in net.layers, w (c_out, c_in, k, k), b (c_out,))] for every Conv2D layer, in order."""
    params = iter(zip(net.weights, net.biases))
    out = []
    for l, layer in enumerate(net.layers):
        if layer in net.trainable:
            w, b = next(params)
            if isinstance(layer, Conv2D):
                out.append((l, w, b[:, 0]))
    return out


def feature_maps(net, x):
    """Each convolution's and each pooling's output for one input x (n_in,) or (1, n_in): [Stage]."""
    x = np.asarray(x, dtype=np.float64).reshape(1, -1)
    activations = net.forward(x)[1]  # activations[l + 1] is layer l's output
    stages = []
    for l, layer in enumerate(net.layers):
        if isinstance(layer, (Conv2D, MaxPool2D)):
            shape = layer.out_shape if isinstance(layer, Conv2D) else _pooled_shape(layer)
            activation = layer.activation.name if isinstance(layer, Conv2D) else None
            stages.append(Stage(l, layer.kind, activation, activations[l + 1][0].reshape(shape)))
    return stages


def _pooled_shape(pool):
    c, h, w = pool.in_shape
    return (c, h // pool.size, w // pool.size)


def map_activations(net, x, layer=0, reduce="max", chunk=250):
    """Every feature map of Conv2D layer ``layer`` (its index in net.layers) reduced to one number per
    example, its largest ("max") or mean ("mean") activation: (m, c_out). A chunk of rows at a time,
    so that a convolution over ten thousand digits never holds all their patches at once."""
    conv = net.layers[layer] if 0 <= layer < len(net.layers) else None
    if not isinstance(conv, Conv2D):
        raise ValueError(f"layer {layer!r} is not a convolution")
    if reduce not in ("max", "mean"):
        raise ValueError(f"reduce must be 'max' or 'mean', got {reduce!r}")
    x = np.asarray(x)
    out = []
    for k in range(0, len(x), chunk):
        a = net.forward(x[k : k + chunk])[1][layer + 1]  # (chunk, c_out·oh·ow)
        maps = a.reshape(a.shape[0], conv.filters, -1)
        out.append(maps.max(axis=2) if reduce == "max" else maps.mean(axis=2))
    return np.concatenate(out) if out else np.zeros((0, conv.filters))
