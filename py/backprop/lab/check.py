"""The gradient check of a learner's backprop, shared by the page's lab and ``python -m backprop check``.

A learner writes ``backprop(weights, biases, x, y, cost) -> (nabla_b, nabla_w)`` with the package's
conventions (see ``lab_bugs.SKELETON``). ``check`` runs it on a tiny 4-3-2 network under both costs (so
the numbers can be read) and on 784-30-10 with four MNIST digits, and compares every layer's nabla_b
(BP3) and nabla_w (BP4) with central differences of the cost and with ``Network.backprop``: a verdict
per layer and one hint that names the likely equation. Shape mistakes and exceptions in the learner's
code become plain messages with the line they came from.

This module runs code a person typed, by design: their own code, on their own machine (the page runs
it in a Web Worker of its own, so that an endless loop cannot take the page down). What it leaves out:
the editor, stopping code that never returns (the page terminates its worker), anything about files.
"""

import base64
import inspect
import json
import math
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..nn.costs import CrossEntropyCost, QuadraticCost
from ..nn.network import Network

TOLERANCE = 1e-7          # relative error that passes: against the library and against differences
STEP = 1e-5               # central differences: truncation ~h², rounding ~eps/h, both far below 1e-7
SAMPLED = 24              # entries per big array checked by differences (784-30-10 has 24k weights)


class LabError(Exception):
    """The learner's code could not be checked: a syntax error, an exception, a wrong shape.

    ``line`` is the line of their code it points at (None when it is not a line's fault)."""

    def __init__(self, message, line=None, kind="error", layer=None):
        super().__init__(message)
        self.line, self.kind, self.layer = line, kind, layer

    def to_dict(self):
        return {"kind": self.kind, "message": str(self), "line": self.line, "layer": self.layer}


# -- the learner's code -------------------------------------------------------------------------------
def _line_in(tb, filename):
    """The deepest line of ``filename`` in a traceback: where their code was when it failed."""
    line = None
    for frame in traceback.extract_tb(tb):
        if frame.filename == filename:
            line = frame.lineno
    return line


def _exception(e, filename):
    line = _line_in(e.__traceback__, filename)
    where = f"line {line}: " if line else ""
    return LabError(f"{where}{type(e).__name__}: {e}", line=line, kind="exception")


def load_backprop(source, filename="<your code>"):
    """Run the learner's source and return its ``backprop`` function; LabError when it cannot be."""
    if not isinstance(source, str):
        raise TypeError(f"the code must be text, got {type(source).__name__}")
    try:
        code = compile(source, filename, "exec")
    except SyntaxError as e:
        raise LabError(f"line {e.lineno}: SyntaxError: {e.msg}", line=e.lineno, kind="syntax") from None
    namespace = {"__name__": "your_backprop", "__file__": filename}
    try:
        exec(code, namespace)   # the learner's own code, run on purpose (see the module docstring)
    except Exception as e:
        raise _exception(e, filename) from None
    fn = namespace.get("backprop")
    if not callable(fn):
        raise LabError("your code defines no function backprop(weights, biases, x, y, cost)", kind="missing")
    try:
        inspect.signature(fn).bind(None, None, None, None, None)
    except TypeError:
        raise LabError(f"backprop should take (weights, biases, x, y, cost); yours takes "
                       f"{inspect.signature(fn)}", line=fn.__code__.co_firstlineno, kind="signature") from None
    except ValueError:
        pass   # a builtin without a signature: let the call say
    return fn


def _call(fn, weights, biases, x, y, cost, copy=True):
    """Their gradient, checked for shape; on copies of everything unless ``copy`` is False (training,
    where a copy of every weight per mini-batch would cost more than it protects)."""
    if copy:
        weights, biases, x, y = [w.copy() for w in weights], [b.copy() for b in biases], x.copy(), y.copy()
    try:
        result = fn(weights, biases, x, y, cost)
    except Exception as e:
        raise _exception(e, getattr(getattr(fn, "__code__", None), "co_filename", None)) from None
    return _checked(result, weights, biases, x.shape[0])


