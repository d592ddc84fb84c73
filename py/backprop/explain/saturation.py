"""Why the quadratic cost learns slowly: how saturated each layer's neurons are, and how big δ is.

A sigmoid neuron whose z is far from 0 has σ′(z) ≈ 0, so BP1 (for the quadratic cost) and BP2 multiply
its error by almost nothing: δ is small and its weights barely move — chapter 3's learning slowdown.
These are the numbers the page draws per layer and epoch: quantiles of f′(z) over a probe batch (σ′,
1 − tanh², or ReLU's 0-or-1 step), and the mean |δ| of each layer; for a ReLU layer also the share of
units that never fire on the probe (dead: f′ = 0 for every digit). A softmax output has no f′ of its
own (its δ^L = a − y): its quantiles are None. What it leaves out: the regulariser (it does not enter δ).
"""

import numpy as np

from .speed import dead_units

QUANTILES = (0.1, 0.25, 0.5, 0.75, 0.9)


def layer_saturation(net, x, y, quantiles=QUANTILES):
    """Per layer l = 2..L over the examples of x: {"l", "activation", "f_prime": quantiles of f′(z^l)
    (all neurons, all examples; None for softmax), "mean_abs_delta": mean |δ^l|, "saturated": share of
    f′(z) < 0.01 (a sigmoid's |z| > 4.6, a ReLU's z ≤ 0), "dead": share of never-firing ReLU units}."""
    x = np.asarray(x, dtype=net.dtype)
    deltas, _ = net.deltas(x, y)  # BP1–BP2, (m, n_l) each
    zs, _, outputs, _ = net._forward(x)
    fps = net.f_primes(zs, outputs)
    dead = dead_units(net, x) + [None]
    out = []
    for i, (layer, fp, d) in enumerate(zip(net.layers, fps, deltas)):
        out.append(
            {
                "l": i + 2,
                "activation": getattr(layer.activation, "name", None),  # None: a pooling layer
                "f_prime": None if fp is None else np.quantile(fp, quantiles).tolist(),
                "mean_abs_delta": float(np.mean(np.abs(d))),
                "saturated": None if fp is None else float(np.mean(fp < 0.01)),
                "dead": dead[i],
            }
        )
    return out
