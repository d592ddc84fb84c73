"""The step's other rules, each against its formula: L1, momentum (μ = 0 is plain SGD exactly) and
dropout (rate 0 is no dropout exactly; masks seeded, hidden layers only, never in backprop itself)."""

import numpy as np
import pytest
from oracles import batch, per_example_gradient

from backprop import Network


def params_of(net):
    return [p.copy() for p in net.weights + net.biases]


def test_l1_steps_by_the_sign_of_each_weight():
    net = Network([5, 6, 4], activation="relu", output="softmax", cost="log-likelihood", seed=1)
    w0, b0 = [w.copy() for w in net.weights], [b.copy() for b in net.biases]
    x, y = batch()
    eta, lmbda, n = 0.3, 4.0, 50
    nabla_b, nabla_w = per_example_gradient(net, x, y, "relu", "softmax", "log-likelihood")
    net.update_mini_batch(x, y, eta, lmbda, n, regularization="l1")
    for w, w_old, nw in zip(net.weights, w0, nabla_w):
        want = w_old - eta * lmbda / n * np.sign(w_old) - eta / len(x) * nw
        np.testing.assert_allclose(w, want, rtol=0, atol=1e-12)
    for b, b_old, nb in zip(net.biases, b0, nabla_b):  # biases are never regularised
        np.testing.assert_allclose(b, b_old - eta / len(x) * nb, rtol=0, atol=1e-12)


def test_no_regularisation_ignores_lambda_in_the_step_and_the_cost():
    x, y = batch()
    a, b = Network([5, 4], seed=2), Network([5, 4], seed=2)
    a.update_mini_batch(x, y, 0.5, 9.0, 10, regularization="none")
    b.update_mini_batch(x, y, 0.5, 0.0, 10)
    for p, q in zip(params_of(a), params_of(b)):
        np.testing.assert_array_equal(p, q)
    assert a.total_cost(x, y, 9.0, regularization="none") == a.total_cost(x, y, 0.0)
    l1 = a.total_cost(x, y, 2.0, regularization="l1")
    assert l1 == pytest.approx(a.total_cost(x, y, 0.0) + 2.0 / len(x) * a.sum_abs_weights(), rel=1e-14)


def test_momentum_follows_nielsens_velocity_over_two_steps():
    net = Network([5, 6, 4], activation="tanh", output="tanh", cost="quadratic", seed=3)
    x, y = batch()
    eta, lmbda, n, mu = 0.2, 1.0, 30, 0.9
    w, b = [p.copy() for p in net.weights], [p.copy() for p in net.biases]
    v_w, v_b = [np.zeros_like(p) for p in w], [np.zeros_like(p) for p in b]
    for _ in range(2):
        probe = Network.from_params(w, b, "quadratic", layers=net.layers, input_shape=(5,))
        nabla_b, nabla_w = per_example_gradient(probe, x, y, "tanh", "tanh", "quadratic")
        for l in range(len(w)):
            v_w[l] = mu * v_w[l] - eta * (nabla_w[l] / len(x) + lmbda / n * w[l])  # L2 joins ∇C
            w[l] = w[l] + v_w[l]
            v_b[l] = mu * v_b[l] - eta * nabla_b[l] / len(x)
            b[l] = b[l] + v_b[l]
        net.update_mini_batch(x, y, eta, lmbda, n, momentum=mu)
    for got, want in zip(params_of(net), w + b):
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-12)


@pytest.mark.parametrize("option", ["momentum", "dropout"])
def test_momentum_zero_and_dropout_zero_are_plain_sgd_exactly(option, synthetic_digits):
    _, arrays = synthetic_digits(n_train=60, n_test=20)
    x, y = arrays["x_train"] / 255.0, arrays["y_train"]
    runs = []
    for options in ({}, {option: 0.0}):
        net = Network([784, 12, 10], seed=4)
        h = net.train(x, y, 2, 10, 0.5, 1.0, **options)
        runs.append((params_of(net), h.train_cost, net.rng.random()))
    for p, q in zip(runs[0][0], runs[1][0]):
        np.testing.assert_array_equal(p, q)
    assert runs[0][1:] == runs[1][1:]


def test_dropout_masks_hidden_units_forward_and_backward():
    net = Network([5, 8, 7, 4], activation="relu", output="softmax", cost="log-likelihood", seed=6)
    x, y = batch(m=9)
    p, eta = 0.5, 0.4
    probe = net.copy()  # the same generator state: it draws the masks the step will draw
    _, _, _, masks = probe._forward(x, p)
    assert masks[-1] is None, "the output layer is never dropped"
    for mask in masks[:-1]:
        assert set(np.unique(mask)) <= {0.0, 1 / (1 - p)}
        assert 0.2 < np.mean(mask == 0) < 0.8
    w, b = params_of(net)[:3], params_of(net)[3:]
    nabla_b, nabla_w = per_example_gradient(net, x, y, "relu", "softmax", "log-likelihood", masks=masks)
    net.update_mini_batch(x, y, eta, 0.0, 100, dropout=p)
    for got, w_old, nw in zip(net.weights, w, nabla_w):
        np.testing.assert_allclose(got, w_old - eta / len(x) * nw, rtol=0, atol=1e-12)
    for got, b_old, nb in zip(net.biases, b, nabla_b):
        np.testing.assert_allclose(got, b_old - eta / len(x) * nb, rtol=0, atol=1e-12)


def test_dropout_is_seeded_and_never_touches_prediction_or_backprop():
    x, y = batch(m=9)
    nets = [Network([5, 8, 4], activation="relu", seed=7) for _ in range(2)]
    before = nets[0].feedforward(x)
    grads = nets[0].backprop(x, y)
    np.testing.assert_array_equal(nets[0].backprop(x, y)[1][0], grads[1][0])  # backprop never drops
    np.testing.assert_array_equal(nets[0].feedforward(x), before)
    for net in nets:
        net.update_mini_batch(x, y, 0.5, 0.0, 10, dropout=0.3)
    np.testing.assert_array_equal(nets[0].weights[0], nets[1].weights[0])  # same seed, same masks


def test_inverted_dropout_keeps_each_units_expected_output():
    net = Network([5, 400, 3], activation="relu", seed=8)
    x = np.ones((200, 5)) * 0.5
    _, plain, _, _ = net._forward(x)
    _, dropped, _, _ = net._forward(x, 0.4)
    assert dropped[1].mean() == pytest.approx(plain[1].mean(), rel=0.02)


@pytest.mark.parametrize(
    "kwargs,message",
    [
        ({"regularization": "l3"}, "regularization must be one of l2, l1, none, got 'l3'"),
        ({"dropout": 1.0}, r"dropout must be a number in \[0, 1\), got 1.0"),
        ({"dropout": -0.1}, "dropout must be"),
        ({"momentum": 1.5}, r"momentum must be a number in \[0, 1\), got 1.5"),
        ({"momentum": "0.9"}, "momentum must be"),
    ],
)
def test_bad_step_settings_are_named(kwargs, message):
    net = Network([5, 4], seed=0)
    x, y = batch()
    with pytest.raises(ValueError, match=message):
        net.update_mini_batch(x, y, 0.5, 0.0, 10, **kwargs)
    with pytest.raises(ValueError, match=message):
        net.train(x, y, 1, 2, 0.5, **kwargs)


def test_dropout_with_someone_elses_gradient_is_refused():
    net = Network([5, 4, 4], seed=0)
    x, y = batch()
    with pytest.raises(ValueError, match="dropout needs the library's backprop"):
        net.update_mini_batch(x, y, 0.5, 0.0, 10, gradient=lambda *a: None, dropout=0.5)
