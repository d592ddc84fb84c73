"""The session methods behind the mathematics views: BP1–BP4 on one digit, the gradient check, a trial
step, the Step button, paired runs and what an epoch looks like inside — checked in CPython."""

import asyncio
import base64
import json

import numpy as np
import pytest

import backprop
from backprop import trace
from backprop.page import session as browser

from test_session_views import _subset


@pytest.fixture
def setup():
    data, arrays = _subset()
    net = backprop.Network([784, 16, 10], seed=4)
    session = browser.Session(data, json.dumps(net.to_dict()))
    return session, net, arrays["x_test"] / 255.0, arrays["y_test"].astype(int)


def run(session, params):
    epochs = []

    async def pause():
        await asyncio.sleep(0)

    summary = asyncio.run(session.train(json.dumps(params), lambda t: None, lambda t: epochs.append(json.loads(t)), pause))
    return json.loads(summary), epochs


def test_trace_digit_carries_bp1_to_bp4_as_numbers(setup):
    session, net, x, y = setup
    got = json.loads(session.trace_digit("model", 3))
    assert got["label"] == y[3] and got["what"] == "test digit #3"
    want = trace(net, x[3], y[3])
    for shown, layer in zip(got["layers"], want.layers):
        for key in ("z", "a", "sigma_prime", "delta", "nabla_b"):
            np.testing.assert_allclose(shown[key], getattr(layer, key), rtol=1e-9, atol=1e-14)
        nabla_w = np.frombuffer(base64.b64decode(shown["nabla_w"]), np.float32).reshape(shown["nabla_w_shape"])
        np.testing.assert_allclose(nabla_w, layer.nabla_w, rtol=1e-6, atol=1e-30)
    nabla_b, nabla_w = net.backprop(x[3:4], y[3:4])          # ... which is the library's gradient
    np.testing.assert_allclose(got["layers"][-1]["nabla_b"], nabla_b[-1][:, 0], rtol=1e-9)
    assert [l["equation"] for l in got["layers"]] == ["BP2", "BP1"]


def test_the_cost_switch_shows_bp1s_sigma_prime(setup):
    session, *_ = setup
    ce = json.loads(session.trace_digit("model", 0, cost="cross-entropy"))
    quad = json.loads(session.trace_digit("model", 0, cost="quadratic"))
    a, sp = np.array(ce["layers"][-1]["a"]), np.array(ce["layers"][-1]["sigma_prime"])
    onehot = np.eye(10)[ce["label"]]
    np.testing.assert_allclose(ce["layers"][-1]["delta"], a - onehot, atol=1e-14)
    np.testing.assert_allclose(quad["layers"][-1]["delta"], (a - onehot) * sp, atol=1e-14)
    assert (quad["cost"], quad["network_cost"]) == ("QuadraticCost", "CrossEntropyCost")


def test_a_drawing_can_be_traced_with_a_chosen_label(setup):
    session, *_ = setup
    with pytest.raises(ValueError, match="nothing has been drawn"):
        session.trace_digit("model", -1)
    ink = np.zeros((280, 280), np.uint8)
    ink[40:240, 120:150] = 255
    guess = json.loads(session.predict_drawing("model", ink.tobytes(), 280, 280))["digit"]
    assert json.loads(session.trace_digit("model", -1))["label"] == guess      # default: the guess
    assert json.loads(session.trace_digit("model", -1, label=7))["label"] == 7


def test_the_gradient_check_passes_and_the_break_switch_fails_it(setup):
    session, *_ = setup
    ok = json.loads(session.check_gradient("model", 5))
    assert ok["ok"] and all(l["max_error"] <= 1e-6 for l in ok["layers"])
    broken = json.loads(session.check_gradient("model", 5, mistake="bp2-no-sigma-prime"))
    assert [l["ok"] for l in broken["layers"]] == [False, True]      # the hidden layer only
    row = broken["layers"][0]["rows"][0]
    assert row[0] in ("w", "b") and len(row) == 6


