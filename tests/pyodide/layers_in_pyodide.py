"""The layers' contracts inside Pyodide (no pytest there: plain asserts, one line per check): the
backprop of every new activation, output and cost against central differences, L1, momentum and dropout
against their rules (μ = 0 and p = 0 exactly plain SGD), the superset JSON, and the lab's new exercises,
so that numpy 2.0.2 on wasm32 is held to the same numbers as CPython (tests/core/test_layers.py)."""

import json

import numpy as np

import backprop
from backprop import Network
from backprop.explain import gradcheck, speed
from backprop.lab import check as lab
from backprop.lab import exercises
from expect import expect, report, worst_difference

rng = np.random.default_rng(0)
x, y = rng.random((6, 5)), rng.integers(0, 4, 6)
Y = np.eye(4)[y]

COMBINATIONS = [
    ("tanh", "sigmoid", "cross-entropy"),
    ("relu", "softmax", "log-likelihood"),
    ("tanh", "tanh", "quadratic"),
    ("identity", "identity", "quadratic"),
    ("sigmoid", "softmax", "log-likelihood"),
]
for hidden, output, cost in COMBINATIONS:

    @expect(f"central differences: {hidden} hidden, {output} output, {cost}")
    def _(hidden=hidden, output=output, cost=cost):
        net = Network([5, 6, 4, 4], activation=hidden, output=output, cost=cost, seed=4)
        worst = worst_difference(net, x, Y)
        assert worst <= 1e-6, worst


@expect("a wrong pairing is refused with the reason")
def _():
    try:
        Network([5, 4], cost="log-likelihood", output="sigmoid")
    except ValueError as e:
        assert "needs softmax outputs" in str(e), e
    else:
        raise AssertionError("not refused")


for option in ("momentum", "dropout"):

    @expect(f"{option} 0 is plain SGD exactly")
    def _(option=option):
        a, b = Network([5, 7, 4], seed=3), Network([5, 7, 4], seed=3)
        a.train(x, y, 2, 3, 0.5, 1.0)
        b.train(x, y, 2, 3, 0.5, 1.0, **{option: 0.0})
        assert all(np.array_equal(p, q) for p, q in zip(a.weights + a.biases, b.weights + b.biases))


@expect("L1 steps by the sign of each weight")
def _():
    net = Network([5, 4], seed=2)
    w0 = net.weights[0].copy()
    nabla_w = net.backprop(x, y)[1][0]
    net.update_mini_batch(x, y, 0.3, 4.0, 50, regularization="l1")
    want = w0 - 0.3 * 4.0 / 50 * np.sign(w0) - 0.3 / 6 * nabla_w
    assert np.allclose(net.weights[0], want, rtol=0, atol=1e-12)


@expect("momentum: v <- mu v - eta grad, w <- w + v, over two steps")
def _():
    net = Network([5, 4], seed=3, cost="quadratic")
    w, v = net.weights[0].copy(), np.zeros_like(net.weights[0])
    for _ in range(2):
        grad = Network.from_params([w], [net.biases[0]], "quadratic").backprop(x, y)[1][0] / 6
        net.update_mini_batch(x, y, 0.2, 0.0, 30, momentum=0.9)
        v = 0.9 * v - 0.2 * grad
        w = w + v
        # the biases move too; rebuild the probe from the network's own biases each step
    assert np.allclose(net.weights[0], w, rtol=0, atol=1e-12)


@expect("dropout: masks of 0 and 1/(1-p) on hidden layers only, backprop itself never drops")
def _():
    net = Network([5, 40, 4], activation="relu", seed=6)
    masks = net._forward(x, 0.5)[3]
    assert masks[-1] is None and set(np.unique(masks[0])) <= {0.0, 2.0}
    g = net.backprop(x, y)[1][0]
    assert np.array_equal(net.backprop(x, y)[1][0], g)


@expect("the superset JSON round trips a ReLU + softmax network exactly")
def _():
    net = Network([5, 6, 4], activation="relu", output="softmax", cost="log-likelihood", seed=1)
    again = backprop.loads(net.to_json())
    assert json.loads(net.to_json())["layers"][1]["activation"] == "softmax"
    assert np.array_equal(again.feedforward(x), net.feedforward(x))


@expect("the gradient check skips ReLU kinks and catches the new mistakes")
def _():
    net = Network([12, 7, 4], activation="relu", output="softmax", cost="log-likelihood", seed=3)
    xi = np.random.default_rng(7).random(12)
    assert gradcheck.gradient_check(net, xi, 2, per_layer=8, regularization="l1", lmbda=5.0, n=50)["ok"]
    for mistake in ("softmax-extra-f-prime", "relu-step-forgotten"):
        assert not gradcheck.gradient_check(net, xi, 2, mistake=mistake, per_layer=8)["ok"], mistake


@expect("chapter 5: a deep sigmoid network's first layer starts slowest")
def _():
    xs, ys = rng.random((100, 20)), rng.integers(0, 4, 100)
    s = speed.layer_speeds(Network([20, 30, 30, 30, 4], seed=1), xs, ys)
    assert s == sorted(s), s


for key in [k for k in exercises.EXERCISES if k != "backprop"]:

    @expect(f"the lab's {key} exercise: the reference passes, every bug fails")
    def _(key=key):
        texts = exercises.get(key).texts
        assert lab.check_source(texts.REFERENCE, exercise=key)["ok"]
        for bug, spec in texts.BUGS.items():
            report_ = lab.check_source(spec["code"], exercise=key)
            assert not report_["ok"] and spec["hint"] in report_["hint"], bug


@expect("chapter 6: a convolution and max-pooling, backprop against central differences, and JSON both ways")
def _():
    L = backprop.layers
    stack = [L.Conv2D(3, 3, activation="relu"), L.MaxPool2D(2), L.Dense(5, activation="tanh"), L.Dense(4, "softmax")]
    net = Network.stack(stack, input_shape=(2, 8, 8), cost="log-likelihood", seed=3)
    xc = rng.random((4, 128))
    Yc = np.eye(4)[rng.integers(0, 4, 4)]
    worst = worst_difference(net, xc, Yc)
    assert worst <= 1e-6, worst
    again = backprop.loads(net.to_json())
    assert np.array_equal(again.feedforward(xc), net.feedforward(xc))


@expect("chapter 6: BP1–BP4 through conv and pool is the gradient; the check fails for each conv mistake")
def _():
    from backprop.explain import gradcheck
    from backprop.explain.trace import trace

    L = backprop.layers
    stack = [L.Conv2D(3, 3, activation="relu"), L.MaxPool2D(2), L.Conv2D(2, 3, activation="relu"), L.MaxPool2D(2)]
    net = Network.stack([*stack, L.Dense(10, "softmax")], input_shape=(1, 14, 14), cost="log-likelihood", seed=2)
    x1 = rng.random(196)
    nabla_b, nabla_w = net.backprop(x1[None, :], [3])
    got_b, got_w = trace(net, x1, 3).gradient()
    for got, want in zip(got_w + got_b, nabla_w + nabla_b):
        assert np.abs(got - want).max() <= 1e-9 * max(1.0, np.abs(want).max())
    assert gradcheck.gradient_check(net, x1, 3, per_layer=6)["ok"]
    for mistake, failing in (("conv-kernel-not-flipped", [2]), ("pool-delta-spread", [2, 4])):
        result = gradcheck.gradient_check(net, x1, 3, mistake=mistake, per_layer=6)
        assert [layer["l"] for layer in result["layers"] if not layer["ok"]] == failing, mistake


report()
