"""The views of a convolutional network through the wire, as the page asks: the hidden units' kernels,
a conv unit's most exciting digits (a unit is a feature map) and the feature maps of one digit, against
a nested-loop convolution and a loop max-pool written here; a dense network's feature maps do not apply."""

import base64

import numpy as np
import pytest

import backprop
from backprop.explain import units

_L = backprop.layers


def conv_net(seed=6):
    return backprop.Network.stack(
        [_L.Conv2D(3, 5, activation="relu"), _L.MaxPool2D(2), _L.Dense(10, activation="softmax")],
        input_shape=(1, 28, 28),
        cost="log-likelihood",
        seed=seed,
    )


def decode(b64, dtype):
    return np.frombuffer(base64.b64decode(b64), dtype)


def loop_maps(x, w, b):
    """ReLU(valid cross-correlation) then 2×2 max-pool, by loops: (conv (c, 24, 24), pooled (c, 12, 12))."""
    img = x.reshape(28, 28)
    conv = np.zeros((w.shape[0], 24, 24))
    for o in range(w.shape[0]):
        for i in range(24):
            for j in range(24):
                z = sum(w[o, 0, p, q] * img[i + p, j + q] for p in range(5) for q in range(5)) + b[o, 0]
                conv[o, i, j] = max(0.0, z)
    pooled = np.zeros((w.shape[0], 12, 12))
    for o in range(w.shape[0]):
        for i in range(12):
            for j in range(12):
                pooled[o, i, j] = max(conv[o, 2 * i + p, 2 * j + q] for p in range(2) for q in range(2))
    return conv, pooled


@pytest.fixture
def conv_session(views, ask):
    session, _ = views
    net = conv_net()
    ask(session, "load-file", text=net.to_json())
    return session, net


def test_hidden_units_of_a_conv_network_are_its_kernels(conv_session, ask):
    session, net = conv_session
    got = ask(session, "hidden-units", which="file")
    assert [(l["layer"], l["kind"], l["shape"]) for l in got["layers"]] == [
        (2, "conv2d", [3, 1, 5, 5]),
        (4, "dense", [10, 432]),
    ]
    kernels, dense = got["layers"]
    np.testing.assert_array_equal(decode(kernels["values"], np.float32), net.weights[0].astype(np.float32).ravel())
    q, scale = units.quantise_symmetric(net.weights[0], quantile=units.CLIP_QUANTILE)
    np.testing.assert_array_equal(decode(kernels["q"], np.int8), q.ravel())
    assert kernels["scale"] == pytest.approx(scale) and kernels["n_out"] == 3 and kernels["n_in"] == 25
    assert "values" not in dense and dense["n_in"] == 432


def test_a_conv_unit_is_a_feature_map_its_digits_those_whose_map_peaks_highest(conv_session, ask):
    session, net = conv_session
    got = ask(session, "unit-detail", which="file", unit=1)
    assert got["kind"] == "feature-map" and got["reduce"] == "max"
    img = session.x_test.reshape(-1, 28, 28)
    w, b = net.weights[0][1, 0], net.biases[0][1, 0]
    z = sum(w[p, q] * img[:, p : p + 24, q : q + 24] for p in range(5) for q in range(5)) + b  # shifted sums
    peaks = np.maximum(z, 0).reshape(len(img), -1).max(axis=1)
    assert len(np.unique(peaks)) > 100  # a map that fires, differently on each digit
    assert got["indices"] == np.argsort(-peaks, kind="stable")[:8].tolist()
    np.testing.assert_allclose(got["activations"], np.sort(peaks)[::-1][:8], atol=1e-4)
    with pytest.raises(ValueError, match="0–2"):
        ask(session, "unit-detail", which="file", unit=3)
    assert ask(session, "unit-detail", which="model", unit=0)["kind"] == "neuron"


def test_feature_maps_of_a_test_digit_are_the_loops(conv_session, ask):
    session, net = conv_session
    got = ask(session, "feature-maps", which="file", index=7)
    assert got["applies"] and got["what"] == "test digit #7" and got["label"] == int(session.y_test[7])
    assert got["guess"] == int(np.argmax(net.feedforward(session.x_test[7])[0]))
    conv, pooled = loop_maps(session.x_test[7], net.weights[0], net.biases[0])
    assert [(s["l"], s["kind"], s["activation"], s["shape"]) for s in got["stages"]] == [
        (2, "conv2d", "relu", [3, 24, 24]),
        (3, "maxpool2d", None, [3, 12, 12]),
    ]
    for stage, expected in zip(got["stages"], (conv, pooled)):
        np.testing.assert_allclose(decode(stage["values"], np.float32), expected.ravel(), rtol=1e-6, atol=1e-6)
        assert stage["max"] == pytest.approx(expected.max(), rel=1e-6) and stage["min"] == pytest.approx(expected.min())


def test_feature_maps_of_the_drawing_and_of_a_dense_network(conv_session, ask):
    session, net = conv_session
    with pytest.raises(ValueError, match="nothing has been drawn yet"):
        ask(session, "feature-maps", which="file", index=-1)
    ink = np.zeros((280, 280), np.uint8)
    ink[60:220, 130:150] = 255  # a "1"
    ask(session, "predict-drawing", ink.tobytes(), which="file", width=280, height=280)
    got = ask(session, "feature-maps", which="file", index=-1)
    assert got["what"] == "your drawing" and got["label"] is None and got["index"] == -1
    conv, _ = loop_maps(session.drawing, net.weights[0], net.biases[0])
    np.testing.assert_allclose(decode(got["stages"][0]["values"], np.float32), conv.ravel(), rtol=1e-6, atol=1e-6)
    dense = ask(session, "feature-maps", which="model", index=0)
    assert dense["applies"] is False and dense["stages"] == [] and dense["what"] == "test digit #0"
