"""Training in the page (backprop.page.training), in CPython through the wire as the worker drives it:
a run reports every epoch and learns, yields to the host, stops, refuses a second run and bad settings;
Step continues one run batch by batch as the library's loop would; paired runs start alike; an epoch
carries its data terms and saturation; a diverging run ends with a plain explanation."""

import numpy as np
import pytest

import backprop
from backprop.page import params, training

N_TRAIN, N_TEST = 120, 40
PARAMS = {"hidden": "20", "epochs": 3, "train_size": N_TRAIN, "batch_size": 10, "eta": 1.0, "lmbda": 0.1, "seed": 7}
STEP = {"hidden": [12], "train_size": 120, "batch_size": 10, "epochs": 2, "seed": 5, "eta": 0.5, "lmbda": 1.0}


def test_a_run_reports_every_epoch_and_learns(session, train_run, ask):
    summary, progress, epochs = train_run(session, PARAMS)
    assert summary["stopped"] is False and summary["epochs_done"] == 3
    assert summary["examples"] == 3 * N_TRAIN and summary["examples_per_s"] > 0
    assert [e["epoch"] for e in epochs] == [1, 2, 3]
    h = summary["history"]
    assert [e["eval_accuracy"] for e in epochs] == h["eval_accuracy"]
    assert [e["train_cost"] for e in epochs] == h["train_cost"]
    assert h["eval_accuracy"][-1] > 0.5  # the synthetic classes are easy
    assert summary["test_accuracy"] == ask(session, "evaluate", which="trained")["accuracy"]
    # a progress report at least at the end of each epoch, with the fields the page shows
    assert progress and {"epoch", "epochs", "batch", "n_batches", "examples_per_s"} <= set(progress[-1])
    assert progress[-1]["batch"] == progress[-1]["n_batches"] == 12
    assert not session.running


def test_same_seed_same_run(session, train_run, ask):
    a = train_run(session, PARAMS)[0]["history"]
    b = train_run(session, PARAMS)[0]["history"]
    assert a == b


def test_float32_runs_learn_as_well_and_say_which_products_ran(session, train_run, ask):
    f64 = train_run(session, PARAMS)[0]
    f32, progress, _ = train_run(session, {**PARAMS, "dtype": "float32", "backend": "numpy"})
    assert f32["params"]["dtype"] == "float32" and session.nets["trained"].weights[0].dtype == np.float32
    assert f32["backend"] == progress[-1]["backend"] == "numpy" == f64["backend"]  # CPython: numpy
    # the same run in single precision: the same curve to float32's precision
    assert np.allclose(f32["history"]["train_cost"], f64["history"]["train_cost"], rtol=1e-4)
    assert f32["history"]["eval_accuracy"] == f64["history"]["eval_accuracy"]


def test_monitors_can_be_switched_off(session, train_run, ask):
    summary, _, epochs = train_run(session, {**PARAMS, "monitor": False})
    assert summary["history"]["eval_accuracy"] == [] and epochs[0]["eval_accuracy"] is None


def test_the_loop_yields_to_the_host(session, monkeypatch, train_run, ask):
    monkeypatch.setattr(training, "PAUSE_EVERY", 0.0)  # yield after every mini-batch
    pauses = []

    async def pause():
        pauses.append(1)

    train_run(session, {**PARAMS, "epochs": 1}, pause=pause)
    assert len(pauses) == N_TRAIN // 10


def test_stop_ends_the_run_and_keeps_the_partly_trained_network(session, monkeypatch, train_run, ask):
    monkeypatch.setattr(training, "PAUSE_EVERY", 0.0)
    seen = []

    async def pause():
        seen.append(1)
        if len(seen) == 15:  # mid-way through epoch 2 of 3, as a "stop" message would arrive
            session.stop()

    summary, _, epochs = train_run(session, PARAMS, pause=pause)
    assert summary["stopped"] is True and summary["epochs_done"] == 1
    assert summary["examples"] == 15 * 10
    assert len(epochs) == 1  # curves of the finished epoch are kept
    assert session.nets["trained"] is not None and not session.running
    untrained = backprop.Network([784, 20, 10], seed=7)
    assert not np.allclose(session.nets["trained"].weights[0], untrained.weights[0])  # it did learn something
    assert ask(session, "strip", which="trained")["which"] == "trained"
    # the flag does not leak into the next run
    again, _, _ = train_run(session, {**PARAMS, "epochs": 1})
    assert again["stopped"] is False and again["epochs_done"] == 1


