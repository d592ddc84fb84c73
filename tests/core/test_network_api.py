"""The network's public passes and constructors: forward (every layer's z and a), deltas (BP1–BP2),
copy and from_params (no random start drawn), to_json, and the History's data term — each held to an
independent computation written here."""

import json

import numpy as np
import pytest

import backprop
from backprop import CrossEntropyCost, Network, QuadraticCost


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


@pytest.fixture
def net():
    return Network([6, 5, 4, 3], cost=QuadraticCost, seed=11)


@pytest.fixture
def batch():
    rng = np.random.default_rng(3)
    return rng.random((7, 6)), rng.integers(0, 3, 7)


def test_forward_keeps_every_layers_weighted_input_and_activation(net, batch):
    x, _ = batch
    zs, activations = net.forward(x)
    a = x
    assert len(zs) == 3 and len(activations) == 4 and activations[0] is not None
    for l, (w, b) in enumerate(zip(net.weights, net.biases)):
        z = a @ w.T + b[:, 0]  # the plain loop, column by column as the book writes it
        np.testing.assert_allclose(zs[l], z, rtol=1e-12)
        a = sigmoid(z)
        np.testing.assert_allclose(activations[l + 1], a, rtol=1e-12)
    np.testing.assert_array_equal(activations[-1], net.feedforward(x))
    with pytest.raises(ValueError, match=r"expected inputs of shape \(m, 6\)"):
        net.forward(np.zeros((2, 5)))


def test_deltas_are_bp1_and_bp2_and_give_backprops_gradient(net, batch):
    x, y = batch
    deltas, activations = net.deltas(x, y)
    one_hot = np.eye(3)[y]
    a_L = activations[-1]
    np.testing.assert_allclose(deltas[-1], (a_L - one_hot) * a_L * (1 - a_L), rtol=1e-12)  # BP1, quadratic
    for l in (1, 0):  # BP2, downwards
        a = activations[l + 1]
        np.testing.assert_allclose(deltas[l], (deltas[l + 1] @ net.weights[l + 1]) * a * (1 - a), rtol=1e-12)
    nabla_b, nabla_w = net.backprop(x, y)
    for d, a_in, nb, nw in zip(deltas, activations, nabla_b, nabla_w):
        np.testing.assert_allclose(nb[:, 0], d.sum(axis=0), rtol=1e-12)  # BP3
        np.testing.assert_allclose(nw, d.T @ a_in, rtol=1e-12)  # BP4


def test_a_copy_is_independent_and_trains_on_exactly_as_the_original(net, batch):
    x, y = batch
    twin = net.copy()
    assert twin is not net and twin.sizes == net.sizes and twin.cost is net.cost
    for a, b in zip(twin.weights + twin.biases, net.weights + net.biases):
        np.testing.assert_array_equal(a, b)
        assert not np.shares_memory(a, b)
    twin.train(x, y, 2, 3, 0.5)  # the same shuffles: the generator's state was copied
    net.train(x, y, 2, 3, 0.5)
    for a, b in zip(twin.weights, net.weights):
        np.testing.assert_array_equal(a, b)
    low = net.copy(np.float32)
    assert low.dtype == np.float32 and low.weights[0].dtype == np.float32 and net.dtype == np.float64


def test_a_copy_draws_no_random_numbers(net, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("a copy drew a random start")

    monkeypatch.setattr(Network, "default_weight_initializer", refuse)
    monkeypatch.setattr(Network, "large_weight_initializer", refuse)
    net.copy()
    Network.from_params(net.weights, net.biases)


def test_from_params_takes_shapes_from_the_weights_and_refuses_a_broken_chain(net):
    made = Network.from_params(net.weights, net.biases, cost="quadratic")
    assert made.sizes == [6, 5, 4, 3] and made.cost is QuadraticCost and made.dtype == np.float64
    assert not np.shares_memory(made.weights[0], net.weights[0])
    flat = Network.from_params(net.weights, [b[:, 0] for b in net.biases])  # flat biases read as columns
    assert flat.biases[0].shape == (5, 1)
    with pytest.raises(ValueError, match=r"weights\[1\] has shape \(4, 5\), expected \(4, 6\)"):
        Network.from_params([np.zeros((6, 6)), np.zeros((4, 5))], [np.zeros((6, 1)), np.zeros((4, 1))])
    with pytest.raises(ValueError, match="as many bias arrays"):
        Network.from_params(net.weights, net.biases[:2])
    with pytest.raises(ValueError, match="matrix"):
        Network.from_params([np.zeros(3)], [np.zeros((3, 1))])


def test_to_json_is_network2s_text_and_loads_back(net, batch):
    x, _ = batch
    data = json.loads(net.to_json())
    assert set(data) == {"sizes", "weights", "biases", "cost"} and data["cost"] == "QuadraticCost"
    np.testing.assert_array_equal(backprop.loads(net.to_json()).feedforward(x), net.feedforward(x))
    net.weights[0][0, 0] = np.nan
    with pytest.raises(ValueError):
        net.to_json()


def test_history_keeps_the_data_term_beside_network2s_total(batch):
    x, y = batch
    net = Network([6, 4, 3], cost=CrossEntropyCost, seed=2)
    h = net.train(x, y, 2, 4, 0.5, lmbda=3.0, eval_data=(x[:3], y[:3]))
    for part, n in (("train", 7), ("eval", 3)):
        data, total = getattr(h, f"{part}_cost_data"), getattr(h, f"{part}_cost")
        assert len(data) == len(total) == 2
        l2 = 0.5 * 3.0 / n * sum(float(np.sum(w**2)) for w in net.weights)
        assert total[-1] == pytest.approx(data[-1] + l2, rel=1e-12)
    assert h.train_cost_data[-1] == pytest.approx(net.total_cost(x, y, 0.0), rel=1e-12)
    off = net.train(x, y, 1, 4, 0.5, monitor_train_cost=False, monitor_eval_cost=False)
    assert off.train_cost_data == [] and off.eval_cost_data == []
