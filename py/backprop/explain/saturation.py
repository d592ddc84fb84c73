"""Why the quadratic cost learns slowly: how saturated each layer's neurons are, and how big δ is.

A sigmoid neuron whose z is far from 0 has σ′(z) ≈ 0, so BP1 (for the quadratic cost) and BP2 multiply
its error by almost nothing: δ is small and its weights barely move — chapter 3's learning slowdown.
These are the numbers the page draws per layer and epoch: quantiles of σ′(z) over a probe batch, and
the mean |δ| of each layer. What it leaves out: the L2 term (it does not enter δ).
"""

import numpy as np

from ..activations import Sigmoid

QUANTILES = (0.1, 0.25, 0.5, 0.75, 0.9)


def layer_saturation(net, x, y, quantiles=QUANTILES):
    """Per layer l = 2..L over the examples of x: {"l", "sigma_prime": quantiles of σ′(z^l) (all neurons,
    all examples), "mean_abs_delta": mean |δ^l|, "saturated": share of σ′(z) < 0.01 (|z| > 4.6)}."""
    deltas, activations = net.deltas(x, y)  # BP1–BP2, (m, n_l) each
    sp = [Sigmoid.prime_from_output(a) for a in activations[1:]]  # σ′(z^l) from a^l
    return [
        {
            "l": i + 2,
            "sigma_prime": np.quantile(s, quantiles).tolist(),
            "mean_abs_delta": float(np.mean(np.abs(d))),
            "saturated": float(np.mean(s < 0.01)),
        }
        for i, (s, d) in enumerate(zip(sp, deltas))
    ]
