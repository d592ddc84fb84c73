"""The core's contracts, checked inside Pyodide (no pytest there: plain asserts, one line per check).

The same oracles as tests/test_core.py, so that numpy 2.0.2 on wasm32 is held to the same numbers.
"""

import json
import platform
import sys
import warnings

import numpy as np

import backprop
from backprop import CrossEntropyCost, Network, QuadraticCost

results = []


def check(name):
    def wrap(fn):
        try:
            fn()
            results.append((name, None))
        except Exception as e:  # report every failure, not just the first
            results.append((name, f"{type(e).__name__}: {e}"))
        return fn
    return wrap


def one_hot(y, n):
    out = np.zeros((len(y), n))
    out[np.arange(len(y)), y] = 1.0
    return out


rng = np.random.default_rng(0)
x, y = rng.random((6, 5)), rng.integers(0, 3, 6)


@check("environment is Pyodide with numpy 2.0.2")
def _():
    assert sys.platform == "emscripten", sys.platform
    assert np.__version__ == "2.0.2", np.__version__


for cost in (CrossEntropyCost, QuadraticCost):
    @check(f"gradient check {cost.__name__}")
    def _():
        net = Network([5, 4, 3], cost=cost, seed=3)
        nabla_b, nabla_w = net.backprop(x, y)
        h, worst = 1e-6, 0.0
        for params, grads in ((net.weights, nabla_w), (net.biases, nabla_b)):
            for p, g in zip(params, grads):
                numeric = np.zeros_like(p)
                for idx in np.ndindex(p.shape):
                    old = p[idx]
                    p[idx] = old + h
                    c1 = net.cost.fn(net.feedforward(x), one_hot(y, 3))
                    p[idx] = old - h
                    c2 = net.cost.fn(net.feedforward(x), one_hot(y, 3))
                    p[idx] = old
                    numeric[idx] = (c1 - c2) / (2 * h)
                worst = max(worst, np.linalg.norm(g - numeric) / (np.linalg.norm(g) + np.linalg.norm(numeric)))
        assert worst <= 1e-6, worst


@check("saturated inputs: finite cost, no warnings")
def _():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="raise", divide="raise", invalid="raise"):
            net = Network([3, 2], seed=0, weight_init="large")
            net.weights = [w * 500 for w in net.weights]
            assert np.isfinite(net.total_cost(np.ones((2, 3)), [0, 1], 1.0))


@check("JSON round trip")
def _():
    net = Network([5, 4, 3], seed=1)
    again = backprop.loads(json.dumps(net.to_dict()))
    assert np.array_equal(again.feedforward(x), net.feedforward(x))


@check("seeded training repeats and learns a toy problem")
def _():
    xs = np.random.default_rng(0).random((300, 4))   # the same toy data as tests/test_core.py
    ys = (xs[:, 0] + xs[:, 1] > 1).astype(int)
    runs = []
    for _ in range(2):
        net = Network([4, 8, 2], seed=0)
        h = net.train(xs[:200], ys[:200], 15, 10, 1.0, 0.01, eval_data=(xs[200:], ys[200:]))
        runs.append((net.weights[0].copy(), h.eval_accuracy[-1]))
    assert np.array_equal(runs[0][0], runs[1][0])
    assert runs[0][1] > 0.9, runs[0][1]


@check("bad input is a clear error")
def _():
    try:
        Network([5, 3]).train(x, y, 1, 2, -1.0)
    except ValueError as e:
        assert "eta" in str(e) and "-1.0" in str(e)
    else:
        raise AssertionError("negative eta accepted")


# -- what the page's views compute: the same functions on wasm32, where numpy's index type is int32
@check("confusion matrix and its cells (int32 indices on wasm32)")
def _():
    from backprop import metrics
    predicted, labels = np.array([1, 2, 2, 0, 1]), np.array([1, 2, 1, 0, 0], dtype=np.int64)
    m = metrics.confusion_matrix(predicted, labels, 3)
    assert m.tolist() == [[1, 1, 0], [0, 1, 1], [0, 0, 1]], m.tolist()
    outputs = np.eye(3)[predicted] * np.array([0.9, 0.5, 0.7, 0.8, 0.6])[:, None]
    assert metrics.cell_members(outputs, labels, 0, 1).tolist() == [4]


@check("a drawing preprocessed like MNIST")
def _():
    from backprop import preprocess
    ink = np.zeros((280, 280), np.uint8)
    ink[40:240, 100:160] = 255
    v = preprocess.mnist_like(ink).reshape(28, 28)
    rows, cols = np.nonzero(v > 0.5)
    assert rows.max() - rows.min() + 1 <= 20 and abs(np.average(np.arange(28), weights=v.sum(1)) - 14) < 1


@check("hidden units: quantised weights and the most exciting digits")
def _():
    from backprop import units
    net = Network([6, 3, 2], seed=2)
    q, scale = units.quantise_symmetric(net.weights[0])
    assert q.dtype == np.int8 and np.abs(q).max() == units.LEVELS and scale == np.abs(net.weights[0]).max()
    idx, act = units.most_exciting(net, np.random.default_rng(1).random((9, 6)), 1, 4)
    assert len(idx) == 4 and list(act) == sorted(act, reverse=True)


for name, error in results:
    print(("FAIL " if error else "ok   ") + name + (f": {error}" if error else ""))
n_failed = sum(1 for _, e in results if e)
print(f"pyodide: {len(results) - n_failed} checks ok, {n_failed} failed on {platform.python_version()}")
