"""The check of a learner's code, shared by the page's lab and ``python -m backprop check``.

A learner writes one exercise's function (``exercises.json``): most often ``backprop(weights, biases,
x, y, cost) -> (nabla_b, nabla_w)`` with the package's conventions (see ``backprop_texts.SKELETON``),
for sigmoid layers, a softmax output, ReLU layers or a training pass with dropout masks; or a layer's
momentum step (``momentum_check``). ``check`` runs it on a tiny network (so the numbers can be read)
and on 784-30-10 with four MNIST digits (``cases``), and compares every layer's nabla_b (BP3) and
nabla_w (BP4) with central differences of the cost and with the library's backprop: a verdict per
layer and one hint that names the likely equation. Shape mistakes and exceptions in the learner's
code become plain messages with the line they came from.

This module runs code a person typed, by design: their own code, on their own machine (the page runs
it in a Web Worker of its own, so that an endless loop cannot take the page down). What it leaves out:
the editor, stopping code that never returns (the page terminates its worker), anything about files.
"""

import inspect
import time

import numpy as np

from ..explain import gradcheck
from ..nn.costs import CrossEntropyCost
from ..nn.network import Network
from . import conv_check, exercises, layer_hints, momentum_check
from .cases import SAMPLED, Case, cases_for, lab_digits  # noqa: F401  (Case and lab_digits: the lab's public names)
from .errors import LabError
from .errors import from_exception as _exception
from .hints import hint

TOLERANCE = gradcheck.TOLERANCE  # the page's gradient check's: the lab and section 5 agree on "right"


# -- the learner's code -------------------------------------------------------------------------------
def load_backprop(source, filename="<your code>", exercise=exercises.DEFAULT):
    """Run the learner's source and return the exercise's function (``backprop`` unless the exercise
    says otherwise); LabError when it cannot be."""
    ex = exercises.get(exercise)
    if not isinstance(source, str):
        raise TypeError(f"the code must be text, got {type(source).__name__}")
    try:
        code = compile(source, filename, "exec")
    except SyntaxError as e:
        raise LabError(f"line {e.lineno}: SyntaxError: {e.msg}", line=e.lineno, kind="syntax") from None
    namespace = {"__name__": "your_backprop", "__file__": filename}
    try:
        exec(code, namespace)  # the learner's own code, run on purpose (see the module docstring)
    except Exception as e:
        raise _exception(e, filename) from None
    fn = namespace.get(ex.function)
    if not callable(fn):
        raise LabError(f"your code defines no function {ex.signature}", kind="missing")
    try:
        inspect.signature(fn).bind(*[None] * len(ex.params))
    except TypeError:
        raise LabError(
            f"{ex.function} should take ({', '.join(ex.params)}); yours takes {inspect.signature(fn)}",
            line=fn.__code__.co_firstlineno,
            kind="signature",
        ) from None
    except ValueError:
        pass  # a builtin without a signature: let the call say
    return fn


def _call(fn, weights, biases, x, y, cost, copy=True, masks=None):
    """Their gradient, checked for shape; on copies of everything unless ``copy`` is False (training,
    where a copy of every weight per mini-batch would cost more than it protects). ``masks``: the
    dropout exercise's extra argument."""
    if copy:
        weights, biases, x, y = [w.copy() for w in weights], [b.copy() for b in biases], x.copy(), y.copy()
    extra = () if masks is None else ([m.copy() for m in masks],)
    try:
        result = fn(weights, biases, x, y, cost, *extra)
    except Exception as e:
        raise _exception(e, getattr(getattr(fn, "__code__", None), "co_filename", None)) from None
    return _checked(result, weights, biases, x.shape[0])


def _checked(result, weights, biases, m):
    """(nabla_b, nabla_w) as lists of float arrays shaped like biases / weights, or a plain LabError."""
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        got = f"a {type(result).__name__}" + (f" of {len(result)}" if isinstance(result, (tuple, list)) else "")
        raise LabError(f"backprop should return (nabla_b, nabla_w), two lists; yours returned {got}", kind="return")
    out = []
    for name, arrays, like in (("nabla_b", result[0], biases), ("nabla_w", result[1], weights)):
        if not isinstance(arrays, (list, tuple)):
            raise LabError(
                f"{name} should be a list of {len(like)} arrays, one per layer; yours is a {type(arrays).__name__}",
                kind="return",
            )
        if len(arrays) != len(like):
            raise LabError(
                f"{name} should have {len(like)} arrays, one per layer of weights; yours has {len(arrays)}",
                kind="return",
            )
        checked = []
        for i, (a, ref) in enumerate(zip(arrays, like)):
            layer = i + 2
            if a is None:
                raise LabError(
                    f"{name}[{i}] is None: nothing was computed for layer {layer}", kind="shape", layer=layer
                )
            try:
                a = np.asarray(a, dtype=np.float64)
            except (TypeError, ValueError):
                raise LabError(f"{name}[{i}] is not an array of numbers", kind="shape", layer=layer) from None
            if a.shape != ref.shape:
                raise LabError(
                    f"{name}[{i}] should be {_shape(ref.shape)}, yours is {_shape(a.shape)}"
                    f"{_shape_hint(name, a.shape, ref.shape, m)}",
                    kind="shape",
                    layer=layer,
                )
            if not np.isfinite(a.sum()) and not np.all(np.isfinite(a)):  # one sum: cheap per mini-batch
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


