"""backprop.explain.gradcheck, the project's one gradient check: backprop against central differences
on a sample of every layer, a deliberate mistake failing exactly the layers it reaches, and the
batch form the lab's verdict uses (the same routine, sampler and tolerance)."""

import numpy as np
import pytest

from backprop import CrossEntropyCost, Network, QuadraticCost
from backprop.explain import gradcheck
from backprop.explain.trace import MISTAKES


@pytest.mark.parametrize("cost", [CrossEntropyCost, QuadraticCost])
def test_the_gradient_check_passes_to_1e_6(example, cost):
    net, x, y = example
    net.cost = cost
    result = gradcheck.gradient_check(net, x, y, per_layer=8)
    assert result["ok"], result
    for layer, n_out in zip(result["layers"], net.sizes[1:]):  # every layer, weights and biases
        kinds = [r[0] for r in layer["rows"]]
        assert kinds.count("w") == 8 and kinds.count("b") == min(8, n_out)
    assert max(layer["max_error"] for layer in result["layers"]) <= 1e-6


@pytest.mark.parametrize(
    "mistake, cost, bad_layers",
    [
        ("bp2-no-sigma-prime", CrossEntropyCost, {2, 3}),  # the output layer is still right
        ("bp1-no-sigma-prime", QuadraticCost, {2, 3, 4}),  # δ^L is wrong, and BP2 carries it down
        ("bp1-wrong-sign", CrossEntropyCost, {2, 3, 4}),
    ],
)
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
        assert [r[4] for r in a["rows"]] == [r[4] for r in b["rows"]]  # numeric side identical


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


def test_on_a_batch_the_differences_are_of_the_summed_cost():
    """The lab checks a batch: the partials of the cost summed over its examples, as backprop sums them."""
    rng = np.random.default_rng(1)
    net = Network([6, 5, 3], cost=QuadraticCost, seed=2)
    x, y = rng.random((4, 6)), np.eye(3)[rng.integers(0, 3, 4)]
    nabla_b, nabla_w = net.backprop(x, y)
    entries = gradcheck.sample_entries(nabla_b, nabla_w, 4, np.random.default_rng(0))
    numeric = gradcheck.numeric_partials(net, x, y, entries)
    exact = [(nabla_w if kind == "w" else nabla_b)[i][j, k] for kind, i, j, k in entries]
    assert gradcheck.relative_error(exact, numeric) < 1e-9
    assert len(entries) == 4 + 4 + 4 + 3  # up to 4 per array: 4 w and 4 b, then 4 w and all 3 b


def test_the_sample_leaves_out_negligible_gradients():
    g_w, g_b = np.zeros((3, 4)), np.zeros((3, 1))
    g_w[1, 2], g_b[0, 0] = 0.5, 1e-9  # one real gradient; a bias far below NEGLIGIBLE
    entries = gradcheck.sample_entries([g_b], [g_w], 5, np.random.default_rng(0))
    assert ("w", 0, 1, 2) in entries and [e for e in entries if e[0] == "w"] == [("w", 0, 1, 2)]
    assert len([e for e in entries if e[0] == "b"]) == 3  # none worth it: the largest instead
