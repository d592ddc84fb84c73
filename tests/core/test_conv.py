"""Chapter 6's layers against oracles of their own: the convolution and the pooling written as loops over
every output pixel from their definitions, the whole network's gradient against central differences and
against one example at a time, and their JSON entries, limits and messages."""

import json

import numpy as np
import pytest
from oracles import F, central_difference_errors

import backprop
from backprop.nn.conv import Conv2D, MaxPool2D, col2im, im2col

layers = backprop.layers


def conv_loop(x, w, b):
    """z[n, o, i, j] = Σ_c Σ_p Σ_q w[o, c, p, q]·x[n, c, i+p, j+q] + b[o], pixel by pixel."""
    m, c, h, wd = x.shape
    co, _, k, _ = w.shape
    z = np.zeros((m, co, h - k + 1, wd - k + 1))
    for n, o, i, j in np.ndindex(z.shape):
        z[n, o, i, j] = np.sum(w[o] * x[n, :, i : i + k, j : j + k]) + b[o, 0]
    return z


def pool_loop(x, s):
    m, c, h, w = x.shape
    out = np.zeros((m, c, h // s, w // s))
    for n, ch, i, j in np.ndindex(out.shape):
        out[n, ch, i, j] = x[n, ch, i * s : i * s + s, j * s : j * s + s].max()
    return out


def small_net(activation="relu", cost="log-likelihood", seed=3):
    stack = [
        layers.Conv2D(3, 3, activation=activation),
        layers.MaxPool2D(2),
        layers.Dense(6, activation="tanh"),
        layers.Dense(4, activation="softmax" if cost == "log-likelihood" else "sigmoid"),
    ]
    return backprop.Network.stack(stack, input_shape=(2, 8, 8), cost=cost, seed=seed)


def digits(m=5, seed=0):
    rng = np.random.default_rng(seed)
    return rng.random((m, 2 * 8 * 8)), rng.integers(0, 4, m)


def test_im2col_and_col2im_are_adjoint_and_im2col_takes_every_patch():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 3, 6, 5))
    cols = im2col(x, 3)
    assert cols.shape == (2 * 4 * 3, 3 * 9)
    assert np.array_equal(cols[1 * 4 * 3 + 2 * 3 + 1].reshape(3, 3, 3), x[1, :, 2:5, 1:4])  # example 1, (2, 1)
    c = rng.standard_normal(cols.shape)
    assert np.isclose(np.sum(cols * c), np.sum(x * col2im(c, x.shape, 3)))  # ⟨im2col x, c⟩ = ⟨x, col2im c⟩


def test_the_convolution_is_the_sum_of_its_definition_pixel_by_pixel():
    rng = np.random.default_rng(2)
    layer = Conv2D(4, 3, activation="sigmoid")
    assert layer.build((2, 7, 6)) == (4, 5, 4)
    assert layer.shapes == ((4, 2, 3, 3), (4, 1)) and layer.fan_in == 18
    x, w, b = rng.standard_normal((3, 2, 7, 6)), rng.standard_normal((4, 2, 3, 3)), rng.standard_normal((4, 1))
    z, a = layer.forward(x.reshape(3, -1), w, b)
    want = conv_loop(x, w, b)
    np.testing.assert_allclose(z, want.reshape(3, -1), rtol=0, atol=1e-12)  # maps in (channel, row, column) order
    np.testing.assert_allclose(a, F["sigmoid"][0](want).reshape(3, -1), rtol=0, atol=1e-12)


def test_max_pooling_takes_each_windows_maximum_and_routes_delta_to_the_first_one():
    rng = np.random.default_rng(3)
    pool = MaxPool2D(2)
    assert pool.build((3, 4, 6)) == (3, 2, 3)
    x = rng.standard_normal((2, 3, 4, 6))
    x[0, 0, 0:2, 0:2] = 5.0  # a tie in one window: all four equal
    z, a = pool.forward(x.reshape(2, -1))
    np.testing.assert_array_equal(z, pool_loop(x, 2).reshape(2, -1))
    delta = rng.standard_normal((2, 3 * 2 * 3))
    back = pool.backward(delta, x.reshape(2, -1)).reshape(x.shape)
    d = delta.reshape(2, 3, 2, 3)
    for n, c, i, j in np.ndindex(d.shape):
        window = x[n, c, 2 * i : 2 * i + 2, 2 * j : 2 * j + 2]
        routed = back[n, c, 2 * i : 2 * i + 2, 2 * j : 2 * j + 2]
        want = np.zeros((2, 2))
        want[np.unravel_index(np.argmax(window), (2, 2))] = d[n, c, i, j]  # argmax: the first, row-major
        np.testing.assert_array_equal(routed, want)
    assert back[0, 0, 0, 0] == d[0, 0, 0, 0] and np.all(back[0, 0, 0:2, 0:2].ravel()[1:] == 0)


