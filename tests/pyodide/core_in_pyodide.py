"""The core's contracts, checked inside Pyodide (no pytest there: plain asserts, one line per check).

The same oracles as tests/test_core.py, so that numpy 2.0.2 on wasm32 is held to the same numbers.
"""

import json
import sys
import warnings

import numpy as np

import backprop
from backprop import CrossEntropyCost, Network, QuadraticCost
from expect import expect, report, worst_difference


def one_hot(y, n):
    out = np.zeros((len(y), n))
    out[np.arange(len(y)), y] = 1.0
    return out


rng = np.random.default_rng(0)
x, y = rng.random((6, 5)), rng.integers(0, 3, 6)


@expect("environment is Pyodide with numpy 2.0.2")
def _():
    assert sys.platform == "emscripten", sys.platform
    assert np.__version__ == "2.0.2", np.__version__


for cost in (CrossEntropyCost, QuadraticCost):

    @expect(f"gradient check {cost.__name__}")
    def _(cost=cost):
        worst = worst_difference(Network([5, 4, 3], cost=cost, seed=3), x, one_hot(y, 3))
        assert worst <= 1e-6, worst


@expect("saturated inputs: finite cost, no warnings")
def _():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="raise", divide="raise", invalid="raise"):
            net = Network([3, 2], seed=0, weight_init="large")
            net.weights = [w * 500 for w in net.weights]
            assert np.isfinite(net.total_cost(np.ones((2, 3)), [0, 1], 1.0))


@expect("JSON round trip")
def _():
    net = Network([5, 4, 3], seed=1)
    again = backprop.loads(json.dumps(net.to_dict()))
    assert np.array_equal(again.feedforward(x), net.feedforward(x))


@expect("seeded training repeats and learns a toy problem")
def _():
    xs = np.random.default_rng(0).random((300, 4))  # the same toy data as tests/test_core.py
    ys = (xs[:, 0] + xs[:, 1] > 1).astype(int)
    runs = []
    for _ in range(2):
        net = Network([4, 8, 2], seed=0)
        h = net.train(xs[:200], ys[:200], 15, 10, 1.0, 0.01, eval_data=(xs[200:], ys[200:]))
        runs.append((net.weights[0].copy(), h.eval_accuracy[-1]))
    assert np.array_equal(runs[0][0], runs[1][0])
    assert runs[0][1] > 0.9, runs[0][1]


@expect("bad input is a clear error")
def _():
    try:
        Network([5, 3]).train(x, y, 1, 2, -1.0)
    except ValueError as e:
        assert "eta" in str(e) and "-1.0" in str(e)
    else:
        raise AssertionError("negative eta accepted")


report()
