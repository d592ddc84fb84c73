"""A convolutional network trained in the page (the form's "convolutions" field), in CPython through the
wire as the worker drives it: the field's checks name the bad value; a run builds Conv2D → MaxPool2D →
dense on 1×28×28 digits, learns and reports its epochs; Step and a pair work; the network comes back
bit for bit from network_bytes + its layers, and a damaged or lying copy is refused."""

import numpy as np
import pytest

from backprop.nn.layers import Conv2D, Dense, MaxPool2D
from backprop.page import params, training

CONV = {
    "convolutions": "conv:3:5:relu,pool:2",
    "hidden": "",
    "cost": "log-likelihood",
    "output": "softmax",
    "eta": 0.3,
    "lmbda": 0.0,
    "weight_init": "he",
    "epochs": 2,
    "train_size": 120,
    "batch_size": 10,
    "seed": 3,
}


@pytest.mark.parametrize(
    ("given", "named"),
    [
        ("conv:0:5", 'filters in "conv:0:5" must be a whole number 1–64'),
        ("conv:65:5", 'filters in "conv:65:5" must be a whole number 1–64'),
        ("conv:8:10", 'kernel in "conv:8:10" must be a whole number 1–9'),
        ("conv:8:5,pool:5", 'pool in "pool:5" must be a whole number 2–4'),
        ("pool:3", '"pool:3" does not fit the 1×28×28 maps'),
        ("pool:4,conv:4:9", '"conv:4:9" does not fit the 1×7×7 maps'),
        ("conv:4:9,pool:3", '"pool:3" does not fit the 4×20×20 maps'),
        ("conv:8:5:swish", 'activation in "conv:8:5:swish" must be one of sigmoid, tanh, relu'),
        ("dense:100", '"dense:100" is not'),
        ("conv:8", '"conv:8" is not'),
        ("conv:x:5", 'filters in "conv:x:5"'),
        ("conv:²:5", 'filters in "conv:²:5"'),
        ("conv:2:3," * 5, "at most 4 convolution and pooling layers, got 6"),
        (12, '"12" is not'),
    ],
)
def test_bad_convolutions_are_named(given, named):
    with pytest.raises(ValueError, match="^convolutions: .*" + named.replace("(", r"\(")):
        params.validate_params({**CONV, "convolutions": given}, 1000)


def test_the_field_is_canonical_and_empty_gives_todays_networks():
    p = params.validate_params({**CONV, "convolutions": " conv:20:5 , pool:2 "}, 1000)
    assert p["convolutions"] == "conv:20:5:sigmoid,pool:2"  # sigmoid unless named, as layers.parse_spec
    assert params.validate_params({}, 1000)["convolutions"] == ""
    dense = params.network_of(params.validate_params({"hidden": "30"}, 1000))
    assert dense.dense_only and dense.input_shape == (784,) and dense.sizes == [784, 30, 10]
    network3 = {**CONV, "convolutions": "conv:20:5:relu,pool:2", "hidden": "100"}
    net = params.network_of(params.validate_params(network3, 1000))
    assert net.input_shape == (1, 28, 28) and net.sizes == [784, 20 * 24 * 24, 20 * 12 * 12, 100, 10]
    assert [type(ly) for ly in net.layers] == [Conv2D, MaxPool2D, Dense, Dense]
    assert [ly.activation.name for ly in net.layers[2:]] == ["sigmoid", "softmax"]  # the form's choices


def test_the_work_of_a_step_and_the_page_cap_bound_a_conv_network():
    network3 = {**CONV, "convolutions": "conv:20:5:relu,pool:2", "hidden": "100"}
    # network3's conv 20×5×5 + pool, 100, 10: 0.59 M multiply-adds a digit, so a mini-batch of 67 at most
    with pytest.raises(ValueError, match=r"^batch_size: 588,630 multiply-adds a digit × mini-batch 100 .* at most 67"):
        params.validate_params({**network3, "batch_size": 100}, 1000)
    with pytest.raises(ValueError, match=r"^convolutions: these layers have 43,275,650 weights and biases"):
        params.validate_params({**CONV, "convolutions": "conv:64:3", "hidden": "1000", "batch_size": 1}, 1000)


def test_a_conv_run_trains_and_reports_its_epochs(session, train_run, ask):
    summary, progress, epochs = train_run(session, CONV)
    assert summary["stopped"] is False and summary["epochs_done"] == 2 and summary["examples"] == 240
    assert [e["epoch"] for e in epochs] == [1, 2]
    assert summary["sizes"] == [784, 3 * 24 * 24, 3 * 12 * 12, 10]
    assert epochs[-1]["layers"][0] == {"kind": "conv2d", "filters": 3, "kernel": 5, "activation": "relu"}
    assert summary["history"]["eval_accuracy"][-1] > 0.9  # the synthetic classes are easy
    assert progress[-1]["backend"] == "numpy" and summary["params"]["convolutions"] == "conv:3:5:relu,pool:2"
    assert session.nets["trained"].step_path == "products"  # the whole-step kernel takes dense networks only
    assert ask(session, "evaluate", which="trained")["accuracy"] == summary["test_accuracy"]


