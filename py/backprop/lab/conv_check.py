"""The check of chapter 6's layer exercises: a learner's convolution backward pass (``conv_backward``)
and max-pooling backward pass (``pool_backward``), checked per quantity — ∂C/∂b, ∂C/∂w and δ for the
layer below — against central differences of a cost and against the library's layers (``nn.conv``).

Each case is one layer on a small seeded batch under a cost with a real curvature, C = ½‖f(z) − t‖²
summed over the batch (f: the convolution's sigmoid; the pooled maps themselves for pooling), so that
δ = ∂C/∂z is handed to the learner and every quantity they return has a derivative of C to match. A
report row is a quantity: {layer: its key, quantity, shape, numeric, library, *_ok, ok}, and ``verdicts`` are
keyed by quantity. Pooling's central differences skip windows whose maximum is not clear of the rest
(a tie, or a runner-up within the differences' steps): there C has a corner, not a derivative; those
windows are checked against the library alone, which gives δ to the first maximum.
What it leaves out: loading their code and the report's frame (``check``), the hints (``layer_hints``).
"""

from dataclasses import dataclass

import numpy as np

from ..activations import sigmoid
from ..explain import gradcheck
from ..nn.conv import Conv2D, MaxPool2D
from .errors import LabError, filename_of, from_exception, return_line

QUANTITIES = {
    "conv": {"nabla_b": "∂C/∂b", "nabla_w": "∂C/∂w", "delta_below": "δ below"},
    "pool": {"delta_below": "δ below"},
}
SAMPLED = 24  # entries per quantity checked by differences (the 28×28 case has 3,136 inputs)
CLEAR = 10 * gradcheck.EPS  # a pooling window's maximum this far above the rest moves alone under ±2ε


@dataclass
class LayerCase:
    """One layer, a batch x (m, c·h·w) of images in_shape and targets t for the cost; w, b: a conv's."""

    name: str
    layer: object
    in_shape: tuple
    x: np.ndarray
    t: np.ndarray
    w: np.ndarray = None
    b: np.ndarray = None
    ties: bool = False  # pooling: windows with tied maxima are in the batch


def _conv_case(name, rng, m, in_shape, c_out, k, x=None):
    layer = Conv2D(c_out, k)
    out_shape = layer.build(in_shape)
    w_shape, b_shape = layer.shapes
    x = rng.random((m, int(np.prod(in_shape)))) if x is None else x
    t = rng.random((m, int(np.prod(out_shape))))
    return LayerCase(name, layer, in_shape, x, t, rng.normal(size=w_shape), rng.normal(size=b_shape))


def _pool_case(name, rng, m, in_shape, size, levels=None):
    layer = MaxPool2D(size)
    out_shape = layer.build(in_shape)
    n = int(np.prod(in_shape))
    if levels is None:
        x = rng.random((m, n))
    else:  # a few levels: many windows with tied maxima; the first window all equal, for certain
        x = rng.integers(0, levels, (m, n)) / (levels - 1)
        x.reshape(m, *in_shape)[:, 0, :size, :size] = 0.5
    return LayerCase(name, layer, in_shape, x, rng.random((m, int(np.prod(out_shape)))), ties=levels is not None)


def cases_for(exercise, seed=7):
    """The check's cases for "conv" or "pool": a small one to read, and a bigger or trickier one."""
    from .cases import lab_digits  # the four digits the other exercises use

    rng = np.random.default_rng(seed)
    if exercise == "conv":
        digits, _ = lab_digits()
        return [
            _conv_case("2 maps 6×5 → 3, 3×3 kernels", rng, 3, (2, 6, 5), 3, 3),
            _conv_case("4 digits 28×28 → 2, 5×5 kernels", rng, 4, (1, 28, 28), 2, 5, x=digits),
        ]
    if exercise == "pool":
        return [
            _pool_case("2 maps 4×6, 2×2 windows", rng, 2, (2, 4, 6), 2),
            _pool_case("ties: 2 maps 6×6, 3×3 windows", rng, 3, (2, 6, 6), 3, levels=4),
        ]
    raise ValueError(f"no layer exercise {exercise!r}: expected one of {', '.join(QUANTITIES)}")


# -- the cost and the library's answers ------------------------------------------------------------------
def _cost(case):
    """C(x, w, b) = ½ Σ (f(z) − t)², read from the case's arrays (the differences move them in place)."""
    if isinstance(case.layer, Conv2D):
        z, _ = case.layer.forward(case.x, case.w, case.b)
        return 0.5 * float(np.sum((sigmoid(z) - case.t) ** 2))
    pooled, _ = case.layer.forward(case.x)
    return 0.5 * float(np.sum((pooled - case.t) ** 2))


def _delta(case):
    """δ = ∂C/∂z of the case's cost: (f(z) − t)·f′(z)."""
    if isinstance(case.layer, Conv2D):
        a = sigmoid(case.layer.forward(case.x, case.w, case.b)[0])
        return (a - case.t) * a * (1 - a)
    return case.layer.forward(case.x)[0] - case.t


def library(case, delta):
    """The library's quantities for the case, keyed as QUANTITIES."""
    if isinstance(case.layer, Conv2D):
        nabla_b, nabla_w = case.layer.gradients(delta, case.x)
        return {"nabla_b": nabla_b, "nabla_w": nabla_w, "delta_below": case.layer.backward(delta, case.x, case.w)}
    return {"delta_below": case.layer.backward(delta, case.x)}


