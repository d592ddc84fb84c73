"""The lab's texts: the skeleton a learner starts from, a reference backprop, and broken versions of it.

Each broken version ("find the bug") is the reference with one or two lines changed, written for the
page: a one-line story, and what ``lab.check`` must say about it (the layers that fail, words of the
hint). tests/test_lab.py holds the check to those. The texts are Python source shown in the editor and
run only by ``lab.load_backprop``; nothing here is imported as code.
"""

HEADER = '''\
import numpy as np
from backprop.activations import sigmoid, sigmoid_prime


def backprop(weights, biases, x, y, cost):
    """The gradient of the cost on a batch, summed over its examples: (nabla_b, nabla_w).

    The conventions of the backprop package:
      x           (m, n_in)   rows are examples
      y           (m, n_out)  one-hot targets
      weights[l]  (n_out, n_in), so the book's w^l_jk is weights[l - 2][j, k]
      biases[l]   (n_out, 1)
      cost.delta(z, a, y)  BP1's output error for the cost in use, (m, n_out)
    Return two lists shaped like biases and weights, each the SUM over the m examples
    (not the mean: the SGD step divides by m itself).
    Given: sigmoid(z), sigmoid_prime(z) = σ′(z), numpy as np.
    """
    # forward pass: keep every layer's weighted input z and activation a
    activations = [x]                                # a^1 = x, (m, n_in)
    zs = []
    for w, b in zip(weights, biases):
        z = activations[-1] @ w.T + b.T              # (m, n_out)
        zs.append(z)
        activations.append(sigmoid(z))
    nabla_b = [np.zeros_like(b) for b in biases]
    nabla_w = [np.zeros_like(w) for w in weights]
'''

SKELETON = (
    HEADER
    + """\
    # backward pass, one line per equation (rows are examples, so δ^l is (m, n_l)):
    #   BP1  δ^L = ∇_a C ⊙ σ′(z^L)             = cost.delta(zs[-1], activations[-1], y)
    #   BP2  δ^l = ((w^{l+1})ᵀ δ^{l+1}) ⊙ σ′(z^l)  here: (delta @ w) * σ′(z), w of the layer above
    #   BP3  ∂C/∂b^l = δ^l                     summed over the batch, as a column (n_l, 1)
    #   BP4  ∂C/∂w^l = δ^l (a^{l−1})ᵀ          summed over the batch: (n_l, n_{l−1})
    # Python's negative indices help: zs[-1] is z^L, activations[-2] is a^{L−1}.

    return nabla_b, nabla_w
"""
)

REFERENCE = (
    HEADER
    + """\
    # backward pass
    delta = cost.delta(zs[-1], activations[-1], y)   # BP1, (m, n_L)
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
    """The reference with ``old`` (which must occur exactly once) replaced by ``new``."""
    if REFERENCE.count(old) != 1:
        raise AssertionError(f"the reference has {REFERENCE.count(old)} copies of {old!r}")
    return REFERENCE.replace(old, new)


# id: {title, story, code, fails: the book's layers (2 = first weights) the check must fail,
#      hint: words the check's hint must contain}. On the check's networks (4-3-2 and 784-30-10).
BUGS = {
    "bp2-no-sigma-prime": dict(
        title="BP2 without σ′",
        story="BP2 written from memory: the error goes back through the weights but never through the layer's sigmoid.",
        code=_broken(
            "delta = (delta @ weights[-l + 1]) * sigmoid_prime(zs[-l])   # BP2",
            "delta = delta @ weights[-l + 1]                         # BP2",
        ),
        fails=[2],
        hint="BP2",
    ),
    "bp1-quadratic-delta": dict(
        title="BP1 with σ′(z^L) under cross-entropy",
        story="BP1 written for the quadratic cost, (a − y) ⊙ σ′(z^L), and kept when the network "
        "switched to cross-entropy, whose δ^L is just a − y.",
        code=_broken(
            "delta = cost.delta(zs[-1], activations[-1], y)   # BP1, (m, n_L)",
            "delta = (activations[-1] - y) * sigmoid_prime(zs[-1])   # BP1, (m, n_L)",
        ),
        fails=[2, 3],
        hint="cross-entropy",
    ),
    "transposed-nabla-w": dict(
        title="A transposed weight gradient",
        story="The hidden layers' weight gradient came out as aᵀδ: the right numbers, laid out "
        "(n_in, n_out) instead of the weights' (n_out, n_in).",
        code=_broken(
            "nabla_w[-l] = delta.T @ activations[-l - 1]  # BP4", "nabla_w[-l] = activations[-l - 1].T @ delta  # BP4"
        ),
        fails=[2],
        hint="a transpose?",
    ),
    "l2-on-biases": dict(
        title="The L2 term on the biases",
        story="Weight decay folded into the gradient, and applied to the biases as well as the weights.",
        code=_broken(
            "    return nabla_b, nabla_w\n",
            "    lmbda, n = 5.0, 1000                          # L2 weight decay\n"
            "    nabla_w = [nw + lmbda / n * w for nw, w in zip(nabla_w, weights)]\n"
            "    nabla_b = [nb + lmbda / n * b for nb, b in zip(nabla_b, biases)]\n"
            "    return nabla_b, nabla_w\n",
        ),
        fails=[2, 3],
        hint="L2",
    ),
    "averaged-twice": dict(
        title="Averaging twice",
        story="This backprop returns the mean over the mini-batch; the SGD step divides by m again, "
        "so every step is m times too small.",
        code=_broken(
            "    return nabla_b, nabla_w\n",
            "    m = x.shape[0]                                   # the mean over the batch\n"
            "    return [nb / m for nb in nabla_b], [nw / m for nw in nabla_w]\n",
        ),
        fails=[2, 3],
        hint="divided by m",
    ),
    "loop-one-short": dict(
        title="The loop stops one layer short",
        story="range's end is exclusive: the loop over the layers never reaches the first one, whose "
        "gradient stays zero.",
        code=_broken("for l in range(2, len(weights) + 1):", "for l in range(2, len(weights)):"),
        fails=[2],
        hint="all zeros",
    ),
}
