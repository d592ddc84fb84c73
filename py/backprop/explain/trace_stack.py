"""``trace`` for a network with convolution and pooling layers (chapter 6): one example through the
layers' own forward and backward passes, every quantity of BP1–BP4 kept, as ``trace`` keeps them for a
dense stack — which it writes out with the book's column vectors instead.

Each layer's z, a, f′(z) and δ are the layer's output flattened in (channel, row, column) order; a
convolution's ∂C/∂w has the kernel's shape (c_out, c_in, k, k) and its ∂C/∂b one number per feature map;
a pooling layer has neither, and no f′ (its δ is routed, not multiplied):

    into a convolution's input (BP2):  ∂C/∂a^{l−1} = the full convolution of δ^l with the flipped kernel
    into a pooling's input:            δ goes to each window's maximum (the first, on a tie), 0 elsewhere
    a convolution's BP3, BP4:          ∂C/∂b_o = Σ_ij δ_oij,   ∂C/∂w_ocpq = Σ_ij δ_oij a_c,i+p,j+q

Two mistakes belong to these layers: the kernel not flipped in BP2 (a correlation where a convolution
is needed) and pooling's δ spread over its whole window instead of routed to the maximum.
"""

import numpy as np

CONV_MISTAKES = {
    "conv-kernel-not-flipped": "BP2 into a convolution's input with the kernel not flipped: the full "
    "correlation of δ with w instead of its full convolution",
    "pool-delta-spread": "max-pooling's δ spread over its whole window instead of routed to the window's maximum",
}


def reaches(net):
    """The conv mistakes that reach this network: each needs its layer to pass δ to a layer below."""
    kinds = [layer.kind for layer in net.layers]
    return {
        "conv-kernel-not-flipped": "conv2d" in kinds[1:],
        "pool-delta-spread": "maxpool2d" in kinds[1:],
    }


def _spread(delta, pool):
    """The mistake "pool-delta-spread": every position of each window gets the window's δ."""
    c, h, w = pool.in_shape
    s = pool.size
    maps = delta.reshape(-1, c, h // s, w // s)
    return np.repeat(np.repeat(maps, s, axis=2), s, axis=3).reshape(delta.shape[0], -1)


def backward_into(layer, delta, a_below, w, mistake):
    """∂C/∂a of the layer below, from this layer's δ (BP2 before the lower layer's f′), mistake included."""
    if mistake == "pool-delta-spread" and layer.kind == "maxpool2d":
        return _spread(delta, layer)
    if mistake == "conv-kernel-not-flipped" and layer.kind == "conv2d":
        w = np.ascontiguousarray(w[:, :, ::-1, ::-1])  # the full convolution with w itself, unflipped
    return layer.backward(delta, a_below, w)


def forward_pass(net64, x, masks):
    """(zs, outputs, activations) for one example x (1, n_in): each layer's z, f(z) and what the next
    layer sees (f(z) times its dropout mask, when one is given)."""
    zs, outputs, activations = [], [], [x]
    for layer, (w, b), mask in zip(net64.layers, net64._params(), masks):
        z, a = layer.forward(activations[-1], w, b)
        zs.append(z)
        outputs.append(a)
        activations.append(a if mask is None else a * mask)
    return zs, outputs, activations


def deltas_down(net64, delta_L, zs, activations, fps, masks, mistake):
    """δ of every layer, from the output's (BP1) down: BP2 through each layer's own backward pass."""
    params = net64._params()
    deltas = [delta_L]
    for l in range(len(zs) - 2, -1, -1):
        up = net64.layers[l + 1]
        back = backward_into(up, deltas[0], activations[l + 1], params[l + 1][0], mistake)
        if masks[l] is not None:
            back = back * masks[l]  # a dropped unit sent nothing up, so it takes no error back
        deltas.insert(0, back * fps[l])  # BP2 (a pooling layer's f′ is 1)
    return deltas


def gradients_of(layer, delta, a_below):
    """(∂C/∂b 1-D, ∂C/∂w in the weights' shape) of one layer for one example, or (None, None)."""
    if getattr(layer, "shapes", None) is None:
        return None, None
    nabla_b, nabla_w = layer.gradients(delta, a_below)  # BP3, BP4
    return nabla_b[:, 0], nabla_w
