"""The gradient check over every layer type, cost and regulariser: it passes for the library's
backprop, each new mistake fails exactly the layers it reaches, and ReLU's kinks are skipped and
counted, not reported as errors."""

import numpy as np
import pytest

from backprop import Network
from backprop.explain import gradcheck
from backprop.explain.trace import trace

COMBINATIONS = [
    ("sigmoid", "sigmoid", "quadratic"),
    ("tanh", "sigmoid", "cross-entropy"),
    ("relu", "sigmoid", "cross-entropy"),
    ("tanh", "tanh", "quadratic"),
    ("identity", "identity", "quadratic"),
    ("relu", "softmax", "log-likelihood"),
    ("sigmoid", "softmax", "log-likelihood"),
]


def net_of(hidden, output, cost, seed=3):
    return Network([12, 7, 5, 4], activation=hidden, output=output, cost=cost, seed=seed)


def x_of(seed=7):
    return np.random.default_rng(seed).random(12)


@pytest.mark.parametrize("regularization", ["none", "l2", "l1"])
@pytest.mark.parametrize("hidden,output,cost", COMBINATIONS, ids=["-".join(c) for c in COMBINATIONS])
def test_the_check_passes_for_every_combination_and_regulariser(hidden, output, cost, regularization):
    net = net_of(hidden, output, cost)
    result = gradcheck.gradient_check(net, x_of(), 2, per_layer=8, regularization=regularization, lmbda=5.0, n=50)
    assert result["ok"], result
    assert all(layer["rows"] for layer in result["layers"])
    assert result["regularization"] == regularization


@pytest.mark.parametrize(
    "hidden,output,cost,regularization,mistake,bad_layers",
    [
        ("relu", "softmax", "log-likelihood", "none", "softmax-extra-f-prime", {2, 3, 4}),
        ("tanh", "sigmoid", "cross-entropy", "none", "tanh-prime-from-z", {2, 3}),
        ("tanh", "tanh", "quadratic", "none", "tanh-prime-from-z", {2, 3, 4}),
        ("relu", "sigmoid", "cross-entropy", "none", "relu-step-forgotten", {2, 3}),
        ("relu", "softmax", "log-likelihood", "none", "bp2-no-sigma-prime", {2, 3}),
        ("tanh", "tanh", "quadratic", "none", "bp1-no-sigma-prime", {2, 3, 4}),
        ("relu", "softmax", "log-likelihood", "l1", "l1-as-l2", {2, 3, 4}),
        ("sigmoid", "sigmoid", "cross-entropy", "l2", "l2-on-biases", {2, 3, 4}),
    ],
)
def test_each_new_mistake_fails_in_the_layers_it_reaches(hidden, output, cost, regularization, mistake, bad_layers):
    net = net_of(hidden, output, cost)
    assert mistake in gradcheck.check_mistakes_for(net, regularization=regularization, lmbda=5.0)
    result = gradcheck.gradient_check(
        net, x_of(), 2, mistake=mistake, per_layer=8, regularization=regularization, lmbda=5.0, n=50
    )
    failed = {layer["l"] for layer in result["layers"] if not layer["ok"]}
    assert failed == bad_layers and not result["ok"]


def test_forgetting_relus_step_shows_even_with_one_hidden_layer():
    net = Network([12, 7, 4], activation="relu", output="softmax", cost="log-likelihood", seed=3)
    result = gradcheck.gradient_check(net, x_of(), 2, mistake="relu-step-forgotten", per_layer=8)
    assert not result["layers"][0]["ok"] and result["layers"][1]["ok"]


def test_the_menu_offers_only_the_mistakes_a_network_can_make():
    sig = gradcheck.check_mistakes_for(Network([4, 3, 2]))
    assert "softmax-extra-f-prime" not in sig and "relu-step-forgotten" not in sig and "bp2-no-sigma-prime" in sig
    relu = gradcheck.check_mistakes_for(net_of("relu", "softmax", "log-likelihood"), regularization="l1", lmbda=1)
    assert {"softmax-extra-f-prime", "relu-step-forgotten", "l1-as-l2"} <= set(relu)
    assert "bp1-no-sigma-prime" not in relu and "l2-on-biases" not in relu
    assert "l1-as-l2" not in gradcheck.check_mistakes_for(
        net_of("relu", "sigmoid", "cross-entropy"), regularization="l1", lmbda=0
    )


def test_entries_on_a_relu_kink_are_skipped_and_counted(monkeypatch):
    net = net_of("relu", "softmax", "log-likelihood")
    x = x_of()
    z = net.weights[0] @ x + net.biases[0][:, 0]
    net.biases[0][:, 0] -= z  # every first-layer unit sits exactly on its kink: z = 0
    net.biases[0][:3, 0] += 0.5  # but three fire clearly, so that layer 2 keeps a gradient to check
    result = gradcheck.gradient_check(net, x, 2, per_layer=8)
    assert result["ok"], result
    assert result["skipped"] > 0 and result["skipped"] == sum(layer["skipped"] for layer in result["layers"])
    # without the skip the same sample reports the corners as errors
    monkeypatch.setattr(gradcheck, "_crosses_kink", lambda *a: False)
    assert not gradcheck.gradient_check(net, x, 2, per_layer=8)["ok"]


def test_the_trace_shows_each_layers_f_prime_and_softmaxs_delta():
    net = net_of("relu", "softmax", "log-likelihood")
    t = trace(net, x_of(), 2)
    hidden = t.layers[0]
    assert hidden.activation == "relu"
    np.testing.assert_array_equal(hidden.f_prime, (hidden.z > 0).astype(float))  # ReLU's step
    out = t.layers[-1]
    assert out.activation == "softmax" and out.f_prime is None
    np.testing.assert_allclose(out.delta, out.a - np.eye(4)[2], rtol=0, atol=1e-15)  # δ^L = a − y
    tanh = trace(net_of("tanh", "tanh", "quadratic"), x_of(), 1)
    np.testing.assert_allclose(tanh.layers[0].f_prime, 1 - np.tanh(tanh.layers[0].z) ** 2, rtol=1e-12)
    nabla_b, nabla_w = net.backprop(x_of(), [2])
    for got, want in zip(t.gradient()[1], nabla_w):
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-14)


def test_the_trace_applies_dropouts_mask_up_and_down():
    net = net_of("relu", "softmax", "log-likelihood")
    mask = np.array([2.0, 0, 2.0, 0, 2.0, 2.0, 0])
    t = trace(net, x_of(), 2, masks=[mask, None, None])
    first = t.layers[0]
    assert np.all(first.a[mask == 0] == 0) and np.all(first.delta[mask == 0] == 0)
    np.testing.assert_array_equal(first.mask, mask)
    with pytest.raises(ValueError, match="masks must be 3 entries"):
        trace(net, x_of(), 2, masks=[mask])


def test_a_cost_the_output_cannot_take_is_refused_in_the_trace():
    with pytest.raises(ValueError, match="softmax outputs go with the log-likelihood cost"):
        trace(net_of("relu", "softmax", "log-likelihood"), x_of(), 2, cost="quadratic")


def test_under_l1_weights_within_2_eps_of_0_are_skipped_as_a_kink():
    net = net_of("relu", "softmax", "log-likelihood")
    net.weights[1][:, :] = 1e-4  # every second-layer weight sits on |w|'s kink
    result = gradcheck.gradient_check(net, x_of(), 2, per_layer=8, regularization="l1", lmbda=500.0, n=50)
    assert result["ok"] and result["layers"][1]["skipped"] > 0
    assert all(row[0] == "b" for row in result["layers"][1]["rows"])  # only its biases were compared
