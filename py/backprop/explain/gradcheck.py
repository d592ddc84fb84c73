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
is not negligible (a weight from a blank pixel has ∂C/∂w = 0 both ways and proves nothing).

With a regulariser the checked cost is C_x + R(w), R = (λ/2n)Σw² (L2) or (λ/n)Σ|w| (L1), and backprop's
side adds ∂R/∂w = (λ/n)w or (λ/n)sgn(w) — never to the biases. Kinks: where moving a parameter by
±2ε flips some ReLU unit's z across 0, changes which entry of a max-pooling window is its maximum, or
(under L1) moves a weight across 0, where |w| bends, the differences measure a corner, not a derivative;
such entries are skipped, and the result says how many. A convolution's kernel (c_out, c_in, k, k) is
sampled as the matrix (c_out, c_in·k·k) (``as_matrix``): an entry (j, k) names any layer's weight.
"""

import numpy as np

from ..nn import validate
from ..nn.costs import get_cost
from .trace import MISTAKES, _act, mistakes_for, trace

# mistakes in the regulariser's part of the gradient (the step adds it, so the trace has none)
REGULARIZER_MISTAKES = {
    "l1-as-l2": "L1's ∂R/∂w taken as L2's (λ/n)·w instead of (λ/n)·sgn(w)",
    "l2-on-biases": "L2 applied to the biases too: ∂R/∂b = (λ/n)·b, where R has no biases",
}
ALL_MISTAKES = {**MISTAKES, **REGULARIZER_MISTAKES}


def check_mistakes_for(net, cost=None, regularization="none", lmbda=0.0):
    """The mistakes that reach this network with this cost and regulariser (the page's menu)."""
    reg = [] if lmbda <= 0 else {"l1": ["l1-as-l2"], "l2": ["l2-on-biases"]}.get(regularization, [])
    return mistakes_for(net, cost) + reg


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


def regularizer(weights, lmbda, n, regularization):
    """R(w): (λ/2n)Σw² for "l2", (λ/n)Σ|w| for "l1", 0 for "none"."""
    if regularization == "l2":
        return 0.5 * lmbda / n * sum(float(np.sum(w * w)) for w in weights)
    if regularization == "l1":
        return lmbda / n * sum(float(np.sum(np.abs(w))) for w in weights)
    return 0.0


def _kink_pattern(probe, x, masks=None):
    """Which ReLU units fire, for every ReLU layer, and which entry of each max-pooling window is its
    maximum: the pattern a kink crossing changes (the cost bends where either switches)."""
    zs, activations = probe._forward(x, masks=masks)[:2]
    out = []
    for layer, z, a_in in zip(probe.layers, zs, activations):
        if _act(layer) == "relu":
            out.append(z > 0)
        elif layer.kind == "maxpool2d":
            out.append(layer._windows(a_in).argmax(axis=-1))
    return out


def _has_kinks(net):
    return any(_act(layer) == "relu" or layer.kind == "maxpool2d" for layer in net.layers)


def as_matrix(a):
    """A view of ``a`` as (n_out, everything else): a convolution's (c_out, c_in, k, k) kernel as
    (c_out, c_in·k·k), so that an entry (j, k) names one weight of any layer and moving it moves the
    network's own (setting .shape refuses to make a copy)."""
    view = a.view()
    view.shape = (a.shape[0], -1)
    return view


def numeric_partials(net, x, y, entries, cost=None, eps=EPS, lmbda=0.0, n=1, regularization="none", masks=None):
    """Central differences of the cost summed over the batch x (m, n_in), y one-hot (m, n_out) — or one
    example (n_in,), (n_out,) — plus the regulariser R(w), for each entry (kind, layer, j, k): kind "w"
    or "b", layer 0-based into net.weights / net.biases (k is 0 for biases). NaN for an entry whose
    ±2ε moves a ReLU unit across its kink, or, under L1, a weight across 0. ``masks``: dropout's,
    fixed (the cost of that training pass). In float64, on a copy: the network is never touched."""
    cost = net.cost if cost is None else get_cost(cost)
    probe = net.copy(np.float64)
    x = validate.inputs(x, net.sizes[0], np.float64)
    y = np.asarray(y, dtype=np.float64).reshape(x.shape[0], -1)
    reg = validate.regularization(regularization) if lmbda > 0 else "none"
    if masks is None:
        outputs = lambda: probe._output(x)
    else:
        outputs = lambda: probe._forward(x, masks=masks)[2][-1]
    total = lambda: cost.fn(outputs(), y) + regularizer(probe.weights, lmbda, n, reg)  # C summed + R
    has_kinks = _has_kinks(probe)
    base = _kink_pattern(probe, x, masks) if has_kinks else None
    out = []
    for kind, i, j, k in entries:
        p = as_matrix(probe.weights[i]) if kind == "w" else probe.biases[i]
        if reg == "l1" and kind == "w" and abs(p[j, k]) < 2 * eps:  # |w| has its own kink at 0
            out.append(np.nan)
            continue
        if has_kinks and _crosses_kink(probe, x, p, (j, k), 2 * eps, base, masks):
            out.append(np.nan)
            continue
        out.append(central_difference(total, p, (j, k), eps))
    return np.array(out)


def _crosses_kink(probe, x, p, index, step, base, masks=None):
    keep = p[index]
    crossed = False
    for s in (-step, step):
        p[index] = keep + s
        if any(np.any(a != b) for a, b in zip(_kink_pattern(probe, x, masks), base)):
            crossed = True
    p[index] = keep
    return crossed


def sample_entries(grad_b, grad_w, per_layer, rng, also=None):
    """Up to ``per_layer`` weights and ``per_layer`` biases of each layer, among those whose gradient
    is not negligible (the largest ``per_layer`` when none is), as (kind, layer, j, k) in order.
    ``also``: a second (grad_b, grad_w), a wrong backprop's, whose non-negligible entries are candidates
    too where the right gradient is exactly 0 — where such a mistake may be all there is to see (ReLU's
    forgotten step sends error into units that did not fire). A sigmoid network's gradient is exactly 0
    only where both are (a blank pixel's weights), so its sample is the same with or without it."""
    entries = []
    also_b, also_w = also if also is not None else (grad_b, grad_w)
    for i, (gb, gw, ab, aw) in enumerate(zip(grad_b, grad_w, also_b, also_w)):
        gw, aw = np.reshape(gw, (len(gw), -1)), np.reshape(aw, (len(aw), -1))  # a kernel as (c_out, c_in·k·k)
        for kind, g, a in (("w", gw, aw), ("b", gb, ab)):  # gb is (n, 1), gw (n_out, n_in)
            flat = np.flatnonzero((np.abs(g) > NEGLIGIBLE) | ((g == 0) & (np.abs(a) > NEGLIGIBLE)))
            if flat.size == 0:
                flat = np.argsort(-np.abs(g), axis=None, kind="stable")[:per_layer]
            pick = rng.choice(flat, size=min(per_layer, flat.size), replace=False)
            for f in np.sort(pick):
                j, k = np.unravel_index(f, g.shape)
                entries.append((kind, i, int(j), int(k)))
    return entries


def regularized_gradient(trace_, weights, biases, lmbda, n, regularization, mistake="none"):
    """The trace's (nabla_b, nabla_w) plus ∂R/∂w (and, with the mistake "l2-on-biases", a wrong ∂R/∂b)."""
    nabla_b, nabla_w = trace_.gradient()
    if lmbda <= 0 or regularization == "none":
        return nabla_b, nabla_w
    if regularization == "l1" and mistake != "l1-as-l2":
        nabla_w = [nw + lmbda / n * np.sign(w) for nw, w in zip(nabla_w, weights)]
    else:  # L2's (λ/n)·w, or L1 with its mistake
        nabla_w = [nw + lmbda / n * w for nw, w in zip(nabla_w, weights)]
    if mistake == "l2-on-biases" and regularization == "l2":
        nabla_b = [nb + lmbda / n * b for nb, b in zip(nabla_b, biases)]
    return nabla_b, nabla_w


def gradient_check(
    net,
    x,
    y,
    cost=None,
    mistake="none",
    per_layer=6,
    seed=0,
    eps=EPS,
    tolerance=TOLERANCE,
    regularization="none",
    lmbda=0.0,
    n=1,
):
    """Check backprop (``trace``, with an optional deliberate ``mistake``) against central differences
    of C_x + R(w) (``regularization`` with ``lmbda`` and the training set's size ``n``).

    Returns {"layers": [{"l", "rows": [(kind, j, k, backprop, numeric, rel_error)], "max_error", "ok",
    "skipped"}], "ok", "skipped"}: rows whose entry sits on a ReLU kink are left out and counted in
    ``skipped``. The sample is chosen from the correct gradient (and the wrong one's non-zero entries:
    see ``sample_entries``), so switching a mistake on and off checks the same parameters wherever
    both gradients are non-zero in the same places.
    """
    if mistake not in ALL_MISTAKES:
        raise ValueError(f"mistake must be one of {', '.join(ALL_MISTAKES)}, got {mistake!r}")
    lmbda = validate.non_negative_float("lmbda", lmbda)
    n = validate.positive_int("n", n)
    regularization = validate.regularization(regularization)
    correct = trace(net, x, y, cost)
    checked = correct if mistake in ("none", *REGULARIZER_MISTAKES) else trace(net, x, y, cost, mistake=mistake)
    weights, biases = [w.astype(np.float64) for w in net.weights], [b.astype(np.float64) for b in net.biases]
    rng = np.random.default_rng(seed)
    grad_b, grad_w = correct.gradient()
    cb, cw = regularized_gradient(checked, weights, biases, lmbda, n, regularization, mistake)
    entries = sample_entries(grad_b, grad_w, per_layer, rng, also=checked.gradient())
    numeric = numeric_partials(net, correct.x, correct.y, entries, correct.cost, eps, lmbda, n, regularization)
    # the book's l of each layer with parameters (pooling layers count: they are layers of the stack)
    layers = [
        {"l": at + 2, "rows": [], "skipped": 0, "w_shape": list(w.shape)}
        for at, w in zip(net._trainable_at, net.weights)
    ]
    for (kind, i, j, k), num in zip(entries, numeric):
        if np.isnan(num):
            layers[i]["skipped"] += 1
            continue
        b = as_matrix(cw[i])[j, k] if kind == "w" else cb[i][j, 0]
        layers[i]["rows"].append((kind, j, k, float(b), float(num), relative_error(b, num)))
    for layer in layers:
        layer["max_error"] = max((r[5] for r in layer["rows"]), default=0.0)
        layer["ok"] = bool(layer["max_error"] <= tolerance)
    return {
        "layers": layers,
        "ok": all(layer["ok"] for layer in layers),
        "skipped": sum(layer["skipped"] for layer in layers),
        "tolerance": tolerance,
        "eps": eps,
        "mistake": mistake,
        "regularization": regularization,
        "lmbda": lmbda,
        "n": n,
    }