def test_a_trial_step_lowers_the_cost_and_leaves_the_network(setup):
    session, net, x, y = setup
    before = [w.copy() for w in session.model.weights]
    got = json.loads(session.trial_step("model", 2, eta=0.5))
    assert got["cost_after"] < got["cost_before"]
    assert got["cost_before"] == pytest.approx(net.total_cost(x[2], [y[2]]))
    for w, w0 in zip(session.model.weights, before):
        np.testing.assert_array_equal(w, w0)
    moved = [abs(m["change"]) for m in got["moved"]]
    assert moved == sorted(moved, reverse=True) and len(moved) == 8


PARAMS = {"hidden": [12], "train_size": 120, "batch_size": 10, "epochs": 2, "seed": 5, "eta": 0.5, "lmbda": 1.0}


def test_steps_continue_one_run_batch_by_batch_as_train_steps_would(setup):
    session, *_ = setup
    shown = [json.loads(session.step(json.dumps(PARAMS))) for _ in range(14)]      # into the 2nd epoch
    assert [s["step"] for s in shown] == list(range(1, 15))
    assert (shown[11]["epoch"], shown[11]["batch"], shown[12]["epoch"]) == (1, 12, 2)
    assert "epoch_record" in shown[11] and "epoch_record" not in shown[10]
    assert sum(s["cost_after"] < s["cost_before"] for s in shown) >= 12
    assert sorted(sum((s["indices"] for s in shown[:12]), [])) == list(range(120))   # an epoch: every digit once

    # the oracle: the same seed trained by the library's own loop, 14 mini-batches
    net = backprop.Network([784, 12, 10], seed=5)
    steps = net.train_steps(session.x_train_u8[:120] / 255.0, session.y_train[:120], 2, 10, 0.5, 1.0)
    for _ in range(14):
        next(steps)
    for w, w_page in zip(net.weights, session.trained.weights):
        np.testing.assert_array_equal(w, w_page)
    # other settings start a new run
    again = json.loads(session.step(json.dumps({**PARAMS, "eta": 0.1})))
    assert again["step"] == 1


def test_paired_runs_with_equal_settings_coincide_exactly(setup):
    session, *_ = setup
    a, b = browser.paired_params(PARAMS, "eta", PARAMS["eta"], session.n_train)
    assert a == b
    ha, hb = run(session, a)[0]["history"], run(session, b)[0]["history"]
    assert ha == hb


def test_paired_runs_differ_in_one_setting_and_start_alike(setup):
    session, *_ = setup
    a, b = browser.paired_params({**PARAMS, "seed": None}, "cost", "quadratic", session.n_train)
    assert a["seed"] == b["seed"] is not None
    assert {k for k in a if a[k] != b[k]} == {"cost"}
    first = run(session, {**a, "epochs": 1})[0]["history"]
    second = run(session, {**b, "epochs": 1})[0]["history"]
    assert first["train_cost"] != second["train_cost"]
    # large vs default initialisation: the same random numbers, scaled
    wa = backprop.Network([784, 12, 10], seed=a["seed"]).weights[0]
    wb = backprop.Network([784, 12, 10], seed=a["seed"], weight_init="large").weights[0]
    np.testing.assert_allclose(wa * np.sqrt(784), wb, rtol=1e-12)
    with pytest.raises(ValueError, match="varies one of"):
        browser.paired_params(PARAMS, "hidden", [30], session.n_train)


def test_an_epoch_carries_the_data_terms_and_saturation(setup):
    session, *_ = setup
    _, epochs = run(session, {**PARAMS, "lmbda": 5.0})
    e = epochs[-1]
    net = session.trained
    sum_w2 = sum(float(np.sum(w ** 2)) for w in net.weights)
    x, y = session.x_train_u8[:120] / 255.0, session.y_train[:120]
    assert e["train_cost_data"] == pytest.approx(net.total_cost(x, y, 0.0), rel=1e-9)
    assert e["train_cost"] == pytest.approx(e["train_cost_data"] + 0.5 * 5.0 / 120 * sum_w2, rel=1e-9)
    assert e["eval_cost_data"] == pytest.approx(net.total_cost(session.x_test, session.y_test, 0.0), rel=1e-9)
    assert [s["l"] for s in e["saturation"]] == [2, 3]
    for s in e["saturation"]:
        q = s["sigma_prime"]
        assert q == sorted(q) and 0 <= q[0] and q[-1] <= 0.25 and s["mean_abs_delta"] > 0
