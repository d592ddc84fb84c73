"""The page session under faults (issue 10), in CPython: a diverging run ends with a plain
explanation and a usable network; every string that crosses to JavaScript is strict JSON; one
mini-batch step is bounded; the trained network survives a worker restart as bytes."""

import asyncio
import json
import math

import numpy as np
import pytest

import backprop
from backprop.page import session as browser
from backprop.page import params as limits
from test_session_views import _subset


def strict(text):
    """json.loads that fails on the NaN/Infinity tokens JavaScript's JSON.parse refuses."""
    return json.loads(text, parse_constant=lambda name: pytest.fail(f"{name} in JSON: {text[:200]}"))


def run(session, **params):
    """One training run as the worker drives it; returns (summary, epoch records, progress records)."""
    epochs, progress = [], []

    async def pause():
        return None

    summary = asyncio.run(session.train(json.dumps(params), lambda t: progress.append(strict(t)),
                                        lambda t: epochs.append(strict(t)), pause))
    return strict(summary), epochs, progress


@pytest.fixture
def session():
    data, _ = _subset()
    return browser.Session(data, json.dumps(backprop.Network([784, 16, 10], seed=4).to_dict()))


def test_a_diverging_run_ends_with_a_plain_explanation_and_a_usable_network(session):
    summary, epochs, _ = run(session, hidden=[30], cost="quadratic", eta=1e6, lmbda=5.0, epochs=5,
                             batch_size=10, train_size=200, seed=1)
    d = summary["diverged"]
    assert d is not None and summary["stopped"] is False
    assert d["what"] in ("cost", "weights") and d["value"] in ("NaN", "Infinity", "-Infinity")
    assert d["epoch"] >= 1 and 1 <= d["batch"] <= 20
    assert d["message"].startswith(f"the {d['what']} became ")
    assert f"at epoch {d['epoch']}, batch {d['batch']}" in d["message"]
    assert "η = 1000000 is probably too large for the quadratic cost" in d["message"]
    assert summary["epochs_done"] == len(epochs) == d["epoch"] - 1   # the curves up to there
    # the network left behind is finite, and every view of it is strict JSON
    assert session.trained.weights_finite()
    for text in (session.evaluate("trained"), session.strip("trained", 0, 24), session.hidden_units("trained"),
                 session.confusion("trained"), session.model_json("trained"), session.unit_detail("trained", 0),
                 session.predict_test_digit("trained", 3), session.confusion_cell("trained", 1, 1)):
        strict(text)


def test_a_run_that_does_not_diverge_says_so(session):
    summary, epochs, _ = run(session, hidden=[16], epochs=2, batch_size=10, train_size=100, seed=2)
    assert summary["diverged"] is None and summary["epochs_done"] == 2 and len(epochs) == 2


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_every_answer_is_strict_json_even_for_a_non_finite_network(session, bad):
    net = backprop.Network([784, 16, 10], seed=3)
    net.weights[0][:5] = bad
    net.biases[1][0] = bad
    session._put("file", net)
    calls = [lambda: session.evaluate("file"), lambda: session.strip("file", 0, 24),
             lambda: session.confusion("file"), lambda: session.unit_detail("file", 0),
             lambda: session.predict_test_digit("file", 0), lambda: session.confusion_cell("file", 0, 0),
             lambda: session.hidden_units("file"), lambda: session.model_json("file"), session.info]
    answered = 0
    for call in calls:   # strict JSON, or a ValueError with a message: never a NaN token
        try:
            text = call()
        except ValueError as e:
            assert "finite" in str(e) or "NaN" in str(e)
            continue
        strict(text)
        answered += 1
    assert answered >= 5
    with pytest.raises(ValueError, match="not finite"):   # a file that could not be read back
        session.model_json("file")


def test_json_maps_every_non_finite_float_to_null():
    value = {"a": [1.5, math.nan, np.float64(np.inf)], "b": {"c": -math.inf, "d": np.float32(2.5)}, "e": "NaN"}
    assert strict(browser._json(value)) == {"a": [1.5, None, None], "b": {"c": None, "d": 2.5}, "e": "NaN"}


def test_one_step_is_bounded_by_weights_times_batch_size():
    biggest = [1000] * browser.MAX_HIDDEN_LAYERS
    n = limits.n_parameters([784, *biggest, 10])
    assert n == sum(a * b + b for a, b in zip([784, *biggest], [*biggest, 10]))   # an independent count
    fits = browser.MAX_STEP_WORK // n
    assert fits >= 10                 # the largest network still trains, with mini-batches of 10
    ok = browser.validate_params({"hidden": biggest, "batch_size": fits}, 10000)
    assert ok["batch_size"] == fits
    with pytest.raises(ValueError, match=rf"batch_size: .*mini-batch of at most {fits}\b"):
        browser.validate_params({"hidden": biggest, "batch_size": fits + 1}, 10000)
    # the default settings are far below the cap
    assert limits.n_parameters([784, 30, 10]) * 10 < browser.MAX_STEP_WORK / 100


def test_the_trained_network_round_trips_as_bytes(session):
    run(session, hidden=[20, 12], epochs=1, batch_size=10, train_size=100, seed=5, cost="quadratic")
    data = session.network_bytes("trained")
    facts = strict(session.evaluate("trained"))
    x = session.x_test[:50]
    before = session.trained.feedforward(x)
    other = browser.Session(_subset()[0])
    shown = strict(other.restore_network(json.dumps(facts["sizes"]), facts["cost"], data))
    assert shown["sizes"] == [784, 20, 12, 10] and shown["cost"] == "QuadraticCost"
    np.testing.assert_array_equal(other.trained.feedforward(x), before)   # bit for bit
    with pytest.raises(ValueError, match="damaged"):
        other.restore_network("[784, 20, 12, 10]", "QuadraticCost", data[:-8])
    nan = bytearray(data)
    nan[:8] = np.array([np.nan]).tobytes()
    with pytest.raises(ValueError, match="not finite"):
        other.restore_network("[784, 20, 12, 10]", "QuadraticCost", bytes(nan))
    with pytest.raises(ValueError, match="sizes"):
        other.restore_network("[784, 20, 12, 9]", "QuadraticCost", data)
    with pytest.raises(ValueError, match="cost"):
        other.restore_network("[784, 20, 12, 10]", "__import__('os')", data)
