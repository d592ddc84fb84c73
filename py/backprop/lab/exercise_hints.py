"""The hints of the exercises beyond "write backprop": one sentence naming the equation a learner's
softmax, ReLU, dropout or momentum code gets wrong, from the checked cases. ``hints.hint`` asks here
first, after its own checks for mistakes any exercise can make (zeros, a stray factor, L2 terms)."""

import numpy as np

from ..explain import gradcheck
from .cases import MOMENTUM_RUN


def _top_failing(results):
    rows = [row for r in results for row in r["layers"] if not row["ok"]]
    return max(rows, key=lambda row: row["layer"]) if rows else None


def softmax(results):
    top = _top_failing(results)
    if top is not None and top["output"]:
        return (
            "The output layer is already wrong: for softmax with the log-likelihood cost, BP1 is "
            "δ^L = ∂C/∂z^L = a − y — no f′ factor (softmax's Jacobian cancels the 1/a of ∂C/∂a), and "
            "not ∂C/∂a itself."
        )
    return None


def relu(results):
    top = _top_failing(results)
    if top is not None and not top["output"]:
        return (
            f"Layer {top['layer']} is wrong and the layers above are right: BP2 through a ReLU layer is "
            "δ^l = (δ^(l+1) w^(l+1)) ⊙ relu′(z^l), and relu′ is the step 1[z^l > 0] — 1 where the unit "
            "fired, 0 where it did not; not 1 everywhere, and not relu(z) itself."
        )
    return None


def dropout(results):
    top = _top_failing(results)
    if top is not None and not top["output"]:
        return (
            f"Layer {top['layer']} is wrong and the layers above are right: look at BP2 with dropout. A dropped "
            "unit sent nothing up, so the error coming back is multiplied by the same mask, scale and all: "
            "δ^l = (δ^(l+1) w^(l+1)) ⊙ mask ⊙ σ′(z^l), with σ′ from z (the masked a is not σ(z))."
        )
    return None


def momentum(results):
    for r in results:
        if r["ok"]:
            continue
        first = r["_first_step"]
        if all(np.array_equal(state[0], theirs[0]) for state, theirs in first.values()):
            return (
                "Your first step leaves w where it was: w moved by the old velocity (0 at first). Compute "
                "the new velocity first, v′ = μv − (η/m)·nabla_w, then w′ = w + v′ with it."
            )
        if all(
            row["w_numeric"] <= gradcheck.TOLERANCE and row["b_numeric"] <= gradcheck.TOLERANCE for row in r["layers"]
        ):
            return (
                "The first step is right and the later ones are not: the velocity must carry over, "
                "v′ = μv − (η/m)·nabla_w with the v the last step returned (μ is what makes it momentum)."
            )
        m = r["examples"]
        implied = [(s[0] - t[0]) * m / MOMENTUM_RUN["eta"] for s, t in first.values()]  # the ∇ their step used
        ratio = _scale(implied, r["_gradient"][1])
        if ratio is not None and m > 1 and abs(ratio - m) < 1e-6 * m:
            return (
                "Your step is m times too big: nabla_w is the gradient summed over the mini-batch, so the "
                "mean gradient ∇C is nabla_w / m."
            )
    return (
        "Compare with Nielsen's form, one layer at a time: v′ = μv − (η/m)·nabla_w, then w′ = w + v′; "
        "the same for b with v_b and nabla_b."
    )


def _scale(theirs, ref):
    t = np.concatenate([np.ravel(a) for a in theirs])
    r = np.concatenate([np.ravel(a) for a in ref])
    rr = float(r @ r)
    if rr == 0:
        return None
    c = float(t @ r) / rr
    return c if gradcheck.relative_error(t, c * r) <= 1e-6 else None


BY_EXERCISE = {"softmax": softmax, "relu": relu, "dropout": dropout, "momentum": momentum}