def cases(seed=7, exercise=exercises.DEFAULT):
    """The check's networks for an exercise (``cases.cases_for``; a layer's, ``conv_check.cases_for``)."""
    if exercise in conv_check.QUANTITIES:
        return conv_check.cases_for(exercise, seed)
    return cases_for(exercise, seed)


# -- the oracles: central differences (explain.gradcheck, the page's own) and the library's backprop --------
def check_case(fn, case, seed=0):
    """One network: their gradient against the library's and against central differences, per layer.

    Raises LabError for an exception or a wrong shape in their code."""
    net, x, y = case.net, case.x, case.y
    theirs_b, theirs_w = _call(fn, net.weights, net.biases, x, y, net.cost, masks=case.masks)
    ref_b, ref_w = net._backprop(x, y, case.masks)  # with the case's dropout masks, if any
    entries = gradcheck.sample_entries(ref_b, ref_w, SAMPLED, np.random.default_rng(seed), also=(theirs_b, theirs_w))
    numeric = dict(zip(entries, gradcheck.numeric_partials(net, x, y, entries, masks=case.masks)))
    entries = [e for e in entries if not np.isnan(numeric[e])]  # on a ReLU kink: no derivative to compare
    layers = []
    for i in range(len(net.weights)):
        row = {"layer": i + 2, "shape_w": list(net.weights[i].shape), "output": i == len(net.weights) - 1}
        for key, theirs, ref in (("b", theirs_b, ref_b), ("w", theirs_w, ref_w)):
            picked = [e for e in entries if e[0] == key and e[1] == i]
            row[f"{key}_numeric"] = gradcheck.relative_error(
                [theirs[i][j, k] for _, _, j, k in picked], [numeric[e] for e in picked]
            )
            row[f"{key}_library"] = gradcheck.relative_error(theirs[i], ref[i])
            row[f"{key}_ok"] = row[f"{key}_numeric"] <= TOLERANCE and row[f"{key}_library"] <= TOLERANCE
        row["ok"] = row["b_ok"] and row["w_ok"]
        layers.append(row)
    return {
        "name": case.name,
        "sizes": list(case.sizes),
        "cost": net.cost.name,
        "examples": len(x),
        "ok": all(r["ok"] for r in layers),
        "layers": layers,
        "_arrays": (theirs_b, theirs_w, ref_b, ref_w),
    }


def check_steps(fn, seed=7, exercise=exercises.DEFAULT):
    """The check as a generator: yields the report so far after each network, so that a caller can
    pause between them (the page's Stop). The last report yielded is the verdict.

    A report: {ok, cases: [{name, sizes, cost, examples, ok, layers: [{layer, shape_w, b_numeric,
    b_library, b_ok, w_numeric, w_library, w_ok, ok}]}], verdicts: {layer: "pass" | "fail"},
    error: None or {kind, message, line, layer}, hint}."""
    if not callable(fn):
        raise TypeError(f"backprop must be a function, got {type(fn).__name__}")
    done = []
    report = {
        "ok": False,
        "cases": [],
        "verdicts": {},
        "error": None,
        "hint": "",
        "finished": False,
        "tolerance": TOLERANCE,
        "exercise": exercise,
        "quantities": conv_check.QUANTITIES.get(exercise),  # a layer exercise: rows per quantity, not layer
    }
    check_one = {"momentum": momentum_check.check_case, "conv": conv_check.check_case, "pool": conv_check.check_case}
    check_one = check_one.get(exercise, check_case)
    for case in cases(seed, exercise):
        try:
            result = check_one(fn, case)
        except LabError as e:
            report["error"] = e.to_dict()
            report["error"]["case"] = case.name
            report["hint"] = str(e)
            if e.layer is not None:
                report["verdicts"][str(e.layer)] = "fail"
            report["finished"] = True
            yield _snapshot(report)
            return
        if report["quantities"] is None:
            result["_params"] = {"biases": case.net.biases, "weights": case.net.weights}
        done.append(result)
        report["cases"].append(_public(result))
        for row in result["layers"]:
            key = str(row["layer"])
            report["verdicts"][key] = "fail" if report["verdicts"].get(key) == "fail" or not row["ok"] else "pass"
        yield _snapshot(report)
    report["ok"] = all(r["ok"] for r in done)
    report["hint"] = layer_hints.hint(done, exercise) if report["quantities"] else hint(done, exercise)
    report["finished"] = True
    yield _snapshot(report)


def _snapshot(report):
    return {**report, "cases": list(report["cases"]), "verdicts": dict(report["verdicts"])}


def _public(result):
    return {k: v for k, v in result.items() if not k.startswith("_")}


