"""The hint under the verdict of chapter 6's layer exercises (``conv_check``): one sentence naming the
likely mistake in a learner's convolution or max-pooling backward pass.

Read from the checked cases' arrays (theirs and the library's, per quantity): a quantity left at zero,
off by one factor (m: a mean over the batch; oh·ow: a mean over the positions; −1), or equal to what a
known mistake computes — δ below with the kernel not flipped, ∂C/∂w of one example, pooling's δ on the
last maximum, on every maximum, shared over the window, or put back without undoing the transpose.
Otherwise the formula of the first failing quantity. What it leaves out: running anything.
"""

import numpy as np

from ..explain import gradcheck

FORMULAS = {
    "nabla_b": "∂C/∂b[o] = Σ of δ[o, i, j] over the batch and every position (i, j) of map o",
    "nabla_w": "∂C/∂w[o, c, p, q] = Σ over the batch and every position (i, j) of δ[o, i, j]·x[c, i + p, j + q]: "
    "for one kernel offset (p, q), δ against the input slice x[:, :, p:p + oh, q:q + ow]",
    "delta_below": "δ below[c, r, s] = Σ_o Σ_p Σ_q δ[o, r − p, s − q]·w[o, c, p, q]: the full convolution of δ, "
    "padded by k − 1, with the flipped kernel w[:, :, ::-1, ::-1]",
}
POOL = (
    "δ below is 0 everywhere except at each window's maximum, which gets the window's δ; on a tie only "
    "the first maximum in row-major order gets it (np.argmax's choice, as in the forward pass)"
)


def _scale(theirs, ref):
    """c when theirs ≈ c·ref (None otherwise)."""
    t, r = np.ravel(theirs), np.ravel(ref)
    rr = float(r @ r)
    if rr == 0:
        return None
    c = float(t @ r) / rr
    return c if gradcheck.relative_error(t, c * r) <= 1e-6 else None


def _same(theirs, other):
    return gradcheck.relative_error(theirs, other) <= 1e-6


def _conv_mistake(key, theirs, result):
    case, delta = result["_case"], result["_delta"]
    layer, m = case.layer, result["examples"]
    _, oh, ow = layer.out_shape
    if key == "delta_below" and _same(theirs, layer.backward(delta, case.x, case.w[:, :, ::-1, ::-1].copy())):
        return (
            "δ below is a correlation of δ with the kernel as it is: the full convolution needs the kernel "
            "flipped, w[:, :, ::-1, ::-1] — δ[o, r − p, s − q] meets w[o, c, p, q], so offsets run backwards."
        )
    if key == "nabla_w" and _same(theirs, layer.gradients(delta[:1], case.x[:1])[1]):
        return (
            "∂C/∂w is the first example's alone: sum over every example of the batch "
            "(an einsum that drops the batch index m sums over it)."
        )
    c = _scale(theirs, result["_ref"][key])
    if c is None:
        return None
    name = {"nabla_b": "∂C/∂b", "nabla_w": "∂C/∂w", "delta_below": "δ below"}[key]
    if abs(c * m - 1) < 1e-6:
        return (
            f"{name} is the right one divided by m, the batch size: return the sum over the batch, not the "
            "mean — the SGD step divides by m itself."
        )
    if abs(c * oh * ow - 1) < 1e-6 or abs(c * m * oh * ow - 1) < 1e-6:
        why = "b[o] is added" if key == "nabla_b" else "each weight is used"
        return (
            f"{name} is {oh * ow} times too small: {why} at every position of the {oh}×{ow} map, so each "
            "position sends its δ back — sum over every position (and the batch), do not average."
        )
    if abs(c + 1) < 1e-6:
        return f"{name} has the wrong sign."
    return f"{name} is {c:.4g} times the right one: look for a stray factor."


def _routed(case, delta, pick):
    """Pooling's δ below with each window's δ placed by ``pick(windows) -> weights (…, s·s)``."""
    layer = case.layer
    windows = layer._windows(case.x)
    c, h, w = layer.in_shape
    s = layer.size
    routed = pick(windows) * delta.reshape(*windows.shape[:4], 1)
    return routed.reshape(*windows.shape[:4], s, s).transpose(0, 1, 2, 4, 3, 5).reshape(case.x.shape[0], c * h * w)


def _pool_mistake(theirs, result):
    case, delta = result["_case"], result["_delta"]
    s2 = case.layer.size**2
    last = lambda v: np.arange(s2) == (s2 - 1 - v[..., ::-1].argmax(axis=-1))[..., None]
    every = lambda v: v == v.max(axis=-1, keepdims=True)
    if _same(theirs, _routed(case, delta, last)):
        return (
            "On a tie your δ goes to the last maximum of the window: it belongs to the first maximum in "
            "row-major order, the one np.argmax picks (and the forward pass's choice)."
        )
    if _same(theirs, _routed(case, delta, every)):
        return "On a tie your δ goes to every maximum of the window: only the first maximum (np.argmax's) gets it."
    if _scale(theirs, _routed(case, delta, lambda v: np.ones_like(v))) is not None:
        return (
            "Your δ is spread over the whole window: only the maximum reached the layer above, so only the "
            "maximum gets the window's δ; the other entries get 0."
        )
    c, h, w = case.layer.in_shape
    routed = case.layer.backward(delta, case.x)
    windows = case.layer._windows(routed)  # the right δ below, in window order
    if _same(theirs, windows.reshape(case.x.shape[0], c * h * w)):
        return (
            "The right values in the wrong places: δ is still in window order. Undo the transpose that made "
            "the windows before reshaping to rows, (m, c, h/s, w/s, s, s) → (m, c, h/s, s, w/s, s)."
        )
    return None


def hint(results, exercise):
    """One sentence that points at the likely mistake, from the checked cases (all without errors)."""
    failing = [r for r in results if not r["ok"]]
    if not failing:
        return ""
    if all(not a.any() for r in results for a in r["_theirs"].values()):
        what = "∂C/∂b, ∂C/∂w and δ below" if exercise == "conv" else "δ below"
        return f"Everything you return is zero: compute {what} where the skeleton says."
    for r in failing:
        for row in r["layers"]:
            if row["ok"]:
                continue
            key, theirs = row["layer"], r["_theirs"][row["layer"]]
            if not theirs.any() and r["_ref"][key].any():
                return (
                    f"{row['quantity']} is all zeros on {r['name']}: "
                    + (FORMULAS[key] if exercise == "conv" else POOL)
                    + "."
                )
            said = _conv_mistake(key, theirs, r) if exercise == "conv" else _pool_mistake(theirs, r)
            if said:
                return said
    key = next(row["layer"] for r in failing for row in r["layers"] if not row["ok"])
    if exercise == "pool":
        return POOL + "."
    return f"Look at {QUANTITY_NAMES[key]}: {FORMULAS[key]}."


QUANTITY_NAMES = {"nabla_b": "∂C/∂b (BP3)", "nabla_w": "∂C/∂w (BP4)", "delta_below": "δ below (BP2)"}