def test_a_conv_run_stops_mid_epoch(session, monkeypatch, train_run):
    monkeypatch.setattr(training, "PAUSE_EVERY", 0.0)
    seen = []

    async def pause():
        seen.append(1)
        if len(seen) == 5:
            session.stop()

    summary, _, epochs = train_run(session, CONV, pause=pause)
    assert summary["stopped"] is True and summary["epochs_done"] == 0 and summary["examples"] == 50 and not epochs


def test_a_conv_step_shows_its_batch_and_costs(session, ask):
    first = ask(session, "step", params=CONV)
    assert first["step"] == 1 and len(first["labels"]) == 10 and first["sizes"][1] == 3 * 24 * 24
    second = ask(session, "step", params=CONV)
    assert second["step"] == 2 and second["cost_before"] != second["cost_after"]
    assert all(np.isfinite([first["cost_before"], first["cost_after"], second["cost_after"]]))


def test_a_pair_can_vary_the_convolutions(session, train_run, ask):
    a, b = ask(session, "pair", params={**CONV, "seed": None}, vary="convolutions", value="")
    assert a["convolutions"] == "conv:3:5:relu,pool:2" and b["convolutions"] == "" and a["seed"] == b["seed"]
    assert {k for k in a if a[k] != b[k]} == {"convolutions"}
    assert params.network_of(b).dense_only and not params.network_of(a).dense_only
    assert train_run(session, b)[0]["epochs_done"] == 2


def test_a_conv_network_is_restored_bit_for_bit(session, train_run, ask, synthetic_digits):
    from backprop.page import session as page_session

    _, _, epochs = train_run(session, CONV)
    shown = ask(session, "evaluate", which="trained")
    data, layers, sizes = session.network_bytes("trained"), epochs[-1]["layers"], shown["sizes"]
    again = page_session.Session(synthetic_digits()[0])
    restored = ask(again, "restore-network", data=data, sizes=sizes, cost="log-likelihood", layers=layers)
    assert restored["correct"] == shown["correct"] and restored["layers"] == shown["layers"]
    for mine, theirs in zip(
        again.nets["trained"].weights + again.nets["trained"].biases,
        session.nets["trained"].weights + session.nets["trained"].biases,
    ):
        assert mine.shape == theirs.shape and mine.tobytes() == theirs.tobytes()
    assert again.network_bytes("trained") == data
    with pytest.raises(ValueError, match="has 4,408 numbers, got 4,407"):
        again.restore_network(sizes, "log-likelihood", data[:-8], layers=layers)
    with pytest.raises(ValueError, match="sizes must be its layers'"):
        again.restore_network([784, 10], "log-likelihood", data, layers=layers)
    with pytest.raises(ValueError, match=r"layers\[1\] has unknown kind 'pool'"):
        again.restore_network(sizes, "log-likelihood", data, layers=[layers[0], {"kind": "pool"}, layers[2]])
    with pytest.raises(ValueError, match="not finite"):
        again.restore_network(sizes, "log-likelihood", np.full(4408, np.nan).tobytes(), layers=layers)
    with pytest.raises(ValueError, match="the network has 3,140,000,000 weights and biases"):
        again.restore_network([784, 4_000_000, 10], "log-likelihood", b"", layers=[{"kind": "dense", "n": 4_000_000}])
    with pytest.raises(ValueError, match="gives 9 outputs; MNIST needs 10"):
        again.restore_network(sizes[:-1] + [9], "log-likelihood", data, layers=[*layers[:2], {**layers[2], "n": 9}])


def test_a_conv_network_evaluates_many_digits_a_chunk_at_a_time(session, train_run, monkeypatch):
    from backprop.nn import network

    train_run(session, {**CONV, "epochs": 1})
    net = session.nets["trained"]
    whole = net.feedforward(session.x_test)
    monkeypatch.setattr(network, "CHUNK_FLOATS", 24 * 24 * 25 * 3)  # 3 digits' patches: 40 digits in 14 chunks
    chunks = []
    real = net._output_rows
    monkeypatch.setattr(net, "_output_rows", lambda x: chunks.append(len(x)) or real(x))
    np.testing.assert_allclose(net.feedforward(session.x_test), whole, rtol=1e-12, atol=0)
    assert chunks == [3] * 13 + [1]


def test_the_views_asked_in_one_pause_of_a_run_share_one_forward_pass(session, train_run, ask, monkeypatch):
    from backprop.nn.network import Network

    monkeypatch.setattr(training, "PAUSE_EVERY", 0.0)
    passes, seen = [], []
    real = Network.feedforward
    monkeypatch.setattr(Network, "feedforward", lambda net, x: passes.append(len(x)) or real(net, x))

    async def pause():
        if len(seen) < 3:  # the page's refresh during a run: evaluate, the strip and the confusion matrix
            before = len(passes)
            shown = ask(session, "evaluate", which="trained")
            ask(session, "strip", which="trained", start=0, count=24)
            ask(session, "confusion", which="trained")
            net = session.nets["trained"]
            assert shown["correct"] == int(np.sum(real(net, session.x_test).argmax(axis=1) == session.y_test))
            seen.append(len(passes) - before)

    train_run(session, {**CONV, "epochs": 1}, pause=pause)
    assert seen == [1, 1, 1]  # one pass per pause, fresh after each step
