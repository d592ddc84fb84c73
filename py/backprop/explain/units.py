"""What the hidden units have learned: their incoming weights as pictures, and the digits that excite them.

A first-layer unit j computes σ(w_j · x + b_j); its 784 weights ``weights[0][j]`` laid out as 28×28 show
which pixels push it on (positive) or off (negative). Later layers are shown as matrices (rows = units).
In a convolutional first layer a "unit" is a feature map (one kernel slid over the whole image); the
digits that excite it most are those whose map reaches the highest activation anywhere (its maximum).
What it leaves out: any drawing — the page colours the numbers returned here.
"""

import numpy as np

from ..nn.conv import Conv2D
from .feature_maps import map_activations

LEVELS = 127  # weights are sent to the page as int8 in [-LEVELS, LEVELS]
CLIP_QUANTILE = 0.995  # a few large weights would otherwise wash every tile out to near-white


def quantise_symmetric(w, levels=LEVELS, quantile=1.0):
    """A layer's weights as int8 on a scale symmetric around 0: (q, scale) with w ≈ q / levels * scale.

    Symmetric so that 0 stays the colour map's midpoint; one scale per layer so that tiles of one layer
    compare by colour. ``scale`` is the ``quantile`` of |w| (1.0: the largest); weights beyond it are
    clipped to ±levels, the ends of the colour map. A layer of zeros gets scale 0 and all-zero q.
    """
    w = np.asarray(w, dtype=np.float64)
    if not np.all(np.isfinite(w)):
        raise ValueError("the weights are not all finite")
    magnitude = np.abs(w)
    scale = float(np.quantile(magnitude, quantile)) if w.size else 0.0
    if scale == 0.0:
        scale = float(magnitude.max()) if w.size else 0.0
    if scale == 0.0:
        return np.zeros(w.shape, np.int8), 0.0
    q = np.clip(np.rint(w * (levels / scale)), -levels, levels).astype(np.int8)
    return q, scale


def layer_activations(net, x, layer):
    """Activations (m, sizes[layer + 1]) of hidden layer ``layer`` (0 = the first hidden layer)."""
    if not 0 <= layer < net.num_layers - 1:
        raise ValueError(f"layer must be 0..{net.num_layers - 2}, got {layer!r}")
    return net.forward(x)[1][layer + 1]  # (m, n_out)


def is_conv(net, layer=0):
    """Is hidden layer ``layer`` a convolution (its units are feature maps)?"""
    return 0 <= layer < len(net.layers) and isinstance(net.layers[layer], Conv2D)


def unit_count(net, layer=0):
    """How many units hidden layer ``layer`` has: its neurons, or a convolution's feature maps."""
    if is_conv(net, layer):
        return net.layers[layer].filters
    return net.sizes[layer + 1] if 0 <= layer < net.num_layers - 1 else 0


def most_exciting(net, x, unit, k=8, layer=0):
    """The k examples of x that drive ``unit`` of hidden layer ``layer`` highest: (indices, activations).

    A convolution's unit is a feature map, its activation on an example the map's maximum.
    Ordered by activation, highest first; ties by index, so the answer is the same on every machine.
    """
    n_units = unit_count(net, layer)
    if isinstance(unit, bool) or not isinstance(unit, (int, np.integer)) or not 0 <= unit < n_units:
        raise ValueError(f"unit must be an integer 0..{n_units - 1}, got {unit!r}")
    if is_conv(net, layer):
        a = map_activations(net, x, layer, "max")[:, unit]  # (m,)
    else:
        a = layer_activations(net, x, layer)[:, unit]  # (m,)
    order = np.lexsort((np.arange(len(a)), -a))[:k]  # highest first, then lowest index
    return order, a[order]