def _checked(result, weights, biases, m):
    """(nabla_b, nabla_w) as lists of float arrays shaped like biases / weights, or a plain LabError."""
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        got = f"a {type(result).__name__}" + (f" of {len(result)}" if isinstance(result, (tuple, list)) else "")
        raise LabError(f"backprop should return (nabla_b, nabla_w), two lists; yours returned {got}",
                       kind="return")
    out = []
    for name, arrays, like in (("nabla_b", result[0], biases), ("nabla_w", result[1], weights)):
        if not isinstance(arrays, (list, tuple)):
            raise LabError(f"{name} should be a list of {len(like)} arrays, one per layer; yours is a "
                           f"{type(arrays).__name__}", kind="return")
        if len(arrays) != len(like):
            raise LabError(f"{name} should have {len(like)} arrays, one per layer of weights; yours has "
                           f"{len(arrays)}", kind="return")
        checked = []
        for i, (a, ref) in enumerate(zip(arrays, like)):
            layer = i + 2
            if a is None:
                raise LabError(f"{name}[{i}] is None: nothing was computed for layer {layer}",
                               kind="shape", layer=layer)
            try:
                a = np.asarray(a, dtype=np.float64)
            except (TypeError, ValueError):
                raise LabError(f"{name}[{i}] is not an array of numbers", kind="shape", layer=layer) from None
            if a.shape != ref.shape:
                raise LabError(f"{name}[{i}] should be {_shape(ref.shape)}, yours is {_shape(a.shape)}"
                               f"{_shape_hint(name, a.shape, ref.shape, m)}", kind="shape", layer=layer)
            if not np.isfinite(a.sum()) and not np.all(np.isfinite(a)):   # one sum: cheap per mini-batch
                raise LabError(f"{name}[{i}] has NaN or infinite values", kind="values", layer=layer)
            checked.append(a)
        out.append(checked)
    return out


def _shape(s):
    return f"({s[0]},)" if len(s) == 1 else "(" + ", ".join(map(str, s)) + ")"


def _shape_hint(name, got, want, m):
    if got == want[::-1]:
        return ": a transpose?"
    if name == "nabla_b" and got == (want[0],):
        return ": keep it a column, as the biases are ([:, None] after the sum)"
    if m not in want and m in got and want[0] in got:
        return f": one row per example? Sum over the batch's {m} examples"
    return ""


# -- the networks it is checked on ------------------------------------------------------------------------
@dataclass
class Case:
    """A network, a batch and a cost to check a backprop on."""

    name: str
    net: Network
    x: np.ndarray             # (m, n_in)
    y: np.ndarray             # (m, n_out) one-hot

    @property
    def sizes(self):
        return self.net.sizes


def _one_hot(labels, n):
    y = np.zeros((len(labels), n))
    y[np.arange(len(labels)), labels] = 1.0
    return y


def lab_digits():
    """Four MNIST test digits shipped with the package (lab_digits.json): x (4, 784) in [0, 1], labels."""
    data = json.loads((Path(__file__).with_name("digits.json")).read_text(encoding="utf-8"))
    x = np.frombuffer(base64.b64decode(data["pixels"]), dtype=np.uint8).reshape(data["shape"])
    return x / 255.0, np.array(data["labels"])


def cases(seed=7):
    """The check's networks: 4-3-2 with three random inputs under each cost, 784-30-10 on four digits."""
    rng = np.random.default_rng(seed)
    x_tiny = rng.random((3, 4))                                   # (3, 4)
    y_tiny = _one_hot(rng.integers(0, 2, 3), 2)
    out = []
    for cost, label in ((CrossEntropyCost, "cross-entropy"), (QuadraticCost, "quadratic")):
        out.append(Case(f"4-3-2, {label}", Network([4, 3, 2], cost=cost, seed=seed), x_tiny, y_tiny))
    x, labels = lab_digits()
    out.append(Case("784-30-10, cross-entropy", Network([784, 30, 10], cost=CrossEntropyCost, seed=seed),
                    x, _one_hot(labels, 10)))
    return out


# -- the oracles ----------------------------------------------------------------------------------------
def _cost(net, x, y):
    return net.cost.fn(net._output(x), y)     # summed over the batch, as the gradients are


def numeric_gradient(net, x, y, which, layer, entries):
    """Central differences of the batch's summed cost in ``net.{which}[layer]`` at ``entries``."""
    array = getattr(net, which)[layer]
    out = np.empty(len(entries))
    for i, idx in enumerate(entries):
        old = array[idx]
        array[idx] = old + STEP
        up = _cost(net, x, y)
        array[idx] = old - STEP
        down = _cost(net, x, y)
        array[idx] = old
        out[i] = (up - down) / (2 * STEP)
    return out


