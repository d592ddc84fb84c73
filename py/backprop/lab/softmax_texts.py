"""The lab's softmax exercise: BP1 for a softmax output layer under the log-likelihood cost.

The network has sigmoid hidden layers and a softmax output, a^L_j = e^(z^L_j) / Σ_k e^(z^L_k), trained
on C = −ln a^L_y. Its output error is δ^L = a^L − y: softmax's Jacobian cancels the 1/a of ∂C/∂a, so
there is no f′ factor. The texts follow backprop_texts' pattern: a skeleton, the reference, broken
versions with their story and what the check must say.
"""

HEADER = '''\
import numpy as np
from backprop.activations import sigmoid, sigmoid_prime, softmax


def backprop(weights, biases, x, y, cost):
    """The gradient of the log-likelihood cost C = −ln a^L_y on a batch, summed over its examples.

    The network: sigmoid hidden layers, a softmax output layer, a^L = softmax(z^L).
    Conventions as in the first exercise: x (m, n_in) rows are examples, y (m, n_out) one-hot,
    weights[l] (n_out, n_in), biases[l] (n_out, 1); return (nabla_b, nabla_w), each the SUM over the
    m examples, shaped like biases and weights.
    Given: sigmoid(z), sigmoid_prime(z), softmax(z) (over each row), numpy as np.
    """
    # forward pass: sigmoid layers, then softmax
    activations = [x]                                # a^1 = x, (m, n_in)
    zs = []
    for l, (w, b) in enumerate(zip(weights, biases)):
        z = activations[-1] @ w.T + b.T              # (m, n_out)
        zs.append(z)
        last = l == len(weights) - 1
        activations.append(softmax(z) if last else sigmoid(z))
    nabla_b = [np.zeros_like(b) for b in biases]
    nabla_w = [np.zeros_like(w) for w in weights]
'''

SKELETON = (
    HEADER
    + """\
    # backward pass (rows are examples, so δ^l is (m, n_l)):
    #   BP1  for softmax with C = −ln a^L_y:  δ^L = a^L − y   (no f′ factor: why?)
    #   BP2  δ^l = ((w^{l+1})ᵀ δ^{l+1}) ⊙ σ′(z^l)   here: (delta @ w) * sigmoid_prime(z)
    #   BP3  ∂C/∂b^l = δ^l, summed over the batch, as a column (n_l, 1)
    #   BP4  ∂C/∂w^l = δ^l (a^{l−1})ᵀ, summed over the batch: (n_l, n_{l−1})

    return nabla_b, nabla_w
"""
)

REFERENCE = (
    HEADER
    + """\
    # backward pass
    delta = activations[-1] - y                      # BP1 for softmax + log-likelihood, (m, n_L)
    nabla_b[-1] = delta.sum(axis=0)[:, None]         # BP3
    nabla_w[-1] = delta.T @ activations[-2]          # BP4
    for l in range(2, len(weights) + 1):
        delta = (delta @ weights[-l + 1]) * sigmoid_prime(zs[-l])   # BP2
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
    "softmax-extra-f-prime": dict(
        title="Softmax's δ^L with an extra a(1 − a)",
        story="BP1 written as for a sigmoid layer under the quadratic cost, ∇_a C ⊙ f′(z^L), with f′ "
        "taken as a(1 − a): a factor that softmax with the log-likelihood cancels.",
        code=_broken(
            "delta = activations[-1] - y                      # BP1 for softmax + log-likelihood, (m, n_L)",
            "a = activations[-1]\n"
            "    delta = (a - y) * a * (1 - a)                    # BP1 for softmax + log-likelihood, (m, n_L)",
        ),
        fails=[2, 3],
        hint="a − y",
    ),
    "softmax-gradient-of-a": dict(
        title="∂C/∂a instead of ∂C/∂z",
        story="δ^L is ∂C/∂z^L; this one stopped at ∂C/∂a^L = −y/a, the gradient before softmax.",
        code=_broken(
            "delta = activations[-1] - y                      # BP1 for softmax + log-likelihood, (m, n_L)",
            "delta = -y / activations[-1]                     # BP1 for softmax + log-likelihood, (m, n_L)",
        ),
        fails=[2, 3],
        hint="a − y",
    ),
}