# -- the learner's answers -------------------------------------------------------------------------------
def _their_answers(fn, case, delta, ref):
    """Their quantities, each checked for shape (a plain LabError naming the quantity otherwise)."""
    conv = isinstance(case.layer, Conv2D)
    args = (
        (case.x.copy(), case.w.copy(), delta.copy(), case.in_shape)
        if conv
        else (case.x.copy(), delta.copy(), case.in_shape, case.layer.size)
    )
    try:
        result = fn(*args)
    except Exception as e:
        raise from_exception(e, filename_of(fn)) from None
    if conv:
        if not isinstance(result, (tuple, list)) or len(result) != 3:
            got = f"a {type(result).__name__}" + (f" of {len(result)}" if isinstance(result, (tuple, list)) else "")
            raise LabError(
                f"conv_backward should return (nabla_b, nabla_w, delta_below), three arrays; yours returned {got}",
                kind="return",
            )
        named = dict(zip(("nabla_b", "nabla_w", "delta_below"), result))
    else:
        named = {"delta_below": result}
    out = {}
    line = return_line(fn)  # a wrong answer was made there: the editor marks it
    where = f"line {line}: " if line else ""
    for key, got in named.items():
        if got is None:
            raise LabError(f"{where}{key} is None: nothing was computed for it", line=line, kind="shape", layer=key)
        try:
            got = np.asarray(got, dtype=np.float64)
        except (TypeError, ValueError):
            raise LabError(f"{where}{key} is not an array of numbers", line=line, kind="shape", layer=key) from None
        want = ref[key].shape
        if got.shape != want:
            why = _shape_hint(key, got.shape, want, case)
            raise LabError(
                f"{where}{key} should be {_shape(want)}, yours is {_shape(got.shape)}{why}",
                line=line,
                kind="shape",
                layer=key,
            )
        if not np.all(np.isfinite(got)):
            raise LabError(f"{where}{key} has NaN or infinite values", line=line, kind="values", layer=key)
        out[key] = got
    return out


def _shape(s):
    return f"({s[0]},)" if len(s) == 1 else "(" + ", ".join(map(str, s)) + ")"


def _shape_hint(key, got, want, case):
    m = case.x.shape[0]
    if key == "nabla_b" and got == (want[0],):
        return ": keep it a column, as the biases are ([:, None] after the sum)"
    if key == "nabla_b" and len(got) == 4 and got[0] == m:
        return ": sum δ over the batch and over every position of the map"
    if key == "nabla_b" and len(got) == 3 and got[0] == want[0]:
        return ": sum δ over every position of the map too"
    if key == "nabla_w" and got and got[0] == m and got[1:] == want:
        return f": one per example? Sum over the batch's {m} examples"
    if key == "nabla_w" and int(np.prod(got)) == int(np.prod(want)):
        return ": the kernels' shape, (c_out, c, k, k), as w"
    if key == "delta_below" and got == (m, *case.in_shape):
        return ": rows as x, (m, c·h·w): reshape the images back to rows"
    if key == "delta_below" and got and got[0] == m:
        return f": one entry per input pixel, as x has ({case.x.shape[1]} per row), not per output position"
    return ""


# -- the check ------------------------------------------------------------------------------------------
def _clear_windows(case):
    """A mask like x: True where the entry's pooling window has one maximum, clear of the runner-up."""
    windows = case.layer._windows(case.x)  # (m, c, oh, ow, s·s)
    top2 = np.sort(windows, axis=-1)[..., -2:]
    clear = (top2[..., 1] - top2[..., 0]) > CLEAR  # (m, c, oh, ow)
    s = case.layer.size
    return np.repeat(np.repeat(clear, s, axis=2), s, axis=3).reshape(case.x.shape)


def _entries(key, shape, rng, where=None):
    """Up to SAMPLED indices of an array of ``shape`` for the differences (within ``where``, if given)."""
    flat = np.flatnonzero(np.ones(shape, dtype=bool) if where is None else where)
    picked = flat if flat.size <= SAMPLED else np.sort(rng.choice(flat, SAMPLED, replace=False))
    return [np.unravel_index(i, shape) for i in picked]


def _numeric(case, key, entries):
    array = {"nabla_b": case.b, "nabla_w": case.w, "delta_below": case.x}[key]
    return [gradcheck.central_difference(lambda: _cost(case), array, index) for index in entries]


def check_case(fn, case, seed=0):
    """One layer: their quantities against the library's and against central differences of the cost.

    Raises LabError for an exception or a wrong shape in their code."""
    delta = _delta(case)
    ref = library(case, delta)
    theirs = _their_answers(fn, case, delta, ref)
    rng = np.random.default_rng(seed)
    kind = "conv" if isinstance(case.layer, Conv2D) else "pool"
    rows = []
    for key, label in QUANTITIES[kind].items():
        where = _clear_windows(case) if kind == "pool" else None
        entries = _entries(key, ref[key].shape, rng, where)
        numeric = _numeric(case, key, entries)
        row = {
            "layer": key,
            "quantity": label,
            "shape": list(ref[key].shape),
            "numeric": gradcheck.relative_error([theirs[key][e] for e in entries], numeric),
            "library": gradcheck.relative_error(theirs[key], ref[key]),
            "checked": len(entries),
        }
        row["numeric_ok"], row["library_ok"] = (
            row["numeric"] <= gradcheck.TOLERANCE,
            row["library"] <= gradcheck.TOLERANCE,
        )
        row["ok"] = row["numeric_ok"] and row["library_ok"]
        rows.append(row)
    return {
        "name": case.name,
        "in_shape": list(case.in_shape),
        "examples": len(case.x),
        "ok": all(r["ok"] for r in rows),
        "layers": rows,
        "_theirs": theirs,
        "_ref": ref,
        "_case": case,
        "_delta": delta,
    }
