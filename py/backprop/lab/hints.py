"""The hint under the lab's verdict: one sentence that names the likely mistake in a learner's backprop.

Read from the checked cases' arrays (theirs and the library's, per layer): a gradient off by one
factor everywhere (averaged twice, the wrong sign), an L2 term folded into the gradient, a layer left
at zero, a cost-dependent BP1, or the top failing layer and which of ∇b / ∇w is wrong there, which
points at BP1, BP2, BP3 or BP4. What it leaves out: running anything (``check`` does).
"""

import numpy as np

from ..explain import gradcheck
from ..nn.costs import CrossEntropyCost, QuadraticCost
from . import exercise_hints


def _scale(theirs, ref):
    """c when theirs ≈ c·ref for one c over every array (None otherwise)."""
    t = np.concatenate([np.ravel(a) for a in theirs])
    r = np.concatenate([np.ravel(a) for a in ref])
    rr = float(r @ r)
    if rr == 0:
        return None
    c = float(t @ r) / rr
    return c if gradcheck.relative_error(t, c * r) <= 1e-6 else None


def _l2_on(theirs, ref, params):
    """c when theirs − ref ≈ c·params in every layer, with one c ≠ 0 (an L2 term); None otherwise."""
    cs = []
    for t, r, p in zip(theirs, ref, params):
        d, p = np.ravel(t - r), np.ravel(p)
        pp = float(p @ p)
        if pp == 0:
            return None
        c = float(d @ p) / pp
        if c == 0 or gradcheck.relative_error(d, c * p) > 1e-6:
            return None
        cs.append(c)
    return cs[0] if cs and all(abs(c - cs[0]) <= 1e-6 * abs(cs[0]) for c in cs) else None


def hint(results, exercise="backprop"):
    """One sentence that points at the likely mistake, from the checked cases (all without errors)."""
    failing = [r for r in results if not r["ok"]]
    if not failing:
        return ""
    if exercise == "momentum":  # its arrays are steps, not gradients: only its own hints apply
        return exercise_hints.momentum(results)
    if all(not a.any() for r in results for a in r["_arrays"][0] + r["_arrays"][1]):
        return "Every gradient is zero: write the backward pass, BP1 to BP4, where the skeleton says."
    for r in failing:
        theirs_b, theirs_w, ref_b, ref_w = r["_arrays"]
        for name, theirs, ref in (("nabla_b", theirs_b, ref_b), ("nabla_w", theirs_w, ref_w)):
            for i, (t, f) in enumerate(zip(theirs, ref)):
                if not t.any() and f.any():
                    return (
                        f"{name}[{i}] (layer {i + 2}) is all zeros on {r['name']}: did your loop over the "
                        f"layers reach it? range(a, b) stops before b."
                    )
    scales = [_scale(r["_arrays"][0] + r["_arrays"][1], r["_arrays"][2] + r["_arrays"][3]) for r in results]
    if all(c is not None for c in scales):
        if all(abs(c * r["examples"] - 1) < 1e-6 for c, r in zip(scales, results)):
            return (
                "Every gradient is the right one divided by m, the batch size: return the sum over the "
                "batch, not the mean — the SGD step divides by m itself (averaging twice makes every "
                "step m times too small)."
            )
        if all(abs(c + 1) < 1e-6 for c in scales):
            return "Every gradient has the wrong sign: δ^L is ∂C/∂z^L, which is a − y for cross-entropy, not y − a."
        if all(abs(c - scales[0]) < 1e-6 * abs(scales[0]) for c in scales):
            return f"Every gradient is {scales[0]:.4g} times the right one: look for a stray factor."
    for r in failing:
        net_b = [np.asarray(b) for b in _case_params(r, "biases")]
        if _l2_on(r["_arrays"][0], r["_arrays"][2], net_b) is not None:
            return (
                "nabla_b is off by a multiple of the biases in every layer: an L2 term. Weight decay "
                "never applies to the biases, and it belongs in the SGD step (the library applies λ "
                "there), not in the gradient of the cost."
            )
    for r in failing:
        if (
            r["layers"]
            and all(row["b_ok"] for row in r["layers"])
            and _l2_on(r["_arrays"][1], r["_arrays"][3], _case_params(r, "weights")) is not None
        ):
            return (
                "nabla_w is off by a multiple of the weights in every layer: an L2 term. backprop returns "
                "the gradient of the cost alone; the SGD step applies weight decay (λ) itself."
            )
    own = exercise_hints.BY_EXERCISE.get(exercise)
    if own is not None and own(results):
        return own(results)
    by_cost = {r["cost"]: r["ok"] for r in results if r["sizes"] == results[0]["sizes"]}
    if by_cost.get(QuadraticCost.name) and by_cost.get(CrossEntropyCost.name) is False:
        return (
            "Right under the quadratic cost, wrong under cross-entropy, from the output layer down: "
            "look at BP1. δ^L = cost.delta(z, a, y); for cross-entropy σ′(z^L) cancels and δ^L = a − y."
        )
    if by_cost.get(CrossEntropyCost.name) and by_cost.get(QuadraticCost.name) is False:
        return (
            "Right under cross-entropy, wrong under the quadratic cost: look at BP1. Use "
            "cost.delta(z, a, y), which knows the cost in use (the quadratic one keeps σ′(z^L))."
        )
    r = failing[0]
    top = max((row for row in r["layers"] if not row["ok"]), key=lambda row: row["layer"])
    if top["b_ok"] and not top["w_ok"]:
        return (
            f"In layer {top['layer']} nabla_b is right and nabla_w is wrong: look at BP4, "
            f"∂C/∂w^l = δ^l (a^(l−1))ᵀ, with the activations of the layer before."
        )
    if top["w_ok"] and not top["b_ok"]:
        return (
            f"In layer {top['layer']} nabla_w is right and nabla_b is wrong: look at BP3, "
            f"∂C/∂b^l = δ^l summed over the batch."
        )
    if top["output"]:
        return (
            "The output layer is already wrong: look at BP1, δ^L = cost.delta(zs[-1], activations[-1], y), "
            "then BP3 and BP4 for that layer."
        )
    return (
        f"The layers above {top['layer']} are right and layer {top['layer']} is wrong: look at BP2, "
        f"δ^l = (δ^(l+1) w^(l+1)) ⊙ σ′(z^l) with rows as examples."
    )


def _case_params(result, which):
    return result["_params"][which]