@pytest.mark.parametrize("activation,cost", [("relu", "log-likelihood"), ("sigmoid", "cross-entropy")])
def test_a_convolutional_networks_backprop_matches_central_differences(activation, cost):
    net = small_net(activation, cost)
    x, y = digits()
    nabla_b, nabla_w = net.backprop(x, y)
    assert [w.shape for w in nabla_w] == [(3, 2, 3, 3), (6, 27), (4, 6)]
    assert [b.shape for b in nabla_b] == [(3, 1), (6, 1), (4, 1)]
    for shape, rel in central_difference_errors(net, x, y):
        assert rel <= 1e-6, f"{activation}/{cost}: relative error {rel:.2e} for shape {shape}"


def test_the_batch_gradient_is_the_sum_of_the_examples_gradients():
    net = small_net()
    x, y = digits(m=6, seed=4)
    nabla_b, nabla_w = net.backprop(x, y)
    parts = [net.backprop(x[i : i + 1], y[i : i + 1]) for i in range(6)]
    for l in range(3):
        np.testing.assert_allclose(nabla_w[l], sum(p[1][l] for p in parts), rtol=0, atol=1e-12)
        np.testing.assert_allclose(nabla_b[l], sum(p[0][l] for p in parts), rtol=0, atol=1e-12)


def test_a_step_moves_every_parameter_by_its_gradient():
    net = small_net()
    before = net.copy()
    x, y = digits(m=4, seed=5)
    nabla_b, nabla_w = before.backprop(x, y)
    net.update_mini_batch(x, y, eta=0.3, lmbda=2.0, n=100)
    for w0, w1, g in zip(before.weights, net.weights, nabla_w):
        np.testing.assert_allclose(w1, (1 - 0.3 * 2.0 / 100) * w0 - 0.3 / 4 * g, rtol=0, atol=1e-12)
    for b0, b1, g in zip(before.biases, net.biases, nabla_b):
        np.testing.assert_allclose(b1, b0 - 0.3 / 4 * g, rtol=0, atol=1e-12)


def test_a_small_convolutional_network_learns_with_momentum_and_dropout():
    net = small_net(seed=1)
    x, y = digits(m=20, seed=6)
    before = net.total_cost(x, y)
    net.train(x, y, 40, 4, 0.05, momentum=0.9, dropout=0.2)  # it learns 20 random labels by heart
    assert net.total_cost(x, y) < 0.05 * before and net.accuracy(x, y) == 20


def test_a_convolutional_model_saves_and_loads_with_identical_predictions(tmp_path):
    net = small_net()
    path = tmp_path / "conv.json"
    net.save(path)
    again = backprop.load(path)
    x, _ = digits(m=8, seed=7)
    np.testing.assert_array_equal(again.feedforward(x), net.feedforward(x))
    assert [layer.to_dict() for layer in again.layers][:2] == [
        {"kind": "conv2d", "filters": 3, "kernel": 3, "activation": "relu"},
        {"kind": "maxpool2d", "size": 2},
    ]
    assert again.input_shape == (2, 8, 8) and again.weights[0].shape == (3, 2, 3, 3)
    # the layers come before the arrays: the page refuses a network it cannot show from the file's start
    assert list(json.loads(path.read_text()))[:3] == ["sizes", "input_shape", "layers"]


def test_designs_network3_stack_builds_on_digits():
    net = backprop.Network.stack(
        [
            layers.Conv2D(20, 5, activation="relu"),
            layers.MaxPool2D(2),
            layers.Dense(100, activation="relu"),
            layers.Dense(10, activation="softmax"),
        ],
        input_shape=(1, 28, 28),
        cost="log-likelihood",
        seed=1,
    )
    assert net.sizes == [784, 20 * 24 * 24, 20 * 12 * 12, 100, 10]
    assert [w.shape for w in net.weights] == [(20, 1, 5, 5), (100, 2880), (10, 100)]
    out = net.feedforward(np.random.default_rng(0).random((3, 784)))
    np.testing.assert_allclose(out.sum(axis=1), 1.0)


@pytest.mark.parametrize(
    "change,message",
    [
        (
            lambda d: d["layers"][0].update(kernel=9),
            r"layers\[0\] \(conv2d\): a 9×9 kernel does not fit in a 8×8 image",
        ),
        (lambda d: d["layers"][1].update(size=4), r"layers\[1\] \(maxpool2d\): 4×4 windows do not tile 6×6 maps"),
        (lambda d: d["layers"][0].update(stride=2), r"layers\[0\] \(conv2d\) has unknown setting 'stride'"),
        (
            lambda d: d["layers"].insert(0, {"kind": "dense", "n": 4}),
            r"layers\[1\] \(conv2d\): a convolution needs images",
        ),
        (lambda d: d["weights"][0].pop(), r"weights\[0\]"),
        (lambda d: d["layers"][0].update(activation="softmax"), r"element-wise"),
    ],
)
def test_a_bad_convolutional_model_file_is_refused_naming_the_layer(change, message):
    data = small_net().to_dict()
    change(data)
    with pytest.raises(ValueError, match=message):
        backprop.from_dict(data)
