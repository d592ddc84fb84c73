"""Gradient checking: backprop's ∂C/∂w and ∂C/∂b against central differences of the cost.

The project's one gradient check: the page's section 5 (``gradient_check``, one digit, with a mistake
switched on or off) and the lab's verdict on a learner's code (``backprop.lab.check``, a batch) both use
the routine, the sampler and the tolerance below, so that they agree on what "right" means.

    ∂C/∂p ≈ [8 (C(p + ε) − C(p − ε)) − (C(p + 2ε) − C(p − 2ε))] / 12ε

— the central difference with one Richardson step, whose error shrinks as ε⁴ instead of ε², so that
ε can be large enough (1e-3) for rounding not to matter either: agreement to 1e-9 is typical, where
the two-point formula struggles to reach 1e-6 on small gradients. Four forward passes per parameter,
so it is checked on a sample of each layer's weights and biases — enough to catch any wrong equation,
since a wrong BP1/BP2/BP4 spoils whole layers. The sample is drawn among the parameters whose gradient
is not negligible (a weight from a blank pixel has ∂C/∂w = 0 both ways and proves nothing). What it
leaves out: the L2 term (not part of C_x).
"""

import numpy as np

from ..nn import validate
from ..nn.costs import get_cost
from .trace import trace

EPS = 1e-3  # float64: truncation error ~ε⁴ ≈ 1e-12, rounding ~1e-16/ε ≈ 1e-13
TOLERANCE = 1e-6  # relative error that counts as agreement, against differences or another backprop
NEGLIGIBLE = 1e-6  # |∂C/∂p| below this is not worth sampling: the cost's rounding (~1e-13 after the
# difference quotient) would be 1e-7 of it or more


def relative_error(a, b):
    """‖a − b‖ / max(‖a‖, ‖b‖) of two numbers or arrays; 0 when both are 0 (2 when a = −b)."""
    a, b = np.ravel(np.asarray(a, dtype=np.float64)), np.ravel(np.asarray(b, dtype=np.float64))
    scale = max(float(np.linalg.norm(a)), float(np.linalg.norm(b)))
    return float(np.linalg.norm(a - b)) / scale if scale > 0 else 0.0


def central_difference(cost, p, index, eps=EPS):
    """dC/dp for the entry ``index`` of the array ``p``, which ``cost()`` reads: the entry is moved in place
    by ±ε and ±2ε (the four-point formula) and put back."""
    keep = p[index]

    def at(step):
        p[index] = keep + step
        return cost()

    near, far = at(eps) - at(-eps), at(2 * eps) - at(-2 * eps)
    p[index] = keep
    return (8 * near - far) / (12 * eps)


def numeric_partials(net, x, y, entries, cost=None, eps=EPS):
    """Central differences of the cost summed over the batch x (m, n_in), y one-hot (m, n_out) — or one
    example (n_in,), (n_out,) — for each entry (kind, layer, j, k): kind "w" or "b", layer 0-based into
    net.weights / net.biases (k is 0 for biases). In float64, on a copy: the network is never touched."""
    cost = net.cost if cost is None else get_cost(cost)
    probe = net.copy(np.float64)
    x = validate.inputs(x, net.sizes[0], np.float64)
    y = np.asarray(y, dtype=np.float64).reshape(x.shape[0], -1)
    summed_cost = lambda: cost.fn(probe._output(x), y)  # C summed over the batch
    out = [
        central_difference(summed_cost, probe.weights[i] if kind == "w" else probe.biases[i], (j, k), eps)
        for kind, i, j, k in entries
    ]
    return np.array(out)


def sample_entries(grad_b, grad_w, per_layer, rng):
    """Up to ``per_layer`` weights and ``per_layer`` biases of each layer, among those whose gradient
    is not negligible (the largest ``per_layer`` when none is), as (kind, layer, j, k) in order."""
    entries = []
    for i, (gb, gw) in enumerate(zip(grad_b, grad_w)):
        for kind, g in (("w", gw), ("b", gb)):  # gb is (n, 1), gw (n_out, n_in)
            flat = np.flatnonzero(np.abs(g) > NEGLIGIBLE)
            if flat.size == 0:
                flat = np.argsort(-np.abs(g), axis=None, kind="stable")[:per_layer]
            pick = rng.choice(flat, size=min(per_layer, flat.size), replace=False)
            for f in np.sort(pick):
                j, k = np.unravel_index(f, g.shape)
                entries.append((kind, i, int(j), int(k)))
    return entries


def gradient_check(net, x, y, cost=None, mistake="none", per_layer=6, seed=0, eps=EPS, tolerance=TOLERANCE):
    """Check backprop (``trace``, with an optional deliberate ``mistake``) against central differences.

    Returns {"layers": [{"l", "rows": [(kind, j, k, backprop, numeric, rel_error)], "max_error", "ok"}],
    "ok"}. The sample is chosen from the correct gradient, so switching a mistake on and off checks the
    same parameters.
    """
    correct = trace(net, x, y, cost)
    checked = correct if mistake == "none" else trace(net, x, y, cost, mistake=mistake)
    rng = np.random.default_rng(seed)
    grad_b, grad_w = correct.gradient()
    entries = sample_entries(grad_b, grad_w, per_layer, rng)
    numeric = numeric_partials(net, correct.x, correct.y, entries, correct.cost, eps)
    cb, cw = checked.gradient()
    layers = [{"l": i + 2, "rows": []} for i in range(len(net.weights))]
    for (kind, i, j, k), n in zip(entries, numeric):
        b = cw[i][j, k] if kind == "w" else cb[i][j, 0]
        layers[i]["rows"].append((kind, j, k, float(b), float(n), relative_error(b, n)))
    for layer in layers:
        layer["max_error"] = max(r[5] for r in layer["rows"])
        layer["ok"] = bool(layer["max_error"] <= tolerance)
    return {
        "layers": layers,
        "ok": all(layer["ok"] for layer in layers),
        "tolerance": tolerance,
        "eps": eps,
        "mistake": mistake,
    }
