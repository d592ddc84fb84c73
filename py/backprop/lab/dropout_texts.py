"""The lab's dropout exercise: the backward pass of a training pass with dropout masks.

Each hidden layer's output is multiplied by a mask: 0 for a dropped unit, 1/(1 − p) for a kept one
(inverted dropout). A dropped unit sent nothing to the layer above, so in BP2 its error is 0: the
error coming back is multiplied by the same mask, and σ′ comes from z, as always. The texts follow
backprop_texts' pattern; ``masks`` is the extra argument.
"""

HEADER = '''\
import numpy as np
from backprop.activations import sigmoid, sigmoid_prime


def backprop(weights, biases, x, y, cost, masks):
    """The gradient of the cost on a batch in a training pass with dropout, summed over its examples.

    masks[l] (m, n) multiplies the output of hidden layer l (the layer of weights[l]): 0 where a unit
    is dropped, 1/(1 − p) where it is kept. The output layer has no mask: len(masks) is
    len(weights) − 1. Otherwise as in the first exercise (sigmoid layers, cost.delta for BP1).
    Given: sigmoid(z), sigmoid_prime(z), numpy as np.
    """
    # forward pass, with dropout
    activations = [x]                                # a^1 = x, (m, n_in)
    zs = []
    for l, (w, b) in enumerate(zip(weights, biases)):
        z = activations[-1] @ w.T + b.T              # (m, n_out)
        zs.append(z)
        a = sigmoid(z)
        if l < len(masks):
            a = a * masks[l]                         # dropout: what the next layer sees
        activations.append(a)
    nabla_b = [np.zeros_like(b) for b in biases]
    nabla_w = [np.zeros_like(w) for w in weights]
    delta = cost.delta(zs[-1], activations[-1], y)   # BP1, (m, n_L)
    nabla_b[-1] = delta.sum(axis=0)[:, None]         # BP3
    nabla_w[-1] = delta.T @ activations[-2]          # BP4 (with the masked activations)
'''

SKELETON = (
    HEADER
    + """\
    # the hidden layers, from the top down:
    #   BP2 with dropout:  δ^l = ((w^{l+1})ᵀ δ^{l+1}) ⊙ mask^l ⊙ σ′(z^l)
    #        here: (delta @ w) * masks[...] * sigmoid_prime(z); masks[-l + 1] goes with zs[-l]
    #   BP3, BP4 as before (activations already hold the masked outputs)

    return nabla_b, nabla_w
"""
)

REFERENCE = (
    HEADER
    + """\
    for l in range(2, len(weights) + 1):
        delta = (delta @ weights[-l + 1]) * masks[-l + 1] * sigmoid_prime(zs[-l])   # BP2 with the mask
        nabla_b[-l] = delta.sum(axis=0)[:, None]     # BP3
        nabla_w[-l] = delta.T @ activations[-l - 1]  # BP4
    return nabla_b, nabla_w
"""
)


def _broken(old, new):
    if REFERENCE.count(old) != 1:
        raise AssertionError(f"the reference has {REFERENCE.count(old)} copies of {old!r}")
    return REFERENCE.replace(old, new)


_BP2 = "delta = (delta @ weights[-l + 1]) * masks[-l + 1] * sigmoid_prime(zs[-l])   # BP2 with the mask"
BUGS = {
    "dropout-mask-forgotten": dict(
        title="The mask forgotten in the backward pass",
        story="The forward pass drops units; the backward pass does not, so dropped units get an error "
        "(and their weights a gradient) for an output nobody saw.",
        code=_broken(_BP2, "delta = (delta @ weights[-l + 1]) * sigmoid_prime(zs[-l])   # BP2 with the mask"),
        fails=[2, 3],
        hint="mask",
    ),
    "dropout-sigma-prime-of-masked-a": dict(
        title="σ′ from the masked activation",
        story="σ′(z) = a(1 − a) saves an exp, but here a is the masked output: 0 or twice σ(z), not σ(z).",
        code=_broken(
            _BP2,
            "a = activations[-l]\n"
            "        delta = (delta @ weights[-l + 1]) * masks[-l + 1] * a * (1 - a)   # BP2 with the mask",
        ),
        fails=[2, 3],
        hint="σ′",
    ),
    "dropout-mask-unscaled": dict(
        title="The mask's 0s without its scale",
        story="The backward pass keeps the right units but drops the mask's 1/(1 − p): forward and "
        "backward no longer describe the same function.",
        code=_broken(_BP2, "delta = (delta @ weights[-l + 1]) * (masks[-l + 1] > 0) * sigmoid_prime(zs[-l])   # BP2"),
        fails=[2, 3],
        hint="mask",
    ),
}