def test_one_run_at_a_time(session, train_run, ask):
    errors = []

    async def pause():
        try:
            await session.train(PARAMS, lambda *_: None, pause)
        except RuntimeError as e:
            errors.append(str(e))

    train_run(session, {**PARAMS, "epochs": 1})
    assert session.running is False
    train_run(session, {**PARAMS, "epochs": 1}, pause=pause)
    assert errors and "already" in errors[0]


def test_bad_parameters_fail_before_anything_changes(session, train_run, ask):
    with pytest.raises(ValueError, match="eta"):
        train_run(session, {**PARAMS, "eta": -1})
    assert session.nets["trained"] is None and not session.running


def test_cached_outputs_follow_the_current_networks(session, train_run, ask, model_text):
    def expected(net):
        return int(np.sum(net.predict(session.x_test) == session.y_test))

    for settings in ({**PARAMS, "epochs": 1}, {**PARAMS, "epochs": 1, "hidden": "5", "eta": 0.01, "seed": 2}):
        train_run(session, settings)
        assert ask(session, "evaluate", which="trained")["correct"] == expected(session.nets["trained"])
        assert (
            ask(session, "strip", which="trained", start=0, count=N_TEST)["predictions"]
            == session.nets["trained"].predict(session.x_test).tolist()
        )
    session.load_file(model_text(seed=11, sizes=(784, 7, 10)))
    session.nets["model"] = session.nets["file"]  # shown as the shipped model, as a reload would
    session._outputs.pop("model", None)
    assert ask(session, "evaluate", which="model")["correct"] == expected(session.nets["model"])
    assert (
        ask(session, "strip", which="model", start=0, count=N_TEST)["predictions"]
        == session.nets["model"].predict(session.x_test).tolist()
    )


def test_steps_continue_one_run_batch_by_batch_as_train_steps_would(views, train_run, ask):
    session, _ = views
    shown = [ask(session, "step", params=STEP) for _ in range(14)]  # into the 2nd epoch
    assert [s["step"] for s in shown] == list(range(1, 15))
    assert (shown[11]["epoch"], shown[11]["batch"], shown[12]["epoch"]) == (1, 12, 2)
    assert "epoch_record" in shown[11] and "epoch_record" not in shown[10]
    assert sum(s["cost_after"] < s["cost_before"] for s in shown) >= 12
    assert sorted(sum((s["indices"] for s in shown[:12]), [])) == list(range(120))  # an epoch: every digit once

    # the oracle: the same seed trained by the library's own loop, 14 mini-batches
    net = backprop.Network([784, 12, 10], seed=5)
    steps = net.train_steps(session.x_train_u8[:120] / 255.0, session.y_train[:120], 2, 10, 0.5, 1.0)
    for _ in range(14):
        next(steps)
    for w, w_page in zip(net.weights, session.nets["trained"].weights):
        np.testing.assert_array_equal(w, w_page)
    # other settings start a new run
    again = ask(session, "step", params={**STEP, "eta": 0.1})
    assert again["step"] == 1


def test_paired_runs_with_equal_settings_coincide_exactly(views, train_run, ask):
    session, _ = views
    a, b = params.paired_params(STEP, "eta", STEP["eta"], session.n_train)
    assert a == b and ask(session, "pair", params=STEP, vary="eta", value=STEP["eta"]) == [a, b]
    ha, hb = train_run(session, a)[0]["history"], train_run(session, b)[0]["history"]
    assert ha == hb


def test_paired_runs_differ_in_one_setting_and_start_alike(views, train_run, ask):
    session, _ = views
    a, b = params.paired_params({**STEP, "seed": None}, "cost", "quadratic", session.n_train)
    assert a["seed"] == b["seed"] is not None
    assert {k for k in a if a[k] != b[k]} == {"cost"}
    first = train_run(session, {**a, "epochs": 1})[0]["history"]
    second = train_run(session, {**b, "epochs": 1})[0]["history"]
    assert first["train_cost"] != second["train_cost"]
    # large vs default initialisation: the same random numbers, scaled
    wa = backprop.Network([784, 12, 10], seed=a["seed"]).weights[0]
    wb = backprop.Network([784, 12, 10], seed=a["seed"], weight_init="large").weights[0]
    np.testing.assert_allclose(wa * np.sqrt(784), wb, rtol=1e-12)
    with pytest.raises(ValueError, match="varies one of"):
        params.paired_params(STEP, "hidden", [30], session.n_train)


