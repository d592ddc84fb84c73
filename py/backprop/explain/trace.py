"""One example's trip through the network, forward and back, with every quantity of BP1–BP4 kept.

``Network.backprop`` computes the same gradient for a whole mini-batch at once; this module does it for
one digit, as the book writes it — column vectors, one layer at a time — and keeps what the batched code
throws away (z, a, δ, σ′(z) of every layer), so that the page can show the equations on real numbers and
the tests can hold one implementation against the other.

    δ^L = ∇_a C ⊙ σ′(z^L)                 (BP1; for the cross-entropy cost the σ′ cancels: δ^L = a^L − y)
    δ^l = ((w^{l+1})ᵀ δ^{l+1}) ⊙ σ′(z^l)   (BP2)
    ∂C/∂b^l_j = δ^l_j                      (BP3)
    ∂C/∂w^l_jk = a^{l−1}_k δ^l_j            (BP4)

Layers are numbered as in the book: the input is layer 1, so ``weights[0]`` is w^2. What it leaves out:
batches (one example only) and the L2 term, which the SGD step adds to the weights, not to δ.
A ``mistake`` can be switched on to see how a wrong equation shows up (see MISTAKES).
"""

from dataclasses import dataclass

import numpy as np

from ..activations import Sigmoid
from ..nn import validate
from ..nn.costs import QuadraticCost, get_cost

# Deliberate errors for the page's "break backprop" switch: name -> what it does.
MISTAKES = {
    "none": "backprop as the book writes it",
    "bp2-no-sigma-prime": "BP2 without the σ′(z^l) factor: δ^l = (w^{l+1})ᵀ δ^{l+1}",
    "bp1-no-sigma-prime": "BP1 without σ′(z^L) under the quadratic cost: δ^L = a^L − y",
    "bp1-wrong-sign": "BP1 with the sign turned: δ^L = y − a^L (so SGD climbs the cost)",
}


@dataclass
class LayerTrace:
    """Layer l (2..L) for one example; vectors are 1-D, ``nabla_w`` is (n_l, n_{l−1})."""

    l: int
    z: np.ndarray  # z^l = w^l a^{l−1} + b^l
    a: np.ndarray  # a^l = σ(z^l)
    sigma_prime: np.ndarray  # σ′(z^l)
    delta: np.ndarray  # δ^l: BP1 for the output layer, BP2 below it
    nabla_b: np.ndarray  # ∂C/∂b^l (BP3)
    nabla_w: np.ndarray  # ∂C/∂w^l (BP4)
    equation: str  # "BP1" or "BP2": how δ^l was found


@dataclass
class Trace:
    x: np.ndarray  # a^1, the input (n_1,)
    y: np.ndarray  # the one-hot target (n_L,)
    cost: type  # the cost used for δ^L (may differ from the network's own)
    C: float  # the cost of this example
    layers: list  # LayerTrace for l = 2..L

    def gradient(self):
        """(nabla_b, nabla_w) shaped like the network's biases (n, 1) and weights (n_out, n_in)."""
        return [t.nabla_b[:, None] for t in self.layers], [t.nabla_w for t in self.layers]


def trace(net, x, y, cost=None, mistake="none"):
    """Forward and backward pass for one example ``x`` (n_in,) with label ``y`` (an int or one-hot).

    ``cost`` defaults to the network's; pass the other one to see BP1's σ′(z^L) factor appear or vanish.
    """
    if mistake not in MISTAKES:
        raise ValueError(f"mistake must be one of {', '.join(MISTAKES)}, got {mistake!r}")
    cost = net.cost if cost is None else get_cost(cost)
    x = validate.inputs(x, net.sizes[0], np.float64)
    if x.shape[0] != 1:
        raise ValueError(f"trace follows one example, got {x.shape[0]}")
    y = np.asarray(y)
    if y.ndim == 0:  # a label
        y = y.reshape(1)
    elif y.ndim == 1 and y.size == net.sizes[-1] > 1:  # one one-hot row
        y = y[None, :]
    y = validate.targets(y, 1, net.sizes[-1], np.float64)[0]  # (n_L,) one-hot

    # forward: every z and a, from the network's own forward pass (in float64, on one example)
    net64 = net if net.dtype == np.float64 else net.copy(np.float64)
    zs, activations = net64.forward(x)
    zs, activations = [z[0] for z in zs], [a[0] for a in activations]  # (n_l,) each
    a_L = activations[-1]
    sp = [Sigmoid.prime_from_output(a) for a in activations[1:]]  # σ′(z^l) for l = 2..L

    # backward: BP1 for the output layer, BP2 for each layer below
    if cost is QuadraticCost and mistake != "bp1-no-sigma-prime":
        delta = (a_L - y) * sp[-1]  # BP1: ∇_a C = a − y, times σ′(z^L)
    else:
        delta = a_L - y  # BP1 for cross-entropy (σ′ cancels)
    if mistake == "bp1-wrong-sign":
        delta = -delta
    deltas = [delta]
    for l in range(len(zs) - 2, -1, -1):  # 0-based index of the layer below
        back = net64.weights[l + 1].T @ deltas[0]  # (w^{l+1})ᵀ δ^{l+1}
        deltas.insert(0, back if mistake == "bp2-no-sigma-prime" else back * sp[l])  # BP2

    layers = []
    for i, (z, a, s, d) in enumerate(zip(zs, activations[1:], sp, deltas)):
        layers.append(
            LayerTrace(
                l=i + 2,
                z=z,
                a=a,
                sigma_prime=s,
                delta=d,
                nabla_b=d.copy(),  # BP3
                nabla_w=np.outer(d, activations[i]),  # BP4: δ^l (a^{l−1})ᵀ
                equation="BP1" if i == len(zs) - 1 else "BP2",
            )
        )
    C = cost.fn(a_L[None, :], y[None, :])
    return Trace(x=x[0], y=y, cost=cost, C=C, layers=layers)
