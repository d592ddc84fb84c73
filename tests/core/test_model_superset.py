"""Networks network2 cannot hold, in the superset of its JSON: the layer list round trips exactly, a
network2 network stays a network2 file, and every malformed layer list is refused by name."""

import json

import numpy as np
import pytest

import backprop
from backprop import Network

OTHERS = [
    {"activation": "relu", "output": "softmax", "cost": "log-likelihood"},
    {"activation": "tanh", "output": "sigmoid", "cost": "cross-entropy"},
    {"activation": "relu", "output": "identity", "cost": "quadratic"},
]


@pytest.mark.parametrize("kwargs", OTHERS, ids=lambda k: "-".join(k.values()))
def test_other_networks_save_their_layers_and_load_back_identical(tmp_path, kwargs):
    net = Network([6, 5, 4, 3], seed=9, **kwargs)
    path = tmp_path / "model.json"
    net.save(path)
    data = json.loads(path.read_text())
    assert data["layers"] == [
        {"kind": "dense", "n": 5, "activation": kwargs["activation"]},
        {"kind": "dense", "n": 4, "activation": kwargs["activation"]},
        {"kind": "dense", "n": 3, "activation": kwargs["output"]},
    ]
    assert data["input_shape"] == [6] and data["sizes"] == [6, 5, 4, 3]
    again = backprop.load(path)
    assert again.layer_specs() == net.layer_specs() and again.cost is net.cost
    for a, b in zip(again.weights + again.biases, net.weights + net.biases):
        np.testing.assert_array_equal(a, b)
    x = np.random.default_rng(0).random((4, 6))
    np.testing.assert_array_equal(again.predict(x), net.predict(x))
    np.testing.assert_array_equal(again.feedforward(x), net.feedforward(x))


def test_the_log_likelihood_cost_is_named_by_its_class_as_network2_names_costs():
    data = Network([3, 2], cost="log-likelihood", seed=0).to_dict()
    assert data["cost"] == "LogLikelihoodCost" and data["layers"][-1]["activation"] == "softmax"


def test_a_network2_network_stays_a_network2_file():
    assert set(Network([3, 4, 2], seed=0, cost="quadratic").to_dict()) == {"sizes", "weights", "biases", "cost"}


def superset():
    return Network([3, 4, 2], activation="relu", output="softmax", cost="log-likelihood", seed=0).to_dict()


def changed(**fields):
    d = superset()
    for key, value in fields.items():
        if key.startswith("layer1_"):
            d["layers"][1][key[len("layer1_") :]] = value
        else:
            d[key] = value
    return d


@pytest.mark.parametrize(
    "data, message",
    [
        (changed(layers=[]), "layers must be a non-empty list"),
        (changed(layers=[{"kind": "dense", "n": 2}] * 65), "65 layers, over the cap of 64"),
        (changed(layer1_kind="lstm"), r"layers\[1\] has unknown kind 'lstm': expected one of dense"),
        (changed(layer1_dropout=0.5), r"layers\[1\] \(dense\) has unknown setting 'dropout'"),
        (changed(layer1_activation="swish"), r"layers\[1\] \(dense\): unknown activation 'swish'"),
        (changed(layer1_n=0), r"layers\[1\] \(dense\): n must be a positive integer, got 0"),
        (changed(layer1_activation="sigmoid"), "log-likelihood cost needs softmax outputs, got sigmoid"),
        (changed(input_shape=[3, 0]), "input_shape must be a list of 1 to 3 positive integers"),
        (changed(input_shape=[4]), r"sizes \[3, 4, 2\] disagree with its layers, which make \[4, 4, 2\]"),
        (changed(sizes=[3, 4, 3]), "disagree with its layers"),
        (changed(weights=[[[0.0] * 3] * 4]), "weights must be a list of 2 arrays"),
        (changed(cost="HingeCost"), "unknown cost 'HingeCost'"),
        ({**superset(), "layers": [{"kind": "dense", "n": 2, "activation": "softmax"}] * 2}, "output layer only"),
    ],
)
def test_malformed_layer_lists_are_refused_by_name(data, message):
    with pytest.raises(ValueError, match=message):
        backprop.from_dict(data)


def test_a_network2_file_naming_the_log_likelihood_is_refused_with_the_reason():
    d = Network([3, 2], seed=0).to_dict()
    d["cost"] = "LogLikelihoodCost"
    with pytest.raises(ValueError, match="needs softmax outputs"):
        backprop.from_dict(d)
