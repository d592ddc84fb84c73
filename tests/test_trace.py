"""backprop.trace (one digit's BP1–BP4) and backprop.gradcheck (central differences), against the
batched Network.backprop and against each other."""

import numpy as np
import pytest

from backprop import CrossEntropyCost, Network, QuadraticCost
from backprop.explain import gradcheck
from backprop.explain.trace import MISTAKES, trace


@pytest.fixture
def example():
    rng = np.random.default_rng(7)
    net = Network([12, 7, 5, 4], seed=3)
    return net, rng.random(12), 2


@pytest.mark.parametrize("cost", [CrossEntropyCost, QuadraticCost])
def test_bp3_bp4_equal_the_batched_backprop(example, cost):
    net, x, y = example
    net.cost = cost
    t = trace(net, x, y)
    nabla_b, nabla_w = net.backprop(x[None, :], [y])
    for got, want in zip(t.gradient()[0] + t.gradient()[1], nabla_b + nabla_w):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15)
    assert [layer.l for layer in t.layers] == [2, 3, 4]
    assert [layer.equation for layer in t.layers] == ["BP2", "BP2", "BP1"]


def test_forward_values_match_feedforward(example):
    net, x, y = example
    t = trace(net, x, y)
    np.testing.assert_allclose(t.layers[-1].a, net.feedforward(x)[0], rtol=1e-14)
    np.testing.assert_allclose(t.layers[0].z, net.weights[0] @ x + net.biases[0][:, 0], rtol=1e-14)
    assert t.C == pytest.approx(net.total_cost(x[None, :], [y]))


def test_the_other_cost_shows_bp1s_sigma_prime(example):
    net, x, y = example                                # the network's own cost is cross-entropy
    ce, quad = trace(net, x, y), trace(net, x, y, cost="quadratic")
    a, onehot = ce.layers[-1].a, np.eye(4)[y]
    np.testing.assert_allclose(ce.layers[-1].delta, a - onehot)
    np.testing.assert_allclose(quad.layers[-1].delta, (a - onehot) * a * (1 - a))
    assert quad.cost is QuadraticCost


def test_labels_and_one_hot_rows_are_the_same_target(example):
    net, x, _ = example
    np.testing.assert_array_equal(trace(net, x, 1).y, trace(net, x, np.eye(4)[1]).y)
    with pytest.raises(ValueError):
        trace(net, x, 4)
    with pytest.raises(ValueError, match="one example"):
        trace(net, np.vstack([x, x]), 1)
    with pytest.raises(ValueError, match="mistake"):
        trace(net, x, 1, mistake="typo")


@pytest.mark.parametrize("cost", [CrossEntropyCost, QuadraticCost])
def test_the_gradient_check_passes_to_1e_6(example, cost):
    net, x, y = example
    net.cost = cost
    result = gradcheck.gradient_check(net, x, y, per_layer=8)
    assert result["ok"], result
    for layer, n_out in zip(result["layers"], net.sizes[1:]):     # every layer, weights and biases
        kinds = [r[0] for r in layer["rows"]]
        assert kinds.count("w") == 8 and kinds.count("b") == min(8, n_out)
    assert max(layer["max_error"] for layer in result["layers"]) <= 1e-6


@pytest.mark.parametrize("mistake, cost, bad_layers", [
    ("bp2-no-sigma-prime", CrossEntropyCost, {2, 3}),     # the output layer is still right
    ("bp1-no-sigma-prime", QuadraticCost, {2, 3, 4}),     # δ^L is wrong, and BP2 carries it down
    ("bp1-wrong-sign", CrossEntropyCost, {2, 3, 4}),
])
def test_each_mistake_fails_in_the_layers_it_should(example, mistake, cost, bad_layers):
    net, x, y = example
    net.cost = cost
    result = gradcheck.gradient_check(net, x, y, mistake=mistake)
    failed = {layer["l"] for layer in result["layers"] if not layer["ok"]}
    assert failed == bad_layers and not result["ok"]
    assert set(MISTAKES) >= {mistake}


def test_the_check_samples_the_same_parameters_with_and_without_the_mistake(example):
    net, x, y = example
    right = gradcheck.gradient_check(net, x, y, seed=4)
    wrong = gradcheck.gradient_check(net, x, y, seed=4, mistake="bp2-no-sigma-prime")
    for a, b in zip(right["layers"], wrong["layers"]):
        assert [r[:3] for r in a["rows"]] == [r[:3] for r in b["rows"]]
        assert [r[4] for r in a["rows"]] == [r[4] for r in b["rows"]]    # numeric side identical


def test_numeric_partials_do_not_touch_the_network(example):
    net, x, y = example
    before = [w.copy() for w in net.weights]
    gradcheck.numeric_partials(net, x, np.eye(4)[y], [("w", 0, 1, 2), ("b", 2, 3, 0)])
    for w, b in zip(net.weights, before):
        np.testing.assert_array_equal(w, b)


def test_relative_error():
    assert gradcheck.relative_error(0.0, 0.0) == 0.0
    assert gradcheck.relative_error(1.0, -1.0) == 2.0
    assert gradcheck.relative_error(1e-3, 1.001e-3) == pytest.approx(1e-3 / 1.001, rel=1e-9)
