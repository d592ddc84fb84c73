"""A convolutional network in the page's session (chapter 6): the shipped one, fetched when chosen, and
a model file, each read and checked like any model file, and the views that read every network
(evaluate, the strip, a drawing, the confusion matrix) answering for it as the library computes."""

import json

import numpy as np
import pytest

import backprop
from backprop.page import session as page_session

_L = backprop.layers


def conv_net(seed=3, filters=2):
    return backprop.Network.stack(
        [_L.Conv2D(filters, 5, activation="relu"), _L.MaxPool2D(2), _L.Dense(10, activation="softmax")],
        input_shape=(1, 28, 28),
        cost="log-likelihood",
        seed=seed,
    )


def test_the_shipped_conv_network_loads_when_chosen(views, ask):
    session, _ = views
    assert page_session.NETWORKS["conv"] and ask(session, "info")["networks"]["conv"]
    with pytest.raises(ValueError, match="not loaded yet"):
        ask(session, "evaluate", which="conv")
    net = conv_net()
    facts = ask(session, "load-shipped", which="conv", text=net.to_json())
    predicted = np.argmax(net.feedforward(session.x_test), axis=1)
    assert facts["correct"] == int(np.sum(predicted == session.y_test))
    assert [layer["kind"] for layer in facts["layers"]] == ["conv2d", "maxpool2d", "dense"]
    assert facts["cost"] == "log-likelihood" and facts["output"] == "softmax"
    strip = ask(session, "strip", which="conv", start=0, count=10)
    assert strip["predictions"] == predicted[:10].tolist()
    matrix = ask(session, "confusion", which="conv")
    assert matrix["correct"] == facts["correct"]
    guess = ask(session, "predict-test-digit", which="conv", index=3)
    np.testing.assert_allclose(guess["outputs"], net.feedforward(session.x_test[3:4])[0], atol=1e-6)
    assert ask(session, "evaluate", which="model")["sizes"] == [784, 16, 10]  # the shipped model stays


def test_only_the_sites_networks_load_as_shipped(views, ask):
    session, _ = views
    with pytest.raises(ValueError, match="which must be one of model, conv"):
        ask(session, "load-shipped", which="file", text=conv_net().to_json())


def test_a_conv_model_file_loads_and_downloads_the_same(views, ask, tmp_path):
    session, _ = views
    net = conv_net(seed=4, filters=3)
    facts = ask(session, "load-file", text=net.to_json())
    assert facts["which"] == "file" and facts["layers"][0]["filters"] == 3
    (tmp_path / "out.json").write_text(ask(session, "model-json", which="file"))
    again = backprop.load(tmp_path / "out.json")
    np.testing.assert_array_equal(again.feedforward(session.x_test), net.feedforward(session.x_test))


@pytest.mark.parametrize(
    "layers, shape, message",
    [
        ([_L.Conv2D(2, 5), _L.MaxPool2D(2), _L.Dense(3)], (1, 28, 28), "10 outputs"),
        ([_L.Conv2D(2, 3), _L.MaxPool2D(2), _L.Dense(10)], (1, 10, 10), "784 pixels"),
        ([_L.Conv2D(2, 5), _L.Dense(30), _L.Dense(10)], (1, 28, 28), "34,952 weights and biases; .* up to 20,000"),
    ],
)
def test_a_conv_file_the_page_cannot_show_is_refused_and_the_previous_kept(
    views, ask, layers, shape, message, monkeypatch
):
    monkeypatch.setattr(page_session, "MAX_PAGE_PARAMETERS", 20_000)  # a small cap, for a small file
    session, _ = views
    session.load_file(backprop.Network([784, 12, 10], seed=8).to_json())
    text = backprop.Network.stack(layers, input_shape=shape, seed=1).to_json()
    with pytest.raises(ValueError, match=message):
        ask(session, "load-file", text=text)
    assert ask(session, "evaluate", which="file")["sizes"] == [784, 12, 10]


def test_a_conv_file_with_a_layer_that_does_not_fit_names_it(views):
    session, _ = views
    data = json.loads(conv_net().to_json())
    data["layers"][0]["kernel"] = 40  # a 40×40 kernel on a 28×28 digit
    with pytest.raises(ValueError, match="40"):
        session.load_file(json.dumps(data))
