"""The lab's ReLU exercise: BP2 through rectified linear layers, whose f′ is the step 1[z > 0].

The network has ReLU hidden layers, max(0, z), and a softmax output under the log-likelihood cost
(δ^L = a^L − y, the softmax exercise's answer, given here). A ReLU unit that did not fire (z ≤ 0)
passes no error back. The texts follow backprop_texts' pattern.
"""

HEADER = '''\
import numpy as np
from backprop.activations import relu, softmax


def backprop(weights, biases, x, y, cost):
    """The gradient of the log-likelihood cost on a batch, summed over its examples.

    The network: ReLU hidden layers, a^l = relu(z^l) = max(0, z^l), and a softmax output layer.
    Conventions as in the first exercise: x (m, n_in), y (m, n_out) one-hot, weights[l] (n_out, n_in),
    biases[l] (n_out, 1); return (nabla_b, nabla_w), each the SUM over the m examples.
    Given: relu(z), softmax(z), numpy as np.
    """
    # forward pass: ReLU layers, then softmax
    activations = [x]                                # a^1 = x, (m, n_in)
    zs = []
    for l, (w, b) in enumerate(zip(weights, biases)):
        z = activations[-1] @ w.T + b.T              # (m, n_out)
        zs.append(z)
        last = l == len(weights) - 1
        activations.append(softmax(z) if last else relu(z))
    nabla_b = [np.zeros_like(b) for b in biases]
    nabla_w = [np.zeros_like(w) for w in weights]
    delta = activations[-1] - y                      # BP1 for softmax + log-likelihood, (m, n_L)
'''

SKELETON = (
    HEADER
    + """\
    # the rest of the backward pass:
    #   BP3, BP4 for the output layer, then for each ReLU layer below:
    #   BP2  δ^l = ((w^{l+1})ᵀ δ^{l+1}) ⊙ relu′(z^l),  relu′(z) = 1 where z > 0, else 0
    #        here: (delta @ w) * (z > 0)

    return nabla_b, nabla_w
"""
)

REFERENCE = (
    HEADER
    + """\
    nabla_b[-1] = delta.sum(axis=0)[:, None]         # BP3
    nabla_w[-1] = delta.T @ activations[-2]          # BP4
    for l in range(2, len(weights) + 1):
        delta = (delta @ weights[-l + 1]) * (zs[-l] > 0)   # BP2: ReLU's step
        nabla_b[-l] = delta.sum(axis=0)[:, None]     # BP3
        nabla_w[-l] = delta.T @ activations[-l - 1]  # BP4
    return nabla_b, nabla_w
"""
)


def _broken(old, new):
    if REFERENCE.count(old) != 1:
        raise AssertionError(f"the reference has {REFERENCE.count(old)} copies of {old!r}")
    return REFERENCE.replace(old, new)


BUGS = {
    "relu-step-forgotten": dict(
        title="ReLU's step forgotten",
        story="relu is linear where it fires, so its derivative was taken as 1 everywhere: the error now "
        "flows back through units that never fired.",
        code=_broken(
            "delta = (delta @ weights[-l + 1]) * (zs[-l] > 0)   # BP2: ReLU's step",
            "delta = delta @ weights[-l + 1]                    # BP2: ReLU's step",
        ),
        fails=[2, 3],
        hint="step",
    ),
    "relu-prime-as-relu": dict(
        title="relu(z) where relu′(z) belongs",
        story="BP2 multiplies by the activation itself, relu(z), instead of its derivative, the step.",
        code=_broken(
            "delta = (delta @ weights[-l + 1]) * (zs[-l] > 0)   # BP2: ReLU's step",
            "delta = (delta @ weights[-l + 1]) * relu(zs[-l])   # BP2: ReLU's step",
        ),
        fails=[2, 3],
        hint="step",
    ),
}
