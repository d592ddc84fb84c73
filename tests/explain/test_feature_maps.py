"""backprop.explain.feature_maps: a convolutional network's maps on one digit, against a nested-loop
convolution and a loop max-pool written here; and a conv layer's units (feature maps) in units."""

import numpy as np
import pytest

import backprop
from backprop.explain import feature_maps, units

_L = backprop.layers


def two_conv_net(seed=5):
    """1×12×12 → conv 3 (3×3, tanh) → pool 2 → conv 2 (2×2, relu) → pool 2 → dense 4: c_in > 1 in the second."""
    return backprop.Network.stack(
        [
            _L.Conv2D(3, 3, activation="tanh"),
            _L.MaxPool2D(2),
            _L.Conv2D(2, 2, activation="relu"),
            _L.MaxPool2D(2),
            _L.Dense(4, activation="softmax"),
        ],
        input_shape=(1, 12, 12),
        cost="log-likelihood",
        seed=seed,
    )


def loop_conv(x, w, b, f):
    """The definition, one sum at a time: a[o, i, j] = f(Σ_c Σ_p Σ_q w[o, c, p, q] · x[c, i + p, j + q] + b[o])."""
    c_out, c_in, k, _ = w.shape
    _, h, wd = x.shape
    out = np.zeros((c_out, h - k + 1, wd - k + 1))
    for o in range(c_out):
        for i in range(h - k + 1):
            for j in range(wd - k + 1):
                z = b[o]
                for c in range(c_in):
                    for p in range(k):
                        for q in range(k):
                            z += w[o, c, p, q] * x[c, i + p, j + q]
                out[o, i, j] = f(z)
    return out


def loop_pool(x, s):
    c, h, w = x.shape
    out = np.zeros((c, h // s, w // s))
    for ch in range(c):
        for i in range(h // s):
            for j in range(w // s):
                out[ch, i, j] = max(x[ch, i * s + p, j * s + q] for p in range(s) for q in range(s))
    return out


def test_the_maps_are_the_convolutions_and_poolings_computed_by_loops():
    net = two_conv_net()
    x = np.random.default_rng(1).random(144)
    stages = feature_maps.feature_maps(net, x)
    assert [(s.layer, s.kind, s.activation) for s in stages] == [
        (0, "conv2d", "tanh"),
        (1, "maxpool2d", None),
        (2, "conv2d", "relu"),
        (3, "maxpool2d", None),
    ]
    (w1, w2), (b1, b2) = net.weights[:2], net.biases[:2]
    a1 = loop_conv(x.reshape(1, 12, 12), w1, b1[:, 0], np.tanh)
    p1 = loop_pool(a1, 2)
    a2 = loop_conv(p1, w2, b2[:, 0], lambda z: max(z, 0.0))
    p2 = loop_pool(a2, 2)
    for stage, expected in zip(stages, (a1, p1, a2, p2)):
        assert stage.maps.shape == expected.shape
        np.testing.assert_allclose(stage.maps, expected, rtol=1e-12, atol=1e-12)
    assert feature_maps.is_convolutional(net)


def test_a_dense_network_has_no_maps_and_its_kernels_are_the_conv_weights():
    dense = backprop.Network([784, 10, 10], seed=1)
    assert not feature_maps.is_convolutional(dense)
    assert feature_maps.feature_maps(dense, np.zeros(784)) == []
    net = two_conv_net()
    kernels = feature_maps.conv_kernels(net)
    assert [(l, w.shape, b.shape) for l, w, b in kernels] == [(0, (3, 1, 3, 3), (3,)), (2, (2, 3, 2, 2), (2,))]
    assert kernels[1][1] is net.weights[1]


@pytest.mark.parametrize("reduce", ["max", "mean"])
def test_a_conv_unit_is_a_feature_map_reduced_by_max_or_mean(reduce):
    net = two_conv_net()
    x = np.random.default_rng(2).random((9, 144))
    got = feature_maps.map_activations(net, x, 0, reduce, chunk=4)  # chunks of rows give the same answer
    maps = [loop_conv(row.reshape(1, 12, 12), net.weights[0], net.biases[0][:, 0], np.tanh) for row in x]
    expected = [[getattr(m[o], reduce)() for o in range(3)] for m in maps]
    np.testing.assert_allclose(got, expected, rtol=1e-12)
    with pytest.raises(ValueError, match="not a convolution"):
        feature_maps.map_activations(net, x, 1)
    with pytest.raises(ValueError, match="reduce"):
        feature_maps.map_activations(net, x, 0, "sum")


def test_the_digits_exciting_a_conv_unit_most_are_those_whose_map_peaks_highest():
    net = two_conv_net()
    x = np.random.default_rng(3).random((30, 144))
    assert units.is_conv(net, 0) and units.unit_count(net, 0) == 3
    w, b = net.weights[0], net.biases[0][:, 0]
    peaks = np.array([loop_conv(row.reshape(1, 12, 12), w, b, np.tanh)[1].max() for row in x])
    indices, activations = units.most_exciting(net, x, 1, 5)
    assert indices.tolist() == np.argsort(-peaks, kind="stable")[:5].tolist()
    np.testing.assert_allclose(activations, np.sort(peaks)[::-1][:5], rtol=1e-12)
    with pytest.raises(ValueError, match="0..2"):
        units.most_exciting(net, x, 3)
