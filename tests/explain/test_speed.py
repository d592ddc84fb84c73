"""Chapter 5's measure, the speed of learning of each hidden layer, against a per-example oracle; ReLU's
dead units; the book's run one epoch at a time."""

import numpy as np
import pytest
from oracles import per_example_gradient

from backprop import Network
from backprop.explain import speed


def digits(m=40, seed=0):
    rng = np.random.default_rng(seed)
    return rng.random((m, 20)), rng.integers(0, 4, m)


def test_the_speed_is_the_norm_of_the_mean_bias_gradient_of_each_hidden_layer():
    net = Network([20, 9, 8, 7, 4], seed=2)
    x, y = digits()
    nabla_b, _ = per_example_gradient(net, x, y, "sigmoid", "sigmoid", "cross-entropy")
    want = [np.linalg.norm(nb / len(x)) for nb in nabla_b[:-1]]  # hidden layers only
    np.testing.assert_allclose(speed.layer_speeds(net, x, y), want, rtol=1e-12)


def test_a_deep_sigmoid_network_learns_slowest_in_its_first_layers():
    net = Network([20, 30, 30, 30, 30, 4], seed=1)
    x, y = digits(200)
    s = speed.layer_speeds(net, x, y)
    assert len(s) == 4 and s == sorted(s) and s[-1] > 10 * s[0], s


def test_dead_units_are_relu_units_that_never_fire():
    net = Network([20, 6, 5, 4], activation="relu", seed=3)
    x, _ = digits()
    net.biases[0][:2] = -1e3  # two units of the first hidden layer can never fire
    dead = speed.dead_units(net, x)
    assert dead[0] == pytest.approx(2 / 6) and len(dead) == 2
    assert speed.dead_units(Network([20, 6, 4], seed=3), x) == [None]


def test_the_book_run_yields_the_start_and_each_epoch_and_trains_full_batch():
    net = Network([20, 8, 8, 4], seed=4)
    x, y = digits(50)
    records = list(speed.speed_run(net, x, y, epochs=3))
    assert [r["epoch"] for r in records] == [0, 1, 2, 3]
    assert records[0]["speeds"] == speed.layer_speeds(Network([20, 8, 8, 4], seed=4), x, y)
    assert all(len(r["speeds"]) == 2 and r["dead"] == [None, None] for r in records)
    same = Network([20, 8, 8, 4], seed=4)
    for _ in range(3):
        same.update_mini_batch(x, y, 0.1, 5.0, len(x))  # one full-batch step is one epoch
    np.testing.assert_allclose(net.weights[0], same.weights[0], rtol=0, atol=1e-13)


def test_the_spread_over_seeds():
    x, y = digits()
    r = speed.initial_spread([20, 8, 8, 4], x, y, seeds=[1, 2, 3])
    runs = np.array(r["runs"])
    assert runs.shape == (3, 2)
    np.testing.assert_allclose(r["mean"], runs.mean(axis=0))
    np.testing.assert_allclose(r["std"], runs.std(axis=0))
