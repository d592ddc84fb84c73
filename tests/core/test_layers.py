"""Layers with other activations and outputs against independent oracles: a per-example loop written
from the book's equations with its own derivatives, and central differences."""

import numpy as np
import pytest
from oracles import batch, central_difference_errors, one_hot, per_example_gradient

import backprop
from backprop import Network

# (hidden activation, output activation, cost): every combination the library accepts
COMBINATIONS = [
    ("sigmoid", "sigmoid", "cross-entropy"),
    ("tanh", "sigmoid", "cross-entropy"),
    ("relu", "sigmoid", "cross-entropy"),
    ("relu", "sigmoid", "quadratic"),
    ("tanh", "tanh", "quadratic"),
    ("identity", "identity", "quadratic"),
    ("relu", "relu", "quadratic"),
    ("sigmoid", "softmax", "log-likelihood"),
    ("relu", "softmax", "log-likelihood"),
    ("tanh", "softmax", "log-likelihood"),
]
IDS = ["-".join(c) for c in COMBINATIONS]


def make(hidden, output, cost, sizes=(5, 6, 4, 4), seed=3):
    return Network(list(sizes), activation=hidden, output=output, cost=cost, seed=seed)


@pytest.mark.parametrize("hidden,output,cost", COMBINATIONS, ids=IDS)
def test_vectorised_backprop_equals_the_per_example_loop(hidden, output, cost):
    net = make(hidden, output, cost)
    x, y = batch()
    got = net.backprop(x, y)
    want = per_example_gradient(net, x, y, hidden, output, cost)
    for g_list, w_list in zip(got, want):
        for g, w in zip(g_list, w_list):
            np.testing.assert_allclose(g, w, rtol=0, atol=1e-11)


@pytest.mark.parametrize("hidden,output,cost", COMBINATIONS, ids=IDS)
def test_backprop_matches_central_differences(hidden, output, cost):
    net = make(hidden, output, cost, seed=4)
    x, y = batch(seed=1)
    for _, rel in central_difference_errors(net, x, y):
        assert rel <= 1e-6, f"{hidden}/{output}/{cost}: relative error {rel:.2e}"


def test_softmax_outputs_are_distributions_and_the_log_likelihood_is_minus_ln_a_y():
    net = make("relu", "softmax", "log-likelihood")
    x, y = batch()
    a = net.feedforward(x)
    np.testing.assert_allclose(a.sum(axis=1), 1.0, rtol=0, atol=1e-12)
    assert np.all(a > 0)
    want = -np.sum(np.log(a[np.arange(len(y)), y]))
    assert net.cost.fn(a, one_hot(y, 4)) == pytest.approx(want, rel=1e-12)


def test_softmax_is_finite_for_huge_weighted_inputs():
    z = np.array([[1000.0, 0.0, -1000.0], [-800.0, -800.0, -801.0]])
    a = backprop.activations.Softmax.fn(z)
    assert np.all(np.isfinite(a))
    np.testing.assert_allclose(a.sum(axis=1), 1.0)
    cost = backprop.get_cost("log-likelihood").fn(a, np.array([[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]]))
    assert np.isfinite(cost) and cost > 30  # the confidently wrong first row costs −ln ε


def test_the_log_likelihood_defaults_to_softmax_outputs_and_the_rest_to_sigmoid():
    assert Network([4, 3], cost="log-likelihood").output.name == "softmax"
    assert Network([4, 3], cost="quadratic").output.name == "sigmoid"
    assert Network([4, 3, 2], activation="relu").layers[0].activation.name == "relu"


@pytest.mark.parametrize(
    "kwargs,message",
    [
        ({"cost": "log-likelihood", "output": "sigmoid"}, "log-likelihood cost needs softmax outputs, got sigmoid"),
        ({"cost": "cross-entropy", "output": "softmax"}, "softmax outputs go with the log-likelihood cost"),
        ({"cost": "quadratic", "output": "softmax"}, "softmax outputs go with the log-likelihood cost"),
        ({"cost": "cross-entropy", "output": "relu"}, "cross-entropy cost needs sigmoid outputs, got relu"),
        ({"activation": "softmax"}, "softmax is an output layer only"),
        ({"activation": "swish"}, "unknown activation 'swish'"),
        ({"output": "Relu", "cost": "cross-entropy"}, "needs sigmoid outputs, got relu"),
    ],
)
def test_combinations_that_make_no_sense_are_refused_with_the_reason(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Network([4, 3, 2], **kwargs)


def test_a_stack_of_dense_layers_is_the_network_of_those_sizes():
    layers = [backprop.layers.Dense(6, activation="relu"), backprop.layers.Dense(3, activation="softmax")]
    net = Network.stack(layers, input_shape=(5,), cost="log-likelihood", seed=2)
    same = Network([5, 6, 3], activation="relu", output="softmax", cost="log-likelihood", seed=2)
    assert net.sizes == same.sizes == [5, 6, 3]
    for a, b in zip(net.weights + net.biases, same.weights + same.biases):
        np.testing.assert_array_equal(a, b)
    assert layers[0].n_in is None, "the caller's layer objects are copied, never built in place"


def test_the_sigmoid_defaults_are_network2s_network_exactly():
    net = Network([5, 4, 3], seed=9)
    explicit = Network([5, 4, 3], seed=9, activation="sigmoid", output="sigmoid", cost="cross-entropy")
    x, y = batch(n_out=3)
    for a, b in zip(net.backprop(x, y)[1], explicit.backprop(x, y)[1]):
        np.testing.assert_array_equal(a, b)
    assert net.is_network2 and "layers" not in net.to_dict()


def test_every_initialisation_scales_the_same_draws():
    nets = {w: Network([20, 30, 10], seed=5, weight_init=w) for w in ("default", "large", "he")}
    large = nets["large"]
    np.testing.assert_allclose(nets["default"].weights[0], large.weights[0] / np.sqrt(20), rtol=1e-15)
    np.testing.assert_allclose(nets["he"].weights[1], large.weights[1] * np.sqrt(2 / 30), rtol=1e-15)
    np.testing.assert_array_equal(nets["default"].biases[0], large.biases[0])
    assert all(np.all(b == 0) for b in nets["he"].biases)
    # the generators end in the same state: runs from one seed see the same mini-batches
    assert nets["he"].rng.random() == nets["default"].rng.random()
    big = Network([2000, 400], seed=0, weight_init="he")
    assert np.std(big.weights[0]) == pytest.approx(np.sqrt(2 / 2000), rel=0.01)
