"""The new layers in the page's Python, through the wire as the worker asks: the form's new settings
checked in one place, a ReLU + softmax run with dropout and momentum, chapter 5's speeds per epoch,
paired runs over the new settings, BP1–BP4 and the gradient check on the new layers, dropout's masks in
a trial step, and a superset network saved, restored and downloaded."""

import json

import numpy as np
import pytest

import backprop
from backprop.page import params
from backprop.page import session as page_session

RELU = {
    "hidden": "20",
    "activation": "relu",
    "output": "softmax",
    "cost": "log-likelihood",
    "weight_init": "he",
    "epochs": 2,
    "train_size": 120,
    "batch_size": 10,
    "eta": 0.1,
    "lmbda": 0.1,
    "seed": 3,
    "dropout": 0.2,
    "momentum": 0.5,
}


@pytest.mark.parametrize(
    "change, field, words",
    [
        ({"cost": "log-likelihood"}, "output", "the log-likelihood cost goes with softmax outputs"),
        ({"output": "softmax"}, "output", "the cross-entropy cost goes with sigmoid outputs"),
        ({"activation": "swish"}, "activation", "must be one of sigmoid, tanh, relu"),
        ({"regularization": "l3"}, "regularization", "must be one of l2, l1, none"),
        ({"dropout": 0.95}, "dropout", 'dropout rate p must be a number from 0 to 0.9, got "0.95"'),
        ({"momentum": -0.1}, "momentum", "momentum μ must be a number from 0 to 0.99"),
        ({"momentum": "0.9"}, "momentum", "'0.9'"),
    ],
)
def test_the_new_settings_are_checked_with_the_forms_messages(change, field, words):
    with pytest.raises(ValueError) as e:
        params.validate_params(change, 1000)
    assert str(e.value).startswith(f"{field}: ") and words in str(e.value)


def test_a_relu_softmax_run_with_dropout_and_momentum_learns_and_measures_its_layers(session, train_run, ask):
    summary, progress, epochs = train_run(session, RELU)
    assert summary["epochs_done"] == 2 and summary["diverged"] is None
    assert summary["history"]["eval_accuracy"][-1] > 0.5
    assert summary["step"] is None and progress[-1]["step"] is None  # CPython: no kernel, numpy's step
    first = epochs[0]
    assert len(first["speed_start"]) == len(first["speed"]) == 1 and first["speed"][0] > 0
    assert "speed_start" not in epochs[1]
    assert first["dead"][0] is not None and 0 <= first["dead"][0] <= 1
    hidden, out = first["saturation"]
    assert hidden["activation"] == "relu" and set(hidden["f_prime"]) <= {0.0, 1.0}
    assert out["activation"] == "softmax" and out["f_prime"] is None
    shown = ask(session, "evaluate", which="trained")
    assert shown["activation"] == "relu" and shown["output"] == "softmax" and shown["cost"] == "log-likelihood"
    net = session.nets["trained"]
    assert net.layer_specs()[0] == {"kind": "dense", "n": 20, "activation": "relu"}


@pytest.mark.parametrize(
    "vary, value, other",
    [
        ("activation", "relu", {"activation": "relu"}),
        ("regularization", "l1", {"regularization": "l1"}),
        ("dropout", "0.5", {"dropout": 0.5}),
        ("momentum", "0.9", {"momentum": 0.9}),
        ("cost", "log-likelihood", {"cost": "log-likelihood", "output": "softmax"}),
    ],
)
def test_a_pair_varies_one_new_setting_from_the_same_first_weights(session, ask, vary, value, other):
    a, b = ask(session, "pair", params={"hidden": "12", "seed": 4}, vary=vary, value=value)
    assert {k: v for k, v in b.items() if a[k] != v} == other
    first = [params.network_of(validate) for validate in (a, b)]
    np.testing.assert_array_equal(first[0].weights[0], first[1].weights[0])


def relu_session(synthetic_digits):
    net = backprop.Network([784, 12, 10], activation="relu", output="softmax", cost="log-likelihood", seed=2)
    return page_session.Session(synthetic_digits()[0], backprop.nn.model_io.dumps(net)), net


