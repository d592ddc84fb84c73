"""The checks' harness inside Pyodide, where there is no pytest: each check is a named function or a named
condition; a failure is recorded and reported, never the end of the run; ``report()`` prints one line
per check and a last line "N checks ok, M failed on <Python version>" that the pytest side reads.

Used by the scripts of this folder, run by run_in_pyodide.mjs under Node and by tests/e2e/test_kernel.py
in Chromium, which both put this file beside the script.
"""

import platform

import numpy as np

results = []  # (name, None or the failure)


def expect(name):
    """Decorator: run the function now; an exception is this check's failure."""

    def run(fn):
        try:
            fn()
            results.append((name, None))
        except Exception as e:  # report every failure, not just the first
            results.append((name, f"{type(e).__name__}: {e}"))
        return fn

    return run


def check(name, ok, detail=""):
    """A check that is one condition: ``detail`` says what was seen when it fails."""
    results.append((name, None if ok else (detail or "failed")))


def report():
    for name, error in results:
        print(("FAIL " if error else "ok   ") + name + (f": {error}" if error else ""))
    failed = sum(1 for _, e in results if e)
    print(f"pyodide: {len(results) - failed} checks ok, {failed} failed on {platform.python_version()}")


def worst_difference(net, x, Y, h=1e-6):
    """The largest relative error, over the weight and bias arrays, between backprop's gradient and central
    differences of the cost on (x, Y one-hot): ‖g − n‖ / max(‖g‖, ‖n‖). The scripts' gradient check."""
    nabla_b, nabla_w = net.backprop(x, Y)
    worst = 0.0
    for params, grads in ((net.weights, nabla_w), (net.biases, nabla_b)):
        for p, g in zip(params, grads):
            numeric = np.zeros_like(p)
            for idx in np.ndindex(p.shape):
                old = p[idx]
                p[idx] = old + h
                c1 = net.cost.fn(net.feedforward(x), Y)
                p[idx] = old - h
                c2 = net.cost.fn(net.feedforward(x), Y)
                p[idx] = old
                numeric[idx] = (c1 - c2) / (2 * h)
            worst = max(worst, np.linalg.norm(g - numeric) / max(np.linalg.norm(g), np.linalg.norm(numeric)))
    return worst