def _entries(shape, x, layer, rng):
    """Every entry of a small array; for a big one SAMPLED entries, in the first layer only among the
    pixels with ink (a weight from a blank pixel has gradient exactly 0: checking it proves nothing)."""
    size = int(np.prod(shape))
    if size <= 4 * SAMPLED:
        return list(np.ndindex(*shape))
    if layer == 0 and len(shape) == 2:
        inked = np.flatnonzero(x.any(axis=0))
        rows, cols = rng.integers(0, shape[0], SAMPLED), rng.choice(inked, SAMPLED)
        return list(zip(rows.tolist(), cols.tolist()))
    flat = rng.choice(size, SAMPLED, replace=False)
    return [tuple(int(i) for i in np.unravel_index(f, shape)) for f in flat]


def relative_error(a, b):
    """‖a − b‖ / (‖a‖ + ‖b‖), 0 when both are 0: scale-free, 1 when one of them is 0, 2 when a = −b."""
    a, b = np.ravel(a), np.ravel(b)
    denom = np.linalg.norm(a) + np.linalg.norm(b)
    return float(np.linalg.norm(a - b) / denom) if denom > 0 else 0.0


def check_case(fn, case, seed=0):
    """One network: their gradient against the library's and against central differences, per layer.

    Raises LabError for an exception or a wrong shape in their code."""
    net, x, y = case.net, case.x, case.y
    theirs_b, theirs_w = _call(fn, net.weights, net.biases, x, y, net.cost)
    ref_b, ref_w = net._backprop(x, y)
    rng = np.random.default_rng(seed)
    layers = []
    for i in range(len(net.weights)):
        row = {"layer": i + 2, "shape_w": list(net.weights[i].shape), "output": i == len(net.weights) - 1}
        for key, theirs, ref, which in (("b", theirs_b, ref_b, "biases"), ("w", theirs_w, ref_w, "weights")):
            entries = _entries(ref[i].shape, x, i, rng)
            numeric = numeric_gradient(net, x, y, which, i, entries)
            picked = np.array([theirs[i][e] for e in entries])
            row[f"{key}_numeric"] = relative_error(picked, numeric)
            row[f"{key}_library"] = relative_error(theirs[i], ref[i])
            row[f"{key}_ok"] = row[f"{key}_numeric"] <= TOLERANCE and row[f"{key}_library"] <= TOLERANCE
        row["ok"] = row["b_ok"] and row["w_ok"]
        layers.append(row)
    return {"name": case.name, "sizes": list(case.sizes), "cost": net.cost.__name__, "examples": len(x),
            "ok": all(r["ok"] for r in layers), "layers": layers,
            "_arrays": (theirs_b, theirs_w, ref_b, ref_w)}


# -- the verdict and the hint ------------------------------------------------------------------------------
def _scale(theirs, ref):
    """c when theirs ≈ c·ref for one c over every array (None otherwise)."""
    t = np.concatenate([np.ravel(a) for a in theirs])
    r = np.concatenate([np.ravel(a) for a in ref])
    rr = float(r @ r)
    if rr == 0:
        return None
    c = float(t @ r) / rr
    return c if relative_error(t, c * r) <= 1e-6 else None


def _l2_on(theirs, ref, params):
    """c when theirs − ref ≈ c·params in every layer, with one c ≠ 0 (an L2 term); None otherwise."""
    cs = []
    for t, r, p in zip(theirs, ref, params):
        d, p = np.ravel(t - r), np.ravel(p)
        pp = float(p @ p)
        if pp == 0:
            return None
        c = float(d @ p) / pp
        if c == 0 or relative_error(d, c * p) > 1e-6:
            return None
        cs.append(c)
    return cs[0] if cs and all(abs(c - cs[0]) <= 1e-6 * abs(cs[0]) for c in cs) else None