def check(fn, seed=7, exercise=exercises.DEFAULT):
    """Check a learner's function; the report of ``check_steps``'s last step."""
    report = None
    for report in check_steps(fn, seed, exercise):  # noqa: B007  (the last report is the verdict)
        pass
    return report


def check_source(source, filename="<your code>", exercise=exercises.DEFAULT):
    """Load the learner's code and check it; a code that does not load gives a report with its error."""
    try:
        fn = load_backprop(source, filename, exercise)
    except LabError as e:
        return {"ok": False, "cases": [], "verdicts": {}, "error": e.to_dict(), "hint": str(e), "finished": True}
    return check(fn, exercise=exercise)


# -- the table -------------------------------------------------------------------------------------------
def _err(x):
    return f"{x:.1e}"


def format_report(report):
    """The per-layer table as text: what the CLI prints (the page draws the same rows as a table)."""
    lines = []
    quantities = report.get("quantities")
    if quantities and report["cases"]:
        lines += _quantity_table(report)
    elif report["cases"]:
        head = (
            f"{'network':<26} {'layer':<12} {'∇b vs diff':>10} {'vs library':>10} {'∇w vs diff':>10} "
            f"{'vs library':>10}  verdict"
        )
        lines += [head, "-" * len(head)]
        for case in report["cases"]:
            for row in case["layers"]:
                name = f"{row['layer']} ({row['shape_w'][0]}×{row['shape_w'][1]})"
                lines.append(
                    f"{case['name']:<26} {name:<12} {_err(row['b_numeric']):>10} "
                    f"{_err(row['b_library']):>10} {_err(row['w_numeric']):>10} "
                    f"{_err(row['w_library']):>10}  {'pass' if row['ok'] else 'FAIL'}"
                )
        lines.append(
            f"(relative errors; a layer passes at ≤ {TOLERANCE:g} against central differences "
            f"and against the library's backprop)"
        )
    if report["verdicts"] and quantities:
        lines.append("verdict: " + ", ".join(f"{quantities[k]} {v}" for k, v in report["verdicts"].items()))
    elif report["verdicts"]:
        lines.append(
            "verdict per layer: "
            + ", ".join(f"layer {k} {v}" for k, v in sorted(report["verdicts"].items(), key=lambda kv: int(kv[0])))
        )
    if report.get("stopped"):
        lines.append("stopped before the check finished")
    elif report["ok"] and quantities:
        lines.append("PASS: every quantity agrees with central differences and with the library's layer.")
    elif report["ok"]:
        lines.append("PASS: every layer agrees with central differences and with the library's backprop.")
    else:
        case = (report["error"] or {}).get("case")
        lines.append(f"FAIL{f' on {case}' if case else ''}: {report['hint']}" if report["hint"] else "FAIL")
    return "\n".join(lines)


def _quantity_table(report):
    """The layer exercises' table: a row per quantity (∂C/∂b, ∂C/∂w, δ below) of each case."""
    head = f"{'case':<34} {'quantity':<26} {'vs diff':>8} {'vs library':>10}  verdict"
    lines = [head, "-" * len(head)]
    for case in report["cases"]:
        for row in case["layers"]:
            name = f"{row['quantity']} {_shape(row['shape'])}"
            lines.append(
                f"{case['name']:<34} {name:<26} {_err(row['numeric']):>8} {_err(row['library']):>10}  "
                f"{'pass' if row['ok'] else 'FAIL'}"
            )
    lines.append(
        f"(relative errors; a quantity passes at ≤ {TOLERANCE:g} against central differences of the cost "
        f"and against the library's layer)"
    )
    return lines


# -- training with their backprop --------------------------------------------------------------------------
def checked_gradient(fn):
    """``fn`` as ``Network.train_steps``'s ``gradient``: every result shape-checked, errors as LabError."""

    def gradient(weights, biases, x, y, cost):
        return _call(fn, weights, biases, x, y, cost, copy=False)

    return gradient


def compare_speed(fn, sizes, x, y, batch_size, cost=CrossEntropyCost, seconds=0.25, seed=1, **network):
    """Examples/s of SGD steps with their backprop and with the library's: two networks of the same
    seed (and ``network``'s activation, output, weight_init) step through the same batches (no monitors),
    alternating batch by batch so that a noisy machine slows both alike, until about ``seconds`` each:
    {"yours": ex/s, "library": ex/s}."""
    sides = {
        "library": [Network(sizes, cost=cost, seed=seed, **network), None, 0.0],
        "yours": [Network(sizes, cost=cost, seed=seed, **network), checked_gradient(fn), 0.0],
    }
    examples = 0
    k = 0
    while min(side[2] for side in sides.values()) < seconds:
        xb, yb = x[k : k + batch_size], y[k : k + batch_size]
        for side in sides.values():
            t0 = time.perf_counter()
            side[0].update_mini_batch(xb, yb, 0.1, 0.0, len(x), gradient=side[1])
            side[2] += time.perf_counter() - t0
        examples += len(xb)
        k = k + batch_size if k + batch_size < len(x) else 0
    return {who: examples / side[2] for who, side in sides.items()}
