"""The lab's convolution exercise: a Conv2D layer's backward pass, BP2 to BP4 for shared weights.

The layer is the package's: valid cross-correlation, stride 1, z[o, i, j] = Σ_c Σ_p Σ_q w[o, c, p, q] ·
x[c, i + p, j + q] + b[o]. Each weight is used at every position (i, j), so its gradient sums over the
positions as well as over the batch; δ for the layer below is the full convolution of δ with the
flipped kernel. The reference loops over the k×k kernel offsets only (each one a whole-batch product),
never over examples or pixels. The texts follow backprop_texts' pattern; the bugs name the quantities
(nabla_b, nabla_w, delta_below) the check must fail.
"""

HEADER = '''\
import numpy as np


def conv_backward(x, w, delta, in_shape):
    """A convolution layer's backward pass: (nabla_b, nabla_w, delta_below).

    The layer (valid cross-correlation, stride 1):
        z[o, i, j] = Σ_c Σ_p Σ_q w[o, c, p, q] · x[c, i + p, j + q] + b[o]
      x          (m, c·h·w)        the layer's input, each row an image in (channel, row, column) order
      in_shape   (c, h, w)         so x.reshape(m, c, h, w) gives the images
      w          (c_out, c, k, k)  the kernels; the biases b are (c_out, 1)
      delta      (m, c_out·oh·ow)  ∂C/∂z, each row in (map, row, column) order; oh = h − k + 1
    Return
      nabla_b      (c_out, 1)         ∂C/∂b, summed over the batch
      nabla_w      (c_out, c, k, k)   ∂C/∂w, summed over the batch
      delta_below  (m, c·h·w)         ∂C/∂x, rows as x (the layer below multiplies by its own f′)
    Loops over the k×k kernel offsets are fine; over examples or pixels they are slow.
    Given: numpy as np.
    """
    c, h, wd = in_shape
    m = x.shape[0]
    c_out, _, k, _ = w.shape
    oh, ow = h - k + 1, wd - k + 1
    x = x.reshape(m, c, h, wd)                       # (m, c, h, w)
    d = delta.reshape(m, c_out, oh, ow)              # (m, c_out, oh, ow)
'''

SKELETON = (
    HEADER
    + """\
    nabla_b = np.zeros((c_out, 1))
    nabla_w = np.zeros_like(w)
    delta_below = np.zeros((m, c, h, wd))
    # BP3  ∂C/∂b[o] = Σ over the batch and every position (i, j) of δ[o, i, j]
    # BP4  ∂C/∂w[o, c, p, q] = Σ over the batch and positions of δ[o, i, j] · x[c, i + p, j + q]
    #      for one offset (p, q): x[:, :, p:p + oh, q:q + ow] is the input each δ[., ., i, j] saw there
    # BP2  ∂C/∂x[c, r, s] = Σ_o Σ_p Σ_q δ[o, r − p, s − q] · w[o, c, p, q]: the full convolution of δ
    #      (padded by k − 1 on every side) with the flipped kernel w[:, :, ::-1, ::-1]
    #      np.einsum("moij,oc->mcij", ...) sums over the maps o for one kernel offset

    return nabla_b, nabla_w, delta_below.reshape(m, c * h * wd)
"""
)

REFERENCE = (
    HEADER
    + """\
    nabla_b = d.sum(axis=(0, 2, 3))[:, None]         # BP3: over the batch and every position
    nabla_w = np.zeros_like(w)
    for p in range(k):
        for q in range(k):
            seen = x[:, :, p:p + oh, q:q + ow]       # (m, c, oh, ow): what w[:, :, p, q] multiplied
            nabla_w[:, :, p, q] = np.einsum("moij,mcij->oc", d, seen)   # BP4
    # BP2: the full convolution of δ with the flipped kernel
    padded = np.pad(d, ((0, 0), (0, 0), (k - 1, k - 1), (k - 1, k - 1)))   # (m, c_out, h + k − 1, w + k − 1)
    flipped = w[:, :, ::-1, ::-1]
    delta_below = np.zeros((m, c, h, wd))
    for p in range(k):
        for q in range(k):
            delta_below += np.einsum("moij,oc->mcij", padded[:, :, p:p + h, q:q + wd], flipped[:, :, p, q])
    return nabla_b, nabla_w, delta_below.reshape(m, c * h * wd)
"""
)


def _broken(old, new):
    if REFERENCE.count(old) != 1:
        raise AssertionError(f"the reference has {REFERENCE.count(old)} copies of {old!r}")
    return REFERENCE.replace(old, new)


BUGS = {
    "conv-kernel-not-flipped": dict(
        title="δ below: the kernel not flipped",
        story="The forward pass is a correlation, so the backward pass was written as one too: δ slides "
        "over the padded maps against the kernel as it is, where the full convolution needs it flipped.",
        code=_broken("flipped = w[:, :, ::-1, ::-1]", "flipped = w"),
        fails=["delta_below"],
        hint="the kernel as it is",
    ),
    "conv-nabla-w-mean": dict(
        title="∂C/∂w averaged over the batch",
        story="The weights' gradient is divided by the batch size; the SGD step divides by m itself.",
        code=_broken(
            'nabla_w[:, :, p, q] = np.einsum("moij,mcij->oc", d, seen)   # BP4',
            'nabla_w[:, :, p, q] = np.einsum("moij,mcij->oc", d, seen) / m   # BP4',
        ),
        fails=["nabla_w"],
        hint="divided by m",
    ),
    "conv-bias-mean-over-positions": dict(
        title="∂C/∂b averaged over the positions",
        story="One bias per map, so its gradient was taken as the map's mean δ: but b[o] is added at every "
        "position, and each one sends its δ back.",
        code=_broken(
            "nabla_b = d.sum(axis=(0, 2, 3))[:, None]         # BP3: over the batch and every position",
            "nabla_b = d.mean(axis=(2, 3)).sum(axis=0)[:, None]   # BP3: over the batch and every position",
        ),
        fails=["nabla_b"],
        hint="every position",
    ),
    "conv-nabla-w-first-example": dict(
        title="∂C/∂w from the first example only",
        story="The einsum keeps the batch index and the first example's gradient is taken: the others' "
        "share of ∂C/∂w is lost.",
        code=_broken(
            'nabla_w[:, :, p, q] = np.einsum("moij,mcij->oc", d, seen)   # BP4',
            'nabla_w[:, :, p, q] = np.einsum("moij,mcij->moc", d, seen)[0]   # BP4',
        ),
        fails=["nabla_w"],
        hint="every example",
    ),
}