def hint(results):
    """One sentence that points at the likely mistake, from the checked cases (all without errors)."""
    failing = [r for r in results if not r["ok"]]
    if not failing:
        return ""
    if all(not a.any() for r in results for a in r["_arrays"][0] + r["_arrays"][1]):
        return "Every gradient is zero: write the backward pass, BP1 to BP4, where the skeleton says."
    for r in failing:
        theirs_b, theirs_w, ref_b, ref_w = r["_arrays"]
        for name, theirs, ref in (("nabla_b", theirs_b, ref_b), ("nabla_w", theirs_w, ref_w)):
            for i, (t, f) in enumerate(zip(theirs, ref)):
                if not t.any() and f.any():
                    return (f"{name}[{i}] (layer {i + 2}) is all zeros on {r['name']}: did your loop over the "
                            f"layers reach it? range(a, b) stops before b.")
    scales = [_scale(r["_arrays"][0] + r["_arrays"][1], r["_arrays"][2] + r["_arrays"][3]) for r in results]
    if all(c is not None for c in scales):
        if all(abs(c * r["examples"] - 1) < 1e-6 for c, r in zip(scales, results)):
            return ("Every gradient is the right one divided by m, the batch size: return the sum over the "
                    "batch, not the mean — the SGD step divides by m itself (averaging twice makes every "
                    "step m times too small).")
        if all(abs(c + 1) < 1e-6 for c in scales):
            return "Every gradient has the wrong sign: δ^L is ∂C/∂z^L, which is a − y for cross-entropy, not y − a."
        if all(abs(c - scales[0]) < 1e-6 * abs(scales[0]) for c in scales):
            return f"Every gradient is {scales[0]:.4g} times the right one: look for a stray factor."
    for r in failing:
        net_b = [np.asarray(b) for b in _case_params(r, "biases")]
        if _l2_on(r["_arrays"][0], r["_arrays"][2], net_b) is not None:
            return ("nabla_b is off by a multiple of the biases in every layer: an L2 term. Weight decay "
                    "never applies to the biases, and it belongs in the SGD step (the library applies λ "
                    "there), not in the gradient of the cost.")
    for r in failing:
        if r["layers"] and all(row["b_ok"] for row in r["layers"]) and \
                _l2_on(r["_arrays"][1], r["_arrays"][3], _case_params(r, "weights")) is not None:
            return ("nabla_w is off by a multiple of the weights in every layer: an L2 term. backprop returns "
                    "the gradient of the cost alone; the SGD step applies weight decay (λ) itself.")
    by_cost = {r["cost"]: r["ok"] for r in results if r["sizes"] == results[0]["sizes"]}
    if by_cost.get("QuadraticCost") and by_cost.get("CrossEntropyCost") is False:
        return ("Right under the quadratic cost, wrong under cross-entropy, from the output layer down: "
                "look at BP1. δ^L = cost.delta(z, a, y); for cross-entropy σ′(z^L) cancels and δ^L = a − y.")
    if by_cost.get("CrossEntropyCost") and by_cost.get("QuadraticCost") is False:
        return ("Right under cross-entropy, wrong under the quadratic cost: look at BP1. Use "
                "cost.delta(z, a, y), which knows the cost in use (the quadratic one keeps σ′(z^L)).")
    r = failing[0]
    top = max((row for row in r["layers"] if not row["ok"]), key=lambda row: row["layer"])
    if top["b_ok"] and not top["w_ok"]:
        return (f"In layer {top['layer']} nabla_b is right and nabla_w is wrong: look at BP4, "
                f"∂C/∂w^l = δ^l (a^(l−1))ᵀ, with the activations of the layer before.")
    if top["w_ok"] and not top["b_ok"]:
        return (f"In layer {top['layer']} nabla_w is right and nabla_b is wrong: look at BP3, "
                f"∂C/∂b^l = δ^l summed over the batch.")
    if top["output"]:
        return ("The output layer is already wrong: look at BP1, δ^L = cost.delta(zs[-1], activations[-1], y), "
                "then BP3 and BP4 for that layer.")
    return (f"The layers above {top['layer']} are right and layer {top['layer']} is wrong: look at BP2, "
            f"δ^l = (δ^(l+1) w^(l+1)) ⊙ σ′(z^l) with rows as examples.")


def _case_params(result, which):
    return result["_params"][which]


def check_steps(fn, seed=7):
    """The check as a generator: yields the report so far after each network, so that a caller can
    pause between them (the page's Stop). The last report yielded is the verdict.

    A report: {ok, cases: [{name, sizes, cost, examples, ok, layers: [{layer, shape_w, b_numeric,
    b_library, b_ok, w_numeric, w_library, w_ok, ok}]}], verdicts: {layer: "pass" | "fail"},
    error: None or {kind, message, line, layer}, hint}."""
    if not callable(fn):
        raise TypeError(f"backprop must be a function, got {type(fn).__name__}")
    done = []
    report = {"ok": False, "cases": [], "verdicts": {}, "error": None, "hint": "", "finished": False}
    for case in cases(seed):
        try:
            result = check_case(fn, case)
        except LabError as e:
            report["error"] = e.to_dict()
            report["error"]["case"] = case.name
            report["hint"] = str(e)
            if e.layer is not None:
                report["verdicts"][str(e.layer)] = "fail"
            report["finished"] = True
            yield _snapshot(report)
            return
        result["_params"] = {"biases": case.net.biases, "weights": case.net.weights}
        done.append(result)
        report["cases"].append(_public(result))
        for row in result["layers"]:
            key = str(row["layer"])
            report["verdicts"][key] = "fail" if report["verdicts"].get(key) == "fail" or not row["ok"] else "pass"
        yield _snapshot(report)
    report["ok"] = all(r["ok"] for r in done)
    report["hint"] = hint(done)
    report["finished"] = True
    yield _snapshot(report)