def test_an_epoch_carries_the_data_terms_and_saturation(views, train_run, ask):
    session, _ = views
    _, _, epochs = train_run(session, {**STEP, "lmbda": 5.0})
    e = epochs[-1]
    net = session.nets["trained"]
    sum_w2 = sum(float(np.sum(w**2)) for w in net.weights)
    x, y = session.x_train_u8[:120] / 255.0, session.y_train[:120]
    assert e["train_cost_data"] == pytest.approx(net.total_cost(x, y, 0.0), rel=1e-9)
    assert e["train_cost"] == pytest.approx(e["train_cost_data"] + 0.5 * 5.0 / 120 * sum_w2, rel=1e-9)
    assert e["eval_cost_data"] == pytest.approx(net.total_cost(session.x_test, session.y_test, 0.0), rel=1e-9)
    assert [s["l"] for s in e["saturation"]] == [2, 3]
    for s in e["saturation"]:
        q = s["f_prime"]
        assert q == sorted(q) and 0 <= q[0] and q[-1] <= 0.25 and s["mean_abs_delta"] > 0


def test_a_diverging_run_ends_with_a_plain_explanation_and_a_usable_network(views, train_run, ask):
    session, _ = views
    summary, _, epochs = train_run(
        session,
        dict(hidden=[30], cost="quadratic", eta=1e6, lmbda=5.0, epochs=5, batch_size=10, train_size=200, seed=1),
    )
    d = summary["diverged"]
    assert d is not None and summary["stopped"] is False
    assert d["what"] in ("cost", "weights") and d["value"] in ("NaN", "Infinity", "-Infinity")
    assert d["epoch"] >= 1 and 1 <= d["batch"] <= 20
    assert d["message"].startswith(f"the {d['what']} became ")
    assert f"at epoch {d['epoch']}, batch {d['batch']}" in d["message"]
    assert "η = 1000000 is probably too large for the quadratic cost" in d["message"]
    assert summary["epochs_done"] == len(epochs) == d["epoch"] - 1  # the curves up to there
    # the network left behind is finite, and every view of it is strict JSON
    assert session.nets["trained"].weights_finite()
    for request, args in (
        ("evaluate", {}),
        ("strip", {"start": 0, "count": 24}),
        ("hidden-units", {}),
        ("confusion", {}),
        ("model-json", {}),
        ("unit-detail", {"unit": 0}),
        ("predict-test-digit", {"index": 3}),
        ("confusion-cell", {"true_label": 1, "predicted": 1}),
    ):
        ask(session, request, which="trained", **args)  # strict JSON, or the test fails


def test_a_run_that_does_not_diverge_says_so(views, train_run, ask):
    session, _ = views
    summary, _, epochs = train_run(session, dict(hidden=[16], epochs=2, batch_size=10, train_size=100, seed=2))
    assert summary["diverged"] is None and summary["epochs_done"] == 2 and len(epochs) == 2


def test_the_step_button_starts_again_on_new_digits(views, ask, synthetic_digits):
    s, _ = views
    full = synthetic_digits(500, 120, seed=1, ink=200)
    p = {"hidden": [8], "train_size": 100, "batch_size": 10, "seed": 2}
    assert ask(s, "step", params=p)["step"] == 1
    assert ask(s, "step", params=p)["step"] == 2
    s.load_full(full[0])
    again = ask(s, "step", params=p)
    assert again["step"] == 1
    assert again["labels"] == full[1]["y_train"][again["indices"]].tolist()


def test_expanded_data_trains_on_each_digit_and_its_four_moves(views, train_run, ask):
    """expand "shifts": five times the digits an epoch, and a Step shows the moved digit it trained on."""
    session, _ = views
    p = {**PARAMS, "expand": "shifts", "epochs": 1}
    summary, progress, _ = train_run(session, p)
    assert summary["examples"] == 5 * N_TRAIN and progress[-1]["n_batches"] == 5 * N_TRAIN // 10
    # the oracle: the library's loop on backprop.data.expand's set, the same seed
    x, y = backprop.data.expand.shifts(session.x_train_u8[:N_TRAIN], session.y_train[:N_TRAIN])
    net = params.network_of(params.validate_params(p, N_TRAIN))
    for _ in net.train_steps(x, y, 1, 10, 1.0, 0.1, x_divisor=255.0):
        pass
    for w, w_page in zip(net.weights, session.nets["trained"].weights):
        np.testing.assert_array_equal(w, w_page)
    shown = ask(session, "step", params={**STEP, "expand": "shifts"})
    assert shown["n_batches"] == 5 * 120 // 10
    i = shown["indices"][0]
    pixels = np.frombuffer(__import__("base64").b64decode(shown["pixels"]), np.uint8).reshape(-1, 784)
    np.testing.assert_array_equal(pixels[0], x[i])  # the digit as moved, not the i-th original
    assert shown["labels"][0] == y[i]