def test_bp1_to_bp4_show_relus_step_softmaxs_delta_and_the_dropout_mask(synthetic_digits, ask):
    s, net = relu_session(synthetic_digits)
    t = ask(s, "trace-digit", which="model", index=3)
    hidden, out = t["layers"]
    assert hidden["activation"] == "relu" and out["activation"] == "softmax" and t["output"] == "softmax"
    assert hidden["f_prime"] == [1.0 if z > 0 else 0.0 for z in hidden["z"]]
    assert out["f_prime"] is None and t["cost"] == "log-likelihood"
    y = np.eye(10)[t["label"]]
    np.testing.assert_allclose(out["delta"], np.array(out["a"]) - y, rtol=0, atol=1e-15)  # δ^L = a − y
    dropped = ask(s, "trace-digit", which="model", index=3, dropout=0.5, seed=11)
    units = dropped["layers"][0]["dropped"]
    assert units and dropped["layers"][1]["dropped"] is None
    assert all(dropped["layers"][0]["delta"][j] == 0 and dropped["layers"][0]["a"][j] == 0 for j in units)
    step = ask(s, "trial-step", which="model", index=3, dropout=0.5, seed=11, count=50)
    assert step["dropped"] == [units]  # the same masks as the trace with that seed
    moved_rows = {m["j"] for m in step["moved"] if m["l"] == 2}
    assert moved_rows and not moved_rows & set(units)  # a dropped unit's weights do not move


def test_the_gradient_check_takes_the_regulariser_and_offers_the_networks_mistakes(synthetic_digits, ask):
    s, _ = relu_session(synthetic_digits)
    ok = ask(s, "check-gradient", which="model", index=3, regularization="l1", lmbda=5.0, n=100)
    assert ok["ok"] and ok["regularization"] == "l1" and "skipped" in ok
    keys = [k for k, _ in ok["mistakes"]]
    assert {"softmax-extra-f-prime", "relu-step-forgotten", "l1-as-l2"} <= set(keys)
    assert "bp1-no-sigma-prime" not in keys
    for mistake in ("softmax-extra-f-prime", "l1-as-l2"):
        wrong = ask(s, "check-gradient", which="model", index=3, regularization="l1", lmbda=5.0, n=100, mistake=mistake)
        assert not wrong["ok"]


def test_a_superset_network_is_saved_restored_and_downloaded_identically(synthetic_digits, ask, train_run):
    s, _ = relu_session(synthetic_digits)
    train_run(s, {**RELU, "epochs": 1})
    shown = ask(s, "evaluate", which="trained")
    data = s.network_bytes("trained")
    again = page_session.Session(synthetic_digits()[0])
    restored = ask(
        again,
        "restore-network",
        data=data,
        sizes=shown["sizes"],
        cost=shown["cost"],
        activation="relu",
        output="softmax",
    )
    assert restored["correct"] == shown["correct"] and restored["layers"] == shown["layers"]
    text = ask(s, "model-json", which="trained")
    net = backprop.loads(text)
    assert json.loads(text)["layers"][0]["activation"] == "relu"
    x = s.x_test[:50]
    np.testing.assert_array_equal(net.predict(x), s.nets["trained"].predict(x))
    loaded = ask(again, "load-file", text=text)
    assert loaded["correct"] == shown["correct"] and loaded["output"] == "softmax"
    with pytest.raises(ValueError, match="activation: .* must be one of sigmoid, tanh, relu"):
        again.restore_network(shown["sizes"], shown["cost"], data, activation="swish")
    with pytest.raises(ValueError, match="log-likelihood cost needs softmax outputs"):
        again.restore_network(shown["sizes"], shown["cost"], data, activation="relu", output="sigmoid")


def test_the_speeds_at_the_start_over_seeds_and_the_books_figures(session, ask):
    info = ask(session, "info")
    assert info["book_speeds"]["784-30-30-10"] == [0.07, 0.31]
    spread = ask(session, "speed-at-start", params={"hidden": "30,30", "seed": 1}, seeds=3)
    assert spread["n"] == 120 and len(spread["runs"]) == 3 and len(spread["mean"]) == 2
    assert spread["mean"][0] < spread["mean"][1]  # the first layer starts slower
    np.testing.assert_allclose(spread["mean"], np.mean(spread["runs"], axis=0))
