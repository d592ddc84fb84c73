"""The lab's max-pooling exercise: where a MaxPool2D layer sends δ back.

Each non-overlapping size×size window passed on its maximum only, so only that entry moves the cost:
it gets the window's δ and the others 0. On a tie the package gives it to the first maximum in
row-major order (np.argmax's choice), and so does the reference. The window view of the input is
given; what is asked is the routing and the way back to images. The texts follow backprop_texts'
pattern; the bugs name the quantity (delta_below) the check must fail.
"""

HEADER = '''\
import numpy as np


def pool_backward(x, delta, in_shape, size):
    """Max-pooling's backward pass: delta_below = ∂C/∂x.

      x         (m, c·h·w)              the layer's input, rows of images in (channel, row, column) order
      in_shape  (c, h, w)               h and w are multiples of size
      size      s                       non-overlapping s×s windows
      delta     (m, c·(h/s)·(w/s))      ∂C/∂(the pooled maps), rows in (map, row, column) order
    Return delta_below (m, c·h·w), rows as x: each window's δ at its maximum, 0 elsewhere; on a tie,
    at the FIRST maximum in row-major order. No loops over examples or pixels are needed.
    Given: numpy as np.
    """
    c, h, w = in_shape
    m, s = x.shape[0], size
    # each window's s·s values in row-major order: (m, c, h/s, w/s, s·s)
    blocks = x.reshape(m, c, h // s, s, w // s, s).transpose(0, 1, 2, 4, 3, 5)   # (m, c, h/s, w/s, s, s)
    windows = blocks.reshape(m, c, h // s, w // s, s * s)
    d = delta.reshape(m, c, h // s, w // s, 1)       # one δ per window
'''

SKELETON = (
    HEADER
    + """\
    routed = np.zeros_like(windows)
    # 1. in each window, δ to the maximum's place and 0 to the others
    #    (np.argmax(..., axis=-1) gives the first maximum's index)
    # 2. back to images: undo the transpose above, then rows of c·h·w

    return routed.reshape(m, c * h * w)
"""
)

REFERENCE = (
    HEADER
    + """\
    first = windows.argmax(axis=-1)[..., None]       # (m, c, h/s, w/s, 1): the first maximum on a tie
    routed = (np.arange(s * s) == first) * d         # δ at the maximum, 0 elsewhere
    routed = routed.reshape(m, c, h // s, w // s, s, s).transpose(0, 1, 2, 4, 3, 5)   # back to (m, c, h, w)
    return routed.reshape(m, c * h * w)
"""
)


def _broken(old, new):
    if REFERENCE.count(old) != 1:
        raise AssertionError(f"the reference has {REFERENCE.count(old)} copies of {old!r}")
    return REFERENCE.replace(old, new)


_ROUTE = "routed = (np.arange(s * s) == first) * d         # δ at the maximum, 0 elsewhere"
BUGS = {
    "pool-spread-over-window": dict(
        title="δ shared over the whole window",
        story="Each window's δ is shared out equally over its s·s inputs, as average pooling's backward "
        "pass would; but only the maximum reached the layer above.",
        code=_broken(_ROUTE, "routed = np.ones_like(windows) * d / (s * s)   # δ shared over the window"),
        fails=["delta_below"],
        hint="spread over the whole window",
    ),
    "pool-last-maximum": dict(
        title="Ties to the last maximum",
        story="The maximum is found by scanning the window backwards, so on a tie δ goes to the last "
        "maximum, not to the first one as the forward pass's argmax chose.",
        code=_broken(
            "first = windows.argmax(axis=-1)[..., None]       # (m, c, h/s, w/s, 1): the first maximum on a tie",
            "first = s * s - 1 - windows[..., ::-1].argmax(axis=-1)[..., None]   # the maximum, scanning back",
        ),
        fails=["delta_below"],
        hint="goes to the last maximum",
    ),
    "pool-not-transposed-back": dict(
        title="δ put back in window order",
        story="The windows were made with a transpose; the way back reshapes without undoing it, so δ "
        "lands on the wrong pixels.",
        code=_broken(
            "routed = routed.reshape(m, c, h // s, w // s, s, s).transpose(0, 1, 2, 4, 3, 5)   # back to (m, c, h, w)",
            "routed = routed.reshape(m, c, h, w)             # back to (m, c, h, w)",
        ),
        fails=["delta_below"],
        hint="transpose",
    ),
}