def _snapshot(report):
    return {**report, "cases": list(report["cases"]), "verdicts": dict(report["verdicts"])}


def _public(result):
    return {k: v for k, v in result.items() if not k.startswith("_")}


def check(fn, seed=7):
    """Check a backprop function; the report of ``check_steps``'s last step."""
    report = None
    for report in check_steps(fn, seed):
        pass
    return report


def check_source(source, filename="<your code>"):
    """Load the learner's code and check it; a code that does not load gives a report with its error."""
    try:
        fn = load_backprop(source, filename)
    except LabError as e:
        return {"ok": False, "cases": [], "verdicts": {}, "error": e.to_dict(), "hint": str(e), "finished": True}
    return check(fn)


# -- the table -------------------------------------------------------------------------------------------
def _err(x):
    return f"{x:.1e}"


def format_report(report):
    """The per-layer table as text: what the CLI prints (the page draws the same rows as a table)."""
    lines = []
    if report["cases"]:
        head = f"{'network':<26} {'layer':<12} {'∇b vs diff':>10} {'vs library':>10} {'∇w vs diff':>10} {'vs library':>10}  verdict"
        lines += [head, "-" * len(head)]
        for case in report["cases"]:
            for row in case["layers"]:
                name = f"{row['layer']} ({row['shape_w'][0]}×{row['shape_w'][1]})"
                lines.append(f"{case['name']:<26} {name:<12} {_err(row['b_numeric']):>10} "
                             f"{_err(row['b_library']):>10} {_err(row['w_numeric']):>10} "
                             f"{_err(row['w_library']):>10}  {'pass' if row['ok'] else 'FAIL'}")
        lines.append(f"(relative errors; a layer passes at ≤ {TOLERANCE:g} against central differences "
                     f"and against the library's backprop)")
    if report["verdicts"]:
        lines.append("verdict per layer: " + ", ".join(
            f"layer {k} {v}" for k, v in sorted(report["verdicts"].items(), key=lambda kv: int(kv[0]))))
    if report.get("stopped"):
        lines.append("stopped before the check finished")
    elif report["ok"]:
        lines.append("PASS: every layer agrees with central differences and with the library's backprop.")
    else:
        case = (report["error"] or {}).get("case")
        lines.append(f"FAIL{f' on {case}' if case else ''}: {report['hint']}" if report["hint"] else "FAIL")
    return "\n".join(lines)


# -- training with their backprop --------------------------------------------------------------------------
def checked_gradient(fn):
    """``fn`` as ``Network.train_steps``'s ``gradient``: every result shape-checked, errors as LabError."""
    def gradient(weights, biases, x, y, cost):
        return _call(fn, weights, biases, x, y, cost, copy=False)
    return gradient


def compare_speed(fn, sizes, x, y, batch_size, cost=CrossEntropyCost, seconds=0.25, seed=1):
    """Examples/s of SGD steps with their backprop and with the library's: two networks of the same
    seed step through the same batches (no monitors), alternating batch by batch so that a noisy machine
    slows both alike, until about ``seconds`` each: {"yours": ex/s, "library": ex/s}."""
    sides = {"library": [Network(sizes, cost=cost, seed=seed), None, 0.0],
             "yours": [Network(sizes, cost=cost, seed=seed), checked_gradient(fn), 0.0]}
    examples = 0
    k = 0
    while min(side[2] for side in sides.values()) < seconds:
        xb, yb = x[k:k + batch_size], y[k:k + batch_size]
        for side in sides.values():
            t0 = time.perf_counter()
            side[0]._update(xb, yb, 0.1, 0.0, len(x), gradient=side[1])
            side[2] += time.perf_counter() - t0
        examples += len(xb)
        k = k + batch_size if k + batch_size < len(x) else 0
    return {who: examples / side[2] for who, side in sides.items()}
