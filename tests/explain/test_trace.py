"""backprop.explain.trace (one digit's BP1–BP4, kept layer by layer) against the batched
Network.backprop."""

import numpy as np
import pytest

from backprop import CrossEntropyCost, QuadraticCost
from backprop.explain.trace import trace


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


def test_the_other_cost_shows_bp1s_f_prime(example):
    net, x, y = example  # the network's own cost is cross-entropy
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
