"""The check of the momentum exercise: a learner's ``momentum_step`` for one layer, run on every layer
of a case's network for three steps, against the library's momentum step from the same state, and
the first step (velocities 0, so the step is −(η/m)·∇C) against central differences of the cost.

A report row per layer has the gradient exercises' fields: ``*_numeric`` the first step against central
differences, ``*_library`` the worst of the three steps against the library (their w′ and v_w′, b′ and
v_b′ from the library's state before the step, so one wrong step does not spoil the next).
"""

import numpy as np

from ..explain import gradcheck
from .cases import MOMENTUM_RUN, SAMPLED
from .errors import LabError
from .errors import from_exception as _exception

TOLERANCE = gradcheck.TOLERANCE  # the lab's "right", as check.py's


def _their_step(fn, w, b, v_w, v_b, nabla_w, nabla_b, eta, mu, m, layer):
    try:
        result = fn(w.copy(), b.copy(), v_w.copy(), v_b.copy(), nabla_w.copy(), nabla_b.copy(), eta, mu, m)
    except Exception as e:
        raise _exception(e, getattr(getattr(fn, "__code__", None), "co_filename", None)) from None
    if not isinstance(result, (tuple, list)) or len(result) != 4:
        raise LabError("momentum_step should return four arrays (w, b, v_w, v_b)", kind="return", layer=layer)
    out = []
    for name, got, like in zip(("w", "b", "v_w", "v_b"), result, (w, b, v_w, v_b)):
        try:
            got = np.asarray(got, dtype=np.float64)
        except (TypeError, ValueError):
            raise LabError(f"the {name} returned is not an array of numbers", kind="shape", layer=layer) from None
        if got.shape != like.shape:
            raise LabError(
                f"the {name} returned for layer {layer} has shape {got.shape}, expected {like.shape}",
                kind="shape",
                layer=layer,
            )
        out.append(got)
    return out


def check_case(fn, case, seed=0):
    """One network: the learner's step against the library's and against central differences."""
    eta, mu, steps = MOMENTUM_RUN["eta"], MOMENTUM_RUN["mu"], MOMENTUM_RUN["steps"]
    net, x, y = case.net.copy(), case.x, case.y
    m, n = x.shape[0], x.shape[0]
    L = len(net.weights)
    worst = {(key, l): 0.0 for key in ("w", "b") for l in range(L)}
    first = {}
    net.velocities = ([np.zeros_like(w) for w in net.weights], [np.zeros_like(b) for b in net.biases])
    arrays_theirs, arrays_ref = None, None
    for step in range(steps):
        nabla_b, nabla_w = net._backprop(x, y)
        state = [
            (w.copy(), b.copy(), vw.copy(), vb.copy()) for w, b, vw, vb in zip(net.weights, net.biases, *net.velocities)
        ]
        theirs = [
            _their_step(fn, *state[l], nabla_w[l], nabla_b[l], eta, mu, m, l + 2) for l in range(L)
        ]  # each (w′, b′, v_w′, v_b′)
        net.update_mini_batch(x, y, eta, 0.0, n, momentum=mu)  # the library's step from the same state
        for l in range(L):
            ref = (net.weights[l], net.biases[l], net.velocities[0][l], net.velocities[1][l])
            for key, (t, r), (tv, rv) in (
                ("w", (theirs[l][0], ref[0]), (theirs[l][2], ref[2])),
                ("b", (theirs[l][1], ref[1]), (theirs[l][3], ref[3])),
            ):
                err = max(gradcheck.relative_error(t, r), gradcheck.relative_error(tv, rv))
                worst[(key, l)] = max(worst[(key, l)], err)
        if step == 0:
            first = {l: (state[l], theirs[l]) for l in range(L)}
            arrays_theirs = ([t[1] for t in theirs], [t[0] for t in theirs])
            arrays_ref = ([b.copy() for b in net.biases], [w.copy() for w in net.weights])
    # the first step against central differences: from v = 0 the step is −(η/m)·∂C/∂p
    start = case.net
    ref_b, ref_w = start._backprop(x, y)
    entries = gradcheck.sample_entries(ref_b, ref_w, SAMPLED, np.random.default_rng(seed))
    numeric = dict(zip(entries, gradcheck.numeric_partials(start, x, y, entries)))
    layers = []
    for l in range(L):
        (w0, b0, _, _), (w1, b1, _, _) = first[l]
        implied = {"w": (w0 - w1) * m / eta, "b": (b0 - b1) * m / eta}  # the gradient their step implies
        row = {"layer": l + 2, "shape_w": list(start.weights[l].shape), "output": l == L - 1}
        for key in ("b", "w"):
            picked = [e for e in entries if e[0] == key and e[1] == l]
            row[f"{key}_numeric"] = gradcheck.relative_error(
                [implied[key][j, k] for _, _, j, k in picked], [numeric[e] for e in picked]
            )
            row[f"{key}_library"] = worst[(key, l)]
            row[f"{key}_ok"] = row[f"{key}_numeric"] <= TOLERANCE and row[f"{key}_library"] <= TOLERANCE
        row["ok"] = row["b_ok"] and row["w_ok"]
        layers.append(row)
    return {
        "name": case.name,
        "sizes": list(case.sizes),
        "cost": start.cost.name,
        "examples": len(x),
        "ok": all(r["ok"] for r in layers),
        "layers": layers,
        "_arrays": (*arrays_theirs, *arrays_ref),  # the first step's new b and w: theirs, the library's
        "_first_step": {l: first[l] for l in range(L)},
        "_gradient": (ref_b, ref_w),  # the library's ∇ at the start, summed over the batch
    }
